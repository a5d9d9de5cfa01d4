"""DOT text of the BPTT diagram (`view="bptt"`): the grid, the state chain, the colours.

Layout choices, each for a reason a learner sees:

- collapsed steps sit in one rank per time step (`rank=same`), so every step is a
  column and the state chain a<0> → a<1> → … is a straight line; rows keep the
  network's order (layer 0 forward, layer 0 reverse, layer 1, …) by invisible
  links between the boxes of one column;
- an opened step (`expand="gates"`) is a cluster of its gates, inside a cluster
  per row;
- with `show_grads`, each box is coloured by ‖∂L/∂·‖ of what it outputs (a step
  box by ‖∂L/∂a<t>‖), the state links by the gradient they carry back, and θ
  boxes show each parameter's ‖grad‖ (the sum over every step: BPTT).
"""
from __future__ import annotations

import math

from .bptt import Diagram
from .dot import (
    _DARK,
    _EDGE_ATTRS,
    _NODE_ATTRS,
    BAD_COLOR,
    PALETTE,
    ZERO_COLOR,
    _quote,
    _Writer,
)

_STYLE = {
    "step": 'shape=box style="rounded,filled" fillcolor="#eef3fb" color="#3d6fa8" penwidth=1.4 '
            'fontsize=10',
    "gate": 'shape=box style="rounded,filled" fillcolor="#f7f7f7" color="#8c8c8c"',
    "op": "",
    "composite": 'shape=box style="rounded,filled" fillcolor="#fbeee0" color="#b07a3a"',
    "split": 'shape=box style="rounded,filled" fillcolor="#fff7d6" color="#b8962e"',
    "sequence": 'shape=box style="rounded,filled" fillcolor="#eef3fb" color="#7a93b8"',
    "params": 'shape=box style=filled fillcolor="#cfe2f3" color="#3d6fa8"',
    "input": 'shape=parallelogram style=filled fillcolor="#fff2b3" color="#b8962e"',
    "state0": 'shape=box style="rounded,filled" fillcolor="white" color="#3d6fa8"',
    "bus": 'shape=point width=0.06 color="#7a93b8"',
}
_LINK_STYLE = {
    "state": 'penwidth=2.2 color="#3d6fa8"',
    "data": "",
    "shared": 'style=dashed color="#7a93b8" arrowhead=empty',
    "bus": 'color="#7a93b8" arrowhead=none',
}


