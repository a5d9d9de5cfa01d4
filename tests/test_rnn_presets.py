"""nn.RNN / nn.GRU / nn.LSTM against torch.nn: the same weights in, the same numbers out.

Weights travel as PyTorch exports them (state_dict converted to NumPy), so every
test also checks the parameter names. Each case compares the output, h_n (and
c_n), and the gradients of every parameter, the input and hx, in float64.
"""
import itertools
import warnings

import numpy as np
import pytest
from helpers import assert_close, host

import minigrad as mg
import nn

F64 = np.float64
KINDS = ["RNN", "GRU", "LSTM"]
STEPS, BATCH, FEATURES, HIDDEN = 4, 3, 3, 2
LENGTHS = [4, 1, 3]  # unsorted, with a full-length and a length-1 sequence


@pytest.fixture(params=[True, False], ids=["fused", "unfused"])
def fused(request):
    """Every parity test runs with fused steps (the default) and gate by gate."""
    return request.param


def make_pair(torch, kind, backend, fused=True, **options):
    """Our preset and torch's, with torch's weights loaded into ours."""
    theirs = getattr(torch.nn, kind)(FEATURES, HIDDEN, **options).double()
    ours = getattr(nn, kind)(FEATURES, HIDDEN, **options, fused=fused, dtype="float64",
                             backend=backend)
    ours.load_state_dict({name: value.detach().numpy() for name, value in theirs.state_dict().items()})
    return ours, theirs


def run_torch(torch, module, x, hx, lengths, batch_first):
    if lengths is None:
        return module(x, hx)
    packed = torch.nn.utils.rnn.pack_padded_sequence(
        x, torch.tensor(lengths), batch_first=batch_first, enforce_sorted=False)
    output, state = module(packed, hx)
    total = x.shape[1 if batch_first else 0]
    output, _ = torch.nn.utils.rnn.pad_packed_sequence(output, batch_first=batch_first, total_length=total)
    return output, state


def flat(state):
    return list(state) if isinstance(state, tuple) else [state]


def compare(torch, kind, backend, x, hx, lengths, ours, theirs, batch_first=False, seed=0):
    """Forward both, compare outputs and states, backpropagate a weighted sum, compare grads."""
    x_mg = mg.tensor(x, backend=backend, requires_grad=True)
    x_torch = torch.tensor(x, requires_grad=True)
    hx_mg = hx_torch = None
    if hx is not None:
        hx_mg = [mg.tensor(h, backend=backend, requires_grad=True) for h in hx]
        hx_torch = [torch.tensor(h, requires_grad=True) for h in hx]
    unpack = (lambda parts: tuple(parts)) if kind == "LSTM" else (lambda parts: parts[0])
    output, state = ours(x_mg, None if hx is None else unpack(hx_mg), lengths=lengths)
    expected_output, expected_state = run_torch(
        torch, theirs, x_torch, None if hx is None else unpack(hx_torch), lengths, batch_first)

    assert output.backend == backend
    assert_close(output, expected_output, F64, what="output")
    states, expected_states = flat(state), flat(expected_state)
    assert len(states) == len(expected_states)
    for i, (ours_state, their_state) in enumerate(zip(states, expected_states)):
        assert_close(ours_state, their_state, F64, what=f"final state {i}")

    rng = np.random.default_rng(seed)
    weights = [rng.uniform(0.5, 1.5, size=tuple(t.shape)) for t in [expected_output] + expected_states]
    loss = sum(((t * mg.tensor(w, backend=backend)).sum() for t, w in zip([output] + states, weights)),
               mg.tensor(0.0, dtype="float64", backend=backend))
    their_loss = sum((t * torch.tensor(w)).sum() for t, w in zip([expected_output] + expected_states, weights))
    loss.backward()
    their_loss.backward()

    their_params = dict(theirs.named_parameters())
    assert [name for name, _ in ours.named_parameters()] == list(their_params)
    for name, param in ours.named_parameters():
        assert param.grad is not None, f"{name} got no gradient"
        assert_close(param.grad, their_params[name].grad, F64, what=f"grad of {name}")
    assert_close(x_mg.grad, x_torch.grad, F64, what="grad of the input")
    if hx is not None:
        for i, (ours_h, their_h) in enumerate(zip(hx_mg, hx_torch)):
            assert_close(ours_h.grad, their_h.grad, F64, what=f"grad of hx[{i}]")
    return output, state


