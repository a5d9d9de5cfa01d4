"""Gradient norms: recorded during backward when asked, read back per node or per step.

`record_grad_norms()` watches backward through the engine's public observer API
(`mg.observe_gradients`) and keeps, per graph node, the norm of every output
gradient as a 0-d backend array: two small kernels per node, no host sync during
backward, nothing kept when not asked.
`draw_graph(..., show_grads=True)` colours nodes by these norms, and
`step_grad_norms(root)` reads them per time step of each recurrent layer:
‖∂L/∂a<t>‖, the curve that shows a gradient vanishing.
"""
from __future__ import annotations

import itertools
import math
import weakref

import numpy as np

from ..autograd import observe_gradients
from ..backend import backend_of_array
from ..expansion import picture_inputs, source_of
from ..walk import consumers_first
from .graph import OP, collect, step_label, step_of


def array_norm(array):
    """The Euclidean norm of a backend array, as a 0-d array on the same backend."""
    xp = backend_of_array(array).xp
    flat = array.ravel()
    if flat.dtype.kind not in "fc":
        flat = flat.astype(np.float32)
    return xp.asarray(xp.sqrt(flat.dot(flat)))


# What record_grad_norms saw, per graph node, for as long as the node lives: the norm of
# each output gradient (0-d backend arrays) and the node's position in the backward run.
_NORMS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_ORDER: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def recorded_norms(node):
    """The recorded ‖grad‖ of each output of `node` (0-d arrays or None), or None."""
    return _NORMS.get(node)


def backward_position(node):
    """When the engine ran `node`'s backward in the recorded pass (0, 1, ...), or None."""
    return _ORDER.get(node)


class record_grad_norms:
    """Record gradient norms of the graph's nodes during every backward() inside.

    It watches the pass through the engine's public `mg.observe_gradients`: per node, the
    norm of each output gradient as a 0-d array on the node's backend (two small kernels, no
    host sync during backward) and the order the nodes ran in (the HTML viewer replays it).
    What it keeps lives as long as the graph. Leaves need no recording: their norms come
    from
    `.grad`. Then `mg.draw_graph(loss, show_grads=True)` colours the nodes by ‖grad‖ and
    `mg.step_grad_norms(loss)` gives ‖∂L/∂a<t>‖ per recurrent layer.

    Examples:
        >>> mg.manual_seed(0)
        >>> rnn = nn.RNN(2, 3)
        >>> output, h = rnn(mg.randn(4, 1, 2))
        >>> loss = output.sum()
        >>> with mg.record_grad_norms():
        ...     loss.backward()
        >>> picture = mg.draw_graph(loss, show_grads=True, view="bptt")
        >>> mg.step_grad_norms(loss)
        {'layer0/forward': array([2.50221848, 2.37758255, 1.9677366 , 1.73205078])}
    """

    def __enter__(self):
        self._position = itertools.count()
        self._handle = observe_gradients(self._observe)
        return self

    def _observe(self, node, grads) -> None:
        _NORMS[node] = tuple(None if g is None else array_norm(g.data) for g in grads)
        _ORDER[node] = next(self._position)

    def __exit__(self, *exc_info) -> bool:
        self._handle.remove()
        return False


def fetch(arrays: list) -> list:
    """Host floats for a list of 0-d backend arrays: one transfer per backend."""
    by_backend: dict = {}
    for position, array in enumerate(arrays):
        by_backend.setdefault(backend_of_array(array), []).append(position)
    values = [math.nan] * len(arrays)
    for backend, positions in by_backend.items():
        stacked = backend.xp.stack([arrays[p] for p in positions])
        host = np.asarray(backend.to_host(stacked), dtype=np.float64)
        for p, value in zip(positions, host.tolist()):
            values[p] = value
    return values


def vertex_norms(vertices) -> dict:
    """vertex index -> ‖grad‖ (a float) for ops with recorded norms and leaves with .grad.

    An op with several outputs gets the norm of all its output gradients together.
    """
    arrays, owners = [], []
    for vertex in vertices:
        if vertex.kind == OP:
            for norm in _NORMS.get(vertex.obj) or ():
                if norm is not None:
                    arrays.append(norm)
                    owners.append(vertex.index)
        elif vertex.obj is not None and getattr(vertex.obj, "grad", None) is not None:
            arrays.append(array_norm(vertex.obj.grad))
            owners.append(vertex.index)
    squares: dict = {}
    for owner, value in zip(owners, fetch(arrays)):
        squares[owner] = squares.get(owner, 0.0) + value * value
    return {owner: math.sqrt(total) for owner, total in squares.items()}


