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
    """The affine map y = x Wᵀ + b over the last axis of x (any leading shape).

    As `torch.nn.Linear`: `weight` is (out_features, in_features) and `bias`
    (out_features,), both drawn from U(-1/√in_features, 1/√in_features), exactly as
    PyTorch (kaiming_uniform_ with a=√5 for the weight), so weights copy across.

    Args:
        in_features: size of the input's last axis.
        out_features: size of the output's last axis.
        bias: False registers `bias = None` (no additive term).
        dtype: parameter dtype; None is the default dtype (`mg.set_default_dtype`).
        backend: "numpy" or "cupy"; None is the default backend.

    Raises:
        TypeError: a size that is not an int.
        ValueError: a negative size.

    Examples:
        >>> mg.manual_seed(0)
        >>> layer = nn.Linear(3, 2)
        >>> layer
        Linear(in_features=3, out_features=2, bias=True)
        >>> layer(mg.ones(5, 4, 3)).shape
        (5, 4, 2)
        >>> nn.Linear(3, 2, bias=False).bias is None
        True
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
        """Draw fresh weights with PyTorch's default initialisation for nn.Linear.

        Weight and bias from U(-1/√in_features, 1/√in_features) (see `nn.init.linear_default_`),
        in place, from minigrad's generator (`mg.manual_seed`).

        Examples:
            >>> mg.manual_seed(0)
            >>> layer = nn.Linear(4, 3)
            >>> layer.reset_parameters()
            >>> bool((layer.weight.abs() <= 0.5).all())
            True
        """
        init.linear_default_(self.weight, self.bias)

    @mg.composite("Linear")
    def forward(self, x: mg.Tensor) -> mg.Tensor:
        """Compute x Wᵀ + b for `x` of shape (..., in_features).

        Args:
            x: a Tensor whose last axis has `in_features` entries.

        Returns:
            A Tensor of shape (..., out_features).

        Raises:
            ValueError: the last axis of `x` is not `in_features` long (or `x` is 0-d).

        Examples:
            >>> layer = nn.Linear(2, 1)
            >>> with mg.no_grad():
            ...     layer.weight.data[...] = 1.0
            ...     layer.bias.data[...] = 0.5
            >>> layer(mg.tensor([[1.0, 2.0]])).tolist()
            [[3.5]]
            >>> layer(mg.ones(3))
            Traceback (most recent call last):
            ...
            ValueError: Linear(in_features=2, out_features=1, bias=True) expects 2 input features on the last axis, got 3 (input shape (3,))
        """
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ValueError(
                f"{self!r} expects {self.in_features} input features on the last axis, "
                f"got {x.shape[-1] if x.ndim else 'a 0-d tensor'} (input shape {tuple(x.shape)})"
            )
        out = x @ self.weight.T
        return out + self.bias if self.bias is not None else out

    def extra_repr(self) -> str:
        """The constructor arguments shown in the repr, as PyTorch prints them.

        Returns:
            `'in_features=..., out_features=..., bias=...'`.

        Examples:
            >>> nn.Linear(3, 2, bias=False).extra_repr()
            'in_features=3, out_features=2, bias=False'
        """
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Embedding(Module):
    """A lookup table: row `i` of `weight` (num_embeddings, embedding_dim) for index `i`.

    As `torch.nn.Embedding`. In the course's notation `weight` is the embedding matrix
    E (one row e_j per word j, i.e. Eᵀ of the course's column layout), and looking up
    j gives e_j = E o_j. Indices are any integer Tensor (or list / array); the output
    has their shape plus `embedding_dim`. Repeated indices accumulate their gradients.
    With `padding_idx`, that row starts at zero and receives no gradient. With
    `sparse=True` the gradient of `weight` is a `mg.RowSparseGrad` of the looked-up
    rows, for `nn.optim.SGD` or `nn.optim.SparseAdam`. Weights are N(0, 1), as PyTorch.

    Args:
        num_embeddings: the vocabulary size (number of rows).
        embedding_dim: the size of each vector.
        padding_idx: a row kept at zero that gets no gradient (negative counts from the end).
        max_norm: not implemented (PyTorch's renormalisation); must be None.
        norm_type: accepted for PyTorch's signature (used only with max_norm).
        scale_grad_by_freq: not implemented; must be False.
        sparse: give `weight` a row-sparse gradient.
        dtype: parameter dtype; None is the default dtype.
        backend: "numpy" or "cupy"; None is the default backend.

    Raises:
        TypeError: a size that is not an int.
        ValueError: a negative size or an out-of-range `padding_idx`.
        NotImplementedError: `max_norm` or `scale_grad_by_freq` given.

    Examples:
        >>> mg.manual_seed(0)
        >>> emb = nn.Embedding(10, 4, padding_idx=0)
        >>> emb
        Embedding(10, 4, padding_idx=0)
        >>> emb(mg.tensor([[1, 2, 0]])).shape
        (1, 3, 4)
        >>> emb(mg.tensor([0])).tolist()
        [[0.0, 0.0, 0.0, 0.0]]
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

        The weight shares `embeddings`' array (no copy, so fine-tuning changes it, as in
        PyTorch); `freeze=True` makes it `requires_grad=False`. The padding row keeps its
        pretrained values (it only receives no gradient).

        Args:
            embeddings: a 2-D Tensor or array (num_embeddings, embedding_dim).
            freeze: True (the default, as PyTorch) keeps the weight out of training.
            padding_idx: a row that gets no gradient (it keeps its pretrained values).
            max_norm: not implemented; must be None.
            norm_type: accepted for PyTorch's signature.
            scale_grad_by_freq: not implemented; must be False.
            sparse: give `weight` a row-sparse gradient.

        Returns:
            A new Embedding.

        Raises:
            ValueError: `embeddings` is not 2-D, or `padding_idx` is out of range.
            NotImplementedError: `max_norm` or `scale_grad_by_freq` given.

        Examples:
            >>> table = np.array([[0.0, 1.0], [2.0, 3.0]], dtype=np.float32)
            >>> emb = nn.Embedding.from_pretrained(table)
            >>> emb.weight.requires_grad, emb(mg.tensor([1, 1])).tolist()
            (False, [[2.0, 3.0], [2.0, 3.0]])
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
        """Draw fresh N(0, 1) weights (PyTorch's default), then zero the padding row, in place.

        Examples:
            >>> mg.manual_seed(0)
            >>> emb = nn.Embedding(3, 2, padding_idx=1)
            >>> emb.reset_parameters()
            >>> emb.weight[1].tolist()
            [0.0, 0.0]
        """
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with mg.no_grad():
                self.weight.data[self.padding_idx] = 0

    @mg.composite("Embedding")
    def forward(self, indices: Any) -> mg.Tensor:
        """Look up the rows of `weight` named by `indices`.

        Args:
            indices: an integer Tensor, list or array of any shape, values in [0, num_embeddings).

        Returns:
            A Tensor of shape `indices.shape + (embedding_dim,)`.

        Raises:
            IndexError: an index out of range (see `nn.functional.embedding`).
            TypeError: non-integer indices.

        Examples:
            >>> emb = nn.Embedding.from_pretrained(mg.tensor([[1.0, 0.0], [0.0, 1.0]]))
            >>> emb([1, 0, 1]).tolist()
            [[0.0, 1.0], [1.0, 0.0], [0.0, 1.0]]
        """
        return F.embedding(indices, self.weight, self.padding_idx, sparse=self.sparse)

    def extra_repr(self) -> str:
        """The constructor arguments shown in the repr, as PyTorch prints them.

        Returns:
            `'num, dim'`, plus `padding_idx=` and `sparse=True` when set.

        Examples:
            >>> nn.Embedding(5, 3, sparse=True).extra_repr()
            '5, 3, sparse=True'
        """
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx}"
        return text + (", sparse=True" if self.sparse else "")


