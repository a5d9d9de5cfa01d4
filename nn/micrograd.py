"""micrograd's Neuron, Layer and MLP, vectorised.

Same constructor arguments, initialisation (weights U(-1, 1), biases 0),
activations (ReLU hidden layers, linear last layer) and parameter counts as
Karpathy's micrograd `nn.py`, so its demo ports line by line: a call takes one
sample (a list of floats or a 1-D Tensor) or a batch (B, nin), and a one-unit
layer returns a scalar per sample rather than a length-1 vector. The difference
is speed: a Layer holds one (nout, nin) matrix instead of nout scalar neurons.
"""
from __future__ import annotations

from typing import Any

import minigrad as mg

from . import init
from .module import Module, ModuleList, Parameter


def _as_input(x: Any, like: mg.Tensor, nin: int, who: str) -> mg.Tensor:
    """A sample or batch as a Tensor on `like`'s backend, checked to have `nin` features."""
    if isinstance(x, (list, tuple)) and any(isinstance(item, mg.Tensor) for item in x):
        x = mg.stack([item if isinstance(item, mg.Tensor) else mg.Tensor(item, dtype=like.dtype, backend=like.backend)
                      for item in x])
    elif not isinstance(x, mg.Tensor):
        x = mg.Tensor(x, dtype=like.dtype, backend=like.backend)
    if x.ndim not in (1, 2) or x.shape[-1] != nin:
        raise ValueError(f"{who} expects one sample ({nin},) or a batch (B, {nin}), got shape {tuple(x.shape)}")
    return x


class Neuron(Module):
    """One unit: relu(w · x + b), or linear when `nonlin=False`, as micrograd's Neuron.

    Same arguments and initialisation as micrograd's `nn.py` (w ~ U(-1, 1), b = 0),
    but `w` is one (nin,) Parameter rather than nin scalars.

    Args:
        nin: the number of inputs.
        nonlin: True applies ReLU to the weighted sum.

    Examples:
        >>> mg.manual_seed(0)
        >>> n = nn.Neuron(3)
        >>> n, len(n.parameters()), n.w.shape
        (ReLUNeuron(3), 2, (3,))
        >>> n([1.0, 2.0, 3.0]).shape, n(mg.ones(5, 3)).shape
        ((), (5,))
    """

    def __init__(self, nin: int, nonlin: bool = True):
        super().__init__()
        self.nin = nin
        self.nonlin = nonlin
        self.w = init.uniform_(Parameter(mg.zeros(nin)), -1.0, 1.0)
        self.b = Parameter(mg.zeros(()))

    def forward(self, x: Any) -> mg.Tensor:
        """Return relu(w · x + b) (or w · x + b) for one sample or a batch.

        Args:
            x: one sample (a list of floats or Tensors, or a (nin,) Tensor) or a (B, nin) batch.

        Returns:
            A 0-d Tensor for one sample, shape (B,) for a batch.

        Raises:
            ValueError: `x` is not (nin,) or (B, nin).

        Examples:
            >>> n = nn.Neuron(2, nonlin=False)
            >>> with mg.no_grad():
            ...     n.w.data[...] = 1.0
            >>> n([2.0, -5.0]).item()
            -3.0
        """
        x = _as_input(x, self.w, self.nin, repr(self))
        act = x @ self.w + self.b
        return act.relu() if self.nonlin else act

    def __repr__(self) -> str:
        return f"{'ReLU' if self.nonlin else 'Linear'}Neuron({self.nin})"


class Layer(Module):
    """`nout` neurons reading the same input, held as one (nout, nin) weight matrix.

    micrograd's Layer, vectorised: w ~ U(-1, 1), b = 0, ReLU unless `nonlin=False`. A
    one-neuron layer drops the unit axis (a scalar per sample), as micrograd's does.

    Args:
        nin: the number of inputs.
        nout: the number of neurons.
        nonlin: True applies ReLU.

    Examples:
        >>> mg.manual_seed(0)
        >>> layer = nn.Layer(3, 4)
        >>> layer, layer.w.shape
        (Layer(3 -> 4, ReLU), (4, 3))
        >>> layer([1.0, 0.0, -1.0]).shape, layer(mg.ones(2, 3)).shape
        ((4,), (2, 4))
    """

    def __init__(self, nin: int, nout: int, nonlin: bool = True):
        super().__init__()
        self.nin = nin
        self.nout = nout
        self.nonlin = nonlin
        self.w = init.uniform_(Parameter(mg.zeros(nout, nin)), -1.0, 1.0)
        self.b = Parameter(mg.zeros(nout))

    def _affine(self, x: mg.Tensor) -> mg.Tensor:
        act = x @ self.w.T + self.b
        return act.relu() if self.nonlin else act

    def forward(self, x: Any) -> mg.Tensor:
        """Apply the layer to one sample or a batch.

        Args:
            x: one sample (a list or a (nin,) Tensor) or a (B, nin) batch.

        Returns:
            Shape (nout,) for one sample, (B, nout) for a batch; without the last axis when nout is 1.

        Raises:
            ValueError: `x` is not (nin,) or (B, nin).

        Examples:
            >>> nn.Layer(2, 1)(mg.ones(3, 2)).shape
            (3,)
        """
        out = self._affine(_as_input(x, self.w, self.nin, repr(self)))
        return out.squeeze(-1) if self.nout == 1 else out

    def __repr__(self) -> str:
        return f"Layer({self.nin} -> {self.nout}, {'ReLU' if self.nonlin else 'Linear'})"


class MLP(Module):
    """Layers of sizes nin -> nouts[0] -> ... -> nouts[-1]; ReLU between, linear at the end.

    micrograd's MLP: `MLP(3, [4, 4, 1])` has 41 parameters (scalars), exactly as in
    micrograd, held in 6 Parameter tensors. The layers are in `mlp.layers`.

    Args:
        nin: the number of inputs.
        nouts: the size of each layer in order.

    Examples:
        >>> mg.manual_seed(0)
        >>> model = nn.MLP(3, [4, 4, 1])
        >>> sum(p.size for p in model.parameters())
        41
        >>> model([2.0, 3.0, -1.0]).shape, model(mg.ones(8, 3)).shape
        ((), (8,))
    """

    def __init__(self, nin: int, nouts: list[int]):
        super().__init__()
        sizes = [nin] + list(nouts)
        self.layers = ModuleList(
            Layer(sizes[i], sizes[i + 1], nonlin=i != len(nouts) - 1) for i in range(len(nouts))
        )

    def forward(self, x: Any) -> mg.Tensor:
        """Run every layer in turn on one sample or a batch.

        Args:
            x: one sample (a list or a (nin,) Tensor) or a (B, nin) batch.

        Returns:
            Shape (nouts[-1],) or (B, nouts[-1]); a scalar per sample when the last layer has one unit.

        Raises:
            ValueError: `x` is not (nin,) or (B, nin).

        Examples:
            >>> mg.manual_seed(0)
            >>> nn.MLP(2, [3, 2])(mg.ones(4, 2)).shape
            (4, 2)
        """
        if not len(self.layers):
            return x
        first = self.layers[0]
        x = _as_input(x, first.w, first.nin, f"MLP({first.nin}, {[layer.nout for layer in self.layers]})")
        for layer in self.layers:
            x = layer._affine(x)
        return x.squeeze(-1) if self.layers[-1].nout == 1 else x
