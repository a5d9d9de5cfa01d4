"""Gradient norms: recorded during backward when asked, read back per node or per step.

`record_grad_norms()` installs an observer in the backward engine that stores, on
each graph node, the norm of every output gradient as a 0-d backend array: two
small kernels per node, no host sync during backward, nothing kept when not asked.
`draw_graph(..., show_grads=True)` colours nodes by these norms, and
`step_grad_norms(root)` reads them per time step of each recurrent layer:
‖∂L/∂a<t>‖, the curve that shows a gradient vanishing.
"""
from __future__ import annotations

import math

import numpy as np

from .. import autograd
from ..backend import backend_of_array
from .graph import OP, collect, step_label, step_of


def array_norm(array):
    """The Euclidean norm of a backend array, as a 0-d array on the same backend."""
    xp = backend_of_array(array).xp
    flat = array.ravel()
    if flat.dtype.kind not in "fc":
        flat = flat.astype(np.float32)
    return xp.asarray(xp.sqrt(flat.dot(flat)))


def _observe(node, grads) -> None:
    node._grad_norms = tuple(None if g is None else array_norm(g.data) for g in grads)


class record_grad_norms:
    """Record gradient norms on the graph's nodes during every backward() inside.

    >>> with mg.record_grad_norms():
    ...     loss.backward()
    >>> mg.draw_graph(loss, show_grads=True)      # nodes coloured by ‖grad‖
    >>> mg.step_grad_norms(loss)                  # ‖∂L/∂a<t>‖ per recurrent layer

    The norms are kept on the nodes (one 0-d array per output), so they live as
    long as the graph. The recording applies to backward passes in every thread.
    Leaves need no recording: their norms come from `.grad`.
    """

    def __enter__(self):
        autograd._grad_observers.append(_observe)
        return self

    def __exit__(self, *exc_info) -> bool:
        autograd._grad_observers.remove(_observe)
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
            for norm in getattr(vertex.obj, "_grad_norms", None) or ():
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

    Call it after a backward() run inside `mg.record_grad_norms()`, while `root`
    (e.g. the loss) is still alive. Recurrent layers tag each step's ops with a
    `t=<step>` scope (under `layer<i>` and `forward`/`reverse`); the step's hidden
    state a<t> is the tensor the step hands to the next one (for an LSTM, the one
    of h<t> and c<t> computed last, h<t>). The norm is that of the total gradient
    reaching a<t>: from the loss terms at t and from every later step.

    which: "hidden" (a<t> only) or "state" (everything carried to the next step
    together, for an LSTM (h<t>, c<t>)).

    Returns a dict: the layer's path ("layer0/forward"; with the module path in
    front when modules are named, "encoder.rnn/layer0/forward"; "" for steps
    scoped only by t=…) -> a NumPy array indexed by t (NaN where a step's norm
    was not recorded). Raises RuntimeError if no norms were recorded.
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
            producer = tensor._creator
            step = steps.get(producer) if producer is not None else None
            if step is None:
                continue
            key = (producer, tensor._output_index)
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
            norms = getattr(node, "_grad_norms", None)
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
    seen = set()
    stack = [node]
    while stack:
        current = stack.pop()
        for tensor in current.inputs:
            parent = tensor._creator
            if parent is not None and parent not in seen and steps.get(parent) == step:
                seen.add(parent)
                stack.append(parent)
    return seen
