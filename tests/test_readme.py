"""The README's first screen is a promise: its commands must be the ones that work.

CI (.ci/run) follows it literally: the same system packages, then the README's venv, demo
and test lines, character for character and in the same order.
"""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
CI = (ROOT / ".ci" / "run").read_text()
FIRST_SCREEN = README[:README.index("## What is inside")]


def _indented_commands(text: str) -> list[str]:
    """The README's shell lines: indented code under a paragraph (not inside a fence)."""
    unfenced = re.sub(r"^```.*?^```", "", text, flags=re.DOTALL | re.MULTILINE)
    return [line.strip() for line in unfenced.splitlines() if line.startswith("    ") and line.strip()]


COMMANDS = _indented_commands(FIRST_SCREEN)
VENV = "python3 -m venv .venv && . .venv/bin/activate"


def test_the_first_screen_makes_a_venv_before_anything_uses_python():
    assert VENV in COMMANDS
    after = COMMANDS[COMMANDS.index(VENV) + 1:]
    assert any("pytest" in c for c in after) and any("examples/" in c for c in after)
    for command in after:  # inside the venv: one spelling, `python` and `python -m pip`
        assert "python3" not in command and not re.search(r"(^|&& )pip ", command), command
        assert re.search(r"(^|&& )python -m pip install", command), command


def test_system_packages_come_first_and_ci_installs_them():
    apt = COMMANDS[0]
    assert apt.startswith("sudo apt-get install -y "), "the apt line opens the first screen"
    for package in apt.split("install -y ")[1].split():
        assert re.search(rf"missing=\"\$missing {re.escape(package)}\"", CI), package
    assert {"graphviz", "python3-venv"} <= set(apt.split())


def test_ci_runs_the_readme_commands_line_for_line_in_order():
    ci_lines = [line.strip() for line in CI.splitlines()]
    positions = []
    for command in COMMANDS[1:]:  # the apt line: CI installs only what is missing (above)
        assert command in ci_lines, f"CI must run the README's line exactly: {command}"
        positions.append(ci_lines.index(command))
    assert positions == sorted(positions), "CI runs them in the README's order"


def test_readme_demo_command_names_an_existing_example():
    demo = next(c for c in COMMANDS if "examples/" in c)
    script = re.search(r"python (examples/\S+\.py)", demo).group(1)
    assert (ROOT / script).is_file()
    assert README.index(demo) < 3000, "the demo command belongs on the README's first screen"


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


def test_the_table_is_one_block_and_no_notation_is_taken_for_html():
    """GitHub drops unknown tags: a<t> outside backticks would show as "a". And a table
    ends at its first blank line."""
    table = README[README.index("## What is inside"):README.index("Documentation lives")]
    rows = [line for line in table.splitlines() if line.startswith("|")]
    assert len(rows) >= 4 and "\n".join(rows) in table, "the table's rows are contiguous"
    prose = re.sub(r"`[^`\n]*`", "", re.sub(r"^```.*?^```", "", README, flags=re.DOTALL | re.MULTILINE))
    stray = re.findall(r"<[A-Za-z][^>\s]*>", prose)
    assert not stray, f"put the notation in backticks: {stray}"
