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
    """A deep RNN: sequence layers applied in order, each reading the outputs of the one below.

    `forward(x, hx=None, lengths=None) -> (output, states)`. What `num_layers` builds
    inside PyTorch's `nn.LSTM` (and `nn.RNN`, `nn.GRU` here), as a module of its own,
    so layers may differ (cells, sizes, a `Bidirectional` layer); dropout between
    layers is PyTorch's `dropout` argument. Layer l turns a[l-1]<1..T> into a[l]<1..T>.

    Each layer is any module with `forward(x, hx=None, lengths=None) -> (output,
    state)` (Recurrent, Bidirectional, another Stack, or your own). `output` is
    the last layer's output; `states` is the list of every layer's final state,
    and `hx` takes the same list (None, or None entries, mean zeros). `lengths`
    goes to every layer. All layers share one layout (`batch_first`).

    Args:
        layers: the sequence layers, bottom first (at least one; not bare cells).
        dropout: probability of dropout on each layer's output but the last, in
            training mode only (read at forward time, so it may be reassigned).

    Raises:
        TypeError: a layer is a cell (wrap it in `nn.Recurrent`) or not a Module.
        ValueError: no layers, `dropout` outside [0, 1], layers that disagree on
            `batch_first`, or a layer whose `output_size` is not the next one's
            `input_size`.

    Warns:
        UserWarning: `dropout > 0` with a single layer, where it does nothing.

    Examples:
        >>> mg.manual_seed(0)
        >>> deep = nn.Stack([nn.Recurrent(nn.LSTMCell(3, 8)), nn.Recurrent(nn.GRUCell(8, 4))])
        >>> output, states = deep(mg.randn(5, 2, 3))
        >>> output.shape, len(states), states[1].shape
        ((5, 2, 4), 2, (2, 4))
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
        """Whether x and output are (batch, seq_len, features): the layers' shared layout.

        Returns:
            The first layer's `batch_first` (False if it has none).

        Examples:
            >>> nn.Stack([nn.Recurrent(nn.RNNCell(3, 4), batch_first=True)]).batch_first
            True
        """
        return bool(getattr(self.layers[0], "batch_first", False))

    @property
    def input_size(self) -> int | None:
        """Features per step of the input: the first layer's `input_size`.

        Returns:
            An int, or None when the first layer does not say.

        Examples:
            >>> nn.Stack([nn.Recurrent(nn.RNNCell(3, 4)), nn.Recurrent(nn.RNNCell(4, 5))]).input_size
            3
        """
        return getattr(self.layers[0], "input_size", None)

    @property
    def output_size(self) -> int | None:
        """Features per step of the output: the last layer's `output_size`.

        Returns:
            An int, or None when the last layer does not say.

        Examples:
            >>> nn.Stack([nn.Recurrent(nn.RNNCell(3, 4)), nn.Recurrent(nn.RNNCell(4, 5))]).output_size
            5
        """
        return getattr(self.layers[len(self.layers) - 1], "output_size", None)

    def forward(self, x: mg.Tensor, hx: Any = None, lengths: Any = None) -> tuple[mg.Tensor, list]:
        """Run the layers in order, each on the previous one's output sequence.

        Args:
            x: the input sequence, in the layers' layout (`batch_first`).
            hx: None, or a list with one initial state per layer (None entries mean
                zeros), each in that layer's structure.
            lengths: one int per sequence for a padded batch, passed to every layer.

        Returns:
            `(output, states)`: the last layer's output and the list of every layer's
            final state, bottom first.

        Raises:
            ValueError: `hx` is not a list with one state per layer; a layer raises on
                inputs that do not fit it.

        Examples:
            >>> mg.manual_seed(0)
            >>> deep = nn.Stack([nn.Recurrent(nn.RNNCell(3, 4)), nn.Recurrent(nn.RNNCell(4, 4))])
            >>> output, states = deep(mg.randn(5, 2, 3), hx=[None, mg.zeros(2, 4)])
            >>> output.shape, [s.shape for s in states]
            ((5, 2, 4), [(2, 4), (2, 4)])
        """
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
