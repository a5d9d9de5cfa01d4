"""`nn.RNN`, `nn.GRU`, `nn.LSTM`: PyTorch's recurrent layers, assembled from the blocks.

Each preset is a `Stack` of `Recurrent` (or `Bidirectional`) layers over the
built-in cells; it adds only PyTorch's interface on top:

- parameters named and ordered as PyTorch's (`weight_ih_l0`, `weight_hh_l0`,
  `bias_ih_l0`, `bias_hh_l0`, then `..._l0_reverse`, then layer 1, ...): the
  cells' own Parameter objects, registered under those flat names, so
  `state_dict()` loads PyTorch checkpoints and the other way round;
- `hx`, `h_n` and `c_n` shaped (num_layers * num_directions, batch, hidden_size),
  never batch-first; unbatched input (seq_len, input_size) as PyTorch.

Beyond PyTorch's arguments, `fused` (default True) makes each time step one graph
node with a hand-written backward (see fused.py): the same numbers, several times
faster. `fused=False` records every gate, for reading or drawing the graph.
"""
from __future__ import annotations

import warnings
from typing import Any

import minigrad as mg

from ..module import Module
from . import checks
from .bidirectional import Bidirectional
from .cells import GRUCell, LSTMCell, RecurrentCell, RNNCell
from .recurrent import Recurrent
from .stack import Stack
from .state import map_state

_WEIGHT_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


