"""Both directions of a bidirectional layer in one graph node, run side by side.

Why: a→<t> and a←<t> are two independent chains of small steps until nn.Bidirectional
joins them; as two layer nodes (layers.py) the engine runs one chain after the other.
This node holds the two layer nodes' math as its two *halves* (each an instance of
its layer class, with that node's inputs, scope and saved arrays) and runs their
forwards, and later their backwards, at once on two threads where the process may
use two (minigrad/parallel.py), one after the other where not. The numbers are the halves'
own: each half runs exactly the code its own node would.

Pictures and observers see what two layer nodes would show: the node's expansion is
its halves' (the steps of the forward direction, then of the reverse one), and so are
the per-step gradients it gives observers (in the order the engine ran two layer
nodes). Freeing the node after backward frees both
halves' saved arrays.

As in PyTorch's bidirectional layers, a direction that no gradient reached still gets
zeros as its weights' gradients when the other direction got one.
"""
from __future__ import annotations

import minigrad as mg
from minigrad.expansion import Expansion, expansion_of
from minigrad.parallel import side_by_side


class BidirectionalLayer(mg.Function):
    """Both directions of one bidirectional layer (two `LayerCall`s, forward first).
    Outputs: the forward direction's outputs, then the reverse direction's."""

    saves_output = True
    trusted_backward = True  # each half's gradients are fresh arrays of its inputs' kinds

    @staticmethod
    def forward(ctx, *arrays, calls):
        split = len(calls[0].inputs)
        parts = (arrays[:split], arrays[split:])
        halves = ctx.halves = (_half(ctx, calls[0], ctx.inputs[:split]),
                               _half(ctx, calls[1], ctx.inputs[split:]))
        outputs = side_by_side(
            ctx.xp,
            lambda: calls[0].node.forward(halves[0], *parts[0], **calls[0].options),
            lambda: calls[1].node.forward(halves[1], *parts[1], **calls[1].options))
        for half, produced in zip(halves, outputs):
            half._output_data = produced
            half._outputs = (_nothing,) * len(produced)
        return outputs[0] + outputs[1]

    @staticmethod
    def backward(ctx, *grads):
        halves = ctx.halves
        split = len(halves[0]._output_data)
        observed = ctx._observed
        for half, part in zip(halves, (slice(None, split), slice(split, None))):
            half._observed = observed[part] if observed else observed
        first, second = grads[:split], grads[split:]
        results = side_by_side(ctx.xp, lambda: type(halves[0]).backward(halves[0], *first),
                               lambda: type(halves[1]).backward(halves[1], *second))
        return results[0] + results[1]

    # The engine frees a node by setting these two: here they free both halves.
    @property
    def _saved(self):
        return tuple(half._saved for half in self.__dict__.get("halves", ()))

    @_saved.setter
    def _saved(self, value):
        for half in self.__dict__.get("halves", ()):
            half._saved = value

    @property
    def _freed(self):
        return self.__dict__.get("_freed_halves", False)

    @_freed.setter
    def _freed(self, value):
        self.__dict__["_freed_halves"] = value
        for half in self.__dict__.get("halves", ()):
            half._freed = value

    # -- pictures -----------------------------------------------------------------------
    @staticmethod
    def expand(node):
        """The two directions' stand-ins, as their own nodes would have drawn them."""
        first, second = (expansion_of(half) for half in node.halves)
        return Expansion(first.nodes + second.nodes, first.outputs + second.outputs)

    @staticmethod
    def inner_gradients(node) -> list:
        """Each direction's per-step gradients: the reverse direction's first, as the
        engine runs two layer nodes that nn.Bidirectional's `cat` joins (its last input
        first)."""
        return [pair for half in reversed(node.halves)
                for pair in type(half).inner_gradients(half)]


def _nothing():
    return None


def _half(ctx, call, inputs):
    """A node of the half's layer class that is never applied: it holds what that layer
    node would (its inputs, scope and, once forward has run, its saved arrays)."""
    half = object.__new__(call.node)
    half.inputs = inputs
    half.xp = ctx.xp
    half._scope = call.scope
    return half


def run_both(calls) -> tuple:
    """Run two LayerCalls (the forward direction's first) as one BidirectionalLayer node:
    each call's `(output, state)`."""
    outputs = BidirectionalLayer.apply(*calls[0].inputs, *calls[1].inputs, calls=calls)
    split = calls[0].node.state_parts + 1  # the forward direction's outputs: all a<t>, its state
    return calls[0].assemble(*outputs[:split]), calls[1].assemble(*outputs[split:])
