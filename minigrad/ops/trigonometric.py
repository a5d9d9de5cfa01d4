"""Trigonometric and hyperbolic functions and their inverses, each with its derivative
as written on paper. Integer inputs become the default float dtype first (PyTorch)."""
from __future__ import annotations

from .base import Op, floating


class Sin(Op):
    @staticmethod
    def forward(ctx, x):
        return ctx.xp.sin(x)

    @staticmethod
    def backward(ctx, g):  # d sin x = cos x
        return g * ctx.run(Cos, ctx.values(g)[0])


class Cos(Op):
    @staticmethod
    def forward(ctx, x):
        return ctx.xp.cos(x)

    @staticmethod
    def backward(ctx, g):  # d cos x = -sin x
        return -g * ctx.run(Sin, ctx.values(g)[0])


class Tan(Op):
    @staticmethod
    def forward(ctx, x):
        return ctx.xp.tan(x)

    @staticmethod
    def backward(ctx, g):  # d tan x = 1 + tan² x
        y = ctx.output_value(g)
        return g * (y * y + 1)


class Asin(Op):
    @staticmethod
    def forward(ctx, x):
        return ctx.xp.arcsin(x)

    @staticmethod
    def backward(ctx, g):  # d asin x = 1 / √(1 - x²)
        (x,) = ctx.values(g)
        return g / ctx.run(_Sqrt, 1 - x * x)


class Acos(Op):
    @staticmethod
    def forward(ctx, x):
        return ctx.xp.arccos(x)

    @staticmethod
    def backward(ctx, g):  # d acos x = -1 / √(1 - x²)
        (x,) = ctx.values(g)
        return -g / ctx.run(_Sqrt, 1 - x * x)


class Atan(Op):
    @staticmethod
    def forward(ctx, x):
        return ctx.xp.arctan(x)

    @staticmethod
    def backward(ctx, g):  # d atan x = 1 / (1 + x²)
        (x,) = ctx.values(g)
        return g / (x * x + 1)


class Sinh(Op):
    @staticmethod
    def forward(ctx, x):
        return ctx.xp.sinh(x)

    @staticmethod
    def backward(ctx, g):  # d sinh x = cosh x
        return g * ctx.run(Cosh, ctx.values(g)[0])


class Cosh(Op):
    @staticmethod
    def forward(ctx, x):
        return ctx.xp.cosh(x)

    @staticmethod
    def backward(ctx, g):  # d cosh x = sinh x
        return g * ctx.run(Sinh, ctx.values(g)[0])


class Asinh(Op):
    @staticmethod
    def forward(ctx, x):
        return ctx.xp.arcsinh(x)

    @staticmethod
    def backward(ctx, g):  # d asinh x = 1 / √(x² + 1)
        (x,) = ctx.values(g)
        return g / ctx.run(_Sqrt, x * x + 1)


class Acosh(Op):
    @staticmethod
    def forward(ctx, x):
        return ctx.xp.arccosh(x)

    @staticmethod
    def backward(ctx, g):  # d acosh x = 1 / √(x² - 1)
        (x,) = ctx.values(g)
        return g / ctx.run(_Sqrt, x * x - 1)


class Atanh(Op):
    @staticmethod
    def forward(ctx, x):
        return ctx.xp.arctanh(x)

    @staticmethod
    def backward(ctx, g):  # d atanh x = 1 / (1 - x²)
        (x,) = ctx.values(g)
        return g / (1 - x * x)


def sin(x):
    """sin x elementwise.

    As `torch.sin`; also the method `x.sin()`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).

    Returns:
        Tensor: a new tensor of the same shape (integer inputs give the default float
            dtype).

    Examples:
        >>> mg.sin(mg.tensor([0.0, 1.0]))
        tensor([0.      , 0.841471])
        >>> x = mg.tensor([0.0, 1.0], requires_grad=True)
        >>> mg.sin(x).sum().backward()
        >>> x.grad
        array([1.       , 0.5403023], dtype=float32)
    """
    return Sin.apply(floating(x))


