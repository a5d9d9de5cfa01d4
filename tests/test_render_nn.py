"""Graph rendering of nn's recurrent layers and modules, and the two rendering examples
run in their small (CI) setting."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
from dot_helpers import expected_counts, parse_dot, require_dot
from helpers import host

import minigrad as mg
import nn

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples")


def bidirectional_lstm(steps=6):
    lstm = nn.LSTM(input_size=3, hidden_size=4, num_layers=2, bidirectional=True)
    output, _ = lstm(mg.randn(steps, 2, 3))
    return lstm, output, (output ** 2).mean()


def test_a_two_layer_bidirectional_lstm_is_a_grid_of_step_clusters():
    lstm, _, loss = bidirectional_lstm(steps=6)
    dot = parse_dot(mg.to_dot(loss, params=lstm, group="timestep"))
    step_clusters = {c[-3:] for c in dot.clusters if c[-1].startswith("t=")}
    assert step_clusters == {(f"layer{layer}", direction, f"t={t}") for layer in range(2)
                             for direction in ("forward", "reverse") for t in range(6)}
    ops, leaves, edges = expected_counts([loss])
    assert len(dot.of_kind("op")) == ops
    assert len(dot.of_kind("param", "input", "const")) == leaves
    assert len(dot.edges) == edges
    params = {n.label.split("\n")[0] for n in dot.of_kind("param")}
    assert params == {name for name, _ in lstm.named_parameters()}
    # every op of a step sits in its step's cluster
    for node in dot.of_kind("op"):
        if node.attrs.count("t=") and "tooltip" in node.attrs:
            scope = node.attrs.split('tooltip="')[1].split('"')[0].split("/")
            step = [s for s in scope if s.startswith("t=")]
            if step:
                assert node.clusters[-1] == step[-1]


def test_lstm_graph_renders_to_svg(tmp_path):
    require_dot()
    lstm, _, loss = bidirectional_lstm(steps=3)
    with mg.record_grad_norms():
        loss.backward()
    picture = mg.draw_graph(loss, params=lstm, group="timestep", show_grads=True)
    svg = picture.pipe(format="svg").decode("utf-8")
    assert "<svg" in svg and "weight_hh_l1_reverse" in svg and "layer1" in svg


def test_long_lstm_collapses_to_its_first_and_last_steps():
    lstm = nn.LSTM(3, 4, num_layers=2, bidirectional=True, fused=False)  # every gate: a big graph
    output, _ = lstm(mg.randn(50, 1, 3))
    loss = (output[-1] ** 2).sum()
    dot = parse_dot(mg.to_dot(loss, params=lstm, group="timestep", max_nodes=250))
    assert len(dot.drawn) <= 250
    markers = [n for n in dot.of_kind("marker") if "steps" in n.label]
    assert len(markers) == 4
    steps = {c[-1] for c in dot.clusters if c[-1].startswith("t=")}
    assert {"t=0", "t=49"} <= steps and len(steps) < 50


def _manual_rnn_norms(rnn, x, loss_of):
    """‖∂L/∂h<t>‖ from a hand-written loop over nn.RNN's own weights, via retain_grad."""
    w_ih, w_hh, b_ih, b_hh = (p.detach() for p in rnn.parameters())
    x = x.detach().requires_grad_()
    h = mg.zeros(x.shape[1], rnn.hidden_size)
    hs = []
    for t in range(x.shape[0]):
        h = (x[t] @ w_ih.T + b_ih + h @ w_hh.T + b_hh).tanh()
        h.retain_grad()
        hs.append(h)
    loss_of(mg.stack(hs)).backward()
    return np.array([np.linalg.norm(host(h.grad)) for h in hs])


def test_step_grad_norms_of_nn_rnn_match_a_hand_written_loop():
    rnn = nn.RNN(3, 5)
    x = mg.randn(8, 2, 3)

    def loss_of(output):
        return (output[-1] ** 2).sum() + output[3].sum()

    output, _ = rnn(x)
    loss = loss_of(output)
    with mg.record_grad_norms():
        loss.backward()
    curves = mg.step_grad_norms(loss)
    assert list(curves) == ["layer0/forward"]
    np.testing.assert_allclose(curves["layer0/forward"], _manual_rnn_norms(rnn, x, loss_of),
                               rtol=1e-4)


@pytest.mark.parametrize("layer", [nn.GRU, nn.LSTM])
def test_step_grad_norms_of_gated_layers(layer):
    model = layer(3, 6, num_layers=2, bidirectional=True)
    output, _ = model(mg.randn(7, 2, 3))
    loss = (output[-1] ** 2).sum()
    (d_output,) = mg.grad(loss, [output], retain_graph=True)
    with mg.record_grad_norms():
        loss.backward()
    curves = mg.step_grad_norms(loss)
    assert set(curves) == {"layer0/forward", "layer0/reverse", "layer1/forward",
                           "layer1/reverse"}
    assert all(len(c) == 7 and np.all(np.isfinite(c)) for c in curves.values())
    # a<T> of the last layer's forward direction only reaches the loss through output[-1]
    expected = np.linalg.norm(host(d_output)[-1, :, :6])
    assert curves["layer1/forward"][-1] == pytest.approx(expected, rel=1e-4)
    if layer is nn.LSTM:
        state = mg.step_grad_norms(loss, which="state")
        assert np.all(state["layer0/forward"] >= curves["layer0/forward"] * (1 - 1e-6))


