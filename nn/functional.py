"""Losses and stateless functions, written with minigrad's differentiable ops.

Every loss takes `reduction` = "mean" (default), "sum" or "none", as PyTorch.
Nothing here leaves the device except the explicit `.item()` range checks on
integer targets, which exist to name a bad index instead of failing obscurely.
"""
from __future__ import annotations

import warnings
from typing import Any

import minigrad as mg
from minigrad.keywords import accepts_torch_keywords

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


def _check_same_size(prediction: mg.Tensor, target: mg.Tensor, who: str) -> None:
    """PyTorch refuses a target whose size differs from the input's (no silent broadcast)."""
    if tuple(target.shape) != tuple(prediction.shape):
        raise ValueError(
            f"{who}: using a target size {tuple(target.shape)} that is different to the input size "
            f"{tuple(prediction.shape)}; please ensure they have the same size")


@accepts_torch_keywords
@mg.composite("softmax")
def softmax(x: mg.Tensor, axis: int = -1) -> mg.Tensor:
    """exp(x) / Σ exp(x) along `axis`, computed stably (the max is subtracted first).

    As `torch.nn.functional.softmax`; PyTorch's `dim=` keyword is accepted for `axis`.

    Args:
        x: a Tensor.
        axis: the axis that sums to one (PyTorch's `dim`).

    Returns:
        A Tensor of `x`'s shape.

    Examples:
        >>> p = nn.functional.softmax(mg.tensor([[1.0, 2.0, 3.0]]), dim=1)
        >>> p.numpy().round(4)
        array([[0.09  , 0.2447, 0.6652]], dtype=float32)
    """
    return x.softmax(axis=axis)


@accepts_torch_keywords
@mg.composite("log_softmax")
def log_softmax(x: mg.Tensor, axis: int = -1) -> mg.Tensor:
    """x - logsumexp(x) along `axis`: the log of softmax, without its underflow.

    As `torch.nn.functional.log_softmax`; `dim=` is accepted for `axis`. Feed it to
    `nll_loss`, or use `cross_entropy` on the logits directly.

    Args:
        x: a Tensor.
        axis: the class axis (PyTorch's `dim`).

    Returns:
        A Tensor of `x`'s shape.

    Examples:
        >>> nn.functional.log_softmax(mg.tensor([0.0, 0.0]), axis=-1).numpy().round(4)
        array([-0.6931, -0.6931], dtype=float32)
    """
    return x.log_softmax(axis=axis)


def _classes_last(x: mg.Tensor, who: str) -> tuple[mg.Tensor, bool]:
    """PyTorch's layouts (C,), (N, C), (N, C, d1, ...) → the class axis last: (N, d1, ..., C).
    Returns the moved tensor and whether the input was unbatched (C,)."""
    if x.ndim == 0:
        raise ValueError(f"{who}: input needs a class axis: (C,), (N, C) or (N, C, d1, ...), "
                         "got a 0-d tensor")
    if x.ndim == 1:
        return x.reshape(1, x.shape[0]), True
    if x.ndim == 2:
        return x, False
    return x.permute(0, *range(2, x.ndim), 1), False


def _class_weight(weight: Any, num_classes: int, like: mg.Tensor, who: str) -> mg.Tensor | None:
    if weight is None:
        return None
    weight = _as_like(weight, like)
    if tuple(weight.shape) != (num_classes,):
        raise ValueError(f"{who}: weight must have shape ({num_classes},), one per class, got "
                         f"{tuple(weight.shape)}")
    return weight


