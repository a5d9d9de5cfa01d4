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

A cell holds its math once, in `step(projected_t, state)`, gate by gate:
`project_inputs(x_all)` computes x<t> W_ihᵀ + b for all steps in one matmul
before the time loop, and `step` does the rest of a step, whose only matmul is
the recurrent a<t-1> W_hhᵀ; `forward` (one step, for users) is the two together.
The state before the first step comes from `zero_state`, and a step is never
given None. With `fused=True` a built-in cell is run by its kernel
(kernels.py, fused.py): the same math as one graph node per step with a
hand-written backward, tested against `step`.
"""
from __future__ import annotations

import math
from typing import Any

import minigrad as mg

from .. import init
from ..module import Module, Parameter
from . import checks
from .state import first_state, hidden_of


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
        """The next state from this step's projected input (batch, G·H) and the state
        (never None: the time loop starts from `zero_state`)."""
        raise NotImplementedError

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
        state = first_state(self, state, batched, batched.shape[0])
        from .kernels import kernel_for  # (kernels.py builds on this module)
        kernel = kernel_for(self)
        if kernel is not None:  # fused=True: the same math as one graph node
            new = kernel(self, batched, 1)(0, state)
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

    def step(self, projected: mg.Tensor, h: mg.Tensor) -> mg.Tensor:
        # a<t> = tanh(Waa a<t-1> + Wax x<t> + ba); Wax x<t> + ba is `projected`
        pre_activation = projected + h @ self.weight_hh.T
        a = pre_activation.tanh() if self.nonlinearity == "tanh" else pre_activation.relu()
        return mg.tag(a, "a<t>")



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

    def step(self, projected: mg.Tensor, h: mg.Tensor) -> mg.Tensor:
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

    def step(self, projected: mg.Tensor, state: tuple) -> tuple:
        h_prev, c_prev = state
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




    def extra_repr(self) -> str:
        extra = super().extra_repr()
        if self.peephole:
            extra += ", peephole=True"
        if self.forget_bias is not None:
            extra += f", forget_bias={self.forget_bias}"
        return extra
