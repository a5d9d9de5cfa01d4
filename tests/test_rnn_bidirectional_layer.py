"""Both directions of a bidirectional layer in one node (nn/recurrent/bidirectional_layer.py),
run side by side on two threads (minigrad/parallel.py) or one after the other: the same
numbers either way, and those of the step nodes; nothing left behind when it fails."""
import threading

import numpy as np
import pytest
from helpers import assert_close, host, picture_nodes

import minigrad as mg
import nn
from minigrad import parallel as threads
from minigrad.strict_backend import strict_xp
from minigrad.walk import consumers_first, input_nodes
from nn.recurrent import kernels
from nn.recurrent.bidirectional_layer import BidirectionalLayer
from nn.recurrent.layers import LSTMLayer


@pytest.fixture(params=["side_by_side", "one_after_the_other"])
def mode(request, monkeypatch):
    """Both ways of running the two directions, whatever this machine's BLAS allows."""
    monkeypatch.setattr(threads, "two_threads",
                        lambda xp: request.param == "side_by_side" and xp is np)
    if request.param == "side_by_side":
        monkeypatch.setattr(threads, "_numpy_blas", lambda: _FakeBLAS())
    return request.param


class _FakeBLAS:
    """Stands in for threadpoolctl's controller: records what side_by_side sets."""

    def __init__(self):
        self.num_threads = 2
        self.set_to = []

    def set_num_threads(self, n):
        self.set_to.append(n)
        self.num_threads = n


def _mixed(dtype="float64"):
    """A bidirectional layer whose directions are different cells (an LSTM and a GRU)."""
    mg.manual_seed(0)
    return nn.Bidirectional(nn.Recurrent(nn.LSTMCell(3, 4, dtype=dtype, fused=True)),
                            nn.Recurrent(nn.GRUCell(3, 5, dtype=dtype, fused=True), reverse=True))


def _train_step(model, x, hx=None):
    model.zero_grad()
    x = x.detach().requires_grad_()
    output, state = model(x, hx)
    leaves = [s for part in state for s in (part if isinstance(part, tuple) else (part,))]
    loss = (output * output).sum() + sum((s * s).sum() for s in leaves)
    loss.backward()
    grads = {name: host(p.grad) for name, p in model.named_parameters()}
    grads["x"] = host(x.grad)
    return host(output), grads


@pytest.mark.parametrize("batch_first", [False, True])
def test_two_different_cells_in_one_node_match_their_step_nodes(mode, monkeypatch, batch_first):
    model = _mixed()
    for layer in (model.forward_layer, model.backward_layer):
        layer.batch_first = batch_first
    x = mg.tensor(np.random.default_rng(0).normal(size=(6, 2, 3)))
    output, _ = model(x)
    nodes = {node.op_name for node in consumers_first([output.grad_fn], input_nodes)}
    assert "BidirectionalLayer" in nodes and "LSTMLayer" not in nodes
    values, grads = _train_step(model, x)
    monkeypatch.setattr(kernels, "layers_enabled", False)  # one node per step instead
    expected_values, expected_grads = _train_step(model, x)
    assert_close(values, expected_values, np.float64)
    assert grads.keys() == expected_grads.keys()
    for name in grads:
        assert_close(grads[name], expected_grads[name], np.float64, what=name)


def test_side_by_side_gives_the_bits_of_one_after_the_other(monkeypatch):
    mg.manual_seed(0)
    model = nn.LSTM(3, 4, num_layers=2, bidirectional=True)  # float32, compiled gates
    x = mg.tensor(np.random.default_rng(1).normal(size=(7, 3, 3)).astype(np.float32))
    results = {}
    for name in ("side_by_side", "one_after_the_other"):
        monkeypatch.setattr(threads, "two_threads", lambda xp, on=name == "side_by_side": on)
        if name == "side_by_side":
            monkeypatch.setattr(threads, "_numpy_blas", lambda: _FakeBLAS())
        results[name] = _train_step(model, x)
    (values, grads), (expected_values, expected_grads) = results.values()
    np.testing.assert_array_equal(values, expected_values)
    for key in grads:
        np.testing.assert_array_equal(grads[key], expected_grads[key], err_msg=key)


def test_the_reverse_direction_runs_on_a_second_thread_with_one_blas_thread(monkeypatch):
    blas = _FakeBLAS()
    monkeypatch.setattr(threads, "_numpy_blas", lambda: blas)
    seen = {}

    def record(name):
        def run():
            seen[name] = (threading.get_ident(), blas.num_threads)
            return name
        return run

    assert threads.side_by_side(np, record("first"), record("second")) == ("first", "second")
    assert seen["first"][0] == threading.get_ident() != seen["second"][0]
    assert seen["first"][1] == seen["second"][1] == 1
    assert blas.num_threads == 2 and blas.set_to == [1, 2]  # the user's count is back
    # one BLAS thread allowed, or another backend: one after the other, here
    blas.num_threads = 1
    seen.clear()
    threads.side_by_side(np, record("first"), record("second"))
    assert seen["first"][0] == seen["second"][0] == threading.get_ident()
    assert not threads.two_threads(strict_xp)  # nor on any backend but NumPy


