"""Pictures of backpropagation through time: the course's unrolled figure, from live models.

1. The course's many-to-many RNN, one step per column: at every step t

       a<t> = tanh(W_aa a<t-1> + W_ax x<t> + b_a)      ŷ<t> = softmax(W_ya a<t> + b_y)
       L<t> = cross-entropy(ŷ<t>, y<t>)                L = Σ_t L<t>

   written as a loop over nn.RNNCell inside `mg.step_scope(t)`. Drawn as the op-level
   graph (`view="ops"`, every recorded op: what the engine sees) and, after backward(),
   as the course's figure (`view="bptt"`, `show_grads=True`): the state chain a<0> →
   a<1> → … straight, ŷ<t> and L<t> above their step, colours showing ‖∂L/∂·‖.
2. An LSTM opened into its gates (`expand="gates"`): Γu, Γf, Γo, c̃<t>, c<t>, a<t> in
   every step, from the fused step's own description of its math.
3. A bidirectional 2-layer nn.LSTM: one row per layer and direction, layer l's a<t>
   feeding layer l+1 at the same t.
4. The same LSTM over a long sequence: the op-level graph collapsed by `max_nodes`,
   and the interactive viewer (`mg.to_html`), where any step can be opened.

    python examples/render_bptt.py                 # writes the SVGs (needs Graphviz `dot`)
    python examples/render_bptt.py --small         # shorter sequences, for CI
    python examples/render_bptt.py --dot-only      # only the .dot texts (no Graphviz needed)

Outputs in --out (default examples/out/render_bptt): bptt_rnn_ops.svg, bptt_rnn.svg,
bptt_lstm_gates.svg, bptt_bilstm.svg, bptt_lstm_long.svg, bptt_lstm_long.html (.dot
files with --dot-only), and metrics.json (node and edge counts, times).
"""
from __future__ import annotations

import os
import re

import _common
import numpy as np

import minigrad as mg
import nn
import nn.functional as F


def build_parser():
    p = _common.parser(__doc__, "3-step RNN, 2-step LSTM, 12-step long LSTM, for CI")
    p.add_argument("--steps", type=int, default=None, help="RNN steps T (default 4)")
    p.add_argument("--lstm-steps", type=int, default=None,
                   help="steps of the bidirectional LSTM (default 4)")
    p.add_argument("--long-steps", type=int, default=None,
                   help="steps of the long, collapsed LSTM (default 60)")
    p.add_argument("--max-nodes", type=int, default=250,
                   help="node budget of the long LSTM picture (default 250)")
    p.add_argument("--format", default="svg", help="image format for dot (svg, png, pdf)")
    p.add_argument("--dot-only", action="store_true", help="write .dot files, render nothing")
    return p


class ManyToMany(nn.Module):
    """The course's RNN: a<t> = RNNCell(x<t>, a<t-1>), ŷ<t> = W_ya a<t> + b_y at every step."""

    def __init__(self, n_x: int, n_a: int, n_y: int):
        super().__init__()
        self.cell = nn.RNNCell(n_x, n_a)
        self.head = nn.Linear(n_a, n_y)

    def course_names(self) -> dict:
        """The parameters under the course's names (W_ax x<t> + W_aa a<t-1> + b_a)."""
        return {"W_ax": self.cell.weight_ih, "W_aa": self.cell.weight_hh,
                "b_ax": self.cell.bias_ih, "b_aa": self.cell.bias_hh,
                "W_ya": self.head.weight, "b_y": self.head.bias}

    def loss(self, xs: list, ys: list) -> mg.Tensor:
        a = None  # a<0> = 0
        losses = []
        for t, (x, y) in enumerate(zip(xs, ys), start=1):
            with mg.step_scope(t):
                a = self.cell(x, a)                       # a<t> = tanh(W_aa a<t-1> + W_ax x<t> + b_a)
                y_hat = mg.tag(self.head(a), "ŷ<t>")      # ŷ<t> (as logits)
                loss = mg.tag(F.cross_entropy(y_hat, y), "L<t>")  # L<t>
            losses.append(loss)
        total = losses[0]
        for loss in losses[1:]:
            total = total + loss                          # L = Σ_t L<t>
        total.name = "L"
        return total


