"""DOT text for a recorded graph (`to_dot`), and a `graphviz.Digraph` of it (`draw_graph`).

The grammar is torchviz's: one box per op, labelled with the op and its output
shape; leaves labelled by their parameter names. The split is DeZero's: the DOT
text is written here with no dependency, and only rendering it to an image needs
the Graphviz program `dot`. Beyond both: clusters per module, recurrent layer,
direction and time step (`group=`), long sequences collapsed to their first and
last steps, and gradient norms as colour (`show_grads=`).

What is drawn how (the legend of every picture):

    op             rounded grey box: "MatMul" and its output shape
    parameter      square blue box: its name and shape (a leaf that requires grad)
    input          yellow parallelogram: a leaf that does not require grad
    constant       plain text: a 0-d constant (a Python scalar in an expression)
    root           green, thick border: the tensor(s) the picture was drawn from
    … N steps …    dashed box: the hidden middle of a long sequence
"""
from __future__ import annotations

import contextlib
import gc

from ..backend import get_default_dtype
from .graph import (
    CONST,
    INPUT,
    MARKER,
    OP,
    PARAM,
    classify,
    cluster_path,
    collapse,
    collect,
    step_of,
)
from .graph import param_names as _param_names

GROUPS = (None, "module", "timestep")
RANKDIRS = ("LR", "RL", "TB", "BT")

# viridis, sampled at nine points: dark = small gradient, yellow = large.
PALETTE = ("#440154", "#472d7b", "#3b528b", "#2c728e", "#21918c", "#28ae80", "#5ec962",
           "#addc30", "#fde725")
_DARK = 5  # palette entries below this index get white text
ZERO_COLOR, BAD_COLOR = "#d0d0d0", "#d62728"  # exactly zero: no gradient arrived

_GRAPH_ATTRS = ('\tgraph [rankdir={rankdir} fontname="Helvetica" fontsize=10 nodesep=0.18 '
                'ranksep=0.28 labeljust=l]\n')
_NODE_ATTRS = ('\tnode [shape=box style="rounded,filled" fillcolor="#e8e8e8" color="#8c8c8c" '
               'fontname="Helvetica" fontsize=9 height=0.3 margin="0.07,0.03"]\n')
_EDGE_ATTRS = '\tedge [color="#6b6b6b" arrowsize=0.5]\n'

_KIND_STYLE = {
    OP: "",
    PARAM: 'shape=box style=filled fillcolor="#cfe2f3" color="#3d6fa8"',
    INPUT: 'shape=parallelogram style=filled fillcolor="#fff2b3" color="#b8962e"',
    CONST: 'shape=plaintext style=solid fontcolor="#6b6b6b"',
    MARKER: 'style="rounded,dashed" fillcolor=none color="#6b6b6b" fontcolor="#404040"',
}
_ROOT_STYLE = 'fillcolor="#b9e39a" color="#3a7d16" penwidth=2'
_ROOT_BORDER = 'color="#3a7d16" penwidth=2.5'  # with show_grads the fill shows the norm
_CLUSTER_STYLE = {
    "module": 'style="rounded,filled" fillcolor="#f3f6fa" color="#a9b8cc"',
    "layer": 'style="rounded,filled" fillcolor="#f4f4f4" color="#b0b0b0"',
    "direction": 'style="rounded,filled" fillcolor="#fafafa" color="#c4c4c4"',
    "step": 'style="rounded,filled" fillcolor="white" color="#9a9a9a"',
}


class GraphvizNotFoundError(RuntimeError):
    """Rendering needs the Graphviz program `dot`, and it is not installed.

    Raised by `draw_graph(...)` pictures when they are rendered (`.render`, `.pipe`,
    Jupyter display) without `dot` on the PATH; `to_dot` never needs it. The message says
    how to install Graphviz.

    Examples:
        >>> issubclass(mg.GraphvizNotFoundError, RuntimeError)
        True
    """


MISSING_DOT = (
    "rendering a graph needs the Graphviz program `dot`, which was not found on PATH. "
    "`pip install graphviz` is not enough: it installs only the Python binding. Install "
    "the program itself: `sudo apt-get install graphviz` (Debian/Ubuntu), `brew install "
    "graphviz` (macOS), `conda install -c conda-forge graphviz`, or the installer from "
    "https://graphviz.org/download/ (Windows: add its bin folder to PATH). Without it, "
    "mg.to_dot(...) (or .source of this graph) still gives the DOT text."
)


