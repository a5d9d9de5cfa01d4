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

from .backend import _BY_ARRAY_TYPE as _ARRAY_TYPES
from .function import _check_finite, _freed_graph_error
from .modes import _anomaly, _grad_enabled
from .sparse import RowSparseGrad, add_into

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
    """slot = [grads, owned]: add `grad` at `index` without aliasing anybody's array.

    Gradients are arrays, or Tensors when the graph of the gradient is recorded.
    """
    grads, owned = slot
    current = grads[index]
    if current is None:
        grads[index] = grad
    elif owned[index] and not create_graph:
        try:
            current += grad  # our own fresh sum: add in place
        except TypeError:  # a dense sum meeting a RowSparseGrad (minigrad.sparse)
            if add_into(current, grad) is None:
                raise
        grads[index] = current  # (a NumPy scalar is rebound, not changed in place)
    else:
        grads[index] = current + grad
        owned[index] = True


def _as_array(grad, like):
    """`grad` as an array of `like`'s type (NumPy turns 0-d results into scalars)."""
    if type(grad) is type(like):
        return grad
    if type(grad) is RowSparseGrad:  # mg.grad returns Tensors: a sparse gradient densifies
        return grad.to_dense()
    return _ARRAY_TYPES[type(like)].xp.asarray(grad)


def _fresh(grad, owned: bool, like):
    """An array of `like`'s type that nobody else holds: `grad` itself if we made it."""
    if type(grad) is type(like) or type(grad) is RowSparseGrad:
        return grad if owned else grad.copy()
    return _ARRAY_TYPES[type(like)].xp.asarray(grad)  # a new 0-d array from a scalar


def _run(Tensor, roots, root_grads, retain_graph, create_graph, capture, inputs,
         allow_unused):
    pending: dict = {}  # node -> [output grads, owned flags]
    leaves: dict = {}  # id(leaf) -> [leaf, [grad], [owned]]
    root_nodes = []
    for root, grad in zip(roots, root_grads):
        if not create_graph:
            grad = grad.data
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
    node_backward = _node_backward_tensors if create_graph else _node_backward_arrays

    while ready:
        node = ready.pop()
        grads = pending.pop(node)[0]
        if node._hooks is not None or node._retained is not None or targets is not None \
                or observers:
            grads = _visit(Tensor, node, grads, create_graph, capture, targets, captured)
        input_grads = node_backward(Tensor, node, grads, anomaly)
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
                    slot[0][t._output_index] = g
            elif g is not None:
                _accumulate(slot, t._output_index, g, create_graph)
            count = uses[parent] - 1
            uses[parent] = count
            if not count:
                ready.append(parent)
        if not retain_graph:
            node._release()

    for leaf, grads, owned in leaves.values():
        grad = grads[0]
        if leaf._hooks:
            grad = _run_hooks(Tensor, None, {0: leaf._hooks}, [grad], create_graph, leaf)[0]
        if capture:
            if id(leaf) in targets:
                captured[targets[id(leaf)]] = grad
        elif leaf.grad is None:
            leaf.grad = _fresh(grad.data, owned[0], leaf.data) if create_graph else \
                _fresh(grad, owned[0], leaf.data)
        else:
            grad = grad.data if create_graph else grad
            try:
                leaf.grad += grad
            except TypeError:  # a dense .grad meeting a RowSparseGrad (minigrad.sparse)
                if add_into(leaf.grad, grad) is None:
                    raise

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
        if grad is not None and not create_graph:
            grad = Tensor._make(_as_array(grad, t.data), False, None, 0)
        result.append(grad)
    return tuple(result)


def _visit(Tensor, node, grads, create_graph, capture, targets, captured) -> list:
    """What else happens when a node's output gradients are final: hooks, retained
    gradients, gradients captured for mg.grad, observers. Returns the (hooked) grads."""
    if node._hooks is not None:
        grads = _run_hooks(Tensor, node, node._hooks, grads, create_graph)
    if node._retained is not None and not capture:
        _retain(node, grads, create_graph)
    if targets is not None and node in targets:
        for index, position in targets[node]:
            captured[position] = grads[index]
    if _grad_observers:
        seen = grads if create_graph else [
            None if g is None else Tensor._make(_as_array(g, data), False, None, 0)
            for g, data in zip(grads, node._output_data)]
        for observer in _grad_observers:
            observer(node, seen)
    return grads


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


