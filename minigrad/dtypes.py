"""PyTorch's dtype names (`mg.float32`, `mg.long`, ...) as NumPy dtypes.

Every `dtype=` takes them, NumPy's dtypes and their names alike: `mg.long` is
`np.dtype("int64")`, so `t.dtype == mg.long` and `t.dtype == np.int64` agree."""
from __future__ import annotations

import numpy as np

float16 = half = np.dtype(np.float16)
float32 = float = np.dtype(np.float32)
float64 = double = np.dtype(np.float64)
complex64 = cfloat = np.dtype(np.complex64)
complex128 = cdouble = np.dtype(np.complex128)
int8 = np.dtype(np.int8)
uint8 = np.dtype(np.uint8)
int16 = short = np.dtype(np.int16)
int32 = int = np.dtype(np.int32)
int64 = long = np.dtype(np.int64)
bool = np.dtype(np.bool_)

NAMES = ("float16", "half", "float32", "float", "float64", "double", "complex64", "cfloat",
         "complex128", "cdouble", "int8", "uint8", "int16", "short", "int32", "int", "int64",
         "long", "bool")
