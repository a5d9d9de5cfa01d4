"""The recurrent cells: one time step, `state -> state`, with PyTorch's math.

A cell owns the weights of one step and nothing about time; `nn.Recurrent`
runs it over a sequence. Parameter names, shapes, gate order and default
initialisation are PyTorch's (`weight_ih` (G·H, input_size), `weight_hh`
(G·H, H), `bias_ih`, `bias_hh`, all U(-1/√H, 1/√H)), so weights copy across
both ways. Course notation ↔ PyTorch:

    x<t>           the input at step t           x
    a<t>           the hidden state (output)     h
    c<t>           the LSTM memory cell          c
    Wax, Waa, ba   input, recurrent weights, bias   weight_ih, weight_hh, bias_ih + bias_hh
    W[a<t-1>, x<t>]                              weight_hh @ h + weight_ih @ x

Besides the protocol every cell follows (`cell(x, state=None) -> state`), the
built-in cells offer the speed protocol that `nn.Recurrent` uses when present:
`project_inputs(x_all)` computes x<t> W_ihᵀ + b for all steps in one matmul
before the time loop, and `step(projected_t, state)` does the rest of a step,
whose only matmul is the recurrent a<t-1> W_hhᵀ. Each cell's math lives in its
`step` alone, gate by gate; with `fused=True` a step is instead one graph node
computing the same math with a hand-written backward (fused.py), and
`fused_steps(sequence)` runs a whole sequence that way, with the input
projection and the weight gradients of all steps as single matmuls.
"""
from __future__ import annotations

import math
from typing import Any

import minigrad as mg

from .. import init
from ..module import Module, Parameter
from . import checks
from .fused import GRUStep, LSTMStep, ProjectSteps, RNNStep, Sweep
from .state import hidden_of


