"""Spoken words for the audio examples: eSpeak NG speech, noise, and log-mel features.

Real recordings cannot be downloaded here, so the words are *spoken* offline by the
eSpeak NG synthesiser (`apt-get install espeak-ng`), in many voices (accents crossed
with its voice variants), speeds and pitches. Each (voice, speed, pitch) says all
its words in one call, with pauses between them, and the recording is cut at the
pauses; utterances are then assembled from these words, with gaps, gain changes and
noise, so a corpus of thousands of clips costs a few dozen synthesiser calls. The
words of every voice are cached in `<out>/audio_cache/`.

Features are the log-mel spectrogram, computed with NumPy and SciPy: 25 ms Hann
windows every 10 ms, |FFT|², a bank of triangular filters equally spaced on the mel
scale (what the ear resolves), and log. This is the x<t> of the course's
trigger-word and speech models: one vector of `n_mels` numbers per 10 ms.
"""
from __future__ import annotations

import functools
import hashlib
import itertools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence

import numpy as np

RATE = 16000  # Hz, after resampling eSpeak's 22050
HOP = 160  # samples between frames: 10 ms
WINDOW = 400  # samples per frame: 25 ms
FRAME_SECONDS = HOP / RATE

# Accents × voice variants (eSpeak's "+variant" changes formants, pitch and breath).
ACCENTS = ["en-us", "en-gb", "en-gb-scotland", "en-029", "en-gb-x-rp", "en-us-nyc",
           "en-gb-x-gbclan", "en-gb-x-gbcwmd"]
VARIANTS = ["m1", "f2", "m3", "f1", "m4", "f3", "m7", "f4", "m2", "f5", "m5", "m6"]
VOICES = [f"{accent}+{variant}" for accent, variant in zip(itertools.cycle(ACCENTS), VARIANTS)]


def require_espeak() -> str:
    """The espeak-ng program's path, or SystemExit saying how to install it."""
    path = shutil.which("espeak-ng")
    if path is None:
        raise SystemExit("the audio examples need the eSpeak NG synthesiser: "
                         "`apt-get install espeak-ng` (Debian/Ubuntu) or `brew install espeak-ng`")
    return path


def _read_wav(path: str) -> tuple[int, np.ndarray]:
    from scipy.io import wavfile

    rate, data = wavfile.read(path)
    return rate, data.astype(np.float64) / 32768.0


def _speak(text: str, voice: str, speed: int, pitch: int, ssml: bool) -> np.ndarray:
    """One eSpeak NG call → a waveform at RATE Hz."""
    from scipy.signal import resample_poly

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "speech.wav")
        command = [require_espeak(), "-v", voice, "-s", str(speed), "-p", str(pitch), "-w", path]
        subprocess.run(command + (["-m"] if ssml else []) + [text], check=True, capture_output=True)
        rate, wave = _read_wav(path)
    return resample_poly(wave, RATE, rate)


def _split_at_pauses(wave: np.ndarray, pause_seconds: float = 0.15, quiet: float = 1e-3) -> list[np.ndarray]:
    """The stretches of `wave` between silences longer than `pause_seconds`."""
    loud = np.flatnonzero(np.abs(wave) > quiet)
    if len(loud) == 0:
        return []
    breaks = np.flatnonzero(np.diff(loud) > pause_seconds * RATE)  # a long quiet gap follows
    starts = np.concatenate([loud[:1], loud[breaks + 1]])
    ends = np.concatenate([loud[breaks], loud[-1:]])
    return [wave[a:b + 1] for a, b in zip(starts, ends)]


def speak_words(words: Sequence[str], voice: str, speed: int, pitch: int) -> dict[str, np.ndarray]:
    """Each word spoken by one voice, trimmed of silence. One call for all the words,
    cut at the pauses; if the cut does not give one piece per word, one call per word."""
    ssml = "<speak>" + ' <break time="400ms"/> '.join(words) + "</speak>"
    pieces = _split_at_pauses(_speak(ssml, voice, speed, pitch, ssml=True))
    if len(pieces) != len(words):
        pieces = [max(_split_at_pauses(_speak(w, voice, speed, pitch, ssml=False)), key=len) for w in words]
    return dict(zip(words, pieces))


