"""Fused recurrent layers: every time step of one layer and direction in one graph node.

Why: with its gates fused (fused.py), a recurrent step costs more in Python than in
arithmetic: recording its node, the engine's walk and bookkeeping, about eighty calls
per step, where the two matmuls and the compiled gates of a course-sized LSTM step
take a few tens of microseconds. A layer node runs the time loop inside one forward
and one backward: per step a matmul and the step's gate math (the same functions the
step nodes run, fused.py), nothing else; the input projection of all steps is one
matmul before the loop, and the weight gradients are three matmuls after it. On NumPy
(float32, float64) the time loop itself is compiled whole (numba_layers.py), with the
same steps in the same order; the Python loop here is the reference, and what CuPy and
the strict backend run.

The picture stays that of the steps: the node's `expand` gives stand-ins
(minigrad.expansion) shaped exactly as the graph of step nodes would be (the input
projection `ProjectSteps`, one `LSTMStep` per step in its `t=` scope with the state
flowing between them, the `Stack` of the outputs), which `view="bptt"`, the HTML
viewer and `mg.step_grad_norms` draw and read; when a backward pass is observed the
node keeps each step's ∂L/∂a<t> (∂L/∂c<t>) for them.

`nn.Recurrent` runs a layer node for a built-in cell with `fused=True` when no
sequence of the batch is padded (`lengths`); padded batches run the step nodes,
which carry the state of ended sequences with `mg.where`. Both are first order.
Inputs of a layer node: x (steps, batch, features), W_ih, the projection's biases,
the recurrent parameters (W_hh; GRU: W_hh, b_hh), then the initial state.
"""
from __future__ import annotations

import weakref
from collections.abc import Callable

import minigrad as mg
from minigrad.expansion import (
    Expansion,
    expansion_of,
    stack_stand_in,
    stand_in,
    stand_in_tensor,
)
from minigrad.scopes import ScopeEntry

from . import compiled
from .fused import (
    GRUStep,
    LSTMStep,
    ProjectSteps,
    RNNStep,
    _gru_vectors,
    _lstm_vectors,
    gru_gate_gradients,
    gru_gates,
    lstm_gate_gradients,
    lstm_gates,
    project,
    rnn_activation,
    rnn_activation_gradient,
)


class LayerCall:
    """A layer node about to be run: what a layer kernel (kernels.py) returns.

    `run()` applies it and gives nn.Recurrent its `(output, state)`; nn.Bidirectional
    instead runs two of them in one node, side by side (bidirectional_layer.py). The
    scope current when it was made is the one its steps are drawn in.
    """

    __slots__ = ("assemble", "inputs", "node", "options", "scope")

    def __init__(self, node: type, inputs: tuple, options: dict, assemble: Callable):
        self.node, self.inputs, self.options = node, inputs, options
        self.assemble = assemble  # the node's outputs -> (output, state)
        self.scope = mg.current_scope()

    def run(self) -> tuple:
        return self.assemble(*self.node.apply(*self.inputs, **self.options))


