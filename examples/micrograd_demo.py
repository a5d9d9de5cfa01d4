"""micrograd's moons demo (demo.ipynb), ported line by line to minigrad + nn.

A 2-16-16-1 ReLU MLP learns to separate two interleaving half-moons with an SVM
max-margin loss plus L2 regularisation, trained by full-batch SGD with a
learning rate decaying from 1.0 to 0.1 -- exactly the recipe of micrograd's
notebook, except that the batch is one matrix instead of 100 lists of Values.
Like the notebook, it ends by drawing the decision boundary: the model's sign
over a grid of the plane, with the training points on top.

    python examples/micrograd_demo.py                  # 100 steps, about a second
    python examples/micrograd_demo.py --backend cupy   # same, on the GPU

Outputs in --out (default examples/out/micrograd_demo): decision_boundary.png,
metrics.json (final loss and training accuracy).
"""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # _common, also when loaded by path

import _common
import numpy as np  # host-side data generation and the picture's grid

import minigrad as mg
import nn


def make_moons(n_samples: int = 100, noise: float = 0.1, seed: int = 1337) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (scikit-learn's make_moons, in NumPy): X (n, 2), y in {0, 1}."""
    rng = np.random.default_rng(seed)
    n_outer = n_samples // 2
    n_inner = n_samples - n_outer
    outer = np.linspace(0, np.pi, n_outer)
    inner = np.linspace(0, np.pi, n_inner)
    X = np.concatenate([
        np.stack([np.cos(outer), np.sin(outer)], axis=1),
        np.stack([1 - np.cos(inner), 1 - np.sin(inner) - 0.5], axis=1),
    ])
    y = np.concatenate([np.zeros(n_outer, dtype=np.int64), np.ones(n_inner, dtype=np.int64)])
    X += rng.normal(scale=noise, size=X.shape)
    order = rng.permutation(n_samples)
    return X[order], y[order]


def loss(model: nn.MLP, X: mg.Tensor, y: mg.Tensor, alpha: float = 1e-4) -> tuple[mg.Tensor, mg.Tensor]:
    """micrograd's loss(): mean SVM max-margin loss + alpha * L2, and the accuracy (0-d Tensors)."""
    scores = model(X)                                   # (n,): one score per sample
    losses = (1 + -y * scores).relu()                   # max-margin: relu(1 - y * score)
    data_loss = losses.sum() * (1.0 / len(losses))
    reg_loss = alpha * sum((p * p).sum() for p in model.parameters())
    total_loss = data_loss + reg_loss
    accuracy = ((y > 0) == (scores > 0)).mean()
    return total_loss, accuracy


def train(steps: int = 100, seed: int = 1337, backend: str = "numpy", n_samples: int = 100,
          log_every: int = 25, quiet: bool = False) -> tuple[nn.MLP, np.ndarray, np.ndarray, float, float]:
    """Train the demo's model, printing every `log_every` steps unless `quiet`; returns
    (model, X, y, final loss, final accuracy), X and y on the host, y in {-1, +1}."""
    mg.manual_seed(seed)
    X_host, y_host = make_moons(n_samples=n_samples, noise=0.1, seed=seed)
    y_host = y_host * 2 - 1                             # labels -1 / +1, as the notebook
    X = mg.tensor(X_host, dtype=mg.get_default_dtype(), backend=backend)
    y = mg.tensor(y_host, dtype=mg.get_default_dtype(), backend=backend)

    model = nn.MLP(2, [16, 16, 1]).to(backend)          # 2-layer neural network
    if not quiet:
        print(model)
        print("number of parameters", sum(p.size for p in model.parameters()))
    optimizer = nn.optim.SGD(model.parameters(), lr=1.0)

    for k in range(steps):
        total_loss, accuracy = loss(model, X, y)       # forward
        model.zero_grad()                               # backward
        total_loss.backward()
        for group in optimizer.param_groups:            # update (sgd), lr 1.0 -> 0.1
            group["lr"] = 1.0 - 0.9 * k / steps
        optimizer.step()
        if not quiet and log_every > 0 and (k % log_every == 0 or k == steps - 1):
            print(f"step {k} loss {total_loss.item():.6f}, accuracy {accuracy.item() * 100:.1f}%")

    total_loss, accuracy = loss(model, X, y)
    if not quiet:
        print(f"final loss {total_loss.item():.6f}, accuracy {accuracy.item() * 100:.1f}%")
    return model, X_host, y_host, total_loss.item(), accuracy.item()


def decision_boundary(model: nn.MLP, X: np.ndarray, y: np.ndarray, path: str, h: float = 0.25) -> str:
    """The notebook's last cell: sign of the score on a grid of spacing h, points on top."""
    x_min, x_max = X[:, 0].min() - 1, X[:, 0].max() + 1
    y_min, y_max = X[:, 1].min() - 1, X[:, 1].max() + 1
    xx, yy = np.meshgrid(np.arange(x_min, x_max, h), np.arange(y_min, y_max, h))
    backend = model.parameters()[0].backend
    with mg.no_grad():                                  # one batched forward pass over the grid
        mesh = mg.tensor(np.c_[xx.ravel(), yy.ravel()], dtype=mg.get_default_dtype(), backend=backend)
        Z = (_common.host(model(mesh)) > 0).reshape(xx.shape)
    plt = _common.pyplot()
    fig, ax = plt.subplots(figsize=(5.0, 4.2), dpi=110)
    ax.contourf(xx, yy, Z, cmap=plt.cm.Spectral, alpha=0.8)
    ax.scatter(X[:, 0], X[:, 1], c=y, s=40, cmap=plt.cm.Spectral)
    ax.set_xlim(xx.min(), xx.max())
    ax.set_ylim(yy.min(), yy.max())
    ax.set_title("decision boundary of the 2-16-16-1 MLP")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def build_parser():
    p = _common.parser(__doc__, "the same run with the notebook's coarse grid (h = 0.25) for the picture; "
                       "the flag exists for CI", name="micrograd_demo")
    p.set_defaults(seed=1337)                           # micrograd's seed
    p.add_argument("--steps", type=int, default=100, help="SGD steps (default 100, as micrograd)")
    p.add_argument("--samples", type=int, default=100, help="number of points (default 100)")
    p.add_argument("--log-every", type=int, default=25, help="print every N steps (default 25)")
    return p


def main(argv: list[str] | None = None) -> dict:
    args = build_parser().parse_args(argv)
    _common.setup(args)
    model, X, y, final_loss, accuracy = train(args.steps, args.seed, args.backend, args.samples,
                                              0 if args.no_progress else args.log_every)
    path = decision_boundary(model, X, y, os.path.join(args.out, "decision_boundary.png"),
                             h=0.25 if args.small else 0.02)
    print(f"wrote {path}")
    return _common.save_metrics(args, "micrograd_demo", {"loss": final_loss, "accuracy": accuracy,
                                                         "steps": args.steps, "samples": args.samples})


if __name__ == "__main__":
    main()
