"""minigrad: a readable autograd engine on NumPy or CuPy.

    import minigrad as mg
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = (x ** 2).sum()
    y.backward()          # x.grad == [2., 4.]
"""
from .backend import (  # noqa: F401
    BackendMismatchError,
    BackendUnavailableError,
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
    name_scope,
    no_grad,
    set_grad_enabled,
)
from .ops import (  # noqa: F401
    MaxMin,
    abs,
    all,
    amax,
    amin,
    any,
    argmax,
    argmin,
    broadcast_to,
    cat,
    chunk,
    clip,
    clone,
    expand,
    gather,
    index_select,
    masked_fill,
    masked_select,
    nonzero,
    one_hot,
    scatter,
    scatter_add,
    std,
    t,
    take_along_axis,
    unbind,
    exp,
    flatten,
    log,
    log_softmax,
    logsumexp,
    matmul,
    max,
    maximum,
    mean,
    min,
    minimum,
    permute,
    relu,
    reshape,
    sigmoid,
    softmax,
    split,
    sqrt,
    squeeze,
    stack,
    sum,
    swapaxes,
    tanh,
    transpose,
    unsqueeze,
    var,
    where,
)
from .render import (  # noqa: F401
    GraphvizNotFoundError,
    draw_graph,
    module_scope,
    record_grad_norms,
    step_grad_norms,
    to_dot,
)
from .tensor import Tensor  # noqa: F401

clamp = clip  # PyTorch's name

__version__ = "0.1.0"


def __getattr__(name: str):
    """`from minigrad import nn` (and `mg.nn`): the top-level `nn` package itself, the same
    module objects as `import nn`, imported on first use (nn imports minigrad, so an eager
    import here would be a cycle)."""
    if name == "nn":
        import importlib

        return importlib.import_module("nn")
    raise AttributeError(f"module 'minigrad' has no attribute {name!r}")
