"""cupy.ElementwiseKernel's contract, on the CPU: a kernel's C body compiled with the host's
C++ compiler into a loop over the elements of (rows, cols) arrays, called as CuPy calls it,
`kernel(*inputs, *outputs)`. The tests run nn/recurrent/cuda_gates.py's kernels this way
where there is no GPU.

Each parameter name stands for its element, readable and (an output) writable, as in
CuPy. Inputs broadcast to the outputs' shape, as in CuPy. T is the arrays' dtype (float or
double), and `tanh` is the C++ overload for T, as in CUDA.
"""
from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import tempfile

import numpy as np

COMPILER = shutil.which("g++") or shutil.which("c++")
_C_TYPES = {np.dtype(np.float32): "float", np.dtype(np.float64): "double"}
_BUILD = tempfile.mkdtemp(prefix="minigrad_host_kernels_")

_SOURCE = """
#include <cmath>
using std::tanh;
typedef {ctype} T;
extern "C" void run(long rows, long cols, void** pointers, const long* strides) {{
{pointers}
{defines}
  for (long row = 0; row < rows; ++row) {{
    for (long col = 0; col < cols; ++col) {{
{body}
    }}
  }}
}}
"""


def _names(params: str) -> list:
    """'T a, T b' -> ['a', 'b']; only T-typed parameters, as cuda_gates declares them."""
    names = []
    for param in params.split(","):
        kind, name = param.split()
        if kind != "T":
            raise ValueError(f"host kernels take T-typed parameters only, got {param!r}")
        names.append(name)
    return names


class HostKernel:
    """One ElementwiseKernel source, compiled once per dtype."""

    def __init__(self, name: str, source):
        self.name = name
        self.inputs, self.outputs = _names(source.in_params), _names(source.out_params)
        self.body = source.body
        self._compiled = {}

    def _library(self, dtype):
        if dtype not in self._compiled:
            names = self.inputs + self.outputs
            pointers = "\n".join(f"  T* p{k} = (T*) pointers[{k}];" for k in range(len(names)))
            defines = "\n".join(
                f"#define {name} (p{k}[row * strides[{2 * k}] + col * strides[{2 * k + 1}]])"
                for k, name in enumerate(names))
            text = _SOURCE.format(ctype=_C_TYPES[dtype], pointers=pointers, defines=defines,
                                  body=self.body)
            stem = os.path.join(_BUILD, f"{self.name}_{_C_TYPES[dtype]}")
            with open(stem + ".cpp", "w") as file:
                file.write(text)
            subprocess.run([COMPILER, "-O1", "-shared", "-fPIC", "-o", stem + ".so", stem + ".cpp"],
                           check=True, capture_output=True, text=True)
            library = ctypes.CDLL(stem + ".so")
            library.run.argtypes = (ctypes.c_long, ctypes.c_long, ctypes.POINTER(ctypes.c_void_p),
                                    ctypes.POINTER(ctypes.c_long))
            self._compiled[dtype] = library
        return self._compiled[dtype]

    def __call__(self, *arrays):
        if len(arrays) != len(self.inputs) + len(self.outputs):
            raise TypeError(f"{self.name}: {len(arrays)} arrays for "
                            f"{len(self.inputs)} inputs and {len(self.outputs)} outputs")
        dtype = arrays[0].dtype
        outputs = arrays[len(self.inputs):]
        shape = outputs[0].shape
        for array in arrays:
            if type(array) is not np.ndarray or array.dtype != dtype:
                raise TypeError(f"{self.name}: every array must be a numpy.ndarray of {dtype}")
        for array in outputs:
            if array.shape != shape or not array.flags.writeable:
                raise ValueError(f"{self.name}: outputs of one writable shape {shape} expected")
        if len(shape) != 2:
            raise ValueError(f"{self.name}: (rows, cols) arrays expected, got {shape}")
        views = [np.broadcast_to(a, shape) for a in arrays[:len(self.inputs)]] + list(outputs)
        pointers = (ctypes.c_void_p * len(views))(*[v.ctypes.data for v in views])
        strides = (ctypes.c_long * (2 * len(views)))(
            *[s // dtype.itemsize for v in views for s in v.strides])
        self._library(dtype).run(shape[0], shape[1], pointers, strides)
