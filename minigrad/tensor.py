"""`Tensor`: an array on a backend plus the edge back to the op that made it.

A Tensor holds its array (`.data`), its gradient (`.grad`, an array), and, when
it was computed by a recorded op, `_creator` (that op's node) and which of the
node's outputs it is. Everything differentiable lives in `minigrad.ops`; the
methods here only route operators and method calls there.
"""
from __future__ import annotations

import weakref

from . import backend as _backend
from .keywords import accepts_torch_keywords as torch_keywords
from .modes import _grad_enabled
from .sparse import RowSparseGrad

_DEVICE_OF_BACKEND = {"numpy": "cpu", "cupy": "cuda"}


def _backend_name(name) -> str | None:
    """Our backend name for a backend or PyTorch device name ("cuda:0" → "cupy"), or None
    when `name` names no backend (so `.to("float64")` reads it as a dtype)."""
    if not isinstance(name, str):
        return None
    alias = _backend.device_alias(name)
    return alias if alias in ("numpy", "cupy", "strict") else None


class _Size(int):
    """`x.size`: the element count as an int (NumPy), and callable as PyTorch's
    `x.size()` → the shape and `x.size(dim)` → that axis' length."""

    def __new__(cls, count: int, shape: tuple):
        self = super().__new__(cls, count)
        self.shape = shape
        return self

    def __call__(self, dim=None):
        if dim is None:
            return tuple(self.shape)
        from .ops.base import check_axis

        return self.shape[check_axis("size", dim, len(self.shape))]