class _Layer(mg.Function):
    """What the three layer nodes share: the projection, the order of the steps, the
    weight gradients after the loop, and the picture of their steps."""

    saves_output = True  # backward reads a<t> (and the state): in-place writes are caught
    # One gradient per input, of its shape and dtype, made here: the engine may keep the
    # fresh ones as .grad without a copy (a shared bias gradient is still copied once).
    trusted_backward = True
    step_class = None  # the step node each step is drawn as
    state_parts = 1

    @staticmethod
    def _begin(ctx, x, weight_ih, biases, vectors, steps, reverse):
        """The projection x<t> W_ihᵀ + b of every step, (steps, batch, G·H), and the order
        the steps run in."""
        ctx.steps, ctx.reverse = steps, reverse
        projected = project(ctx.xp, x, weight_ih, biases, vectors)
        ctx.projected = projected = projected.reshape(steps, x.shape[1], -1)
        return projected, (range(steps - 1, -1, -1) if reverse else range(steps))

    @staticmethod
    def _backward_order(ctx, grad_h):
        """The steps from the last one run to the first, the first one run, the offset of a
        step's predecessor (t - offset), and ∂L/∂a<T> as an array of our own to add into."""
        order = range(ctx.steps) if ctx.reverse else range(ctx.steps - 1, -1, -1)
        return order, order[-1], (-1 if ctx.reverse else 1), ctx.xp.array(grad_h, order="C")

    @staticmethod
    def _previous(ctx, all_h, first):
        """a<t-1> of every step, in time order, (steps·batch, H): the initial state at
        the first step run, the neighbouring output elsewhere."""
        xp = ctx.xp
        parts = (all_h[1:], first[None]) if ctx.reverse else (first[None], all_h[:-1])
        return xp.concatenate(parts, axis=0).reshape(-1, first.shape[1])

    @staticmethod
    def _finish(ctx, d_input, d_hidden, h_prev, initial_grads):
        """The gradients of every input, in input order, after the loop: Σ_t over the steps
        as matmuls over all steps at once."""
        xp = ctx.xp
        inputs = ctx.inputs
        x, weight_ih = inputs[0], inputs[1]
        biases = inputs[2:2 + ctx.biases]
        recurrent = inputs[2 + ctx.biases:2 + ctx.biases + ctx.recurrent]
        width = d_input.shape[2]
        flat = d_input.reshape(-1, width)
        grads = [xp.matmul(flat, weight_ih._data).reshape(x.shape) if x._requires_grad else None,
                 xp.matmul(flat.T, x._data.reshape(-1, x.shape[2]))
                 if weight_ih._requires_grad else None]
        bias = flat.sum(axis=0) if any(b._requires_grad for b in biases) else None
        grads += [bias if b._requires_grad else None for b in biases]
        hidden = d_hidden.reshape(-1, width)
        grads.append(xp.matmul(hidden.T, h_prev) if recurrent[0]._requires_grad else None)
        if len(recurrent) > 1:                                # GRU's b_hh
            grads.append(hidden.sum(axis=0) if recurrent[1]._requires_grad else None)
        state = inputs[2 + ctx.biases + ctx.recurrent:]
        grads += [g if s._requires_grad else None for g, s in zip(initial_grads, state)]
        return tuple(grads)

    # -- pictures -----------------------------------------------------------------------
    @staticmethod
    def step_outputs(node, t: int) -> tuple:
        """The arrays step t's node would have output (a<t>; LSTM: a<t>, c<t>)."""
        return (node._output_data[0][t],)

    @staticmethod
    def saved_of(node, t: int) -> tuple:  # pragma: no cover - each layer says
        """What step t's node would have saved (its `parts_values` reads it)."""
        raise NotImplementedError

    @staticmethod
    def expand(node):
        """The graph the steps would have recorded one by one (see the module docstring)."""
        cls = type(node)
        inputs, steps, scope = node.inputs, node.steps, node._scope
        split = 2 + node.biases + node.recurrent
        recurrent, state = list(inputs[2 + node.biases:split]), list(inputs[split:])
        projection = stand_in(ProjectSteps, inputs[:split],
                              [node.projected[t] for t in range(steps)], scope)
        outputs = node._output_data
        view = _stand_in_class(cls.step_class)
        by_time = {}
        order = range(steps - 1, -1, -1) if node.reverse else range(steps)
        layer = weakref.ref(node)
        for t in order:
            arrays = cls.step_outputs(node, t)
            step = stand_in(view, [stand_in_tensor(projection, t)] + state + recurrent, arrays,
                            scope + (ScopeEntry("step", f"t={t}", t),), _layer=layer, _t=t)
            state = [stand_in_tensor(step, k) for k in range(cls.state_parts)]
            by_time[t] = step
        stack = stack_stand_in([stand_in_tensor(by_time[t], 0) for t in range(steps)],
                               outputs[0], scope)
        last = by_time[order[-1]]
        node._by_time = by_time
        nodes = [stack] + [by_time[t] for t in reversed(order)] + [projection]
        return Expansion(nodes, ((stack, 0),) + tuple(
            (last, k) for k in range(cls.state_parts)))

    @staticmethod
    def inner_gradients(node) -> list:
        """After an observed backward: (stand-in, its output gradients) in the order the
        engine would have run them (the stack, the steps from the last, the projection)."""
        recorded = node.__dict__.pop("_inner", None)
        if recorded is None:
            return []
        grad_output, per_step, d_input, observed = recorded
        expansion = expansion_of(node)
        by_time = node._by_time
        result = [(expansion.nodes[0], (grad_output if observed[0] else None,))]
        result += [(by_time[t], grads) for t, grads in per_step]
        result.append((expansion.nodes[-1], tuple(d_input[t] for t in range(node.steps))))
        return result


