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

import numpy as np  # only to recognise NumPy scalars (np.generic) a custom backward returned

from .backend import _BY_ARRAY_TYPE as _ARRAY_TYPES
from .backend import BackendMismatchError
from .function import _check_finite, _freed_graph_error
from .modes import _anomaly, _grad_enabled
from .sparse import RowSparseGrad, add_into
from .walk import count_consumers, gradient_inputs

_observers: list = []  # what `observe_gradients` registered, in registration order


class observe_gradients:
    """Call `fn(node, grads)` for every graph node as its output gradients become final.

    The one public way to watch a backward pass (graph pictures use it to record
    gradient norms and the order the nodes ran in). `grads` has one entry per
    output of `node`: a Tensor, or None where no gradient arrived. Nodes come in
    the order the engine runs them. A node that computed many steps at once (a fused
    recurrent layer, see `minigrad.expansion`) is shown as the step nodes pictures
    draw for it, just after its backward ran. Use it as a context manager, or keep the
    handle and call `.remove()`; it applies to backward passes in every thread.

    Args:
        fn: a callable `fn(node, grads)`; `node` is a `Function` node.

    Raises:
        TypeError: when `fn` is not callable.

    Examples:
        >>> x = mg.tensor([1.0, 2.0], requires_grad=True)
        >>> loss = (x * 3).sum()
        >>> seen = []
        >>> with mg.observe_gradients(lambda node, grads: seen.append(node.op_name)):
        ...     loss.backward()
        >>> seen
        ['Sum', 'Mul']
    """

    def __init__(self, fn):
        if not callable(fn):
            raise TypeError(f"observe_gradients: expected a callable fn(node, grads), got "
                            f"{type(fn).__name__}")
        self.fn = fn
        _observers.append(fn)

    def remove(self) -> None:
        """Stop observing (removing twice is harmless).

        Examples:
            >>> seen = []
            >>> handle = mg.observe_gradients(lambda node, grads: seen.append(node.op_name))
            >>> handle.remove()
            >>> (mg.tensor([1.0], requires_grad=True) * 2).sum().backward()
            >>> seen
            []
        """
        if self.fn in _observers:
            _observers.remove(self.fn)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> bool:
        self.remove()
        return False


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

    targets = _capture_targets(inputs) if capture else None
    captured = {}
    observers = _observers
    anomaly = _anomaly.get()
    node_backward = _node_backward_tensors if create_graph else _node_backward_arrays

    # walk.consumers_first, inlined: a node is ready once every use of its outputs has sent
    # its gradient, and the count drops as the loop below hands each input its share (no
    # generator and no list of parents per node: in a long chain of scalar ops they were a
    # third of the walk, and the lists woke the garbage collector over the whole graph).
    counts = count_consumers(root_nodes, gradient_inputs)
    ready = [node for node in root_nodes if not counts.get(node)]
    trusted = not create_graph  # may a built-in op's fresh gradients be kept (see _engine_owns)
    while ready:
        node = ready.pop()
        grads = pending.pop(node)[0]
        if node._hooks is not None or node._retained is not None or targets is not None \
                or observers:
            grads = _visit(Tensor, node, grads, create_graph, capture, targets, captured)
        input_grads = node_backward(Tensor, node, grads, anomaly)
        if observers and node._observed:  # a node standing for many: its steps' gradients
            _observe_inner(Tensor, node)
        # Only a built-in op's gradients may be kept without a copy (see _engine_owns).
        owns = trusted and node.trusted_backward
        for t, g in zip(node.inputs, input_grads):
            if not t._requires_grad:
                continue
            parent = t._creator
            if parent is None:
                if g is not None:
                    _accumulate_leaf(leaves, t, g, create_graph,
                                     (node, grads, input_grads) if owns else None)
                continue
            count = counts[parent] - 1  # (walk.consumers_first's release of the parent)
            counts[parent] = count
            if not count:
                ready.append(parent)
            slot = pending.get(parent)
            if slot is None:
                n_out = len(parent._outputs)
                if n_out == 1:
                    slot = pending[parent] = [[g], [False]]
                else:
                    slot = pending[parent] = [[None] * n_out, [False] * n_out]
                    slot[0][t._output_index] = g
                if owns and g is not None and type(g) in _ARRAY_TYPES and \
                        getattr(g, "base", 0) is None:  # _may_own, inlined
                    slot[1][t._output_index] = _engine_owns(g, node, grads, input_grads)
            elif g is not None:
                index = t._output_index
                if slot[0][index] is None:  # the first gradient for it: _accumulate, inlined
                    slot[0][index] = g
                else:
                    _accumulate(slot, index, g, create_graph)
        if not retain_graph:  # Function._release, inlined (a hot path)
            node._freed = True
            if node._saved:  # (most nodes saved nothing: no write, which would give
                node._saved = ()  # each of them an attribute dict of its own)

    for leaf, grads, owned in leaves.values():
        grad = grads[0]
        if leaf._hooks:
            grad = _run_hooks(Tensor, None, {0: leaf._hooks}, [grad], create_graph, leaf)[0]
        if capture:
            for position in targets.get(id(leaf), ()):
                captured[position] = grad
        elif leaf._grad is None:  # the engine's gradients have the leaf's shape and dtype
            leaf._grad = _fresh(grad.data, owned[0], leaf._data) if create_graph else \
                _fresh(grad, owned[0], leaf._data)
        else:
            grad = grad.data if create_graph else grad
            try:
                leaf._grad += grad
            except TypeError:  # a dense .grad meeting a RowSparseGrad (minigrad.sparse)
                if add_into(leaf._grad, grad) is None:
                    raise

    if not capture:
        _run_post_accumulate_hooks(leaves)
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
            grad = Tensor._make(_as_array(grad, t._data), False, None, 0)
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
            captured[position] = grads[index]  # the same input twice: both get it
    if _observers:
        if node.inner_gradients is not None:  # a node standing for many: observers see
            node._observed = tuple(g is not None for g in grads)  # its steps after its
            return grads  # backward (_observe_inner), as pictures draw them, not the node
        seen = grads if create_graph else [
            None if g is None else Tensor._make(_as_array(g, data), False, None, 0)
            for g, data in zip(grads, node._output_data)]
        for observer in _observers:
            observer(node, seen)
    return grads


