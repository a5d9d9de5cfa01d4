"""The backend layer: the only place that imports NumPy or CuPy.

A backend bundles an array module (`xp`, NumPy's API surface) with the few things
the engine needs beyond it: moving arrays to and from the host explicitly, the
scatter-add used by indexing's backward, and a random generator. Every op asks its
inputs for their backend (`backend_of`), as Chainer's `get_array_module` does, so
the engine never calls NumPy on a device array and never copies to the host
behind the user's back.
"""
from __future__ import annotations

import numpy as np


class BackendUnavailableError(RuntimeError):
    """The requested backend cannot run here (CuPy missing, or no CUDA device).

    Raised when a tensor or the default is put on "cupy"/"cuda" without CuPy or a GPU; the
    message says what to install. A `RuntimeError`.

    Examples:
        >>> try:
        ...     x = mg.zeros(2, backend="cuda")
        ... except mg.BackendUnavailableError:
        ...     x = mg.zeros(2)
        >>> x.shape
        (2,)
    """


class BackendMismatchError(ValueError):
    """An op received arrays living on different backends.

    Raised by every op whose operands are on two backends; the message names the op, both
    backends and the `.to(...)` that fixes it. A `ValueError`, so existing handlers catch
    it.

    Examples:
        >>> a, b = mg.zeros(2), mg.zeros(2, backend="strict")
        >>> a + b
        Traceback (most recent call last):
            ...
        minigrad.backend.BackendMismatchError: Add: operands live on different backends (numpy and strict);...
        >>> (a + b.to("numpy")).backend
        'numpy'
    """


class Backend:
    """One array library: its module, its array type and explicit host transfers."""

    def __init__(self, name: str, xp, array_type: type):
        self.name = name
        self.xp = xp
        self.array_type = array_type

    def asarray(self, data, dtype=None):
        return self.xp.asarray(data, dtype=dtype)

    def from_host(self, host_array: np.ndarray):
        """Copy a NumPy array onto this backend (explicit transfer)."""
        return self.xp.asarray(host_array)

    def to_host(self, array) -> np.ndarray:
        """Copy a backend array to a NumPy array (explicit transfer)."""
        return np.asarray(array)

    def scatter_add(self, target, index, values) -> None:
        """target[index] += values, with repeated indices accumulating (one array of row
        indices: a compiled loop, the same bits as NumPy's add.at)."""
        from . import elementwise_compiled

        if not elementwise_compiled.scatter_add_rows(target, index, values):
            np.add.at(target, index, values)

    def erf(self, array):
        """The error function elementwise (SciPy's: NumPy has none)."""
        from scipy.special import erf

        return erf(array)

    def seed(self, seed: int) -> None:
        self._rng = np.random.default_rng(seed)

    @property
    def rng(self):
        if not hasattr(self, "_rng"):
            self.seed(0)
        return self._rng

    def rand(self, shape, dtype):
        return self.rng.random(shape, dtype=np.float64).astype(dtype, copy=False)

    def randn(self, shape, dtype):
        return self.rng.standard_normal(shape, dtype=np.float64).astype(dtype, copy=False)

    def __repr__(self) -> str:
        return f"Backend({self.name!r})"


class CupyBackend(Backend):
    """CuPy on a CUDA device: same API, device arrays, device-side randomness."""

    def to_host(self, array) -> np.ndarray:
        return self.xp.asnumpy(array)

    def scatter_add(self, target, index, values) -> None:
        self.xp.add.at(target, index, values)

    def erf(self, array):
        from cupyx.scipy.special import erf

        return erf(array)

    def seed(self, seed: int) -> None:
        self._rng = self.xp.random.default_rng(seed)

    def rand(self, shape, dtype):
        return self.rng.random(shape, dtype=self.xp.float64).astype(dtype, copy=False)

    def randn(self, shape, dtype):
        return self.rng.standard_normal(shape, dtype=self.xp.float64).astype(dtype, copy=False)


NUMPY = Backend("numpy", np, np.ndarray)
_BACKENDS: dict[str, Backend] = {"numpy": NUMPY}
_BY_ARRAY_TYPE: dict[type, Backend] = {np.ndarray: NUMPY}
_default_backend = NUMPY
_seed: dict = {"value": None}


