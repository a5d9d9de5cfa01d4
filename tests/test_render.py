"""Graph rendering on the engine alone: DOT structure, clusters, collapsing, gradient
colours, recorded norms, the missing-`dot` error, real SVG, and linear-time conversion."""
from __future__ import annotations

import math
import os
import sys
import time

import numpy as np
import pytest
from dot_helpers import expected_counts, parse_dot, require_dot
from helpers import host

import minigrad as mg
from minigrad import autograd
from minigrad.render.dot import PALETTE
from minigrad.render.norms import backward_position, recorded_norms

# -- graphs to draw, and what a walk of them must find ------------------------------------

def mlp():
    x = mg.randn(4, 3)
    w = mg.randn(3, 5, requires_grad=True)
    b = mg.zeros(5, requires_grad=True)
    y = (x @ w + b).tanh()
    return [(y * y).sum() * 0.5]


def diamond():
    a = mg.randn(3, requires_grad=True)
    b = a.exp()
    return [(b * b + b.tanh()).sum()]


def reused_input():
    x = mg.randn(2, 2, requires_grad=True)
    return [(x * x * x).sum()]


def split_outputs():
    x = mg.randn(6, 4, requires_grad=True)
    a, b, c = mg.split(x, 3, axis=0)
    return [(a * b - c).mean()]


def two_roots():
    x = mg.randn(3, requires_grad=True)
    h = x.tanh()
    return [h.sum(), (h * 2.0).max()]


def leaf_root():
    x = mg.randn(3, requires_grad=True)
    return [x, (x + 1.0).sum()]


GRAPHS = [mlp, diamond, reused_input, split_outputs, two_roots, leaf_root]


@pytest.mark.parametrize("build", GRAPHS, ids=lambda f: f.__name__)
def test_nodes_and_edges_are_the_graphs(build):
    roots = build()
    dot = parse_dot(mg.to_dot(roots if len(roots) > 1 else roots[0]))
    ops, leaves, edges = expected_counts(roots)
    assert len(dot.of_kind("op")) == ops
    assert len(dot.of_kind("param", "input", "const")) == leaves
    assert len(dot.edges) == edges
    assert len(dot.drawn) == len(dot.nodes)  # no markers, no legend
    roots_drawn = [n for n in dot.nodes.values() if "root" in n.css.split()]
    assert len(roots_drawn) == len({id(r.grad_fn) if r.grad_fn else id(r) for r in roots})
    for source, target, _ in dot.edges:
        assert source in dot.nodes and target in dot.nodes


def test_edges_run_from_inputs_to_the_op_that_uses_them():
    (loss,) = mlp()
    dot = parse_dot(mg.to_dot(loss))
    by_label = {n.label.split("\n")[0]: n.id for n in dot.of_kind("op")}
    edges = {(s, t) for s, t, _ in dot.edges}
    assert (by_label["MatMul"], by_label["Add"]) in edges
    assert (by_label["Add"], by_label["Tanh"]) in edges


def test_labels_ops_with_shapes_and_leaves_with_names():
    model_params = {"encoder.weight": mg.randn(3, 5, requires_grad=True),
                    "encoder.bias": mg.zeros(5, requires_grad=True)}
    x = mg.randn(4, 3)
    x.name = "x"
    y = x @ model_params["encoder.weight"] + model_params["encoder.bias"]
    dot = parse_dot(mg.to_dot(y.sum(), params=model_params))
    params = sorted(dot.labels("param"))
    assert params == ["encoder.bias\n(5,)", "encoder.weight\n(3, 5)"]
    assert dot.labels("input") == ["x\n(4, 3)"]
    assert "MatMul\n(4, 5)" in dot.labels("op")
    assert "Sum\n()" in dot.labels("op")

    bare = parse_dot(mg.to_dot(y.sum(), params=model_params, show_shapes=False))
    assert sorted(bare.labels("param")) == ["encoder.bias", "encoder.weight"]
    assert "MatMul" in bare.labels("op")


def test_params_may_be_a_model():
    class Model:
        def __init__(self):
            self.w = mg.randn(2, 2, requires_grad=True)

        def named_parameters(self):
            return [("layer.w", self.w)]

    model = Model()
    dot = parse_dot(mg.to_dot((mg.ones(1, 2) @ model.w).sum(), params=model))
    assert dot.labels("param") == ["layer.w\n(2, 2)"]


