"""Which code runs a cell over a sequence: its fused kernel, or its own math step by step.

A cell holds only its math (`step`, gate by gate, in cells.py). Faster code for a
cell is a *kernel*: a function `kernel(cell, sequence) -> advance(t, state)` that
computes the same steps with fewer graph nodes (fused.py), registered here for
one cell class, as Keras's backend `lstm` or PyTorch's `_VF` dispatch pick
theirs. `nn.Recurrent` asks `stepper` once per call, and:

- runs the kernels registered for the cell's class when the cell asked for them
  (`fused=True`) and the class has not rewritten the math: its *layer* kernel
  (layers.py: every step in one node) when no sequence of the batch is padded, its
  step kernel (one node per step) otherwise; a subclass that overrides `step` or
  `forward` runs its own code, never a kernel;
- else runs the cell's `step` after one input projection of all steps, when its
  `forward` is `RecurrentCell.forward` (which is `step(project_inputs(x))`);
- else calls the cell (`cell(x<t>, state)`), whatever it is.

So a user's cell, or a subclass that changes `forward`, is never silently
bypassed, and tests/test_rnn_fused.py checks every kernel against the cell's
own `step`.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import minigrad as mg

from .cells import GRUCell, LSTMCell, RecurrentCell, RNNCell
from .fused import GRUStep, LSTMStep, ProjectSteps, RNNStep, Sweep
from .layers import GRULayer, LayerCall, LSTMLayer, RNNLayer

Advance = Callable[[int, Any], Any]  # (t, state) -> the state after step t
_KERNELS: dict[type, Callable[[RecurrentCell, mg.Tensor, int], Advance]] = {}
# step kernel -> `layer(cell, sequence, steps, state, reverse) -> LayerCall`: the same
# steps as one graph node per layer and direction (layers.py), not yet run
_LAYERS: dict = {}
layers_enabled: bool = True  # False: every fused sequence runs its step nodes (for tests)


def register_kernel(cell_class: type, layer: Callable | None = None) -> Callable:
    """Register `kernel(cell, sequence, steps) -> advance` as the fused code of
    `cell_class` (exactly that class and subclasses that keep its math), and `layer`, if
    given, as the code that runs all of a sequence's steps in one node when no sequence
    of the batch is padded: `layer(cell, sequence, steps, state, reverse)` returns the
    `LayerCall` of that node (layers.py), which nn.Recurrent runs, or nn.Bidirectional
    runs side by side with the other direction's."""
    def decorate(kernel):
        _KERNELS[cell_class] = kernel
        if layer is not None:
            _LAYERS[kernel] = layer
        return kernel
    return decorate


def _owner(cls: type, name: str) -> type | None:
    for klass in cls.__mro__:
        if name in klass.__dict__:
            return klass
    return None


def kernel_for(cell: Any) -> Callable | None:
    """The kernel that may run `cell`, or None: the cell asked for `fused=True`, and
    the nearest registered class it derives from also defines its `step` and `forward`
    (a subclass that rewrote either gets its own math)."""
    if not getattr(cell, "fused", False):
        return None
    cls = type(cell)
    for klass in cls.__mro__:
        kernel = _KERNELS.get(klass)
        if kernel is not None:
            owners = (_owner(cls, "step"), _owner(cls, "forward"))
            return kernel if all(o is None or issubclass(klass, o) for o in owners) else None
    return None


def layer_kernel_for(cell: Any) -> Callable | None:
    """The layer kernel that may run all of `cell`'s steps in one node (under the rule of
    `kernel_for`), or None."""
    if not layers_enabled:
        return None
    kernel = kernel_for(cell)
    return None if kernel is None else _LAYERS.get(kernel)


def runs_own_step(cell: Any) -> bool:
    """True when `cell(x, state)` is `cell.step(cell.project_inputs(x), state)`: a
    RecurrentCell whose `forward` is the base class's."""
    return isinstance(cell, RecurrentCell) and _owner(type(cell), "forward") is RecurrentCell


def unbind_steps(sequence: mg.Tensor) -> list[mg.Tensor]:
    """(seq_len, batch, n) -> seq_len tensors (batch, n), through one split node."""
    steps, batch = sequence.shape[0], sequence.shape[1]
    flat = sequence.reshape(steps * batch, *sequence.shape[2:])
    return mg.chunk(flat, steps, axis=0) if steps > 1 else [flat]


