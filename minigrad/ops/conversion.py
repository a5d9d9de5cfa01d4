"""Moving between backends (differentiable) and comparisons (not differentiable)."""
from __future__ import annotations

import operator

from ..backend import backend_of_array, get_backend
from .base import Op, constant, lift


class ToBackend(Op):
    """An explicit copy to another backend; the gradient is copied back."""

    @staticmethod
    def forward(ctx, x, target):
        source = backend_of_array(x)
        ctx.source = source.name
        return target.from_host(source.to_host(x))

    @staticmethod
    def backward(ctx, g):
        return ctx.run(ToBackend, g, target=get_backend(ctx.source))


def to_backend(x, backend):
    target = get_backend(backend)
    if backend_of_array(x.data) is target:
        return x
    return ToBackend.apply(x, target=target)


_COMPARISONS = {"lt": operator.lt, "le": operator.le, "gt": operator.gt,
                "ge": operator.ge, "eq": operator.eq, "ne": operator.ne}


def compare(name, a, b):
    """a < b and friends: a boolean tensor outside the graph."""
    if b is None:
        return name == "ne"
    a, b = lift(name, a, b)
    if a.shape != b.shape:
        xp = backend_of_array(a.data).xp
        try:
            xp.broadcast_shapes(a.shape, b.shape)
        except ValueError:
            raise ValueError(
                f"{name}: shapes {tuple(a.shape)} and {tuple(b.shape)} do not broadcast"
            ) from None
    return constant(_COMPARISONS[name](a.data, b.data))


_LOGICAL = {"and": operator.and_, "or": operator.or_, "xor": operator.xor}


def logical(name, a, b):
    """a & b, a | b, a ^ b on boolean tensors: a boolean tensor outside the graph."""
    a, b = lift(name, a, b)
    if a.dtype.kind != "b" or b.dtype.kind != "b":
        raise TypeError(
            f"{name}: & | ^ are defined for boolean tensors only, got {a.dtype} and {b.dtype}"
        )
    return constant(_LOGICAL[name](a.data, b.data))


def logical_not(x):
    if x.dtype.kind != "b":
        raise TypeError(f"~ is defined for boolean tensors only, not {x.dtype}")
    return constant(~x.data)
