"""Normalisation layers, PyTorch's signatures: layer norm, vector norm, batch norm.

layer_norm: y = (x - μ) / √(σ² + ε) · γ + β over the last len(normalized_shape) axes, with
the biased variance σ² (as PyTorch). `nn.LayerNorm` holds γ (`weight`, ones) and β
(`bias`, zeros) of shape `normalized_shape`.

`nn.BatchNorm1d`, the course's batch norm: z̃ = γ · (z - μ) / sqrt(σ² + ε) + β, with μ and
σ² taken over the mini-batch in training and over an exponential average of the
mini-batches at test time (see `nn.functional_conv.batch_norm`).
"""
from __future__ import annotations

from typing import Any

import minigrad as mg

from .functional_conv import batch_norm
from .module import Module, Parameter


def _normalized_shape(normalized_shape: Any) -> tuple:
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    for n in shape:
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise TypeError(f"layer_norm: normalized_shape must hold non-negative ints, got {shape}")
    return shape


def layer_norm(x: mg.Tensor, normalized_shape: Any, weight: mg.Tensor | None = None,
               bias: mg.Tensor | None = None, eps: float = 1e-5) -> mg.Tensor:
    """Normalise x over its trailing `normalized_shape` axes, then scale and shift.

    As `torch.nn.functional.layer_norm`: y = (x - μ) / √(σ² + ε) · γ + β with the
    biased variance σ², per sample (unlike batch norm, nothing is shared across the batch).

    Args:
        x: a Tensor whose trailing axes are `normalized_shape`.
        normalized_shape: an int or a tuple of the trailing axes' sizes.
        weight: γ of shape `normalized_shape`, or None.
        bias: β of shape `normalized_shape`, or None.
        eps: ε added to the variance.

    Returns:
        A Tensor of `x`'s shape.

    Raises:
        TypeError: `normalized_shape` holds something other than non-negative ints.
        ValueError: `x`'s trailing shape is not `normalized_shape`.

    Examples:
        >>> y = nn.functional.layer_norm(mg.tensor([[1.0, 2.0, 3.0]]), 3)
        >>> y.numpy().round(4)
        array([[-1.2247,  0.    ,  1.2247]], dtype=float32)
    """
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
    """x / max(‖x‖_p, eps) along `dim`: unit vectors, as `torch.nn.functional.normalize`.

    Args:
        x: a Tensor.
        p: the norm's exponent (2 is Euclidean, 1 the sum of absolute values).
        dim: the axis holding the vectors.
        eps: the smallest norm divided by (a zero vector stays zero).

    Returns:
        A Tensor of `x`'s shape.

    Examples:
        >>> nn.functional.normalize(mg.tensor([[3.0, 4.0]])).tolist()
        [[0.6000000238418579, 0.800000011920929]]
        >>> nn.functional.normalize(mg.tensor([[3.0, 1.0]]), p=1).tolist()
        [[0.75, 0.25]]
    """
    if p == 2.0:
        norm = (x * x).sum(axis=dim, keepdims=True).sqrt()
    elif p == 1.0:
        norm = x.abs().sum(axis=dim, keepdims=True)
    else:
        norm = (x.abs() ** p).sum(axis=dim, keepdims=True) ** (1.0 / p)
    return x / norm.clip(eps, None)


class LayerNorm(Module):
    """Layer normalisation with learnable `weight` γ (ones) and `bias` β (zeros).

    As `torch.nn.LayerNorm`: y = (x - μ) / √(σ² + ε) · γ + β over the trailing
    `normalized_shape` axes (see `nn.functional.layer_norm`).

    Args:
        normalized_shape: an int or tuple: the trailing axes normalised over.
        eps: ε added to the variance.
        elementwise_affine: False registers no γ and β.
        bias: False registers no β (PyTorch 2.1's option).
        dtype: parameter dtype; None is the default dtype.
        backend: "numpy" or "cupy"; None is the default backend.

    Raises:
        TypeError: a bad `normalized_shape`.

    Examples:
        >>> norm = nn.LayerNorm(4)
        >>> norm
        LayerNorm((4,), eps=1e-05, elementwise_affine=True)
        >>> y = norm(mg.arange(8.0).reshape(2, 4))
        >>> y.shape, y.mean(axis=-1).abs().max().item() < 1e-6
        ((2, 4), True)
    """

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
        """Normalise `x` over its trailing `normalized_shape` axes, then apply γ and β.

        Args:
            x: a Tensor whose trailing shape is `normalized_shape`.

        Returns:
            A Tensor of `x`'s shape.

        Raises:
            ValueError: `x`'s trailing shape is not `normalized_shape`.

        Examples:
            >>> nn.LayerNorm(2)(mg.tensor([[0.0, 2.0]])).numpy().round(3)
            array([[-1.,  1.]], dtype=float32)
        """
        return layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        """The constructor arguments shown in the repr, as PyTorch prints them.

        Returns:
            `'(shape), eps=..., elementwise_affine=...'`.

        Examples:
            >>> nn.LayerNorm((2, 3), elementwise_affine=False).extra_repr()
            '(2, 3), eps=1e-05, elementwise_affine=False'
        """
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")

