"""The fused steps' compiled gate math (nn/recurrent/numba_gates.py) gives the numbers of
their xp path and of the cell's own gate-by-gate `step`: values and every gradient,
float64 tightly, float32 loosely, for LSTM, GRU and RNN (tanh and relu). The xp path
stays the reference, and it is what the strict backend (and CuPy) always run."""
import importlib

import numpy as np
import pytest
from helpers import assert_close, host

import minigrad as mg
import nn
from nn.recurrent import compiled

numba_gates = pytest.importorskip("nn.recurrent.numba_gates")  # needs numba (a dependency)
numba = pytest.importorskip("numba")
numba_layers = pytest.importorskip("nn.recurrent.numba_layers")

# The argument of each compiled time loop whose first dimension is the number of steps
LOOP_STEPS = {("lstm", "forward"): 5, ("gru", "forward"): 5, ("rnn", "forward"): 4,
              ("lstm", "backward"): 2, ("gru", "backward"): 2, ("rnn", "backward"): 2}

STEPS = 4
PATHS = {"compiled": (True, True), "xp": (True, False), "cell": (False, False)}  # fused, numba
KINDS = {"LSTM": ("LSTM", {}), "GRU": ("GRU", {}), "RNN": ("RNN", {}),
         "RNN relu": ("RNN", {"nonlinearity": "relu"})}


@pytest.fixture
def calls(monkeypatch):
    """How many steps ran compiled, forward and backward (any cell): a step node calls its
    gate kernel (numba_gates.py) once a step, a layer node its whole compiled time loop
    (numba_layers.py) once, counted here as that many steps."""
    counts = {"forward": 0, "backward": 0}

    def counted(original, name, steps=None):
        def counting(*args):
            counts[name] += 1 if steps is None else args[steps].shape[0]
            return original(*args)
        return counting

    for cell in ("lstm", "gru", "rnn"):
        for name in counts:
            entry = f"{cell}_{name}"
            monkeypatch.setattr(numba_gates, entry, counted(getattr(numba_gates, entry), name))
            monkeypatch.setattr(numba_layers, entry, counted(getattr(numba_layers, entry), name,
                                                             LOOP_STEPS[cell, name]))
    return counts


def run(monkeypatch, path, kind, dtype, hidden, batch, backend="numpy", with_state=True,
        lengths=None, x_values=None, **options):
    """One forward and backward of the `kind` preset on `path`; its outputs and gradients."""
    fused, use_numba = PATHS[path]
    monkeypatch.setattr(compiled, "enabled", use_numba)
    preset, preset_options = KINDS[kind]
    mg.manual_seed(0)
    layer = getattr(nn, preset)(3, hidden, fused=fused, dtype=dtype, backend=backend,
                                **preset_options, **options)
    rng = np.random.default_rng(1)
    layers = options.get("num_layers", 1) * (2 if options.get("bidirectional") else 1)
    if x_values is None:
        x_values = rng.normal(size=(STEPS, batch, 3))
    x = mg.tensor(x_values.astype(dtype), backend=backend, requires_grad=True)
    state = [mg.tensor(rng.normal(size=(layers, batch, hidden)).astype(dtype), backend=backend,
                       requires_grad=True) for _ in range(2 if preset == "LSTM" else 1)]
    state = state if with_state else []
    hx = (tuple(state) if len(state) == 2 else state[0]) if state else None
    output, final = layer(x, hx, lengths=lengths)
    final = dict(zip("hc", final if isinstance(final, tuple) else (final,)))
    weights = [mg.tensor(rng.normal(size=t.shape).astype(dtype), backend=backend)
               for t in (output, final["h"])]
    ((output * weights[0]).sum() + (final["h"] * weights[1]).sum()).backward()  # all outputs count
    grads = {f"grad {name}": p.grad for name, p in layer.named_parameters()}
    grads["grad x"] = x.grad
    grads.update({f"grad {name}0": s.grad for name, s in zip("hc", state)})
    return {"output": output, **final, **grads}


