"""The documentation site builds with `mkdocs build --strict`, and its tutorial code runs.

Without MkDocs installed the build is skipped on a developer's machine, but in CI
(CI=true) a missing MkDocs is a failure: install it with `pip install -e ".[docs]"`.
"""
from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"

_spec = importlib.util.spec_from_file_location("minigrad_docs_hooks", DOCS / "hooks.py")
hooks = importlib.util.module_from_spec(_spec)  # docs/hooks.py, the MkDocs hook
_spec.loader.exec_module(hooks)


def _require(module: str) -> None:
    if importlib.util.find_spec(module) is None:
        if os.environ.get("CI"):
            pytest.fail(f"{module} is required in CI to build the docs: pip install -e '.[docs]'")
        pytest.skip(f"{module} not installed (pip install -e '.[docs]')")


def test_mkdocs_build_strict(tmp_path):
    _require("mkdocs")
    _require("mkdocstrings")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        check=False, cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stdout}\n{result.stderr}"
    site = tmp_path / "site"
    for page in ("index.html", "getting-started/index.html", "engine/index.html",
                 "recurrent/index.html", "gpu/index.html", "examples/index.html",
                 "api/minigrad/index.html", "api/tensor/index.html", "api/nn/index.html"):
        assert (site / page).is_file(), page
    for page in ("minigrad", "tensor", "nn"):
        html = (site / "api" / page / "index.html").read_text()
        # examples are code blocks: `>>>` lines outside an Examples: section would render as
        # nested quotes, or as one run-on paragraph
        assert "<blockquote>\n<blockquote>" not in html, page
        assert not re.search(r"<p>[^<]*&gt;&gt;&gt;", html), page
        assert "_to_array" not in html and "_RecurrentPreset" not in html, page
    # signatures are formatted (Ruff, from the docs extra), one parameter a line when long
    text = re.sub(r"<[^>]+>", "", (site / "api" / "minigrad" / "index.html").read_text())
    assert "draw_graph(\n    root,\n    *,\n    params=None," in text
    api = (site / "api" / "nn" / "index.html").read_text()
    assert "clip_grad_norm_" in api and "LSTMCell" in api  # generated from the docstrings
    # the course's notation survives as text, not as unknown HTML tags
    assert "<t>" not in api and "&lt;t&gt;" in api
    assert "<autoref" not in api  # every cross-reference resolved to a link


@pytest.mark.parametrize(("html", "shown"), [
    ("<p>a<t> = g(W a<t-1> + b)</p>", "<p>a&lt;t&gt; = g(W a&lt;t-1&gt; + b)</p>"),
    ("<td>x<T_x></td>", "<td>x&lt;T_x&gt;</td>"),
    ("<p>ends at <EOS>, never <UNK></p>", "<p>ends at &lt;EOS&gt;, never &lt;UNK&gt;</p>"),
    ('<a href="x">link</a><br><code>a&lt;t&gt;</code>', '<a href="x">link</a><br><code>a&lt;t&gt;</code>'),
    ('<autoref identifier="nn.LSTM">LSTM</autoref>', '<autoref identifier="nn.LSTM">LSTM</autoref>'),
])
def test_notation_hook_escapes_only_pseudo_tags(html, shown):
    assert hooks.escape_notation(html) == shown


def test_rendering_page_draws_the_course_figure():
    """The view="bptt" example of docs/rendering.md runs and draws what the page says."""
    blocks = re.findall(r"```python\n(.*?)```", (DOCS / "rendering.md").read_text(), flags=re.DOTALL)
    block = next(b for b in blocks if 'view="bptt"' in b)
    namespace: dict = {}
    exec(compile(block, "rendering.md view=bptt block", "exec"), namespace)  # noqa: S102 - our docs
    source = namespace["picture"].source
    for label in ("a<0>", "a<4>", "ŷ<2>", "L<3>", "‖∂L/∂a<1>‖"):
        assert label in source, label


def test_docs_pictures_stay_readable():
    """No graph picture in the docs is so wide that it only shows as a thumbnail: they are
    shown at their own size (scrolling sideways), at most about two page widths."""
    pictures = sorted(DOCS.glob("img/*.svg"))
    assert pictures
    for svg in pictures:
        width = float(re.search(r'<svg width="(\d+)pt"', svg.read_text(encoding="utf-8")).group(1))
        assert width <= 1700, f"{svg.name} is {width:.0f} pt wide"
