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
    """A tensor of zeros: `zeros(2, 3)` or `zeros((2, 3))`.

    As `torch.zeros`.

    Args:
        *shape: the sizes, as ints or one tuple.
        dtype: the dtype (a NumPy dtype, its name, or `mg.float64`...); the default dtype if
            None.
        backend: "numpy", "cupy" (or PyTorch's "cpu", "cuda"); the default backend if None.
        requires_grad: make the result a leaf that records gradients.

    Returns:
        Tensor: the new tensor.

    Raises:
        ValueError: for a negative size.

    Examples:
        >>> mg.zeros(2, 3)
        tensor([[0., 0., 0.],
                [0., 0., 0.]])
        >>> mg.zeros((2,), dtype="int64")
        tensor([0, 0])
    """
    dtype, b = _resolve(dtype, backend)
    return _finish(b.xp.zeros(_shape(shape, "zeros"), dtype=dtype), requires_grad)


def ones(*shape, dtype=None, backend=None, requires_grad=False) -> Tensor:
    """A tensor of ones: `ones(2, 3)` or `ones((2, 3))`.

    As `torch.ones`.

    Args:
        *shape: the sizes, as ints or one tuple.
        dtype: the dtype (a NumPy dtype, its name, or `mg.float64`...); the default dtype if
            None.
        backend: "numpy", "cupy" (or PyTorch's "cpu", "cuda"); the default backend if None.
        requires_grad: make the result a leaf that records gradients.

    Returns:
        Tensor: the new tensor.

    Examples:
        >>> mg.ones(2)
        tensor([1., 1.])
        >>> mg.ones(1, 2, requires_grad=True)
        tensor([[1., 1.]], requires_grad=True)
    """
    dtype, b = _resolve(dtype, backend)
    return _finish(b.xp.ones(_shape(shape, "ones"), dtype=dtype), requires_grad)


def full(shape, fill_value, dtype=None, backend=None, requires_grad=False) -> Tensor:
    """A tensor of `shape` filled with `fill_value`.

    As `torch.full`.

    Args:
        shape: an int or tuple.
        fill_value: the value of every element.
        dtype: the dtype (a NumPy dtype, its name, or `mg.float64`...); the default dtype if
            None.
        backend: "numpy", "cupy" (or PyTorch's "cpu", "cuda"); the default backend if None.
        requires_grad: make the result a leaf that records gradients.

    Returns:
        Tensor: the new tensor.

    Examples:
        >>> mg.full((2, 2), 7.0)
        tensor([[7., 7.],
                [7., 7.]])
    """
    if dtype is None:
        dtype = _backend.dtype_of_python_scalar(fill_value, None)
    dtype, b = _resolve(dtype, backend)
    shape = _shape((shape,) if not isinstance(shape, (tuple, list)) else tuple(shape), "full")
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    return _finish(b.xp.full(shape, fill_value, dtype=dtype), requires_grad)


def eye(n, m=None, dtype=None, backend=None, requires_grad=False) -> Tensor:
    """The n×m identity matrix (m defaults to n).

    As `torch.eye`.

    Args:
        n: the number of rows.
        m: the number of columns (n if None).
        dtype: the dtype (a NumPy dtype, its name, or `mg.float64`...); the default dtype if
            None.
        backend: "numpy", "cupy" (or PyTorch's "cpu", "cuda"); the default backend if None.
        requires_grad: make the result a leaf that records gradients.

    Returns:
        Tensor: the identity matrix.

    Examples:
        >>> mg.eye(2)
        tensor([[1., 0.],
                [0., 1.]])
        >>> mg.eye(2, 3)
        tensor([[1., 0., 0.],
                [0., 1., 0.]])
    """
    dtype, b = _resolve(dtype, backend)
    n = _as_int(n, "eye", "n")
    m = None if m is None else _as_int(m, "eye", "m")
    return _finish(b.xp.eye(n, m, dtype=dtype), requires_grad)


