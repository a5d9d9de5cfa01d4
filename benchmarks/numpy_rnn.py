"""The no-framework baseline: RNN, GRU and LSTM layers in plain NumPy, backward by hand.

This is the textbook way (CS231n's assignment style) that a person writes a
recurrent network without any framework: per time step, the forward pass does
its two matmuls and its gate math and keeps a cache; the backward pass walks the
steps in reverse, adding each step's weight gradients as it goes. No tricks
beyond that, so it measures what a framework must at least match.

Math, gate order and parameter layout are PyTorch's (`weight_ih` (G·H, X),
`weight_hh` (G·H, H), `bias_ih`, `bias_hh`; LSTM rows i, f, g, o; GRU rows
r, z, n), so the same weights give the same loss in all three frameworks.
Everything is float32 when the weights are.
"""
from __future__ import annotations

import numpy as np


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


# -- one direction of one layer ---------------------------------------------------------

def layer_forward(kind: str, x: np.ndarray, params: dict, reverse: bool = False):
    """Run one layer over x (T, B, X); returns (outputs (T, B, H), cache for backward)."""
    w_ih, w_hh, b_ih, b_hh = params["weight_ih"], params["weight_hh"], params["bias_ih"], params["bias_hh"]
    steps, batch = x.shape[0], x.shape[1]
    hidden = w_hh.shape[1]
    h = np.zeros((batch, hidden), dtype=x.dtype)
    c = np.zeros_like(h)
    out = np.empty((steps, batch, hidden), dtype=x.dtype)
    caches = [None] * steps
    order = range(steps - 1, -1, -1) if reverse else range(steps)
    for t in order:
        if kind == "lstm":
            a = x[t] @ w_ih.T + h @ w_hh.T + b_ih + b_hh
            i = sigmoid(a[:, :hidden])
            f = sigmoid(a[:, hidden:2 * hidden])
            g = np.tanh(a[:, 2 * hidden:3 * hidden])
            o = sigmoid(a[:, 3 * hidden:])
            c_next = f * c + i * g
            tanh_c = np.tanh(c_next)
            h_next = o * tanh_c
            caches[t] = (h, c, i, f, g, o, tanh_c)
            c = c_next
        elif kind == "gru":
            gi = x[t] @ w_ih.T + b_ih
            gh = h @ w_hh.T + b_hh
            r = sigmoid(gi[:, :hidden] + gh[:, :hidden])
            z = sigmoid(gi[:, hidden:2 * hidden] + gh[:, hidden:2 * hidden])
            hn = gh[:, 2 * hidden:]
            n = np.tanh(gi[:, 2 * hidden:] + r * hn)
            h_next = (1 - z) * n + z * h
            caches[t] = (h, r, z, n, hn)
        else:  # vanilla RNN, tanh
            h_next = np.tanh(x[t] @ w_ih.T + h @ w_hh.T + b_ih + b_hh)
            caches[t] = (h, h_next)
        h = h_next
        out[t] = h
    return out, (kind, x, params, reverse, caches)


def layer_backward(dout: np.ndarray, cache, need_dx: bool = False):
    """Backpropagate dL/d(outputs) through one layer; returns (dx or None, grads dict)."""
    kind, x, params, reverse, caches = cache
    w_ih, w_hh = params["weight_ih"], params["weight_hh"]
    grads = {name: np.zeros_like(p) for name, p in params.items()}
    steps = x.shape[0]
    dx = np.empty_like(x) if need_dx else None
    dh_next = np.zeros_like(dout[0])
    dc_next = np.zeros_like(dout[0])
    order = range(steps) if reverse else range(steps - 1, -1, -1)
    for t in order:
        dh = dout[t] + dh_next
        if kind == "lstm":
            h, c, i, f, g, o, tanh_c = caches[t]
            do = dh * tanh_c
            dc = dc_next + dh * o * (1 - tanh_c * tanh_c)
            di = dc * g
            df = dc * c
            dg = dc * i
            dc_next = dc * f
            da = np.concatenate([di * i * (1 - i), df * f * (1 - f), dg * (1 - g * g),
                                 do * o * (1 - o)], axis=1)
            da_ih = da_hh = da
        elif kind == "gru":
            h, r, z, n, hn = caches[t]
            dn = dh * (1 - z)
            dz = dh * (h - n)
            dn_pre = dn * (1 - n * n)
            dr = dn_pre * hn
            dr_pre = dr * r * (1 - r)
            dz_pre = dz * z * (1 - z)
            da_ih = np.concatenate([dr_pre, dz_pre, dn_pre], axis=1)
            da_hh = np.concatenate([dr_pre, dz_pre, dn_pre * r], axis=1)
            dh_direct = dh * z
        else:
            h, h_next = caches[t]
            da_ih = da_hh = dh * (1 - h_next * h_next)
        grads["weight_ih"] += da_ih.T @ x[t]
        grads["weight_hh"] += da_hh.T @ h
        grads["bias_ih"] += da_ih.sum(axis=0)
        grads["bias_hh"] += da_hh.sum(axis=0)
        dh_next = da_hh @ w_hh
        if kind == "gru":
            dh_next += dh_direct
        if need_dx:
            dx[t] = da_ih @ w_ih
    return dx, grads


