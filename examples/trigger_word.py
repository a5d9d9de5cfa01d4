"""Trigger-word detection: hear "activate" in a noisy clip, as the course's assignment.

Each clip is background noise with the trigger word "activate" and some negative
words ("activity", "motivate", "cactus", ...) spoken into it at random places, by
many synthesised voices (eSpeak NG, see `audio_data.py`). The model, in minigrad + nn:

    x<t>      log-mel spectrogram frames, 10 ms apart
    conv      Conv1d(kernel 15, "same") + BatchNorm1d + ReLU + dropout
    a<t>      a GRU over the frames, then dropout, then a second GRU
    ŷ<t>      σ(w a<t> + b): the probability that the trigger *has just been said*

The label y<t> is 1 for the 50 output steps (0.5 s) right after each trigger ends,
and 0 elsewhere, so the network learns to fire once the whole word is heard. The
detection rule turns ŷ into events: a detection is where ŷ<t> rises above 0.5,
and the detector then stays quiet for 75 steps (no double chimes). Held-out clips,
spoken by voices never heard in training, give precision, recall and F1 of the
detections: one that lands within the labelled 0.5 s after a trigger (or up to
0.2 s before its end) is a hit; a trigger is found if any detection hits it.

    python examples/trigger_word.py            # full run, a few minutes on a CPU
    python examples/trigger_word.py --small    # the CI setting, under a minute

Needs the eSpeak NG program (`apt-get install espeak-ng`) and the `examples` extra.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common
import audio_data
import numpy as np

import minigrad as mg
import nn
import nn.functional as F

TRIGGER = "activate"
NEGATIVES = ["activity", "motivate", "captivate", "active", "cactus", "banana", "seven", "hello"]
LABEL_STEPS = 50  # y<t> = 1 for the 50 steps after a trigger ends (the course's rule)
REFRACTORY = 75  # steps the detector stays quiet after a detection
EARLY = 20  # a detection up to 20 steps before the trigger's end still counts


@dataclass
class Clip:
    features: np.ndarray  # (frames, n_mels)
    labels: np.ndarray  # (frames,)
    trigger_ends: list[int]  # frame index where each trigger ends
    voice: str


def make_clip(spoken: dict[str, np.ndarray], seconds: float, rng: np.random.Generator, n_mels: int,
              voice: str) -> Clip:
    """Noise, 0-2 triggers and 0-3 negatives at random non-overlapping places."""
    length = int(seconds * audio_data.RATE)
    wave = audio_data.background(length, rng, rng.uniform(0.003, 0.03))
    words = [TRIGGER] * int(rng.choice([0, 1, 1, 2])) + list(rng.choice(NEGATIVES, size=rng.integers(0, 4)))
    rng.shuffle(words)
    taken: list[tuple[int, int]] = []
    ends = []
    for word in words:
        piece = spoken[word] * rng.uniform(0.4, 1.0)
        for _ in range(20):  # a few tries at a free place; give the word up otherwise
            start = int(rng.integers(0, length - len(piece)))
            end = start + len(piece)
            if all(end + 1600 < a or start > b + 1600 for a, b in taken):
                taken.append((start, end))
                wave[start:end] += piece
                if word == TRIGGER:
                    ends.append(end)
                break
    features = audio_data.log_mel(wave, n_mels)
    labels = np.zeros(len(features), dtype=np.float32)
    trigger_ends = []
    for end in ends:
        frame = min(end // audio_data.HOP, len(features) - 1)
        labels[frame + 1:frame + 1 + LABEL_STEPS] = 1.0
        trigger_ends.append(frame)
    return Clip(features, labels, sorted(trigger_ends), voice)


def make_clips(bank: dict, voices: list[str], count: int, seconds: float, rng, n_mels: int) -> list[Clip]:
    clips = []
    for _ in range(count):
        voice = voices[rng.integers(len(voices))]
        clips.append(make_clip(bank[voice][rng.integers(len(bank[voice]))], seconds, rng, n_mels, voice))
    return clips


class TriggerDetector(nn.Module):
    """Conv1d + BatchNorm1d + ReLU + dropout, two GRUs with dropout, a sigmoid per step."""

    def __init__(self, n_mels: int, channels: int, hidden: int, dropout: float):
        super().__init__()
        self.conv = nn.Conv1d(n_mels, channels, 15, padding="same")
        self.norm = nn.BatchNorm1d(channels)
        self.dropout = nn.Dropout(dropout)
        self.gru1 = nn.GRU(channels, hidden)
        self.gru2 = nn.GRU(hidden, hidden)
        self.output = nn.Linear(hidden, 1)

    def forward(self, features: mg.Tensor) -> mg.Tensor:
        """features (N, n_mels, T) → logits (T, N) of ŷ<t>."""
        h = self.dropout(self.norm(self.conv(features)).relu())  # (N, C, T)
        a, _ = self.gru1(h.permute(2, 0, 1))                      # (T, N, H)
        a, _ = self.gru2(self.dropout(a))
        return self.output(self.dropout(a)).squeeze(-1)


def stack(clips: list[Clip], backend: str):
    x = np.stack([c.features.T for c in clips])
    y = np.stack([c.labels for c in clips], axis=1)  # (T, N)
    return mg.tensor(x, backend=backend), mg.tensor(y, backend=backend)


def detect(probabilities: np.ndarray, threshold: float = 0.5) -> list[int]:
    """The detection rule: steps where ŷ rises above the threshold, then REFRACTORY quiet steps."""
    detections, quiet_until = [], -1
    for t, p in enumerate(probabilities):
        if t > quiet_until and p > threshold:
            detections.append(t)
            quiet_until = t + REFRACTORY
    return detections


def score(clips: list[Clip], probabilities: np.ndarray) -> dict:
    """Detection precision, recall and F1 over the clips (probabilities (T, N))."""
    hits = detections_total = found = triggers = 0
    for n, clip in enumerate(clips):
        detections = detect(probabilities[:, n])
        detections_total += len(detections)
        triggers += len(clip.trigger_ends)
        windows = [(end - EARLY, end + LABEL_STEPS) for end in clip.trigger_ends]
        hits += sum(any(a <= d <= b for a, b in windows) for d in detections)
        found += sum(any(a <= d <= b for d in detections) for a, b in windows)
    precision = hits / detections_total if detections_total else 0.0
    recall = found / triggers if triggers else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "triggers": triggers,
            "detections": detections_total}


def predict(model: TriggerDetector, clips: list[Clip], backend: str) -> np.ndarray:
    model.eval()
    with mg.no_grad():
        out = np.concatenate([model(stack(clips[i:i + 64], backend)[0]).sigmoid().numpy()
                              for i in range(0, len(clips), 64)], axis=1)
    model.train()
    return out


def draw(path: str, clip: Clip, probabilities: np.ndarray, history: dict) -> None:
    plt = _common.pyplot()
    seconds = len(clip.features) * audio_data.FRAME_SECONDS
    t = np.arange(len(clip.features)) * audio_data.FRAME_SECONDS
    fig, axes = plt.subplots(3, 1, figsize=(8, 7), dpi=110, gridspec_kw={"height_ratios": [2, 1.6, 1.2]})
    axes[0].imshow(clip.features.T, origin="lower", aspect="auto", cmap="magma",
                   extent=[0, seconds, 0, clip.features.shape[1]])
    for end in clip.trigger_ends:
        axes[0].axvline(end * audio_data.FRAME_SECONDS, color="cyan", linewidth=1.5)
    axes[0].set_title(f'held-out clip, voice {clip.voice}: cyan lines end each "{TRIGGER}"')
    axes[0].set_ylabel("mel bin")
    axes[1].fill_between(t, clip.labels, step="mid", color="tab:green", alpha=0.25, label="label y<t>")
    axes[1].plot(t, probabilities, color="tab:blue", label="predicted ŷ<t>")
    for d in detect(probabilities):
        axes[1].axvline(d * audio_data.FRAME_SECONDS, color="tab:red", linestyle="--", linewidth=1)
    axes[1].axhline(0.5, color="0.6", linewidth=0.8)
    axes[1].set_xlim(0, seconds)
    axes[1].set_ylim(-0.05, 1.05)
    axes[1].set_xlabel("seconds (red dashes: detections)")
    axes[1].legend(loc="upper right", fontsize=8)
    axes[2].plot(history["step"], history["loss"])
    axes[2].set_xlabel("training step")
    axes[2].set_ylabel("binary cross-entropy")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def build_parser():
    p = _common.parser(__doc__, "CI setting: 3 s clips, fewer of them and fewer steps, under a minute")
    p.add_argument("--steps", type=int, default=None, help="training steps (default 500, small 150)")
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--lr", type=float, default=3e-3)
    return p


def main(argv: list[str] | None = None) -> dict:
    args = build_parser().parse_args(argv)
    rng = _common.setup(args)
    timer = _common.Timer()
    small = args.small
    steps = args.steps or (150 if small else 500)
    seconds = 3.0 if small else 6.0
    n_mels, hidden = 24, (32 if small else 64)
    voices = audio_data.VOICES
    held_out = voices[-2:]
    training_voices = voices[:-2]
    settings = [(150, 40), (185, 65)] if small else [(140, 35), (165, 50), (190, 70)]
    bank = audio_data.word_bank([TRIGGER, *NEGATIVES], voices, settings, os.path.join(args.out, "audio_cache"))
    train = make_clips(bank, training_voices, 800 if small else 3000, seconds, rng, n_mels)
    test = make_clips(bank, held_out, 120 if small else 400, seconds, rng, n_mels)
    audio_data.normalise_splits(train, test)
    print(f"{len(train)} training clips of {seconds:.0f} s from {len(training_voices)} voices, {len(test)} "
          f"held-out clips from {', '.join(held_out)} ({timer.seconds:.0f} s to make)")

    model = TriggerDetector(n_mels, 48, hidden, dropout=0.2).to(args.backend)
    optimizer = nn.optim.Adam(model.parameters(), lr=args.lr)

    def batch_loss(step):
        x, y = stack([train[i] for i in rng.integers(0, len(train), size=args.batch)], args.backend)
        return F.binary_cross_entropy_with_logits(model(x), y)

    history = _common.train(optimizer, steps, batch_loss, desc="trigger word", disable=args.no_progress,
                            lr_at=lambda step: args.lr * (0.3 if step >= 2 * steps // 3 else 1.0))

    probabilities = predict(model, test, args.backend)
    metrics = score(test, probabilities)
    print(f"held-out clips: precision {metrics['precision']:.3f}, recall {metrics['recall']:.3f}, "
          f"F1 {metrics['f1']:.3f} ({metrics['detections']} detections of {metrics['triggers']} triggers)")
    shown = next((n for n, c in enumerate(test) if len(c.trigger_ends) == 2), 0)
    figure = os.path.join(args.out, "trigger_word.png")
    draw(figure, test[shown], probabilities[:, shown], history)
    print(f"wrote {figure} ({timer.seconds:.0f} s)")
    return _common.save_metrics(args, "trigger_word", {
        **metrics, "steps": steps, "train_clips": len(train), "test_clips": len(test),
        "seconds": timer.seconds,
    })


if __name__ == "__main__":
    main()