class RecurrentCell(Module):
    """What the built-in cells share: their four parameters, init, and the one-step call.

    Subclasses set the number of gate blocks G and write `step`; when
    `fold_hidden_bias` is true both biases are added once per sequence in
    `project_inputs` (only their sum enters the math).
    """

    fold_hidden_bias = True
    state_parts = 1  # the state is one Tensor h; LSTM's is the pair (h, c)
    state_roles = ("a",)  # the course's names of the state's parts (a<t>; LSTM a<t>, c<t>)
    fused = False  # True: one graph node per step (see fused.py)

    def __init__(self, input_size: int, hidden_size: int, bias: bool, gates: int,
                 dtype: Any = None, backend: str | None = None):
        super().__init__()
        for name, value in (("input_size", input_size), ("hidden_size", hidden_size)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:  # 0: as torch
                raise ValueError(f"{type(self).__name__}: {name} must be an int >= 0, got {value!r}")
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bool(bias)
        rows = gates * hidden_size
        self.weight_ih = Parameter(mg.zeros(rows, input_size, dtype=dtype, backend=backend))
        self.weight_hh = Parameter(mg.zeros(rows, hidden_size, dtype=dtype, backend=backend))
        if self.bias:
            self.bias_ih = Parameter(mg.zeros(rows, dtype=dtype, backend=backend))
            self.bias_hh = Parameter(mg.zeros(rows, dtype=dtype, backend=backend))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)

    def reset_parameters(self) -> None:
        """PyTorch's default: every parameter from U(-1/√hidden_size, 1/√hidden_size)."""
        bound = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0.0
        for param in self.parameters():
            init.uniform_(param, -bound, bound)

    # -- the speed protocol used by nn.Recurrent -------------------------------------
    def project_inputs(self, x: mg.Tensor) -> mg.Tensor:
        """x W_ihᵀ + b for every leading position at once: (..., input_size) -> (..., G·H).

        Over a whole sequence (seq_len, batch, input_size) this is one matmul.
        """
        features = x.shape[-1]
        projected = x.reshape(-1, features) @ self.weight_ih.T
        if self.bias:
            projected = projected + (self.bias_ih + self.bias_hh if self.fold_hidden_bias
                                     else self.bias_ih)
        return projected.reshape(*x.shape[:-1], projected.shape[-1])

    def step(self, projected: mg.Tensor, state: Any) -> Any:  # pragma: no cover - abstract
        """The next state from this step's projected input (batch, G·H) and the state."""
        raise NotImplementedError

    def fused_steps(self, sequence: mg.Tensor):
        """For a (seq_len, batch, input_size) sequence: `advance(t, state) -> state`
        running fused steps (one node per step, sharing one input projection and one
        weight-gradient matmul), or None when this cell runs gate by gate."""
        if not self._runs_fused():
            return None
        steps, batch, features = sequence.shape
        return self._fused_runner(sequence.reshape(steps * batch, features), steps)

    def _runs_fused(self) -> bool:
        """Fused only when asked for and the step is the built-in one (a subclass that
        rewrites `step` gets its own math)."""
        return self.fused and type(self).step is self._fused_class().step

    def _fused_class(self) -> type:  # pragma: no cover - abstract
        raise NotImplementedError

    def _fused_runner(self, flat_inputs: mg.Tensor, steps: int):  # pragma: no cover - abstract
        raise NotImplementedError

    def _project_steps(self, flat_inputs: mg.Tensor, steps: int, biases: tuple, sweep: Sweep,
                       **options):
        return ProjectSteps.apply(flat_inputs, self.weight_ih, *biases, steps=steps, sweep=sweep,
                                  **options)

    def zero_state(self, like: mg.Tensor, batch: int | None = None) -> Any:
        """Zeros of the state's structure for a batch like `like` (batch, ...), in its
        dtype and backend; `batch` overrides the batch size."""
        batch = like.shape[0] if batch is None else batch
        h = mg.zeros(batch, self.hidden_size, dtype=like.dtype, backend=like.backend)
        return h if self.state_parts == 1 else tuple(h if i == 0 else mg.zeros_like(h)
                                                     for i in range(self.state_parts))

    # -- the cell protocol -------------------------------------------------------------
    def forward(self, x: mg.Tensor, state: Any = None) -> Any:
        """One step: x (batch, input_size) or unbatched (input_size,) -> the next state.

        `state` None means zeros. Raises ValueError naming the shapes when x or the
        state does not fit.
        """
        who = checks.short_name(self)
        batched, unbatched = checks.step_input(x, self.input_size, who)
        state = checks.initial_state(state, batched.shape[0], self.hidden_size, unbatched,
                                     self.state_parts, tuple(x.shape), False, who)
        if state is None:  # the zeros a<0> (c<0>), named so for pictures
            state = self.zero_state(batched)
            for part, role in zip(state if isinstance(state, tuple) else (state,),
                                  self.state_roles):
                mg.tag(part, f"{role}<0>")
        if self._runs_fused():
            new = self._fused_runner(batched, 1)(0, state)
        else:
            new = self.step(self.project_inputs(batched), state)
        if unbatched:
            new = tuple(s.squeeze(0) for s in new) if isinstance(new, tuple) else new.squeeze(0)
        return new

    @staticmethod
    def output(state: Any) -> mg.Tensor:
        """The step's output a<t> (h): the state, or its first item for LSTM's (h, c)."""
        return hidden_of(state)

    def extra_repr(self) -> str:
        return (f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")
                + (", fused=True" if self.fused else ""))

    def _check_fused(self, fused: bool, unsupported: str | None) -> None:
        if fused and unsupported:
            raise ValueError(f"{type(self).__name__}: fused=True covers the standard cell only; "
                             f"{unsupported} runs gate by gate (leave fused=False)")
        self.fused = bool(fused)


