"""The ops PyTorch users reach for (issue 13), from one table of specs.

Each spec drives three tests: parity with torch (values and every input's gradient) in
float64 and float32 on NumPy and on the strict backend, and a float64 finite-difference
gradcheck. A spec is (id, minigrad function, torch function, input shapes, options):
`low`/`high` bound the uniform inputs, `arrays` gives them outright, `gradcheck=False`
skips the finite differences (piecewise-constant ops), `grad=False` compares values only.
"""
import numpy as np
import pytest
from helpers import check_op

import minigrad as mg
import nn.functional as F

pytestmark = pytest.mark.parity

UNIT = {"low": -0.9, "high": 0.9}
POSITIVE = {"low": 0.5, "high": 2.0}
ABOVE_ONE = {"low": 1.2, "high": 3.0}
# values away from the kinks (0 and ±1, ±3, 6): finite differences must not straddle them
AWAY = {"arrays": [np.array([[-4.5, -2.5, -0.7, -0.2], [0.3, 0.8, 2.6, 7.5]])]}


def T():
    import torch

    return torch


def tF():
    import torch.nn.functional

    return torch.nn.functional


def spec(name, mg_fn, torch_fn, shapes=None, **options):
    return pytest.param(mg_fn, torch_fn, shapes, options, id=name)


