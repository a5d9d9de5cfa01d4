"""The backward engine: accumulation, graph lifetime, hooks, grad modes, mg.grad,
higher-order derivatives, custom Functions, anomaly detection and in-place writes."""
import gc
import re
import sys
import threading
import weakref

import numpy as np
import pytest
from helpers import assert_close, host

import minigrad as mg


def leaf(values, backend, dtype="float64"):
    return mg.tensor(np.asarray(values, dtype=dtype), backend=backend, requires_grad=True)


def grad_of(t):
    assert t.grad is not None, "expected a gradient"
    return host(t.grad)


# ---- accumulation ------------------------------------------------------------------

def test_diamond_graph_is_exact(backend):
    a = leaf([3.0, -2.0], backend)
    b = a + a
    c = (b * b).sum()
    c.backward()
    np.testing.assert_array_equal(grad_of(a), [24.0, -16.0])  # d(4a^2)/da = 8a


def test_reused_intermediate_accumulates(backend):
    a = leaf([1.5], backend)
    h = a.exp()
    y = (h * h + h * 3.0 + h.tanh()).sum()
    y.backward()
    e = np.exp(1.5)
    assert_close(a.grad, [e * (2 * e + 3.0 + (1 - np.tanh(e) ** 2))])


def test_grads_accumulate_across_backward_calls_and_zero_grad_resets(backend):
    a = leaf([1.0, 2.0], backend)
    for expected in ([2.0, 4.0], [4.0, 8.0], [6.0, 12.0]):
        (a * a).sum().backward()
        np.testing.assert_array_equal(grad_of(a), expected)
    a.zero_grad()
    assert a.grad is None or not host(a.grad).any()
    (a * a).sum().backward()
    np.testing.assert_array_equal(grad_of(a), [2.0, 4.0])


@pytest.mark.parametrize("expression", [
    lambda a, b: a + b,
    lambda a, b: a - (-b),
    lambda a, b: mg.cat([a, b]).reshape(2, 3)[0] + mg.cat([a, b]).reshape(2, 3)[1],
    lambda a, b: (a + 0.0) + b,
    lambda a, b: mg.where(a > -100.0, a, b) + b,
], ids=["add", "sub_neg", "cat_index", "add_zero", "where"])
def test_two_leaves_never_share_a_grad_array(expression, backend):
    a = leaf([1.0, 2.0, 3.0], backend)
    b = leaf([4.0, 5.0, 6.0], backend)
    expression(a, b).sum().backward()
    assert a.grad is not b.grad
    before_b = grad_of(b).copy()
    a.grad += 1.0
    np.testing.assert_array_equal(grad_of(b), before_b)
    before_a = grad_of(a).copy()
    b.grad *= 7.0
    np.testing.assert_array_equal(grad_of(a), before_a)


def test_backward_grad_argument_is_not_aliased(backend):
    a = leaf([1.0, 2.0], backend)
    seed = mg.tensor([1.0, 1.0], dtype="float64", backend=backend)
    (a + 0.0).backward(seed.data)
    a.grad += 5.0
    np.testing.assert_array_equal(seed.numpy(), [1.0, 1.0])


def test_constant_inputs_get_no_grad(backend):
    a = leaf([1.0, 2.0], backend)
    c = mg.tensor([3.0, 4.0], dtype="float64", backend=backend)
    y = mg.cat([a * c, c]).sum()
    assert y.requires_grad and not c.requires_grad
    y.backward()
    np.testing.assert_array_equal(grad_of(a), [3.0, 4.0])
    assert c.grad is None


def test_backward_on_tensor_without_grad_raises(backend):
    with pytest.raises(RuntimeError):
        mg.tensor([1.0, 2.0], backend=backend).sum().backward()


def test_grad_has_same_shape_dtype_and_backend(backend):
    a = leaf(np.ones((2, 3)), backend, dtype="float32")
    (a * 2.0).sum().backward()
    assert a.grad.shape == (2, 3)
    assert a.grad.dtype == np.float32
    assert type(a.grad) is type(a.data)


# ---- graph lifetime ----------------------------------------------------------------

