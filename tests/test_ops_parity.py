"""Every op of API.md against PyTorch: forward values and every input's gradient.

Each case is (id, minigrad expression, torch expression, input shapes, options).
Where NumPy and PyTorch differ (transpose, split, var, max), the torch lambda
translates to the NumPy meaning that API.md fixes.
"""
import numpy as np
import pytest
from helpers import assert_close, check_op, host

import minigrad as mg

pytestmark = pytest.mark.parity

POSITIVE = {"low": 0.5, "high": 2.0}


def _torch():
    """The torch module, for case tables built at import time (the fixture guards it)."""
    import torch

    return torch


def case(name, mg_fn, torch_fn, shapes, **options):
    return pytest.param(mg_fn, torch_fn, shapes, options, id=name)


def run_cases(cases):
    return pytest.mark.parametrize("mg_fn, torch_fn, shapes, options", cases)


# ---- arithmetic: tensor and Python-scalar operands, reflected forms ----------

ARITHMETIC = [
    case("add", lambda a, b: a + b, lambda a, b: a + b, [(2, 3), (2, 3)]),
    case("sub", lambda a, b: a - b, lambda a, b: a - b, [(2, 3), (2, 3)]),
    case("mul", lambda a, b: a * b, lambda a, b: a * b, [(2, 3), (2, 3)]),
    case("div", lambda a, b: a / b, lambda a, b: a / b, [(2, 3), (2, 3)], **POSITIVE),
    case("pow", lambda a, b: a ** b, lambda a, b: a ** b, [(2, 3), (2, 3)], **POSITIVE),
    case("add_bcast", lambda a, b: a + b, lambda a, b: a + b, [(4, 1, 3), (2, 1)]),
    case("pow_bcast", lambda a, b: a ** b, lambda a, b: a ** b, [(3,), (2, 3)], **POSITIVE),
    case("add_scalar", lambda a: a + 2.5, lambda a: a + 2.5, [(2, 3)]),
    case("radd_scalar", lambda a: 2.5 + a, lambda a: 2.5 + a, [(2, 3)]),
    case("sub_scalar", lambda a: a - 2.5, lambda a: a - 2.5, [(2, 3)]),
    case("rsub_scalar", lambda a: 2.5 - a, lambda a: 2.5 - a, [(2, 3)]),
    case("mul_scalar", lambda a: a * -3.0, lambda a: a * -3.0, [(2, 3)]),
    case("rmul_scalar", lambda a: -3.0 * a, lambda a: -3.0 * a, [(2, 3)]),
    case("mul_int_scalar", lambda a: a * 3, lambda a: a * 3, [(2, 3)]),
    case("div_scalar", lambda a: a / 3.0, lambda a: a / 3.0, [(2, 3)]),
    case("rdiv_scalar", lambda a: 3.0 / a, lambda a: 3.0 / a, [(2, 3)], **POSITIVE),
    case("pow_2", lambda a: a ** 2, lambda a: a ** 2, [(2, 3)]),
    case("pow_3", lambda a: a ** 3, lambda a: a ** 3, [(2, 3)]),
    case("pow_half", lambda a: a ** 0.5, lambda a: a ** 0.5, [(2, 3)], **POSITIVE),
    case("pow_neg", lambda a: a ** -1.5, lambda a: a ** -1.5, [(2, 3)], **POSITIVE),
    case("rpow_scalar", lambda a: 2.0 ** a, lambda a: 2.0 ** a, [(2, 3)]),
    case("neg", lambda a: -a, lambda a: -a, [(2, 3)]),
    case("abs", lambda a: a.abs(), lambda a: a.abs(), [(3, 4)]),
    case("abs_builtin", lambda a: abs(a), lambda a: abs(a), [(3, 4)]),
    case("chain", lambda a, b: (a * b + a / (b * b + 1.0)) ** 2 - b,
         lambda a, b: (a * b + a / (b * b + 1.0)) ** 2 - b, [(3,), (3,)]),
]


@run_cases(ARITHMETIC)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_arithmetic(mg_fn, torch_fn, shapes, options, dtype, backend, torch):
    check_op(mg_fn, torch_fn, shapes, backend, torch, dtype, **options)


