"""Speech recognition with CTC: spoken digit strings ("seven two nine") to text.

The course's speech-recognition model, in minigrad + nn, on real synthesised speech
(eSpeak NG, many voices; see `audio_data.py`):

    x<t>      log-mel spectrogram frames, 10 ms apart (32 mel bins)
    conv      Conv1d(kernel 5, stride 3) + BatchNorm1d + ReLU: one vector per 30 ms
    a<t>      a bidirectional GRU over those
    ŷ<t>      softmax(W a<t> + b) over the blank "_" and the ten digit words
    loss      CTC: -log Σ over every alignment that collapses to the transcript
              ("_ _ seven seven _ two _ _ nine" → "seven two nine")

The words of the held-out test set are spoken by voices never heard in training.
After training, the outputs are decoded greedily (best path) and by prefix beam
search, and scored with `jiwer`: character error rate (CER) and word error rate
(WER) of the text.

    python examples/speech_recognition.py            # full run, a few minutes on a CPU
    python examples/speech_recognition.py --small    # the CI setting, under a minute

Needs the eSpeak NG program (`apt-get install espeak-ng`) and the `examples` extra
(tqdm, matplotlib, jiwer, scipy).
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
from nn.decode import ctc_beam_search, ctc_greedy_decode

DIGITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
BLANK = 0  # label 0 is the blank, label d + 1 the digit d
KERNEL, STRIDE = 5, 3


@dataclass
class Utterance:
    features: np.ndarray  # (frames, n_mels)
    digits: list[int]
    voice: str

    @property
    def text(self) -> str:
        return " ".join(DIGITS[d] for d in self.digits)


def speak_digits(spoken: dict[str, np.ndarray], digits: list[int], rng: np.random.Generator) -> np.ndarray:
    """One utterance: the digit words with random gaps, gains, tempo and noise."""
    pieces = [np.zeros(int(rng.uniform(0.05, 0.3) * audio_data.RATE))]
    for d in digits:
        pieces.append(spoken[DIGITS[d]] * rng.uniform(0.6, 1.2))
        pieces.append(np.zeros(int(rng.uniform(0.02, 0.25) * audio_data.RATE)))
    wave = np.concatenate(pieces)
    tempo = rng.uniform(0.9, 1.1)  # resampling: a little faster or slower (and higher or lower)
    wave = np.interp(np.arange(0, len(wave), tempo), np.arange(len(wave)), wave)
    signal_rms = np.sqrt(np.mean(wave ** 2)) + 1e-9
    snr_db = rng.uniform(8, 30)
    return wave + audio_data.background(len(wave), rng, signal_rms / 10 ** (snr_db / 20))


def make_corpus(bank: dict, voices: list[str], count: int, max_digits: int, rng: np.random.Generator,
                n_mels: int) -> list[Utterance]:
    corpus = []
    for _ in range(count):
        voice = voices[rng.integers(len(voices))]
        spoken = bank[voice][rng.integers(len(bank[voice]))]
        digits = rng.integers(0, 10, size=rng.integers(1, max_digits + 1)).tolist()
        corpus.append(Utterance(audio_data.log_mel(speak_digits(spoken, digits, rng), n_mels), digits, voice))
    return corpus


def steps_after_conv(frames: int) -> int:
    return (frames + 2 * (KERNEL // 2) - KERNEL) // STRIDE + 1


class SpeechRecognizer(nn.Module):
    """Conv1d front end, bidirectional GRU, per-step scores over blank + 10 digits."""

    def __init__(self, n_mels: int, channels: int, hidden: int, dropout: float):
        super().__init__()
        self.conv = nn.Conv1d(n_mels, channels, KERNEL, stride=STRIDE, padding=KERNEL // 2)
        self.norm = nn.BatchNorm1d(channels)
        self.gru = nn.GRU(channels, hidden, bidirectional=True)
        self.dropout = nn.Dropout(dropout)
        self.output = nn.Linear(2 * hidden, len(DIGITS) + 1)

    def forward(self, features: mg.Tensor, lengths: list[int]) -> mg.Tensor:
        """features (N, n_mels, frames) → log ŷ (T, N, 11), T = frames / 3."""
        h = self.norm(self.conv(features)).relu()            # (N, C, T)
        a, _ = self.gru(h.permute(2, 0, 1), lengths=lengths)  # a<t>: (T, N, 2H)
        return self.output(self.dropout(a)).log_softmax(axis=2)


def batch_tensors(batch: list[Utterance], backend: str):
    """(N, n_mels, frames) zero-padded features and their lengths after the conv."""
    frames = max(len(u.features) for u in batch)
    x = np.zeros((len(batch), batch[0].features.shape[1], frames), dtype=np.float32)
    for i, u in enumerate(batch):
        x[i, :, :len(u.features)] = u.features.T
    lengths = [steps_after_conv(len(u.features)) for u in batch]
    return mg.tensor(x, backend=backend), lengths


def transcribe(model: SpeechRecognizer, corpus: list[Utterance], backend: str, beam_width: int):
    """(greedy texts, beam texts, log-probabilities of the first batch) for a corpus."""
    model.eval()
    greedy, beam, first = [], [], None
    with mg.no_grad():
        for start in range(0, len(corpus), 64):
            batch = corpus[start:start + 64]
            x, lengths = batch_tensors(batch, backend)
            log_probs = model(x, lengths)
            first = log_probs.numpy() if first is None else first
            greedy += ctc_greedy_decode(log_probs, lengths, blank=BLANK)
            beam += [h.tokens for h in ctc_beam_search(log_probs, lengths, beam_width, blank=BLANK)]
    model.train()
    to_text = lambda labels: " ".join(DIGITS[t - 1] for t in labels)
    return [to_text(g) for g in greedy], [to_text(b) for b in beam], first


def error_rates(references: list[str], hypotheses: list[str]) -> tuple[float, float]:
    """(CER, WER) over the corpus, with jiwer; an empty hypothesis is all deletions."""
    import jiwer

    return float(jiwer.cer(references, hypotheses)), float(jiwer.wer(references, hypotheses))


def draw(path: str, utterance: Utterance, log_probs: np.ndarray, history: dict, hypothesis: str) -> None:
    plt = _common.pyplot()
    fig, axes = plt.subplots(3, 1, figsize=(8, 7.5), dpi=110, gridspec_kw={"height_ratios": [2, 2, 1.3]})
    axes[0].imshow(utterance.features.T, origin="lower", aspect="auto", cmap="magma",
                   extent=[0, len(utterance.features) * audio_data.FRAME_SECONDS, 0, utterance.features.shape[1]])
    axes[0].set_title(f'held-out voice {utterance.voice}: "{utterance.text}" → "{hypothesis}"')
    axes[0].set_ylabel("mel bin")
    steps = steps_after_conv(len(utterance.features))
    probs = np.exp(log_probs[:steps])
    seconds = np.arange(steps) * STRIDE * audio_data.FRAME_SECONDS
    axes[1].plot(seconds, probs[:, BLANK], color="0.7", label="blank _", linewidth=1)
    for d in sorted(set(utterance.digits)):
        axes[1].plot(seconds, probs[:, d + 1], label=DIGITS[d], linewidth=1.5)
    axes[1].set_xlim(0, len(utterance.features) * audio_data.FRAME_SECONDS)
    axes[1].set_ylabel("ŷ<t>")
    axes[1].set_xlabel("seconds")
    axes[1].legend(loc="upper right", fontsize=8, ncol=4)
    axes[2].plot(history["step"], history["loss"])
    axes[2].set_xlabel("training step")
    axes[2].set_ylabel("CTC loss")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def build_parser():
    p = _common.parser(__doc__, "CI setting: fewer voices and clips, 1-3 digits, about 40 s")
    p.add_argument("--steps", type=int, default=None, help="training steps (default 220, small 150)")
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--lr", type=float, default=4e-3)
    p.add_argument("--hidden", type=int, default=None, help="GRU units per direction (default 96, small 64)")
    p.add_argument("--beam", type=int, default=8, help="beam width of the prefix beam search")
    return p


def main(argv: list[str] | None = None) -> dict:
    args = build_parser().parse_args(argv)
    rng = _common.setup(args)
    timer = _common.Timer()
    small = args.small
    steps = args.steps or (200 if small else 600)
    hidden = args.hidden or (64 if small else 96)
    n_mels, max_digits = 32, 3 if small else 5
    voices = audio_data.VOICES
    held_out = voices[-2:] if small else voices[-3:]  # never heard in training
    training_voices = [v for v in voices if v not in held_out]
    settings = [(150, 40), (185, 65)] if small else [(140, 35), (165, 50), (190, 70)]
    bank = audio_data.word_bank(DIGITS, voices, settings, os.path.join(args.out, "audio_cache"))
    train = make_corpus(bank, training_voices, 1200 if small else 6000, max_digits, rng, n_mels)
    test = make_corpus(bank, held_out, 150 if small else 500, max_digits, rng, n_mels)
    audio_data.normalise_splits(train, test)
    print(f"{len(train)} training clips from {len(training_voices)} voices, {len(test)} held-out clips "
          f"from {', '.join(held_out)} ({timer.seconds:.0f} s to synthesise and featurise)")

    model = SpeechRecognizer(n_mels, 64, hidden, dropout=0.1).to(args.backend)
    optimizer = nn.optim.Adam(model.parameters(), lr=args.lr)

    def batch_loss(step):
        batch = [train[i] for i in rng.integers(0, len(train), size=args.batch)]
        x, lengths = batch_tensors(batch, args.backend)
        targets = mg.tensor([d + 1 for u in batch for d in u.digits], backend=args.backend)
        return F.ctc_loss(model(x, lengths), targets, lengths, [len(u.digits) for u in batch], blank=BLANK)

    history = _common.train(optimizer, steps, batch_loss, desc="CTC speech", disable=args.no_progress,
                            lr_at=lambda step: args.lr * (0.3 if step >= 2 * steps // 3 else 1.0),
                            digits=3)  # a shorter step for the last third

    references = [u.text for u in test]
    greedy, beam, first = transcribe(model, test, args.backend, args.beam)
    cer_greedy, wer_greedy = error_rates(references, greedy)
    cer_beam, wer_beam = error_rates(references, beam)
    print(f"held-out voices: CER {cer_greedy:.3f} greedy, {cer_beam:.3f} beam; "
          f"WER {wer_greedy:.3f} greedy, {wer_beam:.3f} beam")
    for ref, hyp in list(zip(references, beam))[:5]:
        print(f"  {ref!r:32} → {hyp!r}")
    figure = os.path.join(args.out, "speech_recognition.png")
    draw(figure, test[0], first[:, 0], history, beam[0])
    print(f"wrote {figure} ({timer.seconds:.0f} s)")
    return _common.save_metrics(args, "speech_recognition", {
        "cer_greedy": cer_greedy, "cer_beam": cer_beam, "wer_greedy": wer_greedy, "wer_beam": wer_beam,
        "steps": steps, "train_clips": len(train), "test_clips": len(test), "seconds": timer.seconds,
    })


if __name__ == "__main__":
    main()