def _observe_inner(Tensor, node) -> None:
    """Show observers the gradients inside a node that computed many steps at once,
    per stand-in node of its picture (minigrad.expansion), in the order the steps ran."""
    node._observed = False
    for inner, grads in node.inner_gradients(node):
        if all(g is None for g in grads):  # no gradient reached it: nothing to show
            continue
        seen = [None if g is None else Tensor._make(g, False, None, 0) for g in grads]
        for observer in _observers:
            observer(inner, seen)


def _run_post_accumulate_hooks(leaves: dict) -> None:
    """After every leaf's `.grad` is written: `register_post_accumulate_grad_hook`'s hooks."""
    for leaf, _, _ in list(leaves.values()):
        if leaf._post_accumulate_hooks:
            for fn in list(leaf._post_accumulate_hooks):
                fn(leaf)


def _accumulate_leaf(leaves: dict, leaf, grad, create_graph: bool, owner: tuple | None = None
                     ) -> None:
    """Add `grad` to the leaf's pending gradient; `owner` (node, its output grads, its
    input grads) is where a first gradient came from, to tell whether it may be kept."""
    entry = leaves.get(id(leaf))
    if entry is None:
        leaves[id(leaf)] = [leaf, [grad], [owner is not None and _may_own(grad)
                                           and _engine_owns(grad, *owner)]]
    else:
        _accumulate(entry[1:], 0, grad, create_graph)


def _may_own(grad) -> bool:  # (inlined in _run's walk, a hot path)
    """Whether `_engine_owns` need look at `grad` at all: an array that is no view. An
    array type without .base is never taken as fresh; a NumPy scalar is immutable, so
    whether the engine owns it makes no difference (adding to it makes a new one)."""
    return type(grad) in _ARRAY_TYPES and getattr(grad, "base", 0) is None


def _engine_owns(grad, node, grads, input_grads) -> bool:
    """Whether `grad`, returned by the built-in op `node`'s backward, is fresh: it owns its
    memory and is none of the arrays the node holds (its incoming gradients, its inputs'
    and outputs' arrays, what it saved) nor handed to two of its inputs. Then the engine
    may keep it as a leaf's .grad and add into it, with no defensive copy. The callers
    have checked `_may_own(grad)` first."""
    for held in (grads, node._output_data or (), node._saved):  # plain loops: a hot path
        for array in held:
            if array is grad:
                return False
    for t in node.inputs:
        if t._data is grad:
            return False
    handed = 0
    for g in input_grads:
        if g is grad:
            handed += 1
    return handed == 1


def _capture_targets(inputs) -> dict:
    """Where each requested input's final gradient can be read during the walk
    (an input listed twice is read for both positions, as PyTorch returns (g, g))."""
    targets = {}
    for position, t in enumerate(inputs):
        if t._creator is None:
            targets.setdefault(id(t), []).append(position)
        else:
            targets.setdefault(t._creator, []).append((t._output_index, position))
    return targets


def _check_node(node) -> None:
    """Refuse a freed graph, and inputs or read outputs modified in place since recording."""
    if node._freed:
        raise _freed_graph_error(node)
    recorded = node._versions or 0
    now = 0
    for t in node.inputs:
        now += t._version[0]
    if now != recorded:
        raise _modified_inputs_error(node, recorded, now)
    if node._output_versions is not None:
        for i, counter in enumerate(node._output_versions):
            if counter[0]:
                raise _modified_error(node, f"its output {i}", node.output_meta[i][0], 0, counter[0])


