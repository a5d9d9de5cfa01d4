"""Every loss and function of nn.functional against torch.nn.functional."""
import numpy as np
import pytest
from helpers import assert_close, host
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import minigrad as mg
import nn.functional as F

F32 = np.float32
REDUCTIONS = ["mean", "sum", "none"]
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
leading_shapes = st.lists(st.integers(1, 4), min_size=0, max_size=3).map(tuple)


def compare(torch, backend, ours_fn, theirs_fn, x, *others, seed=0):
    """Run both on `x` (differentiable) and the extra, non-differentiable inputs; compare
    the value and x's gradient under the same random-weighted sum."""
    x_mg = mg.tensor(x, backend=backend, requires_grad=True)
    x_torch = torch.tensor(x, requires_grad=True)
    ours = ours_fn(x_mg, *[mg.tensor(o, backend=backend) for o in others])
    theirs = theirs_fn(x_torch, *[torch.tensor(o) for o in others])
    assert ours.backend == backend
    assert_close(ours, theirs, F32, atol=1e-5, rtol=1e-5)
    weights = np.random.default_rng(seed).uniform(0.5, 1.5, size=tuple(theirs.shape)).astype(F32)
    (ours * mg.tensor(weights, backend=backend)).sum().backward()
    (theirs * torch.tensor(weights)).sum().backward()
    assert_close(x_mg.grad, x_torch.grad, F32, atol=1e-5, rtol=1e-5, what="input grad")


def class_targets(rng, lead, classes, ignore):
    target = rng.integers(0, classes, size=lead)
    if ignore and target.size:
        target[rng.random(lead) < 0.3] = -100
        target.reshape(-1)[0] = 0  # at least one counted position: "mean" stays finite
    return target


def torch_layout(rng, lead, classes, scale=1.0):
    """PyTorch's input layout for a target of shape `lead`: (C,) for lead (), else
    (N, C, d1, ...) for lead (N, d1, ...)."""
    shape = (classes,) if not lead else (lead[0], classes) + lead[1:]
    return (rng.normal(size=shape) * scale).astype(F32)


CLASS_OPTIONS = {  # id -> keyword arguments of cross_entropy (weight: built per class count)
    "plain": {},
    "weight": {"weight": True},
    "smoothing": {"label_smoothing": 0.2},
    "weight_smoothing": {"weight": True, "label_smoothing": 0.35},
}


def _options(rng, classes, options, torch=None):
    out = dict(options)
    if out.get("weight"):
        weight = rng.uniform(0.2, 2.0, size=classes).astype(F32)
        out["weight"] = torch.tensor(weight) if torch is not None else weight
    return out


@pytest.mark.parity
@SETTINGS
@given(lead=leading_shapes, classes=st.integers(1, 6), reduction=st.sampled_from(REDUCTIONS),
       ignore=st.booleans(), seed=st.integers(0, 1000), option=st.sampled_from(sorted(CLASS_OPTIONS)))
def test_cross_entropy_matches_torch(backend, torch, lead, classes, reduction, ignore, seed, option):
    """PyTorch's layout exactly: class axis 1, (C,) unbatched, weight and label smoothing."""
    rng = np.random.default_rng(seed)
    logits = torch_layout(rng, lead, classes, scale=3)
    target = class_targets(rng, lead, classes, ignore)
    ours = _options(np.random.default_rng(seed), classes, CLASS_OPTIONS[option])
    theirs = _options(np.random.default_rng(seed), classes, CLASS_OPTIONS[option], torch)
    if "weight" in ours:
        ours["weight"] = mg.tensor(ours["weight"], backend=backend)
    compare(torch, backend,
            lambda x, t: F.cross_entropy(x, t, reduction=reduction, **ours),
            lambda x, t: torch.nn.functional.cross_entropy(x, t, reduction=reduction, **theirs),
            logits, target)


@pytest.mark.parity
@SETTINGS
@given(lead=leading_shapes, classes=st.integers(1, 6), reduction=st.sampled_from(REDUCTIONS),
       seed=st.integers(0, 1000), smoothing=st.sampled_from([0.0, 0.25]), weighted=st.booleans())
def test_cross_entropy_probability_targets_match_torch(backend, torch, lead, classes, reduction,
                                                       seed, smoothing, weighted):
    rng = np.random.default_rng(seed)
    logits = torch_layout(rng, lead, classes, scale=2)
    probs = rng.dirichlet(np.ones(classes), size=logits.shape[:1] + logits.shape[2:] if lead else None)
    probs = np.moveaxis(np.asarray(probs), -1, 1 if lead else 0).astype(F32)
    weight = rng.uniform(0.2, 2.0, size=classes).astype(F32)
    compare(torch, backend,
            lambda x, t: F.cross_entropy(x, t, reduction=reduction, label_smoothing=smoothing,
                                         weight=mg.tensor(weight, backend=backend) if weighted else None),
            lambda x, t: torch.nn.functional.cross_entropy(
                x, t, reduction=reduction, label_smoothing=smoothing,
                weight=torch.tensor(weight) if weighted else None),
            logits, probs)


