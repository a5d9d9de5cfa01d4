"""Scalar code (0-d tensors) takes shortcuts: tanh and the binary ops' backward compute on
NumPy scalars, constants from Python numbers are made in one call, and the backward engine
releases each node as it hands out gradients. These tests pin every shortcut to the
general path: the same ops on shape-(1,) tensors (which take none of them), and PyTorch."""
import numpy as np
import pytest
from helpers import host

import minigrad as mg
from minigrad.walk import consumers_first, gradient_inputs

DTYPES = ["float32", "float64", "int64", "int32", "bool"]
NUMBERS = [2, -3, 0.5, 1e-3, True, False]
OPS = {
    "add": lambda a, b: a + b,
    "radd": lambda a, b: b + a,
    "sub": lambda a, b: a - b,
    "rsub": lambda a, b: b - a,
    "mul": lambda a, b: a * b,
    "rmul": lambda a, b: b * a,
    "div": lambda a, b: a / b,
    "rdiv": lambda a, b: b / a,
}


def _value(dtype, seed=0):
    if dtype == "bool":
        return np.array(True)
    if dtype.startswith("int"):
        return np.array(3 + seed, dtype=dtype)
    return np.array(0.37 + 0.21 * seed, dtype=dtype)


def _same(scalar, general):
    """A 0-d result equals the shape-(1,) one exactly: array type, dtype and bits."""
    assert type(scalar) is type(general) and scalar.shape == () and general.shape == (1,)
    assert scalar.dtype == general.dtype
    np.testing.assert_array_equal(scalar.reshape(1), general)


def _compare(fn, values):
    """fn on 0-d tensors and on shape-(1,) ones: the same output and gradients, or the same
    error (bool - bool is refused, as in PyTorch)."""
    try:
        general, general_grads = _run(fn, values, (1,))
    except TypeError as exc:
        with pytest.raises(TypeError) as raised:
            _run(fn, values, ())
        assert str(raised.value) == str(exc).replace("(1,)", "()")
        return
    scalar, scalar_grads = _run(fn, values, ())
    _same(scalar, general)
    assert len(scalar_grads) == len(general_grads)
    for s, g in zip(scalar_grads, general_grads):
        if g is None:  # an integer input, which takes no gradient
            assert s is None
        else:
            _same(s, g)


def _run(fn, values, shape, backend=None):
    """fn on tensors of `shape` made from the 0-d `values`; (output array, input grads)."""
    tensors = [mg.tensor(v.reshape(shape), backend=backend,
                         requires_grad=v.dtype.kind == "f") for v in values]
    out = fn(*tensors)
    grads = []
    if out.requires_grad:
        out.sum().backward()  # (on a 0-d output, sum is a 0-d copy: the same graph)
        grads = [t.grad for t in tensors]
    return out.data, grads


@pytest.mark.parametrize("number", NUMBERS, ids=repr)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", OPS)
def test_a_python_number_with_a_0d_tensor_is_the_general_path(op, dtype, number):
    fn = OPS[op]
    with np.errstate(divide="ignore", invalid="ignore"):
        _compare(lambda t: fn(t, number), [_value(dtype)])


