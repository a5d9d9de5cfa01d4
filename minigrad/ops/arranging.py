"""Rearranging and copying elements: flip, roll, repeat, repeat_interleave, tril, triu,
diag, diagonal, unflatten, narrow, meshgrid, pad. Each is a composite of indexing,
reshape and broadcasting, so its gradient (and higher-order ones) come from theirs."""
from __future__ import annotations

from ..backend import backend_of_array
from ..keywords import accepts_torch_keywords
from ..tensor import Tensor
from .base import Op, as_int, check_axis, constant
from .indexing import ScatterAdd, getitem
from .shaping import broadcast_to, reshape, unsqueeze


def _axes_arg(op_name, axes, ndim) -> tuple:
    axes = (axes,) if not isinstance(axes, (tuple, list)) else tuple(axes)
    return tuple(check_axis(op_name, a, ndim) for a in axes)


@accepts_torch_keywords
def flip(x, axis):
    """x reversed along `axis` (an int or a tuple; PyTorch's dims=).

    As `torch.flip`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).
        axis: an int or tuple of axes (PyTorch's `dims=`).

    Returns:
        Tensor: the reversed tensor.

    Examples:
        >>> mg.flip(mg.arange(6).reshape(2, 3), 1)
        tensor([[2, 1, 0],
                [5, 4, 3]])
    """
    axes = _axes_arg("flip", axis, x.ndim)
    return getitem(x, tuple(slice(None, None, -1) if d in axes else slice(None) for d in range(x.ndim)))


def roll(x, shifts, dims=None):
    """Elements shifted by `shifts` along `dims`, wrapping around (no dims: over the flat
    tensor, then the shape restored), as PyTorch.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).
        shifts: an int or tuple of shifts.
        dims: the axes (an int or tuple), or None.

    Returns:
        Tensor: the rolled tensor.

    Examples:
        >>> mg.roll(mg.arange(4), 1)
        tensor([3, 0, 1, 2])
    """
    if dims is None:
        return reshape(roll(reshape(x, (-1,)), shifts, 0), x.shape)
    shifts = (shifts,) if not isinstance(shifts, (tuple, list)) else tuple(shifts)
    dims = _axes_arg("roll", dims, x.ndim)
    if len(shifts) != len(dims):
        raise ValueError(f"roll: {len(shifts)} shifts for {len(dims)} dims; give one per dim")
    xp = backend_of_array(x.data).xp
    for shift, d in zip(shifts, dims):
        n = x.shape[d]
        if n:
            source = (xp.arange(n) - as_int(shift, "roll", "shift")) % n
            x = getitem(x, (slice(None),) * d + (constant(source),))
    return x


def repeat(x, *repeats):
    """PyTorch's repeat (NumPy's tile): the whole tensor repeated `repeats[i]` times along
    axis i; extra leading repeats add axes.

    As `torch.Tensor.repeat` (not NumPy's repeat, which is `repeat_interleave`).

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).
        *repeats: one count per axis (ints or one tuple).

    Returns:
        Tensor: the tiled tensor.

    Examples:
        >>> mg.repeat(mg.tensor([1.0, 2.0]), 2)
        tensor([1., 2., 1., 2.])
        >>> mg.repeat(mg.tensor([1.0, 2.0]), 2, 1)
        tensor([[1., 2.],
                [1., 2.]])
    """
    repeats = tuple(as_int(r, "repeat", "a repeat count") for r in
                    (repeats[0] if len(repeats) == 1 and isinstance(repeats[0], (tuple, list)) else repeats))
    if len(repeats) < x.ndim:
        raise ValueError(f"repeat: {len(repeats)} repeat counts for a tensor of {x.ndim} "
                         "dimensions; give at least one per axis")
    x = reshape(x, (1,) * (len(repeats) - x.ndim) + tuple(x.shape))
    expanded = []
    for n in x.shape:
        expanded += [1, n]
    x = reshape(x, tuple(expanded))  # (1, n0, 1, n1, ...) broadcast to (r0, n0, r1, n1, ...)
    target = []
    for r, n in zip(repeats, x.shape[1::2]):
        target += [r, n]
    x = broadcast_to(x, tuple(target))
    return reshape(x, tuple(r * n for r, n in zip(repeats, target[1::2])))


@accepts_torch_keywords
def repeat_interleave(x, repeats, axis=None):
    """Each element repeated `repeats` times (an int, or one count per element) along
    `axis`; with no axis, over the flattened tensor.

    As `torch.repeat_interleave`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).
        repeats: an int, or a tensor of counts.
        axis: the axis (None: flatten first; PyTorch's `dim=`).

    Returns:
        Tensor: the repeated tensor.

    Examples:
        >>> mg.repeat_interleave(mg.tensor([1.0, 2.0]), 2)
        tensor([1., 1., 2., 2.])
    """
    if axis is None:
        x, axis = reshape(x, (-1,)), 0
    axis = check_axis("repeat_interleave", axis, x.ndim)
    if isinstance(repeats, Tensor) and repeats.ndim == 1:
        xp = backend_of_array(x.data).xp
        counts = repeats.data
        if counts.shape[0] != x.shape[axis]:
            raise ValueError(f"repeat_interleave: {counts.shape[0]} repeat counts for an axis of "
                             f"length {x.shape[axis]}")
        source = xp.repeat(xp.arange(x.shape[axis]), counts)
        return getitem(x, (slice(None),) * axis + (constant(source),))
    count = as_int(repeats.item() if isinstance(repeats, Tensor) else repeats,
                   "repeat_interleave", "repeats")
    y = unsqueeze(x, axis + 1)
    shape = list(y.shape)
    shape[axis + 1] = count
    y = broadcast_to(y, tuple(shape))
    out = list(x.shape)
    out[axis] *= count
    return reshape(y, tuple(out))


