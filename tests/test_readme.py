"""The README's first screen is a promise: its two commands must be the ones that work."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _indented_commands(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.startswith("    ") and "pip install" in line]


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    test_command = next(c for c in _indented_commands(readme) if "pytest" in c)
    assert test_command in ci.splitlines(), "CI must run exactly the README's test command"


def test_readme_demo_command_names_an_existing_example():
    readme = (ROOT / "README.md").read_text()
    demo = next(c for c in _indented_commands(readme) if "examples/" in c)
    script = re.search(r"python (examples/\S+\.py)", demo).group(1)
    assert (ROOT / script).is_file()
    assert readme.index(demo) < 3000, "the demo command belongs on the README's first screen"


def test_demo_without_graphviz_says_how_to_install_it_once(tmp_path, monkeypatch, capsys):
    """Without `dot` the demo keeps the DOT text; its file list stays a short line and the
    install advice comes once, on a line of its own."""
    monkeypatch.syspath_prepend(str(ROOT / "examples"))
    import names_lm  # examples/names_lm.py (imports its own _common helper)

    import minigrad as mg
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))  # no Graphviz program on PATH
    vocab = names_lm.Vocabulary.from_words(["ada", "bob"])
    model = names_lm.CharLM(len(vocab), 4, 6)
    paths = names_lm.render_bptt(model, vocab, "ada", str(tmp_path), "numpy")
    advice = capsys.readouterr().out
    assert [Path(p).name for p in paths] == ["names_lm_bptt.dot", "names_lm_bptt.html"]
    assert all(Path(p).is_file() for p in paths)
    assert advice.count(mg.render.dot.MISSING_DOT) == 1
    assert len(advice.strip().splitlines()) == 1