def _given(last: bool, observed: tuple, grad_h, *grad_state) -> tuple:
    """∂L/∂a<t> (and ∂L/∂c<t>) for observers, arrays of their own; at the last step only
    what reached the layer's outputs (`observed`: output, a<T>, c<T>), None for the rest,
    as a step node would have been given."""
    if not last:
        return (grad_h,) + grad_state
    reached_h = observed[0] or observed[1]
    return ((grad_h if reached_h else None,)
            + tuple(g if given else None for g, given in zip(grad_state, observed[2:])))


def _contiguous(xp, grad_output):
    """The layer's output gradient with C-contiguous rows, as the compiled loops take it
    (a broadcast gradient, such as a mean's, becomes an array of its own)."""
    return grad_output if grad_output.flags.c_contiguous else xp.ascontiguousarray(grad_output)


def _seen(xp, grad_h, steps: int, observed, parts: int) -> tuple:
    """Where a compiled backward loop copies each step's ∂L/∂a<t> (and ∂L/∂c<t>): arrays
    of (steps, batch, H) when the backward pass is observed, of no steps otherwise."""
    shape = ((steps if observed else 0),) + grad_h.shape
    return tuple(xp.empty(shape, dtype=grad_h.dtype) for _ in range(parts))


_VIEWS: dict = {}


def _stand_in_class(step_class: type) -> type:
    """`step_class` as a stand-in: what it saved, and whether it was freed, are the layer
    node's (read through a weak reference, so a picture keeps no memory alive)."""
    view = _VIEWS.get(step_class)
    if view is None:
        def freed(self):
            layer = self._layer()
            return layer is None or layer._freed

        def saved(self):
            layer = self._layer()
            if layer is None or layer._freed or not layer._saved:
                return ()
            return type(layer).saved_of(layer, self._t)

        view = _VIEWS[step_class] = type(step_class.__name__, (step_class,), {
            "__doc__": step_class.__doc__, "__module__": step_class.__module__,
            "_freed": property(freed), "_saved": property(saved)})
    return view