def arange(start, stop=None, step=1, dtype=None, backend=None, requires_grad=False) -> Tensor:
    """Like NumPy: integers stay integer unless a float bound or dtype says otherwise.

    As `torch.arange`: integer bounds give int64, a float bound the default float dtype.

    Args:
        start: the first value (or the end, when `stop` is None).
        stop: the end, excluded.
        step: the spacing.
        dtype: the dtype (a NumPy dtype, its name, or `mg.float64`...); the default dtype if
            None.
        backend: "numpy", "cupy" (or PyTorch's "cpu", "cuda"); the default backend if None.
        requires_grad: make the result a leaf that records gradients.

    Returns:
        Tensor: a 1-D tensor.

    Examples:
        >>> mg.arange(4)
        tensor([0, 1, 2, 3])
        >>> mg.arange(0, 1, 0.25)
        tensor([0.  , 0.25, 0.5 , 0.75])
    """
    if stop is None:
        start, stop = 0, start
    if step == 0:
        raise ValueError(f"arange: step must be nonzero (got arange({start}, {stop}, {step}))")
    if dtype is None:
        is_float = any(isinstance(v, float) for v in (start, stop, step))
        dtype = _backend.get_default_dtype() if is_float else "int64"
    dtype, b = _resolve(dtype, backend)
    return _finish(b.xp.arange(start, stop, step, dtype=dtype), requires_grad)


def _like(t: Tensor, fill, dtype, backend, requires_grad) -> Tensor:
    """A tensor shaped like `t` (on its backend, with its dtype unless given), filled with `fill`."""
    dtype = dtype if dtype is not None else t.dtype
    backend = backend if backend is not None else t.backend
    return full(t.shape, fill, dtype=dtype, backend=backend, requires_grad=requires_grad)


def zeros_like(t: Tensor, dtype=None, backend=None, requires_grad=False) -> Tensor:
    """Zeros shaped like `t`, on its backend, with its dtype unless given.

    As `torch.zeros_like`.

    Args:
        t: the tensor whose shape (and dtype, backend) to copy.
        dtype: the dtype (a NumPy dtype, its name, or `mg.float64`...); the default dtype if
            None.
        backend: "numpy", "cupy" (or PyTorch's "cpu", "cuda"); the default backend if None.
        requires_grad: make the result a leaf that records gradients.

    Returns:
        Tensor: the new tensor.

    Examples:
        >>> x = mg.tensor([[1, 2, 3]])
        >>> mg.zeros_like(x)
        tensor([[0, 0, 0]])
        >>> mg.zeros_like(x, dtype="float32")
        tensor([[0., 0., 0.]])
    """
    return _like(t, 0, dtype, backend, requires_grad)


def ones_like(t: Tensor, dtype=None, backend=None, requires_grad=False) -> Tensor:
    """Ones shaped like `t`, on its backend, with its dtype unless given.

    As `torch.ones_like`.

    Args:
        t: the tensor whose shape (and dtype, backend) to copy.
        dtype: the dtype (a NumPy dtype, its name, or `mg.float64`...); the default dtype if
            None.
        backend: "numpy", "cupy" (or PyTorch's "cpu", "cuda"); the default backend if None.
        requires_grad: make the result a leaf that records gradients.

    Returns:
        Tensor: the new tensor.

    Examples:
        >>> x = mg.tensor([[1, 2, 3]])
        >>> mg.ones_like(x)
        tensor([[1, 1, 1]])
        >>> mg.ones_like(x, dtype="float32")
        tensor([[1., 1., 1.]])
    """
    return _like(t, 1, dtype, backend, requires_grad)


def empty_like(t: Tensor, dtype=None, backend=None, requires_grad=False) -> Tensor:
    """PyTorch's empty_like: here zeros shaped like `t` (never uninitialised memory).

    As `torch.empty_like`.

    Args:
        t: the tensor whose shape (and dtype, backend) to copy.
        dtype: the dtype (a NumPy dtype, its name, or `mg.float64`...); the default dtype if
            None.
        backend: "numpy", "cupy" (or PyTorch's "cpu", "cuda"); the default backend if None.
        requires_grad: make the result a leaf that records gradients.

    Returns:
        Tensor: the new tensor.

    Examples:
        >>> x = mg.tensor([[1, 2, 3]])
        >>> mg.empty_like(x)
        tensor([[0, 0, 0]])
        >>> mg.empty_like(x, dtype="float32")
        tensor([[0., 0., 0.]])
    """
    return _like(t, 0, dtype, backend, requires_grad)


