"""Real CuPy on a CUDA device: a few ops, backward, and the to("cupy") round trip.

Skipped unless CuPy is installed and `cupy.is_available()`; the strict backend
covers the same code paths everywhere else.
"""
import numpy as np
import pytest
from helpers import assert_close, host

import minigrad as mg

cupy = pytest.importorskip("cupy")
pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(not cupy.is_available(), reason="no CUDA device for CuPy"),
]


def pair(array):
    """The same float64 leaf on numpy and on cupy."""
    return (mg.tensor(array, backend="numpy", requires_grad=True),
            mg.tensor(array, backend="cupy", requires_grad=True))


EXPRESSIONS = {
    "arith": lambda a, b: ((a * b + 2.0) / (b.abs() + 1.0)) ** 2 - a,
    "matmul_tanh": lambda a, b: (a @ b.T).tanh(),
    "reductions": lambda a, b: a.max(axis=0) + b.var(axis=0) + a.logsumexp(axis=0),
    "softmax": lambda a, b: a.softmax() * b.log_softmax(axis=0),
    "index": lambda a, b: a[np.array([0, 2, 2])] * b[1:, ::-1][0],
    "joining": lambda a, b: mg.stack(mg.chunk(mg.cat([a, b], axis=1), 2, axis=1)).sigmoid(),
    "where": lambda a, b: mg.where(a > b, a.exp(), mg.maximum(a, b).relu()),
}


@pytest.mark.parametrize("name", sorted(EXPRESSIONS))
def test_cupy_matches_numpy_values_and_grads(name):
    rng = np.random.default_rng(0)
    a_np, b_np = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    (a, a_gpu), (b, b_gpu) = pair(a_np), pair(b_np)
    fn = EXPRESSIONS[name]
    out, out_gpu = fn(a, b), fn(a_gpu, b_gpu)
    assert out_gpu.backend == "cupy"
    assert_close(out_gpu, out)
    out.sum().backward()
    out_gpu.sum().backward()
    for cpu, gpu in [(a, a_gpu), (b, b_gpu)]:
        assert isinstance(gpu.grad, cupy.ndarray)
        assert_close(host(gpu.grad), cpu.grad)


def test_to_cupy_round_trip_is_differentiable():
    x = mg.tensor([1.0, -2.0, 3.0], dtype="float64", requires_grad=True)
    y = x.to("cupy")
    assert y.backend == "cupy" and isinstance(y.data, cupy.ndarray)
    z = (y.exp() * y).to("numpy")
    assert z.backend == "numpy"
    z.sum().backward()
    values = np.array([1.0, -2.0, 3.0])
    np.testing.assert_allclose(x.grad, np.exp(values) * (1.0 + values))


def test_cupy_creation_and_seeded_randomness():
    mg.manual_seed(5)
    first = mg.randn(4, backend="cupy").numpy()
    mg.manual_seed(5)
    second = mg.randn(4, backend="cupy").numpy()
    np.testing.assert_array_equal(first, second)
    assert mg.zeros(2, 3, backend="cupy").backend == "cupy"
    assert isinstance(mg.ones((2,), backend="cupy").data, cupy.ndarray)


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN", "RNN relu"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("options", [{}, {"num_layers": 2, "bidirectional": True, "lengths": [4, 1, 3]}],
                         ids=["one layer", "padded 2-layer bidirectional"])
def test_recurrent_layers_run_the_cuda_gate_kernels(monkeypatch, kind, dtype, options):
    """On CuPy each step's gates are one kernel (nn/recurrent/cuda_gates.py), with the
    numbers of the NumPy path; tests/test_rnn_cuda_gates.py checks their C on the CPU."""
    from test_rnn_numba import assert_same, run

    from nn.recurrent import cuda_gates

    calls = []
    made = cuda_gates.kernel
    monkeypatch.setattr(cuda_gates, "kernel", lambda name: calls.append(name) or made(name))
    ours = run(monkeypatch, "xp", kind, dtype, 6, 3, backend="cupy", **options)
    assert {name.rsplit("_", 1)[1] for name in calls} == {"forward", "backward"}
    assert_same(ours, run(monkeypatch, "xp", kind, dtype, 6, 3, **options), dtype)
