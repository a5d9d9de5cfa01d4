"""Loss modules with PyTorch's names and constructor arguments, each calling its
`nn.functional` form: `criterion = nn.CrossEntropyLoss(); loss = criterion(logits, y)`."""
from __future__ import annotations

from typing import Any

import minigrad as mg

from . import functional as F
from .module import Module


class _Loss(Module):
    def __init__(self, reduction: str = "mean"):
        super().__init__()
        F._check_reduction(reduction)
        self.reduction = reduction

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"


class _WeightedLoss(_Loss):
    """A loss with an optional per-class `weight`, kept as a buffer (as PyTorch)."""

    def __init__(self, weight: Any = None, reduction: str = "mean"):
        super().__init__(reduction)
        if weight is not None and not isinstance(weight, mg.Tensor):
            weight = mg.tensor(weight)
        self.register_buffer("weight", weight)


class CrossEntropyLoss(_WeightedLoss):
    """F.cross_entropy: class axis 1, index or probability targets."""

    def __init__(self, weight: Any = None, ignore_index: int = -100, reduction: str = "mean",
                 label_smoothing: float = 0.0):
        super().__init__(weight, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: mg.Tensor, target: Any) -> mg.Tensor:
        return F.cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class NLLLoss(_WeightedLoss):
    """F.nll_loss on log-probabilities, class axis 1."""

    def __init__(self, weight: Any = None, ignore_index: int = -100, reduction: str = "mean"):
        super().__init__(weight, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: mg.Tensor, target: Any) -> mg.Tensor:
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class MSELoss(_Loss):
    """F.mse_loss: mean squared error."""

    def forward(self, input: mg.Tensor, target: Any) -> mg.Tensor:
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """F.l1_loss: mean absolute error."""

    def forward(self, input: mg.Tensor, target: Any) -> mg.Tensor:
        return F.l1_loss(input, target, reduction=self.reduction)


class BCELoss(_WeightedLoss):
    """F.binary_cross_entropy on probabilities."""

    def forward(self, input: mg.Tensor, target: Any) -> mg.Tensor:
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_WeightedLoss):
    """F.binary_cross_entropy_with_logits, with PyTorch's `pos_weight`."""

    def __init__(self, weight: Any = None, reduction: str = "mean", pos_weight: Any = None):
        super().__init__(weight, reduction)
        if pos_weight is not None and not isinstance(pos_weight, mg.Tensor):
            pos_weight = mg.tensor(pos_weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input: mg.Tensor, target: Any) -> mg.Tensor:
        return F.binary_cross_entropy_with_logits(input, target, weight=self.weight,
                                                  reduction=self.reduction,
                                                  pos_weight=self.pos_weight)
