"""Many-to-one: classify handwritten digits read one row at a time.

scikit-learn ships 1,797 8×8 images of handwritten digits (no download). Each
image becomes a sequence of T_x = 8 rows, x<t> ∈ R⁸ (row t's pixel intensities),
read by a deep recurrent network; only the last step's a<T_x> of the top layer
is classified:

    a[1]<t> = GRU(x<t>, a[1]<t-1>)           layer 1
    a[2]<t> = GRU(a[1]<t>, a[2]<t-1>)        layer 2 (num_layers=2)
    ŷ = softmax(W_y a[2]<T_x> + b_y)         one output for the whole sequence

The held-out 20% (stratified, seeded) should be classified ≥ 95% correctly.

    python examples/digits_sequence.py                 # GRU, about 6 s on 2 CPU cores
    python examples/digits_sequence.py --cell lstm
    python examples/digits_sequence.py --small         # the CI setting
    mpiexec -n 2 python examples/digits_sequence.py --distributed   # data-parallel, 2 processes

Outputs in --out (default examples/out/digits_sequence): digits_sequence.png, metrics.json.
"""
from __future__ import annotations

import os

import _common
import numpy as np

import minigrad as mg
import nn
import nn.functional as F

CELLS = {"gru": nn.GRU, "lstm": nn.LSTM, "rnn": nn.RNN}


def load_digits(seed: int, test_fraction: float = 0.2):
    """(x_train, y_train, x_test, y_test): images as (N, 8 rows, 8 pixels) in [0, 1]."""
    from sklearn.datasets import load_digits as sklearn_digits
    from sklearn.model_selection import train_test_split

    digits = sklearn_digits()
    images = (digits.images / 16.0).astype(np.float32)   # pixel values 0..16 → 0..1
    return train_test_split(images, digits.target, test_size=test_fraction, random_state=seed,
                            stratify=digits.target)


class RowReader(nn.Module):
    """A deep RNN over the rows; the last step of the top layer feeds a linear classifier."""

    def __init__(self, cell: str, hidden_size: int, num_layers: int = 2, classes: int = 10):
        super().__init__()
        self.rnn = CELLS[cell](8, hidden_size, num_layers=num_layers, batch_first=True)
        self.head = nn.Linear(hidden_size, classes)

    def forward(self, images: mg.Tensor) -> mg.Tensor:
        a, _ = self.rnn(images)          # (B, T_x = 8, H): a[top]<t> for every row t
        return self.head(a[:, -1])       # many-to-one: logits from a[top]<T_x>


@mg.no_grad()
def predict(model: RowReader, images: np.ndarray, backend: str) -> np.ndarray:
    model.eval()
    labels = _common.host(model(mg.tensor(images, backend=backend)).argmax(axis=-1))
    model.train()
    return labels


