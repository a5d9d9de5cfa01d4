"""A layer node's weight gradients computed chunk by chunk on a second thread while its
backward time loop runs on (nn/recurrent/layers.py `_Chunks`, minigrad/parallel.py
`background`): the numbers of the step nodes, the same bits with one thread or two, the
work really on another thread with one BLAS thread, and nothing left behind when it fails."""
import threading

import numpy as np
import pytest
from helpers import assert_close, host

import minigrad as mg
import nn
from minigrad import parallel
from nn.recurrent import kernels, layers

KINDS = ["RNN", "GRU", "LSTM"]


class _FakeBLAS:
    """Stands in for threadpoolctl's controller of NumPy's BLAS: records the settings."""

    def __init__(self):
        self.num_threads = 2
        self.set_to = []

    def set_num_threads(self, n):
        self.set_to.append(n)
        self.num_threads = n


@pytest.fixture
def blas(monkeypatch):
    """Two threads allowed, whatever this machine's BLAS; returns the fake controller."""
    fake = _FakeBLAS()
    monkeypatch.setattr(parallel, "two_threads", lambda xp: xp is np)
    monkeypatch.setattr(parallel, "_numpy_blas", lambda: fake)
    return fake


@pytest.fixture
def shares(monkeypatch):
    """(thread id, BLAS threads, steps) of every chunk's share, as computed."""
    seen = []
    original = layers._Chunks._share

    def spy(self, lo, hi):
        seen.append((threading.get_ident(), parallel._numpy_blas().num_threads, (lo, hi)))
        return original(self, lo, hi)

    monkeypatch.setattr(layers._Chunks, "_share", spy)
    return seen


def build(kind, dtype="float64", **options):
    mg.manual_seed(0)
    return getattr(nn, kind)(3, 4, dtype=dtype, **options)


def train_step(layer, x, frozen=(), x_grad=True):
    layer.zero_grad()
    for name, p in layer.named_parameters():
        p.requires_grad_(name not in frozen)
    x = x.detach().requires_grad_(x_grad)
    output, state = layer(x)
    states = list(state) if isinstance(state, tuple) else [state]
    ((output * output).sum() + sum((s * s).sum() for s in states)).backward()
    grads = {name: None if p.grad is None else host(p.grad) for name, p in layer.named_parameters()}
    grads["x"] = None if x.grad is None else host(x.grad)
    return host(output), grads


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("frozen", [(), ("weight_ih_l0", "bias_ih_l0"), ("weight_hh_l0",)])
def test_chunked_gradients_match_the_step_nodes(blas, shares, monkeypatch, kind, frozen):
    layer = build(kind)
    x = mg.tensor(np.random.default_rng(1).normal(size=(9, 3, 3)))
    values, grads = train_step(layer, x, frozen, x_grad=not frozen)
    main = threading.get_ident()
    assert all(threads == 1 for _, threads, _ in shares)  # BLAS on one thread meanwhile
    # the loop runs t = 8 ... 0: three chunks on the other thread as it finishes them, the
    # last one here after the loop
    assert [steps for t, _, steps in shares if t != main] == [(7, 9), (5, 7), (2, 5)]
    assert [steps for t, _, steps in shares if t == main] == [(0, 2)]
    assert blas.num_threads == 2 and blas.set_to[-1] == 2  # the user's count is back
    monkeypatch.setattr(kernels, "layers_enabled", False)  # one node per step instead
    expected_values, expected_grads = train_step(layer, x, frozen, x_grad=not frozen)
    assert_close(values, expected_values, np.float64)
    for name, grad in grads.items():
        assert (grad is None) == (expected_grads[name] is None), name
        if grad is not None:
            assert_close(grad, expected_grads[name], np.float64, what=name)