# ---- NumPy arrays as operands, on the left and on the right -------------------

NUMPY_OPERAND_OPS = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a ** b,
    "matmul": lambda a, b: a @ b,
}


@pytest.mark.parametrize("op", sorted(NUMPY_OPERAND_OPS))
@pytest.mark.parametrize("numpy_side", ["left", "right"])
def test_numpy_array_operand(op, numpy_side, torch):
    """`np_array * t` is a Tensor (not an object array) and differentiates like torch."""
    backend = "numpy"
    fn = NUMPY_OPERAND_OPS[op]
    constant = np.random.default_rng(3).uniform(0.5, 2.0, size=(3, 3))
    if numpy_side == "left":
        def mg_fn(x):
            return fn(constant, x)

        def torch_fn(x):
            return fn(torch.tensor(constant), x)
    else:
        def mg_fn(x):
            return fn(x, constant)

        def torch_fn(x):
            return fn(x, torch.tensor(constant))
    check_op(mg_fn, torch_fn, [(3, 3)], backend, torch, **POSITIVE)


@pytest.mark.parametrize("op", sorted(NUMPY_OPERAND_OPS))
@pytest.mark.parametrize("numpy_side", ["left", "right"])
def test_numpy_array_operand_on_another_backend_is_a_backend_mismatch(op, numpy_side):
    """A host array is NumPy-backend data: no silent upload, a clear error instead."""
    fn = NUMPY_OPERAND_OPS[op]
    t = mg.tensor(np.ones((3, 3)), backend="strict", requires_grad=True)
    operands = (np.ones((3, 3)), t) if numpy_side == "left" else (t, np.ones((3, 3)))
    with pytest.raises(mg.BackendMismatchError, match="numpy") as info:
        fn(*operands)
    assert "strict" in str(info.value)


# ---- matmul ----------------------------------------------------------------

MATMUL_SHAPES = [
    [(3,), (3,)],
    [(2, 3), (3, 4)],
    [(3,), (3, 4)],
    [(2, 3), (3,)],
    [(5, 2, 3), (3, 4)],
    [(3,), (5, 3, 4)],
    [(5, 2, 3), (3,)],
    [(2, 1, 2, 3), (5, 3, 4)],
    [(1, 2, 3), (4, 3, 2)],
]


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
@pytest.mark.parametrize("form", ["operator", "function"])
def test_matmul(shapes, form, backend, torch):
    mg_fn = (lambda a, b: a @ b) if form == "operator" else mg.matmul
    check_op(mg_fn, torch.matmul, shapes, backend, torch)


# ---- indexing -----------------------------------------------------------------

INDEX_CASES = [
    # (id, key, torch equivalent or None when the key works in torch as is)
    ("int", (1,), None),
    ("negative_int", (-1, 2), None),
    ("slice", (slice(1, 3),), None),
    ("slice_step", (slice(None), slice(0, 4, 2)), None),
    ("negative_step", (slice(None, None, -1),), lambda t: t.flip(0)),
    ("negative_step_2", (slice(None), slice(None, None, -2)), lambda t: t.flip(1)[:, ::2]),
    ("none", (None, 1), None),
    ("ellipsis", (Ellipsis, 0), None),
    ("ellipsis_none", (Ellipsis, None), None),
    ("int_array", (np.array([0, 2, 1]),), None),
    ("repeated_int_array", (np.array([0, 2, 2, 0, 2]),), None),
    ("int_list", ([1, 1, 0],), None),
    ("int_array_2d", (np.array([[0, 1], [1, 1]]),), None),
    ("two_int_arrays", (np.array([0, 2, 2]), np.array([1, 3, 3])), None),
    ("slice_and_array", (slice(None), np.array([3, 0, 3])), None),
    ("negative_int_array", (np.array([-1, 0, -1]),), None),
    ("bool_mask_rows", (np.array([True, False, True]),), None),
    ("bool_mask_full", (np.arange(12).reshape(3, 4) % 3 == 0,), None),
]


def _torch_key(key, torch):
    return tuple(torch.tensor(k) if isinstance(k, (np.ndarray, list)) else k for k in key)


