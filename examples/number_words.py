"""Numbers to words in three languages, scored with BLEU: sentence outputs of a seq2seq model.

    "fr 1971" → "mille neuf cent soixante et onze"
    "en 1971" → "one thousand , nine hundred and seventy - one"
    "es 1971" → "mil novecientos setenta y uno"

The references are real: `num2words` writes them. The model is the course's
attention model (as in `date_translation.py`), reading characters and writing words:

    x<t'>     the language tag and the digits, embedded
    a<t'>     a bidirectional LSTM over them
    c<t>      Σ_t' α<t,t'> a<t'> (additive attention on s<t-1>)
    s<t>      an LSTM cell fed [c<t>, embedding of y<t-1>]
    ŷ<t>      softmax(W s<t> + b) over the words (hyphens and commas are words too)

Held-out numbers never occur in training. Their outputs are scored against the
references with `sacrebleu` (corpus BLEU, its standard 13a tokenisation) for greedy
decoding and for beam search, with and without the course's length normalisation
(1/Ty^α) Σ log P(y<t> | x, y<1..t-1>), α = 0, 0.7 or 1; like the course, α is
picked on a dev set of other held-out numbers, and `bleu_beam` is the beam's BLEU
with that α.

    python examples/number_words.py           # full run, a few minutes on a CPU
    python examples/number_words.py --small   # the CI setting, under a minute

Needs `num2words` and `sacrebleu` (the `examples` extra).
"""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common
import numpy as np

import minigrad as mg
import nn
import nn.functional as F
from nn.decode import beam_search, greedy_decode

LANGUAGES = ["en", "fr", "es"]
SOURCE = ["<pad>", *LANGUAGES, *"0123456789"]
PAD, BOS, EOS = 0, 0, 1  # source padding; target <bos> and <eos>
ALPHAS = (0.0, 0.7, 1.0)  # length normalisations 1/Ty^α tried (0: none; 0.7: the course's)


def words(number: int, language: str) -> list[str]:
    """num2words's text as tokens: words, with hyphens and commas split off."""
    from num2words import num2words

    text = num2words(number, lang=language).replace("-", " - ").replace(",", " , ")
    return text.split()


def detokenise(tokens: list[str]) -> str:
    return " ".join(tokens).replace(" - ", "-").replace(" , ", ", ")


def make_data(limit: int, train_size: int, test_size: int, rng: np.random.Generator):
    """(train, dev, test) lists of (source ids, target words); the dev and test numbers
    never occur in training (dev picks the length normalisation α)."""
    numbers = rng.permutation(limit)
    dev_numbers, test_numbers = numbers[:test_size], numbers[test_size:2 * test_size]
    train_numbers = numbers[2 * test_size:]
    pair = lambda n, lang: ([SOURCE.index(lang)] + [SOURCE.index(c) for c in str(n)], words(int(n), lang))
    train = [pair(train_numbers[i % len(train_numbers)], LANGUAGES[rng.integers(3)]) for i in range(train_size)]
    dev = [pair(n, LANGUAGES[i % 3]) for i, n in enumerate(dev_numbers)]
    test = [pair(n, LANGUAGES[i % 3]) for i, n in enumerate(test_numbers)]
    return train, dev, test