def _check_node(node) -> None:
    """Refuse a freed graph and inputs modified in place since they were recorded."""
    if node._freed:
        raise _freed_graph_error(node)
    versions = node._versions
    for i, t in enumerate(node.inputs):
        version = 0 if versions is None else versions[i]
        if t._version != version:
            raise RuntimeError(
                f"{node.op_name}: an input of shape {tuple(t.shape)} was modified in place "
                f"after it was used (version {version} → {t._version}); its gradient "
                "would be wrong. Work on a copy, or modify it before using it."
            )


def _node_backward_arrays(Tensor, node, grads, anomaly):
    """One node's backward on arrays (no graph of the gradient): one gradient or None
    per input. A built-in op is trusted to return gradients of the right shapes and
    dtypes; a user's Function is checked."""
    for g in grads:
        if g is None:
            if all(g is None for g in grads):
                return (None,) * len(node.inputs)
            grads = [g if g is not None else node.xp.zeros(shape, dtype)
                     for g, (shape, dtype) in zip(grads, node.output_meta)]
            break
    if node._freed or node._versions is not None:
        _check_node(node)
    else:
        for t in node.inputs:
            if t._version:
                _check_node(node)
    if node.differentiable_backward:  # a built-in op: its backward works on arrays too
        result = node.backward(node, *grads)
        if type(result) is not tuple:
            result = (result,)
        if anomaly:
            _check_finite(node.op_name, "backward", result)
        return result
    inputs = node.inputs
    result = node.backward(node, *grads)
    if type(result) is not tuple:
        result = (result,)
    if len(result) != len(inputs):
        raise RuntimeError(
            f"{node.op_name}.backward returned {len(result)} gradients for {len(inputs)} inputs"
        )
    for i, (t, g) in enumerate(zip(inputs, result)):
        if g is None:
            continue
        data = t.data
        if g.shape != data.shape:
            raise RuntimeError(
                f"{node.op_name}.backward returned a gradient of shape {tuple(g.shape)} "
                f"for an input of shape {tuple(t.shape)}"
            )
        if g.dtype != data.dtype and t._requires_grad:  # a gradient has its input's dtype
            result = result[:i] + (g.astype(data.dtype),) + result[i + 1:]
    if anomaly:
        _check_finite(node.op_name, "backward", result)
    return result


def _node_backward_tensors(Tensor, node, grads, anomaly):
    """One node's backward as Tensor ops, recorded (create_graph=True)."""
    inputs = node.inputs
    if any(g is None for g in grads):
        if all(g is None for g in grads):
            return (None,) * len(inputs)
        grads = [g if g is not None else Tensor._make(node.xp.zeros(shape, dtype), False, None, 0)
                 for g, (shape, dtype) in zip(grads, node.output_meta)]
    _check_node(node)
    if not node.differentiable_backward:
        raise RuntimeError(
            f"{node.op_name} is a custom mg.Function, whose backward works on arrays: "
            "it is first order, so create_graph=True cannot go through it. Write it "
            "with differentiable Tensor ops to get higher derivatives."
        )
    try:
        result = node.backward(node, *grads)
    except FloatingPointError as exc:  # an op inside this backward made NaN/Inf
        raise FloatingPointError(
            f"detect_anomaly: {node.op_name} produced NaN or Inf in its backward ({exc})"
        ) from exc
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


def _run_hooks(Tensor, node, hooks: dict, grads: list, create_graph: bool, leaf=None) -> list:
    """Call each hook with its gradient array; an array (or Tensor) it returns replaces it."""
    grads = list(grads)
    xp = node.xp if node is not None else _ARRAY_TYPES[type(leaf.data)].xp
    for index, functions in hooks.items():
        for fn in functions:
            grad = grads[index]
            if grad is None:
                continue
            if create_graph:
                grad = grad.data
            elif type(grad) not in _ARRAY_TYPES:
                grad = grads[index] = xp.asarray(grad)
            replacement = fn(grad)
            if replacement is not None:
                if isinstance(replacement, Tensor):
                    replacement = replacement.data
                grads[index] = Tensor._make(replacement, False, None, 0) if create_graph else replacement
    return grads


def _retain(node, grads, create_graph: bool) -> None:
    for index, ref in node._retained.items():
        tensor = ref()
        grad = grads[index]
        if tensor is None or grad is None:
            continue
        if create_graph:
            grad = grad.data
        if tensor.grad is None:
            tensor.grad = _fresh(grad, False, tensor.data)
        else:
            tensor.grad += grad