def _triangle(op_name, x, diagonal, lower):
    if x.ndim < 2:
        raise ValueError(f"{op_name}: expects at least 2 dimensions, got shape {tuple(x.shape)}")
    xp = backend_of_array(x.data).xp
    rows, cols = x.shape[-2:]
    mask = xp.tri(rows, cols, as_int(diagonal, op_name, "diagonal"), dtype=bool)
    if not lower:
        mask = xp.logical_not(xp.tri(rows, cols, diagonal - 1, dtype=bool))
    from .joining import where

    return where(constant(mask), x, constant(xp.zeros((), dtype=x.dtype)))


def tril(x, diagonal: int = 0):
    """The lower triangle of the last two axes (on and below `diagonal`); zeros above.

    As `torch.tril`.

    Args:
        x: a tensor of 2 or more dimensions.
        diagonal: which diagonal bounds the triangle.

    Returns:
        Tensor: the masked tensor.

    Examples:
        >>> mg.tril(mg.ones(3, 3))
        tensor([[1., 0., 0.],
                [1., 1., 0.],
                [1., 1., 1.]])
    """
    return _triangle("tril", x, diagonal, True)


def triu(x, diagonal: int = 0):
    """The upper triangle of the last two axes (on and above `diagonal`); zeros below.

    As `torch.triu`.

    Args:
        x: a tensor of 2 or more dimensions.
        diagonal: which diagonal bounds the triangle.

    Returns:
        Tensor: the masked tensor.

    Examples:
        >>> mg.triu(mg.ones(3, 3), diagonal=1)
        tensor([[0., 1., 1.],
                [0., 0., 1.],
                [0., 0., 0.]])
    """
    return _triangle("triu", x, diagonal, False)


def _diagonal_index(xp, rows, cols, offset):
    start_row, start_col = (0, offset) if offset >= 0 else (-offset, 0)
    length = max(0, min(rows - start_row, cols - start_col))
    return xp.arange(length) + start_row, xp.arange(length) + start_col


@accepts_torch_keywords(dim1="axis1", dim2="axis2")
def diagonal(x, offset: int = 0, axis1: int = 0, axis2: int = 1):
    """The diagonal of axes (axis1, axis2), as a new last axis (PyTorch's dim1=/dim2=).

    As `torch.diagonal`.

    Args:
        x: a tensor of 2 or more dimensions.
        offset: which diagonal (as `diag`).
        axis1: the first axis.
        axis2: the second axis.

    Returns:
        Tensor: the diagonal, as the last axis.

    Examples:
        >>> mg.diagonal(mg.arange(6).reshape(2, 3))
        tensor([0, 4])
        >>> mg.diagonal(mg.arange(6).reshape(2, 3), offset=1)
        tensor([1, 5])
    """
    from .shaping import permute

    a, b = check_axis("diagonal", axis1, x.ndim), check_axis("diagonal", axis2, x.ndim)
    if a == b:
        raise ValueError("diagonal: axis1 and axis2 must differ")
    rest = [d for d in range(x.ndim) if d not in (a, b)]
    moved = permute(x, *rest, a, b)
    xp = backend_of_array(x.data).xp
    rows, cols = _diagonal_index(xp, x.shape[a], x.shape[b], as_int(offset, "diagonal", "offset"))
    return getitem(moved, (Ellipsis, constant(rows), constant(cols)))


def diag(x, diagonal: int = 0):
    """1-D x: the square matrix with x on its `diagonal`. 2-D x: that diagonal, 1-D.

    As `torch.diag`.

    Args:
        x: a 1-D or 2-D tensor.
        diagonal: 0 the main diagonal, > 0 above, < 0 below.

    Returns:
        Tensor: a 2-D matrix (from 1-D x) or 1-D diagonal (from 2-D x).

    Raises:
        ValueError: for other numbers of dimensions.

    Examples:
        >>> mg.diag(mg.tensor([1.0, 2.0]))
        tensor([[1., 0.],
                [0., 2.]])
        >>> mg.diag(mg.arange(6).reshape(2, 3))
        tensor([0, 4])
    """
    if x.ndim == 2:
        return globals()["diagonal"](x, diagonal)
    if x.ndim != 1:
        raise ValueError(f"diag: expects a 1-D or 2-D tensor, got shape {tuple(x.shape)}")
    n = x.shape[0] + abs(diagonal)
    xp = backend_of_array(x.data).xp
    rows, cols = _diagonal_index(xp, n, n, diagonal)
    return ScatterAdd.apply(x, shape=(n, n), index=(rows, cols))


