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
    eye,
    full,
    get_array_module,
    manual_seed,
    ones,
    ones_like,
    rand,
    randn,
    tensor,
    zeros,
    zeros_like,
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
    abs,
    all,
    any,
    argmax,
    argmin,
    broadcast_to,
    cat,
    clip,
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

__version__ = "0.1.0"

# Embedding lookups with PyTorch's padding_idx / sparse options, and their row-sparse gradient.
from .ops.embedding import embedding  # noqa: F401
from .sparse import RowSparseGrad  # noqa: F401
