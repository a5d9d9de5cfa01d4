"""How readable are the pictures? Figures measured on Graphviz's own layout.

For each model of a fixed set (an RNN with a loss per step, LSTM and GRU layers,
fused and unfused, a 2-layer bidirectional LSTM), it draws the graph after a
backward pass, once as the op-level graph (`view="ops"`, `group="timestep"`, the
pictures before the BPTT view existed) and once as the BPTT view (collapsed and
with `expand="gates"`), lays each out with `dot -Tjson`, and prints:

- nodes: drawn nodes;
- crossings: pairs of drawn edges whose spline control polygons intersect
  (edges sharing an endpoint excluded; invisible layout edges are not drawn);
- width: the layout's width in points (it should grow linearly with T);
- labels: whether every state box (and every gate when expanded) carries its
  course label.

    python -m benchmarks.pictures            # the table
    python -m benchmarks.pictures --json     # the same as JSON

tests/test_pictures.py asserts the targets on these models.
"""
from __future__ import annotations

import argparse
import json
import subprocess

import numpy as np

import minigrad as mg
import nn
import nn.functional as F


# ------------------------------------------------------------------- the models
class PerStepRNN(nn.Module):
    """The course's many-to-many RNN with a loss at every step, L = Σ_t L<t>."""

    def __init__(self, n_x=3, n_a=5, n_y=4):
        super().__init__()
        self.cell = nn.RNNCell(n_x, n_a)
        self.head = nn.Linear(n_a, n_y)

    def forward(self, xs, ys):
        a, total = None, None
        for t, (x, y) in enumerate(zip(xs, ys), start=1):
            with mg.step_scope(t):
                a = self.cell(x, a)                      # a<t>
                y_hat = mg.tag(self.head(a), "ŷ<t>")     # ŷ<t>
                loss = mg.tag(F.cross_entropy(y_hat, y), "L<t>")
            total = loss if total is None else total + loss
        return total


class SequenceModel(nn.Module):
    """A recurrent layer (nn.RNN/GRU/LSTM), a linear read-out and cross-entropy over all t."""

    def __init__(self, kind="LSTM", fused=True, layers=1, bidirectional=False, n_x=3, n_a=4, n_y=5):
        super().__init__()
        self.rnn = getattr(nn, kind)(n_x, n_a, num_layers=layers, bidirectional=bidirectional,
                                     fused=fused)
        self.head = nn.Linear(n_a * (2 if bidirectional else 1), n_y)
        self.n_y = n_y

    def forward(self, x, y):
        a, _ = self.rnn(x)
        logits = self.head(a)
        return F.cross_entropy(logits.reshape(-1, self.n_y), y.reshape(-1))


def model_loss(name: str, steps: int, seed: int = 0):
    """(model, loss) after one backward pass recorded with gradient norms."""
    mg.manual_seed(seed)
    rng = np.random.default_rng(seed)
    if name == "rnn-per-step":
        model = PerStepRNN()
        xs = [mg.tensor(rng.standard_normal((1, 3)).astype(np.float32)) for _ in range(steps)]
        for t, x in enumerate(xs, start=1):
            x.name = f"x<{t}>"
        ys = [mg.tensor(rng.integers(0, 4, size=(1,))) for _ in range(steps)]
        loss = model(xs, ys)
    else:
        kind, fused = name.split("-")[0].upper(), not name.endswith("unfused")
        bidirectional = name.startswith("bilstm")
        model = SequenceModel("LSTM" if bidirectional else kind, fused,
                              layers=2 if bidirectional else 1, bidirectional=bidirectional)
        x = mg.tensor(rng.standard_normal((steps, 2, 3)).astype(np.float32))
        x.name = "x"
        y = mg.tensor(rng.integers(0, 5, size=(steps, 2)))
        loss = model(x, y)
    with mg.record_grad_norms():
        loss.backward()
    return model, loss


MODELS = {  # name -> T
    "rnn-per-step": 4,
    "lstm-fused": 6,
    "lstm-unfused": 6,
    "gru-fused": 6,
    "gru-unfused": 6,
    "bilstm-2layer": 4,
}