class LSTMLayer(_Layer):
    """Every step of an LSTM layer in one direction. Outputs: a<t> for all t (steps,
    batch, H), and the final (a, c)."""

    step_class = LSTMStep
    state_parts = 2

    @staticmethod
    def forward(ctx, x, weight_ih, *rest, biases, steps, reverse):
        xp = ctx.xp
        ctx.biases, ctx.recurrent = biases, 1
        weight_hh, h, c = rest[biases], rest[biases + 1], rest[biases + 2]
        ctx.vectors = vectors = _lstm_vectors(xp, weight_ih.shape[0], weight_ih.dtype)
        projected, order = _Layer._begin(ctx, x, weight_ih, rest[:biases], vectors, steps, reverse)
        weight_t = xp.array(weight_hh.T, order="C")           # W_hhᵀ, its σ columns halved
        weight_t *= vectors[0]
        loops = compiled.layer_loops(xp, projected, h, c, weight_t)
        gates = xp.empty(projected.shape, dtype=projected.dtype)
        all_tanh_c = xp.empty((steps,) + c.shape, dtype=projected.dtype)
        ctx.states = states = xp.empty((2, steps) + c.shape, dtype=projected.dtype)
        all_h, all_c = states[0], states[1]                   # kept for pictures, as step outputs
        if loops is not None:  # the loop below, compiled whole (numba_layers.py)
            module, gemm = loops
            module.lstm_forward(gemm, reverse, xp.ascontiguousarray(h), xp.ascontiguousarray(c),
                                weight_t, projected, gates, all_c, all_tanh_c, all_h)
            h, c = all_h[order[-1]], all_c[order[-1]]
        else:  # (on CuPy, each step's gates are one kernel: cuda_gates.py)
            kernels = compiled.cuda_gate_kernels(xp, projected, h, c)
            for t in order:
                xp.matmul(h, weight_t, out=gates[t])          # W_aa a<t-1>, then the gates
                lstm_gates(xp, kernels, gates[t], projected[t], c, vectors, all_c[t],
                           all_tanh_c[t], all_h[t])
                h, c = all_h[t], all_c[t]
        ctx._saved = (gates, all_tanh_c)
        return all_h, h.copy(), c.copy()

    @staticmethod
    def backward(ctx, grad_output, grad_h, grad_c):
        xp = ctx.xp
        gates, all_tanh_c = ctx._saved
        all_h, all_c = ctx.states[0], ctx.states[1]
        inputs = ctx.inputs
        weight_hh = inputs[ctx.biases + 2]._data
        h0, c0 = inputs[ctx.biases + 3]._data, inputs[ctx.biases + 4]._data
        delta = ctx.projected           # x<t> W_ihᵀ + b is not read again: it holds δ<t> now
        vectors, observed = ctx.vectors, ctx._observed
        per_step = [] if observed else None
        order, first, step, grad_h = _Layer._backward_order(ctx, grad_h)  # h_n's share of a<T>
        loops = compiled.layer_loops(xp, delta, grad_output, grad_h, grad_c, c0, weight_hh)
        if loops is not None:  # the loop below, compiled whole (numba_layers.py)
            module, gemm = loops
            grad_output = _contiguous(xp, grad_output)
            seen_h, seen_c = _seen(xp, grad_h, ctx.steps, observed, 2)
            grad_c = module.lstm_backward(
                gemm, ctx.reverse, gates, all_tanh_c, all_c, xp.ascontiguousarray(c0),
                grad_output, grad_h, xp.array(grad_c, order="C"), xp.empty_like(grad_h), delta,
                xp.ascontiguousarray(weight_hh), seen_h, seen_c)
            if observed:
                per_step = [(t, _given(t == order[0], observed, seen_h[t], seen_c[t]))
                            for t in order]
        else:
            kernels = compiled.cuda_gate_kernels(xp, delta, grad_output, grad_h, grad_c, c0)
            for t in order:
                grad_h += grad_output[t]                      # ∂L/∂a<t> += the output's share
                c_prev = c0 if t == first else all_c[t - step]
                if observed:
                    per_step.append((t, _given(t == order[0], observed, grad_h.copy(),
                                                    grad_c.copy())))
                grad_c = lstm_gate_gradients(xp, kernels, gates[t], all_tanh_c[t], c_prev, grad_h,
                                             grad_c, delta[t], vectors, True)
                grad_h = xp.matmul(delta[t], weight_hh)       # da<t-1> = δ<t> W_hh
        if observed:
            ctx._inner = (grad_output, per_step, delta, observed)
        h_prev = _Layer._previous(ctx, all_h, h0)
        return _Layer._finish(ctx, delta, delta, h_prev, (grad_h, grad_c))

    @staticmethod
    def step_outputs(node, t: int) -> tuple:
        return node.states[0][t], node.states[1][t]

    @staticmethod
    def saved_of(node, t: int) -> tuple:
        gates, all_tanh_c = node._saved
        return gates[t], all_tanh_c[t]