@pytest.mark.parametrize("dtype_b", DTYPES)
@pytest.mark.parametrize("dtype_a", DTYPES)
@pytest.mark.parametrize("op", ["add", "sub", "mul", "div"])
def test_two_0d_tensors_are_the_general_path(op, dtype_a, dtype_b):
    _compare(OPS[op], [_value(dtype_a), _value(dtype_b, seed=1)])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_chain_of_scalar_ops_is_the_general_path_and_torch(dtype, torch):
    """The benchmark's chain, y = tanh(y·0.5 + 1) and the rest: values and the gradient
    bit for bit against shape (1,), and close to PyTorch's."""
    def chain(y, tanh):
        for _ in range(20):
            y = tanh(y * 0.5 + 1.0)
            y = 2 - y / 3 * y
        return y

    results = []
    for shape in [(), (1,)]:
        x = mg.tensor(np.full(shape, 0.25, dtype=dtype), requires_grad=True)
        y = chain(x, mg.tanh)
        y.sum().backward()
        results.append((y.data, x.grad))
    (y0, g0), (y1, g1) = results
    _same(y0, y1)
    _same(g0, g1)
    xt = torch.tensor(0.25, dtype=getattr(torch, dtype), requires_grad=True)
    yt = chain(xt, torch.tanh)
    yt.backward()
    rtol = 1e-5 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(y0, yt.detach().numpy(), rtol=rtol)
    np.testing.assert_allclose(g0, xt.grad.numpy(), rtol=rtol)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("value", [0.0, -0.0, 1e-30, 0.37, -4.0, 20.0, np.inf, -np.inf, np.nan])
def test_tanh_of_a_0d_tensor_is_numpys_on_the_array(dtype, value):
    x = mg.tensor(np.array(value, dtype=dtype), requires_grad=True)
    y = mg.tanh(x)
    expected = np.asarray(np.tanh(np.array([value], dtype=dtype)))
    _same(y.data, expected)
    assert np.signbit(y.data) == np.signbit(expected[0])
    y.backward()
    general = mg.tensor(np.array([value], dtype=dtype), requires_grad=True)
    mg.tanh(general).sum().backward()
    _same(x.grad, general.grad)


@pytest.mark.parametrize("op", ["mul", "add", "tanh"])
def test_second_derivatives_of_0d_ops_are_the_general_paths(op):
    fn = {"mul": lambda t: t * t * 0.5, "add": lambda t: (t + 1.5) * t,
          "tanh": lambda t: mg.tanh(t * 0.7)}[op]
    results = []
    for shape in [(), (1,)]:
        x = mg.tensor(np.full(shape, 0.3), requires_grad=True)
        (g,) = mg.grad(fn(x).sum(), [x], create_graph=True)
        (h,) = mg.grad(g.sum(), [x])
        results.append((g.data, h.data))
    _same(results[0][0], results[1][0])
    _same(results[0][1], results[1][1])


def test_0d_ops_on_the_strict_backend_never_reach_numpy(backend):
    x = mg.tensor(0.25, backend=backend, requires_grad=True)
    y = mg.tanh(x * 0.5 + 1) / 3 - 2 * x
    y.backward()
    reference = mg.tensor(0.25, requires_grad=True)
    expected = mg.tanh(reference * 0.5 + 1) / 3 - 2 * reference
    expected.backward()
    assert y.backend == backend and type(x.grad) is type(x.data)
    np.testing.assert_array_equal(host(y.data), expected.data)
    np.testing.assert_array_equal(host(x.grad), reference.grad)


def test_a_0d_division_by_zero_warns_as_numpy_does_on_arrays():
    with pytest.warns(RuntimeWarning, match="divide by zero encountered in divide"):
        y = mg.tensor(1.0, requires_grad=True) / 0
    assert y.item() == np.inf


def test_hooks_anomaly_and_in_place_checks_see_0d_gradients():
    x = mg.tensor(0.5, requires_grad=True)
    h = x * 3.0
    seen = []
    h.register_hook(lambda g: seen.append(g) or np.asarray(g * 2))  # (g * 2 is a scalar)
    mg.tanh(h).backward()
    assert seen[0].shape == () and x.grad == pytest.approx(6 * (1 - np.tanh(1.5) ** 2))
    with mg.detect_anomaly(), pytest.raises(FloatingPointError, match="Div"), \
            np.errstate(all="ignore"):
        (mg.tensor(0.0, requires_grad=True) / 0.0).backward()
    y = mg.tanh(mg.tensor(0.5, requires_grad=True))
    y.data += 1  # tanh's backward reads its output: written in place, it refuses
    with pytest.raises(RuntimeError, match="inplace"):
        y.backward()


