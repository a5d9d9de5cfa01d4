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
        """The reduction shown in the repr.

        Returns:
            `"reduction='...'"`.

        Examples:
            >>> nn.MSELoss(reduction="sum")
            MSELoss(reduction='sum')
        """
        return f"reduction={self.reduction!r}"


class _WeightedLoss(_Loss):
    """A loss with an optional per-class `weight`, kept as a buffer (as PyTorch)."""

    def __init__(self, weight: Any = None, reduction: str = "mean"):
        super().__init__(reduction)
        if weight is not None and not isinstance(weight, mg.Tensor):
            weight = mg.tensor(weight)
        self.register_buffer("weight", weight)


class CrossEntropyLoss(_WeightedLoss):
    """Softmax cross-entropy as a module: `nn.functional.cross_entropy` with fixed settings.

    As `torch.nn.CrossEntropyLoss`: class axis 1, index or probability targets;
    `weight` is kept as a buffer (so it moves with `to()` and is saved).

    Args:
        weight: optional (C,) per-class weights.
        ignore_index: an index target that contributes nothing.
        reduction: "mean", "sum" or "none".
        label_smoothing: ε in [0, 1].

    Raises:
        ValueError: a bad `reduction`.

    Examples:
        >>> criterion = nn.CrossEntropyLoss()
        >>> round(criterion(mg.tensor([[2.0, 0.0, -1.0]]), mg.tensor([0])).item(), 4)
        0.1698
    """

    def __init__(self, weight: Any = None, ignore_index: int = -100, reduction: str = "mean",
                 label_smoothing: float = 0.0):
        super().__init__(weight, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: mg.Tensor, target: Any) -> mg.Tensor:
        """The loss of logits `input` against `target` (see `nn.functional.cross_entropy`).

        Args:
            input: logits with the class axis 1 (or (C,)).
            target: class indices, or class probabilities of the input's shape.

        Returns:
            A 0-d Tensor, or per-position losses for reduction="none".

        Raises:
            ValueError, TypeError, IndexError: as `nn.functional.cross_entropy`.

        Examples:
            >>> nn.CrossEntropyLoss(reduction="sum")(mg.zeros(2, 4), mg.tensor([0, 3])).item() > 2.77
            True
        """
        return F.cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood as a module: `nn.functional.nll_loss` with fixed settings.

    As `torch.nn.NLLLoss`: takes log-probabilities with the class axis 1; `weight` is
    a buffer.

    Args:
        weight: optional (C,) per-class weights.
        ignore_index: a target value that contributes nothing.
        reduction: "mean", "sum" or "none".

    Raises:
        ValueError: a bad `reduction`.

    Examples:
        >>> log_p = mg.tensor([[0.5, 0.5]]).log()
        >>> round(nn.NLLLoss()(log_p, mg.tensor([1])).item(), 4)
        0.6931
    """

    def __init__(self, weight: Any = None, ignore_index: int = -100, reduction: str = "mean"):
        super().__init__(weight, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: mg.Tensor, target: Any) -> mg.Tensor:
        """The loss of log-probabilities `input` against class indices `target`.

        Args:
            input: log-probabilities with the class axis 1 (or (C,)).
            target: integer class indices.

        Returns:
            A 0-d Tensor, or per-position losses for reduction="none".

        Raises:
            ValueError, TypeError, IndexError: as `nn.functional.nll_loss`.

        Examples:
            >>> log_p = mg.tensor([[0.5, 0.5], [0.9, 0.1]]).log()
            >>> nn.NLLLoss(ignore_index=0, reduction="none")(log_p, mg.tensor([0, 1])).numpy().round(4)
            array([0.    , 2.3026], dtype=float32)
        """
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class MSELoss(_Loss):
    """Mean squared error as a module, as `torch.nn.MSELoss`.

    Args:
        reduction: "mean", "sum" or "none".

    Raises:
        ValueError: a bad `reduction`.

    Examples:
        >>> nn.MSELoss()(mg.tensor([1.0, 2.0]), mg.tensor([1.0, 4.0])).item()
        2.0
    """

    def forward(self, input: mg.Tensor, target: Any) -> mg.Tensor:
        """(input - target)², reduced (see `nn.functional.mse_loss`).

        Args:
            input: the prediction.
            target: a Tensor, array or number (another shape warns).

        Returns:
            A 0-d Tensor, or elementwise losses for reduction="none".

        Examples:
            >>> nn.MSELoss(reduction="none")(mg.tensor([1.0, 2.0]), mg.tensor([0.0, 0.0])).tolist()
            [1.0, 4.0]
        """
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error as a module, as `torch.nn.L1Loss`.

    Args:
        reduction: "mean", "sum" or "none".

    Raises:
        ValueError: a bad `reduction`.

    Examples:
        >>> nn.L1Loss()(mg.tensor([1.0, 2.0]), mg.tensor([1.0, 4.0])).item()
        1.0
    """

    def forward(self, input: mg.Tensor, target: Any) -> mg.Tensor:
        """|input - target|, reduced (see `nn.functional.l1_loss`).

        Args:
            input: the prediction.
            target: a Tensor, array or number (broadcast).

        Returns:
            A 0-d Tensor, or elementwise losses for reduction="none".

        Examples:
            >>> nn.L1Loss(reduction="none")(mg.tensor([1.0, -2.0]), 0.0).tolist()
            [1.0, 2.0]
        """
        return F.l1_loss(input, target, reduction=self.reduction)


