"""Reductions over axes: sum, max/min, logsumexp (primitive, for stability), and the
composites built from them (mean, var, softmax, log_softmax)."""
from __future__ import annotations

from .. import elementwise_compiled as compiled
from ..keywords import accepts_torch_keywords
from ..scopes import composite
from ..tensor import Tensor
from .base import Op, check_axis, constant, keepdims_shape, normalize_axes
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


class LogSoftmax(Op):
    """x - logsumexp(x) along one axis as one node, for cross_entropy's sake: composed
    of a subtraction and a logsumexp, its backward walked both paths and ran exp again;
    here forward keeps ŷ = softmax(x) and first-order backward is g - ŷ Σ g, three
    passes over the logits (a language model's largest array) instead of six."""

    saves_output = True  # a higher-order backward reads the output: in place is refused

    @staticmethod
    def forward(ctx, x, axis):
        ctx.axis = axis
        xp = ctx.xp
        if x.size == 0:
            ctx.softmax = x.copy()
            return x.copy()
        done = compiled.log_softmax(xp, x, axis)  # a large NumPy (rows, classes), axis 1
        if done is not None:
            out, ctx.softmax = done
            return out
        m = x.max(axis=axis, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0)     # a row of -inf gives NaN, as x - logsumexp(x)
        out = x - m
        softmax = xp.exp(out)
        total = softmax.sum(axis=axis, keepdims=True)
        out -= xp.log(total)                   # log ŷ = x - m - log Σ e^(x-m)
        softmax /= total                       # ŷ, kept for backward
        ctx.softmax = softmax
        return out

    @staticmethod
    def backward(ctx, g):  # ∂/∂x Σ g log ŷ = g - ŷ Σ g
        if isinstance(g, Tensor):  # a recorded backward: ŷ = e^(log ŷ), differentiable
            softmax = ctx.run(Exp, ctx.output_value(g))
        elif ctx.softmax is None:  # the compiled float32 forward kept log ŷ only
            log_probs = ctx.output_value(g)
            local = compiled.log_softmax_backward(ctx.xp, log_probs, g, ctx.axis, True)
            if local is not None:
                return local
            softmax = ctx.xp.exp(log_probs)
        else:
            softmax = ctx.softmax
            local = compiled.log_softmax_backward(ctx.xp, softmax, g, ctx.axis)
            if local is not None:
                return local
        return g - softmax * g.sum(axis=ctx.axis, keepdims=True)


class PickedLogSoftmax(Op):
    """log ŷ[n, y_n], ŷ = softmax(x) over the classes of a 2-D (N, C) x: one
    log-probability per row, at its class y_n, as one node, for cross_entropy's sake.

    Composed of LogSoftmax and indexing, a language model's loss wrote log ŷ over its whole
    (T·B, vocabulary) logits only to read N of them, and its backward built a dense
    gradient of zeros with one entry per row for LogSoftmax's backward to read back.
    Here forward keeps two numbers per row (m = max x and log Σ e^(x-m)), and the
    first-order backward is one pass over the logits, g_n (onehot(y_n) - ŷ), with ŷ
    recomputed. A recorded backward (create_graph) goes through LogSoftmax itself."""

    @staticmethod
    def forward(ctx, x, index):
        xp = ctx.xp
        ctx.index = index
        done = compiled.log_softmax_normalisers(xp, x)  # a large NumPy x: one compiled pass
        if done is None:
            m = x.max(axis=1, keepdims=True)
            m = xp.where(xp.isfinite(m), m, 0)          # a row of -inf gives NaN, as LogSoftmax
            log_total = xp.log(xp.exp(x - m).sum(axis=1, keepdims=True))
            done = m[:, 0], log_total[:, 0]
        ctx.shift, ctx.log_total = done
        rows = xp.arange(x.shape[0])
        return (x[rows, index] - ctx.shift) - ctx.log_total  # log ŷ = x - m - log Σ e^(x-m)

    @staticmethod
    def backward(ctx, g):  # ∂/∂x Σ_n g_n log ŷ[n, y_n] = g_n (onehot(y_n) - ŷ_n)
        from .indexing import ScatterAdd

        index, xp = ctx.index, ctx.xp
        if isinstance(g, Tensor):  # a recorded backward: ŷ from LogSoftmax, differentiable
            x = ctx.inputs[0]
            softmax = ctx.run(Exp, ctx.run(LogSoftmax, x, axis=1))
            rows = xp.arange(x.shape[0])
            return ctx.run(ScatterAdd, g, shape=x.shape, index=(rows, index)) \
                - softmax * g.reshape(-1, 1)
        x = ctx.inputs[0]._data
        local = compiled.picked_log_softmax_backward(xp, x, ctx.shift, ctx.log_total, index, g)
        if local is not None:
            return local
        out = xp.exp((x - ctx.shift[:, None]) - ctx.log_total[:, None])  # ŷ
        out *= -g[:, None]
        out[xp.arange(x.shape[0]), index] += g
        return out


