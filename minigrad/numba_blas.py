"""NumPy's own matrix product, callable from compiled loops (numba).

Why: a recurrent layer's time loop is one matmul and one compiled gate kernel per step.
Driven from Python, a step pays a few microseconds to call both, about as much as the
arithmetic of a course-sized step. Compiled whole, the loop must call the matrix product
itself. numba's `np.dot` would call SciPy's BLAS, a second library with a second thread
pool competing with NumPy's for the same cores. `matmul_into` calls the gemm NumPy's
`matmul` calls, with the same arguments, so the numbers are NumPy's to the bit.

`gemm_address(dtype)` finds that gemm once per dtype: the BLAS library that threadpoolctl
reports for NumPy, and its ILP64 CBLAS symbol (`scipy_cblas_sgemm64_` in NumPy 2's wheels,
`cblas_sgemm64_` in older ones). A product of small integers checks it against
`np.matmul` before it is used. If no such symbol is found or the check fails, the address
is 0 and `matmul_into` falls back to numba's `np.dot`: slower to call, and not NumPy's
bits, but the same product.

The address is an argument of the compiled loops, not a constant in them, so they stay
cacheable on disk (`cache=True`): the call is built by an intrinsic, an indirect call
through the address.
"""
from __future__ import annotations

import ctypes

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from .parallel import _numpy_blas

_CBLAS_ROW_MAJOR, _CBLAS_NO_TRANS = 101, 111
_SYMBOLS = {"float32": ("scipy_cblas_sgemm64_", "cblas_sgemm64_"),
            "float64": ("scipy_cblas_dgemm64_", "cblas_dgemm64_")}
_addresses: dict = {}


@intrinsic
def _gemm(typingctx, address, m, n, k, a, lda, b, ldb, beta, c, ldc):
    """cblas_?gemm(RowMajor, NoTrans, NoTrans, m, n, k, 1, a, lda, b, ldb, beta, c, ldc)
    through the function at `address` (ILP64: 64-bit ints; a, b, c are data addresses)."""
    signature = types.void(address, m, n, k, a, lda, b, ldb, beta, c, ldc)

    def codegen(context, builder, sig, args):
        i32, i64, pointer = ir.IntType(32), ir.IntType(64), ir.IntType(8).as_pointer()
        real = context.get_value_type(sig.args[8])
        function_type = ir.FunctionType(ir.VoidType(), [
            i32, i32, i32, i64, i64, i64, real, pointer, i64, pointer, i64, real, pointer, i64])
        function = builder.inttoptr(args[0], function_type.as_pointer())
        _, m, n, k, a, lda, b, ldb, beta, c, ldc = args

        def integer(value):
            return builder.sext(value, i64) if value.type.width < 64 else value

        def data(value):
            return builder.inttoptr(value, pointer)

        row_major, no_trans = ir.Constant(i32, _CBLAS_ROW_MAJOR), ir.Constant(i32, _CBLAS_NO_TRANS)
        builder.call(function, [row_major, no_trans, no_trans, integer(m), integer(n), integer(k),
                                ir.Constant(real, 1.0), data(a), integer(lda), data(b),
                                integer(ldb), beta, data(c), integer(ldc)])
        return context.get_dummy_value()

    return signature, codegen


@numba.njit(inline="always", cache=True, nogil=True)
def matmul_into(address, a, b, c, accumulate):
    """c = a @ b (c += a @ b if `accumulate`); a, b, c 2-D, C-contiguous rows, one float
    dtype, no dimension 0. `address`: gemm_address(dtype), or 0 for numba's np.dot."""
    m, k = a.shape
    n = b.shape[1]
    if address != 0:
        beta = c.dtype.type(1.0) if accumulate else c.dtype.type(0.0)
        _gemm(address, m, n, k, a.ctypes.data, a.strides[0] // a.itemsize, b.ctypes.data,
              b.strides[0] // b.itemsize, beta, c.ctypes.data, c.strides[0] // c.itemsize)
    elif accumulate:
        c += np.dot(a, b)
    else:
        np.dot(a, b, c)


def gemm_address(dtype) -> int:
    """The address of NumPy's CBLAS gemm for float32 or float64 (`dtype`), checked; 0 when
    none was found (matmul_into then calls numba's np.dot)."""
    address = _addresses.get(dtype)  # (a dtype or scalar type as given: one lookup a call)
    if address is None:
        address = _addresses[dtype] = _find(np.dtype(dtype).name)
    return address


def _find(name: str) -> int:
    library = _numpy_blas()
    if library is None:
        return 0
    try:
        loaded = ctypes.CDLL(library.filepath)
    except OSError:  # pragma: no cover - threadpoolctl found it loaded
        return 0
    for symbol in _SYMBOLS[name]:
        function = getattr(loaded, symbol, None)
        if function is None:
            continue
        if np.array_equal(_product(function, name), _CHECK_A @ _CHECK_B):
            return ctypes.cast(function, ctypes.c_void_p).value
    return 0


# Small integers: their product is exact in any order of summation.
_CHECK_A = np.arange(12.0).reshape(3, 4) - 5
_CHECK_B = np.arange(20.0).reshape(4, 5) % 7 - 3


def _product(function, name: str):
    """_CHECK_A @ _CHECK_B through `function`, called from Python (ctypes) with the
    arguments `_gemm` gives it."""
    real = ctypes.c_float if name == "float32" else ctypes.c_double
    a, b = (np.ascontiguousarray(x, dtype=name) for x in (_CHECK_A, _CHECK_B))
    c = np.full((a.shape[0], b.shape[1]), np.nan, dtype=name)
    i32, i64, pointer = ctypes.c_int32, ctypes.c_int64, ctypes.c_void_p
    function.argtypes = [i32, i32, i32, i64, i64, i64, real, pointer, i64, pointer, i64, real,
                         pointer, i64]
    function.restype = None
    function(_CBLAS_ROW_MAJOR, _CBLAS_NO_TRANS, _CBLAS_NO_TRANS, a.shape[0], b.shape[1],
             a.shape[1], 1.0, a.ctypes.data, a.shape[1], b.ctypes.data, b.shape[1], 0.0,
             c.ctypes.data, c.shape[1])
    return c
