"""Neural machine translation of dates, the course's attention example, in minigrad + nn.

Human-readable dates in many formats ("Tuesday 3 March 1998", "3/3/98",
"march 3rd, 1998", "03.03.98", ...) are translated character by character into ISO
dates ("1998-03-03"):

    x<1..Tx>  the lower-cased input characters, embedded
    a<t'>     a bidirectional LSTM over them (the pre-attention encoder)
    α<t,t'>   additive attention: a small network of s<t-1> and a<t'>, softmax over t'
    c<t>      Σ_t' α<t,t'> a<t'>
    s<t>      an LSTM cell fed [c<t>, embedding of y<t-1>] (teacher forcing in training)
    ŷ<t>      softmax(W s<t> + b) over "0"-"9", "-" and <eos>

The data is generated offline with Python's datetime and the formats below (dates
from 1950 to 2049; slashes are month/day/year as in the US, dots day.month.year,
two-digit years 50-99 mean 19xx and 00-49 mean 20xx). The held-out dates never
occur in training. After training the script reports exact-match accuracy with
greedy decoding and with beam search, runs the course's error analysis on the
beam's mistakes, and draws the attention maps α<t,t'> of a few examples.

    python examples/date_translation.py                 # full run, a few minutes on a CPU
    python examples/date_translation.py --small         # the CI configuration, about a minute
    python examples/date_translation.py --backend cupy  # on the GPU

Optional: tqdm (progress bar) and matplotlib (the heatmap), from the `examples` extra.
"""
from __future__ import annotations

import argparse
import datetime
import os
import random
import sys
import time
from dataclasses import dataclass

# Every matmul here is small: BLAS threads only add overhead (and thrash on a busy machine).
# Effective only when this file is the program; your own settings win.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # _common, also when loaded by path

import _common  # after the BLAS setting above

import minigrad as mg
import nn
import nn.functional as F
from nn.decode import beam_search, error_analysis, greedy_decode

# -- the data: dates in human formats -----------------------------------------------------
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
FIRST_DAY, LAST_DAY = datetime.date(1950, 1, 1), datetime.date(2049, 12, 31)


def _ordinal(day: int) -> str:
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def _fields(d: datetime.date) -> dict[str, str]:
    month = MONTHS[d.month - 1]
    return {
        "d": str(d.day), "dd": f"{d.day:02d}", "do": _ordinal(d.day),
        "m": str(d.month), "mm": f"{d.month:02d}",
        "Month": month, "Mon": month[:3], "MON": month[:3].upper(),
        "yyyy": str(d.year), "yy": f"{d.year % 100:02d}",
        "Weekday": WEEKDAYS[d.weekday()], "Wkd": WEEKDAYS[d.weekday()][:3],
    }


FORMATS = [
    "{Weekday} {d} {Month} {yyyy}",       # Tuesday 3 March 1998
    "{Weekday}, {Month} {d}, {yyyy}",     # Tuesday, March 3, 1998
    "{Wkd} {Mon} {d} {yyyy}",             # Tue Mar 3 1998
    "{d} {Month} {yyyy}",                 # 3 March 1998
    "{dd} {Month} {yyyy}",                # 03 March 1998
    "{Month} {d} {yyyy}",                 # March 3 1998
    "{Month} {d}, {yyyy}",                # March 3, 1998
    "{Month} {do}, {yyyy}",               # March 3rd, 1998
    "{do} of {Month} {yyyy}",             # 3rd of March 1998
    "{d} {Mon} {yyyy}",                   # 3 Mar 1998
    "{dd} {MON} {yyyy}",                  # 03 MAR 1998
    "{Mon} {d}, {yyyy}",                  # Mar 3, 1998
    "{d} {Month} {yy}",                   # 3 March 98
    "{m}/{d}/{yy}",                       # 3/3/98    (US order)
    "{mm}/{dd}/{yyyy}",                   # 03/03/1998
    "{dd}.{mm}.{yy}",                     # 03.03.98  (day first)
    "{d}.{m}.{yyyy}",                     # 3.3.1998
    "{yyyy}-{mm}-{dd}",                   # 1998-03-03 (already ISO)
    "{yyyy}/{mm}/{dd}",                   # 1998/03/03
    "{d} {Mon}, {yy}",                    # 3 Mar, 98
]