@mg.composite("nll_loss")
def nll_loss(input: mg.Tensor, target: Any, weight: Any = None, ignore_index: int = -100,
             reduction: str = "mean") -> mg.Tensor:
    """Negative log-likelihood of class indices `target` under log-probabilities `input`.

    Exactly as `torch.nn.functional.nll_loss`: the class axis is 1 ((N, C) with (N,)
    targets, (N, C, d1, ...) with (N, d1, ...)), or (C,) with a 0-d target. `weight` (C,)
    scales each class; targets equal to `ignore_index` count for nothing, and "mean"
    divides by the summed weights of the others (NaN if there are none).

    Args:
        input: log-probabilities, e.g. from `log_softmax(logits, axis=1)`.
        target: integer class indices (Tensor, list or array).
        weight: optional (C,) per-class weights.
        ignore_index: a target value that contributes nothing.
        reduction: "mean", "sum" or "none".

    Returns:
        A 0-d Tensor, or the per-position losses for "none".

    Raises:
        ValueError: a bad `reduction`, 0-d input, or a target/weight shape that does not fit.
        TypeError: non-integer targets.
        IndexError: a target outside [0, C) (other than `ignore_index`), named.

    Examples:
        >>> log_p = mg.tensor([[0.1, 0.9], [0.8, 0.2]]).log()
        >>> round(nn.functional.nll_loss(log_p, mg.tensor([1, 0])).item(), 4)
        0.1643
        >>> nn.functional.nll_loss(log_p, mg.tensor([1, 2]))
        Traceback (most recent call last):
        ...
        IndexError: nll_loss target: index 2 is out of range; valid indices are [0, 2) or ignore_index=-100
    """
    _check_reduction(reduction)
    log_probs, unbatched = _classes_last(input, "nll_loss")
    weight = _class_weight(weight, log_probs.shape[-1], input, "nll_loss")
    losses, counted = _picked_nll(log_probs, target, weight, ignore_index, unbatched, "nll_loss",
                                  input.shape)
    return _reduce_nll(losses, counted, reduction, unbatched)


def _picked_nll(log_probs, target, weight, ignore_index, unbatched, who, input_shape,
                logits=False):
    """-w[y] log_probs[..., y] per position (0 where ignored) and each position's weight.
    With `logits`, log_probs holds logits and log_softmax(·)[..., y] is picked from them
    in one node (mg.picked_log_softmax), no log-probability of another class made."""
    target = _as_index_tensor(target, log_probs.backend, f"{who} target")
    expected = tuple(log_probs.shape[:-1])
    if unbatched:
        target = target.reshape(1) if target.ndim == 0 else target
        expected_text = "() for a (C,) input"
    else:
        expected_text = f"{expected}, the input's shape without its class axis 1"
    if tuple(target.shape) != expected:
        raise ValueError(f"{who}: target shape {tuple(target.shape)} does not fit input shape "
                         f"{tuple(input_shape)}; "
                         f"expected {expected_text}")
    num_classes = log_probs.shape[-1]
    _check_index_range(target, num_classes, f"{who} target", ignore_index)
    keep = target != ignore_index
    safe_target = mg.where(keep, target, 0)
    # log_probs[..., target] with one integer-array index over the flattened batch
    flat = log_probs if log_probs.ndim == 2 else log_probs.reshape(-1, num_classes)
    classes = safe_target.reshape(-1)
    if logits and num_classes:
        picked = mg.picked_log_softmax(flat, classes)
    elif logits:  # no classes at all: nothing to pick, the reference path's empty result
        picked = flat.log_softmax(axis=-1)[mg.arange(flat.shape[0], backend=flat.backend),
                                           classes]
    else:
        picked = flat[mg.arange(flat.shape[0], backend=log_probs.backend), classes]
    picked = picked.reshape(*target.shape)
    if weight is None:
        counted = keep.astype(log_probs.dtype)
    else:
        counted = mg.where(keep, weight[safe_target], 0.0)
    return -picked * counted, counted


def _reduce_nll(losses, counted, reduction, unbatched):
    if reduction == "mean":
        return losses.sum() / counted.sum()  # the counted positions' weights only
    if reduction == "sum":
        return losses.sum()
    return losses.reshape(()) if unbatched else losses


