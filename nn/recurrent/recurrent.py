"""`nn.Recurrent`: the time loop. It runs one cell over a sequence, in one direction.

Backpropagation through time needs nothing here: the loop records every step
on the graph, and `loss.backward()` walks it back from a<T> to a<1>. What the
loop does own:

- speed: `kernels.stepper` picks how a step runs: the cell's fused kernel
  (`fused=True`), or its `step` after one input projection of all steps, or a
  call of the cell; a cell that rewrites its math is never bypassed;
- variable lengths: padded steps (t ≥ length) keep the state and output zeros,
  so a reverse pass starts at each sequence's own last step;
- scopes for graph pictures: each direction in a direction scope, each step in a
  step scope with its real time index t (also when running in reverse), and the
  initial state tagged a<0> (c<0>) for the BPTT view.
"""
from __future__ import annotations

from typing import Any

import minigrad as mg

from ..module import Module
from . import checks
from .cells import RecurrentCell
from .kernels import stepper
from .state import first_state, hidden_of, map_state, where_state, zeros_like_state


class Recurrent(Module):
    """Runs `cell` over a sequence: `forward(x, hx=None, lengths=None) -> (output, state)`.

    x is (seq_len, batch, input_size), or (batch, seq_len, input_size) with
    `batch_first=True`, or unbatched (seq_len, input_size). `output` stacks the
    step outputs a<t> (seq_len, batch, hidden_size) in the input's layout;
    `state` is the cell's final state (LSTM: (h, c)), never batch-first. `hx` is
    the initial state in the same structure (None: zeros). `reverse=True` reads
    the sequence from its end; `output[t]` is still the output at step t.

    `lengths` (one int per sequence) handles padded batches: step t of sequence b
    counts only if t < lengths[b]; elsewhere the state is carried unchanged and
    the output is zero, so `state` is each sequence's state at its own end.
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
        return self.cell.input_size

    @property
    def hidden_size(self) -> int:
        return self.cell.hidden_size

    @property
    def output_size(self) -> int:
        """Features per step of the output."""
        return self.cell.hidden_size

    def forward(self, x: mg.Tensor, hx: Any = None, lengths: Any = None) -> tuple[mg.Tensor, Any]:
        """Run the sequence; returns (output, final state). Raises ValueError/TypeError on
        inputs, states or lengths that do not fit, naming the shapes."""
        who = f"Recurrent({checks.short_name(self.cell)})"
        sequence, unbatched = checks.time_major_input(x, self.input_size, self.batch_first, who)
        steps, batch = sequence.shape[0], sequence.shape[1]
        lengths = checks.host_lengths(lengths, steps, batch, self.batch_first, unbatched, who)
        parts = self.cell.state_parts if isinstance(self.cell, RecurrentCell) else None
        state = checks.initial_state(hx, batch, self.hidden_size, unbatched, parts,
                                     tuple(x.shape), self.batch_first, who)
        with mg.direction_scope("reverse" if self.reverse else "forward"):
            outputs, state = self._run(sequence, state, lengths)
            output = mg.stack(outputs, axis=0)
        if unbatched:
            output = output.squeeze(1)
            state = map_state(lambda s: s.squeeze(0), state)
        elif self.batch_first:
            output = output.swapaxes(0, 1)
        return output, state

    def _run(self, sequence: mg.Tensor, state: Any, lengths: list[int] | None) -> tuple[list, Any]:
        """The unrolled loop over a time-major (seq_len, batch, features) sequence."""
        cell = self.cell
        steps = sequence.shape[0]
        advance = stepper(cell, sequence)
        state = first_state(cell, state, sequence, sequence.shape[1])
        shortest = steps if lengths is None else min(lengths)
        masks = checks.step_masks(lengths, steps, sequence) if shortest < steps else None
        outputs = [None] * steps
        order = range(steps - 1, -1, -1) if self.reverse else range(steps)
        for t in order:
            with mg.step_scope(t):
                new_state = advance(t, state)
                output = hidden_of(new_state)
                if t >= shortest:  # some sequences have ended: they keep their state, output 0
                    keep = masks[t]
                    if state is None:
                        state = zeros_like_state(new_state)
                    new_state = where_state(keep, new_state, state)
                    output = mg.where(keep, output, 0.0)
            state = new_state
            outputs[t] = output
        return outputs, state

    def extra_repr(self) -> str:
        flags = [name for name in ("reverse", "batch_first") if getattr(self, name)]
        return ", ".join(f"{name}=True" for name in flags)