def human_date(d: datetime.date, rng: random.Random) -> str:
    """`d` written in a random one of FORMATS, lower-cased (the model's input)."""
    return rng.choice(FORMATS).format(**_fields(d)).lower()


def make_datasets(train_size: int, test_size: int, seed: int) -> tuple[list, list]:
    """(train, test) lists of (human, iso) pairs; no date of the test set is in training."""
    rng = random.Random(seed)
    span = (LAST_DAY - FIRST_DAY).days
    days = rng.sample(range(span + 1), train_size + test_size) if train_size + test_size <= span \
        else [rng.randrange(span + 1) for _ in range(train_size + test_size)]
    dates = [FIRST_DAY + datetime.timedelta(days=n) for n in days]
    test_dates = set(dates[train_size:])
    train = [d for d in dates[:train_size] if d not in test_dates]
    pairs = lambda ds: [(human_date(d, rng), d.isoformat()) for d in ds]
    return pairs(train), pairs(dates[train_size:])


# -- vocabularies ---------------------------------------------------------------------------
PAD, UNK = 0, 1                       # source side
BOS, EOS = 0, 1                       # target side
SOURCE_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789 ,./-"
TARGET_CHARS = "0123456789-"


def encode_sources(texts: list[str]) -> tuple[list[list[int]], list[int]]:
    """Padded (Tx, B) character ids, time-major, and the lengths."""
    lengths = [len(t) for t in texts]
    steps = max(lengths)
    ids = [[SOURCE_CHARS.index(ch) + 2 if ch in SOURCE_CHARS else UNK for ch in t] for t in texts]
    return [[row[i] if i < len(row) else PAD for row in ids] for i in range(steps)], lengths


def encode_targets(isos: list[str]) -> list[list[int]]:
    """(Ty, B) ids of the ISO strings followed by <eos>."""
    ids = [[TARGET_CHARS.index(ch) + 2 for ch in iso] + [EOS] for iso in isos]
    return [list(column) for column in zip(*ids)]


def decode_target(tokens: list[int]) -> str:
    return "".join(TARGET_CHARS[t - 2] if t >= 2 else "?" for t in tokens)


# -- the model ------------------------------------------------------------------------------
class DateTranslator(nn.Module):
    """Bidirectional LSTM encoder, additive attention, LSTM-cell decoder."""

    def __init__(self, embed_size: int = 16, encoder_size: int = 32, decoder_size: int = 64,
                 attention_size: int = 32):
        super().__init__()
        self.decoder_size = decoder_size
        self.source_embedding = nn.Embedding(len(SOURCE_CHARS) + 2, embed_size, padding_idx=PAD)
        self.encoder = nn.LSTM(embed_size, encoder_size, bidirectional=True)
        self.attention = nn.Attention(decoder_size, 2 * encoder_size, attention_size)
        self.target_embedding = nn.Embedding(len(TARGET_CHARS) + 2, embed_size)
        self.decoder = nn.LSTMCell(embed_size + 2 * encoder_size, decoder_size)
        self.output = nn.Linear(decoder_size, len(TARGET_CHARS) + 2)

    def encode(self, source: mg.Tensor, lengths: list[int]):
        """The decoder's initial state: ((s<0>, cell<0>), the attention memory over a<t'>)."""
        annotations, _ = self.encoder(self.source_embedding(source), lengths=lengths)  # a<t'>: (Tx, B, 2H)
        memory = self.attention.prepare(annotations, lengths=lengths)
        batch = source.shape[1]
        s0 = mg.zeros(batch, self.decoder_size, dtype=annotations.dtype, backend=annotations.backend)
        return (s0, s0), memory

    def step(self, previous: mg.Tensor, state, keep_weights: list | None = None):
        """One decoder step, in the `nn.decode` step protocol: (logits, new state)."""
        (s, cell), memory = state
        context, weights = self.attention(s, memory)                  # c<t> from s<t-1> and every a<t'>
        if keep_weights is not None:
            keep_weights.append(weights)
        s, cell = self.decoder(mg.cat([self.target_embedding(previous), context], axis=-1), (s, cell))
        return self.output(s), ((s, cell), memory)

    def forward(self, source: mg.Tensor, lengths: list[int], target_in: mg.Tensor):
        """Teacher forcing: logits (Ty, B, V) given the true previous characters, and α (B, Ty, Tx)."""
        state = self.encode(source, lengths)
        logits, weights = [], []
        for t in range(target_in.shape[0]):
            step_logits, state = self.step(target_in[t], state, weights)
            logits.append(step_logits)
        return mg.stack(logits, axis=0), mg.stack(weights, axis=1)


