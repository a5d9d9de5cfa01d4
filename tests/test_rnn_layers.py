"""Fused recurrent layers (nn/recurrent/layers.py): every step of a layer and direction in
one node, with the numbers of the step nodes and the picture of the step nodes."""
import re

import numpy as np
import pytest
from helpers import assert_close, host, picture_nodes

import minigrad as mg
import nn
from minigrad.walk import consumers_first, input_nodes
from nn.recurrent import compiled, kernels

KINDS = ["RNN", "GRU", "LSTM"]
LAYOUTS = {
    "plain": {},
    "no_bias": {"bias": False},
    "bidirectional_2_layers": {"num_layers": 2, "bidirectional": True},
    "relu": {"nonlinearity": "relu"},
}


@pytest.fixture
def step_nodes(monkeypatch):
    """Run fused cells as one node per step (the path of padded batches)."""
    def switch(on: bool) -> None:
        monkeypatch.setattr(kernels, "layers_enabled", not on)
    return switch


def build(kind, backend, dtype="float64", **options):
    mg.manual_seed(0)
    return getattr(nn, kind)(3, 4, **options, dtype=dtype, backend=backend)


def run(layer, x, loss_of, hx=None):
    layer.zero_grad()
    x = x.detach().requires_grad_()
    hx = None if hx is None else tuple(h.detach().requires_grad_() for h in hx)
    output, state = layer(x, None if hx is None else (hx if len(hx) > 1 else hx[0]))
    loss_of(output, state).backward()
    grads = {name: host(p.grad) for name, p in layer.named_parameters()}
    grads["x"] = host(x.grad)
    for k, h in enumerate(hx or ()):
        grads[f"hx{k}"] = host(h.grad)
    states = list(state) if isinstance(state, tuple) else [state]
    return [host(output)] + [host(s) for s in states], grads


def flat(state):
    return list(state) if isinstance(state, tuple) else [state]


LOSSES = {
    "all_outputs": lambda out, state: (out * out).sum(),
    "one_middle_step": lambda out, state: (out[2] ** 2).sum(),
    "final_state_only": lambda out, state: sum((s * s).sum() for s in flat(state)),
}


def layouts_for(kind):
    return [name for name in LAYOUTS if kind == "RNN" or name != "relu"]


@pytest.mark.parametrize("kind, layout", [(k, name) for k in KINDS for name in layouts_for(k)])
@pytest.mark.parametrize("loss", list(LOSSES))
@pytest.mark.parametrize("with_state", [False, True])
def test_a_layer_node_computes_what_the_step_nodes_compute(backend, step_nodes, kind, layout,
                                                           loss, with_state):
    layer = build(kind, backend, **LAYOUTS[layout])
    rng = np.random.default_rng(1)
    x = mg.tensor(rng.normal(size=(5, 3, 3)), backend=backend)
    hx = None
    if with_state:
        rows = layer.num_layers * (2 if layer.bidirectional else 1)
        parts = 2 if kind == "LSTM" else 1
        hx = tuple(mg.tensor(rng.normal(size=(rows, 3, 4)), backend=backend) for _ in range(parts))
    values, grads = run(layer, x, LOSSES[loss], hx)
    step_nodes(True)
    expected_values, expected_grads = run(layer, x, LOSSES[loss], hx)
    for ours, theirs in zip(values, expected_values):
        assert_close(ours, theirs, np.float64)
    assert grads.keys() == expected_grads.keys()
    for name in grads:
        assert_close(grads[name], expected_grads[name], np.float64, what=name)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("gates", ["compiled", "xp"])
def test_float32_layers_match_the_step_nodes_compiled_or_not(step_nodes, monkeypatch, kind, gates):
    monkeypatch.setattr(compiled, "enabled", gates == "compiled")
    layer = build(kind, "numpy", dtype="float32", num_layers=2, bidirectional=True)
    x = mg.tensor(np.random.default_rng(2).normal(size=(6, 4, 3)).astype(np.float32))
    values, grads = run(layer, x, LOSSES["all_outputs"])
    step_nodes(True)
    expected_values, expected_grads = run(layer, x, LOSSES["all_outputs"])
    for ours, theirs in zip(values, expected_values):
        assert ours.dtype == np.float32
        assert_close(ours, theirs, np.float32)
    for name in grads:
        assert grads[name].dtype == np.float32
        assert_close(grads[name], expected_grads[name], np.float32, what=name)