class Dropout(Module):
    """Inverted dropout, as `torch.nn.Dropout`.

    In training mode each element is zeroed with probability p and the survivors are
    scaled by 1/(1-p), so the expected value is unchanged and eval mode (where it is
    the identity) needs no rescaling. The mask comes from minigrad's generator.

    Args:
        p: the probability of zeroing an element, in [0, 1].

    Raises:
        ValueError: `p` outside [0, 1].

    Examples:
        >>> mg.manual_seed(0)
        >>> drop = nn.Dropout(0.5)
        >>> sorted(set(drop(mg.ones(100)).tolist()))
        [0.0, 2.0]
        >>> drop.eval()(mg.ones(3)).tolist()
        [1.0, 1.0, 1.0]
    """

    def __init__(self, p: float = 0.5):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout probability must be in [0, 1], got {p}")
        self.p = p

    @mg.composite("Dropout")
    def forward(self, x: mg.Tensor) -> mg.Tensor:
        """Apply dropout to `x` in training mode; return `x` unchanged in eval mode.

        Args:
            x: any Tensor.

        Returns:
            A Tensor of `x`'s shape.

        Examples:
            >>> nn.Dropout(0.0)(mg.tensor([1.0, 2.0])).tolist()
            [1.0, 2.0]
        """
        return F.dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        """The drop probability shown in the repr.

        Returns:
            `'p=...'`.

        Examples:
            >>> nn.Dropout(0.25)
            Dropout(p=0.25)
        """
        return f"p={self.p}"


