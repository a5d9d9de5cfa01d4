"""A character-level language model of first names (the course's "dinosaur names").

The data are the 5,000-odd first names of the 1990 US census, as the `names`
package ships them (no download). Each name is a sequence of characters
y<1> ... y<T> followed by <EOS>; the model reads x<t> = y<t-1> (x<1> = <EOS>, the
start of a name) and predicts a distribution ŷ<t> over the next character:

    a<t>  = LSTM(embed(x<t>), a<t-1>)       (or GRU / RNN with --cell)
    ŷ<t>  = softmax(W_ya a<t> + b_y)

Training reads all names as one long stream ("mary<EOS>patricia<EOS>linda...")
cut into B parallel columns and chunks of T characters: truncated
backpropagation through time, carrying the state across chunks with
`nn.utils.detach_state`, with gradient clipping against exploding gradients.

Afterwards it samples novel names (temperature, <UNK> never sampled), scores
names by log P(y<1>...y<T>) = Σ_t log P(y<t> | y<1>...y<t-1>), draws the loss
curve, and shows backpropagation through time on one name: the course's unrolled
figure with gradient norms (names_lm_bptt.svg) and the interactive viewer
(names_lm_bptt.html: open a step into its gates, replay the backward pass).

    python examples/names_lm.py                      # about 30 s on 2 CPU cores
    python examples/names_lm.py --cell gru --temperature 0.8
    python examples/names_lm.py --resume --steps 300 # continue from the checkpoint
    python examples/names_lm.py --score Harry Hermione Xqzt
    mpiexec -n 2 python examples/names_lm.py --distributed   # data-parallel, 2 processes

Outputs in --out (default examples/out/names_lm): names_lm_loss.png, names_lm_bptt.svg,
names_lm_bptt.html,
names_lm.ckpt.safetensors, metrics.json.
"""
from __future__ import annotations

import itertools
import math
import os

import _common
import numpy as np

import minigrad as mg
import nn
import nn.functional as F

EOS, UNK = "<EOS>", "<UNK>"
CELLS = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}


# ---------------------------------------------------------------------------- data
def load_names(which: str = "first") -> list[str]:
    """The census names as lower-case words, sorted and deduplicated.

    `which`: "first" (female + male first names, ~5,000) or "last" (~89,000).
    """
    import names  # ships dist.female.first, dist.male.first, dist.all.last

    folder = os.path.dirname(os.path.abspath(names.__file__))
    files = {"first": ["dist.female.first", "dist.male.first"], "last": ["dist.all.last"]}[which]
    words = set()
    for file in files:
        with open(os.path.join(folder, file)) as f:
            for line in f:
                if line.strip():
                    words.add(line.split()[0].lower())
    return sorted(words)


class Vocabulary:
    """Characters ↔ indices. Index 0 is <EOS> (end of a name, and the start token),
    index 1 is <UNK> (any character never seen in training)."""

    def __init__(self, symbols: list[str]):
        self.itos = list(symbols)
        self.stoi = {s: i for i, s in enumerate(self.itos)}
        self.eos, self.unk = self.stoi[EOS], self.stoi[UNK]

    @classmethod
    def from_words(cls, words: list[str]) -> Vocabulary:
        return cls([EOS, UNK] + sorted({c for w in words for c in w}))

    def __len__(self) -> int:
        return len(self.itos)

    def encode(self, word: str) -> list[int]:
        return [self.stoi.get(c, self.unk) for c in word.lower()]

    def decode(self, ids) -> str:
        return "".join(self.itos[i] for i in ids if i not in (self.eos, self.unk))