@pytest.mark.parametrize("key, torch_equivalent", [pytest.param(k, t, id=i)
                                                   for i, k, t in INDEX_CASES])
def test_indexing(key, torch_equivalent, backend, torch):
    if torch_equivalent is None:
        def torch_fn(t):
            return t[_torch_key(key, torch)]
    else:
        torch_fn = torch_equivalent
    check_op(lambda t: t[key], torch_fn, [(3, 4)], backend, torch)


@pytest.mark.parametrize("index_kind", ["tensor_int", "tensor_bool"])
def test_indexing_with_tensor_index(index_kind, backend, torch):
    if index_kind == "tensor_int":
        index = np.array([2, 0, 2, 2])
    else:
        index = np.array([True, False, True, True])
    check_op(lambda t: t[mg.tensor(index, backend=backend)],
             lambda t: t[torch.tensor(index)], [(4, 3)], backend, torch)


def test_repeated_indices_accumulate(backend):
    x = mg.tensor([1.0, 2.0, 3.0], backend=backend, requires_grad=True)
    x[np.array([0, 0, 2, 0])].sum().backward()
    np.testing.assert_array_equal(host(x.grad), [3.0, 0.0, 1.0])


# ---- comparisons: boolean, never differentiable --------------------------------

COMPARISONS = {
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
}


@pytest.mark.parametrize("op", sorted(COMPARISONS))
@pytest.mark.parametrize("other", ["tensor", "scalar", "scalar_left", "broadcast"])
def test_comparison(op, other, backend, torch):
    fn = COMPARISONS[op]
    rng = np.random.default_rng(1)
    a = rng.integers(-2, 3, size=(3, 4)).astype(np.float64)  # small ints: ties happen
    b = {"tensor": rng.integers(-2, 3, size=(3, 4)).astype(np.float64),
         "broadcast": rng.integers(-2, 3, size=(4,)).astype(np.float64),
         "scalar": None, "scalar_left": None}[other]
    mg_a = mg.tensor(a, backend=backend, requires_grad=True)
    torch_a = torch.tensor(a)
    if other == "scalar":
        mg_out, torch_out = fn(mg_a, 0.0), fn(torch_a, 0.0)
    elif other == "scalar_left":
        mg_out, torch_out = fn(1.0, mg_a), fn(1.0, torch_a)
    else:
        mg_b = mg.tensor(b, backend=backend, requires_grad=True)
        mg_out, torch_out = fn(mg_a, mg_b), fn(torch_a, torch.tensor(b))
    assert isinstance(mg_out, mg.Tensor)
    assert mg_out.dtype == np.bool_
    assert not mg_out.requires_grad
    np.testing.assert_array_equal(mg_out.numpy(), torch_out.numpy())


# ---- reductions ------------------------------------------------------------------

AXES = [None, 0, 1, -1, (0, 2), (-1, 0)]


REDUCTIONS = {
    "sum": (lambda x, axis, keepdims: x.sum(axis=axis, keepdims=keepdims),
            lambda t, axis, keepdims: t.sum(dim=axis, keepdim=keepdims)),
    "mean": (lambda x, axis, keepdims: x.mean(axis=axis, keepdims=keepdims),
             lambda t, axis, keepdims: t.mean(dim=axis, keepdim=keepdims)),
    "var": (lambda x, axis, keepdims: x.var(axis=axis, keepdims=keepdims),
            lambda t, axis, keepdims: t.var(dim=axis, keepdim=keepdims, correction=0)),
    "var_ddof1": (lambda x, axis, keepdims: x.var(axis=axis, keepdims=keepdims, ddof=1),
                  lambda t, axis, keepdims: t.var(dim=axis, keepdim=keepdims, correction=1)),
    "max": (lambda x, axis, keepdims: x.max(axis=axis, keepdims=keepdims),
            lambda t, axis, keepdims: t.amax(dim=() if axis is None else axis,
                                             keepdim=keepdims)),
    "min": (lambda x, axis, keepdims: x.min(axis=axis, keepdims=keepdims),
            lambda t, axis, keepdims: t.amin(dim=() if axis is None else axis,
                                             keepdim=keepdims)),
    "logsumexp": (lambda x, axis, keepdims: x.logsumexp(axis=axis, keepdims=keepdims),
                  lambda t, axis, keepdims: t.logsumexp(
                      dim=tuple(range(t.ndim)) if axis is None else axis, keepdim=keepdims)),
}


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@pytest.mark.parametrize("axis", AXES, ids=str)
@pytest.mark.parametrize("keepdims", [False, True])
def test_reduction(name, axis, keepdims, backend, torch):
    mg_fn, torch_fn = REDUCTIONS[name]
    check_op(lambda x: mg_fn(x, axis, keepdims), lambda t: torch_fn(t, axis, keepdims),
             [(3, 4, 2)], backend, torch)