def rnn_sequence(rng: np.random.Generator, steps: int, n_x: int, n_y: int, backend: str):
    xs, ys = [], []
    for t in range(1, steps + 1):
        x = mg.tensor(rng.standard_normal((1, n_x)).astype(np.float32), backend=backend)
        x.name = f"x<{t}>"
        xs.append(x)
        ys.append(mg.tensor(rng.integers(0, n_y, size=(1,)), backend=backend))
    return xs, ys


def save(picture, args, name: str, metrics: dict) -> None:
    """Write <name>.<format> (with --dot-only, <name>.dot); note sizes and times."""
    timer = _common.Timer()
    source = picture.source
    counts = {"nodes": len(re.findall(r"^\t+\w+ \[label=", source, re.MULTILINE)),
              "edges": len(re.findall(r"^\t+\w+ -> \w+(?! \[style=invis\])", source,
                                      re.MULTILINE))}
    if args.dot_only:
        path = os.path.join(args.out, f"{name}.dot")
        with open(path, "w", encoding="utf-8") as file:
            file.write(source)
    else:
        path = picture.render(os.path.join(args.out, name), format=args.format, cleanup=True)
        counts["render_seconds"] = round(timer.seconds, 3)
    print(f"wrote {path}")
    metrics[name] = counts


def main(argv: list[str] | None = None) -> dict:
    args = build_parser().parse_args(argv)
    steps = args.steps or (3 if args.small else 4)
    lstm_steps = args.lstm_steps or (2 if args.small else 4)
    long_steps = args.long_steps or (12 if args.small else 60)
    rng = _common.setup(args)
    metrics: dict = {}

    # 1. the many-to-many RNN: what the engine records, and the course's figure
    model = ManyToMany(n_x=3, n_a=5, n_y=2).to(args.backend)
    xs, ys = rnn_sequence(rng, steps, 3, 2, args.backend)
    loss = model.loss(xs, ys)
    names = model.course_names()
    save(mg.draw_graph(loss, params=names, group="timestep"), args, "bptt_rnn_ops", metrics)
    with mg.record_grad_norms():
        loss.backward()
    save(mg.draw_graph(loss, params=names, view="bptt", show_grads=True), args, "bptt_rnn",
         metrics)

    # 2. an LSTM opened into its gates (the default fused step describes its own gates)
    lstm1 = nn.LSTM(input_size=3, hidden_size=4).to(args.backend)
    x = mg.tensor(rng.standard_normal((max(2, lstm_steps - 1), 1, 3)).astype(np.float32),
                  backend=args.backend)
    output, _ = lstm1(x)
    loss = (output ** 2).mean()
    with mg.record_grad_norms():
        loss.backward()
    save(mg.draw_graph(loss, params=lstm1, view="bptt", expand="gates", show_grads=True), args,
         "bptt_lstm_gates", metrics)

    # 3. a bidirectional 2-layer LSTM: a grid of layers x directions x steps
    lstm = nn.LSTM(input_size=3, hidden_size=4, num_layers=2, bidirectional=True).to(args.backend)
    x = mg.tensor(rng.standard_normal((lstm_steps, 1, 3)).astype(np.float32), backend=args.backend)
    x.name = "x"
    output, _ = lstm(x)
    loss = (output ** 2).mean()
    with mg.record_grad_norms():
        loss.backward()
    save(mg.draw_graph(loss, params=lstm, view="bptt", show_grads=True), args, "bptt_bilstm",
         metrics)

    # 4. the same LSTM over a long sequence: the op graph collapsed, and the viewer
    x = mg.tensor(rng.standard_normal((long_steps, 1, 3)).astype(np.float32),
                  backend=args.backend)
    output, _ = lstm(x)
    loss = (output[-1] ** 2).mean()
    with mg.record_grad_norms():
        loss.backward()
    save(mg.draw_graph(loss, params=lstm, group="timestep", show_grads=True,
                       max_nodes=args.max_nodes), args, "bptt_lstm_long", metrics)
    html = os.path.join(args.out, "bptt_lstm_long.html")
    mg.to_html(loss, html, params=lstm, title=f"2-layer bidirectional LSTM, T={long_steps}")
    print(f"wrote {html}")
    return _common.save_metrics(args, "render_bptt", metrics)


if __name__ == "__main__":
    main()