@mg.composite("cross_entropy")
def cross_entropy(input: mg.Tensor, target: Any, weight: Any = None, ignore_index: int = -100,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> mg.Tensor:
    """Softmax cross-entropy of unnormalised logits `input`, exactly as PyTorch.

    The class axis is 1: (N, C) logits with (N,) targets, (N, C, d1, ...) with
    (N, d1, ...), or (C,) with a 0-d target. `target` holds class indices (integers) or
    class probabilities (floating, the input's shape). `weight` (C,) scales each class,
    `ignore_index` drops positions (index targets), `label_smoothing` ε mixes the target
    with the uniform distribution: (1 - ε) target + ε / C. For (B, T, C) logits, as a
    sequence model makes them: `cross_entropy(logits.reshape(-1, C), y.reshape(-1))` or
    `cross_entropy(logits.permute(0, 2, 1), y)`. Per position the loss is
    -Σ_c y_c log ŷ_c with ŷ = softmax(input).

    Args:
        input: logits with the class axis 1 (or (C,)).
        target: class indices, or class probabilities of the input's shape.
        weight: optional (C,) per-class weights.
        ignore_index: an index target that contributes nothing.
        reduction: "mean", "sum" or "none".
        label_smoothing: ε in [0, 1].

    Returns:
        A 0-d Tensor, or the per-position losses for "none".

    Raises:
        ValueError: bad `reduction` or `label_smoothing`, or shapes that do not fit.
        TypeError: index targets that are not integers.
        IndexError: an index target outside [0, C), named.

    Examples:
        >>> logits = mg.tensor([[2.0, 0.0, -1.0], [0.0, 1.0, 0.0]])
        >>> round(nn.functional.cross_entropy(logits, mg.tensor([0, 1])).item(), 4)
        0.3606
        >>> nn.functional.cross_entropy(logits, mg.tensor([0, 1]), reduction="none").numpy().round(4)
        array([0.1698, 0.5514], dtype=float32)
        >>> round(nn.functional.cross_entropy(logits, mg.tensor([0, 1]), label_smoothing=0.1).item(), 4)
        0.4773
    """
    _check_reduction(reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}")
    logits, unbatched = _classes_last(input, "cross_entropy")
    num_classes = logits.shape[-1]
    weight = _class_weight(weight, num_classes, input, "cross_entropy")
    target_is_probs = isinstance(target, mg.Tensor) and target.dtype.kind == "f"
    if target_is_probs:
        return _soft_cross_entropy(logits.log_softmax(axis=-1), target, input, weight,
                                   unbatched, reduction, label_smoothing)
    if label_smoothing == 0.0:  # log ŷ at the targets only: no (N, C) log-probabilities
        losses, counted = _picked_nll(logits, target, weight, ignore_index, unbatched,
                                      "cross_entropy", input.shape, logits=True)
        return _reduce_nll(losses, counted, reduction, unbatched)
    log_probs = logits.log_softmax(axis=-1)
    losses, counted = _picked_nll(log_probs, target, weight, ignore_index, unbatched,
                                  "cross_entropy", input.shape)
    loss = _reduce_nll(losses, counted, reduction, unbatched)
    # the uniform part: -Σ_c w_c log p_c per position, ignored positions zeroed,
    # normalised as nll's part is (PyTorch's cross_entropy_loss_label_smoothing)
    weighted = log_probs if weight is None else log_probs * weight
    keep = _kept(target, ignore_index, log_probs)
    smooth = mg.where(keep, -weighted.sum(axis=-1), 0.0)
    if reduction == "mean":
        smooth = smooth.sum() / counted.sum()
    elif reduction == "sum":
        smooth = smooth.sum()
    elif unbatched:
        smooth = smooth.reshape(())
    return (1 - label_smoothing) * loss + smooth * (label_smoothing / num_classes)


def _kept(target, ignore_index, like):
    target = _as_index_tensor(target, like.backend, "cross_entropy target")
    return (target != ignore_index).reshape(like.shape[:-1])


def _soft_cross_entropy(log_probs, target, input, weight, unbatched, reduction, label_smoothing):
    """Class-probability targets: -Σ_c w_c t_c log p_c per position; "mean" divides by the
    number of positions (PyTorch ignores weights and ignore_index there)."""
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"cross_entropy: probability targets must have the input's shape "
                         f"{tuple(input.shape)}, got {tuple(target.shape)}")
    target, _ = _classes_last(target, "cross_entropy")
    num_classes = log_probs.shape[-1]
    if label_smoothing:
        target = target * (1 - label_smoothing) + label_smoothing / num_classes
    weighted = log_probs * target if weight is None else log_probs * target * weight
    losses = -weighted.sum(axis=-1)
    if reduction == "mean":
        return losses.sum() / (losses.size if not unbatched else 1)
    if reduction == "sum":
        return losses.sum()
    return losses.reshape(()) if unbatched else losses


def _weighted(loss: mg.Tensor, weight: Any) -> mg.Tensor:
    return loss if weight is None else loss * _as_like(weight, loss)