class _RecurrentPreset(Module):
    """The shared body of RNN, GRU and LSTM (PyTorch's RNNBase)."""

    state_parts = 1

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 *, fused: bool = True, dtype: Any = None, backend: str | None = None):
        super().__init__()
        name = type(self).__name__
        if not isinstance(hidden_size, int) or isinstance(hidden_size, bool) or hidden_size < 1:
            raise ValueError(f"{name}: hidden_size must be greater than zero, got {hidden_size!r} "
                             "(as PyTorch's layers; the cells accept 0)")
        if not isinstance(num_layers, int) or isinstance(num_layers, bool) or num_layers < 1:
            raise ValueError(f"{name}: num_layers must be a positive int, got {num_layers!r}")
        if not isinstance(dropout, (int, float)) or not 0.0 <= dropout <= 1.0:
            raise ValueError(f"{name}: dropout must be a probability in [0, 1], got {dropout!r}")
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bool(bias)
        self.batch_first = bool(batch_first)
        self.dropout = float(dropout)
        self.bidirectional = bool(bidirectional)
        self._fused = bool(fused)
        directions = (False, True) if bidirectional else (False,)
        layers = []
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else hidden_size * len(directions)
            runs = []
            for reverse in directions:
                cell = self._make_cell(layer_input, hidden_size, bias, dtype, backend)
                suffix = f"_l{layer}" + ("_reverse" if reverse else "")
                cell_params = dict(cell.named_parameters())
                for weight in _WEIGHT_NAMES:
                    if weight in cell_params:  # the same Parameter object, under PyTorch's name
                        setattr(self, weight + suffix, cell_params[weight])
                runs.append(Recurrent(cell, reverse=reverse))
            layers.append(Bidirectional(*runs) if bidirectional else runs[0])
        # Not registered as a child: the parameters are already registered above under
        # their flat names, which is all named_parameters()/state_dict() should show.
        object.__setattr__(self, "_stack", Stack(layers, dropout=0.0))
        self._stack.dropout = self.dropout
        if self.dropout > 0 and num_layers == 1:
            warnings.warn(
                f"{name}: dropout adds dropout after all but the last recurrent layer, so "
                f"dropout={dropout} with num_layers=1 does nothing", stacklevel=2
            )

    def _make_cell(self, input_size: int, hidden_size: int, bias: bool, dtype: Any,
                   backend: str | None) -> RecurrentCell:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def stack(self) -> Stack:
        """The `nn.Stack` of `Recurrent`/`Bidirectional` layers this preset runs.

        Not a child module (its parameters are registered under PyTorch's flat names
        instead), but the same Parameter objects: changing one changes the other.

        Returns:
            The Stack, one layer per `num_layers`.

        Examples:
            >>> mg.manual_seed(0)
            >>> gru = nn.GRU(3, 4, num_layers=2)
            >>> len(gru.stack.layers), gru.stack.layers[1].cell
            (2, GRUCell(4, 4, fused=True))
            >>> gru.stack.layers[0].cell.weight_ih is gru.weight_ih_l0
            True
        """
        return self._stack

    @property
    def num_directions(self) -> int:
        """How many directions each layer reads: 2 with `bidirectional=True`, else 1.

        Returns:
            1 or 2; h_n has num_layers * num_directions rows.

        Examples:
            >>> nn.GRU(3, 4).num_directions, nn.GRU(3, 4, bidirectional=True).num_directions
            (1, 2)
        """
        return 2 if self.bidirectional else 1

    @property
    def fused(self) -> bool:
        """Whether each step is one fused graph node (True) or records every gate (False).

        Assignable at any time: it sets `fused` on every cell (see kernels.py for the
        code each choice runs); the numbers are the same either way. Not in PyTorch.

        Returns:
            The current setting (default True).

        Examples:
            >>> gru = nn.GRU(3, 4)
            >>> gru.fused
            True
            >>> gru.fused = False
            >>> gru.stack.layers[0].cell
            GRUCell(3, 4)
        """
        return self._fused

    @fused.setter
    def fused(self, value: bool) -> None:
        self._fused = bool(value)
        for module in self._stack.modules():
            if isinstance(module, RecurrentCell):
                module.fused = self._fused

    def train(self, mode: bool = True) -> Module:
        """Put the layer (and its internal `stack`) in training or evaluation mode.

        As PyTorch's: in training mode `dropout` drops between layers.

        Args:
            mode: False is the same as `eval()`.

        Returns:
            This module, so calls can be chained.

        Examples:
            >>> lstm = nn.LSTM(3, 4, num_layers=2, dropout=0.5)
            >>> lstm.train(False).stack.training, lstm.train().stack.training
            (False, True)
        """
        super().train(mode)
        self._stack.train(mode)
        return self

    # -- forward ------------------------------------------------------------------
    def forward(self, x: mg.Tensor, hx: Any = None, lengths: Any = None) -> tuple[mg.Tensor, Any]:
        """Run the layers over the sequence, as PyTorch's `forward(input, hx)`.

        `lengths` replaces PyTorch's PackedSequence: pass the padded batch and each
        sequence's length; padded steps keep the state and output zeros.

        Args:
            x: (seq_len, batch, input_size), (batch, seq_len, input_size) with
                `batch_first`, or unbatched (seq_len, input_size).
            hx: h_0 (num_layers * num_directions, batch, hidden_size), never
                batch-first (LSTM: the pair (h_0, c_0)); None means zeros.
            lengths: one int per sequence (a list or an integer Tensor); None means
                every sequence has seq_len steps.

        Returns:
            `(output, h_n)`, LSTM `(output, (h_n, c_n))`: output is (seq_len, batch,
            num_directions * hidden_size) in the input's layout, the last layer's a<t>;
            h_n (and c_n) are (num_layers * num_directions, batch, hidden_size), each
            sequence's state at its own last step.

        Raises:
            TypeError: `x`, `hx` or `lengths` has the wrong type or structure.
            ValueError: a shape or length does not fit (the message names the shapes
                and the layout read, and how to fix it).

        Examples:
            >>> mg.manual_seed(0)
            >>> gru = nn.GRU(3, 4, num_layers=2, batch_first=True)
            >>> output, h_n = gru(mg.randn(2, 5, 3))
            >>> output.shape, h_n.shape
            ((2, 5, 4), (2, 2, 4))
            >>> output, h_n = gru(mg.randn(2, 5, 3), hx=h_n, lengths=[5, 2])
            >>> float(output[1, 2:].abs().sum())
            0.0
        """
        who = checks.short_name(self)
        sequence, unbatched = checks.time_major_input(x, self.input_size, self.batch_first, who)
        steps, batch = sequence.shape[0], sequence.shape[1]
        lengths = checks.host_lengths(lengths, steps, batch, self.batch_first, unbatched, who)
        initial = self._split_hx(hx, batch, unbatched, tuple(x.shape), who)
        self._stack.dropout = self.dropout  # read at forward time, as PyTorch: `rnn.dropout = p` works
        output, states = self._stack(sequence, initial, lengths)
        final = self._join_states(states)
        if unbatched:
            output = output.squeeze(1)
            final = map_state(lambda s: s.squeeze(1), final)
        elif self.batch_first:
            output = output.swapaxes(0, 1)
        return output, final

    def _split_hx(self, hx: Any, batch: int, unbatched: bool, input_shape: tuple, who: str) -> list:
        """PyTorch's stacked hx -> the Stack's list of per-layer states."""
        if hx is None:
            return [None] * self.num_layers
        names = ("h_0", "c_0") if self.state_parts == 2 else ("h_0",)
        if self.state_parts == 2:
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise TypeError(f"{who}: hx must be a pair (h_0, c_0) of Tensors, got {_describe(hx)}")
            parts = list(hx)
        else:
            if not isinstance(hx, mg.Tensor):
                raise TypeError(f"{who}: hx must be one Tensor h_0, got {_describe(hx)}")
            parts = [hx]
        rows = self.num_layers * self.num_directions
        expected = (rows, self.hidden_size) if unbatched else (rows, batch, self.hidden_size)
        for index, (name, part) in enumerate(zip(names, parts)):
            if not isinstance(part, mg.Tensor):
                raise TypeError(f"{who}: {name} must be a Tensor, got {type(part).__name__}")
            if tuple(part.shape) != expected:
                raise ValueError(self._hx_message(who, name, tuple(part.shape), expected, batch,
                                                  unbatched, input_shape))
            if unbatched:
                parts[index] = part.unsqueeze(1)
        per_layer = []
        for layer in range(self.num_layers):
            directions = []
            for direction in range(self.num_directions):
                row = layer * self.num_directions + direction
                pieces = tuple(part[row] for part in parts)
                directions.append(pieces if self.state_parts == 2 else pieces[0])
            per_layer.append(tuple(directions) if self.bidirectional else directions[0])
        return per_layer

    def _hx_message(self, who: str, name: str, shape: tuple, expected: tuple, batch: int,
                    unbatched: bool, input_shape: tuple) -> str:
        if unbatched:
            return (f"{who}: {name} has shape {shape}, but the input of shape {input_shape} is "
                    f"unbatched, so (num_layers * num_directions, hidden_size) = {expected} was "
                    "expected; pass hx=None to start from zeros")
        hint = ""
        if len(shape) == 3 and shape[0] == batch and shape[1] == expected[0]:
            hint = (f" {name} is never batch-first, even with batch_first=True: use "
                    f"{name}.swapaxes(0, 1).")
        elif len(shape) == 3 and shape[1] != batch and shape[1] == input_shape[1 if self.batch_first else 0]:
            other = "batch_first=False" if self.batch_first else "batch_first=True"
            hint = f" The input may be laid out the other way: pass {other}."
        return (f"{who}: {name} has shape {shape}, expected (num_layers * num_directions, batch, "
                f"hidden_size) = {expected}: the batch size {batch} comes from the input of shape "
                f"{input_shape}, read as {checks.layout(self.batch_first)}. Pass hx=None to start "
                f"from zeros sized from the input (e.g. for a smaller last batch).{hint}")

    def _join_states(self, states: list) -> Any:
        """The Stack's per-layer final states -> PyTorch's h_n (LSTM: (h_n, c_n))."""
        rows = []
        for state in states:
            rows.extend(state if self.bidirectional else (state,))
        if self.state_parts == 2:
            return (mg.stack([h for h, _ in rows], axis=0), mg.stack([c for _, c in rows], axis=0))
        return mg.stack(rows, axis=0)

    def extra_repr(self) -> str:
        """The constructor arguments shown in the repr: the sizes, then what is not the default.

        Returns:
            `'input_size, hidden_size'`, then `name=value` for each non-default argument.

        Examples:
            >>> nn.GRU(3, 4, num_layers=2, batch_first=True).extra_repr()
            '3, 4, num_layers=2, batch_first=True'
        """
        text = f"{self.input_size}, {self.hidden_size}"
        defaults = (("num_layers", 1), ("bias", True), ("batch_first", False), ("dropout", 0.0),
                    ("bidirectional", False), ("fused", True))
        for name, default in defaults:
            value = getattr(self, name)
            if value != default:
                text += f", {name}={value}"
        return text