def _count(x, axes) -> int:
    count = 1
    for a in axes:
        count *= x.shape[a]
    return count


def _floating(x):
    """Integer and bool tensors as the default float dtype, as PyTorch's mean/var/exp."""
    if x.dtype.kind == "f":
        return x
    from ..backend import get_default_dtype

    return x.astype(get_default_dtype())


@accepts_torch_keywords
def sum(x, axis=None, keepdims=False):
    """Sum over `axis` (None: all; int or tuple, negatives allowed).

    As `torch.sum` with NumPy's argument names; also the method `x.sum(...)`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).
        axis: the axis or axes to reduce (None: all; an int or tuple; negatives count from
            the end). PyTorch's `dim=` is accepted too.
        keepdims: keep the reduced axes with length 1 (PyTorch's `keepdim=` is accepted
            too).

    Returns:
        Tensor: the reduced tensor.

    Examples:
        >>> x = mg.tensor([[1.0, 2.0], [3.0, 4.0]])
        >>> mg.sum(x)
        tensor(10.)
        >>> mg.sum(x, axis=0)
        tensor([4., 6.])
        >>> x.sum(dim=1, keepdim=True)
        tensor([[3.],
                [7.]])
    """
    return Sum.apply(x, axes=normalize_axes(axis, x.ndim, "sum"), keepdims=keepdims)


@accepts_torch_keywords
def mean(x, axis=None, keepdims=False):
    """Mean over `axis`; integer tensors give the default float dtype.

    As `torch.mean` with NumPy's argument names, except that integer tensors give the default
    float dtype where PyTorch refuses them; also the method `x.mean(...)`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).
        axis: the axis or axes to reduce (None: all; an int or tuple; negatives count from
            the end). PyTorch's `dim=` is accepted too.
        keepdims: keep the reduced axes with length 1 (PyTorch's `keepdim=` is accepted
            too).

    Returns:
        Tensor: the reduced tensor.

    Examples:
        >>> x = mg.tensor([[1.0, 2.0], [3.0, 4.0]])
        >>> mg.mean(x)
        tensor(2.5)
        >>> mg.mean(x, axis=1)
        tensor([1.5, 3.5])
        >>> mg.mean(mg.tensor([1, 2]))
        tensor(1.5)
    """
    axes = normalize_axes(axis, x.ndim, "mean")
    return sum(_floating(x), axes, keepdims) / _count(x, axes)


def _correction(op_name, ddof, correction, unbiased) -> float:
    """NumPy's ddof, PyTorch's correction= and unbiased= are one number; give at most one."""
    given = [(n, v) for n, v in (("ddof", ddof), ("correction", correction),
                                  ("unbiased", unbiased)) if v is not None]
    if len(given) > 1:
        raise TypeError(f"{op_name}: give one of ddof=, correction= and unbiased=, got "
                        + " and ".join(f"{n}={v!r}" for n, v in given))
    if unbiased is not None:
        return 1 if unbiased else 0
    value = ddof if ddof is not None else correction if correction is not None else 0
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{op_name}: ddof/correction must be a number, got {value!r}")
    return value


