"""The building blocks Recurrent, Bidirectional and Stack: any cell that follows the
protocol (the course's variants, a user's own) gets BPTT, both directions and depth,
with gradients checked against finite differences in float64."""
import numpy as np
import pytest
from helpers import assert_close, host, picture_nodes

import minigrad as mg
import nn

F64 = np.float64
INPUT, HIDDEN = 2, 3


class MemoryCell(nn.Module):
    """A user's cell with a two-part state of different widths: (h, running total).

    h<t> = tanh(W x<t> + U (g * h<t-1>) + m<t-1>), m<t> = m<t-1> + mean(h<t>)
    """

    def __init__(self, input_size, hidden_size, dtype="float64"):
        super().__init__()
        self.input_size, self.hidden_size = input_size, hidden_size
        rng = np.random.default_rng(input_size * 10 + hidden_size)
        self.w = nn.Parameter(rng.normal(size=(hidden_size, input_size)) * 0.5, dtype=dtype)
        self.u = nn.Parameter(rng.normal(size=(hidden_size, hidden_size)) * 0.5, dtype=dtype)
        self.gain = nn.Parameter(rng.uniform(0.5, 1.5, size=hidden_size), dtype=dtype)

    def forward(self, x, state=None):
        if state is None:
            state = (mg.zeros(x.shape[0], self.hidden_size, dtype=x.dtype, backend=x.backend),
                     mg.zeros(x.shape[0], 1, dtype=x.dtype, backend=x.backend))
        h, total = state
        h = (x @ self.w.T + (self.gain * h) @ self.u.T + total).tanh()
        return h, total + h.mean(axis=1, keepdims=True)


class TinyCell(nn.Module):
    """The smallest user cell: a Tensor state, h<t> = tanh(W x<t> + U h<t-1>)."""

    def __init__(self, input_size, hidden_size, dtype="float64"):
        super().__init__()
        self.input_size, self.hidden_size = input_size, hidden_size
        rng = np.random.default_rng(7)
        self.w = nn.Parameter(rng.normal(size=(hidden_size, input_size)), dtype=dtype)
        self.u = nn.Parameter(rng.normal(size=(hidden_size, hidden_size)) * 0.5, dtype=dtype)

    def forward(self, x, state=None):
        pre = x @ self.w.T
        return (pre if state is None else pre + state @ self.u.T).tanh()


class LeakyCell(nn.RecurrentCell):
    """A user's gated cell written as a RecurrentCell subclass: only `step` is new, so the
    input projection of the whole sequence comes for free.

    λ = σ(W_λ[a<t-1>, x<t>] + b_λ), a<t> = λ * tanh(W_a[a<t-1>, x<t>] + b_a) + (1 - λ) * a<t-1>
    """

    def __init__(self, input_size, hidden_size):
        super().__init__(input_size, hidden_size, bias=True, gates=2, dtype="float64")
        self.reset_parameters()

    def step(self, projected, h):
        if h is None:
            h = self.zero_state(projected)
        leak, candidate = mg.chunk(projected + h @ self.weight_hh.T, 2, axis=1)
        leak = leak.sigmoid()
        return leak * candidate.tanh() + (1 - leak) * h


CELL_FACTORIES = {
    "minimal_gru": lambda i, h: nn.GRUCell(i, h, variant="minimal", dtype="float64"),
    "peephole_lstm": lambda i, h: nn.LSTMCell(i, h, peephole=True, dtype="float64"),
    "user_memory_cell": lambda i, h: MemoryCell(i, h),
    "user_tiny_cell": lambda i, h: TinyCell(i, h),
    "user_gated_cell": lambda i, h: LeakyCell(i, h),
    "fused_lstm": lambda i, h: nn.LSTMCell(i, h, fused=True, dtype="float64"),
    "fused_gru": lambda i, h: nn.GRUCell(i, h, fused=True, dtype="float64"),
    "fused_rnn": lambda i, h: nn.RNNCell(i, h, fused=True, dtype="float64"),
    "fused_rnn_relu": lambda i, h: nn.RNNCell(i, h, nonlinearity="relu", fused=True, dtype="float64"),
}


