"""The compiled tanh, σ and log-softmax (minigrad/elementwise_numba.py) give the numbers of
the ops' xp paths: values and gradients, float64 tightly, float32 within the float32
tanh/exp approximations, NaN and ±inf where the xp path puts them. They run only on
large C-contiguous NumPy float arrays (a spy counts the calls); everything else, the
strict backend, `enabled = False` and `MINIGRAD_NUMBA=0` take the xp path. The sizes
here are small: the tests lower `threshold`."""
import os
import subprocess
import sys

import numpy as np
import pytest
from helpers import assert_close, host

import minigrad as mg
from minigrad import elementwise_compiled as compiled
from minigrad.backend import NUMPY

kernels = pytest.importorskip("minigrad.elementwise_numba")  # needs numba (a dependency)
numba = pytest.importorskip("numba")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KERNELS = ("tanh_forward", "tanh_backward", "sigmoid_forward", "sigmoid_backward",
           "log_softmax_forward", "log_softmax_backward")
OPS = {"tanh": lambda x: x.tanh(), "sigmoid": lambda x: x.sigmoid(),
       "log_softmax": lambda x: mg.log_softmax(x, axis=-1)}
# float32: the compiled tanh is a rational within 4e-7, exp a polynomial within 2 ulp
TOLERANCE = {np.float64: (1e-14, 1e-12), np.float32: (2e-6, 2e-6)}


@pytest.fixture
def calls(monkeypatch):
    """Which compiled kernels ran, in order; threshold lowered to 64 elements."""
    monkeypatch.setattr(compiled, "threshold", 64)
    monkeypatch.setattr(compiled, "enabled", True)
    ran = []
    for name in KERNELS:
        original = getattr(kernels, name)

        def counting(*args, _original=original, _name=name):
            ran.append(_name)
            return _original(*args)

        monkeypatch.setattr(kernels, name, counting)
    return ran


def run(monkeypatch, op, values, use_compiled, backend="numpy", weight_seed=2, mean=False):
    """op(x), then backward of Σ w·op(x) (or of its mean); (output, x.grad) as arrays."""
    monkeypatch.setattr(compiled, "enabled", use_compiled)
    x = mg.tensor(values, backend=backend, requires_grad=True)
    out = OPS[op](x)
    if mean:
        out.mean().backward()
    else:
        weights = np.random.default_rng(weight_seed).normal(size=values.shape).astype(values.dtype)
        (out * mg.tensor(weights, backend=backend)).sum().backward()
    return host(out), host(x.grad)


def specials(dtype, shape=(8, 37), seed=0):
    """Normal values with NaN, ±inf, large |x| and (log_softmax) rows of -inf and of +inf."""
    values = np.random.default_rng(seed).normal(scale=3.0, size=shape)
    values[0, :3] = [np.nan, np.inf, -np.inf]
    values[1, :4] = [40.0, -40.0, 1e-30, -0.0]
    values[2] = -np.inf
    values[3, 5] = np.inf
    return values.astype(dtype)


def expected_kernels(op, dtype, forward=True, backward=True) -> list:
    ran = []
    if forward and (op == "log_softmax" or dtype == np.float32):  # float64 tanh: NumPy's
        ran.append(f"{op}_forward")
    if backward:
        ran.append(f"{op}_backward")
    return ran


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # (the xp path's, on NaN and ±inf)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("op", list(OPS))
@pytest.mark.parametrize("inputs", ["normal", "specials"])
def test_compiled_and_xp_paths_agree(monkeypatch, calls, op, dtype, inputs):
    values = (specials(dtype) if inputs == "specials"
              else np.random.default_rng(1).normal(scale=2.0, size=(8, 37)).astype(dtype))
    ours = run(monkeypatch, op, values, True)
    assert calls == expected_kernels(op, dtype)
    reference = run(monkeypatch, op, values, False)
    assert calls == expected_kernels(op, dtype)  # switched off: nothing more ran
    atol, rtol = TOLERANCE[dtype]
    for name, a, b in zip(("value", "gradient"), ours, reference):
        assert a.dtype == b.dtype == dtype
        np.testing.assert_array_equal(np.isnan(a), np.isnan(b), err_msg=f"{op} {name}: NaNs")
        assert_close(a, b, atol=atol, rtol=rtol, what=f"{op} {name}")  # (equal_nan, ±inf exact)
    if inputs == "specials" and op == "log_softmax":  # the xp path's answers, checked directly
        value = ours[0]
        assert np.isnan(value[2]).all()                            # a row of -inf
        assert np.isnan(value[3, 5]) and np.isneginf(np.delete(value[3], 5)).all()  # a +inf


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("op", ["tanh", "sigmoid"])
def test_the_broadcast_gradient_of_a_mean_runs_compiled(monkeypatch, calls, op, dtype):
    """mean's gradient reaches tanh as one value broadcast (strides 0): no copy needed."""
    values = np.random.default_rng(3).normal(size=(16, 16)).astype(dtype)
    ours = run(monkeypatch, op, values, True, mean=True)
    assert calls == expected_kernels(op, dtype)
    reference = run(monkeypatch, op, values, False, mean=True)
    for a, b in zip(ours, reference):
        assert_close(a, b, atol=TOLERANCE[dtype][0], rtol=TOLERANCE[dtype][1])


