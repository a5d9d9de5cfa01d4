"""Vanishing gradients, measured: ‖∂L/∂a<t>‖ for every step t of an RNN, a GRU and an LSTM.

The task needs a long memory: a sequence of T random symbols x<1> ... x<T>
(one-hot), and the target is the *first* symbol, predicted from the last hidden
state only:

    a<t> = cell(x<t>, a<t-1>)          (RNN: a<t> = tanh(W_aa a<t-1> + W_ax x<t> + b_a))
    ŷ    = softmax(W_ya a<T> + b_y)    L = cross-entropy(ŷ, x<1>)

Everything L learns about x<1> has to travel back through all T steps, so the
gradient that reaches a<1> is the one that matters. For each cell the script
runs one batch forward, backpropagates inside `mg.record_grad_norms()`, reads
the norm of the total gradient reaching every hidden state with
`mg.step_grad_norms(loss)`, and plots the three curves on a log scale.

The vanilla RNN multiplies the gradient by W_aaᵀ·diag(1 - a<t>²) at every step,
so it shrinks geometrically; the gated cells add an additive path (c<t> = Γf *
c<t-1> + …, a<t> = Γu * ã<t> + (1 - Γu) * a<t-1>) through which it decays far
slower. The gated cells start with the usual gate bias (+1 on the LSTM forget
gate and the GRU update gate, --gate-bias); dashed lines show them with
PyTorch's default init (gate bias 0) for comparison.

    python examples/vanishing_gradients.py                 # T=80, a few seconds
    python examples/vanishing_gradients.py --steps 150 --gate-bias 0
    python examples/vanishing_gradients.py --small         # the CI setting

Outputs in --out (default examples/out/vanishing_gradients): vanishing_gradients.png,
vanishing_gradients_{rnn,lstm}.html (the viewer: its heatmap is the curve, on the
graph), vanishing_gradients_{rnn,lstm}_bptt.svg (the course's figure, when T ≤ 16),
and metrics.json (for each cell, ‖∂L/∂a<1>‖ / ‖∂L/∂a<T>‖).
"""
from __future__ import annotations

import math
import os

import _common
import numpy as np

import minigrad as mg
import nn
import nn.functional as F

CELLS = {"RNN (tanh)": nn.RNN, "GRU": nn.GRU, "LSTM": nn.LSTM}
COLORS = {"RNN (tanh)": "#d62728", "GRU": "#2ca02c", "LSTM": "#1f77b4"}


def build_parser():
    p = _common.parser(__doc__, "T=12, hidden 8, one batch of 4: seconds, for CI")
    p.add_argument("--steps", type=int, default=None, help="sequence length T (default 80)")
    p.add_argument("--hidden", type=int, default=None, help="hidden size (default 32)")
    p.add_argument("--symbols", type=int, default=4, help="alphabet size (default 4)")
    p.add_argument("--batch", type=int, default=None, help="sequences per batch (default 32)")
    p.add_argument("--batches", type=int, default=None,
                   help="batches averaged per curve (default 4)")
    p.add_argument("--gate-bias", type=float, default=1.0,
                   help="added to the LSTM forget-gate and GRU update-gate biases (default 1)")
    return p


def first_symbol_batch(rng: np.random.Generator, steps: int, batch: int, symbols: int,
                       backend: str) -> tuple[mg.Tensor, mg.Tensor]:
    """One-hot x (T, B, symbols) and the target: each sequence's first symbol (B,)."""
    tokens = rng.integers(0, symbols, size=(steps, batch))
    x = np.eye(symbols, dtype=np.float32)[tokens]
    return mg.tensor(x, backend=backend), mg.tensor(tokens[0], backend=backend)


def open_gates(rnn: nn.Module, name: str, hidden: int, bias: float) -> None:
    """Add `bias` to the gate that keeps the memory: LSTM forget (rows H:2H of i,f,g,o),
    GRU update (rows H:2H of r,z,n). For a GRU, z near 1 keeps a<t-1>."""
    if bias == 0 or name not in ("GRU", "LSTM"):
        return
    with mg.no_grad():
        rnn.bias_hh_l0.data[hidden:2 * hidden] += bias


