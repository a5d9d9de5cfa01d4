"""The hot paths inline what they would otherwise call: `Function.apply` builds its output
tensors without `Tensor._make`, and the recurrent loop enters each step's scope without
`mg.step_scope`. These tests pin the inlined code to what it replaces."""
import numpy as np
import pytest
from helpers import picture_nodes

import minigrad as mg
import nn
from minigrad.scopes import reset_path, set_path, step_paths
from minigrad.tensor import Tensor


class TwoOut(mg.Function):
    @staticmethod
    def forward(ctx, a, b):
        return a * 2, a + b

    @staticmethod
    def backward(ctx, g1, g2):
        return 2 * g1 + g2, g2


def _attributes(tensor):
    return {name: getattr(tensor, name) for name in Tensor.__slots__ if name != "__weakref__"}


def _same_attributes(tensor, made, creator, index):
    got, want = _attributes(tensor), _attributes(made)
    assert got.pop("_creator") is creator and want.pop("_creator") is creator
    assert got.pop("_data") is want.pop("_data")
    assert got.pop("_output_index") == want.pop("_output_index") == index
    assert got == want


@pytest.mark.parametrize("make", [
    lambda a, b: (a * b,),
    lambda a, b: TwoOut.apply(a, b),
    lambda a, b: (a.reshape(3, 2),),
], ids=["one output", "two outputs", "a view"])
def test_recorded_outputs_are_what_tensor_make_builds(make):
    a = mg.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    b = mg.tensor(np.ones((2, 3)))
    outputs = make(a, b)
    for index, out in enumerate(outputs):
        node = out.grad_fn
        made = Tensor._make(out._data, True, node, index)
        if type(node).storage_view:  # a view shares its input's version counter
            assert out._version is a._version
            made._version = a._version
        else:
            assert out._version is not a._version
        _same_attributes(out, made, node, index)
        assert node.output(index) is out  # the node holds it by weak reference


def test_step_paths_are_the_scopes_step_scope_enters():
    with mg.layer_scope(1), mg.direction_scope("reverse"):
        paths = step_paths(4)
        for t in range(4):
            with mg.step_scope(t):
                expected = mg.current_scope()
            token = set_path(paths[t])
            try:
                assert mg.current_scope() == expected
            finally:
                reset_path(token)
        assert mg.current_scope()[-1].kind == "direction"


@pytest.mark.parametrize("fused", [True, False])
@pytest.mark.parametrize("reverse", [False, True])
def test_every_recorded_step_node_sits_in_its_step_scope(fused, reverse):
    mg.manual_seed(0)
    layer = nn.Recurrent(nn.LSTMCell(3, 4, fused=fused), reverse=reverse)
    output, _ = layer(mg.randn(5, 2, 3))
    steps = {}
    for node in picture_nodes(output):  # a fused layer's node as its steps
        step = [entry for entry in node._scope if entry.kind == "step"]
        if step:
            assert node._scope[-2].name == ("reverse" if reverse else "forward")
            steps.setdefault(step[-1].index, set()).add(node.op_name)
    assert sorted(steps) == list(range(5))
    if fused:
        assert all(names == {"LSTMStep"} for names in steps.values())
    assert mg.current_scope() == ()