@accepts_torch_keywords
def var(x, axis=None, keepdims=False, ddof=None, *, correction=None, unbiased=None):
    """Variance over `axis`: Σ(x - mean)² / (N - ddof). ddof=0 (NumPy's default) unless
    `ddof`, PyTorch's `correction` or `unbiased` says otherwise. N - ddof <= 0 gives inf
    (NaN where every deviation is 0), as NumPy and PyTorch do.

    Differs from `torch.var`, whose default is the unbiased estimate (correction=1): the
    default here is NumPy's ddof=0. Integer tensors give the default float dtype (PyTorch
    refuses them).

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).
        axis: the axis or axes to reduce (None: all; an int or tuple; negatives count from
            the end). PyTorch's `dim=` is accepted too.
        keepdims: keep the reduced axes with length 1 (PyTorch's `keepdim=` is accepted
            too).
        ddof: NumPy's delta degrees of freedom (0 by default).
        correction: PyTorch's name for ddof.
        unbiased: PyTorch's older flag: True is ddof=1.

    Returns:
        Tensor: the reduced tensor, floating.

    Raises:
        TypeError: when more than one of ddof, correction and unbiased is given.

    Examples:
        >>> x = mg.tensor([1.0, 2.0, 3.0, 4.0])
        >>> mg.var(x)
        tensor(1.25)
        >>> mg.var(x, correction=1)
        tensor(1.6666666)
    """
    ddof = _correction("var", ddof, correction, unbiased)
    x = _floating(x)
    axes = normalize_axes(axis, x.ndim, "var")
    centered = x - mean(x, axes, keepdims=True)
    squares = sum(centered * centered, axes, keepdims)
    dof = _count(x, axes) - ddof
    if dof <= 0:  # 0 / 0 = nan, positive / 0 = inf: the division says it without a warning
        from ..backend import backend_of_array

        xp = backend_of_array(squares.data).xp
        with _quiet_division(xp):
            return squares / constant(xp.zeros((), dtype=squares.dtype))
    return squares / dof


def _quiet_division(xp):
    errstate = getattr(xp, "errstate", None)
    if errstate is None:  # pragma: no cover - backends without errstate
        import contextlib

        return contextlib.nullcontext()
    return errstate(divide="ignore", invalid="ignore")


@accepts_torch_keywords
def std(x, axis=None, keepdims=False, ddof=None, *, correction=None, unbiased=None):
    """Standard deviation: √var, with the same `ddof`/`correction`/`unbiased`.

    Differs from `torch.std`, whose default is the unbiased estimate (correction=1): the
    default here is NumPy's ddof=0. Integer tensors give the default float dtype (PyTorch
    refuses them).

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).
        axis: the axis or axes to reduce (None: all; an int or tuple; negatives count from
            the end). PyTorch's `dim=` is accepted too.
        keepdims: keep the reduced axes with length 1 (PyTorch's `keepdim=` is accepted
            too).
        ddof: NumPy's delta degrees of freedom (0 by default).
        correction: PyTorch's name for ddof.
        unbiased: PyTorch's older flag: True is ddof=1.

    Returns:
        Tensor: the reduced tensor, floating.

    Raises:
        TypeError: when more than one of ddof, correction and unbiased is given.

    Examples:
        >>> x = mg.tensor([1.0, 2.0, 3.0, 4.0])
        >>> mg.std(x)
        tensor(1.118034)
        >>> mg.std(x, correction=1)
        tensor(1.2909944)
    """
    return var(x, axis, keepdims, ddof, correction=correction, unbiased=unbiased).sqrt()


class MaxMin(tuple):
    """PyTorch's `(values, indices)` result of `max(dim)` / `min(dim)`: a named pair.

    Returned by `max(dim)`, `min(dim)`, `sort`, `topk`, `cummax` and `cummin`, as PyTorch's
    `torch.return_types`: unpack it, or read `.values` and `.indices`. Build one as
    `MaxMin(values, indices)`.

    Examples:
        >>> values, indices = mg.tensor([[1.0, 3.0], [2.0, 0.0]]).max(1)
        >>> values, indices
        (tensor([3., 2.]), tensor([1, 0]))
        >>> mg.tensor([3.0, 1.0]).sort().indices
        tensor([1, 0])
    """

    __slots__ = ()

    def __new__(cls, values, indices):
        return super().__new__(cls, (values, indices))

    values = property(lambda self: self[0], doc="""The values (a Tensor).

    Examples:
        >>> mg.tensor([1.0, 3.0]).max(0).values
        tensor(3.)
    """)
    indices = property(lambda self: self[1], doc="""The int64 indices of the values (a Tensor).

    Examples:
        >>> mg.tensor([1.0, 3.0]).max(0).indices
        tensor(1)
    """)

    def __repr__(self) -> str:
        return f"MaxMin(values={self[0]!r}, indices={self[1]!r})"


