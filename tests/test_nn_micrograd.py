"""Neuron, Layer, MLP: micrograd's semantics and counts, vectorised; and the moons demo."""
import importlib.util
import json
import pathlib

import numpy as np
import pytest
from helpers import assert_close, host
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import minigrad as mg
import nn

F32 = np.float32
DEMO = pathlib.Path(__file__).resolve().parents[1] / "examples" / "micrograd_demo.py"


def test_mlp_has_micrographs_parameter_count_and_activations():
    model = nn.MLP(3, [4, 4, 1])
    assert sum(p.size for p in model.parameters()) == 41
    assert [layer.nonlin for layer in model.layers] == [True, True, False]
    assert [(name, tuple(p.shape)) for name, p in model.named_parameters()] == [
        ("layers.0.w", (4, 3)), ("layers.0.b", (4,)), ("layers.1.w", (4, 4)), ("layers.1.b", (4,)),
        ("layers.2.w", (1, 4)), ("layers.2.b", (1,))]
    assert sum(p.size for p in nn.MLP(2, [16, 16, 1]).parameters()) == 337  # the demo's count


def test_init_is_micrographs():
    model = nn.MLP(50, [40, 1])
    for layer in model.layers:
        w = host(layer.w)
        assert w.min() >= -1 and w.max() <= 1 and w.min() < -0.9 and w.max() > 0.9
        assert not host(layer.b).any()
    neuron = nn.Neuron(5)
    assert tuple(neuron.w.shape) == (5,) and neuron.b.shape == () and neuron.b.item() == 0


def test_reprs_read_like_micrograd():
    assert repr(nn.Neuron(3)) == "ReLUNeuron(3)"
    assert repr(nn.Neuron(3, nonlin=False)) == "LinearNeuron(3)"
    assert repr(nn.Layer(3, 4)) == "Layer(3 -> 4, ReLU)"
    assert "(2): Layer(4 -> 1, Linear)" in repr(nn.MLP(3, [4, 4, 1]))


def test_single_samples_in_micrographs_forms(backend):
    model = nn.MLP(3, [4, 4, 1]).to(backend)
    sample = [2.0, 3.0, -1.0]
    out = model(sample)  # micrograd: model(x) with x a list of floats -> one Value
    assert out.shape == () and out.backend == backend
    as_tensors = model([mg.tensor(v, backend=backend) for v in sample])
    as_vector = model(mg.tensor(sample, backend=backend))
    assert as_tensors.item() == pytest.approx(out.item()) and as_vector.item() == pytest.approx(out.item())
    assert nn.Layer(3, 4).to(backend)(sample).shape == (4,)
    neuron = nn.Neuron(3).to(backend)
    with mg.no_grad():
        neuron.b.data += 0.5
    expected = max(float(np.dot(host(neuron.w), sample)) + 0.5, 0.0)  # relu(w . x + b)
    assert neuron(sample).shape == () and neuron(sample).item() == pytest.approx(expected, rel=1e-6)
    assert neuron(mg.ones(7, 3, backend=backend)).shape == (7,)


def test_batch_equals_stacked_single_samples(backend):
    model = nn.MLP(3, [5, 2]).to(backend)
    batch = np.random.default_rng(0).normal(size=(6, 3)).astype(F32)
    together = host(model(mg.tensor(batch, backend=backend)))
    one_by_one = np.stack([host(model(list(map(float, row)))) for row in batch])
    assert together.shape == (6, 2)
    np.testing.assert_allclose(together, one_by_one, rtol=1e-6, atol=1e-6)


def test_one_unit_layers_inside_an_mlp_keep_their_axis():
    model = nn.MLP(2, [1, 1, 3, 1])
    assert model(mg.randn(4, 2)).shape == (4,)
    assert model([1.0, 2.0]).shape == ()


def test_wrong_input_size_is_named(backend):
    with pytest.raises(ValueError, match="MLP\\(3, \\[4, 1\\]\\).*\\(3,\\).*\\(2, 5\\)"):
        nn.MLP(3, [4, 1]).to(backend)(mg.zeros(2, 5, backend=backend))
    with pytest.raises(ValueError, match="ReLUNeuron\\(2\\)"):
        nn.Neuron(2)([1.0, 2.0, 3.0])


@pytest.mark.parity
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(nin=st.integers(1, 5), nouts=st.lists(st.integers(1, 5), min_size=1, max_size=3),
       batch=st.one_of(st.none(), st.integers(1, 4)))
def test_mlp_matches_torch(backend, torch, nin, nouts, batch):
    model = nn.MLP(nin, nouts).to(backend)
    shape = (nin,) if batch is None else (batch, nin)
    x = np.random.default_rng(0).normal(size=shape).astype(F32)
    weights = [torch.tensor(host(p), requires_grad=True) for p in model.parameters()]
    h = torch.tensor(x)
    for i in range(len(nouts)):  # micrograd's math, written out in torch
        h = h @ weights[2 * i].T + weights[2 * i + 1]
        h = h.relu() if i < len(nouts) - 1 else h
    if nouts[-1] == 1:
        h = h.squeeze(-1)
    out = model(mg.tensor(x, backend=backend))
    assert_close(out, h, F32)
    out.sum().backward()
    h.sum().backward()
    for (name, p), q in zip(model.named_parameters(), weights):
        assert_close(p.grad, q.grad, F32, what=name)


def _load_demo():
    spec = importlib.util.spec_from_file_location("micrograd_demo", DEMO)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_make_moons_shapes_and_labels():
    X, y = _load_demo().make_moons(n_samples=101, noise=0.0, seed=0)
    assert X.shape == (101, 2) and sorted(set(y.tolist())) == [0, 1] and (y == 1).sum() == 51
    outer = X[y == 0]
    np.testing.assert_allclose(np.hypot(outer[:, 0], outer[:, 1]), 1.0, atol=1e-12)  # a unit half circle


def test_micrograd_demo_reaches_95_percent(backend, capsys):
    _, _, _, loss, accuracy = _load_demo().train(steps=100, backend=backend, log_every=25)
    assert accuracy >= 0.95
    assert loss < 0.1
    printed = capsys.readouterr().out
    assert "number of parameters 337" in printed and "step 25 loss" in printed and "final loss" in printed
    assert printed.count("step ") == 5                  # a few lines of progress, not one per step


def test_micrograd_demo_command_draws_the_decision_boundary(tmp_path):
    metrics = _load_demo().main(["--small", "--out", str(tmp_path)])
    assert metrics["accuracy"] >= 0.95 and metrics["steps"] == 100, metrics
    assert json.loads((tmp_path / "metrics.json").read_text()) == metrics
    assert (tmp_path / "decision_boundary.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