def test_dtype_shown_only_when_not_the_default():
    x = mg.randn(3, requires_grad=True, dtype="float64")
    labels = parse_dot(mg.to_dot((x * x).sum())).labels("op")
    assert "Mul\n(3,) float64" in labels
    y = mg.randn(3, requires_grad=True)
    assert "Mul\n(3,)" in parse_dot(mg.to_dot((y * y).sum())).labels("op")


def test_named_intermediate_tensor_and_constants():
    x = mg.randn(3, requires_grad=True)
    a = x.tanh()
    a.name = "a<1>"
    dot = parse_dot(mg.to_dot((1.0 - a).sum()))
    assert "a<1> = Tanh\n(3,)" in dot.labels("op")
    assert dot.labels("const") == ["1"]


def test_label_text_is_escaped():
    x = mg.randn(2, requires_grad=True)
    x.name = 'say "hi" \\ bye'
    text = mg.to_dot(x.sum())
    assert parse_dot(text).labels("param") == ['say "hi" \\ bye\n(2,)']


@pytest.mark.parametrize("kwargs, error", [
    ({"group": "layers"}, ValueError),
    ({"rankdir": "XY"}, ValueError),
    ({"max_nodes": 0}, ValueError),
    ({"max_steps": 1}, ValueError),
])
def test_bad_options_raise(kwargs, error):
    (loss,) = mlp()
    with pytest.raises(error):
        mg.to_dot(loss, **kwargs)


def test_root_must_be_a_tensor():
    with pytest.raises(TypeError, match="Tensor"):
        mg.to_dot([1.0, 2.0])
    with pytest.raises(ValueError):
        mg.to_dot([])


# -- clusters ------------------------------------------------------------------------

def scoped_rnn(steps=4, layers=2, bidirectional=True, hidden=3, features=2, batch=2,
               lstm=False, module=None):
    """A hand-unrolled (bi)directional tanh RNN or LSTM, scoped as nn's recurrent layers
    scope theirs. Returns (loss, params, {(layer, direction): [h<t> tensors]})."""
    params, states = {}, {}
    xs = [mg.randn(batch, features) for _ in range(steps)]
    directions = ("forward", "reverse") if bidirectional else ("forward",)
    outer = mg.name_scope(module) if module else None
    if outer:
        outer.__enter__()
    inputs = xs
    for layer in range(layers):
        outs = {}
        for direction in directions:
            size = inputs[0].shape[-1]
            gates = 4 if lstm else 1
            suffix = f"_l{layer}" + ("_reverse" if direction == "reverse" else "")
            w_x = params["weight_ih" + suffix] = mg.randn(size, gates * hidden, requires_grad=True)
            w_h = params["weight_hh" + suffix] = (mg.randn(hidden, gates * hidden) * 0.5
                                                  ).requires_grad_()
            h = c = mg.zeros(batch, hidden)
            hs = [None] * steps
            order = range(steps) if direction == "forward" else range(steps - 1, -1, -1)
            with mg.layer_scope(layer), mg.direction_scope(direction):
                for t in order:
                    with mg.name_scope(f"t={t}"):
                        z = inputs[t] @ w_x + h @ w_h
                        if lstm:
                            i, f, g, o = mg.split(z, 4, axis=-1)
                            c = f.sigmoid() * c + i.sigmoid() * g.tanh()
                            h = o.sigmoid() * c.tanh()
                        else:
                            h = z.tanh()
                    hs[t] = h
            outs[direction] = hs
            states[(layer, direction)] = hs
        inputs = [mg.cat([outs[d][t] for d in directions], axis=-1) for t in range(steps)]
    if outer:
        outer.__exit__(None, None, None)
    loss = sum((h * h).sum() for h in inputs)
    return loss, params, states


def test_group_timestep_draws_layer_direction_step_clusters():
    loss, params, _ = scoped_rnn(steps=6)
    dot = parse_dot(mg.to_dot(loss, params=params, group="timestep"))
    steps = {c for c in dot.clusters if len(c) == 3}
    assert steps == {(f"layer{l}", d, f"t={t}") for l in range(2)
                     for d in ("forward", "reverse") for t in range(6)}
    tanhs = [n for n in dot.of_kind("op") if n.label.startswith("Tanh")]
    assert len(tanhs) == 24 and all(len(n.clusters) == 3 for n in tanhs)
    # a layer's weights sit in its direction's cluster, outside the steps
    by_label = {n.label.split("\n")[0]: n for n in dot.of_kind("param")}
    assert by_label["weight_hh_l1_reverse"].clusters == ("layer1", "reverse")
    # the reverse recurrence is drawn back in time without constraining the layout
    back = [e for e in dot.edges if "constraint=false" in e[2]]
    assert len(back) == 2 * 5  # two reverse layers, five step-to-step links each
    assert dot.invisible  # invisible edges order the steps left to right


