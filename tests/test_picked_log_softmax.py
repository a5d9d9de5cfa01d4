"""mg.picked_log_softmax, log_softmax(x)[n, y_n] as one node, and cross_entropy through it:
the numbers of log_softmax then indexing (the reference) and of PyTorch, on the xp path
and on the compiled one (large NumPy arrays: one pass forward, one backward, rows split
over two threads), first and second order, with its errors."""
import numpy as np
import pytest
from helpers import assert_close, host

import minigrad as mg
import nn
from minigrad import elementwise_compiled as compiled

F32 = np.float32
TOLERANCE = {np.float64: (1e-14, 1e-12), np.float32: (2e-6, 2e-6)}  # as test_elementwise_compiled


def logits_and_index(dtype, rows=9, classes=37, seed=0, specials=False):
    rng = np.random.default_rng(seed)
    x = rng.normal(scale=3.0, size=(rows, classes))
    if specials:
        x[0, :3] = [np.nan, 5.0, -np.inf]
        x[1, :3] = [40.0, -40.0, 1e-30]
        x[2] = -np.inf                      # a row of -inf: NaN, as log_softmax gives
        x[3, 5] = np.inf
    return x.astype(dtype), rng.integers(0, classes, size=rows)


def picked(x, index, backend="numpy", weights_seed=1, use_compiled=None, monkeypatch=None):
    """(values, x.grad) of Σ_n w_n picked_log_softmax(x, index)_n as host arrays."""
    if use_compiled is not None:
        monkeypatch.setattr(compiled, "enabled", use_compiled)
        monkeypatch.setattr(compiled, "threshold", 64)
    t = mg.tensor(x, backend=backend, requires_grad=True)
    out = mg.picked_log_softmax(t, index)
    w = np.random.default_rng(weights_seed).normal(size=x.shape[0]).astype(x.dtype)
    (out * mg.tensor(w, backend=backend)).sum().backward()
    return host(out), host(t.grad)


def reference(x, index, backend="numpy", weights_seed=1):
    t = mg.tensor(x, backend=backend, requires_grad=True)
    out = t.log_softmax(axis=-1)[mg.arange(x.shape[0], backend=backend),
                                 mg.tensor(index, backend=backend)]
    w = np.random.default_rng(weights_seed).normal(size=x.shape[0]).astype(x.dtype)
    (out * mg.tensor(w, backend=backend)).sum().backward()
    return host(out), host(t.grad)


@pytest.mark.parity
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_picked_log_softmax_matches_torch(backend, torch, dtype):
    x, index = logits_and_index(dtype)
    ours = picked(x, index, backend)
    t = torch.tensor(x, requires_grad=True)
    theirs = torch.log_softmax(t, -1)[torch.arange(len(index)), torch.tensor(index)]
    w = np.random.default_rng(1).normal(size=len(index)).astype(dtype)
    (theirs * torch.tensor(w)).sum().backward()
    assert ours[0].dtype == ours[1].dtype == dtype
    assert_close(ours[0], theirs.detach().numpy(), dtype)
    assert_close(ours[1], t.grad.numpy(), dtype, what="gradient")


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # (the xp paths', on NaN and ±inf)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("specials", [False, True])
@pytest.mark.parametrize("use_compiled", [False, True])
def test_the_same_numbers_as_log_softmax_then_indexing(monkeypatch, dtype, specials, use_compiled):
    x, index = logits_and_index(dtype, specials=specials)
    ours = picked(x, index, use_compiled=use_compiled, monkeypatch=monkeypatch)
    monkeypatch.setattr(compiled, "enabled", False)
    expected = reference(x, index)
    atol, rtol = TOLERANCE[dtype]
    for what, a, b in zip(("value", "gradient"), ours, expected):
        np.testing.assert_array_equal(np.isnan(a), np.isnan(b), err_msg=f"{what}: NaNs")
        assert_close(a, b, atol=atol, rtol=rtol, what=what)


