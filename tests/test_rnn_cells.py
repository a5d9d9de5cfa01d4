"""The cells: PyTorch's RNNCell/GRUCell/LSTMCell to float64 precision, and the course's
variants (minimal GRU, peephole LSTM) against their formulas written out in NumPy."""
import itertools

import numpy as np
import pytest
from helpers import assert_close, host

import minigrad as mg
import nn

F64 = np.float64
INPUT, HIDDEN, BATCH = 3, 4, 2
CELLS = [("RNNCell", {"nonlinearity": "tanh"}), ("RNNCell", {"nonlinearity": "relu"}),
         ("GRUCell", {}), ("LSTMCell", {})]


def make_pair(torch, name, options, bias, backend, fused=False):
    theirs = getattr(torch.nn, name)(INPUT, HIDDEN, bias=bias, **options).double()
    ours = getattr(nn, name)(INPUT, HIDDEN, bias=bias, **options, fused=fused, dtype="float64",
                             backend=backend)
    ours.load_state_dict({key: value.detach().numpy() for key, value in theirs.state_dict().items()})
    return ours, theirs


@pytest.mark.parity
@pytest.mark.parametrize("name,options", CELLS, ids=["rnn_tanh", "rnn_relu", "gru", "lstm"])
@pytest.mark.parametrize("bias,with_state,batched", list(itertools.product([True, False], repeat=3)))
@pytest.mark.parametrize("fused", [False, True], ids=["unfused", "fused"])
def test_cell_matches_torch(torch, backend, name, options, bias, with_state, batched, fused):
    ours, theirs = make_pair(torch, name, options, bias, backend, fused)
    lead = (BATCH,) if batched else ()
    rng = np.random.default_rng(0)
    x = rng.normal(size=lead + (INPUT,))
    parts = 2 if name == "LSTMCell" else 1
    states = [rng.normal(size=lead + (HIDDEN,)) for _ in range(parts)] if with_state else []
    x_mg = mg.tensor(x, backend=backend, requires_grad=True)
    x_torch = torch.tensor(x, requires_grad=True)
    states_mg = [mg.tensor(s, backend=backend, requires_grad=True) for s in states]
    states_torch = [torch.tensor(s, requires_grad=True) for s in states]
    pack = (lambda parts: tuple(parts) if parts else None) if parts == 2 else (lambda parts: parts[0] if parts else None)
    new = ours(x_mg, pack(states_mg))
    expected = theirs(x_torch, pack(states_torch))
    new, expected = (list(new), list(expected)) if parts == 2 else ([new], [expected])
    weights = [rng.uniform(0.5, 1.5, size=lead + (HIDDEN,)) for _ in new]
    for ours_part, their_part in zip(new, expected):
        assert ours_part.backend == backend
        assert_close(ours_part, their_part, F64, what="next state")
    sum((p * mg.tensor(w, backend=backend)).sum() for p, w in zip(new, weights)).backward()
    sum((p * torch.tensor(w)).sum() for p, w in zip(expected, weights)).backward()
    their_params = dict(theirs.named_parameters())
    assert [key for key, _ in ours.named_parameters()] == list(their_params)
    for key, param in ours.named_parameters():
        assert_close(param.grad, their_params[key].grad, F64, what=f"grad of {key}")
    assert_close(x_mg.grad, x_torch.grad, F64, what="grad of x")
    for i, (ours_state, their_state) in enumerate(zip(states_mg, states_torch)):
        assert_close(ours_state.grad, their_state.grad, F64, what=f"grad of state {i}")


@pytest.mark.parity
@pytest.mark.parametrize("name,options", CELLS, ids=["rnn_tanh", "rnn_relu", "gru", "lstm"])
def test_our_cell_weights_load_into_torch(torch, name, options):
    mg.manual_seed(3)
    ours = getattr(nn, name)(INPUT, HIDDEN, **options, dtype="float64")
    theirs = getattr(torch.nn, name)(INPUT, HIDDEN, **options).double()
    theirs.load_state_dict({key: torch.tensor(host(value)) for key, value in ours.state_dict().items()})
    x = np.random.default_rng(1).normal(size=(BATCH, INPUT))
    new, expected = ours(mg.tensor(x)), theirs(torch.tensor(x))
    assert_close(ours.output(new), expected[0] if name == "LSTMCell" else expected, F64)


@pytest.mark.parametrize("name,gates", [("RNNCell", 1), ("GRUCell", 3), ("LSTMCell", 4)])
def test_cell_parameters_and_default_init(name, gates):
    cell = getattr(nn, name)(5, 16)
    shapes = {key: tuple(p.shape) for key, p in cell.named_parameters()}
    assert shapes == {"weight_ih": (gates * 16, 5), "weight_hh": (gates * 16, 16),
                      "bias_ih": (gates * 16,), "bias_hh": (gates * 16,)}
    values = np.concatenate([host(p).ravel() for p in cell.parameters()])
    bound = 1 / np.sqrt(16)
    assert values.min() >= -bound and values.max() <= bound
    assert values.min() < -0.9 * bound and values.max() > 0.9 * bound
    assert abs(values.mean()) < 0.25 * bound


# -- the course's variants, against their formulas in NumPy -------------------------------

