"""One-to-many: compose a melody from a single seed, feeding each note back in.

The data set is synthetic and fully described here. A melody is in a key: a
tonic (C, C♯, ..., B) and a mode (major or natural minor). It starts on the
tonic (MIDI 60-71) and moves through the key's scale by steps of one or two
scale degrees (a random walk: ±1 with probability 0.35 each, ±2 with 0.15 each,
kept within -5..+9 degrees) and ends, with <END>, as soon as it comes back to a
tonic in any octave (walks that come back before their 8th note, or never by
their 24th, are drawn again).

The network gets the key once, as its first input, and must keep it in its state
for the whole melody (the course's music-generation architecture):

    x<1> = [0 … 0, one-hot(tonic), one-hot(mode)]            the seed
    x<t> = [one-hot(y<t-1>), one-hot(y<t-1> mod 12), 0 … 0]    the previous note, t > 1
    a<t> = LSTM(x<t>, a<t-1>),   ŷ<t> = softmax(W_y a<t> + b_y) over the notes and <END>

Training feeds the true previous notes (teacher forcing); composing feeds the
network's own sampled note back in until it plays <END>. Quality: the share of
composed notes that lie in the seed's key (chance: about 7 in 12) and that move
by at most two scale degrees, and the share of melodies that begin on the tonic
and end (play <END>) right after one.

    python examples/melody.py                   # about 20 s on 2 CPU cores
    python examples/melody.py --small           # the CI setting

Outputs in --out (default examples/out/melody): melody.png (piano rolls), melody.wav
(the first composed melody, as sine tones), metrics.json.
"""
from __future__ import annotations

import itertools
import os
import wave

import _common
import numpy as np

import minigrad as mg
import nn
import nn.functional as F

MIN_LENGTH, MAX_LENGTH = 8, 24
LOWEST, HIGHEST = 48, 88                       # the MIDI pitches the model can play
PITCHES = HIGHEST - LOWEST + 1
END = PITCHES                                  # the output index of <END>
IGNORE = -100                                  # targets after <END> (padding)
SCALES = {"major": [0, 2, 4, 5, 7, 9, 11], "minor": [0, 2, 3, 5, 7, 8, 10]}
MODES = list(SCALES)
NOTE_NAMES = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]
KEY = PITCHES + 12                             # where the seed's slots start in x<t>
INPUT_SIZE = KEY + 12 + len(MODES)