def _load_cupy() -> Backend:
    try:
        import cupy
    except ImportError as exc:
        raise BackendUnavailableError(
            "backend 'cupy' is not available: CuPy is not installed. On a machine with an "
            "NVIDIA GPU, from the root of this repository: `python -m pip install -e "
            "\".[cuda12]\"` (CUDA 12) or `python -m pip install -e \".[cuda13]\"` (CUDA 13). "
            "(PyPI's `minigrad` is an unrelated package.)"
        ) from exc
    try:
        available = cupy.is_available()
    except Exception as exc:  # pragma: no cover - depends on the driver
        raise BackendUnavailableError(f"backend 'cupy' is not available: {exc}") from exc
    if not available:
        raise BackendUnavailableError(
            "backend 'cupy' is not available: CuPy is installed but no CUDA device was "
            "found. Use backend='numpy' on this machine."
        )
    return CupyBackend("cupy", cupy, cupy.ndarray)


def _load_strict() -> Backend:
    from .strict_backend import StrictBackend

    return StrictBackend()


_LOADERS = {"cupy": _load_cupy, "strict": _load_strict}


def register_backend(backend: Backend) -> Backend:
    _BACKENDS[backend.name] = backend
    _BY_ARRAY_TYPE[backend.array_type] = backend
    if _seed["value"] is not None:
        backend.seed(_seed["value"])
    return backend


def get_backend(name_or_backend=None) -> Backend:
    """The Backend for a name ("numpy", "cupy"), a Backend, or None (the default)."""
    if name_or_backend is None:
        return _default_backend
    if isinstance(name_or_backend, Backend):
        return name_or_backend
    name_or_backend = device_alias(name_or_backend)
    backend = _BACKENDS.get(name_or_backend)
    if backend is not None:
        return backend
    loader = _LOADERS.get(name_or_backend)
    if loader is None:
        known = ", ".join(repr(n) for n in ["numpy", "cupy", "cpu", "cuda"])
        raise ValueError(f"unknown backend {name_or_backend!r}: expected one of {known}")
    return register_backend(loader())


_DEVICES = {"cpu": "numpy", "cuda": "cupy"}


def device_alias(name):
    """PyTorch's device names as backends: "cpu" → "numpy", "cuda" / "cuda:0" → "cupy"."""
    if isinstance(name, str):
        base = name.split(":")[0]
        if base in _DEVICES and (base == name or base == "cuda"):
            return _DEVICES[base]
    return name


def get_backend_name(name: str) -> str:
    """The backend name for a backend or device name ("cuda" → "cupy"), loading it if needed
    (so an unavailable backend raises BackendUnavailableError here).

    Args:
        name: a backend ("numpy", "cupy") or device ("cpu", "cuda", "cuda:0") name.

    Returns:
        str: the backend's name.

    Raises:
        ValueError: for an unknown name.
        BackendUnavailableError: when the backend cannot run here.

    Examples:
        >>> mg.get_backend_name("cpu")
        'numpy'
        >>> mg.get_backend_name("tpu")
        Traceback (most recent call last):
            ...
        ValueError: unknown backend 'tpu': expected one of 'numpy', 'cupy', 'cpu...
    """
    return get_backend(name).name


def set_default_backend(name: str) -> None:
    """Make `name` the backend of tensors created without `backend=`.

    Args:
        name: "numpy" or "cupy" (PyTorch's "cpu", "cuda" too).

    Raises:
        ValueError: for an unknown name.
        BackendUnavailableError: when that backend cannot run here.

    Examples:
        >>> mg.set_default_backend("cpu")
        >>> mg.get_default_backend()
        'numpy'
    """
    global _default_backend
    _default_backend = get_backend(name)


def get_default_backend() -> str:
    """Name of the backend new tensors use without `backend=`.

    Returns:
        str: "numpy" unless changed.

    Examples:
        >>> mg.get_default_backend()
        'numpy'
    """
    return _default_backend.name


def backend_of_array(array) -> Backend | None:
    """The backend owning `array`, or None for Python scalars and foreign objects."""
    backend = _BY_ARRAY_TYPE.get(type(array))
    if backend is None and isinstance(array, np.generic):
        return NUMPY
    return backend


def is_backend_array(obj) -> bool:
    return type(obj) in _BY_ARRAY_TYPE


# ---- dtypes ----------------------------------------------------------------

_default_dtype = np.dtype(np.float32)


_NUMERIC_KINDS = "biufc"


def to_dtype(dtype) -> np.dtype:
    """np.float64, "float64", np.dtype('float64'), mg.float64 → np.dtype('float64').

    Only numeric dtypes (bool, integers, floats, complex): strings, objects and dates
    are not numbers a gradient can flow through."""
    try:
        result = np.dtype(dtype)
    except TypeError as exc:
        raise TypeError(f"not a dtype: {dtype!r} (use e.g. 'float32' or np.float64)") from exc
    if result.kind not in _NUMERIC_KINDS:
        raise TypeError(
            f"dtype {result} is not numeric; tensors hold bool, integer, floating or complex "
            "numbers (e.g. 'float32', 'int64')"
        )
    return result