def full_like(t: Tensor, fill_value, dtype=None, backend=None, requires_grad=False) -> Tensor:
    """A tensor shaped like `t` (its backend and dtype unless given) filled with `fill_value`.

    As `torch.full_like`.

    Args:
        t: the tensor whose shape (and dtype, backend) to copy.
        fill_value: the value.
        dtype: the dtype (a NumPy dtype, its name, or `mg.float64`...); the default dtype if
            None.
        backend: "numpy", "cupy" (or PyTorch's "cpu", "cuda"); the default backend if None.
        requires_grad: make the result a leaf that records gradients.

    Returns:
        Tensor: the new tensor.

    Examples:
        >>> mg.full_like(mg.zeros(2), 3.0)
        tensor([3., 3.])
    """
    return full(t.shape, fill_value, dtype=t.dtype if dtype is None else dtype,
                backend=t.backend if backend is None else backend, requires_grad=requires_grad)


def empty(*shape, dtype=None, backend=None, requires_grad=False) -> Tensor:
    """PyTorch's empty: here zero-filled (never uninitialised memory, so never a surprise).

    Unlike `torch.empty`, the memory is zeroed, so results never depend on leftovers.

    Args:
        *shape: the sizes, as ints or one tuple.
        dtype: the dtype (a NumPy dtype, its name, or `mg.float64`...); the default dtype if
            None.
        backend: "numpy", "cupy" (or PyTorch's "cpu", "cuda"); the default backend if None.
        requires_grad: make the result a leaf that records gradients.

    Returns:
        Tensor: a zero-filled tensor.

    Examples:
        >>> mg.empty(2)
        tensor([0., 0.])
    """
    return zeros(*shape, dtype=dtype, backend=backend, requires_grad=requires_grad)


def linspace(start, end, steps: int, dtype=None, backend=None, requires_grad=False) -> Tensor:
    """`steps` evenly spaced values from `start` to `end`, both included (PyTorch's order).

    As `torch.linspace`.

    Args:
        start: the first value.
        end: the last value.
        steps: how many values.
        dtype: the dtype (a NumPy dtype, its name, or `mg.float64`...); the default dtype if
            None.
        backend: "numpy", "cupy" (or PyTorch's "cpu", "cuda"); the default backend if None.
        requires_grad: make the result a leaf that records gradients.

    Returns:
        Tensor: a 1-D tensor.

    Raises:
        ValueError: for negative `steps`.

    Examples:
        >>> mg.linspace(0, 1, 5)
        tensor([0.  , 0.25, 0.5 , 0.75, 1.  ])
    """
    steps = _as_int(steps, "linspace", "steps")
    if steps < 0:
        raise ValueError(f"linspace: steps must be non-negative, got {steps}")
    dtype, b = _resolve(dtype, backend)
    return _finish(b.xp.linspace(start, end, steps).astype(dtype), requires_grad)


