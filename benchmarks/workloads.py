"""The benchmark workloads, each built for every framework from the same data and weights.

A workload is a name plus one builder per framework. A builder returns a `step()`
that does one full training step (forward, loss, backward, update) and returns
the loss of that step as a Python float. All builders of a workload start from
identical float32 weights and data (made here, with NumPy, from one seed), so
their first losses must agree: the runner checks that before it times anything.
"""
from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field

import numpy as np

from . import numpy_rnn

LR = 0.01  # small enough that repeated steps stay finite


@dataclass
class Workload:
    """One row of the table: what is timed, and how each framework runs it."""

    name: str
    group: str
    builders: dict  # framework name -> () -> step callable returning the loss
    info: dict = field(default_factory=dict)
    rtol: float = 2e-4  # float32 losses of the frameworks agree to this relative tolerance
    ops: int | None = None  # for per-op figures (the scalar chain)


# -- shared data and weights ------------------------------------------------------------------

def recurrent_step(model, optimizer, inputs, loss_of):
    """One training step of a recurrent layer, written once: minigrad's API and
    PyTorch's agree on every call in it, so the same code times both."""

    def step():
        optimizer.zero_grad()
        output, _ = model(inputs)
        loss = loss_of(output)
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


def mse(output, target):
    diff = output - target
    return (diff * diff).mean()


def rnn_weights(kind: str, input_size: int, hidden_size: int, num_layers: int, bidirectional: bool,
                seed: int) -> dict:
    """PyTorch-named float32 weights drawn like PyTorch's default init, U(-1/√H, 1/√H)."""
    gates = {"lstm": 4, "gru": 3, "rnn": 1}[kind]
    rng = np.random.default_rng(seed)
    bound = 1.0 / math.sqrt(hidden_size)
    weights = {}
    directions = ("", "_reverse") if bidirectional else ("",)
    for layer in range(num_layers):
        layer_input = input_size if layer == 0 else hidden_size * len(directions)
        for suffix in directions:
            shapes = {"weight_ih": (gates * hidden_size, layer_input),
                      "weight_hh": (gates * hidden_size, hidden_size),
                      "bias_ih": (gates * hidden_size,), "bias_hh": (gates * hidden_size,)}
            for name, shape in shapes.items():
                weights[f"{name}_l{layer}{suffix}"] = rng.uniform(-bound, bound, shape).astype(np.float32)
    return weights


def rnn_data(steps: int, batch: int, input_size: int, out_features: int, seed: int) -> tuple:
    rng = np.random.default_rng(seed + 1)
    x = rng.standard_normal((steps, batch, input_size)).astype(np.float32)
    target = rng.standard_normal((steps, batch, out_features)).astype(np.float32)
    return x, target


# -- recurrent training steps ------------------------------------------------------------------

def _minigrad_rnn(kind, weights, x, target, num_layers, bidirectional, fused, device="cpu"):
    def build():
        import minigrad as mg
        import nn

        backend = "cupy" if device == "cuda" else "numpy"
        layer_class = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}[kind]
        kwargs = {} if fused is None else {"fused": fused}
        model = layer_class(x.shape[2], weights["weight_hh_l0"].shape[1], num_layers=num_layers,
                            bidirectional=bidirectional, backend=backend, **kwargs)
        model.load_state_dict({name: mg.tensor(w, backend=backend) for name, w in weights.items()})
        optimizer = nn.optim.SGD(model.parameters(), lr=LR)
        inputs, targets = mg.tensor(x, backend=backend), mg.tensor(target, backend=backend)

        return recurrent_step(model, optimizer, inputs, lambda output: mse(output, targets))

    return build


def _torch_rnn(kind, weights, x, target, num_layers, bidirectional, device="cpu"):
    def build():
        import torch

        layer_class = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[kind]
        model = layer_class(x.shape[2], weights["weight_hh_l0"].shape[1], num_layers=num_layers,
                            bidirectional=bidirectional)
        model.load_state_dict({name: torch.from_numpy(w.copy()) for name, w in weights.items()})
        model.to(device)
        optimizer = torch.optim.SGD(model.parameters(), lr=LR)
        inputs, targets = torch.from_numpy(x).to(device), torch.from_numpy(target).to(device)

        return recurrent_step(model, optimizer, inputs, lambda output: mse(output, targets))

    return build


def _numpy_rnn(kind, weights, x, target, num_layers, bidirectional):
    def build():
        model = numpy_rnn.NumpyRNN(kind, {k: w.copy() for k, w in weights.items()}, num_layers,
                                   bidirectional)
        return lambda: model.train_step(x, target, LR)

    return build


