"""`Tensor`: an array on a backend plus the edge back to the op that made it.

A Tensor holds its array (`.data`), its gradient (`.grad`, an array), and, when
it was computed by a recorded op, `_creator` (that op's node) and which of the
node's outputs it is. Everything differentiable lives in `minigrad.ops`; the
methods here only route operators and method calls there.
"""
from __future__ import annotations

import weakref

from . import backend as _backend
from .modes import _grad_enabled


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
        "_hooks",
        "_output_index",
        "_post_accumulate_hooks",
        "_requires_grad",
        "_version",
        "data",
        "grad",
        "name",
    )
    __array_ufunc__ = None  # `np_array * t` defers to Tensor.__rmul__ (a Tensor, not an object array)
    __array_priority__ = 1000

    def __init__(self, data, requires_grad: bool = False, dtype=None, backend=None):
        self.data = _to_array(data, dtype, backend)
        self.grad = None
        self._creator = None
        self._output_index = 0
        self._version = 0
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
        t.data = data
        t.grad = None
        t._requires_grad = requires_grad
        t._creator = creator
        t._output_index = index
        t._version = 0
        t._hooks = None
        t._post_accumulate_hooks = None
        t.name = None
        return t

    # -- attributes ----------------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        if flag and self.data.dtype.kind != "f":
            raise TypeError(
                f"only floating tensors can require gradients, this one is {self.data.dtype}; "
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
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def backend(self) -> str:
        return _backend.backend_of_array(self.data).name

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
        return self.data.shape[0]

    def __repr__(self) -> str:
        host = _backend.backend_of_array(self.data).to_host(self.data)
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
        return self.data.item()

    def numpy(self):
        """A NumPy copy on the host (an explicit transfer for device tensors)."""
        host = _backend.backend_of_array(self.data).to_host(self.data)
        return host.copy() if host is self.data else host

    def tolist(self):
        return self.data.tolist()

    def detach(self) -> Tensor:
        """The same data, cut from the graph: gradients stop here."""
        return Tensor._make(self.data, False, None, 0)

    def to(self, backend: str) -> Tensor:
        """A differentiable copy on another backend ("numpy", "cupy")."""
        return ops.to_backend(self, backend)

    def astype(self, dtype) -> Tensor:
        return ops.cast(self, _backend.to_dtype(dtype))

    def float(self) -> Tensor:
        return self.astype("float32")

    def double(self) -> Tensor:
        return self.astype("float64")

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
        owner = _backend.backend_of_array(self.data)
        array = value.data if isinstance(value, Tensor) else value
        if _backend.is_host_array(array) and owner is not _backend.NUMPY:
            array = owner.from_host(array)  # the user handed host values over explicitly
        self.data[ops.raw_index(index, owner)] = array
        self._version += 1

    # -- methods that mirror the mg.* functions ----------------------------------------
    def sum(self, axis=None, keepdims=False): return ops.sum(self, axis, keepdims)
    def mean(self, axis=None, keepdims=False): return ops.mean(self, axis, keepdims)
    def var(self, axis=None, keepdims=False, ddof=0): return ops.var(self, axis, keepdims, ddof)
    def max(self, axis=None, keepdims=False): return ops.max(self, axis, keepdims)
    def min(self, axis=None, keepdims=False): return ops.min(self, axis, keepdims)
    def argmax(self, axis=None, keepdims=False): return ops.argmax(self, axis, keepdims)
    def argmin(self, axis=None, keepdims=False): return ops.argmin(self, axis, keepdims)
    def any(self, axis=None, keepdims=False): return ops.any(self, axis, keepdims)
    def all(self, axis=None, keepdims=False): return ops.all(self, axis, keepdims)
    def exp(self): return ops.exp(self)
    def log(self): return ops.log(self)
    def sqrt(self): return ops.sqrt(self)
    def tanh(self): return ops.tanh(self)
    def sigmoid(self): return ops.sigmoid(self)
    def relu(self): return ops.relu(self)
    def abs(self): return ops.abs(self)
    def clip(self, lo=None, hi=None): return ops.clip(self, lo, hi)
    def reshape(self, *shape): return ops.reshape(self, *shape)
    def view(self, *shape): return ops.reshape(self, *shape)
    def transpose(self, *axes): return ops.transpose(self, *axes)
    def permute(self, *axes): return ops.transpose(self, *axes)
    def swapaxes(self, axis1, axis2): return ops.swapaxes(self, axis1, axis2)
    def squeeze(self, axis=None): return ops.squeeze(self, axis)
    def unsqueeze(self, axis): return ops.unsqueeze(self, axis)
    def flatten(self, start_axis=0, end_axis=-1): return ops.flatten(self, start_axis, end_axis)
    def broadcast_to(self, *shape): return ops.broadcast_to(self, *shape)
    def softmax(self, axis=-1): return ops.softmax(self, axis)
    def log_softmax(self, axis=-1): return ops.log_softmax(self, axis)
    def logsumexp(self, axis=None, keepdims=False): return ops.logsumexp(self, axis, keepdims)
    def matmul(self, other): return ops.matmul(self, other)


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
    xp.copyto(tensor.data, result.data, casting="same_kind")
    tensor._version += 1
    return tensor


def _to_array(data, dtype, backend):
    """Any accepted input (scalar, list, host or device array, Tensor) → backend array."""
    target = _backend.get_backend(backend) if backend is not None else None
    dtype = _backend.to_dtype(dtype) if dtype is not None else None
    if isinstance(data, Tensor):
        data = data.data
    if _backend.is_backend_array(data):
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
        grad = Tensor(grad, dtype=root.dtype, backend=root.backend)
    if grad.shape != root.shape:
        raise RuntimeError(
            f"{caller}: grad has shape {tuple(grad.shape)} but the output has shape "
            f"{tuple(root.shape)}"
        )
    if grad.backend != root.backend:
        raise _backend.BackendMismatchError(
            f"{caller}: grad lives on {grad.backend} but the output on {root.backend}"
        )
    return grad


from . import function as _function

_function.Tensor = Tensor
_function._make = Tensor._make
from . import ops