class NumberSpeller(nn.Module):
    """Bidirectional LSTM encoder, additive attention, LSTM-cell decoder (as DateTranslator)."""

    def __init__(self, vocab: int, embed: int = 32, encoder: int = 64, decoder: int = 128, attention: int = 64):
        super().__init__()
        self.decoder_size = decoder
        self.source_embedding = nn.Embedding(len(SOURCE), embed, padding_idx=PAD)
        self.encoder = nn.LSTM(embed, encoder, bidirectional=True)
        self.attention = nn.Attention(decoder, 2 * encoder, attention)
        self.target_embedding = nn.Embedding(vocab, embed)
        self.decoder = nn.LSTMCell(embed + 2 * encoder, decoder)
        self.output = nn.Linear(decoder, vocab)

    def encode(self, source: mg.Tensor, lengths: list[int]):
        annotations, _ = self.encoder(self.source_embedding(source), lengths=lengths)  # a<t'>
        memory = self.attention.prepare(annotations, lengths=lengths)
        s0 = mg.zeros(source.shape[1], self.decoder_size, dtype=annotations.dtype, backend=annotations.backend)
        return (s0, s0), memory

    def step(self, previous: mg.Tensor, state):
        """One decoder step in the `nn.decode` protocol: (logits, new state)."""
        (s, cell), memory = state
        context, _ = self.attention(s, memory)
        s, cell = self.decoder(mg.cat([self.target_embedding(previous), context], axis=-1), (s, cell))
        return self.output(s), ((s, cell), memory)


def source_tensor(sources: list[list[int]], backend: str):
    lengths = [len(s) for s in sources]
    steps = max(lengths)
    ids = [[s[t] if t < len(s) else PAD for s in sources] for t in range(steps)]  # (Tx, B)
    return mg.tensor(ids, dtype="int64", backend=backend), lengths


def decode_all(model, sources, backend: str, vocabulary: list[str], beam_width: int, alpha: float,
               max_len: int) -> list[str]:
    """Detokenised outputs: greedy when beam_width is 1, else beam search with `alpha`."""
    model.eval()
    out = []
    with mg.no_grad():
        for start in range(0, len(sources), 256):
            state = model.encode(*source_tensor(sources[start:start + 256], backend))
            if beam_width == 1:
                hyps = greedy_decode(model.step, state, bos=BOS, eos=EOS, max_len=max_len)
            else:
                hyps = [b[0] for b in beam_search(model.step, state, bos=BOS, eos=EOS, max_len=max_len,
                                                  beam_width=beam_width, alpha=alpha)]
            out += [detokenise([vocabulary[t] for t in h.tokens]) for h in hyps]
    model.train()
    return out


def bleu(hypotheses: list[str], references: list[str]) -> float:
    import sacrebleu

    return float(sacrebleu.corpus_bleu(hypotheses, [references]).score)


def draw(path: str, history: dict, scores: dict) -> None:
    plt = _common.pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.6), dpi=110)
    left.plot(history["step"], history["loss"])
    left.set_xlabel("training step")
    left.set_ylabel("cross-entropy per word")
    left.set_yscale("log")
    names = list(scores)
    right.bar(range(len(names)), [scores[n] for n in names], color=["0.6", "tab:blue", "tab:orange", "tab:green"])
    right.set_xticks(range(len(names)))
    right.set_xticklabels(names, fontsize=8)
    low = min(scores.values())
    right.set_ylim(max(0.0, low - 10), 100)
    for i, n in enumerate(names):
        right.text(i, scores[n] + 0.5, f"{scores[n]:.2f}", ha="center", fontsize=8)
    right.set_ylabel("held-out BLEU")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def build_parser():
    p = _common.parser(__doc__, "CI setting: numbers below 10000, fewer steps, under a minute")
    p.add_argument("--steps", type=int, default=None, help="training steps (default 3000, small 250)")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=5e-3)
    p.add_argument("--beam", type=int, default=4)
    return p