def test_retain_graph_allows_a_second_backward(backend):
    x = leaf([1.0, 2.0], backend)
    y = (x * x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(grad_of(x), 2 * 3 * np.array([1.0, 4.0]))


def test_second_backward_through_freed_graph_raises(backend):
    x = leaf([1.0, 2.0], backend)
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()


def test_backward_on_non_scalar_without_grad_raises(backend):
    x = leaf([1.0, 2.0], backend)
    with pytest.raises(RuntimeError, match=r"(?i)scalar|one.element"):
        (x * 2.0).backward()


@pytest.mark.parametrize("grad_kind", ["tensor", "array"])
def test_backward_accepts_grad_as_tensor_or_array(grad_kind, backend):
    x = leaf([[1.0, 2.0, 3.0]], backend)
    seed = mg.tensor([[1.0, -2.0, 0.5]], dtype="float64", backend=backend)
    (x * x).backward(seed if grad_kind == "tensor" else seed.data)
    np.testing.assert_allclose(grad_of(x), [[2.0, -8.0, 3.0]])


@pytest.mark.slow
def test_a_million_op_chain_backpropagates_iteratively():
    """The walk is backend-independent, so this runs once, on NumPy."""
    x = leaf(1.0, "numpy")
    y = x
    for _ in range(1_000_000):
        y = y * 1.0
    y.backward()
    assert host(x.grad) == 1.0
    del y  # freeing a million-deep graph must not overflow the C stack either


@pytest.fixture
def gc_disabled():
    gc.collect()
    gc.disable()
    yield
    gc.enable()


def test_graph_is_freed_by_reference_counting(gc_disabled, backend):
    x = leaf(np.ones(4), backend)
    h = x * 2.0
    y = (h.exp() * h).sum()
    h_ref, y_ref = weakref.ref(h), weakref.ref(y)
    del h
    assert h_ref() is not None  # y's graph still needs it
    del y
    assert y_ref() is None, "the output is kept alive by a reference cycle"
    assert h_ref() is None, "the intermediate is kept alive by a reference cycle"


def test_output_has_no_reference_cycle_after_backward(gc_disabled, backend):
    x = leaf(np.ones(4), backend)
    y = (x.tanh() * x).sum()
    y.backward()
    y_ref = weakref.ref(y)
    del y
    assert y_ref() is None


def test_no_recursion_limit_dependency(backend):
    x = leaf(0.5, backend)
    y = x
    depth = sys.getrecursionlimit() * 3
    for _ in range(depth):
        y = y + 0.0
    y.backward()
    assert host(x.grad) == 1.0


# ---- retain_grad, hooks, detach, requires_grad_ -------------------------------------

def test_non_leaf_grad_is_none_unless_retained(backend):
    x = leaf([1.0, -2.0], backend)
    h = x * 3.0
    k = h * h
    h.retain_grad()
    k.sum().backward()
    assert x.is_leaf and not h.is_leaf and not k.is_leaf
    np.testing.assert_allclose(grad_of(h), [6.0, -12.0])
    assert k.grad is None


def test_hook_replacement_is_used_on_non_leaf(backend):
    x = leaf([1.0, 2.0], backend)
    h = x * x
    seen = []
    h.register_hook(lambda g: seen.append(host(g).copy()))
    h.register_hook(lambda g: g * 10.0)
    (h * 3.0).sum().backward()
    np.testing.assert_allclose(seen[0], [3.0, 3.0])
    np.testing.assert_allclose(grad_of(x), 10.0 * 3.0 * 2.0 * np.array([1.0, 2.0]))


def test_hook_replacement_is_used_on_leaf(backend):
    x = leaf([1.0, 2.0], backend)
    x.register_hook(lambda g: g * -1.0)
    (x * 2.0).sum().backward()
    np.testing.assert_allclose(grad_of(x), [-2.0, -2.0])


def test_detach_stops_gradient(backend):
    x = leaf([1.0, 2.0], backend)
    d = x.detach()
    assert not d.requires_grad and d.is_leaf
    (x * d).sum().backward()
    np.testing.assert_allclose(grad_of(x), [1.0, 2.0])


def test_requires_grad_(backend):
    x = mg.tensor([1.0, 2.0], backend=backend)
    assert not x.requires_grad
    assert x.requires_grad_() is x
    assert x.requires_grad
    (x * x).sum().backward()
    np.testing.assert_allclose(grad_of(x), [2.0, 4.0])
    x.requires_grad_(False)
    assert not (x * x).requires_grad


def test_requires_grad_on_integer_tensor_raises(backend):
    with pytest.raises(TypeError):
        mg.tensor([1, 2], backend=backend).requires_grad_()


# ---- grad modes ------------------------------------------------------------------------

def test_no_grad_and_enable_grad_contexts(backend):
    x = leaf([1.0], backend)
    assert mg.is_grad_enabled()
    with mg.no_grad():
        assert not mg.is_grad_enabled()
        y = x * 2.0
        with mg.enable_grad():
            assert mg.is_grad_enabled()
            z = x * 2.0
        assert not mg.is_grad_enabled()
    assert mg.is_grad_enabled()
    assert not y.requires_grad and y.is_leaf
    assert z.requires_grad and not z.is_leaf


def test_grad_mode_is_per_thread():
    seen = {}
    with mg.no_grad():
        worker = threading.Thread(target=lambda: seen.update(enabled=mg.is_grad_enabled()))
        worker.start()
        worker.join()
    assert seen == {"enabled": True}


def test_no_grad_restores_mode_after_exception():
    with pytest.raises(KeyError), mg.no_grad():
        raise KeyError
    assert mg.is_grad_enabled()


def test_no_grad_as_decorator(backend):
    @mg.no_grad()
    def double(t):
        assert not mg.is_grad_enabled()
        return t * 2.0

    x = leaf([1.0], backend)
    assert not double(x).requires_grad
    assert mg.is_grad_enabled()


# ---- mg.grad ----------------------------------------------------------------------------

def test_mg_grad_never_touches_dot_grad(backend):
    x = leaf([1.0, 2.0], backend)
    h = x * 3.0
    h.retain_grad()
    (gx,) = mg.grad((h * h).sum(), [x])
    assert isinstance(gx, mg.Tensor)
    np.testing.assert_allclose(gx.numpy(), 18.0 * np.array([1.0, 2.0]))
    assert x.grad is None and h.grad is None


@pytest.mark.parametrize("kind", ["tensor", "array"])
def test_mg_grad_with_grad_outputs(kind, backend):
    x = leaf([1.0, 2.0], backend)
    y = leaf([3.0], backend)
    weights = mg.tensor([2.0, -1.0], dtype="float64", backend=backend)
    gx, gy = mg.grad(x * y, [x, y], grad_outputs=weights if kind == "tensor" else weights.data)
    np.testing.assert_allclose(gx.numpy(), [6.0, -3.0])
    np.testing.assert_allclose(gy.numpy(), [0.0])
    assert isinstance(mg.grad(y * y, y), tuple)


def test_mg_grad_of_several_outputs_sums_them(backend):
    x = leaf([1.0, 2.0], backend)
    gx, = mg.grad([(x * x).sum(), (x * 3.0).sum()], [x])
    np.testing.assert_allclose(gx.numpy(), [5.0, 7.0])


def test_mg_grad_retain_graph(backend):
    x = leaf([1.0, 2.0], backend)
    y = (x ** 3).sum()
    (first,) = mg.grad(y, [x], retain_graph=True)
    (second,) = mg.grad(y, [x])
    np.testing.assert_allclose(first.numpy(), second.numpy())


SECOND_ORDER = [
    ("cube", lambda x: x ** 3, [(3,)], "any"),
    ("tanh", lambda x: x.tanh(), [(3,)], "any"),
    ("sigmoid", lambda x: x.sigmoid(), [(3,)], "any"),
    ("exp", lambda x: x.exp(), [(3,)], "any"),
    ("log", lambda x: x.log(), [(3,)], "positive"),
    ("sqrt", lambda x: x.sqrt(), [(3,)], "positive"),
    ("div", lambda x, y: x / y, [(3,), (3,)], "positive"),
    ("pow", lambda x, y: x ** y, [(3,), (3,)], "positive"),
    ("rpow", lambda x: 1.5 ** x, [(3,)], "any"),
    ("matmul", lambda a, b: a @ b, [(2, 3), (3, 4)], "any"),
    ("mul", lambda a, b: a * b, [(2, 3), (3,)], "any"),
    ("softmax", lambda x: x.softmax(axis=-1), [(2, 3)], "any"),
    ("log_softmax", lambda x: x.log_softmax(axis=0), [(2, 3)], "any"),
    ("logsumexp", lambda x: x.logsumexp(axis=1), [(2, 3)], "any"),
    ("var", lambda x: x.var(axis=0, ddof=1), [(3, 2)], "any"),
    ("mean_sq", lambda x: x.mean(axis=1) ** 2, [(2, 3)], "any"),
    ("max_sq", lambda x: x.max(axis=0) ** 2, [(3, 2)], "any"),
    ("abs_sq", lambda x: x.abs() ** 3, [(3,)], "positive"),
    ("relu_sq", lambda x: x.relu() ** 2, [(4,)], "any"),
    ("clip_sq", lambda x: x.clip(-1.0, 1.0) ** 2, [(4,)], "any"),
    ("index_sq", lambda x: x[np.array([0, 2, 2])] ** 2, [(3,)], "any"),
    ("reshape_transpose_sq", lambda x: x.reshape(3, 2).transpose() ** 2, [(2, 3)], "any"),
    ("broadcast_sq", lambda x: x.broadcast_to((2, 3)) ** 2, [(3,)], "any"),
    ("cat_stack_sq", lambda x, y: mg.stack([mg.cat([x, y]), mg.cat([y, x])]) ** 2,
     [(2,), (2,)], "any"),
    ("where_sq", lambda x, y: mg.where(x > 0, x * y, y) ** 2, [(4,), (4,)], "any"),
    ("maximum_sq", lambda x, y: mg.maximum(x, y) ** 2, [(4,), (4,)], "any"),
    ("minimum_sq", lambda x, y: mg.minimum(x, y) ** 2, [(4,), (4,)], "any"),
    ("sum_sq", lambda x: x.sum(axis=0) ** 2, [(2, 3)], "any"),
]


@pytest.mark.parity
@pytest.mark.parametrize("name, fn, shapes, domain", SECOND_ORDER,
                         ids=[c[0] for c in SECOND_ORDER])
def test_second_derivatives_match_torch(name, fn, shapes, domain, backend, torch):
    rng = np.random.default_rng(7)
    low, high = (0.5, 1.5) if domain == "positive" else (-1.5, 1.5)
    arrays = [rng.uniform(low, high, size=s) for s in shapes]
    xs = [leaf(a, backend) for a in arrays]
    out = fn(*xs)
    w = rng.uniform(0.5, 1.5, size=out.shape)
    grads = mg.grad((out * mg.tensor(w, backend=backend)).sum(), xs, create_graph=True)
    vs = [rng.uniform(-1.0, 1.0, size=s) for s in shapes]
    s = sum((g * mg.tensor(v, backend=backend)).sum() for g, v in zip(grads, vs))
    second = mg.grad(s, xs)

    expected_first, expected_second = torch_double_backward(name, arrays, w, vs, torch)
    for got, want in zip(grads, expected_first):
        assert_close(got, want)
    for got, want in zip(second, expected_second):
        assert_close(got, want)


def torch_double_backward(name, arrays, w, vs, torch):
    fn = TORCH_SECOND_ORDER[name]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    out = fn(*ts)
    grads = torch.autograd.grad((out * torch.tensor(w)).sum(), ts, create_graph=True)
    s = sum((g * torch.tensor(v)).sum() for g, v in zip(grads, vs))
    second = torch.autograd.grad(s, ts, allow_unused=True)
    second = [np.zeros(a.shape) if g is None else g.detach().numpy()
              for g, a in zip(second, arrays)]
    return [g.detach().numpy() for g in grads], second


def _t():
    import torch

    return torch


TORCH_SECOND_ORDER = {
    "cube": lambda x: x ** 3,
    "tanh": lambda x: x.tanh(),
    "sigmoid": lambda x: x.sigmoid(),
    "exp": lambda x: x.exp(),
    "log": lambda x: x.log(),
    "sqrt": lambda x: x.sqrt(),
    "div": lambda x, y: x / y,
    "pow": lambda x, y: x ** y,
    "rpow": lambda x: 1.5 ** x,
    "matmul": lambda a, b: a @ b,
    "mul": lambda a, b: a * b,
    "softmax": lambda x: x.softmax(-1),
    "log_softmax": lambda x: x.log_softmax(0),
    "logsumexp": lambda x: x.logsumexp(1),
    "var": lambda x: x.var(dim=0, correction=1),
    "mean_sq": lambda x: x.mean(dim=1) ** 2,
    "max_sq": lambda x: x.amax(dim=0) ** 2,
    "abs_sq": lambda x: x.abs() ** 3,
    "relu_sq": lambda x: x.relu() ** 2,
    "clip_sq": lambda x: x.clamp(-1.0, 1.0) ** 2,
    "index_sq": lambda x: x[_t().tensor([0, 2, 2])] ** 2,
    "reshape_transpose_sq": lambda x: x.reshape(3, 2).t() ** 2,
    "broadcast_sq": lambda x: x.broadcast_to((2, 3)) ** 2,
    "cat_stack_sq": lambda x, y: _t().stack([_t().cat([x, y]), _t().cat([y, x])]) ** 2,
    "where_sq": lambda x, y: _t().where(x > 0, x * y, y) ** 2,
    "maximum_sq": lambda x, y: _t().maximum(x, y) ** 2,
    "minimum_sq": lambda x, y: _t().minimum(x, y) ** 2,
    "sum_sq": lambda x: x.sum(dim=0) ** 2,
}


@pytest.mark.parametrize("fn, third", [
    (lambda x: x ** 4, lambda v: 24.0 * v),
    (lambda x: x.tanh(), lambda v: -2 * (1 - np.tanh(v) ** 2) ** 2
     + 4 * np.tanh(v) ** 2 * (1 - np.tanh(v) ** 2)),
    (lambda x: x.exp() * x, lambda v: np.exp(v) * (v + 3.0)),
], ids=["pow4", "tanh", "x_exp"])
def test_third_derivatives(fn, third, backend):
    values = np.array([0.5, -1.0, 1.5])
    x = leaf(values, backend)
    g = fn(x)
    for _ in range(3):
        (g,) = mg.grad(g.sum(), [x], create_graph=True)
    np.testing.assert_allclose(g.numpy(), third(values), rtol=1e-10)


def test_create_graph_result_is_differentiable_with_backward(backend):
    x = leaf([0.5, -1.0], backend)
    (dx,) = mg.grad((x ** 3).sum(), [x], create_graph=True)
    assert dx.requires_grad
    dx.sum().backward()
    np.testing.assert_allclose(grad_of(x), 6.0 * np.array([0.5, -1.0]))


# ---- custom Functions -------------------------------------------------------------------

class ScaledCube(mg.Function):
    @staticmethod
    def forward(ctx, x, scale=1.0):
        ctx.save_for_backward(x)
        ctx.scale = scale
        return scale * x * x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_arrays
        return 3.0 * ctx.scale * x * x * grad


class MulAdd(mg.Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b + a

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_arrays
        return (b + 1.0) * grad, a * grad


def test_custom_function_forward_and_backward(backend):
    x = leaf([1.0, 2.0], backend)
    y = ScaledCube.apply(x, scale=2.0)
    assert isinstance(y, mg.Tensor) and y.requires_grad
    np.testing.assert_allclose(y.numpy(), [2.0, 16.0])
    y.sum().backward()
    np.testing.assert_allclose(grad_of(x), [6.0, 24.0])


def test_custom_function_with_two_inputs_and_broadcast_use(backend):
    a = leaf([1.0, 2.0], backend)
    b = leaf([3.0, -1.0], backend)
    (MulAdd.apply(a, b) * a).sum().backward()
    np.testing.assert_allclose(grad_of(a), [2 * 1.0 * 3.0 + 2 * 1.0, 2 * 2.0 * -1.0 + 2 * 2.0])
    np.testing.assert_allclose(grad_of(b), [1.0, 4.0])
    assert mg.gradcheck(MulAdd.apply, [leaf([0.3, 0.7], backend), leaf([1.2, -0.4], backend)])


def test_custom_function_under_create_graph_raises_clearly(backend):
    x = leaf([1.0, 2.0], backend)
    y = ScaledCube.apply(x).sum()
    with pytest.raises(Exception, match=r"(?i)create_graph|first.order|higher.order"):
        mg.grad(y, [x], create_graph=True)


def test_custom_function_without_grad_records_nothing(backend):
    x = leaf([1.0, 2.0], backend)
    with mg.no_grad():
        y = ScaledCube.apply(x)
    assert not y.requires_grad


# ---- anomaly detection --------------------------------------------------------------------

def test_detect_anomaly_names_op_with_nan_in_forward(backend):
    x = leaf([-1.0, 2.0], backend)
    with np.errstate(all="ignore"), mg.detect_anomaly(), \
            pytest.raises(Exception, match=r"(?i)\blog\b"):
        x.log()


def test_detect_anomaly_names_op_with_nan_in_backward(backend):
    x = leaf([0.0, 4.0], backend)
    with np.errstate(all="ignore"), mg.detect_anomaly():
        y = (x.sqrt() * 0.0).sum()  # forward finite; d sqrt/dx at 0 is inf, times 0 is nan
        with pytest.raises(Exception, match=r"(?i)sqrt"):
            y.backward()


def test_without_detect_anomaly_nan_propagates_silently(backend):
    x = leaf([-1.0], backend)
    with np.errstate(all="ignore"):
        assert np.isnan(x.log().item())


# ---- randomness --------------------------------------------------------------------------

def test_manual_seed_reproduces_rand_and_randn():
    mg.manual_seed(123)
    first = [mg.rand(3, 4).numpy(), mg.randn(5).numpy()]
    mg.manual_seed(123)
    second = [mg.rand(3, 4).numpy(), mg.randn(5).numpy()]
    mg.manual_seed(124)
    third = mg.rand(3, 4).numpy()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], third)


