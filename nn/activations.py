"""Activation functions, as PyTorch's `torch.nn.functional` has them, built from minigrad's
differentiable primitives. Branches that could overflow are fed clipped inputs, so an
unused branch never turns a zero gradient into 0 · inf = NaN; at each kink the gradient
is the one PyTorch picks (hardtanh-style functions: 0 at their bounds).

nn.functional re-exports all of them; `nn.GELU()`, `nn.SiLU()`, ... are the module forms.
"""
from __future__ import annotations

import math

import minigrad as mg
from minigrad.keywords import accepts_torch_keywords

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def leaky_relu(x: mg.Tensor, negative_slope: float = 0.01) -> mg.Tensor:
    """x for x > 0, negative_slope · x otherwise.

    As `torch.nn.functional.leaky_relu` (at 0 the gradient is negative_slope, as PyTorch).

    Args:
        x: any Tensor.
        negative_slope: the slope for x <= 0.

    Returns:
        A Tensor of `x`'s shape.

    Examples:
        >>> x = mg.tensor([-2.0, 0.0, 1.5])
        >>> nn.functional.leaky_relu(x, 0.1).numpy().round(4)
        array([-0.2,  0. ,  1.5], dtype=float32)
    """
    return mg.where(x > 0, x, x * negative_slope)


def _negative_expm1(x: mg.Tensor, alpha: float) -> mg.Tensor:
    """α (e^x - 1) computed on min(x, 0): what elu and celu use for x ≤ 0."""
    return mg.expm1(x.clip(None, 0.0)) * alpha


def elu(x: mg.Tensor, alpha: float = 1.0) -> mg.Tensor:
    """x for x > 0, α (eˣ - 1) otherwise.

    As `torch.nn.functional.elu`. The exponential is fed min(x, 0), so a large positive x never makes the unused branch overflow into a NaN gradient.

    Args:
        x: any Tensor.
        alpha: α.

    Returns:
        A Tensor of `x`'s shape.

    Examples:
        >>> x = mg.tensor([-2.0, 0.0, 1.5])
        >>> nn.functional.elu(x).numpy().round(4)
        array([-0.8647,  0.    ,  1.5   ], dtype=float32)
    """
    return mg.where(x > 0, x, _negative_expm1(x, alpha))


def selu(x: mg.Tensor) -> mg.Tensor:
    """scale · elu(x, α) with the self-normalising constants of Klambauer et al.

    As `torch.nn.functional.selu`: α ≈ 1.6733, scale ≈ 1.0507, which keep activations near zero mean and unit variance through deep stacks.

    Args:
        x: any Tensor.

    Returns:
        A Tensor of `x`'s shape.

    Examples:
        >>> x = mg.tensor([-2.0, 0.0, 1.5])
        >>> nn.functional.selu(x).numpy().round(4)
        array([-1.5202,  0.    ,  1.5761], dtype=float32)
    """
    return elu(x, SELU_ALPHA) * SELU_SCALE


def celu(x: mg.Tensor, alpha: float = 1.0) -> mg.Tensor:
    """x for x > 0, α (e^(x/α) - 1) otherwise.

    As `torch.nn.functional.celu`: like ELU but continuously differentiable for every α.

    Args:
        x: any Tensor.
        alpha: α, not 0.

    Returns:
        A Tensor of `x`'s shape.

    Raises:
        ValueError: alpha is 0.

    Examples:
        >>> x = mg.tensor([-2.0, 0.0, 1.5])
        >>> nn.functional.celu(x, alpha=2.0).numpy().round(4)
        array([-1.2642,  0.    ,  1.5   ], dtype=float32)
        >>> nn.functional.celu(x, alpha=0.0)
        Traceback (most recent call last):
        ...
        ValueError: celu: alpha must not be 0
    """
    if alpha == 0:
        raise ValueError("celu: alpha must not be 0")
    return mg.where(x > 0, x, _negative_expm1(x * (1.0 / alpha), alpha))


