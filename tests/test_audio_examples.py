"""The audio and sentence-output examples run in their --small setting and reach their figures.

Started together as separate processes (each is single-threaded), as in
test_examples.py. The audio examples need the eSpeak NG program: in CI (CI=true) a
missing one is a failure, elsewhere a skip. Thresholds are the issue's, each far from
what a broken model scores: a model that outputs nothing has CER 1, one that never
fires has F1 0, and random words score BLEU near 0.
"""
from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import pytest
from test_examples import Run  # the same runner

RUNS = {"speech_recognition": True, "trigger_word": True, "number_words": False}  # name -> needs eSpeak
PACKAGES = ["tqdm", "matplotlib", "scipy", "jiwer", "sacrebleu", "num2words"]


def _unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    missing = [m for m in PACKAGES if importlib.util.find_spec(m) is None]
    if missing:
        _unavailable(f"the examples need {', '.join(missing)}: pip install -e '.[examples]'")
    espeak = shutil.which("espeak-ng") is not None
    started = {name: Run(name, tmp_path_factory.mktemp(name), ["--seed", "0"])
               for name, audio in RUNS.items() if espeak or not audio}
    yield started
    for run in started.values():
        if run.process.poll() is None:
            run.process.kill()


def _get(runs, name):
    if name not in runs:
        _unavailable("the audio examples need eSpeak NG: apt-get install espeak-ng")
    return runs[name]


@pytest.mark.slow
def test_speech_recognition_transcribes_held_out_voices(runs):
    run = _get(runs, "speech_recognition")
    m = run.metrics()
    assert m["cer_greedy"] < 0.3 and m["cer_beam"] < 0.3, m
    assert m["wer_greedy"] < 0.5 and m["wer_beam"] < 0.5, m
    assert (run.out / "speech_recognition.png").stat().st_size > 10_000
    assert any((run.out / "audio_cache").iterdir())  # the spoken words are cached under --out


@pytest.mark.slow
def test_trigger_word_detects_activate(runs):
    run = _get(runs, "trigger_word")
    m = run.metrics()
    assert m["f1"] > 0.7, m
    assert 0 < m["precision"] <= 1 and 0 < m["recall"] <= 1 and m["triggers"] > 50, m
    assert (run.out / "trigger_word.png").stat().st_size > 10_000


@pytest.mark.slow
def test_number_words_beam_bleu_at_least_greedy(runs):
    run = _get(runs, "number_words")
    m = run.metrics()
    assert m["bleu_greedy"] > 70, m
    assert m["bleu_beam"] >= m["bleu_greedy"], m
    assert m["bleu_beam"] == m[f"bleu_beam_alpha_{m['alpha']}"], m
    assert (run.out / "number_words.png").stat().st_size > 10_000


def test_example_models_train_on_the_strict_backend(monkeypatch):
    """The examples' models and losses never hand a device array to NumPy."""
    import sys

    import numpy as np

    import minigrad as mg
    import nn.functional as F
    from nn.decode import ctc_beam_search, ctc_greedy_decode

    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parent.parent / "examples"))
    import speech_recognition
    import trigger_word

    rng = np.random.default_rng(0)
    speech = speech_recognition.SpeechRecognizer(32, 16, 8, 0.1).to("strict")
    lengths = [speech_recognition.steps_after_conv(n) for n in (40, 35, 30)]
    log_probs = speech(mg.tensor(rng.normal(size=(3, 32, 40)).astype(np.float32), backend="strict"), lengths)
    loss = F.ctc_loss(log_probs, mg.tensor([1, 2, 3, 4, 5], backend="strict"), lengths, [2, 2, 1])
    loss.backward()
    assert log_probs.backend == "strict" and type(speech.conv.weight.grad) is type(speech.conv.weight.data)
    assert len(ctc_greedy_decode(log_probs, lengths)) == len(ctc_beam_search(log_probs.detach(), lengths)) == 3
    detector = trigger_word.TriggerDetector(24, 8, 8, 0.2).to("strict")
    logits = detector(mg.tensor(rng.normal(size=(2, 24, 50)).astype(np.float32), backend="strict"))
    F.binary_cross_entropy_with_logits(logits, mg.zeros(50, 2, backend="strict")).backward()
    assert logits.shape == (50, 2) and type(detector.norm.weight.grad) is type(detector.norm.weight.data)
    for name in ("speech_recognition", "trigger_word", "audio_data", "_common"):
        sys.modules.pop(name, None)