@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("axis", [None, 1])
def test_max_min_ties_split_gradient_like_torch(name, axis, backend, torch):
    values = np.array([[1.0, 3.0, 3.0], [-2.0, -2.0, 0.5]])
    if name == "min":
        values = -values
    mg_fn, torch_fn = REDUCTIONS[name]
    check_op(lambda x: mg_fn(x, axis, False), lambda t: torch_fn(t, axis, False),
             backend=backend, torch=torch, arrays=[values])


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@pytest.mark.parametrize("axis", [None, 0, 1, -1])
def test_argmax_argmin(name, axis, backend, torch):
    x = np.random.default_rng(2).standard_normal((3, 5))
    out = getattr(mg.tensor(x, backend=backend, requires_grad=True), name)(axis=axis)
    expected = getattr(np, name)(x, axis=axis)
    assert not out.requires_grad
    assert out.dtype.kind in "iu"
    np.testing.assert_array_equal(out.numpy(), expected)
    torch_out = getattr(torch, name)(torch.tensor(x), dim=axis)
    np.testing.assert_array_equal(out.numpy(), torch_out.numpy())


# ---- elementwise unary ---------------------------------------------------------

UNARY = [
    case("exp", lambda x: x.exp(), lambda t: t.exp(), [(3, 4)]),
    case("log", lambda x: x.log(), lambda t: t.log(), [(3, 4)], **POSITIVE),
    case("sqrt", lambda x: x.sqrt(), lambda t: t.sqrt(), [(3, 4)], **POSITIVE),
    case("tanh", lambda x: x.tanh(), lambda t: t.tanh(), [(3, 4)]),
    case("sigmoid", lambda x: x.sigmoid(), lambda t: t.sigmoid(), [(3, 4)]),
    case("relu", lambda x: x.relu(), lambda t: t.relu(), [(3, 4)]),
    case("clip", lambda x: x.clip(-0.5, 0.7), lambda t: t.clamp(-0.5, 0.7), [(3, 4)]),
    case("softmax", lambda x: x.softmax(), lambda t: t.softmax(-1), [(3, 4)]),
    case("softmax_axis0", lambda x: x.softmax(axis=0), lambda t: t.softmax(0), [(3, 4)]),
    case("log_softmax", lambda x: x.log_softmax(), lambda t: t.log_softmax(-1), [(3, 4)]),
    case("picked_log_softmax", lambda x: mg.picked_log_softmax(x, [3, 0, 3]),
         lambda t: t.log_softmax(-1)[[0, 1, 2], [3, 0, 3]], [(3, 4)]),
    case("log_softmax_axis0", lambda x: x.log_softmax(axis=0),
         lambda t: t.log_softmax(0), [(2, 3, 4)]),
    case("softmax_3d_mid", lambda x: x.softmax(axis=1), lambda t: t.softmax(1), [(2, 3, 4)]),
]


@run_cases(UNARY)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_unary(mg_fn, torch_fn, shapes, options, dtype, backend, torch):
    check_op(mg_fn, torch_fn, shapes, backend, torch, dtype, **options)


# ---- shape ops -------------------------------------------------------------------

