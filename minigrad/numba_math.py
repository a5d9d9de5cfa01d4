"""Scalar math for the compiled loops (numba): tanh and exp that the compiler vectorises.

Why: inside a numba loop, `math.tanh` and `math.exp` of a float32 are one scalar libm
call per element, which the compiler cannot turn into SIMD code; on the project's
machine they cost 3-6 ns an element, more than all the rest of a fused LSTM step or of
a softmax row. In float32 these are instead short polynomials the compiler vectorises;
in float64 they stay libm's (the accurate reference). Both keep a NaN a NaN and ±inf
where IEEE puts them: the limits are applied with comparisons, never min/max (which may
drop a NaN), and no caller may compile with fast-math's "no NaNs"/"no infinities".

One place for both, imported by minigrad's elementwise kernels (elementwise_numba.py)
and by nn.recurrent's gate loops (numba_gates.py). Importing this module imports numba:
only modules that are themselves imported on first compiled use import it.
"""
from __future__ import annotations

import math

import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic, overload


def tanh(x):
    """tanh inside the compiled loops: math.tanh, or in float32 the overload below."""
    return math.tanh(x)


def exp(x):
    """eˣ inside the compiled loops: math.exp, or in float32 the overload below."""
    return math.exp(x)


@overload(tanh)
def _tanh_by_type(x):
    if isinstance(x, types.Float) and x.bitwidth == 32:
        return _tanh32
    return lambda x: math.tanh(x)


@overload(exp, jit_options={"fastmath": {"contract"}})
def _exp_by_type(x):
    if isinstance(x, types.Float) and x.bitwidth == 32:
        return _exp32
    return lambda x: math.exp(x)


def _tanh32(x):
    """tanh(x) ≈ x p(x²) / q(x²), the minimax rational of Eigen's float32 tanh, on
    |x| ≤ 7.9 (beyond, tanh rounds to ±1 in float32), within 4e-7 of tanh. Comparisons,
    not min/max, clip x, so that a NaN stays NaN."""
    limit = np.float32(7.90531110763549805)
    x = limit if x > limit else x  # noqa: FURB136 (min/max may drop a NaN)
    x = -limit if x < -limit else x  # noqa: FURB136
    x2 = x * x
    p = x2 * np.float32(-2.76076847742355e-16) + np.float32(2.00018790482477e-13)
    p = x2 * p + np.float32(-8.60467152213735e-11)
    p = x2 * p + np.float32(5.12229709037114e-08)
    p = x2 * p + np.float32(1.48572235717979e-05)
    p = x2 * p + np.float32(6.37261928875436e-04)
    p = x2 * p + np.float32(4.89352455891786e-03)
    q = x2 * np.float32(1.19825839466702e-06) + np.float32(1.18534705686654e-04)
    q = x2 * q + np.float32(2.26843463243900e-03)
    q = x2 * q + np.float32(4.89352518554385e-03)
    return x * p / q


@intrinsic
def _float32_from_bits(typingctx, bits):
    """The float32 whose IEEE bit pattern is the int32 `bits` (a bitcast: no conversion)."""
    signature = types.float32(types.int32)

    def codegen(context, builder, sig, args):
        return builder.bitcast(args[0], ir.FloatType())

    return signature, codegen


def _exp32(x):
    """eˣ = 2ⁿ e^r with n = round(x / ln 2), |r| ≤ ½ ln 2, e^r by Cephes' expf polynomial
    (within 2 ulp of eˣ). ln 2 is split in two (Cody-Waite) so r is exact; 2ⁿ is built
    from its bits in two halves, so n = 128 (eˣ just under the float32 maximum) fits.
    Below ln(smallest normal) the result is 0 (no subnormals: they are < 1.2e-38), above
    ln(float32 max) it is inf; a NaN stays NaN (every step of it gives NaN)."""
    high, low = np.float32(88.72283935546875), np.float32(-87.33654022216797)
    clipped = high if x > high else x  # noqa: FURB136 (min/max may drop a NaN)
    clipped = low if clipped < low else clipped  # noqa: FURB136
    n = np.floor(clipped * np.float32(1.44269504088896341) + np.float32(0.5))
    r = clipped - n * np.float32(0.693359375)        # ln 2 = 0.693359375 - 2.12194440e-4
    r = r + n * np.float32(2.12194440e-4)
    p = r * np.float32(1.9875691500e-4) + np.float32(1.3981999507e-3)
    p = r * p + np.float32(8.3334519073e-3)
    p = r * p + np.float32(4.1665795894e-2)
    p = r * p + np.float32(1.6666665459e-1)
    p = r * p + np.float32(5.0000001201e-1)
    p = (r * r) * p + r + np.float32(1.0)
    whole = np.int32(n if n == n else np.float32(0.0))  # noqa: PLR0124 (a NaN n: not to int)
    half = whole >> np.int32(1)
    scale = _float32_from_bits((half + np.int32(127)) << np.int32(23))
    rest = _float32_from_bits((whole - half + np.int32(127)) << np.int32(23))
    y = p * scale * rest
    y = np.float32(0.0) if x < low else y
    return np.float32(np.inf) if x > high else y