@pytest.mark.parity
@SETTINGS
@given(lead=leading_shapes, classes=st.integers(1, 6), reduction=st.sampled_from(REDUCTIONS),
       ignore=st.booleans(), seed=st.integers(0, 1000), weighted=st.booleans())
def test_nll_loss_matches_torch(backend, torch, lead, classes, reduction, ignore, seed, weighted):
    rng = np.random.default_rng(seed)
    log_probs = torch_layout(rng, lead, classes)
    target = class_targets(rng, lead, classes, ignore)
    weight = rng.uniform(0.2, 2.0, size=classes).astype(F32)
    compare(torch, backend,
            lambda x, t: F.nll_loss(x, t, reduction=reduction,
                                    weight=mg.tensor(weight, backend=backend) if weighted else None),
            lambda x, t: torch.nn.functional.nll_loss(x, t, reduction=reduction,
                                                      weight=torch.tensor(weight) if weighted else None),
            log_probs, target)


@pytest.mark.parity
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_custom_ignore_index(backend, torch, reduction):
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(2, 4, 5)).astype(F32)
    target = np.array([[0, 3, 3, 1, 3], [2, 3, 0, 3, 1]])  # class 3 doubles as padding
    compare(torch, backend,
            lambda x, t: F.cross_entropy(x, t, ignore_index=3, reduction=reduction),
            lambda x, t: torch.nn.functional.cross_entropy(x, t, ignore_index=3, reduction=reduction),
            logits, target)


@pytest.mark.parity
def test_ported_permute_call_is_not_a_silent_trap(backend, torch):
    """The issue's trap: (B, T, V) logits with T == V, ported as PyTorch code writes it."""
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(2, 4, 4)).astype(F32)  # T == V == 4
    target = rng.integers(0, 4, size=(2, 4))
    ours = F.cross_entropy(mg.tensor(logits, backend=backend).permute(0, 2, 1),
                           mg.tensor(target, backend=backend))
    theirs = torch.nn.functional.cross_entropy(torch.tensor(logits).permute(0, 2, 1),
                                               torch.tensor(target))
    assert_close(ours, theirs, F32, atol=1e-6, rtol=1e-6)


@pytest.mark.parity
def test_cross_entropy_mean_of_nothing_is_nan_like_torch(backend, torch):
    logits = np.zeros((3, 2), F32)
    target = np.full(3, -100)
    with pytest.warns(RuntimeWarning, match="invalid value encountered in divide"):  # 0 / 0, as NumPy says
        ours = F.cross_entropy(mg.tensor(logits, backend=backend), mg.tensor(target, backend=backend))
    theirs = torch.nn.functional.cross_entropy(torch.tensor(logits), torch.tensor(target))
    assert np.isnan(ours.item()) and torch.isnan(theirs)


def test_cross_entropy_is_stable_for_huge_logits(backend):
    logits = mg.tensor([[1000.0, -1000.0, 0.0]], backend=backend, requires_grad=True)
    loss = F.cross_entropy(logits, [1])
    loss.backward()
    assert loss.item() == pytest.approx(2000.0)
    assert np.isfinite(host(logits.grad)).all()


def test_targets_out_of_range_are_named(backend):
    logits = mg.zeros(3, 4, backend=backend)
    with pytest.raises(IndexError, match="cross_entropy target: index 4 is out of range.*\\[0, 4\\)"):
        F.cross_entropy(logits, mg.tensor([0, 4, 1], backend=backend))
    with pytest.raises(IndexError, match="index -2 is out of range"):
        F.cross_entropy(logits, mg.tensor([0, -2, 1], backend=backend))
    with pytest.raises(IndexError, match="nll_loss target: index 9 is out of range"):
        F.nll_loss(logits, mg.tensor([-100, 9, 1], backend=backend))
    with pytest.raises(ValueError, match="probability targets must have the input's shape"):
        F.cross_entropy(logits, mg.tensor([0.0, 1.0, 2.0], backend=backend))
    with pytest.raises(TypeError, match="integer"):
        F.nll_loss(logits, mg.tensor([0.0, 1.0, 2.0], backend=backend))
    with pytest.raises(ValueError, match="weight must have shape \\(4,\\)"):
        F.cross_entropy(logits, mg.tensor([0, 1, 2], backend=backend), weight=mg.ones(3))
    with pytest.raises(ValueError, match="target shape \\(2,\\)"):
        F.cross_entropy(logits, mg.tensor([0, 1], backend=backend))
    with pytest.raises(ValueError, match="reduction"):
        F.cross_entropy(logits, mg.tensor([0, 1, 2], backend=backend), reduction="average")


@pytest.mark.parity
@SETTINGS
@given(shape=leading_shapes, reduction=st.sampled_from(REDUCTIONS), seed=st.integers(0, 1000))
def test_binary_cross_entropy_matches_torch(backend, torch, shape, reduction, seed):
    rng = np.random.default_rng(seed)
    probs = rng.uniform(0.02, 0.98, size=shape).astype(F32)
    target = rng.uniform(0, 1, size=shape).astype(F32)
    compare(torch, backend,
            lambda x, t: F.binary_cross_entropy(x, t, reduction=reduction),
            lambda x, t: torch.nn.functional.binary_cross_entropy(x, t, reduction=reduction),
            probs, target)