SHAPE_OPS = [
    case("reshape_args", lambda x: x.reshape(4, 6), lambda t: t.reshape(4, 6), [(2, 3, 4)]),
    case("reshape_tuple", lambda x: x.reshape((4, 6)), lambda t: t.reshape(4, 6), [(2, 3, 4)]),
    case("reshape_minus1", lambda x: x.reshape(-1, 2), lambda t: t.reshape(-1, 2), [(2, 3, 4)]),
    case("transpose_reverse", lambda x: x.transpose(), lambda t: t.permute(2, 1, 0),
         [(2, 3, 4)]),
    case("transpose_axes", lambda x: x.transpose(1, 2, 0), lambda t: t.permute(1, 2, 0),
         [(2, 3, 4)]),
    case("transpose_tuple", lambda x: x.transpose((2, 0, 1)), lambda t: t.permute(2, 0, 1),
         [(2, 3, 4)]),
    case("transpose_2d", lambda x: x.transpose(), lambda t: t.t(), [(2, 3)]),
    case("T_2d", lambda x: x.T, lambda t: t.t(), [(2, 3)]),
    case("T_3d", lambda x: x.T, lambda t: t.permute(2, 1, 0), [(2, 3, 4)]),
    case("permute", lambda x: x.permute(2, 0, 1), lambda t: t.permute(2, 0, 1), [(2, 3, 4)]),
    case("permute_negative", lambda x: x.permute(-1, 0, 1), lambda t: t.permute(2, 0, 1),
         [(2, 3, 4)]),
    case("swapaxes", lambda x: x.swapaxes(0, 2), lambda t: t.transpose(0, 2), [(2, 3, 4)]),
    case("swapaxes_negative", lambda x: x.swapaxes(-1, 1), lambda t: t.transpose(2, 1),
         [(2, 3, 4)]),
    case("squeeze_all", lambda x: x.squeeze(), lambda t: t.squeeze(), [(1, 3, 1, 2)]),
    case("squeeze_axis", lambda x: x.squeeze(2), lambda t: t.squeeze(2), [(1, 3, 1, 2)]),
    case("squeeze_negative", lambda x: x.squeeze(axis=-4), lambda t: t.squeeze(0),
         [(1, 3, 1, 2)]),
    case("unsqueeze_0", lambda x: x.unsqueeze(0), lambda t: t.unsqueeze(0), [(3, 2)]),
    case("unsqueeze_mid", lambda x: x.unsqueeze(1), lambda t: t.unsqueeze(1), [(3, 2)]),
    case("unsqueeze_negative", lambda x: x.unsqueeze(-1), lambda t: t.unsqueeze(-1), [(3, 2)]),
    case("flatten", lambda x: x.flatten(), lambda t: t.flatten(), [(2, 3, 4)]),
    case("broadcast_to", lambda x: x.broadcast_to((4, 2, 3)),
         lambda t: t.broadcast_to((4, 2, 3)), [(2, 3)]),
    case("broadcast_to_ones", lambda x: x.broadcast_to((2, 5, 3)),
         lambda t: t.broadcast_to((2, 5, 3)), [(1, 1, 3)]),
]


@run_cases(SHAPE_OPS)
def test_shape_op(mg_fn, torch_fn, shapes, options, backend, torch):
    check_op(mg_fn, torch_fn, shapes, backend, torch, **options)


# ---- functions of several tensors ---------------------------------------------------