def test_group_module_clusters_by_scope_path_without_steps():
    loss, params, _ = scoped_rnn(steps=3, layers=1, bidirectional=False, module="encoder")
    dot = parse_dot(mg.to_dot(loss, params=params, group="module"))
    assert ("encoder", "layer0", "forward") in dot.clusters
    assert not any(label.startswith("t=") for c in dot.clusters for label in c)
    tanhs = [n for n in dot.of_kind("op") if n.label.startswith("Tanh")]
    assert {n.clusters for n in tanhs} == {("encoder", "layer0", "forward")}


def test_group_timestep_keeps_the_module_path_above_the_layers():
    loss, params, _ = scoped_rnn(steps=2, layers=1, bidirectional=False, module="encoder")
    dot = parse_dot(mg.to_dot(loss, params=params, group="timestep"))
    assert ("encoder", "layer0", "forward", "t=1") in dot.clusters


def test_no_group_no_clusters():
    loss, params, _ = scoped_rnn(steps=3)
    dot = parse_dot(mg.to_dot(loss, params=params))
    assert dot.clusters == []


# -- collapsing ----------------------------------------------------------------------

def chain(length, features=3):
    x = mg.randn(features, requires_grad=True)
    y = x
    for _ in range(length):
        y = y.tanh()
    return y.sum()


def test_max_nodes_bounds_the_drawn_nodes_and_marks_the_rest():
    root = chain(500)
    total = 502  # 501 ops and one leaf
    dot = parse_dot(mg.to_dot(root, max_nodes=50))
    assert len(dot.drawn) == 50
    (marker,) = dot.of_kind("marker")
    assert marker.label == f"… {total - 50} more nodes …"
    assert any("root" in n.css for n in dot.drawn)
    for source, target, _ in dot.edges:
        assert source in dot.nodes and target in dot.nodes
    assert parse_dot(mg.to_dot(root, max_nodes=10_000)).of_kind("marker") == []


def test_long_sequences_keep_their_first_and_last_steps():
    loss, params, _ = scoped_rnn(steps=30, layers=1, bidirectional=False)
    dot = parse_dot(mg.to_dot(loss, params=params, group="timestep", max_steps=4))
    steps = sorted(int(c[-1][2:]) for c in dot.clusters if c[-1].startswith("t="))
    assert steps == [0, 1, 28, 29]
    (marker,) = dot.of_kind("marker")
    assert marker.label == "… 26 steps …"
    assert marker.clusters == ("layer0", "forward")
    touching = [e for e in dot.edges if marker.id in e[:2]]
    assert len(touching) == len({e[:2] for e in touching})  # each marker edge once


def test_a_collapsed_reverse_direction_still_reads_left_to_right():
    loss, params, _ = scoped_rnn(steps=10, layers=1)
    dot = parse_dot(mg.to_dot(loss, params=params, group="timestep", max_steps=2))
    reverse_marker = next(n for n in dot.of_kind("marker") if n.clusters[-1] == "reverse")
    touching = [e for e in dot.edges if reverse_marker.id in e[:2]
                and all(dot.nodes[v].kind == "op" or v == reverse_marker.id for v in e[:2])]
    assert touching and all("constraint=false" in e[2] for e in touching)


def test_max_nodes_collapses_steps_first():
    loss, params, _ = scoped_rnn(steps=40, layers=2)
    full = parse_dot(mg.to_dot(loss, params=params))
    dot = parse_dot(mg.to_dot(loss, params=params, group="timestep", max_nodes=150))
    assert len(full.drawn) > 150 >= len(dot.drawn)
    markers = [n.label for n in dot.of_kind("marker")]
    assert sum("steps" in m for m in markers) == 4  # one per layer and direction
    steps = {c[-1] for c in dot.clusters if c[-1].startswith("t=")}
    assert {"t=0", "t=39"} <= steps
    # the widest window that fits: one more step per group would not
    kept = len(steps)
    wider = parse_dot(mg.to_dot(loss, params=params, max_steps=kept + 1))
    assert len(wider.drawn) > 150


