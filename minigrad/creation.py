"""Tensor factories: zeros, ones, full, eye, arange, rand, randn and friends.

Each takes `dtype=`, `backend=` and `requires_grad=`, and both `zeros(2, 3)` and
`zeros((2, 3))`. Random draws come from the backend's generator, seeded for every
backend at once by `manual_seed`.
"""
from __future__ import annotations

from . import backend as _backend
from .tensor import Tensor


def _shape(shape, op_name: str = "zeros") -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    shape = tuple(_as_int(n, op_name, "a size") for n in shape)
    if any(n < 0 for n in shape):
        raise ValueError(f"{op_name}: sizes must be non-negative, got {shape}")
    return shape


def _as_int(value, op_name, what):
    from .ops.base import as_int

    return as_int(value, op_name, what)


def _floating_dtype(op_name: str, dtype):
    dtype = _backend.to_dtype(dtype) if dtype is not None else _backend.get_default_dtype()
    if dtype.kind != "f":
        raise TypeError(
            f"{op_name}: draws floating samples, so dtype must be floating, got {dtype}; "
            "use mg.randint for integers or cast with .astype()"
        )
    return dtype


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
    return _finish(b.xp.zeros(_shape(shape, "zeros"), dtype=dtype), requires_grad)


def ones(*shape, dtype=None, backend=None, requires_grad=False) -> Tensor:
    """A tensor of ones: `ones(2, 3)` or `ones((2, 3))`."""
    dtype, b = _resolve(dtype, backend)
    return _finish(b.xp.ones(_shape(shape, "ones"), dtype=dtype), requires_grad)


def full(shape, fill_value, dtype=None, backend=None, requires_grad=False) -> Tensor:
    """A tensor of `shape` filled with `fill_value`."""
    if dtype is None:
        dtype = _backend.dtype_of_python_scalar(fill_value, None)
    dtype, b = _resolve(dtype, backend)
    shape = _shape((shape,) if not isinstance(shape, (tuple, list)) else tuple(shape), "full")
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    return _finish(b.xp.full(shape, fill_value, dtype=dtype), requires_grad)


def eye(n, m=None, dtype=None, backend=None, requires_grad=False) -> Tensor:
    """The n×m identity matrix (m defaults to n)."""
    dtype, b = _resolve(dtype, backend)
    n = _as_int(n, "eye", "n")
    m = None if m is None else _as_int(m, "eye", "m")
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
empty_like = _like(0)
zeros_like.__name__, ones_like.__name__, empty_like.__name__ = "zeros_like", "ones_like", "empty_like"


def full_like(t: Tensor, fill_value, dtype=None, backend=None, requires_grad=False) -> Tensor:
    """A tensor shaped like `t` (its backend and dtype unless given) filled with `fill_value`."""
    return full(t.shape, fill_value, dtype=t.dtype if dtype is None else dtype,
                backend=t.backend if backend is None else backend, requires_grad=requires_grad)


def empty(*shape, dtype=None, backend=None, requires_grad=False) -> Tensor:
    """PyTorch's empty: here zero-filled (never uninitialised memory, so never a surprise)."""
    return zeros(*shape, dtype=dtype, backend=backend, requires_grad=requires_grad)


def linspace(start, end, steps: int, dtype=None, backend=None, requires_grad=False) -> Tensor:
    """`steps` evenly spaced values from `start` to `end`, both included (PyTorch's order)."""
    steps = _as_int(steps, "linspace", "steps")
    if steps < 0:
        raise ValueError(f"linspace: steps must be non-negative, got {steps}")
    dtype, b = _resolve(dtype, backend)
    return _finish(b.xp.linspace(start, end, steps).astype(dtype), requires_grad)


def randint(low, high=None, size=None, dtype=None, backend=None) -> Tensor:
    """Integers uniform in [low, high): `randint(high, size)` or `randint(low, high, size)`
    as PyTorch (size a tuple); int64 unless `dtype` says otherwise."""
    if size is None:  # randint(high, size)
        if high is None or not isinstance(high, (tuple, list)):
            raise TypeError("randint: give randint(high, size) or randint(low, high, size), "
                            "size a tuple such as (3,)")
        low, high, size = 0, low, high
    low, high = _as_int(low, "randint", "low"), _as_int(high, "randint", "high")
    if high <= low:
        raise ValueError(f"randint: high ({high}) must be greater than low ({low})")
    shape = _shape((size,) if not isinstance(size, (tuple, list)) else tuple(size), "randint")
    dtype = _backend.to_dtype("int64" if dtype is None else dtype)
    b = _backend.get_backend(backend)
    draws = b.rand(shape, _backend.to_dtype("float64"))
    xp = b.xp
    return _finish(xp.minimum(xp.floor(draws * (high - low)) + low, high - 1).astype(dtype), False)


