"""Gradient clipping against torch.nn.utils."""
import math

import numpy as np
import pytest
from helpers import assert_close

import minigrad as mg
import nn

F32 = np.float32
SHAPES = [(3, 4), (5,), ()]


def with_grads(torch, backend, scale):
    rng = np.random.default_rng(0)
    ours, theirs = [], []
    for shape in SHAPES:
        grad = (rng.normal(size=shape) * scale).astype(F32)
        p = nn.Parameter(mg.zeros(shape, backend=backend))
        p.grad = mg.tensor(grad, backend=backend).data
        q = torch.zeros(shape, requires_grad=True)
        q.grad = torch.tensor(grad)
        ours.append(p)
        theirs.append(q)
    return ours, theirs


@pytest.mark.parity
@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf, 0])
@pytest.mark.parametrize("max_norm", [0.5, 1e3])
def test_clip_grad_norm_matches_torch(backend, torch, norm_type, max_norm):
    ours, theirs = with_grads(torch, backend, scale=2.0)
    total = nn.utils.clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    assert isinstance(total, mg.Tensor) and total.shape == () and total.backend == backend
    assert_close(total, expected, F32)
    for p, q in zip(ours, theirs):
        assert type(p.grad) is type(p.data)
        assert_close(p.grad, q.grad, F32)


@pytest.mark.parity
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_clip_grad_norm_of_large_gradients_matches_torch(backend, torch, dtype):
    # The 2-norm is a dot product over each gradient (BLAS's, blocked): large arrays of
    # both float dtypes, in one call, against PyTorch's per-parameter norms.
    rng = np.random.default_rng(1)
    grads = [rng.normal(size=shape).astype(dtype) for shape in [(300, 500), (1000,), (7, 3, 11)]]
    ours = [nn.Parameter(mg.zeros(g.shape, dtype=dtype, backend=backend)) for g in grads]
    theirs = [torch.zeros(g.shape, dtype=getattr(torch, np.dtype(dtype).name), requires_grad=True)
              for g in grads]
    for p, q, g in zip(ours, theirs, grads):
        p.grad = mg.tensor(g, backend=backend).data
        q.grad = torch.tensor(g)
    total = nn.utils.clip_grad_norm_(ours, 1.0)
    expected = torch.nn.utils.clip_grad_norm_(theirs, 1.0)
    assert total.dtype == dtype
    assert_close(total, expected, dtype)
    for p, q in zip(ours, theirs):
        assert p.grad.dtype == dtype
        assert_close(p.grad, q.grad, dtype)


def test_clip_grad_norm_bounds_the_global_norm(backend):
    params = [nn.Parameter(mg.zeros(4, backend=backend)), nn.Parameter(mg.zeros(3, backend=backend))]
    params[0].grad = mg.tensor([3.0, 0.0, 0.0, 0.0], backend=backend).data
    params[1].grad = mg.tensor([0.0, 4.0, 0.0], backend=backend).data
    total = nn.utils.clip_grad_norm_(params, 1.0)
    assert total.item() == pytest.approx(5.0)
    after = math.sqrt(sum((mg.tensor(p.grad) ** 2).sum().item() for p in params))
    assert after == pytest.approx(1.0, rel=1e-5)


def test_clip_grad_norm_skips_missing_grads_and_takes_one_tensor():
    p, q = nn.Parameter(mg.ones(2)), nn.Parameter(mg.ones(2))
    p.grad = mg.tensor([0.0, 2.0]).data
    assert nn.utils.clip_grad_norm_([p, q], 1.0).item() == pytest.approx(2.0)
    assert q.grad is None
    assert nn.utils.clip_grad_norm_(p, 10.0).item() == pytest.approx(1.0, rel=1e-5)
    assert nn.utils.clip_grad_norm_([q], 1.0).item() == 0.0


@pytest.mark.parity
def test_clip_grad_value_matches_torch(backend, torch):
    ours, theirs = with_grads(torch, backend, scale=2.0)
    nn.utils.clip_grad_value_(ours, 0.7)
    torch.nn.utils.clip_grad_value_(theirs, 0.7)
    for p, q in zip(ours, theirs):
        assert type(p.grad) is type(p.data)
        assert_close(p.grad, q.grad, F32)


@pytest.mark.parametrize("norm_type, match", [("fro", "must be a number"), (-1.0, "must be >= 0"), (math.nan, "must be >= 0, got nan")])
def test_clip_grad_norm_refuses_a_bad_norm_type_before_touching_grads(norm_type, match):
    p = nn.Parameter(mg.zeros(2))
    p.grad = mg.tensor([3.0, 4.0]).data
    with pytest.raises(ValueError, match=f"clip_grad_norm_: norm_type {match}"):
        nn.utils.clip_grad_norm_([p], 1.0, norm_type=norm_type)
    assert p.grad.tolist() == [3.0, 4.0]
