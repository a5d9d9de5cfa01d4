"""+ - * / ** and @: forward and backward side by side, as written on paper.

Each `backward` works on values (arrays, or Tensors for higher-order gradients:
see `Op`)."""
from __future__ import annotations

from ..tensor import Tensor
from .base import Op, constant, floating, lift, reduce_to, scalar_binary


class Add(Op):
    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, g):  # d(a+b)/da = 1, d(a+b)/db = 1
        if ctx._scalars is not None and not isinstance(g, Tensor):  # scalar code: one
            a, b = ctx.inputs  # shape and dtype, so nothing to un-broadcast (see apply_0d)
            return (g if a._requires_grad else None, g if b._requires_grad else None)
        a, b = ctx.values(g)
        need_a, need_b = ctx.needs_grad
        return (reduce_to(g, a) if need_a else None, reduce_to(g, b) if need_b else None)


class Sub(Op):
    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, g):  # d(a-b)/da = 1, d(a-b)/db = -1
        a, b = ctx.values(g)
        need_a, need_b = ctx.needs_grad
        return (reduce_to(g, a) if need_a else None, reduce_to(-g, b) if need_b else None)


class Mul(Op):
    @staticmethod
    def forward(ctx, a, b):
        return a * b

    @staticmethod
    def backward(ctx, g):  # d(ab)/da = b, d(ab)/db = a
        scalars = ctx._scalars
        if scalars is not None and not isinstance(g, Tensor):  # scalar code: on the NumPy
            a, b = scalars  # scalars forward took (see apply_0d), no reduce_to needed
            x, y = ctx.inputs
            return (g * b if x._requires_grad else None, g * a if y._requires_grad else None)
        need_a, need_b = ctx.needs_grad
        a, b = ctx.values(g)
        return (reduce_to(g * b, a) if need_a else None,
                reduce_to(g * a, b) if need_b else None)


class Div(Op):
    saves_output = True  # backward reads the output: writing into it in place is refused

    @staticmethod
    def forward(ctx, a, b):
        return a / b

    @staticmethod
    def backward(ctx, g):  # d(a/b)/da = 1/b, d(a/b)/db = -a/b² = -(a/b)/b
        a, b = ctx.values(g)
        need_a, need_b = ctx.needs_grad
        g_over_b = g / b  # (on the 0-d array: NumPy's warning at b = 0 says "divide")
        return (reduce_to(g_over_b, a) if need_a else None,
                reduce_to(-g_over_b * ctx.output_value(g), b) if need_b else None)


class Neg(Op):
    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, g):
        return -g


class PowScalar(Op):
    """a ** p for a Python number p."""

    @staticmethod
    def forward(ctx, a, exponent):
        ctx.exponent = exponent
        return a ** exponent

    @staticmethod
    def backward(ctx, g):  # d(a^p)/da = p a^(p-1)
        (a,) = ctx.values(g)
        p = ctx.exponent
        if p == 0:
            return g * 0
        if p == 1:
            return g
        if p == 2:
            return g * (a * 2)
        return g * (p * a ** (p - 1))


class Pow(Op):
    """a ** b with a tensor exponent."""
    saves_output = True  # backward reads the output: writing into it in place is refused

    @staticmethod
    def forward(ctx, a, b):
        return a ** b

    @staticmethod
    def backward(ctx, g):  # d(a^b)/da = b a^(b-1), d(a^b)/db = a^b ln a
        a, b = ctx.values(g)
        need_a, need_b = ctx.needs_grad
        grad_a = None
        if need_a:  # b a^(b-1), and 0 where b = 0 (PyTorch: not 0 * inf = NaN at a = 0)
            exponent = ctx.inputs[1].data
            local = ctx.run(Where, ctx.xp.zeros((), dtype=g.dtype), b * a ** (b - 1),
                            condition=exponent == 0)
            grad_a = reduce_to(g * local, a)
        grad_b = None
        if need_b:
            # 0 ** b has no useful log: PyTorch's convention gives it zero gradient.
            base = ctx.inputs[0].data
            safe_a = ctx.run(Where, ctx.xp.ones((), dtype=base.dtype), a, condition=base == 0)
            grad_b = reduce_to(g * ctx.output_value(g) * ctx.run(Log, safe_a), b)
        return grad_a, grad_b


