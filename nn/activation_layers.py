"""Module forms of the activations in `nn.activations`: `nn.GELU()`, `nn.LeakyReLU(0.2)`,
... with PyTorch's constructor arguments. Each holds only its hyperparameters, read at
forward time (so setting `act.negative_slope = 0.3` later takes effect)."""
from __future__ import annotations

import minigrad as mg

from . import activations as A
from .module import Module


class _Activation(Module):
    """A Module calling `function(x, **its hyperparameters)`. A subclass names both in
    its class line, the hyperparameters with their defaults in PyTorch's positional
    order: `class ELU(_Activation, function=A.elu, alpha=1.0)`. The constructor takes
    them positionally or by name, as PyTorch's; each subclass's docstring lists them
    under Attributes (they stay attributes, read at forward time)."""

    def __init_subclass__(cls, function=None, **defaults):
        super().__init_subclass__()
        cls._function = staticmethod(function)
        cls._defaults = tuple(defaults.items())

    def __init__(self, *args, **kwargs):
        super().__init__()
        name, params = type(self).__name__, dict(self._defaults)
        if len(args) > len(params):
            raise TypeError(f"{name} takes at most {len(params)} arguments, got {len(args)}")
        values = dict(params)
        for key, value in zip(params, args):
            values[key] = value
        for key, value in kwargs.items():
            key = {"dim": "axis"}.get(key, key)
            if key == "inplace":  # PyTorch's memory option; results are the same
                continue
            if key not in params:
                raise TypeError(f"{name}() got an unexpected keyword argument {key!r}")
            values[key] = value
        for key, value in values.items():
            setattr(self, key, value)

    def forward(self, x: mg.Tensor) -> mg.Tensor:
        """Apply the activation to `x` with this module's hyperparameters.

        Args:
            x: any Tensor.

        Returns:
            A Tensor of `x`'s shape.

        Examples:
            >>> nn.LeakyReLU(0.1)(mg.tensor([-2.0, 0.0, 1.5])).numpy().round(4)
            array([-0.2,  0. ,  1.5], dtype=float32)
        """
        return self._function(x, **{key: getattr(self, key) for key, _ in self._defaults})

    def extra_repr(self) -> str:
        """The hyperparameters shown in the repr, as PyTorch prints them.

        Returns:
            `key=value` pairs (empty when the activation has none).

        Examples:
            >>> nn.ELU().extra_repr()
            'alpha=1.0'
        """
        return ", ".join(f"{key}={getattr(self, key)!r}" for key, _ in self._defaults)


class LeakyReLU(_Activation, function=A.leaky_relu, negative_slope=0.01):
    """Leaky ReLU as a module: x for x > 0, negative_slope · x otherwise.

    As `torch.nn.LeakyReLU`; the small slope keeps a gradient for negative inputs. PyTorch's
    `inplace=` is accepted and ignored (results are the same).

    Attributes:
        negative_slope: the slope for x <= 0.

    Raises:
        TypeError: more positional arguments than hyperparameters, or an unknown keyword.

    Examples:
        >>> x = mg.tensor([-2.0, 0.0, 1.5])
        >>> act = nn.LeakyReLU(0.2)
        >>> act, act(x).tolist()
        (LeakyReLU(negative_slope=0.2), [-0.4000000059604645, 0.0, 1.5])
    """


class ELU(_Activation, function=A.elu, alpha=1.0):
    """ELU as a module: x for x > 0, α (eˣ - 1) otherwise.

    As `torch.nn.ELU` (`inplace=` accepted and ignored).

    Attributes:
        alpha: α, the value approached as x → -∞ is -α.

    Raises:
        TypeError: more positional arguments than hyperparameters, or an unknown keyword.

    Examples:
        >>> x = mg.tensor([-2.0, 0.0, 1.5])
        >>> nn.ELU(alpha=0.5)(x).numpy().round(4)
        array([-0.4323,  0.    ,  1.5   ], dtype=float32)
    """


class SELU(_Activation, function=A.selu):
    """SELU as a module: scale · elu(x, α) with the self-normalising constants.

    As `torch.nn.SELU` (Klambauer et al.: α ≈ 1.6733, scale ≈ 1.0507).

    Examples:
        >>> x = mg.tensor([-2.0, 0.0, 1.5])
        >>> nn.SELU()(x).numpy().round(4)
        array([-1.5202,  0.    ,  1.5761], dtype=float32)
    """