def pitch(tonic: int, mode: str, degree: int) -> int:
    """MIDI pitch of a scale degree (0 = the starting tonic, 7 = an octave up)."""
    return 60 + tonic + 12 * (degree // 7) + SCALES[mode][degree % 7]


def random_melody(tonic: int, mode: str, rng: np.random.Generator) -> list[int]:
    """MIDI pitches of one melody (see the module doc for the rules)."""
    while True:
        degree, degrees = 0, [0]
        while len(degrees) < MAX_LENGTH and (len(degrees) == 1 or degree % 7 != 0):
            step = rng.choice([-2, -1, 1, 2], p=[0.15, 0.35, 0.35, 0.15])
            degree = int(np.clip(degree + step, -5, 9))
            degrees.append(degree)
        if degree % 7 == 0 and len(degrees) >= MIN_LENGTH:
            return [pitch(tonic, mode, d) for d in degrees]


def make_data(count: int, rng: np.random.Generator):
    """keys (count, 2) = (tonic, mode index), and a list of melodies (MIDI pitches)."""
    keys = np.stack([rng.integers(12, size=count), rng.integers(len(MODES), size=count)], axis=1)
    return keys, [random_melody(t, MODES[m], rng) for t, m in keys]


def seed_input(keys: np.ndarray) -> np.ndarray:
    """x<1>: (B, INPUT_SIZE), the key one-hot, no note."""
    x = np.zeros((len(keys), INPUT_SIZE), dtype=np.float32)
    x[np.arange(len(keys)), KEY + keys[:, 0]] = 1
    x[np.arange(len(keys)), KEY + 12 + keys[:, 1]] = 1
    return x


def note_input(notes: np.ndarray) -> np.ndarray:
    """x<t> for t > 1: (B, INPUT_SIZE), the previous note one-hot, and its pitch class
    (C, C♯, ...) one-hot: the same note, written so octaves look alike (none for -1)."""
    x = np.zeros((len(notes), INPUT_SIZE), dtype=np.float32)
    playing = np.flatnonzero(notes >= 0)
    x[playing, notes[playing] - LOWEST] = 1
    x[playing, PITCHES + notes[playing] % 12] = 1
    return x


def teacher_forcing_batch(keys: np.ndarray, melodies: list[list[int]]):
    """Inputs (T, B, INPUT_SIZE): the seed, then the true notes; targets (T, B): the notes,
    then <END>, then IGNORE. T = the longest melody + 1."""
    steps = max(map(len, melodies)) + 1
    notes = np.full((len(melodies), steps), -1, dtype=np.int64)
    targets = np.full((steps, len(melodies)), IGNORE, dtype=np.int64)
    for b, melody in enumerate(melodies):
        notes[b, : len(melody)] = melody
        targets[: len(melody), b] = np.asarray(melody) - LOWEST
        targets[len(melody), b] = END
    inputs = np.stack([seed_input(keys)] + [note_input(notes[:, t]) for t in range(steps - 1)])
    return inputs, targets


class Composer(nn.Module):
    def __init__(self, hidden_size: int):
        super().__init__()
        self.rnn = nn.LSTM(INPUT_SIZE, hidden_size)
        self.head = nn.Linear(hidden_size, PITCHES + 1)

    def forward(self, x: mg.Tensor, state=None):
        """x: (T, B, INPUT_SIZE) → (logits (T, B, PITCHES + 1), (h, c))."""
        a, state = self.rnn(x, state)
        return self.head(a), state


@mg.no_grad()
def compose(model: Composer, keys: np.ndarray, rng: np.random.Generator, temperature: float,
            backend: str, max_length: int = 2 * MAX_LENGTH) -> tuple[list[list[int]], np.ndarray]:
    """Melodies (lists of MIDI pitches) and whether each ended with <END>: x<1> = the
    seed, then each sampled note fed back as x<t+1>, until <END> or `max_length` notes."""
    x, state = seed_input(keys), None
    melodies, ended = [[] for _ in keys], np.zeros(len(keys), dtype=bool)
    for _ in range(max_length):
        logits, state = model(mg.tensor(x[None], backend=backend), state)    # one step
        scaled = _common.host(logits[0]).astype(np.float64) / temperature
        probs = np.exp(scaled - scaled.max(axis=1, keepdims=True))
        probs /= probs.sum(axis=1, keepdims=True)
        choice = np.array([rng.choice(PITCHES + 1, p=p) for p in probs])
        for b in np.flatnonzero(~ended):
            if choice[b] == END:
                ended[b] = True
            else:
                melodies[b].append(LOWEST + int(choice[b]))
        if ended.all():
            break
        x = note_input(np.where(choice == END, -1, LOWEST + choice))
    return melodies, ended


def score(keys: np.ndarray, melodies: list[list[int]], ended: np.ndarray) -> dict:
    """How musical the composed melodies are, by the rules the data were made with."""
    in_key, steps, starts, ends = [], [], [], []
    for (tonic, mode), melody, done in zip(keys, melodies, ended):
        scale = [(tonic + s) % 12 for s in SCALES[MODES[mode]]]
        in_key += [note % 12 in scale for note in melody]
        degrees = [_degree(tonic, MODES[mode], n) for n in melody]
        steps += [a is not None and b is not None and abs(a - b) <= 2 for a, b in itertools.pairwise(degrees)]
        starts.append(bool(melody) and melody[0] == 60 + tonic)
        ends.append(bool(done and melody) and melody[-1] % 12 == tonic)
    return {"in_key": float(np.mean(in_key)), "stepwise": float(np.mean(steps)),
            "starts_on_tonic": float(np.mean(starts)), "ends_on_tonic": float(np.mean(ends)),
            "mean_length": float(np.mean([len(m) for m in melodies]))}


def _degree(tonic: int, mode: str, note: int) -> int | None:
    for degree in range(-7, 15):
        if pitch(tonic, mode, degree) == note:
            return degree
    return None


def draw(path: str, losses: list[float], keys: np.ndarray, melodies: list[list[int]]) -> None:
    """The training loss and piano rolls of composed melodies over their key's scale."""
    plt = _common.pyplot()
    fig, axes = plt.subplots(2, 3, figsize=(11, 6), dpi=110)
    ax = axes[0, 0]
    window = max(1, len(losses) // 40)
    ax.plot(np.convolve(losses, np.ones(window) / window, mode="valid"))
    ax.set(title="training loss (moving average)", xlabel="step", ylabel="cross-entropy")
    ax.grid(alpha=0.3)
    for ax, (tonic, mode), melody in zip(axes.flat[1:], keys, melodies):
        melody = np.asarray(melody)
        scale = [(tonic + s) % 12 for s in SCALES[MODES[mode]]]
        low, high = melody.min() - 2, melody.max() + 2
        for p in range(low, high + 1):                      # the key's notes shaded
            if p % 12 in scale:
                ax.axhspan(p - 0.5, p + 0.5, color="#eef3fb" if p % 12 != tonic else "#d6e4f7")
        colors = ["#1f77b4" if n % 12 in scale else "#cf222e" for n in melody]
        ax.bar(np.arange(1, len(melody) + 1), 0.8, bottom=melody - 0.4, width=0.9, color=colors)
        ticks = [p for p in range(low, high + 1) if p % 12 == tonic]
        ax.set_yticks(ticks, [NOTE_NAMES[tonic] + str(p // 12 - 1) for p in ticks])
        ax.set_xticks(range(1, len(melody) + 1, 2 if len(melody) < 16 else 4))
        ax.set(ylim=(low - 0.5, high + 0.5), xlabel="t",
               title=f"seed: {NOTE_NAMES[tonic]} {MODES[mode]}")
    fig.suptitle("composed from the seed alone (shaded: the key's notes; red: out of key)")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def write_wav(path: str, melody: np.ndarray, seconds_per_note: float = 0.25, rate: int = 22050):
    """The melody as plain sine tones with short fades, 16-bit mono."""
    samples = []
    t = np.arange(int(rate * seconds_per_note)) / rate
    envelope = np.minimum(1, np.minimum(t, t[::-1]) / 0.02)
    for note in melody:
        frequency = 440.0 * 2 ** ((note - 69) / 12)
        samples.append(0.3 * envelope * np.sin(2 * np.pi * frequency * t))
    audio = (np.concatenate(samples) * 32767).astype("<i2")
    with wave.open(path, "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(rate)
        f.writeframes(audio.tobytes())


def build_parser():
    p = _common.parser(__doc__.split("\n\n")[0], "fewer melodies and epochs (the CI setting)")
    p.epilog = __doc__.split("\n\n", 1)[1]
    p.add_argument("--melodies", type=int, default=None, help="training melodies (default 3000, small 1500)")
    p.add_argument("--epochs", type=int, default=None, help="passes over the data (default 20, small 16)")
    p.add_argument("--hidden", type=int, default=128)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=2e-2)
    p.add_argument("--temperature", type=float, default=1.0, help="sampling temperature")
    return p


def main(argv: list[str] | None = None) -> dict:
    args = build_parser().parse_args(argv)
    count = args.melodies or (1500 if args.small else 3000)
    epochs = args.epochs or (16 if args.small else 20)
    rng = _common.setup(args)
    timer = _common.Timer()

    keys, melodies = make_data(count, rng)
    print(f"{count} melodies of {MIN_LENGTH}-{MAX_LENGTH} notes in random keys; e.g. "
          f"{NOTE_NAMES[keys[0, 0]]} {MODES[keys[0, 1]]}: {[int(n) for n in melodies[0]]}")
    model = Composer(args.hidden).to(args.backend)
    optimizer = nn.optim.Adam(model.parameters(), lr=args.lr)
    steps_per_epoch = (count + args.batch - 1) // args.batch
    bar = _common.progress(total=epochs * steps_per_epoch, desc="melody", disable=args.no_progress)
    smooth, losses = _common.Smoother(), []
    for epoch in range(epochs):
        for group in optimizer.param_groups:
            group["lr"] = args.lr * (0.3 if epoch >= 2 * epochs // 3 else 1.0)
        order = rng.permutation(count)
        for start in range(0, count, args.batch):
            index = order[start:start + args.batch]
            inputs, targets = teacher_forcing_batch(keys[index], [melodies[i] for i in index])
            logits, _ = model(mg.tensor(inputs, backend=args.backend))
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                   mg.tensor(targets, backend=args.backend).reshape(-1),
                                   ignore_index=IGNORE)            # nothing after <END>
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            optimizer.step()
            losses.append(loss.item())
            bar.set_postfix(loss=f"{smooth(losses[-1]):.3f}", refresh=False)
            bar.update()
    bar.close()
    model.eval()

    every_key = np.array([(t, m) for m in range(len(MODES)) for t in range(12)] * 10)
    composed, ended = compose(model, every_key, rng, args.temperature, args.backend)
    quality = score(every_key, composed, ended)
    print(f"\n{len(composed)} melodies composed from seeds alone (every key 10 times, "
          f"temperature {args.temperature}):")
    print(f"  notes in the seed's key   {quality['in_key']:.1%}   (a random note: about 58%)")
    print(f"  moves of ≤ 2 degrees      {quality['stepwise']:.1%}")
    print(f"  start on the tonic        {quality['starts_on_tonic']:.1%}")
    print(f"  end (<END>) on the tonic  {quality['ends_on_tonic']:.1%}")
    print(f"  notes per melody          {quality['mean_length']:.1f}")
    for (tonic, mode), melody in list(zip(every_key, composed))[:3]:
        names = " ".join(NOTE_NAMES[n % 12] + str(n // 12 - 1) for n in melody)
        print(f"  {NOTE_NAMES[tonic]:>2} {MODES[mode]}: {names}")

    figure = os.path.join(args.out, "melody.png")
    picks = [0, 12 + 9, 7, 12 + 2, 4]      # the first C major, A minor, G major, D minor, E major
    draw(figure, losses, every_key[picks], [composed[i] for i in picks])
    audio = os.path.join(args.out, "melody.wav")
    write_wav(audio, composed[0])
    print(f"\nwrote {figure}, {audio} ({timer.seconds:.0f} s)")
    return _common.save_metrics(args, "melody", {**quality, "final_loss": losses[-1],
                                                 "seconds": timer.seconds})


if __name__ == "__main__":
    main()