class MatMul(Op):
    @staticmethod
    def forward(ctx, a, b):
        return a @ b

    @staticmethod
    def backward(ctx, g):  # d(AB)/dA = G Bᵀ, d(AB)/dB = Aᵀ G (vectors as rows/columns)
        a, b = ctx.values(g)
        need_a, need_b = ctx.needs_grad
        grad_a = grad_b = None
        if a.ndim == 1 and b.ndim == 1:
            grad_a, grad_b = (g * b if need_a else None), (g * a if need_b else None)
        elif a.ndim == 1:  # (n,) @ (..., n, m) -> (..., m)
            if need_a:
                grad_a = reduce_to((g[..., None, :] @ b.swapaxes(-1, -2))[..., 0, :], a)
            if need_b:
                grad_b = reduce_to(a[:, None] * g[..., None, :], b)
        elif b.ndim == 1:  # (..., n, k) @ (k,) -> (..., n)
            if need_a:
                grad_a = reduce_to(g[..., :, None] * b, a)
            if need_b:
                grad_b = reduce_to((a.swapaxes(-1, -2) @ g[..., :, None])[..., 0], b)
        else:
            if need_a:
                grad_a = reduce_to(g @ b.swapaxes(-1, -2), a)
            if need_b:
                if a.ndim == 2 and b.ndim == 2 and not isinstance(b, Tensor) \
                        and b.flags.f_contiguous and not b.flags.c_contiguous:
                    # b is a transposed view (x @ W.T, as nn.Linear multiplies): (gᵀ A)ᵀ is
                    # the same Aᵀ G laid out as b, so W's gradient arrives C-contiguous and
                    # reaches W.grad with a plain copy, not a transposing one (PyTorch's rule)
                    grad_b = (g.T @ a).T
                else:
                    grad_b = reduce_to(a.swapaxes(-1, -2) @ g, b)
        return grad_a, grad_b


def add(a, b):
    out = scalar_binary(Add, a, b)  # scalar code's shortcut (None: not scalar code)
    return Add.apply(*lift("add", a, b)) if out is None else out


def sub(a, b):
    out = scalar_binary(Sub, a, b)  # scalar code's shortcut (None: not scalar code)
    return Sub.apply(*lift("sub", a, b)) if out is None else out


def mul(a, b):
    out = scalar_binary(Mul, a, b)  # scalar code's shortcut (None: not scalar code)
    return Mul.apply(*lift("mul", a, b)) if out is None else out


def div(a, b):
    a, b = lift("div", a, b)
    if a.dtype.kind != "f":  # true division of integers gives floats, as in PyTorch
        from ..backend import get_default_dtype

        a, b = constant(a.data.astype(get_default_dtype())), constant(b.data.astype(get_default_dtype()))
    return Div.apply(a, b)


def neg(a):
    return Neg.apply(a)


def pow(a, b):
    if isinstance(a, Tensor) and isinstance(b, (int, float)) and not isinstance(b, bool):
        if isinstance(b, float) or (a.dtype.kind == "b"):  # int ** 0.5 is a float, as PyTorch
            a = floating(a) if isinstance(b, float) else a.astype("int64")
        return PowScalar.apply(a, exponent=b)
    return Pow.apply(*lift("pow", a, b))


def matmul(a, b):
    """Matrix product with NumPy's rules (1-D operands, broadcast batch axes).

    As `torch.matmul`; also `a @ b`.

    Args:
        a: a tensor (1-D or more).
        b: a tensor (1-D or more); batch axes broadcast.

    Returns:
        Tensor: the product, as `a @ b`.

    Raises:
        ValueError: when the inner sizes differ (naming both shapes).

    Examples:
        >>> a = mg.tensor([[1.0, 2.0], [3.0, 4.0]])
        >>> mg.matmul(a, mg.tensor([1.0, 1.0]))
        tensor([3., 7.])
        >>> a @ a
        tensor([[ 7., 10.],
                [15., 22.]])
    """
    a, b = lift("matmul", a, b)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(
            f"matmul: both operands need at least one dimension, got shapes "
            f"{tuple(a.shape)} and {tuple(b.shape)}; use * for scaling"
        )
    inner_a = a.shape[-1]
    inner_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if inner_a != inner_b:
        raise ValueError(
            f"matmul: shapes {tuple(a.shape)} and {tuple(b.shape)} are not aligned: the last "
            f"axis of the left operand ({inner_a}) must equal the "
            f"{'only' if b.ndim == 1 else 'second-to-last'} axis of the right ({inner_b})"
        )
    return MatMul.apply(a, b)


# Imported last: Pow's backward uses them, and they import this package's base.
from .elementwise import Log
from .joining import Where