GRID = list(itertools.product(KINDS, [1, 2, 3], [False, True], [False, True], [False, True], [False, True]))


@pytest.mark.parity
@pytest.mark.parametrize("kind,num_layers,bidirectional,batch_first,with_hx,with_lengths", GRID)
def test_preset_matches_torch(torch, backend, fused, kind, num_layers, bidirectional, batch_first, with_hx,
                              with_lengths):
    ours, theirs = make_pair(torch, kind, backend, fused=fused, num_layers=num_layers,
                             bidirectional=bidirectional, batch_first=batch_first)
    rng = np.random.default_rng(1)
    shape = (BATCH, STEPS, FEATURES) if batch_first else (STEPS, BATCH, FEATURES)
    x = rng.normal(size=shape)
    rows = num_layers * (2 if bidirectional else 1)
    hx = None
    if with_hx:
        hx = [rng.normal(size=(rows, BATCH, HIDDEN)) for _ in range(2 if kind == "LSTM" else 1)]
    lengths = LENGTHS if with_lengths else None
    output, state = compare(torch, kind, backend, x, hx, lengths, ours, theirs, batch_first)
    directions = 2 if bidirectional else 1
    assert tuple(output.shape) == shape[:2] + (directions * HIDDEN,)
    for part in flat(state):
        assert tuple(part.shape) == (rows, BATCH, HIDDEN)  # never batch-first


@pytest.mark.parity
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("with_hx", [False, True])
def test_rnn_relu_matches_torch(torch, backend, fused, bidirectional, with_hx):
    ours, theirs = make_pair(torch, "RNN", backend, fused=fused, num_layers=2, nonlinearity="relu",
                             bidirectional=bidirectional)
    rng = np.random.default_rng(2)
    rows = 2 * (2 if bidirectional else 1)
    hx = [rng.normal(size=(rows, BATCH, HIDDEN))] if with_hx else None
    compare(torch, "RNN", backend, rng.normal(size=(STEPS, BATCH, FEATURES)), hx, None, ours, theirs)
    compare(torch, "RNN", backend, rng.normal(size=(STEPS, BATCH, FEATURES)), hx, LENGTHS, ours, theirs)


@pytest.mark.parity
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("bias", [True, False])
def test_without_bias_matches_torch(torch, backend, fused, kind, bias):
    ours, theirs = make_pair(torch, kind, backend, fused=fused, num_layers=2, bias=bias, bidirectional=True)
    assert any("bias" in name for name, _ in ours.named_parameters()) == bias
    compare(torch, kind, backend, np.random.default_rng(3).normal(size=(STEPS, BATCH, FEATURES)),
            None, LENGTHS, ours, theirs)


@pytest.mark.parity
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("steps,batch", [(1, 1), (1, 3), (5, 1), (6, 2)])
def test_batch_one_and_length_one(torch, backend, fused, kind, steps, batch):
    ours, theirs = make_pair(torch, kind, backend, fused=fused, num_layers=2, bidirectional=True)
    x = np.random.default_rng(4).normal(size=(steps, batch, FEATURES))
    compare(torch, kind, backend, x, None, None, ours, theirs)
    compare(torch, kind, backend, x, None, [steps] * batch, ours, theirs)


@pytest.mark.parity
@pytest.mark.parametrize("kind", KINDS)
def test_smaller_last_batch(torch, backend, fused, kind):
    """One model, batches of 4 then 2 (hx=None sizes the state from each input)."""
    ours, theirs = make_pair(torch, kind, backend, fused=fused, num_layers=2, batch_first=True)
    rng = np.random.default_rng(5)
    for batch in (4, 2):
        ours.zero_grad()
        theirs.zero_grad()
        compare(torch, kind, backend, rng.normal(size=(batch, STEPS, FEATURES)), None, None, ours,
                theirs, batch_first=True)


