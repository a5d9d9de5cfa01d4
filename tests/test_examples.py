"""The sequence-model examples run in their --small setting and reach their quality.

Each example is started as its own process, all at once when the first of these tests
runs (they are single-threaded, so on two cores they take about half the time of
running them one by one); each test then waits for its own and checks the quality
figures the example wrote to <out>/metrics.json. The thresholds are what the
small settings reach with a margin, and each is well beyond what a broken model gets
(the numbers in each check say what chance or a simple baseline would score).
"""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
TIMEOUT = 900

# name -> extra arguments after --small
RUNS = {
    "names_lm": [],
    "ner_tagging": [],
    "digits_sequence": [],
    "melody": [],
}


class Run:
    def __init__(self, name: str, out: Path, extra: list[str]):
        self.name, self.out = name, out
        self.log = out / f"{name}.log"
        self.command = [sys.executable, str(EXAMPLES / f"{name}.py"), "--small", "--no-progress",
                        "--out", str(out), *extra]
        with self.log.open("w") as log:  # the child writes through its own copy of the file
            self.process = subprocess.Popen(self.command, cwd=ROOT, stdout=log,
                                            stderr=subprocess.STDOUT, env=_environment())
        self.started = time.perf_counter()

    def metrics(self) -> dict:
        try:
            code = self.process.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            pytest.fail(f"{self.name} did not finish in {TIMEOUT} s")
        log = self.log.read_text()
        assert code == 0, f"{' '.join(self.command)} failed ({code}):\n{log[-4000:]}"
        return json.loads((self.out / "metrics.json").read_text())


def _environment() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.setdefault("MPLBACKEND", "Agg")
    return env


EXAMPLE_PACKAGES = ["tqdm", "matplotlib", "names", "faker", "sklearn", "gensim"]  # the `examples` extra


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    missing = [m for m in EXAMPLE_PACKAGES if importlib.util.find_spec(m) is None]
    if missing:
        message = f"the examples need {', '.join(missing)}: pip install -e '.[examples]'"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    started = {name: Run(name, tmp_path_factory.mktemp(name), extra) for name, extra in RUNS.items()}
    yield started
    for run in started.values():
        if run.process.poll() is None:
            run.process.kill()


def test_names_lm_learns_names(runs):
    run = runs["names_lm"]
    m = run.metrics()
    # uniform guessing is ln 28 = 3.33 nats/char; an add-one bigram model gets ~2.37
    assert m["heldout_nll"] < m["bigram_nll"] - 0.15, m
    # a held-out name is more probable than the same letters shuffled
    assert m["real_beats_shuffled"] >= 0.9, m
    samples = m["samples"]
    assert len(samples) == 20 and all(s.isalpha() for s in samples), samples
    assert m["novel_fraction"] >= 0.3, samples           # not just the training list
    for produced in ("names_lm_loss.png", "names_lm.ckpt.safetensors"):
        assert (run.out / produced).stat().st_size > 1000
    assert (run.out / "names_lm_bptt.svg").exists() or (run.out / "names_lm_bptt.dot").exists()
    if (run.out / "names_lm_bptt.svg").exists():  # the course's figure, with gradient colours
        svg = (run.out / "names_lm_bptt.svg").read_text(encoding="utf-8")
        assert "a&lt;1&gt;" in svg and "‖∂L/∂a&lt;4&gt;‖" in svg and "gradient norm" in svg
    html = (run.out / "names_lm_bptt.html").read_text(encoding="utf-8")
    assert 'id="minigrad-data"' in html and '"kind":"step"' in html

    # --resume continues from the checkpoint: the step count carries on
    resumed = subprocess.run([*run.command, "--resume", "--steps", "20", "--samples", "5"],
                             check=False, cwd=ROOT, capture_output=True, text=True, env=_environment(),
                             timeout=TIMEOUT)
    assert resumed.returncode == 0, resumed.stdout[-3000:] + resumed.stderr[-3000:]
    assert "resumed from" in resumed.stdout
    again = json.loads((run.out / "metrics.json").read_text())
    assert again["steps"] == m["steps"] + 20
    assert again["heldout_nll"] < m["bigram_nll"] - 0.15


def test_ner_tagging_bidirectional_beats_unidirectional(runs):
    m = runs["ner_tagging"].metrics()
    # tagging every word 0 scores F1 = 0; tagging every capitalised word 1 about 0.5
    assert m["bidirectional_f1"] >= 0.85, m
    assert m["bidirectional_precision"] >= 0.85 and m["bidirectional_recall"] >= 0.8, m
    # the names that only the next word disambiguates ("James Port") need both directions
    assert m["bidirectional_f1"] >= m["unidirectional_f1"] + 0.05, m
    assert (runs["ner_tagging"].out / "ner_tagging.png").stat().st_size > 1000


def test_digits_sequence_reaches_95_percent(runs):
    m = runs["digits_sequence"].metrics()
    assert m["accuracy"] >= 0.95, m                      # chance: 10%
    assert (runs["digits_sequence"].out / "digits_sequence.png").stat().st_size > 1000


def test_melody_composes_in_key_from_the_seed(runs):
    m = runs["melody"].metrics()
    assert m["in_key"] >= 0.95, m                        # a random note is in key 7/12 = 58%
    assert m["stepwise"] >= 0.9, m
    assert m["starts_on_tonic"] >= 0.95, m               # only the seed says which note that is
    assert m["ends_on_tonic"] >= 0.6, m                  # <END> right after a tonic of the key
    assert (runs["melody"].out / "melody.png").stat().st_size > 1000
    assert (runs["melody"].out / "melody.wav").stat().st_size > 1000


def test_unavailable_backend_is_a_clear_error(tmp_path):
    try:
        import cupy  # noqa: F401

        pytest.skip("CuPy is installed: --backend cupy may work here")
    except ImportError:
        pass
    result = subprocess.run([sys.executable, str(EXAMPLES / "melody.py"), "--small", "--backend",
                             "cupy", "--out", str(tmp_path)], check=False, cwd=ROOT, capture_output=True,
                            text=True, env=_environment(), timeout=120)
    assert result.returncode != 0
    assert "--backend cupy" in result.stderr and "not available" in result.stderr
    assert "Traceback" not in result.stderr


HELPERS = {"_common", "_text", "audio_data", "figures"}   # examples/ files that are not examples
SCRIPTS = sorted(p.stem for p in EXAMPLES.glob("*.py") if p.stem not in HELPERS)


@pytest.mark.parametrize("name", SCRIPTS)
def test_every_example_has_the_shared_command_line(name, capsys, monkeypatch):
    """One interface from _common.parser: the same five switches, --out per example."""
    monkeypatch.syspath_prepend(str(EXAMPLES))
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)    # dataclasses look their module up there
    try:
        spec.loader.exec_module(module)
    except ImportError as exc:  # an optional package of the `examples` extra
        if os.environ.get("CI"):
            raise
        pytest.skip(f"{name}: {exc}")
    with pytest.raises(SystemExit) as done:
        module.main(["--help"])
    assert done.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for switch in ("--small", "--seed", "--out", "--backend", "--no-progress"):
        assert switch in text, (name, switch)
    assert f"(default examples/out/{name})" in text, text