def main(argv: list[str] | None = None) -> dict:
    args = build_parser().parse_args(argv)
    rng = _common.setup(args)
    timer = _common.Timer()
    steps = args.steps or (250 if args.small else 3000)
    limit = 10_000 if args.small else 1_000_000
    train, dev, test = make_data(limit, 20_000 if args.small else 200_000, 300 if args.small else 1500, rng)
    vocabulary = ["<bos>", "<eos>", *sorted({w for _, target in train + dev + test for w in target})]
    index = {w: i for i, w in enumerate(vocabulary)}
    max_len = max(len(t) for _, t in train + dev + test) + 1
    print(f"{len(train)} training pairs, {len(test)} held-out numbers, {len(vocabulary)} words, "
          f"up to {max_len - 1} per output")

    model = NumberSpeller(len(vocabulary)).to(args.backend)
    optimizer = nn.optim.Adam(model.parameters(), lr=args.lr)

    def batch_loss(step):
        batch = [train[i] for i in rng.integers(0, len(train), size=args.batch)]
        source, lengths = source_tensor([s for s, _ in batch], args.backend)
        ty = max(len(t) for _, t in batch) + 1
        target = [[index[w] for w in t] + [EOS] + [-100] * (ty - len(t) - 1) for _, t in batch]  # (B, Ty)
        target_in = [[BOS] + [max(w, 0) for w in row[:-1]] for row in target]
        state = model.encode(source, lengths)
        previous = mg.tensor(target_in, dtype="int64", backend=args.backend)
        logits = []
        for t in range(ty):  # teacher forcing: the true y<t-1> goes in
            step_logits, state = model.step(previous[:, t], state)
            logits.append(step_logits)
        flat = mg.stack(logits, axis=0).reshape(ty * args.batch, len(vocabulary))   # (Ty·B, V)
        flat_target = mg.tensor(np.array(target).T.reshape(-1), backend=args.backend)
        return F.nll_loss(flat.log_softmax(axis=-1), flat_target, ignore_index=-100)

    history = _common.train(optimizer, steps, batch_loss, desc="numbers to words",
                            disable=args.no_progress,
                            lr_at=lambda step: args.lr * (1.0 - 0.9 * step / steps))  # to a tenth

    def score_all(pairs):
        """BLEU of greedy and of beam search at every α, and the outputs."""
        sources, references = [s for s, _ in pairs], [detokenise(t) for _, t in pairs]
        outputs = {"greedy": decode_all(model, sources, args.backend, vocabulary, 1, 0.0, max_len)}
        for alpha in ALPHAS:
            outputs[alpha] = decode_all(model, sources, args.backend, vocabulary, args.beam, alpha, max_len)
        return {k: bleu(v, references) for k, v in outputs.items()}, outputs, references

    # α is a hyperparameter: the course tunes it on a dev set, and so do we.
    dev_scores, _, _ = score_all(dev)
    alpha = max(ALPHAS, key=lambda a: (dev_scores[a], -a))
    scores, outputs, references = score_all(test)
    beam = outputs[alpha]
    exact = {name: float(np.mean([o == r for o, r in zip(outputs[key], references)]))
             for name, key in (("greedy", "greedy"), ("beam", alpha))}
    print(f"held-out BLEU: greedy {scores['greedy']:.2f}; beam {args.beam} "
          + ", ".join(f"α={a}: {scores[a]:.2f}" for a in ALPHAS)
          + f" (α={alpha} chosen on the dev set); exact matches {exact['greedy']:.1%} greedy, "
          f"{exact['beam']:.1%} beam")
    for (source, _), ref, out in list(zip(test, references, beam))[:6]:
        text = SOURCE[source[0]] + " " + "".join(SOURCE[c] for c in source[1:])
        print(f"  {text:10} → {out!r}" + ("" if out == ref else f"  (reference {ref!r})"))
    figure = os.path.join(args.out, "number_words.png")
    draw(figure, history, {"greedy": scores["greedy"], **{f"beam α={a}": scores[a] for a in ALPHAS}})
    print(f"wrote {figure} ({timer.seconds:.0f} s)")
    return _common.save_metrics(args, "number_words", {
        "bleu_greedy": scores["greedy"], "bleu_beam": scores[alpha],
        **{f"bleu_beam_alpha_{a}": scores[a] for a in ALPHAS}, "alpha": alpha,
        "exact_greedy": exact["greedy"], "exact_beam": exact["beam"], "beam_width": args.beam,
        "steps": steps, "seconds": timer.seconds,
    })


if __name__ == "__main__":
    main()