def stream_batches(words: list[str], vocab: Vocabulary, batch_size: int, bptt: int,
                   rng: np.random.Generator):
    """One epoch of (x, y) chunks, each (bptt, batch) int arrays, from a shuffled stream.

    The stream "<EOS>name<EOS>name..." is cut into `batch_size` contiguous columns, so
    column b of chunk k+1 continues column b of chunk k: the state carries over.
    """
    order = rng.permutation(len(words))
    stream = [vocab.eos]
    for i in order:
        stream += vocab.encode(words[i]) + [vocab.eos]
    stream = np.asarray(stream, dtype=np.int64)
    columns = (len(stream) - 1) // batch_size
    x = stream[: columns * batch_size].reshape(batch_size, columns).T      # (L, B)
    y = stream[1: columns * batch_size + 1].reshape(batch_size, columns).T
    for start in range(0, columns - 1, bptt):
        yield x[start:start + bptt], y[start:start + bptt]


def epoch_batches(words: list[str], vocab: Vocabulary, batch_size: int, bptt: int,
                  rng: np.random.Generator, sampler=None, comm=None):
    """One epoch of `stream_batches`; with --distributed, of this rank's shard of the names
    (`sampler`), batch_size / world_size columns each, cut to the fewest chunks of any rank."""
    if sampler is None:
        return stream_batches(words, vocab, batch_size, bptt, rng)
    shard = [words[i] for i in sampler]
    sampler.set_epoch(sampler.epoch + 1)
    chunks = list(stream_batches(shard, vocab, batch_size // comm.world_size, bptt, rng))
    return _common.even_batches(chunks, comm)


# ---------------------------------------------------------------------------- model
class CharLM(nn.Module):
    """Embedding → recurrent layer(s) → linear read-out of the next character's logits."""

    def __init__(self, vocab_size: int, embed_size: int, hidden_size: int, cell: str = "lstm",
                 num_layers: int = 1, dropout: float = 0.0):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed_size)
        self.rnn = CELLS[cell](embed_size, hidden_size, num_layers=num_layers,
                               dropout=dropout if num_layers > 1 else 0.0)
        self.drop = nn.Dropout(dropout)   # against memorising the list (train() only)
        self.head = nn.Linear(hidden_size, vocab_size)

    def forward(self, x: mg.Tensor, state=None, lengths=None):
        """x: (T, B) character ids → (logits (T, B, V), final state)."""
        a, state = self.rnn(self.drop(self.embed(x)), state, lengths=lengths)  # a<t> for every t
        return self.head(self.drop(a)), state                              # ŷ<t> = softmax(logits)


# ----------------------------------------------------------- scoring and sampling
def pad(sequences: list[list[int]], value: int) -> np.ndarray:
    """(T_max, B) array, time-major, each column one sequence padded with `value`."""
    out = np.full((max(map(len, sequences)), len(sequences)), value, dtype=np.int64)
    for b, seq in enumerate(sequences):
        out[: len(seq), b] = seq
    return out


@mg.no_grad()
def log_probability(model: CharLM, vocab: Vocabulary, words: list[str], backend: str) -> np.ndarray:
    """log P(y<1> ... y<T> <EOS>) for each word, in nats: the sum over t of
    log P(y<t> | y<1> ... y<t-1>), each read from the softmax at step t."""
    targets = [vocab.encode(w) + [vocab.eos] for w in words]
    inputs = [[vocab.eos] + t[:-1] for t in targets]
    lengths = [len(t) for t in targets]
    logits, _ = model(mg.tensor(pad(inputs, vocab.eos), backend=backend), lengths=lengths)
    log_probs = _common.host(logits.log_softmax(axis=-1))          # (T, B, V), explicit copy
    y = pad(targets, vocab.eos)
    picked = np.take_along_axis(log_probs, y[..., None], axis=-1)[..., 0]   # (T, B)
    mask = np.arange(y.shape[0])[:, None] < np.asarray(lengths)[None, :]
    return (picked * mask).sum(axis=0)


@mg.no_grad()
def sample(model: CharLM, vocab: Vocabulary, count: int, rng: np.random.Generator,
           temperature: float = 1.0, max_length: int = 20, backend: str = "numpy") -> list[str]:
    """`count` names sampled one character at a time, each output fed back as the next
    input, from softmax(logits / temperature). <UNK> is never sampled (its probability
    is set to zero), nor <EOS> first; a name ends at <EOS> or after `max_length`
    characters."""
    x = np.full((1, count), vocab.eos, dtype=np.int64)
    state, names, done = None, [[] for _ in range(count)], np.zeros(count, dtype=bool)
    for t in range(max_length):
        logits, state = model(mg.tensor(x, backend=backend), state)
        scaled = _common.host(logits[0]).astype(np.float64) / temperature   # (count, V)
        scaled[:, vocab.unk] = -np.inf
        if t == 0:
            scaled[:, vocab.eos] = -np.inf                  # a name has at least one letter
        probs = np.exp(scaled - scaled.max(axis=1, keepdims=True))
        probs /= probs.sum(axis=1, keepdims=True)
        choice = np.array([rng.choice(len(vocab), p=p) for p in probs])
        for b in np.flatnonzero(~done):
            if choice[b] == vocab.eos:
                done[b] = True
            else:
                names[b].append(choice[b])
        if done.all():
            break
        x = choice[None, :]
    return [vocab.decode(n).capitalize() for n in names]


def bigram_nll(train: list[str], test: list[str], vocab: Vocabulary) -> float:
    """Held-out nats per character of an add-one bigram model: the bar to beat."""
    counts = np.ones((len(vocab), len(vocab)))
    for w in train:
        ids = [vocab.eos] + vocab.encode(w) + [vocab.eos]
        for a, b in itertools.pairwise(ids):
            counts[a, b] += 1
    log_p = np.log(counts / counts.sum(axis=1, keepdims=True))
    total, chars = 0.0, 0
    for w in test:
        ids = [vocab.eos] + vocab.encode(w) + [vocab.eos]
        total -= sum(log_p[a, b] for a, b in itertools.pairwise(ids))
        chars += len(ids) - 1
    return total / chars


# ---------------------------------------------------------------------------- pictures
def render_bptt(model: CharLM, vocab: Vocabulary, word: str, out: str, backend: str) -> list[str]:
    """Backpropagation through time, seen: loss = -log P(word) over its characters is
    backpropagated inside mg.record_grad_norms(), then drawn as the course's unrolled
    figure (view="bptt": one column per character, the state chain a<t>, c<t> coloured
    by ‖∂L/∂a<t>‖) and written as the interactive HTML viewer. Returns the paths."""
    ids = vocab.encode(word)
    x = mg.tensor(np.array([[vocab.eos] + ids], dtype=np.int64).T, backend=backend)
    y = mg.tensor(np.array([ids + [vocab.eos]], dtype=np.int64).T, backend=backend)
    training = model.training
    model.eval()
    logits, _ = model(x)
    loss = F.cross_entropy(logits.reshape(-1, len(vocab)), y.reshape(-1), reduction="sum")
    with mg.record_grad_norms():
        loss.backward()
    model.train(training)
    html_path = os.path.join(out, "names_lm_bptt.html")
    mg.to_html(loss, html_path, params=model, title=f"BPTT of -log P({word!r})")
    svg_path = os.path.join(out, "names_lm_bptt.svg")
    picture = mg.draw_graph(loss, params=model, view="bptt", show_grads=True)
    try:
        svg = picture.pipe(format="svg")
    except mg.GraphvizNotFoundError as exc:  # no `dot` program: keep the DOT text, advise once
        svg_path = os.path.splitext(svg_path)[0] + ".dot"
        with open(svg_path, "w", encoding="utf-8") as f:
            f.write(picture.source)
        print(f"\n{os.path.basename(svg_path)} is the picture's DOT text, not an SVG: {exc}")
    else:
        with open(svg_path, "wb") as f:
            f.write(svg)
    model.zero_grad()  # the picture showed these gradients; training must not reuse them
    return [svg_path, html_path]


# ---------------------------------------------------------------------------- main
def build_parser():
    p = _common.parser(__doc__.split("\n\n")[0], "a few-second run for tests: smaller model, "
                       "fewer steps")
    p.epilog = __doc__.split("\n\n", 1)[1]
    p.add_argument("--cell", default="lstm", choices=sorted(CELLS), help="recurrent cell")
    p.add_argument("--hidden", type=int, default=None, help="hidden size (default 128, small 64)")
    p.add_argument("--layers", type=int, default=1, help="stacked recurrent layers")
    p.add_argument("--steps", type=int, default=None, help="training steps (default 1500, small 200)")
    p.add_argument("--batch", type=int, default=64, help="parallel columns of the stream")
    p.add_argument("--bptt", type=int, default=24, help="characters per truncated-BPTT chunk")
    p.add_argument("--lr", type=float, default=1e-2, help="Adam learning rate (cosine-decayed)")
    p.add_argument("--dropout", type=float, default=0.3, help="dropout on embeddings and a<t>")
    p.add_argument("--eval-every", type=int, default=50, help="steps between held-out checks")
    p.add_argument("--clip", type=float, default=1.0, help="max global gradient norm")
    p.add_argument("--temperature", type=float, default=0.8, help="sampling temperature")
    p.add_argument("--samples", type=int, default=20, help="names to sample")
    p.add_argument("--names", default="first", choices=["first", "last"], help="which census list")
    p.add_argument("--score", nargs="*", default=["Harry", "Hermione", "Emma", "Xqzt"],
                   help="names whose log-probability to print")
    p.add_argument("--resume", action="store_true", help="continue from <out>/names_lm.ckpt.safetensors")
    _common.add_distributed_argument(p)
    return p


def main(argv: list[str] | None = None) -> dict:
    args = build_parser().parse_args(argv)
    hidden = args.hidden or (64 if args.small else 128)
    steps = args.steps or (200 if args.small else 1500)
    comm = _common.init_distributed(args)   # first: with NCCL it picks this rank's GPU
    rng = _common.setup(args)
    timer = _common.Timer()

    words = load_names(args.names)
    split = np.random.default_rng(1234).permutation(len(words))      # fixed held-out split
    held_out = sorted(words[i] for i in split[: len(words) // 10])
    train = sorted(words[i] for i in split[len(words) // 10:])
    vocab = Vocabulary.from_words(train)
    config = {"cell": args.cell, "hidden": hidden, "layers": args.layers, "embed": 32,
              "names": args.names}

    model = CharLM(len(vocab), 32, hidden, args.cell, args.layers, args.dropout).to(args.backend)
    optimizer = nn.optim.Adam(model.parameters(), lr=args.lr)
    checkpoint = os.path.join(args.out, "names_lm.ckpt.safetensors")
    done_steps, history = 0, {"step": [], "loss": [], "eval_step": [], "eval_nll": []}
    if args.resume:
        saved = nn.load(checkpoint)
        if saved["config"] != config or saved["vocab"] != vocab.itos:
            raise SystemExit(f"--resume: {checkpoint} holds a different model {saved['config']}; "
                             f"pass the same --cell/--hidden/--layers/--names")
        model.load_state_dict(saved["model"])
        optimizer.load_state_dict(saved["optimizer"])
        done_steps, history = int(saved["step"]), saved["history"]
        rng = np.random.default_rng([args.seed, done_steps])
        print(f"resumed from {checkpoint} at step {done_steps}")

    # --distributed: same model on every rank (checked, then rank 0's weights), averaged gradients
    trainer = nn.parallel.DistributedDataParallel(model) if comm else model
    sampler = nn.parallel.DistributedSampler(train, seed=args.seed) if comm else None
    print(f"{len(train)} training names, {len(held_out)} held out, vocabulary of {len(vocab)}: "
          f"{''.join(vocab.itos[2:])} + <EOS>, <UNK>")
    print(model)

    # ---- train: truncated BPTT over the stream, state carried between chunks
    chars = sum(len(w) + 1 for w in held_out)

    def held_out_nll() -> float:
        model.eval()
        nll = float(-log_probability(model, vocab, held_out, args.backend).sum() / chars)
        model.train()
        return nll

    bar = _common.progress(total=steps, desc=f"{args.cell} names", disable=args.no_progress)
    smooth, step, state = _common.Smoother(), 0, None
    params = model.parameters()
    model.train()
    while step < steps:
        state = None                                   # a fresh stream each epoch
        for x, y in epoch_batches(train, vocab, args.batch, args.bptt, rng, sampler, comm):
            for group in optimizer.param_groups:       # cosine decay to 5% of lr
                group["lr"] = args.lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * step / steps)))
            logits, state = trainer(mg.tensor(x, backend=args.backend), state)
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                   mg.tensor(y, backend=args.backend).reshape(-1))
            optimizer.zero_grad()
            loss.backward()                            # BPTT through this chunk only
            nn.utils.clip_grad_norm_(params, args.clip)
            optimizer.step()
            state = nn.utils.detach_state(state)       # keep a<t>, c<t>; drop their history
            value = loss.item()
            history["step"].append(done_steps + step)
            history["loss"].append(value)
            step += 1
            if step % args.eval_every == 0 or step == steps:
                history["eval_step"].append(done_steps + step)
                history["eval_nll"].append(held_out_nll())
            bar.set_postfix(loss=f"{smooth(value):.3f}", held_out=f"{history['eval_nll'][-1]:.3f}"
                            if history["eval_nll"] else "-", refresh=False)
            bar.update()
            if step >= steps:
                break
    bar.close()
    done_steps += steps
    model.eval()
    if not _common.is_main_process():                   # rank 0 evaluates and writes the files
        return {}

    nn.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "step": done_steps,
             "vocab": vocab.itos, "config": config, "history": history}, checkpoint)

    # ---- quality: held-out nats per character, and real names vs the same letters shuffled
    nll = history["eval_nll"][-1]
    baseline = bigram_nll(train, held_out, vocab)
    check = np.random.default_rng(args.seed)
    long_names = [w for w in held_out if len(set(w)) >= 4]
    shuffled = []
    for w in long_names:
        letters = list(w)
        while "".join(letters) == w:
            check.shuffle(letters)
        shuffled.append("".join(letters))
    real_wins = float(np.mean(log_probability(model, vocab, long_names, args.backend)
                              > log_probability(model, vocab, shuffled, args.backend)))

    samples = sample(model, vocab, args.samples, rng, args.temperature, backend=args.backend)
    known = set(words)
    novel = float(np.mean([s.lower() not in known for s in samples]))

    print(f"\nheld-out loss {nll:.3f} nats/char (perplexity {math.exp(nll):.2f}; "
          f"add-one bigram {baseline:.3f})")
    print(f"a held-out name beats its own letters shuffled {real_wins:.1%} of the time")
    print(f"\n{args.samples} sampled names (temperature {args.temperature}, "
          f"{novel:.0%} not in the census list):")
    print("  " + ", ".join(samples))
    if args.score:
        print("\nlog P(name <EOS>) = Σ_t log P(y<t> | y<1..t-1>):")
        for name, lp in zip(args.score, log_probability(model, vocab, args.score, args.backend)):
            print(f"  {name:>12s}  {lp:8.2f} nats   P = {math.exp(lp):.2e}")

    # ---- pictures
    loss_png = os.path.join(args.out, "names_lm_loss.png")
    window = max(1, len(history["loss"]) // 50)
    smooth_loss = np.convolve(history["loss"], np.ones(window) / window, mode="valid")
    _common.plot_curves(loss_png, f"{args.cell.upper()} character model on census first names",
                        {"training loss (moving average)": (history["step"][window - 1:], smooth_loss),
                         "held-out names": (history["eval_step"], history["eval_nll"])},
                        ylabel="cross-entropy (nats/char)")
    pictures = render_bptt(model, vocab, "ada", args.out, args.backend)
    print(f"\nwrote {loss_png}, {', '.join(pictures)}, {checkpoint} ({timer.seconds:.0f} s)")

    return _common.save_metrics(args, "names_lm", {
        "heldout_nll": nll, "bigram_nll": baseline, "real_beats_shuffled": real_wins,
        "novel_fraction": novel, "samples": samples, "steps": done_steps,
        "seconds": timer.seconds, "cell": args.cell,
    })


if __name__ == "__main__":
    main()