class RNNCell(RecurrentCell):
    """The vanilla RNN step: a<t> = g(Waa a<t-1> + Wax x<t> + ba), g = tanh or relu.

    As torch.nn.RNNCell: h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh).
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", *, fused: bool = False, dtype: Any = None,
                 backend: str | None = None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        super().__init__(input_size, hidden_size, bias, 1, dtype, backend)
        self.nonlinearity = nonlinearity
        self._check_fused(fused, None)
        self.reset_parameters()

    def step(self, projected: mg.Tensor, h: mg.Tensor | None) -> mg.Tensor:
        if h is None:
            h = self.zero_state(projected)
        # a<t> = tanh(Waa a<t-1> + Wax x<t> + ba); Wax x<t> + ba is `projected`
        pre_activation = projected + h @ self.weight_hh.T
        a = pre_activation.tanh() if self.nonlinearity == "tanh" else pre_activation.relu()
        return mg.tag(a, "a<t>")

    def _fused_class(self) -> type:
        return RNNCell

    def _fused_runner(self, flat_inputs: mg.Tensor, steps: int):
        sweep = Sweep(steps)
        biases = (self.bias_ih, self.bias_hh) if self.bias else ()
        projected = self._project_steps(flat_inputs, steps, biases, sweep)
        weight_hh, relu = self.weight_hh, self.nonlinearity == "relu"

        def advance(t: int, h: mg.Tensor | None) -> mg.Tensor:
            if h is None:
                h = self.zero_state(projected[t])
            return RNNStep.apply(projected[t], h, weight_hh, sweep=sweep, t=t, relu=relu)

        return advance

    def extra_repr(self) -> str:
        extra = super().extra_repr()
        return extra + (", nonlinearity='relu'" if self.nonlinearity == "relu" else "")


class GRUCell(RecurrentCell):
    """The gated recurrent unit, as torch.nn.GRUCell (gate rows r, z, n):

        r = σ(W_ir x + b_ir + W_hr h + b_hr)          Γr, the relevance gate
        z = σ(W_iz x + b_iz + W_hz h + b_hz)          1 - Γu (PyTorch's z keeps the old state)
        n = tanh(W_in x + b_in + r * (W_hn h + b_hn))  c~<t>
        h' = (1 - z) * n + z * h                      c<t> = Γu*c~<t> + (1-Γu)*c<t-1>

    `variant="minimal"` is the course's simplified GRU, with no reset gate and
    gate rows u, c~ (weights (2H, ·)):

        Γu = σ(W_u[c<t-1>, x<t>] + b_u),  c~<t> = tanh(W_c[c<t-1>, x<t>] + b_c)
        c<t> = Γu * c~<t> + (1 - Γu) * c<t-1>
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 variant: str = "full", *, fused: bool = False, dtype: Any = None,
                 backend: str | None = None):
        if variant not in ("full", "minimal"):
            raise ValueError(f"GRUCell: variant must be 'full' or 'minimal', got {variant!r}")
        super().__init__(input_size, hidden_size, bias, 3 if variant == "full" else 2,
                         dtype, backend)
        self.variant = variant
        self._check_fused(fused, "variant='minimal'" if variant == "minimal" else None)
        self.state_roles = ("c",)  # the course's GRU calls its state c<t> (= a<t>)
        # b_hn sits inside r * (...) in the full GRU, so it cannot join the projection.
        self.fold_hidden_bias = variant == "minimal"
        self.reset_parameters()

    def step(self, projected: mg.Tensor, h: mg.Tensor | None) -> mg.Tensor:
        if h is None:
            h = self.zero_state(projected)
        if self.variant == "minimal":
            return self._minimal_step(projected, h)
        recurrent = h @ self.weight_hh.T
        if self.bias:
            recurrent = recurrent + self.bias_hh
        input_r, input_z, input_n = mg.split(projected, [self.hidden_size] * 3, axis=1)
        hidden_r, hidden_z, hidden_n = mg.split(recurrent, [self.hidden_size] * 3, axis=1)
        reset = mg.tag((input_r + hidden_r).sigmoid(), "Γr")  # Γr
        keep = (input_z + hidden_z).sigmoid()                 # z = 1 - Γu
        update = mg.tag(1 - keep, "Γu")                       # Γu
        candidate = mg.tag((input_n + reset * hidden_n).tanh(), "c̃<t>")  # c~<t>
        return mg.tag(update * candidate + keep * h, "c<t>")  # c<t> = Γu*c~<t> + (1-Γu)*c<t-1>

    def _minimal_step(self, projected: mg.Tensor, c_prev: mg.Tensor) -> mg.Tensor:
        gates = projected + c_prev @ self.weight_hh.T         # W[c<t-1>, x<t>] + b, rows u, c~
        update_pre, candidate_pre = mg.split(gates, [self.hidden_size] * 2, axis=1)
        update = mg.tag(update_pre.sigmoid(), "Γu")           # Γu
        candidate = mg.tag(candidate_pre.tanh(), "c̃<t>")      # c~<t>
        c = update * candidate + (1 - update) * c_prev        # c<t> = Γu*c~<t> + (1-Γu)*c<t-1>
        return mg.tag(c, "c<t>")

    def _fused_class(self) -> type:
        return GRUCell

    def _runs_fused(self) -> bool:
        return self.variant == "full" and super()._runs_fused()

    def _fused_runner(self, flat_inputs: mg.Tensor, steps: int):
        sweep = Sweep(steps)
        projected = self._project_steps(flat_inputs, steps, (self.bias_ih,) if self.bias else (),
                                        sweep, gru=True)
        weights = (self.weight_hh, self.bias_hh) if self.bias else (self.weight_hh,)

        def advance(t: int, h: mg.Tensor | None) -> mg.Tensor:
            if h is None:
                h = self.zero_state(projected[t])
            return GRUStep.apply(projected[t], h, *weights, sweep=sweep, t=t)

        return advance

    def extra_repr(self) -> str:
        extra = super().extra_repr()
        return extra + (", variant='minimal'" if self.variant == "minimal" else "")