# -- training and evaluation ----------------------------------------------------------------
@dataclass
class Config:
    train_size: int = 20000
    test_size: int = 1000
    epochs: int = 6
    batch_size: int = 128
    lr: float = 0.02
    embed_size: int = 16
    encoder_size: int = 32
    decoder_size: int = 64
    attention_size: int = 32
    beam_width: int = 3
    alpha: float = 0.7


SMALL = {"train_size": 6000, "test_size": 500, "epochs": 6}


def _batches(pairs: list, batch_size: int, rng: random.Random | None):
    order = list(range(len(pairs)))
    if rng is not None:
        rng.shuffle(order)
    for start in range(0, len(order), batch_size):
        yield [pairs[i] for i in order[start:start + batch_size]]


def _tensors(batch: list, backend: str):
    source, lengths = encode_sources([human for human, _ in batch])
    target = encode_targets([iso for _, iso in batch])
    target_in = [[BOS] * len(batch)] + target[:-1]                 # <bos>, y<1>, ..., y<Ty-1>
    as_tensor = lambda rows: mg.tensor(rows, dtype="int64", backend=backend)
    return as_tensor(source), lengths, as_tensor(target_in), as_tensor(target)


def _progress(iterable, total: int, quiet: bool, description: str):
    if quiet:
        return iterable
    try:
        from tqdm import tqdm
    except ImportError:
        print(description)
        return iterable
    return tqdm(iterable, total=total, desc=description, leave=False, mininterval=0.5)


def train(model: DateTranslator, pairs: list, config: Config, backend: str, seed: int,
          quiet: bool = False, no_progress: bool = False) -> list[float]:
    """Adam on the summed per-character cross-entropy; returns each epoch's mean loss.
    `quiet` prints nothing, `no_progress` only leaves out the bar."""
    optimizer = nn.optim.Adam(model.parameters(), lr=config.lr)
    rng = random.Random(seed)
    batches_per_epoch = (len(pairs) + config.batch_size - 1) // config.batch_size
    total_steps = config.epochs * batches_per_epoch
    history, step = [], 0
    for epoch in range(config.epochs):
        losses = []
        bar = _progress(_batches(pairs, config.batch_size, rng), batches_per_epoch, quiet or no_progress,
                        f"epoch {epoch + 1}/{config.epochs}")
        for batch in bar:
            # Linear learning-rate decay to a tenth over the run.
            for group in optimizer.param_groups:
                group["lr"] = config.lr * (1.0 - 0.9 * step / total_steps)
            source, lengths, target_in, target = _tensors(batch, backend)
            logits, _ = model(source, lengths, target_in)
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), target.reshape(-1))
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            optimizer.step()
            losses.append(loss.item())
            step += 1
            if hasattr(bar, "set_postfix"):
                bar.set_postfix(loss=f"{losses[-1]:.4f}")
        history.append(sum(losses) / len(losses))
        if not quiet:
            print(f"epoch {epoch + 1}/{config.epochs}: loss {history[-1]:.4f}")
    return history