@mg.composite("binary_cross_entropy")
def binary_cross_entropy(probs: mg.Tensor, target: Any, weight: Any = None,
                         reduction: str = "mean") -> mg.Tensor:
    """-w (t log p + (1 - t) log(1 - p)) for probabilities p in [0, 1], as PyTorch.

    Each log is clamped at -100 as in PyTorch, so p = 0 or 1 gives a finite loss.
    Prefer `binary_cross_entropy_with_logits`, which is stable for any logit.

    Args:
        probs: probabilities p, e.g. a sigmoid's output.
        target: t of the same shape (0/1 or soft labels).
        weight: optional weights broadcast against the loss.
        reduction: "mean", "sum" or "none".

    Returns:
        A 0-d Tensor, or the elementwise losses for "none".

    Raises:
        ValueError: a bad `reduction` or a target of another shape.
        RuntimeError: a probability outside [0, 1] (or NaN).

    Examples:
        >>> p = mg.tensor([0.9, 0.2])
        >>> round(nn.functional.binary_cross_entropy(p, mg.tensor([1.0, 0.0])).item(), 4)
        0.1643
        >>> nn.functional.binary_cross_entropy(mg.tensor([1.5]), mg.tensor([1.0]))
        Traceback (most recent call last):
        ...
        RuntimeError: binary_cross_entropy: all elements of input should be between 0 and 1 (they are probabilities); for logits use binary_cross_entropy_with_logits
    """
    _check_reduction(reduction)
    target = _as_like(target, probs)
    _check_same_size(probs, target, "binary_cross_entropy")
    # One explicit scalar read, as PyTorch checks: outside [0, 1] (or NaN) the loss is no probability's.
    if probs.size and not ((probs >= 0) & (probs <= 1)).all().item():
        raise RuntimeError(
            "binary_cross_entropy: all elements of input should be between 0 and 1 (they are "
            "probabilities); for logits use binary_cross_entropy_with_logits")
    log_p = probs.log().clip(-100.0, None)
    log_1mp = (1 - probs).log().clip(-100.0, None)
    return _reduce(_weighted(-(target * log_p + (1 - target) * log_1mp), weight), reduction)


@mg.composite("binary_cross_entropy_with_logits")
def binary_cross_entropy_with_logits(logits: mg.Tensor, target: Any, weight: Any = None,
                                     reduction: str = "mean", pos_weight: Any = None) -> mg.Tensor:
    """Binary cross-entropy of σ(logits), without ever forming the sigmoid.

    As PyTorch's: uses max(x, 0) - x t + log(1 + exp(-|x|)), which never overflows.
    `mg.maximum` splits its gradient at a tie, so at x = 0 the gradient is exactly
    σ(0) - t. `pos_weight` p scales the positive term:
    -(p t log σ(x) + (1 - t) log(1 - σ(x))).

    Args:
        logits: x, any shape.
        target: t of the same shape.
        weight: optional weights broadcast against the loss.
        reduction: "mean", "sum" or "none".
        pos_weight: optional weight of the positive term, broadcast against `target`.

    Returns:
        A 0-d Tensor, or the elementwise losses for "none".

    Raises:
        ValueError: a bad `reduction` or a target of another shape.

    Examples:
        >>> x = mg.tensor([2.0, -1.0, 100.0])
        >>> t = mg.tensor([1.0, 0.0, 1.0])
        >>> nn.functional.binary_cross_entropy_with_logits(x, t, reduction="none").numpy().round(4)
        array([0.1269, 0.3133, 0.    ], dtype=float32)
    """
    _check_reduction(reduction)
    target = _as_like(target, logits)
    if tuple(target.shape) != tuple(logits.shape):
        raise ValueError(
            f"binary_cross_entropy_with_logits: target size {tuple(target.shape)} must be the same as "
            f"input size {tuple(logits.shape)}")
    softplus_neg = mg.maximum(-logits, 0.0) + (1 + (-logits.abs()).exp()).log()  # -log σ(x)
    if pos_weight is None:
        loss = logits * (1 - target) + softplus_neg
    else:
        scale = _as_like(pos_weight, logits) * target + (1 - target)
        loss = logits * (1 - target) + scale * softplus_neg
    return _reduce(_weighted(loss, weight), reduction)


@mg.composite("mse_loss")
def mse_loss(prediction: mg.Tensor, target: Any, reduction: str = "mean") -> mg.Tensor:
    """Mean squared error (prediction - target)², reduced, as PyTorch.

    A target of another shape broadcasts but warns, as PyTorch does, since that is
    almost always a bug ((N, 1) predictions against (N,) targets).

    Args:
        prediction: any shape.
        target: a Tensor, array or number.
        reduction: "mean", "sum" or "none".

    Returns:
        A 0-d Tensor, or the elementwise squared errors for "none".

    Raises:
        ValueError: a bad `reduction`.

    Examples:
        >>> nn.functional.mse_loss(mg.tensor([1.0, 2.0]), mg.tensor([0.0, 4.0])).item()
        2.5
    """
    _check_reduction(reduction)
    target = _as_like(target, prediction)
    if tuple(target.shape) != tuple(prediction.shape):
        warnings.warn(
            f"mse_loss: using a target size {tuple(target.shape)} that is different to the input size "
            f"{tuple(prediction.shape)}; this will likely lead to incorrect results due to broadcasting. "
            "Please ensure they have the same size.", UserWarning, stacklevel=2)
    diff = prediction - target
    return _reduce(diff * diff, reduction)


