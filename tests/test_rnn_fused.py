"""Fused recurrent steps (nn/recurrent/fused.py): one node per step, the same numbers as
the gate-by-gate graph, in every way a backward pass can run through them."""
import numpy as np
import pytest
from helpers import assert_close, host, picture_nodes

import minigrad as mg
import nn

F64 = np.float64
KINDS = ["RNN", "GRU", "LSTM"]


def twins(kind, backend, dtype="float64", **options):
    """The same preset twice, fused and gate by gate, with identical weights."""
    mg.manual_seed(0)
    fused = getattr(nn, kind)(3, 4, **options, fused=True, dtype=dtype, backend=backend)
    plain = getattr(nn, kind)(3, 4, **options, fused=False, dtype=dtype, backend=backend)
    plain.load_state_dict(fused.state_dict())
    return fused, plain


def run(layer, x, loss_of, hx=None, lengths=None, **backward):
    layer.zero_grad()
    x = x.detach().requires_grad_()
    output, state = layer(x, hx, lengths=lengths)
    loss_of(output, state).backward(**backward)
    return output, {name: host(p.grad) for name, p in layer.named_parameters()}, host(x.grad)


def flat(state):
    return list(state) if isinstance(state, tuple) else [state]


LOSSES = {
    "all_outputs": lambda out, state: (out * out).sum(),
    "one_middle_step": lambda out, state: (out[2] ** 2).sum(),  # steps after t=2 are never reached
    "final_state_only": lambda out, state: sum((s * s).sum() for s in flat(state)),
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("loss", list(LOSSES))
@pytest.mark.parametrize("layout", ["plain", "bidirectional_2_layers", "lengths"])
def test_fused_equals_gate_by_gate(backend, kind, loss, layout):
    options = {"num_layers": 2, "bidirectional": True} if layout == "bidirectional_2_layers" else {}
    fused, plain = twins(kind, backend, **options)
    x = mg.tensor(np.random.default_rng(1).normal(size=(5, 3, 3)), backend=backend)
    lengths = [5, 2, 4] if layout == "lengths" else None
    out_f, grads_f, dx_f = run(fused, x, LOSSES[loss], lengths=lengths)
    out_p, grads_p, dx_p = run(plain, x, LOSSES[loss], lengths=lengths)
    assert_close(out_f, host(out_p), F64)
    for name in grads_p:
        assert_close(grads_f[name], grads_p[name], F64, what=name)
    assert_close(dx_f, dx_p, F64, what="grad of x")


@pytest.mark.parametrize("kind", KINDS)
def test_one_node_per_step_in_its_time_scope(kind):
    layer = nn.RNN(3, 4) if kind == "RNN" else getattr(nn, kind)(3, 4)
    output, _ = layer(mg.randn(6, 2, 3))
    nodes = picture_nodes(output)  # the layer's one node, as the steps it is drawn as
    steps = [n for n in nodes if any(s.kind == "step" for s in n._scope)]
    assert sorted(n._scope[-1].index for n in steps) == list(range(6))
    assert {n.op_name for n in steps} == {f"{kind}Step"}
    assert sum(n.op_name == "ProjectSteps" for n in nodes) == 1  # one input matmul


@pytest.mark.parametrize("kind", KINDS)
def test_retain_graph_gives_the_same_gradients_twice(kind):
    fused, _ = twins(kind, "numpy")
    output, _ = fused(mg.tensor(np.random.default_rng(2).normal(size=(4, 2, 3))))
    loss = (output ** 2).sum()
    loss.backward(retain_graph=True)
    first = {name: host(p.grad).copy() for name, p in fused.named_parameters()}
    loss.backward()
    for name, p in fused.named_parameters():
        assert_close(p.grad, 2 * first[name], F64, what=name)


@pytest.mark.parametrize("kind", KINDS)
def test_partial_then_full_backward_through_one_graph(kind):
    fused, plain = twins(kind, "numpy")
    x = mg.tensor(np.random.default_rng(3).normal(size=(5, 2, 3)))
    results = []
    for layer in (fused, plain):
        output, _ = layer(x)
        (output[1] ** 2).sum().backward(retain_graph=True)
        output.sum().backward()
        results.append({name: host(p.grad) for name, p in layer.named_parameters()})
    for name in results[1]:
        assert_close(results[0][name], results[1][name], F64, what=name)


@pytest.mark.parametrize("kind", KINDS)
def test_grad_of_the_initial_state_and_of_hidden_states(kind):
    fused, plain = twins(kind, "numpy")
    rng = np.random.default_rng(4)
    x = mg.tensor(rng.normal(size=(4, 2, 3)))
    parts = 2 if kind == "LSTM" else 1
    values = [rng.normal(size=(1, 2, 4)) for _ in range(parts)]
    grads = []
    for layer in (fused, plain):
        hx = [mg.tensor(v, requires_grad=True) for v in values]
        output, _ = layer(x, tuple(hx) if parts == 2 else hx[0])
        grads.append(mg.grad((output ** 2).sum(), hx + [output]))
    for ours, theirs in zip(*grads):
        assert_close(ours, host(theirs), F64)


def test_float32_stays_float32(backend):
    layer = nn.LSTM(3, 4, backend=backend)
    output, (h, c) = layer(mg.randn(5, 2, 3, backend=backend))
    assert output.dtype == h.dtype == c.dtype == np.float32
    output.sum().backward()
    assert all(p.grad.dtype == np.float32 for p in layer.parameters())


def test_higher_order_gradients_need_the_unfused_graph():
    layer = nn.GRU(3, 4, dtype="float64")
    x = mg.randn(3, 2, 3, dtype="float64", requires_grad=True)
    output, _ = layer(x)
    with pytest.raises(RuntimeError, match="first order"):
        mg.grad(output.sum(), [x], create_graph=True)
    layer.fused = False
    output, _ = layer(x)
    (dx,) = mg.grad((output ** 2).sum(), [x], create_graph=True)
    dx.sum().backward()  # a second derivative through every gate
    assert x.grad is not None


def test_fused_switch_on_presets_and_cells():
    layer = nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    cells = [m for m in layer.stack.modules() if isinstance(m, nn.LSTMCell)]
    assert layer.fused and len(cells) == 4 and all(cell.fused for cell in cells)
    layer.fused = False
    assert not any(cell.fused for cell in cells)
    assert repr(layer) == "LSTM(3, 4, num_layers=2, bidirectional=True, fused=False)"
    assert not nn.LSTMCell(3, 4).fused  # a cell alone runs gate by gate unless asked
    assert repr(nn.GRUCell(3, 4, fused=True)) == "GRUCell(3, 4, fused=True)"


def test_variants_run_gate_by_gate_only():
    with pytest.raises(ValueError, match="peephole"):
        nn.LSTMCell(3, 4, peephole=True, fused=True)
    with pytest.raises(ValueError, match="minimal"):
        nn.GRUCell(3, 4, variant="minimal", fused=True)


def test_a_subclass_rewriting_step_keeps_its_own_math():
    class Doubled(nn.GRUCell):
        def step(self, projected, h):
            return super().step(projected, h) * 2

    cell = Doubled(3, 4, fused=True)
    x = mg.randn(2, 2, 3)
    output, _ = nn.Recurrent(cell)(x)
    reference = nn.GRUCell(3, 4)
    reference.load_state_dict(cell.state_dict())
    h = reference(x[0]) * 2
    assert_close(output[0], host(h), np.float32)


def test_a_second_backward_through_a_freed_fused_graph_says_to_detach():
    layer = nn.LSTM(3, 4)
    chunks = mg.randn(2, 5, 2, 3)
    output, state = layer(chunks[0])
    output.sum().backward()
    output, _ = layer(chunks[1], state)
    with pytest.raises(RuntimeError, match="detach"):
        output.sum().backward()