def _extreme(op, name, x, dim, keepdim, axis, keepdims):
    """NumPy's spelling `max(axis=k)` gives values; PyTorch's `max(k)`/`max(dim=k)` gives
    (values, indices); `max(other_tensor)` is PyTorch's elementwise maximum."""
    from ..tensor import Tensor

    if isinstance(dim, Tensor):
        if axis is not None:
            raise TypeError(f"{name}(other): elementwise {name} takes no axis")
        return (maximum if name == "max" else minimum)(x, dim)
    if dim is not None and axis is not None:
        raise TypeError(
            f"{name}() got both a dim (positional or dim=) and axis=; pass one: axis=k "
            f"gives values (NumPy), dim=k gives (values, indices) (PyTorch)"
        )
    if keepdim is not None and keepdims is not None:
        raise TypeError(f"{name}() got both keepdims= and keepdim=; pass one")
    keep = bool(keepdim if keepdim is not None else keepdims)
    if dim is None:
        return op.apply(x, axes=normalize_axes(axis, x.ndim, name), keepdims=keep)
    if isinstance(dim, (tuple, list)):
        raise TypeError(
            f"{name}(dim=...) takes one axis and returns (values, indices); for values over "
            f"several axes use {name}(axis={tuple(dim)})"
        )
    from .gathering import gather

    k = check_axis(name, dim, x.ndim)
    if x.ndim == 0:  # a 0-d tensor: itself, at index 0
        return MaxMin(x, constant(_xp(x).zeros((), dtype="int64")))
    if x.shape[k] == 0:
        raise ValueError(f"{name}: axis {k} of shape {tuple(x.shape)} is empty, so it has no {name}")
    indices = (argmax if name == "max" else argmin)(x, k, keepdims=True)
    values = gather(x, k, indices)
    if not keep:
        values, indices = values.squeeze(k), indices.squeeze(k)
    return MaxMin(values, indices)


def max(x, dim=None, keepdim=None, *, axis=None, keepdims=None):
    """`max(axis=None/k/(…))`: the largest values (amax; ties share the gradient).
    `max(k)` or `max(dim=k)`: PyTorch's `(values, indices)`, the gradient going to the
    index picked. `max(other)`: elementwise maximum.

    Both PyTorch's forms (`torch.max(x)`, `torch.max(x, dim)`, `torch.max(x, other)`) and
    NumPy's `axis=` work.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).
        dim: PyTorch's form: an axis, giving `(values, indices)`, or another tensor
            (elementwise maximum).
        keepdim: keep the reduced axis (with `dim`).
        axis: NumPy's form: the axes to reduce, giving values only.
        keepdims: keep the reduced axes (with `axis`).

    Returns:
        Tensor or MaxMin: the values, or the named pair `(values, indices)` when `dim` is
            given.

    Examples:
        >>> x = mg.tensor([[1.0, 3.0], [2.0, 0.0]])
        >>> mg.max(x)
        tensor(3.)
        >>> mg.max(x, axis=0)
        tensor([2., 3.])
        >>> mg.max(x, 1)
        MaxMin(values=tensor([3., 2.]), indices=tensor([1, 0]))
        >>> mg.max(x, 1).indices
        tensor([1, 0])
    """
    return _extreme(Max, "max", x, dim, keepdim, axis, keepdims)


def min(x, dim=None, keepdim=None, *, axis=None, keepdims=None):
    """The smallest values; the same three forms as `max`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).
        dim: as in `mg.max`.
        keepdim: as in `mg.max`.
        axis: as in `mg.max`.
        keepdims: as in `mg.max`.

    Returns:
        Tensor or MaxMin: the values, or `(values, indices)` when `dim` is given.

    Examples:
        >>> x = mg.tensor([[1.0, 3.0], [2.0, 0.0]])
        >>> mg.min(x)
        tensor(0.)
        >>> mg.min(x, dim=1)
        MaxMin(values=tensor([1., 0.]), indices=tensor([0, 1]))
    """
    return _extreme(Min, "min", x, dim, keepdim, axis, keepdims)