@pytest.mark.parity
@SETTINGS
@given(shape=leading_shapes, reduction=st.sampled_from(REDUCTIONS), seed=st.integers(0, 1000))
def test_binary_cross_entropy_with_logits_matches_torch(backend, torch, shape, reduction, seed):
    rng = np.random.default_rng(seed)
    logits = (rng.normal(size=shape) * 5).astype(F32)
    target = (rng.random(size=shape) < 0.5).astype(F32)
    compare(torch, backend,
            lambda x, t: F.binary_cross_entropy_with_logits(x, t, reduction=reduction),
            lambda x, t: torch.nn.functional.binary_cross_entropy_with_logits(x, t, reduction=reduction),
            logits, target)


@pytest.mark.parity
def test_binary_cross_entropy_extremes_are_finite_like_torch(backend, torch):
    logits = np.array([-200.0, -50.0, 0.0, 50.0, 200.0], F32)
    target = np.array([1.0, 0.0, 1.0, 0.0, 1.0], F32)
    compare(torch, backend,
            lambda x, t: F.binary_cross_entropy_with_logits(x, t, reduction="none"),
            lambda x, t: torch.nn.functional.binary_cross_entropy_with_logits(x, t, reduction="none"),
            logits, target)
    probs = mg.tensor([0.0, 1.0, 0.5], backend=backend)
    with pytest.warns(RuntimeWarning, match="divide by zero encountered in log"):  # log 0, then clamped
        ours = F.binary_cross_entropy(probs, mg.tensor([1.0, 0.0, 1.0], backend=backend), reduction="none")
    theirs = torch.nn.functional.binary_cross_entropy(torch.tensor([0.0, 1.0, 0.5]), torch.tensor([1.0, 0.0, 1.0]),
                                                      reduction="none")
    assert_close(ours, theirs, F32)  # log clamped at -100, as torch


@pytest.mark.parity
@SETTINGS
@given(shape=leading_shapes, reduction=st.sampled_from(REDUCTIONS), seed=st.integers(0, 1000))
def test_mse_loss_matches_torch(backend, torch, shape, reduction, seed):
    rng = np.random.default_rng(seed)
    prediction, target = rng.normal(size=(2,) + shape).astype(F32)
    compare(torch, backend,
            lambda x, t: F.mse_loss(x, t, reduction=reduction),
            lambda x, t: torch.nn.functional.mse_loss(x, t, reduction=reduction),
            prediction, target)


def test_losses_accept_plain_targets(backend):
    x = mg.tensor([0.5, 2.0], backend=backend)
    assert F.mse_loss(x, [1.0, 1.0]).item() == pytest.approx(0.625)
    assert F.binary_cross_entropy_with_logits(x, [1.0, 0.0], reduction="sum").backend == backend


@pytest.mark.parity
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_softmax_functions_match_torch(backend, torch, name, axis):
    x = (np.random.default_rng(0).normal(size=(3, 4, 5)) * 4).astype(F32)
    compare(torch, backend,
            lambda t: getattr(F, name)(t, axis=axis),
            lambda t: getattr(torch.nn.functional, name)(t, dim=axis),
            x)


def test_mse_loss_warns_like_torch_when_the_target_would_broadcast(torch):
    import warnings

    with pytest.warns(UserWarning, match=r"mse_loss: using a target size \(3,\) that is different to the input size \(3, 1\)"):
        ours = F.mse_loss(mg.zeros(3, 1), mg.tensor([1.0, 2.0, 3.0]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = torch.nn.functional.mse_loss(torch.zeros(3, 1), torch.tensor([1.0, 2.0, 3.0]))
    assert_close(ours, theirs, F32)  # the same (broadcast) value PyTorch computes after warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.mse_loss(mg.zeros(3), mg.tensor([1.0, 2.0, 3.0]))  # same sizes: silent


@pytest.mark.parametrize("probs", [[1.5], [-0.1, 0.5], [float("nan")]])
def test_binary_cross_entropy_refuses_values_outside_0_1_like_torch(backend, torch, probs):
    with pytest.raises(RuntimeError, match="binary_cross_entropy: all elements of input should be between 0 and 1"):
        F.binary_cross_entropy(mg.tensor(probs, backend=backend), mg.ones(len(probs), backend=backend))
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        torch.nn.functional.binary_cross_entropy(torch.tensor(probs), torch.ones(len(probs)))


@pytest.mark.parametrize("fn", ["binary_cross_entropy", "binary_cross_entropy_with_logits"])
def test_binary_losses_refuse_a_target_of_another_size_like_torch(torch, fn):
    with pytest.raises(ValueError, match=rf"{fn}: .*target size \(2,\).*input size \(2, 1\)"):
        getattr(F, fn)(mg.full((2, 1), 0.5), mg.ones(2))
    with pytest.raises(ValueError):
        getattr(torch.nn.functional, fn)(torch.full((2, 1), 0.5), torch.ones(2))