def to_dot(root, *, params=None, show_shapes: bool = True, show_grads: bool = False,
           group: str | None = None, rankdir: str = "LR", max_nodes: int | None = None,
           max_steps: int | None = None, view: str = "ops", expand: str | None = None) -> str:
    """The DOT source of the graph that computed `root` (a Tensor or a list of them).

    Needs neither the graphviz package nor the `dot` program.

    Args:
        root: the Tensor (or a list of Tensors) whose graph to draw.
        params: a model (anything with `named_parameters()`) or a dict name -> Tensor;
            leaves found there are labelled by name.
        show_shapes: label ops with their output shape (and dtype, when not the default)
            and leaves with their shape.
        show_grads: after `backward()` run inside `mg.record_grad_norms()`, colour each node
            by the norm of its gradient (log scale, with a legend); leaves use their
                `.grad`.
        group: None, "module" (one cluster per module / scope path) or "timestep" (one
            cluster per time step, inside one per layer and direction).
        rankdir: "LR" (inputs left, loss right), "TB", "RL" or "BT".
        max_nodes: draw at most this many op and leaf nodes: long sequences keep their
            first and last steps with one "… N steps …" node between, then the nodes
            farthest from the root are left out (one "… N more nodes …" node).
        max_steps: keep only this many time steps of each recurrent layer (first and last
            halves), whatever the size.
        view: "ops" (every recorded op, the default) or "bptt": the course's unrolled
            figure, one column per time step and one row per layer and direction, each step
            one box labelled in the course notation (a<t>, c<t>), the state chain straight,
            shared parameters once per row, composite ops (losses, softmax) one box each.
            `group` does not apply to it.
        expand: with view="bptt", "gates" opens every step into its gates (Γu, Γf, Γo, Γr,
            c̃<t>, c<t>, a<t>), fused steps included.

    Returns:
        str: the DOT text, as `draw_graph(...).source`.

    Raises:
        TypeError: for a root that is not a Tensor.
        ValueError: for an unknown `group`, `rankdir`, `view` or `expand`.

    Examples:
        >>> x = mg.tensor([1.0, 2.0], requires_grad=True)
        >>> loss = (x * x).sum()
        >>> dot = mg.to_dot(loss)
        >>> dot.splitlines()[0]
        'digraph minigrad {'
        >>> "Mul" in dot and "Sum" in dot
        True
    """
    body = _body(root, params, show_shapes, show_grads, group, rankdir, max_nodes, max_steps,
                 view, expand)
    return "digraph minigrad {\n" + "".join(body) + "}\n"


def draw_graph(root, *, params=None, show_shapes: bool = True, show_grads: bool = False,
               group: str | None = None, rankdir: str = "LR", max_nodes: int | None = None,
               max_steps: int | None = None, view: str = "ops", expand: str | None = None):
    """A `graphviz.Digraph` of the graph that computed `root`: torchviz's picture, and more.

    The picture is built from the DOT text of `to_dot`; rendering it (`.render()`,
    `.pipe()`,
    Jupyter's inline display) needs the Graphviz program `dot`.

    Args:
        root: the Tensor (or a list of Tensors) whose graph to draw, e.g. the loss.
        params: a model (anything with `named_parameters()`) or a dict name -> Tensor;
            leaves found there are labelled by name.
        show_shapes: label ops with their output shape (and dtype, when not the default)
            and leaves with their shape.
        show_grads: after `backward()` run inside `mg.record_grad_norms()`, colour each node
            by the norm of its gradient (log scale, with a legend); leaves use their
                `.grad`.
        group: None, "module" (one cluster per module / scope path) or "timestep" (one
            cluster per time step, inside one per layer and direction).
        rankdir: "LR" (inputs left, loss right), "TB", "RL" or "BT".
        max_nodes: draw at most this many op and leaf nodes: long sequences keep their
            first and last steps with one "… N steps …" node between, then the nodes
            farthest from the root are left out (one "… N more nodes …" node).
        max_steps: keep only this many time steps of each recurrent layer (first and last
            halves), whatever the size.
        view: "ops" (every recorded op, the default) or "bptt": the course's unrolled
            figure, one column per time step and one row per layer and direction, each step
            one box labelled in the course notation (a<t>, c<t>), the state chain straight,
            shared parameters once per row, composite ops (losses, softmax) one box each.
            `group` does not apply to it.
        expand: with view="bptt", "gates" opens every step into its gates (Γu, Γf, Γo, Γr,
            c̃<t>, c<t>, a<t>), fused steps included.

    Returns:
        graphviz.Digraph: the picture; `.source` is its DOT text, and its repr is one line.

    Raises:
        ImportError: without the Python package graphviz.
        GraphvizNotFoundError: when rendering without the `dot` program.
        TypeError: for a root that is not a Tensor.
        ValueError: for an unknown option value.

    Examples:
        >>> x = mg.tensor([1.0, 2.0], requires_grad=True)
        >>> loss = (x * x).sum()
        >>> picture = mg.draw_graph(loss)
        >>> picture
        <mg.draw_graph picture: 3 nodes, 3 edges; .source is its DOT>
        >>> picture.pipe(format="svg")[:5]
        b'<?xml'
    """
    body = _body(root, params, show_shapes, show_grads, group, rankdir, max_nodes, max_steps,
                 view, expand)
    return _digraph_class()(name="minigrad", body=body)


