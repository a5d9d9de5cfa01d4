"""minigrad: a readable autograd engine on NumPy or CuPy.

    import minigrad as mg
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = (x ** 2).sum()
    y.backward()          # x.grad == [2., 4.]
"""
from . import (
    distributed,  # noqa: F401  (minigrad.distributed: collectives across processes)
    host_memory,  # noqa: F401  (freed arrays stay for the next step: see host_memory.py)
)
from .autograd import observe_gradients  # noqa: F401
from .backend import (  # noqa: F401
    BackendMismatchError,
    BackendUnavailableError,
    get_backend_name,
    get_default_backend,
    get_default_dtype,
    set_default_backend,
    set_default_dtype,
)
from .creation import (  # noqa: F401
    arange,
    bernoulli,
    empty,
    empty_like,
    eye,
    full,
    full_like,
    get_array_module,
    linspace,
    manual_seed,
    multinomial,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    tensor,
    zeros,
    zeros_like,
)
from .dtypes import (  # noqa: F401
    bool,
    cdouble,
    cfloat,
    complex64,
    complex128,
    double,
    float,
    float16,
    float32,
    float64,
    half,
    int,
    int8,
    int16,
    int32,
    int64,
    long,
    short,
    uint8,
)
from .function import Function  # noqa: F401
from .gradcheck import GradcheckError, gradcheck  # noqa: F401
from .gradients import grad  # noqa: F401
from .modes import (  # noqa: F401
    detect_anomaly,
    enable_grad,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from .ops import (  # noqa: F401  # noqa: F401  (the PyTorch-parity ops of issue 13)
    MaxMin,
    abs,
    acos,
    acosh,
    all,
    allclose,
    amax,
    amin,
    any,
    arccos,
    arccosh,
    arcsin,
    arcsinh,
    arctan,
    arctanh,
    argmax,
    argmin,
    argsort,
    asin,
    asinh,
    atan,
    atanh,
    broadcast_to,
    cat,
    ceil,
    chunk,
    clip,
    clone,
    cos,
    cosh,
    cummax,
    cummin,
    cumprod,
    cumsum,
    diag,
    diagonal,
    einsum,
    erf,
    exp,
    exp2,
    expand,
    expm1,
    flatten,
    flip,
    floor,
    floor_divide,
    fmod,
    gather,
    index_select,
    isclose,
    isfinite,
    isinf,
    isnan,
    lerp,
    log,
    log1p,
    log2,
    log10,
    log_softmax,
    logaddexp,
    logcumsumexp,
    logsumexp,
    masked_fill,
    masked_select,
    matmul,
    max,
    maximum,
    mean,
    meshgrid,
    min,
    minimum,
    narrow,
    nonzero,
    one_hot,
    pad,
    permute,
    picked_log_softmax,
    prod,
    relu,
    remainder,
    repeat,
    repeat_interleave,
    reshape,
    roll,
    round,
    rsqrt,
    scatter,
    scatter_add,
    sigmoid,
    sign,
    sin,
    sinh,
    softmax,
    sort,
    split,
    sqrt,
    squeeze,
    stack,
    std,
    sum,
    swapaxes,
    t,
    take_along_axis,
    tan,
    tanh,
    topk,
    transpose,
    tril,
    triu,
    trunc,
    unbind,
    unflatten,
    unsqueeze,
    var,
    where,
)
from .render import (  # noqa: F401
    GraphvizNotFoundError,
    draw_graph,
    record_grad_norms,
    step_grad_norms,
    to_dot,
    to_html,
    viewer,
)
from .scopes import (  # noqa: F401
    ScopeEntry,
    composite,
    composite_scope,
    current_scope,
    direction_scope,
    layer_scope,
    module_scope,
    name_scope,
    step_scope,
    tag,
)
from .tensor import Tensor  # noqa: F401

clamp = clip  # PyTorch's name

__version__ = "0.1.0"

# Embedding lookups with PyTorch's padding_idx / sparse options, and their row-sparse gradient.
from .ops.embedding import embedding  # noqa: F401
from .sparse import RowSparseGrad  # noqa: F401


def __getattr__(name: str):
    """`from minigrad import nn` (and `mg.nn`): the top-level `nn` package itself, the same
    module objects as `import nn`, imported on first use (nn imports minigrad, so an eager
    import here would be a cycle)."""
    if name == "nn":
        import importlib

        return importlib.import_module("nn")
    raise AttributeError(f"module 'minigrad' has no attribute {name!r}")
