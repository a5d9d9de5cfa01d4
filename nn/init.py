"""In-place initialisers, numerically the same recipes as `torch.nn.init`.

Each fills a Tensor (usually a Parameter) on its own backend and dtype, draws
from `mg.rand`/`mg.randn` so `mg.manual_seed` makes it reproducible, records no
graph, and returns the tensor.
"""
from __future__ import annotations

import math

import minigrad as mg


def _fill(tensor: mg.Tensor, values: mg.Tensor) -> mg.Tensor:
    with mg.no_grad():
        tensor.data = values.data
    return tensor


def _uniform(tensor: mg.Tensor, low: float, high: float) -> mg.Tensor:
    return mg.rand(tuple(tensor.shape), dtype=tensor.dtype, backend=tensor.backend) * (high - low) + low


def _normal(tensor: mg.Tensor, mean: float, std: float) -> mg.Tensor:
    return mg.randn(tuple(tensor.shape), dtype=tensor.dtype, backend=tensor.backend) * std + mean


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended scale for `nonlinearity`, as torch.nn.init.calculate_gain."""
    linear = ("linear", "conv1d", "conv2d", "conv3d", "sigmoid")
    if nonlinearity in linear:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def _fans(tensor: mg.Tensor) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight shaped (out, in, *receptive_field)."""
    if tensor.ndim < 2:
        raise ValueError(
            f"fan in and fan out need a tensor with at least 2 dimensions, got shape {tuple(tensor.shape)}"
        )
    receptive = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def uniform_(tensor: mg.Tensor, a: float = 0.0, b: float = 1.0) -> mg.Tensor:
    """Fill with U(a, b)."""
    return _fill(tensor, _uniform(tensor, a, b))


def normal_(tensor: mg.Tensor, mean: float = 0.0, std: float = 1.0) -> mg.Tensor:
    """Fill with N(mean, std^2)."""
    return _fill(tensor, _normal(tensor, mean, std))


def zeros_(tensor: mg.Tensor) -> mg.Tensor:
    """Fill with 0."""
    return _fill(tensor, mg.zeros(tuple(tensor.shape), dtype=tensor.dtype, backend=tensor.backend))


def ones_(tensor: mg.Tensor) -> mg.Tensor:
    """Fill with 1."""
    return _fill(tensor, mg.ones(tuple(tensor.shape), dtype=tensor.dtype, backend=tensor.backend))


def xavier_uniform_(tensor: mg.Tensor, gain: float = 1.0) -> mg.Tensor:
    """Glorot: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound)


def xavier_normal_(tensor: mg.Tensor, gain: float = 1.0) -> mg.Tensor:
    """Glorot: N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def kaiming_uniform_(tensor: mg.Tensor, a: float = 0.0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu") -> mg.Tensor:
    """He: U(-b, b) with b = gain * sqrt(3 / fan), gain = calculate_gain(nonlinearity, a).

    The signature and defaults are PyTorch's; nn.Linear calls it with a=sqrt(5),
    which gives b = 1/sqrt(fan_in).
    """
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"kaiming_uniform_: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _fans(tensor)
    fan = fan_in if mode == "fan_in" else fan_out
    if fan == 0:
        return tensor
    bound = calculate_gain(nonlinearity, a) * math.sqrt(3.0 / fan)
    return uniform_(tensor, -bound, bound)


def orthogonal_(tensor: mg.Tensor, gain: float = 1.0) -> mg.Tensor:
    """Fill with a (semi-)orthogonal matrix: the Q of a Gaussian matrix's QR, sign-fixed.

    Trailing dimensions are flattened, as in PyTorch. The QR runs on the tensor's
    own backend.
    """
    if tensor.ndim < 2:
        raise ValueError(f"orthogonal_ needs at least 2 dimensions, got shape {tuple(tensor.shape)}")
    if tensor.size == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.size // rows
    gaussian = mg.randn(rows, cols, dtype=tensor.dtype, backend=tensor.backend).data
    xp = mg.get_array_module(gaussian)
    if rows < cols:
        gaussian = gaussian.T
    q, r = xp.linalg.qr(gaussian)
    # Make the decomposition unique (R with a positive diagonal), as PyTorch does.
    q = q * xp.sign(xp.diagonal(r))
    if rows < cols:
        q = q.T
    values = mg.Tensor(q * gain, dtype=tensor.dtype).reshape(*tensor.shape)
    return _fill(tensor, values)


def linear_default_(weight: mg.Tensor, bias: mg.Tensor | None = None) -> None:
    """PyTorch's default initialisation of nn.Linear and the convolutions: the weight
    from kaiming_uniform_(a=√5), i.e. U(±1/√fan_in), and the bias from U(±1/√fan_in)."""
    kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in = _fans(weight)[0]
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
        uniform_(bias, -bound, bound)