# -- the Digraph ------------------------------------------------------------------------

_CLASS: list = []


def _digraph_class():
    if _CLASS:
        return _CLASS[0]
    try:
        import graphviz
    except ImportError as exc:
        raise ImportError(
            "mg.draw_graph needs the Python package graphviz (`pip install graphviz`) and, "
            "to render images, the Graphviz program (`apt-get install graphviz`, `brew "
            "install graphviz`). mg.to_dot(...) needs neither and returns the DOT text."
        ) from exc

    class GraphPicture(graphviz.Digraph):
        """A `graphviz.Digraph` whose rendering explains how to install a missing `dot`."""

        def render(self, *args, **kwargs):
            with _explain_missing_dot(graphviz):
                return super().render(*args, **kwargs)

        def pipe(self, *args, **kwargs):
            with _explain_missing_dot(graphviz):
                return super().pipe(*args, **kwargs)

        def view(self, *args, **kwargs):
            with _explain_missing_dot(graphviz):
                return super().view(*args, **kwargs)

        def __repr__(self) -> str:
            source = self.source
            nodes = source.count(" [label=")
            edges = source.count(" -> ") - source.count("[style=invis]")
            return f"<mg.draw_graph picture: {nodes} nodes, {edges} edges; .source is its DOT>"

    _CLASS.append(GraphPicture)
    return GraphPicture


@contextlib.contextmanager
def _explain_missing_dot(graphviz):
    try:
        yield
    except graphviz.ExecutableNotFound:
        # one exception, not a chain of three (FileNotFoundError, ExecutableNotFound, ours),
        # which is what a notebook shows when it displays the picture
        raise GraphvizNotFoundError(MISSING_DOT) from None


# -- writing DOT ------------------------------------------------------------------------

