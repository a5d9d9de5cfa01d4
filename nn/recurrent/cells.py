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
    """The base of every built-in cell: its four parameters, their init, and the one-step call.

    A cell is one time step, `state -> state`, and nothing about time: `nn.Recurrent`
    runs it over a sequence. It holds its math once, in `step(projected, state)`, gate by
    gate; `project_inputs` computes x<t> W_ihᵀ + b for every step in one matmul before
    the loop, and `forward` (one step, for users) is `step(project_inputs(x), state)`.
    A subclass sets the number of gate blocks G and writes `step`; when
    `fold_hidden_bias` is true both biases are added once in `project_inputs` (only
    their sum enters the math). Which code runs a cell is decided in
    `nn/recurrent/kernels.py`: a built-in cell built with `fused=True` runs the kernel
    registered for its class (the same math as one graph node per step, with a
    hand-written backward); a subclass that overrides `step` or `forward` always runs
    its own code, never the kernel. The parameters are PyTorch's (`weight_ih` (G·H,
    input_size), `weight_hh` (G·H, H), `bias_ih`, `bias_hh` (G·H,)); PyTorch has no
    public base class for its cells.

    Args:
        input_size: features of x<t>; 0 is allowed, as in PyTorch.
        hidden_size: H, features of a<t>; 0 is allowed, as in PyTorch.
        bias: False registers `bias_ih = bias_hh = None`.
        gates: G, the number of (H, ·) row blocks in the weights (RNN 1, GRU 3, LSTM 4).
        dtype: parameter dtype; None is the default dtype (`mg.set_default_dtype`).
        backend: "numpy" or "cupy"; None is the default backend.

    Raises:
        ValueError: `input_size` or `hidden_size` is not an int >= 0.

    Examples:
        A leaky RNN cell: only `step` is new, so `nn.Recurrent` runs this `step`.

        >>> class LeakyCell(nn.RecurrentCell):
        ...     def __init__(self, input_size, hidden_size):
        ...         super().__init__(input_size, hidden_size, bias=True, gates=1)
        ...         self.reset_parameters()
        ...     def step(self, projected, h):
        ...         return 0.5 * h + 0.5 * (projected + h @ self.weight_hh.T).tanh()
        >>> mg.manual_seed(0)
        >>> cell = LeakyCell(3, 4)
        >>> cell(mg.ones(2, 3)).shape
        (2, 4)
        >>> output, h = nn.Recurrent(cell)(mg.ones(5, 2, 3))
        >>> output.shape, h.shape
        ((5, 2, 4), (2, 4))
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
        """Draw fresh parameters with PyTorch's default init for recurrent cells.

        Every parameter from U(-1/√hidden_size, 1/√hidden_size), in place, from
        minigrad's generator (`mg.manual_seed`); with hidden_size 0 the bound is 0.

        Examples:
            >>> mg.manual_seed(0)
            >>> cell = nn.GRUCell(3, 4)
            >>> cell.reset_parameters()
            >>> all(bool((p.abs() <= 0.5).all()) for p in cell.parameters())
            True
        """
        bound = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0.0
        for param in self.parameters():
            init.uniform_(param, -bound, bound)

    # -- the speed protocol used by nn.Recurrent -------------------------------------
    def project_inputs(self, x: mg.Tensor) -> mg.Tensor:
        """Compute the input part of every gate, x<t> W_ihᵀ + b, for all leading positions at once.

        Over a whole sequence (seq_len, batch, input_size) this is one matmul, done
        before the time loop so that a step's only matmul is the recurrent a<t-1> W_hhᵀ.
        The bias added is `bias_ih + bias_hh` when `fold_hidden_bias` (RNN, LSTM,
        the minimal GRU) and `bias_ih` alone otherwise (the full GRU, whose b_hn sits
        inside Γr * (...)).

        Args:
            x: a Tensor of shape (..., input_size).

        Returns:
            A Tensor of shape (..., G·H), gate blocks in PyTorch's row order.

        Examples:
            >>> mg.manual_seed(0)
            >>> cell = nn.LSTMCell(3, 4)
            >>> cell.project_inputs(mg.ones(5, 2, 3)).shape
            (5, 2, 16)
        """
        features = x.shape[-1]
        projected = x.reshape(-1, features) @ self.weight_ih.T
        if self.bias:
            projected = projected + (self.bias_ih + self.bias_hh if self.fold_hidden_bias
                                     else self.bias_ih)
        return projected.reshape(*x.shape[:-1], projected.shape[-1])

    def step(self, projected: mg.Tensor, state: Any) -> Any:  # pragma: no cover - abstract
        """Compute one step of the cell's math: the next state from this step's projected input.

        The one place a cell's math lives; subclasses write it. `nn.Recurrent` calls it
        with `project_inputs(x)[t]` (unless a fused kernel runs the built-in cell).

        Args:
            projected: this step's x<t> W_ihᵀ + b, (batch, G·H), from `project_inputs`.
            state: the state after the previous step, never None (the time loop starts
                from `zero_state`).

        Returns:
            The next state, in the structure of `state`.

        Raises:
            NotImplementedError: on the base class, which has no math.

        Examples:
            >>> mg.manual_seed(0)
            >>> cell = nn.RNNCell(3, 4)
            >>> x = mg.randn(2, 3)
            >>> cell.step(cell.project_inputs(x), cell.zero_state(x)).shape
            (2, 4)
        """
        raise NotImplementedError

    def zero_state(self, like: mg.Tensor, batch: int | None = None) -> Any:
        """Make the state before the first step: zeros in the structure of this cell's state.

        The one place a missing state is filled in (a step is never given None), as
        PyTorch's default `hx`.

        Args:
            like: a Tensor (batch, ...) whose batch size, dtype and backend the state takes.
            batch: overrides the batch size read from `like`.

        Returns:
            A Tensor (batch, hidden_size) of zeros, or a tuple of them for a state with
            several parts (LSTM: (a<0>, c<0>)).

        Examples:
            >>> cell = nn.LSTMCell(3, 4)
            >>> h, c = cell.zero_state(mg.ones(2, 3))
            >>> h.shape, c.shape, float(c.abs().sum())
            ((2, 4), (2, 4), 0.0)
            >>> cell.zero_state(mg.ones(2, 3), batch=5)[0].shape
            (5, 4)
        """
        batch = like.shape[0] if batch is None else batch
        h = mg.zeros(batch, self.hidden_size, dtype=like.dtype, backend=like.backend)
        return h if self.state_parts == 1 else tuple(h if i == 0 else mg.zeros_like(h)
                                                     for i in range(self.state_parts))

    # -- the cell protocol -------------------------------------------------------------
    def forward(self, x: mg.Tensor, state: Any = None) -> Any:
        """Run one time step: x<t> and the state after step t-1 -> the state after step t.

        As calling a torch.nn RNNCell/GRUCell/LSTMCell. It is `step(project_inputs(x),
        state)`, or the cell's registered kernel when it was built with `fused=True`
        (kernels.py); both give the same numbers. To run a sequence, use `nn.Recurrent`.

        Args:
            x: x<t>, (batch, input_size), or unbatched (input_size,).
            state: the previous state, shaped like the output (LSTM: a pair (h, c));
                None means zeros.

        Returns:
            The next state: a<t> (batch, hidden_size) (unbatched: (hidden_size,)), or for
            LSTM the pair (a<t>, c<t>).

        Raises:
            TypeError: `x` is not a Tensor, or `state` has the wrong structure.
            ValueError: `x` or `state` has the wrong shape (the message names both).

        Examples:
            >>> mg.manual_seed(0)
            >>> cell = nn.GRUCell(3, 4)
            >>> x = mg.randn(2, 3)
            >>> h = cell(x)
            >>> h.shape, cell(x, h).shape, cell(mg.ones(3)).shape
            ((2, 4), (2, 4), (4,))
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
        """Read the step's output a<t> (PyTorch's h) from a state.

        Args:
            state: a cell's state: a Tensor, or a tuple whose first item is a<t>.

        Returns:
            The state itself, or its first item for LSTM's (h, c).

        Examples:
            >>> h, c = mg.ones(2, 4), mg.zeros(2, 4)
            >>> nn.RecurrentCell.output((h, c)) is h, nn.RecurrentCell.output(h) is h
            (True, True)
        """
        return hidden_of(state)

    def extra_repr(self) -> str:
        """The constructor arguments shown in the repr: the sizes, then what is not the default.

        Returns:
            `'input_size, hidden_size'`, then `bias=False` and `fused=True` when set.

        Examples:
            >>> nn.RNNCell(3, 4, bias=False, fused=True).extra_repr()
            '3, 4, bias=False, fused=True'
        """
        return (f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")
                + (", fused=True" if self.fused else ""))

    def _check_fused(self, fused: bool, unsupported: str | None) -> None:
        if fused and unsupported:
            raise ValueError(f"{type(self).__name__}: fused=True covers the standard cell only; "
                             f"{unsupported} runs gate by gate (leave fused=False)")
        self.fused = bool(fused)


