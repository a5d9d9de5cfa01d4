"""Backpropagation through time on the graph: long sequences, linear memory, and
truncated BPTT by detaching the carried state."""
import collections
import tracemalloc

import numpy as np
import pytest
from helpers import assert_close, host

import minigrad as mg
import nn


def test_bptt_over_ten_thousand_steps():
    layer = nn.RNN(2, 4)
    x = mg.randn(10_000, 2, 2)
    output, h_n = layer(x)
    loss = output[0].sum() + h_n.sum()  # the first step's output needs the whole backward sweep
    loss.backward()
    for name, param in layer.named_parameters():
        assert param.grad is not None and np.isfinite(host(param.grad)).all(), name
    assert np.abs(host(layer.weight_ih_l0.grad)).sum() > 0


def bptt_peak_bytes(steps):
    """Peak memory of forward and backward through an RNN over `steps` steps (tracemalloc
    sees NumPy's buffers as well as the Python objects of the graph)."""
    layer = nn.RNN(2, 4)
    x = mg.randn(steps, 2, 2)
    tracemalloc.start()
    try:
        output, h_n = layer(x)
        (output.sum() + h_n.sum()).backward()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_grows_linearly_with_the_sequence_length():
    short, long = bptt_peak_bytes(300), bptt_peak_bytes(1_200)
    ratio = long / short
    assert 2.5 < ratio < 6, f"4x the steps took {ratio:.1f}x the memory ({short} -> {long} bytes)"


def test_truncated_bptt_carries_values_but_not_gradients(backend):
    mg.set_default_dtype("float64")
    layer = nn.LSTM(3, 4, num_layers=2, backend=backend)
    sequence = mg.tensor(np.random.default_rng(0).normal(size=(12, 2, 3)), backend=backend)
    first, second = sequence[:6], sequence[6:]

    _, state = layer(first)
    carried = nn.utils.detach_state(state)
    output, _ = layer(second, carried)
    output.sum().backward()
    truncated = {name: host(p.grad) for name, p in layer.named_parameters()}

    # the same chunk from the same values, given as fresh constants: identical gradients
    layer.zero_grad()
    constants = tuple(mg.tensor(host(part), backend=backend) for part in state)
    again, _ = layer(second, constants)
    again.sum().backward()
    for name, param in layer.named_parameters():
        assert_close(param.grad, truncated[name], np.float64, what=name)
    assert_close(again, output, np.float64)

    # full BPTT through both chunks gives the same output but other gradients
    layer.zero_grad()
    whole, _ = layer(sequence)
    assert_close(whole[6:], output, np.float64)
    whole[6:].sum().backward()
    assert not np.allclose(host(layer.weight_hh_l0.grad), truncated["weight_hh_l0"])


def test_a_second_backward_through_a_carried_state_says_to_detach_it():
    layer = nn.GRU(3, 4)
    chunks = mg.randn(2, 5, 2, 3)
    output, h = layer(chunks[0])
    output.sum().backward()
    output, h = layer(chunks[1], h)  # forgot to detach h
    with pytest.raises(RuntimeError, match="detach"):
        output.sum().backward()


def test_detach_state_keeps_structure_and_values():
    h = mg.randn(2, 3, requires_grad=True) * 2
    c = mg.randn(2, 3, requires_grad=True) * 3
    Pair = collections.namedtuple("Pair", "h c")
    state = [(h, c), None, (h, (c,)), Pair(h, c), [h]]
    detached = nn.utils.detach_state(state)
    assert isinstance(detached, list) and len(detached) == 5
    assert isinstance(detached[0], tuple) and detached[1] is None
    assert isinstance(detached[3], Pair) and isinstance(detached[4], list)
    leaves = [detached[0][0], detached[0][1], detached[2][0], detached[2][1][0], detached[3].c, detached[4][0]]
    originals = [h, c, h, c, c, h]
    for leaf, original in zip(leaves, originals):
        assert leaf.is_leaf and not leaf.requires_grad
        assert np.array_equal(host(leaf), host(original))
    assert nn.utils.detach_state(None) is None
    with pytest.raises(TypeError, match="detach_state"):
        nn.utils.detach_state({"h": h})