ELEMENTWISE = [
    spec("sin", mg.sin, lambda t: t.sin(), [(3, 4)]),
    spec("cos", lambda x: x.cos(), lambda t: t.cos(), [(3, 4)]),
    spec("tan", mg.tan, lambda t: t.tan(), [(3, 4)], **UNIT),
    spec("asin", mg.asin, lambda t: t.asin(), [(3, 4)], **UNIT),
    spec("acos", mg.acos, lambda t: t.acos(), [(3, 4)], **UNIT),
    spec("atan", mg.atan, lambda t: t.atan(), [(3, 4)]),
    spec("sinh", mg.sinh, lambda t: t.sinh(), [(3, 4)]),
    spec("cosh", mg.cosh, lambda t: t.cosh(), [(3, 4)]),
    spec("asinh", mg.asinh, lambda t: t.asinh(), [(3, 4)]),
    spec("acosh", mg.acosh, lambda t: t.acosh(), [(3, 4)], **ABOVE_ONE),
    spec("atanh", mg.atanh, lambda t: t.atanh(), [(3, 4)], **UNIT),
    spec("exp2", mg.exp2, lambda t: t.exp2(), [(3, 4)]),
    spec("log2", mg.log2, lambda t: t.log2(), [(3, 4)], **POSITIVE),
    spec("log10", mg.log10, lambda t: t.log10(), [(3, 4)], **POSITIVE),
    spec("log1p", mg.log1p, lambda t: t.log1p(), [(3, 4)], **UNIT),
    spec("expm1", mg.expm1, lambda t: t.expm1(), [(3, 4)]),
    spec("rsqrt", mg.rsqrt, lambda t: t.rsqrt(), [(3, 4)], **POSITIVE),
    spec("erf", mg.erf, lambda t: t.erf(), [(3, 4)]),
    spec("sign", mg.sign, lambda t: t.sign(), [(3, 4)], gradcheck=False),
    spec("floor", mg.floor, lambda t: t.floor(), [(3, 4)], gradcheck=False),
    spec("ceil", mg.ceil, lambda t: t.ceil(), [(3, 4)], gradcheck=False),
    spec("round", mg.round, lambda t: t.round(), [(3, 4)], gradcheck=False),
    spec("round_decimals", lambda x: x.round(decimals=1), lambda t: t.round(decimals=1),
         [(3, 4)], gradcheck=False),
    spec("trunc", mg.trunc, lambda t: t.trunc(), [(3, 4)], gradcheck=False),
    spec("fmod", mg.fmod, lambda a, b: T().fmod(a, b), [(3, 4), (3, 4)], low=0.7, high=3.0),
    spec("fmod_negative", lambda a: mg.fmod(-a, 0.75), lambda t: T().fmod(-t, 0.75), [(3, 4)],
         low=0.1, high=0.7),
    spec("remainder_op", lambda a, b: a % b, lambda a, b: a % b, [(3, 4), (4,)], low=0.7, high=3.0),
    spec("rmod_scalar", lambda a: (a * -3.3) % 1.1, lambda t: (t * -3.3) % 1.1, [(3, 4)],
         low=0.05, high=0.3),
    spec("floordiv", lambda a: a // 0.7, lambda t: t // 0.7, [(3, 4)], grad=False),
    spec("lerp", mg.lerp, lambda a, b, w: T().lerp(a, b, w), [(3, 4), (3, 4), (3, 4)]),
    spec("logaddexp", mg.logaddexp, lambda a, b: T().logaddexp(a, b), [(3, 4), (4,)]),
    spec("logaddexp_huge", lambda a: mg.logaddexp(a * 500, a * -500),
         lambda t: T().logaddexp(t * 500, t * -500), [(3, 4)], gradcheck=False),
]

ACTIVATIONS = [
    spec("leaky_relu", lambda x: F.leaky_relu(x, 0.2), lambda t: tF().leaky_relu(t, 0.2), **AWAY),
    spec("elu", F.elu, lambda t: tF().elu(t), **AWAY),
    spec("elu_alpha", lambda x: F.elu(x, 0.5), lambda t: tF().elu(t, 0.5), [(3, 4)]),
    spec("selu", F.selu, lambda t: tF().selu(t), **AWAY),
    spec("celu", lambda x: F.celu(x, 1.5), lambda t: tF().celu(t, 1.5), **AWAY),
    spec("gelu", F.gelu, lambda t: tF().gelu(t), [(3, 4)]),
    spec("gelu_tanh", lambda x: F.gelu(x, approximate="tanh"),
         lambda t: tF().gelu(t, approximate="tanh"), [(3, 4)]),
    spec("silu", F.silu, lambda t: tF().silu(t), [(3, 4)]),
    spec("mish", F.mish, lambda t: tF().mish(t), [(3, 4)]),
    spec("softplus", F.softplus, lambda t: tF().softplus(t), [(3, 4)], low=-30, high=30),
    spec("softplus_beta", lambda x: F.softplus(x, beta=2.0, threshold=5.0),
         lambda t: tF().softplus(t, beta=2.0, threshold=5.0), [(3, 4)], low=-4, high=4),
    spec("softsign", F.softsign, lambda t: tF().softsign(t), **AWAY),
    spec("logsigmoid", F.logsigmoid, lambda t: tF().logsigmoid(t), [(3, 4)], low=-40, high=40),
    spec("hardtanh", F.hardtanh, lambda t: tF().hardtanh(t), **AWAY),
    spec("hardtanh_range", lambda x: F.hardtanh(x, -2.0, 0.5),
         lambda t: tF().hardtanh(t, -2.0, 0.5), **AWAY),
    spec("relu6", F.relu6, lambda t: tF().relu6(t), **AWAY),
    spec("hardsigmoid", F.hardsigmoid, lambda t: tF().hardsigmoid(t), **AWAY),
    spec("hardswish", F.hardswish, lambda t: tF().hardswish(t), **AWAY),
    spec("softmin", lambda x: F.softmin(x, dim=1), lambda t: tF().softmin(t, dim=1), [(3, 4)]),
    spec("tanhshrink", F.tanhshrink, lambda t: tF().tanhshrink(t), [(3, 4)]),
]

REDUCTIONS = [
    spec("std", lambda x: x.std(), lambda t: t.std(correction=0), [(3, 4)]),
    spec("std_unbiased", lambda x: x.std(dim=1, unbiased=True), lambda t: t.std(dim=1), [(3, 4)]),
    spec("var_correction", lambda x: x.var(dim=0, correction=2, keepdim=True),
         lambda t: t.var(dim=0, correction=2, keepdim=True), [(4, 3)]),
    spec("prod_all", mg.prod, lambda t: t.prod(), [(2, 3)]),
    spec("prod_dim", lambda x: x.prod(dim=1, keepdim=True), lambda t: t.prod(1, keepdim=True),
         [(3, 4)]),
    spec("prod_zero", lambda x: x.prod(1), lambda t: t.prod(1),
         arrays=[np.array([[1.5, 0.0, 2.0], [0.0, 0.0, 3.0], [0.5, -1.0, 2.0]])]),
    spec("cumsum", lambda x: x.cumsum(1), lambda t: t.cumsum(1), [(3, 4)]),
    spec("cumsum_dim0", lambda x: mg.cumsum(x, dim=0), lambda t: T().cumsum(t, dim=0), [(3, 4)]),
    spec("cumprod", lambda x: x.cumprod(dim=1), lambda t: t.cumprod(1), [(3, 4)]),
    spec("cumprod_zero", lambda x: x.cumprod(1), lambda t: t.cumprod(1),
         arrays=[np.array([[1.5, 0.0, 2.0, -1.0], [0.0, 0.5, 0.0, 3.0]])]),
    spec("cummax", lambda x: x.cummax(1), lambda t: t.cummax(1), [(3, 5)]),
    spec("cummin", lambda x: mg.cummin(x, dim=0), lambda t: t.cummin(0), [(4, 3)]),
    spec("logcumsumexp", lambda x: x.logcumsumexp(1), lambda t: t.logcumsumexp(1), [(3, 4)]),
    spec("sort", lambda x: x.sort(1), lambda t: t.sort(1), [(3, 5)]),
    spec("sort_descending", lambda x: x.sort(dim=0, descending=True),
         lambda t: t.sort(dim=0, descending=True), [(4, 3)]),
    spec("argsort", lambda x: x.argsort(1).astype(x.dtype) * x,
         lambda t: t.argsort(1).to(t.dtype) * t, [(3, 5)]),
    spec("topk", lambda x: x.topk(2), lambda t: t.topk(2), [(3, 5)]),
    spec("topk_smallest", lambda x: x.topk(3, dim=0, largest=False),
         lambda t: t.topk(3, dim=0, largest=False), [(4, 3)]),
    spec("max_dim", lambda x: x.max(1), lambda t: t.max(1), [(3, 5)]),
    spec("min_dim_keepdim", lambda x: x.min(dim=0, keepdim=True),
         lambda t: t.min(dim=0, keepdim=True), [(3, 5)]),
    spec("max_elementwise", lambda a, b: a.max(b), lambda a, b: a.max(b), [(3, 4), (3, 4)]),
]

SHAPING = [
    spec("flip", lambda x: x.flip(0), lambda t: t.flip(0), [(3, 4)]),
    spec("flip_dims", lambda x: mg.flip(x, (0, 2)), lambda t: T().flip(t, (0, 2)), [(2, 3, 4)]),
    spec("roll", lambda x: x.roll(1, 1), lambda t: t.roll(1, 1), [(3, 4)]),
    spec("roll_flat", lambda x: x.roll(-5), lambda t: t.roll(-5), [(3, 4)]),
    spec("roll_two", lambda x: mg.roll(x, (2, -1), (0, 1)), lambda t: T().roll(t, (2, -1), (0, 1)),
         [(3, 4)]),
    spec("repeat", lambda x: x.repeat(2, 3), lambda t: t.repeat(2, 3), [(2, 3)]),
    spec("repeat_lead", lambda x: x.repeat(2, 1, 2), lambda t: t.repeat(2, 1, 2), [(2, 3)]),
    spec("repeat_interleave", lambda x: x.repeat_interleave(2, dim=1),
         lambda t: t.repeat_interleave(2, dim=1), [(2, 3)]),
    spec("repeat_interleave_flat", lambda x: mg.repeat_interleave(x, 3),
         lambda t: T().repeat_interleave(t, 3), [(2, 2)]),
    spec("repeat_interleave_counts", lambda x: x.repeat_interleave(mg.tensor([1, 0, 2]), dim=0),
         lambda t: t.repeat_interleave(T().tensor([1, 0, 2]), dim=0), [(3, 2)]),
    spec("tril", lambda x: x.tril(), lambda t: t.tril(), [(4, 3)]),
    spec("triu_offset", lambda x: mg.triu(x, 1), lambda t: T().triu(t, 1), [(2, 3, 4)]),
    spec("tril_negative", lambda x: x.tril(-1), lambda t: t.tril(-1), [(3, 3)]),
    spec("diag_matrix", lambda x: mg.diag(x), lambda t: T().diag(t), [(3,)]),
    spec("diag_offset", lambda x: mg.diag(x, -1), lambda t: T().diag(t, -1), [(3,)]),
    spec("diag_of_matrix", lambda x: mg.diag(x, 1), lambda t: T().diag(t, 1), [(3, 4)]),
    spec("diagonal", lambda x: x.diagonal(offset=1, dim1=1, dim2=2),
         lambda t: t.diagonal(offset=1, dim1=1, dim2=2), [(2, 3, 4)]),
    spec("unflatten", lambda x: x.unflatten(1, (2, 3)), lambda t: t.unflatten(1, (2, 3)), [(2, 6)]),
    spec("narrow", lambda x: x.narrow(1, 1, 2), lambda t: t.narrow(1, 1, 2), [(3, 4)]),
    spec("meshgrid", lambda a, b: mg.meshgrid(a, b, indexing="ij"),
         lambda a, b: T().meshgrid(a, b, indexing="ij"), [(3,), (4,)]),
    spec("meshgrid_xy", lambda a, b: mg.meshgrid(a, b, indexing="xy"),
         lambda a, b: T().meshgrid(a, b, indexing="xy"), [(3,), (4,)]),
    spec("gather", lambda x: x.gather(1, mg.tensor([[0, 0], [1, 0], [2, 2]])),
         lambda t: t.gather(1, T().tensor([[0, 0], [1, 0], [2, 2]])), [(3, 3)]),
    spec("gather_smaller", lambda x: mg.gather(x, 0, mg.tensor([[1, 0]])),
         lambda t: T().gather(t, 0, T().tensor([[1, 0]])), [(3, 3)]),
    spec("scatter", lambda x, s: x.scatter(1, mg.tensor([[0, 2], [1, 0]]), s),
         lambda x, s: x.scatter(1, T().tensor([[0, 2], [1, 0]]), s), [(2, 3), (2, 2)]),
    spec("scatter_value", lambda x: x.scatter(0, mg.tensor([[1, 0, 1]]), 2.5),
         lambda t: t.scatter(0, T().tensor([[1, 0, 1]]), 2.5), [(2, 3)]),
    spec("scatter_add", lambda x, s: x.scatter_add(0, mg.tensor([[0, 1, 0], [0, 0, 1]]), s),
         lambda x, s: x.scatter_add(0, T().tensor([[0, 1, 0], [0, 0, 1]]), s), [(2, 3), (2, 3)]),
    spec("index_select", lambda x: x.index_select(1, mg.tensor([2, 0, 2])),
         lambda t: t.index_select(1, T().tensor([2, 0, 2])), [(3, 4)]),
    spec("masked_fill", lambda x: x.masked_fill(x > 0, -1.0),
         lambda t: t.masked_fill(t > 0, -1.0), [(3, 4)]),
    spec("masked_select", lambda x: x.masked_select(x > 0),
         lambda t: t.masked_select(t > 0), [(3, 4)]),
    spec("einsum_matmul", lambda a, b: mg.einsum("ij,jk->ik", a, b),
         lambda a, b: T().einsum("ij,jk->ik", a, b), [(2, 3), (3, 4)]),
    spec("einsum_batch", lambda a, b: mg.einsum("bij,bkj->bik", a, b),
         lambda a, b: T().einsum("bij,bkj->bik", a, b), [(2, 3, 4), (2, 5, 4)]),
    spec("einsum_sum_out", lambda a, b: mg.einsum("ij,k->j", a, b),
         lambda a, b: T().einsum("ij,k->j", a, b), [(2, 3), (4,)]),
    spec("einsum_implicit", lambda a, b: mg.einsum("ij,jk", a, b),
         lambda a, b: T().einsum("ij,jk", a, b), [(2, 3), (3, 4)]),
    spec("pad", lambda x: mg.pad(x, (1, 2)), lambda t: tF().pad(t, (1, 2)), [(2, 3)]),
    spec("pad_two_axes", lambda x: F.pad(x, (0, 1, 2, 0), value=1.5),
         lambda t: tF().pad(t, (0, 1, 2, 0), value=1.5), [(2, 3, 2)]),
    spec("expand", lambda x: x.expand(2, -1, 3), lambda t: t.expand(2, -1, 3), [(4, 1)]),
    spec("transpose_swap_3d", lambda x: x.transpose(0, 2), lambda t: t.transpose(0, 2), [(2, 3, 4)]),
    spec("t", lambda x: x.t(), lambda t: t.t(), [(2, 3)]),
]

NORMALIZATION = [
    spec("layer_norm", lambda x, w, b: F.layer_norm(x, (4,), w, b),
         lambda x, w, b: tF().layer_norm(x, (4,), w, b), [(3, 4), (4,), (4,)]),
    spec("layer_norm_2d", lambda x: F.layer_norm(x, (3, 4)),
         lambda t: tF().layer_norm(t, (3, 4)), [(2, 3, 4)]),
    spec("normalize", lambda x: F.normalize(x), lambda t: tF().normalize(t), [(3, 4)]),
    spec("normalize_p1", lambda x: F.normalize(x, p=1.0, dim=0),
         lambda t: tF().normalize(t, p=1.0, dim=0), [(3, 4)]),
    spec("sdpa", F.scaled_dot_product_attention, lambda q, k, v: tF().scaled_dot_product_attention(q, k, v),
         [(2, 3, 4), (2, 5, 4), (2, 5, 2)]),
    spec("sdpa_causal", lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True),
         lambda q, k, v: tF().scaled_dot_product_attention(q, k, v, is_causal=True),
         [(2, 4, 3), (2, 4, 3), (2, 4, 2)]),
    spec("sdpa_mask_scale", lambda q, k, v: F.scaled_dot_product_attention(
        q, k, v, attn_mask=mg.tensor([[True, False, True], [True, True, False]]), scale=0.3),
         lambda q, k, v: tF().scaled_dot_product_attention(
        q, k, v, attn_mask=T().tensor([[True, False, True], [True, True, False]]), scale=0.3),
         [(2, 3), (3, 3), (3, 2)]),
]

