"""A strict test backend: NumPy arrays that behave like device arrays.

CuPy refuses to hand its arrays to NumPy: `np.asarray(gpu_array)` raises, NumPy
functions don't accept them, and host data can't be mixed into device math. With
no GPU to test on, this backend reproduces those refusals (and is stricter still:
`float()`, `int()` and `bool()` raise too; `.item()`, `.tolist()` and `.get()` are
the explicit ways to the host). Running the suite on `backend="strict"` proves the
engine and `nn` pick their array module from their inputs and never round-trip
through the host.
"""
from __future__ import annotations

import operator

import numpy as np

from .backend import Backend


class HostConversionError(TypeError):
    """A strict (device-like) array was converted to the host implicitly."""


def _refuse(what: str):
    raise HostConversionError(
        f"implicit host conversion of a strict-backend array ({what}); device arrays "
        "never go to NumPy implicitly: use the array module of the input "
        "(mg.get_array_module) or an explicit .item()/.numpy()"
    )


def _unwrap(obj, allow_host: bool):
    if type(obj) is StrictArray:
        return obj._array
    if isinstance(obj, np.ndarray):
        if allow_host or obj.ndim == 0:
            return obj
        raise HostConversionError(
            f"a host NumPy array of shape {obj.shape} was mixed into strict-backend "
            "math; move it explicitly with Tensor(..., backend=...) first"
        )
    if isinstance(obj, (list, tuple)):
        return type(obj)(_unwrap(item, allow_host) for item in obj)
    if isinstance(obj, slice):
        return slice(_unwrap(obj.start, allow_host), _unwrap(obj.stop, allow_host),
                     _unwrap(obj.step, allow_host))
    return obj


def _wrap(obj):
    if isinstance(obj, np.ndarray):
        return StrictArray(obj)
    if isinstance(obj, np.generic):  # device reductions return 0-d arrays, not scalars
        return StrictArray(np.asarray(obj))
    if isinstance(obj, tuple):
        return tuple(_wrap(item) for item in obj)
    if isinstance(obj, list):
        return [_wrap(item) for item in obj]
    return obj


def _call(fn, args, kwargs, allow_host=False):
    args = _unwrap(args, allow_host)
    kwargs = {k: _unwrap(v, allow_host) for k, v in kwargs.items()}
    if "out" in kwargs and isinstance(kwargs["out"], tuple) and len(kwargs["out"]) == 1:
        kwargs["out"] = kwargs["out"][0]
    return _wrap(fn(*args, **kwargs))


class StrictArray:
    """A NumPy array in a box that refuses implicit trips to the host."""

    __slots__ = ("_array",)
    __array_ufunc__ = None  # NumPy's ufuncs refuse it; ndarray operators defer to it

    def __init__(self, array: np.ndarray):
        self._array = array

    # explicit exits to the host
    def item(self):
        return self._array.item()

    def tolist(self):
        return self._array.tolist()

    def get(self) -> np.ndarray:
        return self._array.copy()

    # implicit exits are refused
    def __array__(self, *args, **kwargs):
        _refuse("__array__ / np.asarray")

    def __array_function__(self, func, types, args, kwargs):
        _refuse(f"numpy.{func.__name__}")

    def __float__(self):
        _refuse("float()")

    def __int__(self):
        _refuse("int()")

    def __index__(self) -> int:  # noqa: PLE0305 - it always raises
        _refuse("operator.index()")

    def __bool__(self) -> bool:  # noqa: PLE0304 - it always raises
        _refuse("bool()")

    def __complex__(self):
        _refuse("complex()")

    # array protocol
    @property
    def shape(self):
        return self._array.shape

    @property
    def dtype(self):
        return self._array.dtype

    @property
    def ndim(self):
        return self._array.ndim

    @property
    def size(self):
        return self._array.size

    @property
    def T(self):
        return StrictArray(self._array.T)

    def __len__(self):
        return len(self._array)

    def __iter__(self):
        return (StrictArray(row) if isinstance(row, np.ndarray) else StrictArray(np.asarray(row))
                for row in self._array)

    def __getitem__(self, index):
        return _wrap(self._array[_unwrap(index, False)])

    def __setitem__(self, index, value):
        self._array[_unwrap(index, False)] = _unwrap(value, False)

    def __getattr__(self, name):
        if name.startswith("__array"):  # __array_interface__, __array_struct__: host views
            raise AttributeError(name)
        attr = getattr(self._array, name)
        if callable(attr):
            return lambda *args, **kwargs: _call(attr, args, kwargs)
        return _wrap(attr)

    def __repr__(self):
        return "strict_" + repr(self._array)

    def __copy__(self):
        return StrictArray(self._array.copy())

    def __deepcopy__(self, memo):
        return StrictArray(self._array.copy())