# -- stacked and bidirectional layers -----------------------------------------------------

class NumpyRNN:
    """A multi-layer, optionally bidirectional RNN/GRU/LSTM with a hand-written backward.

    `params` maps PyTorch's flat names (`weight_ih_l0`, `bias_hh_l1_reverse`, ...)
    to float arrays; `train_step(x, target, lr)` does forward, MSE loss, backward and
    an SGD update in place, and returns the loss as a float.
    """

    def __init__(self, kind: str, params: dict, num_layers: int = 1, bidirectional: bool = False):
        self.kind = kind
        self.params = params
        self.num_layers = num_layers
        self.directions = ("", "_reverse") if bidirectional else ("",)

    def _layer_params(self, layer: int, suffix: str) -> dict:
        return {name: self.params[f"{name}_l{layer}{suffix}"]
                for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}

    def forward(self, x: np.ndarray):
        caches = []
        for layer in range(self.num_layers):
            outs, layer_caches = [], []
            for suffix in self.directions:
                out, cache = layer_forward(self.kind, x, self._layer_params(layer, suffix),
                                           reverse=bool(suffix))
                outs.append(out)
                layer_caches.append(cache)
            x = outs[0] if len(outs) == 1 else np.concatenate(outs, axis=2)
            caches.append(layer_caches)
        return x, caches

    def backward(self, dout: np.ndarray, caches) -> dict:
        grads = {}
        for layer in range(self.num_layers - 1, -1, -1):
            hidden = dout.shape[2] // len(self.directions)
            dx = None
            for index, suffix in enumerate(self.directions):
                part = dout[:, :, index * hidden:(index + 1) * hidden]
                d, layer_grads = layer_backward(part, caches[layer][index], need_dx=layer > 0)
                if d is not None:
                    dx = d if dx is None else dx + d
                for name, g in layer_grads.items():
                    grads[f"{name}_l{layer}{suffix}"] = g
            dout = dx
        return grads

    def train_step(self, x: np.ndarray, target: np.ndarray, lr: float) -> float:
        out, caches = self.forward(x)
        diff = out - target
        loss = float((diff * diff).mean())
        dout = diff * np.asarray(2.0 / diff.size, dtype=diff.dtype)
        grads = self.backward(dout, caches)
        for name, g in grads.items():
            self.params[name] -= lr * g
        return loss


class NumpyMLP:
    """micrograd's demo MLP (ReLU hidden layers, linear output) and its SVM loss, by hand.

    `params` is a list of (w (nout, nin), b (nout,)) pairs; `train_step(X, y, lr)`
    computes mean(relu(1 - y·score)) + alpha·Σ‖p‖², backpropagates and updates.
    """

    def __init__(self, params: list, alpha: float = 1e-4):
        self.params = params
        self.alpha = alpha

    def train_step(self, X: np.ndarray, y: np.ndarray, lr: float) -> float:
        activations, pre = [X], []
        a = X
        last = len(self.params) - 1
        for index, (w, b) in enumerate(self.params):
            z = a @ w.T + b
            pre.append(z)
            a = np.maximum(z, 0) if index != last else z
            activations.append(a)
        scores = a[:, 0]
        margins = 1 - y * scores
        data_loss = np.maximum(margins, 0).mean()
        reg_loss = self.alpha * sum((w * w).sum() + (b * b).sum() for w, b in self.params)
        loss = float(data_loss + reg_loss)
        dscores = np.where(margins > 0, -y, 0).astype(X.dtype) / len(y)
        dz = dscores[:, None]
        for index in range(last, -1, -1):
            w, b = self.params[index]
            if index != last:
                dz = dz * (pre[index] > 0)
            dw = dz.T @ activations[index] + 2 * self.alpha * w
            db = dz.sum(axis=0) + 2 * self.alpha * b
            if index:
                dz = dz @ w
            w -= lr * dw
            b -= lr * db
        return loss