def build(block, factory):
    if block == "recurrent":
        return nn.Recurrent(factory(INPUT, HIDDEN))
    if block == "reverse":
        return nn.Recurrent(factory(INPUT, HIDDEN), reverse=True)
    if block == "bidirectional":
        return nn.Bidirectional(nn.Recurrent(factory(INPUT, HIDDEN)),
                                nn.Recurrent(factory(INPUT, HIDDEN), reverse=True))
    return nn.Stack([
        nn.Bidirectional(nn.Recurrent(factory(INPUT, HIDDEN)), nn.Recurrent(factory(INPUT, HIDDEN), reverse=True)),
        nn.Recurrent(factory(2 * HIDDEN, HIDDEN)),
    ])


def flatten(state):
    if isinstance(state, (tuple, list)):
        return [t for part in state for t in flatten(part)]
    return [state]


@pytest.mark.parametrize("cell", list(CELL_FACTORIES))
@pytest.mark.parametrize("block", ["recurrent", "reverse", "bidirectional", "stack"])
@pytest.mark.parametrize("lengths", [None, [3, 1]], ids=["full", "lengths"])
def test_gradcheck_through_blocks(cell, block, lengths):
    model = build(block, CELL_FACTORIES[cell])
    x = mg.tensor(np.random.default_rng(0).normal(size=(3, 2, INPUT)), requires_grad=True)

    def run(x, *params):
        output, state = model(x, lengths=lengths)
        return (output, *flatten(state))

    assert mg.gradcheck(run, [x, *model.parameters()])


@pytest.mark.parametrize("cell", list(CELL_FACTORIES))
def test_gradcheck_through_an_initial_state(cell):
    model = nn.Recurrent(CELL_FACTORIES[cell](INPUT, HIDDEN), batch_first=True)
    rng = np.random.default_rng(1)
    x = mg.tensor(rng.normal(size=(2, 4, INPUT)))
    probe = model.cell(mg.zeros(2, INPUT, dtype="float64"))
    hx = [mg.tensor(rng.normal(size=tuple(part.shape)), requires_grad=True) for part in flatten(probe)]
    hx_structure = tuple(hx) if isinstance(probe, tuple) else hx[0]

    def run(*hx_parts):
        output, state = model(x, hx_structure, lengths=[4, 2])
        return (output, *flatten(state))

    assert mg.gradcheck(run, hx)


def manual_loop(cell, x, reverse=False, lengths=None):
    """The course's loop written out by hand: a<t> = cell(x<t>, a<t-1>), padded steps skipped."""
    steps, batch = x.shape[0], x.shape[1]
    lengths = lengths or [steps] * batch
    outputs = np.zeros((steps, batch, cell.hidden_size))
    finals = []
    for b in range(batch):
        state = None
        order = range(lengths[b] - 1, -1, -1) if reverse else range(lengths[b])
        for t in order:
            state = cell(x[t, b:b + 1], state)
            outputs[t, b] = host(state[0] if isinstance(state, tuple) else state)[0]
        finals.append(state)
    return outputs, finals


@pytest.mark.parametrize("cell", list(CELL_FACTORIES))
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("lengths", [None, [5, 2, 3]])
def test_recurrent_equals_the_hand_written_loop(backend, cell, reverse, lengths):
    model = nn.Recurrent(CELL_FACTORIES[cell](INPUT, HIDDEN), reverse=reverse).to(backend)
    x = mg.tensor(np.random.default_rng(2).normal(size=(5, 3, INPUT)), backend=backend)
    output, state = model(x, lengths=lengths)
    expected, finals = manual_loop(model.cell, x, reverse, lengths)
    assert output.backend == backend
    assert_close(output, expected, F64)
    for b, final in enumerate(finals):
        for ours, theirs in zip(flatten(state), flatten(final)):
            assert_close(ours[b], theirs[0], F64)


class ScaledLSTMCell(nn.LSTMCell):
    """A subclass that changes forward only: Recurrent must run this forward."""

    def forward(self, x, state=None):
        h, c = super().forward(x, state)
        return h * 0.5, c


