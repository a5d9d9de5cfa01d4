"""Elementwise functions of one tensor. Each derivative uses the op's own output
where that is cheaper (exp, tanh, sigmoid), as one would on paper; masks and signs
are constants read off the input's array."""
from __future__ import annotations

from numpy import ndarray  # (only to recognise 0-d NumPy arrays: see Tanh)

from .. import elementwise_compiled as compiled
from ..function import apply_0d
from ..tensor import Tensor
from .base import FLOAT32, FLOAT64, Op, constant, floating


class Exp(Op):
    saves_output = True  # backward reads the output: writing into it in place is refused

    @staticmethod
    def forward(ctx, x):
        return ctx.xp.exp(x)

    @staticmethod
    def backward(ctx, g):  # d eˣ = eˣ
        return g * ctx.output_value(g)


class Log(Op):
    @staticmethod
    def forward(ctx, x):
        return ctx.xp.log(x)

    @staticmethod
    def backward(ctx, g):  # d ln x = 1/x
        return g / ctx.values(g)[0]


class Sqrt(Op):
    saves_output = True  # backward reads the output: writing into it in place is refused

    @staticmethod
    def forward(ctx, x):
        return ctx.xp.sqrt(x)

    @staticmethod
    def backward(ctx, g):  # d √x = 1 / (2√x)
        return g / (ctx.output_value(g) * 2)


class Tanh(Op):
    saves_output = True  # backward reads the output: writing into it in place is refused

    @staticmethod
    def forward(ctx, x):
        if type(x) is ndarray and not x.shape:  # scalar code: NumPy's ufunc on the scalar
            return ctx.xp.tanh(x[()])  # (the same loop, half the cost of a 0-d array's)
        out = compiled.tanh(ctx.xp, x)  # a large NumPy float32 array: compiled (else None)
        if out is not None:
            return out
        return ctx.xp.tanh(x)

    @staticmethod
    def backward(ctx, g):  # d tanh = 1 - tanh²
        if not isinstance(g, Tensor):
            y = ctx._output_data[0]
            if type(y) is ndarray and not y.shape:  # scalar code: on NumPy scalars, the
                y = y[()]  # products NumPy makes of 0-d arrays anyway, at a fifth of the cost
                return g * (1 - y * y)
        y = ctx.output_value(g)
        if isinstance(g, Tensor) or y.ndim == 0:  # (NumPy makes a 0-d product a scalar)
            return g * (1 - y * y)
        local = compiled.tanh_backward(ctx.xp, y, g)
        if local is not None:
            return local
        local = y * y  # on arrays: one new array, then in place (2 fewer temporaries)
        ctx.xp.subtract(1, local, out=local)
        local *= g
        return local


class Sigmoid(Op):
    saves_output = True  # backward reads the output: writing into it in place is refused

    @staticmethod
    def forward(ctx, x):
        # σ(x) = (1 + tanh(x/2)) / 2: no exp, so no overflow at |x| = 1000.
        y = compiled.sigmoid(ctx.xp, x)  # a large NumPy float32 array: compiled (else None)
        if y is not None:
            return y
        y = ctx.xp.tanh(x * 0.5)
        y += 1
        y *= 0.5
        return y

    @staticmethod
    def backward(ctx, g):  # dσ = σ (1 - σ)
        y = ctx.output_value(g)
        if isinstance(g, Tensor) or y.ndim == 0:
            return g * (y * (1 - y))
        local = compiled.sigmoid_backward(ctx.xp, y, g)
        if local is not None:
            return local
        local = 1 - y  # on arrays: one new array, then in place (2 fewer temporaries)
        local *= y
        local *= g
        return local


class Relu(Op):
    @staticmethod
    def forward(ctx, x):
        return ctx.xp.maximum(x, 0)

    @staticmethod
    def backward(ctx, g):  # 1 where x > 0, else 0
        return g * (ctx.inputs[0].data > 0)


class Abs(Op):
    @staticmethod
    def forward(ctx, x):
        return ctx.xp.abs(x)

    @staticmethod
    def backward(ctx, g):  # d|x| = sign(x) (0 at 0, as PyTorch)
        return g * ctx.xp.sign(ctx.inputs[0].data)


class Clip(Op):
    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.lo, ctx.hi = lo, hi
        return ctx.xp.clip(x, lo, hi)

    @staticmethod
    def backward(ctx, g):  # gradient passes where lo <= x <= hi (PyTorch's clamp)
        x = ctx.inputs[0].data
        mask = ctx.xp.ones(x.shape, dtype=bool)
        if ctx.lo is not None:
            mask &= x >= ctx.lo
        if ctx.hi is not None:
            mask &= x <= ctx.hi
        return g * mask


class Cast(Op):
    @staticmethod
    def forward(ctx, x, dtype):
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, g):
        return g.astype(ctx.inputs[0].dtype)


def exp(x):
    """eˣ elementwise.

    As `torch.exp`; also the method `x.exp()`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).

    Returns:
        Tensor: a new tensor of the same shape (integer inputs give the default float
            dtype).

    Examples:
        >>> mg.exp(mg.tensor([0.0, 1.0]))
        tensor([1.      , 2.718282])
        >>> x = mg.tensor([0.0, 1.0], requires_grad=True)
        >>> mg.exp(x).sum().backward()
        >>> x.grad
        array([1.      , 2.718282], dtype=float32)
    """
    return Exp.apply(floating(x))


