"""Data parallelism under `mpiexec -n 2`, checked against one process.

Each job runs tests/mpi_worker.py on two ranks (a few seconds); the references
are computed here, in this process, with no distributed code: the averaged
gradients must equal (g(shard 0) + g(shard 1)) / 2 bit for bit, 20 training
steps must match one process on the whole batch, no_sync must match
single-process accumulation, and a mismatched model, a raising rank and a rank
that never joins must each end quickly with a message instead of hanging.
In CI (CI=true) a missing MPI is a failure, never a skip.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import mpi_worker as W
import numpy as np
import pytest

from nn.recurrent import compiled

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.mpi


def _mpiexec() -> str | None:
    """mpiexec next to this Python (pip's mpich puts it there), else on PATH."""
    for folder in (os.path.dirname(sys.executable), sysconfig.get_path("scripts")):
        candidate = os.path.join(folder, "mpiexec")
        if os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("mpiexec")


def mpirun(arguments: list[str], timeout_s: float = 30, limit: float = 60, size: int = 2):
    """`mpiexec -n size python ARGUMENTS...`; returns (completed process, wall seconds)."""
    mpiexec = _mpiexec()
    missing = mpiexec is None
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        missing = True
    if missing:
        message = "MPI tests need mpi4py and an MPI runtime: pip install -e '.[mpi]'"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    env = dict(os.environ, MINIGRAD_DIST_TIMEOUT=str(timeout_s), OPENBLAS_NUM_THREADS="1",
               OMP_NUM_THREADS="1", PYTHONPATH=str(ROOT), MPLBACKEND="Agg")
    command = [mpiexec, "-n", str(size), sys.executable, *arguments]
    started = time.monotonic()
    try:
        done = subprocess.run(command, check=False, cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=limit)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"{' '.join(command)} hung for {limit} s:\n{exc.stdout}\n{exc.stderr}")
    return done, time.monotonic() - started


def run_job(scenario: str, out: Path, timeout_s: float = 30, limit: float = 60, size: int = 2):
    """The worker's `scenario` under mpiexec -n size."""
    return mpirun([str(ROOT / "tests" / "mpi_worker.py"), scenario, str(out)], timeout_s, limit, size)


def ranks(out: Path, size: int = 2) -> list[tuple[dict, dict]]:
    return [(json.loads((out / f"rank{r}.json").read_text()), dict(np.load(out / f"rank{r}.npz")))
            for r in range(size)]


@pytest.fixture(scope="module")
def happy(tmp_path_factory):
    out = tmp_path_factory.mktemp("happy")
    done, _ = run_job("happy", out)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return ranks(out)


def _reference_model(arrays: dict, prefix: str):
    """A fresh model holding the weights the job started from (rank 0's)."""
    model = W.build_model()
    model.load_state_dict({k.split("/", 1)[1]: v for k, v in arrays.items() if k.startswith(prefix + "/")})
    return model


def test_collectives_on_tensors_and_arrays(happy):
    (report0, _), (report1, _) = happy
    assert report0["communicator"] == "mpi" and report0["world_size"] == 2
    for backend in ("numpy", "strict"):
        for report in (report0, report1):   # rank r contributed [r + 1, 2r]
            assert report[f"allreduce_sum_{backend}"] == [backend, [3.0, 2.0]]
            assert report[f"allreduce_mean_{backend}"] == [backend, [1.5, 1.0]]
            assert report[f"allreduce_max_{backend}"] == [backend, [2.0, 2.0]]
            assert report[f"allreduce_min_{backend}"] == [backend, [1.0, 0.0]]
            assert report[f"allgather_{backend}"] == [backend, [[[0, 0]], [[1, 10]]]]
            assert report[f"broadcast_{backend}"] == [backend, [1.0, 1.0, 1.0]]
            assert report["allreduce_int"] == [3, 10]
            assert report["objects"] == [{"rank": 0, "name": "x"}, {"rank": 1, "name": "xx"}]
    assert report0["broadcast_view"] == [0.0, 1.0, 4.0, 3.0, 8.0, 5.0]   # only [::2] overwritten
    assert report1["broadcast_view"] == [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]


@pytest.mark.parametrize("backend", ["numpy", "strict"])
def test_averaged_gradients_are_bitwise_the_mean_of_the_shards(happy, backend, monkeypatch):
    (_, arrays0), (_, arrays1) = happy
    # Bit for bit needs the same arithmetic: a strict-backend worker runs the recurrent
    # gate math through xp, a NumPy one through the compiled loops (nn/recurrent/compiled.py).
    monkeypatch.setattr("nn.recurrent.compiled.enabled", backend == "numpy" and compiled.enabled)
    init = f"init_{backend}"
    for key in arrays0:                       # rank 1 began elsewhere: the broadcast made it rank 0's
        if key.startswith(init):
            np.testing.assert_array_equal(arrays1[key], arrays0[key])
    x, y = W.data()
    shard_grads = []
    for r in range(2):
        model = _reference_model(arrays0, init)
        W.loss_of(model, x[r * W.SHARD:(r + 1) * W.SHARD], y[r * W.SHARD:(r + 1) * W.SHARD]).backward()
        shard_grads.append({name: p.grad for name, p in model.named_parameters()})
    names = [name for name, _ in W.build_model().named_parameters()]
    for name in names:
        expected = (shard_grads[0][name] + shard_grads[1][name]) / 2
        for arrays in (arrays0, arrays1):
            got = arrays[f"grads_{backend}/{name}"]
            assert got.dtype == np.float64
            np.testing.assert_array_equal(got, expected, err_msg=name)   # bit for bit