MULTI = [
    case("cat_0", lambda a, b: mg.cat([a, b]), lambda a, b: _torch().cat([a, b]),
         [(2, 3), (4, 3)]),
    case("cat_1", lambda a, b, c: mg.cat([a, b, c], axis=1),
         lambda a, b, c: _torch().cat([a, b, c], dim=1), [(2, 1), (2, 3), (2, 2)]),
    case("cat_negative", lambda a, b: mg.cat((a, b), axis=-1),
         lambda a, b: _torch().cat((a, b), dim=-1), [(2, 2, 1), (2, 2, 3)]),
    case("stack_0", lambda a, b: mg.stack([a, b]), lambda a, b: _torch().stack([a, b]),
         [(2, 3), (2, 3)]),
    case("stack_last", lambda a, b, c: mg.stack([a, b, c], axis=-1),
         lambda a, b, c: _torch().stack([a, b, c], dim=-1), [(2, 3), (2, 3), (2, 3)]),
    case("stack_1", lambda a, b: mg.stack([a, b], axis=1),
         lambda a, b: _torch().stack([a, b], dim=1), [(2, 3), (2, 3)]),
    case("maximum", mg.maximum, lambda a, b: _torch().maximum(a, b), [(3, 4), (3, 4)]),
    case("minimum", mg.minimum, lambda a, b: _torch().minimum(a, b), [(3, 4), (3, 4)]),
    case("maximum_bcast", mg.maximum, lambda a, b: _torch().maximum(a, b), [(3, 1), (4,)]),
    case("maximum_scalar", lambda a: mg.maximum(a, 0.25),
         lambda a: _torch().clamp_min(a, 0.25), [(3, 4)]),
    case("minimum_scalar_left", lambda a: mg.minimum(0.25, a),
         lambda a: _torch().clamp_max(a, 0.25), [(3, 4)]),
    case("where_scalar", lambda a: mg.where(a > 0, a, 0.5),
         lambda a: _torch().where(a > 0, a, 0.5), [(3, 4)]),
    case("minimum_bcast", mg.minimum, lambda a, b: _torch().minimum(a, b), [(2, 3, 4), (3, 1)]),
]

@run_cases(MULTI)
def test_multi_input(mg_fn, torch_fn, shapes, options, backend, torch):
    check_op(mg_fn, torch_fn, shapes, backend, torch, **options)


SPLITS = [  # PyTorch's split: an int is each piece's size, a list the pieces' sizes
    (6, 3, 0),
    (6, 2, 0),
    (5, 2, 0),
    (6, [1, 5], 0),
    (6, [6], 0),
    (6, [0, 3, 3], 0),
    (4, 3, 1),
    (4, [1, 3], -1),
]


@pytest.mark.parametrize("size, sections, axis", SPLITS, ids=str)
def test_split(size, sections, axis, backend, torch):
    shape = (size, 4) if axis == 0 else (3, size)
    check_op(lambda x: mg.split(x, sections, axis=axis),
             lambda t: torch.split(t, sections, dim=axis), [shape], backend, torch)
    check_op(lambda x: x.split(sections, dim=axis),
             lambda t: t.split(sections, dim=axis), [shape], backend, torch)


CHUNKS = [(6, 3), (6, 4), (5, 2), (7, 3), (2, 5), (6, 1)]


@pytest.mark.parametrize("size, chunks", CHUNKS, ids=str)
def test_chunk_and_unbind(size, chunks, backend, torch):
    check_op(lambda x: mg.chunk(x, chunks, axis=1), lambda t: torch.chunk(t, chunks, dim=1),
             [(3, size)], backend, torch)
    check_op(lambda x: x.unbind(dim=1), lambda t: t.unbind(dim=1), [(3, size)], backend, torch)


@pytest.mark.parametrize("call, error", [
    (lambda x: mg.split(x, [2, 2]), "add up to 5"),
    (lambda x: mg.split(x, 0), "positive"),
    (lambda x: mg.split(x, 2.5), "integer"),
    (lambda x: mg.chunk(x, 0), "positive"),
    (lambda x: mg.split(mg.tensor(1.0), 1), "0-d"),
    (lambda x: mg.cat([mg.tensor(1.0), mg.tensor(2.0)]), "0-d"),
])
def test_split_errors_name_the_op(call, error, backend):
    with pytest.raises((ValueError, TypeError), match=error):
        call(mg.zeros(5, backend=backend))


WHERE_SHAPES = [  # (condition, a, b)
    ((3, 4), (3, 4), (3, 4)),
    ((4,), (3, 1), (4,)),
    ((3, 1), (3, 4), ()),
    ((2, 1, 4), (3, 1), (1,)),
    ((), (2, 3), (2, 3)),
]


@pytest.mark.parametrize("cond_shape, a_shape, b_shape", WHERE_SHAPES, ids=str)
def test_where(cond_shape, a_shape, b_shape, backend, torch):
    shapes = [a_shape, b_shape]
    cond = np.random.default_rng(5).random(cond_shape) > 0.5
    check_op(lambda a, b: mg.where(mg.tensor(cond, backend=backend), a, b),
             lambda a, b: torch.where(torch.tensor(cond), a, b), shapes, backend, torch)