# --------------------------------------------------------------- measuring
def layout(dot_source: str) -> dict:
    """Graphviz's layout of a DOT text, as the JSON that `dot -Tjson` writes."""
    result = subprocess.run(["dot", "-Tjson"], input=dot_source.encode(), capture_output=True,
                            check=True, timeout=300)
    return json.loads(result.stdout)


def _segments(points: list) -> list:
    return [(points[i], points[i + 1]) for i in range(len(points) - 1)]


def _cross(p, q, r, s) -> bool:
    """Do the segments pq and rs properly intersect?"""
    def orient(a, b, c):
        value = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
        return (value > 1e-9) - (value < -1e-9)

    o1, o2, o3, o4 = orient(p, q, r), orient(p, q, s), orient(r, s, p), orient(r, s, q)
    return o1 * o2 < 0 and o3 * o4 < 0


def figures(dot_source: str) -> dict:
    """nodes, crossings and width of the laid-out picture."""
    data = layout(dot_source)
    objects = data.get("objects", [])
    nodes = [o for o in objects if "nodes" not in o and "subgraphs" not in o
             and o.get("name") != "legend" and "bb" not in o]
    polylines = []
    for edge in data.get("edges", []):
        if edge.get("style") == "invis":
            continue
        points = []
        for op in edge.get("_draw_", []):
            if op.get("op") in ("b", "B"):
                points += [tuple(p) for p in op["points"]]
        if len(points) >= 2:
            xs, ys = [p[0] for p in points], [p[1] for p in points]
            polylines.append(((edge["tail"], edge["head"]), _segments(points),
                              (min(xs), min(ys), max(xs), max(ys))))
    crossings = 0
    for i in range(len(polylines)):
        ends_a, segments_a, box_a = polylines[i]
        for j in range(i + 1, len(polylines)):
            ends_b, segments_b, box_b = polylines[j]
            if set(ends_a) & set(ends_b):
                continue
            if box_a[2] < box_b[0] or box_b[2] < box_a[0] or box_a[3] < box_b[1] or \
                    box_b[3] < box_a[1]:
                continue
            if any(_cross(p, q, r, s) for p, q in segments_a for r, s in segments_b):
                crossings += 1
    x0, _, x1, _ = (float(v) for v in data["bb"].split(","))
    return {"nodes": len(nodes), "crossings": crossings, "width": round(x1 - x0)}


def unlabelled(dot_source: str, expand: bool) -> list:
    """Drawn step boxes (and gates, when expanded) that carry no course label."""
    import re

    missing = []
    for match in re.finditer(r'^\t+(\w+) \[label="([^"]*)".*class="bptt (step|gate)', dot_source,
                             re.MULTILINE):
        name, label, kind = match.groups()
        if kind == "step" and not re.search(r"[ac]<\d+>", label):
            missing.append(name)
        if kind == "gate" and not re.search(r"Γ[ufor]|c̃<\d+>|[ac]<\d+>", label):
            missing.append(name)
    return missing


def measure(name: str, steps: int, variant: str) -> dict:
    """Figures of one model drawn one way: "ops", "bptt" or "bptt-gates"."""
    model, loss = model_loss(name, steps)
    if variant == "ops":
        source = mg.to_dot(loss, params=model, group="timestep", show_grads=True)
    else:
        source = mg.to_dot(loss, params=model, view="bptt", show_grads=True,
                           expand="gates" if variant == "bptt-gates" else None)
    result = figures(source)
    result["T"] = steps
    if variant != "ops":
        result["unlabelled"] = len(unlabelled(source, variant == "bptt-gates"))
    return result


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    table = {}
    for name, steps in MODELS.items():
        for variant in ("ops", "bptt", "bptt-gates"):
            table[f"{name} {variant}"] = measure(name, steps, variant)
    if args.json:
        print(json.dumps(table, indent=1))
    else:
        print(f"{'model':28} {'T':>3} {'nodes':>6} {'crossings':>10} {'width pt':>9}")
        for key, row in table.items():
            print(f"{key:28} {row['T']:>3} {row['nodes']:>6} {row['crossings']:>10} "
                  f"{row['width']:>9}")
    return table


if __name__ == "__main__":
    main()