@accepts_torch_keywords
def amax(x, axis=None, keepdims=False):
    """Largest values over `axis` (PyTorch's amax: ties share the gradient).

    As `torch.amax` with NumPy's argument names; also the method `x.amax(...)`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).
        axis: the axis or axes to reduce (None: all; an int or tuple; negatives count from
            the end). PyTorch's `dim=` is accepted too.
        keepdims: keep the reduced axes with length 1 (PyTorch's `keepdim=` is accepted
            too).

    Returns:
        Tensor: the reduced tensor.

    Examples:
        >>> x = mg.tensor([[1.0, 5.0], [5.0, 2.0]], requires_grad=True)
        >>> mg.amax(x)
        tensor(5., grad_fn=<Max>)
        >>> mg.amax(x).backward()
        >>> x.grad
        array([[0. , 0.5],
               [0.5, 0. ]], dtype=float32)
    """
    return Max.apply(x, axes=normalize_axes(axis, x.ndim, "amax"), keepdims=keepdims)


@accepts_torch_keywords
def amin(x, axis=None, keepdims=False):
    """Smallest values over `axis` (PyTorch's amin: ties share the gradient).

    As `torch.amin` with NumPy's argument names; also the method `x.amin(...)`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).
        axis: the axis or axes to reduce (None: all; an int or tuple; negatives count from
            the end). PyTorch's `dim=` is accepted too.
        keepdims: keep the reduced axes with length 1 (PyTorch's `keepdim=` is accepted
            too).

    Returns:
        Tensor: the reduced tensor.

    Examples:
        >>> mg.amin(mg.tensor([[1.0, 2.0], [3.0, 4.0]]), axis=1)
        tensor([1., 3.])
    """
    return Min.apply(x, axes=normalize_axes(axis, x.ndim, "amin"), keepdims=keepdims)


@accepts_torch_keywords
@composite("logsumexp")
def logsumexp(x, axis=None, keepdims=False):
    """log Σ eˣ over `axis`, computed stably (no overflow at |x| = 1000).

    As `torch.logsumexp` with NumPy's argument names; also the method `x.logsumexp(...)`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).
        axis: the axis or axes to reduce (None: all; an int or tuple; negatives count from
            the end). PyTorch's `dim=` is accepted too.
        keepdims: keep the reduced axes with length 1 (PyTorch's `keepdim=` is accepted
            too).

    Returns:
        Tensor: the reduced tensor.

    Examples:
        >>> mg.logsumexp(mg.tensor([1000.0, 1000.0]))
        tensor(1000.6932)
        >>> mg.logsumexp(mg.tensor([[1.0, 2.0], [3.0, 4.0]]), axis=1)
        tensor([2.3132617, 4.3132615])
    """
    return LogSumExp.apply(_floating(x), axes=normalize_axes(axis, x.ndim, "logsumexp"),
                           keepdims=keepdims)


@accepts_torch_keywords
@composite("softmax")
def softmax(x, axis=-1):
    """e^x / Σ e^x along `axis`, stable through logsumexp.

    As `torch.softmax` (integer inputs give the default float dtype, where PyTorch refuses
    them); also `x.softmax(axis)`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).
        axis: the axis that sums to one (PyTorch's `dim=`).

    Returns:
        Tensor: probabilities, same shape.

    Examples:
        >>> mg.softmax(mg.tensor([0.0, 0.0, 0.0]))
        tensor([0.33333334, 0.33333334, 0.33333334])
        >>> mg.softmax(mg.tensor([1000.0, 0.0]), axis=0)
        tensor([1., 0.])
    """
    normalize_axes(axis, x.ndim, "softmax")
    return (x - logsumexp(x, axis, keepdims=True)).exp()


@accepts_torch_keywords
@composite("log_softmax")
def log_softmax(x, axis=-1):
    """x - logsumexp(x) along `axis`: log-probabilities without overflow.

    As `torch.log_softmax` (integer inputs give the default float dtype, where PyTorch
    refuses them); also `x.log_softmax(axis)`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).
        axis: the normalised axis (PyTorch's `dim=`).

    Returns:
        Tensor: log-probabilities, same shape.

    Examples:
        >>> mg.log_softmax(mg.tensor([0.0, 0.0]))
        tensor([-0.6931472, -0.6931472])
    """
    axes = normalize_axes(axis, x.ndim, "log_softmax")
    return LogSoftmax.apply(_floating(x), axis=axes[0] if axes else None)  # None: a 0-d x


