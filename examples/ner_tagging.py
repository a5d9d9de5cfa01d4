"""Named-entity tagging, many-to-many: is each word part of a person's name?

The course's example: x = "Harry Potter and Hermione Granger invented a new spell",
y = 1 1 0 1 1 0 0 0 0 (T_x = T_y = 9). Here the sentences are generated from
templates filled with `faker`'s names, cities, streets and companies (seeded, no
download). Person names are tagged 1; everything else 0, including streets
("James Port", "Davis Island") and companies ("Salazar Ltd") built from the very
same first and last names. Whether "James" is a person often shows only in the
word after it, which a left-to-right RNN has not read yet when it must tag
"James"; a bidirectional RNN has:

    ŷ<t> = softmax(W_y [a→<t>, a←<t>] + b_y)

The tagger is Embedding → LSTM(bidirectional=True) → Linear, trained on batches
of sentences of different lengths padded to the longest, with `lengths=` so the
padding never enters the state (the backward direction starts at each
sentence's own last word) and `ignore_index` so it never enters the loss. The
same model, unidirectional, is trained alongside; both are scored by token-level
precision / recall / F1 of tag 1 on held-out sentences.

    python examples/ner_tagging.py                  # about 10 s on 2 CPU cores
    python examples/ner_tagging.py --small          # the CI setting

Outputs in --out (default examples/out/ner_tagging): ner_tagging.png, metrics.json.
"""
from __future__ import annotations

import os
from collections import Counter

import _common
import numpy as np

import minigrad as mg
import nn
import nn.functional as F

PAD, UNK = "<PAD>", "<UNK>"
IGNORE = -100
COURSE_EXAMPLE = ["Harry", "Potter", "and", "Hermione", "Granger", "invented", "a", "new", "spell"]

# {P}: a person, {S}: a street, {C}: a city, {O}: a company; {X}: any of the four.
# The {X} templates give no hint before the entity, so only the words of the entity
# itself (often the *next* one: "James Port", "Davis Island") tell a name from a place.
TEMPLATES = [
    "{P} and {P} invented a new spell",
    "{P} moved to {C} last year",
    "{P} lives on {S} in {C}",
    "{P} works for {O} in {C}",
    "yesterday {P} met {P} near {S}",
    "{S} was renamed after {P}",
    "{O} hired {P} last week",
    "we drove from {C} to {C} with {P}",
    "{X} is famous",
    "{X} was in the news again",
    "everybody talks about {X}",
    "they wrote a song about {X} and {X}",
    "I saw {X} yesterday",
    "{X} and {X} are not far apart",
    "the letter was about {X}",
    "nobody remembers {X} anymore",
]


def fill(template: str, fake, rng: np.random.Generator) -> tuple[list[str], list[int]]:
    """One sentence from a template: (words, tags), tag 1 for words of a person's name."""
    words, tags = [], []
    for token in template.split():
        kind = token.strip("{}") if token.startswith("{") else None
        if kind == "X":
            kind = "PSCO"[rng.integers(4)]
        if kind == "P":
            form = rng.integers(3)
            entity = [fake.first_name(), fake.last_name()] if form == 0 else \
                [fake.first_name()] if form == 1 else [fake.last_name()]
            words += entity
            tags += [1] * len(entity)
        elif kind in ("S", "C", "O"):
            entity = {"S": fake.street_name, "C": fake.city, "O": fake.company}[kind]().split()
            words += entity
            tags += [0] * len(entity)
        else:
            words.append(token)
            tags.append(0)
    return words, tags


def make_sentences(count: int, seed: int) -> list[tuple[list[str], list[int]]]:
    from faker import Faker

    fake = Faker("en_US")
    fake.seed_instance(seed)
    rng = np.random.default_rng(seed)
    return [fill(TEMPLATES[rng.integers(len(TEMPLATES))], fake, rng) for _ in range(count)]


class Vocabulary:
    """Words seen at least `min_count` times in training; others read as <UNK>."""

    def __init__(self, sentences, min_count: int = 2):
        counts = Counter(w for words, _ in sentences for w in words)
        self.itos = [PAD, UNK] + sorted(w for w, n in counts.items() if n >= min_count)
        self.stoi = {w: i for i, w in enumerate(self.itos)}

    def __len__(self) -> int:
        return len(self.itos)

    def encode(self, words: list[str]) -> list[int]:
        return [self.stoi.get(w, 1) for w in words]


