"""Tensor factories: zeros, ones, full, eye, arange, rand, randn and friends.

Each takes `dtype=`, `backend=` and `requires_grad=`, and both `zeros(2, 3)` and
`zeros((2, 3))`. Random draws come from the backend's generator, seeded for every
backend at once by `manual_seed`.
"""
from __future__ import annotations

from . import backend as _backend
from .tensor import Tensor


def _shape(shape) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return tuple(int(n) for n in shape)


def _finish(array, requires_grad) -> Tensor:
    t = Tensor._make(array, False, None, 0)
    if requires_grad:
        t.requires_grad = True
    return t


def _resolve(dtype, backend):
    dtype = _backend.to_dtype(dtype) if dtype is not None else _backend.get_default_dtype()
    return dtype, _backend.get_backend(backend)


def zeros(*shape, dtype=None, backend=None, requires_grad=False) -> Tensor:
    """A tensor of zeros: `zeros(2, 3)` or `zeros((2, 3))`."""
    dtype, b = _resolve(dtype, backend)
    return _finish(b.xp.zeros(_shape(shape), dtype=dtype), requires_grad)


def ones(*shape, dtype=None, backend=None, requires_grad=False) -> Tensor:
    """A tensor of ones: `ones(2, 3)` or `ones((2, 3))`."""
    dtype, b = _resolve(dtype, backend)
    return _finish(b.xp.ones(_shape(shape), dtype=dtype), requires_grad)


def full(shape, fill_value, dtype=None, backend=None, requires_grad=False) -> Tensor:
    """A tensor of `shape` filled with `fill_value`."""
    if dtype is None:
        dtype = _backend.dtype_of_python_scalar(fill_value, None)
    dtype, b = _resolve(dtype, backend)
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return _finish(b.xp.full(shape, fill_value, dtype=dtype), requires_grad)


def eye(n, m=None, dtype=None, backend=None, requires_grad=False) -> Tensor:
    """The n×m identity matrix (m defaults to n)."""
    dtype, b = _resolve(dtype, backend)
    return _finish(b.xp.eye(n, m, dtype=dtype), requires_grad)


def arange(start, stop=None, step=1, dtype=None, backend=None, requires_grad=False) -> Tensor:
    """Like NumPy: integers stay integer unless a float bound or dtype says otherwise."""
    if stop is None:
        start, stop = 0, start
    if step == 0:
        raise ValueError(f"arange: step must be nonzero (got arange({start}, {stop}, {step}))")
    if dtype is None:
        is_float = any(isinstance(v, float) for v in (start, stop, step))
        dtype = _backend.get_default_dtype() if is_float else "int64"
    dtype, b = _resolve(dtype, backend)
    return _finish(b.xp.arange(start, stop, step, dtype=dtype), requires_grad)


def _like(fill):
    def factory(t: Tensor, dtype=None, backend=None, requires_grad=False) -> Tensor:
        """A tensor shaped like `t` (on its backend, with its dtype unless given), filled with the constant."""
        dtype = dtype if dtype is not None else t.dtype
        backend = backend if backend is not None else t.backend
        return full(t.shape, fill, dtype=dtype, backend=backend, requires_grad=requires_grad)

    return factory


zeros_like = _like(0)
ones_like = _like(1)
zeros_like.__name__, ones_like.__name__ = "zeros_like", "ones_like"


def rand(*shape, dtype=None, backend=None, requires_grad=False) -> Tensor:
    """Uniform samples in [0, 1)."""
    dtype, b = _resolve(dtype, backend)
    return _finish(b.rand(_shape(shape), dtype), requires_grad)


def randn(*shape, dtype=None, backend=None, requires_grad=False) -> Tensor:
    """Standard normal samples."""
    dtype, b = _resolve(dtype, backend)
    return _finish(b.randn(_shape(shape), dtype), requires_grad)


def manual_seed(seed: int) -> None:
    """Make every random draw of minigrad and nn reproducible."""
    _backend.seed_all(int(seed))


def tensor(data, requires_grad=False, dtype=None, backend=None) -> Tensor:
    """Same as `Tensor(...)`."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, backend=backend)


def get_array_module(x):
    """The array module (numpy, cupy, ...) of a Tensor or backend array."""
    data = x.data if isinstance(x, Tensor) else x
    owner = _backend.backend_of_array(data)
    if owner is None:
        raise TypeError(f"get_array_module: {type(x).__name__} is not a Tensor or backend array")
    return owner.xp
