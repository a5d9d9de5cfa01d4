"""t[index]: basic and integer-array indexing. Backward scatters the gradient back,
with repeated indices accumulating (through the backend's one scatter-add)."""
from __future__ import annotations

from ..backend import NUMPY, backend_of_array, is_host_array
from ..tensor import Tensor
from .base import Op


def raw_index(index, backend=None):
    """An index with Tensors replaced by their arrays, and host index arrays moved to
    `backend` (the user handed them over explicitly, as CuPy accepts them)."""
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(raw_index(i, backend) for i in index)
    if isinstance(index, list) and any(isinstance(i, Tensor) for i in index):
        return [raw_index(i, backend) for i in index]
    if backend is not None and is_host_array(index) and backend is not NUMPY:
        return backend.from_host(index)
    return index


def _is_basic(index) -> bool:
    """Slices, ints, None and Ellipsis only: no element can be picked twice."""
    items = index if isinstance(index, tuple) else (index,)
    return all(i is None or i is Ellipsis or isinstance(i, (int, slice)) for i in items)


class GetItem(Op):
    # basic indexing views the input's storage (one version counter); integer arrays copy
    storage_view = staticmethod(lambda kwargs: _is_basic(kwargs["index"]))

    @staticmethod
    def forward(ctx, x, index):
        ctx.index = index
        return x[index]

    @staticmethod
    def backward(ctx, g):
        return ctx.run(ScatterAdd, g, shape=ctx.inputs[0].shape, index=ctx.index)


class ScatterAdd(Op):
    """zeros(shape)[index] += g: the adjoint of indexing."""

    @staticmethod
    def forward(ctx, g, shape, index):
        ctx.index = index
        out = ctx.xp.zeros(shape, dtype=g.dtype)
        if _is_basic(index):
            out[index] = g
        else:
            backend_of_array(out).scatter_add(out, index, g)
        return out

    @staticmethod
    def backward(ctx, gg):
        return ctx.run(GetItem, gg, index=ctx.index)


def getitem(x, index):
    return GetItem.apply(x, index=raw_index(index, backend_of_array(x.data)))
