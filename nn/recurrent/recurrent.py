"""`nn.Recurrent`: the time loop. It runs one cell over a sequence, in one direction.

Backpropagation through time needs nothing here: the loop records every step
on the graph, and `loss.backward()` walks it back from a<T> to a<1>. What the
loop does own:

- speed: `kernels` picks how the steps run: the cell's fused layer kernel, all
  steps in one node (`fused=True`, no padded sequence), its fused step kernel, or
  its `step` after one input projection of all steps, or a call of the cell; a
  cell that rewrites its math is never bypassed;
- variable lengths: padded steps (t ≥ length) keep the state and output zeros,
  so a reverse pass starts at each sequence's own last step;
- scopes for graph pictures: each direction in a direction scope, each step in a
  step scope with its real time index t (also when running in reverse), and the
  initial state tagged a<0> (c<0>) for the BPTT view.
"""
from __future__ import annotations

from typing import Any

import minigrad as mg
from minigrad.scopes import reset_path, set_path, step_paths

from ..module import Module
from . import checks
from .cells import RecurrentCell
from .kernels import layer_kernel_for, stepper
from .state import first_state, hidden_of, map_state, where_state, zeros_like_state


class Recurrent(Module):
    """The time loop: runs one cell over a sequence, in one direction, and returns every output.

    `forward(x, hx=None, lengths=None) -> (output, state)`. The building block of the
    presets (`nn.RNN` is a `Stack` of these), like Keras's `keras.layers.RNN(cell)`;
    PyTorch has no such wrapper. Backpropagation through time needs nothing special:
    every step is recorded, and `loss.backward()` walks back from a<T> to a<1>.

    How a step runs is decided once per call by `nn/recurrent/kernels.py`: a built-in
    cell built with `fused=True` runs the kernels registered for its class (one graph
    node for all steps, drawn as one per step; one per step in a padded batch;
    hand-written backward, the same numbers); any other
    `RecurrentCell` runs its own `step` after one `project_inputs` matmul over all
    steps; a cell that overrides `forward`, or any other Module with
    `forward(x, state=None) -> state`, is called step by step. A subclass that
    overrides `step` or `forward` always runs its own code, never a kernel.

    x is (seq_len, batch, input_size), or (batch, seq_len, input_size) with
    `batch_first=True`, or unbatched (seq_len, input_size). `output` stacks the
    step outputs a<t> (seq_len, batch, hidden_size) in the input's layout;
    `state` is the cell's final state (LSTM: (h, c)), never batch-first. `hx` is
    the initial state in the same structure (None: zeros). `reverse=True` reads
    the sequence from its end; `output[t]` is still the output at step t.

    `lengths` (one int per sequence) handles padded batches: step t of sequence b
    counts only if t < lengths[b]; elsewhere the state is carried unchanged and
    the output is zero, so `state` is each sequence's state at its own end.

    Args:
        cell: a Module with `input_size`, `hidden_size` and `forward(x, state=None) ->
            state` (a `RecurrentCell` or your own).
        reverse: read the sequence from its last step to its first.
        batch_first: x and output are (batch, seq_len, features).

    Raises:
        TypeError: `cell` is not a Module, or lacks `input_size` or `hidden_size`.

    Examples:
        >>> mg.manual_seed(0)
        >>> layer = nn.Recurrent(nn.LSTMCell(3, 4), batch_first=True)
        >>> output, (h, c) = layer(mg.randn(2, 5, 3))
        >>> output.shape, h.shape, c.shape
        ((2, 5, 4), (2, 4), (2, 4))
        >>> bool(mg.allclose(output[:, -1], h))
        True
    """

    def __init__(self, cell: Module, reverse: bool = False, batch_first: bool = False):
        super().__init__()
        if not isinstance(cell, Module):
            raise TypeError(f"Recurrent: the cell must be an nn.Module, got {type(cell).__name__}")
        for attribute in ("input_size", "hidden_size"):
            if not hasattr(cell, attribute):
                raise TypeError(
                    f"Recurrent: the cell {type(cell).__name__} has no `{attribute}`; a cell is a "
                    "Module with input_size, hidden_size and forward(x, state=None) -> state"
                )
        self.cell = cell
        self.reverse = bool(reverse)
        self.batch_first = bool(batch_first)

    @property
    def input_size(self) -> int:
        """Features per step of the input: the cell's `input_size`.

        Returns:
            An int.

        Examples:
            >>> nn.Recurrent(nn.GRUCell(3, 4)).input_size
            3
        """
        return self.cell.input_size

    @property
    def hidden_size(self) -> int:
        """Features of the state a<t>: the cell's `hidden_size`.

        Returns:
            An int.

        Examples:
            >>> nn.Recurrent(nn.GRUCell(3, 4)).hidden_size
            4
        """
        return self.cell.hidden_size

    @property
    def output_size(self) -> int:
        """Features per step of the output: the cell's `hidden_size` (read by `nn.Stack`).

        Returns:
            An int.

        Examples:
            >>> nn.Recurrent(nn.RNNCell(3, 4)).output_size
            4
        """
        return self.cell.hidden_size

    def forward(self, x: mg.Tensor, hx: Any = None, lengths: Any = None) -> tuple[mg.Tensor, Any]:
        """Run the cell over the sequence, from a<0> = `hx` (zeros if None).

        Args:
            x: (seq_len, batch, input_size), (batch, seq_len, input_size) with
                `batch_first`, or unbatched (seq_len, input_size).
            hx: the initial state in the cell's structure, (batch, hidden_size) per part
                (LSTM: the pair (h_0, c_0)), never batch-first; None means zeros.
            lengths: one int per sequence (a list or an integer Tensor) for a padded
                batch; None means every sequence has seq_len steps.

        Returns:
            `(output, state)`: `output` stacks a<1>..a<T>, (seq_len, batch, hidden_size)
            in the input's layout, with zeros at padded steps; `state` is the final
            state (each sequence's own last step), in the cell's structure.

        Raises:
            TypeError: `x`, `hx` or `lengths` has the wrong type or structure.
            ValueError: a shape or length does not fit (the message names the shapes
                and the layout read).

        Examples:
            >>> mg.manual_seed(0)
            >>> layer = nn.Recurrent(nn.GRUCell(3, 4))
            >>> output, h = layer(mg.randn(5, 2, 3), lengths=[5, 3])
            >>> output.shape, h.shape
            ((5, 2, 4), (2, 4))
            >>> float(output[3:, 1].abs().sum()), bool(mg.allclose(h[1], output[2, 1]))
            (0.0, True)
        """
        sequence, unbatched, lengths, state = self._checked(x, hx, lengths)
        with mg.direction_scope("reverse" if self.reverse else "forward"):
            output, state = self._run(sequence, state, lengths)
        return self._presented(output, state, unbatched)

    def _checked(self, x: mg.Tensor, hx: Any, lengths: Any) -> tuple:
        """forward's arguments checked: (time-major sequence, unbatched, lengths, state)."""
        who = f"Recurrent({checks.short_name(self.cell)})"
        sequence, unbatched = checks.time_major_input(x, self.input_size, self.batch_first, who)
        steps, batch = sequence.shape[0], sequence.shape[1]
        lengths = checks.host_lengths(lengths, steps, batch, self.batch_first, unbatched, who)
        parts = self.cell.state_parts if isinstance(self.cell, RecurrentCell) else None
        state = checks.initial_state(hx, batch, self.hidden_size, unbatched, parts,
                                     tuple(x.shape), self.batch_first, who)
        return sequence, unbatched, lengths, state

    def _presented(self, output: mg.Tensor, state: Any, unbatched: bool) -> tuple:
        """(output, state) in the input's layout."""
        if unbatched:
            output = output.squeeze(1)
            state = map_state(lambda s: s.squeeze(0), state)
        elif self.batch_first:
            output = output.swapaxes(0, 1)
        return output, state

    def _one_node(self, x: mg.Tensor, hx: Any = None) -> tuple | None:
        """What `forward(x, hx)` would run as one layer node, not yet run: (its LayerCall,
        `present(output, state)` that puts the result in the input's layout); None when
        the cell has no layer kernel. nn.Bidirectional runs two of them side by side.

        Args:
            x: as for `forward`.
            hx: as for `forward`.

        Returns:
            The pair, or None.

        Raises:
            TypeError, ValueError: as `forward` does, for the same inputs.

        Examples:
            >>> call, present = nn.Recurrent(nn.GRUCell(3, 4))._one_node(mg.randn(5, 2, 3))
            >>> output, h = present(*call.run())
            >>> output.shape, h.shape
            ((5, 2, 4), (2, 4))
        """
        layer = layer_kernel_for(self.cell)
        if layer is None:
            return None
        sequence, unbatched, _, state = self._checked(x, hx, None)
        with mg.direction_scope("reverse" if self.reverse else "forward"):
            call = self._layer_call(layer, sequence, state)
        return call, lambda output, state: self._presented(output, state, unbatched)

    def _layer_call(self, layer, sequence: mg.Tensor, state: Any):
        """The LayerCall of `layer` (a layer kernel) over the whole sequence."""
        steps, batch = sequence.shape[0], sequence.shape[1]
        state = first_state(self.cell, state, sequence, batch)
        return layer(self.cell, sequence, steps, state, self.reverse)

    def _run(self, sequence: mg.Tensor, state: Any, lengths: list[int] | None) -> tuple:
        """The unrolled loop over a time-major (seq_len, batch, features) sequence:
        (the outputs stacked, the final state)."""
        cell = self.cell
        steps, batch = sequence.shape[0], sequence.shape[1]
        shortest = steps if lengths is None else min(lengths)
        layer = layer_kernel_for(cell) if shortest == steps else None
        if layer is not None:  # every step in one node, drawn as its steps (layers.py)
            return self._layer_call(layer, sequence, state).run()
        advance = stepper(cell, sequence)
        state = first_state(cell, state, sequence, batch)
        masks = checks.step_masks(lengths, steps, sequence) if shortest < steps else None
        outputs = [None] * steps
        order = range(steps - 1, -1, -1) if self.reverse else range(steps)
        paths = step_paths(steps)  # each step in its scope t=<index>, entered with one C call
        Tensor = mg.Tensor
        for t in order:
            token = set_path(paths[t])
            try:
                new_state = advance(t, state)
                kind = type(new_state)  # hidden_of, inlined for the common states
                output = new_state[0] if kind is tuple else new_state if kind is Tensor \
                    else hidden_of(new_state)
                if t >= shortest:  # some sequences have ended: they keep their state, output 0
                    keep = masks[t]
                    if state is None:
                        state = zeros_like_state(new_state)
                    new_state = where_state(keep, new_state, state)
                    output = mg.where(keep, output, 0.0)
            finally:
                reset_path(token)
            state = new_state
            outputs[t] = output
        return mg.stack(outputs, axis=0), state

    def extra_repr(self) -> str:
        """The flags shown in the repr: `reverse=True`, `batch_first=True` when set.

        Returns:
            The set flags, comma-separated; '' for the defaults.

        Examples:
            >>> nn.Recurrent(nn.RNNCell(3, 4), reverse=True).extra_repr()
            'reverse=True'
        """
        flags = [name for name in ("reverse", "batch_first") if getattr(self, name)]
        return ", ".join(f"{name}=True" for name in flags)
