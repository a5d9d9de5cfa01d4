"""The Tensor object: construction and dtype rules, attributes, conversions,
creation functions, backends, numerical stability and error messages."""
import re
import sys
import warnings

import numpy as np
import pytest
from helpers import host

import minigrad as mg

# ---- construction and dtypes ----------------------------------------------------------


@pytest.mark.parametrize("data, kind", [
    (1.5, "float32"), ([1.0, 2.0], "float32"), ([[1.0], [2]], "float32"),
    (3, "int"), ([1, 2, 3], "int"), (True, "bool"),
    (np.zeros(2, dtype=np.float64), "float64"), (np.zeros(2, dtype=np.float16), "float16"),
], ids=["float", "float_list", "mixed_list", "int", "int_list", "bool", "np64", "np16"])
def test_construction_dtype(data, kind, backend):
    dtype = mg.tensor(data, backend=backend).dtype
    if kind == "int":
        assert np.dtype(dtype).kind == "i"
    else:
        assert np.dtype(dtype) == np.dtype(kind)


def test_tensor_is_the_class_and_tensor_the_factory(backend):
    t = mg.Tensor([1.5, 2.5], backend=backend)
    assert isinstance(mg.tensor(1.0), mg.Tensor)
    assert t.dtype == np.float32 and t.backend == backend


def test_int_tensor_with_python_float_becomes_default_float(backend):
    t = mg.tensor([1, 2], backend=backend)
    assert (t * 2.5).dtype == np.float32
    assert (t + 1).dtype.kind == "i"
    np.testing.assert_array_equal((t * 2.5).numpy(), [2.5, 5.0])


def test_set_default_backend():
    mg.set_default_backend("strict")
    assert mg.zeros(2).backend == "strict"
    assert mg.tensor([1.0]).backend == "strict"
    assert mg.randn(3).backend == "strict"
    assert mg.tensor([1.0], backend="numpy").backend == "numpy"


def test_set_default_dtype_governs_python_floats(backend):
    mg.set_default_dtype("float64")
    assert mg.tensor([1.5], backend=backend).dtype == np.float64
    assert mg.zeros(2, backend=backend).dtype == np.float64
    assert mg.tensor([1, 2], backend=backend).dtype.kind == "i"


@pytest.mark.parametrize("dtype", ["float64", np.float64, np.dtype("float64"), "float32",
                                   np.float32, "int32", np.int64])
def test_dtype_argument_accepts_names_and_numpy_dtypes(dtype, backend):
    t = mg.tensor([1, 2], dtype=dtype, backend=backend)
    assert t.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(t.numpy(), [1, 2])


@pytest.mark.parametrize("make", [
    lambda b: mg.tensor([1, 2], requires_grad=True, backend=b),
    lambda b: mg.tensor([True], requires_grad=True, backend=b),
    lambda b: mg.tensor([1.0], dtype="int64", requires_grad=True, backend=b),
    lambda b: mg.zeros(2, dtype="int32", requires_grad=True, backend=b),
    lambda b: mg.arange(3, requires_grad=True, backend=b),
], ids=["int_list", "bool", "int_dtype", "zeros_int", "arange_int"])
def test_requires_grad_on_non_floating_raises_type_error(make, backend):
    with pytest.raises(TypeError, match=r"(?i)float"):
        make(backend)


def test_tensor_from_numpy_copies_like_torch_tensor():
    source = np.array([1.0, 2.0])
    t = mg.tensor(source, requires_grad=True)
    source[0] = 100.0  # must not reach the leaf behind autograd's back
    assert t.tolist() == [1.0, 2.0]


def test_tensor_from_tensor_copies_values(backend):
    a = mg.tensor([1.0, 2.0], backend=backend)
    b = mg.tensor(a)
    assert isinstance(b, mg.Tensor) and b.backend == backend
    np.testing.assert_array_equal(b.numpy(), [1.0, 2.0])