# ---- in-place writes ----------------------------------------------------------------------

def _setitem(t):
    t[0] = 5.0


def _iadd(t):
    t += 5.0


@pytest.mark.parametrize("write", [_setitem, _iadd], ids=["setitem", "iadd"])
def test_in_place_write_on_leaf_requiring_grad_raises(write, backend):
    x = leaf([1.0, 2.0, 3.0], backend)
    with pytest.raises(RuntimeError, match=r"no_grad"):
        write(x)
    np.testing.assert_array_equal(x.numpy(), [1.0, 2.0, 3.0])  # nothing half-updated


def test_sgd_step_under_no_grad_updates_in_place(backend):
    w = leaf([1.0, -2.0], backend)
    original = w
    (w * w).sum().backward()
    with mg.no_grad():
        w -= 0.1 * w.grad
    assert w is original
    assert w.is_leaf and w.requires_grad
    np.testing.assert_allclose(w.numpy(), [0.8, -1.6])


SETITEM_CASES = [  # (index, value as a list or None for a Python scalar -4.0)
    (1, None),
    (slice(0, 2), [-4.0, -5.0]),
    (np.array([0, 2]), [-4.0, -6.0]),
    (np.array([False, True, True]), None),
    (Ellipsis, [0.0, 0.5, 1.0]),
]


