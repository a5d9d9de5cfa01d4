"""Gradient clipping, the usual guard against exploding gradients in RNNs, and
`detach_state` for truncated backpropagation through time.

The clipping functions work on the raw `.grad` arrays on their own device; the global
norm stays a device scalar (no host round trip), returned as a 0-d Tensor.
"""
from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from typing import Any

import minigrad as mg


def _with_grads(parameters: mg.Tensor | Iterable[mg.Tensor]) -> list[mg.Tensor]:
    if isinstance(parameters, mg.Tensor):
        parameters = [parameters]
    return [param for param in parameters if param.grad is not None]


def _grad_values(param: mg.Tensor):
    """The array holding the gradient's entries: `.grad`, or a sparse gradient's rows
    (coalesced first, so each entry of the dense gradient appears once)."""
    grad = param.grad
    if isinstance(grad, mg.RowSparseGrad):
        grad = param.grad = grad.coalesce()
        return grad.values
    return grad


def _set_grad_values(param: mg.Tensor, values) -> None:
    grad = param.grad
    if isinstance(grad, mg.RowSparseGrad):
        param.grad = mg.RowSparseGrad(grad.indices, values, grad.shape)
    else:
        param.grad = values


def clip_grad_norm_(parameters: mg.Tensor | Iterable[mg.Tensor], max_norm: float,
                    norm_type: float = 2.0) -> mg.Tensor:
    """Scale all gradients together so their global `norm_type` norm is at most `max_norm`.

    As `torch.nn.utils.clip_grad_norm_`, the usual guard against exploding gradients in
    RNNs. The norm is taken over every gradient as if concatenated into one vector
    (norm_type=inf: the largest absolute entry; 0: as PyTorch, the number of parameters
    with a non-zero gradient). Gradients are multiplied by min(1, max_norm / (norm +
    1e-6)) unconditionally, as PyTorch does, which avoids a host-side comparison.
    Parameters without a gradient are skipped; sparse gradients are coalesced first.

    Args:
        parameters: a Tensor or an iterable of Tensors (e.g. `model.parameters()`).
        max_norm: the largest allowed global norm.
        norm_type: p of the p-norm (2.0, 1.0, 0 or inf).

    Returns:
        The norm before clipping, a 0-d Tensor on the gradients' backend (0.0 if no
        parameter has a gradient).

    Raises:
        ValueError: `norm_type` is not a number or is negative.

    Examples:
        >>> w = nn.Parameter([0.0, 0.0])
        >>> (w * mg.tensor([3.0, 4.0])).sum().backward()
        >>> nn.utils.clip_grad_norm_([w], max_norm=1.0).item()
        5.0
        >>> w.grad.round(4)
        array([0.6, 0.8], dtype=float32)
    """
    params = _with_grads(parameters)
    if not params:
        return mg.Tensor(0.0)
    grads = [_grad_values(param) for param in params]
    xp = mg.get_array_module(grads[0])
    try:
        norm_type = float(norm_type)
    except (TypeError, ValueError):
        raise ValueError(f"clip_grad_norm_: norm_type must be a number (2.0, 1.0, 0 or inf), got {norm_type!r}") from None
    if math.isnan(norm_type) or norm_type < 0:
        raise ValueError(f"clip_grad_norm_: norm_type must be >= 0, got {norm_type}")
    if norm_type == 0:
        # PyTorch takes the 0-"norm" (count of non-zeros) of the per-parameter 0-norms:
        # the number of parameters whose gradient is not all zero.
        dtype = grads[0].dtype
        total = functools.reduce(lambda a, b: a + b, [xp.any(grad != 0).astype(dtype) for grad in grads])
    elif math.isinf(norm_type):
        per_param = [xp.max(xp.abs(grad)) if grad.size else xp.zeros(()) for grad in grads]
        total = functools.reduce(xp.maximum, per_param)
    elif norm_type == 2.0 and all(grad.dtype.kind == "f" and grad.dtype.itemsize >= 4
                                  for grad in grads):  # (BLAS dot: float32, float64)
        # Σ g² as a dot product: one pass over each gradient, in BLAS (NumPy's own
        # linalg.norm does the same), where abs, the power and the sum made three
        per_param = [xp.vdot(flat, flat) for flat in (grad.reshape(-1) for grad in grads)]
        total = xp.sqrt(functools.reduce(lambda a, b: a + b, per_param))
    else:
        per_param = [xp.sum(xp.abs(grad) ** norm_type) for grad in grads]
        total = functools.reduce(lambda a, b: a + b, per_param) ** (1.0 / norm_type)
    scale = xp.minimum(max_norm / (total + 1e-6), 1.0)
    for param, grad in zip(params, grads):
        # A new array rather than an in-place product: the engine may share a grad array
        # with the graph. asarray keeps 0-d results arrays (NumPy would return scalars).
        _set_grad_values(param, xp.asarray(grad * scale.astype(grad.dtype)))
    return mg.Tensor(total)


