"""Whether a fused step runs its gate math compiled (numba_gates.py) or through `xp`,
and whether a layer node runs its time loop compiled whole (numba_layers.py).

The xp path in fused.py is the reference: it runs on every backend (NumPy, CuPy, the
strict test backend). The compiled loops take only what they were written for, plain
`numpy.ndarray`s of float32 or float64, so a CuPy or strict-backend array never reaches
numba. They are used when numba imports and neither `MINIGRAD_NUMBA=0` (read at
import) nor `nn.recurrent.compiled.enabled = False` switched them off; the tests
compare both paths by flipping `enabled`.
"""
from __future__ import annotations

import os

import numpy as np

enabled: bool = os.environ.get("MINIGRAD_NUMBA", "1") != "0"
_loaded = None  # the numba_gates module once imported; False when numba is not installed
_loops = None  # the numba_layers module once imported; False when numba is not installed
_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def gate_kernels(xp, *arrays):
    """The numba_gates module (`lstm_forward`, `gru_backward`, ...) when `arrays` are NumPy
    arrays of one dtype, float32 or float64, on the NumPy backend `xp`; else None (xp)."""
    global _loaded
    if not enabled or xp is not np:
        return None
    dtype = arrays[0].dtype
    if dtype not in _DTYPES:
        return None
    for array in arrays:  # a plain loop: this runs once per step
        if type(array) is not np.ndarray or array.dtype != dtype:
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
    if gate_kernels(xp, *arrays) is None:
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