@pytest.mark.parametrize("op", list(OPS))
@pytest.mark.parametrize("layout", ["transposed", "strided", "3-d", "small"])
def test_other_layouts_take_the_xp_path(monkeypatch, calls, op, layout):
    """A view that is not C-contiguous, a 3-D log_softmax, an array under the threshold."""
    base = np.random.default_rng(4).normal(size=(16, 24, 2)).astype(np.float32)
    view = {"transposed": lambda x: x[:, :, 0].T, "strided": lambda x: x[:, ::2, 0],
            "3-d": lambda x: x, "small": lambda x: x[:1, :3, 0]}[layout]
    results = []
    for use_compiled in (True, False):
        monkeypatch.setattr(compiled, "enabled", use_compiled)
        x = mg.tensor(base, requires_grad=True)
        out = OPS[op](view(x))
        (out * out).sum().backward()
        results.append((host(out), host(x.grad)))
    forward = [name for name in calls if name.endswith("forward")]
    assert forward == ([f"{op}_forward"] if layout == "3-d" and op != "log_softmax" else [])
    for a, b in zip(*results):
        assert_close(a, b, atol=2e-6, rtol=2e-6)


def test_log_softmax_over_another_axis_takes_the_xp_path(monkeypatch, calls):
    values = np.random.default_rng(5).normal(size=(12, 10)).astype(np.float32)
    monkeypatch.setattr(compiled, "enabled", True)
    x = mg.tensor(values, requires_grad=True)
    mg.log_softmax(x, axis=0).sum().backward()
    assert calls == []


def test_the_strict_backend_takes_the_xp_path(monkeypatch, calls):
    values = np.random.default_rng(6).normal(size=(8, 16)).astype(np.float32)
    for op in OPS:
        strict = run(monkeypatch, op, values, True, backend="strict")
        assert calls == []
        numpy = run(monkeypatch, op, values, False)
        for a, b in zip(strict, numpy):
            assert_close(a, b, np.float32)


def test_a_recorded_backward_keeps_the_graph(monkeypatch, calls):
    """create_graph=True: the first backward runs on Tensors (the xp path); the second
    order, through the same nodes, agrees with the xp path's."""
    values = np.random.default_rng(7).normal(size=(4, 20))
    for use_compiled in (True, False):
        monkeypatch.setattr(compiled, "enabled", use_compiled)
        x = mg.tensor(values, requires_grad=True)
        (g,) = mg.grad((mg.log_softmax(x, axis=1)[:, 0] + x.tanh().sum()).sum(), [x],
                       create_graph=True)
        (gg,) = mg.grad((g * g).sum(), [x])
        if use_compiled:
            first = (host(g), host(gg))
            assert calls[0] == "log_softmax_forward"  # (the second, array backward: compiled too)
    assert_close(first[0], host(g))
    assert_close(first[1], host(gg))


@pytest.mark.parametrize("op", list(OPS))
def test_gradcheck_through_the_compiled_path(monkeypatch, calls, op):
    x = mg.tensor(np.random.default_rng(8).normal(size=(6, 12)), requires_grad=True)
    assert mg.gradcheck(lambda t: OPS[op](t), [x])
    assert f"{op}_backward" in calls