@accepts_torch_keywords
def unflatten(x, axis: int, sizes):
    """Split axis `axis` into `sizes` (one may be -1).

    As `torch.unflatten`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).
        axis: the axis split (PyTorch's `dim`).
        sizes: the new sizes, whose product is that axis' length.

    Returns:
        Tensor: the reshaped tensor.

    Examples:
        >>> mg.unflatten(mg.zeros(2, 6), 1, (2, 3)).shape
        (2, 2, 3)
    """
    axis = check_axis("unflatten", axis, x.ndim)
    return reshape(x, tuple(x.shape[:axis]) + tuple(sizes) + tuple(x.shape[axis + 1:]))


@accepts_torch_keywords
def narrow(x, axis: int, start: int, length: int):
    """x[..., start:start + length, ...] along `axis` (start may be negative).

    As `torch.narrow`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).
        axis: the axis sliced (PyTorch's `dim`).
        start: the first index.
        length: how many entries.

    Returns:
        Tensor: the slice.

    Examples:
        >>> mg.narrow(mg.arange(6).reshape(2, 3), 1, 1, 2)
        tensor([[1, 2],
                [4, 5]])
    """
    axis = check_axis("narrow", axis, x.ndim)
    n = x.shape[axis]
    start, length = as_int(start, "narrow", "start"), as_int(length, "narrow", "length")
    if start < 0:
        start += n
    if not (0 <= start <= n and 0 <= length and start + length <= n):
        raise ValueError(f"narrow: start {start} and length {length} do not fit in an axis of "
                         f"length {n}")
    return getitem(x, (slice(None),) * axis + (slice(start, start + length),))


def meshgrid(*tensors, indexing: str = "ij"):
    """Coordinate grids from 1-D tensors; indexing "ij" (matrix, PyTorch's default) or "xy".

    As `torch.meshgrid`.

    Args:
        *tensors: 1-D tensors.
        indexing: "ij" or "xy".

    Returns:
        tuple[Tensor, ...]: one grid per input.

    Examples:
        >>> mg.meshgrid(mg.tensor([1, 2]), mg.tensor([3, 4, 5]))[0]
        tensor([[1, 1, 1],
                [2, 2, 2]])
    """
    if len(tensors) == 1 and isinstance(tensors[0], (tuple, list)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    for t in tensors:
        if t.ndim > 1:
            raise ValueError(f"meshgrid: expects 0-d or 1-D tensors, got shape {tuple(t.shape)}")
    tensors = [reshape(t, (-1,)) for t in tensors]
    shape = [t.shape[0] for t in tensors]
    if indexing == "xy" and len(tensors) >= 2:
        shape[0], shape[1] = shape[1], shape[0]
    grids = []
    for i, t in enumerate(tensors):
        axis = i
        if indexing == "xy" and i < 2 and len(tensors) >= 2:
            axis = 1 - i
        view = [1] * len(tensors)
        view[axis] = t.shape[0]
        grids.append(broadcast_to(reshape(t, tuple(view)), tuple(shape)))
    return tuple(grids)


class Pad(Op):
    """Constant padding; the gradient is the unpadded slice."""

    @staticmethod
    def forward(ctx, x, widths, value):
        ctx.window = tuple(slice(lo, lo + n) for (lo, _), n in zip(widths, x.shape))
        return ctx.xp.pad(x, widths, mode="constant", constant_values=value)

    @staticmethod
    def backward(ctx, g):
        return g[ctx.window]


def pad(x, pad, mode: str = "constant", value: float = 0.0):
    """PyTorch's F.pad: `pad` = (left, right) for the last axis, then (left, right) for the
    one before, ...; constant mode only (other modes raise).

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).
        pad: pairs of (before, after) counts, last axis first.
        mode: "constant" only.
        value: the fill value.

    Returns:
        Tensor: the padded tensor.

    Raises:
        ValueError: for an odd-length `pad`.
        NotImplementedError: for a mode other than "constant".

    Examples:
        >>> mg.pad(mg.tensor([1.0, 2.0]), (1, 2))
        tensor([0., 1., 2., 0., 0.])
        >>> mg.pad(mg.ones(1, 1), (0, 0, 1, 0), value=-1.0)
        tensor([[-1.],
                [ 1.]])
    """
    if mode != "constant":
        raise NotImplementedError(f"pad: mode {mode!r} is not supported; only 'constant'")
    pad = tuple(as_int(p, "pad", "a pad width") for p in pad)
    if len(pad) % 2 or len(pad) // 2 > x.ndim:
        raise ValueError(f"pad: expects (left, right) pairs for at most {x.ndim} axes, got {pad}")
    if any(p < 0 for p in pad):
        raise ValueError(f"pad: negative padding (cropping) is not supported, got {pad}; slice instead")
    widths = [(0, 0)] * x.ndim
    for i in range(len(pad) // 2):
        widths[x.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    return Pad.apply(x, widths=tuple(widths), value=value)