def translate(model: DateTranslator, texts: list[str], backend: str, beam_width: int = 1,
              alpha: float = 0.7, batch_size: int = 500) -> list[str]:
    """ISO strings for human dates: greedy for beam_width 1, else beam search."""
    model.eval()
    out = []
    with mg.no_grad():
        for start in range(0, len(texts), batch_size):
            chunk = texts[start:start + batch_size]
            source, lengths = encode_sources(chunk)
            state = model.encode(mg.tensor(source, dtype="int64", backend=backend), lengths)
            if beam_width == 1:
                hyps = greedy_decode(model.step, state, bos=BOS, eos=EOS, max_len=11)
            else:
                hyps = [best[0] for best in beam_search(model.step, state, bos=BOS, eos=EOS, max_len=11,
                                                        beam_width=beam_width, alpha=alpha)]
            out += [decode_target(h.tokens) for h in hyps]
    model.train()
    return out


def analyse_errors(model: DateTranslator, pairs: list, outputs: list[str], backend: str, alpha: float):
    """The course's error analysis on the wrong outputs: blame beam search or the model."""
    wrong = [(human, iso, out) for (human, iso), out in zip(pairs, outputs) if out != iso]
    if not wrong:
        return None
    with mg.no_grad():
        source, lengths = encode_sources([human for human, _, _ in wrong])
        state = model.encode(mg.tensor(source, dtype="int64", backend=backend), lengths)
        as_ids = lambda s: [TARGET_CHARS.index(ch) + 2 for ch in s if ch in TARGET_CHARS]
        return error_analysis(model.step, state, [as_ids(iso) for _, iso, _ in wrong],
                              [as_ids(out) for _, _, out in wrong], bos=BOS, eos=EOS, alpha=alpha)