def gelu(x: mg.Tensor, approximate: str = "none") -> mg.Tensor:
    """x Φ(x) = x (1 + erf(x / √2)) / 2, the Transformer's activation.

    As `torch.nn.functional.gelu`; approximate="tanh" uses PyTorch's approximation x (1 + tanh(√(2/π) (x + 0.044715 x³))) / 2.

    Args:
        x: any Tensor.
        approximate: "none" (exact, with erf) or "tanh".

    Returns:
        A Tensor of `x`'s shape.

    Raises:
        ValueError: approximate is neither "none" nor "tanh".

    Examples:
        >>> x = mg.tensor([-2.0, 0.0, 1.5])
        >>> nn.functional.gelu(x).numpy().round(4)
        array([-0.0455,  0.    ,  1.3998], dtype=float32)
        >>> nn.functional.gelu(x, approximate="tanh").numpy().round(4)
        array([-0.0454,  0.    ,  1.3996], dtype=float32)
    """
    if approximate == "none":
        return x * (mg.erf(x * (1.0 / math.sqrt(2.0))) + 1.0) * 0.5
    if approximate == "tanh":
        inner = (x + x * x * x * 0.044715) * math.sqrt(2.0 / math.pi)
        return x * (inner.tanh() + 1.0) * 0.5
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def silu(x: mg.Tensor) -> mg.Tensor:
    """x σ(x) (also called swish).

    As `torch.nn.functional.silu`.

    Args:
        x: any Tensor.

    Returns:
        A Tensor of `x`'s shape.

    Examples:
        >>> x = mg.tensor([-2.0, 0.0, 1.5])
        >>> nn.functional.silu(x).numpy().round(4)
        array([-0.2384,  0.    ,  1.2264], dtype=float32)
    """
    return x * x.sigmoid()


def softplus(x: mg.Tensor, beta: float = 1.0, threshold: float = 20.0) -> mg.Tensor:
    """ln(1 + e^(βx)) / β, a smooth ReLU; x itself where βx > threshold.

    As `torch.nn.functional.softplus`, including its linear regime above `threshold`; the exponential is fed clipped inputs, so it never overflows.

    Args:
        x: any Tensor.
        beta: β, the sharpness.
        threshold: above this βx the result is x.

    Returns:
        A Tensor of `x`'s shape.

    Examples:
        >>> x = mg.tensor([-2.0, 0.0, 1.5])
        >>> nn.functional.softplus(x).numpy().round(4)
        array([0.1269, 0.6931, 1.7014], dtype=float32)
        >>> nn.functional.softplus(mg.tensor([1000.0])).tolist()
        [1000.0]
    """
    scaled = x * beta
    smooth = mg.log1p(scaled.clip(None, threshold).exp()) * (1.0 / beta)
    return mg.where(scaled > threshold, x, smooth)


def mish(x: mg.Tensor) -> mg.Tensor:
    """x tanh(softplus(x)).

    As `torch.nn.functional.mish`.

    Args:
        x: any Tensor.

    Returns:
        A Tensor of `x`'s shape.

    Examples:
        >>> x = mg.tensor([-2.0, 0.0, 1.5])
        >>> nn.functional.mish(x).numpy().round(4)
        array([-0.2525,  0.    ,  1.4034], dtype=float32)
    """
    return x * softplus(x).tanh()


def softsign(x: mg.Tensor) -> mg.Tensor:
    """x / (1 + |x|).

    As `torch.nn.functional.softsign`: tanh's shape with polynomial tails.

    Args:
        x: any Tensor.

    Returns:
        A Tensor of `x`'s shape.

    Examples:
        >>> x = mg.tensor([-2.0, 0.0, 1.5])
        >>> nn.functional.softsign(x).numpy().round(4)
        array([-0.6667,  0.    ,  0.6   ], dtype=float32)
    """
    return x / (x.abs() + 1.0)


def logsigmoid(x: mg.Tensor) -> mg.Tensor:
    """ln σ(x), stable both ways.

    As `torch.nn.functional.logsigmoid`: x - ln(1 + eˣ) for x < 0 and -ln(1 + e⁻ˣ) otherwise, so neither side overflows.

    Args:
        x: any Tensor.

    Returns:
        A Tensor of `x`'s shape.

    Examples:
        >>> nn.functional.logsigmoid(mg.tensor([-100.0, 0.0, 100.0])).numpy().round(4)
        array([-100.    ,   -0.6931,   -0.    ], dtype=float32)
    """
    negative = x - mg.log1p(x.clip(None, 0.0).exp())
    positive = -mg.log1p((-x.clip(0.0, None)).exp())
    return mg.where(x < 0, negative, positive)