class Tensor:
    """An n-dimensional array that remembers how it was computed.

    A Tensor holds its array (`.data`, NumPy or CuPy), its gradient (`.grad`, an array of
    the same shape, or None) and, when a recorded op computed it, the edge back to that op
    (`.grad_fn`). `backward()` walks those edges. Operators (`+ - * / ** @ % //`,
    comparisons, indexing) and most of PyTorch's tensor methods work as in PyTorch, with
    NumPy's argument names (`axis=`, `keepdims=`) accepted alongside PyTorch's (`dim=`,
    `keepdim=`).

    Args:
        data: a number, (nested) list, NumPy array, backend array or Tensor; copied.
        requires_grad: record ops on this tensor so `backward()` fills its `.grad`
            (floating dtypes only).
        dtype: the dtype; Python floats take the default dtype (float32), integers int64.
        backend: "numpy" or "cupy" (PyTorch's "cpu"/"cuda" too); the default backend if
            None.

    Raises:
        TypeError: for `requires_grad=True` with a non-floating dtype.
        BackendUnavailableError: for a backend that cannot run here.

    Examples:
        >>> x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
        >>> y = (x * x).sum()
        >>> y
        tensor(14., grad_fn=<Sum>)
        >>> y.backward()
        >>> x.grad
        array([2., 4., 6.], dtype=float32)
        >>> mg.Tensor([[1, 2]]).dtype
        dtype('int64')
    """

    __slots__ = (
        "__weakref__",
        "_creator",
        "_data",
        "_grad",
        "_hooks",
        "_output_index",
        "_post_accumulate_hooks",
        "_requires_grad",
        "_version",
        "name",
    )
    __array_ufunc__ = None  # `np_array * t` defers to Tensor.__rmul__ (a Tensor, not an object array)
    __array_priority__ = 1000

    def __init__(self, data, requires_grad: bool = False, dtype=None, backend=None):
        self._data = _to_array(data, dtype, backend)
        self._grad = None
        self._creator = None
        self._output_index = 0
        self._version = [0]
        self._hooks = None
        self._post_accumulate_hooks = None
        self.name = None
        self._requires_grad = False
        if requires_grad:
            self.requires_grad = True

    @classmethod
    def _make(cls, data, requires_grad, creator, index):
        """Fast constructor used by ops: no conversion, no validation."""
        t = object.__new__(Tensor)
        t._data = data
        t._grad = None
        t._requires_grad = requires_grad
        t._creator = creator
        t._output_index = index
        t._version = [0]
        t._hooks = None
        t._post_accumulate_hooks = None
        t.name = None
        return t

    # -- attributes ----------------------------------------------------------------
    # `_version` is a one-item list shared by every tensor viewing the same storage
    # (detach(), basic indexing, reshape, transpose): an in-place write through any of
    # them bumps it, and backward compares it with the value each node recorded.
    @property
    def data(self):
        """The backend array. Assignable, micrograd's way: `a.data = 3.0` or `p.data = [..]`
        (a Python number, list or NumPy scalar becomes an array of this tensor's dtype and
        backend), or a backend array or Tensor, whose own shape, dtype and backend are kept
        (as PyTorch allows). `p.data -= lr * p.grad` updates in place. Either way it counts
        as an in-place change, so a graph that used the old values refuses to backpropagate.

        micrograd's update, `p.data += -lr * p.grad`, works as written.

        Examples:
            >>> p = mg.tensor([1.0, 2.0], requires_grad=True)
            >>> p.data
            array([1., 2.], dtype=float32)
            >>> p.data = [3.0, 4.0]
            >>> p
            tensor([3., 4.], requires_grad=True)
        """
        return self._data

    @data.setter
    def data(self, value) -> None:
        if value is self._data:  # `t.data += 1`: the shared storage changed in place
            self._version[0] += 1
        else:  # new storage: views of the old one are unaffected
            self._version = [self._version[0] + 1]
            value = _coerce_data(self, value)
        self._data = value

    @property
    def grad(self):
        """The gradient array (same shape, dtype and backend as `.data`), or None.

        Filled by `backward()` on leaves that require grad (and on tensors that called
        `retain_grad()`); accumulated, never overwritten, so zero it (`p.grad = None`) between
        steps. Assigning checks shape, dtype and backend.

        Raises:
            RuntimeError: when an assigned gradient's shape differs from the tensor's.

        Examples:
            >>> x = mg.tensor([1.0, 2.0], requires_grad=True)
            >>> x.grad is None
            True
            >>> (3 * x).sum().backward()
            >>> x.grad
            array([3., 3.], dtype=float32)
        """
        return self._grad

    @grad.setter
    def grad(self, value) -> None:
        self._grad = None if value is None else _checked_grad(self, value)


    @property
    def requires_grad(self) -> bool:
        """Whether ops on this tensor are recorded so `backward()` reaches it; assignable on
        leaves.

        As PyTorch's attribute.

        Raises:
            TypeError: when switched on for a non-floating tensor.
            RuntimeError: when switched off on a non-leaf (use `.detach()`).

        Examples:
            >>> x = mg.tensor([1.0])
            >>> x.requires_grad
            False
            >>> x.requires_grad = True
            >>> (x * 2).requires_grad
            True
        """
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        if flag and self._data.dtype.kind != "f":
            raise TypeError(
                f"only floating tensors can require gradients, this one is {self._data.dtype}; "
                "create it with dtype='float32' (or float64)"
            )
        if not flag and self._creator is not None:
            raise RuntimeError(
                "requires_grad can only be switched off on a leaf; use .detach() for a "
                "non-leaf tensor"
            )
        self._requires_grad = bool(flag)

    def requires_grad_(self, flag: bool = True) -> Tensor:
        """Set `requires_grad` in place and return the tensor (PyTorch's `requires_grad_`).

        Args:
            flag: the new value.

        Returns:
            Tensor: self.

        Raises:
            TypeError: for a non-floating tensor.

        Examples:
            >>> mg.zeros(2).requires_grad_()
            tensor([0., 0.], requires_grad=True)
        """
        self.requires_grad = flag
        return self

    @property
    def shape(self) -> tuple:
        """The size of each axis, a tuple (NumPy's `.shape`; PyTorch's `torch.Size` is a tuple
        too).

        Examples:
            >>> mg.zeros(2, 3).shape
            (2, 3)
        """
        return self._data.shape

    @property
    def ndim(self) -> int:
        """The number of axes.

        Examples:
            >>> mg.zeros(2, 3).ndim
            2
        """
        return self._data.ndim

    @property
    def size(self) -> int:
        """The number of elements (NumPy's `.size`), also callable as PyTorch's
        `x.size()` (the shape) and `x.size(dim)` (one axis' length).

        As NumPy's attribute and PyTorch's method at once.

        Examples:
            >>> x = mg.zeros(2, 3)
            >>> x.size
            6
            >>> x.size()
            (2, 3)
            >>> x.size(1)
            3
        """
        return _Size(self._data.size, self._data.shape)

    def numel(self) -> int:
        """The number of elements (PyTorch's numel).

        Returns:
            int: the element count.

        Examples:
            >>> mg.zeros(2, 3).numel()
            6
        """
        return self._data.size

    def dim(self) -> int:
        """The number of axes (PyTorch's dim()).

        Returns:
            int: the number of axes.

        Examples:
            >>> mg.zeros(2, 3).dim()
            2
        """
        return self._data.ndim

    @property
    def device(self) -> str:
        """PyTorch's device name for this tensor's backend: "cpu" or "cuda".

        Examples:
            >>> mg.zeros(1).device
            'cpu'
        """
        return _DEVICE_OF_BACKEND.get(self.backend, self.backend)

    @property
    def is_cuda(self) -> bool:
        """Whether the tensor lives on the CuPy backend (PyTorch's `is_cuda`).

        Examples:
            >>> mg.zeros(1).is_cuda
            False
        """
        return self.backend == "cupy"

    @property
    def dtype(self):
        """The NumPy dtype of the data; it compares equal to `mg.float32`, `np.float32` and
        "float32".

        Examples:
            >>> mg.zeros(1).dtype
            dtype('float32')
            >>> mg.tensor([1]).dtype == mg.long
            True
        """
        return self._data.dtype

    @property
    def backend(self) -> str:
        """The name of the backend holding the data: "numpy", "cupy" (or "strict" in tests).

        Examples:
            >>> mg.zeros(1).backend
            'numpy'
        """
        return _backend.backend_of_array(self._data).name

    @property
    def is_leaf(self) -> bool:
        """Whether no recorded op made this tensor (PyTorch's `is_leaf`): only leaves keep `.grad`.

        Examples:
            >>> x = mg.tensor([1.0], requires_grad=True)
            >>> x.is_leaf, (x * 2).is_leaf
            (True, False)
        """
        return self._creator is None

    @property
    def grad_fn(self):
        """The graph node that produced this tensor (None for leaves).

        A `Function` node: its `op_name` names the op (PyTorch's `grad_fn`).

        Examples:
            >>> x = mg.tensor([1.0], requires_grad=True)
            >>> (x * 2).grad_fn.op_name
            'Mul'
            >>> x.grad_fn is None
            True
        """
        return self._creator

    @property
    def T(self) -> Tensor:
        """The transpose: the axes reversed, as NumPy's `.T` (PyTorch warns on `.T` beyond 2-D).

        Examples:
            >>> mg.arange(6).reshape(2, 3).T.shape
            (3, 2)
        """
        return ops.transpose(self)

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __repr__(self) -> str:
        host = _backend.backend_of_array(self._data).to_host(self._data)
        extras = []
        if self.backend != "numpy":
            extras.append(f"backend={self.backend!r}")
        if self.dtype != _backend.get_default_dtype() and self.dtype.kind in "fb" or self.dtype.kind in "iu" and self.dtype.itemsize != 8:
            extras.append(f"dtype={self.dtype}")
        if self._creator is not None:
            extras.append(f"grad_fn=<{self._creator.op_name}>")
        elif self._requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + ", ".join([_backend.format_host(host, "tensor(")] + extras) + ")"

    def __bool__(self) -> bool:
        if self.size != 1:
            raise ValueError(
                f"the truth value of a tensor with {self.size} elements is ambiguous; "
                "use .any() or .all()"
            )
        return bool(self.item())

    def __hash__(self) -> int:
        return id(self)

    # -- leaving the graph / the device ------------------------------------------------
    def item(self):
        """The value of a one-element tensor as a Python number (a device sync).

        Raises:
            ValueError: when the tensor has more than one element.

        Examples:
            >>> mg.tensor([2.5]).item()
            2.5
            >>> mg.tensor([1.0, 2.0]).item()
            Traceback (most recent call last):
                ...
            ValueError: item(): tensor has 2 elements, not 1
        """
        if self.size != 1:
            raise ValueError(f"item(): tensor has {self.size} elements, not 1")
        return self._data.item()

    def numpy(self):
        """A NumPy copy on the host (an explicit transfer for device tensors).

        The result is never the tensor's own array, so writing to it changes nothing here
        (PyTorch's `.numpy()` shares memory; this copies).

        Examples:
            >>> a = mg.tensor([1.0, 2.0]).numpy()
            >>> a
            array([1., 2.], dtype=float32)
        """
        host = _backend.backend_of_array(self._data).to_host(self._data)
        return host.copy() if host is self._data else host

    def tolist(self):
        """The data as (nested) Python lists and numbers, as PyTorch's `tolist`.

        Examples:
            >>> mg.tensor([[1, 2]]).tolist()
            [[1, 2]]
        """
        return self._data.tolist()

    def __float__(self) -> float:
        if self.size != 1:
            raise TypeError(
                f"float(): only a one-element tensor converts to a Python float, this one has "
                f"shape {tuple(self.shape)}; reduce it first (e.g. loss.mean()) or use .tolist()"
            )
        return float(self.item())

    def __int__(self) -> int:
        if self.size != 1:
            raise TypeError(
                f"int(): only a one-element tensor converts to a Python int, this one has "
                f"shape {tuple(self.shape)}"
            )
        return int(self.item())

    def __index__(self) -> int:
        if self.dtype.kind not in "iu" or self.size != 1:
            raise TypeError(
                f"only a one-element integer tensor can be used as an index, got shape "
                f"{tuple(self.shape)} {self.dtype}"
            )
        return int(self.item())

    def detach(self) -> Tensor:
        """The same data, cut from the graph: gradients stop here. It shares the version
        counter, so an in-place write through it is still seen by the graph.

        As PyTorch's `detach`.

        Examples:
            >>> x = mg.tensor([1.0], requires_grad=True)
            >>> y = (x * 2).detach()
            >>> y.requires_grad, y.grad_fn is None
            (False, True)
        """
        t = Tensor._make(self._data, False, None, 0)
        t._version = self._version
        return t

    def to(self, *args, dtype=None, backend=None, device=None) -> Tensor:
        """A differentiable copy on another backend and/or dtype. Backends by our names
        ("numpy", "cupy") or PyTorch's devices ("cpu", "cuda", "cuda:0"); dtypes as
        `to(mg.float64)`, `to("float64")` or `to(dtype=...)`, as PyTorch's `.to`.

        Args:
            *args: a backend or device name, a dtype, or a tensor whose backend and dtype to
                take.
            dtype: the target dtype.
            backend: the target backend.
            device: PyTorch's name for the target backend.

        Returns:
            Tensor: self when nothing changes, else a copy (gradients flow back through it).

        Raises:
            BackendUnavailableError: when the target backend cannot run here.

        Examples:
            >>> x = mg.tensor([1.0, 2.0])
            >>> x.to("float64")
            tensor([1., 2.], dtype=float64)
            >>> x.to("cpu") is x
            True
        """
        for arg in args:
            if isinstance(arg, str) and _backend_name(arg) is not None:
                backend = arg
            elif isinstance(arg, Tensor):
                backend, dtype = arg.backend, arg.dtype
            else:
                dtype = arg
        target = backend if backend is not None else device
        out = self if target is None else ops.to_backend(self, _backend_name(target) or target)
        return out if dtype is None else out.astype(dtype)

    def cpu(self) -> Tensor:
        """PyTorch's `.cpu()`: the tensor on the NumPy backend.

        Examples:
            >>> mg.zeros(1).cpu().backend
            'numpy'
        """
        return self.to("numpy")

    def cuda(self) -> Tensor:
        """PyTorch's `.cuda()`: the tensor on the CuPy backend.

        Raises:
            BackendUnavailableError: without CuPy or a CUDA device.

        Examples:
            >>> mg.zeros(1).cuda().device  # doctest: +SKIP
            'cuda'
        """
        return self.to("cupy")

    def type_as(self, other: Tensor) -> Tensor:
        """x cast to `other`'s dtype (PyTorch's `type_as`).

        Args:
            other: the tensor whose dtype to take.

        Returns:
            Tensor: the cast tensor (differentiable).

        Examples:
            >>> mg.tensor([1, 2]).type_as(mg.zeros(1))
            tensor([1., 2.])
        """
        return self.astype(other.dtype)

    def astype(self, dtype) -> Tensor:
        """x cast to `dtype` (NumPy's `astype`; PyTorch's `.to(dtype)`); differentiable between
        floating dtypes.

        Args:
            dtype: a dtype or its name.

        Returns:
            Tensor: the cast tensor.

        Examples:
            >>> mg.tensor([1.7, -1.7]).astype("int64")
            tensor([ 1, -1])
        """
        return ops.cast(self, _backend.to_dtype(dtype))

    def float(self) -> Tensor:
        """x cast to float32, as PyTorch's `Tensor.float()`.

        Returns:
            Tensor: the cast tensor.

        Examples:
            >>> mg.tensor([0.0, 1.5]).float()
            tensor([0. , 1.5])
        """
        return self.astype("float32")

    def double(self) -> Tensor:
        """x cast to float64, as PyTorch's `Tensor.double()`.

        Returns:
            Tensor: the cast tensor.

        Examples:
            >>> mg.tensor([0.0, 1.5]).double()
            tensor([0. , 1.5], dtype=float64)
        """
        return self.astype("float64")

    def long(self) -> Tensor:
        """x cast to int64, as PyTorch's `Tensor.long()`.

        Returns:
            Tensor: the cast tensor.

        Examples:
            >>> mg.tensor([0.0, 1.5]).long()
            tensor([0, 1])
        """
        return self.astype("int64")

    def int(self) -> Tensor:
        """x cast to int32, as PyTorch's `Tensor.int()`.

        Returns:
            Tensor: the cast tensor.

        Examples:
            >>> mg.tensor([0.0, 1.5]).int()
            tensor([0, 1], dtype=int32)
        """
        return self.astype("int32")

    def bool(self) -> Tensor:
        """x cast to bool, as PyTorch's `Tensor.bool()`.

        Returns:
            Tensor: the cast tensor.

        Examples:
            >>> mg.tensor([0.0, 1.5]).bool()
            tensor([False,  True], dtype=bool)
        """
        return self.astype("bool")

    def half(self) -> Tensor:
        """x cast to float16, as PyTorch's `Tensor.half()`.

        Returns:
            Tensor: the cast tensor.

        Examples:
            >>> mg.tensor([0.0, 1.5]).half()
            tensor([0. , 1.5], dtype=float16)
        """
        return self.astype("float16")

    def is_floating_point(self) -> bool:
        """Whether the dtype is a floating one (PyTorch's `is_floating_point`).

        Examples:
            >>> mg.tensor([1.0]).is_floating_point(), mg.tensor([1]).is_floating_point()
            (True, False)
        """
        return self.dtype.kind == "f"

    def clone(self) -> Tensor:
        """A differentiable copy with its own array.

        As PyTorch's `clone`: gradients flow back to x.

        Examples:
            >>> x = mg.tensor([1.0])
            >>> x.clone().data is x.data
            False
        """
        return ops.clone(self)

    def contiguous(self) -> Tensor:
        """PyTorch's contiguous(): every minigrad tensor already is one, so itself.

        Examples:
            >>> x = mg.zeros(2)
            >>> x.contiguous() is x
            True
        """
        return self

    def _new(self, factory, args, dtype, backend, requires_grad, **kw) -> Tensor:
        from . import creation

        return getattr(creation, factory)(
            *args, dtype=self.dtype if dtype is None else dtype,
            backend=self.backend if backend is None else backend,
            requires_grad=requires_grad, **kw)

    def new_zeros(self, *shape, dtype=None, backend=None, requires_grad=False) -> Tensor:
        """Zeros of `shape` with this tensor's dtype and backend (PyTorch's new_zeros).

        Args:
            *shape: the sizes, as ints or one tuple.
            dtype: this tensor's dtype unless given.
            backend: this tensor's backend unless given.
            requires_grad: make the result a leaf that records gradients.

        Returns:
            Tensor: the new tensor.

        Examples:
            >>> mg.tensor([1], dtype="int32").new_zeros(2)
            tensor([0, 0], dtype=int32)
        """
        return self._new("zeros", shape, dtype, backend, requires_grad)

    def new_ones(self, *shape, dtype=None, backend=None, requires_grad=False) -> Tensor:
        """Ones of `shape` with this tensor's dtype and backend (PyTorch's new_ones).

        Args:
            *shape: the sizes, as ints or one tuple.
            dtype: this tensor's dtype unless given.
            backend: this tensor's backend unless given.
            requires_grad: make the result a leaf that records gradients.

        Returns:
            Tensor: the new tensor.

        Examples:
            >>> mg.tensor([1.0]).new_ones(2, 2)
            tensor([[1., 1.],
                    [1., 1.]])
        """
        return self._new("ones", shape, dtype, backend, requires_grad)

    def new_full(self, shape, fill_value, dtype=None, backend=None, requires_grad=False) -> Tensor:
        """`shape` filled with `fill_value`, with this tensor's dtype and backend (PyTorch's
        new_full).

        Args:
            shape: an int or tuple.
            fill_value: the value.
            dtype: this tensor's dtype unless given.
            backend: this tensor's backend unless given.
            requires_grad: make the result a leaf that records gradients.

        Returns:
            Tensor: the new tensor.

        Examples:
            >>> mg.tensor([1.0]).new_full((2,), 7.0)
            tensor([7., 7.])
        """
        return self._new("full", (shape, fill_value), dtype, backend, requires_grad)

    def new_empty(self, *shape, dtype=None, backend=None, requires_grad=False) -> Tensor:
        """PyTorch's new_empty: zeros of `shape` (never uninitialised memory), with this tensor's
        dtype and backend.

        Args:
            *shape: the sizes, as ints or one tuple.
            dtype: this tensor's dtype unless given.
            backend: this tensor's backend unless given.
            requires_grad: make the result a leaf that records gradients.

        Returns:
            Tensor: the new tensor.

        Examples:
            >>> mg.tensor([1]).new_empty(3)
            tensor([0, 0, 0])
        """
        return self._new("empty", shape, dtype, backend, requires_grad)

    def new_tensor(self, data, dtype=None, backend=None, requires_grad=False) -> Tensor:
        """A new leaf tensor from `data`, with this tensor's dtype and backend unless given
        (PyTorch's new_tensor).

        Args:
            data: anything `mg.tensor` takes.
            dtype: this tensor's dtype unless given.
            backend: this tensor's backend unless given.
            requires_grad: make the result a leaf that records gradients.

        Returns:
            Tensor: the new tensor.

        Examples:
            >>> mg.zeros(1, dtype="float64").new_tensor([1, 2])
            tensor([1., 2.], dtype=float64)
        """
        return Tensor(data, requires_grad=requires_grad,
                      dtype=self.dtype if dtype is None else dtype,
                      backend=self.backend if backend is None else backend)

    # -- gradients ------------------------------------------------------------------
    def backward(self, grad=None, retain_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's `.grad`.

        As PyTorch's `backward`: the graph is freed afterwards unless `retain_graph=True`, and
        gradients add up over calls until zeroed.

        Args:
            grad: d(something)/d(self), an array or Tensor of self's shape; required unless self
                has one element (then 1).
            retain_graph: keep the graph for another backward.

        Raises:
            RuntimeError: when self does not require grad, when `grad` is missing for a
                non-scalar or has another shape, when the graph was freed by an earlier
                backward, or when a tensor the graph saved was changed in place.

        Examples:
            >>> x = mg.tensor([1.0, 2.0], requires_grad=True)
            >>> y = x * x
            >>> y.backward(mg.ones(2))
            >>> x.grad
            array([2., 4.], dtype=float32)
            >>> mg.tensor([1.0]).backward()
            Traceback (most recent call last):
                ...
            RuntimeError: backward(): this tensor does not require grad and has no gra...
        """
        from .autograd import backward as run_backward

        if not self._requires_grad:
            raise RuntimeError(
                "backward(): this tensor does not require grad and has no grad_fn; set "
                "requires_grad=True on the leaves it is computed from"
            )
        root_grad = _root_grad(self, grad, "backward()")
        run_backward([self], [root_grad], retain_graph=retain_graph)

    def zero_grad(self) -> None:
        """Forget the gradient: `.grad = None` (what PyTorch's `optimizer.zero_grad()` does per
        parameter).

        Examples:
            >>> x = mg.tensor([1.0], requires_grad=True)
            >>> (x * 2).sum().backward()
            >>> x.zero_grad()
            >>> x.grad is None
            True
        """
        self.grad = None

    def retain_grad(self) -> None:
        """Keep `.grad` on this non-leaf tensor after backward (leaves always keep it).

        As PyTorch's `retain_grad`.

        Examples:
            >>> x = mg.tensor([1.0, 2.0], requires_grad=True)
            >>> h = x * 3
            >>> h.retain_grad()
            >>> h.sum().backward()
            >>> h.grad
            array([1., 1.], dtype=float32)
        """
        if self._creator is None:
            return
        node = self._creator
        if node._retained is None:
            node._retained = {}
        node._retained[self._output_index] = weakref.ref(self)

    def register_hook(self, fn) -> None:
        """Call fn(grad_array) when this tensor's gradient is computed; a returned array
        replaces the gradient.

        As PyTorch's `register_hook`, except that the hook sees and returns backend arrays, not
        Tensors, and nothing is returned to remove it.

        Args:
            fn: a callable taking the gradient array; it may return a replacement.

        Raises:
            RuntimeError: when the tensor does not require grad.

        Examples:
            >>> x = mg.tensor([1.0, 2.0], requires_grad=True)
            >>> x.register_hook(lambda g: g * 10)
            >>> x.sum().backward()
            >>> x.grad
            array([10., 10.], dtype=float32)
        """
        if not self._requires_grad:
            raise RuntimeError("register_hook: this tensor does not require grad")
        if self._creator is None:
            if self._hooks is None:
                self._hooks = []
            self._hooks.append(fn)
        else:
            node = self._creator
            if node._hooks is None:
                node._hooks = {}
            node._hooks.setdefault(self._output_index, []).append(fn)

    def register_post_accumulate_grad_hook(self, fn) -> HookHandle:
        """Call fn(tensor) after a backward has written this leaf's `.grad` (PyTorch's name).

        The engine calls these hooks once per backward that reached the leaf, after
        every leaf's `.grad` of that backward is final, so a hook may read all of them
        (`nn.parallel.DistributedDataParallel` averages gradients across processes
        here). `mg.grad` writes no `.grad` and calls none. Returns a handle whose
        `remove()` unregisters the hook.

        Args:
            fn: a callable taking the tensor.

        Returns:
            HookHandle: call its `remove()` to unregister.

        Raises:
            RuntimeError: on a non-leaf, or a tensor that does not require grad.

        Examples:
            >>> w = mg.tensor([1.0], requires_grad=True)
            >>> handle = w.register_post_accumulate_grad_hook(lambda t: print("grad", t.grad))
            >>> (2 * w).sum().backward()
            grad [2.]
            >>> handle.remove()
        """
        if self._creator is not None:
            raise RuntimeError(
                "register_post_accumulate_grad_hook: only leaf tensors accumulate .grad; "
                "use register_hook on a non-leaf"
            )
        if not self._requires_grad:
            raise RuntimeError("register_post_accumulate_grad_hook: this tensor does not require grad")
        if self._post_accumulate_hooks is None:
            self._post_accumulate_hooks = []
        self._post_accumulate_hooks.append(fn)
        return HookHandle(self._post_accumulate_hooks, fn)

    # -- operators --------------------------------------------------------------------
    def __add__(self, other): return ops.add(self, other)
    def __radd__(self, other): return ops.add(other, self)
    def __sub__(self, other): return ops.sub(self, other)
    def __rsub__(self, other): return ops.sub(other, self)
    def __mul__(self, other): return ops.mul(self, other)
    def __rmul__(self, other): return ops.mul(other, self)
    def __truediv__(self, other): return ops.div(self, other)
    def __rtruediv__(self, other): return ops.div(other, self)
    def __pow__(self, other): return ops.pow(self, other)
    def __rpow__(self, other): return ops.pow(other, self)
    def __matmul__(self, other): return ops.matmul(self, other)
    def __rmatmul__(self, other): return ops.matmul(other, self)
    def __mod__(self, other): return ops.remainder(self, other)
    def __rmod__(self, other): return ops.remainder(other, self)
    def __floordiv__(self, other): return ops.floor_divide(self, other)
    def __rfloordiv__(self, other): return ops.floor_divide(other, self)
    def __neg__(self): return ops.neg(self)
    def __pos__(self): return self
    def __abs__(self): return ops.abs(self)
    def __getitem__(self, index): return ops.getitem(self, index)

    def __lt__(self, other): return ops.compare("lt", self, other)
    def __le__(self, other): return ops.compare("le", self, other)
    def __gt__(self, other): return ops.compare("gt", self, other)
    def __ge__(self, other): return ops.compare("ge", self, other)
    def __eq__(self, other): return ops.compare("eq", self, other)  # noqa: E704
    def __ne__(self, other): return ops.compare("ne", self, other)
    def __invert__(self): return ops.logical_not(self)
    def __and__(self, other): return ops.logical("and", self, other)
    def __rand__(self, other): return ops.logical("and", other, self)
    def __or__(self, other): return ops.logical("or", self, other)
    def __ror__(self, other): return ops.logical("or", other, self)
    def __xor__(self, other): return ops.logical("xor", self, other)
    def __rxor__(self, other): return ops.logical("xor", other, self)

    # In-place arithmetic works in place where the graph allows it (no grad recorded:
    # the optimizer idiom `with mg.no_grad(): w -= lr * w.grad`); where a gradient
    # must flow it rebinds to a new tensor, so no recorded value is ever overwritten.
    def __iadd__(self, other): return _inplace(self, other, "__iadd__", ops.add)
    def __isub__(self, other): return _inplace(self, other, "__isub__", ops.sub)
    def __imul__(self, other): return _inplace(self, other, "__imul__", ops.mul)
    def __itruediv__(self, other): return _inplace(self, other, "__itruediv__", ops.div)

    def __setitem__(self, index, value) -> None:
        value_requires_grad = isinstance(value, Tensor) and value._requires_grad
        if _grad_enabled.get() and (self._requires_grad or value_requires_grad):
            raise RuntimeError(
                f"t[...] = value on a tensor of shape {tuple(self.shape)} that takes part in "
                "the graph would make its gradient wrong; build a new tensor (mg.where, "
                "mg.cat, mg.stack) or assign under mg.no_grad()"
            )
        owner = _backend.backend_of_array(self._data)
        array = value.data if isinstance(value, Tensor) else value
        if _backend.is_host_array(array) and owner is not _backend.NUMPY:
            array = owner.from_host(array)  # the user handed host values over explicitly
        self._data[ops.raw_index(index, owner)] = array
        self._version[0] += 1

    # -- methods that mirror the mg.* functions ----------------------------------------
    # Each takes PyTorch's dim=/keepdim= too (minigrad.keywords), as its mg.<name> does.
    @torch_keywords
    def sum(self, axis=None, keepdims=False):
        """Sum over `axis` (None: all; int or tuple, negatives allowed).

        The method form of `mg.sum`: `x.sum(...)` is `mg.sum(x, ...)`, as PyTorch's
        `Tensor.sum`; see `mg.sum` for the arguments and errors.

        Returns:
            the result of `mg.sum(self, ...)`.

        Examples:
            >>> x = mg.tensor([[1.0, 2.0], [3.0, 4.0]])
            >>> x.sum()
            tensor(10.)
            >>> x.sum(dim=0)
            tensor([4., 6.])
        """
        return ops.sum(self, axis, keepdims)

    @torch_keywords
    def mean(self, axis=None, keepdims=False):
        """Mean over `axis`; integer tensors give the default float dtype.

        The method form of `mg.mean`: `x.mean(...)` is `mg.mean(x, ...)`, as PyTorch's
        `Tensor.mean`; see `mg.mean` for the arguments and errors.

        Returns:
            the result of `mg.mean(self, ...)`.

        Examples:
            >>> x = mg.tensor([[1.0, 2.0], [3.0, 4.0]])
            >>> x.mean(axis=1)
            tensor([1.5, 3.5])
        """
        return ops.mean(self, axis, keepdims)

    @torch_keywords
    def var(self, axis=None, keepdims=False, ddof=None, *, correction=None, unbiased=None):
        """Variance over `axis`: Σ(x - mean)² / (N - ddof). ddof=0 (NumPy's default) unless `ddof`,
        PyTorch's `correction` or `unbiased` says otherwise. N - ddof <= 0 gives inf (NaN where
        every deviation is 0), as NumPy and PyTorch do.

        The method form of `mg.var`: `x.var(...)` is `mg.var(x, ...)`, as PyTorch's
        `Tensor.var`; see `mg.var` for the arguments and errors.

        Returns:
            the result of `mg.var(self, ...)`.

        Examples:
            >>> x = mg.tensor([[1.0, 2.0], [3.0, 4.0]])
            >>> x.var()
            tensor(1.25)
        """
        return ops.var(self, axis, keepdims, ddof, correction=correction, unbiased=unbiased)

    @torch_keywords
    def std(self, axis=None, keepdims=False, ddof=None, *, correction=None, unbiased=None):
        """Standard deviation: √var, with the same `ddof`/`correction`/`unbiased`.

        The method form of `mg.std`: `x.std(...)` is `mg.std(x, ...)`, as PyTorch's
        `Tensor.std`; see `mg.std` for the arguments and errors.

        Returns:
            the result of `mg.std(self, ...)`.

        Examples:
            >>> x = mg.tensor([[1.0, 2.0], [3.0, 4.0]])
            >>> x.std(correction=1)
            tensor(1.2909944)
        """
        return ops.std(self, axis, keepdims, ddof, correction=correction, unbiased=unbiased)

    def max(self, *args, **kwargs):
        """`max(axis=None/k/(…))`: the largest values (amax; ties share the gradient). `max(k)` or
        `max(dim=k)`: PyTorch's `(values, indices)`, the gradient going to the index picked.
        `max(other)`: elementwise maximum.

        The method form of `mg.max`: `x.max(...)` is `mg.max(x, ...)`, as PyTorch's
        `Tensor.max`; see `mg.max` for the arguments and errors.

        Returns:
            the result of `mg.max(self, ...)`.

        Examples:
            >>> x = mg.tensor([[1.0, 2.0], [3.0, 4.0]])
            >>> x.max()
            tensor(4.)
            >>> x.max(1)
            MaxMin(values=tensor([2., 4.]), indices=tensor([1, 1]))
        """
        return ops.max(self, *args, **kwargs)

    def min(self, *args, **kwargs):
        """The smallest values; the same three forms as `max`.

        The method form of `mg.min`: `x.min(...)` is `mg.min(x, ...)`, as PyTorch's
        `Tensor.min`; see `mg.min` for the arguments and errors.

        Returns:
            the result of `mg.min(self, ...)`.

        Examples:
            >>> x = mg.tensor([[1.0, 2.0], [3.0, 4.0]])
            >>> x.min(dim=0)
            MaxMin(values=tensor([1., 2.]), indices=tensor([0, 0]))
        """
        return ops.min(self, *args, **kwargs)

    @torch_keywords
    def amax(self, axis=None, keepdims=False):
        """Largest values over `axis` (PyTorch's amax: ties share the gradient).

        The method form of `mg.amax`: `x.amax(...)` is `mg.amax(x, ...)`, as PyTorch's
        `Tensor.amax`; see `mg.amax` for the arguments and errors.

        Returns:
            the result of `mg.amax(self, ...)`.

        Examples:
            >>> x = mg.tensor([[1.0, 2.0], [3.0, 4.0]])
            >>> x.amax(axis=0)
            tensor([3., 4.])
        """
        return ops.amax(self, axis, keepdims)

    @torch_keywords
    def amin(self, axis=None, keepdims=False):
        """Smallest values over `axis` (PyTorch's amin: ties share the gradient).

        The method form of `mg.amin`: `x.amin(...)` is `mg.amin(x, ...)`, as PyTorch's
        `Tensor.amin`; see `mg.amin` for the arguments and errors.

        Returns:
            the result of `mg.amin(self, ...)`.

        Examples:
            >>> x = mg.tensor([[1.0, 2.0], [3.0, 4.0]])
            >>> x.amin(axis=1)
            tensor([1., 3.])
        """
        return ops.amin(self, axis, keepdims)

    @torch_keywords
    def argmax(self, axis=None, keepdims=False):
        """The index of the largest value over `axis` (not differentiable).

        The method form of `mg.argmax`: `x.argmax(...)` is `mg.argmax(x, ...)`, as PyTorch's
        `Tensor.argmax`; see `mg.argmax` for the arguments and errors.

        Returns:
            the result of `mg.argmax(self, ...)`.

        Examples:
            >>> x = mg.tensor([[1.0, 2.0], [3.0, 4.0]])
            >>> x.argmax()
            tensor(3)
        """
        return ops.argmax(self, axis, keepdims)

    @torch_keywords
    def argmin(self, axis=None, keepdims=False):
        """The index of the smallest value over `axis` (not differentiable).

        The method form of `mg.argmin`: `x.argmin(...)` is `mg.argmin(x, ...)`, as PyTorch's
        `Tensor.argmin`; see `mg.argmin` for the arguments and errors.

        Returns:
            the result of `mg.argmin(self, ...)`.

        Examples:
            >>> x = mg.tensor([[1.0, 2.0], [3.0, 4.0]])
            >>> x.argmin(dim=1)
            tensor([0, 0])
        """
        return ops.argmin(self, axis, keepdims)

    @torch_keywords
    def any(self, axis=None, keepdims=False):
        """Whether any elements are true (non-zero) over `axis` (not differentiable).

        The method form of `mg.any`: `x.any(...)` is `mg.any(x, ...)`, as PyTorch's
        `Tensor.any`; see `mg.any` for the arguments and errors.

        Returns:
            the result of `mg.any(self, ...)`.

        Examples:
            >>> (mg.tensor([0.0, 1.0]) > 0).any()
            tensor(True, dtype=bool)
        """
        return ops.any(self, axis, keepdims)

    @torch_keywords
    def all(self, axis=None, keepdims=False):
        """Whether all elements are true (non-zero) over `axis` (not differentiable).

        The method form of `mg.all`: `x.all(...)` is `mg.all(x, ...)`, as PyTorch's
        `Tensor.all`; see `mg.all` for the arguments and errors.

        Returns:
            the result of `mg.all(self, ...)`.

        Examples:
            >>> (mg.tensor([0.0, 1.0]) > 0).all()
            tensor(False, dtype=bool)
        """
        return ops.all(self, axis, keepdims)

    def exp(self):
        """eˣ elementwise.

        The method form of `mg.exp`: `x.exp(...)` is `mg.exp(x, ...)`, as PyTorch's
        `Tensor.exp`; see `mg.exp` for the arguments and errors.

        Returns:
            the result of `mg.exp(self, ...)`.

        Examples:
            >>> x = mg.tensor([0.5, 1.0])
            >>> x.exp()
            tensor([1.6487212, 2.718282 ])
        """
        return ops.exp(self)

    def log(self):
        """Natural logarithm elementwise.

        The method form of `mg.log`: `x.log(...)` is `mg.log(x, ...)`, as PyTorch's
        `Tensor.log`; see `mg.log` for the arguments and errors.

        Returns:
            the result of `mg.log(self, ...)`.

        Examples:
            >>> mg.tensor([1.0, 2.0]).log()
            tensor([0.       , 0.6931472])
        """
        return ops.log(self)

    def sqrt(self):
        """√x elementwise.

        The method form of `mg.sqrt`: `x.sqrt(...)` is `mg.sqrt(x, ...)`, as PyTorch's
        `Tensor.sqrt`; see `mg.sqrt` for the arguments and errors.

        Returns:
            the result of `mg.sqrt(self, ...)`.

        Examples:
            >>> mg.tensor([1.0, 4.0]).sqrt()
            tensor([1., 2.])
        """
        return ops.sqrt(self)

    def tanh(self):
        """tanh(x) elementwise.

        The method form of `mg.tanh`: `x.tanh(...)` is `mg.tanh(x, ...)`, as PyTorch's
        `Tensor.tanh`; see `mg.tanh` for the arguments and errors.

        Returns:
            the result of `mg.tanh(self, ...)`.

        Examples:
            >>> x = mg.tensor([0.5, 1.0])
            >>> x.tanh()
            tensor([0.4621172, 0.7615942])
        """
        return ops.tanh(self)

    def sigmoid(self):
        """σ(x) = 1 / (1 + e⁻ˣ), computed through tanh (no overflow).

        The method form of `mg.sigmoid`: `x.sigmoid(...)` is `mg.sigmoid(x, ...)`, as PyTorch's
        `Tensor.sigmoid`; see `mg.sigmoid` for the arguments and errors.

        Returns:
            the result of `mg.sigmoid(self, ...)`.

        Examples:
            >>> x = mg.tensor([0.5, 1.0])
            >>> x.sigmoid()
            tensor([0.62245935, 0.7310586 ])
        """
        return ops.sigmoid(self)

    def relu(self):
        """max(x, 0) elementwise.

        The method form of `mg.relu`: `x.relu(...)` is `mg.relu(x, ...)`, as PyTorch's
        `Tensor.relu`; see `mg.relu` for the arguments and errors.

        Returns:
            the result of `mg.relu(self, ...)`.

        Examples:
            >>> mg.tensor([-1.0, 2.0]).relu()
            tensor([0., 2.])
        """
        return ops.relu(self)

    def abs(self):
        """|x| elementwise (gradient 0 at 0, as PyTorch).

        The method form of `mg.abs`: `x.abs(...)` is `mg.abs(x, ...)`, as PyTorch's
        `Tensor.abs`; see `mg.abs` for the arguments and errors.

        Returns:
            the result of `mg.abs(self, ...)`.

        Examples:
            >>> mg.tensor([-1.5, 2.0]).abs()
            tensor([1.5, 2. ])
        """
        return ops.abs(self)

    def clip(self, lo=None, hi=None):
        """x limited to [lo, hi] (either bound may be None); gradient 1 inside, 0 outside.

        The method form of `mg.clip`: `x.clip(...)` is `mg.clip(x, ...)`, as PyTorch's
        `Tensor.clip`; see `mg.clip` for the arguments and errors.

        Returns:
            the result of `mg.clip(self, ...)`.

        Examples:
            >>> mg.tensor([-1.0, 0.5, 2.0]).clip(0.0, 1.0)
            tensor([0. , 0.5, 1. ])
        """
        return ops.clip(self, lo, hi)
    clamp = clip

    def reshape(self, *shape):
        """The same elements in a new shape (`reshape(2, 3)` or `reshape((2, 3))`; -1 allowed).

        The method form of `mg.reshape`: `x.reshape(...)` is `mg.reshape(x, ...)`, as PyTorch's
        `Tensor.reshape`; see `mg.reshape` for the arguments and errors.

        Returns:
            the result of `mg.reshape(self, ...)`.

        Examples:
            >>> mg.arange(6).reshape(2, 3)
            tensor([[0, 1, 2],
                    [3, 4, 5]])
        """
        return ops.reshape(self, *shape)

    def view(self, *shape):
        """PyTorch's view: the same elements in a new shape, as `reshape` (which never refuses a
        transposed tensor, as PyTorch's view can).

        As PyTorch's `Tensor.view`; see `mg.reshape`.

        Returns:
            Tensor: the result, differentiable.

        Examples:
            >>> mg.arange(6).view(3, -1).shape
            (3, 2)
        """
        return ops.reshape(self, *shape)

    def view_as(self, other):
        """x reshaped to `other.shape` (PyTorch's view_as).

        As PyTorch's `Tensor.view_as`; see `mg.reshape`.

        Args:
            other: the tensor whose shape to take.

        Returns:
            Tensor: the result, differentiable.

        Examples:
            >>> mg.arange(4).view_as(mg.zeros(2, 2)).shape
            (2, 2)
        """
        return ops.reshape(self, other.shape)

    def reshape_as(self, other):
        """x reshaped to `other.shape`.

        As PyTorch's `Tensor.reshape_as`; see `mg.reshape`.

        Args:
            other: the tensor whose shape to take.

        Returns:
            Tensor: the result, differentiable.

        Examples:
            >>> mg.arange(4).reshape_as(mg.zeros(2, 2)).shape
            (2, 2)
        """
        return ops.reshape(self, other.shape)

    def expand_as(self, other):
        """x broadcast to `other.shape` (PyTorch's expand_as).

        As PyTorch's `Tensor.expand_as`; see `mg.expand`.

        Args:
            other: the tensor whose shape to take.

        Returns:
            Tensor: the result, differentiable.

        Examples:
            >>> mg.tensor([1.0, 2.0]).expand_as(mg.zeros(2, 2))
            tensor([[1., 2.],
                    [1., 2.]])
        """
        return ops.expand(self, other.shape)

    def transpose(self, *axes, dim0=None, dim1=None):
        """No axes: reverse them. Two axes: swap them (PyTorch, any ndim; also as dim0=, dim1=). A
        full permutation of ndim > 2 axes: permute (NumPy). Anything else, or an axis out of
        range, raises.

        The method form of `mg.transpose`: `x.transpose(...)` is `mg.transpose(x, ...)`, as
        PyTorch's `Tensor.transpose`; see `mg.transpose` for the arguments and errors.

        Returns:
            the result of `mg.transpose(self, ...)`.

        Examples:
            >>> mg.zeros(2, 3, 4).transpose(0, 2).shape
            (4, 3, 2)
        """
        return ops.transpose(self, *axes, dim0=dim0, dim1=dim1)

    def permute(self, *axes):
        """A full permutation of the axes: `permute(2, 0, 1)` or `permute((2, 0, 1))`.

        The method form of `mg.permute`: `x.permute(...)` is `mg.permute(x, ...)`, as PyTorch's
        `Tensor.permute`; see `mg.permute` for the arguments and errors.

        Returns:
            the result of `mg.permute(self, ...)`.

        Examples:
            >>> mg.zeros(2, 3, 4).permute(2, 0, 1).shape
            (4, 2, 3)
        """
        return ops.permute(self, *axes)

    def t(self):
        """PyTorch's `.t()`: the transpose of a tensor of at most 2 dimensions.

        The method form of `mg.t`: `x.t(...)` is `mg.t(x, ...)`, as PyTorch's `Tensor.t`; see
        `mg.t` for the arguments and errors.

        Returns:
            the result of `mg.t(self, ...)`.

        Examples:
            >>> mg.arange(6).reshape(2, 3).t().shape
            (3, 2)
        """
        return ops.t(self)

    @torch_keywords(dim0="axis1", dim1="axis2")
    def swapaxes(self, axis1, axis2):
        """Swap two axes (PyTorch's transpose(dim0, dim1)).

        The method form of `mg.swapaxes`: `x.swapaxes(...)` is `mg.swapaxes(x, ...)`, as
        PyTorch's `Tensor.swapaxes`; see `mg.swapaxes` for the arguments and errors.

        Returns:
            the result of `mg.swapaxes(self, ...)`.

        Examples:
            >>> mg.zeros(2, 3).swapaxes(0, 1).shape
            (3, 2)
        """
        return ops.swapaxes(self, axis1, axis2)

    @torch_keywords
    def squeeze(self, axis=None):
        """Drop axes of length 1 (all of them, or the given ones, which must be length 1).

        The method form of `mg.squeeze`: `x.squeeze(...)` is `mg.squeeze(x, ...)`, as PyTorch's
        `Tensor.squeeze`; see `mg.squeeze` for the arguments and errors.

        Returns:
            the result of `mg.squeeze(self, ...)`.

        Examples:
            >>> mg.zeros(1, 3).squeeze().shape
            (3,)
        """
        return ops.squeeze(self, axis)

    @torch_keywords
    def unsqueeze(self, axis):
        """Insert an axis of length 1 at `axis` (negative counts from the end of the result).

        The method form of `mg.unsqueeze`: `x.unsqueeze(...)` is `mg.unsqueeze(x, ...)`, as
        PyTorch's `Tensor.unsqueeze`; see `mg.unsqueeze` for the arguments and errors.

        Returns:
            the result of `mg.unsqueeze(self, ...)`.

        Examples:
            >>> mg.zeros(3).unsqueeze(0).shape
            (1, 3)
        """
        return ops.unsqueeze(self, axis)

    @torch_keywords
    def flatten(self, start_axis=0, end_axis=-1):
        """Merge axes `start_axis`..`end_axis` into one.

        The method form of `mg.flatten`: `x.flatten(...)` is `mg.flatten(x, ...)`, as PyTorch's
        `Tensor.flatten`; see `mg.flatten` for the arguments and errors.

        Returns:
            the result of `mg.flatten(self, ...)`.

        Examples:
            >>> mg.zeros(2, 3, 4).flatten(1).shape
            (2, 12)
        """
        return ops.flatten(self, start_axis, end_axis)

    def broadcast_to(self, *shape):
        """A broadcast view of x with `shape`; its gradient sums the copies back.

        The method form of `mg.broadcast_to`: `x.broadcast_to(...)` is `mg.broadcast_to(x,
        ...)`, as PyTorch's `Tensor.broadcast_to`; see `mg.broadcast_to` for the arguments and
        errors.

        Returns:
            the result of `mg.broadcast_to(self, ...)`.

        Examples:
            >>> mg.tensor([1.0, 2.0]).broadcast_to(2, 2)
            tensor([[1., 2.],
                    [1., 2.]])
        """
        return ops.broadcast_to(self, *shape)

    def expand(self, *shape):
        """PyTorch's expand: broadcast to `sizes`, where -1 keeps that axis' length.

        The method form of `mg.expand`: `x.expand(...)` is `mg.expand(x, ...)`, as PyTorch's
        `Tensor.expand`; see `mg.expand` for the arguments and errors.

        Returns:
            the result of `mg.expand(self, ...)`.

        Examples:
            >>> mg.tensor([[1.0], [2.0]]).expand(-1, 3).shape
            (2, 3)
        """
        return ops.expand(self, *shape)

    @torch_keywords
    def softmax(self, axis=-1):
        """e^x / Σ e^x along `axis`, stable through logsumexp.

        The method form of `mg.softmax`: `x.softmax(...)` is `mg.softmax(x, ...)`, as PyTorch's
        `Tensor.softmax`; see `mg.softmax` for the arguments and errors.

        Returns:
            the result of `mg.softmax(self, ...)`.

        Examples:
            >>> mg.tensor([0.0, 0.0]).softmax(-1)
            tensor([0.5, 0.5])
        """
        return ops.softmax(self, axis)

    @torch_keywords
    def log_softmax(self, axis=-1):
        """x - logsumexp(x) along `axis`: log-probabilities without overflow.

        The method form of `mg.log_softmax`: `x.log_softmax(...)` is `mg.log_softmax(x, ...)`,
        as PyTorch's `Tensor.log_softmax`; see `mg.log_softmax` for the arguments and errors.

        Returns:
            the result of `mg.log_softmax(self, ...)`.

        Examples:
            >>> mg.tensor([0.0, 0.0]).log_softmax(-1)
            tensor([-0.6931472, -0.6931472])
        """
        return ops.log_softmax(self, axis)

    @torch_keywords
    def logsumexp(self, axis=None, keepdims=False):
        """log Σ eˣ over `axis`, computed stably (no overflow at |x| = 1000).

        The method form of `mg.logsumexp`: `x.logsumexp(...)` is `mg.logsumexp(x, ...)`, as
        PyTorch's `Tensor.logsumexp`; see `mg.logsumexp` for the arguments and errors.

        Returns:
            the result of `mg.logsumexp(self, ...)`.

        Examples:
            >>> mg.tensor([0.0, 0.0]).logsumexp()
            tensor(0.6931472)
        """
        return ops.logsumexp(self, axis, keepdims)

    def matmul(self, other):
        """Matrix product with NumPy's rules (1-D operands, broadcast batch axes).

        The method form of `mg.matmul`: `x.matmul(...)` is `mg.matmul(x, ...)`, as PyTorch's
        `Tensor.matmul`; see `mg.matmul` for the arguments and errors.

        Returns:
            the result of `mg.matmul(self, ...)`.

        Examples:
            >>> mg.tensor([[1.0, 2.0]]).matmul(mg.tensor([[3.0], [4.0]]))
            tensor([[11.]])
        """
        return ops.matmul(self, other)

    @torch_keywords
    def split(self, split_size_or_sections, axis=0):
        """PyTorch's split: an int is each piece's size (the last may be smaller), a list gives the
        pieces' sizes, which must add up to the axis length. (NumPy's meaning of split, n equal
        sections, is `chunk`.)

        The method form of `mg.split`: `x.split(...)` is `mg.split(x, ...)`, as PyTorch's
        `Tensor.split`; see `mg.split` for the arguments and errors.

        Returns:
            the result of `mg.split(self, ...)`.

        Examples:
            >>> mg.arange(5).split(2)
            [tensor([0, 1]), tensor([2, 3]), tensor([4])]
        """
        return ops.split(self, split_size_or_sections, axis)

    @torch_keywords
    def chunk(self, chunks, axis=0):
        """`chunks` pieces of ceil(n / chunks) along `axis` (fewer if that divides n earlier), as
        PyTorch's chunk: `chunk(gates, 4, axis=1)` splits four gates.

        The method form of `mg.chunk`: `x.chunk(...)` is `mg.chunk(x, ...)`, as PyTorch's
        `Tensor.chunk`; see `mg.chunk` for the arguments and errors.

        Returns:
            the result of `mg.chunk(self, ...)`.

        Examples:
            >>> mg.arange(4).chunk(2)
            [tensor([0, 1]), tensor([2, 3])]
        """
        return ops.chunk(self, chunks, axis)

    @torch_keywords
    def unbind(self, axis=0):
        """The slices of x along `axis`, that axis removed (PyTorch's unbind).

        The method form of `mg.unbind`: `x.unbind(...)` is `mg.unbind(x, ...)`, as PyTorch's
        `Tensor.unbind`; see `mg.unbind` for the arguments and errors.

        Returns:
            the result of `mg.unbind(self, ...)`.

        Examples:
            >>> mg.arange(4).reshape(2, 2).unbind(0)
            (tensor([0, 1]), tensor([2, 3]))
        """
        return ops.unbind(self, axis)

    @torch_keywords
    def gather(self, axis, index):
        """`out[i, j] = x[index[i, j], j]` (axis 0): PyTorch's gather, differentiable in x.

        The method form of `mg.gather`: `x.gather(...)` is `mg.gather(x, ...)`, as PyTorch's
        `Tensor.gather`; see `mg.gather` for the arguments and errors.

        Returns:
            the result of `mg.gather(self, ...)`.

        Examples:
            >>> x = mg.tensor([[1.0, 2.0], [3.0, 4.0]])
            >>> x.gather(1, mg.tensor([[1], [0]]))
            tensor([[2.],
                    [3.]])
        """
        return ops.gather(self, axis, index)

    @torch_keywords
    def scatter(self, axis, index, src):
        """A copy of x with x[..., index[i], ...] = src[i] along `axis` (src: tensor or number).
        Repeated indices keep one of the values, as in PyTorch (which one is unspecified).

        The method form of `mg.scatter`: `x.scatter(...)` is `mg.scatter(x, ...)`, as PyTorch's
        `Tensor.scatter`; see `mg.scatter` for the arguments and errors.

        Returns:
            the result of `mg.scatter(self, ...)`.

        Examples:
            >>> mg.zeros(3).scatter(0, mg.tensor([1]), mg.tensor([5.0]))
            tensor([0., 5., 0.])
        """
        return ops.scatter(self, axis, index, src)

    @torch_keywords
    def scatter_add(self, axis, index, src):
        """x plus src added at x[..., index[i], ...] along `axis`; repeated indices accumulate.

        The method form of `mg.scatter_add`: `x.scatter_add(...)` is `mg.scatter_add(x, ...)`,
        as PyTorch's `Tensor.scatter_add`; see `mg.scatter_add` for the arguments and errors.

        Returns:
            the result of `mg.scatter_add(self, ...)`.

        Examples:
            >>> mg.zeros(2).scatter_add(0, mg.tensor([1, 1]), mg.tensor([1.0, 2.0]))
            tensor([0., 3.])
        """
        return ops.scatter_add(self, axis, index, src)

    @torch_keywords
    def index_select(self, axis, index):
        """The entries `index` (a 1-D integer tensor) of x along `axis`.

        The method form of `mg.index_select`: `x.index_select(...)` is `mg.index_select(x,
        ...)`, as PyTorch's `Tensor.index_select`; see `mg.index_select` for the arguments and
        errors.

        Returns:
            the result of `mg.index_select(self, ...)`.

        Examples:
            >>> x = mg.tensor([[1.0, 2.0], [3.0, 4.0]])
            >>> x.index_select(0, mg.tensor([1]))
            tensor([[3., 4.]])
        """
        return ops.index_select(self, axis, index)

    def masked_fill(self, mask, value):
        """x with `value` where the boolean `mask` (broadcast to x) is true.

        The method form of `mg.masked_fill`: `x.masked_fill(...)` is `mg.masked_fill(x, ...)`,
        as PyTorch's `Tensor.masked_fill`; see `mg.masked_fill` for the arguments and errors.

        Returns:
            the result of `mg.masked_fill(self, ...)`.

        Examples:
            >>> x = mg.tensor([1.0, 2.0])
            >>> x.masked_fill(x > 1.5, 0.0)
            tensor([1., 0.])
        """
        return ops.masked_fill(self, mask, value)

    def masked_select(self, mask):
        """The elements of x where `mask` is true, as a 1-D tensor (mask and x broadcast).

        The method form of `mg.masked_select`: `x.masked_select(...)` is `mg.masked_select(x,
        ...)`, as PyTorch's `Tensor.masked_select`; see `mg.masked_select` for the arguments and
        errors.

        Returns:
            the result of `mg.masked_select(self, ...)`.

        Examples:
            >>> x = mg.tensor([1.0, 2.0])
            >>> x.masked_select(x > 1.5)
            tensor([2.])
        """
        return ops.masked_select(self, mask)

    def nonzero(self, as_tuple=False):
        """Indices of the non-zero elements: an (n, ndim) integer tensor, or one 1-D tensor per
        axis with `as_tuple=True` (not differentiable).

        The method form of `mg.nonzero`: `x.nonzero(...)` is `mg.nonzero(x, ...)`, as PyTorch's
        `Tensor.nonzero`; see `mg.nonzero` for the arguments and errors.

        Returns:
            the result of `mg.nonzero(self, ...)`.

        Examples:
            >>> mg.tensor([0.0, 3.0]).nonzero()
            tensor([[1]])
        """
        return ops.nonzero(self, as_tuple)
    # elementwise functions of issue 13 (see minigrad.ops.trigonometric, exponential, rounding)
    def sin(self):
        """sin x elementwise.

        The method form of `mg.sin`: `x.sin(...)` is `mg.sin(x, ...)`, as PyTorch's
        `Tensor.sin`; see `mg.sin` for the arguments and errors.

        Returns:
            the result of `mg.sin(self, ...)`.

        Examples:
            >>> x = mg.tensor([0.5, 1.0])
            >>> x.sin()
            tensor([0.47942555, 0.841471  ])
        """
        return ops.sin(self)

    def cos(self):
        """cos x elementwise.

        The method form of `mg.cos`: `x.cos(...)` is `mg.cos(x, ...)`, as PyTorch's
        `Tensor.cos`; see `mg.cos` for the arguments and errors.

        Returns:
            the result of `mg.cos(self, ...)`.

        Examples:
            >>> x = mg.tensor([0.5, 1.0])
            >>> x.cos()
            tensor([0.87758255, 0.5403023 ])
        """
        return ops.cos(self)

    def tan(self):
        """tan x elementwise.

        The method form of `mg.tan`: `x.tan(...)` is `mg.tan(x, ...)`, as PyTorch's
        `Tensor.tan`; see `mg.tan` for the arguments and errors.

        Returns:
            the result of `mg.tan(self, ...)`.

        Examples:
            >>> x = mg.tensor([0.5, 1.0])
            >>> x.tan()
            tensor([0.5463025, 1.5574077])
        """
        return ops.tan(self)

    def asin(self):
        """arcsin x elementwise (NaN outside [-1, 1]).

        The method form of `mg.asin`: `x.asin(...)` is `mg.asin(x, ...)`, as PyTorch's
        `Tensor.asin`; see `mg.asin` for the arguments and errors.

        Returns:
            the result of `mg.asin(self, ...)`.

        Examples:
            >>> x = mg.tensor([0.5, 1.0])
            >>> x.asin()
            tensor([0.5235988, 1.5707964])
        """
        return ops.asin(self)

    def acos(self):
        """arccos x elementwise (NaN outside [-1, 1]).

        The method form of `mg.acos`: `x.acos(...)` is `mg.acos(x, ...)`, as PyTorch's
        `Tensor.acos`; see `mg.acos` for the arguments and errors.

        Returns:
            the result of `mg.acos(self, ...)`.

        Examples:
            >>> x = mg.tensor([0.5, 1.0])
            >>> x.acos()
            tensor([1.0471976, 0.       ])
        """
        return ops.acos(self)

    def atan(self):
        """arctan x elementwise.

        The method form of `mg.atan`: `x.atan(...)` is `mg.atan(x, ...)`, as PyTorch's
        `Tensor.atan`; see `mg.atan` for the arguments and errors.

        Returns:
            the result of `mg.atan(self, ...)`.

        Examples:
            >>> x = mg.tensor([0.5, 1.0])
            >>> x.atan()
            tensor([0.4636476, 0.7853982])
        """
        return ops.atan(self)

    def sinh(self):
        """sinh x elementwise.

        The method form of `mg.sinh`: `x.sinh(...)` is `mg.sinh(x, ...)`, as PyTorch's
        `Tensor.sinh`; see `mg.sinh` for the arguments and errors.

        Returns:
            the result of `mg.sinh(self, ...)`.

        Examples:
            >>> x = mg.tensor([0.5, 1.0])
            >>> x.sinh()
            tensor([0.5210953, 1.1752012])
        """
        return ops.sinh(self)

    def cosh(self):
        """cosh x elementwise.

        The method form of `mg.cosh`: `x.cosh(...)` is `mg.cosh(x, ...)`, as PyTorch's
        `Tensor.cosh`; see `mg.cosh` for the arguments and errors.

        Returns:
            the result of `mg.cosh(self, ...)`.

        Examples:
            >>> x = mg.tensor([0.5, 1.0])
            >>> x.cosh()
            tensor([1.127626 , 1.5430806])
        """
        return ops.cosh(self)

    def asinh(self):
        """arsinh x elementwise.

        The method form of `mg.asinh`: `x.asinh(...)` is `mg.asinh(x, ...)`, as PyTorch's
        `Tensor.asinh`; see `mg.asinh` for the arguments and errors.

        Returns:
            the result of `mg.asinh(self, ...)`.

        Examples:
            >>> x = mg.tensor([0.5, 1.0])
            >>> x.asinh()
            tensor([0.48121184, 0.8813736 ])
        """
        return ops.asinh(self)

    def acosh(self):
        """arcosh x elementwise (NaN below 1).

        The method form of `mg.acosh`: `x.acosh(...)` is `mg.acosh(x, ...)`, as PyTorch's
        `Tensor.acosh`; see `mg.acosh` for the arguments and errors.

        Returns:
            the result of `mg.acosh(self, ...)`.

        Examples:
            >>> mg.tensor([1.0, 2.0]).acosh()
            tensor([0.      , 1.316958])
        """
        return ops.acosh(self)

    def atanh(self):
        """artanh x elementwise (NaN outside [-1, 1]).

        The method form of `mg.atanh`: `x.atanh(...)` is `mg.atanh(x, ...)`, as PyTorch's
        `Tensor.atanh`; see `mg.atanh` for the arguments and errors.

        Returns:
            the result of `mg.atanh(self, ...)`.

        Examples:
            >>> x = mg.tensor([0.0, 0.5])
            >>> x.atanh()
            tensor([0.        , 0.54930615])
        """
        return ops.atanh(self)

    def exp2(self):
        """2ˣ elementwise.

        The method form of `mg.exp2`: `x.exp2(...)` is `mg.exp2(x, ...)`, as PyTorch's
        `Tensor.exp2`; see `mg.exp2` for the arguments and errors.

        Returns:
            the result of `mg.exp2(self, ...)`.

        Examples:
            >>> x = mg.tensor([0.5, 1.0])
            >>> x.exp2()
            tensor([1.4142135, 2.       ])
        """
        return ops.exp2(self)

    def log2(self):
        """log₂ x elementwise.

        The method form of `mg.log2`: `x.log2(...)` is `mg.log2(x, ...)`, as PyTorch's
        `Tensor.log2`; see `mg.log2` for the arguments and errors.

        Returns:
            the result of `mg.log2(self, ...)`.

        Examples:
            >>> mg.tensor([1.0, 8.0]).log2()
            tensor([0., 3.])
        """
        return ops.log2(self)

    def log10(self):
        """log₁₀ x elementwise.

        The method form of `mg.log10`: `x.log10(...)` is `mg.log10(x, ...)`, as PyTorch's
        `Tensor.log10`; see `mg.log10` for the arguments and errors.

        Returns:
            the result of `mg.log10(self, ...)`.

        Examples:
            >>> mg.tensor([1.0, 100.0]).log10()
            tensor([0., 2.])
        """
        return ops.log10(self)

    def log1p(self):
        """ln(1 + x), accurate for small x.

        The method form of `mg.log1p`: `x.log1p(...)` is `mg.log1p(x, ...)`, as PyTorch's
        `Tensor.log1p`; see `mg.log1p` for the arguments and errors.

        Returns:
            the result of `mg.log1p(self, ...)`.

        Examples:
            >>> x = mg.tensor([0.5, 1.0])
            >>> x.log1p()
            tensor([0.4054651, 0.6931472])
        """
        return ops.log1p(self)

    def expm1(self):
        """eˣ - 1, accurate for small x.

        The method form of `mg.expm1`: `x.expm1(...)` is `mg.expm1(x, ...)`, as PyTorch's
        `Tensor.expm1`; see `mg.expm1` for the arguments and errors.

        Returns:
            the result of `mg.expm1(self, ...)`.

        Examples:
            >>> x = mg.tensor([0.5, 1.0])
            >>> x.expm1()
            tensor([0.6487213, 1.7182817])
        """
        return ops.expm1(self)

    def rsqrt(self):
        """1 / √x elementwise.

        The method form of `mg.rsqrt`: `x.rsqrt(...)` is `mg.rsqrt(x, ...)`, as PyTorch's
        `Tensor.rsqrt`; see `mg.rsqrt` for the arguments and errors.

        Returns:
            the result of `mg.rsqrt(self, ...)`.

        Examples:
            >>> mg.tensor([1.0, 4.0]).rsqrt()
            tensor([1. , 0.5])
        """
        return ops.rsqrt(self)

    def erf(self):
        """The error function (2/√π) ∫₀ˣ e^(-t²) dt elementwise.

        The method form of `mg.erf`: `x.erf(...)` is `mg.erf(x, ...)`, as PyTorch's
        `Tensor.erf`; see `mg.erf` for the arguments and errors.

        Returns:
            the result of `mg.erf(self, ...)`.

        Examples:
            >>> x = mg.tensor([0.5, 1.0])
            >>> x.erf()
            tensor([0.5204999, 0.8427008])
        """
        return ops.erf(self)

    def sign(self):
        """-1, 0 or 1 by the sign of x (gradient 0).

        The method form of `mg.sign`: `x.sign(...)` is `mg.sign(x, ...)`, as PyTorch's
        `Tensor.sign`; see `mg.sign` for the arguments and errors.

        Returns:
            the result of `mg.sign(self, ...)`.

        Examples:
            >>> mg.tensor([-2.0, 0.0, 3.0]).sign()
            tensor([-1.,  0.,  1.])
        """
        return ops.sign(self)

    def floor(self):
        """The largest integer ≤ x, in x's dtype (gradient 0).

        The method form of `mg.floor`: `x.floor(...)` is `mg.floor(x, ...)`, as PyTorch's
        `Tensor.floor`; see `mg.floor` for the arguments and errors.

        Returns:
            the result of `mg.floor(self, ...)`.

        Examples:
            >>> mg.tensor([-1.5, 1.5]).floor()
            tensor([-2.,  1.])
        """
        return ops.floor(self)

    def ceil(self):
        """The smallest integer ≥ x, in x's dtype (gradient 0).

        The method form of `mg.ceil`: `x.ceil(...)` is `mg.ceil(x, ...)`, as PyTorch's
        `Tensor.ceil`; see `mg.ceil` for the arguments and errors.

        Returns:
            the result of `mg.ceil(self, ...)`.

        Examples:
            >>> mg.tensor([-1.5, 1.5]).ceil()
            tensor([-1.,  2.])
        """
        return ops.ceil(self)

    def round(self, decimals=0):
        """x rounded half to even, in x's dtype (gradient 0).

        The method form of `mg.round`: `x.round(...)` is `mg.round(x, ...)`, as PyTorch's
        `Tensor.round`; see `mg.round` for the arguments and errors.

        Returns:
            the result of `mg.round(self, ...)`.

        Examples:
            >>> mg.tensor([1.234, 2.5]).round()
            tensor([1., 2.])
            >>> mg.tensor([1.234]).round(decimals=2)
            tensor([1.23])
        """
        return ops.round(self, decimals)

    def trunc(self):
        """x rounded toward zero, in x's dtype (gradient 0).

        The method form of `mg.trunc`: `x.trunc(...)` is `mg.trunc(x, ...)`, as PyTorch's
        `Tensor.trunc`; see `mg.trunc` for the arguments and errors.

        Returns:
            the result of `mg.trunc(self, ...)`.

        Examples:
            >>> mg.tensor([-1.5, 1.5]).trunc()
            tensor([-1.,  1.])
        """
        return ops.trunc(self)

    def fmod(self, other):
        """The remainder with the sign of a (PyTorch's fmod).

        The method form of `mg.fmod`: `x.fmod(...)` is `mg.fmod(x, ...)`, as PyTorch's
        `Tensor.fmod`; see `mg.fmod` for the arguments and errors.

        Returns:
            the result of `mg.fmod(self, ...)`.

        Examples:
            >>> mg.tensor([-3.0, 3.0]).fmod(2.0)
            tensor([-1.,  1.])
        """
        return ops.fmod(self, other)

    def remainder(self, other):
        """The remainder with the sign of b: Python's and PyTorch's `%`.

        The method form of `mg.remainder`: `x.remainder(...)` is `mg.remainder(x, ...)`, as
        PyTorch's `Tensor.remainder`; see `mg.remainder` for the arguments and errors.

        Returns:
            the result of `mg.remainder(self, ...)`.

        Examples:
            >>> mg.tensor([-3.0, 3.0]).remainder(2.0)
            tensor([1., 1.])
        """
        return ops.remainder(self, other)

    def lerp(self, end, weight):
        """start + weight (end - start), differentiable in all three.

        The method form of `mg.lerp`: `x.lerp(...)` is `mg.lerp(x, ...)`, as PyTorch's
        `Tensor.lerp`; see `mg.lerp` for the arguments and errors.

        Returns:
            the result of `mg.lerp(self, ...)`.

        Examples:
            >>> mg.tensor([0.0]).lerp(mg.tensor([10.0]), 0.25)
            tensor([2.5])
        """
        return ops.lerp(self, end, weight)

    def logaddexp(self, other):
        """ln(eᵃ + eᵇ) without overflow: m + ln(e^(a-m) + e^(b-m)) with m = max(a, b), m held
        constant (it cancels in the derivative, which is the two softmax weights).

        The method form of `mg.logaddexp`: `x.logaddexp(...)` is `mg.logaddexp(x, ...)`, as
        PyTorch's `Tensor.logaddexp`; see `mg.logaddexp` for the arguments and errors.

        Returns:
            the result of `mg.logaddexp(self, ...)`.

        Examples:
            >>> mg.tensor([0.0]).logaddexp(mg.tensor([0.0]))
            tensor([0.6931472])
        """
        return ops.logaddexp(self, other)

    def isnan(self):
        """Whether each element is NaN: a boolean tensor (not differentiable).

        The method form of `mg.isnan`: `x.isnan(...)` is `mg.isnan(x, ...)`, as PyTorch's
        `Tensor.isnan`; see `mg.isnan` for the arguments and errors.

        Returns:
            the result of `mg.isnan(self, ...)`.

        Examples:
            >>> mg.tensor([1.0, float("nan")]).isnan()
            tensor([False,  True], dtype=bool)
        """
        return ops.isnan(self)

    def isinf(self):
        """Whether each element is infinite (either sign): a boolean tensor (not differentiable).

        The method form of `mg.isinf`: `x.isinf(...)` is `mg.isinf(x, ...)`, as PyTorch's
        `Tensor.isinf`; see `mg.isinf` for the arguments and errors.

        Returns:
            the result of `mg.isinf(self, ...)`.

        Examples:
            >>> mg.tensor([1.0, float("inf")]).isinf()
            tensor([False,  True], dtype=bool)
        """
        return ops.isinf(self)

    def isfinite(self):
        """Whether each element is finite (neither NaN nor infinite): a boolean tensor (not
        differentiable).

        The method form of `mg.isfinite`: `x.isfinite(...)` is `mg.isfinite(x, ...)`, as
        PyTorch's `Tensor.isfinite`; see `mg.isfinite` for the arguments and errors.

        Returns:
            the result of `mg.isfinite(self, ...)`.

        Examples:
            >>> mg.tensor([1.0, float("inf")]).isfinite()
            tensor([ True, False], dtype=bool)
        """
        return ops.isfinite(self)

    def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        """|a - b| ≤ atol + rtol |b| elementwise: a boolean tensor.

        The method form of `mg.isclose`: `x.isclose(...)` is `mg.isclose(x, ...)`, as PyTorch's
        `Tensor.isclose`; see `mg.isclose` for the arguments and errors.

        Returns:
            the result of `mg.isclose(self, ...)`.

        Examples:
            >>> mg.tensor([1.0, 2.0]).isclose(mg.tensor([1.0, 2.5]))
            tensor([ True, False], dtype=bool)
        """
        return ops.isclose(self, other, rtol, atol, equal_nan)

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        """Whether every element is close (a Python bool: one explicit device sync).

        The method form of `mg.allclose`: `x.allclose(...)` is `mg.allclose(x, ...)`, as
        PyTorch's `Tensor.allclose`; see `mg.allclose` for the arguments and errors.

        Returns:
            the result of `mg.allclose(self, ...)`.

        Examples:
            >>> mg.tensor([1.0, 2.0]).allclose(mg.tensor([1.0, 2.0]))
            True
        """
        return ops.allclose(self, other, rtol, atol, equal_nan)

    def maximum(self, other):
        """Elementwise larger of a and b (broadcasting; ties split the gradient).

        The method form of `mg.maximum`: `x.maximum(...)` is `mg.maximum(x, ...)`, as PyTorch's
        `Tensor.maximum`; see `mg.maximum` for the arguments and errors.

        Returns:
            the result of `mg.maximum(self, ...)`.

        Examples:
            >>> mg.tensor([1.0, 4.0]).maximum(mg.tensor([3.0, 2.0]))
            tensor([3., 4.])
        """
        return ops.maximum(self, other)

    def minimum(self, other):
        """Elementwise smaller of a and b (broadcasting; ties split the gradient).

        The method form of `mg.minimum`: `x.minimum(...)` is `mg.minimum(x, ...)`, as PyTorch's
        `Tensor.minimum`; see `mg.minimum` for the arguments and errors.

        Returns:
            the result of `mg.minimum(self, ...)`.

        Examples:
            >>> mg.tensor([1.0, 4.0]).minimum(mg.tensor([3.0, 2.0]))
            tensor([1., 2.])
        """
        return ops.minimum(self, other)
    # scans, orderings and rearrangements (minigrad.ops.scans, arranging, einsum)
    @torch_keywords
    def prod(self, axis=None, keepdims=False):
        """The product over `axis` (None: all elements), the last running product.

        The method form of `mg.prod`: `x.prod(...)` is `mg.prod(x, ...)`, as PyTorch's
        `Tensor.prod`; see `mg.prod` for the arguments and errors.

        Returns:
            the result of `mg.prod(self, ...)`.

        Examples:
            >>> x = mg.tensor([[1.0, 2.0], [3.0, 4.0]])
            >>> x.prod(axis=1)
            tensor([ 2., 12.])
        """
        return ops.prod(self, axis, keepdims)

    @torch_keywords
    def cumsum(self, axis):
        """Running sums along `axis`.

        The method form of `mg.cumsum`: `x.cumsum(...)` is `mg.cumsum(x, ...)`, as PyTorch's
        `Tensor.cumsum`; see `mg.cumsum` for the arguments and errors.

        Returns:
            the result of `mg.cumsum(self, ...)`.

        Examples:
            >>> mg.tensor([1.0, 2.0, 3.0]).cumsum(0)
            tensor([1., 3., 6.])
        """
        return ops.cumsum(self, axis)

    @torch_keywords
    def cumprod(self, axis):
        """Running products along `axis` (exact gradients at zeros; first order only).

        The method form of `mg.cumprod`: `x.cumprod(...)` is `mg.cumprod(x, ...)`, as PyTorch's
        `Tensor.cumprod`; see `mg.cumprod` for the arguments and errors.

        Returns:
            the result of `mg.cumprod(self, ...)`.

        Examples:
            >>> mg.tensor([1.0, 2.0, 3.0]).cumprod(0)
            tensor([1., 2., 6.])
        """
        return ops.cumprod(self, axis)

    @torch_keywords
    def cummax(self, axis):
        """(values, indices) of the running maximum along `axis`.

        The method form of `mg.cummax`: `x.cummax(...)` is `mg.cummax(x, ...)`, as PyTorch's
        `Tensor.cummax`; see `mg.cummax` for the arguments and errors.

        Returns:
            the result of `mg.cummax(self, ...)`.

        Examples:
            >>> mg.tensor([1.0, 3.0, 2.0]).cummax(0).values
            tensor([1., 3., 3.])
        """
        return ops.cummax(self, axis)

    @torch_keywords
    def cummin(self, axis):
        """(values, indices) of the running minimum along `axis`.

        The method form of `mg.cummin`: `x.cummin(...)` is `mg.cummin(x, ...)`, as PyTorch's
        `Tensor.cummin`; see `mg.cummin` for the arguments and errors.

        Returns:
            the result of `mg.cummin(self, ...)`.

        Examples:
            >>> mg.tensor([3.0, 1.0, 2.0]).cummin(0).values
            tensor([3., 1., 1.])
        """
        return ops.cummin(self, axis)

    @torch_keywords
    def logcumsumexp(self, axis):
        """log Σ_{i ≤ j} e^(x_i) along `axis`, shifted by the axis maximum (held constant).

        The method form of `mg.logcumsumexp`: `x.logcumsumexp(...)` is `mg.logcumsumexp(x,
        ...)`, as PyTorch's `Tensor.logcumsumexp`; see `mg.logcumsumexp` for the arguments and
        errors.

        Returns:
            the result of `mg.logcumsumexp(self, ...)`.

        Examples:
            >>> mg.tensor([0.0, 0.0]).logcumsumexp(0)
            tensor([0.       , 0.6931472])
        """
        return ops.logcumsumexp(self, axis)

    @torch_keywords
    def sort(self, axis=-1, descending=False, stable=False):
        """(values, indices) sorted along `axis` (ties keep their order).

        The method form of `mg.sort`: `x.sort(...)` is `mg.sort(x, ...)`, as PyTorch's
        `Tensor.sort`; see `mg.sort` for the arguments and errors.

        Returns:
            the result of `mg.sort(self, ...)`.

        Examples:
            >>> mg.tensor([3.0, 1.0, 2.0]).sort(descending=True)
            MaxMin(values=tensor([3., 2., 1.]), indices=tensor([0, 2, 1]))
        """
        return ops.sort(self, axis, descending, stable)

    @torch_keywords
    def argsort(self, axis=-1, descending=False, stable=False):
        """The indices that sort x along `axis` (not differentiable).

        The method form of `mg.argsort`: `x.argsort(...)` is `mg.argsort(x, ...)`, as PyTorch's
        `Tensor.argsort`; see `mg.argsort` for the arguments and errors.

        Returns:
            the result of `mg.argsort(self, ...)`.

        Examples:
            >>> mg.tensor([3.0, 1.0, 2.0]).argsort()
            tensor([1, 2, 0])
        """
        return ops.argsort(self, axis, descending, stable)

    @torch_keywords
    def topk(self, k, axis=-1, largest=True, sorted=True):
        """(values, indices) of the k largest (or smallest) entries along `axis`.

        The method form of `mg.topk`: `x.topk(...)` is `mg.topk(x, ...)`, as PyTorch's
        `Tensor.topk`; see `mg.topk` for the arguments and errors.

        Returns:
            the result of `mg.topk(self, ...)`.

        Examples:
            >>> mg.tensor([1.0, 4.0, 2.0]).topk(2)
            MaxMin(values=tensor([4., 2.]), indices=tensor([1, 2]))
        """
        return ops.topk(self, k, axis, largest, sorted)

    def flip(self, *axes, dims=None):
        """x reversed along `axis` (an int or a tuple; PyTorch's dims=).

        The method form of `mg.flip`: `x.flip(...)` is `mg.flip(x, ...)`, as PyTorch's
        `Tensor.flip`; see `mg.flip` for the arguments and errors.

        Returns:
            the result of `mg.flip(self, ...)`.

        Examples:
            >>> mg.arange(3).flip(0)
            tensor([2, 1, 0])
        """
        return ops.flip(self, dims if dims is not None else axes[0] if len(axes) == 1 else axes)

    def roll(self, shifts, dims=None):
        """Elements shifted by `shifts` along `dims`, wrapping around (no dims: over the flat
        tensor, then the shape restored), as PyTorch.

        The method form of `mg.roll`: `x.roll(...)` is `mg.roll(x, ...)`, as PyTorch's
        `Tensor.roll`; see `mg.roll` for the arguments and errors.

        Returns:
            the result of `mg.roll(self, ...)`.

        Examples:
            >>> mg.arange(3).roll(1)
            tensor([2, 0, 1])
        """
        return ops.roll(self, shifts, dims)

    def repeat(self, *repeats):
        """PyTorch's repeat (NumPy's tile): the whole tensor repeated `repeats[i]` times along axis
        i; extra leading repeats add axes.

        The method form of `mg.repeat`: `x.repeat(...)` is `mg.repeat(x, ...)`, as PyTorch's
        `Tensor.repeat`; see `mg.repeat` for the arguments and errors.

        Returns:
            the result of `mg.repeat(self, ...)`.

        Examples:
            >>> mg.tensor([1.0, 2.0]).repeat(2)
            tensor([1., 2., 1., 2.])
        """
        return ops.repeat(self, *repeats)

    @torch_keywords
    def repeat_interleave(self, repeats, axis=None):
        """Each element repeated `repeats` times (an int, or one count per element) along `axis`;
        with no axis, over the flattened tensor.

        The method form of `mg.repeat_interleave`: `x.repeat_interleave(...)` is
        `mg.repeat_interleave(x, ...)`, as PyTorch's `Tensor.repeat_interleave`; see
        `mg.repeat_interleave` for the arguments and errors.

        Returns:
            the result of `mg.repeat_interleave(self, ...)`.

        Examples:
            >>> mg.tensor([1.0, 2.0]).repeat_interleave(2)
            tensor([1., 1., 2., 2.])
        """
        return ops.repeat_interleave(self, repeats, axis)

    def tril(self, diagonal=0):
        """The lower triangle of the last two axes (on and below `diagonal`); zeros above.

        The method form of `mg.tril`: `x.tril(...)` is `mg.tril(x, ...)`, as PyTorch's
        `Tensor.tril`; see `mg.tril` for the arguments and errors.

        Returns:
            the result of `mg.tril(self, ...)`.

        Examples:
            >>> mg.ones(2, 2).tril()
            tensor([[1., 0.],
                    [1., 1.]])
        """
        return ops.tril(self, diagonal)

    def triu(self, diagonal=0):
        """The upper triangle of the last two axes (on and above `diagonal`); zeros below.

        The method form of `mg.triu`: `x.triu(...)` is `mg.triu(x, ...)`, as PyTorch's
        `Tensor.triu`; see `mg.triu` for the arguments and errors.

        Returns:
            the result of `mg.triu(self, ...)`.

        Examples:
            >>> mg.ones(2, 2).triu()
            tensor([[1., 1.],
                    [0., 1.]])
        """
        return ops.triu(self, diagonal)

    @torch_keywords(dim1="axis1", dim2="axis2")
    def diagonal(self, offset=0, axis1=0, axis2=1):
        """The diagonal of axes (axis1, axis2), as a new last axis (PyTorch's dim1=/dim2=).

        The method form of `mg.diagonal`: `x.diagonal(...)` is `mg.diagonal(x, ...)`, as
        PyTorch's `Tensor.diagonal`; see `mg.diagonal` for the arguments and errors.

        Returns:
            the result of `mg.diagonal(self, ...)`.

        Examples:
            >>> x = mg.tensor([[1.0, 2.0], [3.0, 4.0]])
            >>> x.diagonal()
            tensor([1., 4.])
        """
        return ops.diagonal(self, offset, axis1, axis2)

    def diag(self, diagonal=0):
        """1-D x: the square matrix with x on its `diagonal`. 2-D x: that diagonal, 1-D.

        The method form of `mg.diag`: `x.diag(...)` is `mg.diag(x, ...)`, as PyTorch's
        `Tensor.diag`; see `mg.diag` for the arguments and errors.

        Returns:
            the result of `mg.diag(self, ...)`.

        Examples:
            >>> mg.tensor([1.0, 2.0]).diag()
            tensor([[1., 0.],
                    [0., 2.]])
        """
        return ops.diag(self, diagonal)

    @torch_keywords
    def unflatten(self, axis, sizes):
        """Split axis `axis` into `sizes` (one may be -1).

        The method form of `mg.unflatten`: `x.unflatten(...)` is `mg.unflatten(x, ...)`, as
        PyTorch's `Tensor.unflatten`; see `mg.unflatten` for the arguments and errors.

        Returns:
            the result of `mg.unflatten(self, ...)`.

        Examples:
            >>> mg.zeros(6).unflatten(0, (2, 3)).shape
            (2, 3)
        """
        return ops.unflatten(self, axis, sizes)

    @torch_keywords
    def narrow(self, axis, start, length):
        """x[..., start:start + length, ...] along `axis` (start may be negative).

        The method form of `mg.narrow`: `x.narrow(...)` is `mg.narrow(x, ...)`, as PyTorch's
        `Tensor.narrow`; see `mg.narrow` for the arguments and errors.

        Returns:
            the result of `mg.narrow(self, ...)`.

        Examples:
            >>> mg.arange(5).narrow(0, 1, 2)
            tensor([1, 2])
        """
        return ops.narrow(self, axis, start, length)


class HookHandle:
    """What registering a hook returns: `remove()` unregisters it (again is a no-op)."""

    def __init__(self, hooks: list, fn):
        self._hooks, self._fn = hooks, fn

    def remove(self) -> None:
        if self._fn in self._hooks:
            self._hooks.remove(self._fn)


def _inplace(tensor: Tensor, other, name: str, op):
    other_requires_grad = isinstance(other, Tensor) and other._requires_grad
    if _grad_enabled.get() and (tensor._requires_grad or other_requires_grad):
        if tensor._creator is None and tensor._requires_grad:
            raise RuntimeError(
                f"{name}: a leaf tensor that requires grad cannot be modified in place while "
                "gradients are recorded; update parameters under `with mg.no_grad():`, or "
                "write `w = w + ...` to build a new tensor"
            )
        return op(tensor, other)  # a new tensor: the recorded values stay intact
    result = op(tensor, other)
    if result.shape != tensor.shape:
        raise ValueError(
            f"{name}: result of shape {tuple(result.shape)} does not fit in place into a "
            f"tensor of shape {tuple(tensor.shape)}"
        )
    xp = _backend.backend_of_array(tensor.data).xp
    xp.copyto(tensor._data, result._data, casting="same_kind")
    tensor._version[0] += 1
    return tensor


def _checked_grad(tensor: Tensor, value):
    """`value` as a gradient for `tensor`: an array of its shape, dtype and backend
    (PyTorch refuses the same at assignment, so `step()` never broadcasts a wrong one)."""
    if isinstance(value, Tensor):
        value = value._data
    data = tensor._data
    if isinstance(value, RowSparseGrad):  # an embedding's row-sparse gradient
        if tuple(value.shape) != tuple(data.shape):
            raise RuntimeError(
                f"attempting to assign a sparse gradient of shape {tuple(value.shape)} to a "
                f"tensor of shape {tuple(data.shape)}")
        return value
    if type(value) is not type(data):
        owner, home = _backend.backend_of_array(value), _backend.backend_of_array(data)
        if owner is None:
            raise TypeError(
                f"assigned grad must be a backend array like .data (or None), got {type(value).__name__}; "
                "e.g. p.grad = mg.get_array_module(p).zeros_like(p.data)")
        if owner is not home:
            raise _backend.BackendMismatchError(
                f"attempting to assign a gradient on {owner.name} to a tensor on {home.name}; "
                f"move it explicitly with mg.tensor(grad).to({home.name!r}).data")
        value = owner.xp.asarray(value)  # a NumPy scalar (a 0-d result) as a 0-d array
    if value.shape != data.shape:
        raise RuntimeError(
            f"attempting to assign a gradient of shape {tuple(value.shape)} to a tensor of shape "
            f"{tuple(data.shape)}; a gradient has its tensor's shape (reduce or reshape it first)")
    if value.dtype != data.dtype:
        raise RuntimeError(
            f"attempting to assign a gradient of dtype {value.dtype} to a tensor of dtype {data.dtype}; "
            f"cast it first (grad.astype({str(data.dtype)!r}))")
    return value


def _to_array(data, dtype, backend):
    """Any accepted input (scalar, list, host or device array, Tensor) → backend array."""
    target = _backend.get_backend(backend) if backend is not None else None
    dtype = _backend.to_dtype(dtype) if dtype is not None else None
    if isinstance(data, Tensor):
        data = data.data
    if _backend.is_backend_array(data):
        _backend.check_numeric(data.dtype)
        owner = _backend.backend_of_array(data)
        if target is not None and target is not owner:
            data = target.from_host(owner.to_host(data))  # explicit: the user asked
            return data if dtype is None or data.dtype == dtype else data.astype(dtype)
        if dtype is not None and data.dtype != dtype:
            return data.astype(dtype)
        return data.copy()  # like torch.tensor: later writes to the source never leak in
    host = _backend.host_array(data, dtype)
    target = target or _backend.get_backend()
    return host if target is _backend.NUMPY else target.from_host(host)


def _coerce_data(tensor: Tensor, value):
    """What `tensor.data = value` stores (see `Tensor.data`), or a TypeError."""
    if isinstance(value, Tensor):
        value = value.data
    if _backend.is_backend_array(value):
        array = value
    elif isinstance(value, (bool, int, float, list, tuple)) or _backend.is_host_array(value):
        current = getattr(tensor, "_data", None)
        if current is None:
            raise TypeError("Tensor.data: the tensor has no array yet")
        owner = _backend.backend_of_array(current)
        host = _backend.host_array(value, current.dtype)
        array = host if owner is _backend.NUMPY else owner.from_host(host)
    else:
        raise TypeError(
            f"Tensor.data accepts a backend array, a Tensor, a Python number or a (nested) "
            f"list of numbers, not {type(value).__name__}"
        )
    if tensor._requires_grad and array.dtype.kind != "f":
        raise TypeError(
            f"Tensor.data: this tensor requires grad, so its data must stay floating, got "
            f"{array.dtype}"
        )
    return array


def _root_grad(root: Tensor, grad, caller: str) -> Tensor:
    if grad is None:
        if root.size != 1:
            raise RuntimeError(
                f"{caller}: the output has shape {tuple(root.shape)}; gradients can be "
                "created implicitly only for one-element outputs. Pass grad= (an array "
                "or Tensor of the same shape), or reduce first, e.g. out.sum().backward()"
            )
        xp = _backend.backend_of_array(root.data).xp
        return Tensor._make(xp.ones(root.shape, dtype=root.dtype), False, None, 0)
    if not isinstance(grad, Tensor):
        try:
            grad = Tensor(grad, backend=root.backend)
        except (TypeError, ValueError) as err:
            raise TypeError(f"{caller}: grad must be an array or Tensor of numbers, got "
                            f"{type(grad).__name__} ({err})") from err
    if grad.backend != root.backend:
        raise _backend.BackendMismatchError(
            f"{caller}: grad lives on {grad.backend} but the output on {root.backend}"
        )
    if grad.shape != root.shape:
        raise RuntimeError(
            f"{caller}: grad has shape {tuple(grad.shape)} but the output has shape "
            f"{tuple(root.shape)}"
        )
    kind = grad.dtype.kind
    if kind not in "biufc" or (kind == "c") != (root.dtype.kind == "c"):
        raise TypeError(
            f"{caller}: grad has dtype {grad.dtype} but the output has dtype {root.dtype}; pass a "
            f"{'complex' if root.dtype.kind == 'c' else 'real'} numeric grad"
        )
    if grad.dtype != root.dtype:  # as PyTorch: a real grad is cast to the output's dtype
        grad = Tensor._make(grad._data.astype(root.dtype), False, None, 0)
    return grad


from . import function as _function

_function.Tensor = Tensor
_function._make = Tensor._make
from . import ops