@pytest.mark.parametrize("index, value", SETITEM_CASES,
                         ids=["int", "slice", "int_array", "bool_mask", "ellipsis"])
def test_setitem_under_no_grad_writes_values(index, value, backend):
    x = leaf([1.0, 2.0, 3.0], backend)
    expected = np.array([1.0, 2.0, 3.0])
    expected[index] = -4.0 if value is None else value
    with mg.no_grad():
        x[index] = -4.0 if value is None else mg.tensor(value, dtype="float64", backend=backend)
    np.testing.assert_array_equal(x.numpy(), expected)
    (x * x).sum().backward()
    np.testing.assert_array_equal(grad_of(x), 2 * expected)


def test_data_assignment_updates_values(backend):
    w = leaf([1.0, -2.0], backend)
    (w * w).sum().backward()
    w.data -= 0.5 * w.grad
    np.testing.assert_allclose(w.numpy(), [0.0, 0.0])


def _modify(kind, t):
    if kind == "iadd":
        t += 1.0
    elif kind == "imul":
        t *= 3.0
    else:
        t[0] = 7.0
    return t


@pytest.mark.parametrize("kind", ["iadd", "imul", "setitem"])
@pytest.mark.parametrize("saved", ["constant", "leaf_no_grad_mode", "non_leaf"])
def test_modifying_a_tensor_saved_for_backward_never_gives_a_wrong_gradient(
        kind, saved, backend):
    """Either the write raises, backward raises, or the gradient is the original one."""
    x = leaf([1.0, 2.0], backend)
    if saved == "constant":
        s = mg.tensor([3.0, -1.0], dtype="float64", backend=backend)
    elif saved == "leaf_no_grad_mode":
        s = x
    else:
        s = x * 1.0
    y = (x * s).sum()  # saves s (and x) for backward
    expected = 2 * np.array([1.0, 2.0]) if saved != "constant" else np.array([3.0, -1.0])
    try:
        if saved == "leaf_no_grad_mode":
            with mg.no_grad():
                _modify(kind, s)
        else:
            _modify(kind, s)
    except RuntimeError:
        return
    try:
        y.backward()
    except RuntimeError as error:
        assert re.search(r"(?i)in.?place|modified|version", str(error)), str(error)
        return
    np.testing.assert_allclose(grad_of(x), expected)