class BatchNorm1d(Module):
    """Batch normalisation over (N, C) or (N, C, L) inputs, as `torch.nn.BatchNorm1d`.

    The course's batch norm: z̃ = γ · (z - μ) / √(σ² + ε) + β, with μ and σ² taken over
    the mini-batch (and L) in training, and over an exponential average of the
    mini-batches at test time: running ← (1 - momentum) running + momentum · batch
    (PyTorch's convention: momentum is the new batch's weight, and the running
    variance is the unbiased one). Parameters `weight` (γ, ones) and `bias` (β, zeros)
    when `affine`; buffers `running_mean` (zeros), `running_var` (ones) and
    `num_batches_tracked` when `track_running_stats`, so a PyTorch state_dict loads as
    is. `momentum=None` uses the cumulative average 1/num_batches_tracked, as PyTorch.

    Args:
        num_features: C, the channel axis 1.
        eps: ε added to the variance.
        momentum: the weight of each new batch in the running statistics, or None.
        affine: False registers no γ and β.
        track_running_stats: False always uses batch statistics (no buffers).
        dtype: parameter dtype; None is the default dtype.
        backend: "numpy" or "cupy"; None is the default backend.

    Examples:
        >>> bn = nn.BatchNorm1d(2)
        >>> x = mg.tensor([[0.0, 10.0], [2.0, 30.0]])
        >>> bn(x).numpy().round(3)
        array([[-1., -1.],
               [ 1.,  1.]], dtype=float32)
        >>> bn.running_mean.numpy().round(3), int(bn.num_batches_tracked.item())
        (array([0.1, 2. ], dtype=float32), 1)
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, dtype: Any = None,
                 backend: str | None = None):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = Parameter(mg.ones(num_features, dtype=dtype, backend=backend))
            self.bias = Parameter(mg.zeros(num_features, dtype=dtype, backend=backend))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", mg.zeros(num_features, dtype=dtype, backend=backend))
            self.register_buffer("running_var", mg.ones(num_features, dtype=dtype, backend=backend))
            self.register_buffer("num_batches_tracked", mg.tensor(0, backend=backend))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def forward(self, x: mg.Tensor) -> mg.Tensor:
        """Normalise `x` per channel; in training also update the running statistics.

        Args:
            x: (N, C) or (N, C, L) with C = num_features.

        Returns:
            A Tensor of `x`'s shape.

        Raises:
            ValueError: `x` is not (N, C) or (N, C, L) with C = num_features.

        Examples:
            >>> bn = nn.BatchNorm1d(3).eval()
            >>> bn(mg.ones(2, 3, 5)).shape
            (2, 3, 5)
            >>> bn(mg.ones(2, 4))
            Traceback (most recent call last):
            ...
            ValueError: BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True) expects (N, 3) or (N, 3, L) input, got shape (2, 4)
        """
        if x.ndim not in (2, 3) or x.shape[1] != self.num_features:
            raise ValueError(f"{self!r} expects (N, {self.num_features}) or (N, {self.num_features}, L) "
                             f"input, got shape {tuple(x.shape)}")
        momentum = 0.0 if self.momentum is None else self.momentum
        track = self.training and self.track_running_stats
        if track and self.momentum is None:  # the cumulative average over the batches seen
            momentum = 1.0 / (self.num_batches_tracked.item() + 1)
        # Batch statistics in training, and always without running ones (PyTorch).
        use_batch = self.training or not self.track_running_stats
        out = batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                         use_batch, momentum, self.eps)
        if track:  # counted only once the batch went through (a failed call changes nothing)
            self.num_batches_tracked.data = self.num_batches_tracked.data + 1
        return out

    def extra_repr(self) -> str:
        """The constructor arguments shown in the repr, as PyTorch prints them.

        Returns:
            `'C, eps=..., momentum=..., affine=..., track_running_stats=...'`.

        Examples:
            >>> nn.BatchNorm1d(4, momentum=None).extra_repr()
            '4, eps=1e-05, momentum=None, affine=True, track_running_stats=True'
        """
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"track_running_stats={self.track_running_stats}")