def test_twenty_recurrent_steps_match_one_process_on_the_whole_batch(happy):
    (report0, arrays0), (_report1, arrays1) = happy
    x, y = W.data()
    model = W.build_model()
    optimizer = W.make_optimizer(model)
    norms = []
    for epoch in range(2):
        for batch0, batch1 in zip(W.shard_batches(0, epoch), W.shard_batches(1, epoch)):
            batch = np.concatenate([batch0, batch1])          # the large batch of both ranks
            norms.append(W.train_step(model, optimizer, x[batch], y[batch]))
    assert len(norms) == 20 and min(norms) > W.CLIP              # every step clipped
    np.testing.assert_allclose(report0["norms"], norms, rtol=1e-6)  # clipping saw the averaged grads
    for name, value in model.state_dict().items():
        for arrays in (arrays0, arrays1):
            np.testing.assert_allclose(arrays[f"trained/{name}"], value.numpy(), rtol=1e-6, atol=0,
                                       err_msg=name)
    initial = W.build_model().state_dict()
    assert any(not np.allclose(initial[k].numpy(), v.numpy()) for k, v in model.state_dict().items())


def test_no_sync_accumulation_matches_one_process(happy):
    (_, arrays0), (_, arrays1) = happy
    x, y = W.data()
    model = W.build_model()
    for k in range(3):                                         # three micro-batches of 8, accumulated
        W.loss_of(model, x[8 * k:8 * k + 8], y[8 * k:8 * k + 8]).backward()
    for name, p in model.named_parameters():
        for arrays in (arrays0, arrays1):
            np.testing.assert_allclose(arrays[f"accumulated/{name}"], p.grad, rtol=1e-12, atol=1e-15,
                                       err_msg=name)
    # inside no_sync the gradients stayed each rank's own
    assert any(not np.array_equal(arrays0[f"local/{name}"], arrays1[f"local/{name}"])
               for name, _ in model.named_parameters())


def test_bytes_per_sync_is_one_flat_float64_buffer(happy):
    (report0, _), _ = happy
    params = W.build_model().parameters()
    assert report0["bytes_per_sync"] == 8 * (sum(p.size for p in params) + len(params))


def test_a_different_parameter_shape_raises_on_every_rank(tmp_path):
    done, _seconds = run_job("mismatch", tmp_path, timeout_s=20)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for report, _ in ranks(tmp_path):
        error = report["error"]
        assert "parameter 'head.weight' of shape (3, 5)" in error and "(4, 5)" in error, error
        assert "rank 1" in error, error
        assert report["seconds"] < 20


def test_a_rank_that_raises_ends_the_job(tmp_path):
    done, seconds = run_job("raises", tmp_path, timeout_s=60)
    assert done.returncode != 0
    assert "rank 1 of 2: raised RuntimeError: rank one fails on purpose" in done.stderr, done.stderr[-3000:]
    assert seconds < 30          # far sooner than rank 0's 60 s collective timeout


def test_a_collective_that_a_rank_never_joins_times_out(tmp_path):
    done, seconds = run_job("hangs", tmp_path, timeout_s=2)
    assert done.returncode != 0
    assert "rank 0 of 2: allreduce of a float64 array of shape (3,) did not complete within the " \
           "timeout of 2 s" in done.stderr, done.stderr[-3000:]
    assert seconds < 30          # rank 1 sleeps 60 s: the abort ended it


EXAMPLES_LIMIT = 600  # seconds: these train real models, on a machine that may be busy


def test_digits_sequence_trains_data_parallel(tmp_path):
    done, _ = mpirun([str(ROOT / "examples" / "digits_sequence.py"), "--small", "--distributed",
                      "--no-progress", "--out", str(tmp_path)], timeout_s=120, limit=EXAMPLES_LIMIT)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert done.stdout.count("data-parallel over 2 processes (mpi)") == 1   # rank 0 alone logs
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["accuracy"] >= 0.95, metrics                             # chance: 10%
    assert (tmp_path / "digits_sequence.png").stat().st_size > 1000


def test_names_lm_trains_data_parallel(tmp_path):
    done, _ = mpirun([str(ROOT / "examples" / "names_lm.py"), "--small", "--distributed", "--steps", "60",
                      "--samples", "5", "--no-progress", "--out", str(tmp_path)], timeout_s=120,
                     limit=EXAMPLES_LIMIT)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert done.stdout.count("data-parallel over 2 processes (mpi)") == 1
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["steps"] == 60 and len(metrics["samples"]) == 5
    assert metrics["heldout_nll"] < 3.0, metrics         # uniform guessing: ln 28 = 3.33 nats/char
    assert (tmp_path / "names_lm.ckpt.safetensors").stat().st_size > 1000


def test_the_distributed_benchmark_reports_throughput_and_bytes(tmp_path):
    if _mpiexec() is None:
        mpirun([])  # fails in CI, skips elsewhere, with the install hint
    out = tmp_path / "bench.json"
    done = subprocess.run([sys.executable, "-m", "benchmarks.distributed", "--steps", "2", "--warmup", "1",
                           "--hidden", "16", "--json", str(out)], check=False, cwd=ROOT, capture_output=True,
                          text=True, timeout=EXAMPLES_LIMIT)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    one, two = json.loads(out.read_text())
    assert (one["processes"], one["communicator"], two["processes"], two["communicator"]) == (1, "mpi", 2, "mpi")
    assert one["bytes_allreduced_per_step"] == 0 and two["bytes_allreduced_per_step"] > 0
    assert two["chars_per_s"] > 0 and "speed-up" in done.stdout
