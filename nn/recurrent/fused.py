"""Fused recurrent steps: one graph node per time step, with its backward written by hand.

The gate math of a step is written once here, on arrays (`lstm_gates`,
`lstm_gate_gradients`, ...): the step nodes below run it, and so do the layer nodes
(layers.py), which run every step of a sequence in one node and draw as these steps.
Step nodes are recorded for padded batches (`lengths`), where the time loop carries
ended sequences' states with `mg.where` between steps.

A gate-by-gate LSTM step records about fifteen nodes (a matmul, a split, three
sigmoids, two tanh, products and sums); a fused step records one, `LSTMStep`,
whose forward computes the same numbers with few temporaries and whose backward
is the derivative worked out on paper. The graph keeps its shape for teaching:
still one node per step, in the step's `t=<index>` scope, with the recurrent
state flowing from node to node, so BPTT is as visible (and rendered) as before;
only the gates inside a step are folded. `fused=False` brings the gates back.

What a sequence shares goes through a `Sweep` (one per layer, direction and call):

- the input projection x<t> W_ihᵀ + b of every step is one matmul before the
  loop (`ProjectSteps`, a node whose outputs are the steps' slices), and its
  weight gradient one matmul after the backward sweep;
- the recurrent weight gradient Σ_t δ<t>ᵀ a<t-1> is one matmul too: each step's
  backward writes δ<t> (the gradient of its gate pre-activations) and a<t-1> into
  the sweep's buffers, and `ProjectSteps`, which also takes W_hh (and GRU's b_hh) as
  inputs, multiplies them in its backward. The engine runs that backward after
  every step's, as it runs any node's after all of its consumers', so no step needs
  to know whether it is the last; the steps return no gradient for W_hh.

These are first-order `mg.Function`s working on arrays through `ctx.xp`, so the
same code runs on NumPy and CuPy; everything stays in the inputs' dtype. The
gate math follows PyTorch (LSTM rows i, f, g, o; GRU rows r, z, n); σ is
computed through tanh, σ(x) = (1 + tanh(x/2)) / 2, which cannot overflow.

On NumPy (float32, float64) the gate math of a step, between its matrix products, runs
as compiled loops instead (numba_gates.py, chosen by compiled.py; a layer node's whole
time loop is compiled, numba_layers.py); the xp code here is the reference they are
tested against, and what every other backend runs.
"""
from __future__ import annotations

import minigrad as mg

from . import compiled


