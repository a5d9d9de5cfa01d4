"""Every differentiable op, one small module per family."""
from .arithmetic import add, div, matmul, mul, neg, pow, sub  # noqa: F401
from .arranging import (  # noqa: F401
    diag,
    diagonal,
    flip,
    meshgrid,
    narrow,
    pad,
    repeat,
    repeat_interleave,
    roll,
    tril,
    triu,
    unflatten,
)
from .base import Op, reduce_to  # noqa: F401
from .conversion import compare, logical, logical_not, to_backend  # noqa: F401
from .einsum import einsum  # noqa: F401
from .elementwise import abs, cast, clip, exp, log, relu, sigmoid, sqrt, tanh  # noqa: F401
from .exponential import erf, exp2, expm1, log1p, log2, log10, logaddexp, rsqrt  # noqa: F401
from .gathering import (  # noqa: F401
    gather,
    index_select,
    masked_fill,
    masked_select,
    nonzero,
    one_hot,
    scatter,
    scatter_add,
    take_along_axis,
)
from .indexing import getitem, raw_index  # noqa: F401
from .joining import cat, chunk, maximum, minimum, split, stack, unbind, where  # noqa: F401
from .reductions import (  # noqa: F401
    MaxMin,
    all,
    amax,
    amin,
    any,
    argmax,
    argmin,
    log_softmax,
    logsumexp,
    max,
    mean,
    min,
    picked_log_softmax,
    softmax,
    std,
    sum,
    var,
)
from .rounding import (  # noqa: F401
    allclose,
    ceil,
    floor,
    floor_divide,
    fmod,
    isclose,
    isfinite,
    isinf,
    isnan,
    lerp,
    remainder,
    round,
    sign,
    trunc,
)
from .scans import (  # noqa: F401
    argsort,
    cummax,
    cummin,
    cumprod,
    cumsum,
    logcumsumexp,
    prod,
    sort,
    topk,
)
from .shaping import (  # noqa: F401
    broadcast_to,
    clone,
    expand,
    flatten,
    permute,
    reshape,
    squeeze,
    swapaxes,
    t,
    transpose,
    unsqueeze,
)
from .trigonometric import (  # noqa: F401
    acos,
    acosh,
    arccos,
    arccosh,
    arcsin,
    arcsinh,
    arctan,
    arctanh,
    asin,
    asinh,
    atan,
    atanh,
    cos,
    cosh,
    sin,
    sinh,
    tan,
)
