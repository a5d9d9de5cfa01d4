"""docs/recurrent.md's code runs: every Python block, in order, in one namespace."""
import pathlib
import re

import pytest

DOC = pathlib.Path(__file__).resolve().parent.parent / "docs" / "recurrent.md"


@pytest.mark.parity  # one block loads a PyTorch checkpoint
def test_every_code_block_in_the_recurrent_page_runs(torch):
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.DOTALL)
    assert len(blocks) >= 8
    namespace = {}
    for index, block in enumerate(blocks):
        try:
            exec(compile(block, f"{DOC.name} block {index}", "exec"), namespace)  # noqa: S102 - our own docs
        except Exception as exc:  # pragma: no cover - the message is the point
            raise AssertionError(f"docs/recurrent.md block {index} failed: {exc!r}\n{block}") from exc
    assert tuple(namespace["logits"].shape) == (7, 4, 50)
    assert len(namespace["sample"]) == 10
