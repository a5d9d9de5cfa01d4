"""The CUDA gate kernels (nn/recurrent/cuda_gates.py) give the numbers of the xp path, without
a GPU: their C bodies compiled for the CPU (tests/host_kernels.py), one kernel at a time and
wired into whole LSTM, GRU and RNN layers and padded steps. Also: only CuPy arrays reach them.
On a GPU, tests/test_cupy.py runs them for real."""
import os
import types

import numpy as np
import pytest
from helpers import assert_close
from host_kernels import COMPILER, HostKernel
from test_rnn_numba import KINDS, assert_same, run

from nn.recurrent import compiled, cuda_gates, fused

if COMPILER is None:
    if os.environ.get("CI"):
        raise RuntimeError("CI needs a C++ compiler (g++) to test the CUDA gate kernels")
    pytest.skip("no C++ compiler (apt-get install g++)", allow_module_level=True)

DTYPES = ["float64", "float32"]


@pytest.fixture
def host(monkeypatch):
    """cuda_gates with its kernels compiled for the CPU; counts the kernel calls by name."""
    calls = {}

    def make(name, source):
        kernel = HostKernel(name, source)

        def counted(*arrays):
            calls[name] = calls.get(name, 0) + 1
            return kernel(*arrays)
        return counted

    monkeypatch.setattr(cuda_gates, "make_kernel", make)
    monkeypatch.setattr(cuda_gates, "_made", {})
    return calls


def arrays(rng, dtype, *shapes):
    return [rng.normal(size=shape).astype(dtype) for shape in shapes]


def both(function, *args):
    """function(np, kernels, ...) on the xp path and on the host-compiled kernels, each on
    its own copies of the arrays: (xp result, kernel result, xp arrays, kernel arrays)."""
    mine = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    theirs = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    reference = function(np, None, *theirs)
    result = function(np, cuda_gates, *mine)
    return reference, result, theirs, mine


def assert_all_close(ours, theirs, dtype):
    for k, (a, b) in enumerate(zip(ours, theirs)):
        if isinstance(b, np.ndarray):
            assert_close(a, b, dtype, what=f"array {k}")


@pytest.mark.parametrize("dtype", DTYPES)
def test_lstm_kernels(host, dtype):
    rng = np.random.default_rng(0)
    batch, hidden = 3, 5
    vectors = fused._lstm_vectors(np, 4 * hidden, np.dtype(dtype))
    gates, projected = arrays(rng, dtype, (batch, 4 * hidden), (batch, 4 * hidden))
    c_prev, = arrays(rng, dtype, (batch, hidden))
    empty = [np.empty((batch, hidden), dtype) for _ in range(3)]
    _, _, theirs, mine = both(fused.lstm_gates, gates, projected, c_prev, vectors, *empty)
    assert_all_close(mine, theirs, dtype)  # the gates in place, c<t>, tanh c<t>, a<t>
    gates, tanh_c = theirs[0], theirs[5]
    grad_h, grad_c = arrays(rng, dtype, (batch, hidden), (batch, hidden))
    delta = np.empty((batch, 4 * hidden), dtype)
    reference, result, theirs, mine = both(fused.lstm_gate_gradients, gates, tanh_c, c_prev,
                                           grad_h, grad_c, delta, vectors, True)
    assert_close(result, reference, dtype, what="dc<t-1>")
    assert_close(mine[5], theirs[5], dtype, what="δ<t>")
    assert host == {"lstm_forward": 1, "lstm_backward": 1}


@pytest.mark.parametrize("dtype", DTYPES)
def test_gru_kernels(host, dtype):
    rng = np.random.default_rng(1)
    batch, hidden = 4, 3
    recurrent, projected = arrays(rng, dtype, (batch, 3 * hidden), (batch, 3 * hidden))
    h_prev, = arrays(rng, dtype, (batch, hidden))
    outputs = [np.empty((batch, 2 * hidden), dtype), np.empty((batch, hidden), dtype),
               np.empty((batch, hidden), dtype)]
    _, _, theirs, mine = both(fused.gru_gates, recurrent, projected, h_prev, *outputs)
    assert_all_close(mine, theirs, dtype)  # Γr and z, c~<t>, a<t>
    gates, candidate = theirs[3], theirs[4]
    grad_h, = arrays(rng, dtype, (batch, hidden))
    d_input, delta = np.empty((batch, 3 * hidden), dtype), np.empty((batch, 3 * hidden), dtype)
    reference, result, theirs, mine = both(fused.gru_gate_gradients, gates, candidate,
                                           recurrent[:, 2 * hidden:], h_prev, grad_h, d_input,
                                           delta)
    assert_close(result, reference, dtype, what="da<t> z")
    assert_close(mine[5], theirs[5], dtype, what="δ of W_i x + b_i")
    assert_close(mine[6], theirs[6], dtype, what="δ of W_h a + b_h")
    assert host == {"gru_forward": 1, "gru_backward": 1}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("relu", [False, True])
