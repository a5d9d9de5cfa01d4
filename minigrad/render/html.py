"""`mg.to_html`: the BPTT picture as one self-contained, interactive HTML file.

A static SVG of a long unroll is either unreadable or enormous. The viewer draws the
same diagram as `view="bptt"` (built once in Python by `bptt.build`, with every step's
gates) in the browser, where a learner can pan and zoom, open a step into its gates
or close a whole layer, hover a box for its op, course label, shape, dtype, value
statistics and ‖grad‖, click a cell of the layer × t heatmap of ‖∂L/∂a<t>‖ to find
that step, and replay the backward pass in the order the engine ran it.

Everything is inlined (the diagram as JSON, `viewer/viewer.js`, `viewer/viewer.css`,
plain JavaScript with no library): the file opens offline. `mg.viewer(...)` wraps
the same HTML for Jupyter, which shows it inline.
"""
from __future__ import annotations

import html as _html
import json
import math
import os
from importlib import resources

import numpy as np

from ..backend import backend_of_array
from . import bptt
from .bptt_dot import _color, _level
from .dot import PALETTE, _Writer
from .graph import collect
from .graph import param_names as _param_names

LARGE = 48  # more step boxes than this: every step starts closed (its gates hidden)


def to_html(root, path=None, *, params=None, show_grads: bool | None = None,
            view: str = "bptt", expand: str | None = None, title: str = "minigrad BPTT",
            **options) -> str:
    """A self-contained interactive HTML viewer of the graph that computed `root`.

    The course's BPTT view, drawn in the browser: steps open into their gates on a click,
    and it pans and zooms; no server and no network are needed.

    Args:
        root: the Tensor (or a list of Tensors) whose graph to show.
        path: if given, the HTML is also written there (atomically: a temporary file
            renamed into place).
        params: as `draw_graph` (a model, or a dict name -> Tensor).
        show_grads: colour by ‖∂L/∂·‖ (needs a backward run inside
            `mg.record_grad_norms()`);
            None: whenever norms were recorded.
        view: "bptt" (the only layout the viewer draws; the op-level graph is
            `mg.draw_graph(view="ops")`).
        expand: "gates" opens every step at first; None opens them when there are at most
            48 step boxes (a larger graph starts with its steps closed: one click opens a
            step).
        title: the page title.
        **options: the other options of `draw_graph` (show_shapes, group, rankdir,
            max_nodes, max_steps) are accepted and ignored: the viewer lays out, collapses
            and zooms by itself.

    Returns:
        str: the HTML text.

    Raises:
        ValueError: for another view or expand.
        TypeError: for a root that is not a Tensor.

    Examples:
        >>> x = mg.tensor([1.0, 2.0], requires_grad=True)
        >>> loss = (x * x).sum()
        >>> html = mg.to_html(loss)
        >>> html.startswith("<!DOCTYPE html>")
        True
    """
    if view != "bptt":
        raise ValueError(f"to_html draws view='bptt' only, got view={view!r}; for the op-level "
                         "graph use mg.draw_graph(root, view='ops')")
    if expand not in bptt.EXPANDS:
        raise ValueError(f"expand must be None or 'gates', got {expand!r}")
    unknown = set(options) - {"show_shapes", "group", "rankdir", "max_nodes", "max_steps"}
    if unknown:
        raise TypeError(f"to_html got unexpected options {sorted(unknown)}")
    diagram = bptt.build(collect(root, _param_names(params)), "gates")
    model = diagram_model(diagram, show_grads, expand)
    model["title"] = title
    text = _page(model, title)
    if path is not None:
        _write_atomically(os.fspath(path), text)
    return text


class viewer:
    """The HTML viewer for Jupyter: displays itself inline.

    It is shown in an iframe, so its script runs in JupyterLab and the classic notebook
    alike; leave it as the last line of a cell. Outside Jupyter, `.save(path)` writes the
    page.

    Args:
        root: the Tensor (or list of Tensors) whose graph to show.
        **options: the options of `to_html` (without `path`).

    Raises:
        ValueError: for an unknown option value.
        TypeError: for a root that is not a Tensor.

    Examples:
        >>> x = mg.tensor([1.0, 2.0], requires_grad=True)
        >>> loss = (x * x).sum()
        >>> mg.viewer(loss)
        <mg.viewer: 25,204 characters of HTML>
    """

    def __init__(self, root, **options):
        self.html = to_html(root, **options)

    def _repr_html_(self) -> str:
        return (f'<iframe srcdoc="{_html.escape(self.html, quote=True)}" '
                'style="width:100%;height:640px;border:1px solid #ccc" '
                'sandbox="allow-scripts"></iframe>')

    def save(self, path) -> str:
        """Write the HTML to `path` (atomically).

        Args:
            path: the file to write.

        Returns:
            str: the path.

        Examples:
            >>> x = mg.tensor([1.0, 2.0], requires_grad=True)
            >>> loss = (x * x).sum()
            >>> import os, tempfile
            >>> with tempfile.TemporaryDirectory() as folder:
            ...     path = mg.viewer(loss).save(os.path.join(folder, "bptt.html"))
            ...     os.path.getsize(path) > 1000
            True
        """
        _write_atomically(os.fspath(path), self.html)
        return os.fspath(path)

    def __repr__(self) -> str:
        return f"<mg.viewer: {len(self.html):,} characters of HTML>"