def test_step_window_hides_inputs_and_heads_of_hidden_steps():
    w = mg.randn(2, 2, requires_grad=True)
    head = mg.randn(2, 1, requires_grad=True)
    h = mg.zeros(1, 2)
    losses = []
    for t in range(20):
        x = mg.randn(1, 2)  # a per-step input leaf, outside the step scope
        with mg.name_scope(f"t={t}"):
            h = (x + h @ w).tanh()
        losses.append((h @ head).sum())  # a per-step head, outside the step scope
    loss = mg.stack(losses).sum()
    dot = parse_dot(mg.to_dot(loss, max_steps=2))
    assert len(dot.of_kind("input")) == 2 + 1  # x<0>, x<19>, and h<-1> = 0
    assert len([n for n in dot.of_kind("op") if n.label.startswith("Sum")]) == 2 + 1


# -- gradient norms --------------------------------------------------------------------

def test_record_grad_norms_stores_device_norms_and_uninstalls():
    (loss,) = mlp()
    before = list(autograd._observers)
    with mg.record_grad_norms():
        loss.backward()
    assert autograd._observers == before
    norms = recorded_norms(loss.grad_fn)
    assert len(norms) == 1 and float(host(norms[0])) == pytest.approx(1.0)
    assert backward_position(loss.grad_fn) == 0  # the root's node runs first


def test_without_recording_nothing_is_stored():
    (loss,) = mlp()
    loss.backward()
    assert recorded_norms(loss.grad_fn) is None


def test_recording_never_goes_to_the_host_during_backward():
    x = mg.randn(4, 3, backend="strict", requires_grad=True)
    with mg.record_grad_norms():
        (x.tanh() * 3.0).sum().backward()  # strict arrays raise on any implicit host copy
    loss = (x.tanh() * 3.0).sum()
    with mg.record_grad_norms():
        loss.backward()
    assert type(recorded_norms(loss.grad_fn)[0]).__name__ == "StrictArray"
    dot = parse_dot(mg.to_dot(loss, show_grads=True))
    assert all("‖g‖" in n.label for n in dot.of_kind("op"))


def test_show_grads_colours_by_log_norm_with_a_legend():
    x = mg.randn(4, 3)
    w = mg.randn(3, 5, requires_grad=True)
    y = (x @ w).tanh()
    loss = (y * 1e-4).sum()
    with mg.record_grad_norms():
        loss.backward()
    dot = parse_dot(mg.to_dot(loss, params={"w": w}, show_grads=True))
    (param,) = dot.of_kind("param")
    norm = float(np.linalg.norm(host(w.grad)))
    assert f"‖g‖ {norm:.2e}" in param.label
    colours = {}
    for n in dot.of_kind("op", "param"):
        value = float(n.label.split("‖g‖ ")[1])
        colours[value] = n.attrs.split('fillcolor="')[-1].split('"')[0]
        assert colours[value] in PALETTE
    assert colours[max(colours)] == PALETTE[-1]
    assert colours[min(colours)] == PALETTE[0]
    (legend,) = dot.of_kind("legend")
    assert "log scale" in legend.attrs and all(c in legend.attrs for c in PALETTE)


def test_show_grads_marks_unrecorded_nodes():
    (loss,) = mlp()
    loss.backward()  # no recording: ops have no norm, params have .grad
    dot = parse_dot(mg.to_dot(loss, show_grads=True))
    assert all("dashed" in n.attrs and "‖g‖" not in n.label for n in dot.of_kind("op"))
    assert all("‖g‖" in n.label for n in dot.of_kind("param"))


def test_zero_gradients_have_their_own_colour():
    x = mg.randn(3, requires_grad=True)
    y = mg.stack([x.tanh(), x.exp()])
    loss = y[0].sum()  # the exp branch gets an exact zero
    with mg.record_grad_norms():
        loss.backward()
    dot = parse_dot(mg.to_dot(loss, show_grads=True))
    (exp,) = [n for n in dot.of_kind("op") if n.label.startswith("Exp")]
    assert "‖g‖ 0.00e+00" in exp.label and "#d0d0d0" in exp.attrs


def test_step_grad_norms_are_the_hidden_states_gradients():
    loss, _, states = scoped_rnn(steps=7, layers=2)
    for hs in states.values():
        for h in hs:
            h.retain_grad()
    with mg.record_grad_norms():
        loss.backward()
    curves = mg.step_grad_norms(loss)
    assert set(curves) == {"layer0/forward", "layer0/reverse", "layer1/forward",
                           "layer1/reverse"}
    for (layer, direction), hs in states.items():
        expected = [np.linalg.norm(host(h.grad)) for h in hs]
        np.testing.assert_allclose(curves[f"layer{layer}/{direction}"], expected, rtol=1e-5)