def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def test_minimal_gru_follows_the_course_formula(backend):
    cell = nn.GRUCell(INPUT, HIDDEN, variant="minimal", dtype="float64", backend=backend)
    shapes = {key: tuple(p.shape) for key, p in cell.named_parameters()}
    assert shapes == {"weight_ih": (2 * HIDDEN, INPUT), "weight_hh": (2 * HIDDEN, HIDDEN),
                      "bias_ih": (2 * HIDDEN,), "bias_hh": (2 * HIDDEN,)}
    rng = np.random.default_rng(2)
    x, c_prev = rng.normal(size=(BATCH, INPUT)), rng.normal(size=(BATCH, HIDDEN))
    w_ih, w_hh, b_ih, b_hh = (host(p) for p in (cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh))
    # c~ = tanh(W_c[c_prev, x] + b_c), u = σ(W_u[c_prev, x] + b_u), rows in the order u, c~
    pre = x @ w_ih.T + c_prev @ w_hh.T + b_ih + b_hh
    update, candidate = sigmoid(pre[:, :HIDDEN]), np.tanh(pre[:, HIDDEN:])
    expected = update * candidate + (1 - update) * c_prev
    assert_close(cell(mg.tensor(x, backend=backend), mg.tensor(c_prev, backend=backend)), expected, F64)


def test_peephole_lstm_follows_its_formula(backend):
    cell = nn.LSTMCell(INPUT, HIDDEN, peephole=True, dtype="float64", backend=backend)
    assert [key for key, _ in cell.named_parameters()] == [
        "weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_ci", "weight_cf", "weight_co"]
    assert all(tuple(getattr(cell, key).shape) == (HIDDEN,) for key in ("weight_ci", "weight_cf", "weight_co"))
    rng = np.random.default_rng(3)
    x, h, c = rng.normal(size=(BATCH, INPUT)), rng.normal(size=(BATCH, HIDDEN)), rng.normal(size=(BATCH, HIDDEN))
    params = {key: host(p) for key, p in cell.named_parameters()}
    pre = x @ params["weight_ih"].T + h @ params["weight_hh"].T + params["bias_ih"] + params["bias_hh"]
    i, f, g, o = np.split(pre, 4, axis=1)
    i = sigmoid(i + params["weight_ci"] * c)
    f = sigmoid(f + params["weight_cf"] * c)
    c_new = f * c + i * np.tanh(g)
    o = sigmoid(o + params["weight_co"] * c_new)
    h_new = o * np.tanh(c_new)
    got_h, got_c = cell(mg.tensor(x, backend=backend), (mg.tensor(h, backend=backend), mg.tensor(c, backend=backend)))
    assert_close(got_h, h_new, F64)
    assert_close(got_c, c_new, F64)


@pytest.mark.parity
def test_peephole_lstm_with_zero_peepholes_is_torchs_lstm(torch):
    theirs = torch.nn.LSTMCell(INPUT, HIDDEN).double()
    cell = nn.LSTMCell(INPUT, HIDDEN, peephole=True, dtype="float64")
    cell.load_state_dict({**{k: v.numpy() for k, v in theirs.state_dict().items()},
                          **{k: np.zeros(HIDDEN) for k in ("weight_ci", "weight_cf", "weight_co")}})
    x = np.random.default_rng(4).normal(size=(BATCH, INPUT))
    h, c = cell(mg.tensor(x))
    expected_h, expected_c = theirs(torch.tensor(x))
    assert_close(h, expected_h, F64)
    assert_close(c, expected_c, F64)


def test_forget_bias_sets_the_forget_gate_bias_only():
    cell = nn.LSTMCell(INPUT, HIDDEN, forget_bias=1.0)
    b_ih, b_hh = host(cell.bias_ih), host(cell.bias_hh)
    forget = slice(HIDDEN, 2 * HIDDEN)
    assert np.all(b_ih[forget] == 1.0) and np.all(b_hh[forget] == 0.0)
    others = np.concatenate([b_ih[:HIDDEN], b_ih[2 * HIDDEN:], b_hh[:HIDDEN], b_hh[2 * HIDDEN:]])
    assert np.all(np.abs(others) <= 1 / np.sqrt(HIDDEN)) and len(np.unique(others)) == others.size
    # the total bias of Γf is forget_bias: with zero weights and input, Γf = σ(1)
    with mg.no_grad():
        for weight in (cell.weight_ih, cell.weight_hh):
            weight.data = mg.zeros_like(weight).data
    _, c = cell(mg.zeros(1, INPUT), (mg.zeros(1, HIDDEN), mg.ones(1, HIDDEN)))
    input_gate = sigmoid(b_ih[:HIDDEN] + b_hh[:HIDDEN])
    candidate = np.tanh(b_ih[2 * HIDDEN:3 * HIDDEN] + b_hh[2 * HIDDEN:3 * HIDDEN])
    assert_close(c, (sigmoid(1.0) + input_gate * candidate)[None], np.float32)


def test_cell_output_is_h():
    h, c = mg.ones(2, 3), mg.zeros(2, 3)
    assert nn.LSTMCell.output((h, c)) is h
    assert nn.GRUCell.output(h) is h


@pytest.mark.parametrize("fused", [False, True], ids=["unfused", "fused"])
def test_cell_steps_can_be_chained_by_hand_as_in_the_course(backend, fused):
    """a<t> = cell(x<t>, a<t-1>) written as a Python loop equals nn.Recurrent."""
    cell = nn.LSTMCell(INPUT, HIDDEN, fused=fused, dtype="float64", backend=backend)
    x = mg.tensor(np.random.default_rng(5).normal(size=(6, BATCH, INPUT)), backend=backend)
    state, outputs = None, []
    for t in range(6):
        state = cell(x[t], state)
        outputs.append(state[0])
    output, (h, c) = nn.Recurrent(cell)(x)
    assert_close(output, mg.stack(outputs), F64)
    assert_close(h, state[0], F64)
    assert_close(c, state[1], F64)
