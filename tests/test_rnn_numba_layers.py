"""The layer nodes' compiled time loops (nn/recurrent/numba_layers.py) and the matrix
product they call (minigrad/numba_blas.py).

The loops must give the bits of the same steps driven from Python: NumPy's matmul, then
the step's compiled gate kernel. The matrix product must give NumPy's bits whenever
NumPy's own gemm was found. The fallback through numba's np.dot must give the same
product, to rounding."""
import numpy as np
import pytest

import minigrad as mg
import nn
from nn.recurrent import compiled

numba_gates = pytest.importorskip("nn.recurrent.numba_gates")  # needs numba (a dependency)
numba_layers = pytest.importorskip("nn.recurrent.numba_layers")
numba_blas = pytest.importorskip("minigrad.numba_blas")

SHAPES = [(1, 1, 1), (3, 4, 5), (16, 64, 256), (7, 33, 129)]


def _scipy_openblas() -> bool:
    blas = np.__config__.CONFIG.get("Build Dependencies", {}).get("blas", {})
    return blas.get("name") == "scipy-openblas"


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_numpys_gemm_is_found_where_numpy_ships_it(dtype):
    if not _scipy_openblas():
        pytest.skip("NumPy was not built with its wheels' scipy-openblas")
    assert numba_blas.gemm_address(dtype) != 0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("accumulate", [False, True])
def test_matmul_into_gives_numpys_bits(dtype, shape, accumulate):
    m, k, n = shape
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(m, k)).astype(dtype), rng.normal(size=(k, n)).astype(dtype)
    start = rng.normal(size=(2, m, n)).astype(dtype)
    expected = start[1] + a @ b if accumulate else a @ b
    for address, exact in ((numba_blas.gemm_address(dtype), True), (0, False)):
        out = start.copy()
        numba_blas.matmul_into(address, a, b, out[1], accumulate)
        np.testing.assert_array_equal(out[0], start[0])  # nothing outside its rows is written
        if exact and address:
            np.testing.assert_array_equal(out[1], expected)
        else:
            np.testing.assert_allclose(out[1], expected, rtol=1e-5, atol=1e-5)


def _python_lstm_loop(h, c, weight_t, projected, reverse):
    """The LSTM forward loop as layers.py ran it before it was compiled whole."""
    steps = projected.shape[0]
    gates = np.empty_like(projected)
    out = np.empty((3, steps) + h.shape, projected.dtype)
    for t in (range(steps - 1, -1, -1) if reverse else range(steps)):
        np.matmul(h, weight_t, out=gates[t])
        numba_gates.lstm_forward(gates[t], projected[t], c, out[0, t], out[1, t], out[2, t])
        h, c = out[2, t], out[0, t]
    return gates, out


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reverse", [False, True])
def test_the_compiled_lstm_loop_gives_the_python_loops_bits(dtype, reverse):
    if numba_blas.gemm_address(dtype) == 0:
        pytest.skip("NumPy's own gemm was not found: the loop multiplies through np.dot")
    rng = np.random.default_rng(3)
    steps, batch, hidden = 6, 5, 9
    h, c = (rng.normal(size=(batch, hidden)).astype(dtype) for _ in range(2))
    weight_t = rng.normal(size=(hidden, 4 * hidden)).astype(dtype) * 0.5
    projected = rng.normal(size=(steps, batch, 4 * hidden)).astype(dtype)
    expected_gates, expected = _python_lstm_loop(h, c, weight_t, projected, reverse)
    gates = np.empty_like(projected)
    out = np.empty_like(expected)
    numba_layers.lstm_forward(numba_blas.gemm_address(dtype), reverse, h, c, weight_t,
                              projected, gates, out[0], out[1], out[2])
    np.testing.assert_array_equal(gates, expected_gates)
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("kind, options", [("LSTM", {}), ("GRU", {}), ("GRU", {"bias": False}),
                                           ("RNN", {}), ("RNN", {"nonlinearity": "relu"})])
def test_layers_run_their_compiled_loops_once_per_call(monkeypatch, kind, options):
    runs = []
    for name in ("forward", "backward"):
        entry = f"{kind.lower()}_{name}"
        original = getattr(numba_layers, entry)

        def counting(*args, _original=original, _name=name):
            runs.append(_name)
            return _original(*args)

        monkeypatch.setattr(numba_layers, entry, counting)
    layer = getattr(nn, kind)(3, 4, **options)
    layer(mg.randn(5, 2, 3))[0].sum().backward()
    assert runs == ["forward", "backward"]


def test_a_zero_size_batch_keeps_the_python_loop(monkeypatch):
    assert compiled.layer_loops(np, np.empty((3, 0, 8), np.float32)) is None
    assert compiled.layer_loops(np, np.empty((3, 2, 8), np.float32)) is not None


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
def test_without_numpys_gemm_the_loops_multiply_through_np_dot(monkeypatch, kind):
    """Where NumPy's gemm cannot be found (address 0), the same compiled loops run, their
    products through numba's np.dot: the numbers of the Python loop, to rounding."""
    def run(enabled):
        monkeypatch.setattr(compiled, "enabled", enabled)
        mg.manual_seed(0)
        layer = getattr(nn, kind)(3, 5, num_layers=2, bidirectional=True)
        x = mg.tensor(np.random.default_rng(0).normal(size=(4, 3, 3)).astype(np.float32),
                      requires_grad=True)
        output, _ = layer(x)
        (output * output).sum().backward()
        return [np.array(output.data), np.array(x.grad)] + [np.array(p.grad)
                                                           for p in layer.parameters()]

    reference = run(False)
    monkeypatch.setattr(numba_blas, "_addresses", {np.dtype(np.float32): 0})
    addresses = []
    original = getattr(numba_layers, f"{kind.lower()}_forward")
    monkeypatch.setattr(numba_layers, f"{kind.lower()}_forward",
                        lambda gemm, *args: addresses.append(gemm) or original(gemm, *args))
    results = run(True)
    assert addresses == [0] * 4  # two layers, two directions: the compiled loop, through np.dot
    for ours, theirs in zip(results, reference):
        np.testing.assert_allclose(ours, theirs, rtol=2e-5, atol=2e-6)