class CELU(_Activation, function=A.celu, alpha=1.0):
    """CELU as a module: x for x > 0, α (e^(x/α) - 1) otherwise.

    As `torch.nn.CELU`: continuously differentiable for every α (`nn.functional.celu` raises
    ValueError for α = 0).

    Attributes:
        alpha: α.

    Raises:
        TypeError: more positional arguments than hyperparameters, or an unknown keyword.

    Examples:
        >>> x = mg.tensor([-2.0, 0.0, 1.5])
        >>> nn.CELU(2.0)(x).numpy().round(4)
        array([-1.2642,  0.    ,  1.5   ], dtype=float32)
    """


class GELU(_Activation, function=A.gelu, approximate="none"):
    """GELU as a module: x Φ(x), the Transformer's activation.

    As `torch.nn.GELU`: exact with erf, or PyTorch's tanh approximation
    (`nn.functional.gelu` raises ValueError for any other `approximate`).

    Attributes:
        approximate: "none" (exact) or "tanh".

    Raises:
        TypeError: more positional arguments than hyperparameters, or an unknown keyword.

    Examples:
        >>> x = mg.tensor([-2.0, 0.0, 1.5])
        >>> act = nn.GELU(approximate="tanh")
        >>> act, act(x).numpy().round(4)
        (GELU(approximate='tanh'), array([-0.0454,  0.    ,  1.3996], dtype=float32))
    """


class SiLU(_Activation, function=A.silu):
    """SiLU (swish) as a module: x σ(x).

    As `torch.nn.SiLU`.

    Examples:
        >>> x = mg.tensor([-2.0, 0.0, 1.5])
        >>> nn.SiLU()(x).numpy().round(4)
        array([-0.2384,  0.    ,  1.2264], dtype=float32)
    """


class Mish(_Activation, function=A.mish):
    """Mish as a module: x tanh(softplus(x)).

    As `torch.nn.Mish`.

    Examples:
        >>> x = mg.tensor([-2.0, 0.0, 1.5])
        >>> nn.Mish()(x).numpy().round(4)
        array([-0.2525,  0.    ,  1.4034], dtype=float32)
    """


class Softplus(_Activation, function=A.softplus, beta=1.0, threshold=20.0):
    """Softplus as a module: ln(1 + e^(βx)) / β, a smooth ReLU.

    As `torch.nn.Softplus`: x itself where βx > threshold (PyTorch's linear regime).

    Attributes:
        beta: β, the sharpness.
        threshold: above this βx the output is x.

    Raises:
        TypeError: more positional arguments than hyperparameters, or an unknown keyword.

    Examples:
        >>> x = mg.tensor([-2.0, 0.0, 1.5])
        >>> nn.Softplus(beta=2.0)(x).numpy().round(4)
        array([0.0091, 0.3466, 1.5243], dtype=float32)
    """


class Softsign(_Activation, function=A.softsign):
    """Softsign as a module: x / (1 + |x|).

    As `torch.nn.Softsign`.

    Examples:
        >>> x = mg.tensor([-2.0, 0.0, 1.5])
        >>> nn.Softsign()(x).numpy().round(4)
        array([-0.6667,  0.    ,  0.6   ], dtype=float32)
    """


class LogSigmoid(_Activation, function=A.logsigmoid):
    """LogSigmoid as a module: ln σ(x), computed stably for any x.

    As `torch.nn.LogSigmoid`.

    Examples:
        >>> nn.LogSigmoid()(mg.tensor([-100.0, 0.0])).numpy().round(4)
        array([-100.    ,   -0.6931], dtype=float32)
    """


class Hardtanh(_Activation, function=A.hardtanh, min_val=-1.0, max_val=1.0):
    """Hardtanh as a module: x clipped to [min_val, max_val].

    As `torch.nn.Hardtanh`: the gradient is 1 strictly inside, 0 at and beyond the bounds
    (`nn.functional.hardtanh` raises ValueError when min_val > max_val).

    Attributes:
        min_val: the lower bound.
        max_val: the upper bound.

    Raises:
        TypeError: more positional arguments than hyperparameters, or an unknown keyword.

    Examples:
        >>> x = mg.tensor([-2.0, 0.0, 1.5])
        >>> nn.Hardtanh(-0.5, 0.5)(x).tolist()
        [-0.5, 0.0, 0.5]
    """


