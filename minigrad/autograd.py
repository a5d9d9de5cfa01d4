"""The backward engine: an iterative walk of the recorded graph in reverse.

Algorithm (HIPS autograd's child counting, no recursion anywhere):

1. From the roots, count for every reachable node how many of its outputs' uses
   will send it a gradient (`pending_uses`).
2. Start from the roots' nodes. A node runs its backward only when every use has
   reported, so its output gradients are final; it then hands each input its
   share, and a node whose count drops to zero becomes ready.

Gradients meeting at one tensor are summed without aliasing: the first is kept
as is, a second makes a fresh sum, later ones add into that fresh sum in place.
A leaf's `.grad` is always an array of its own. A node's gradients are dropped as
soon as its backward has run, and (unless `retain_graph`) its saved values too.
"""
from __future__ import annotations

from .function import _check_finite, _freed_graph_error
from .modes import _anomaly, _grad_enabled

# Callbacks `observer(node, output_grads)` called as each node's gradients become
# final; graph rendering uses one to record gradient norms (see `record_grad_norms`).
_grad_observers: list = []


def backward(roots, root_grads, retain_graph=False, create_graph=False, inputs=None,
             allow_unused=False):
    """Backpropagate from `roots`; write leaf `.grad`, or return grads for `inputs`.

    With `inputs` given (the `mg.grad` path) no `.grad` anywhere is touched and a
    tuple of Tensors (or None) aligned with `inputs` is returned.
    """
    from .tensor import Tensor

    capture = inputs is not None
    token = _grad_enabled.set(bool(create_graph))
    try:
        return _run(Tensor, roots, root_grads, retain_graph, create_graph, capture,
                    inputs, allow_unused)
    finally:
        _grad_enabled.reset(token)


def _count_uses(root_nodes) -> dict:
    uses = {}
    stack = list(root_nodes)
    seen = set(stack)
    while stack:
        node = stack.pop()
        for t in node.inputs:
            parent = t._creator
            if parent is not None and t._requires_grad:
                uses[parent] = uses.get(parent, 0) + 1
                if parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
    return uses


def _accumulate(slot: list, index: int, grad, create_graph: bool) -> None:
    """slot = [grads, owned]: add `grad` at `index` without aliasing anybody's array."""
    grads, owned = slot
    current = grads[index]
    if current is None:
        grads[index] = grad
    elif owned[index] and not create_graph:
        current.data += grad.data
    else:
        grads[index] = current + grad
        owned[index] = True


def _run(Tensor, roots, root_grads, retain_graph, create_graph, capture, inputs,
         allow_unused):
    pending: dict = {}  # node -> [output grads, owned flags]
    leaves: dict = {}  # id(leaf) -> [leaf, [grad], [owned]]
    root_nodes = []
    for root, grad in zip(roots, root_grads):
        node = root._creator
        if node is None:
            if root._requires_grad:
                _accumulate_leaf(leaves, root, grad, create_graph)
            continue
        if node not in pending:
            pending[node] = [[None] * len(node._outputs), [False] * len(node._outputs)]
            root_nodes.append(node)
        _accumulate(pending[node], root._output_index, grad, create_graph)

    uses = _count_uses(root_nodes)
    ready = [n for n in root_nodes if uses.get(n, 0) == 0]
    targets = _capture_targets(inputs) if capture else None
    captured = {}
    observers = _grad_observers
    anomaly = _anomaly.get()

    while ready:
        node = ready.pop()
        grads = pending.pop(node)[0]
        if node._hooks is not None:
            grads = _run_hooks(Tensor, node._hooks, grads)
        if node._retained is not None and not capture:
            _retain(node, grads)
        if targets is not None and node in targets:
            for index, position in targets[node]:
                captured[position] = grads[index]
        for observer in observers:
            observer(node, grads)

        input_grads = _node_backward(Tensor, node, grads, create_graph, anomaly)
        for t, g in zip(node.inputs, input_grads):
            if not t._requires_grad:
                continue
            parent = t._creator
            if parent is None:
                if g is not None:
                    _accumulate_leaf(leaves, t, g, create_graph)
                continue
            slot = pending.get(parent)
            if slot is None:
                n_out = len(parent._outputs)
                slot = pending[parent] = [[None] * n_out, [False] * n_out]
            if g is not None:
                _accumulate(slot, t._output_index, g, create_graph)
            uses[parent] -= 1
            if uses[parent] == 0:
                ready.append(parent)
        if not retain_graph:
            node._release()

    for leaf, grads, owned in leaves.values():
        grad = grads[0]
        if leaf._hooks:
            grad = _run_hooks(Tensor, {0: leaf._hooks}, [grad])[0]
        if capture:
            if id(leaf) in targets:
                captured[targets[id(leaf)]] = grad
        elif leaf.grad is None:
            leaf.grad = grad.data if owned[0] else grad.data.copy()
        else:
            leaf.grad += grad.data

    if not capture:
        return None
    result = []
    for position, t in enumerate(inputs):
        grad = captured.get(position)
        if grad is None and not allow_unused:
            raise RuntimeError(
                f"mg.grad: input {position} (shape {tuple(t.shape)}) was not used to "
                "compute the outputs, so it has no gradient; pass allow_unused=True to "
                "get None for it"
            )
        result.append(grad)
    return tuple(result)


