"""Row-sparse gradients: the gradient of an embedding table that a batch touched in a few rows.

The adjoint of a lookup `weight[indices]` is zero except on the looked-up rows, so
writing it as a dense (V, D) table costs O(V × D) per step for a batch that touched
n << V rows: allocating and zeroing the table, scattering into it, and then an
optimizer step and a `zero_grad` over every row. With `sparse=True`
(`nn.Embedding(..., sparse=True)`, `nn.functional.embedding(..., sparse=True)`, as
in PyTorch) the lookup's backward instead hands a leaf table a `RowSparseGrad`:
the row indices and the (n, D) rows of gradient, duplicates not yet summed (what
PyTorch calls an uncoalesced sparse COO tensor). It becomes the leaf's `.grad`;
`nn.optim.SGD` (no momentum) and `nn.optim.SparseAdam` update only those rows, and
`to_dense()` gives the ordinary array when one is wanted. Dense gradients and
every other op are untouched by any of this.

Adding works in every mix: sparse + sparse concatenates the rows, sparse + dense
is a dense copy with the rows scattered in. NumPy and CuPy arrays defer to this
class for `dense + sparse` (`__array_ufunc__ = None`, a high `__array_priority__`);
`dense += sparse` in place is refused by them, so the backward engine's one
in-place add catches that rare case (a table used both sparsely and densely).
"""
from __future__ import annotations

from .backend import backend_of_array
from .sparse_compiled import sum_runs