def test_a_failure_in_either_direction_is_raised_and_restores_blas(monkeypatch):
    blas = _FakeBLAS()
    monkeypatch.setattr(threads, "_numpy_blas", lambda: blas)
    ran = []

    def fails():
        raise ValueError("the reverse direction failed")

    with pytest.raises(ValueError, match="reverse direction failed"):
        threads.side_by_side(np, lambda: ran.append("first"), fails)
    assert ran == ["first"] and blas.num_threads == 2  # the first finished; BLAS restored
    with pytest.raises(ValueError, match="reverse direction failed"):
        threads.side_by_side(np, fails, lambda: ran.append("second"))
    assert ran == ["first", "second"] and blas.num_threads == 2  # both stopped before raising
    assert threads._one_pair_at_a_time.acquire(blocking=False)  # the lock was released
    threads._one_pair_at_a_time.release()


def test_a_failed_forward_records_nothing_and_changes_no_parameter(mode, monkeypatch):
    model = _mixed()
    before = {name: host(p).copy() for name, p in model.named_parameters()}
    x = mg.randn(4, 2, 3, dtype="float64", requires_grad=True)

    def broken(ctx, *arrays, **options):
        raise RuntimeError("gate kernel failed")

    monkeypatch.setattr(LSTMLayer, "forward", staticmethod(broken))
    with pytest.raises(RuntimeError, match="gate kernel failed"):
        model(x)
    assert x.grad is None
    for name, p in model.named_parameters():
        np.testing.assert_array_equal(host(p), before[name])
        assert p.grad is None


def test_freeing_the_node_frees_both_directions_and_pictures_say_so(mode):
    mg.manual_seed(0)
    model = nn.GRU(3, 4, bidirectional=True, dtype="float64")
    output, h = model(mg.randn(5, 2, 3, dtype="float64"))
    pair = output.grad_fn.inputs[0]._creator  # output = cat([a→, a←]) of its outputs
    assert type(pair) is BidirectionalLayer
    steps = [n for n in picture_nodes(output) if n.op_name == "GRUStep"]
    assert len(steps) == 10 and not any(step._freed for step in steps)
    assert all(half._saved for half in pair.halves)
    (output.sum() + h.sum()).backward()
    assert pair._freed and all(half._freed and half._saved == () for half in pair.halves)
    assert all(step._freed for step in steps)
    with pytest.raises(RuntimeError, match="second time"):
        output.sum().backward()


def test_retain_graph_runs_both_directions_again(mode):
    mg.manual_seed(0)
    model = nn.RNN(3, 4, bidirectional=True, dtype="float64")
    x = mg.randn(5, 2, 3, dtype="float64")
    output, _ = model(x)
    loss = (output ** 2).sum()
    loss.backward(retain_graph=True)
    first = {name: host(p.grad).copy() for name, p in model.named_parameters()}
    loss.backward()
    for name, p in model.named_parameters():
        assert_close(host(p.grad), 2 * first[name], np.float64, what=name)


def test_observers_see_the_reverse_steps_first_as_two_layer_nodes_showed_them(mode):
    mg.manual_seed(0)
    model = nn.LSTM(3, 4, bidirectional=True, dtype="float64")
    output, _ = model(mg.randn(3, 2, 3, dtype="float64"))
    seen = []
    with mg.observe_gradients(lambda node, grads: seen.append(
            (node.op_name, tuple(str(s) for s in node._scope[-2:])))):
        (output ** 2).sum().backward()
    steps = [scope for name, scope in seen if name == "LSTMStep"]
    assert steps == [("reverse", f"t={t}") for t in range(3)] + \
        [("forward", f"t={t}") for t in (2, 1, 0)]


@pytest.mark.parametrize("why", ["padded", "subclass"])
def test_layers_it_cannot_see_into_run_as_they_are(why):
    class Logged(nn.Recurrent):
        calls = 0

        def forward(self, x, hx=None, lengths=None):
            Logged.calls += 1
            return super().forward(x, hx, lengths)

    mg.manual_seed(0)
    layer_class = Logged if why == "subclass" else nn.Recurrent
    model = nn.Bidirectional(layer_class(nn.LSTMCell(3, 4, fused=True)),
                             layer_class(nn.LSTMCell(3, 4, fused=True), reverse=True))
    lengths = [4, 2] if why == "padded" else None
    output, _ = model(mg.randn(4, 2, 3, requires_grad=True), lengths=lengths)
    nodes = {node.op_name for node in consumers_first([output.grad_fn], input_nodes)}
    assert "BidirectionalLayer" not in nodes
    assert Logged.calls == (2 if why == "subclass" else 0)