def test_padded_batches_still_give_one_curve_per_direction():
    lstm = nn.LSTM(3, 4, bidirectional=True)
    output, _ = lstm(mg.randn(6, 3, 3), lengths=[6, 4, 2])
    loss = output.sum()
    with mg.record_grad_norms():
        loss.backward()
    curves = mg.step_grad_norms(loss)
    assert set(curves) == {"layer0/forward", "layer0/reverse"}
    assert all(np.all(np.isfinite(c)) and np.all(c > 0) for c in curves.values())


def _modules_push_scopes() -> bool:
    model = nn.Sequential(nn.Linear(2, 2))
    out = model(mg.randn(1, 2))
    return bool(getattr(out.grad_fn, "_scope", ()))


@pytest.mark.skipif(not _modules_push_scopes(), reason="nn.Module does not name its scope")
def test_group_module_draws_the_module_tree():
    class Tagger(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Linear(3, 4)
            self.rnn = nn.LSTM(4, 4, bidirectional=True)
            self.head = nn.Sequential(nn.Linear(8, 4), nn.Tanh(), nn.Linear(4, 2))

        def forward(self, x):
            output, _ = self.rnn(self.embed(x))
            return self.head(output)

    model = Tagger()
    loss = model(mg.randn(5, 1, 3)).sum()
    dot = parse_dot(mg.to_dot(loss, params=model, group="module"))
    assert {("embed",), ("rnn",), ("rnn", "layer0", "forward"), ("rnn", "layer0", "reverse"),
            ("head",), ("head", "head.0"), ("head", "head.2")} <= set(dot.clusters)
    by_label = {n.label.split("\n")[0]: n for n in dot.of_kind("param")}
    assert by_label["head.0.weight"].clusters == ("head", "head.0")
    timestep = parse_dot(mg.to_dot(loss, params=model, group="timestep"))
    assert ("rnn", "layer0", "reverse", "t=4") in timestep.clusters
    with mg.record_grad_norms():
        loss.backward()
    assert set(mg.step_grad_norms(loss)) == {"rnn/layer0/forward", "rnn/layer0/reverse"}


# -- the examples, in their CI setting ----------------------------------------------------

def _run_example(script: str, out, *extra) -> dict:
    result = subprocess.run(
        [sys.executable, os.path.join(EXAMPLES, script), "--small", "--out", str(out), *extra],
        check=False, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    with open(os.path.join(out, "metrics.json"), encoding="utf-8") as file:
        return json.load(file)


def test_render_bptt_example(tmp_path):
    require_dot()
    metrics = _run_example("render_bptt.py", tmp_path)
    for name in ("bptt_rnn_ops", "bptt_rnn", "bptt_lstm_gates", "bptt_bilstm", "bptt_lstm_long"):
        with open(tmp_path / f"{name}.svg", encoding="utf-8") as file:
            svg = file.read()
        assert "<svg" in svg, name
        assert metrics[f"{name}_nodes"] > 10
    with open(tmp_path / "bptt_rnn.svg", encoding="utf-8") as file:
        svg = file.read()  # the course's figure: states, per-step outputs and losses, θ once
    assert all(f"a&lt;{t}&gt;" in svg for t in (0, 1, 2, 3)) and "W_aa" in svg
    assert "ŷ&lt;2&gt;" in svg and "L&lt;3&gt;" in svg and svg.count("W_aa") == 1
    with open(tmp_path / "bptt_lstm_gates.svg", encoding="utf-8") as file:
        svg = file.read()
    assert all(gate in svg for gate in ("Γu", "Γf", "Γo", "c̃&lt;2&gt;", "c&lt;2&gt;", "a&lt;1&gt;"))
    assert metrics["bptt_lstm_long_nodes"] <= 250
    assert (tmp_path / "bptt_lstm_long.html").stat().st_size > 10_000


def test_render_bptt_example_without_graphviz(tmp_path):
    metrics = _run_example("render_bptt.py", tmp_path, "--dot-only")
    assert os.path.exists(tmp_path / "bptt_bilstm.dot") and "bptt_bilstm_render_seconds" not in metrics


def test_vanishing_gradients_example(tmp_path):
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("matplotlib is required in CI to run examples/vanishing_gradients.py")
        pytest.skip("matplotlib not installed")
    metrics = _run_example("vanishing_gradients.py", tmp_path)
    assert (tmp_path / "vanishing_gradients.png").stat().st_size > 10_000
    assert (tmp_path / "vanishing_gradients_rnn.html").stat().st_size > 10_000
    if shutil.which("dot"):  # the course's figure of the same gradients (T=12 in --small)
        svg = (tmp_path / "vanishing_gradients_rnn_bptt.svg").read_text(encoding="utf-8")
        assert "‖∂L/∂a&lt;1&gt;‖" in svg and "‖∂L/∂a&lt;12&gt;‖" in svg
    # the vanilla RNN's gradient reaches a<1> weakest
    assert metrics["rnn_first_over_last"] < metrics["gru_first_over_last"]
    assert metrics["rnn_first_over_last"] < metrics["lstm_first_over_last"]