FLOAT32_EXPRESSIONS = {
    "mul_float": lambda x: x * 2.0,
    "rmul_float": lambda x: 2.0 * x,
    "mul_int": lambda x: x * 2,
    "add": lambda x: x + 1.5,
    "radd": lambda x: 1.5 + x,
    "sub": lambda x: x - 1.5,
    "rsub": lambda x: 1.5 - x,
    "div_int": lambda x: x / 3,
    "div_float": lambda x: x / 3.0,
    "rdiv": lambda x: 3.0 / x,
    "pow_int": lambda x: x ** 2,
    "pow_float": lambda x: x ** 0.5,
    "rpow": lambda x: 2.0 ** x,
    "neg": lambda x: -x,
    "maximum_scalar": lambda x: mg.maximum(x, 1.0),
    "where_scalars": lambda x: mg.where(x > 1.0, x, 0.0),
    "clip": lambda x: x.clip(0.5, 1.5),
    "mean": lambda x: x.mean(),
    "var": lambda x: x.var(ddof=1),
    "exp_log": lambda x: x.exp().log(),
    "sqrt": lambda x: x.sqrt(),
    "softmax": lambda x: x.softmax(),
    "log_softmax": lambda x: x.log_softmax(),
    "logsumexp": lambda x: x.logsumexp(axis=0),
    "sigmoid_tanh_relu": lambda x: x.sigmoid().tanh().relu(),
    "matmul": lambda x: x @ x,
    "index": lambda x: x[[0, 0]],
    "cat_stack": lambda x: mg.stack([mg.cat([x, x]), mg.cat([x, x])]),
}


@pytest.mark.parametrize("name", sorted(FLOAT32_EXPRESSIONS))
def test_float32_is_preserved_with_python_scalars(name, backend):
    x = mg.tensor([0.5, 1.25], backend=backend, requires_grad=True)
    assert x.dtype == np.float32
    y = FLOAT32_EXPRESSIONS[name](x)
    assert y.dtype == np.float32, f"{name} gave {y.dtype}"
    y.sum().backward()
    assert x.grad.dtype == np.float32


# ---- attributes and conversions -----------------------------------------------------------

def test_attributes(backend):
    t = mg.tensor(np.arange(24.0).reshape(2, 3, 4), backend=backend)
    assert t.shape == (2, 3, 4) and isinstance(t.shape, tuple)
    assert t.ndim == 3
    assert t.size == 24
    assert t.dtype == np.float64
    assert t.backend == backend
    assert t.is_leaf and not t.requires_grad and t.grad is None
    assert t.T.shape == (4, 3, 2)
    np.testing.assert_array_equal(t.T.numpy(), np.arange(24.0).reshape(2, 3, 4).T)


def test_data_is_a_backend_array(backend):
    t = mg.tensor([1.0, 2.0], backend=backend)
    assert t.data.shape == (2,)
    if backend == "numpy":
        assert isinstance(t.data, np.ndarray)
    else:
        assert not isinstance(t.data, np.ndarray)
    t.data = t.data * 3.0
    np.testing.assert_array_equal(t.numpy(), [3.0, 6.0])


