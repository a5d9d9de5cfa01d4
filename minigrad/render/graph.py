"""The graph a picture is drawn from: a walk from the roots, then what to leave out.

`collect` walks the recorded graph back from the roots with the engine's walker
(`minigrad.walk`, iterative, consumers first), seeing a node that computed many steps
at once as the steps it stands for (`minigrad.expansion`), and returns its vertices
(one per op node and one per leaf tensor) and
its edges (one per op input, drawn from the input to the op that consumes it).
`collapse` then hides what a picture cannot show: the middle steps of long
recurrent sequences become one "… N steps …" marker per layer and direction, and
`max_nodes` keeps only the vertices nearest the roots. Everything is linear in the
size of the graph.

Scopes (`minigrad.scopes`) give each op a path of typed entries, such as
module "encoder" > layer 0 > direction "reverse" > step 3; pictures read the
entries' kinds, never their names.
"""
from __future__ import annotations

from ..expansion import picture_inputs, source_of
from ..scopes import ScopeEntry
from ..walk import consumers_first

OP, PARAM, INPUT, CONST, MARKER = "op", "param", "input", "const", "marker"

# Scope entries a picture clusters by; "op" entries (one composite call) and plain
# user scopes count as modules for `group="module"`.
_CLUSTER_KIND = {"module": "module", "scope": "module", "layer": "layer",
                 "direction": "direction", "step": "step"}


def classify(entry) -> str:
    """What a scope entry names: "step", "layer", "direction" or "module"."""
    return _CLUSTER_KIND.get(entry.kind, "module")


_step_cache: dict = {}


def step_of(scope: tuple):
    """(group, t) for an op inside a time step, else None.

    `group` is the scope up to the innermost step entry: one recurrent layer and
    direction; `t` the step's time index.
    """
    try:
        return _step_cache[scope]
    except KeyError:
        pass
    result = None
    for position in range(len(scope) - 1, -1, -1):
        if scope[position].kind == "step":
            result = (scope[:position], scope[position].index)
            break
    if len(_step_cache) > 100_000:
        _step_cache.clear()
    _step_cache[scope] = result
    return result


def cluster_path(scope: tuple, group: str | None) -> tuple:
    """The nested clusters an op created in `scope` is drawn in.

    - `None`: no clusters.
    - `"module"`: one cluster per module (or user scope) on the path, then the
      recurrent layer and direction; time steps are not split.
    - `"timestep"`: one cluster for the module path that leads to a recurrent layer,
      then layer > direction > t=…; ops outside recurrent layers stay unclustered.

    Inside a recurrent layer, module names (the wrappers and cells that run it) are
    left out: the layer, direction and step say where an op belongs.
    """
    if not group or not scope:
        return ()
    scope = tuple(entry for entry in scope if entry.kind != "op")
    kinds = [classify(entry) for entry in scope]
    first = next((i for i, kind in enumerate(kinds) if kind != "module"), None)
    if first is None:
        return scope if group == "module" else ()
    keep = ("layer", "direction") if group == "module" else ("layer", "direction", "step")
    inner = tuple(entry for entry, kind in zip(scope[first:], kinds[first:]) if kind in keep)
    if group == "module":
        return scope[:first] + inner
    if not first:
        return inner
    return (ScopeEntry("module", ".".join(map(str, scope[:first]))),) + inner


def step_label(group: tuple) -> str:
    """A recurrent layer's name for users: "layer0/forward", "encoder.rnn/layer1/reverse"."""
    return "/".join(map(str, cluster_path(group, "timestep")))


class Vertex:
    """One drawn node: an op node, a leaf tensor, or a collapse marker."""

    __slots__ = ("group", "index", "is_root", "kind", "name", "obj", "scope", "step", "text")

    def __init__(self, index: int, kind: str, obj, scope: tuple = ()):
        self.index = index
        self.kind = kind
        self.obj = obj  # the Function node, the leaf Tensor, or None for a marker
        self.scope = scope
        self.is_root = False
        self.name = None
        self.text = None  # a marker's label
        self.group = None  # a step marker's recurrent group (scope prefix)
        self.step = None  # a step marker's (group, first hidden step)


class Graph:
    """Vertices and edges (input -> consumer, one per op input) of a recorded graph."""

    def __init__(self):
        self.vertices: list[Vertex] = []
        self.edges: list[tuple[int, int]] = []
        self.roots: list[int] = []

    def add(self, kind: str, obj, scope: tuple = ()) -> Vertex:
        vertex = Vertex(len(self.vertices), kind, obj, scope)
        self.vertices.append(vertex)
        return vertex


