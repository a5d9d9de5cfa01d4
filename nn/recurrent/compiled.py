"""Whether a fused step runs its gate math compiled (numba_gates.py on NumPy,
cuda_gates.py on CuPy) or through `xp`, and whether a layer node runs its time loop
compiled whole (numba_layers.py).

The xp path in fused.py is the reference: it runs on every backend (NumPy, CuPy, the
strict test backend). Each compiled path takes only what it was written for, arrays
of float32 or float64 of its own backend's type (`numpy.ndarray`, `cupy.ndarray`), so a
strict-backend array reaches neither, and a CuPy array never reaches numba. numba's are
used when numba imports and neither `MINIGRAD_NUMBA=0` (read at import) nor
`nn.recurrent.compiled.enabled = False` switched them off; the CUDA kernels unless
`MINIGRAD_CUDA_KERNELS=0` or `cuda_enabled = False`. The tests compare the paths by
flipping these.
"""
from __future__ import annotations

import os

import numpy as np

enabled: bool = os.environ.get("MINIGRAD_NUMBA", "1") != "0"
cuda_enabled: bool = os.environ.get("MINIGRAD_CUDA_KERNELS", "1") != "0"
_loaded = None  # the numba_gates module once imported; False when numba is not installed
_loops = None  # the numba_layers module once imported; False when numba is not installed
_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _one_float_dtype(array_type, arrays) -> bool:
    """Whether every array is exactly `array_type`, of one dtype, float32 or float64."""
    dtype = arrays[0].dtype
    if dtype not in _DTYPES:
        return False
    for array in arrays:  # a plain loop: this runs once per step
        if type(array) is not array_type or array.dtype != dtype:
            return False
    return True


def cuda_gate_kernels(xp, *arrays):
    """The cuda_gates module when `xp` is CuPy and `arrays` are CuPy arrays of one dtype,
    float32 or float64; else None. (The layer nodes' loops on CuPy call it once a layer.)"""
    if not cuda_enabled or getattr(xp, "__name__", None) != "cupy":
        return None
    if not _one_float_dtype(xp.ndarray, arrays):
        return None
    from . import cuda_gates  # (imports nothing from CuPy until a kernel is made)

    return cuda_gates


def gate_kernels(xp, *arrays):
    """The gate kernels (`lstm_forward`, `gru_backward`, ...) for `arrays`: numba_gates for
    NumPy arrays of one dtype, float32 or float64, on the NumPy backend `xp`, cuda_gates
    for such CuPy arrays; else None (the xp path)."""
    global _loaded
    if xp is not np:
        return cuda_gate_kernels(xp, *arrays)
    if not enabled or not _one_float_dtype(np.ndarray, arrays):
        return None
    if _loaded is None:
        try:
            from . import numba_gates
        except ImportError:  # numba missing (or broken): the xp path is as correct
            numba_gates = False
        _loaded = numba_gates
    return _loaded or None


def layer_loops(xp, *arrays):
    """(the numba_layers module, the gemm address for it) when `arrays` qualify as for
    `gate_kernels` and none of them has a zero-size dimension (BLAS takes none); else None."""
    global _loops
    if xp is not np or gate_kernels(xp, *arrays) is None:
        return None
    for array in arrays:
        if 0 in array.shape:
            return None
    if _loops is None:
        try:
            from . import numba_layers
        except ImportError:  # pragma: no cover - numba_gates imported, so numba is there
            numba_layers = False
        _loops = numba_layers
    if not _loops:
        return None
    from minigrad.numba_blas import gemm_address

    return _loops, gemm_address(arrays[0].dtype)
