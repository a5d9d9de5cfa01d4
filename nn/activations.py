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
    """x for x > 0, negative_slope · x otherwise."""
    return mg.where(x > 0, x, x * negative_slope)


def _negative_expm1(x: mg.Tensor, alpha: float) -> mg.Tensor:
    """α (e^x - 1) computed on min(x, 0): what elu and celu use for x ≤ 0."""
    return mg.expm1(x.clip(None, 0.0)) * alpha


def elu(x: mg.Tensor, alpha: float = 1.0) -> mg.Tensor:
    """x for x > 0, α (eˣ - 1) otherwise."""
    return mg.where(x > 0, x, _negative_expm1(x, alpha))


def selu(x: mg.Tensor) -> mg.Tensor:
    """scale · elu(x, α) with the self-normalising constants of Klambauer et al."""
    return elu(x, SELU_ALPHA) * SELU_SCALE


def celu(x: mg.Tensor, alpha: float = 1.0) -> mg.Tensor:
    """x for x > 0, α (e^(x/α) - 1) otherwise."""
    if alpha == 0:
        raise ValueError("celu: alpha must not be 0")
    return mg.where(x > 0, x, _negative_expm1(x * (1.0 / alpha), alpha))


def gelu(x: mg.Tensor, approximate: str = "none") -> mg.Tensor:
    """x Φ(x) = x (1 + erf(x / √2)) / 2; approximate="tanh" uses
    x (1 + tanh(√(2/π) (x + 0.044715 x³))) / 2, as PyTorch."""
    if approximate == "none":
        return x * (mg.erf(x * (1.0 / math.sqrt(2.0))) + 1.0) * 0.5
    if approximate == "tanh":
        inner = (x + x * x * x * 0.044715) * math.sqrt(2.0 / math.pi)
        return x * (inner.tanh() + 1.0) * 0.5
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def silu(x: mg.Tensor) -> mg.Tensor:
    """x σ(x) (also called swish)."""
    return x * x.sigmoid()


def softplus(x: mg.Tensor, beta: float = 1.0, threshold: float = 20.0) -> mg.Tensor:
    """ln(1 + e^(βx)) / β, and x itself where βx > threshold (PyTorch's linear regime)."""
    scaled = x * beta
    smooth = mg.log1p(scaled.clip(None, threshold).exp()) * (1.0 / beta)
    return mg.where(scaled > threshold, x, smooth)


def mish(x: mg.Tensor) -> mg.Tensor:
    """x tanh(softplus(x))."""
    return x * softplus(x).tanh()


def softsign(x: mg.Tensor) -> mg.Tensor:
    """x / (1 + |x|)."""
    return x / (x.abs() + 1.0)


def logsigmoid(x: mg.Tensor) -> mg.Tensor:
    """ln σ(x), stable both ways: x - ln(1 + eˣ) for x < 0, -ln(1 + e⁻ˣ) otherwise."""
    negative = x - mg.log1p(x.clip(None, 0.0).exp())
    positive = -mg.log1p((-x.clip(0.0, None)).exp())
    return mg.where(x < 0, negative, positive)


def hardtanh(x: mg.Tensor, min_val: float = -1.0, max_val: float = 1.0) -> mg.Tensor:
    """x clipped to [min_val, max_val]; the gradient is 1 strictly inside, 0 at and beyond
    the bounds (PyTorch's hardtanh, unlike clamp)."""
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val {min_val} is greater than max_val {max_val}")
    inside = (x > min_val) & (x < max_val)
    return mg.where(inside, x, x.clip(min_val, max_val).detach())


def relu6(x: mg.Tensor) -> mg.Tensor:
    """min(max(x, 0), 6)."""
    return hardtanh(x, 0.0, 6.0)


def hardsigmoid(x: mg.Tensor) -> mg.Tensor:
    """relu6(x + 3) / 6: 0 below -3, 1 above 3, linear between."""
    return hardtanh(x, -3.0, 3.0) * (1.0 / 6.0) + 0.5


def hardswish(x: mg.Tensor) -> mg.Tensor:
    """x · hardsigmoid(x)."""
    return x * hardsigmoid(x)


@accepts_torch_keywords
def softmin(x: mg.Tensor, axis: int = -1) -> mg.Tensor:
    """softmax(-x) along `axis`."""
    return (-x).softmax(axis)


def tanhshrink(x: mg.Tensor) -> mg.Tensor:
    """x - tanh x."""
    return x - x.tanh()


ACTIVATIONS = ("leaky_relu", "elu", "selu", "celu", "gelu", "silu", "softplus", "mish",
               "softsign", "logsigmoid", "hardtanh", "relu6", "hardsigmoid", "hardswish",
               "softmin", "tanhshrink")