def test_a_subclass_overriding_forward_is_run_through_forward():
    cell = ScaledLSTMCell(INPUT, HIDDEN, dtype="float64")
    x = mg.tensor(np.random.default_rng(3).normal(size=(4, 2, INPUT)))
    output, _ = nn.Recurrent(cell)(x)
    expected, _ = manual_loop(cell, x)
    assert_close(output, expected, F64)
    plain = nn.LSTMCell(INPUT, HIDDEN, dtype="float64")
    plain.load_state_dict(cell.state_dict())
    assert not np.allclose(host(nn.Recurrent(plain)(x)[0]), expected)


def test_batch_first_blocks_agree_with_time_major(backend):
    cell_a, cell_b = nn.GRUCell(INPUT, HIDDEN, backend=backend), nn.GRUCell(INPUT, HIDDEN, backend=backend)
    time_major = nn.Bidirectional(nn.Recurrent(cell_a), nn.Recurrent(cell_b, reverse=True))
    batch_major = nn.Bidirectional(nn.Recurrent(cell_a, batch_first=True),
                                   nn.Recurrent(cell_b, reverse=True, batch_first=True))
    assert batch_major.batch_first and not time_major.batch_first
    x = mg.tensor(np.random.default_rng(4).normal(size=(5, 3, INPUT)), backend=backend, dtype="float32")
    output, (forward_state, backward_state) = time_major(x, lengths=[5, 1, 4])
    output_bf, (forward_bf, backward_bf) = batch_major(x.swapaxes(0, 1), lengths=[5, 1, 4])
    assert tuple(output_bf.shape) == (3, 5, 2 * HIDDEN)
    assert_close(output_bf.swapaxes(0, 1), output, np.float32)
    assert_close(forward_bf, forward_state, np.float32)
    assert_close(backward_bf, backward_state, np.float32)


def test_stack_returns_every_layers_state_and_takes_them_back():
    stack = nn.Stack([nn.Recurrent(nn.LSTMCell(INPUT, HIDDEN)), nn.Recurrent(nn.GRUCell(HIDDEN, 5))])
    x = mg.randn(4, 2, INPUT)
    output, states = stack(x)
    assert tuple(output.shape) == (4, 2, 5)
    assert isinstance(states, list) and len(states) == 2
    assert isinstance(states[0], tuple) and tuple(states[1].shape) == (2, 5)
    # continuing from the returned states equals running the concatenated sequence
    more = mg.randn(3, 2, INPUT)
    continued, _ = stack(more, states)
    whole, _ = stack(mg.cat([x, more], axis=0))
    assert_close(continued, whole[4:], np.float32)


def test_stack_dropout_only_between_layers_and_only_in_training():
    seen = []

    class Recorder(nn.Module):
        input_size = output_size = HIDDEN

        def forward(self, x, hx=None, lengths=None):
            seen.append(host(x))
            return x, None

    stack = nn.Stack([nn.Recurrent(nn.RNNCell(INPUT, HIDDEN)), Recorder()], dropout=0.5)
    x = mg.randn(20, 8, INPUT)
    stack.eval()
    output, _ = stack(x)
    clean = seen[-1]
    assert np.array_equal(host(output), clean)
    stack.train()
    stack(x)
    dropped = seen[-1]
    zeroed = dropped == 0
    assert 0.3 < zeroed.mean() < 0.7
    assert_close(dropped[~zeroed], 2 * clean[~zeroed], np.float32)  # survivors scaled by 1/(1-p)


def test_blocks_work_on_the_strict_backend_with_lengths():
    model = nn.Stack([
        nn.Bidirectional(nn.Recurrent(nn.LSTMCell(INPUT, HIDDEN, peephole=True)),
                         nn.Recurrent(nn.GRUCell(INPUT, HIDDEN, variant="minimal"), reverse=True)),
        nn.Recurrent(TinyCell(2 * HIDDEN, HIDDEN, dtype="float32")),
    ], dropout=0.2).to("strict")
    x = mg.randn(5, 3, INPUT, backend="strict", requires_grad=True)
    output, _ = model(x, lengths=mg.tensor([5, 2, 3], backend="strict"))
    (output * output).sum().backward()
    assert output.backend == "strict" and x.grad is not None
    assert all(p.grad is not None and mg.get_array_module(p.grad) is mg.get_array_module(x.data)
               for p in model.parameters())


