"""Shared fixtures.

`backend` runs a test on NumPy and on the strict test backend, an array type
that refuses every implicit host conversion the way CuPy does; a test that
passes on both proves the code path never hands a device array to NumPy.
`torch` is the oracle: in CI (CI=true) a missing torch is a failure, never a skip.
"""
import os

import pytest

import minigrad as mg

# benchmarks/gpu_check.sh adds "cupy" (MINIGRAD_TEST_BACKENDS=numpy,strict,cupy), so the
# same grids run on a real device where there is one.
BACKENDS = os.environ.get("MINIGRAD_TEST_BACKENDS", "numpy,strict").split(",")


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


@pytest.fixture(scope="session")
def torch():
    try:
        import torch as _torch
    except ImportError:  # pragma: no cover - exercised only on machines without torch
        if os.environ.get("CI"):
            pytest.fail("torch==2.13.0 is required in CI: the parity tests must run")
        pytest.skip("torch not installed (pip install -e '.[parity]')")
    _torch.set_num_threads(1)
    return _torch


@pytest.fixture(autouse=True)
def _fresh_defaults():
    """Every test starts from the documented defaults and a fixed seed."""
    mg.set_default_dtype("float32")
    mg.set_default_backend("numpy")
    mg.manual_seed(0)
    yield
    mg.set_default_dtype("float32")
    mg.set_default_backend("numpy")