class BCELoss(_WeightedLoss):
    """Binary cross-entropy of probabilities as a module, as `torch.nn.BCELoss`.

    Prefer `BCEWithLogitsLoss` on logits: it is stable for any input.

    Args:
        weight: optional weights broadcast against the loss (a buffer).
        reduction: "mean", "sum" or "none".

    Raises:
        ValueError: a bad `reduction`.

    Examples:
        >>> round(nn.BCELoss()(mg.tensor([0.9]), mg.tensor([1.0])).item(), 4)
        0.1054
    """

    def forward(self, input: mg.Tensor, target: Any) -> mg.Tensor:
        """-w (t log p + (1 - t) log(1 - p)), reduced (see `nn.functional.binary_cross_entropy`).

        Args:
            input: probabilities p in [0, 1].
            target: t of the same shape.

        Returns:
            A 0-d Tensor, or elementwise losses for reduction="none".

        Raises:
            ValueError: a target of another shape.
            RuntimeError: a probability outside [0, 1].

        Examples:
            >>> nn.BCELoss(reduction="none")(mg.tensor([0.5, 0.5]), mg.tensor([0.0, 1.0])).numpy().round(4)
            array([0.6931, 0.6931], dtype=float32)
        """
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_WeightedLoss):
    """Binary cross-entropy of σ(logits) as a module, as `torch.nn.BCEWithLogitsLoss`.

    Args:
        weight: optional weights broadcast against the loss (a buffer).
        reduction: "mean", "sum" or "none".
        pos_weight: optional weight of the positive term (a buffer), e.g. #negatives/#positives.

    Raises:
        ValueError: a bad `reduction`.

    Examples:
        >>> criterion = nn.BCEWithLogitsLoss(pos_weight=[3.0])
        >>> round(criterion(mg.tensor([0.0]), mg.tensor([1.0])).item(), 4)
        2.0794
    """

    def __init__(self, weight: Any = None, reduction: str = "mean", pos_weight: Any = None):
        super().__init__(weight, reduction)
        if pos_weight is not None and not isinstance(pos_weight, mg.Tensor):
            pos_weight = mg.tensor(pos_weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input: mg.Tensor, target: Any) -> mg.Tensor:
        """The loss of logits `input` against `target` (see `nn.functional.binary_cross_entropy_with_logits`).

        Args:
            input: logits x.
            target: t of the same shape.

        Returns:
            A 0-d Tensor, or elementwise losses for reduction="none".

        Raises:
            ValueError: a target of another shape.

        Examples:
            >>> round(nn.BCEWithLogitsLoss()(mg.tensor([0.0, 0.0]), mg.tensor([0.0, 1.0])).item(), 4)
            0.6931
        """
        return F.binary_cross_entropy_with_logits(input, target, weight=self.weight,
                                                  reduction=self.reduction,
                                                  pos_weight=self.pos_weight)