class ReLU6(_Activation, function=A.relu6):
    """ReLU6 as a module: min(max(x, 0), 6).

    As `torch.nn.ReLU6` (`inplace=` accepted and ignored).

    Examples:
        >>> nn.ReLU6()(mg.tensor([-1.0, 3.0, 8.0])).tolist()
        [0.0, 3.0, 6.0]
    """


class Hardsigmoid(_Activation, function=A.hardsigmoid):
    """Hardsigmoid as a module: relu6(x + 3) / 6, a piecewise-linear σ.

    As `torch.nn.Hardsigmoid`: 0 below -3, 1 above 3, linear between.

    Examples:
        >>> nn.Hardsigmoid()(mg.tensor([-4.0, 0.0, 4.0])).tolist()
        [0.0, 0.5, 1.0]
    """


class Hardswish(_Activation, function=A.hardswish):
    """Hardswish as a module: x · hardsigmoid(x).

    As `torch.nn.Hardswish` (MobileNetV3's).

    Examples:
        >>> nn.Hardswish()(mg.tensor([-4.0, 1.0, 4.0])).numpy().round(4)
        array([-0.    ,  0.6667,  4.    ], dtype=float32)
    """


class Tanhshrink(_Activation, function=A.tanhshrink):
    """Tanhshrink as a module: x - tanh x.

    As `torch.nn.Tanhshrink`.

    Examples:
        >>> x = mg.tensor([-2.0, 0.0, 1.5])
        >>> nn.Tanhshrink()(x).numpy().round(4)
        array([-1.036 ,  0.    ,  0.5949], dtype=float32)
    """


class Softmin(_Activation, function=A.softmin, axis=-1):
    """Softmin along `axis` as a module: softmax(-x).

    As `torch.nn.Softmin`; PyTorch's `dim=` is accepted for `axis` (and the default is the
    last axis, where PyTorch warns and guesses).

    Attributes:
        axis: the axis that sums to one (PyTorch's dim).

    Raises:
        TypeError: more positional arguments than hyperparameters, or an unknown keyword.

    Examples:
        >>> nn.Softmin(dim=1)(mg.tensor([[1.0, 2.0], [3.0, 5.0]])).numpy().round(4)
        array([[0.7311, 0.2689],
               [0.8808, 0.1192]], dtype=float32)
    """


class Softmax(_Activation, function=mg.softmax, axis=-1):
    """Softmax along `axis` as a module: exp(x) / Σ exp(x).

    As `torch.nn.Softmax`; PyTorch's `dim=` is accepted for `axis` (and the default is the
    last axis, where PyTorch warns and guesses).

    Attributes:
        axis: the axis that sums to one (PyTorch's dim).

    Raises:
        TypeError: more positional arguments than hyperparameters, or an unknown keyword.

    Examples:
        >>> act = nn.Softmax(dim=0)
        >>> act, act(mg.tensor([[1.0, 2.0], [3.0, 5.0]])).numpy().round(4)
        (Softmax(axis=0), array([[0.1192, 0.0474],
               [0.8808, 0.9526]], dtype=float32))
    """


class LogSoftmax(_Activation, function=mg.log_softmax, axis=-1):
    """LogSoftmax along `axis` as a module: x - logsumexp(x), computed stably.

    As `torch.nn.LogSoftmax`; PyTorch's `dim=` is accepted for `axis`. Feed it to
    `nn.NLLLoss`, or use `nn.CrossEntropyLoss` on the logits.

    Attributes:
        axis: the class axis (PyTorch's dim).

    Raises:
        TypeError: more positional arguments than hyperparameters, or an unknown keyword.

    Examples:
        >>> nn.LogSoftmax(dim=1)(mg.tensor([[1.0, 2.0], [3.0, 5.0]])).numpy().round(4)
        array([[-1.3133, -0.3133],
               [-2.1269, -0.1269]], dtype=float32)
    """


class Identity(_Activation, function=lambda x: x):
    """Returns its input unchanged, as `torch.nn.Identity`.

    A placeholder where a layer is optional (a model built with or without a projection).

    Examples:
        >>> x = mg.ones(2)
        >>> nn.Identity()(x) is x
        True
    """


MODULES = ("LeakyReLU", "ELU", "SELU", "CELU", "GELU", "SiLU", "Mish", "Softplus", "Softsign",
           "LogSigmoid", "Hardtanh", "ReLU6", "Hardsigmoid", "Hardswish", "Tanhshrink",
           "Softmin", "Softmax", "LogSoftmax", "Identity")