def picked_log_softmax(x, index):
    """log_softmax(x, axis=-1)[n, index[n]] for (N, C) logits: each row's log-probability
    of one class, as one node (`PickedLogSoftmax`).

    Why: a classifier's or language model's loss with class-index targets reads N of the
    N·C log-probabilities; this computes only those, in one pass over the logits forward
    and one backward, where `log_softmax` then indexing write and read all of them.
    `nn.functional.cross_entropy` uses it. Higher-order gradients work.

    Args:
        x: (N, C) logits (integer tensors become the default float dtype), C ≥ 1.
        index: N integer class indices in [0, C) (a Tensor, list or array).

    Returns:
        Tensor: shape (N,).

    Raises:
        ValueError: x is not 2-D with C ≥ 1, or index is not N long.
        TypeError: index is not integer.
        IndexError: an index outside [0, C), named.

    Examples:
        >>> logits = mg.tensor([[0.0, 0.0], [2.0, 0.0]])
        >>> mg.picked_log_softmax(logits, [1, 0]).numpy().round(4)
        array([-0.6931, -0.1269], dtype=float32)
        >>> mg.picked_log_softmax(logits, [2, 0])
        Traceback (most recent call last):
        ...
        IndexError: picked_log_softmax: index 2 is out of range for 2 classes (row 0); expected indices in [0, 2)
    """
    from ..creation import tensor as make_tensor

    if not isinstance(x, Tensor):
        x = make_tensor(x)
    if x.ndim != 2 or x.shape[1] == 0:
        raise ValueError(f"picked_log_softmax: expected (N, C) logits with C >= 1, got shape "
                         f"{tuple(x.shape)}; reshape to (-1, C) first")
    index = index if isinstance(index, Tensor) else make_tensor(index, backend=x.backend)
    if index.backend != x.backend:
        raise ValueError(f"picked_log_softmax: index is on backend {index.backend!r} and the "
                         f"logits on {x.backend!r}; move one, e.g. index.to({x.backend!r})")
    if index.dtype.kind not in "iu":
        raise TypeError(f"picked_log_softmax: index must hold integers, got {index.dtype}")
    if tuple(index.shape) != (x.shape[0],):
        raise ValueError(f"picked_log_softmax: index of shape {tuple(index.shape)} does not fit "
                         f"logits of shape {tuple(x.shape)}; expected ({x.shape[0]},)")
    indices = index.data.astype("int64") if index.dtype != "int64" else index.data
    outside = (indices < 0) | (indices >= x.shape[1])
    if indices.size and outside.any().item():  # one read from the device; details on error
        row = int(outside.argmax().item())
        raise IndexError(f"picked_log_softmax: index {int(indices[row].item())} is out of "
                         f"range for {x.shape[1]} classes (row {row}); expected indices in "
                         f"[0, {x.shape[1]})")
    return PickedLogSoftmax.apply(_floating(x), index=indices)


def _index_reduction(name):
    def reduction(x, axis=None, keepdims=False):
        xp = _xp(x)
        if axis is not None:
            axis = check_axis(name, axis, x.ndim)
        if axis is None or x.ndim == 0:
            result = getattr(xp, name)(x.data)
            if keepdims:
                result = result.reshape((1,) * x.ndim)
        else:
            result = getattr(xp, name)(x.data, axis=axis, keepdims=keepdims)
        return constant(xp.asarray(result))

    reduction.__name__ = name
    reduction.__doc__ = f"""The index of the {'largest' if name == 'argmax' else 'smallest'} value over `axis` (not differentiable).

    As `torch.{name}`: with no axis, an index into the flattened tensor; the first one on
    ties. Also the method `x.{name}(...)`.

    Args:
        x: the input tensor.
        axis: one axis, or None for the flattened tensor (PyTorch's `dim=` works too).
        keepdims: keep the reduced axis with length 1 (PyTorch's `keepdim=` works too).

    Returns:
        Tensor: an int64 tensor.

    Examples:
        >>> x = mg.tensor([[1.0, 5.0], [7.0, 2.0]])
        >>> mg.{name}(x)
        tensor({2 if name == 'argmax' else 0})
        >>> mg.{name}(x, axis=1)
        tensor([{'1, 0' if name == 'argmax' else '0, 1'}])
    """
    return accepts_torch_keywords(reduction)


