"""e_j = E o_j for a batch of indices: the rows `weight[indices]` of an embedding table.

It is `weight[indices]` with two things indexing alone cannot say: a `padding_idx`
whose row gets no gradient, and `sparse=True`, where the gradient of a leaf table is
a `RowSparseGrad` of the looked-up rows instead of a dense (V, D) table that is zero
almost everywhere (see `minigrad.sparse`). Backward to anything that is not a leaf,
or with `create_graph=True`, is the dense scatter, exactly as for indexing.
"""
from __future__ import annotations

from ..sparse import RowSparseGrad
from ..tensor import Tensor
from .base import Op
from .indexing import GetItem, ScatterAdd


class Embedding(Op):
    @staticmethod
    def forward(ctx, weight, indices, padding_idx, sparse):
        ctx.indices, ctx.padding_idx, ctx.sparse = indices, padding_idx, sparse
        return weight[indices]

    @staticmethod
    def backward(ctx, g):
        weight = ctx.inputs[0]
        rows = weight.shape[0]
        # dL/dE = Σ_k o_{j_k} (dL/de_{j_k})ᵀ: each looked-up row adds its gradient.
        index = ctx.indices.reshape(-1)
        grads = g.reshape(index.shape[0], *weight.shape[1:])
        if ctx.padding_idx is not None:
            keep = ctx.xp.nonzero(index != ctx.padding_idx)[0]
            index = index[keep]
            grads = ctx.run(GetItem, grads, index=keep)
        if ctx.sparse and weight._creator is None and not isinstance(g, Tensor):
            return RowSparseGrad(index, grads, weight.shape)
        return ctx.run(ScatterAdd, grads, shape=(rows, *weight.shape[1:]), index=index)


def embedding(weight: Tensor, indices, padding_idx: int | None = None, sparse: bool = False) -> Tensor:
    """weight[indices] with PyTorch's `padding_idx` and `sparse` gradient options.

    Raises ValueError for a negative `padding_idx` (torch.embedding reads -1 as "none",
    nn.functional.embedding as the last row: neither is guessed here).

    `indices` is an integer Tensor or backend array on `weight`'s backend, already in
    range, and `padding_idx` already in [0, rows) (nn.functional.embedding checks both).

    Args:
        weight: a (num_embeddings, dim) tensor.
        indices: an integer tensor of rows.
        padding_idx: a row whose gradient stays 0.
        sparse: give weight a `RowSparseGrad`.

    Returns:
        Tensor: shape `indices.shape + (dim,)`.

    Examples:
        >>> w = mg.tensor([[0.0, 0.0], [1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        >>> mg.embedding(w, mg.tensor([2, 1, 2])).sum().backward()
        >>> w.grad
        array([[0., 0.],
               [1., 1.],
               [2., 2.]], dtype=float32)
    """
    if padding_idx is not None and padding_idx < 0:
        raise ValueError(
            f"mg.embedding: padding_idx {padding_idx} is negative; pass None for no padding row "
            "or a row in [0, rows) (nn.functional.embedding also accepts negative rows)"
        )
    if isinstance(indices, Tensor):
        indices = indices.data
    return Embedding.apply(weight, indices=indices, padding_idx=padding_idx, sparse=bool(sparse))