def batch(sentences, vocab: Vocabulary) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Padded (B, T_max) word ids and tags (padding: <PAD> / IGNORE) and the lengths T_x⁽ⁱ⁾."""
    lengths = [len(words) for words, _ in sentences]
    x = np.zeros((len(sentences), max(lengths)), dtype=np.int64)
    y = np.full((len(sentences), max(lengths)), IGNORE, dtype=np.int64)
    for i, (words, tags) in enumerate(sentences):
        x[i, : len(words)] = vocab.encode(words)
        y[i, : len(tags)] = tags
    return x, y, lengths


class Tagger(nn.Module):
    """Embedding → (bi)LSTM → per-word logits of the two tags."""

    def __init__(self, vocab_size: int, embed_size: int, hidden_size: int, bidirectional: bool):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed_size, padding_idx=0)
        self.rnn = nn.LSTM(embed_size, hidden_size, batch_first=True, bidirectional=bidirectional)
        self.head = nn.Linear(hidden_size * (2 if bidirectional else 1), 2)

    def forward(self, x: mg.Tensor, lengths: list[int]) -> mg.Tensor:
        a, _ = self.rnn(self.embed(x), lengths=lengths)   # (B, T, H) or [a→<t>, a←<t>] (B, T, 2H)
        return self.head(a)                               # (B, T, 2): the logits of ŷ<t>


def train(model: Tagger, train_set, vocab, epochs: int, batch_size: int, lr: float,
          rng: np.random.Generator, backend: str, desc: str, disable: bool) -> list[float]:
    optimizer = nn.optim.Adam(model.parameters(), lr=lr)
    steps_per_epoch = (len(train_set) + batch_size - 1) // batch_size
    bar = _common.progress(total=epochs * steps_per_epoch, desc=desc, disable=disable)
    smooth, losses = _common.Smoother(), []
    model.train()
    for _ in range(epochs):
        order = rng.permutation(len(train_set))
        for start in range(0, len(order), batch_size):
            x, y, lengths = batch([train_set[i] for i in order[start:start + batch_size]], vocab)
            logits = model(mg.tensor(x, backend=backend), lengths)
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]),  # PyTorch's (N, C) layout
                                   mg.tensor(y, backend=backend).reshape(-1), ignore_index=IGNORE)
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            optimizer.step()
            losses.append(loss.item())
            bar.set_postfix(loss=f"{smooth(losses[-1]):.4f}", refresh=False)
            bar.update()
    bar.close()
    model.eval()
    return losses


@mg.no_grad()
def predict(model: Tagger, sentences, vocab, backend: str, batch_size: int = 256) -> list[np.ndarray]:
    """Predicted tags of each sentence (a list of int arrays, one per sentence)."""
    out = []
    for start in range(0, len(sentences), batch_size):
        chunk = sentences[start:start + batch_size]
        x, _, lengths = batch(chunk, vocab)
        tags = _common.host(model(mg.tensor(x, backend=backend), lengths).argmax(axis=-1))
        out += [tags[i, :n] for i, n in enumerate(lengths)]
    return out


def draw(path: str, sentences, predictions: dict[str, list[np.ndarray]], losses: dict[str, list],
         results: dict[str, dict]) -> None:
    """Loss curves, the scores, and a few held-out sentences with each model's tags coloured."""
    plt = _common.pyplot()
    fig = plt.figure(figsize=(10, 8), dpi=110)
    ax = fig.add_axes([0.07, 0.62, 0.4, 0.33])
    for name, values in losses.items():
        window = max(1, len(values) // 40)
        ax.plot(np.convolve(values, np.ones(window) / window, mode="valid"), label=name)
    ax.set_yscale("log")
    ax.set(xlabel="step", ylabel="cross-entropy", title="training loss (moving average)")
    ax.legend()
    ax.grid(alpha=0.3)
    bars = fig.add_axes([0.57, 0.62, 0.4, 0.33])
    metrics = ["precision", "recall", "f1"]
    for k, (name, r) in enumerate(results.items()):
        xs = np.arange(len(metrics)) + (k - 0.5) * 0.38
        bars.bar(xs, [r[m] for m in metrics], width=0.36, label=name)
        for x, m in zip(xs, metrics):
            bars.text(x, r[m] + 0.01, f"{r[m]:.2f}", ha="center", fontsize=8)
    bars.set_xticks(range(len(metrics)), metrics)
    bars.set(ylim=(0, 1.08), title="held-out, tag 1 (person)")
    bars.legend(loc="lower right")
    text = fig.add_axes([0.0, 0.0, 1.0, 0.53])
    text.axis("off")
    text.text(0.01, 0.97, "held-out sentences — green: a name, tagged 1;  red: a wrong tag;  "
              "grey: not a name, tagged 0", fontsize=9, transform=text.transAxes)
    renderer = fig.canvas.get_renderer()
    y = 0.9
    for index, (words, tags) in enumerate(sentences):
        for name, preds in predictions.items():
            text.text(0.01, y, name, fontsize=8, transform=text.transAxes, family="monospace")
            x = 0.16
            for word, tag, pred in zip(words, tags, preds[index]):
                color = "#1a7f37" if pred == tag == 1 else "#cf222e" if pred != tag else "#8c8c8c"
                label = text.text(x, y, word, fontsize=9, color=color, transform=text.transAxes,
                                  weight="bold" if pred == 1 else "normal")
                x += label.get_window_extent(renderer=renderer).width / fig.bbox.width + 0.006
            y -= 0.06
        y -= 0.03
    fig.savefig(path)
    plt.close(fig)


def build_parser():
    p = _common.parser(__doc__.split("\n\n")[0], "fewer sentences and epochs (the CI setting)")
    p.epilog = __doc__.split("\n\n", 1)[1]
    p.add_argument("--sentences", type=int, default=None,
                   help="training sentences (default 4000, small 1200); 1000 more are held out")
    p.add_argument("--epochs", type=int, default=None, help="passes over the data (default 8, small 5)")
    p.add_argument("--hidden", type=int, default=32, help="hidden size per direction")
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--lr", type=float, default=1e-2)
    return p


def main(argv: list[str] | None = None) -> dict:
    args = build_parser().parse_args(argv)
    n_train = args.sentences or (1200 if args.small else 4000)
    epochs = args.epochs or (5 if args.small else 8)
    _common.setup(args)
    timer = _common.Timer()

    train_set = make_sentences(n_train, seed=args.seed)
    test_set = make_sentences(1000, seed=args.seed + 10_000)
    vocab = Vocabulary(train_set)
    unknown = np.mean([vocab.stoi.get(w) is None for words, _ in test_set for w in words])
    print(f"{len(train_set)} training sentences, {len(test_set)} held out; {len(vocab)} words "
          f"({unknown:.0%} of held-out words are <UNK>). For example:")
    for words, tags in train_set[:3]:
        print("  " + " ".join(words) + "\n  " + " ".join(str(t).ljust(len(w)) for w, t in zip(words, tags)))

    results, predictions, losses = {}, {}, {}
    for name, bidirectional in (("bidirectional", True), ("unidirectional", False)):
        mg.manual_seed(args.seed)
        model = Tagger(len(vocab), 32, args.hidden, bidirectional).to(args.backend)
        losses[name] = train(model, train_set, vocab, epochs, args.batch, args.lr,
                             np.random.default_rng(args.seed), args.backend, name, args.no_progress)
        predicted = predict(model, test_set, vocab, args.backend)
        flat_pred = np.concatenate(predicted)
        flat_true = np.concatenate([np.asarray(tags) for _, tags in test_set])
        results[name] = _common.precision_recall_f1(flat_pred, flat_true)
        predictions[name] = predicted
        tags = predict(model, [(COURSE_EXAMPLE, [0] * 9)], vocab, args.backend)[0]
        results[name]["course_example"] = " ".join(map(str, tags.tolist()))

    print(f"\nheld-out token-level scores of tag 1 (person), {len(test_set)} sentences:")
    print(f"  {'model':<16}{'precision':>10}{'recall':>10}{'F1':>10}   Harry Potter and Hermione ...")
    for name, r in results.items():
        print(f"  {name:<16}{r['precision']:>10.3f}{r['recall']:>10.3f}{r['f1']:>10.3f}   "
              f"{r['course_example']}")
    print("  (the course's answer: 1 1 0 1 1 0 0 0 0)")

    wrong = [i for i, (_, tags) in enumerate(test_set)            # where the two differ first
             if (predictions["unidirectional"][i] != np.asarray(tags)).any()]
    shown = wrong[:4] + [i for i in range(len(test_set)) if i not in wrong[:4]][:2]
    figure = os.path.join(args.out, "ner_tagging.png")
    draw(figure, [test_set[i] for i in shown],
         {k: [v[i] for i in shown] for k, v in predictions.items()}, losses,
         {k: {m: r[m] for m in ("precision", "recall", "f1")} for k, r in results.items()})
    print(f"\nwrote {figure} ({timer.seconds:.0f} s)")
    return _common.save_metrics(args, "ner_tagging", {
        "bidirectional": results["bidirectional"], "unidirectional": results["unidirectional"],
        "seconds": timer.seconds,
    })


if __name__ == "__main__":
    main()