def recurrent_workload(kind: str, steps: int, batch: int, input_size: int, hidden_size: int,
                       num_layers: int = 1, bidirectional: bool = False, seed: int = 0,
                       unfused: bool = False, device: str = "cpu") -> Workload:
    """One training step of an RNN/GRU/LSTM layer with an MSE loss and SGD; on
    `device="cuda"` minigrad runs on CuPy and PyTorch on CUDA (no NumPy column)."""
    weights = rnn_weights(kind, input_size, hidden_size, num_layers, bidirectional, seed)
    out_features = hidden_size * (2 if bidirectional else 1)
    x, target = rnn_data(steps, batch, input_size, out_features, seed)
    args = (kind, weights, x, target, num_layers, bidirectional)
    builders = {"minigrad": _minigrad_rnn(*args, fused=None, device=device),
                "torch": _torch_rnn(*args, device=device)}
    if device == "cpu":
        builders["numpy"] = _numpy_rnn(*args)
    if unfused:
        builders["minigrad fused=False"] = _minigrad_rnn(*args, fused=False, device=device)
    shape = f"T={steps} B={batch} X={input_size} H={hidden_size}"
    extra = (f" {num_layers}-layer" if num_layers > 1 else "") + (" bidir" if bidirectional else "")
    return Workload(f"{kind.upper()}{extra} {shape}", "recurrent", builders,
                    info={"kind": kind, "T": steps, "B": batch, "X": input_size, "H": hidden_size,
                          "num_layers": num_layers, "bidirectional": bidirectional})


# -- micrograd's demo: a 2-16-16-1 MLP on the moons ------------------------------------------------

def make_moons(n_samples: int = 100, noise: float = 0.1, seed: int = 1337) -> tuple:
    """Two interleaving half circles: X (n, 2) float32 and labels y in {-1, +1} (float32)."""
    rng = np.random.default_rng(seed)
    n_outer = n_samples // 2
    outer = np.linspace(0, np.pi, n_outer)
    inner = np.linspace(0, np.pi, n_samples - n_outer)
    X = np.concatenate([np.stack([np.cos(outer), np.sin(outer)], axis=1),
                        np.stack([1 - np.cos(inner), 1 - np.sin(inner) - 0.5], axis=1)])
    y = np.concatenate([-np.ones(n_outer), np.ones(n_samples - n_outer)])
    X += rng.normal(scale=noise, size=X.shape)
    order = rng.permutation(n_samples)
    return X[order].astype(np.float32), y[order].astype(np.float32)


def mlp_workload(n_samples: int = 100, sizes: tuple = (2, 16, 16, 1), seed: int = 1337,
                 alpha: float = 1e-4) -> Workload:
    """examples/micrograd_demo.py's step: nn.MLP(2, [16, 16, 1]), SVM max-margin loss + L2, SGD."""
    X, y = make_moons(n_samples, seed=seed)
    rng = np.random.default_rng(seed)
    params = [(rng.uniform(-1, 1, (sizes[i + 1], sizes[i])).astype(np.float32),
               np.zeros(sizes[i + 1], dtype=np.float32)) for i in range(len(sizes) - 1)]
    lr = 0.1

    def build_minigrad():
        import minigrad as mg
        import nn

        model = nn.MLP(sizes[0], list(sizes[1:]))
        for layer, (w, b) in zip(model.layers, params):
            layer.w.data[...] = w
            layer.b.data[...] = b
        optimizer = nn.optim.SGD(model.parameters(), lr=lr)
        inputs, labels = mg.tensor(X), mg.tensor(y)

        def step():
            scores = model(inputs)
            data_loss = (1 + -labels * scores).relu().mean()
            reg_loss = alpha * sum((p * p).sum() for p in model.parameters())
            loss = data_loss + reg_loss
            model.zero_grad()
            loss.backward()
            optimizer.step()
            return loss.item()

        return step

    def build_torch():
        import torch

        tensors = [(torch.tensor(w, requires_grad=True), torch.tensor(b, requires_grad=True))
                   for w, b in params]
        flat = [t for pair in tensors for t in pair]
        optimizer = torch.optim.SGD(flat, lr=lr)
        inputs, labels = torch.from_numpy(X), torch.from_numpy(y)
        last = len(tensors) - 1

        def step():
            a = inputs
            for index, (w, b) in enumerate(tensors):
                a = a @ w.T + b
                if index != last:
                    a = a.relu()
            scores = a.squeeze(-1)
            data_loss = (1 + -labels * scores).relu().mean()
            reg_loss = alpha * sum((p * p).sum() for p in flat)
            loss = data_loss + reg_loss
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            return loss.item()

        return step

    def build_numpy():
        model = numpy_rnn.NumpyMLP([(w.copy(), b.copy()) for w, b in params], alpha)
        return lambda: model.train_step(X, y, lr)

    return Workload(f"micrograd MLP {'-'.join(map(str, sizes))} step, {n_samples} samples", "mlp",
                    {"minigrad": build_minigrad, "torch": build_torch, "numpy": build_numpy},
                    info={"sizes": list(sizes), "samples": n_samples})