def _modified_inputs_error(node, recorded: int, now: int) -> RuntimeError:
    """Name the changed input: a node keeps only its inputs' summed versions (cheap to
    record), which pins the input down exactly when it is the only one ever written."""
    written = [(i, t) for i, t in enumerate(node.inputs) if t._version[0]]
    if len({id(t._version) for _, t in written}) == 1:
        i, t = written[0]
        share = sum(1 for _, u in written if u._version is t._version)
        return _modified_error(node, f"input {i}", t.shape, t._version[0] - (now - recorded) // share,
                               t._version[0])
    versions = ", ".join(f"input {i} {tuple(t.shape)} at version {t._version[0]}" for i, t in written)
    return RuntimeError(
        f"{node.op_name}: one of the variables needed for gradient computation has been modified by "
        f"an inplace operation ({versions}; together they were at {recorded} when recorded). Its "
        "gradient would be wrong: work on a copy, or make the change before using it."
    )


def _modified_error(node, which: str, shape, recorded: int, now: int) -> RuntimeError:
    return RuntimeError(
        f"{node.op_name}: one of the variables needed for gradient computation has been modified by "
        f"an inplace operation: {which}, of shape {tuple(shape)}, is at version {now}; expected version "
        f"{recorded} instead (a write through it, a view of it, its .data or a detach() of it). Its "
        "gradient would be wrong: work on a copy, or make the change before using it."
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
    if node._freed:
        _check_node(node)
    # _check_node's tests of the versions, inlined (it raises on a change)
    if node._output_versions is not None:
        for counter in node._output_versions:
            if counter[0]:
                _check_node(node)
    now = 0
    for t in node.inputs:
        now += t._version[0]
    if now != (node._versions or 0):
        _check_node(node)
    if node.trusted_backward:  # a built-in op: one gradient of the right kind per input
        result = node.backward(node, *grads)
        if type(result) is not tuple:
            result = (result,)
        if anomaly:
            _check_finite(node.op_name, "backward", result)
        return result
    inputs = node.inputs
    result = node.backward(node, *grads)
    if type(result) is not tuple:
        result = tuple(result) if type(result) is list else (result,)  # a list of grads is as good
    if len(result) != len(inputs):
        raise RuntimeError(
            f"{node.op_name}.backward returned {len(result)} gradients for {len(inputs)} inputs"
        )
    for i, (t, g) in enumerate(zip(inputs, result)):
        if g is None:
            continue
        data = t._data
        if type(g) is not type(data) and type(g) not in _ARRAY_TYPES and \
                isinstance(g, np.generic):  # NumPy's 0-d results
            g = node.xp.asarray(g)
            result = result[:i] + (g,) + result[i + 1:]
        if type(g) is not type(data) and type(g) not in _ARRAY_TYPES:
            raise TypeError(
                f"{node.op_name}.backward returned a {type(g).__name__} as gradient {i}; return one "
                "backend array (ctx.xp...) or None per input, as a tuple when there are several"
            )
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
        if g is not None and g.data.shape != t._data.shape:
            raise RuntimeError(
                f"{node.op_name}.backward returned a gradient of shape {tuple(g.shape)} "
                f"for an input of shape {tuple(t.shape)}"
            )
    if anomaly:
        _check_finite(node.op_name, "backward", [None if g is None else g.data for g in result])
    return result


def _run_hooks(Tensor, node, hooks: dict, grads: list, create_graph: bool, leaf=None) -> list:
    """Call each hook with its gradient array; an array (or Tensor) it returns replaces it,
    if it has the gradient's shape, dtype and backend (PyTorch's rule)."""
    grads = list(grads)
    xp = node.xp if node is not None else _ARRAY_TYPES[type(leaf._data)].xp
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
                _check_hook_result(fn, grad, replacement)
                grads[index] = Tensor._make(replacement, False, None, 0) if create_graph else replacement
    return grads


def _check_hook_result(fn, grad, replacement) -> None:
    name = getattr(fn, "__qualname__", type(fn).__name__)
    if type(replacement) is not type(grad):
        if type(replacement) in _ARRAY_TYPES:
            raise BackendMismatchError(
                f"hook '{name}' has changed the backend of value (was {_ARRAY_TYPES[type(grad)].name}, "
                f"got {_ARRAY_TYPES[type(replacement)].name}); return an array on the gradient's backend")
        raise TypeError(
            f"hook '{name}' returned a {type(replacement).__name__}; return an array like its argument "
            "(same shape, dtype and backend) or None")
    if replacement.shape != grad.shape:
        raise RuntimeError(
            f"hook '{name}' has changed the size of value (was {tuple(grad.shape)}, got "
            f"{tuple(replacement.shape)})")
    if replacement.dtype != grad.dtype:
        raise RuntimeError(
            f"hook '{name}' has changed the type of value (was {grad.dtype}, got {replacement.dtype}); "
            f"cast it back with .astype({str(grad.dtype)!r})")


def _retain(node, grads, create_graph: bool) -> None:
    for index, ref in node._retained.items():
        tensor = ref()
        grad = grads[index]
        if tensor is None or grad is None:
            continue
        if create_graph:
            grad = grad.data
        if tensor._grad is None:
            tensor._grad = _fresh(grad, False, tensor._data)
        else:
            tensor._grad += grad
