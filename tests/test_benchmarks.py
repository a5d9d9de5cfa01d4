"""The benchmark runner in its tiny configuration: a smoke check that it runs end to end
and that every framework computes the same loss from the same weights (not a timing test)."""
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.slow
def test_tiny_benchmark_runs_and_the_frameworks_agree(tmp_path):
    out = tmp_path / "results.json"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--config", "tiny", "--repeats", "1", "--warmup", "0",
         "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "minigrad / PyTorch" in done.stdout and "| LSTM" in done.stdout
    result = json.loads(out.read_text())
    frameworks = {"minigrad", "numpy"}
    try:
        import torch  # noqa: F401
        frameworks.add("torch")
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("torch is required in CI")
    names = [w["name"] for w in result["workloads"]]
    assert any(n.startswith("LSTM 2-layer bidir") for n in names)
    assert any(n.startswith("GRU") for n in names) and any(n.startswith("RNN") for n in names)
    assert any("MLP" in n for n in names) and any("chain" in n for n in names)
    assert any(n.startswith("word LM") for n in names)
    optional = {"micrograd"}  # timed as well where it is installed
    for workload in result["workloads"]:
        assert workload["losses_agree"], (workload["name"], workload["loss"])
        timed = set(workload["median_s"]) - optional
        assert {"minigrad"} <= timed <= frameworks
        if workload["group"] == "recurrent" and not workload["name"].startswith("word LM"):
            assert timed == frameworks, workload["name"]  # (no NumPy-by-hand word LM)
        elif workload["group"] not in ("chain", "elementwise"):
            assert timed == frameworks - ({"numpy"} if "word LM" in workload["name"] else set())
    long_runs = result["long_rnn"]
    assert {(r["framework"], r["T"]) for r in long_runs} == {(f, t) for f in frameworks for t in (30, 300)}
    assert not any("error" in r for r in long_runs)
    by_length = {}
    for run in long_runs:
        by_length.setdefault(run["T"], []).append(run["loss"])
    for losses in by_length.values():  # same weights and data: the same loss everywhere
        assert max(losses) - min(losses) <= 1e-4 * max(1.0, abs(losses[0]))


# -- benchmarks/scalar_floor.py: the least a backward walk over minigrad's nodes costs ----------

def test_the_floor_walk_runs_each_node_once_after_all_its_consumers():
    import minigrad as mg
    from benchmarks.scalar_floor import floor_walk
    from minigrad.walk import consumers_first, gradient_inputs

    x = mg.tensor(0.5, requires_grad=True)
    a = x * 2.0
    b = mg.tanh(a) + a  # a feeds two nodes: it runs once, after both
    root = b * a + x
    assert floor_walk(root) == len(list(consumers_first([root.grad_fn], gradient_inputs))) == 5


def test_the_scalar_floor_script_reports_per_op_figures(tmp_path):
    out = tmp_path / "floor.json"
    run = subprocess.run([sys.executable, "-m", "benchmarks.scalar_floor", "--ops", "30",
                          "--rounds", "2", "--json", str(out)],
                         check=False, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    result = json.loads(out.read_text())
    assert result["nodes_walked"] == 30  # one node per op of the chain
    figures = result["us_per_op"]
    assert {"minigrad forward", "minigrad backward", "floor walk"} <= set(figures)
    assert all(value > 0 for value in figures.values())
    assert bool(result["ratios"]) == ("micrograd forward" in figures)
    assert "floor walk" in run.stdout
