"""`nn.Stack`: a deep RNN, each layer reading the sequence of outputs of the one below.

Layer l turns the sequence a[l-1]<1..T> into a[l]<1..T>; the last layer's
outputs are the stack's. Dropout, when asked for, sits between layers only
(on each layer's output but the last), and only in training mode.
"""
from __future__ import annotations

import warnings
from typing import Any

import minigrad as mg

from .. import functional as F
from ..module import Module, ModuleList
from .cells import RecurrentCell


class Stack(Module):
    """Layers applied in order: `forward(x, hx=None, lengths=None) -> (output, states)`.

    Each layer is any module with `forward(x, hx=None, lengths=None) -> (output,
    state)` (Recurrent, Bidirectional, another Stack, or your own). `output` is
    the last layer's output; `states` is the list of every layer's final state,
    and `hx` takes the same list (None, or None entries, mean zeros). `lengths`
    goes to every layer. All layers share one layout (`batch_first`).
    """

    def __init__(self, layers: list[Module], dropout: float = 0.0):
        super().__init__()
        layers = list(layers)
        if not layers:
            raise ValueError("Stack: needs at least one layer")
        for index, layer in enumerate(layers):
            if isinstance(layer, RecurrentCell):
                raise TypeError(
                    f"Stack: layer {index} is a cell ({type(layer).__name__}); wrap it in a layer "
                    "that runs it over time: Stack([Recurrent(cell_1), Recurrent(cell_2)])"
                )
            if not isinstance(layer, Module):
                raise TypeError(f"Stack: layer {index} must be an nn.Module, got {type(layer).__name__}")
        if not 0.0 <= dropout <= 1.0:
            raise ValueError(f"Stack: dropout must be a probability in [0, 1], got {dropout}")
        if dropout > 0 and len(layers) == 1:
            warnings.warn(
                "Stack: dropout is applied between layers only, so with one layer it does "
                f"nothing (dropout={dropout}, 1 layer)", stacklevel=2
            )
        layouts = {bool(getattr(layer, "batch_first", False)) for layer in layers}
        if len(layouts) > 1:
            raise ValueError("Stack: the layers disagree on batch_first; give them all the same layout")
        for index in range(len(layers) - 1):
            produced = getattr(layers[index], "output_size", None)
            expected = getattr(layers[index + 1], "input_size", None)
            if produced is not None and expected is not None and produced != expected:
                raise ValueError(
                    f"Stack: layer {index} outputs {produced} features per step but layer "
                    f"{index + 1} expects input_size={expected}"
                )
        self.layers = ModuleList(layers)
        self.dropout = float(dropout)

    @property
    def batch_first(self) -> bool:
        return bool(getattr(self.layers[0], "batch_first", False))

    @property
    def input_size(self) -> int | None:
        return getattr(self.layers[0], "input_size", None)

    @property
    def output_size(self) -> int | None:
        return getattr(self.layers[len(self.layers) - 1], "output_size", None)

    def forward(self, x: mg.Tensor, hx: Any = None, lengths: Any = None) -> tuple[mg.Tensor, list]:
        count = len(self.layers)
        if hx is None:
            hx = [None] * count
        elif not isinstance(hx, (list, tuple)) or len(hx) != count:
            got = f"{len(hx)} states" if isinstance(hx, (list, tuple)) else f"a {type(hx).__name__}"
            raise ValueError(f"Stack: hx must be a list with one state per layer ({count}), got {got}")
        states = []
        for index, (layer, layer_hx) in enumerate(zip(self.layers, hx)):
            with mg.layer_scope(index):
                if index > 0 and self.dropout > 0 and self.training:
                    with mg.name_scope("dropout"):
                        x = F.dropout(x, self.dropout, training=True)
                x, state = layer(x, layer_hx, lengths)
            states.append(state)
        return x, states