# -- structure: the speed design and the scopes the graph pictures use --------------------

def graph_nodes(root):
    return set(picture_nodes(root))  # a fused layer's node as its steps, as pictures see it


@pytest.mark.parametrize("cell", ["RNNCell", "GRUCell", "LSTMCell", "LeakyCell"])
def test_one_input_matmul_per_sequence_and_one_recurrent_matmul_per_step(cell):
    steps = 6
    layer = nn.Recurrent(LeakyCell(INPUT, HIDDEN) if cell == "LeakyCell" else getattr(nn, cell)(INPUT, HIDDEN))
    output, _ = layer(mg.randn(steps, 2, INPUT), mg.randn(2, HIDDEN) if cell != "LSTMCell"
                      else (mg.randn(2, HIDDEN), mg.randn(2, HIDDEN)))
    matmuls = [node for node in graph_nodes(output.sum()) if node.op_name == "MatMul"]
    per_step = [node for node in matmuls if node._scope and node._scope[-1].kind == "step"]
    outside = [node for node in matmuls if node not in per_step]
    assert len(outside) == 1 and outside[0]._scope == (mg.ScopeEntry("direction", "forward"),)
    assert tuple(outside[0].inputs[0].shape) == (steps * 2, INPUT)  # the whole sequence at once
    assert sorted(node._scope[-1].index for node in per_step) == list(range(steps))


@pytest.mark.parametrize("fused", [True, False])
def test_scopes_name_layer_direction_and_real_time_step(fused):
    lstm = nn.LSTM(INPUT, HIDDEN, num_layers=2, bidirectional=True, fused=fused)
    output, _ = lstm(mg.randn(3, 1, INPUT))
    scopes = {tuple(map(str, node._scope)) for node in graph_nodes(output.sum())}
    kinds = {tuple(e.kind for e in node._scope) for node in graph_nodes(output.sum())}
    for layer in ("layer0", "layer1"):
        for direction in ("forward", "reverse"):
            for t in range(3):
                assert (layer, direction, f"t={t}") in scopes
    assert ("layer", "direction", "step") in kinds
    assert not any(len(scope) > 3 for scope in scopes)
    # the reverse direction runs t=2 first: its t=2 step starts from the initial state
    # (fused: one LSTMStep node per step, taking (x<t> projected, h, c, W_hh))
    step_op, h_input = ("LSTMStep", 1) if fused else ("MatMul", 0)
    reverse_first = [node for node in graph_nodes(output.sum())
                     if tuple(map(str, node._scope)) == ("layer0", "reverse", "t=2")
                     and node.op_name == step_op]
    assert len(reverse_first) == 1 and reverse_first[0].inputs[h_input]._creator is None


def test_wrappers_refuse_cells_and_mismatched_layers():
    with pytest.raises(TypeError, match="Recurrent"):
        nn.Bidirectional(nn.GRUCell(2, 3), nn.GRUCell(2, 3))
    with pytest.raises(TypeError, match=r"Stack\(\[Recurrent"):
        nn.Stack([nn.GRUCell(2, 3)])
    with pytest.raises(ValueError, match="reverse=True"):
        nn.Bidirectional(nn.Recurrent(nn.GRUCell(2, 3)), nn.Recurrent(nn.GRUCell(2, 3)))
    with pytest.raises(ValueError, match="batch_first"):
        nn.Bidirectional(nn.Recurrent(nn.GRUCell(2, 3)), nn.Recurrent(nn.GRUCell(2, 3), reverse=True, batch_first=True))
    with pytest.raises(ValueError, match="layer 0 outputs 6 features per step but layer 1 expects input_size=3"):
        nn.Stack([nn.Bidirectional(nn.Recurrent(nn.GRUCell(2, 3)), nn.Recurrent(nn.GRUCell(2, 3), reverse=True)),
                  nn.Recurrent(nn.GRUCell(3, 3))])
    with pytest.raises(TypeError, match="input_size"):
        nn.Recurrent(nn.Linear(2, 3))
