"""The docs' figure tables are the committed metrics files, rendered (examples/figures.py).

`docs/figures/<example>.json` is the metrics.json of a full run, `<example>.small.json`
of a `--small` run; `python -m examples.figures` writes the tables between the docs'
`<!-- figures:NAME -->` markers from them. These tests fail when a table was edited by
hand, a file changed without the tables being rewritten, or an example renamed a key
that a table reads. (The `--small` runs themselves, and their thresholds, are in
test_examples.py and its siblings.)
"""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _figures():
    spec = importlib.util.spec_from_file_location("examples_figures", ROOT / "examples" / "figures.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module                  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


figures = _figures()
COMMITTED = sorted(figures.FIGURES.glob("*.json"))


def test_docs_tables_equal_the_committed_metrics():
    assert figures.check() == [], "run `python -m examples.figures` and commit docs/"


def test_the_check_command_fails_on_a_table_typed_by_hand(tmp_path, monkeypatch):
    page = tmp_path / "page.md"
    region = "<!-- figures:digits_sequence -->\n"
    page.write_text(f"text\n{region}| accuracy | 99.99% |\n<!-- /figures -->\nmore\n", encoding="utf-8")
    monkeypatch.setattr(figures, "DOCS", tmp_path)
    assert figures.check() == [str(page)]
    assert figures.main(["--check"]) == 1
    assert figures.main([]) == 0                              # rewrites the page ...
    text = page.read_text(encoding="utf-8")
    assert "99.99%" not in text and text.startswith("text\n") and text.endswith("<!-- /figures -->\nmore\n")
    assert figures.fill("{accuracy:.2%}", figures.load("digits_sequence")) in text
    assert figures.main(["--check"]) == 0                     # ... and then it is up to date


def test_every_region_in_the_docs_names_a_known_table():
    names = {m.group(2) for page in figures.pages() for m in figures.REGION.finditer(page.read_text("utf-8"))}
    assert names, "no figures regions in docs/"
    assert names <= {*figures.EXAMPLES, "results"}, names
    for name in names - {"results"}:
        assert figures.load(name) is not None or figures.load(name, small=True) is not None, name


@pytest.mark.parametrize("path", COMMITTED, ids=[p.stem for p in COMMITTED])
def test_committed_metrics_are_flat_and_fill_every_row(path):
    metrics = json.loads(path.read_text(encoding="utf-8"))
    assert all(not isinstance(value, dict) for value in metrics.values()), "metrics.json is one flat object"
    name = path.name.split(".")[0]
    assert name in figures.EXAMPLES, f"{path.name}: no table for {name} in examples/figures.py"
    empty = [label for label, template in figures.EXAMPLES[name].rows
             if figures.fill(template, metrics) == figures.MISSING]
    assert not empty, f"{path.name} lacks the figures of rows {empty} (a key renamed?)"


def test_the_command_line_runs_as_documented():
    done = subprocess.run([sys.executable, "-m", "examples.figures", "--check"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "up to date" in done.stdout


def test_every_picture_an_example_draws_for_the_docs_is_there():
    shown = "".join(page.read_text(encoding="utf-8") for page in figures.DOCS.rglob("*.md"))
    for name, example in figures.EXAMPLES.items():
        for picture in example.pictures:
            assert (figures.DOCS / "img" / picture).stat().st_size > 1000, (name, picture)
            assert f"img/{picture}" in shown, f"no docs page shows {picture} ({name})"