class Tanh(Module):
    """Elementwise tanh, as `torch.nn.Tanh`: a<t> = tanh(...) in the course's RNNs.

    Examples:
        >>> nn.Tanh()(mg.tensor([-1.0, 0.0, 1.0])).numpy().round(4)
        array([-0.7616,  0.    ,  0.7616], dtype=float32)
    """

    def forward(self, x: mg.Tensor) -> mg.Tensor:
        """Return tanh(x), elementwise.

        Args:
            x: any Tensor.

        Returns:
            A Tensor of `x`'s shape, values in (-1, 1).

        Examples:
            >>> nn.Tanh()(mg.zeros(2)).tolist()
            [0.0, 0.0]
        """
        return x.tanh()


class ReLU(Module):
    """Elementwise max(x, 0), as `torch.nn.ReLU` (the gradient at 0 is 0).

    Examples:
        >>> nn.ReLU()(mg.tensor([-1.0, 0.0, 2.0])).tolist()
        [0.0, 0.0, 2.0]
    """

    def forward(self, x: mg.Tensor) -> mg.Tensor:
        """Return max(x, 0), elementwise.

        Args:
            x: any Tensor.

        Returns:
            A Tensor of `x`'s shape.

        Examples:
            >>> nn.ReLU()(mg.tensor([[-3.0, 3.0]])).tolist()
            [[0.0, 3.0]]
        """
        return x.relu()


class Sigmoid(Module):
    """Elementwise σ(x) = 1 / (1 + e⁻ˣ), as `torch.nn.Sigmoid` (the course's gates Γ use it).

    Examples:
        >>> nn.Sigmoid()(mg.tensor([0.0, 2.0])).numpy().round(4)
        array([0.5   , 0.8808], dtype=float32)
    """

    def forward(self, x: mg.Tensor) -> mg.Tensor:
        """Return σ(x) = 1 / (1 + e⁻ˣ), elementwise.

        Args:
            x: any Tensor.

        Returns:
            A Tensor of `x`'s shape, values in (0, 1).

        Examples:
            >>> nn.Sigmoid()(mg.zeros(3)).tolist()
            [0.5, 0.5, 0.5]
        """
        return x.sigmoid()