# -- pytorch/examples' word_language_model ----------------------------------------------------

WLM_FULL = {"vocab": 9181, "embed": 200, "hidden": 200, "layers": 2, "T": 35, "B": 20}
WLM_TINY = {"vocab": 50, "embed": 8, "hidden": 8, "layers": 2, "T": 5, "B": 3}


def word_lm_workload(vocab: int, embed: int, hidden: int, layers: int, T: int, B: int,
                     seed: int = 0, clip: float = 0.25, lr: float = 20.0,
                     device: str = "cpu") -> Workload:
    """One training step of pytorch/examples' `word_language_model` (its LSTM model):
    Embedding(vocab, embed) -> `layers`-layer LSTM(hidden) -> Linear(hidden, vocab),
    cross_entropy over the T·B next words, clip_grad_norm_(clip), SGD. Dropout is
    left out (0, as its `--dropout 0`), so both frameworks compute the same numbers."""
    rng = np.random.default_rng(seed)
    weights = {"encoder.weight": rng.uniform(-0.1, 0.1, (vocab, embed)).astype(np.float32),
               "decoder.weight": rng.uniform(-0.1, 0.1, (vocab, hidden)).astype(np.float32),
               "decoder.bias": np.zeros(vocab, dtype=np.float32)}
    for name, value in rnn_weights("lstm", embed, hidden, layers, False, seed + 2).items():
        weights[f"rnn.{name}"] = value
    tokens = rng.integers(0, vocab, size=(T + 1, B))
    inputs, targets = tokens[:-1], tokens[1:].reshape(-1)

    def build(torch_like):
        def build_framework():
            # The same model and step in both: their APIs agree on every call below.
            if torch_like:
                import torch

                nn_, optim = torch.nn, torch.optim

                def make(a):
                    return torch.from_numpy(np.ascontiguousarray(a)).to(device)
            else:
                import minigrad as mg
                import nn as nn_

                optim = nn_.optim

                def make(a):
                    return mg.tensor(a, backend=device)  # "cpu", "cuda": backend names too
            functional, clip_ = nn_.functional, nn_.utils.clip_grad_norm_

            class Model(nn_.Module):
                def __init__(self):
                    super().__init__()
                    self.encoder = nn_.Embedding(vocab, embed)
                    self.rnn = nn_.LSTM(embed, hidden, layers)
                    self.decoder = nn_.Linear(hidden, vocab)

                def forward(self, words):
                    output, _ = self.rnn(self.encoder(words))
                    return self.decoder(output.reshape(-1, hidden))

            model = Model()
            model.to(device)
            model.load_state_dict({k: make(v) for k, v in weights.items()})
            optimizer = optim.SGD(model.parameters(), lr=lr)
            words, expected = make(inputs), make(targets)

            def step():
                optimizer.zero_grad()
                loss = functional.cross_entropy(model(words), expected)
                loss.backward()
                clip_(model.parameters(), clip)
                optimizer.step()
                return loss.item()

            return step
        return build_framework

    return Workload(f"word LM (Embedding {vocab}x{embed}, {layers}-layer LSTM {hidden}, "
                    f"T={T} B={B})", "recurrent",
                    {"minigrad": build(False), "torch": build(True)},
                    info={"vocab": vocab, "embed": embed, "hidden": hidden, "layers": layers,
                          "T": T, "B": B}, rtol=5e-4)


# -- elementwise ops on a large tensor ------------------------------------------------------------

ELEMENTWISE = {"a * b": lambda a, b: a * b, "a + b": lambda a, b: a + b,
               "tanh(a)": lambda a, b: a.tanh()}


