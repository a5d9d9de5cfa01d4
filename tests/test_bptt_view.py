"""view="bptt": what the course's figure is built from (typed scopes, role tags, fused
steps' declared gates), and the engine's public observer API it records norms with."""
from __future__ import annotations

import re

import pytest
from dot_helpers import parse_dot

import minigrad as mg
import nn
import nn.functional as F
from minigrad.render import bptt
from minigrad.render.graph import collect


def lstm_loss(fused=True, steps=3, **kwargs):
    mg.manual_seed(0)
    lstm = nn.LSTM(3, 4, fused=fused, **kwargs)
    output, _ = lstm(mg.randn(steps, 2, 3))
    return lstm, (output ** 2).mean()


def labels(source: str) -> list:
    return [m.group(1) for m in re.finditer(r'label="([^"]*)"', source)]


@pytest.mark.parametrize("fused", [True, False])
def test_every_step_box_carries_the_course_names(fused):
    lstm, loss = lstm_loss(fused)
    text = "\n".join(labels(mg.to_dot(loss, params=lstm, view="bptt")))
    for t in (1, 2, 3):
        assert f"LSTM t={t}\\na<{t}>, c<{t}>" in text
    assert "a<0>" in text and "c<0>" in text  # the initial state, tagged by nn.Recurrent


@pytest.mark.parametrize("kind, gates", [
    ("LSTM", ("Γu", "Γf", "Γo", "c̃<2>", "c<2>", "a<2>", "[a<1>, x<2>]")),
    ("GRU", ("Γu", "Γr", "c̃<2>", "c<2>")),
])
@pytest.mark.parametrize("fused", [True, False])
def test_expand_gates_shows_the_gates_fused_or_not(kind, gates, fused):
    mg.manual_seed(0)
    layer = getattr(nn, kind)(3, 4, fused=fused)
    output, _ = layer(mg.randn(3, 2, 3))
    loss = (output ** 2).mean()
    dot = parse_dot(mg.to_dot(loss, view="bptt", expand="gates"))
    step_two = [n.label for n in dot.nodes.values() if any("t=2" in c for c in n.clusters)]
    for gate in gates:
        assert any(label.startswith(gate) for label in step_two), (gate, step_two)


def test_a_fused_step_is_drawn_from_what_it_saved_without_running_again():
    _, loss = lstm_loss(fused=True)
    before = sum(1 for v in collect(loss, {}).vertices if v.kind == "op")
    diagram = bptt.build(collect(loss, {}), expand="gates")
    gates = {b.label: b for b in diagram.boxes.values() if b.kind == "gate" and b.step == "s0_1"}
    step = next(n for n in diagram.nodes_of(diagram.boxes["s0_1"]) if n.op_name == "LSTMStep")
    saved_gates = step.saved_arrays[0]
    hidden = saved_gates.shape[1] // 4
    assert (gates["Γf"].arrays[0] == saved_gates[:, hidden:2 * hidden]).all()
    assert sum(1 for v in collect(loss, {}).vertices if v.kind == "op") == before


def test_composite_ops_are_one_box():
    mg.manual_seed(0)
    rnn = nn.RNN(3, 4)
    output, _ = rnn(mg.randn(4, 2, 3))
    loss = F.cross_entropy(output.reshape(-1, 4), mg.tensor([0, 1, 2, 3, 0, 1, 2, 3]))
    boxes = bptt.build(collect(loss, {})).boxes.values()
    assert [b.label for b in boxes if b.kind == "composite"] == ["cross_entropy"]
    ops = {n.op_name for b in boxes if b.kind == "composite" for n in
           bptt.build(collect(loss, {})).nodes_of(b)}
    assert len(ops) > 3  # the eight primitive ops of the loss, in one box


def test_parameters_are_drawn_once_per_row_and_direction():
    lstm, loss = lstm_loss(num_layers=2, bidirectional=True)
    source = mg.to_dot(loss, params=lstm, view="bptt")
    for name in ("weight_hh_l0", "weight_ih_l1_reverse"):
        assert source.count(name + " ") == 1, name


def test_a_user_module_named_layer1_is_a_module_not_a_recurrent_layer():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.layer1 = nn.Linear(2, 3)  # a name a renderer must not take for a layer
            self.head = nn.Linear(3, 1)

        def forward(self, x):
            return self.head(self.layer1(x).tanh())

    net = Net()
    loss = net(mg.randn(4, 2)).sum()
    dot = parse_dot(mg.to_dot(loss, params=net, group="module"))
    assert ("layer1",) in dot.clusters and ("head",) in dot.clusters
    inside = [n for n in dot.nodes.values() if n.clusters[:1] == ("layer1",)]
    assert any("MatMul" in n.label for n in inside)  # its ops are drawn in its cluster
    entry = net.layer1.weight  # and its scope entries are typed
    scopes = {e for v in collect(loss, {}).vertices if v.kind == "op" for e in v.obj._scope}
    assert mg.ScopeEntry("module", "layer1") in scopes and entry is not None


def test_the_op_view_options_are_refused_by_the_bptt_view():
    _, loss = lstm_loss()
    for option in ({"group": "timestep"}, {"max_nodes": 10}, {"max_steps": 2}):
        with pytest.raises(ValueError, match="mg.to_html"):
            mg.to_dot(loss, view="bptt", **option)
    with pytest.raises(ValueError, match="view='bptt'"):
        mg.to_dot(loss, expand="gates")
    with pytest.raises(ValueError, match="view must be"):
        mg.to_dot(loss, view="pretty")


def test_observe_gradients_sees_every_node_once_in_engine_order():
    x = mg.randn(3, requires_grad=True)
    loss = ((x * 2).tanh() * x).sum()
    seen = []
    with mg.observe_gradients(lambda node, grads: seen.append((node.op_name, len(grads)))):
        loss.backward()
    assert seen[0] == ("Sum", 1) and len(seen) == 4
    loss = (x * 3).sum()
    loss.backward()  # after the block: not observed
    assert len(seen) == 4
    with pytest.raises(TypeError, match="callable"):
        mg.observe_gradients("not a function")


def test_tag_on_a_leaf_names_it_and_on_a_result_labels_its_node():
    leaf = mg.zeros(2)
    assert mg.tag(leaf, "a<0>") is leaf and leaf.name == "a<0>"
    x = mg.randn(2, requires_grad=True)
    y = mg.tag(x.sigmoid(), "Γf")
    assert mg.scopes.role_of(y.grad_fn) == "Γf"
    with mg.no_grad():
        assert mg.tag(x.sigmoid(), "Γf").grad_fn is None  # nothing to tag, nothing kept


def test_picture_repr_is_short():
    pytest.importorskip("graphviz")
    _, loss = lstm_loss()
    text = repr(mg.draw_graph(loss, view="bptt"))
    assert text.startswith("<mg.draw_graph picture:") and len(text) < 100