def _binary(op):
    def forward(self, other):
        if getattr(other, "__array_priority__", 0) > 100:  # CuPy's rule: it defers to
            return NotImplemented  # such operands (minigrad.sparse.RowSparseGrad)
        return _wrap(op(self._array, _unwrap(other, False)))

    def reflected(self, other):
        return _wrap(op(_unwrap(other, False), self._array))

    return forward, reflected


def _inplace(op):
    def method(self, other):
        op(self._array, _unwrap(other, False))
        return self

    return method


for _name, _op in [("add", operator.add), ("sub", operator.sub), ("mul", operator.mul),
                   ("truediv", operator.truediv), ("floordiv", operator.floordiv),
                   ("mod", operator.mod), ("pow", operator.pow), ("matmul", operator.matmul),
                   ("and", operator.and_), ("or", operator.or_), ("xor", operator.xor)]:
    _fwd, _ref = _binary(_op)
    setattr(StrictArray, f"__{_name}__", _fwd)
    setattr(StrictArray, f"__r{_name}__", _ref)
    setattr(StrictArray, f"__i{_name}__", _inplace(getattr(operator, f"i{_name.rstrip('_')}")))

for _name in ["lt", "le", "gt", "ge", "eq", "ne"]:
    setattr(StrictArray, f"__{_name}__", _binary(getattr(operator, _name))[0])

for _name, _op in [("neg", operator.neg), ("pos", operator.pos), ("abs", operator.abs),
                   ("invert", operator.invert)]:
    setattr(StrictArray, f"__{_name}__", lambda self, _op=_op: _wrap(_op(self._array)))

StrictArray.__hash__ = None


class _StrictFunction:
    """A NumPy function or ufunc that takes and returns strict arrays."""

    __slots__ = ("_allow_host", "_fn")

    def __init__(self, fn, allow_host=False):
        self._fn = fn
        self._allow_host = allow_host

    def __call__(self, *args, **kwargs):
        return _call(self._fn, args, kwargs, self._allow_host)

    def __getattr__(self, name):  # ufunc methods: np.add.at, np.maximum.reduce, ...
        attr = getattr(self._fn, name)
        return _StrictFunction(attr) if callable(attr) else attr


_CREATION = {"asarray", "array", "ascontiguousarray", "asanyarray"}


class _StrictModule:
    """NumPy's namespace, speaking strict arrays (like `cupy` speaks device arrays)."""

    def __init__(self, module, name):
        self._module = module
        self.__name__ = name

    def __getattr__(self, name):
        if name == "ndarray":
            return StrictArray
        attr = getattr(self._module, name)
        if isinstance(attr, type) or not callable(attr):
            if type(attr).__name__ == "module":
                return _StrictModule(attr, f"{self.__name__}.{name}")
            return attr
        wrapped = _StrictFunction(attr, allow_host=name in _CREATION)
        setattr(self, name, wrapped)
        return wrapped


strict_xp = _StrictModule(np, "strict_numpy")


class StrictBackend(Backend):
    """Backend "strict": for tests only; NumPy inside, CuPy's manners outside."""

    def __init__(self):
        super().__init__("strict", strict_xp, StrictArray)

    def to_host(self, array) -> np.ndarray:
        return array.get()

    def from_host(self, host_array: np.ndarray):
        return StrictArray(np.array(host_array))

    def asarray(self, data, dtype=None):
        if type(data) is StrictArray:
            return data if dtype is None or data.dtype == dtype else data.astype(dtype)
        return StrictArray(np.array(data, dtype=dtype))

    def scatter_add(self, target, index, values) -> None:
        np.add.at(target._array, _unwrap(index, False), _unwrap(values, False))

    def erf(self, array):
        return StrictArray(super().erf(array.get()))

    def rand(self, shape, dtype):
        return StrictArray(super().rand(shape, dtype))

    def randn(self, shape, dtype):
        return StrictArray(super().randn(shape, dtype))
