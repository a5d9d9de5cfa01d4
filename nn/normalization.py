"""Layer normalisation and vector normalisation, PyTorch's signatures.

layer_norm: y = (x - μ) / √(σ² + ε) · γ + β over the last len(normalized_shape) axes, with
the biased variance σ² (as PyTorch). `nn.LayerNorm` holds γ (`weight`, ones) and β
(`bias`, zeros) of shape `normalized_shape`.
"""
from __future__ import annotations

from typing import Any

import minigrad as mg

from .module import Module, Parameter


def _normalized_shape(normalized_shape: Any) -> tuple:
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    for n in shape:
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise TypeError(f"layer_norm: normalized_shape must hold non-negative ints, got {shape}")
    return shape


def layer_norm(x: mg.Tensor, normalized_shape: Any, weight: mg.Tensor | None = None,
               bias: mg.Tensor | None = None, eps: float = 1e-5) -> mg.Tensor:
    """Normalise x over its trailing `normalized_shape` axes, then scale and shift."""
    shape = _normalized_shape(normalized_shape)
    if tuple(x.shape[x.ndim - len(shape):]) != shape or len(shape) > x.ndim:
        raise ValueError(f"layer_norm: the input's trailing shape must be {shape}, got input "
                         f"shape {tuple(x.shape)}")
    axes = tuple(range(x.ndim - len(shape), x.ndim))
    mean = x.mean(axis=axes, keepdims=True)
    centered = x - mean
    variance = (centered * centered).mean(axis=axes, keepdims=True)
    y = centered * (variance + eps).rsqrt()
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


def normalize(x: mg.Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> mg.Tensor:
    """x / max(‖x‖_p, eps) along `dim` (PyTorch's F.normalize)."""
    if p == 2.0:
        norm = (x * x).sum(axis=dim, keepdims=True).sqrt()
    elif p == 1.0:
        norm = x.abs().sum(axis=dim, keepdims=True)
    else:
        norm = (x.abs() ** p).sum(axis=dim, keepdims=True) ** (1.0 / p)
    return x / norm.clip(eps, None)


class LayerNorm(Module):
    """layer_norm with learnable `weight` γ (ones) and `bias` β (zeros) of `normalized_shape`."""

    def __init__(self, normalized_shape: Any, eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True, dtype: Any = None, backend: str | None = None):
        super().__init__()
        self.normalized_shape = _normalized_shape(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(mg.ones(self.normalized_shape, dtype=dtype, backend=backend))
            if bias:
                self.bias = Parameter(mg.zeros(self.normalized_shape, dtype=dtype, backend=backend))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, x: mg.Tensor) -> mg.Tensor:
        return layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")
