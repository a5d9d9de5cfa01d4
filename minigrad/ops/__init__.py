"""Every differentiable op, one small module per family."""
from .arithmetic import add, div, matmul, mul, neg, pow, sub  # noqa: F401
from .base import Op, reduce_to  # noqa: F401
from .conversion import compare, logical, logical_not, to_backend  # noqa: F401
from .elementwise import abs, cast, clip, exp, log, relu, sigmoid, sqrt, tanh  # noqa: F401
from .indexing import getitem, raw_index  # noqa: F401
from .joining import cat, maximum, minimum, split, stack, where  # noqa: F401
from .reductions import (  # noqa: F401
    all,
    any,
    argmax,
    argmin,
    log_softmax,
    logsumexp,
    max,
    mean,
    min,
    softmax,
    sum,
    var,
)
from .shaping import (  # noqa: F401
    broadcast_to,
    flatten,
    permute,
    reshape,
    squeeze,
    swapaxes,
    transpose,
    unsqueeze,
)
