"""docs/tutorial.ipynb runs top to bottom in a Jupyter kernel, and shows what it says.

The notebook is committed without outputs (nothing in it can drift from the code); this
test executes it with nbclient, as Jupyter would, and reads the outputs: micrograd's
numbers, the graph pictures inline as SVG with a one-line text form, the LSTM's BPTT
figure, the vanishing-gradient plot. Without nbclient/ipykernel (the `test` extra) it is
skipped on a developer's machine and fails in CI.
"""
from __future__ import annotations

import importlib.util
import os
import re
import shutil
from pathlib import Path

import pytest

import minigrad as mg

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "docs" / "tutorial.ipynb"
SHORT_REPR = re.compile(r"<mg\.draw_graph picture: \d+ nodes, \d+ edges; \.source is its DOT>")


def _require(*modules: str) -> None:
    for module in modules:
        if importlib.util.find_spec(module) is None:
            if os.environ.get("CI"):
                pytest.fail(f"{module} is required in CI: python -m pip install -e '.[test]'")
            pytest.skip(f"{module} not installed (python -m pip install -e '.[test]')")


def _require_dot() -> None:
    if shutil.which("dot") is None:
        if os.environ.get("CI"):
            pytest.fail("the Graphviz program dot is required in CI (apt-get install graphviz)")
        pytest.skip("the Graphviz program dot is not installed")


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    _require("nbformat", "nbclient", "ipykernel")
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(NOTEBOOK, as_version=4)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    workdir = tmp_path_factory.mktemp("notebook")  # files the notebook writes land here
    client = NotebookClient(notebook, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(workdir)}})
    client.execute(env=env)  # raises CellExecutionError naming the cell that failed
    return notebook


def _outputs(notebook, containing: str) -> list:
    cell = next(c for c in notebook.cells if c.cell_type == "code" and containing in c.source)
    return cell.outputs


def _text(outputs) -> str:
    return "".join(o.get("text", "") for o in outputs if o.output_type == "stream")


def test_notebook_is_committed_without_outputs():
    _require("nbformat")
    import nbformat
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert code and all(not c.outputs and c.execution_count is None for c in code)


def test_micrograd_example_prints_micrograds_numbers(executed):
    assert _text(_outputs(executed, "a = mg.tensor(-4.0")).split() == ["24.7041", "138.8338", "645.5773"]


def test_graph_shows_itself_inline_with_a_short_text_form(executed):
    _require_dot()
    outputs = _outputs(executed, "picture = mg.draw_graph(g")
    assert SHORT_REPR.fullmatch(_text(outputs).strip())  # print(repr(picture))
    shown = next(o for o in outputs if o.output_type == "execute_result")
    assert SHORT_REPR.fullmatch(shown.data["text/plain"])
    assert "<svg" in shown.data["image/svg+xml"]


def test_lstm_learns_the_line_and_its_bptt_figure_is_inline(executed):
    printed = _text(_outputs(executed, "class CharLSTM")).splitlines()
    assert float(printed[0].split()[1]) < 0.1 and printed[1] == "hello minigrad, hello lstm. "
    _require_dot()
    shown = next(o for o in _outputs(executed, 'view="bptt"') if o.output_type == "execute_result")
    svg = shown.data["image/svg+xml"]
    assert SHORT_REPR.fullmatch(shown.data["text/plain"])
    for label in ("LSTM t=1", "LSTM t=5", "a&lt;5&gt;, c&lt;5&gt;", "‖∂L/∂a&lt;1&gt;‖", "head.weight"):
        assert label in svg, label


def test_viewer_shows_itself_inline_with_a_short_text_form(executed):
    shown = next(o for o in _outputs(executed, "mg.viewer(") if o.output_type == "execute_result")
    assert shown.data["text/html"].startswith("<iframe srcdoc=")
    assert re.fullmatch(r"<mg\.viewer: [\d,]+ characters of HTML>", shown.data["text/plain"])


def test_vanishing_gradient_plot_is_inline(executed):
    outputs = _outputs(executed, "mg.step_grad_norms(loss)")
    assert any("image/png" in o.get("data", {}) for o in outputs)
    assert not [o for o in outputs if o.output_type == "error"]


def test_graph_picture_repr_is_one_short_line():
    """The text form Jupyter prints beside the picture (and the REPL prints alone)."""
    pytest.importorskip("graphviz")
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    picture = mg.draw_graph((x * x).sum())
    assert SHORT_REPR.fullmatch(repr(picture)) and "0x" not in repr(picture)