def stepper(cell: Any, sequence: mg.Tensor) -> Advance:
    """`advance(t, state) -> state` running `cell` over a (seq_len, batch, n) sequence."""
    kernel = kernel_for(cell)
    if kernel is not None:
        return kernel(cell, sequence, sequence.shape[0])
    if runs_own_step(cell):
        inputs = unbind_steps(cell.project_inputs(sequence))  # x<t> W_ihᵀ + b, all t at once
        return lambda t, state: cell.step(inputs[t], state)
    inputs = unbind_steps(sequence)
    return lambda t, state: cell(inputs[t], state)


# -- the built-in kernels (fused.py holds their array math) ------------------------------

def _project(cell: RecurrentCell, sequence: mg.Tensor, steps: int, biases: tuple,
             step_class: type, recurrent: tuple) -> tuple:
    """One ProjectSteps node for the whole sequence, its columns scaled as the step
    kernel reads them (`step_class.column_vectors`); it also hands back the gradient of
    the `recurrent` parameters, summed over the steps. Returns (projected steps, sweep)."""
    sweep = Sweep(steps)
    projected = ProjectSteps.apply(sequence, cell.weight_ih, *biases, *recurrent,
                                   steps=steps, sweep=sweep, biases=len(biases),
                                   vectors=step_class.column_vectors)
    return projected, sweep


def rnn_layer(cell: RNNCell, sequence: mg.Tensor, steps: int, h: mg.Tensor,
              reverse: bool) -> LayerCall:
    biases = (cell.bias_ih, cell.bias_hh) if cell.bias else ()
    return LayerCall(RNNLayer, (sequence, cell.weight_ih, *biases, cell.weight_hh, h),
                     {"biases": len(biases), "steps": steps, "reverse": reverse,
                      "relu": cell.nonlinearity == "relu"}, _hidden_state)


def gru_layer(cell: GRUCell, sequence: mg.Tensor, steps: int, h: mg.Tensor,
              reverse: bool) -> LayerCall:
    biases, recurrent = ((cell.bias_ih,), (cell.weight_hh, cell.bias_hh)) if cell.bias else \
        ((), (cell.weight_hh,))
    return LayerCall(GRULayer, (sequence, cell.weight_ih, *biases, *recurrent, h),
                     {"biases": len(biases), "steps": steps, "reverse": reverse}, _hidden_state)


def lstm_layer(cell: LSTMCell, sequence: mg.Tensor, steps: int, state: tuple,
               reverse: bool) -> LayerCall:
    biases = (cell.bias_ih, cell.bias_hh) if cell.bias else ()
    return LayerCall(LSTMLayer, (sequence, cell.weight_ih, *biases, cell.weight_hh,
                                 state[0], state[1]),
                     {"biases": len(biases), "steps": steps, "reverse": reverse}, _lstm_state)


def _hidden_state(output: mg.Tensor, h: mg.Tensor) -> tuple:
    return output, h


def _lstm_state(output: mg.Tensor, h: mg.Tensor, c: mg.Tensor) -> tuple:
    return output, (h, c)


@register_kernel(RNNCell, layer=rnn_layer)
def rnn_kernel(cell: RNNCell, sequence: mg.Tensor, steps: int) -> Advance:
    biases = (cell.bias_ih, cell.bias_hh) if cell.bias else ()
    projected, sweep = _project(cell, sequence, steps, biases, RNNStep, (cell.weight_hh,))
    weight_hh, relu = cell.weight_hh, cell.nonlinearity == "relu"
    return lambda t, h: RNNStep.apply(projected[t], h, weight_hh, sweep=sweep, t=t, relu=relu)


@register_kernel(GRUCell, layer=gru_layer)
def gru_kernel(cell: GRUCell, sequence: mg.Tensor, steps: int) -> Advance:
    weights = (cell.weight_hh, cell.bias_hh) if cell.bias else (cell.weight_hh,)
    projected, sweep = _project(cell, sequence, steps, (cell.bias_ih,) if cell.bias else (),
                                GRUStep, weights)
    return lambda t, h: GRUStep.apply(projected[t], h, *weights, sweep=sweep, t=t)


@register_kernel(LSTMCell, layer=lstm_layer)
def lstm_kernel(cell: LSTMCell, sequence: mg.Tensor, steps: int) -> Advance:
    biases = (cell.bias_ih, cell.bias_hh) if cell.bias else ()
    projected, sweep = _project(cell, sequence, steps, biases, LSTMStep, (cell.weight_hh,))
    weight_hh = cell.weight_hh
    return lambda t, state: LSTMStep.apply(projected[t], state[0], state[1], weight_hh,
                                           sweep=sweep, t=t)