def test_rnn_kernels(host, dtype, relu):
    rng = np.random.default_rng(2)
    h, projected, grad_h = arrays(rng, dtype, (3, 7), (3, 7), (3, 7))
    h[0, 0] = np.nan  # a NaN stays a NaN, as in NumPy
    _, _, theirs, mine = both(fused.rnn_activation, h, projected, relu)
    assert_all_close(mine, theirs, dtype)
    assert np.isnan(mine[0][0, 0])
    delta = np.empty((3, 7), dtype)
    _, _, theirs, mine = both(fused.rnn_activation_gradient, theirs[0], grad_h, delta, relu)
    assert_all_close(mine, theirs, dtype)
    kind = "relu" if relu else "tanh"
    assert host == {f"rnn_{kind}_forward": 1, f"rnn_{kind}_backward": 1}


def test_an_output_gradient_broadcast_over_the_batch(host):
    """Inputs may be broadcast views (a mean's gradient), as CuPy allows."""
    rng = np.random.default_rng(3)
    h, = arrays(rng, "float64", (4, 6))
    grad_h = np.broadcast_to(np.float64(0.25), (4, 6))
    delta, expected = np.empty((4, 6)), np.empty((4, 6))
    fused.rnn_activation_gradient(np, cuda_gates, h, grad_h, delta, False)
    fused.rnn_activation_gradient(np, None, h, grad_h, expected, False)
    assert_close(delta, expected, "float64")


@pytest.fixture
def wired(monkeypatch, host):
    """Layers and steps on NumPy that call the host-compiled CUDA kernels where CuPy arrays
    would call the real ones (numba's loops off)."""
    def kernels(xp, *given):
        return cuda_gates if compiled._one_float_dtype(np.ndarray, given) else None

    monkeypatch.setattr(compiled, "cuda_gate_kernels", kernels)
    monkeypatch.setattr(compiled, "gate_kernels", kernels)
    monkeypatch.setattr(compiled, "layer_loops", lambda xp, *given: None)
    return host


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("options", [{}, {"num_layers": 2, "bidirectional": True},
                                     {"bidirectional": True, "lengths": [4, 1, 3]}],
                         ids=["one layer", "2-layer bidirectional", "padded"])
def test_layers_on_the_kernels_equal_the_xp_path(monkeypatch, wired, kind, dtype, options):
    ours = run(monkeypatch, "xp", kind, dtype, 6, 3, **options)
    assert wired and all(count > 0 for count in wired.values())  # every kernel ran
    names = {name.rsplit("_", 1)[1] for name in wired}
    assert names == {"forward", "backward"}
    monkeypatch.setattr(compiled, "cuda_gate_kernels", lambda xp, *given: None)
    monkeypatch.setattr(compiled, "gate_kernels", lambda xp, *given: None)
    assert_same(ours, run(monkeypatch, "xp", kind, dtype, 6, 3, **options), dtype)


class _Fake:
    """Stands in for cupy.ndarray: only its type and dtype are looked at."""

    def __init__(self, dtype):
        self.dtype = np.dtype(dtype)


def test_only_cupy_arrays_of_a_float_dtype_reach_the_kernels(monkeypatch):
    cupy = types.SimpleNamespace(__name__="cupy", ndarray=_Fake)
    assert compiled.gate_kernels(cupy, _Fake("float32"), _Fake("float32")) is cuda_gates
    assert compiled.cuda_gate_kernels(cupy, _Fake("float64")) is cuda_gates
    assert compiled.gate_kernels(cupy, _Fake("float32"), _Fake("float64")) is None
    assert compiled.gate_kernels(cupy, _Fake("float16")) is None
    assert compiled.gate_kernels(cupy, _Fake("float32"), np.zeros(2, np.float32)) is None
    assert compiled.layer_loops(cupy, _Fake("float32")) is None  # numba never sees them
    assert compiled.cuda_gate_kernels(np, np.zeros(2, np.float32)) is None
    strict = types.SimpleNamespace(__name__="minigrad.strict_backend", ndarray=_Fake)
    assert compiled.gate_kernels(strict, _Fake("float32")) is None
    monkeypatch.setattr(compiled, "cuda_enabled", False)
    assert compiled.gate_kernels(cupy, _Fake("float32")) is None