@pytest.mark.parametrize("kind", KINDS)
def test_a_reverse_layer_hands_over_its_chunks_in_its_own_order(blas, shares, monkeypatch, kind):
    cell = getattr(nn, f"{kind}Cell")(3, 4, dtype="float64", fused=True)
    layer = nn.Recurrent(cell, reverse=True)
    x = mg.tensor(np.random.default_rng(2).normal(size=(8, 2, 3)), requires_grad=True)
    output, _ = layer(x)
    (output ** 2).sum().backward()
    main = threading.get_ident()  # backward runs t = 0 ... 7 here
    assert [steps for t, _, steps in shares if t != main] == [(0, 2), (2, 4), (4, 6)]
    assert [steps for t, _, steps in shares if t == main] == [(6, 8)]
    grads = {name: host(p.grad) for name, p in layer.named_parameters()}
    grads["x"] = host(x.grad)
    monkeypatch.setattr(parallel, "two_threads", lambda xp: False)  # one thread
    layer.zero_grad()
    x.grad = None
    output, _ = layer(x)
    (output ** 2).sum().backward()
    assert len(shares) == 8                                 # the same four, here
    np.testing.assert_array_equal(grads["x"], host(x.grad))
    for name, p in layer.named_parameters():
        np.testing.assert_array_equal(grads[name], host(p.grad), err_msg=name)


@pytest.mark.parametrize("kind", KINDS)
def test_one_thread_or_two_give_the_same_bits(blas, shares, monkeypatch, kind):
    """Without a second thread the same chunks are summed in the same order, here."""
    layer = build(kind, dtype="float32")
    x = mg.tensor(np.random.default_rng(3).normal(size=(12, 5, 3)).astype(np.float32))
    values, grads = train_step(layer, x)
    monkeypatch.setattr(parallel, "two_threads", lambda xp: False)
    shares.clear()
    expected_values, expected_grads = train_step(layer, x)
    assert {t for t, _, _ in shares} == {threading.get_ident()} and len(shares) == 4
    np.testing.assert_array_equal(values, expected_values)
    for name, grad in grads.items():
        assert grad.dtype == np.float32
        np.testing.assert_array_equal(grad, expected_grads[name], err_msg=name)


def test_large_steps_keep_both_blas_threads_for_the_loop(blas, shares, monkeypatch):
    monkeypatch.setattr(layers._Chunks, "largest_step", 4 * 4 * 4 * 3 - 1)  # just below B·4H·H
    layer = build("LSTM")
    train_step(layer, mg.tensor(np.random.default_rng(4).normal(size=(6, 3, 3))))
    assert shares == [] and blas.set_to == []


def test_a_failing_share_is_raised_after_the_thread_stopped(blas, monkeypatch):
    def fails(self, lo, hi):
        if threading.current_thread() is not threading.main_thread():
            raise FloatingPointError("a chunk's share failed")

    monkeypatch.setattr(layers._Chunks, "_share", fails)
    layer = build("GRU")
    before = {name: host(p).copy() for name, p in layer.named_parameters()}
    with pytest.raises(FloatingPointError, match="share failed"):
        train_step(layer, mg.tensor(np.random.default_rng(5).normal(size=(8, 2, 3))))
    assert blas.num_threads == 2                           # BLAS restored
    assert parallel._one_pair_at_a_time.acquire(blocking=False)  # the lock released
    parallel._one_pair_at_a_time.release()
    assert all(p.grad is None for p in layer.parameters())  # no gradient half-written
    for name, p in layer.named_parameters():
        np.testing.assert_array_equal(host(p), before[name])


def test_background_runs_tasks_in_order_on_one_other_thread(blas):
    ran = []
    with parallel.background(np) as worker:
        assert worker is not None and blas.num_threads == 1
        for k in range(5):
            worker.run(lambda k=k: ran.append((k, threading.get_ident())))
    assert [k for k, _ in ran] == list(range(5))
    assert len({t for _, t in ran}) == 1 and ran[0][1] != threading.get_ident()
    assert blas.num_threads == 2
    with parallel.background(np, wanted=False) as worker:
        assert worker is None
    with parallel.background(mg.get_array_module(mg.tensor([1.0], backend="strict").data)) as worker:
        assert worker is None                                 # NumPy only
    with parallel.background(np) as outer, parallel.background(np) as inner:
        assert outer is not None and inner is None             # one pair of threads at a time