def step_grad_norms(root, which: str = "hidden") -> dict:
    """‖∂L/∂a<t>‖ for every time step of every recurrent layer in the graph of `root`.

    Call it after a backward() run inside `mg.record_grad_norms()`, while `root` (e.g. the
    loss) is still alive. Recurrent layers tag each step's ops with a `t=<step>` scope
    (under
    `layer<i>` and `forward`/`reverse`); the step's hidden state a<t> is the tensor the step
    hands to the next one (for an LSTM, h<t>). The norm is that of the total gradient
    reaching a<t>: from the loss terms at t and from every later step. This is the
    vanishing-gradient plot's data.

    Args:
        root: the tensor backward started from (the loss).
        which: "hidden" (a<t> only) or "state" (everything carried to the next step
            together: for an LSTM (h<t>, c<t>)).

    Returns:
        dict: the layer's path ("layer0/forward"; with the module path in front when modules
        are named, "encoder.rnn/layer0/forward"; "" for steps scoped only by t=…) -> a NumPy
        array indexed by t (NaN where a step's norm was not recorded).

    Raises:
        RuntimeError: if no norms were recorded.

    Examples:
        >>> mg.manual_seed(0)
        >>> lstm = nn.LSTM(2, 3, num_layers=2)
        >>> output, (h, c) = lstm(mg.randn(5, 1, 2))
        >>> loss = output[-1].sum()
        >>> with mg.record_grad_norms():
        ...     loss.backward()
        >>> norms = mg.step_grad_norms(loss)
        >>> sorted(norms), norms["layer0/forward"].shape
        (['layer0/forward', 'layer1/forward'], (5,))
    """
    if which not in ("hidden", "state"):
        raise ValueError(f"step_grad_norms: which must be 'hidden' or 'state', got {which!r}")
    graph = collect(root, {})
    nodes = [v.obj for v in graph.vertices if v.kind == OP]
    steps = {node: step_of(node._scope) for node in nodes if getattr(node, "_scope", ())}
    carried: dict = {}  # (group, t) -> {(node, output index)}
    external: dict = {}
    for consumer in nodes:
        consumer_step = steps.get(consumer)
        for tensor in consumer.inputs:
            producer, output = source_of(tensor)
            step = steps.get(producer) if producer is not None else None
            if step is None:
                continue
            key = (producer, output)
            if consumer_step is not None and consumer_step[0] == step[0]:
                if consumer_step[1] != step[1]:
                    carried.setdefault(step, set()).add(key)
            else:
                external.setdefault(step, set()).add(key)
    chosen: dict = {}
    for step in set(carried) | set(external):
        outputs = carried.get(step) or external.get(step, set())
        if which == "hidden":
            outputs = _last_computed(outputs, external.get(step, set()), steps, step)
        chosen[step] = sorted(outputs, key=lambda key: key[1])

    arrays, owners = [], []
    for step, outputs in chosen.items():
        for node, index in outputs:
            norms = _NORMS.get(node)
            if norms is not None and norms[index] is not None:
                arrays.append(norms[index])
                owners.append(step)
    if not arrays:
        raise RuntimeError(
            "step_grad_norms: no gradient norms were recorded for this graph; run the "
            "backward pass inside `with mg.record_grad_norms():` and call this while the "
            "graph is alive (found "
            f"{len(chosen)} recurrent steps)"
        )
    squares: dict = {}
    for step, value in zip(owners, fetch(arrays)):
        squares[step] = squares.get(step, 0.0) + value * value
    lengths: dict = {}
    for group, t in chosen:
        lengths[group] = max(lengths.get(group, 0), t + 1)
    curves = {}
    for group, length in lengths.items():
        curves[group] = np.full(length, np.nan)
    for (group, t), total in squares.items():
        if t >= 0:
            curves[group][t] = math.sqrt(total)
    result = {}
    for group in sorted(curves, key=step_label):
        label = step_label(group)
        if label in result:  # two layers under one name: keep both, told apart
            label = "/".join(group)
        result[label] = curves[group]
    return result


def _last_computed(outputs: set, external: set, steps: dict, step) -> set:
    """Of a step's carried outputs, the hidden state: used outside the step if only one
    is, else the one no other is computed from (LSTM: h<t> = o * tanh(c<t>))."""
    if len(outputs) <= 1:
        return outputs
    used_outside = outputs & external
    if len(used_outside) == 1:
        return used_outside
    pool = used_outside or outputs
    ancestors = {key: _ancestors_in_step(key[0], steps, step) for key in pool}
    finals = {key for key in pool
              if not any(key[0] in ancestors[other] for other in pool if other != key)}
    pool = finals or pool
    return {max(pool, key=lambda key: (len(ancestors[key]), key[1]))}


def _ancestors_in_step(node, steps: dict, step) -> set:
    """The nodes of `step` that `node` is computed from (through the one walker)."""
    def parents(current):
        return [p for p in picture_inputs(current) if steps.get(p) == step]

    return set(consumers_first([node], parents)) - {node}


def diagram_norms(diagram) -> dict:
    """‖grad‖ for the BPTT diagram: per box (what it outputs; a step box: its a<t>), per
    state link (what it carries back), and per parameter of a θ box (its .grad)."""
    arrays, owners = [], []

    def add(owner, node, index) -> None:
        norms = _NORMS.get(node)
        if norms is not None and index < len(norms) and norms[index] is not None:
            arrays.append(norms[index])
            owners.append(owner)

    for box in diagram.boxes.values():
        if box.outputs:
            node, index = box.outputs[0]
            add(box.id, node, index)
        for _, tensor in box.params:
            if tensor.grad is not None:
                arrays.append(array_norm(tensor.grad))
                owners.append(("param", id(tensor)))
    for link in diagram.links:
        if link.outputs:
            node, index = link.outputs[0]
            add(("link", link.source, link.target), node, index)
    result: dict = {}
    for owner, value in zip(owners, fetch(arrays)):
        result[owner] = value
    for box in diagram.boxes.values():  # a box of one parameter shows that parameter's norm
        if box.kind == "params" and len(box.params) == 1 and not box.id.startswith("theta"):
            value = result.get(("param", id(box.params[0][1])))
            if value is not None:
                result[box.id] = value
    return result
