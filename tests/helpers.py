"""Test helpers: run one expression in minigrad and in PyTorch, compare everything.

`check_op` is teenygrad's `helper_test_op` shape: build identical inputs in both
frameworks, compare the forward values, backpropagate the same random-weighted
scalar `sum(out * w)` through both and compare every input's gradient.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

import minigrad as mg

TOLERANCES = {  # dtype -> (atol, rtol)
    np.dtype(np.float64): (1e-9, 1e-7),
    np.dtype(np.float32): (1e-5, 1e-4),
}


def host(value) -> np.ndarray | None:
    """A NumPy copy of a Tensor, a backend array (NumPy, strict or CuPy) or a scalar."""
    if value is None:
        return None
    if isinstance(value, mg.Tensor):
        return value.numpy()
    if isinstance(value, (np.ndarray, np.generic)):
        return np.asarray(value)
    if hasattr(value, "get"):  # strict and CuPy arrays: the explicit device -> host copy
        return value.get()
    if hasattr(value, "detach"):  # torch tensors
        return value.detach().cpu().numpy()
    return np.asarray(value)


def tolerances(dtype) -> tuple[float, float]:
    return TOLERANCES.get(np.dtype(dtype), (0.0, 0.0))


def assert_close(actual, expected, dtype=np.float64, atol=None, rtol=None, what="value"):
    """Values (and shapes) agree within the dtype's tolerance; exact for ints and bools."""
    actual, expected = host(actual), host(expected)
    default_atol, default_rtol = tolerances(dtype)
    atol = default_atol if atol is None else atol
    rtol = default_rtol if rtol is None else rtol
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    np.testing.assert_allclose(actual, expected, atol=atol, rtol=rtol, err_msg=what)


def random_arrays(shapes, dtype=np.float64, low=-2.0, high=2.0, seed=0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.uniform(low, high, size=shape).astype(dtype) for shape in shapes]


def _as_list(out) -> list:
    return list(out) if isinstance(out, (tuple, list)) else [out]


def check_op(
    mg_fn: Callable,
    torch_fn: Callable,
    shapes: Sequence | None = None,
    backend: str = "numpy",
    torch=None,
    dtype=np.float64,
    *,
    arrays: Sequence[np.ndarray] | None = None,
    low: float = -2.0,
    high: float = 2.0,
    grad: bool = True,
    atol: float | None = None,
    rtol: float | None = None,
    seed: int = 0,
):
    """Compare `mg_fn(*tensors)` with `torch_fn(*torch_tensors)`: values, then grads.

    Inputs come from `shapes` (uniform in [low, high)) or from `arrays` as given.
    Floating inputs require grad when `grad`; integer/bool inputs never do.
    Returns the minigrad inputs and outputs for extra assertions.
    """
    assert torch is not None, "check_op needs the torch fixture"
    if arrays is None:
        arrays = random_arrays(shapes, dtype=dtype, low=low, high=high, seed=seed)
    arrays = [np.asarray(a) for a in arrays]
    differentiable = [grad and a.dtype.kind == "f" for a in arrays]

    mg_inputs = [
        mg.tensor(a, backend=backend, requires_grad=d) for a, d in zip(arrays, differentiable)
    ]
    torch_inputs = [
        torch.tensor(a).requires_grad_(d) for a, d in zip(arrays, differentiable)
    ]

    mg_out = _as_list(mg_fn(*mg_inputs))
    torch_out = _as_list(torch_fn(*torch_inputs))
    assert len(mg_out) == len(torch_out), f"{len(mg_out)} outputs, torch gives {len(torch_out)}"
    for i, (m, t) in enumerate(zip(mg_out, torch_out)):
        assert isinstance(m, mg.Tensor), f"output {i} is {type(m).__name__}, not a Tensor"
        assert m.backend == backend, f"output {i} lives on {m.backend}, inputs on {backend}"
        expected = host(t)
        if expected.dtype.kind == "f":
            assert m.dtype == np.dtype(dtype), f"output {i} dtype {m.dtype}, expected {dtype}"
        else:
            assert m.dtype.kind == expected.dtype.kind, f"output {i} dtype {m.dtype}"
        assert_close(m, expected, dtype, atol, rtol, what=f"forward output {i}")

    if not grad or not any(differentiable):
        return mg_inputs, mg_out

    rng = np.random.default_rng(seed + 1)
    weights = [rng.uniform(0.5, 1.5, size=t.shape).astype(dtype) for t in torch_out]
    mg_loss = sum((m * mg.tensor(w, backend=backend)).sum() for m, w in zip(mg_out, weights))
    torch_loss = sum((t * torch.tensor(w)).sum() for t, w in zip(torch_out, weights))
    mg_loss.backward()
    torch_loss.backward()

    for i, (m, t, d) in enumerate(zip(mg_inputs, torch_inputs, differentiable)):
        if not d:
            assert m.grad is None, f"input {i} does not require grad but got one"
            continue
        expected = np.zeros(t.shape, dtype) if t.grad is None else host(t.grad)
        got = m.grad
        if got is None:
            got = np.zeros(m.shape, dtype)
        else:
            assert type(got) is type(m.data), f"grad {i} is {type(got).__name__}"
            assert got.dtype == np.dtype(dtype), f"grad {i} dtype {got.dtype}"
        assert_close(got, expected, dtype, atol, rtol, what=f"gradient of input {i}")
    return mg_inputs, mg_out


def picture_nodes(root) -> list:
    """Every node of `root`'s graph as pictures see it: a node that computed many steps
    at once (a fused recurrent layer) as the step nodes it stands for."""
    from minigrad.expansion import picture_inputs, source_of
    from minigrad.walk import consumers_first

    start = source_of(root)[0]
    return [] if start is None else list(consumers_first([start], picture_inputs))