def test_the_compiled_path_runs_on_large_numpy_arrays_only(monkeypatch):
    """The two kernels run (a spy counts them) for a large NumPy float array, and not on
    the strict backend, nor for small arrays, nor when switched off."""
    from minigrad import elementwise_numba as kernels

    ran = []
    for name in ("log_softmax_normalisers", "picked_log_softmax_backward"):
        original = getattr(kernels, name)
        monkeypatch.setattr(kernels, name, lambda *a, _o=original, _n=name: (ran.append(_n), _o(*a))[1])
    x, index = logits_and_index(F32)
    picked(x, index, use_compiled=True, monkeypatch=monkeypatch)
    assert ran == ["log_softmax_normalisers", "picked_log_softmax_backward"]
    ran.clear()
    picked(x, index, backend="strict", use_compiled=True, monkeypatch=monkeypatch)
    monkeypatch.setattr(compiled, "threshold", 1 << 20)
    picked(x, index)
    monkeypatch.setattr(compiled, "threshold", 64)
    picked(x, index, use_compiled=False, monkeypatch=monkeypatch)
    assert ran == []


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_rows_split_over_two_threads_give_the_same_bits(monkeypatch, dtype):
    from minigrad import parallel

    class TwoThreadBLAS:
        num_threads = 2

        def set_num_threads(self, n):
            pass

    x, index = logits_and_index(dtype, rows=11)
    results = {}
    for split in (False, True):
        monkeypatch.setattr(compiled, "split_threshold", 1 if split else 1 << 40)
        monkeypatch.setattr(parallel, "two_threads", lambda xp, on=split: on)
        monkeypatch.setattr(parallel, "_numpy_blas", lambda: TwoThreadBLAS())
        results[split] = picked(x, index, use_compiled=True, monkeypatch=monkeypatch)
    for whole, halves in zip(results[False], results[True]):
        np.testing.assert_array_equal(whole, halves)


@pytest.mark.parity
def test_second_order_gradients_match_torch(backend, torch):
    x, index = logits_and_index(np.float64, rows=4, classes=5)
    t = mg.tensor(x, backend=backend, requires_grad=True)
    (g,) = mg.grad(mg.picked_log_softmax(t, index).sum(), [t], create_graph=True)
    (h,) = mg.grad((g * g).sum(), [t])
    u = torch.tensor(x, requires_grad=True)
    (tg,) = torch.autograd.grad(torch.log_softmax(u, -1)[torch.arange(4), torch.tensor(index)].sum(),
                                [u], create_graph=True)
    (th,) = torch.autograd.grad((tg * tg).sum(), [u])
    assert_close(g, tg.detach().numpy(), np.float64, what="gradient")
    assert_close(h, th.numpy(), np.float64, what="second-order gradient")
    assert mg.gradcheck(lambda a: mg.picked_log_softmax(a, index), [mg.tensor(x, requires_grad=True)])


@pytest.mark.parametrize("call, error, match", [
    (lambda x: mg.picked_log_softmax(x, [0, 5, 1]), IndexError,
     r"index 5 is out of range for 5 classes \(row 1\); expected indices in \[0, 5\)"),
    (lambda x: mg.picked_log_softmax(x, [0, -1, 1]), IndexError, "index -1 is out of range"),
    (lambda x: mg.picked_log_softmax(x, [0, 1]), ValueError,
     r"index of shape \(2,\) does not fit logits of shape \(3, 5\); expected \(3,\)"),
    (lambda x: mg.picked_log_softmax(x, [0.0, 1.0, 2.0]), TypeError, "must hold integers"),
    (lambda x: mg.picked_log_softmax(x.reshape(15), [0]), ValueError, r"expected \(N, C\) logits"),
    (lambda x: mg.picked_log_softmax(x, mg.tensor([0, 1, 2], backend="strict")), ValueError,
     "index is on backend 'strict' and the logits on 'numpy'"),
])
def test_bad_input_is_named_and_changes_nothing(call, error, match):
    x = mg.tensor(np.zeros((3, 5)), requires_grad=True)
    with pytest.raises(error, match=match):
        call(x)
    assert x.grad is None


@pytest.mark.parity
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("use_compiled", [False, True])
def test_cross_entropy_through_it_matches_torch(monkeypatch, torch, reduction, use_compiled):
    """Index targets (with ignored positions and class weights): cross_entropy picks from
    the logits, and no (N, C) log-probabilities are made (no LogSoftmax node)."""
    x, index = logits_and_index(F32, rows=12, classes=40)
    index[[2, 7]] = -100
    weight = np.random.default_rng(3).uniform(0.5, 2.0, size=40).astype(F32)
    monkeypatch.setattr(compiled, "enabled", use_compiled)
    monkeypatch.setattr(compiled, "threshold", 64)
    for w in (None, weight):
        logits = mg.tensor(x, requires_grad=True)
        loss = nn.functional.cross_entropy(logits, mg.tensor(index), reduction=reduction,
                                           weight=None if w is None else mg.tensor(w))
        names = set()
        stack = [loss.grad_fn]
        while stack:
            node = stack.pop()
            names.add(node.op_name)
            stack += [t.grad_fn for t in node.inputs if t.grad_fn is not None]
        assert "PickedLogSoftmax" in names and "LogSoftmax" not in names
        (loss.sum() if reduction == "none" else loss).backward()
        t = torch.tensor(x, requires_grad=True)
        expected = torch.nn.functional.cross_entropy(
            t, torch.tensor(index), reduction=reduction, weight=None if w is None else torch.tensor(w))
        (expected.sum() if reduction == "none" else expected).backward()
        assert_close(loss, expected.detach().numpy(), F32)
        assert_close(logits.grad, t.grad.numpy(), F32, what="gradient")