def hardtanh(x: mg.Tensor, min_val: float = -1.0, max_val: float = 1.0) -> mg.Tensor:
    """x clipped to [min_val, max_val].

    As `torch.nn.functional.hardtanh`: the gradient is 1 strictly inside, 0 at and beyond the bounds (unlike `clip`, whose gradient is 1 at the bounds).

    Args:
        x: any Tensor.
        min_val: the lower bound.
        max_val: the upper bound.

    Returns:
        A Tensor of `x`'s shape.

    Raises:
        ValueError: min_val is greater than max_val.

    Examples:
        >>> x = mg.tensor([-2.0, 0.0, 1.5])
        >>> nn.functional.hardtanh(x).tolist()
        [-1.0, 0.0, 1.0]
        >>> nn.functional.hardtanh(x, 1.0, -1.0)
        Traceback (most recent call last):
        ...
        ValueError: hardtanh: min_val 1.0 is greater than max_val -1.0
    """
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val {min_val} is greater than max_val {max_val}")
    inside = (x > min_val) & (x < max_val)
    return mg.where(inside, x, x.clip(min_val, max_val).detach())


def relu6(x: mg.Tensor) -> mg.Tensor:
    """min(max(x, 0), 6).

    As `torch.nn.functional.relu6` (hardtanh on [0, 6]).

    Args:
        x: any Tensor.

    Returns:
        A Tensor of `x`'s shape.

    Examples:
        >>> nn.functional.relu6(mg.tensor([-1.0, 3.0, 8.0])).tolist()
        [0.0, 3.0, 6.0]
    """
    return hardtanh(x, 0.0, 6.0)


def hardsigmoid(x: mg.Tensor) -> mg.Tensor:
    """relu6(x + 3) / 6: 0 below -3, 1 above 3, linear between.

    As `torch.nn.functional.hardsigmoid`, a cheap piecewise-linear σ.

    Args:
        x: any Tensor.

    Returns:
        A Tensor of `x`'s shape.

    Examples:
        >>> nn.functional.hardsigmoid(mg.tensor([-4.0, 0.0, 1.5, 4.0])).tolist()
        [0.0, 0.5, 0.75, 1.0]
    """
    return hardtanh(x, -3.0, 3.0) * (1.0 / 6.0) + 0.5


def hardswish(x: mg.Tensor) -> mg.Tensor:
    """x · hardsigmoid(x).

    As `torch.nn.functional.hardswish` (MobileNetV3's cheap swish).

    Args:
        x: any Tensor.

    Returns:
        A Tensor of `x`'s shape.

    Examples:
        >>> x = mg.tensor([-2.0, 0.0, 1.5])
        >>> nn.functional.hardswish(x).numpy().round(4)
        array([-0.3333,  0.    ,  1.125 ], dtype=float32)
    """
    return x * hardsigmoid(x)


@accepts_torch_keywords
def softmin(x: mg.Tensor, axis: int = -1) -> mg.Tensor:
    """softmax(-x) along `axis`.

    As `torch.nn.functional.softmin`; PyTorch's `dim=` is accepted for `axis`.

    Args:
        x: a Tensor.
        axis: the axis that sums to one (PyTorch's dim).

    Returns:
        A Tensor of `x`'s shape.

    Examples:
        >>> x = mg.tensor([-2.0, 0.0, 1.5])
        >>> nn.functional.softmin(x, dim=0).numpy().round(4)
        array([0.858 , 0.1161, 0.0259], dtype=float32)
    """
    return (-x).softmax(axis)


def tanhshrink(x: mg.Tensor) -> mg.Tensor:
    """x - tanh x.

    As `torch.nn.functional.tanhshrink`.

    Args:
        x: any Tensor.

    Returns:
        A Tensor of `x`'s shape.

    Examples:
        >>> x = mg.tensor([-2.0, 0.0, 1.5])
        >>> nn.functional.tanhshrink(x).numpy().round(4)
        array([-1.036 ,  0.    ,  0.5949], dtype=float32)
    """
    return x - x.tanh()


ACTIVATIONS = ("leaky_relu", "elu", "selu", "celu", "gelu", "silu", "softplus", "mish",
               "softsign", "logsigmoid", "hardtanh", "relu6", "hardsigmoid", "hardswish",
               "softmin", "tanhshrink")