class GRULayer(_Layer):
    """Every step of a GRU layer in one direction. Outputs: a<t> for all t, the final a."""

    step_class = GRUStep

    @staticmethod
    def forward(ctx, x, weight_ih, *rest, biases, steps, reverse):
        xp = ctx.xp
        ctx.biases = biases
        ctx.recurrent = len(rest) - biases - 1                 # W_hh (, b_hh)
        weight_hh, h = rest[biases], rest[-1]
        bias_hh = rest[biases + 1] if ctx.recurrent > 1 else None
        vectors = _gru_vectors(xp, weight_ih.shape[0], weight_ih.dtype)
        projected, order = _Layer._begin(ctx, x, weight_ih, rest[:biases], vectors, steps, reverse)
        scale = vectors[0]                                    # the r, z rows halved
        weight_t = xp.array(weight_hh.T, order="C")
        weight_t *= scale
        scaled_bias = bias_hh * scale if bias_hh is not None else None
        batch, hidden = h.shape
        recurrent = xp.empty(projected.shape, dtype=projected.dtype)  # W_h a<t-1> + b_h
        gates = xp.empty((steps, batch, 2 * hidden), dtype=projected.dtype)
        states = xp.empty((2, steps, batch, hidden), dtype=projected.dtype)
        all_candidate, all_h = states[0], states[1]
        loops = compiled.layer_loops(xp, projected, h, weight_t, *(
            (scaled_bias,) if scaled_bias is not None else ()))
        if loops is not None:  # the loop below, compiled whole (numba_layers.py)
            module, gemm = loops
            bias = scaled_bias if scaled_bias is not None else xp.empty(0, projected.dtype)
            module.gru_forward(gemm, reverse, xp.ascontiguousarray(h), weight_t,
                               xp.ascontiguousarray(bias), projected, recurrent, gates,
                               all_candidate, all_h)
            h = all_h[order[-1]]
        else:  # (on CuPy, each step's gates are one kernel: cuda_gates.py)
            kernels = compiled.cuda_gate_kernels(xp, projected, h)
            for t in order:
                xp.matmul(h, weight_t, out=recurrent[t])
                if scaled_bias is not None:
                    recurrent[t] += scaled_bias
                gru_gates(xp, kernels, recurrent[t], projected[t], h, gates[t], all_candidate[t],
                          all_h[t])
                h = all_h[t]
        ctx._saved = (gates, states, recurrent)
        return all_h, h.copy()

    @staticmethod
    def backward(ctx, grad_output, grad_h):
        xp = ctx.xp
        gates, states, recurrent = ctx._saved
        all_candidate, all_h = states[0], states[1]
        inputs = ctx.inputs
        weight_hh = inputs[ctx.biases + 2]._data
        h0 = inputs[-1]._data
        hidden = h0.shape[1]
        d_input = ctx.projected                               # δ of W_i x + b_i, over the projection
        d_hidden = xp.empty(d_input.shape, dtype=d_input.dtype)  # δ of W_h a + b_h
        observed = ctx._observed
        per_step = [] if observed else None
        order, first, step, grad_h = _Layer._backward_order(ctx, grad_h)  # h_n's share of a<T>
        loops = compiled.layer_loops(xp, d_input, grad_output, grad_h, h0, weight_hh)
        if loops is not None:  # the loop below, compiled whole (numba_layers.py)
            module, gemm = loops
            grad_output = _contiguous(xp, grad_output)
            seen_h = _seen(xp, grad_h, ctx.steps, observed, 1)[0]
            module.gru_backward(gemm, ctx.reverse, gates, all_candidate, recurrent, all_h,
                                xp.ascontiguousarray(h0), grad_output, grad_h,
                                xp.empty_like(grad_h), d_input, d_hidden,
                                xp.ascontiguousarray(weight_hh), seen_h)
            if observed:
                per_step = [(t, _given(t == order[0], observed, seen_h[t])) for t in order]
        else:
            kernels = compiled.cuda_gate_kernels(xp, d_input, grad_output, grad_h, h0)
            for t in order:
                grad_h += grad_output[t]
                h_prev = h0 if t == first else all_h[t - step]
                if observed:
                    per_step.append((t, _given(t == order[0], observed, grad_h.copy())))
                through_keep = gru_gate_gradients(xp, kernels, gates[t], all_candidate[t],
                                                  recurrent[t][:, 2 * hidden:], h_prev, grad_h,
                                                  d_input[t], d_hidden[t])
                grad_h = xp.matmul(d_hidden[t], weight_hh)
                grad_h += through_keep                        # a<t-1> also flows straight through z
        if observed:
            ctx._inner = (grad_output, per_step, d_input, observed)
        h_prev = _Layer._previous(ctx, all_h, h0)
        return _Layer._finish(ctx, d_input, d_hidden, h_prev, (grad_h,))

    @staticmethod
    def saved_of(node, t: int) -> tuple:
        gates, states, recurrent = node._saved
        hidden = gates.shape[2] // 2
        return gates[t], states[0][t], recurrent[t][:, 2 * hidden:]


