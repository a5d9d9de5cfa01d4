"""Reductions over axes: sum, max/min, logsumexp (primitive, for stability), and the
composites built from them (mean, var, softmax, log_softmax)."""
from __future__ import annotations

from .base import Op, constant, keepdims_shape, normalize_axes
from .elementwise import Exp
from .shaping import BroadcastTo


def _expand(ctx, g, shape, axes, keepdims):
    """Broadcast a reduced gradient back over the reduced axes."""
    if not keepdims:
        g = g.reshape(keepdims_shape(shape, axes))
    return ctx.run(BroadcastTo, g, shape=shape)


class Sum(Op):
    @staticmethod
    def forward(ctx, x, axes, keepdims):
        ctx.axes, ctx.keepdims = axes, keepdims
        return x.sum(axis=axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, g):  # every summed element gets the gradient of the sum
        return _expand(ctx, g, ctx.inputs[0].shape, ctx.axes, ctx.keepdims)


class _Extreme(Op):
    """max/min as PyTorch's amax/amin: ties share the gradient equally."""
    saves_output = True  # backward reads the output: writing into it in place is refused

    reduce = None

    @classmethod
    def forward(cls, ctx, x, axes, keepdims):
        ctx.axes, ctx.keepdims = axes, keepdims
        if x.size == 0 and 0 in [x.shape[a] for a in axes]:
            raise ValueError(f"reducing an axis of length 0 (shape {x.shape}) has no "
                             "value; PyTorch raises too (use a non-empty axis or mg.where)")
        return getattr(x, cls.reduce)(axis=axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, g):
        x = ctx.inputs[0].data
        extreme = ctx._output_data[0].reshape(keepdims_shape(x.shape, ctx.axes))
        mask = x == extreme
        weight = (mask / mask.sum(axis=ctx.axes, keepdims=True)).astype(x.dtype)
        return _expand(ctx, g, x.shape, ctx.axes, ctx.keepdims) * weight


class Max(_Extreme):
    reduce = "max"


class Min(_Extreme):
    reduce = "min"


class LogSumExp(Op):
    saves_output = True  # backward reads the output: writing into it in place is refused

    @staticmethod
    def forward(ctx, x, axes, keepdims):
        # log Σ eˣ = m + log Σ e^(x-m) with m = max x: nothing overflows.
        ctx.axes, ctx.keepdims = axes, keepdims
        xp = ctx.xp
        if x.size == 0 and 0 in [x.shape[a] for a in axes]:  # log Σ over nothing = log 0 = -inf, as PyTorch
            out = xp.full(keepdims_shape(x.shape, axes), -xp.inf, dtype=x.dtype)
            return out if keepdims else out.reshape([n for i, n in enumerate(out.shape) if i not in axes])
        m = x.max(axis=axes, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0)
        out = xp.log(xp.exp(x - m).sum(axis=axes, keepdims=True)) + m
        return out if keepdims else out.reshape([n for i, n in enumerate(out.shape) if i not in axes])

    @staticmethod
    def backward(ctx, g):  # ∂/∂x logsumexp = softmax(x) = e^(x - lse)
        (x,) = ctx.values(g)
        out = ctx.output_value(g)
        if not ctx.keepdims:
            out = out.reshape(keepdims_shape(x.shape, ctx.axes))
        return _expand(ctx, g, x.shape, ctx.axes, ctx.keepdims) * ctx.run(Exp, x - out)


def sum(x, axis=None, keepdims=False):
    """Sum over `axis` (None: all; int or tuple, negatives allowed)."""
    return Sum.apply(x, axes=normalize_axes(axis, x.ndim), keepdims=keepdims)


def mean(x, axis=None, keepdims=False):
    """Mean over `axis`; integer tensors give the default float dtype."""
    axes = normalize_axes(axis, x.ndim)
    count = 1
    for a in axes:
        count *= x.shape[a]
    total = sum(x, axes, keepdims)
    if total.dtype.kind != "f":
        from ..backend import get_default_dtype

        total = total.astype(get_default_dtype())
    return total / count


def var(x, axis=None, keepdims=False, ddof=0):
    """Variance over `axis` with NumPy's `ddof` (0: population variance)."""
    axes = normalize_axes(axis, x.ndim)
    count = 1
    for a in axes:
        count *= x.shape[a]
    centered = x - mean(x, axes, keepdims=True)
    return sum(centered * centered, axes, keepdims) / (count - ddof)


def max(x, axis=None, keepdims=False):
    """Largest value over `axis` (values only, as PyTorch's amax: ties share the gradient)."""
    return Max.apply(x, axes=normalize_axes(axis, x.ndim), keepdims=keepdims)


def min(x, axis=None, keepdims=False):
    """Smallest value over `axis` (values only, as PyTorch's amin: ties share the gradient)."""
    return Min.apply(x, axes=normalize_axes(axis, x.ndim), keepdims=keepdims)


def logsumexp(x, axis=None, keepdims=False):
    """log Σ eˣ over `axis`, computed stably (no overflow at |x| = 1000)."""
    return LogSumExp.apply(x, axes=normalize_axes(axis, x.ndim), keepdims=keepdims)


def softmax(x, axis=-1):
    """e^x / Σ e^x along `axis`, stable through logsumexp."""
    normalize_axes(axis, x.ndim, "softmax")
    return (x - logsumexp(x, axis, keepdims=True)).exp()


def log_softmax(x, axis=-1):
    """x - logsumexp(x) along `axis`: log-probabilities without overflow."""
    normalize_axes(axis, x.ndim, "log_softmax")
    return x - logsumexp(x, axis, keepdims=True)


def _index_reduction(name):
    def reduction(x, axis=None, keepdims=False):
        xp = _xp(x)
        if axis is not None:
            axis = normalize_axes(axis, x.ndim, name)[0] if x.ndim else None  # 0-d: itself
        if axis is None:
            result = getattr(xp, name)(x.data)
            if keepdims:
                result = result.reshape((1,) * x.ndim)
        else:
            result = getattr(xp, name)(x.data, axis=axis, keepdims=keepdims)
        return constant(xp.asarray(result))

    reduction.__name__ = name
    reduction.__doc__ = f"{name} (not differentiable): an integer tensor."
    return reduction


def _logical_reduction(name):
    def reduction(x, axis=None, keepdims=False):
        """Whether any/all elements are true over `axis` (not differentiable)."""
        xp = _xp(x)
        if axis is not None:
            axis = normalize_axes(axis, x.ndim, name) if x.ndim else None
        return constant(xp.asarray(getattr(xp, name)(x.data, axis=axis, keepdims=keepdims)))

    reduction.__name__ = name
    return reduction


def _xp(x):
    from ..backend import backend_of_array

    return backend_of_array(x.data).xp


argmax = _index_reduction("argmax")
argmin = _index_reduction("argmin")
any = _logical_reduction("any")
all = _logical_reduction("all")
