"""Module forms of the activations in `nn.activations`: `nn.GELU()`, `nn.LeakyReLU(0.2)`,
... with PyTorch's constructor arguments. Each holds only its hyperparameters, read at
forward time (so setting `act.negative_slope = 0.3` later takes effect)."""
from __future__ import annotations

import minigrad as mg

from . import activations as A
from .module import Module


def _activation(name: str, function, params: dict, doc: str):
    """A Module class calling `function(x, **its hyperparameters)`."""
    def __init__(self, *args, **kwargs):
        Module.__init__(self)
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
        return function(x, **{key: getattr(self, key) for key in params})

    def extra_repr(self) -> str:
        return ", ".join(f"{key}={getattr(self, key)!r}" for key in params)

    return type(name, (Module,), {"__init__": __init__, "forward": forward,
                                  "extra_repr": extra_repr, "__doc__": doc,
                                  "__module__": __name__})


LeakyReLU = _activation("LeakyReLU", A.leaky_relu, {"negative_slope": 0.01}, "leaky_relu as a module.")
ELU = _activation("ELU", A.elu, {"alpha": 1.0}, "elu as a module.")
SELU = _activation("SELU", A.selu, {}, "selu as a module.")
CELU = _activation("CELU", A.celu, {"alpha": 1.0}, "celu as a module.")
GELU = _activation("GELU", A.gelu, {"approximate": "none"}, "gelu as a module.")
SiLU = _activation("SiLU", A.silu, {}, "silu (swish) as a module.")
Mish = _activation("Mish", A.mish, {}, "mish as a module.")
Softplus = _activation("Softplus", A.softplus, {"beta": 1.0, "threshold": 20.0}, "softplus as a module.")
Softsign = _activation("Softsign", A.softsign, {}, "softsign as a module.")
LogSigmoid = _activation("LogSigmoid", A.logsigmoid, {}, "logsigmoid as a module.")
Hardtanh = _activation("Hardtanh", A.hardtanh, {"min_val": -1.0, "max_val": 1.0}, "hardtanh as a module.")
ReLU6 = _activation("ReLU6", A.relu6, {}, "relu6 as a module.")
Hardsigmoid = _activation("Hardsigmoid", A.hardsigmoid, {}, "hardsigmoid as a module.")
Hardswish = _activation("Hardswish", A.hardswish, {}, "hardswish as a module.")
Tanhshrink = _activation("Tanhshrink", A.tanhshrink, {}, "tanhshrink as a module.")
Softmin = _activation("Softmin", A.softmin, {"axis": -1}, "softmin along `axis` (PyTorch's dim=).")
Softmax = _activation("Softmax", mg.softmax, {"axis": -1}, "softmax along `axis` (PyTorch's dim=).")
LogSoftmax = _activation("LogSoftmax", mg.log_softmax, {"axis": -1},
                         "log_softmax along `axis` (PyTorch's dim=).")
Identity = _activation("Identity", lambda x: x, {}, "Returns its input.")

MODULES = ("LeakyReLU", "ELU", "SELU", "CELU", "GELU", "SiLU", "Mish", "Softplus", "Softsign",
           "LogSigmoid", "Hardtanh", "ReLU6", "Hardsigmoid", "Hardswish", "Tanhshrink",
           "Softmin", "Softmax", "LogSoftmax", "Identity")