def randint(low, high=None, size=None, dtype=None, backend=None) -> Tensor:
    """Integers uniform in [low, high): `randint(high, size)` or `randint(low, high, size)`
    as PyTorch (size a tuple); int64 unless `dtype` says otherwise.

    As `torch.randint`.

    Args:
        low: the lowest value (or `high`, in the two-argument form).
        high: one past the highest value.
        size: the shape, a tuple.
        dtype: int64 unless given.
        backend: "numpy", "cupy" (or PyTorch's "cpu", "cuda"); the default backend if None.

    Returns:
        Tensor: the integers.

    Raises:
        TypeError: when the size is missing.
        ValueError: when high <= low.

    Examples:
        >>> mg.manual_seed(0)
        >>> mg.randint(10, (5,))
        tensor([6, 2, 0, 0, 8])
        >>> mg.randint(5, 7, (2, 2))
        tensor([[6, 6],
                [6, 6]])
    """
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
    """Uniform samples in [0, 1) shaped like `t`.

    As `torch.rand_like`.

    Args:
        t: the tensor whose shape (and dtype, backend) to copy.
        dtype: the dtype (a NumPy dtype, its name, or `mg.float64`...); the default dtype if
            None.
        backend: "numpy", "cupy" (or PyTorch's "cpu", "cuda"); the default backend if None.
        requires_grad: make the result a leaf that records gradients.

    Returns:
        Tensor: the samples.

    Examples:
        >>> mg.manual_seed(0)
        >>> mg.rand_like(mg.zeros(3))
        tensor([0.6369617 , 0.26978672, 0.04097353])
    """
    return rand(t.shape, dtype=t.dtype if dtype is None else dtype,
                backend=t.backend if backend is None else backend, requires_grad=requires_grad)


def randn_like(t: Tensor, dtype=None, backend=None, requires_grad=False) -> Tensor:
    """Standard normal samples shaped like `t`.

    As `torch.randn_like`.

    Args:
        t: the tensor whose shape (and dtype, backend) to copy.
        dtype: the dtype (a NumPy dtype, its name, or `mg.float64`...); the default dtype if
            None.
        backend: "numpy", "cupy" (or PyTorch's "cpu", "cuda"); the default backend if None.
        requires_grad: make the result a leaf that records gradients.

    Returns:
        Tensor: the samples.

    Examples:
        >>> mg.manual_seed(0)
        >>> mg.randn_like(mg.zeros(3))
        tensor([ 0.12573022, -0.13210486,  0.64042264])
    """
    return randn(t.shape, dtype=t.dtype if dtype is None else dtype,
                 backend=t.backend if backend is None else backend, requires_grad=requires_grad)


def bernoulli(p: Tensor) -> Tensor:
    """1 with probability p, else 0, elementwise (p's dtype; not differentiable).

    As `torch.bernoulli`.

    Args:
        p: a floating tensor of probabilities.

    Returns:
        Tensor: zeros and ones, p's shape and dtype.

    Raises:
        TypeError: for integer probabilities.

    Examples:
        >>> mg.manual_seed(0)
        >>> mg.bernoulli(mg.tensor([0.0, 1.0, 0.5, 0.5]))
        tensor([0., 1., 1., 1.])
    """
    if not isinstance(p, Tensor):
        p = Tensor(p)
    if p.dtype.kind != "f":
        raise TypeError(f"bernoulli: probabilities must be floating, got {p.dtype}")
    draws = _backend.backend_of_array(p.data).rand(p.shape, p.dtype)
    return Tensor._make((draws < p.data).astype(p.dtype), False, None, 0)


def multinomial(probs: Tensor, num_samples: int, replacement: bool = False) -> Tensor:
    """Draw `num_samples` class indices per row of `probs` (non-negative weights over the
    last axis, 1-D or 2-D, not necessarily normalised), as PyTorch's multinomial.

    Sampling from a softmax: `mg.multinomial(logits.softmax(-1), 1)`.

    Args:
        probs: the weights, 1-D or 2-D.
        num_samples: draws per row.
        replacement: draw with replacement.

    Returns:
        Tensor: int64 indices, shape `probs.shape[:-1] + (num_samples,)`.

    Raises:
        ValueError: for a bad shape, negative or non-finite weights, a zero row, or too many
            samples without replacement.

    Examples:
        >>> mg.manual_seed(0)
        >>> mg.multinomial(mg.tensor([0.0, 1.0, 0.0]), 2, replacement=True)
        tensor([1, 1])
        >>> mg.multinomial(mg.tensor([[1.0, 1.0], [0.0, 1.0]]), 1)
        tensor([[0],
                [1]])
    """
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
    """Uniform samples in [0, 1) (a floating dtype: PyTorch refuses the others too).

    As `torch.rand`.

    Args:
        *shape: the sizes, as ints or one tuple.
        dtype: the dtype (a NumPy dtype, its name, or `mg.float64`...); the default dtype if
            None.
        backend: "numpy", "cupy" (or PyTorch's "cpu", "cuda"); the default backend if None.
        requires_grad: make the result a leaf that records gradients.

    Returns:
        Tensor: the samples.

    Raises:
        TypeError: for a non-floating dtype.

    Examples:
        >>> mg.manual_seed(0)
        >>> mg.rand(3)
        tensor([0.6369617 , 0.26978672, 0.04097353])
    """
    dtype, b = _floating_dtype("rand", dtype), _backend.get_backend(backend)
    return _finish(b.rand(_shape(shape, "rand"), dtype), requires_grad)


