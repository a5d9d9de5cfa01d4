"""The standard layers: Linear, Embedding, Dropout and the three activations.

Each layer's parameters, names, shapes and default initialisation match PyTorch's,
so weights copy across in either direction and PyTorch can serve as the oracle.
"""
from __future__ import annotations

from typing import Any

import minigrad as mg

from . import functional as F
from . import init
from .module import Module, Parameter


def _count(layer: str, name: str, value: Any) -> int:
    """A size argument: a non-negative int (not 2.5, not True), or a TypeError naming it."""
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise TypeError(f"{layer}: {name} must be an int, got {type(value).__name__} {value!r}")
    value = int(value.__index__())
    if value < 0:
        raise ValueError(f"{layer}: {name} must be non-negative, got {value}")
    return value


class Linear(Module):
    """y = x @ W.T + b over the last axis of x (any leading shape).

    `weight` is (out_features, in_features) and `bias` (out_features,), both drawn
    from U(-1/sqrt(in_features), 1/sqrt(in_features)) exactly as PyTorch's
    nn.Linear (kaiming_uniform_ with a=sqrt(5) for the weight).
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 dtype: Any = None, backend: str | None = None):
        super().__init__()
        in_features = _count("Linear", "in_features", in_features)
        out_features = _count("Linear", "out_features", out_features)
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(mg.zeros(out_features, in_features, dtype=dtype, backend=backend))
        if bias:
            self.bias = Parameter(mg.zeros(out_features, dtype=dtype, backend=backend))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default initialisation (the one nn.Linear uses)."""
        init.linear_default_(self.weight, self.bias)

    @mg.composite("Linear")
    def forward(self, x: mg.Tensor) -> mg.Tensor:
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ValueError(
                f"{self!r} expects {self.in_features} input features on the last axis, "
                f"got {x.shape[-1] if x.ndim else 'a 0-d tensor'} (input shape {tuple(x.shape)})"
            )
        out = x @ self.weight.T
        return out + self.bias if self.bias is not None else out

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Embedding(Module):
    """A lookup table: row `i` of `weight` (num_embeddings, embedding_dim) for index `i`.

    In the course's notation `weight` is the embedding matrix E (one row e_j per word
    j, i.e. Eᵀ of the course's column layout), and `embedding(j)` is e_j = E o_j.
    Indices are any integer Tensor (or list / array); the output has their shape
    plus `embedding_dim`. Repeated indices accumulate their gradients. With
    `padding_idx`, that row starts at zero and receives no gradient, as in PyTorch.
    With `sparse=True` the gradient of `weight` is a `mg.RowSparseGrad` of the
    looked-up rows (see `minigrad.sparse`), for `nn.optim.SGD` or `nn.optim.SparseAdam`.
    Weights are N(0, 1), as in PyTorch.
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                 sparse: bool = False, dtype: Any = None, backend: str | None = None):
        super().__init__()
        num_embeddings = _count("Embedding", "num_embeddings", num_embeddings)
        embedding_dim = _count("Embedding", "embedding_dim", embedding_dim)
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"padding_idx {padding_idx} is out of range for {num_embeddings} embeddings")
            padding_idx = padding_idx % num_embeddings
        if max_norm is not None or scale_grad_by_freq:
            raise NotImplementedError("nn.Embedding: max_norm and scale_grad_by_freq are not implemented")
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.padding_idx = padding_idx
        self.sparse = bool(sparse)
        self.weight = Parameter(mg.zeros(num_embeddings, embedding_dim, dtype=dtype, backend=backend))
        self.reset_parameters()

    @classmethod
    def from_pretrained(cls, embeddings: Any, freeze: bool = True, padding_idx: int | None = None,
                        max_norm: float | None = None, norm_type: float = 2.0,
                        scale_grad_by_freq: bool = False, sparse: bool = False) -> Embedding:
        """An Embedding whose weight is `embeddings` (a 2-D Tensor or array), as PyTorch.

        The weight shares `embeddings`' array (no copy, so fine-tuning changes it, as
        in PyTorch); `freeze=True` makes it `requires_grad=False`. The padding row
        keeps its pretrained values (it only receives no gradient).
        """
        tensor = embeddings if isinstance(embeddings, mg.Tensor) else mg.Tensor(embeddings)
        data = tensor.data
        shape = tuple(data.shape)
        if len(shape) != 2:
            raise ValueError(f"Embedding.from_pretrained: embeddings must be 2-D (num_embeddings, "
                             f"embedding_dim), got shape {shape}")
        layer = cls.__new__(cls)
        Module.__init__(layer)
        if padding_idx is not None:
            if not -shape[0] <= padding_idx < shape[0]:
                raise ValueError(f"padding_idx {padding_idx} is out of range for {shape[0]} embeddings")
            padding_idx %= shape[0]
        if max_norm is not None or scale_grad_by_freq:
            raise NotImplementedError("nn.Embedding: max_norm and scale_grad_by_freq are not implemented")
        layer.num_embeddings, layer.embedding_dim = shape
        layer.padding_idx = padding_idx
        layer.sparse = bool(sparse)
        weight = Parameter(tensor, requires_grad=not freeze)
        weight.data = data  # the very array given, as PyTorch's from_pretrained shares it
        layer.weight = weight
        return layer

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with mg.no_grad():
                self.weight.data[self.padding_idx] = 0

    @mg.composite("Embedding")
    def forward(self, indices: Any) -> mg.Tensor:
        return F.embedding(indices, self.weight, self.padding_idx, sparse=self.sparse)

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx}"
        return text + (", sparse=True" if self.sparse else "")


class Dropout(Module):
    """Inverted dropout: in training, zero each element with probability p and scale
    the survivors by 1/(1-p); in eval mode, the identity."""

    def __init__(self, p: float = 0.5):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout probability must be in [0, 1], got {p}")
        self.p = p

    @mg.composite("Dropout")
    def forward(self, x: mg.Tensor) -> mg.Tensor:
        return F.dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class Tanh(Module):
    """Elementwise tanh."""

    def forward(self, x: mg.Tensor) -> mg.Tensor:
        return x.tanh()


class ReLU(Module):
    """Elementwise max(x, 0)."""

    def forward(self, x: mg.Tensor) -> mg.Tensor:
        return x.relu()


class Sigmoid(Module):
    """Elementwise 1 / (1 + exp(-x))."""

    def forward(self, x: mg.Tensor) -> mg.Tensor:
        return x.sigmoid()