def log(x):
    """Natural logarithm elementwise.

    As `torch.log`; also the method `x.log()`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).

    Returns:
        Tensor: a new tensor of the same shape (integer inputs give the default float
            dtype).

    Examples:
        >>> mg.log(mg.tensor([1.0, 2.0]))
        tensor([0.       , 0.6931472])
        >>> x = mg.tensor([1.0, 2.0], requires_grad=True)
        >>> mg.log(x).sum().backward()
        >>> x.grad
        array([1. , 0.5], dtype=float32)
    """
    return Log.apply(floating(x))


def sqrt(x):
    """√x elementwise.

    As `torch.sqrt`; also the method `x.sqrt()`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).

    Returns:
        Tensor: a new tensor of the same shape (integer inputs give the default float
            dtype).

    Examples:
        >>> mg.sqrt(mg.tensor([1.0, 4.0]))
        tensor([1., 2.])
        >>> x = mg.tensor([1.0, 4.0], requires_grad=True)
        >>> mg.sqrt(x).sum().backward()
        >>> x.grad
        array([0.5 , 0.25], dtype=float32)
    """
    return Sqrt.apply(floating(x))


def tanh(x):
    """tanh(x) elementwise.

    As `torch.tanh`; also the method `x.tanh()`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).

    Returns:
        Tensor: a new tensor of the same shape (integer inputs give the default float
            dtype).

    Examples:
        >>> mg.tanh(mg.tensor([0.0, 1.0]))
        tensor([0.       , 0.7615942])
        >>> x = mg.tensor([0.0, 1.0], requires_grad=True)
        >>> mg.tanh(x).sum().backward()
        >>> x.grad
        array([1.        , 0.41997433], dtype=float32)
    """
    if type(x) is Tensor:  # scalar code: a 0-d NumPy float, recorded by apply_0d
        data = x._data
        if type(data) is ndarray and not data.shape and (data.dtype is FLOAT32
                                                          or data.dtype is FLOAT64):
            # (forward takes the array, and computes on its scalar itself)
            return apply_0d(Tanh, (x,), (data,), x._requires_grad, x._version[0])
    return Tanh.apply(floating(x))


def sigmoid(x):
    """σ(x) = 1 / (1 + e⁻ˣ), computed through tanh (no overflow).

    As `torch.sigmoid`; also the method `x.sigmoid()`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).

    Returns:
        Tensor: a new tensor of the same shape (integer inputs give the default float
            dtype).

    Examples:
        >>> mg.sigmoid(mg.tensor([-1000.0, 0.0, 2.0]))
        tensor([0.       , 0.5      , 0.8807971])
        >>> x = mg.tensor([-1000.0, 0.0, 2.0], requires_grad=True)
        >>> mg.sigmoid(x).sum().backward()
        >>> x.grad
        array([0.        , 0.25      , 0.10499357], dtype=float32)
    """
    return Sigmoid.apply(floating(x))


def relu(x):
    """max(x, 0) elementwise.

    As `torch.relu`; also the method `x.relu()`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).

    Returns:
        Tensor: a new tensor of the same shape and dtype.

    Examples:
        >>> mg.relu(mg.tensor([-1.0, 0.0, 2.0]))
        tensor([0., 0., 2.])
        >>> x = mg.tensor([-1.0, 0.0, 2.0], requires_grad=True)
        >>> mg.relu(x).sum().backward()
        >>> x.grad
        array([0., 0., 1.], dtype=float32)
    """
    return Relu.apply(x)


def abs(x):
    """|x| elementwise (gradient 0 at 0, as PyTorch).

    As `torch.abs`; also the method `x.abs()`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).

    Returns:
        Tensor: a new tensor of the same shape and dtype.

    Examples:
        >>> mg.abs(mg.tensor([-1.5, 0.0, 2.0]))
        tensor([1.5, 0. , 2. ])
        >>> x = mg.tensor([-1.5, 0.0, 2.0], requires_grad=True)
        >>> mg.abs(x).sum().backward()
        >>> x.grad
        array([-1.,  0.,  1.], dtype=float32)
    """
    return Abs.apply(x)


def clip(x, lo=None, hi=None):
    """x limited to [lo, hi] (either bound may be None); gradient 1 inside, 0 outside.

    `mg.clip` (NumPy) and `mg.clamp` (PyTorch) are the same function; PyTorch spells the
    bounds `min=`/`max=`, here `lo`/`hi`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).
        lo: the lower bound, or None.
        hi: the upper bound, or None.

    Returns:
        Tensor: a new tensor of the same shape.

    Examples:
        >>> mg.clip(mg.tensor([-2.0, 0.5, 3.0]), 0.0, 1.0)
        tensor([0. , 0.5, 1. ])
        >>> mg.clamp(mg.tensor([-2.0, 0.5]), lo=0.0)
        tensor([0. , 0.5])
    """
    if lo is None and hi is None:
        raise ValueError("clip: give at least one of lo and hi")
    return Clip.apply(x, lo=lo, hi=hi)


def cast(x, dtype):
    if x.dtype == dtype:
        return x
    if x._requires_grad and dtype.kind != "f":
        return constant(x.data.astype(dtype))
    return Cast.apply(x, dtype=dtype)