def rand_like(t: Tensor, dtype=None, backend=None, requires_grad=False) -> Tensor:
    """Uniform samples in [0, 1) shaped like `t`."""
    return rand(t.shape, dtype=t.dtype if dtype is None else dtype,
                backend=t.backend if backend is None else backend, requires_grad=requires_grad)


def randn_like(t: Tensor, dtype=None, backend=None, requires_grad=False) -> Tensor:
    """Standard normal samples shaped like `t`."""
    return randn(t.shape, dtype=t.dtype if dtype is None else dtype,
                 backend=t.backend if backend is None else backend, requires_grad=requires_grad)


def bernoulli(p: Tensor) -> Tensor:
    """1 with probability p, else 0, elementwise (p's dtype; not differentiable)."""
    if not isinstance(p, Tensor):
        p = Tensor(p)
    if p.dtype.kind != "f":
        raise TypeError(f"bernoulli: probabilities must be floating, got {p.dtype}")
    draws = _backend.backend_of_array(p.data).rand(p.shape, p.dtype)
    return Tensor._make((draws < p.data).astype(p.dtype), False, None, 0)


def multinomial(probs: Tensor, num_samples: int, replacement: bool = False) -> Tensor:
    """Draw `num_samples` class indices per row of `probs` (non-negative weights over the
    last axis, 1-D or 2-D, not necessarily normalised), as PyTorch's multinomial.

    Sampling from a softmax: `mg.multinomial(logits.softmax(-1), 1)`."""
    if not isinstance(probs, Tensor):
        probs = Tensor(probs)
    if probs.ndim not in (1, 2):
        raise ValueError(f"multinomial: probs must be 1-D or 2-D, got shape {tuple(probs.shape)}")
    num_samples = _as_int(num_samples, "multinomial", "num_samples")
    categories = probs.shape[-1]
    if num_samples <= 0 or (not replacement and num_samples > categories):
        raise ValueError(
            f"multinomial: cannot draw {num_samples} samples from {categories} categories "
            f"{'with' if replacement else 'without'} replacement"
        )
    owner = _backend.backend_of_array(probs.data)
    xp = owner.xp
    weights = probs.data.reshape(-1, categories).astype("float64")
    if bool((weights < 0).any().item()) or not bool(xp.isfinite(weights).all().item()):
        raise ValueError("multinomial: probabilities must be finite and non-negative")
    totals = weights.sum(axis=1, keepdims=True)
    if bool((totals <= 0).any().item()):
        raise ValueError("multinomial: every row needs a positive total probability")
    rows = weights.shape[0]
    picks = []
    for _ in range(num_samples):  # inverse-CDF draws; without replacement, zero what was drawn
        cdf = xp.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
        u = owner.rand((rows, 1), _backend.to_dtype("float64"))
        pick = xp.minimum((cdf <= u).sum(axis=1), categories - 1)
        picks.append(pick)
        if not replacement:
            weights[xp.arange(rows), pick] = 0.0
    out = xp.stack(picks, axis=1).astype("int64")
    return Tensor._make(out.reshape(probs.shape[:-1] + (num_samples,)), False, None, 0)


def rand(*shape, dtype=None, backend=None, requires_grad=False) -> Tensor:
    """Uniform samples in [0, 1) (a floating dtype: PyTorch refuses the others too)."""
    dtype, b = _floating_dtype("rand", dtype), _backend.get_backend(backend)
    return _finish(b.rand(_shape(shape, "rand"), dtype), requires_grad)


def randn(*shape, dtype=None, backend=None, requires_grad=False) -> Tensor:
    """Standard normal samples (a floating dtype)."""
    dtype, b = _floating_dtype("randn", dtype), _backend.get_backend(backend)
    return _finish(b.randn(_shape(shape, "randn"), dtype), requires_grad)


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