def _accumulate_leaf(leaves: dict, leaf, grad, create_graph: bool) -> None:
    entry = leaves.get(id(leaf))
    if entry is None:
        leaves[id(leaf)] = [leaf, [grad], [False]]
    else:
        _accumulate(entry[1:], 0, grad, create_graph)


def _capture_targets(inputs) -> dict:
    """Where each requested input's final gradient can be read during the walk."""
    targets = {}
    for position, t in enumerate(inputs):
        if t._creator is None:
            targets[id(t)] = position
        else:
            targets.setdefault(t._creator, []).append((t._output_index, position))
    return targets


def _node_backward(Tensor, node, grads, create_graph, anomaly):
    """Call one node's backward; returns one gradient (or None) per input."""
    inputs = node.inputs
    missing = False
    for g in grads:
        if g is None:
            missing = True
            break
    if missing:
        if all(g is None for g in grads):
            return (None,) * len(inputs)
        grads = [g if g is not None else Tensor._make(node.xp.zeros(shape, dtype), False, None, 0)
                 for g, (shape, dtype) in zip(grads, node.output_meta)]
    if node._freed:
        raise _freed_graph_error(node)
    for t, version in zip(inputs, node._versions):
        if t._version != version:
            raise RuntimeError(
                f"{node.op_name}: an input of shape {tuple(t.shape)} was modified in place "
                f"after it was used (version {version} → {t._version}); its gradient "
                "would be wrong. Work on a copy, or modify it before using it."
            )
    if node.differentiable_backward:
        try:
            result = node.backward(node, *grads)
        except FloatingPointError as exc:  # an op inside this backward made NaN/Inf
            raise FloatingPointError(
                f"detect_anomaly: {node.op_name} produced NaN or Inf in its backward ({exc})"
            ) from exc
    else:
        if create_graph:
            raise RuntimeError(
                f"{node.op_name} is a custom mg.Function, whose backward works on arrays: "
                "it is first order, so create_graph=True cannot go through it. Write it "
                "with differentiable Tensor ops to get higher derivatives."
            )
        result = node.backward(node, *[g.data for g in grads])
        if type(result) is not tuple:
            result = (result,)
        result = tuple(None if r is None else Tensor._make(r, False, None, 0) for r in result)
    if type(result) is not tuple:
        result = (result,)
    if len(result) != len(inputs):
        raise RuntimeError(
            f"{node.op_name}.backward returned {len(result)} gradients for {len(inputs)} inputs"
        )
    for t, g in zip(inputs, result):
        if g is not None and g.data.shape != t.data.shape:
            raise RuntimeError(
                f"{node.op_name}.backward returned a gradient of shape {tuple(g.shape)} "
                f"for an input of shape {tuple(t.shape)}"
            )
    if anomaly:
        _check_finite(node.op_name, "backward", [None if g is None else g.data for g in result])
    return result


def _run_hooks(Tensor, hooks: dict, grads: list) -> list:
    grads = list(grads)
    for index, functions in hooks.items():
        for fn in functions:
            if grads[index] is None:
                continue
            replacement = fn(grads[index].data)
            if replacement is not None:
                if isinstance(replacement, Tensor):
                    replacement = replacement.data
                grads[index] = Tensor._make(replacement, False, None, 0)
    return grads


def _retain(node, grads) -> None:
    for index, ref in node._retained.items():
        tensor = ref()
        grad = grads[index]
        if tensor is None or grad is None:
            continue
        if tensor.grad is None:
            tensor.grad = grad.data.copy()
        else:
            tensor.grad += grad.data