def _as_roots(root) -> list:
    from ..tensor import Tensor

    roots = list(root) if isinstance(root, (list, tuple)) else [root]
    if not roots:
        raise ValueError("draw_graph/to_dot: no root tensor given")
    for r in roots:
        if not isinstance(r, Tensor):
            raise TypeError(
                f"draw_graph/to_dot: expected a Tensor or a list of Tensors, got "
                f"{type(r).__name__}"
            )
    return roots


def param_names(params) -> dict:
    """id(tensor) -> name from a model (anything with named_parameters()) or a dict."""
    if params is None:
        return {}
    if hasattr(params, "named_parameters"):
        items = params.named_parameters()
    elif hasattr(params, "items"):
        items = params.items()
    else:
        items = params
    names = {}
    for name, tensor in items:
        names.setdefault(id(tensor), str(name))
    return names


def collect(root, names: dict) -> Graph:
    """The graph that computed `root` (a Tensor or a list of them): one vertex per op
    node, in the walker's order (consumers first), and one per leaf tensor."""
    roots = _as_roots(root)
    graph = Graph()
    op_index: dict = {}
    leaf_index: dict = {}

    def leaf(tensor) -> int:
        index = leaf_index.get(id(tensor))
        if index is None:
            vertex = graph.add(_leaf_kind(tensor, names), tensor)
            vertex.name = names.get(id(tensor)) or tensor.name
            index = leaf_index[id(tensor)] = vertex.index
        return index

    # a node that computed many steps at once is drawn as its steps (minigrad.expansion)
    root_nodes = [source_of(r)[0] for r in roots if r._creator is not None]
    for node in consumers_first(root_nodes, picture_inputs):
        op_index[node] = graph.add(OP, node, node._scope).index
    for r in roots:
        index = leaf(r) if r._creator is None else op_index[source_of(r)[0]]
        graph.vertices[index].is_root = True
        if index not in graph.roots:
            graph.roots.append(index)
    edges = graph.edges
    for node, consumer in list(op_index.items()):
        for tensor in node.inputs:
            parent = source_of(tensor)[0]
            edges.append((leaf(tensor) if parent is None else op_index[parent], consumer))
    return graph


def _leaf_kind(tensor, names: dict) -> str:
    if id(tensor) in names or tensor._requires_grad:
        return PARAM
    if tensor.data.ndim == 0 and tensor.name is None:
        return CONST
    return INPUT


# -- leaving things out --------------------------------------------------------------

class View:
    """What is drawn: `hidden[i]` is -1 for a drawn vertex, else the marker drawing it."""

    def __init__(self, graph: Graph, hidden: list, edges: list, markers: list):
        self.graph = graph
        self.hidden = hidden
        self.edges = edges
        self.markers = markers  # marker vertices (also in graph.vertices)

    def drawn(self) -> list:
        return [v for v in self.graph.vertices if v.kind != MARKER and self.hidden[v.index] < 0]


def collapse(graph: Graph, max_nodes: int | None = None, max_steps: int | None = None) -> View:
    """Hide middle time steps (`max_steps`, or as many as `max_nodes` needs) and then,
    if still too many, the vertices farthest from the roots."""
    if max_nodes is not None and int(max_nodes) < 1:
        raise ValueError(f"max_nodes must be a positive number of nodes, got {max_nodes}")
    if max_steps is not None and int(max_steps) < 2:
        raise ValueError(f"max_steps keeps the first and last steps, so it must be >= 2, "
                         f"got {max_steps}")
    n = len(graph.vertices)
    if max_steps is None and (max_nodes is None or n <= max_nodes):
        return View(graph, [-1] * n, graph.edges, [])
    producers: list = [[] for _ in range(n)]
    consumers: list = [[] for _ in range(n)]
    for source, target in graph.edges:
        producers[target].append(source)
        consumers[source].append(target)
    order = list(range(n))  # collect() numbers vertices consumers first
    groups = _step_groups(graph)

    hidden = [-1] * n
    markers: list = []
    if groups:
        window = max_steps
        if window is None and max_nodes is not None and n > max_nodes:
            window = _best_window(graph, groups, order, producers, consumers, int(max_nodes))
        if window is not None:
            hidden, markers = _hide_steps(graph, groups, int(window), order, producers,
                                          consumers)
    if max_nodes is not None:
        visible = sum(1 for h in hidden if h < 0)
        if visible > max_nodes:
            _truncate(graph, hidden, markers, producers, int(max_nodes), visible)
    for marker in markers:
        if marker.index >= len(hidden):
            hidden.extend([-1] * (marker.index + 1 - len(hidden)))

    edges = []
    seen = set()
    for source, target in graph.edges:
        s, t = hidden[source], hidden[target]
        s = source if s < 0 else s
        t = target if t < 0 else t
        if s == t:
            continue
        if s != source or t != target:  # an edge to or from a marker: draw it once
            if (s, t) in seen:
                continue
            seen.add((s, t))
        edges.append((s, t))
    return View(graph, hidden, edges, markers)


