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
    """The recommended scale for `nonlinearity`, as `torch.nn.init.calculate_gain`.

    Used by the Xavier and Kaiming initialisers so activations keep their variance
    through a layer: 1 for linear/sigmoid, 5/3 for tanh, √2 for ReLU,
    √(2 / (1 + slope²)) for leaky ReLU and 3/4 for SELU.

    Args:
        nonlinearity: "linear", "conv1d", "conv2d", "conv3d", "sigmoid", "tanh",
            "relu", "leaky_relu" or "selu".
        param: leaky ReLU's negative slope (default 0.01).

    Returns:
        The gain, a float.

    Raises:
        ValueError: an unsupported nonlinearity.

    Examples:
        >>> round(nn.init.calculate_gain("tanh"), 4), round(nn.init.calculate_gain("relu"), 4)
        (1.6667, 1.4142)
        >>> round(nn.init.calculate_gain("leaky_relu", 0.2), 4)
        1.3868
    """
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
    """Fill `tensor` in place with draws from U(a, b); returns it.

    As `torch.nn.init.uniform_`: on the tensor's own backend and dtype, from minigrad's
    generator (`mg.manual_seed`), recording no graph.

    Args:
        tensor: the Tensor (usually a Parameter) to fill.
        a: the lower bound.
        b: the upper bound.

    Returns:
        `tensor`.

    Examples:
        >>> mg.manual_seed(0)
        >>> w = nn.init.uniform_(nn.Parameter(mg.zeros(1000)), -0.1, 0.1)
        >>> bool((w.abs() <= 0.1).all()), w.requires_grad
        (True, True)
    """
    return _fill(tensor, _uniform(tensor, a, b))


def normal_(tensor: mg.Tensor, mean: float = 0.0, std: float = 1.0) -> mg.Tensor:
    """Fill `tensor` in place with draws from N(mean, std²); returns it.

    As `torch.nn.init.normal_`: on the tensor's own backend and dtype, from minigrad's generator.

    Args:
        tensor: the Tensor to fill.
        mean: the mean.
        std: the standard deviation.

    Returns:
        `tensor`.

    Examples:
        >>> mg.manual_seed(0)
        >>> w = nn.init.normal_(mg.zeros(10000), mean=1.0, std=0.5)
        >>> round(w.mean().item(), 1), round(w.std().item(), 1)
        (1.0, 0.5)
    """
    return _fill(tensor, _normal(tensor, mean, std))


def zeros_(tensor: mg.Tensor) -> mg.Tensor:
    """Fill `tensor` in place with 0; returns it.

    Args:
        tensor: the Tensor to fill.

    Returns:
        `tensor`.

    Examples:
        >>> nn.init.zeros_(mg.ones(2)).tolist()
        [0.0, 0.0]
    """
    return _fill(tensor, mg.zeros(tuple(tensor.shape), dtype=tensor.dtype, backend=tensor.backend))


def ones_(tensor: mg.Tensor) -> mg.Tensor:
    """Fill `tensor` in place with 1; returns it.

    Args:
        tensor: the Tensor to fill.

    Returns:
        `tensor`.

    Examples:
        >>> nn.init.ones_(mg.zeros(2)).tolist()
        [1.0, 1.0]
    """
    return _fill(tensor, mg.ones(tuple(tensor.shape), dtype=tensor.dtype, backend=tensor.backend))


def xavier_uniform_(tensor: mg.Tensor, gain: float = 1.0) -> mg.Tensor:
    """Glorot initialisation: U(-a, a) with a = gain · √(6 / (fan_in + fan_out)), in place.

    As `torch.nn.init.xavier_uniform_`; fans are taken from a weight shaped
    (out, in, *kernel), as PyTorch.

    Args:
        tensor: a Tensor with at least 2 dimensions.
        gain: a scale, e.g. `calculate_gain("tanh")`.

    Returns:
        `tensor`.

    Raises:
        ValueError: fewer than 2 dimensions.

    Examples:
        >>> mg.manual_seed(0)
        >>> w = nn.init.xavier_uniform_(mg.zeros(30, 20))
        >>> bool((w.abs() <= (6 / 50) ** 0.5).all())
        True
    """
    fan_in, fan_out = _fans(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound)


def xavier_normal_(tensor: mg.Tensor, gain: float = 1.0) -> mg.Tensor:
    """Glorot initialisation: N(0, std²) with std = gain · √(2 / (fan_in + fan_out)), in place.

    As `torch.nn.init.xavier_normal_`.

    Args:
        tensor: a Tensor with at least 2 dimensions.
        gain: a scale.

    Returns:
        `tensor`.

    Raises:
        ValueError: fewer than 2 dimensions.

    Examples:
        >>> mg.manual_seed(0)
        >>> round(nn.init.xavier_normal_(mg.zeros(100, 100)).std().item(), 2)
        0.1
    """
    fan_in, fan_out = _fans(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def kaiming_uniform_(tensor: mg.Tensor, a: float = 0.0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu") -> mg.Tensor:
    """He initialisation: U(-b, b) with b = gain · √(3 / fan), gain = calculate_gain(nonlinearity, a).

    The signature and defaults are PyTorch's; `nn.Linear` calls it with a=√5, which
    gives b = 1/√fan_in. A zero fan leaves the tensor unchanged (PyTorch warns).

    Args:
        tensor: a Tensor with at least 2 dimensions.
        a: the negative slope of the leaky ReLU that follows.
        mode: "fan_in" (keeps the forward variance) or "fan_out" (the backward one).
        nonlinearity: as `calculate_gain`.

    Returns:
        `tensor`.

    Raises:
        ValueError: a bad `mode`, fewer than 2 dimensions or an unsupported nonlinearity.

    Examples:
        >>> mg.manual_seed(0)
        >>> w = nn.init.kaiming_uniform_(mg.zeros(64, 16), nonlinearity="relu")
        >>> bool((w.abs() <= (2 ** 0.5) * (3 / 16) ** 0.5).all())
        True
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

    As `torch.nn.init.orthogonal_`: trailing dimensions are flattened, and Q's columns
    are signed so R has a positive diagonal. The QR runs on the tensor's own backend.
    Orthogonal recurrent weights keep gradients from vanishing or exploding early on.

    Args:
        tensor: a Tensor with at least 2 dimensions.
        gain: a scale for the result.

    Returns:
        `tensor`.

    Raises:
        ValueError: fewer than 2 dimensions.

    Examples:
        >>> mg.manual_seed(0)
        >>> w = nn.init.orthogonal_(mg.zeros(3, 5))
        >>> np.allclose((w @ w.T).numpy(), np.eye(3), atol=1e-5)
        True
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
    """PyTorch's default initialisation of nn.Linear and the convolutions, in place.

    The weight from `kaiming_uniform_(a=√5)`, i.e. U(±1/√fan_in), and the bias from
    U(±1/√fan_in), in that order (so a seeded draw matches PyTorch's sequence).

    Args:
        weight: (out, in, *kernel).
        bias: (out,) or None.

    Returns:
        None.

    Raises:
        ValueError: `weight` has fewer than 2 dimensions.

    Examples:
        >>> mg.manual_seed(0)
        >>> w, b = mg.zeros(3, 4), mg.zeros(3)
        >>> nn.init.linear_default_(w, b)
        >>> bool((w.abs() <= 0.5).all()), bool((b.abs() <= 0.5).all())
        (True, True)
    """
    kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in = _fans(weight)[0]
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
        uniform_(bias, -bound, bound)