def _describe(value: Any) -> str:
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)}"
    return type(value).__name__


class RNN(_RecurrentPreset):
    """A multi-layer Elman RNN, as `torch.nn.RNN`: a<t> = g(Wax x<t> + Waa a<t-1> + ba).

    g is tanh or relu. Parameters are named, shaped, ordered and initialised as
    PyTorch's (`weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0`, then
    `..._l0_reverse`, layer 1, ...), so `state_dict()` loads a PyTorch checkpoint and
    the other way round. Inside it is an `nn.Stack` of `nn.Recurrent` (or
    `nn.Bidirectional`) layers over `nn.RNNCell`s (see `stack`). Differences from
    PyTorch: `fused`, `dtype`/`backend` instead of `device`, `forward`'s `lengths`
    instead of PackedSequence.

    Args:
        input_size: features of x<t>.
        hidden_size: H, features of a<t> (>= 1).
        num_layers: how many layers are stacked.
        nonlinearity: g, "tanh" or "relu".
        bias: False: the cells have no `bias_ih`, `bias_hh`.
        batch_first: x and output are (batch, seq_len, features); hx, h_n, c_n never are.
        dropout: dropout on each layer's output but the last, in training mode only.
        bidirectional: each layer reads the sequence both ways (`nn.Bidirectional`).
        fused: each step one fused graph node with a hand-written backward (kernels.py;
            the same numbers, faster); False records every gate, for reading or drawing
            the graph. Not in PyTorch.
        dtype: parameter dtype; None is the default dtype.
        backend: "numpy" or "cupy" (PyTorch's `device`); None is the default backend.

    Raises:
        ValueError: an unknown `nonlinearity`, `hidden_size` < 1, `num_layers` < 1, or `dropout` outside [0, 1].

    Warns:
        UserWarning: `dropout > 0` with `num_layers=1`, where it does nothing (as PyTorch).

    Examples:
        >>> mg.manual_seed(0)
        >>> rnn = nn.RNN(3, 4, num_layers=2, nonlinearity="relu")
        >>> rnn
        RNN(3, 4, num_layers=2, nonlinearity='relu')
        >>> output, h_n = rnn(mg.randn(5, 2, 3))
        >>> output.shape, h_n.shape
        ((5, 2, 4), (2, 2, 4))
        >>> list(rnn.state_dict())[:4]
        ['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0']
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False, *, fused: bool = True,
                 dtype: Any = None, backend: str | None = None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, fused=fused, dtype=dtype, backend=backend)

    def _make_cell(self, input_size, hidden_size, bias, dtype, backend) -> RecurrentCell:
        return RNNCell(input_size, hidden_size, bias, self.nonlinearity, fused=self._fused, dtype=dtype,
                       backend=backend)

    def extra_repr(self) -> str:
        """The constructor arguments shown in the repr, with `nonlinearity='relu'` when set.

        Returns:
            `'input_size, hidden_size'`, then `name=value` for each non-default argument.

        Examples:
            >>> nn.RNN(3, 4, nonlinearity="relu").extra_repr()
            "3, 4, nonlinearity='relu'"
        """
        text = super().extra_repr()
        return text + (", nonlinearity='relu'" if self.nonlinearity == "relu" else "")


class GRU(_RecurrentPreset):
    """A multi-layer gated recurrent unit, as `torch.nn.GRU` (the math: `nn.GRUCell`).

    Each step c<t> = Γu * c̃<t> + (1 - Γu) * c<t-1>, with PyTorch's reset gate Γr
    and z = 1 - Γu. Parameters are named, shaped, ordered and initialised as
    PyTorch's (`weight_ih_l0` (3H, input_size), ...), so `state_dict()` loads a
    PyTorch checkpoint and the other way round. Inside it is an `nn.Stack` of
    `nn.Recurrent` (or `nn.Bidirectional`) layers over `nn.GRUCell`s (see `stack`).
    Differences from PyTorch: `fused`, `dtype`/`backend` instead of `device`,
    `forward`'s `lengths` instead of PackedSequence.

    Args:
        input_size: features of x<t>.
        hidden_size: H, features of c<t> (>= 1).
        num_layers: how many layers are stacked.
        bias: False: the cells have no `bias_ih`, `bias_hh`.
        batch_first: x and output are (batch, seq_len, features); hx, h_n, c_n never are.
        dropout: dropout on each layer's output but the last, in training mode only.
        bidirectional: each layer reads the sequence both ways (`nn.Bidirectional`).
        fused: each step one fused graph node with a hand-written backward (kernels.py;
            the same numbers, faster); False records every gate, for reading or drawing
            the graph. Not in PyTorch.
        dtype: parameter dtype; None is the default dtype.
        backend: "numpy" or "cupy" (PyTorch's `device`); None is the default backend.

    Raises:
        ValueError: `hidden_size` < 1, `num_layers` < 1, or `dropout` outside [0, 1].

    Warns:
        UserWarning: `dropout > 0` with `num_layers=1`, where it does nothing (as PyTorch).

    Examples:
        >>> mg.manual_seed(0)
        >>> gru = nn.GRU(3, 4, bidirectional=True)
        >>> gru
        GRU(3, 4, bidirectional=True)
        >>> output, h_n = gru(mg.randn(5, 2, 3))
        >>> output.shape, h_n.shape, gru.weight_ih_l0_reverse.shape
        ((5, 2, 8), (2, 2, 4), (12, 3))
    """

    def _make_cell(self, input_size, hidden_size, bias, dtype, backend) -> RecurrentCell:
        return GRUCell(input_size, hidden_size, bias, fused=self._fused, dtype=dtype, backend=backend)


class LSTM(_RecurrentPreset):
    """A multi-layer long short-term memory, as `torch.nn.LSTM` (the math: `nn.LSTMCell`).

    Each step c<t> = Γu * c̃<t> + Γf * c<t-1> and a<t> = Γo * tanh(c<t>); the state,
    hx and the final state are pairs (h, c). Parameters are named, shaped, ordered
    and initialised as PyTorch's (`weight_ih_l0` (4H, input_size), ...), so
    `state_dict()` loads a PyTorch checkpoint and the other way round. Inside it is
    an `nn.Stack` of `nn.Recurrent` (or `nn.Bidirectional`) layers over
    `nn.LSTMCell`s (see `stack`). Differences from PyTorch: no `proj_size`; `fused`,
    `dtype`/`backend` instead of `device`, `forward`'s `lengths` instead of
    PackedSequence.

    Args:
        input_size: features of x<t>.
        hidden_size: H, features of a<t> and c<t> (>= 1).
        num_layers: how many layers are stacked.
        bias: False: the cells have no `bias_ih`, `bias_hh`.
        batch_first: x and output are (batch, seq_len, features); hx, h_n, c_n never are.
        dropout: dropout on each layer's output but the last, in training mode only.
        bidirectional: each layer reads the sequence both ways (`nn.Bidirectional`).
        fused: each step one fused graph node with a hand-written backward (kernels.py;
            the same numbers, faster); False records every gate, for reading or drawing
            the graph. Not in PyTorch.
        dtype: parameter dtype; None is the default dtype.
        backend: "numpy" or "cupy" (PyTorch's `device`); None is the default backend.

        proj_size: PyTorch's projected LSTM; only 0 (none) is supported.

    Raises:
        ValueError: `hidden_size` < 1, `num_layers` < 1, or `dropout` outside [0, 1];
            `proj_size` other than 0.

    Warns:
        UserWarning: `dropout > 0` with `num_layers=1`, where it does nothing (as PyTorch).

    Examples:
        >>> mg.manual_seed(0)
        >>> lstm = nn.LSTM(3, 4, num_layers=2, batch_first=True)
        >>> output, (h_n, c_n) = lstm(mg.randn(2, 5, 3))
        >>> output.shape, h_n.shape, c_n.shape
        ((2, 5, 4), (2, 2, 4), (2, 2, 4))
        >>> bool(mg.allclose(output[:, -1], h_n[-1]))
        True
    """

    state_parts = 2

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 proj_size: int = 0, *, fused: bool = True, dtype: Any = None,
                 backend: str | None = None):
        if proj_size != 0:  # PyTorch's name: refuse it rather than ignore it
            raise ValueError(
                f"LSTM: proj_size={proj_size!r} (PyTorch's projected LSTM, h<t> = W_hr a<t>) is "
                "not supported; use proj_size=0 and an nn.Linear on the output")
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, fused=fused, dtype=dtype, backend=backend)

    def _make_cell(self, input_size, hidden_size, bias, dtype, backend) -> RecurrentCell:
        return LSTMCell(input_size, hidden_size, bias, fused=self._fused, dtype=dtype, backend=backend)