def test_item_numpy_tolist_len(backend):
    t = mg.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], backend=backend)
    assert len(t) == 3
    assert t.tolist() == [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]
    array = t.numpy()
    assert isinstance(array, np.ndarray)
    np.testing.assert_array_equal(array, [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    value = t.sum().item()
    assert isinstance(value, float) and value == 21.0
    assert isinstance(mg.tensor(7, backend=backend).item(), int)
    with pytest.raises(TypeError):
        len(mg.tensor(1.0, backend=backend))


def test_repr(backend):
    text = repr(mg.tensor([1.5, -2.25], backend=backend, requires_grad=True))
    assert "1.5" in text and "-2.25" in text
    assert re.search(r"(?i)tensor", text)
    assert "requires_grad" in text


# ---- creation functions ---------------------------------------------------------------

@pytest.mark.parametrize("name, args, expected", [
    ("zeros", (2, 3), np.zeros((2, 3))),
    ("zeros", ((2, 3),), np.zeros((2, 3))),
    ("ones", (4,), np.ones(4)),
    ("ones", ((2, 1, 2),), np.ones((2, 1, 2))),
    ("full", ((2, 2), 7.0), np.full((2, 2), 7.0)),
    ("eye", (3,), np.eye(3)),
    ("arange", (5,), np.arange(5)),
    ("arange", (1, 7, 2), np.arange(1, 7, 2)),
    ("arange", (0.0, 1.0, 0.25), np.arange(0.0, 1.0, 0.25)),
], ids=str)
def test_creation_functions(name, args, expected, backend):
    t = getattr(mg, name)(*args, backend=backend)
    assert t.backend == backend
    np.testing.assert_array_equal(t.numpy(), expected)
    if expected.dtype.kind == "f":
        assert t.dtype == np.float32  # the default dtype
    else:
        assert t.dtype.kind == "i"


@pytest.mark.parametrize("name", ["zeros", "ones", "rand", "randn"])
@pytest.mark.parametrize("dtype", ["float64", np.float32])
def test_creation_keywords(name, dtype, backend):
    for shape_args in [(2, 3), ((2, 3),)]:
        t = getattr(mg, name)(*shape_args, dtype=dtype, backend=backend, requires_grad=True)
        assert t.shape == (2, 3)
        assert t.dtype == np.dtype(dtype)
        assert t.backend == backend
        assert t.requires_grad and t.is_leaf


def test_full_eye_arange_keywords(backend):
    for t in [mg.full((2,), 1.0, dtype="float64", backend=backend, requires_grad=True),
              mg.eye(2, dtype="float64", backend=backend, requires_grad=True),
              mg.arange(3, dtype="float64", backend=backend, requires_grad=True)]:
        assert t.dtype == np.float64 and t.backend == backend and t.requires_grad


@pytest.mark.parametrize("name, value", [("zeros_like", 0.0), ("ones_like", 1.0)])
def test_like_functions(name, value, backend):
    source = mg.tensor(np.full((2, 3), 5.0), backend=backend)
    t = getattr(mg, name)(source)
    assert t.shape == (2, 3) and t.dtype == np.float64 and t.backend == backend
    np.testing.assert_array_equal(t.numpy(), np.full((2, 3), value))
    assert getattr(mg, name)(source, dtype="float32", requires_grad=True).requires_grad


def test_rand_and_randn_ranges(backend):
    assert mg.rand(2, backend=backend).dtype == np.float32
    assert mg.randn(2, backend=backend).dtype == np.float32
    u = mg.rand(1000, backend=backend).numpy()
    assert u.min() >= 0.0 and u.max() < 1.0
    n = mg.randn(10000, backend=backend).numpy()
    assert abs(n.mean()) < 0.05 and abs(n.std() - 1.0) < 0.05


# ---- backends --------------------------------------------------------------------------

def test_to_other_backend_is_differentiable():
    x = mg.tensor([1.0, -2.0], dtype="float64", requires_grad=True)
    y = x.to("strict")
    assert y.backend == "strict" and x.backend == "numpy"
    z = (y * y).sum()
    z.backward()
    assert isinstance(x.grad, np.ndarray)
    np.testing.assert_array_equal(x.grad, [2.0, -4.0])
    back = y.to("numpy")
    assert back.backend == "numpy"
    np.testing.assert_array_equal(back.numpy(), [1.0, -2.0])


def test_mixing_backends_raises_naming_both():
    a = mg.tensor([1.0])
    b = mg.tensor([1.0], backend="strict")
    for op in [lambda: a + b, lambda: b * a, lambda: mg.cat([a, b]),
               lambda: mg.where(a > 0, a, b)]:
        with pytest.raises(mg.BackendMismatchError) as info:
            op()
        assert "numpy" in str(info.value) and "strict" in str(info.value)


def _cupy_usable():
    try:
        import cupy
    except ImportError:
        return False
    return bool(cupy.is_available())


@pytest.mark.skipif(_cupy_usable(), reason="CuPy is usable here")
@pytest.mark.parametrize("request_cupy", [
    lambda: mg.tensor([1.0], backend="cupy"),
    lambda: mg.zeros(2, backend="cupy"),
    lambda: mg.tensor([1.0]).to("cupy"),
    lambda: mg.set_default_backend("cupy"),
], ids=["tensor", "zeros", "to", "set_default_backend"])
def test_cupy_unavailable_raises_saying_why(request_cupy):
    with pytest.raises(mg.BackendUnavailableError, match=r"(?i)cupy") as info:
        request_cupy()
    assert re.search(r"(?i)not installed|no cuda|device", str(info.value))


@pytest.mark.parametrize("extra", ["cuda12", "cuda13"])
def test_missing_cupy_names_the_install_command_of_this_checkout(extra, monkeypatch):
    """PyPI's `minigrad` is another project: the advice installs this checkout's extra."""
    from minigrad import backend as backend_module
    monkeypatch.setitem(sys.modules, "cupy", None)  # `import cupy` raises ImportError
    with pytest.raises(mg.BackendUnavailableError) as info:
        backend_module._load_cupy()
    message = str(info.value)
    assert f'python -m pip install -e ".[{extra}]"' in message
    assert "pip install minigrad" not in message


# ---- numerical stability --------------------------------------------------------------

STABLE = {  # op -> (expression, value at x = [1000, -1000, 0, 0])
    "sigmoid": (lambda x: x.sigmoid(), [1.0, 0.0, 0.5, 0.5]),
    "tanh": (lambda x: x.tanh(), [1.0, -1.0, 0.0, 0.0]),
    "softmax": (lambda x: x.softmax(), [1.0, 0.0, 0.0, 0.0]),
    "log_softmax": (lambda x: x.log_softmax(), [0.0, -2000.0, -1000.0, -1000.0]),
    "logsumexp": (lambda x: x.logsumexp(axis=0), 1000.0),
}


@pytest.mark.parametrize("name", sorted(STABLE))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_stable_at_large_magnitude_without_warnings(name, dtype, backend):
    fn, expected = STABLE[name]
    x = mg.tensor([1000.0, -1000.0, 0.0, 0.0], dtype=dtype, backend=backend,
                  requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = fn(x)
        (y * mg.tensor([1.0, 2.0, 3.0, 4.0][:y.size], dtype=dtype, backend=backend)
         .reshape(y.shape)).sum().backward()
    assert np.all(np.isfinite(host(x.grad))), host(x.grad)
    np.testing.assert_allclose(y.numpy(), expected, atol=1e-6, rtol=1e-6)


def test_stable_reductions_values(backend):
    x = mg.tensor([1000.0, 1000.0, -1000.0], dtype="float64", backend=backend)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_allclose(x.logsumexp(axis=0).item(), 1000.0 + np.log(2.0))
        np.testing.assert_allclose(x.softmax().numpy(), [0.5, 0.5, 0.0], atol=1e-12)
        np.testing.assert_allclose(x.log_softmax().numpy(),
                                   [-np.log(2.0), -np.log(2.0), -2000.0 - np.log(2.0)])


# ---- error messages --------------------------------------------------------------------

SHAPE_ERRORS = [
    ("add", lambda a, b: a + b, (2, 3), (4,), r"add|\+"),
    ("sub", lambda a, b: a - b, (2, 3), (4,), r"sub|-"),
    ("mul", lambda a, b: a * b, (2, 3), (4,), r"mul|\*"),
    ("div", lambda a, b: a / b, (2, 3), (4,), r"div|/"),
    ("pow", lambda a, b: a ** b, (2, 3), (4,), r"pow|\*\*"),
    ("maximum", mg.maximum, (2, 3), (4,), r"maximum"),
    ("matmul", lambda a, b: a @ b, (2, 3), (4, 5), r"matmul|@"),
    ("matmul_1d", lambda a, b: a @ b, (3,), (4,), r"matmul|@"),
    ("matmul_batch", lambda a, b: a @ b, (2, 2, 3), (3, 3, 4), r"matmul|@"),
]


@pytest.mark.parametrize("name, fn, shape_a, shape_b, op_pattern", SHAPE_ERRORS,
                         ids=[c[0] for c in SHAPE_ERRORS])
def test_shape_mismatch_message_names_op_and_shapes(name, fn, shape_a, shape_b, op_pattern,
                                                      backend):
    a = mg.ones(shape_a, backend=backend, requires_grad=True)
    b = mg.ones(shape_b, backend=backend)
    with pytest.raises(ValueError) as info:
        fn(a, b)
    message = str(info.value)
    assert re.search(f"(?i){op_pattern}", message), message
    assert str(shape_a) in message and str(shape_b) in message, message


@pytest.mark.parametrize("name, fn", [("and", lambda a, b: a & b), ("or", lambda a, b: a | b),
                                      ("xor", lambda a, b: a ^ b)])
def test_boolean_logic_operators(backend, name, fn):
    a_host = np.array([True, True, False, False])
    b_host = np.array([True, False, True, False])
    a, b = mg.tensor(a_host, backend=backend), mg.tensor(b_host, backend=backend)
    out = fn(a, b)
    assert out.dtype == bool and not out.requires_grad
    np.testing.assert_array_equal(out.numpy(), fn(a_host, b_host))
    np.testing.assert_array_equal((~a).numpy(), ~a_host)
    with pytest.raises(TypeError, match=name):
        fn(mg.tensor([1.0, 2.0], backend=backend), a[:2])