def draw(path: str, history: dict, images: np.ndarray, labels: np.ndarray,
         predicted: np.ndarray) -> None:
    """Loss and held-out accuracy per epoch, and held-out digits with their predictions
    (the misclassified ones first, in red)."""
    plt = _common.pyplot()
    fig = plt.figure(figsize=(10, 4.6), dpi=110)
    ax = fig.add_axes([0.07, 0.13, 0.36, 0.75])
    ax.plot(history["epoch"], history["loss"], label="training loss", color="C0")
    ax.set(xlabel="epoch", ylabel="cross-entropy", yscale="log", title="training")
    ax.grid(alpha=0.3)
    acc = ax.twinx()
    acc.plot(history["epoch"], history["accuracy"], label="held-out accuracy", color="C1")
    acc.axhline(0.95, color="C1", linestyle=":", linewidth=1)
    acc.set(ylabel="held-out accuracy", ylim=(0.5, 1.0))
    lines = ax.get_lines()[:1] + acc.get_lines()[:1]
    ax.legend(lines, [line.get_label() for line in lines], loc="lower left")
    order = np.concatenate([np.flatnonzero(predicted != labels), np.flatnonzero(predicted == labels)])
    for k, i in enumerate(order[:24]):
        cell = fig.add_axes([0.5 + (k % 8) * 0.062, 0.62 - (k // 8) * 0.27, 0.05, 0.2])
        cell.imshow(images[i], cmap="gray_r", vmin=0, vmax=1)
        cell.set_xticks([])
        cell.set_yticks([])
        wrong = predicted[i] != labels[i]
        cell.set_title(f"{predicted[i]}" + (f" (is {labels[i]})" if wrong else ""), fontsize=8,
                       color="#cf222e" if wrong else "black")
    fig.text(0.74, 0.9, "held-out digits, read row by row: the prediction", ha="center")
    fig.savefig(path)
    plt.close(fig)


def build_parser():
    p = _common.parser(__doc__.split("\n\n")[0], "fewer epochs (the CI setting)")
    p.epilog = __doc__.split("\n\n", 1)[1]
    p.add_argument("--cell", default="gru", choices=sorted(CELLS), help="recurrent cell")
    p.add_argument("--hidden", type=int, default=64, help="hidden size of both layers")
    p.add_argument("--layers", type=int, default=2, help="stacked recurrent layers")
    p.add_argument("--epochs", type=int, default=None, help="passes over the data (default 20, small 12)")
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--lr", type=float, default=1e-2)
    _common.add_distributed_argument(p)
    return p


def main(argv: list[str] | None = None) -> dict:
    args = build_parser().parse_args(argv)
    epochs = args.epochs or (12 if args.small else 20)
    comm = _common.init_distributed(args)   # first: with NCCL it picks this rank's GPU
    rng = _common.setup(args)
    timer = _common.Timer()

    x_train, x_test, y_train, y_test = load_digits(args.seed)
    print(f"{len(x_train)} training images, {len(x_test)} held out, each read as 8 rows of 8 pixels")
    model = RowReader(args.cell, args.hidden, args.layers).to(args.backend)
    print(model)
    optimizer = nn.optim.Adam(model.parameters(), lr=args.lr)
    # --distributed: each rank reads its shard of every epoch (batch / world_size images a
    # step) and DistributedDataParallel averages the gradients, so a step is the same as
    # one process taking the whole batch.
    trainer, batch, sampler = model, args.batch, None
    if comm is not None:
        trainer = nn.parallel.DistributedDataParallel(model)
        sampler = nn.parallel.DistributedSampler(x_train, seed=args.seed)
        batch = args.batch // comm.world_size
    shard_size = len(sampler) if sampler else len(x_train)
    steps_per_epoch = (shard_size + batch - 1) // batch
    bar = _common.progress(total=epochs * steps_per_epoch, desc=f"{args.cell} digits",
                           disable=args.no_progress)
    smooth = _common.Smoother()
    history = {"epoch": [], "loss": [], "accuracy": []}
    for epoch in range(epochs):
        for group in optimizer.param_groups:    # halve the rate for the last third
            group["lr"] = args.lr * (0.5 if epoch >= 2 * epochs // 3 else 1.0)
        if sampler is not None:
            sampler.set_epoch(epoch)
        order = sampler.indices() if sampler else rng.permutation(len(x_train))
        total = 0.0
        for start in range(0, len(order), batch):
            index = order[start:start + batch]
            logits = trainer(mg.tensor(x_train[index], backend=args.backend))
            loss = F.cross_entropy(logits, mg.tensor(y_train[index], backend=args.backend))
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            optimizer.step()
            value = loss.item()
            total += value * len(index)
            bar.set_postfix(loss=f"{smooth(value):.4f}", refresh=False)
            bar.update()
        accuracy = float(np.mean(predict(model, x_test, args.backend) == y_test))
        history["epoch"].append(epoch + 1)
        history["loss"].append(total / len(order))
        history["accuracy"].append(accuracy)
        bar.set_postfix(loss=f"{smooth.value / (1 - smooth.beta ** smooth.count):.4f}",
                        held_out=f"{accuracy:.3f}", refresh=False)
    bar.close()
    if not _common.is_main_process():                   # rank 0 evaluates and writes the files
        return {}

    predicted = predict(model, x_test, args.backend)
    accuracy = float(np.mean(predicted == y_test))
    print(f"\nheld-out accuracy {accuracy:.2%} ({int(np.sum(predicted != y_test))} of {len(y_test)} "
          f"wrong) after {epochs} epochs")
    figure = os.path.join(args.out, "digits_sequence.png")
    draw(figure, history, x_test, y_test, predicted)
    print(f"wrote {figure} ({timer.seconds:.0f} s)")
    return _common.save_metrics(args, "digits_sequence", {
        "accuracy": accuracy, "wrong": int(np.sum(predicted != y_test)), "test_images": len(y_test),
        "epochs": epochs, "cell": args.cell, "seconds": timer.seconds,
        "history": history,
    })


if __name__ == "__main__":
    main()
