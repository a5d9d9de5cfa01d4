"""The date-translation example reaches its accuracy in its small (CI) configuration.

Run as a program, exactly as a user would (`python examples/date_translation.py
--small`), so its one-thread BLAS setting takes effect: every matmul in it is small.
"""
from __future__ import annotations

import importlib.util
import json
import pathlib
import re
import subprocess
import sys

import pytest

EXAMPLE = pathlib.Path(__file__).resolve().parents[1] / "examples" / "date_translation.py"
THRESHOLD = 0.95  # exact-match accuracy on held-out dates, greedy and beam


def load_example():
    spec = importlib.util.spec_from_file_location("date_translation", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("date_translation", module)  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_small_run_reaches_accuracy(tmp_path):
    result = subprocess.run(
        [sys.executable, str(EXAMPLE), "--small", "--no-progress", "--seed", "0", "--out", str(tmp_path)],
        check=False, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["greedy_accuracy"] >= THRESHOLD, metrics
    assert metrics["beam_accuracy"] >= THRESHOLD, metrics
    assert all(not isinstance(v, (dict, list)) for v in metrics.values()), metrics  # one flat object
    assert metrics["beam_errors"] == metrics["error_search"] + metrics["error_model"], metrics
    assert (tmp_path / "date_translator.safetensors").exists()
    if importlib.util.find_spec("matplotlib") is not None:
        png = tmp_path / "attention_map.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_data_is_consistent():
    """Every generated human date means the ISO date it is paired with."""
    example = load_example()
    train, test = example.make_datasets(400, 100, seed=3)
    assert not {iso for _, iso in train} & {iso for _, iso in test}
    month_abbreviations = [m[:3].lower() for m in example.MONTHS]
    for human, iso in train + test:
        year, month, day = (int(part) for part in iso.split("-"))
        assert 1950 <= year <= 2049
        assert human == human.lower()
        assert all(ch in example.SOURCE_CHARS for ch in human)
        if human[:4].isdigit():                                 # year/month/day, '-' or '/'
            y, m, d = re.split("[-/]", human)
        elif "/" in human:                                      # US order: month/day/year
            m, d, y = human.split("/")
        elif "." in human:                                      # day.month.year
            d, m, y = human.split(".")
        else:                                                   # a month name, a day, a year
            words = human.replace(",", " ").split()
            [m] = [str(month_abbreviations.index(w[:3]) + 1) for w in words if w[:3] in month_abbreviations]
            *_, d, y = [re.sub(r"\D", "", w) for w in words if re.search(r"\d", w)]
        assert (int(m), int(d)) == (month, day), human
        assert int(y) in (year, year % 100), human
    source, lengths = example.encode_sources(["3/3/98", "tuesday 3 march 1998"])
    assert lengths == [6, 20] and len(source) == 20 and source[-1][0] == example.PAD
    target = example.encode_targets(["1998-03-03"])
    assert example.decode_target([row[0] for row in target][:-1]) == "1998-03-03"
    assert target[-1] == [example.EOS]