def write(diagram: Diagram, norms: dict | None, rankdir: str) -> list:
    """The DOT statements of `diagram`; `norms` maps box id (and link key) -> ‖grad‖."""
    writer = _Writer(False, norms)
    graph_attrs = (f'\tgraph [rankdir={rankdir} newrank=true fontname="Helvetica" '
                   'fontsize=10 nodesep=0.22 ranksep=0.35 labeljust=l]\n')
    lines = [graph_attrs, _NODE_ATTRS, _EDGE_ATTRS]
    boxes = diagram.boxes
    opened = diagram.expand == "gates"
    inside: dict = {}  # step id -> its gates (and x<t>) when opened
    for box in boxes.values():
        if box.step is not None:
            inside.setdefault(box.step, []).append(box)

    def node(box) -> str:
        return "\t" + _node(box, writer, diagram) + "\n"

    if opened:
        rows: dict = {}
        for box in boxes.values():
            if box.kind == "step":
                rows.setdefault(box.row, []).append(box)
        for row, steps in rows.items():
            lines.append(f"\tsubgraph cluster_row{row} {{\n\t\tgraph [label="
                         f"{_quote(diagram.rows[row] or 'steps')} style=rounded "
                         'color="#c4c4c4" fontcolor="#505050" fontsize=9]\n')
            for step in sorted(steps, key=lambda b: b.column):
                lines.append(f"\t\tsubgraph cluster_{step.id} {{\n\t\t\tgraph [label="
                             f"{_quote(step.label)} {_cluster_fill(step, writer)} "
                             "fontsize=9]\n")
                lines += ["\t\t" + node(b) for b in inside.get(step.id, [])]
                lines.append("\t\t}\n")
            lines.append("\t}\n")
        drawn = [b for b in boxes.values() if b.kind != "step" and b.step is None]
    else:
        drawn = [b for b in boxes.values() if b.step is None]
    columns: dict = {}
    for box in drawn:
        lines.append(node(box))
        if box.column is not None and not (opened and box.kind in ("step",)):
            columns.setdefault(box.column, []).append(box)
    if not opened:
        for column in sorted(columns):
            members = sorted(columns[column], key=_level, reverse=True)
            lines.append("\t{rank=same; " + " ".join(b.id for b in members) + "}\n")
            for position in range(1, len(members)):  # top to bottom, as _level says
                upper, lower = members[position - 1], members[position]
                lines.append(f"\t{upper.id} -> {lower.id} [style=invis]\n")
    reverse_rows = {boxes[lk.source].row for lk in diagram.links if lk.kind == "state"
                    and boxes[lk.source].column is not None and boxes[lk.target].column is not None
                    and boxes[lk.source].column > boxes[lk.target].column}
    for link in diagram.links:
        attrs = [_LINK_STYLE[link.kind]] if _LINK_STYLE[link.kind] else []
        norm = None if norms is None else norms.get(("link", link.source, link.target))
        if norm is not None and link.kind != "shared":
            attrs = [a for a in attrs if not a.startswith("penwidth")]
            attrs = [f'color="{_color(norm, writer)}"', f'tooltip={_quote(f"‖∂L/∂·‖ {norm:.2e}")}']
            if link.kind == "state":
                attrs.append("penwidth=3")
        if link.kind == "state":
            attrs.append("weight=4")  # the state chain a<0> → a<1> → … runs straight
        source, target = link.source, link.target
        if _drawn_backwards(boxes[source], boxes[target], opened, reverse_rows):
            # dot ranks a link's tail left of (in a column: above) its head. A link that
            # runs back in time (a reverse direction's a<t+1> → a<t>) or down a column
            # (x<t> below the step it feeds) is written the other way round.
            source, target = target, source
            attrs.append("dir=back")
        lines.append(f"\t{source} -> {target}" + (f" [{' '.join(attrs)}]" if attrs else "") + "\n")
    if norms is not None:
        lines.append("\t" + writer.legend())
    return lines


_ROW_LEVEL = {"step": 0, "sequence": 0, "bus": 1, "state0": 1, "params": 2, "op": 5,
              "composite": 5, "input": 5, "gate": 0}


def _level(box) -> float:
    """Height in a column: x<t> at the bottom, then row 0 (layer 0) and up through the
    rows, what joins two rows between them, per-step outputs (ŷ<t>, L<t>) on top."""
    if box.row is None:
        return 10_000 + (10_000 - (box.vertices[0] if box.vertices else 0)) / 10_000
    if box.kind == "input":  # below its row; between the two directions of a bidirectional one
        return box.level if box.level is not None else -5 + box.row * 10
    offset = _ROW_LEVEL.get(box.kind, 0)
    if box.kind == "state0":
        offset += 0.5 if box.label.startswith("c") else 0.0
    return box.row * 10 + offset


def _drawn_backwards(source, target, opened: bool, reverse_rows: set) -> bool:
    """Does the link run right to left (back in time; inside an opened step of a reverse
    direction, whose steps read right to left), or in a column of collapsed steps from
    below to above?"""
    if source.column is None or target.column is None:
        return False
    if source.column != target.column:
        return source.column > target.column
    if opened:
        return source.step is not None and source.step == target.step and \
            source.row in reverse_rows
    return _level(source) < _level(target)


def _cluster_fill(box, writer) -> str:
    norm = writer.norms.get(box.id) if writer.norms is not None else None
    if norm is None:
        return 'style="rounded,filled" fillcolor="#f5f8fc" color="#3d6fa8"'
    return f'style="rounded,filled" fillcolor="{_tint(norm, writer)}" color="{_color(norm, writer)}"'


