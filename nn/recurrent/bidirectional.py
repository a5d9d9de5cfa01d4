"""`nn.Bidirectional`: read the sequence both ways and put the two readings side by side.

A bidirectional RNN gives step t both the past (a forward layer, a→<t>) and the
future (a reverse layer, a←<t>); its output at t is [a→<t>, a←<t>] on the
feature axis, so ŷ<t> can depend on the whole sequence.
"""
from __future__ import annotations

from typing import Any

import minigrad as mg

from ..module import Module
from .cells import RecurrentCell


def _size(layer: Module, name: str) -> int | None:
    value = getattr(layer, name, None)
    if value is None and name == "output_size":
        value = getattr(layer, "hidden_size", None)
    return value


class Bidirectional(Module):
    """Two layers over the same input: `forward(x, hx=None, lengths=None) -> (output, state)`.

    Usually `Bidirectional(Recurrent(cell_a), Recurrent(cell_b, reverse=True))`.
    `output` concatenates both layers' outputs on the feature axis (forward
    first), `state` is `(forward_state, backward_state)`, and `hx` takes that
    same pair (None, or None for either side, means zeros). `lengths` goes to
    both, so the reverse layer starts at each sequence's own last step.
    """

    def __init__(self, forward_layer: Module, backward_layer: Module):
        super().__init__()
        for name, layer in (("forward_layer", forward_layer), ("backward_layer", backward_layer)):
            if isinstance(layer, RecurrentCell):
                raise TypeError(
                    f"Bidirectional: {name} is a cell ({type(layer).__name__}); wrap it in a layer "
                    "that runs it over time: Bidirectional(Recurrent(cell_a), "
                    "Recurrent(cell_b, reverse=True))"
                )
            if not isinstance(layer, Module):
                raise TypeError(f"Bidirectional: {name} must be an nn.Module, got {type(layer).__name__}")
        forward_reverse = getattr(forward_layer, "reverse", None)
        backward_reverse = getattr(backward_layer, "reverse", None)
        if forward_reverse is not None and forward_reverse == backward_reverse:
            raise ValueError(
                f"Bidirectional: both layers have reverse={forward_reverse}; the backward layer "
                "must read the sequence the other way, e.g. Recurrent(cell_b, reverse=True)"
            )
        first_layout = getattr(forward_layer, "batch_first", False)
        if getattr(backward_layer, "batch_first", False) != first_layout:
            raise ValueError("Bidirectional: the two layers disagree on batch_first")
        in_sizes = {_size(forward_layer, "input_size"), _size(backward_layer, "input_size")} - {None}
        if len(in_sizes) > 1:
            raise ValueError(f"Bidirectional: the two layers expect different input sizes {sorted(in_sizes)}")
        self.forward_layer = forward_layer
        self.backward_layer = backward_layer

    @property
    def batch_first(self) -> bool:
        return getattr(self.forward_layer, "batch_first", False)

    @property
    def input_size(self) -> int | None:
        return _size(self.forward_layer, "input_size")

    @property
    def output_size(self) -> int | None:
        """Features per step of the output: the sum of both layers' (None if unknown)."""
        sizes = (_size(self.forward_layer, "output_size"), _size(self.backward_layer, "output_size"))
        return None if None in sizes else sum(sizes)

    def forward(self, x: mg.Tensor, hx: Any = None, lengths: Any = None) -> tuple[mg.Tensor, tuple]:
        if hx is None:
            forward_hx = backward_hx = None
        elif isinstance(hx, (tuple, list)) and len(hx) == 2:
            forward_hx, backward_hx = hx
        else:
            raise TypeError(
                "Bidirectional: hx must be None or a pair (forward_state, backward_state), got "
                + (f"a {type(hx).__name__} of {len(hx)}" if isinstance(hx, (tuple, list))
                   else type(hx).__name__)
            )
        forward_output, forward_state = self.forward_layer(x, forward_hx, lengths)
        backward_output, backward_state = self.backward_layer(x, backward_hx, lengths)
        return mg.cat([forward_output, backward_output], axis=-1), (forward_state, backward_state)