ALL = ELEMENTWISE + ACTIVATIONS + REDUCTIONS + SHAPING + NORMALIZATION


def _on_backend(fn, backend):
    """fn with its captured host index tensors moved to `backend` (strict runs)."""
    if backend == "numpy":
        return fn

    def run(*inputs):
        previous = mg.get_default_backend()
        mg.set_default_backend(backend)
        try:
            return fn(*inputs)
        finally:
            mg.set_default_backend(previous)

    return run


@pytest.mark.parametrize("mg_fn, torch_fn, shapes, options", ALL)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_parity_with_torch(mg_fn, torch_fn, shapes, options, dtype, backend, torch):
    options = {k: v for k, v in options.items() if k != "gradcheck"}
    if "arrays" in options:
        options["arrays"] = [a.astype(dtype) for a in options["arrays"]]
    check_op(_on_backend(mg_fn, backend), torch_fn, shapes, backend, torch, dtype, **options)


@pytest.mark.parametrize("mg_fn, torch_fn, shapes, options", [
    p for p in ALL if p.values[3].get("gradcheck", True) and p.values[3].get("grad", True)])
def test_gradcheck(mg_fn, torch_fn, shapes, options, backend):
    if "arrays" in options:
        arrays = options["arrays"]
    else:
        rng = np.random.default_rng(0)
        arrays = [rng.uniform(options.get("low", -2.0), options.get("high", 2.0), size=s)
                  for s in shapes]
    inputs = [mg.tensor(a, dtype="float64", backend=backend, requires_grad=True) for a in arrays]
    assert mg.gradcheck(_on_backend(mg_fn, backend), inputs) is True