def elementwise_workload(op: str, n: int = 1000, seed: int = 0) -> Workload:
    """`op` on two (n, n) float32 leaves, then `.mean()` and backward: the engine's cost
    around big array operations (gradient copies, broadcast reductions), not its per-op
    bookkeeping."""
    rng = np.random.default_rng(seed)
    a_np, b_np = rng.random((n, n), dtype=np.float32), rng.random((n, n), dtype=np.float32)
    fn = ELEMENTWISE[op]

    def build(make):
        def build_framework():
            a, b = make(a_np), make(b_np)

            def step():
                a.grad = b.grad = None
                out = fn(a, b).mean()
                out.backward()
                return out.item()

            return step
        return build_framework

    def make_minigrad(array):
        import minigrad as mg

        return mg.tensor(array, requires_grad=True)

    def make_torch(array):
        import torch

        return torch.tensor(array, requires_grad=True)

    return Workload(f"elementwise {op} ({n}x{n}), .mean(), backward", "elementwise",
                    {"minigrad": build(make_minigrad), "torch": build(make_torch)},
                    info={"op": op, "n": n})


# -- a chain of scalar ops ---------------------------------------------------------------------

def scalar_chain(y, tanh, ops: int):
    """`ops` scalar ops in a row on `y`: x·0.5, +1, tanh, repeating (any framework's
    scalar, with its tanh)."""
    repeats, rest = divmod(ops, 3)
    for _ in range(repeats):
        y = tanh(y * 0.5 + 1.0)
    for index in range(rest):
        y = y * 0.5 if index == 0 else y + 1.0
    return y


def micrograd_tanh():
    """micrograd's lecture `Value.tanh` (its PyPI release has relu only), as a function."""
    import math

    from micrograd.engine import Value

    def tanh(v):
        t = math.tanh(v.data)
        out = Value(t, (v,), "tanh")

        def _backward():
            v.grad += (1 - t * t) * out.grad

        out._backward = _backward
        return out

    return tanh


def chain_workload(ops: int = 10_000) -> Workload:
    """`ops` scalar ops in a row (x·0.5, +1, tanh, repeating), then backward: the
    per-op cost of recording and walking the graph, with no arithmetic to hide it."""

    def build_minigrad():
        import minigrad as mg

        x = mg.tensor(0.25, requires_grad=True)

        def step():
            x.grad = None
            y = scalar_chain(x, mg.tanh, ops)
            y.backward()
            return y.item()

        return step

    def build_torch():
        import torch

        x = torch.tensor(0.25, requires_grad=True)

        def step():
            x.grad = None
            y = scalar_chain(x, torch.tanh, ops)
            y.backward()
            return y.item()

        return step

    def build_micrograd():
        from micrograd.engine import Value

        tanh = micrograd_tanh()
        sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * ops))  # its recursive topo sort

        def step():
            y = scalar_chain(Value(0.25), tanh, ops)
            y.backward()
            return y.data

        return step

    return Workload(f"scalar chain, {ops} ops fwd+bwd", "chain",
                    {"minigrad": build_minigrad, "torch": build_torch, "micrograd": build_micrograd},
                    info={"ops": ops}, ops=ops)


# -- all of them, by configuration -----------------------------------------------------------------

RECURRENT_SHAPES = [(50, 32, 64, 128), (50, 64, 128, 256), (100, 16, 32, 64), (20, 128, 256, 512)]
TINY_SHAPES = [(5, 3, 4, 6)]
LONG_RNN_STEPS = [1_000, 10_000, 100_000]
LONG_RNN_SIZES = (16, 16, 64)  # batch, input_size, hidden_size of the long vanilla RNN


def build(config: str, unfused: bool = False, device: str = "cpu") -> list[Workload]:
    """The timed workloads of a configuration: "full" (the issue's) or "tiny" (a smoke test).
    On `device="cuda"`: the recurrent and word-LM workloads, on CuPy and PyTorch CUDA."""
    tiny = config == "tiny"
    workloads = []
    for kind in ("lstm", "gru", "rnn"):
        for shape in (TINY_SHAPES if tiny else RECURRENT_SHAPES):
            workloads.append(recurrent_workload(kind, *shape, unfused=unfused, device=device))
    bidir = (5, 3, 4, 6) if tiny else (50, 32, 64, 128)
    workloads.append(recurrent_workload("lstm", *bidir, num_layers=2, bidirectional=True,
                                        unfused=unfused, device=device))
    workloads.append(word_lm_workload(**(WLM_TINY if tiny else WLM_FULL), device=device))
    if device != "cpu":
        return workloads
    workloads.extend(elementwise_workload(op, 8 if tiny else 1000) for op in ELEMENTWISE)
    workloads.append(mlp_workload(n_samples=10 if tiny else 100))
    workloads.append(chain_workload(30 if tiny else 10_000))
    return workloads