def _body(*args) -> list:
    """The DOT statements. The cyclic garbage collector is paused meanwhile: the many
    small objects made here would otherwise trigger repeated full collections."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _statements(*args)
    finally:
        if enabled:
            gc.enable()


VIEWS = ("ops", "bptt")


def _statements(root, params, show_shapes, show_grads, group, rankdir, max_nodes,
                max_steps, view="ops", expand=None) -> list:
    if view not in VIEWS:
        raise ValueError(f"view must be 'ops' or 'bptt', got {view!r}")
    if expand is not None and view != "bptt":
        raise ValueError(f"expand={expand!r} opens the steps of view='bptt'; pass "
                         "view='bptt' too (the 'ops' view already shows every op)")
    if view == "bptt":
        given = [name for name, value in (("group", group), ("max_nodes", max_nodes),
                                          ("max_steps", max_steps)) if value is not None]
        if given:
            raise ValueError(
                f"{', '.join(given)} shape(s) the op view; view='bptt' already draws one box "
                "per step and row. For a long unroll use mg.to_html (steps open and close "
                "there), or view='ops' with max_nodes/max_steps")
        return _bptt_statements(root, params, show_grads, rankdir, expand)
    if group not in GROUPS:
        raise ValueError(f"group must be None, 'module' or 'timestep', got {group!r}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(RANKDIRS)}, got {rankdir!r}")
    graph = collect(root, _param_names(params))
    view = collapse(graph, max_nodes=max_nodes, max_steps=max_steps)
    drawn = view.drawn() + view.markers
    clusters = _assign_clusters(view, drawn, group)
    norms = None
    if show_grads:
        from .norms import vertex_norms

        norms = vertex_norms(v for v in drawn if v.kind != MARKER)
    writer = _Writer(show_shapes, norms)

    lines = [_GRAPH_ATTRS.format(rankdir=rankdir), _NODE_ATTRS, _EDGE_ATTRS]
    lines += _cluster_lines(drawn, clusters, writer)
    backwards, order = _time_order(graph, view)
    lines += ["\t" + writer.edge(source, target, graph, (source, target) in backwards)
              for source, target in view.edges]
    lines += [f"\t{writer.vertex_id(graph.vertices[a])} -> {writer.vertex_id(graph.vertices[b])} "
              "[style=invis]\n" for a, b in order]
    if norms is not None:
        lines.append("\t" + writer.legend())
    return lines


def _bptt_statements(root, params, show_grads, rankdir, expand) -> list:
    from . import bptt, bptt_dot

    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(RANKDIRS)}, got {rankdir!r}")
    diagram = bptt.build(collect(root, _param_names(params)), expand)
    norms = None
    if show_grads:
        from .norms import diagram_norms

        norms = diagram_norms(diagram)
    return bptt_dot.write(diagram, norms, rankdir)


def _time_order(graph, view) -> tuple:
    """Lay out a reverse direction with time running left to right, as the forward one.

    A reverse recurrence sends a<t+1> back to step t. Those edges are drawn without
    a layout constraint, and invisible edges mirror them instead, from what step t
    sends on to what step t+1 receives (from the ends of step t to the beginnings of
    step t+1 at the sequence's two ends), so the rows of a bidirectional layer line
    up by t. Returns (back-in-time edges, invisible edges).
    """
    steps = {marker.index: marker.step for marker in view.markers if marker.step}
    for vertex in view.drawn():
        if vertex.kind == OP and vertex.scope:
            step = step_of(vertex.scope)
            if step is not None:
                steps[vertex.index] = step
    backwards = set()
    sends: dict = {}  # step -> ops whose output goes back in time
    receives: dict = {}  # step -> ops that take an input from a later step
    has_pred, has_succ = set(), set()
    for source, target in view.edges:
        a, b = steps.get(source), steps.get(target)
        if a is None or b is None or a[0] != b[0]:
            continue
        if a[1] == b[1]:
            has_succ.add(source)
            has_pred.add(target)
        elif a[1] > b[1]:
            backwards.add((source, target))
            sends.setdefault(a, set()).add(source)
            receives.setdefault(b, set()).add(target)
    if not backwards:
        return backwards, []
    reversed_groups = {group for group, _ in sends}
    members: dict = {}
    for index, step in steps.items():
        if step[0] in reversed_groups:
            members.setdefault(step, []).append(index)
    order = []
    times: dict = {}
    for group, t in members:
        times.setdefault(group, []).append(t)
    for group, ts in times.items():
        ts.sort()
        for position in range(1, len(ts)):
            earlier, later = (group, ts[position - 1]), (group, ts[position])
            tails = sends.get(earlier) or [i for i in members[earlier] if i not in has_succ]
            heads = receives.get(later) or [i for i in members[later] if i not in has_pred]
            order += [(a, b) for a in sorted(tails) for b in sorted(heads)]
    return backwards, order


def _assign_clusters(view, drawn: list, group) -> dict:
    """vertex index -> cluster path; a leaf goes to the innermost cluster of all its uses."""
    clusters = {}
    for vertex in drawn:
        if vertex.kind == OP:
            clusters[vertex.index] = cluster_path(vertex.scope, group)
        elif vertex.kind == MARKER:
            clusters[vertex.index] = cluster_path(vertex.group, group) if vertex.group else ()
    leaves = {}
    for source, target in view.edges:
        if source in clusters:
            continue
        path = clusters.get(target, ())
        shared = leaves.get(source)
        if shared is None:
            leaves[source] = path
        elif shared:
            length = 0
            for a, b in zip(shared, path):
                if a != b:
                    break
                length += 1
            leaves[source] = shared[:length]
    for vertex in drawn:
        if vertex.index not in clusters:
            clusters[vertex.index] = leaves.get(vertex.index, ())
    return clusters


def _cluster_lines(drawn: list, clusters: dict, writer) -> list:
    members: dict = {(): []}
    children: dict = {(): []}
    for vertex in drawn:
        path = clusters[vertex.index]
        for depth in range(1, len(path) + 1):
            prefix = path[:depth]
            if prefix not in members:
                members[prefix] = []
                children[prefix] = []
                children[prefix[:-1]].append(prefix)
        members[path].append(vertex)
    for paths in children.values():
        paths.sort(key=_natural_key)

    lines = []
    ids = {}
    stack = [(path, 1, False) for path in reversed(children[()])]
    while stack:  # nested clusters, iteratively
        path, depth, closing = stack.pop()
        pad = "\t" * depth
        if closing:
            lines.append(pad + "}\n")
            continue
        ids[path] = len(ids)
        kind = classify(path[-1])
        label = str(path[-1])
        if kind == "module":  # a module's dotted path, as in named_parameters()
            label = ".".join(str(entry) for entry in path if classify(entry) == "module")
        style = _CLUSTER_STYLE[kind]
        lines.append(f"{pad}subgraph cluster_{ids[path]} {{\n")
        lines.append(f'{pad}\tgraph [label={_quote(label)} tooltip={_quote("/".join(map(str, path)))} '
                     f'{style} fontsize=9 fontcolor="#505050"]\n')
        lines += [pad + "\t" + writer.node(vertex) for vertex in members[path]]
        stack.append((path, depth, True))
        stack += [(child, depth + 1, False) for child in reversed(children[path])]
    lines += ["\t" + writer.node(vertex) for vertex in members[()]]
    return lines


def _natural_key(path: tuple):
    entry = path[-1]
    kind = classify(entry)
    number = entry.index if kind in ("step", "layer") and entry.index is not None else 0
    return (kind == "step", number, str(entry))


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


_PREFIX = {OP: "n", PARAM: "p", INPUT: "x", CONST: "c", MARKER: "m"}


def _vertex_id(vertex) -> str:
    return f"{_PREFIX[vertex.kind]}{vertex.index}"


_SCOPE_TEXT: dict = {}


def _scope_text(scope: tuple) -> str:
    text = _SCOPE_TEXT.get(scope)
    if text is None:
        if len(_SCOPE_TEXT) > 10_000:
            _SCOPE_TEXT.clear()
        text = _SCOPE_TEXT[scope] = "/".join(str(e) for e in scope if e.kind != "op")
    return text


def _shape_text(shape, dtype, default) -> str:
    text = str(tuple(int(n) for n in shape))
    if dtype is not None and dtype != default:
        text += f" {dtype}"
    return text


class _Writer:
    """Node and edge statements in the house style."""

    def __init__(self, show_shapes: bool, norms: dict | None):
        self.show_shapes = show_shapes
        self.norms = norms
        self.default_dtype = get_default_dtype()
        self.scale = None
        if norms:
            import math

            logs = [math.log10(n) for n in norms.values() if 0 < n < math.inf]
            if logs:
                self.scale = (min(logs), max(logs))
        self.zero_seen = False
        self.bad_seen = False
        self.missing_seen = False
        self._shapes: dict = {}  # output metas -> the shape line
        self._quoted: dict = {}  # label or tooltip text -> its DOT string
        self.ids: list = []

    def quote(self, text: str) -> str:
        quoted = self._quoted.get(text)
        if quoted is None:
            quoted = self._quoted[text] = _quote(text)
        return quoted

    def vertex_id(self, vertex) -> str:
        ids = self.ids
        if len(ids) <= vertex.index:
            ids.extend(None for _ in range(vertex.index + 1 - len(ids)))
        name = ids[vertex.index]
        if name is None:
            name = ids[vertex.index] = _vertex_id(vertex)
        return name

    # labels ------------------------------------------------------------------------
    def _op_label(self, vertex) -> list:
        node = vertex.obj
        names = []
        for ref in getattr(node, "_outputs", ()):
            tensor = ref()
            if tensor is not None and tensor.name:
                names.append(tensor.name)
        first = node.op_name if not names else f"{', '.join(names)} = {node.op_name}"
        lines = [first]
        if self.show_shapes:
            metas = tuple((tuple(shape), dtype) for shape, dtype in _output_meta(node))
            line = self._shapes.get(metas)
            if line is None:
                shapes = [_shape_text(shape, dtype, self.default_dtype) for shape, dtype in metas]
                if len(shapes) > 1 and len(set(shapes)) == 1:
                    shapes = [f"{len(shapes)} × {shapes[0]}"]
                line = self._shapes[metas] = ", ".join(shapes)
            lines.append(line)
        return lines

    def _leaf_label(self, vertex) -> list:
        tensor = vertex.obj
        if vertex.kind == CONST:
            from ..backend import backend_of_array

            value = backend_of_array(tensor.data).to_host(tensor.data)
            return [f"{value.item():.4g}" if value.dtype.kind in "fc" else str(value.item())]
        lines = [vertex.name] if vertex.name else []
        if self.show_shapes or not lines:
            lines.append(_shape_text(tensor.shape, tensor.dtype, self.default_dtype))
        return lines

    # statements --------------------------------------------------------------------
    def node(self, vertex) -> str:
        kind = vertex.kind
        tooltip = ""
        if kind == MARKER:
            lines = [vertex.text[0]]
            tooltip = vertex.text[1]
        elif kind == OP:
            lines = self._op_label(vertex)
            tooltip = _scope_text(vertex.scope)
        else:
            lines = self._leaf_label(vertex)
        attrs = [f"label={self.quote(chr(10).join(lines))}"]
        style = _KIND_STYLE[kind]
        if style:
            attrs.append(style)
        css = kind
        if vertex.is_root:
            attrs.append(_ROOT_STYLE if self.norms is None else _ROOT_BORDER)
            css += " root"
        if self.norms is not None and kind != MARKER:
            attrs += self._grad_attrs(vertex, lines)
            attrs[0] = f"label={_quote(chr(10).join(lines))}"
        if tooltip:
            attrs.append(f"tooltip={self.quote(tooltip)}")
        attrs.append(f'class="{css}"')
        return f"{self.vertex_id(vertex)} [{' '.join(attrs)}]\n"

    def _grad_attrs(self, vertex, lines: list) -> list:
        import math

        norm = self.norms.get(vertex.index)
        if norm is None:
            if vertex.kind in (OP, PARAM):
                self.missing_seen = True
                return ['fillcolor=white style="rounded,dashed"' if vertex.kind == OP
                        else 'fillcolor=white style="filled,dashed"']
            return ["fillcolor=white"]
        lines.append(f"‖g‖ {norm:.2e}")
        if norm == 0:
            self.zero_seen = True
            return [f'fillcolor="{ZERO_COLOR}"']
        if not math.isfinite(norm):
            self.bad_seen = True
            return [f'fillcolor="{BAD_COLOR}" fontcolor=white']
        index = self._bin(math.log10(norm))
        attrs = [f'fillcolor="{PALETTE[index]}"']
        if index < _DARK:
            attrs.append("fontcolor=white")
        return attrs

    def _bin(self, log_norm: float) -> int:
        low, high = self.scale
        if high - low < 1e-9:
            return len(PALETTE) // 2
        position = (log_norm - low) / (high - low)
        return min(len(PALETTE) - 1, max(0, int(position * len(PALETTE))))

    def edge(self, source: int, target: int, graph, backwards: bool = False) -> str:
        vertices = graph.vertices
        a, b = self.vertex_id(vertices[source]), self.vertex_id(vertices[target])
        return f"{a} -> {b} [constraint=false]\n" if backwards else f"{a} -> {b}\n"

    def legend(self) -> str:
        """One plain node holding the colour scale, as an HTML-like table."""
        cells = []
        if self.scale is not None:
            low, high = self.scale
            step = (high - low) / len(PALETTE)
            for index, color in enumerate(PALETTE):
                text = f"{10 ** (low + index * step):.2g}"
                font = "white" if index < _DARK else "black"
                cells.append(f'<td bgcolor="{color}"><font color="{font}">{text}</font></td>')
        if self.zero_seen:
            cells.append(f'<td bgcolor="{ZERO_COLOR}">0</td>')
        if self.bad_seen:
            cells.append(f'<td bgcolor="{BAD_COLOR}"><font color="white">inf/nan</font></td>')
        if not cells:
            cells.append("<td>no gradient norms: run backward() inside "
                         "mg.record_grad_norms()</td>")
        span = len(cells)
        note = (f'<tr><td colspan="{span}">white, dashed: no norm recorded</td></tr>'
                if self.missing_seen else "")
        return (
            'legend [shape=plaintext style=solid margin=0 class="legend" label=<'
            '<table border="0" cellborder="1" cellspacing="0" cellpadding="3">'
            f'<tr><td colspan="{span}"><b>gradient norm ‖g‖ (log scale)</b></td></tr>'
            f'<tr>{"".join(cells)}</tr>{note}</table>>]\n'
        )


def _output_meta(node) -> tuple:
    try:
        return node.output_meta
    except AttributeError:  # a node whose arrays were freed before shapes were kept
        metas = []
        for ref in node._outputs:
            tensor = ref()
            metas.append(((), None) if tensor is None else (tensor.shape, tensor.dtype))
        return tuple(metas)