# ---- the non-differentiable ones: booleans and indices, compared exactly ------------------

VALUES = np.array([[0.5, -np.inf, np.nan, 2.0], [0.0, 3.0, -1.5, np.inf]])
CLOSE = np.array([[0.5 + 1e-9, 1.0, np.nan, 2.1], [0.0, 3.0, -1.5, np.inf]])

EXACT = [
    spec("isnan", lambda x: x.isnan(), lambda t: t.isnan()),
    spec("isinf", mg.isinf, lambda t: T().isinf(t)),
    spec("isfinite", lambda x: x.isfinite(), lambda t: t.isfinite()),
    spec("isclose", lambda x: mg.isclose(x, mg.tensor(CLOSE, backend=x.backend)),
         lambda t: T().isclose(t, T().tensor(CLOSE))),
    spec("isclose_nan", lambda x: x.isclose(mg.tensor(CLOSE, backend=x.backend), equal_nan=True),
         lambda t: t.isclose(T().tensor(CLOSE), equal_nan=True)),
    spec("nonzero", lambda x: mg.where(x.isnan(), 0.0, x).nonzero(),
         lambda t: T().nan_to_num(t, nan=0.0).nonzero()),
    spec("argsort_desc", lambda x: mg.where(x.isnan(), 0.0, x).argsort(dim=1, descending=True),
         lambda t: T().nan_to_num(t, nan=0.0).argsort(dim=1, descending=True, stable=True)),
    spec("floor_divide_int", lambda x: mg.tensor([7, -7, 5], backend=x.backend) // 2,
         lambda t: T().tensor([7, -7, 5]) // 2),
    spec("remainder_int", lambda x: mg.tensor([7, -7, 5], backend=x.backend) % 3,
         lambda t: T().tensor([7, -7, 5]) % 3),
    spec("one_hot", lambda x: mg.one_hot(mg.tensor([0, 2, 1], backend=x.backend), 4),
         lambda t: tF().one_hot(T().tensor([0, 2, 1]), 4)),
    spec("sign_int", lambda x: mg.sign(mg.tensor([3, 0, -2], backend=x.backend)),
         lambda t: T().sign(T().tensor([3, 0, -2]))),
]


@pytest.mark.parametrize("mg_fn, torch_fn, shapes, options", EXACT)
def test_non_differentiable_ops_match_torch_exactly(mg_fn, torch_fn, shapes, options, backend,
                                                    torch):
    ours = mg_fn(mg.tensor(VALUES, backend=backend))
    theirs = torch_fn(torch.tensor(VALUES))
    assert not ours.requires_grad and ours.backend == backend
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert ours.numpy().dtype == theirs.numpy().dtype


def test_allclose_is_a_python_bool(backend, torch):
    a = mg.tensor([1.0, 2.0], backend=backend)
    assert mg.allclose(a, a + 1e-9) is True and a.allclose(a + 1e-3) is False
    assert torch.allclose(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0]) + 1e-3) is False


