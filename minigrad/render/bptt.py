"""The course's unrolled figure, built from the live graph: `view="bptt"`.

The op graph of an unrolled network is exact but unreadable: an LSTM step is fifteen
boxes and a loss eight. This module reads the same graph and builds a *diagram*:

- one **row** per recurrent layer and direction (the layer, direction and step
  scope entries that `nn.Recurrent`/`nn.Stack` record), one **column** per step;
- in each cell of the grid one **step box**: the cell's ops at that step, labelled
  with the course names its cell tagged (a<t>, c<t>); with `expand="gates"` the
  box opens into its tagged tensors (Γu, Γf, Γo, c̃<t>, ...), also for a fused step,
  which declares its gates (`parts`) instead of recording them;
- the **state chain** a<0> → a<1> → … from box to box;
- per-step outputs computed inside a step (ŷ<t>, L<t>) above their step;
- **composite ops** (a loss, softmax: ops recorded inside `mg.composite_scope`)
  as one box each, other ops outside the steps as themselves;
- the **input projection** of a whole sequence as one box fanning out to the steps,
  and the stacking of a layer's outputs as one box they fan into — except between
  layers, where layer l's a<t> feeds layer l+1 at the same t directly, as in the
  course's deep-RNN figure;
- **parameters** used by a row's steps drawn once per row (one θ box), not once
  per step, so they do not criss-cross the picture.

The diagram is data (boxes and links); `bptt_dot.py` writes it as DOT and the HTML
viewer (`html.py`) draws it in the browser.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..expansion import source_of
from ..scopes import role_of
from .graph import CONST, INPUT, OP, PARAM, Graph, step_label, step_of

EXPANDS = (None, "gates")
STATE_ROLES = ("a<t>", "c<t>")  # what a step hands to the next one


@dataclass
class Box:
    """One drawn box of the diagram."""

    id: str
    kind: str  # "step", "gate", "op", "composite", "sequence", "bus", "params", "input", "state0"
    label: str  # the course label or the op's name
    detail: str = ""  # secondary text: the op, a shape
    row: int | None = None  # index into Diagram.rows
    column: int | None = None  # index into Diagram.times; -1 before the first step
    step: str | None = None  # for gates: the id of their step box
    vertices: list = field(default_factory=list)  # graph vertex indices it stands for
    outputs: list = field(default_factory=list)  # (node, output index) whose ‖grad‖ it shows
    arrays: list = field(default_factory=list)  # value arrays for statistics (the viewer)
    params: list = field(default_factory=list)  # a params box: (name, leaf tensor)
    role: str | None = None  # a gate's role as its cell tagged it ("Γf", "c<t>")
    level: float | None = None  # height in its column, when not its row's (see bptt_dot)
    is_root: bool = False


@dataclass
class Link:
    """An arrow between two boxes: "state" (a<t-1> → a<t>), "data", "shared" (θ), or "bus"
    (a layer's outputs gathered along its row)."""

    source: str
    target: str
    kind: str = "data"
    outputs: list = field(default_factory=list)  # (node, index) carried: the state's ‖grad‖


@dataclass
class Diagram:
    boxes: dict  # id -> Box, in drawing order
    links: list
    rows: list  # per row: its label ("layer0/forward", "" for a hand-written loop)
    times: list  # per column: the step's time index t as recorded
    first_time: int  # the t shown as <1>
    expand: str | None
    graph: Graph | None = None

    def nodes_of(self, box: Box) -> list:
        """The graph nodes (ops) a box stands for."""
        vertices = self.graph.vertices
        return [vertices[i].obj for i in box.vertices if vertices[i].kind == OP]

    def course_time(self, column: int) -> int:
        """The course's 1-based step number of a column: a<1> is the first step's state."""
        return self.times[column] - self.first_time + 1


def build(graph: Graph, expand: str | None = None) -> Diagram:
    """The BPTT diagram of a collected graph (see the module docstring)."""
    if expand not in EXPANDS:
        raise ValueError(f"expand must be None or 'gates', got {expand!r}")
    return _Builder(graph, expand).run()


class _Builder:
    def __init__(self, graph: Graph, expand):
        self.graph = graph
        self.expand = expand
        vertices = graph.vertices
        self.node_vertex = {v.obj: v.index for v in vertices if v.kind == OP}
        self.leaf_vertex = {id(v.obj): v.index for v in vertices if v.kind != OP}
        # per op vertex: its inputs as (source vertex, output index); and the reverse
        self.inputs: dict = {}
        self.consumers: dict = {v.index: [] for v in vertices}
        for v in vertices:
            if v.kind != OP:
                continue
            sources = []
            for tensor in v.obj.inputs:
                creator, output = source_of(tensor)
                source = (self.leaf_vertex[id(tensor)] if creator is None
                          else self.node_vertex[creator])
                sources.append((source, output))
                self.consumers[source].append((v.index, output))
            self.inputs[v.index] = sources
        self.step = {v.index: step_of(v.scope) for v in vertices if v.kind == OP and v.scope}
        self.step = {k: s for k, s in self.step.items() if s is not None}
        self.boxes: dict = {}
        self.unit: dict = {}  # vertex -> box id
        self.links: list = []
        self.pending_links: list = []  # (source id, target id, kind) made before _connect
        self.input_rows: dict = {}  # x<t> box -> the rows that read it
        self._columns_cache: dict = {}

    # -- the grid ------------------------------------------------------------------
    def run(self) -> Diagram:
        groups = sorted({s[0] for s in self.step.values()}, key=_group_key)
        self.row_of = {g: i for i, g in enumerate(groups)}
        times = sorted({s[1] for s in self.step.values()})
        self.column_of = {t: i for i, t in enumerate(times)}
        self.first_time = times[0] if times else 0
        self.times = times
        by_step: dict = {}
        for index, (group, t) in self.step.items():
            by_step.setdefault((group, t), []).append(index)
        for key in sorted(by_step, key=lambda k: (self.row_of[k[0]], k[1])):
            self._step_boxes(key, by_step[key])
        self._outside_boxes()
        self._leaf_boxes()
        self._connect()
        rows = [step_label(g) for g in groups]
        return Diagram(self.boxes, self.links, rows, times, self.first_time, self.expand,
                       self.graph)

    def label(self, role: str, t: int | None) -> str:
        """A role with its step: "a<t>" at the first step reads "a<1>", "a<t-1>" "a<0>"."""
        if t is None:
            return role
        k = t - self.first_time + 1
        return role.replace("<t-1>", f"<{k - 1}>").replace("<t>", f"<{k}>")

    def add(self, box: Box, vertices=()) -> Box:
        self.boxes[box.id] = box
        for index in vertices:
            self.unit[index] = box.id
            box.vertices.append(index)
        return box

    # -- inside a step -------------------------------------------------------------
    def _step_boxes(self, key, members: list) -> None:
        group, t = key
        row, column = self.row_of[group], self.column_of[t]
        member_set = set(members)
        vertices = self.graph.vertices
        state = [i for i in members if self._state_outputs(i)]
        if not state:  # a user's cell that tags nothing: what later steps read from it
            state = [i for i in members if any(
                self.step.get(c) is not None and self.step[c][0] == group and self.step[c][1] != t
                for c, _ in self.consumers[i])]
        cell = set(state)
        stack = list(state)
        while stack:  # the cell: the state and everything in the step it is computed from
            for source, _ in self.inputs[stack.pop()]:
                if source in member_set and source not in cell:
                    cell.add(source)
                    stack.append(source)
        if not cell:
            cell = member_set
        step_id = f"s{row}_{column}"
        outputs = []
        for i in state:
            outputs += [(vertices[i].obj, k) for k in self._state_outputs(i) or (0,)]
        names = [self.label(role_of(node, k) or "", t) for node, k in outputs]
        hidden = [pair for pair in outputs if (role_of(*pair) or "").startswith(("a<", "c<"))]
        op_names = sorted({vertices[i].obj.op_name for i in cell})
        fused = [i for i in cell if getattr(type(vertices[i].obj), "parts", None)]
        kind_text = _cell_name(vertices, cell, fused)
        box = self.add(Box(step_id, "step", f"{kind_text} t={self.label('<t>', t)[1:-1]}",
                           ", ".join(n for n in names if n) or ", ".join(op_names),
                           row, column, outputs=_hidden_first(hidden or outputs)),
                       sorted(cell))
        box.arrays = [node._output_data[k] for node, k in box.outputs[:1]
                      if node._output_data is not None]
        if self.expand == "gates":
            self._gates(box, cell, fused, t)
        self._step_heads(key, [i for i in members if i not in cell], row, column, t)

    def _state_outputs(self, index: int) -> tuple:
        node = self.graph.vertices[index].obj
        count = len(node._outputs)
        return tuple(k for k in range(count) if role_of(node, k) in STATE_ROLES)

    def _gates(self, step_box: Box, cell: set, fused: list, t) -> None:
        """The step's tagged tensors as boxes inside it (a fused step: its declared parts)."""
        vertices = self.graph.vertices
        for i in sorted(cell):
            node = vertices[i].obj
            parts = getattr(type(node), "parts", None)
            if parts:
                values = node.parts_values(node)
                roles = type(node).output_roles
                for role, op_text, _ in parts:
                    gate = self.add(Box(f"{step_box.id}_{_slug(role)}", "gate",
                                        self.label(role, t), self.label(op_text, t), step_box.row,
                                        step_box.column, step=step_box.id, role=role))
                    if role in roles:
                        k = roles.index(role)
                        gate.outputs = [(node, k)]
                        if node._output_data is not None:
                            gate.arrays = [node._output_data[k]]
                    elif role in values:
                        gate.arrays = [values[role]]
                continue
            role = role_of(node, 0)
            if role:
                gate = self.add(Box(f"{step_box.id}_{_slug(role)}", "gate", self.label(role, t),
                                    node.op_name, step_box.row, step_box.column,
                                    step=step_box.id, outputs=[(node, 0)], role=role))
                gate.vertices.append(i)
                if node._output_data is not None:
                    gate.arrays = [node._output_data[0]]

    def _step_heads(self, key, members: list, row, column, t) -> None:
        """What a step computes besides its cell (ŷ<t>, L<t>): one box per composite op
        call or per tagged tensor; untagged ops join the box they feed."""
        vertices = self.graph.vertices
        member_set = set(members)
        for i in sorted(members):  # collect numbers consumers first: a box exists before its inputs
            vertex = vertices[i]
            composite = _composite_of(vertex.scope)
            name = _name_of(vertex.obj)
            if composite is not None:
                box_id = f"h{row}_{column}_{composite.index}"
                if box_id not in self.boxes:
                    self.add(Box(box_id, "composite", composite.name, "", None, column))
                self._name_composite(box_id, name, composite, t)
                self._claim(box_id, i)
            elif name or not any(c in member_set for c, _ in self.consumers[i]):
                box_id = f"h{row}_{column}_v{i}"
                self.add(Box(box_id, "op", self.label(name, t) if name else vertex.obj.op_name,
                             vertex.obj.op_name if name else "", None, column))
                self._claim(box_id, i)
            else:
                consumer = next(c for c, _ in self.consumers[i] if c in member_set)
                box_id = self.unit.get(consumer)
                if box_id is None:
                    box_id = f"h{row}_{column}_v{i}"
                    self.add(Box(box_id, "op", vertex.obj.op_name, "", None, column))
                self._claim(box_id, i)

    def _name_composite(self, box_id: str, name, composite, t) -> None:
        """A composite op's box takes the name (or tag) of what it computes: L<t>, ŷ<t>."""
        box = self.boxes[box_id]
        if name and not box.detail:
            box.label, box.detail = self.label(name, t), composite.name

    def _claim(self, box_id: str, index: int) -> None:
        box = self.boxes[box_id]
        self.unit[index] = box_id
        box.vertices.append(index)
        node = self.graph.vertices[index].obj
        if not box.outputs or any(c not in box.vertices for c, _ in self.consumers[index]):
            box.outputs = [(node, 0)]
            if node._output_data is not None:
                box.arrays = [node._output_data[0]]
        if self.graph.vertices[index].is_root:
            box.is_root = True

    # -- outside the steps ---------------------------------------------------------
    def _outside_boxes(self) -> None:
        vertices = self.graph.vertices
        outside = [v.index for v in vertices if v.kind == OP and v.index not in self.step]
        self.bus_of: dict = {}  # (stacking vertex, column) -> the bus point there
        self.splits: dict = {}  # vertex -> row whose steps it feeds
        self.sequences: dict = {}  # vertex -> row whose steps feed it
        for i in outside:
            fed = {self.step[c] for c, _ in self.consumers[i] if c in self.step}
            rows = {self.row_of[g] for g, _ in fed}
            if len(fed) >= 2 and len(rows) == 1:
                self.splits[i] = rows.pop()
            sources = {self.step[s] for s, _ in self.inputs[i] if s in self.step
                       and self.boxes[self.unit[s]].kind == "step"}
            rows = {self.row_of[g] for g, _ in sources}
            if len(sources) >= 2 and len(rows) == 1:
                self.sequences[i] = rows.pop()
        bridged = self._bridges(outside)
        for i in sorted(outside, reverse=True):
            if i in self.unit or i in bridged:
                continue
            vertex = vertices[i]
            node = vertex.obj
            if i in self.sequences:
                row = self.sequences[i]
                roles = {role_of(vertices[s].obj, k) for s, k in self.inputs[i] if s in self.step}
                role = next((r for r in roles if r), "a<t>").replace("<t>", "<1…T>")
                self._bus(i, row, role, node)
            else:
                composite = _composite_of(vertex.scope)
                if composite is not None:
                    box_id = f"c{composite.index}"
                    if box_id not in self.boxes:
                        self.add(Box(box_id, "composite", composite.name, ""))
                    self._name_composite(box_id, _name_of(node), composite, None)
                    self._claim(box_id, i)
                else:
                    name = _name_of(node)
                    self.add(Box(f"o{i}", "op", name or node.op_name,
                                 node.op_name if name else _shape(node), is_root=vertex.is_root),
                             [i])
                    self.boxes[f"o{i}"].outputs = [(node, 0)]
        for box in self.boxes.values():
            if box.kind == "composite" and any(vertices[i].is_root for i in box.vertices):
                box.is_root = True
        self._columns_of_per_step_ops(outside)

    def _bus(self, index: int, row: int, role: str, node) -> None:
        """A layer's outputs stacked over time, drawn as a line along its row that each
        step joins (a bus), not as T arrows into one box: the line ends in the box that
        stands for the stacked sequence, a<1…T>, after the last column."""
        columns = sorted({self.boxes[self.unit[s]].column for s, _ in self.inputs[index]
                          if s in self.step})
        previous = None
        for column in columns:
            point = self.add(Box(f"seq{index}_{column}", "bus", "", "", row, column))
            self.bus_of[(index, column)] = point.id
            if previous is not None:
                self.pending_links.append((previous, point.id, "bus"))
            previous = point.id
        box = self.add(Box(f"seq{index}", "sequence", role, node.op_name, row,
                           len(self.times) + 1), [index])  # right of a reverse row's a<0>
        box.outputs = [(node, 0)]
        if previous is not None:
            self.pending_links.append((previous, box.id, "bus"))

    def _columns_of_per_step_ops(self, outside: list) -> None:
        """An op outside the steps that reads from one step (or from two neighbours, as
        the running sum L<1> + … + L<t> does) is drawn in that step's column."""
        last = len(self.times) - 1
        for i in sorted(outside, reverse=True):  # producers first
            box = self.boxes.get(self.unit.get(i))
            if box is None or box.kind not in ("op", "composite") or box.column is not None:
                continue
            columns = set()
            for source, _ in self.inputs[i]:
                source_box = self.boxes.get(self.unit.get(source))
                if source_box is not None and source_box is not box:
                    columns.add(source_box.column)
            if columns and None not in columns and min(columns) >= 0 and max(columns) <= last \
                    and max(columns) - min(columns) <= 1:
                box.column = max(columns)

    def _bridges(self, outside: list) -> set:
        """What feeds a row's steps x<t>, drawn per column as the course draws it.

        A recurrent layer projects its whole input sequence in one matmul and splits
        it into steps (the split feeds every step of the row). Those ops are
        time-distributed, so the picture shows, in each column, what step t reads:
        the layer below's a<t> (joined [a→<t>, a←<t>] when it is bidirectional), or an
        input box x<t>. Returns the ops left out of the picture; `self.bridge` maps each
        split to (its row, the stacked outputs it reads, the other inputs it reads)."""
        self.bridge: dict = {}
        vertices = self.graph.vertices
        hidden: set = set()
        paths = {}
        for split, row in self.splits.items():
            sequences, others, path, seen = set(), set(), set(), set()
            stack = [s for s, _ in self.inputs[split]]
            while stack:
                source = stack.pop()
                if source in seen:
                    continue
                seen.add(source)
                vertex = vertices[source]
                if vertex.kind != OP:
                    if vertex.kind == INPUT:
                        others.add(source)
                elif source in self.sequences:
                    sequences.add(source)
                elif (source in self.step or source in self.splits
                      or _composite_of(vertex.scope) is not None):
                    others.add(source)
                else:
                    path.add(source)
                    stack += [s for s, _ in self.inputs[source]]
            self.bridge[split] = (row, sequences, others)
            paths[split] = path
            hidden |= path | {split}
        for split, path in paths.items():  # an op something else reads too stays drawn
            for op in path:
                if any(c not in hidden for c, _ in self.consumers[op]):
                    hidden.discard(op)
                    self.bridge[split][2].add(op)
        for _, sequences, _ in self.bridge.values():
            for sequence in sequences:  # a stacked output read only by the next layer
                if all(c in hidden for c, _ in self.consumers[sequence]):
                    hidden.add(sequence)
        self.bridged = hidden
        return hidden

    def _data_key(self, index: int) -> int:
        """Inputs that view one array (x, and x reshaped by each layer that reads it)
        are one input: the id of the array they view."""
        vertex = self.graph.vertices[index]
        if vertex.kind == OP:
            return index
        data = vertex.obj.data
        base = getattr(data, "base", None)
        return id(base if base is not None else data)

    def _step_input(self, others: set, column: int, row: int) -> Box:
        """The box x<t> of one column: what a first layer reads at step t."""
        key = f"x{min(self._data_key(i) for i in others)}_{column}"
        box = self.boxes.get(key)
        if box is None:
            vertices = self.graph.vertices
            t = self.times[column]
            leaves = [vertices[i].obj for i in others if vertices[i].kind != OP]
            detail = _shape_of(leaves[0])[1:] if leaves and leaves[0].ndim == 3 else ""
            detail = detail.replace(",)", ")") if detail else ""
            box = self.add(Box(key, "input", self.label("x<t>", t), f"({detail.strip('()')})"
                               if detail else "", row, column))
            for i in sorted(others):
                if vertices[i].kind == OP and self.unit.get(i):
                    self._link(self.unit[i], key, "data")
        return box

    # -- leaves --------------------------------------------------------------------
    def _leaf_boxes(self) -> None:
        """Parameters the steps share: one θ box per row. Initial states a<0>, c<0>: beside
        the step they enter (left of a forward row, right of a reverse one). Inputs read
        at one step only: x<t> in that step's column."""
        vertices = self.graph.vertices
        last = len(self.times) - 1
        for v in vertices:
            if v.kind in (OP, CONST):
                continue
            users = [c for c, _ in self.consumers[v.index]]
            rows, columns = set(), set()
            for c in users:
                if c in self.bridged:
                    rows.add(self._bridge_row(c))
                    continue
                box = self.boxes.get(self.unit.get(c))
                if box is not None:
                    rows.add(box.row)
                    columns.add(box.column)
            if v.kind == INPUT and users and all(c in self.bridged for c in users):
                continue  # drawn as the x<t> boxes of the steps that read it
            targets = {self.unit.get(c) for c in users}
            if v.kind == INPUT and len(targets) == 1:
                box = self.boxes.get(next(iter(targets)))
                if box is not None and box.kind == "composite":  # a loss's labels y<t>, masks
                    self.unit[v.index] = box.id
                    box.vertices.append(v.index)
                    continue
            in_steps = any(c in self.step or c in self.splits or c in self.bridged for c in users)
            if v.kind == PARAM and (in_steps or len(columns) > 1):
                row = min((r for r in rows if r is not None), default=None)
                key = row if row is not None else "out"
                box = self.boxes.get(f"theta{key}")
                if box is None:
                    box = self.add(Box(f"theta{key}", "params", "θ", "shared by every t", row,
                                       self._entry_side(row) if row is not None else None))
                box.params.append((v.name or _shape_of(v.obj), v.obj))
                box.vertices.append(v.index)
                self.unit[v.index] = box.id
                continue
            name = v.name
            column = next(iter(columns)) if len(columns) == 1 else None
            row = next(iter(rows)) if len(rows) == 1 else None
            step_users = {self.step[c] for c in users if c in self.step}
            kind = "params" if v.kind == PARAM else "input"
            if name and "<0>" in name:
                kind = "state0"
                column = -1 if column in (None, 0) else (len(self.times) if column == last
                                                         else column)
            elif v.kind == INPUT and len(step_users) == 1:
                t = next(iter(step_users))[1]
                name = name or self.label("x<t>", t)  # read at one step only: x<t>
            box = self.add(Box(f"l{v.index}", kind, name or ("input" if v.kind == INPUT
                                                             else "param"),
                               _shape_of(v.obj), row, column), [v.index])
            if v.kind == PARAM:
                box.params.append((box.label, v.obj))
            box.arrays = [v.obj.data]

    def _bridge_row(self, vertex: int):
        for split, (row, _, _) in self.bridge.items():
            if vertex in self._bridge_members(split):
                return row
        return None

    def _entry_side(self, row: int) -> int:
        """-1 (left of the first step) for a row that starts at its first step, len(times)
        (right of the last) for a reverse direction, which starts at the end."""
        steps = [b for b in self.boxes.values() if b.kind == "step" and b.row == row]
        for box in steps:
            if box.column == len(self.times) - 1 and self._reads_outside_state(box):
                return len(self.times) if len(steps) > 1 else -1
        return -1

    def _reads_outside_state(self, box: Box) -> bool:
        """Does a step box take its state from outside its row (the initial state)?"""
        for i in box.vertices:
            for source, _ in self.inputs[i]:
                source_box = self.unit.get(source)
                if source in self.step and source_box != box.id and \
                        self.boxes[source_box].row == box.row:
                    return False
        return True

    def _bridge_members(self, split: int) -> set:
        members = set()
        stack = [split]
        while stack:
            current = stack.pop()
            if current in members or current not in self.bridged:
                continue
            members.add(current)
            stack += [s for s, _ in self.inputs.get(current, ())]
        return members

    # -- links -----------------------------------------------------------------------
    def _connect(self) -> None:
        self._seen_links: dict = {}
        vertices = self.graph.vertices
        for source_id, target_id, kind in self.pending_links:
            self._link(source_id, target_id, kind)
        if self.expand == "gates":
            self.gate_of = {(b.step, b.role): b.id for b in self.boxes.values()
                            if b.kind == "gate"}
        for target in sorted(self.inputs):
            if target in self.bridged:
                continue
            target_box = self.boxes.get(self.unit.get(target))
            for slot, (source, k) in enumerate(self.inputs[target]):
                if source in self.bridged:
                    continue
                source_box = self.boxes.get(self.unit.get(source))
                if source_box is None or target_box is None:
                    continue
                if source_box.kind == "params" and source_box.id.startswith("theta"):
                    continue  # drawn once per row, linked below
                if source_box is target_box:
                    continue
                is_state = (source_box.kind in ("step", "state0") and target_box.kind == "step"
                            and source_box.row == target_box.row)
                carried = [(vertices[source].obj, k)] if source_box.kind == "step" else []
                if target_box.kind == "sequence" and source_box.column is not None:
                    bus = self.bus_of.get((target, source_box.column))
                    if bus is not None:  # a step joins its row's output line
                        for source_id in self._source_ends(source, k, source_box, target_box):
                            self._link(source_id, bus, "data", carried)
                        continue
                for source_id in self._source_ends(source, k, source_box, target_box):
                    for target_id in self._target_ends(target, slot, target_box):
                        self._link(source_id, target_id, "state" if is_state else "data", carried)
        for split, (row, found, others) in self.bridge.items():  # what each step t reads
            for consumer, _ in self.consumers[split]:
                step_box = self.boxes.get(self.unit.get(consumer))
                if step_box is None:
                    continue
                targets = self._target_ends(consumer, None, step_box)
                if others:
                    source = self._step_input(others, step_box.column, row)
                    fed = self.input_rows.setdefault(source.id, set())
                    fed.add(row)
                    if self.expand == "gates":  # inside the opened step if only it reads x<t>
                        source.step = step_box.id if len(fed) == 1 else None
                    source.level = 10 * sum(fed) / len(fed) + (0 if len(fed) > 1 else -5)
                    for target_id in targets:
                        self._link(source.id, target_id, "data")
                if len(found) > 1:  # both directions below: [a→<t>, a←<t>] once per column
                    joined = self._joined(found, step_box.column)
                    for target_id in targets:
                        self._link(joined.id, target_id, "data")
                    if joined.vertices:
                        continue
                    joined.vertices.append(split)
                    targets = [joined.id]
                for sequence in sorted(found):
                    for source, k, source_box in self._by_column(sequence).get(step_box.column, ()):
                        for source_id in self._source_ends(source, k, source_box, step_box):
                            for target_id in targets:
                                self._link(source_id, target_id, "data",
                                           [(vertices[source].obj, k)])
        for box in list(self.boxes.values()):  # θ: one dashed link into its row's first step
            if box.kind != "params" or not box.id.startswith("theta"):
                continue
            steps = [b for b in self.boxes.values() if b.kind == "step" and b.row == box.row]
            if steps:
                self._link(box.id, _entry_step(steps, self).id, "shared")
            else:
                users = sorted({self.unit.get(c) for v in box.vertices
                                for c, _ in self.consumers[v]} - {None})
                if users:
                    self._link(box.id, users[0], "shared")
        if self.expand == "gates":
            self._gate_links()
            self._junctions()

    def _junctions(self) -> None:
        """In an opened step, the inputs several gates read (a<t-1> and x<t>) meet in one
        box first, the course's [a<t-1>, x<t>]: Γ = σ(W[a<t-1>, x<t>] + b)."""
        gates = {b.id: b for b in self.boxes.values() if b.kind == "gate"}
        by_step: dict = {}
        for link in self.links:
            gate = gates.get(link.target)
            source = self.boxes[link.source]
            if gate is not None and (source.step != gate.step or source.kind != "gate"):
                by_step.setdefault(gate.step, {}).setdefault(link.source, []).append(link)
        removed: set = set()
        into_step: dict = {}
        for link in self.links:
            if link.kind == "shared":
                into_step.setdefault(link.target, []).append(link)
        for step_id, sources in by_step.items():
            shared = [s for s, links in sources.items() if len(links) >= 2]
            if len(shared) < 2:
                continue
            shared.sort(key=lambda s: self.boxes[s].kind != "gate")  # a<t-1> before x<t>
            step = self.boxes[step_id]
            label = "[" + ", ".join(self.boxes[s].label.split("\n")[0] for s in shared) + "]"
            junction = self.add(Box(f"{step_id}_in", "gate", label, "W[·] + b", step.row,
                                    step.column, step=step_id, role="input"))
            moved = [lk for s in shared for lk in sources[s]]
            for link in moved:  # taken out below, all at once
                removed.add(id(link))
                self._seen_links.pop((link.source, link.target), None)
            for link in into_step.get(step_id, ()):  # θ enters at its [a<t-1>, x<t>]
                link.target = junction.id
            for source in shared:
                kind = sources[source][0].kind
                self._link(source, junction.id, kind,
                           [o for lk in sources[source] for o in lk.outputs])
            for target in dict.fromkeys(lk.target for lk in moved):
                self._link(junction.id, target, "data")
        self.links = [lk for lk in self.links if id(lk) not in removed]

    def _by_column(self, sequence: int) -> dict:
        """The inputs of a stacking op by the column of the step they come from."""
        cache = self._columns_cache
        if sequence not in cache:
            columns: dict = {}
            for source, k in self.inputs[sequence]:
                box = self.boxes.get(self.unit.get(source))
                if box is not None:
                    columns.setdefault(box.column, []).append((source, k, box))
            cache[sequence] = columns
        return cache[sequence]

    def _joined(self, sequences: set, column: int) -> Box:
        """The box that joins both directions of a layer at one step for the next layer."""
        key = f"j{min(sequences)}_{column}"
        box = self.boxes.get(key)
        if box is None:
            t = self.times[column]
            rows = sorted(self.sequences[s] for s in sequences)
            box = self.boxes[key] = Box(key, "op", self.label("[a→<t>, a←<t>]", t), "cat",
                                        rows[-1], column)
        return box

    def _link(self, source_id, target_id, kind, outputs=()) -> None:
        if source_id is None or target_id is None or source_id == target_id:
            return
        key = (source_id, target_id)
        existing = self._seen_links.get(key)
        if existing is not None:
            existing.outputs += [o for o in outputs if o not in existing.outputs]
            return
        link = self._seen_links[key] = Link(source_id, target_id, kind, list(outputs))
        self.links.append(link)

    def _source_ends(self, source: int, k: int, box: Box, target_box: Box) -> list:
        """Where a link leaves `box`: the box, or in an opened step the tagged tensor."""
        if self.expand != "gates" or box.kind != "step":
            return [box.id]
        role = role_of(self.graph.vertices[source].obj, k)
        gate = self.gate_of.get((box.id, role)) if role else None
        return [gate or box.id]

    def _target_ends(self, target: int, slot, box: Box) -> list:
        if self.expand != "gates" or box.kind != "step":
            return [box.id]
        return self._reading(target, slot, box)

    def _reading(self, target: int, slot, box: Box) -> list:
        """The tagged tensors of an opened step that read input `slot` of vertex `target`."""
        node = self.graph.vertices[target].obj
        parts = getattr(type(node), "parts", None)
        if parts:
            roles = type(node).input_roles
            role = roles[slot] if slot is not None and slot < len(roles) else "x<t>"
            ids = [self.gate_of.get((box.id, part)) for part, _, reads in parts if role in reads]
            return [i for i in ids if i] or [box.id]
        found, stack, seen = [], [target], set()
        while stack:  # down through untagged ops to the tagged tensors computed from it
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            role = role_of(self.graph.vertices[current].obj, 0)
            gate = self.gate_of.get((box.id, role)) if role else None
            if gate is not None:
                found.append(gate)
                continue
            stack += [c for c, _ in self.consumers[current] if self.unit.get(c) == box.id]
        return found or [box.id]

    def _gate_links(self) -> None:
        """Inside an opened step: which tagged tensor is computed from which."""
        vertices = self.graph.vertices
        for box in [b for b in self.boxes.values() if b.kind == "step"]:
            for i in box.vertices:
                node = vertices[i].obj
                parts = getattr(type(node), "parts", None)
                if parts:
                    for role, _, reads in parts:
                        for read in reads:
                            source = self.gate_of.get((box.id, read))
                            if source:
                                self._link(source, self.gate_of.get((box.id, role)), "data")
                    continue
                role = role_of(node, 0)
                gate = self.gate_of.get((box.id, role)) if role else None
                if gate is None:
                    continue
                stack, seen = [s for s, _ in self.inputs[i]], set()
                while stack:  # up through untagged ops of the step to tagged ones
                    source = stack.pop()
                    if source in seen or self.unit.get(source) != box.id:
                        continue
                    seen.add(source)
                    source_role = role_of(vertices[source].obj, 0)
                    source_gate = self.gate_of.get((box.id, source_role)) if source_role else None
                    if source_gate is not None:
                        self._link(source_gate, gate, "data")
                    else:
                        stack += [s for s, _ in self.inputs[source]]


def _entry_step(steps: list, builder) -> Box:
    """The step a row starts at: the one no other step hands its state to (the first in
    time, or the last for a reverse direction)."""
    ids = {b.id for b in steps}
    targets = {lk.target for lk in builder.links if lk.kind == "state" and lk.source in ids}
    targets |= {builder.boxes[lk.target].step for lk in builder.links
                if builder.boxes[lk.source].step in ids and builder.boxes[lk.target].step}
    for step_box in sorted(steps, key=lambda b: b.column):
        if step_box.id not in targets:
            return step_box
    return steps[0]


def _group_key(group: tuple):
    """Rows in the order of the network: module path, then layer, then forward before reverse."""
    key = []
    for entry in group:
        if entry.kind == "layer":
            key.append((1, entry.index or 0, ""))
        elif entry.kind == "direction":
            key.append((2, 0 if entry.name == "forward" else 1, ""))
        else:
            key.append((0, 0, str(entry)))
    return key


def _composite_of(scope: tuple):
    """The outermost composite call an op belongs to (cross_entropy, not its logsumexp)."""
    for entry in scope:
        if entry.kind == "op":
            return entry
    return None


def _name_of(node) -> str | None:
    """A user's name for what the node computed (tensor.name), or its role tag."""
    for ref in node._outputs:
        tensor = ref()
        if tensor is not None and tensor.name:
            return tensor.name
    return role_of(node, 0)


def _cell_name(vertices, cell: set, fused: list) -> str:
    if fused:
        return vertices[fused[0]].obj.op_name.replace("Step", "")
    roles = {role_of(vertices[i].obj, 0) for i in cell}
    if "Γo" in roles:
        return "LSTM"
    if "Γr" in roles or "Γu" in roles:
        return "GRU"
    return "RNN" if "a<t>" in roles else "cell"


def _hidden_first(outputs: list) -> list:
    return sorted(outputs, key=lambda pair: not (role_of(*pair) or "").startswith("a<"))


def _slug(role: str) -> str:
    table = {"Γ": "G", "̃": "t", "<": "", ">": "", "-": "m"}
    return "".join(table.get(ch, ch) for ch in role if ch.isalnum() or ch in table)


def _shape(node) -> str:
    try:
        shape = node.output_meta[0][0]
    except (AttributeError, IndexError):
        return ""
    return str(tuple(int(n) for n in shape))


def _shape_of(tensor) -> str:
    return str(tuple(int(n) for n in tensor.shape))