def hidden_state_gradients(name: str, args, gate_bias: float, pictures: dict | None = None
                           ) -> np.ndarray:
    """‖∂L/∂a<t>‖ for t = 1..T, the root mean square over `batches` batches (the same
    batches and initial weights for every cell). With `pictures`, the first batch's
    graph is kept there, to be drawn."""
    mg.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    rnn = CELLS[name](args.symbols, args.hidden).to(args.backend)
    head = nn.Linear(args.hidden, args.symbols).to(args.backend)
    open_gates(rnn, name, args.hidden, gate_bias)
    squares = np.zeros(args.steps)
    for _ in range(args.batches):
        x, target = first_symbol_batch(rng, args.steps, args.batch, args.symbols, args.backend)
        output, _ = rnn(x)
        loss = F.cross_entropy(head(output[-1]), target)
        with mg.record_grad_norms():
            loss.backward()
        curve = mg.step_grad_norms(loss)["layer0/forward"]  # indexed by t = 0..T-1
        squares += curve ** 2
        if pictures is not None and name not in pictures:
            pictures[name] = (loss, rnn)
    return np.sqrt(squares / args.batches)


def draw(pictures: dict, args) -> list:
    """The same gradients on the course's figure: the state chain a<1> → … → a<T> of the
    RNN and of the LSTM coloured by ‖∂L/∂a<t>‖ (one colour scale per picture), as SVG
    (when T ≤ 16) and as the
    interactive viewer, whose heatmap shows every step."""
    written = []
    for name, slug in (("RNN (tanh)", "rnn"), ("LSTM", "lstm")):
        loss, rnn = pictures[name]
        html = os.path.join(args.out, f"vanishing_gradients_{slug}.html")
        mg.to_html(loss, html, params=rnn, title=f"{name}: ‖∂L/∂a<t>‖ over T={args.steps}")
        written.append(html)
        if args.steps <= 16:
            picture = mg.draw_graph(loss, params=rnn, view="bptt", show_grads=True)
            path = os.path.join(args.out, f"vanishing_gradients_{slug}_bptt")
            try:
                written.append(picture.render(path, format="svg", cleanup=True))
            except mg.GraphvizNotFoundError:
                with open(path + ".dot", "w", encoding="utf-8") as file:
                    file.write(picture.source)
                written.append(path + ".dot")
    return written


def plot(path: str, curves: dict, args) -> str:
    plt = _common.pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4.0), dpi=110)
    t = np.arange(1, args.steps + 1)
    for (name, default_init), norms in curves.items():
        label = f"{name}, gate bias 0" if default_init else name
        ax.semilogy(t, np.maximum(norms, 1e-38), label=label, color=COLORS[name],
                    linewidth=1.0 if default_init else 1.8, linestyle="--" if default_init else "-")
    ax.set_xlabel("time step t (the loss is computed at t = T)")
    ax.set_ylabel("‖∂L/∂a<t>‖")
    ax.set_title(f"How far back the gradient reaches (T = {args.steps}, "
                 f"hidden {args.hidden})")
    ax.grid(alpha=0.3, which="both")
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def main(argv: list[str] | None = None) -> dict:
    args = build_parser().parse_args(argv)
    args.steps = args.steps or (12 if args.small else 80)
    args.hidden = args.hidden or (8 if args.small else 32)
    args.batch = args.batch or (4 if args.small else 32)
    args.batches = args.batches or (1 if args.small else 4)
    _common.setup(args)

    pictures: dict = {}
    curves = {(name, False): hidden_state_gradients(name, args, args.gate_bias, pictures)
              for name in CELLS}
    if args.gate_bias != 0:
        for name in ("GRU", "LSTM"):
            curves[(name, True)] = hidden_state_gradients(name, args, 0.0)
    path = plot(os.path.join(args.out, "vanishing_gradients.png"), curves, args)
    metrics = {"steps": args.steps, "hidden": args.hidden, "gate_bias": args.gate_bias}
    for (name, default_init), norms in curves.items():
        ratio = float(norms[0] / norms[-1]) if norms[-1] > 0 else math.nan
        key = name.split()[0].lower() + ("_gate_bias_0" if default_init else "")
        metrics[f"{key}_first_over_last"] = ratio
        label = name + (", gate bias 0" if default_init else "")
        print(f"{label:>18}: ‖∂L/∂a<1>‖ / ‖∂L/∂a<T>‖ = {ratio:.2e}")
    print(f"wrote {path}, " + ", ".join(draw(pictures, args)))
    return _common.save_metrics(args, "vanishing_gradients", metrics)


if __name__ == "__main__":
    main()