@pytest.mark.parametrize("kind", KINDS)
def test_one_node_per_layer_and_direction_drawn_as_its_steps(kind):
    layer = build(kind, "numpy", num_layers=2, bidirectional=True)
    output, _ = layer(mg.randn(4, 2, 3, dtype="float64"))
    recorded = {node.op_name for node in consumers_first([output.grad_fn], input_nodes)}
    pairs = [node for node in consumers_first([output.grad_fn], input_nodes)
             if node.op_name == "BidirectionalLayer"]  # both directions of a layer, one node
    assert len(pairs) == 2 and f"{kind}Step" not in recorded and f"{kind}Layer" not in recorded
    assert [type(half).__name__ for pair in pairs for half in pair.halves] == [f"{kind}Layer"] * 4
    assert [half.reverse for half in pairs[0].halves] == [False, True]
    drawn = [node for node in picture_nodes(output) if node.op_name == f"{kind}Step"]
    assert sorted((tuple(map(str, n._scope))) for n in drawn) == sorted(
        (f"layer{l}", d, f"t={t}") for l in range(2) for d in ("forward", "reverse")
        for t in range(4))
    assert sum(n.op_name == "ProjectSteps" for n in picture_nodes(output)) == 4


def _pictures(kind, layers_enabled, monkeypatch):
    monkeypatch.setattr(kernels, "layers_enabled", layers_enabled)
    layer = build(kind, "numpy", num_layers=2, bidirectional=True)
    x = mg.randn(5, 2, 3, dtype="float64")
    output, state = layer(x)
    loss = (output ** 2).mean() + (flat(state)[-1] ** 2).sum()
    with mg.record_grad_norms():
        loss.backward(retain_graph=True)
    pictures = {
        "ops": mg.to_dot(loss, params=layer, show_grads=True),
        "bptt": mg.to_dot(loss, params=layer, view="bptt", expand="gates", show_grads=True),
        "html": mg.to_html(loss, params=layer),
    }
    # leaf tensors are named by their id(): the same picture has other numbers
    pictures = {name: re.sub(r"\d{9,}", "ID", text) for name, text in pictures.items()}
    return pictures, mg.step_grad_norms(loss), mg.step_grad_norms(loss, which="state")


@pytest.mark.parametrize("kind", KINDS)
def test_a_layer_node_draws_the_picture_of_its_step_nodes(kind, monkeypatch):
    """The ops view, the BPTT view with gates and gradient norms, the HTML viewer and the
    per-step gradient norms are those of the step nodes."""
    pictures, hidden, state = _pictures(kind, True, monkeypatch)
    expected, expected_hidden, expected_state = _pictures(kind, False, monkeypatch)
    for name in pictures:
        assert pictures[name] == expected[name], name
    for ours, theirs in ((hidden, expected_hidden), (state, expected_state)):
        assert ours.keys() == theirs.keys() and len(ours) == 4
        for label in ours:
            np.testing.assert_allclose(ours[label], theirs[label], rtol=1e-12)
    assert re.search(r"‖∂L/∂[ac]<3>‖ [0-9.]+e", pictures["bptt"])  # the steps' norms are drawn


def test_stand_ins_read_the_layer_and_keep_nothing_alive():
    layer = build("LSTM", "numpy")
    output, state = layer(mg.randn(3, 2, 3, dtype="float64"))
    step = next(n for n in picture_nodes(output) if n.op_name == "LSTMStep")
    gates = type(step).parts_values(step)
    assert set(gates) == {"Γu", "Γf", "c̃<t>", "Γo"}
    assert all(np.all((g > 0) & (g < 1)) for role, g in gates.items() if role != "c̃<t>")
    output.sum().backward()  # frees the layer's saved gates, and so the stand-ins'
    assert step._freed and type(step).parts_values(step) == {}
    with pytest.raises(RuntimeError, match="second time"):
        step.saved_arrays  # noqa: B018
    del output, state
    assert step._layer() is None and step._freed  # only a weak reference to the layer