def cos(x):
    """cos x elementwise.

    As `torch.cos`; also the method `x.cos()`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).

    Returns:
        Tensor: a new tensor of the same shape (integer inputs give the default float
            dtype).

    Examples:
        >>> mg.cos(mg.tensor([0.0, 1.0]))
        tensor([1.       , 0.5403023])
    """
    return Cos.apply(floating(x))


def tan(x):
    """tan x elementwise.

    As `torch.tan`; also the method `x.tan()`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).

    Returns:
        Tensor: a new tensor of the same shape (integer inputs give the default float
            dtype).

    Examples:
        >>> mg.tan(mg.tensor([0.0, 1.0]))
        tensor([0.       , 1.5574077])
    """
    return Tan.apply(floating(x))


def asin(x):
    """arcsin x elementwise (NaN outside [-1, 1]).

    As `torch.asin`; also the method `x.asin()`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).

    Returns:
        Tensor: a new tensor of the same shape (integer inputs give the default float
            dtype).

    Examples:
        >>> mg.asin(mg.tensor([0.0, 0.5, 1.0]))
        tensor([0.       , 0.5235988, 1.5707964])
    """
    return Asin.apply(floating(x))


def acos(x):
    """arccos x elementwise (NaN outside [-1, 1]).

    As `torch.acos`; also the method `x.acos()`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).

    Returns:
        Tensor: a new tensor of the same shape (integer inputs give the default float
            dtype).

    Examples:
        >>> mg.acos(mg.tensor([0.0, 0.5, 1.0]))
        tensor([1.5707964, 1.0471976, 0.       ])
    """
    return Acos.apply(floating(x))


def atan(x):
    """arctan x elementwise.

    As `torch.atan`; also the method `x.atan()`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).

    Returns:
        Tensor: a new tensor of the same shape (integer inputs give the default float
            dtype).

    Examples:
        >>> mg.atan(mg.tensor([0.0, 1.0]))
        tensor([0.       , 0.7853982])
    """
    return Atan.apply(floating(x))


def sinh(x):
    """sinh x elementwise.

    As `torch.sinh`; also the method `x.sinh()`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).

    Returns:
        Tensor: a new tensor of the same shape (integer inputs give the default float
            dtype).

    Examples:
        >>> mg.sinh(mg.tensor([0.0, 1.0]))
        tensor([0.       , 1.1752012])
    """
    return Sinh.apply(floating(x))


def cosh(x):
    """cosh x elementwise.

    As `torch.cosh`; also the method `x.cosh()`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).

    Returns:
        Tensor: a new tensor of the same shape (integer inputs give the default float
            dtype).

    Examples:
        >>> mg.cosh(mg.tensor([0.0, 1.0]))
        tensor([1.       , 1.5430806])
    """
    return Cosh.apply(floating(x))


def asinh(x):
    """arsinh x elementwise.

    As `torch.asinh`; also the method `x.asinh()`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).

    Returns:
        Tensor: a new tensor of the same shape (integer inputs give the default float
            dtype).

    Examples:
        >>> mg.asinh(mg.tensor([0.0, 1.0]))
        tensor([0.       , 0.8813736])
    """
    return Asinh.apply(floating(x))


def acosh(x):
    """arcosh x elementwise (NaN below 1).

    As `torch.acosh`; also the method `x.acosh()`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).

    Returns:
        Tensor: a new tensor of the same shape (integer inputs give the default float
            dtype).

    Examples:
        >>> mg.acosh(mg.tensor([1.0, 2.0]))
        tensor([0.      , 1.316958])
    """
    return Acosh.apply(floating(x))


def atanh(x):
    """artanh x elementwise (NaN outside [-1, 1]).

    As `torch.atanh`; also the method `x.atanh()`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).

    Returns:
        Tensor: a new tensor of the same shape (integer inputs give the default float
            dtype).

    Examples:
        >>> mg.atanh(mg.tensor([0.0, 0.5]))
        tensor([0.        , 0.54930615])
    """
    return Atanh.apply(floating(x))


arcsin, arccos, arctan = asin, acos, atan  # NumPy's names
arcsinh, arccosh, arctanh = asinh, acosh, atanh

from .elementwise import Sqrt as _Sqrt
