"""Word-vector functions: the embedding lookup e_j = E o_j and cosine similarity.

Re-exported by `nn.functional` (`F.embedding`, `F.cosine_similarity`), with
PyTorch's signatures and semantics. A separate module so the losses in
`functional.py` and these evolve without stepping on each other.
"""
from __future__ import annotations

from typing import Any

import numpy as np

import minigrad as mg


def embedding(input: Any, weight: mg.Tensor, padding_idx: int | None = None, max_norm: float | None = None,
              norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False) -> mg.Tensor:
    """Rows of `weight` (V, D) for the integer indices `input`: shape input.shape + (D,).

    As `torch.nn.functional.embedding` (note PyTorch's argument order: indices first).
    In the course's notation, for a word j, e_j = E o_j. `padding_idx` (negative counts
    from the end) names a row that receives no gradient; `sparse=True` makes the
    gradient of a leaf `weight` a `mg.RowSparseGrad` of the looked-up rows, which
    `nn.optim.SGD` and `nn.optim.SparseAdam` apply to those rows only.

    Args:
        input: integer indices (Tensor, list or array) of any shape.
        weight: the (V, D) table.
        padding_idx: a row that gets no gradient.
        max_norm: not implemented; must be None.
        norm_type: accepted for PyTorch's signature.
        scale_grad_by_freq: not implemented; must be False.
        sparse: produce a row-sparse gradient for `weight`.

    Returns:
        A Tensor of shape `input.shape + (D,)`.

    Raises:
        IndexError: an index outside [0, V), named.
        TypeError: non-integer indices.
        ValueError: `weight` is not 2-D or `padding_idx` is out of range.
        NotImplementedError: `max_norm` or `scale_grad_by_freq` given.

    Examples:
        >>> E = mg.tensor([[0.0, 0.0], [1.0, 2.0], [3.0, 4.0]])
        >>> nn.functional.embedding(mg.tensor([[2, 1]]), E).tolist()
        [[[3.0, 4.0], [1.0, 2.0]]]
        >>> nn.functional.embedding([3], E)
        Traceback (most recent call last):
        ...
        IndexError: nn.functional.embedding: index 3 is out of range; valid indices are [0, 3)
    """
    from .functional import _as_index_tensor, _check_index_range

    if max_norm is not None or scale_grad_by_freq:
        raise NotImplementedError(
            "nn.functional.embedding: max_norm and scale_grad_by_freq are not implemented in "
            "minigrad; renormalise rows explicitly (weight.data[...] /= norms) if you need them"
        )
    if weight.ndim != 2:
        raise ValueError(f"nn.functional.embedding: weight must be 2-D (num_embeddings, embedding_dim), "
                         f"got shape {tuple(weight.shape)}")
    rows = weight.shape[0]
    if padding_idx is not None:
        if not -rows <= padding_idx < rows:
            raise ValueError(f"nn.functional.embedding: padding_idx {padding_idx} is out of range for "
                             f"{rows} embeddings")
        padding_idx %= rows
    indices = _as_index_tensor(input, weight.backend, "nn.functional.embedding")
    _check_index_range(indices, rows, "nn.functional.embedding", ignore_index=None)
    return mg.embedding(weight, indices, padding_idx=padding_idx, sparse=sparse)


def cosine_similarity(x1: mg.Tensor, x2: mg.Tensor, dim: int = 1, eps: float = 1e-8) -> mg.Tensor:
    """cos θ = x1 · x2 / (max(‖x1‖, eps) max(‖x2‖, eps)) along `dim`, broadcasting x1 and x2.

    PyTorch's definition (`torch.nn.functional.cosine_similarity`): each vector is
    divided by its own clamped norm, so two long vectors never overflow and a zero
    vector gives 0, not NaN. The course uses it to find analogies (e_man - e_woman ≈
    e_king - e_queen).

    Args:
        x1: a Tensor.
        x2: a Tensor that broadcasts with `x1`.
        dim: the axis holding the vectors.
        eps: the smallest norm divided by.

    Returns:
        A Tensor with `dim` removed.

    Raises:
        TypeError: an argument that is not a Tensor.
        ValueError: `dim` out of range or shapes that do not broadcast.

    Examples:
        >>> a = mg.tensor([[1.0, 0.0], [1.0, 1.0]])
        >>> b = mg.tensor([[0.0, 1.0]])
        >>> nn.functional.cosine_similarity(a, b).numpy().round(4)
        array([0.    , 0.7071], dtype=float32)
        >>> nn.functional.cosine_similarity(mg.zeros(1, 2), b).tolist()
        [0.0]
    """
    if not isinstance(x1, mg.Tensor) or not isinstance(x2, mg.Tensor):
        raise TypeError(f"nn.functional.cosine_similarity expects two Tensors, got "
                        f"{type(x1).__name__} and {type(x2).__name__}")
    ndim = max(x1.ndim, x2.ndim)
    if not -ndim <= dim < max(ndim, 1):
        raise ValueError(f"nn.functional.cosine_similarity: dim {dim} is out of range for inputs of "
                         f"shapes {tuple(x1.shape)} and {tuple(x2.shape)}")
    if tuple(x1.shape) != tuple(x2.shape):
        try:
            shape = np.broadcast_shapes(tuple(x1.shape), tuple(x2.shape))
        except ValueError as exc:
            raise ValueError(f"nn.functional.cosine_similarity: shapes {tuple(x1.shape)} and "
                             f"{tuple(x2.shape)} do not broadcast") from exc
        x1, x2 = x1.broadcast_to(shape), x2.broadcast_to(shape)
    # max(‖x‖, eps) as sqrt(max(‖x‖², eps²)): the same value, and a zero vector's
    # gradient is 0 rather than 0 · ∞ through the square root.
    norm1 = mg.maximum((x1 * x1).sum(axis=dim, keepdims=True), eps * eps).sqrt()
    norm2 = mg.maximum((x2 * x2).sum(axis=dim, keepdims=True), eps * eps).sqrt()
    return ((x1 / norm1) * (x2 / norm2)).sum(axis=dim)