def _node(box, writer, diagram) -> str:
    lines = [box.label]
    if box.detail:
        lines.append(box.detail)
    norm = writer.norms.get(box.id) if writer.norms is not None else None
    attrs = []
    if box.kind == "bus":
        return f'{box.id} [label="" {_STYLE["bus"]} class="bptt bus"]'
    if box.kind == "params":
        attrs.append("label=<" + _params_table(box, writer) + ">")
        attrs.append("shape=plaintext style=solid margin=0")
    else:
        if norm is not None:
            lines.append(("‖∂L/∂" + _subject(box) + "‖ " if box.kind in ("step", "gate")
                          else "‖g‖ ") + f"{norm:.2e}")
        attrs.append(f"label={_quote(chr(10).join(lines))}")
        style = _STYLE.get(box.kind, "")
        if style:
            attrs.append(style)
        if norm is not None:
            attrs += _fill(norm, writer)
        elif writer.norms is not None and box.kind in ("step", "gate", "op", "composite"):
            attrs.append("fillcolor=white")
    if box.is_root:
        attrs.append('color="#3a7d16" penwidth=2.5')
    css = f"bptt {box.kind}" + (" root" if box.is_root else "")
    attrs.append(f'class="{css}"')
    attrs.append(f"tooltip={_quote(box.detail or box.label)}")
    return f"{box.id} [{' '.join(attrs)}]"


def _subject(box) -> str:
    """What a step box's norm is of: its hidden state a<t> (or c<t> for a GRU)."""
    if box.kind == "gate":
        return box.label
    text = box.detail.split(",")[0].strip() if box.detail else "a<t>"
    return text or "a<t>"


def _params_table(box, writer) -> str:
    rows = [f'<tr><td colspan="2"><b>{_html(box.label)}</b> {_html(box.detail)}</td></tr>']
    for name, tensor in box.params:
        shape = "×".join(str(int(n)) for n in tensor.shape)
        norm = writer.norms.get(("param", id(tensor))) if writer.norms is not None else None
        cell = f"{_html(name)} ({shape})"
        if norm is None:
            rows.append(f'<tr><td colspan="2" bgcolor="#cfe2f3">{cell}</td></tr>')
        else:
            color = _color(norm, writer)
            font = "white" if _is_dark(norm, writer) else "black"
            rows.append(f'<tr><td bgcolor="#cfe2f3">{cell}</td><td bgcolor="{color}">'
                        f'<font color="{font}">{norm:.1e}</font></td></tr>')
    return ('<table border="0" cellborder="1" cellspacing="0" cellpadding="3" color="#3d6fa8">'
            + "".join(rows) + "</table>")


def _html(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def _fill(norm: float, writer) -> list:
    if norm == 0:
        writer.zero_seen = True
        return [f'fillcolor="{ZERO_COLOR}"']
    if not math.isfinite(norm):
        writer.bad_seen = True
        return [f'fillcolor="{BAD_COLOR}" fontcolor=white']
    attrs = [f'fillcolor="{_color(norm, writer)}"']
    if _is_dark(norm, writer):
        attrs.append("fontcolor=white")
    return attrs


def _color(norm: float, writer) -> str:
    if norm == 0:
        return ZERO_COLOR
    if not math.isfinite(norm) or writer.scale is None and norm <= 0:
        return BAD_COLOR
    if writer.scale is None:
        return PALETTE[len(PALETTE) // 2]
    return PALETTE[writer._bin(math.log10(norm))]


def _is_dark(norm: float, writer) -> bool:
    if norm <= 0 or not math.isfinite(norm) or writer.scale is None:
        return False
    return writer._bin(math.log10(norm)) < _DARK


def _tint(norm: float, writer) -> str:
    """A light version of the norm's colour, for the background of an opened step."""
    color = _color(norm, writer).lstrip("#")
    r, g, b = (int(color[i:i + 2], 16) for i in (0, 2, 4))
    return "#{:02x}{:02x}{:02x}".format(*(int(c + (255 - c) * 0.75) for c in (r, g, b)))