def word_bank(words: Sequence[str], voices: Sequence[str], settings: Sequence[tuple[int, int]],
              cache_dir: str) -> dict[str, list[dict[str, np.ndarray]]]:
    """voice -> one {word: waveform} per (speed, pitch) setting, cached on disk."""
    os.makedirs(cache_dir, exist_ok=True)
    bank: dict[str, list[dict[str, np.ndarray]]] = {}
    for voice in voices:
        bank[voice] = []
        for speed, pitch in settings:
            key = hashlib.sha1(repr((list(words), voice, speed, pitch, RATE)).encode()).hexdigest()[:16]
            path = os.path.join(cache_dir, f"{key}.npz")
            if os.path.exists(path):
                with np.load(path) as stored:
                    spoken = {w: stored[w] for w in words}
            else:
                spoken = speak_words(words, voice, speed, pitch)
                np.savez(path + ".tmp.npz", **spoken)
                os.replace(path + ".tmp.npz", path)  # never a half-written cache file
            bank[voice].append(spoken)
    return bank


def pink_noise(length: int, rng: np.random.Generator) -> np.ndarray:
    """Noise with power falling as 1/f, like rooms, fans and traffic; unit RMS."""
    from scipy import fft

    size = fft.next_fast_len(length, real=True)  # an awkward length makes the FFT slow
    bins = size // 2 + 1
    spectrum = (rng.normal(size=bins) + 1j * rng.normal(size=bins)) / np.sqrt(np.maximum(np.arange(bins), 1.0))
    noise = fft.irfft(spectrum, n=size)[:length]
    return noise / (noise.std() + 1e-12)


def background(length: int, rng: np.random.Generator, level: float) -> np.ndarray:
    """Background noise: pink noise plus, half the time, a mains-like hum."""
    noise = pink_noise(length, rng)
    if rng.random() < 0.5:
        t = np.arange(length) / RATE
        noise += 0.5 * np.sin(2 * np.pi * rng.uniform(50, 300) * t + rng.uniform(0, 2 * np.pi))
    return level * noise


@functools.lru_cache(maxsize=8)
def mel_filterbank(n_mels: int, n_fft: int = 512, rate: int = RATE, low: float = 60.0,
                   high: float | None = None) -> np.ndarray:
    """(n_mels, n_fft // 2 + 1) triangular filters, centres equally spaced in mels."""
    high = rate / 2 if high is None else high

    def mel(f):
        return 2595.0 * np.log10(1.0 + f / 700.0)

    def hertz(m):
        return 700.0 * (10 ** (m / 2595.0) - 1.0)

    edges = hertz(np.linspace(mel(low), mel(high), n_mels + 2))
    bins = np.fft.rfftfreq(n_fft, 1.0 / rate)
    rising = (bins[None, :] - edges[:-2, None]) / (edges[1:-1, None] - edges[:-2, None])
    falling = (edges[2:, None] - bins[None, :]) / (edges[2:, None] - edges[1:-1, None])
    return np.maximum(0.0, np.minimum(rising, falling))


def log_mel(wave: np.ndarray, n_mels: int = 32, n_fft: int = 512) -> np.ndarray:
    """(frames, n_mels) log-mel spectrogram: 25 ms windows every 10 ms."""
    from scipy import fft

    if len(wave) < WINDOW:
        wave = np.pad(wave, (0, WINDOW - len(wave)))
    frames = 1 + (len(wave) - WINDOW) // HOP
    index = np.arange(WINDOW)[None, :] + HOP * np.arange(frames)[:, None]
    windowed = (wave[index] * np.hanning(WINDOW)[None, :]).astype(np.float32)
    spectrum = fft.rfft(windowed, n=n_fft, axis=1)
    power = spectrum.real ** 2 + spectrum.imag ** 2
    return np.log(power @ mel_filterbank(n_mels, n_fft).T.astype(np.float32) + 1e-6).astype(np.float32)


def normalise_splits(train: list, test: list) -> None:
    """Standardise every clip's `.features` in place with the training set's statistics."""
    normalised, stats = normalise_features([c.features for c in train])
    for clip, features in zip(train, normalised):
        clip.features = features
    for clip, features in zip(test, normalise_features([c.features for c in test], stats)[0]):
        clip.features = features


def normalise_features(features: list[np.ndarray], stats: tuple | None = None):
    """Per-mel-bin standardisation (stats from the training set); returns (features, stats)."""
    if stats is None:
        stacked = np.concatenate(features, axis=0)
        stats = (stacked.mean(axis=0), stacked.std(axis=0) + 1e-5)
    mean, std = stats
    return [((f - mean) / std).astype(np.float32) for f in features], stats