class RowSparseGrad:
    """A gradient of `shape` (rows, *row_shape) that is zero except on `indices`.

    `indices` is an integer array (n,), `values` an array (n, *row_shape): row
    `indices[k]` of the dense gradient is the sum of every `values[k]` naming it.

    What `mg.embedding(..., sparse=True)` (and `nn.Embedding(sparse=True)`) leave in the
    weight's `.grad`, as PyTorch's sparse COO gradient of an embedding: a batch touches a
    few rows of a large table, so only those rows are stored. `nn.optim.SGD` and
    `nn.optim.SparseAdam` update just those rows; `to_dense()` gives the ordinary array.

    Args:
        indices: the row numbers, an integer array of shape (n,).
        values: the rows' gradients, an array of shape (n, *row_shape).
        shape: the dense gradient's shape (rows, *row_shape).

    Examples:
        >>> g = mg.RowSparseGrad(np.array([2, 0, 2]), np.ones((3, 2), dtype="float32"), (4, 2))
        >>> g
        RowSparseGrad(shape=(4, 2), rows=3, dtype=float32)
        >>> g.to_dense()
        array([[1., 1.],
               [0., 0.],
               [2., 2.],
               [0., 0.]], dtype=float32)
        >>> w = mg.zeros(3, 2, requires_grad=True)
        >>> mg.embedding(w, mg.tensor([1, 1]), sparse=True).sum().backward()
        >>> w.grad
        RowSparseGrad(shape=(3, 2), rows=2, dtype=float32)
    """

    __array_ufunc__ = None  # NumPy: `dense + g` goes to __radd__ instead of failing obscurely
    __array_priority__ = 1000  # CuPy: the same, through its priority rule
    is_sparse = True

    def __init__(self, indices, values, shape: tuple):
        self.indices = indices
        self.values = values
        self.shape = tuple(shape)

    # -- what an array offers ------------------------------------------------------
    @property
    def dtype(self):
        """The dtype of the values.

        Examples:
            >>> g = mg.RowSparseGrad(np.array([2, 0, 2]), np.ones((3, 2), dtype="float32"), (4, 2))
            >>> g.dtype
            dtype('float32')
        """
        return self.values.dtype

    @property
    def ndim(self) -> int:
        """The number of axes of the dense gradient.

        Examples:
            >>> g = mg.RowSparseGrad(np.array([2, 0, 2]), np.ones((3, 2), dtype="float32"), (4, 2))
            >>> g.ndim
            2
        """
        return len(self.shape)

    @property
    def xp(self):
        """The array module (numpy, cupy...) of the values.

        Examples:
            >>> g = mg.RowSparseGrad(np.array([2, 0, 2]), np.ones((3, 2), dtype="float32"), (4, 2))
            >>> g.xp is np
            True
        """
        return backend_of_array(self.values).xp

    def __repr__(self) -> str:
        return (f"RowSparseGrad(shape={self.shape}, rows={self.indices.shape[0]}, "
                f"dtype={self.dtype})")

    def copy(self) -> RowSparseGrad:
        """A copy with its own index and value arrays.

        Returns:
            RowSparseGrad: the copy.

        Examples:
            >>> g = mg.RowSparseGrad(np.array([2, 0, 2]), np.ones((3, 2), dtype="float32"), (4, 2))
            >>> h = g.copy()
            >>> h.values is g.values
            False
        """
        return RowSparseGrad(self.indices.copy(), self.values.copy(), self.shape)

    def to_dense(self):
        """The ordinary gradient array: zeros with the rows added in.

        Returns:
            An array of `shape`, on the values' backend.

        Examples:
            >>> g = mg.RowSparseGrad(np.array([2, 0, 2]), np.ones((3, 2), dtype="float32"), (4, 2))
            >>> g.to_dense()
            array([[1., 1.],
                   [0., 0.],
                   [2., 2.],
                   [0., 0.]], dtype=float32)
        """
        out = self.xp.zeros(self.shape, dtype=self.values.dtype)
        backend_of_array(out).scatter_add(out, self.indices, self.values)
        return out

    def coalesce(self) -> RowSparseGrad:
        """The same gradient with each row named once, indices sorted (as PyTorch).

        Returns:
            RowSparseGrad: the coalesced gradient.

        Examples:
            >>> g = mg.RowSparseGrad(np.array([2, 0, 2]), np.ones((3, 2), dtype="float32"), (4, 2))
            >>> c = g.coalesce()
            >>> c.indices, c.values
            (array([0, 2]), array([[1., 1.],
                   [2., 2.]], dtype=float32))
        """
        xp = self.xp
        if self.indices.shape[0] == 0:
            return self.copy()
        # Sort the rows, then sum each run of equal indices: on NumPy one compiled loop
        # (sparse_compiled.py), else one reduceat (far faster than a scatter-add; a
        # backend without ufunc.reduceat scatters instead).
        order = xp.argsort(self.indices, kind="stable")
        ordered = self.indices[order]
        new_run = xp.concatenate([xp.zeros(1, dtype=bool), ordered[1:] != ordered[:-1]])
        starts = xp.concatenate([xp.zeros(1, dtype=order.dtype), xp.nonzero(new_run)[0]])
        unique = ordered[starts]
        run = xp.cumsum(new_run)  # the run (output row) of each sorted entry
        summed = sum_runs(self.values.reshape(order.shape[0], -1), order, run, unique.shape[0])
        if summed is not None:
            summed = summed.reshape((unique.shape[0],) + self.shape[1:])
        else:
            try:
                summed = xp.add.reduceat(self.values[order], starts, axis=0)
            except (AttributeError, NotImplementedError, TypeError):
                summed = xp.zeros((unique.shape[0],) + self.shape[1:], dtype=self.values.dtype)
                backend_of_array(summed).scatter_add(summed, run, self.values[order])
        return RowSparseGrad(unique, summed, self.shape)

    def __array__(self, dtype=None, copy=None):
        """Host NumPy only, like any host array; a device gradient raises (no silent copy)."""
        import numpy as np

        if type(self.values) is not np.ndarray:
            raise TypeError(
                "a RowSparseGrad on a device backend cannot become a NumPy array implicitly; "
                "use .to_dense() (on the device) or an optimizer that takes sparse gradients"
            )
        dense = self.to_dense()
        return dense if dtype is None else dense.astype(dtype)

    # -- arithmetic ----------------------------------------------------------------
    def __add__(self, other):
        if isinstance(other, RowSparseGrad):
            self._check_same_shape(other)
            xp = self.xp
            return RowSparseGrad(xp.concatenate([self.indices, other.indices]),
                                 xp.concatenate([self.values, other.values]), self.shape)
        return self._added_to(other)

    __iadd__ = __add__  # a fresh object: the engine rebinds its sum

    def __radd__(self, other):
        return self._added_to(other)

    def _added_to(self, dense):
        """A dense copy of `dense` with the rows added in."""
        if tuple(dense.shape) != self.shape:
            raise ValueError(f"cannot add a RowSparseGrad of shape {self.shape} to an array of "
                             f"shape {tuple(dense.shape)}")
        out = dense.copy()
        backend_of_array(out).scatter_add(out, self.indices, self.values.astype(out.dtype))
        return out

    def add_to_(self, dense, alpha: float = 1.0):
        """dense += alpha * self, in place, touching only the rows; returns `dense`.

        Args:
            dense: the dense array to update (of `shape`).
            alpha: the scale.

        Returns:
            The `dense` array.

        Examples:
            >>> g = mg.RowSparseGrad(np.array([2, 0, 2]), np.ones((3, 2), dtype="float32"), (4, 2))
            >>> g.add_to_(np.zeros((4, 2), dtype="float32"), alpha=0.5)
            array([[0.5, 0.5],
                   [0. , 0. ],
                   [1. , 1. ],
                   [0. , 0. ]], dtype=float32)
        """
        values = self.values if alpha == 1.0 else self.values * alpha
        backend_of_array(dense).scatter_add(dense, self.indices, values.astype(dense.dtype))
        return dense

    def __mul__(self, scalar):
        if not isinstance(scalar, (int, float)):
            return NotImplemented
        return RowSparseGrad(self.indices, self.values * scalar, self.shape)

    __rmul__ = __mul__

    def __truediv__(self, scalar):
        if not isinstance(scalar, (int, float)):
            return NotImplemented
        return RowSparseGrad(self.indices, self.values / scalar, self.shape)

    def __neg__(self):
        return RowSparseGrad(self.indices, -self.values, self.shape)

    def _check_same_shape(self, other: RowSparseGrad) -> None:
        if other.shape != self.shape:
            raise ValueError(f"cannot add RowSparseGrads of shapes {self.shape} and {other.shape}")


def add_into(current, grad):
    """current + grad, in place when the array allows it; the engine's rare mixed case.

    Called only when `current += grad` refused (`current` a dense array and `grad` a
    RowSparseGrad): scatters the rows into `current` itself, which the caller owns.
    """
    if not isinstance(grad, RowSparseGrad):
        return None
    return grad.add_to_(current)
