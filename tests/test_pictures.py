"""The BPTT view's readability targets, measured on Graphviz's own layout.

Crossings are counted as benchmarks/pictures.py counts them (pairs of drawn edges
whose spline control polygons intersect, edges sharing an endpoint excluded), on
`view="bptt"` pictures drawn with `show_grads=True` after a backward pass.
"""
from __future__ import annotations

import pytest
from dot_helpers import require_dot

from benchmarks import pictures

TARGETS = [  # (model, variant, the most crossings allowed)
    ("rnn-per-step", "bptt", 0),
    *[(f"{kind}-{fusion}", variant, pictures.MODELS[f"{kind}-{fusion}"])  # ≤ 1 per step
      for kind in ("lstm", "gru") for fusion in ("fused", "unfused")
      for variant in ("bptt", "bptt-gates")],
    ("bilstm-2layer", "bptt", 2 * 2 * pictures.MODELS["bilstm-2layer"]),  # ≤ 2 per step per layer
]


@pytest.mark.parametrize("name, variant, most", TARGETS, ids=[f"{n} {v}" for n, v, _ in TARGETS])
def test_crossings_and_labels_meet_the_targets(name, variant, most):
    require_dot()
    result = pictures.measure(name, pictures.MODELS[name], variant)
    assert result["crossings"] <= most, result
    assert result["unlabelled"] == 0, result


def test_the_bptt_view_is_far_smaller_than_the_op_graph():
    require_dot()
    ops = pictures.measure("lstm-unfused", 6, "ops")
    bptt = pictures.measure("lstm-unfused", 6, "bptt")
    assert bptt["nodes"] * 3 < ops["nodes"] and bptt["crossings"] < ops["crossings"]


@pytest.mark.parametrize("variant", ["bptt", "bptt-gates"])
def test_width_grows_linearly_with_the_number_of_steps(variant):
    require_dot()
    widths = {steps: pictures.measure("lstm-fused", steps, variant)["width"] for steps in (3, 6, 12)}
    first, second = widths[6] - widths[3], widths[12] - widths[6]  # 3 and 6 more steps
    assert first > 0 and 1.6 < second / first < 2.4, widths