@pytest.mark.parity
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_lengths_shorter_than_the_input(torch, backend, fused, kind, bidirectional):
    """max(lengths) < seq_len: the output keeps the input's seq_len, zero-padded."""
    ours, theirs = make_pair(torch, kind, backend, fused=fused, num_layers=2, bidirectional=bidirectional)
    x = np.random.default_rng(6).normal(size=(5, 3, FEATURES))
    output, _ = compare(torch, kind, backend, x, None, [3, 1, 2], ours, theirs)
    assert tuple(output.shape)[:2] == (5, 3)
    assert np.all(host(output)[3:] == 0) and np.all(host(output)[1:, 1] == 0)


@pytest.mark.parity
@pytest.mark.parametrize("form", ["list", "tuple", "numpy", "tensor"])
def test_lengths_accept_lists_arrays_and_integer_tensors(torch, backend, fused, form):
    ours, theirs = make_pair(torch, "LSTM", backend, fused=fused, bidirectional=True)
    lengths = {"list": LENGTHS, "tuple": tuple(LENGTHS), "numpy": np.array(LENGTHS),
               "tensor": mg.tensor(LENGTHS, backend=backend)}[form]
    x = np.random.default_rng(7).normal(size=(STEPS, BATCH, FEATURES))
    output, (h_n, _) = ours(mg.tensor(x, backend=backend), lengths=lengths)
    expected, (expected_h, _) = run_torch(torch, theirs, torch.tensor(x), None, LENGTHS, False)
    assert_close(output, expected, F64)
    assert_close(h_n, expected_h, F64)


@pytest.mark.parity
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("with_hx", [False, True])
def test_unbatched_input_matches_torch(torch, backend, fused, kind, with_hx):
    ours, theirs = make_pair(torch, kind, backend, fused=fused, num_layers=2, bidirectional=True)
    rng = np.random.default_rng(8)
    x = rng.normal(size=(STEPS, FEATURES))
    hx = [rng.normal(size=(4, HIDDEN)) for _ in range(2 if kind == "LSTM" else 1)] if with_hx else None
    output, state = compare(torch, kind, backend, x, hx, None, ours, theirs)
    assert tuple(output.shape) == (STEPS, 2 * HIDDEN)
    assert all(tuple(part.shape) == (4, HIDDEN) for part in flat(state))


@pytest.mark.parity
@pytest.mark.parametrize("kind", KINDS)
def test_state_dict_exported_by_torch_loads_and_matches(torch, backend, kind):
    theirs = getattr(torch.nn, kind)(FEATURES, HIDDEN, num_layers=2, bidirectional=True).double()
    exported = {name: value.detach().numpy() for name, value in theirs.state_dict().items()}
    ours = getattr(nn, kind)(FEATURES, HIDDEN, num_layers=2, bidirectional=True, dtype="float64",
                             backend=backend)
    assert list(ours.state_dict()) == list(exported)  # names and PyTorch's order
    for name, value in ours.state_dict().items():
        assert tuple(value.shape) == exported[name].shape
    ours.load_state_dict(exported)
    x = np.random.default_rng(9).normal(size=(STEPS, BATCH, FEATURES))
    output, _ = ours(mg.tensor(x, backend=backend))
    expected, _ = theirs(torch.tensor(x))
    assert_close(output, expected, F64)


@pytest.mark.parity
@pytest.mark.parametrize("kind", KINDS)
def test_our_weights_load_into_torch(torch, backend, kind):
    """The other direction: our (default-initialised) weights give torch our outputs."""
    mg.manual_seed(11)
    ours = getattr(nn, kind)(FEATURES, HIDDEN, num_layers=2, bidirectional=True, dtype="float64",
                             backend=backend)
    theirs = getattr(torch.nn, kind)(FEATURES, HIDDEN, num_layers=2, bidirectional=True).double()
    theirs.load_state_dict({name: torch.tensor(host(value)) for name, value in ours.state_dict().items()})
    x = np.random.default_rng(10).normal(size=(STEPS, BATCH, FEATURES))
    output, _ = ours(mg.tensor(x, backend=backend))
    expected, _ = theirs(torch.tensor(x))
    assert_close(output, expected, F64)