def _step_groups(graph: Graph) -> dict:
    """group -> sorted step numbers, over the op vertices inside time steps."""
    groups: dict = {}
    for vertex in graph.vertices:
        if vertex.kind == OP and vertex.scope:
            step = step_of(vertex.scope)
            if step is not None:
                groups.setdefault(step[0], set()).add(step[1])
    return {group: sorted(steps) for group, steps in groups.items()}


def _hide_steps(graph, groups, window, order, producers, consumers, dry_run=False):
    """Hide every step but the first ceil(window/2) and last floor(window/2) of each group.

    Ops outside the steps go with them when they only feed hidden steps (e.g. the
    slice x[t] of a hidden step) or only read from them (a per-step output head).
    Returns (hidden, markers), or with `dry_run` only the number of drawn vertices.
    """
    n = len(graph.vertices)
    head, tail = (window + 1) // 2, window // 2
    marker_of: dict = {}
    hidden_steps: dict = {}
    markers = []
    next_index = n
    for group, steps in groups.items():
        if len(steps) <= window:
            continue
        middle = steps[head:len(steps) - tail]
        hidden_steps[group] = set(middle)
        marker_of[group] = next_index
        next_index += 1
        if not dry_run:
            marker = graph.add(MARKER, None, group)
            marker.group = group
            marker.step = (group, middle[0])
            marker.text = (f"… {len(middle)} steps …", f"t={middle[0]} … t={middle[-1]}")
            markers.append(marker)
    hidden = [-1] * n
    if not hidden_steps:
        return (n if dry_run else (hidden, markers))
    vertices = graph.vertices
    in_step = [False] * n
    for vertex in vertices[:n]:
        if vertex.kind == OP and vertex.scope:
            step = step_of(vertex.scope)
            if step is not None:
                in_step[vertex.index] = True
                if step[1] in hidden_steps.get(step[0], ()):
                    hidden[vertex.index] = marker_of[step[0]]
    # Downstream: an op outside the steps that only reads hidden ops.
    for index in reversed(order):
        vertex = vertices[index]
        if hidden[index] >= 0 or in_step[index] or vertex.is_root or vertex.kind != OP:
            continue
        marker = -1
        for source in producers[index]:
            if vertices[source].kind == OP:
                if hidden[source] < 0:
                    marker = -1
                    break
                if marker < 0:
                    marker = hidden[source]
        if marker >= 0:
            hidden[index] = marker
    # Upstream: anything outside the steps that only feeds hidden vertices.
    for index in order:
        if hidden[index] >= 0 or in_step[index] or vertices[index].is_root:
            continue
        uses = consumers[index]
        if uses and all(hidden[c] >= 0 for c in uses):
            hidden[index] = hidden[uses[0]]
    if dry_run:
        return sum(1 for h in hidden if h < 0)
    return hidden, markers


def _best_window(graph, groups, order, producers, consumers, max_nodes: int) -> int | None:
    """The widest step window whose picture has at most `max_nodes` vertices."""
    longest = max(len(steps) for steps in groups.values())
    if longest <= 2:
        return None
    low, high = 2, longest - 1  # `longest` steps would hide nothing
    if _hide_steps(graph, groups, low, order, producers, consumers, dry_run=True) > max_nodes:
        return low
    while low < high:
        middle = (low + high + 1) // 2
        if _hide_steps(graph, groups, middle, order, producers, consumers,
                       dry_run=True) <= max_nodes:
            low = middle
        else:
            high = middle - 1
    return low


def _truncate(graph, hidden, markers, producers, max_nodes: int, visible: int) -> None:
    """Keep the `max_nodes` drawn vertices nearest the roots; one marker stands for the rest."""
    n = len(hidden)
    kept = [False] * n
    count = 0
    queue = list(graph.roots)
    seen = set(queue)
    position = 0
    while position < len(queue) and count < max_nodes:
        index = queue[position]
        position += 1
        if hidden[index] < 0:
            kept[index] = True
            count += 1
        for source in producers[index]:
            if source not in seen:
                seen.add(source)
                queue.append(source)
    marker = graph.add(MARKER, None, ())
    marker.text = (f"… {visible - count} more nodes …", f"max_nodes={max_nodes}")
    markers.append(marker)
    for index in range(n):
        if hidden[index] < 0 and not kept[index]:
            hidden[index] = marker.index
