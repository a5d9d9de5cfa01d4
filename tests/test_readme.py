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
