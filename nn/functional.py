"""Losses and stateless functions, written with minigrad's differentiable ops.

Every loss takes `reduction` = "mean" (default), "sum" or "none", as PyTorch.
Nothing here leaves the device except the explicit `.item()` range checks on
integer targets, which exist to name a bad index instead of failing obscurely.
"""
from __future__ import annotations

from typing import Any

import minigrad as mg

_REDUCTIONS = ("mean", "sum", "none")


def _reduce(loss: mg.Tensor, reduction: str) -> mg.Tensor:
    """Apply a reduction already checked by `_check_reduction`."""
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _check_reduction(reduction: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def _as_like(value: Any, like: mg.Tensor) -> mg.Tensor:
    """`value` as a Tensor on `like`'s backend (Tensors pass through unchanged)."""
    if isinstance(value, mg.Tensor):
        return value
    return mg.Tensor(value, dtype=like.dtype, backend=like.backend)


def _as_index_tensor(indices: Any, backend: str, who: str) -> mg.Tensor:
    """Integer indices as a Tensor on `backend`; anything else is a TypeError."""
    if not isinstance(indices, mg.Tensor):
        indices = mg.Tensor(indices, backend=backend)
    if getattr(indices.dtype, "kind", None) not in ("i", "u"):
        raise TypeError(f"{who} expects integer indices, got dtype {indices.dtype}")
    return indices


def _check_index_range(indices: mg.Tensor, size: int, who: str, ignore_index: int | None) -> None:
    """Raise IndexError naming the first bad value if an index lies outside [0, size).

    Two explicit scalar syncs (min and max): the price of an error that names the value.
    """
    if indices.size == 0:
        return
    if ignore_index is not None:
        indices = mg.where(indices == ignore_index, 0, indices)
    low, high = int(indices.min().item()), int(indices.max().item())
    bad = low if low < 0 else high if high >= size else None
    if bad is not None:
        valid = f"[0, {size})" + (f" or ignore_index={ignore_index}" if ignore_index is not None else "")
        raise IndexError(f"{who}: index {bad} is out of range; valid indices are {valid}")


def softmax(x: mg.Tensor, axis: int = -1) -> mg.Tensor:
    """exp(x) / sum(exp(x)) along `axis`."""
    return x.softmax(axis=axis)


def log_softmax(x: mg.Tensor, axis: int = -1) -> mg.Tensor:
    """x - logsumexp(x) along `axis` (computed stably)."""
    return x.log_softmax(axis=axis)


def nll_loss(log_probs: mg.Tensor, target: Any, ignore_index: int = -100, reduction: str = "mean") -> mg.Tensor:
    """Negative log-likelihood of integer `target` under `log_probs` (..., C).

    The class axis is last; `target` has the leading shape. Positions whose target
    equals `ignore_index` contribute nothing, and "mean" divides by the number of
    other positions (NaN if there are none, as in PyTorch). Raises IndexError
    naming any other target outside [0, C).
    """
    return _nll(log_probs, target, ignore_index, reduction, "nll_loss")


def _nll(log_probs: mg.Tensor, target: Any, ignore_index: int, reduction: str, who: str) -> mg.Tensor:
    """The body of nll_loss and cross_entropy; `who` names the caller in errors."""
    _check_reduction(reduction)
    target = _as_index_tensor(target, log_probs.backend, f"{who} target")
    if tuple(target.shape) != tuple(log_probs.shape[:-1]):
        raise ValueError(
            f"{who}: target shape {tuple(target.shape)} must equal the input shape without its "
            f"class axis, {tuple(log_probs.shape[:-1])} (input {tuple(log_probs.shape)}; class axis is last)"
        )
    num_classes = log_probs.shape[-1]
    _check_index_range(target, num_classes, f"{who} target", ignore_index)
    keep = target != ignore_index
    safe_target = mg.where(keep, target, 0)
    # Pick log_probs[..., target] with one integer-array index over the flattened batch.
    flat = log_probs.reshape(-1, num_classes)
    rows = mg.arange(flat.shape[0], backend=log_probs.backend)
    picked = flat[rows, safe_target.reshape(-1)].reshape(*target.shape)
    losses = mg.where(keep, -picked, 0.0)
    if reduction == "mean":
        return losses.sum() / keep.sum()  # divide by the counted positions only
    return _reduce(losses, reduction)


def cross_entropy(logits: mg.Tensor, target: Any, ignore_index: int = -100, reduction: str = "mean") -> mg.Tensor:
    """Softmax cross-entropy of integer `target` given unnormalised `logits` (..., C).

    Same as `nll_loss(log_softmax(logits), target, ...)`: class axis last, any
    leading shape, `ignore_index` for padding.
    """
    if logits.ndim == 0:
        raise ValueError("cross_entropy: logits need a class axis (last), got a 0-d tensor")
    return _nll(logits.log_softmax(axis=-1), target, ignore_index, reduction, "cross_entropy")


def binary_cross_entropy(probs: mg.Tensor, target: Any, reduction: str = "mean") -> mg.Tensor:
    """-(t log p + (1 - t) log(1 - p)) for probabilities p in [0, 1].

    Each log is clamped at -100 as in PyTorch, so p = 0 or 1 gives a finite loss.
    Prefer `binary_cross_entropy_with_logits`, which is stable for any logit.
    """
    _check_reduction(reduction)
    target = _as_like(target, probs)
    log_p = probs.log().clip(-100.0, None)
    log_1mp = (1 - probs).log().clip(-100.0, None)
    return _reduce(-(target * log_p + (1 - target) * log_1mp), reduction)


def binary_cross_entropy_with_logits(logits: mg.Tensor, target: Any, reduction: str = "mean") -> mg.Tensor:
    """Binary cross-entropy of sigmoid(logits), without ever forming the sigmoid.

    Uses max(x, 0) - x t + log(1 + exp(-|x|)), which never overflows. `mg.maximum`
    splits its gradient at a tie, so at x = 0 the gradient is exactly sigmoid(0) - t.
    """
    _check_reduction(reduction)
    target = _as_like(target, logits)
    loss = mg.maximum(logits, 0.0) - logits * target + (1 + (-logits.abs()).exp()).log()
    return _reduce(loss, reduction)


def mse_loss(prediction: mg.Tensor, target: Any, reduction: str = "mean") -> mg.Tensor:
    """(prediction - target)^2, reduced."""
    _check_reduction(reduction)
    target = _as_like(target, prediction)
    diff = prediction - target
    return _reduce(diff * diff, reduction)


def dropout(x: mg.Tensor, p: float = 0.5, training: bool = True) -> mg.Tensor:
    """Inverted dropout: zero each element with probability p, scale the rest by 1/(1-p).

    Identity when not training or p == 0. The mask comes from `mg.rand`, so it is
    reproducible under `mg.manual_seed`.
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability must be in [0, 1], got {p}")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    keep = mg.rand(x.shape, dtype=x.dtype, backend=x.backend) >= p
    return mg.where(keep, x * (1.0 / (1.0 - p)), 0.0)


# -- word vectors (nn/lookup.py): the embedding lookup and cosine similarity -------------
from .lookup import cosine_similarity, embedding  # noqa: F401