def attention_maps(model: DateTranslator, texts: list[str], backend: str, path: str) -> str | None:
    """Draw α<t,t'> of the greedy translations of `texts` into a PNG; None without matplotlib."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    outputs = translate(model, texts, backend)
    with mg.no_grad():
        source, lengths = encode_sources(texts)
        target_in = [[BOS] * len(texts)] + encode_targets(outputs)[:-1]
        _, weights = model(mg.tensor(source, dtype="int64", backend=backend), lengths,
                           mg.tensor(target_in, dtype="int64", backend=backend))
    weights = weights.numpy()                                          # (B, Ty, Tx), explicit copy
    columns = min(2, len(texts))
    rows = (len(texts) + columns - 1) // columns
    fig, axes = plt.subplots(rows, columns, figsize=(6 * columns, 4.5 * rows), squeeze=False,
                             layout="constrained")
    for ax in axes.ravel()[len(texts):]:
        ax.set_visible(False)
    for ax, text, output, alpha, length in zip(axes.ravel(), texts, outputs, weights, lengths):
        image = ax.imshow(alpha[:len(output) + 1, :length], cmap="viridis", vmin=0, vmax=1, aspect="auto")
        ax.set_xticks(range(length))
        ax.set_xticklabels([ch if ch != " " else "␣" for ch in text], fontsize=8)
        ax.set_yticks(range(len(output) + 1))
        ax.set_yticklabels(list(output) + ["<eos>"], fontsize=8)
        ax.set_xlabel("input x<t'>")
        ax.set_ylabel("output y<t>")
        ax.set_title(f"{text!r} -> {output}", fontsize=9)
    fig.colorbar(image, ax=axes.ravel().tolist(), shrink=0.6, label="α<t,t'>")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def run(config: Config, seed: int = 0, backend: str = "numpy", out: str | None = None,
        quiet: bool = False, no_progress: bool = False) -> dict:
    """Generate data, train, evaluate; returns the metrics (accuracies in [0, 1]) and,
    with `out`, writes them there as metrics.json (flat: the error analysis as counts)."""
    started = time.perf_counter()
    mg.manual_seed(seed)
    train_pairs, test_pairs = make_datasets(config.train_size, config.test_size, seed)
    model = DateTranslator(config.embed_size, config.encoder_size, config.decoder_size,
                           config.attention_size).to(backend)
    if not quiet:
        print(f"{len(train_pairs)} training pairs, {len(test_pairs)} held out; e.g.")
        for human, iso in train_pairs[:5]:
            print(f"  {human!r:34} -> {iso}")
        print(model)
        print("parameters:", sum(p.size for p in model.parameters()))
    losses = train(model, train_pairs, config, backend, seed, quiet, no_progress)
    trained = time.perf_counter()
    texts = [human for human, _ in test_pairs]
    greedy = translate(model, texts, backend)
    beam = translate(model, texts, backend, beam_width=config.beam_width, alpha=config.alpha)
    accuracy = lambda outs: sum(o == iso for o, (_, iso) in zip(outs, test_pairs)) / len(test_pairs)
    metrics = {
        "greedy_accuracy": accuracy(greedy),
        "beam_accuracy": accuracy(beam),
        "final_loss": losses[-1],
        "train_seconds": trained - started,
    }
    analysis = analyse_errors(model, test_pairs, beam, backend, config.alpha)
    metrics["error_analysis"] = analysis
    if out is not None:
        os.makedirs(out, exist_ok=True)
        examples = ["tuesday 3 march 1998", "3/3/98", "march 3rd, 2021", "sat 17 jan 1970"]
        metrics["attention_png"] = attention_maps(model, examples, backend,
                                                  os.path.join(out, "attention_map.png"))
        nn.save(model.state_dict(), os.path.join(out, "date_translator.safetensors"))
    metrics["seconds"] = time.perf_counter() - started
    if out is not None:
        summary = {k: v for k, v in metrics.items() if k not in ("error_analysis", "attention_png")}
        summary["beam_errors"] = 0 if analysis is None else analysis.errors
        summary["error"] = {"search": 0, "model": 0} if analysis is None else dict(analysis.counts)
        _common.save_metrics(argparse.Namespace(out=out), "date_translation", summary)
    if not quiet:
        print(f"held-out exact match: greedy {metrics['greedy_accuracy']:.1%}, "
              f"beam (width {config.beam_width}, alpha {config.alpha}) {metrics['beam_accuracy']:.1%}")
        print(analysis if analysis is not None else "error analysis: no errors")
        for (human, iso), g, b in list(zip(test_pairs, greedy, beam))[:8]:
            print(f"  {human!r:34} -> greedy {g}  beam {b}  (truth {iso})")
        if metrics.get("attention_png"):
            print("attention maps:", metrics["attention_png"])
        print(f"total {metrics['seconds']:.0f} s (training {metrics['train_seconds']:.0f} s)")
    return metrics


def main(argv: list[str] | None = None) -> dict:
    parser = _common.parser(__doc__, "the quick CI configuration, about a minute", name="date_translation")
    parser.add_argument("--epochs", type=int, default=None, help="override the number of epochs")
    parser.add_argument("--beam-width", type=int, default=None, help="beam width (default 3)")
    parser.add_argument("--alpha", type=float, default=None, help="length-normalisation exponent (0.7)")
    args = parser.parse_args(argv)
    config = Config(**SMALL) if args.small else Config()
    for name in ("epochs", "beam_width", "alpha"):
        if getattr(args, name) is not None:
            setattr(config, name, getattr(args, name))
    return run(config, args.seed, args.backend, args.out, no_progress=args.no_progress)


if __name__ == "__main__":
    main()