class _Saves(mg.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * 2

    @staticmethod
    def backward(ctx, g):
        return g * 2


@pytest.mark.parametrize("retain", [False, True])
def test_backward_frees_what_was_saved_and_marks_every_node(retain):
    x = mg.tensor(0.5, requires_grad=True)
    y = _Saves.apply(x * 3.0) + 1.0
    nodes = [y.grad_fn, y.grad_fn.inputs[0].grad_fn, y.grad_fn.inputs[0].grad_fn.inputs[0].grad_fn]
    y.backward(retain_graph=retain)
    assert [node._freed for node in nodes] == [not retain] * 3
    assert (nodes[1]._saved == ()) is not retain
    if retain:
        y.backward()
        assert x.grad == 12.0
    else:
        with pytest.raises(RuntimeError, match="second time"):
            y.backward()


def test_the_engine_runs_nodes_in_the_walkers_order():
    """The engine walks the graph itself (walk.consumers_first, inlined): same order."""
    x = mg.tensor(0.5, requires_grad=True)
    a = x * 2.0
    b = mg.tanh(a) + a
    c = b * a - mg.tanh(b)
    root = (c * b + x).grad_fn
    ran = []
    with mg.observe_gradients(lambda node, grads: ran.append(node)):
        root.output().backward()
    assert ran == list(consumers_first([root], gradient_inputs))


# -- the forward shortcut: scalar_binary and tanh record through function.apply_0d ------------

NODE_DEFAULTS = ["xp", "_saved", "_freed", "_hooks", "_retained", "_scope", "_roles",
                 "_versions", "_output_versions", "_observed"]


def _same_node(fast, general):
    """Two nodes recorded for one op, by apply_0d and by apply: the same attributes and
    values (apply_0d leaves an empty scope to the class default, which reads the same, and
    keeps what forward took as `_scalars`, which backward reads instead of the inputs)."""
    assert type(fast) is type(general)
    assert set(vars(fast)) - {"_scope", "_scalars"} == set(vars(general)) - {"_scope"}
    assert general._scalars is None and len(fast._scalars) == len(fast.inputs)
    for value, t in zip(fast._scalars, fast.inputs):
        assert value.dtype == t._data.dtype and value == t._data
    for name in NODE_DEFAULTS:
        f, g = getattr(fast, name), getattr(general, name)
        if name == "_output_versions" and g is not None:
            assert f == g and f[0] is fast.output()._version
        else:
            assert f == g, name
    assert len(fast.inputs) == len(general.inputs)
    for f, g in zip(fast.inputs, general.inputs):
        assert type(f._data) is type(g._data) and f._data.dtype == g._data.dtype
        assert f._data.tobytes() == g._data.tobytes()
        assert (f._requires_grad, f._creator is None) == (g._requires_grad, g._creator is None)
    f_out, g_out = fast._output_data[0], general._output_data[0]
    assert type(f_out) is type(g_out) is np.ndarray and f_out.shape == g_out.shape == ()
    assert f_out.dtype == g_out.dtype and f_out.tobytes() == g_out.tobytes()
    f_t, g_t = fast.output(), general.output()
    for name in ["_grad", "_requires_grad", "_output_index", "_hooks",
                 "_post_accumulate_hooks", "name"]:
        assert getattr(f_t, name) == getattr(g_t, name), name
    assert f_t._version == g_t._version and f_t._creator is fast


def _general(op, a, b=None):
    """The op through Function.apply, the general path (lift makes the constant)."""
    from minigrad.ops.arithmetic import Add, Mul, Sub
    from minigrad.ops.base import lift
    from minigrad.ops.elementwise import Tanh

    if op == "tanh":
        return Tanh.apply(a)
    return {"add": Add, "sub": Sub, "mul": Mul}[op].apply(*lift(op, a, b))


@pytest.fixture
def applies(monkeypatch):
    """Counts Function.apply's calls: the shortcut must not make any."""
    calls = []
    original = mg.Function.apply.__func__

    def counting(cls, *inputs, **kwargs):
        calls.append(cls.__name__)
        return original(cls, *inputs, **kwargs)

    monkeypatch.setattr(mg.Function, "apply", classmethod(counting))
    return calls


CASES = {  # op, the two operands (0-d tensors x, w; numbers), as the dunders call them
    "x * 0.5": ("mul", lambda x, w: (x, 0.5)),
    "0.5 * x": ("mul", lambda x, w: (0.5, x)),
    "x + 1": ("add", lambda x, w: (x, 1)),
    "2 - x": ("sub", lambda x, w: (2.0, x)),
    "x - w": ("sub", lambda x, w: (x, w)),
    "x * x": ("mul", lambda x, w: (x, x)),
    "tanh(x)": ("tanh", lambda x, w: (x,)),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("setting", ["plain", "scope", "versions", "no grad w"])
def test_the_shortcut_records_the_node_apply_records(case, dtype, setting, applies):
    from minigrad.ops import arithmetic, elementwise

    op, operands = CASES[case]
    nodes, grads = [], []
    for path in ["fast", "general"]:
        leaf = mg.tensor(np.array(0.37, dtype=dtype), requires_grad=True)
        x = leaf * 1.0  # (a non-leaf)
        w = mg.tensor(np.array(-1.5, dtype=dtype), requires_grad=setting != "no grad w")
        if setting == "versions":
            with mg.no_grad():
                w += 1  # (in place: w's version counter is 1 when the op is recorded)
        args = operands(x, w)
        del applies[:]
        with mg.layer_scope(2) if setting == "scope" else _nothing():
            if path == "fast":
                out = elementwise.tanh(*args) if op == "tanh" else getattr(arithmetic, op)(*args)
                assert applies == []  # the shortcut, not Function.apply
            else:
                out = _general(op, *args)
        nodes.append((out, leaf, w))
    _same_node(nodes[0][0].grad_fn, nodes[1][0].grad_fn)  # as recorded
    for out, leaf, w in nodes:
        out.backward()
        grads.append((leaf.grad, w.grad))
    for fast, general in zip(*grads):
        if general is None:
            assert fast is None
        else:
            assert fast.dtype == general.dtype and fast.tobytes() == general.tobytes()


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@pytest.mark.parametrize("case", CASES)
def test_the_shortcut_keeps_no_grad_and_requires_grad_false(case, applies):
    from minigrad.ops import arithmetic, elementwise

    op, operands = CASES[case]
    fn = elementwise.tanh if op == "tanh" else getattr(arithmetic, op)
    x = mg.tensor(0.37, requires_grad=True)
    w = mg.tensor(-1.5, requires_grad=True)
    with mg.no_grad():
        out = fn(*operands(x, w))
    assert out.grad_fn is None and not out.requires_grad and type(out.data) is np.ndarray
    out = fn(*operands(mg.tensor(0.37), mg.tensor(-1.5)))
    assert out.grad_fn is None and not out.requires_grad and out.dtype == np.float32
    assert applies == []


@pytest.mark.parametrize("dtype", ["float16", ">f4", "<f8" if np.little_endian else ">f8"])
def test_other_float_dtypes_take_the_general_path_with_the_same_results(dtype, applies):
    """float16, a byte-swapped float32, and a native float64 spelt differently: the
    shortcut takes only NumPy's own float32/float64 dtypes, the rest is the general path."""
    x = mg.tensor(np.array(0.37, dtype=dtype), requires_grad=True)
    y = mg.tanh(x * 0.5 + 1.0) - x
    general = mg.tensor(np.array([0.37], dtype=dtype), requires_grad=True)
    z = mg.tanh(general * 0.5 + 1.0) - general
    assert y.dtype == z.dtype
    np.testing.assert_array_equal(y.data.reshape(1), z.data)
    y.backward()
    z.sum().backward()
    np.testing.assert_array_equal(x.grad.reshape(1), general.grad)


def test_the_shortcut_checks_anomalies_and_in_place_writes():
    x = mg.tensor(np.inf, requires_grad=True)
    with mg.detect_anomaly(), pytest.raises(FloatingPointError, match="Mul"), \
            np.errstate(all="ignore"):
        x * 0.0
    x = mg.tensor(0.5, requires_grad=True)
    h = x * 2.0
    y = h * h
    with mg.no_grad():
        h += 1  # (in place, after y recorded h: y's backward must refuse)
    with pytest.raises(RuntimeError, match="inplace"):
        y.backward()
    t = mg.tanh(x)
    with mg.no_grad():
        t *= 2.0  # tanh's backward reads its output
    with pytest.raises(RuntimeError, match="inplace"):
        t.backward()


def test_the_shortcut_is_drawn_as_the_general_path():
    """A picture names each op and draws each lifted constant as its own leaf."""
    from minigrad.render.graph import collect

    x = mg.tensor(0.25, requires_grad=True)
    y = mg.tanh(x * 0.5 + 0.5) * 0.5
    graph = collect(y, {})
    general = collect(mg.tanh(_general("add", _general("mul", x, 0.5), 0.5)) * 0.5, {})
    assert [(v.kind, getattr(v.obj, "op_name", None)) for v in graph.vertices] == \
        [(v.kind, getattr(v.obj, "op_name", None)) for v in general.vertices]
    assert graph.edges == general.edges


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("number", [0.5, 1, -3, 1e-50, -1e-50, 0.0, -0.0, np.nan, np.inf, -np.inf,
                                    2 ** 63, 0.1], ids=repr)
def test_shared_constants_are_the_arrays_lift_makes(number, dtype):
    from minigrad.ops.base import constant_0d

    for _ in range(2):  # made, then (where kept) shared
        array, value = constant_0d(number, np.dtype(dtype))
        expected = np.array(number, dtype=dtype)
        assert type(array) is np.ndarray and array.shape == () and array.dtype == expected.dtype
        assert array.tobytes() == expected.tobytes() and np.asarray(value).tobytes() == \
            expected.tobytes()
    x = mg.tensor(np.array(0.37, dtype=dtype), requires_grad=True)
    with np.errstate(invalid="ignore"):
        y = x * number
        general = mg.tensor(np.array([0.37], dtype=dtype), requires_grad=True) * number
    _same(y.data, general.data)  # (bit for bit: the sign of -0.0 and a NaN's bits included)


def test_a_shared_constant_is_read_only_and_each_op_has_its_own_tensor():
    x = mg.tensor(0.25, requires_grad=True)
    a, b = x * 0.5, x * 0.5
    ca, cb = a.grad_fn.inputs[1], b.grad_fn.inputs[1]
    assert ca is not cb and ca.data is cb.data
    with pytest.raises(ValueError, match="read-only"):
        ca.data[...] = 2.0
    with mg.no_grad(), pytest.raises(ValueError, match="read-only"):
        ca += 1
    assert b.item() == 0.125 and cb.item() == 0.5
    ca.data = 3.0  # new storage for that tensor alone
    assert ca.item() == 3.0 and cb.item() == 0.5 and (x * 0.5).grad_fn.inputs[1].item() == 0.5


def test_an_overflowing_number_warns_every_time_as_lift_does():
    x = mg.tensor(0.25)
    for _ in range(2):
        with pytest.warns(RuntimeWarning, match="overflow"):
            y = x * 10 ** 40
        assert y.item() == np.inf


def test_many_distinct_numbers_keep_the_shared_constants_bounded():
    from minigrad.ops import base

    x = mg.tensor(0.25)
    for i in range(3 * base._CONSTANTS_KEPT):
        assert (x + (i + 0.5)).item() == np.float32(0.25) + np.float32(i + 0.5)
    assert len(base._CONSTANTS_32) <= base._CONSTANTS_KEPT