# -- the data the page draws -----------------------------------------------------------

def diagram_model(diagram, show_grads, expand) -> dict:
    """The diagram as plain data: boxes, links, rows, the heatmap, the backward order."""
    from .norms import backward_position, diagram_norms

    norms = diagram_norms(diagram)
    if show_grads is False:
        norms = {}
    writer = _Writer(False, norms or None)
    boxes, order = [], []
    for box in diagram.boxes.values():
        norm = norms.get(box.id)
        item = {"id": box.id, "kind": box.kind, "label": box.label, "detail": box.detail,
                "row": box.row, "col": box.column, "step": box.step, "role": box.role,
                "level": _level(box)}
        if norm is not None and math.isfinite(norm):
            item["grad"] = _short(norm)
            item["color"] = _color(norm, writer)
        stats = _stats(box.arrays[0]) if box.arrays else None
        if stats:
            item["stats"] = stats
        if box.params:
            item["params"] = [[name, list(map(int, t.shape)), _short_or_none(norms.get(("param", id(t))))]
                              for name, t in box.params]
        nodes = diagram.nodes_of(box)
        ops = sorted({node.op_name for node in nodes})
        if ops:
            item["ops"] = ops[:12]
        positions = [p for p in (backward_position(node) for node in nodes) if p is not None]
        if positions:
            item["order"] = min(positions)
            order.append((min(positions), box.id))
        boxes.append(item)
    links = []  # [source, target, kind, ‖grad‖, colour]: compact, there are many
    kinds = {"state": 0, "data": 1, "shared": 2, "bus": 3}
    for link in diagram.links:
        norm = norms.get(("link", link.source, link.target))
        if norm is not None and math.isfinite(norm):
            links.append([link.source, link.target, kinds[link.kind], _short(norm),
                          _color(norm, writer)])
        else:
            links.append([link.source, link.target, kinds[link.kind], None, None])
    heat = [[None] * len(diagram.times) for _ in diagram.rows]
    for box in diagram.boxes.values():
        if box.kind == "step" and box.id in norms:
            heat[box.row][box.column] = _short_or_none(norms[box.id])
    steps = len(diagram.times)
    return {
        "boxes": boxes, "links": links, "rows": diagram.rows,
        "times": [diagram.course_time(c) for c in range(steps)],
        "heat": heat, "order": [box_id for _, box_id in sorted(order)],
        "palette": list(PALETTE), "scale": writer.scale,
        "open": expand == "gates" or (expand is None and steps * len(diagram.rows) <= LARGE),
    }


def _stats(array) -> dict | None:
    """Shape, dtype and value statistics of a backend array (one host copy)."""
    try:
        host = np.asarray(backend_of_array(array).to_host(array))
    except (AttributeError, TypeError, ValueError):
        return None
    stats = {"shape": list(map(int, host.shape)), "dtype": str(host.dtype)}
    if host.size and host.dtype.kind in "fiub":
        values = host.astype(np.float64)
        stats.update(mean=_short(values.mean()), std=_short(values.std()),
                     min=_short(values.min()), max=_short(values.max()))
    return stats


def _short_or_none(value):
    return None if value is None or not math.isfinite(value) else _short(value)


def _short(value) -> float:
    """Four significant digits: what a tooltip shows, in a quarter of the page's bytes."""
    return float(f"{float(value):.4g}")


def _page(model: dict, title: str) -> str:
    folder = resources.files(__package__).joinpath("viewer")
    script = folder.joinpath("viewer.js").read_text(encoding="utf-8")
    style = folder.joinpath("viewer.css").read_text(encoding="utf-8")
    data = json.dumps(model, separators=(",", ":"), allow_nan=False, default=_plain,
                      ensure_ascii=False)
    data = data.replace("</", "<\\/")  # no "</script>" inside the JSON
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{_html.escape(title)}</title><style>{style}</style></head><body>"
            '<div id="app"></div>'
            f'<script id="minigrad-data" type="application/json">{data}</script>'
            f"<script>{script}</script></body></html>\n")


def _plain(value):
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    raise TypeError(f"to_html: cannot write {type(value).__name__} into the page")


def _write_atomically(path: str, text: str) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"to_html: the folder of {path!r} does not exist; create it "
                                "first (os.makedirs)")
    temporary = f"{path}.tmp{os.getpid()}"
    try:
        with open(temporary, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
