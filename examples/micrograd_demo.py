"""micrograd's moons demo (demo.ipynb), ported line by line to minigrad + nn.

A 2-16-16-1 ReLU MLP learns to separate two interleaving half-moons with an SVM
max-margin loss plus L2 regularisation, trained by full-batch SGD with a
learning rate decaying from 1.0 to 0.1 -- exactly the recipe of micrograd's
notebook, except that the batch is one matrix instead of 100 lists of Values.

    python examples/micrograd_demo.py                  # 100 steps, prints progress
    python examples/micrograd_demo.py --backend cupy   # same, on the GPU
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np  # host-side data generation only

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

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
          log_every: int = 1, quiet: bool = False) -> tuple[float, float]:
    """Train the demo's model; returns the final (loss, accuracy) as Python floats."""
    mg.manual_seed(seed)
    X, y = make_moons(n_samples=n_samples, noise=0.1, seed=seed)
    y = y * 2 - 1                                       # labels -1 / +1, as the notebook
    X = mg.tensor(X, dtype=mg.get_default_dtype(), backend=backend)
    y = mg.tensor(y, dtype=mg.get_default_dtype(), backend=backend)

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
        if not quiet and (k % log_every == 0 or k == steps - 1):
            print(f"step {k} loss {total_loss.item():.6f}, accuracy {accuracy.item() * 100:.1f}%")

    total_loss, accuracy = loss(model, X, y)
    if not quiet:
        print(f"final loss {total_loss.item():.6f}, accuracy {accuracy.item() * 100:.1f}%")
    return total_loss.item(), accuracy.item()


def main(argv: list[str] | None = None) -> tuple[float, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100, help="SGD steps (default 100, as micrograd)")
    parser.add_argument("--seed", type=int, default=1337, help="seed for data and weights")
    parser.add_argument("--backend", default="numpy", help="numpy or cupy")
    parser.add_argument("--samples", type=int, default=100, help="number of points (default 100)")
    parser.add_argument("--log-every", type=int, default=1, help="print every N steps")
    args = parser.parse_args(argv)
    return train(args.steps, args.seed, args.backend, args.samples, args.log_every)


if __name__ == "__main__":
    main()
