"""Every code block of the README and the docs is run, or says why it is only an illustration.

A page is read as a reader would: its ```python blocks run in order in one namespace (a
later block builds on the names of an earlier one), in a fresh temporary directory, with
the library's documented defaults. A block that cannot run here (it needs a GPU, mpiexec,
a long training run, or it quotes the library's own source) carries a marker on the line
right before its fence, with the reason:

    <!-- illustration: needs a CUDA device -->
    ```python
    ...

An unmarked ```python block that raises fails this test, naming the page, the block's
line and the error. Command blocks (```bash, or a bare ``` fence whose lines are shell
commands) are not run (they install packages or train for minutes); what is cheap and safe
to check about them is checked: the extras they install exist in setup.cfg, the example
scripts they run exist, and the options they pass are ones the script declares.
The API pages under docs/api/ are generated from the docstrings and doctested elsewhere.
"""
from __future__ import annotations

import configparser
import contextlib
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

import minigrad as mg

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["README.md"] + sorted(
    str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md")
)
MARKER = re.compile(r"^\s*<!--\s*illustration:\s*(?P<reason>.*?)\s*-->\s*$")
FENCE = re.compile(r"^(?P<indent>\s*)```(?P<info>[^`]*)$")


@dataclass
class Block:
    page: str
    line: int  # 1-based line of the opening fence
    info: str  # the fence's info string: "python", "bash", "" ...
    code: str
    illustration: str | None  # the marker's reason, or None when the block must run


def page_blocks(page: str) -> list[Block]:
    """The fenced code blocks of a Markdown page, in order (fences inside a list item too)."""
    lines = (ROOT / page).read_text(encoding="utf-8").splitlines()
    blocks, index = [], 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        indent, info = opening["indent"], opening["info"].strip().split(" ")[0]
        previous = next((lines[i] for i in range(index - 1, -1, -1) if lines[i].strip()), "")
        marker = MARKER.match(previous)
        body, end = [], index + 1
        while end < len(lines) and lines[end].strip() != "```":
            body.append(lines[end].removeprefix(indent))
            end += 1
        assert end < len(lines), f"{page}:{index + 1}: a code fence is never closed"
        blocks.append(Block(page, index + 1, info, "\n".join(body) + "\n",
                            marker["reason"] if marker else None))
        index = end + 1
    return blocks


def _python_pages() -> list[str]:
    return [page for page in PAGES if any(b.info == "python" for b in page_blocks(page))]


def _says_getting_started(ns: dict) -> None:
    assert f"{ns['g'].item():.4f}" == "24.7041"
    assert ns["accuracy"] >= 0.95
    assert ns["out"] == ns["text"]


def _says_coming_from_micrograd(ns: dict) -> None:  # micrograd's README example, its numbers
    assert f"{ns['g'].item():.4f}" == "24.7041"
    assert f"{ns['a'].grad.item():.4f}" == "138.8338"


def _says_recurrent(ns: dict) -> None:
    assert tuple(ns["logits"].shape) == (7, 4, 50)
    assert len(ns["sample"]) == 10


# What a page says its code gives, checked on the namespace its blocks leave behind.
PAGE_SAYS = {"docs/getting-started.md": _says_getting_started,
             "docs/coming-from-micrograd.md": _says_coming_from_micrograd,
             "docs/recurrent.md": _says_recurrent}


@pytest.mark.parametrize("page", _python_pages())
def test_every_python_block_of_the_page_runs(page, tmp_path, monkeypatch):
    """The page's blocks, in order, in one namespace, as a reader pasting them would."""
    blocks = [b for b in page_blocks(page) if b.info == "python"]
    runnable = [b for b in blocks if b.illustration is None and _quoted_file(b) is None]
    if any("import torch" in b.code for b in runnable):
        pytest.importorskip("torch")  # the parity extra; in CI it is installed
    monkeypatch.chdir(tmp_path)  # files the page writes land here
    namespace: dict = {"__name__": "__docs__"}
    for block in runnable:
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                exec(compile(block.code, f"{page}:{block.line}", "exec"), namespace)  # noqa: S102 - our docs
        except Exception as exc:
            raise AssertionError(
                f"{page}, the block at line {block.line} failed: {exc!r}\n{block.code}"
                "(mark it <!-- illustration: why --> if it is not meant to run here)"
            ) from exc
    if page in PAGE_SAYS:  # what the page says happens, happens
        PAGE_SAYS[page](namespace)
    mg.set_default_backend("numpy")
    mg.set_default_dtype("float32")