class Sweep:
    """Buffers shared by the step nodes of one run of a cell over a sequence.

    `steps` is the sequence length. Each step node registers in forward (its slot:
    the order in which steps were recorded; `times.append(t)`). A backward pass
    through the steps visits slots in decreasing order, so the first step of a pass
    sets the buffers up (`visit`, which calls `begin` for a new pass; steps it never
    reaches contribute zeros), each step records its a<t-1> and the δ it hands the
    projection (`h_prev[t]`, `handed[t]`, inline: it runs once per time step, where
    each Python call shows), and `ProjectSteps`' backward, which the engine runs after
    all of them, reduces them (`finish`).

    The gradients of the projected inputs are written over the projection itself:
    once every step has run forward, x<t> W_ihᵀ + b is never read again, so its
    buffer holds the δ of the input projection during backward (the projected
    tensors in the graph read as those gradients afterwards). This saves the
    largest buffer of the sweep, in time and in peak memory.
    """

    chunk_bytes = 1 << 22  # the a<t-1> of this many bytes of steps go into one matmul

    def __init__(self, steps: int):
        self.steps = steps
        self.times = []  # by slot: the time index of each recorded step
        self.projected = None  # (steps·batch, G·H) from ProjectSteps' forward
        self.last_slot = None  # the slot whose backward ran last (None: no pass under way)
        self.d_input = None  # (steps, batch, G·H): δ of the projected inputs, by time
        self.d_hidden = None  # δ of the recurrent pre-activations (d_input unless GRU)
        self.h_prev = None  # by time index: the a<t-1> each step was given
        self.handed = None  # the exact views of d_input given out, by time index
        self._transposed = None  # (W_hh, a contiguous copy of W_hhᵀ) for this sweep's steps
        self._scaled_bias = None  # (b_hh, b_hh with the σ rows halved) for GRU steps
        self.vectors = None  # per-column constants of the gate math (LSTM)

    def transposed(self, xp, weight, scale=None):
        """W_hhᵀ as a contiguous array (BLAS multiplies by it faster than by the
        transposed view), its columns times `scale` if given; made once per sweep."""
        cached = self._transposed
        if cached is None or cached[0] is not weight:
            transposed = xp.array(weight.T, order="C")
            if scale is not None:
                transposed *= scale
            cached = self._transposed = (weight, transposed)
        return cached[1]

    def scaled_bias(self, bias, scale):
        """bias * scale, made once per sweep."""
        cached = self._scaled_bias
        if cached is None or cached[0] is not bias:
            cached = self._scaled_bias = (bias, bias * scale)
        return cached[1]

    def begin(self, slot: int, xp, separate_hidden: bool) -> None:
        """Start a backward pass at `slot` (the highest one the pass will visit). A step's
        backward calls it when no pass is under way or its slot is not below the last
        one visited (a new pass: a pass visits slots downwards)."""
        projected = self.projected
        width = projected.shape[1]
        self.d_input = projected.reshape(self.steps, -1, width)
        unvisited = [self.times[s] for s in range(slot + 1, len(self.times))]
        for t in unvisited:  # steps this pass does not reach contribute nothing
            self.d_input[t] = 0
        if separate_hidden:
            make = xp.zeros if unvisited else xp.empty
            self.d_hidden = make(self.d_input.shape, dtype=projected.dtype)
        else:
            self.d_hidden = self.d_input
        self.h_prev = [None] * self.steps
        self.handed = [None] * self.steps

    def visit(self, slot: int, xp, separate_hidden: bool) -> None:
        """A step's backward at `slot` begins: start a new pass if none is under way or
        this slot is not below the last one visited (a pass visits slots downwards)."""
        last = self.last_slot
        if self.d_hidden is None or last is None or slot >= last:
            self.begin(slot, xp, separate_hidden)
        self.last_slot = slot

    def finish(self, xp, need_weight: bool, need_bias: bool) -> tuple:
        """After the pass: Σ_t δ<t>ᵀ a<t-1> and Σ_t δ<t>, as matmuls over many steps at once
        (a<t-1> gathered a chunk of steps at a time, to bound the extra memory)."""
        deltas = self.d_hidden
        width = deltas.shape[2]
        weight = None
        if need_weight:
            visited = next(h for h in self.h_prev if h is not None)
            zeros = None
            chunk = max(1, self.chunk_bytes // max(1, visited.nbytes))
            for start in range(0, self.steps, chunk):
                parts = self.h_prev[start:start + chunk]
                missing = False
                for h in parts:  # (a plain loop: no generator step per time step)
                    if h is None:
                        missing = True
                        break
                if missing:
                    zeros = xp.zeros_like(visited) if zeros is None else zeros
                    parts = [zeros if h is None else h for h in parts]
                h_prev = xp.stack(parts).reshape(-1, visited.shape[1])
                term = xp.matmul(deltas[start:start + chunk].reshape(-1, width).T, h_prev)
                if weight is None:
                    weight = term
                else:
                    weight += term
        bias = deltas.reshape(-1, width).sum(axis=0) if need_bias else None
        self.d_hidden = self.h_prev = None
        self.last_slot = None
        return weight, bias

    def joined_input_grad(self, grads) -> object:
        """The gradients of all projected steps as one (steps·batch, G·H) array, without
        a copy when they are exactly the views of d_input handed out; else None."""
        handed, buffer = self.handed, self.d_input
        self.d_input = self.handed = None
        if buffer is None or handed is None:
            return None
        for grad, view in zip(grads, handed):
            if grad is not view:
                return None
        return buffer.reshape(-1, buffer.shape[2])


def project(xp, x, weight, biases, vectors):
    """x W_ihᵀ + Σ biases, (steps·batch, G·H) for x (steps, batch, input_size) or
    (steps·batch, input_size), its columns
    times `vectors[0]` (the step kernel's column scale) when `vectors` is given: the input
    projection of every step in one matmul."""
    x = x.reshape(-1, x.shape[-1])                            # (steps·batch, input_size)
    projected = xp.matmul(x, weight.T if vectors is None else weight.T * vectors[0])
    if biases:
        bias = biases[0] if len(biases) == 1 else biases[0] + biases[1]  # b_ih + b_hh: one pass
        projected += bias if vectors is None else bias * vectors[0]
    return projected


class ProjectSteps(mg.Function):
    """x<t> W_ihᵀ + b for every step in one matmul; the outputs are the steps' slices.

    Inputs: x (steps, batch, input_size), or (steps·batch, input_size), W_ih, then `biases` biases to add (zero, one
    or two vectors), then the recurrent parameters whose gradient the sweep collects
    (W_hh, and GRU's b_hh). Returns `steps` arrays (batch, G·H). `vectors(xp, rows, dtype)`,
    from the step kernel that reads the slices, gives per-column constants whose
    first is a column scale folded into the matmul (LSTM, GRU: the ½ of
    σ(x) = ½ tanh(½x) + ½ on the σ rows), or None for none. The gradients the
    steps hand back are those of x<t> W_ihᵀ + b itself.
    """

    @staticmethod
    def forward(ctx, x, weight, *rest, steps, sweep, biases, vectors=None):
        ctx.steps, ctx.sweep, ctx.biases = steps, sweep, biases
        biases = rest[:biases]
        xp = ctx.xp
        sweep.vectors = vectors(xp, weight.shape[0], weight.dtype) if vectors else None
        sweep.projected = projected = project(xp, x, weight, biases, sweep.vectors)
        batch = projected.shape[0] // steps
        return tuple([projected[t * batch:(t + 1) * batch] for t in range(steps)])

    @staticmethod
    def backward(ctx, *grads):
        xp = ctx.xp
        x, weight = ctx.inputs[0], ctx.inputs[1]
        biases = ctx.inputs[2:2 + ctx.biases]
        recurrent = ctx.inputs[2 + ctx.biases:]  # W_hh (, b_hh): Σ_t over the steps' buffers
        if recurrent:
            need_bias = len(recurrent) > 1 and recurrent[1]._requires_grad
            recurrent_grads = ctx.sweep.finish(xp, recurrent[0]._requires_grad, need_bias)
            recurrent_grads = recurrent_grads[:len(recurrent)]
        else:
            recurrent_grads = ()
        joined = ctx.sweep.joined_input_grad(grads)
        if joined is None:
            joined = xp.concatenate(grads, axis=0)
        grad_x = xp.matmul(joined, weight.data).reshape(x.shape) if x._requires_grad else None
        grad_weight = xp.matmul(joined.T, x.data.reshape(-1, x.shape[-1])) \
            if weight._requires_grad else None
        grad_bias = joined.sum(axis=0) if biases else None  # the engine copies a shared grad
        return ((grad_x, grad_weight) + tuple(grad_bias if b._requires_grad else None
                                              for b in biases) + tuple(recurrent_grads))


class _Step(mg.Function):
    """What the fused steps share: their part of the W_hh (and b_hh) gradient, left in
    the sweep for `ProjectSteps` to reduce."""

    saves_output = False  # what they save are their gates, never an output (RNNStep: True)


def _gru_vectors(xp, rows: int, dtype) -> tuple:
    """The σ rows r, z halved, the n rows as they are (see `_lstm_vectors`)."""
    hidden = rows // 3
    scale = xp.full(3 * hidden, 0.5, dtype=dtype)
    scale[2 * hidden:] = 1.0
    return (scale,)


def _lstm_vectors(xp, rows: int, dtype) -> tuple:
    """Per-column constants over the gate rows i, f, g, o: σ(x) = ½ tanh(½x) + ½ on the
    σ rows and tanh on the g rows as one `scale·tanh(scale·x) + shift`; the derivative
    y' = y (1 - y) (σ) or 1 - y² (tanh) as one `(b - y)·y + a`."""
    hidden = rows // 4
    scale = xp.full(4 * hidden, 0.5, dtype=dtype)
    scale[2 * hidden:3 * hidden] = 1.0
    shift = xp.full(4 * hidden, 0.5, dtype=dtype)
    shift[2 * hidden:3 * hidden] = 0.0
    b = xp.ones(4 * hidden, dtype=dtype)
    b[2 * hidden:3 * hidden] = 0.0
    a = 1.0 - b
    return scale, shift, b, a


# -- the gate math of one step, on arrays: written once, run by the step nodes below and
# by the layer nodes (layers.py). `kernels` is the compiled module (compiled.py) or None.

def lstm_gates(xp, kernels, gates, projected, c_prev, vectors, c, tanh_c, h) -> None:
    """One LSTM step's gates: `gates` holds a<t-1> W_hhᵀ (σ rows halved) on entry and
    Γu, Γf, c~<t>, Γo on exit; c<t>, tanh c<t> and a<t> are written into c, tanh_c, h."""
    if kernels is not None:                                   # the same math, compiled (NumPy)
        kernels.lstm_forward(gates, projected, c_prev, c, tanh_c, h)
        return
    hidden = c_prev.shape[1]
    gates += projected                                        # W[a<t-1>, x<t>] + b, rows i, f, g, o
    xp.tanh(gates, out=gates)                                 # Γu, Γf, Γo = σ(·) = ½ tanh(½·) + ½
    gates *= vectors[0]                                       # c~<t> = tanh(·)
    gates += vectors[1]
    update, forget = gates[:, :hidden], gates[:, hidden:2 * hidden]
    candidate, output_gate = gates[:, 2 * hidden:3 * hidden], gates[:, 3 * hidden:]
    xp.multiply(forget, c_prev, out=c)                        # c<t> = Γu*c~<t> + Γf*c<t-1>
    c += update * candidate
    xp.tanh(c, out=tanh_c)
    xp.multiply(output_gate, tanh_c, out=h)                   # a<t> = Γo * tanh(c<t>)


def lstm_gate_gradients(xp, kernels, gates, tanh_c, c_prev, grad_h, grad_c, delta, vectors,
                        need_c: bool):
    """One LSTM step backward: δ<t> (the gradient of the pre-activations, rows i, f, g, o)
    into `delta`; returns dc<t-1> (None unless `need_c`)."""
    if kernels is not None:                                   # the same math, compiled (NumPy)
        grad_c_prev = kernels.lstm_backward(gates, tanh_c, c_prev, grad_h, grad_c, delta)
        return grad_c_prev if need_c else None
    hidden = c_prev.shape[1]
    update, forget = gates[:, :hidden], gates[:, hidden:2 * hidden]
    candidate, output_gate = gates[:, 2 * hidden:3 * hidden], gates[:, 3 * hidden:]
    # dc = dc<t> + da<t> Γo (1 - tanh²c<t>)
    dc = tanh_c * tanh_c
    xp.subtract(1.0, dc, out=dc)
    dc *= output_gate
    dc *= grad_h
    dc += grad_c
    # δ<t>, the gradient of the pre-activations: dΓu = dc c~, dΓf = dc c<t-1>,
    # dc~ = dc Γu, dΓo = da tanh c<t>; each times its gate's derivative
    xp.multiply(dc, candidate, out=delta[:, :hidden])
    xp.multiply(dc, c_prev, out=delta[:, hidden:2 * hidden])
    xp.multiply(dc, update, out=delta[:, 2 * hidden:3 * hidden])
    xp.multiply(grad_h, tanh_c, out=delta[:, 3 * hidden:])
    b, a = vectors[2], vectors[3]
    slope = b - gates                                         # σ' = σ (1 - σ), tanh' = 1 - tanh²
    slope *= gates
    slope += a
    delta *= slope
    if not need_c:
        return None
    dc *= forget                                              # dc<t-1> = dc Γf (dc is done with)
    return dc


def gru_gates(xp, kernels, recurrent, projected, h_prev, gates, candidate, h) -> None:
    """One GRU step: from recurrent = W_h a<t-1> + b_h and the projected W_i x<t> + b_i
    (r, z rows halved), Γr and z = 1 - Γu into `gates`, c~<t> into `candidate`, a<t> into h."""
    if kernels is not None:                                   # the same math, compiled (NumPy)
        kernels.gru_forward(recurrent, projected, h_prev, gates, candidate, h)
        return
    hidden = h_prev.shape[1]
    xp.add(projected[:, :2 * hidden], recurrent[:, :2 * hidden], out=gates)
    xp.tanh(gates, out=gates)                                 # Γr, z = 1 - Γu: σ = ½ tanh(½·) + ½
    gates += 1.0
    gates *= 0.5
    reset, keep = gates[:, :hidden], gates[:, hidden:]
    xp.multiply(reset, recurrent[:, 2 * hidden:], out=candidate)  # c~<t> = tanh(W_in x + b_in
    candidate += projected[:, 2 * hidden:]                        #   + Γr (W_hn a + b_hn))
    xp.tanh(candidate, out=candidate)
    xp.subtract(h_prev, candidate, out=h)                     # a<t> = (1 - z) c~<t> + z a<t-1>
    h *= keep
    h += candidate


def gru_gate_gradients(xp, kernels, gates, candidate, recurrent_n, h_prev, grad_h, d_input,
                       delta):
    """One GRU step backward: the δ of W_i x + b_i into `d_input` and of W_h a + b_h into
    `delta` (rows r, z, n); returns da<t> z, the share of a<t-1> that skips the matmul."""
    if kernels is not None:                                   # the same math, compiled (NumPy)
        return kernels.gru_backward(gates, candidate, recurrent_n, h_prev, grad_h, d_input, delta)
    hidden = h_prev.shape[1]
    reset, keep = gates[:, :hidden], gates[:, hidden:]
    d_reset, d_keep, d_candidate = (d_input[:, :hidden], d_input[:, hidden:2 * hidden],
                                    d_input[:, 2 * hidden:])
    # dc~ = da (1 - z) (1 - c~²);  dz = da (a<t-1> - c~)
    xp.subtract(h_prev, candidate, out=d_keep)
    d_keep *= grad_h
    through_keep = grad_h * keep                              # da z: a<t-1>'s direct share
    xp.multiply(candidate, candidate, out=d_candidate)
    xp.subtract(1.0, d_candidate, out=d_candidate)
    d_candidate *= grad_h - through_keep
    # dΓr = dc~ (W_hn a + b_hn); then both through σ' = σ (1 - σ)
    xp.multiply(d_candidate, recurrent_n, out=d_reset)
    d_gates = d_input[:, :2 * hidden]
    d_gates *= gates
    d_gates -= d_gates * gates
    delta[:, :2 * hidden] = d_gates
    xp.multiply(d_candidate, reset, out=delta[:, 2 * hidden:])
    return through_keep


def rnn_activation(xp, kernels, h, projected, relu: bool) -> None:
    """a<t> = g(h + projected) in place: h holds Waa a<t-1> on entry; g = relu or tanh."""
    if kernels is not None:                                   # the same math, compiled (NumPy)
        kernels.rnn_forward(h, projected, relu)
        return
    h += projected
    if relu:
        xp.maximum(h, 0, out=h)
    else:
        xp.tanh(h, out=h)


def rnn_activation_gradient(xp, kernels, h, grad_h, delta, relu: bool) -> None:
    """δ<t> = da<t> g'(·) into `delta`, from a<t> = `h`."""
    if kernels is not None:                                   # the same math, compiled (NumPy)
        kernels.rnn_backward(h, grad_h, delta, relu)
    elif relu:                                                # relu' = 1 where a<t> > 0
        xp.multiply(grad_h, h > 0, out=delta)
    else:                                                     # tanh' = 1 - a<t>²
        xp.multiply(h, h, out=delta)
        xp.subtract(1.0, delta, out=delta)
        delta *= grad_h


# -- the step nodes ----------------------------------------------------------------------

def _recurrent_weight(sweep, xp, weight_hh, scale=None):
    """W_hhᵀ (columns scaled), made by the sweep's first step."""
    cached = sweep._transposed
    if cached is not None and cached[0] is weight_hh:
        return cached[1]
    return sweep.transposed(xp, weight_hh, scale)


class LSTMStep(_Step):
    """One LSTM step, fused. Inputs: the projected input (batch, 4H), a<t-1>, c<t-1>, W_hh.
    Outputs: (a<t>, c<t>)."""

    # What a picture shows of the step (mg.draw_graph(view="bptt", expand="gates")):
    # the course's names of the inputs and outputs, and the gates inside with what
    # each reads. Their values come from what forward saved (`parts_values`).
    input_roles = ("x<t>", "a<t-1>", "c<t-1>", None)
    output_roles = ("a<t>", "c<t>")
    column_vectors = staticmethod(_lstm_vectors)  # how ProjectSteps scales the projection
    parts = (("Γu", "σ", ("x<t>", "a<t-1>")),
             ("Γf", "σ", ("x<t>", "a<t-1>")),
             ("c̃<t>", "tanh", ("x<t>", "a<t-1>")),
             ("Γo", "σ", ("x<t>", "a<t-1>")),
             ("c<t>", "Γu∗c̃<t> + Γf∗c<t-1>", ("Γu", "c̃<t>", "Γf", "c<t-1>")),
             ("a<t>", "Γo∗tanh(c<t>)", ("Γo", "c<t>")))

    @staticmethod
    def parts_values(ctx) -> dict:
        """role -> array of each gate, from the saved gates (empty once they were freed)."""
        if ctx._freed or not ctx._saved:
            return {}
        gates = ctx._saved[0]
        hidden = gates.shape[1] // 4
        return {role: gates[:, k * hidden:(k + 1) * hidden]
                for k, role in enumerate(("Γu", "Γf", "c̃<t>", "Γo"))}

    @staticmethod
    def forward(ctx, projected, h_prev, c_prev, weight_hh, sweep, t):
        xp = ctx.xp
        ctx.sweep, ctx.t = sweep, t
        sweep.times.append(t)                                 # this step's slot (see Sweep)
        ctx.slot = len(sweep.times) - 1
        gates = xp.matmul(h_prev, _recurrent_weight(sweep, xp, weight_hh, sweep.vectors[0]))
        ctx.kernels = compiled.gate_kernels(xp, gates, projected, c_prev)
        c, tanh_c, h = xp.empty((3,) + c_prev.shape, dtype=gates.dtype)
        lstm_gates(xp, ctx.kernels, gates, projected, c_prev, sweep.vectors, c, tanh_c, h)
        ctx._saved = (gates, tanh_c)                          # save_for_backward, inlined
        return h, c

    @staticmethod
    def backward(ctx, grad_h, grad_c):
        xp = ctx.xp
        gates, tanh_c = ctx._saved  # (the engine refuses a freed node before calling this)
        inputs = ctx.inputs
        h_prev, c_prev, weight_hh = inputs[1]._data, inputs[2]._data, inputs[3]._data
        sweep = ctx.sweep
        sweep.visit(ctx.slot, xp, False)
        delta = sweep.d_hidden[ctx.t]
        grad_c_prev = lstm_gate_gradients(xp, ctx.kernels, gates, tanh_c, c_prev, grad_h, grad_c,
                                          delta, sweep.vectors, inputs[2]._requires_grad)
        grad_h_prev = xp.matmul(delta, weight_hh) if inputs[1]._requires_grad else None
        sweep.h_prev[ctx.t] = h_prev                          # for ProjectSteps (see Sweep)
        sweep.handed[ctx.t] = delta
        return delta, grad_h_prev, grad_c_prev, None  # W_hh: from ProjectSteps


class GRUStep(_Step):
    """One GRU step, fused. Inputs: the projected input W_i x<t> + b_i (batch, 3H), a<t-1>,
    W_hh, and b_hh when the cell has biases. Output: a<t>."""

    # For pictures (see LSTMStep): the course's GRU, whose state is c<t>.
    input_roles = ("x<t>", "c<t-1>", None, None)
    output_roles = ("c<t>",)
    column_vectors = staticmethod(_gru_vectors)
    parts = (("Γr", "σ", ("x<t>", "c<t-1>")),
             ("Γu", "1 − σ(z)", ("x<t>", "c<t-1>")),
             ("c̃<t>", "tanh", ("x<t>", "c<t-1>", "Γr")),
             ("c<t>", "Γu∗c̃<t> + (1−Γu)∗c<t-1>", ("Γu", "c̃<t>", "c<t-1>")))

    @staticmethod
    def parts_values(ctx) -> dict:
        if ctx._freed or not ctx._saved:
            return {}
        gates, candidate = ctx._saved[0], ctx._saved[1]
        hidden = candidate.shape[1]
        return {"Γr": gates[:, :hidden], "Γu": 1.0 - gates[:, hidden:], "c̃<t>": candidate}

    @staticmethod
    def forward(ctx, projected, h_prev, weight_hh, *bias_hh, sweep, t):
        xp = ctx.xp
        ctx.sweep, ctx.t = sweep, t
        sweep.times.append(t)                                 # this step's slot (see Sweep)
        ctx.slot = len(sweep.times) - 1
        batch, hidden = h_prev.shape
        scale = sweep.vectors[0]                              # the r, z rows halved (see ProjectSteps)
        recurrent = xp.matmul(h_prev, _recurrent_weight(sweep, xp, weight_hh, scale))
        if bias_hh:                                           # W_h a<t-1> + b_h
            recurrent += sweep.scaled_bias(bias_hh[0], scale)
        ctx.kernels = compiled.gate_kernels(xp, recurrent, projected, h_prev)
        gates = xp.empty((batch, 2 * hidden), dtype=recurrent.dtype)
        candidate, h = xp.empty((2, batch, hidden), dtype=recurrent.dtype)
        gru_gates(xp, ctx.kernels, recurrent, projected, h_prev, gates, candidate, h)
        ctx._saved = (gates, candidate, recurrent[:, 2 * hidden:])  # save_for_backward, inlined
        return h

    @staticmethod
    def backward(ctx, grad_h):
        xp = ctx.xp
        gates, candidate, recurrent_n = ctx._saved  # (the engine refuses a freed node first)
        h_prev, weight_hh = ctx.inputs[1]._data, ctx.inputs[2]._data
        sweep = ctx.sweep
        sweep.visit(ctx.slot, xp, True)
        d_input = sweep.d_input[ctx.t]                        # δ of W_i x + b_i (rows r, z, n)
        delta = sweep.d_hidden[ctx.t]                         # δ of W_h a + b_h
        through_keep = gru_gate_gradients(xp, ctx.kernels, gates, candidate, recurrent_n, h_prev,
                                          grad_h, d_input, delta)
        grad_h_prev = None
        if ctx.inputs[1]._requires_grad:
            grad_h_prev = xp.matmul(delta, weight_hh)
            grad_h_prev += through_keep                       # a<t-1> also flows straight through z
        sweep.h_prev[ctx.t] = h_prev                          # for ProjectSteps (see Sweep)
        sweep.handed[ctx.t] = d_input
        return (d_input, grad_h_prev) + (None,) * (len(ctx.inputs) - 2)  # W_hh, b_hh: ProjectSteps


class RNNStep(_Step):
    """One vanilla RNN step, fused: a<t> = g(projected + a<t-1> W_hhᵀ), g = tanh or relu.
    Inputs: the projected input (batch, H), a<t-1>, W_hh."""

    input_roles = ("x<t>", "a<t-1>", None)  # for pictures (see LSTMStep)
    output_roles = ("a<t>",)
    column_vectors = None  # the projection is used as it is
    saves_output = True  # backward reads a<t>: writing into it in place must be caught
    parts = (("a<t>", "g(Waa a<t-1> + Wax x<t> + ba)", ("x<t>", "a<t-1>")),)

    @staticmethod
    def parts_values(ctx) -> dict:
        return {}

    @staticmethod
    def forward(ctx, projected, h_prev, weight_hh, sweep, t, relu):
        xp = ctx.xp
        ctx.sweep, ctx.t, ctx.relu = sweep, t, relu
        sweep.times.append(t)                                 # this step's slot (see Sweep)
        ctx.slot = len(sweep.times) - 1
        h = xp.matmul(h_prev, _recurrent_weight(sweep, xp, weight_hh))  # Waa a<t-1>
        ctx.kernels = compiled.gate_kernels(xp, h, projected)
        rnn_activation(xp, ctx.kernels, h, projected, relu)   # + (Wax x<t> + ba), then g
        return h

    @staticmethod
    def backward(ctx, grad_h):
        xp = ctx.xp
        h = ctx._output_data[0]
        h_prev, weight_hh = ctx.inputs[1]._data, ctx.inputs[2]._data
        sweep = ctx.sweep
        sweep.visit(ctx.slot, xp, False)
        delta = sweep.d_hidden[ctx.t]
        rnn_activation_gradient(xp, ctx.kernels, h, grad_h, delta, ctx.relu)
        grad_h_prev = xp.matmul(delta, weight_hh) if ctx.inputs[1]._requires_grad else None
        sweep.h_prev[ctx.t] = h_prev                          # for ProjectSteps (see Sweep)
        sweep.handed[ctx.t] = delta
        return delta, grad_h_prev, None  # W_hh: from ProjectSteps