def l1_loss(prediction: mg.Tensor, target: Any, reduction: str = "mean") -> mg.Tensor:
    """Mean absolute error |prediction - target|, reduced, as PyTorch.

    Args:
        prediction: any shape.
        target: a Tensor, array or number (broadcast).
        reduction: "mean", "sum" or "none".

    Returns:
        A 0-d Tensor, or the elementwise absolute errors for "none".

    Raises:
        ValueError: a bad `reduction`.

    Examples:
        >>> nn.functional.l1_loss(mg.tensor([1.0, 2.0]), mg.tensor([0.0, 4.0]), reduction="sum").item()
        3.0
    """
    _check_reduction(reduction)
    return _reduce((prediction - _as_like(target, prediction)).abs(), reduction)


def dropout(x: mg.Tensor, p: float = 0.5, training: bool = True) -> mg.Tensor:
    """Inverted dropout: zero each element with probability p, scale the rest by 1/(1-p).

    As `torch.nn.functional.dropout`: the identity when not training or p == 0. The mask
    comes from `mg.rand`, so it is reproducible under `mg.manual_seed`.

    Args:
        x: any Tensor.
        p: the drop probability, in [0, 1].
        training: False returns `x` unchanged.

    Returns:
        A Tensor of `x`'s shape.

    Raises:
        ValueError: `p` outside [0, 1].

    Examples:
        >>> mg.manual_seed(0)
        >>> y = nn.functional.dropout(mg.ones(1000), p=0.2)
        >>> sorted(set(y.tolist())), 700 < int((y > 0).sum().item()) < 900
        ([0.0, 1.25], True)
        >>> nn.functional.dropout(mg.ones(2), p=0.2, training=False).tolist()
        [1.0, 1.0]
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability must be in [0, 1], got {p}")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    keep = mg.rand(x.shape, dtype=x.dtype, backend=x.backend) >= p
    return mg.where(keep, x * (1.0 / (1.0 - p)), 0.0)


# Activations (nn.activations), so F.gelu, F.leaky_relu, ... read as in PyTorch.
from .activations import (  # noqa: F401
    celu,
    elu,
    gelu,
    hardsigmoid,
    hardswish,
    hardtanh,
    leaky_relu,
    logsigmoid,
    mish,
    relu6,
    selu,
    silu,
    softmin,
    softplus,
    softsign,
    tanhshrink,
)
from .attention_functional import scaled_dot_product_attention  # noqa: F401
from .normalization import layer_norm, normalize  # noqa: F401


def relu(x: mg.Tensor) -> mg.Tensor:
    """max(x, 0), elementwise, as `torch.nn.functional.relu`.

    Args:
        x: any Tensor.

    Returns:
        A Tensor of `x`'s shape.

    Examples:
        >>> nn.functional.relu(mg.tensor([-1.0, 2.0])).tolist()
        [0.0, 2.0]
    """
    return x.relu()


def sigmoid(x: mg.Tensor) -> mg.Tensor:
    """σ(x) = 1 / (1 + e⁻ˣ), elementwise, as `torch.nn.functional.sigmoid`.

    Args:
        x: any Tensor.

    Returns:
        A Tensor of `x`'s shape, values in (0, 1).

    Examples:
        >>> nn.functional.sigmoid(mg.tensor([0.0])).tolist()
        [0.5]
    """
    return x.sigmoid()


def tanh(x: mg.Tensor) -> mg.Tensor:
    """tanh(x), elementwise, as `torch.nn.functional.tanh`.

    Args:
        x: any Tensor.

    Returns:
        A Tensor of `x`'s shape, values in (-1, 1).

    Examples:
        >>> nn.functional.tanh(mg.tensor([0.0, 100.0])).tolist()
        [0.0, 1.0]
    """
    return x.tanh()


one_hot = mg.one_hot
pad = mg.pad

# Convolution, pooling, batch norm and CTC live in their own modules (audio models).
from .ctc import ctc_loss  # noqa: F401
from .functional_conv import avg_pool1d, batch_norm, conv1d, max_pool1d  # noqa: F401

# -- word vectors (nn/lookup.py): the embedding lookup and cosine similarity -------------
from .lookup import cosine_similarity, embedding  # noqa: F401