class RNNLayer(_Layer):
    """Every step of a vanilla RNN layer in one direction, a<t> = g(W_aa a<t-1> + W_ax x<t>
    + b). Outputs: a<t> for all t, the final a."""

    step_class = RNNStep

    @staticmethod
    def forward(ctx, x, weight_ih, *rest, biases, steps, reverse, relu):
        xp = ctx.xp
        ctx.biases, ctx.recurrent, ctx.relu = biases, 1, relu
        weight_hh, h = rest[biases], rest[biases + 1]
        projected, order = _Layer._begin(ctx, x, weight_ih, rest[:biases], None, steps, reverse)
        weight_t = xp.array(weight_hh.T, order="C")
        all_h = xp.empty((steps,) + h.shape, dtype=projected.dtype)
        loops = compiled.layer_loops(xp, projected, h, weight_t)
        if loops is not None:  # the loop below, compiled whole (numba_layers.py)
            module, gemm = loops
            module.rnn_forward(gemm, reverse, xp.ascontiguousarray(h), weight_t, projected, all_h,
                               relu)
            h = all_h[order[-1]]
        else:  # (on CuPy, each step's activation is one kernel: cuda_gates.py)
            kernels = compiled.cuda_gate_kernels(xp, projected, h)
            for t in order:
                xp.matmul(h, weight_t, out=all_h[t])          # W_aa a<t-1>
                rnn_activation(xp, kernels, all_h[t], projected[t], relu)
                h = all_h[t]
        ctx._saved = (all_h,)
        return all_h, h.copy()

    @staticmethod
    def backward(ctx, grad_output, grad_h):
        xp = ctx.xp
        all_h = ctx._saved[0]
        inputs = ctx.inputs
        weight_hh = inputs[ctx.biases + 2]._data
        h0 = inputs[-1]._data
        delta = ctx.projected
        relu, observed = ctx.relu, ctx._observed
        per_step = [] if observed else None
        order, _, _, grad_h = _Layer._backward_order(ctx, grad_h)
        loops = compiled.layer_loops(xp, delta, grad_output, grad_h, weight_hh)
        if loops is not None:  # the loop below, compiled whole (numba_layers.py)
            module, gemm = loops
            grad_output = _contiguous(xp, grad_output)
            seen_h = _seen(xp, grad_h, ctx.steps, observed, 1)[0]
            module.rnn_backward(gemm, ctx.reverse, all_h, grad_output, grad_h, delta,
                                xp.ascontiguousarray(weight_hh), relu, seen_h)
            if observed:
                per_step = [(t, _given(t == order[0], observed, seen_h[t])) for t in order]
        else:
            kernels = compiled.cuda_gate_kernels(xp, delta, grad_output, grad_h)
            for t in order:
                grad_h += grad_output[t]
                if observed:
                    per_step.append((t, _given(t == order[0], observed, grad_h.copy())))
                rnn_activation_gradient(xp, kernels, all_h[t], grad_h, delta[t], relu)
                grad_h = xp.matmul(delta[t], weight_hh)
        if observed:
            ctx._inner = (grad_output, per_step, delta, observed)
        h_prev = _Layer._previous(ctx, all_h, h0)
        return _Layer._finish(ctx, delta, delta, h_prev, (grad_h,))

    @staticmethod
    def saved_of(node, t: int) -> tuple:
        return ()