class RNNCell(RecurrentCell):
    """The vanilla RNN step: a<t> = g(Waa a<t-1> + Wax x<t> + ba), g = tanh or relu.

    As `torch.nn.RNNCell`: h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh), with Wax =
    `weight_ih` (H, input_size), Waa = `weight_hh` (H, H), ba = `bias_ih + bias_hh`,
    all from U(-1/√H, 1/√H), so weights copy across. Beyond PyTorch: `fused=True`
    runs each step as one graph node (the same numbers; see `nn.RecurrentCell`).

    Args:
        input_size: features of x<t>.
        hidden_size: H, features of a<t>.
        bias: False: no `bias_ih`, `bias_hh` (both None).
        nonlinearity: g, "tanh" or "relu".
        fused: run each step as one fused graph node (kernels.py) instead of recording
            every op.
        dtype: parameter dtype; None is the default dtype.
        backend: "numpy" or "cupy"; None is the default backend.

    Raises:
        ValueError: `nonlinearity` is not "tanh" or "relu", or a size is not an int >= 0.

    Examples:
        >>> mg.manual_seed(0)
        >>> cell = nn.RNNCell(3, 4)
        >>> cell, cell.weight_ih.shape, cell.weight_hh.shape
        (RNNCell(3, 4), (4, 3), (4, 4))
        >>> h = cell(mg.randn(2, 3))
        >>> h.shape
        (2, 4)
        >>> h.numpy().round(3)
        array([[-0.536,  0.749,  0.147, -0.768],
               [-0.363, -0.119,  0.149, -0.665]], dtype=float32)
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
        """Compute a<t> = g(Waa a<t-1> + Wax x<t> + ba) from the projected input and a<t-1>.

        Args:
            projected: Wax x<t> + ba, (batch, H), from `project_inputs`.
            h: a<t-1>, (batch, H).

        Returns:
            a<t>, (batch, H), tagged "a<t>" for graph pictures.

        Examples:
            >>> mg.manual_seed(0)
            >>> cell = nn.RNNCell(3, 4)
            >>> x, h = mg.randn(2, 3), mg.randn(2, 4)
            >>> a = cell.step(cell.project_inputs(x), h)
            >>> a.shape, bool(mg.allclose(a, cell(x, h)))
            ((2, 4), True)
        """
        # a<t> = tanh(Waa a<t-1> + Wax x<t> + ba); Wax x<t> + ba is `projected`
        pre_activation = projected + h @ self.weight_hh.T
        a = pre_activation.tanh() if self.nonlinearity == "tanh" else pre_activation.relu()
        return mg.tag(a, "a<t>")

    def extra_repr(self) -> str:
        """The constructor arguments shown in the repr, with `nonlinearity='relu'` when set.

        Returns:
            `'input_size, hidden_size'`, then the arguments that are not the default.

        Examples:
            >>> nn.RNNCell(3, 4, nonlinearity="relu").extra_repr()
            "3, 4, nonlinearity='relu'"
        """
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

    The full variant's parameters, gate order and init are PyTorch's, so weights copy
    across; the minimal variant has no PyTorch counterpart and cannot be fused.

    Args:
        input_size: features of x<t>.
        hidden_size: H, features of c<t> (= a<t>).
        bias: False: no `bias_ih`, `bias_hh` (both None).
        variant: "full" (PyTorch's GRU, weights (3H, ·)) or "minimal" (weights (2H, ·)).
        fused: run each step as one fused graph node (kernels.py); full variant only.
        dtype: parameter dtype; None is the default dtype.
        backend: "numpy" or "cupy"; None is the default backend.

    Raises:
        ValueError: an unknown `variant`, `fused=True` with `variant="minimal"`, or a
            size that is not an int >= 0.

    Examples:
        >>> mg.manual_seed(0)
        >>> cell = nn.GRUCell(3, 4)
        >>> cell.weight_ih.shape, cell(mg.randn(2, 3)).shape
        ((12, 3), (2, 4))
        >>> nn.GRUCell(3, 4, variant="minimal").weight_hh.shape
        (8, 4)
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
        """Compute c<t> = Γu * c̃<t> + (1 - Γu) * c<t-1> from the projected input and c<t-1>.

        Full variant: Γr, Γu and c̃<t> as in the class docstring, with b_hn inside
        Γr * (W_hn c<t-1> + b_hn) as PyTorch; minimal variant: Γu and c̃<t> only.

        Args:
            projected: W_i x<t> + b_i, (batch, G·H), from `project_inputs` (the full
                variant's `bias_hh` is added here, the minimal one's is in `projected`).
            h: c<t-1> (PyTorch's h), (batch, H).

        Returns:
            c<t>, (batch, H); the gates are tagged Γr, Γu, c̃<t> for graph pictures.

        Examples:
            >>> mg.manual_seed(0)
            >>> cell = nn.GRUCell(3, 4)
            >>> x, h = mg.randn(2, 3), mg.randn(2, 4)
            >>> c = cell.step(cell.project_inputs(x), h)
            >>> c.shape, bool(mg.allclose(c, cell(x, h)))
            ((2, 4), True)
        """
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
        """The constructor arguments shown in the repr, with `variant='minimal'` when set.

        Returns:
            `'input_size, hidden_size'`, then the arguments that are not the default.

        Examples:
            >>> nn.GRUCell(3, 4, variant="minimal").extra_repr()
            "3, 4, variant='minimal'"
        """
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

    Without `peephole` and `forget_bias` it is PyTorch's cell (names, shapes, gate
    order, init), so weights copy across; PyTorch has neither option.

    Args:
        input_size: features of x<t>.
        hidden_size: H, features of a<t> and c<t>.
        bias: False: no `bias_ih`, `bias_hh` (both None).
        peephole: add the diagonal peephole weights `weight_ci`, `weight_cf`, `weight_co`.
        forget_bias: the forget gate's total bias at init; None keeps PyTorch's init.
        fused: run each step as one fused graph node (kernels.py); not with `peephole`.
        dtype: parameter dtype; None is the default dtype.
        backend: "numpy" or "cupy"; None is the default backend.

    Raises:
        ValueError: `forget_bias` with `bias=False`, `fused=True` with `peephole=True`,
            or a size that is not an int >= 0.

    Examples:
        >>> mg.manual_seed(0)
        >>> cell = nn.LSTMCell(3, 4)
        >>> h, c = cell(mg.randn(2, 3))
        >>> cell.weight_ih.shape, h.shape, c.shape
        ((16, 3), (2, 4), (2, 4))
        >>> nn.LSTMCell(3, 4, peephole=True, forget_bias=1.0)
        LSTMCell(3, 4, peephole=True, forget_bias=1.0)
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
        """Draw fresh parameters with PyTorch's init, then apply `forget_bias` if set.

        Every parameter from U(-1/√H, 1/√H); with `forget_bias` the forget gate's
        `bias_ih` rows (H..2H) are set to it and its `bias_hh` rows to 0.

        Examples:
            >>> mg.manual_seed(0)
            >>> cell = nn.LSTMCell(3, 2, forget_bias=1.0)
            >>> cell.reset_parameters()
            >>> cell.bias_ih[2:4].tolist(), cell.bias_hh[2:4].tolist()
            ([1.0, 1.0], [0.0, 0.0])
        """
        super().reset_parameters()
        if self.forget_bias is not None:
            forget_rows = slice(self.hidden_size, 2 * self.hidden_size)
            with mg.no_grad():
                self.bias_ih[forget_rows] = float(self.forget_bias)
                self.bias_hh[forget_rows] = 0.0

    def step(self, projected: mg.Tensor, state: tuple) -> tuple:
        """Compute (a<t>, c<t>) from the projected input and (a<t-1>, c<t-1>).

        c<t> = Γu * c̃<t> + Γf * c<t-1> and a<t> = Γo * tanh(c<t>), the gates as in
        the class docstring (with the peephole terms when `peephole=True`).

        Args:
            projected: W_i x<t> + b, (batch, 4H), from `project_inputs`.
            state: the pair (a<t-1>, c<t-1>), each (batch, H).

        Returns:
            The pair (a<t>, c<t>), each (batch, H); the gates are tagged Γu, Γf, c̃<t>,
            Γo for graph pictures.

        Examples:
            >>> mg.manual_seed(0)
            >>> cell = nn.LSTMCell(3, 4)
            >>> x = mg.randn(2, 3)
            >>> h, c = cell.step(cell.project_inputs(x), cell.zero_state(x))
            >>> h.shape, bool(mg.allclose(c, cell(x)[1]))
            ((2, 4), True)
        """
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
        """The constructor arguments shown in the repr, with `peephole` and `forget_bias` when set.

        Returns:
            `'input_size, hidden_size'`, then the arguments that are not the default.

        Examples:
            >>> nn.LSTMCell(3, 4, forget_bias=1.0).extra_repr()
            '3, 4, forget_bias=1.0'
        """
        extra = super().extra_repr()
        if self.peephole:
            extra += ", peephole=True"
        if self.forget_bias is not None:
            extra += f", forget_bias={self.forget_bias}"
        return extra