def randn(*shape, dtype=None, backend=None, requires_grad=False) -> Tensor:
    """Standard normal samples (a floating dtype).

    As `torch.randn`.

    Args:
        *shape: the sizes, as ints or one tuple.
        dtype: the dtype (a NumPy dtype, its name, or `mg.float64`...); the default dtype if
            None.
        backend: "numpy", "cupy" (or PyTorch's "cpu", "cuda"); the default backend if None.
        requires_grad: make the result a leaf that records gradients.

    Returns:
        Tensor: the samples.

    Raises:
        TypeError: for a non-floating dtype.

    Examples:
        >>> mg.manual_seed(0)
        >>> mg.randn(2, 2)
        tensor([[ 0.12573022, -0.13210486],
                [ 0.64042264,  0.10490011]])
    """
    dtype, b = _floating_dtype("randn", dtype), _backend.get_backend(backend)
    return _finish(b.randn(_shape(shape, "randn"), dtype), requires_grad)


def manual_seed(seed: int) -> None:
    """Make every random draw of minigrad and nn reproducible.

    Seeds every backend's generator at once, as `torch.manual_seed`.

    Args:
        seed: an integer.

    Returns:
        None.

    Examples:
        >>> mg.manual_seed(0)
        >>> a = mg.rand(2)
        >>> mg.manual_seed(0)
        >>> bool((mg.rand(2) == a).all())
        True
    """
    _backend.seed_all(int(seed))


def tensor(data, requires_grad=False, dtype=None, backend=None) -> Tensor:
    """A new leaf tensor holding a copy of `data`, as `torch.tensor`; the same as `mg.Tensor(...)`.

    Args:
        data: a number, (nested) list, NumPy array, backend array or Tensor.
        requires_grad: make the result a leaf that records gradients.
        dtype: the dtype; by default Python floats take the default dtype, integers int64,
            NumPy arrays keep theirs.
        backend: "numpy", "cupy" (or PyTorch's "cpu", "cuda"); the default backend if None.

    Returns:
        Tensor: a new leaf tensor (its own copy of the data).

    Raises:
        TypeError: for requires_grad=True with a non-floating dtype.

    Examples:
        >>> mg.tensor([1.0, 2.0])
        tensor([1., 2.])
        >>> mg.tensor([[1, 2]], dtype=mg.float64)
        tensor([[1., 2.]], dtype=float64)
        >>> mg.tensor(3.0, requires_grad=True)
        tensor(3., requires_grad=True)
    """
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, backend=backend)


def get_array_module(x):
    """The array module (numpy, cupy, ...) of a Tensor or backend array.

    As `cupy.get_array_module` (Chainer's idiom): write `xp = mg.get_array_module(x)` for
    code that runs on both backends.

    Args:
        x: a Tensor or a backend array.

    Returns:
        module: `numpy`, `cupy`, or the strict test backend's module.

    Raises:
        TypeError: for anything else.

    Examples:
        >>> mg.get_array_module(mg.zeros(2)) is np
        True
    """
    data = x.data if isinstance(x, Tensor) else x
    owner = _backend.backend_of_array(data)
    if owner is None:
        raise TypeError(f"get_array_module: {type(x).__name__} is not a Tensor or backend array")
    return owner.xp