class LSTMCell(RecurrentCell):
    """Long short-term memory, as torch.nn.LSTMCell (gate rows i, f, g, o). State (h, c).

        Γu = i = σ(W_ii x + W_hi h + b_i)     update (input) gate
        Γf = f = σ(W_if x + W_hf h + b_f)     forget gate
        c~<t> = g = tanh(W_ig x + W_hg h + b_g)
        Γo = o = σ(W_io x + W_ho h + b_o)     output gate
        c<t> = Γu * c~<t> + Γf * c<t-1>
        a<t> = Γo * tanh(c<t>)

    `peephole=True` lets the gates see the memory through three diagonal (H,)
    weights `weight_ci`, `weight_cf`, `weight_co`: i = σ(… + w_ci * c<t-1>),
    f = σ(… + w_cf * c<t-1>), o = σ(… + w_co * c<t>); they are initialised like
    the other parameters. `forget_bias`, if given, sets the forget gate's total
    bias at init (its `bias_ih` rows to that value, its `bias_hh` rows to 0), the
    usual remedy for early forgetting; None keeps PyTorch's init.
    """

    state_parts = 2
    state_roles = ("a", "c")

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 peephole: bool = False, forget_bias: float | None = None, *,
                 fused: bool = False, dtype: Any = None, backend: str | None = None):
        super().__init__(input_size, hidden_size, bias, 4, dtype, backend)
        if forget_bias is not None and not bias:
            raise ValueError("LSTMCell: forget_bias needs bias=True (it initialises the forget-gate bias)")
        self.peephole = bool(peephole)
        self._check_fused(fused, "peephole=True" if peephole else None)
        self.forget_bias = forget_bias
        if self.peephole:
            for name in ("weight_ci", "weight_cf", "weight_co"):
                setattr(self, name, Parameter(mg.zeros(hidden_size, dtype=dtype, backend=backend)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        super().reset_parameters()
        if self.forget_bias is not None:
            forget_rows = slice(self.hidden_size, 2 * self.hidden_size)
            with mg.no_grad():
                self.bias_ih[forget_rows] = float(self.forget_bias)
                self.bias_hh[forget_rows] = 0.0

    def step(self, projected: mg.Tensor, state: tuple | None) -> tuple:
        h_prev, c_prev = self.zero_state(projected) if state is None else state
        gates = projected + h_prev @ self.weight_hh.T        # W[a<t-1>, x<t>] + b, rows i, f, g, o
        i, f, g, o = mg.split(gates, [self.hidden_size] * 4, axis=1)
        if self.peephole:
            i = i + self.weight_ci * c_prev
            f = f + self.weight_cf * c_prev
        update = mg.tag(i.sigmoid(), "Γu")                    # Γu
        forget = mg.tag(f.sigmoid(), "Γf")                    # Γf
        candidate = mg.tag(g.tanh(), "c̃<t>")                  # c~<t>
        c = mg.tag(update * candidate + forget * c_prev, "c<t>")  # c<t> = Γu*c~<t> + Γf*c<t-1>
        if self.peephole:
            o = o + self.weight_co * c
        output_gate = mg.tag(o.sigmoid(), "Γo")               # Γo
        h = mg.tag(output_gate * c.tanh(), "a<t>")            # a<t> = Γo * tanh(c<t>)
        return h, c

    def _fused_class(self) -> type:
        return LSTMCell

    def _runs_fused(self) -> bool:
        return not self.peephole and super()._runs_fused()

    def _fused_runner(self, flat_inputs: mg.Tensor, steps: int):
        sweep = Sweep(steps)
        biases = (self.bias_ih, self.bias_hh) if self.bias else ()
        projected = self._project_steps(flat_inputs, steps, biases, sweep, lstm=True)
        weight_hh = self.weight_hh

        def advance(t: int, state: tuple | None) -> tuple:
            h, c = self.zero_state(projected[t]) if state is None else state
            return LSTMStep.apply(projected[t], h, c, weight_hh, sweep=sweep, t=t)

        return advance

    def extra_repr(self) -> str:
        extra = super().extra_repr()
        if self.peephole:
            extra += ", peephole=True"
        if self.forget_bias is not None:
            extra += f", forget_bias={self.forget_bias}"
        return extra