def clip_grad_value_(parameters: mg.Tensor | Iterable[mg.Tensor], clip_value: float) -> None:
    """Clamp every gradient entry into [-clip_value, clip_value], in place.

    As `torch.nn.utils.clip_grad_value_`; parameters without a gradient are skipped.

    Args:
        parameters: a Tensor or an iterable of Tensors.
        clip_value: the largest allowed absolute value.

    Returns:
        None.

    Examples:
        >>> w = nn.Parameter([0.0, 0.0])
        >>> (w * mg.tensor([-3.0, 0.5])).sum().backward()
        >>> nn.utils.clip_grad_value_(w, 1.0)
        >>> w.grad
        array([-1. ,  0.5], dtype=float32)
    """
    for param in _with_grads(parameters):
        grad = _grad_values(param)
        xp = mg.get_array_module(grad)
        _set_grad_values(param, xp.asarray(xp.clip(grad, -clip_value, clip_value)))


def detach_state(state: Any) -> Any:
    """The recurrent state cut from the graph: the same values, no history.

    `state` may be a Tensor, None, or tuples/lists of them nested to any depth (an
    LSTM's `(h, c)`, a Stack's list of per-layer states, `Bidirectional`'s pair);
    the result has the same structure (named tuples stay named tuples). This is
    truncated backpropagation through time: carry a<t> (and c<t>) across chunks of a
    long sequence, but backpropagate through the current chunk only:

        state = None
        for chunk, target in chunks:                 # pieces of one long sequence
            output, state = model(chunk, state)
            loss = loss_fn(output, target)
            optimizer.zero_grad()
            loss.backward()                          # BPTT over this chunk only
            optimizer.step()
            state = nn.utils.detach_state(state)     # keep the values, drop the graph

    PyTorch has no such helper (one writes `h.detach()` per tensor).

    Args:
        state: a Tensor, None, or nested tuples/lists of them.

    Returns:
        The same structure with every Tensor detached.

    Raises:
        TypeError: anything else in the structure.

    Examples:
        >>> h = mg.ones(1, 2, requires_grad=True) * 2
        >>> c = mg.ones(1, 2, requires_grad=True) * 3
        >>> h2, c2 = nn.utils.detach_state((h, c))
        >>> h2.requires_grad, c2.tolist()
        (False, [[3.0, 3.0]])
        >>> nn.utils.detach_state([None, 1.0])
        Traceback (most recent call last):
        ...
        TypeError: detach_state: expected a Tensor or (nested) tuples/lists of Tensors, got float
    """
    if state is None:
        return None
    if isinstance(state, mg.Tensor):
        return state.detach()
    if isinstance(state, (tuple, list)):
        parts = [detach_state(part) for part in state]
        return type(state)(*parts) if hasattr(state, "_fields") else type(state)(parts)
    raise TypeError(
        f"detach_state: expected a Tensor or (nested) tuples/lists of Tensors, got {type(state).__name__}"
    )