def set_default_dtype(dtype) -> None:
    """Dtype for Python floats and for new parameters (float32 unless changed).

    As `torch.set_default_dtype`.

    Args:
        dtype: a floating dtype or its name.

    Raises:
        TypeError: for a non-floating dtype.

    Examples:
        >>> mg.set_default_dtype("float64")
        >>> mg.tensor([1.0]).dtype
        dtype('float64')
        >>> mg.set_default_dtype(mg.float32)
        >>> mg.set_default_dtype("int64")
        Traceback (most recent call last):
            ...
        TypeError: set_default_dtype: expected a floating dtype, got int64
    """
    global _default_dtype
    dtype = to_dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"set_default_dtype: expected a floating dtype, got {dtype}")
    _default_dtype = dtype


def get_default_dtype() -> np.dtype:
    """The dtype of Python floats and new parameters (float32 unless changed).

    Returns:
        numpy.dtype: the default dtype.

    Examples:
        >>> mg.get_default_dtype()
        dtype('float32')
    """
    return _default_dtype


def is_floating(dtype) -> bool:
    return dtype.kind == "f"


_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}  # PyTorch's bool < int < float < complex


def result_dtype(a_dtype, b_dtype) -> np.dtype:
    """Dtype of a binary op, as PyTorch: a bool/int operand adopts the floating or complex
    one's dtype (int64 + float32 → float32, not NumPy's float64); otherwise NumPy's."""
    if a_dtype == b_dtype:
        return a_dtype
    a_category, b_category = _CATEGORY[a_dtype.kind], _CATEGORY[b_dtype.kind]
    if a_category != b_category and min(a_category, b_category) <= 1:
        return a_dtype if a_category > b_category else b_dtype
    return np.result_type(a_dtype, b_dtype)


def dtype_of_python_scalar(value, partner_dtype) -> np.dtype:
    """A Python scalar's dtype next to a tensor, as PyTorch: within the tensor's category it
    never promotes (2.0 * float32 stays float32, 2 * int32 stays int32); a higher category
    lifts to that category's default (bool + 2 → int64, int + 2.5 → float32, float32 + 1j →
    complex64)."""
    category = _CATEGORY.get(partner_dtype.kind, -1) if partner_dtype is not None else -1
    if isinstance(value, bool):
        return partner_dtype if partner_dtype is not None else np.dtype(bool)
    if isinstance(value, int):
        return partner_dtype if category >= 1 else np.dtype(np.int64)
    if isinstance(value, float):
        return partner_dtype if category >= 2 else _default_dtype
    if isinstance(value, complex):
        if category == 3:
            return partner_dtype
        width = partner_dtype if category == 2 else _default_dtype
        return np.dtype(np.complex128 if width == np.float64 else np.complex64)
    raise TypeError(f"unsupported scalar {value!r} of type {type(value).__name__}")


def host_array(data, dtype=None) -> np.ndarray:
    """Build a host array from Python data (nested lists, scalars) for a new Tensor."""
    try:
        array = np.asarray(data, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"cannot make a Tensor from {type(data).__name__} {data!r:.80}: {exc}") from None
    check_numeric(array.dtype, data)
    if dtype is None and array.dtype.kind == "f" and not isinstance(data, (np.ndarray, np.generic)):
        array = array.astype(_default_dtype, copy=False)
    return array


def check_numeric(dtype, data=None) -> None:
    """Refuse strings, objects, dates and records: a Tensor holds numbers."""
    if dtype.kind not in _NUMERIC_KINDS:
        what = f" {type(data).__name__} {data!r:.80}" if data is not None else ""
        raise TypeError(
            f"cannot make a Tensor from{what}: its dtype {dtype} is not numeric; give "
            "numbers (bool, int, float or complex)"
        )


def format_host(array: np.ndarray, prefix: str) -> str:
    """Array text for reprs, aligned after `prefix`."""
    return np.array2string(array, separator=", ", prefix=prefix)


def is_host_array(obj) -> bool:
    return isinstance(obj, (np.ndarray, np.generic))


def seed_all(seed: int) -> None:
    """Seed every backend, and those loaded later, with the same seed."""
    _seed["value"] = seed
    for backend in list(_BACKENDS.values()):
        backend.seed(seed)