def assert_same(ours, theirs, dtype):
    assert ours.keys() == theirs.keys()
    for name, value in theirs.items():
        assert_close(ours[name], host(value), dtype, what=name)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("batch, hidden", [(1, 1), (1, 5), (3, 4), (2, 9), (5, 16)])
@pytest.mark.parametrize("with_state", [False, True])
def test_compiled_gates_equal_the_xp_step_and_the_cells_step(monkeypatch, calls, kind, dtype,
                                                            bias, batch, hidden, with_state):
    results = {path: run(monkeypatch, path, kind, dtype, hidden, batch, with_state=with_state,
                         bias=bias) for path in PATHS}
    assert calls == {"forward": STEPS, "backward": STEPS}  # the compiled path ran, and only it
    assert_same(results["compiled"], results["xp"], dtype)
    assert_same(results["compiled"], results["cell"], dtype)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_shrinking_batches_and_stacked_bidirectional_layers(monkeypatch, calls, kind, dtype):
    options = {"num_layers": 2, "bidirectional": True, "lengths": [4, 1, 3]}
    results = {path: run(monkeypatch, path, kind, dtype, 6, 3, **options) for path in PATHS}
    assert calls["forward"] > 0 and calls["backward"] > 0
    assert_same(results["compiled"], results["xp"], dtype)
    assert_same(results["compiled"], results["cell"], dtype)


@pytest.mark.parametrize("kind", KINDS)
def test_the_strict_backend_runs_the_xp_path(monkeypatch, calls, kind):
    strict = run(monkeypatch, "compiled", kind, "float64", 4, 2, backend="strict")
    assert calls == {"forward": 0, "backward": 0}  # a device-like array never reaches numba
    assert_same(run(monkeypatch, "compiled", kind, "float64", 4, 2), strict, np.float64)


def test_switched_off_by_the_environment(monkeypatch, calls):
    monkeypatch.setenv("MINIGRAD_NUMBA", "0")
    try:
        importlib.reload(compiled)
        assert not compiled.enabled
        for layer in (nn.LSTM(3, 4), nn.GRU(3, 4), nn.RNN(3, 4)):
            layer(mg.randn(STEPS, 2, 3))[0].sum().backward()
        assert calls == {"forward": 0, "backward": 0}
    finally:
        monkeypatch.delenv("MINIGRAD_NUMBA")
        importlib.reload(compiled)
    assert compiled.enabled


@pytest.mark.parametrize("kind", KINDS)
def test_a_nan_stays_a_nan(monkeypatch, kind):
    x = np.random.default_rng(2).normal(size=(STEPS, 3, 3))
    x[1, 0, 0] = np.nan  # sequence 0 is NaN from t=1 on, the others stay finite
    ours, theirs = (run(monkeypatch, path, kind, "float32", 4, 3, with_state=False, x_values=x)
                    for path in ("compiled", "xp"))
    for name in ours:
        np.testing.assert_array_equal(np.isnan(host(ours[name])), np.isnan(host(theirs[name])),
                                      err_msg=name)
    output = host(ours["output"])
    assert np.isnan(output[1:, 0]).all() and not np.isnan(output[:, 1:]).any()


@numba.njit
def _tanh_all(x, out):
    for k in range(x.size):
        out[k] = numba_gates.tanh(x[k])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_compiled_tanh(dtype):
    x = np.concatenate([np.linspace(-12, 12, 20001), [0.0, 1e-30, -1e-7, np.inf, -np.inf]])
    x = x.astype(dtype)
    out = np.empty_like(x)
    _tanh_all(x, out)
    exact = np.tanh(x.astype(np.float64))
    if dtype == np.float32:  # the rational approximation
        np.testing.assert_allclose(out, exact, rtol=4e-7, atol=4e-7)
    else:  # libm's tanh (NumPy's own may differ in the last bit)
        np.testing.assert_allclose(out, exact, rtol=1e-15, atol=0)
    nan = np.full(1, np.nan, dtype)
    _tanh_all(nan, nan)
    assert np.isnan(nan).all()
