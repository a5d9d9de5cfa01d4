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

    >>> x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> (x * x).sum().backward()
    >>> x.grad
    array([2., 4., 6.], dtype=float32)
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
        as an in-place change, so a graph that used the old values refuses to backpropagate."""
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
        """The gradient array (same shape, dtype and backend as `.data`), or None."""
        return self._grad

    @grad.setter
    def grad(self, value) -> None:
        self._grad = None if value is None else _checked_grad(self, value)


    @property
    def requires_grad(self) -> bool:
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
        self.requires_grad = flag
        return self

    @property
    def shape(self) -> tuple:
        return self._data.shape

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def size(self) -> _Size:
        """The number of elements (NumPy's `.size`), also callable as PyTorch's
        `x.size()` (the shape) and `x.size(dim)` (one axis' length)."""
        return _Size(self._data.size, self._data.shape)

    def numel(self) -> int:
        """The number of elements (PyTorch's numel)."""
        return self._data.size

    def dim(self) -> int:
        """The number of axes (PyTorch's dim())."""
        return self._data.ndim

    @property
    def device(self) -> str:
        """PyTorch's device name for this tensor's backend: "cpu" or "cuda"."""
        return _DEVICE_OF_BACKEND.get(self.backend, self.backend)

    @property
    def is_cuda(self) -> bool:
        return self.backend == "cupy"

    @property
    def dtype(self):
        return self._data.dtype

    @property
    def backend(self) -> str:
        return _backend.backend_of_array(self._data).name

    @property
    def is_leaf(self) -> bool:
        return self._creator is None

    @property
    def grad_fn(self):
        """The graph node that produced this tensor (None for leaves)."""
        return self._creator

    @property
    def T(self) -> Tensor:
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
        """The value of a one-element tensor as a Python number (a device sync)."""
        if self.size != 1:
            raise ValueError(f"item(): tensor has {self.size} elements, not 1")
        return self._data.item()

    def numpy(self):
        """A NumPy copy on the host (an explicit transfer for device tensors)."""
        host = _backend.backend_of_array(self._data).to_host(self._data)
        return host.copy() if host is self._data else host

    def tolist(self):
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
        counter, so an in-place write through it is still seen by the graph."""
        t = Tensor._make(self._data, False, None, 0)
        t._version = self._version
        return t

    def to(self, *args, dtype=None, backend=None, device=None) -> Tensor:
        """A differentiable copy on another backend and/or dtype. Backends by our names
        ("numpy", "cupy") or PyTorch's devices ("cpu", "cuda", "cuda:0"); dtypes as
        `to(mg.float64)`, `to("float64")` or `to(dtype=...)`, as PyTorch's `.to`."""
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
        """PyTorch's `.cpu()`: the tensor on the NumPy backend."""
        return self.to("numpy")

    def cuda(self) -> Tensor:
        """PyTorch's `.cuda()`: the tensor on the CuPy backend."""
        return self.to("cupy")

    def type_as(self, other: Tensor) -> Tensor:
        return self.astype(other.dtype)

    def astype(self, dtype) -> Tensor:
        return ops.cast(self, _backend.to_dtype(dtype))

    def float(self) -> Tensor:
        return self.astype("float32")

    def double(self) -> Tensor:
        return self.astype("float64")

    def long(self) -> Tensor:
        return self.astype("int64")

    def int(self) -> Tensor:
        return self.astype("int32")

    def bool(self) -> Tensor:
        return self.astype("bool")

    def half(self) -> Tensor:
        return self.astype("float16")

    def is_floating_point(self) -> bool:
        return self.dtype.kind == "f"

    def clone(self) -> Tensor:
        """A differentiable copy with its own array."""
        return ops.clone(self)

    def contiguous(self) -> Tensor:
        """PyTorch's contiguous(): every minigrad tensor already is one, so itself."""
        return self

    def _new(self, factory, args, dtype, backend, requires_grad, **kw) -> Tensor:
        from . import creation

        return getattr(creation, factory)(
            *args, dtype=self.dtype if dtype is None else dtype,
            backend=self.backend if backend is None else backend,
            requires_grad=requires_grad, **kw)

    def new_zeros(self, *shape, dtype=None, backend=None, requires_grad=False) -> Tensor:
        """Zeros of `shape` with this tensor's dtype and backend (PyTorch's new_zeros)."""
        return self._new("zeros", shape, dtype, backend, requires_grad)

    def new_ones(self, *shape, dtype=None, backend=None, requires_grad=False) -> Tensor:
        return self._new("ones", shape, dtype, backend, requires_grad)

    def new_full(self, shape, fill_value, dtype=None, backend=None, requires_grad=False) -> Tensor:
        return self._new("full", (shape, fill_value), dtype, backend, requires_grad)

    def new_empty(self, *shape, dtype=None, backend=None, requires_grad=False) -> Tensor:
        return self._new("empty", shape, dtype, backend, requires_grad)

    def new_tensor(self, data, dtype=None, backend=None, requires_grad=False) -> Tensor:
        return Tensor(data, requires_grad=requires_grad,
                      dtype=self.dtype if dtype is None else dtype,
                      backend=self.backend if backend is None else backend)

    # -- gradients ------------------------------------------------------------------
    def backward(self, grad=None, retain_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's `.grad`.

        `grad` (array or Tensor, same shape) is required unless self has one element.
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
        self.grad = None

    def retain_grad(self) -> None:
        """Keep `.grad` on this non-leaf tensor after backward (leaves always keep it)."""
        if self._creator is None:
            return
        node = self._creator
        if node._retained is None:
            node._retained = {}
        node._retained[self._output_index] = weakref.ref(self)

    def register_hook(self, fn) -> None:
        """Call fn(grad_array) when this tensor's gradient is computed; a returned array
        replaces the gradient."""
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
    def sum(self, axis=None, keepdims=False): return ops.sum(self, axis, keepdims)
    @torch_keywords
    def mean(self, axis=None, keepdims=False): return ops.mean(self, axis, keepdims)
    @torch_keywords
    def var(self, axis=None, keepdims=False, ddof=None, *, correction=None, unbiased=None):
        return ops.var(self, axis, keepdims, ddof, correction=correction, unbiased=unbiased)
    @torch_keywords
    def std(self, axis=None, keepdims=False, ddof=None, *, correction=None, unbiased=None):
        return ops.std(self, axis, keepdims, ddof, correction=correction, unbiased=unbiased)
    def max(self, *args, **kwargs): return ops.max(self, *args, **kwargs)
    def min(self, *args, **kwargs): return ops.min(self, *args, **kwargs)
    @torch_keywords
    def amax(self, axis=None, keepdims=False): return ops.amax(self, axis, keepdims)
    @torch_keywords
    def amin(self, axis=None, keepdims=False): return ops.amin(self, axis, keepdims)
    @torch_keywords
    def argmax(self, axis=None, keepdims=False): return ops.argmax(self, axis, keepdims)
    @torch_keywords
    def argmin(self, axis=None, keepdims=False): return ops.argmin(self, axis, keepdims)
    @torch_keywords
    def any(self, axis=None, keepdims=False): return ops.any(self, axis, keepdims)
    @torch_keywords
    def all(self, axis=None, keepdims=False): return ops.all(self, axis, keepdims)
    def exp(self): return ops.exp(self)
    def log(self): return ops.log(self)
    def sqrt(self): return ops.sqrt(self)
    def tanh(self): return ops.tanh(self)
    def sigmoid(self): return ops.sigmoid(self)
    def relu(self): return ops.relu(self)
    def abs(self): return ops.abs(self)
    def clip(self, lo=None, hi=None): return ops.clip(self, lo, hi)
    clamp = clip
    def reshape(self, *shape): return ops.reshape(self, *shape)
    def view(self, *shape): return ops.reshape(self, *shape)
    def view_as(self, other): return ops.reshape(self, other.shape)
    def reshape_as(self, other): return ops.reshape(self, other.shape)
    def expand_as(self, other): return ops.expand(self, other.shape)
    def transpose(self, *axes, dim0=None, dim1=None):
        return ops.transpose(self, *axes, dim0=dim0, dim1=dim1)
    def permute(self, *axes): return ops.permute(self, *axes)
    def t(self): return ops.t(self)
    @torch_keywords(dim0="axis1", dim1="axis2")
    def swapaxes(self, axis1, axis2): return ops.swapaxes(self, axis1, axis2)
    @torch_keywords
    def squeeze(self, axis=None): return ops.squeeze(self, axis)
    @torch_keywords
    def unsqueeze(self, axis): return ops.unsqueeze(self, axis)
    @torch_keywords
    def flatten(self, start_axis=0, end_axis=-1): return ops.flatten(self, start_axis, end_axis)
    def broadcast_to(self, *shape): return ops.broadcast_to(self, *shape)
    def expand(self, *shape): return ops.expand(self, *shape)
    @torch_keywords
    def softmax(self, axis=-1): return ops.softmax(self, axis)
    @torch_keywords
    def log_softmax(self, axis=-1): return ops.log_softmax(self, axis)
    @torch_keywords
    def logsumexp(self, axis=None, keepdims=False): return ops.logsumexp(self, axis, keepdims)
    def matmul(self, other): return ops.matmul(self, other)
    @torch_keywords
    def split(self, split_size_or_sections, axis=0):
        return ops.split(self, split_size_or_sections, axis)
    @torch_keywords
    def chunk(self, chunks, axis=0): return ops.chunk(self, chunks, axis)
    @torch_keywords
    def unbind(self, axis=0): return ops.unbind(self, axis)
    @torch_keywords
    def gather(self, axis, index): return ops.gather(self, axis, index)
    @torch_keywords
    def scatter(self, axis, index, src): return ops.scatter(self, axis, index, src)
    @torch_keywords
    def scatter_add(self, axis, index, src): return ops.scatter_add(self, axis, index, src)
    @torch_keywords
    def index_select(self, axis, index): return ops.index_select(self, axis, index)
    def masked_fill(self, mask, value): return ops.masked_fill(self, mask, value)
    def masked_select(self, mask): return ops.masked_select(self, mask)
    def nonzero(self, as_tuple=False): return ops.nonzero(self, as_tuple)
    # elementwise functions of issue 13 (see minigrad.ops.trigonometric, exponential, rounding)
    def sin(self): return ops.sin(self)
    def cos(self): return ops.cos(self)
    def tan(self): return ops.tan(self)
    def asin(self): return ops.asin(self)
    def acos(self): return ops.acos(self)
    def atan(self): return ops.atan(self)
    def sinh(self): return ops.sinh(self)
    def cosh(self): return ops.cosh(self)
    def asinh(self): return ops.asinh(self)
    def acosh(self): return ops.acosh(self)
    def atanh(self): return ops.atanh(self)
    def exp2(self): return ops.exp2(self)
    def log2(self): return ops.log2(self)
    def log10(self): return ops.log10(self)
    def log1p(self): return ops.log1p(self)
    def expm1(self): return ops.expm1(self)
    def rsqrt(self): return ops.rsqrt(self)
    def erf(self): return ops.erf(self)
    def sign(self): return ops.sign(self)
    def floor(self): return ops.floor(self)
    def ceil(self): return ops.ceil(self)
    def round(self, decimals=0): return ops.round(self, decimals)
    def trunc(self): return ops.trunc(self)
    def fmod(self, other): return ops.fmod(self, other)
    def remainder(self, other): return ops.remainder(self, other)
    def lerp(self, end, weight): return ops.lerp(self, end, weight)
    def logaddexp(self, other): return ops.logaddexp(self, other)
    def isnan(self): return ops.isnan(self)
    def isinf(self): return ops.isinf(self)
    def isfinite(self): return ops.isfinite(self)
    def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        return ops.isclose(self, other, rtol, atol, equal_nan)
    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        return ops.allclose(self, other, rtol, atol, equal_nan)
    def maximum(self, other): return ops.maximum(self, other)
    def minimum(self, other): return ops.minimum(self, other)
    # scans, orderings and rearrangements (minigrad.ops.scans, arranging, einsum)
    @torch_keywords
    def prod(self, axis=None, keepdims=False): return ops.prod(self, axis, keepdims)
    @torch_keywords
    def cumsum(self, axis): return ops.cumsum(self, axis)
    @torch_keywords
    def cumprod(self, axis): return ops.cumprod(self, axis)
    @torch_keywords
    def cummax(self, axis): return ops.cummax(self, axis)
    @torch_keywords
    def cummin(self, axis): return ops.cummin(self, axis)
    @torch_keywords
    def logcumsumexp(self, axis): return ops.logcumsumexp(self, axis)
    @torch_keywords
    def sort(self, axis=-1, descending=False, stable=False):
        return ops.sort(self, axis, descending, stable)
    @torch_keywords
    def argsort(self, axis=-1, descending=False, stable=False):
        return ops.argsort(self, axis, descending, stable)
    @torch_keywords
    def topk(self, k, axis=-1, largest=True, sorted=True):
        return ops.topk(self, k, axis, largest, sorted)
    def flip(self, *axes, dims=None):
        return ops.flip(self, dims if dims is not None else axes[0] if len(axes) == 1 else axes)
    def roll(self, shifts, dims=None): return ops.roll(self, shifts, dims)
    def repeat(self, *repeats): return ops.repeat(self, *repeats)
    @torch_keywords
    def repeat_interleave(self, repeats, axis=None): return ops.repeat_interleave(self, repeats, axis)
    def tril(self, diagonal=0): return ops.tril(self, diagonal)
    def triu(self, diagonal=0): return ops.triu(self, diagonal)
    @torch_keywords(dim1="axis1", dim2="axis2")
    def diagonal(self, offset=0, axis1=0, axis2=1): return ops.diagonal(self, offset, axis1, axis2)
    def diag(self, diagonal=0): return ops.diag(self, diagonal)
    @torch_keywords
    def unflatten(self, axis, sizes): return ops.unflatten(self, axis, sizes)
    @torch_keywords
    def narrow(self, axis, start, length): return ops.narrow(self, axis, start, length)


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