def test_where_condition_from_comparison(backend, torch):
    check_op(lambda a, b: mg.where(a > b, a * 2.0, b.exp()),
             lambda a, b: torch.where(a > b, a * 2.0, b.exp()), [(3, 4), (3, 4)],
             backend, torch)


# ---- the function forms: mg.<name>(t, ...) is t.<name>(...) ------------------------

FUNCTION_FORMS = [
    ("sum", (1,)), ("mean", (0,)), ("var", ()), ("amax", (1,)), ("max", ()), ("min", (None,)),
    ("argmax", (1,)), ("argmin", ()), ("exp", ()), ("log", ()), ("sqrt", ()),
    ("tanh", ()), ("sigmoid", ()), ("relu", ()), ("clip", (0.6, 1.2)),
    ("reshape", ((4, 3),)), ("transpose", ()), ("permute", ((1, 0),)),
    ("squeeze", ()), ("unsqueeze", (0,)), ("flatten", ()), ("broadcast_to", ((2, 3, 4),)),
    ("softmax", ()), ("log_softmax", (0,)), ("logsumexp", (1,)), ("abs", ()),
]


@pytest.mark.parametrize("name, args", FUNCTION_FORMS, ids=[n for n, _ in FUNCTION_FORMS])
def test_function_form_matches_method(name, args, backend):
    x = mg.tensor(np.random.default_rng(4).uniform(0.5, 2.0, size=(3, 4)), backend=backend)
    assert_close(getattr(mg, name)(x, *args), getattr(x, name)(*args))


# ---- values exactly at kinks: the subgradient PyTorch picks -----------------------------

KINKS = [
    case("relu_at_0", lambda x: x.relu(), lambda t: t.relu(), None,
         arrays=[np.array([-1.0, 0.0, 2.0])]),
    case("abs_at_0", lambda x: x.abs(), lambda t: t.abs(), None,
         arrays=[np.array([-1.0, 0.0, 2.0])]),
    case("clip_at_bounds", lambda x: x.clip(-1.0, 1.0), lambda t: t.clamp(-1.0, 1.0), None,
         arrays=[np.array([-2.0, -1.0, 0.0, 1.0, 2.0])]),
    case("maximum_ties", mg.maximum, lambda a, b: _torch().maximum(a, b), None,
         arrays=[np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 3.0])]),
    case("minimum_ties", mg.minimum, lambda a, b: _torch().minimum(a, b), None,
         arrays=[np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 3.0])]),
    case("pow_zero_base", lambda a, b: a ** b, lambda a, b: a ** b, None,
         arrays=[np.array([0.0, 1.5, 0.0]), np.array([2.0, 2.0, 3.0])]),
    case("pow_scalar_zero_base", lambda a: a ** 2, lambda a: a ** 2, None,
         arrays=[np.array([0.0, -1.0])]),
    case("pow_zero_exponent_zero_base", lambda a, b: a ** b, lambda a, b: a ** b, None,
         arrays=[np.array([0.0, 0.0, 2.0, 0.0]), np.array([0.0, 0.5, 0.0, 1.0])]),
    case("pow_sqrt_at_zero", lambda a: a ** 0.5, lambda a: a ** 0.5, None,
         arrays=[np.array([0.0, 4.0])]),
]


# At 0 ** (negative), NumPy says what it computes (inf, or a value masked away afterwards);
# torch computes the same gradients silently. Asserted, so a change in either shows.
KINK_WARNINGS = {
    "pow_zero_exponent_zero_base": "encountered in (power|multiply)",
    "pow_sqrt_at_zero": "divide by zero encountered in power",
}


@run_cases(KINKS)
def test_kink_gradients_match_torch(mg_fn, torch_fn, shapes, options, backend, torch, request):
    expected = next((m for k, m in KINK_WARNINGS.items() if k in request.node.callspec.id.split("-")), None)
    if expected is None:
        check_op(mg_fn, torch_fn, shapes, backend, torch, **options)
        return
    with pytest.warns(RuntimeWarning, match=expected):
        check_op(mg_fn, torch_fn, shapes, backend, torch, **options)