def test_step_grad_norms_pick_h_of_an_lstm_state():
    loss, _, states = scoped_rnn(steps=5, layers=1, bidirectional=False, lstm=True)
    for h in states[(0, "forward")]:
        h.retain_grad()
    with mg.record_grad_norms():
        loss.backward()
    hidden = mg.step_grad_norms(loss)["layer0/forward"]
    expected = [np.linalg.norm(host(h.grad)) for h in states[(0, "forward")]]
    np.testing.assert_allclose(hidden, expected, rtol=1e-5)
    state = mg.step_grad_norms(loss, which="state")["layer0/forward"]
    assert np.all(state[:-1] >= hidden[:-1])  # (h, c) together


def test_step_grad_norms_need_a_recording():
    loss, _, _ = scoped_rnn(steps=3, layers=1, bidirectional=False)
    loss.backward()
    with pytest.raises(RuntimeError, match="record_grad_norms"):
        mg.step_grad_norms(loss)
    with pytest.raises(ValueError):
        mg.step_grad_norms(loss, which="gates")


# -- Graphviz ----------------------------------------------------------------------------

def test_draw_graph_is_a_digraph_with_the_same_source():
    graphviz = pytest.importorskip("graphviz")
    loss, params, _ = scoped_rnn(steps=3)
    picture = mg.draw_graph(loss, params=params, group="timestep")
    assert isinstance(picture, graphviz.Digraph)
    assert picture.source == mg.to_dot(loss, params=params, group="timestep")


def test_renders_real_svg(tmp_path):
    require_dot()
    loss, params, _ = scoped_rnn(steps=4, lstm=True)
    with mg.record_grad_norms():
        loss.backward()
    picture = mg.draw_graph(loss, params=params, group="timestep", show_grads=True)
    path = picture.render(tmp_path / "rnn", format="svg")
    with open(path, encoding="utf-8") as file:
        svg = file.read()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert "weight_hh_l1_reverse" in svg and "t=3" in svg
    assert svg.count('class="node op') == len(parse_dot(picture.source).of_kind("op"))
    assert picture.pipe(format="svg").startswith(b"<?xml")


def test_missing_dot_says_how_to_install_it(tmp_path, monkeypatch):
    pytest.importorskip("graphviz")
    (loss,) = mlp()
    picture = mg.draw_graph(loss)
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` anywhere on PATH
    for call in (lambda: picture.render(tmp_path / "g", format="svg"),
                 lambda: picture.pipe(format="svg"),
                 lambda: picture._repr_mimebundle_()):
        with pytest.raises(mg.GraphvizNotFoundError) as info:
            call()
        message = str(info.value)
        for needed in ("pip install graphviz", "not enough", "apt-get install graphviz",
                       "brew install graphviz", "conda", "to_dot"):
            assert needed in message
    assert isinstance(info.value, RuntimeError)


def test_to_dot_needs_no_graphviz_package(monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)  # `import graphviz` fails
    monkeypatch.setattr("minigrad.render.dot._CLASS", [])
    (loss,) = mlp()
    assert mg.to_dot(loss).startswith("digraph minigrad {")
    with pytest.raises(ImportError, match="pip install graphviz"):
        mg.draw_graph(loss)


# -- size ------------------------------------------------------------------------------

def _convert_seconds(root, repeats=2) -> float:
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        text = mg.to_dot(root)
        best = min(best, time.perf_counter() - start)
    assert text.count(" -> ") >= 1
    return best


@pytest.mark.slow
def test_a_100000_node_graph_converts_in_linear_time():
    small, large = chain(25_000), chain(100_000)
    assert sys.getrecursionlimit() < 100_000  # the walk cannot be recursive
    dot = parse_dot(mg.to_dot(large))
    assert len(dot.of_kind("op")) == 100_001 and len(dot.edges) == 100_001
    small_time, large_time = _convert_seconds(small), _convert_seconds(large)
    limit = 30.0 if os.environ.get("CI") else 20.0
    assert large_time < limit
    assert large_time < 10 * small_time + 0.5, (small_time, large_time)  # linear: ~4x
    start = time.perf_counter()
    collapsed = parse_dot(mg.to_dot(large, max_nodes=100))
    assert len(collapsed.drawn) == 100 and time.perf_counter() - start < limit