def test_the_compiled_exp():
    """float32: within 2 ulp of eˣ on normal results; 0 below ln(smallest normal), inf
    above ln(max); NaN stays NaN. float64: libm's."""
    from minigrad.numba_math import exp

    @numba.njit
    def exp_all(x, out):
        for k in range(x.size):
            out[k] = exp(x[k])

    grid = np.concatenate([np.linspace(-87.3, 88.7, 40001), [0.0, -0.0, 1e-30, 88.72]])
    for dtype in (np.float32, np.float64):
        x = grid.astype(dtype)
        out = np.empty_like(x)
        exp_all(x, out)
        ulp = 2.0 ** -23 if dtype == np.float32 else 2.0 ** -52
        np.testing.assert_allclose(out, np.exp(x.astype(np.float64)), rtol=2 * ulp, atol=0)
        edges = np.array([np.nan, np.inf, -np.inf, -90.0, 89.0], dtype)
        out = np.empty_like(edges)
        exp_all(edges, out)
        assert np.isnan(out[0]) and out[1] == np.inf and out[2] == 0.0 and out[3] < 1e-38
        assert out[4] == (np.inf if dtype == np.float32 else np.exp(89.0))


@pytest.mark.parametrize("switch", ["on", "off"])
def test_minigrad_numba_0_switches_it_off_and_import_pays_no_numba(switch):
    code = ("import sys, numpy as np, minigrad as mg\n"
            "from minigrad import elementwise_compiled as c\n"
            "assert 'numba' not in sys.modules\n"
            "x = mg.tensor(np.ones((300, 300), np.float32), requires_grad=True)\n"
            "mg.log_softmax(x.tanh(), axis=1).sum().backward()\n"
            "print(c.enabled, 'numba' in sys.modules)\n")
    env = dict(os.environ, MINIGRAD_NUMBA="0" if switch == "off" else "1")
    done = subprocess.run([sys.executable, "-c", code], check=False, cwd=ROOT, env=env,
                          capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == (["False", "False"] if switch == "off" else ["True", "True"])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_large_log_softmax_split_over_two_threads_gives_the_same_bits(monkeypatch, dtype):
    """Half the rows on each core (minigrad/parallel.py): the rows are independent, so
    forward and backward are bit for bit those of one loop over all rows."""
    from minigrad import parallel

    rng = np.random.default_rng(3)
    x = rng.standard_normal((7, 40)).astype(dtype)
    g = rng.standard_normal((7, 40)).astype(dtype)
    monkeypatch.setattr(compiled, "threshold", 1)
    results = {}
    for split in (False, True):
        monkeypatch.setattr(compiled, "split_threshold", 1 if split else 1 << 40)
        monkeypatch.setattr(parallel, "two_threads", lambda xp, on=split: on)
        monkeypatch.setattr(parallel, "_numpy_blas", lambda: _OneBLAS())
        out, softmax = compiled.log_softmax(np, x, 1)
        saved, is_log = (out, True) if softmax is None else (softmax, False)
        results[split] = (out, compiled.log_softmax_backward(np, saved, g, 1, is_log))
    for whole, halves in zip(results[False], results[True]):
        np.testing.assert_array_equal(whole, halves)
    np.testing.assert_allclose(results[True][0], x - np.log(np.exp(x).sum(1, keepdims=True)),
                               rtol=1e-5, atol=1e-5)


class _OneBLAS:
    num_threads = 2

    def set_num_threads(self, n):
        self.num_threads = n


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("split", [False, True])
def test_subtract_scaled_gives_numpys_bits(monkeypatch, dtype, split):
    """An optimizer's p -= α·g in one compiled pass (whole, or half on each of two
    threads): the bits of NumPy's `p -= α * g`, for an integer and a float α."""
    from minigrad import parallel

    monkeypatch.setattr(compiled, "threshold", 64)
    monkeypatch.setattr(compiled, "split_threshold", 64 if split else 1 << 40)
    monkeypatch.setattr(parallel, "two_threads", lambda xp, on=split: on)
    monkeypatch.setattr(parallel, "_numpy_blas", lambda: _OneBLAS())
    rng = np.random.default_rng(4)
    p, g = rng.standard_normal((2, 30, 7)).astype(dtype)
    for alpha in (0.1, 3, 1e-7):
        expected, ours = p.copy(), p.copy()
        expected -= alpha * g
        assert compiled.subtract_scaled_(np, ours, g, alpha)
        np.testing.assert_array_equal(ours, expected)


def test_subtract_scaled_refuses_what_its_loop_does_not_take(monkeypatch):
    """False (the caller's xp expression runs instead), p untouched: small arrays, a
    NumPy-scalar α (it would promote NumPy's product), other dtypes or layouts, other
    backends, compiled loops switched off."""
    monkeypatch.setattr(compiled, "threshold", 64)
    p = np.ones((10, 10), np.float32)
    g = np.full((10, 10), 2.0, np.float32)
    refused = [(np, np.ones(8, np.float32), np.ones(8, np.float32), 0.1),
               (np, p, g, np.float64(0.1)),
               (np, p, g.astype(np.float64), 0.1),
               (np, p, np.asfortranarray(np.ones((10, 10), np.float32))[:, ::-1], 0.1),
               (np, p, g[:5], 0.1)]
    for xp, target, grad, alpha in refused:
        before = target.copy()
        assert not compiled.subtract_scaled_(xp, target, grad, alpha)
        np.testing.assert_array_equal(target, before)
    strict = mg.tensor(p, backend="strict").data
    assert not compiled.subtract_scaled_(mg.get_array_module(strict), strict,
                                         mg.tensor(g, backend="strict").data, 0.1)
    monkeypatch.setattr(compiled, "enabled", False)
    assert not compiled.subtract_scaled_(np, p, g, 0.1)
    assert (p == 1).all()


def test_sgd_steps_the_same_with_and_without_the_compiled_update(monkeypatch):
    """nn.optim.SGD's update takes the compiled pass on large NumPy parameters: the same
    bits as the xp path, and still an in-place change a graph sees."""
    import nn

    monkeypatch.setattr(compiled, "threshold", 64)
    rng = np.random.default_rng(5)
    start, grad = rng.standard_normal((2, 40, 9)).astype(np.float32)
    results = {}
    for use_compiled in (False, True):
        monkeypatch.setattr(compiled, "enabled", use_compiled)
        w = nn.Parameter(start.copy())
        w.grad = grad.copy()
        used = (w * 2).sum()  # a graph that saved the old w
        nn.optim.SGD([w], lr=0.05).step()
        results[use_compiled] = w.data.copy()
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            used.backward()
    np.testing.assert_array_equal(results[True], results[False])
    np.testing.assert_array_equal(results[True], start - np.float32(0.05) * grad)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_scatter_add_rows_gives_add_ats_bits(monkeypatch, dtype):
    """One compiled loop for target[index] += values with repeated (and negative) row
    indices: the same additions in the same order as NumPy's add.at."""
    monkeypatch.setattr(compiled, "threshold", 64)
    rng = np.random.default_rng(6)
    index = rng.integers(-9, 9, size=40)                 # repeats, and rows from the end
    values = rng.standard_normal((40, 3, 5)).astype(dtype)
    start = rng.standard_normal((9, 3, 5)).astype(dtype)
    expected, ours = start.copy(), start.copy()
    np.add.at(expected, index, values)
    assert compiled.scatter_add_rows(ours, index, values)
    np.testing.assert_array_equal(ours, expected)


def test_scatter_add_rows_leaves_the_rest_to_add_at(monkeypatch):
    """Out-of-range rows, tuples of indices, other dtypes, small arrays: False and nothing
    written; the backend then runs add.at, which raises its own IndexError."""
    monkeypatch.setattr(compiled, "threshold", 64)
    target = np.zeros((4, 20), np.float32)
    values = np.ones((5, 20), np.float32)
    for index, vals in [(np.array([0, 1, 4, 2, 3]), values), (np.array([0, -5, 1, 2, 3]), values),
                        (np.array([0, 1, 2, 3, 0]), values.astype(np.float64)),
                        (np.array([0, 1]), np.ones((2, 20), np.float32))]:
        assert not compiled.scatter_add_rows(target, index, vals)
    assert not target.any()
    with pytest.raises(IndexError):
        NUMPY.scatter_add(target, np.array([0, 1, 4, 2, 3]), values)
    x = mg.tensor(np.ones((4, 20), np.float32), requires_grad=True)
    x[mg.tensor([1, 1, 3, 0, 1])].sum().backward()           # a GetItem's backward: the loop
    np.testing.assert_array_equal(x.grad[:, 0], [1, 3, 0, 1])
