"""`nn.Bidirectional`: read the sequence both ways and put the two readings side by side.

A bidirectional RNN gives step t both the past (a forward layer, a→<t>) and the
future (a reverse layer, a←<t>); its output at t is [a→<t>, a←<t>] on the
feature axis, so ŷ<t> can depend on the whole sequence.
"""
from __future__ import annotations

from typing import Any

import minigrad as mg

from ..module import Module
from .bidirectional_layer import run_both
from .cells import RecurrentCell
from .kernels import layer_kernel_for
from .recurrent import Recurrent


def _size(layer: Module, name: str) -> int | None:
    value = getattr(layer, name, None)
    if value is None and name == "output_size":
        value = getattr(layer, "hidden_size", None)
    return value


class Bidirectional(Module):
    """A bidirectional layer: two layers read the same sequence both ways; their outputs side by side.

    `forward(x, hx=None, lengths=None) -> (output, state)`. What `bidirectional=True`
    builds inside PyTorch's recurrent layers, as a module of its own (like Keras's
    `Bidirectional`), so the two directions may use different cells. Step t's output
    is [a→<t>, a←<t>]: the past from the forward layer, the future from the reverse one.

    Usually `Bidirectional(Recurrent(cell_a), Recurrent(cell_b, reverse=True))`.
    `output` concatenates both layers' outputs on the feature axis (forward
    first), `state` is `(forward_state, backward_state)`, and `hx` takes that
    same pair (None, or None for either side, means zeros). `lengths` goes to
    both, so the reverse layer starts at each sequence's own last step.

    Args:
        forward_layer: the layer that reads the sequence from its first step.
        backward_layer: the layer that reads it from its last step (`reverse=True`).

    Raises:
        TypeError: a layer is a bare cell (wrap it in `nn.Recurrent`) or not a Module.
        ValueError: both layers read the same way, or they disagree on `batch_first`
            or on the input size.

    Examples:
        >>> mg.manual_seed(0)
        >>> both = nn.Bidirectional(nn.Recurrent(nn.GRUCell(3, 4)),
        ...                         nn.Recurrent(nn.GRUCell(3, 5), reverse=True))
        >>> output, (forward_h, backward_h) = both(mg.randn(6, 2, 3))
        >>> output.shape, forward_h.shape, backward_h.shape
        ((6, 2, 9), (2, 4), (2, 5))
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
        """Whether x and output are (batch, seq_len, features): the two layers' layout.

        Returns:
            The forward layer's `batch_first` (False if it has none).

        Examples:
            >>> nn.Bidirectional(nn.Recurrent(nn.RNNCell(3, 4)),
            ...                  nn.Recurrent(nn.RNNCell(3, 4), reverse=True)).batch_first
            False
        """
        return getattr(self.forward_layer, "batch_first", False)

    @property
    def input_size(self) -> int | None:
        """Features per step of the input, which both layers read.

        Returns:
            An int, or None when the forward layer does not say.

        Examples:
            >>> nn.Bidirectional(nn.Recurrent(nn.RNNCell(3, 4)),
            ...                  nn.Recurrent(nn.RNNCell(3, 4), reverse=True)).input_size
            3
        """
        return _size(self.forward_layer, "input_size")

    @property
    def output_size(self) -> int | None:
        """Features per step of the output: the sum of both layers' (read by `nn.Stack`).

        Returns:
            An int, or None when either layer does not say.

        Examples:
            >>> nn.Bidirectional(nn.Recurrent(nn.RNNCell(3, 4)),
            ...                  nn.Recurrent(nn.RNNCell(3, 5), reverse=True)).output_size
            9
        """
        sizes = (_size(self.forward_layer, "output_size"), _size(self.backward_layer, "output_size"))
        return None if None in sizes else sum(sizes)

    def forward(self, x: mg.Tensor, hx: Any = None, lengths: Any = None) -> tuple[mg.Tensor, tuple]:
        """Run both layers over `x` and concatenate their outputs on the feature axis.

        Args:
            x: the input sequence, in the layers' layout (`batch_first`).
            hx: None, or the pair (forward_state, backward_state); None for either
                side means zeros.
            lengths: one int per sequence for a padded batch, passed to both layers.

        Returns:
            `(output, (forward_state, backward_state))`; `output` is the forward
            layer's output then the backward layer's, on the last axis.

        Raises:
            TypeError: `hx` is neither None nor a pair; a layer raises on inputs that
                do not fit it.

        Examples:
            >>> mg.manual_seed(0)
            >>> both = nn.Bidirectional(nn.Recurrent(nn.RNNCell(3, 4)),
            ...                         nn.Recurrent(nn.RNNCell(3, 4), reverse=True))
            >>> output, (h_forward, h_backward) = both(mg.randn(6, 2, 3), hx=(None, mg.zeros(2, 4)))
            >>> output.shape
            (6, 2, 8)
            >>> bool(mg.allclose(output[-1, :, :4], h_forward)), bool(mg.allclose(output[0, :, 4:], h_backward))
            (True, True)
        """
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
        both = self._in_one_node(x, forward_hx, backward_hx) if lengths is None else None
        if both is not None:
            (forward_output, forward_state), (backward_output, backward_state) = both
        else:
            forward_output, forward_state = self.forward_layer(x, forward_hx, lengths)
            backward_output, backward_state = self.backward_layer(x, backward_hx, lengths)
        return mg.cat([forward_output, backward_output], axis=-1), (forward_state, backward_state)

    def _in_one_node(self, x: mg.Tensor, forward_hx: Any, backward_hx: Any) -> tuple | None:
        """Both layers' `(output, state)` from one node that runs the two directions side
        by side (bidirectional_layer.py), when both are plain `nn.Recurrent`s whose cells
        run as one layer node; else None (each layer is called)."""
        layers = (self.forward_layer, self.backward_layer)
        if any(type(layer) is not Recurrent or layer_kernel_for(layer.cell) is None
               for layer in layers):
            return None
        planned = []
        for layer, hx in zip(layers, (forward_hx, backward_hx)):
            with layer._call_scope():
                planned.append(layer._one_node(x, hx))
        results = run_both([call for call, _ in planned])
        presented = []
        for layer, (_, present), result in zip(layers, planned, results):
            with layer._call_scope():
                presented.append(present(*result))
        return tuple(presented)
