"""Nodes that compute many steps at once, and the steps pictures draw for them.

Why: a recurrent layer run as one graph node (nn's fused layers: every time step of
one layer and direction in one forward and one backward) has no per-step Python cost,
but a picture of one box teaches nothing about BPTT. So such a node's class declares
`expand(node) -> Expansion`: *stand-in* nodes and tensors with exactly the shape of the
graph the steps would have recorded one by one (the input projection, a node per step
in its `t=` scope, the stack of the outputs), holding views of the layer's arrays.
Pictures (`minigrad.render`) walk the graph through `picture_inputs` and
`source_of`, so they see the stand-ins where the layer node is; the engine never sees
the stand-ins: backward runs the layer node's own backward, once.

When someone observes a backward pass (`mg.observe_gradients`, as
`mg.record_grad_norms()` does), observers see the graph as pictures do: after the layer
node's backward, the engine asks it for the gradients of its stand-ins' outputs
(`inner_gradients`) and shows the observers each stand-in in the order the steps ran
(the layer node itself is not shown), so the gradient norms per step (‖∂L/∂a<t>‖, the
vanishing-gradient curve) and the order the HTML viewer replays are those of nodes
recorded one per step.
"""
from __future__ import annotations

import weakref

__all__ = ["Expansion", "picture_inputs", "source_of", "stand_in", "stand_in_tensor"]


class Expansion:
    """What one node stands for in pictures.

    Attributes:
        nodes: the stand-in nodes, consumers first (the order the engine would run their
            backward in).
        outputs: for each output of the node, the (stand-in node, output index) that
            produces it in the picture.
    """

    __slots__ = ("nodes", "outputs")

    def __init__(self, nodes: list, outputs: tuple):
        self.nodes = nodes
        self.outputs = outputs


def expansion_of(node):
    """The node's Expansion (made once, then kept on the node), or None for a plain node."""
    expand = type(node).expand
    if expand is None:
        return None
    made = node.__dict__.get("_expansion")
    if made is None:
        made = node._expansion = expand(node)
    return made


def source_of(tensor) -> tuple:
    """(node, output index) that produced `tensor` in pictures: its creator, or the
    stand-in that produces it when its creator is a node with an expansion."""
    node = tensor._creator
    if node is None or type(node).expand is None:
        return node, tensor._output_index
    return expansion_of(node).outputs[tensor._output_index]


def picture_inputs(node) -> list:
    """Every node that feeds `node` as pictures see it (stand-ins for expanded nodes),
    once per input."""
    return [source_of(tensor)[0] for tensor in node.inputs if tensor._creator is not None]


def stand_in(op_class: type, inputs: list, outputs: list, scope: tuple, **attributes):
    """A node of `op_class` that was never run: for pictures only.

    Args:
        op_class: the op it shows (its class gives the picture its name and roles).
        inputs: its input tensors: real ones, or other stand-ins' outputs.
        outputs: the arrays of its outputs (views of the expanded node's arrays).
        scope: the scope path it is drawn in.
        **attributes: anything else its class reads (e.g. what `parts_values` reads).

    Returns:
        The node; `node.output(k)` (or `stand_in_tensor`) gives its output tensors.
    """
    node = object.__new__(op_class)
    node.inputs = list(inputs)
    node._output_data = tuple(outputs)
    node._scope = scope
    node._outputs = (lambda: None,) * len(outputs)  # no live tensors: made on demand
    node.__dict__.update(attributes)
    return node


def stand_in_tensor(node, index: int, requires_grad: bool = True):
    """The tensor `node` outputs at `index`, for another stand-in's inputs (made once)."""
    from .tensor import Tensor

    made = node.__dict__.setdefault("_made_outputs", {})
    tensor = made.get(index)
    if tensor is None:
        tensor = made[index] = Tensor._make(node._output_data[index], requires_grad, node, index)
        outputs = list(node._outputs)
        outputs[index] = weakref.ref(tensor)
        node._outputs = tuple(outputs)
    return tensor


def stack_stand_in(tensors: list, data, scope: tuple):
    """A stand-in of `mg.stack(tensors, axis=0)` whose output array is `data`."""
    from .ops.joining import Stack

    return stand_in(Stack, tensors, [data], scope, axis=0)