@pytest.mark.parity
@pytest.mark.parametrize("kind", KINDS)
def test_dropout_is_identity_in_eval_mode(torch, backend, fused, kind):
    ours, theirs = make_pair(torch, kind, backend, fused=fused, num_layers=3, dropout=0.5)
    ours.eval()
    theirs.eval()
    compare(torch, kind, backend, np.random.default_rng(12).normal(size=(STEPS, BATCH, FEATURES)),
            None, LENGTHS, ours, theirs)


@pytest.mark.parametrize("kind", KINDS)
def test_dropout_acts_between_layers_in_training(backend, kind):
    layer = getattr(nn, kind)(FEATURES, HIDDEN, num_layers=2, dropout=0.5, backend=backend)
    x = mg.tensor(np.random.default_rng(13).normal(size=(STEPS, BATCH, FEATURES)), backend=backend)
    layer.eval()
    reference, _ = layer(x)
    again, _ = layer(x)
    assert np.array_equal(host(reference), host(again))
    layer.train()
    assert layer.stack.training
    trained, _ = layer(x)
    assert not np.allclose(host(trained), host(reference))


@pytest.mark.parametrize("kind", KINDS)
def test_dropout_with_one_layer_warns_and_changes_nothing(backend, kind):
    with pytest.warns(UserWarning, match="num_layers=1"):
        layer = getattr(nn, kind)(FEATURES, HIDDEN, dropout=0.5, backend=backend)
    x = mg.tensor(np.random.default_rng(14).normal(size=(STEPS, BATCH, FEATURES)), backend=backend)
    trained, _ = layer(x)
    layer.eval()
    evaluated, _ = layer(x)
    assert np.array_equal(host(trained), host(evaluated))


@pytest.mark.parametrize("kind,gates", [("RNN", 1), ("GRU", 3), ("LSTM", 4)])
def test_parameter_names_shapes_and_default_init(kind, gates):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        layer = getattr(nn, kind)(5, 8, num_layers=2, bidirectional=True)
    names = []
    for index in range(2):
        for suffix in ("", "_reverse"):
            names += [f"{weight}_l{index}{suffix}" for weight in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
    params = dict(layer.named_parameters())
    assert list(params) == names
    assert tuple(params["weight_ih_l0"].shape) == (gates * 8, 5)
    assert tuple(params["weight_ih_l1_reverse"].shape) == (gates * 8, 16)
    assert tuple(params["weight_hh_l1"].shape) == (gates * 8, 8)
    assert tuple(params["bias_hh_l0_reverse"].shape) == (gates * 8,)
    bound = 1 / np.sqrt(8)
    values = np.concatenate([host(p).ravel() for p in params.values()])
    assert values.min() >= -bound and values.max() <= bound
    assert values.min() < -0.9 * bound and values.max() > 0.9 * bound  # uniform over the range
    assert len(np.unique(values)) == values.size


def test_presets_train_like_modules_and_move_with_to():
    layer = nn.LSTM(3, 4, num_layers=2)
    assert len(layer.parameters()) == 8
    optimizer = nn.optim.SGD(layer.parameters(), lr=0.1)
    x = mg.randn(5, 2, 3)
    output, _ = layer(x)
    output.sum().backward()
    before = host(layer.weight_hh_l1).copy()
    optimizer.step()
    assert not np.array_equal(before, host(layer.weight_hh_l1))
    # the cell inside the stack runs on the very same (updated) parameter
    assert layer.stack.layers[1].cell.weight_hh is layer.weight_hh_l1
    layer.to("strict")
    output, (h_n, _) = layer(x.to("strict"))
    assert output.backend == h_n.backend == "strict"


def test_repr_reads_like_pytorch():
    assert repr(nn.LSTM(10, 20, num_layers=2, bidirectional=True)) == "LSTM(10, 20, num_layers=2, bidirectional=True)"
    assert repr(nn.RNN(3, 4, nonlinearity="relu")) == "RNN(3, 4, nonlinearity='relu')"
    assert repr(nn.GRUCell(3, 4)) == "GRUCell(3, 4)"