def _logical_reduction(name):
    def reduction(x, axis=None, keepdims=False):
        xp = _xp(x)
        if axis is not None:
            axis = normalize_axes(axis, x.ndim, name) if x.ndim else None
        return constant(xp.asarray(getattr(xp, name)(x.data, axis=axis, keepdims=keepdims)))

    reduction.__name__ = name
    reduction.__doc__ = f"""Whether {name} elements are true (non-zero) over `axis` (not differentiable).

    As `torch.{name}`; also the method `x.{name}(...)`.

    Args:
        x: the input tensor (any dtype).
        axis: the axes to reduce (None: all; PyTorch's `dim=` works too).
        keepdims: keep the reduced axes with length 1 (PyTorch's `keepdim=` works too).

    Returns:
        Tensor: a boolean tensor.

    Examples:
        >>> x = mg.tensor([[True, False], [True, True]])
        >>> mg.{name}(x)
        tensor({name == 'any'}, dtype=bool)
        >>> mg.{name}(x, axis=1)
        tensor([{' True,  True' if name == 'any' else 'False,  True'}], dtype=bool)
    """
    return accepts_torch_keywords(reduction)


def _xp(x):
    from ..backend import backend_of_array

    return backend_of_array(x.data).xp


argmax = _index_reduction("argmax")
"""The index of the largest value over `axis` (not differentiable).

As `torch.argmax`: with no axis, an index into the flattened tensor; the first one on
ties. Also the method `x.argmax(...)`.

Args:
    x: the input tensor.
    axis: one axis, or None for the flattened tensor (PyTorch's `dim=` works too).
    keepdims: keep the reduced axis with length 1 (PyTorch's `keepdim=` works too).

Returns:
    Tensor: an int64 tensor.

Examples:
    >>> x = mg.tensor([[1.0, 5.0], [7.0, 2.0]])
    >>> mg.argmax(x)
    tensor(2)
    >>> mg.argmax(x, axis=1)
    tensor([1, 0])
"""
argmin = _index_reduction("argmin")
"""The index of the smallest value over `axis` (not differentiable).

As `torch.argmin`: with no axis, an index into the flattened tensor; the first one on
ties. Also the method `x.argmin(...)`.

Args:
    x: the input tensor.
    axis: one axis, or None for the flattened tensor (PyTorch's `dim=` works too).
    keepdims: keep the reduced axis with length 1 (PyTorch's `keepdim=` works too).

Returns:
    Tensor: an int64 tensor.

Examples:
    >>> x = mg.tensor([[1.0, 5.0], [7.0, 2.0]])
    >>> mg.argmin(x)
    tensor(0)
    >>> mg.argmin(x, axis=1)
    tensor([0, 1])
"""
any = _logical_reduction("any")
"""Whether any elements are true (non-zero) over `axis` (not differentiable).

As `torch.any`; also the method `x.any(...)`.

Args:
    x: the input tensor (any dtype).
    axis: the axes to reduce (None: all; PyTorch's `dim=` works too).
    keepdims: keep the reduced axes with length 1 (PyTorch's `keepdim=` works too).

Returns:
    Tensor: a boolean tensor.

Examples:
    >>> x = mg.tensor([[True, False], [True, True]])
    >>> mg.any(x)
    tensor(True, dtype=bool)
    >>> mg.any(x, axis=1)
    tensor([ True,  True], dtype=bool)
"""
all = _logical_reduction("all")
"""Whether all elements are true (non-zero) over `axis` (not differentiable).

As `torch.all`; also the method `x.all(...)`.

Args:
    x: the input tensor (any dtype).
    axis: the axes to reduce (None: all; PyTorch's `dim=` works too).
    keepdims: keep the reduced axes with length 1 (PyTorch's `keepdim=` works too).

Returns:
    Tensor: a boolean tensor.

Examples:
    >>> x = mg.tensor([[True, False], [True, True]])
    >>> mg.all(x)
    tensor(False, dtype=bool)
    >>> mg.all(x, axis=1)
    tensor([False,  True], dtype=bool)
"""


from .joining import maximum, minimum