def test_higher_order_gradients_through_new_ops(torch):
    """Backward written once on values: second derivatives come for free (cumprod aside)."""
    x = np.array([0.3, -0.7, 1.1])
    for ours_fn, theirs_fn in [(lambda v: (v.sin() * v.erf()).sum(), lambda v: (v.sin() * v.erf()).sum()),
                               (lambda v: F.gelu(v).logcumsumexp(0).sum(),
                                lambda v: tF().gelu(v).logcumsumexp(0).sum()),
                               (lambda v: v.sort(0).values.cumsum(0).atan().sum(),
                                lambda v: v.sort(0).values.cumsum(0).atan().sum())]:
        a = mg.tensor(x, requires_grad=True)
        (g,) = mg.grad(ours_fn(a), [a], create_graph=True)
        (gg,) = mg.grad(g.sum(), [a])
        t = torch.tensor(x, requires_grad=True)
        (tg,) = torch.autograd.grad(theirs_fn(t), [t], create_graph=True)
        (tgg,) = torch.autograd.grad(tg.sum(), [t])
        np.testing.assert_allclose(gg.numpy(), tgg.numpy(), rtol=1e-7, atol=1e-9)


def test_cumprod_is_first_order_with_a_clear_error():
    a = mg.tensor([0.5, 2.0], dtype="float64", requires_grad=True)
    with pytest.raises(RuntimeError):
        mg.grad(a.cumprod(0).sum(), [a], create_graph=True)


def test_max_and_min_refuse_a_dim_and_an_axis_together():
    """dim=k gives (values, indices) as PyTorch, axis=k values as NumPy: never both."""
    x = mg.tensor([[1.0, 5.0], [3.0, 2.0]])
    for name in ("max", "min"):
        with pytest.raises(TypeError, match="both a dim"):
            getattr(mg, name)(x, 1, axis=0)
        with pytest.raises(TypeError, match="takes no axis"):
            getattr(mg, name)(x, x, axis=0)
        assert getattr(mg, name)(x, axis=None).item() == (5.0 if name == "max" else 1.0)