def test_every_illustration_gives_its_reason():
    for page in PAGES:
        for block in page_blocks(page):
            if block.illustration is not None:
                assert len(block.illustration) >= 8, f"{page}:{block.line}: say why it does not run"


def _quoted_file(block: Block) -> Path | None:
    """A block whose first line is `# <path of a file of this repository>` quotes that file."""
    first = block.code.splitlines()[0].strip() if block.code.strip() else ""
    match = re.fullmatch(r"#\s*(\S+\.py)", first)
    return ROOT / match[1] if match and (ROOT / match[1]).is_file() else None


def test_quoted_source_is_what_the_file_says():
    """A quotation of the library (`# minigrad/ops/elementwise.py` on its first line) is not
    run but compared: its lines appear in that file, in order (a comment may be added)."""
    quotes = [(b, _quoted_file(b)) for page in PAGES for b in page_blocks(page) if b.info == "python"]
    quotes = [(b, path) for b, path in quotes if path is not None]
    assert quotes, "the engine page quotes the library's source"
    for block, path in quotes:
        source = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
        position = 0
        for line in block.code.splitlines()[1:]:
            code = line.split("  #")[0].strip()  # the docs may comment a quoted line
            if not code:
                continue
            try:
                position = next(i for i in range(position, len(source))
                                if source[i].split("  #")[0].strip() == code) + 1
            except StopIteration:
                raise AssertionError(f"{block.page}:{block.line} quotes {path.relative_to(ROOT)}, "
                                     f"which has no line {code!r} (after the lines before it)") from None


def _extras() -> set[str]:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    return set(config["options.extras_require"])


def _command_lines(page: str) -> list[tuple[int, str]]:
    """Shell lines of a page: non-python fenced blocks and (the README's) indented lines."""
    lines = []
    for block in page_blocks(page):
        if block.info not in ("python", "text"):
            lines += [(block.line, line) for line in block.code.splitlines()]
    text = re.sub(r"^```.*?^```", "", (ROOT / page).read_text(encoding="utf-8"),
                  flags=re.DOTALL | re.MULTILINE)
    lines += [(0, line) for line in text.splitlines() if line.startswith("    ")]
    return [(n, line.split(" #")[0].strip()) for n, line in lines if line.strip()]


@pytest.mark.parametrize("page", PAGES)
def test_command_blocks_name_real_extras_scripts_and_options(page):
    """Not run (installs, minutes of training), but checked: `pip install -e ".[x]"` names
    extras of setup.cfg, `python examples/x.py --opt` a script that declares --opt."""
    extras, checked = _extras(), 0
    for line_number, line in _command_lines(page):
        where = f"{page}:{line_number}: {line}"
        for group in re.findall(r'-e "?\.\[([^\]]+)\]', line):
            for extra in group.split(","):
                assert extra.strip() in extras, f"{where}: setup.cfg has no extra {extra!r}"
                checked += 1
        for part in line.split("&&"):
            match = re.search(r"python3? (examples/\S+\.py)(.*)", part)
            if not match:
                continue
            script = ROOT / match[1]
            assert script.is_file(), f"{where}: no {match[1]}"
            declared = script.read_text(encoding="utf-8") + (ROOT / "examples" / "_common.py").read_text(
                encoding="utf-8")
            for option in re.findall(r"(--[a-z][a-z0-9-]*)", match[2]):
                assert f'"{option}"' in declared, f"{where}: {match[1]} has no option {option}"
            checked += 1
        for module in re.findall(r"python3? -m (benchmarks(?:\.\w+)?)", line):
            path = ROOT / module.replace(".", "/")
            assert path.with_suffix(".py").is_file() or (path / "__main__.py").is_file(), where
    if page == "README.md":
        assert checked >= 3  # the demo's extra and script, the tests' extras


def test_every_marker_stands_right_before_a_fence():
    for page in PAGES:
        lines = (ROOT / page).read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines):
            if MARKER.match(line):
                following = next((ln for ln in lines[number + 1:] if ln.strip()), "")
                assert FENCE.match(following), f"{page}:{number + 1}: a marker must precede a code fence"


def test_every_page_whose_results_are_checked_exists():
    assert set(PAGE_SAYS) <= set(_python_pages())
