"""Connectionist temporal classification: `ctc_loss` and `nn.CTCLoss`.

Speech gives many more input steps than output characters. CTC lets the network
emit one symbol per step, from the labels plus a *blank*, and counts as the same
output every path that collapses to it ("ttt_h_eee" → "the": merge repeats, then
drop blanks). The loss is -log P(y | x), the sum over all those paths, computed by
dynamic programming over the *extended* label sequence l' = (_, y1, _, y2, ..., _)
of length S' = 2S + 1 (Graves et al., 2006):

    α<t>(s) = (α<t-1>(s) + α<t-1>(s-1) + [l'(s) ≠ _, l'(s) ≠ l'(s-2)] α<t-1>(s-2)) · ŷ<t>(l'(s))
    P(y | x) = α<T>(S'-1) + α<T>(S'-2)

and β<t>(s) is the same recursion run backwards from the end. Everything is in log
space (products become sums, sums become logaddexp), vectorised over the batch and
the S' positions, looping over time only. The gradient is the occupancy of each
label at each step:

    ∂(-log P)/∂ log ŷ<t>(c) = -Σ_{s: l'(s) = c} α<t>(s) β<t>(s) / (ŷ<t>(c) P)

Unlike PyTorch's kernel, this is the gradient with respect to `log_probs` itself;
PyTorch returns the gradient with respect to the logits under a log_softmax
(pytorch/pytorch#52241), that is the same minus ŷ<t>(c). Through `log_softmax`, the
way CTC is always fed, both give the same gradient for every parameter.
"""
from __future__ import annotations

from typing import Any

import minigrad as mg

from .module import Module

_REDUCTIONS = ("mean", "sum", "none")


def _host_lengths(lengths: Any, batch: int, name: str) -> list[int]:
    """Lengths as a host list of ints (an explicit transfer for a Tensor)."""
    if isinstance(lengths, mg.Tensor) or hasattr(lengths, "tolist"):
        lengths = lengths.tolist()
    if isinstance(lengths, int):
        lengths = [lengths]
    lengths = [int(n) for n in lengths]
    if len(lengths) != batch:
        raise ValueError(f"ctc_loss: {name} has {len(lengths)} entries for a batch of {batch}")
    return lengths


def _padded_targets(targets: mg.Tensor, target_lengths: list[int], who: str):
    """Targets as a (N, S_max) backend array, from (N, S) padded or 1-D concatenated."""
    xp = mg.get_array_module(targets.data)
    batch = len(target_lengths)
    longest = max(target_lengths, default=0)
    if targets.ndim == 2:
        if targets.shape[0] != batch or targets.shape[1] < longest:
            raise ValueError(f"{who}: padded targets {tuple(targets.shape)} must be (N={batch}, S) "
                             f"with S ≥ the longest target length {longest}")
        return targets.data[:, :longest]
    if targets.ndim != 1 or targets.shape[0] != sum(target_lengths):
        raise ValueError(f"{who}: targets must be (N, S) padded or 1-D of length sum(target_lengths)="
                         f"{sum(target_lengths)}, got shape {tuple(targets.shape)}")
    padded = xp.zeros((batch, longest), dtype=targets.data.dtype)
    start = 0
    for n, length in enumerate(target_lengths):  # one copy per sequence, not per label
        padded[n, :length] = targets.data[start:start + length]
        start += length
    return padded


class CTCLossFunction(mg.Function):
    """Per-sequence CTC losses (N,) from log_probs (T, N, C), with the alpha-beta backward.

    The differentiable op behind `ctc_loss` (which checks and prepares its inputs;
    call that instead). Apply it as `CTCLossFunction.apply(log_probs, targets (N, S)
    padded, input_lengths (N,), target_lengths (N,), blank=, zero_infinity=)`; only
    `log_probs` gets a gradient.

    Examples:
        >>> log_probs = mg.full((3, 1, 2), float(np.log(0.5)), requires_grad=True)
        >>> losses = nn.ctc.CTCLossFunction.apply(
        ...     log_probs, mg.tensor([[1]]), mg.tensor([3]), mg.tensor([1]), blank=0, zero_infinity=False)
        >>> losses.numpy().round(4)              # -log P("1"): 6 of the 8 paths collapse to it
        array([0.2877], dtype=float32)
    """

    @staticmethod
    def forward(ctx, log_probs, targets, input_lengths, target_lengths, blank, zero_infinity):
        """The forward recursion α<t>(s) in log space; returns -log P(y | x) per sequence.

        α<t>(s) = (α<t-1>(s) + α<t-1>(s-1) + [jump allowed] α<t-1>(s-2)) · ŷ<t>(l'(s)) over
        the extended labels l' = (_, y1, _, y2, ..., _); a sequence past its own length
        keeps α<T_n>. Infinite losses (impossible alignments) become 0 with `zero_infinity`.

        Args:
            ctx (CTCLossFunction): the graph node (keeps α and the emissions for backward).
            log_probs (array): (T, N, C) log-probabilities.
            targets (array): (N, S) padded integer labels.
            input_lengths (array): (N,) integers.
            target_lengths (array): (N,) integers.
            blank (int): the blank's class index.
            zero_infinity (bool): replace infinite losses by 0.

        Returns:
            losses (array): the (N,) losses.

        Examples:
            >>> lp = mg.full((2, 1, 2), float(np.log(0.5)))
            >>> nn.functional.ctc_loss(lp, [[1]], [2], [1], reduction="none").numpy().round(4)
            array([0.2877], dtype=float32)
        """
        xp = ctx.xp
        steps, batch, _ = log_probs.shape
        dtype = log_probs.dtype
        neg_inf = xp.asarray(-float("inf"), dtype=dtype)
        ext_len = 2 * targets.shape[1] + 1
        # l' = (_, y1, _, y2, ..., _), per sequence; S'_n = 2 S_n + 1 of them are real.
        ext = xp.full((batch, ext_len), blank, dtype=targets.dtype)
        ext[:, 1::2] = targets
        skip = xp.zeros((batch, ext_len), dtype=bool)  # may α jump from s-2 to s?
        if ext_len > 2:
            skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
        rows = xp.arange(batch).reshape(batch, 1)
        emit = log_probs[:, rows, ext]  # log ŷ<t>(l'(s)): (T, N, S')
        t_len = input_lengths.reshape(1, batch, 1)
        alive = xp.arange(steps).reshape(steps, 1, 1) < t_len  # (T, N, 1)

        # α with two -inf columns in front, so s-1 and s-2 are plain slices: α<t>(s) is
        # column s + 2. A forbidden jump from s-2 adds -inf (log 0).
        jump_allowed = xp.where(skip, xp.asarray(0.0, dtype=dtype), neg_inf)
        padded = xp.full((steps, batch, ext_len + 2), -float("inf"), dtype=dtype)
        padded[0, :, 2:4] = emit[0, :, :2]
        for t in range(1, steps):
            prev = padded[t - 1]
            step = xp.logaddexp(xp.logaddexp(prev[:, 2:], prev[:, 1:-1]), prev[:, :-2] + jump_allowed)
            padded[t, :, 2:] = xp.where(alive[t], step + emit[t], prev[:, 2:])  # ended: keep α<T_n>
        alpha = padded[:, :, 2:]
        ext_len_n = 2 * target_lengths + 1  # S'_n, (N,)
        end = alpha[steps - 1, xp.arange(batch), ext_len_n - 1]
        before = alpha[steps - 1, xp.arange(batch), xp.maximum(ext_len_n - 2, 0)]
        log_likelihood = xp.where(ext_len_n > 1, xp.logaddexp(end, before), end)
        losses = -log_likelihood
        infinite = ~xp.isfinite(losses)
        if zero_infinity:
            losses = xp.where(infinite, xp.zeros_like(losses), losses)
        ctx.save_for_backward(alpha, emit, ext, skip, alive, -log_likelihood, infinite)
        ctx.zero_infinity = zero_infinity
        return losses

    @staticmethod
    def backward(ctx, grad_losses):
        """The gradient with respect to `log_probs`, from the occupancies α<t>(s) β<t>(s).

        ∂(-log P)/∂ log ŷ<t>(c) = -Σ_{s: l'(s) = c} α<t>(s) β<t>(s) / (ŷ<t>(c) P). PyTorch's
        kernel gives this minus ŷ<t>(c) (its gradient assumes a log_softmax in front);
        through `log_softmax` both give the same parameter gradients. An impossible
        alignment gets NaN gradients (PyTorch's), or 0 with `zero_infinity`.

        Args:
            ctx (CTCLossFunction): the graph node.
            grad_losses (array): the (N,) upstream gradient.

        Returns:
            grads (tuple): `(grad_log_probs, None, None, None)`.

        Examples:
            >>> lp = mg.full((2, 1, 2), float(np.log(0.5)), requires_grad=True)
            >>> nn.functional.ctc_loss(lp, [[1]], [2], [1], reduction="sum").backward()
            >>> lp.grad[:, 0].round(4)                # -(occupancy): blank and label per step
            array([[-0.3333, -0.6667],
                   [-0.3333, -0.6667]], dtype=float32)
        """
        xp = ctx.xp
        alpha, emit, ext, skip, alive, nll, infinite = ctx.saved_arrays
        log_probs = ctx.inputs[0].data
        steps, batch, classes = log_probs.shape
        ext_len = ext.shape[1]
        dtype = log_probs.dtype
        neg_inf = xp.asarray(-float("inf"), dtype=dtype)
        t_last = ctx.inputs[2].data.reshape(batch, 1) - 1
        s_len = (2 * ctx.inputs[3].data + 1).reshape(batch, 1)
        positions = xp.arange(ext_len).reshape(1, ext_len)
        ends = (positions == s_len - 1) | (positions == s_len - 2)
        # β<t>(s) mirrors α: it may jump from s+2 to s where α may jump from s to s+2.
        # Two -inf columns at the back: β<t>(s) is column s.
        jump_allowed = xp.full((batch, ext_len), -float("inf"), dtype=dtype)
        jump_allowed[:, :-2] = xp.where(skip[:, 2:], xp.asarray(0.0, dtype=dtype), neg_inf)
        start = xp.where(ends, xp.asarray(0.0, dtype=dtype), neg_inf)  # β<T_n>(s): only the two ends
        padded = xp.full((steps + 1, batch, ext_len + 2), -float("inf"), dtype=dtype)
        for t in range(steps - 1, -1, -1):
            nxt = padded[t + 1]
            step = xp.logaddexp(xp.logaddexp(nxt[:, :-2], nxt[:, 1:-1]), nxt[:, 2:] + jump_allowed)
            step = xp.where(t_last == t, start, xp.where(t_last > t, step, neg_inf))
            padded[t, :, :-2] = step + emit[t]
        beta = padded[:steps, :, :-2]
        # Occupancy γ<t>(s) = α β / (ŷ P), in probability space; summed per class c.
        finite_nll = xp.where(infinite, xp.zeros_like(nll), nll)  # the infinite ones: NaN below
        log_occupancy = alpha + beta - emit + finite_nll.reshape(1, batch, 1)
        log_occupancy = xp.where(xp.isfinite(log_occupancy), log_occupancy, neg_inf)
        occupancy = xp.exp(log_occupancy) * alive
        one_hot = (ext.reshape(batch, ext_len, 1) == xp.arange(classes).reshape(1, 1, classes))
        grad = xp.matmul(occupancy.transpose(1, 0, 2), one_hot.astype(dtype)).transpose(1, 0, 2)
        # An impossible alignment has no occupancy: NaN as PyTorch, or 0 with zero_infinity.
        undefined = xp.asarray(0.0 if ctx.zero_infinity else float("nan"), dtype=dtype)
        grad = xp.where(infinite.reshape(1, batch, 1), undefined, -grad * grad_losses.reshape(1, batch, 1))
        return (grad, None, None, None)


def ctc_loss(log_probs: mg.Tensor, targets: Any, input_lengths: Any, target_lengths: Any,
             blank: int = 0, reduction: str = "mean", zero_infinity: bool = False) -> mg.Tensor:
    """-log P(target | input) summed over CTC alignments, as `torch.nn.functional.ctc_loss`.

    The network emits one symbol per input step, from the labels plus a blank, and
    every path that collapses to the target (merge repeats, then drop blanks) counts;
    the sum is computed by the α-β dynamic programme in log space (see the module
    docstring). The gradient is with respect to `log_probs` itself (PyTorch's kernel
    subtracts ŷ, assuming a log_softmax in front); through `log_softmax`, the way CTC
    is always fed, both give the same parameter gradients.

    Args:
        log_probs: (T, N, C) (or unbatched (T, C)) log-probabilities, normally from
            `log_softmax(axis=2)`.
        targets: (N, S) padded or 1-D concatenated class indices other than `blank`.
        input_lengths: one int per sequence, in [1, T] (list, array or Tensor).
        target_lengths: one int per sequence.
        blank: the blank's class index.
        reduction: "none" (N,), "sum", or "mean": each loss divided by its target
            length (at least 1), then the batch mean, as PyTorch.
        zero_infinity: an impossible alignment (input too short) gives an infinite
            loss and NaN gradients unless this is set, which makes both zero.

    Returns:
        A 0-d Tensor, or (N,) for reduction="none".

    Raises:
        ValueError: a bad reduction, shape, length or label (the blank as a label), named.
        TypeError: non-floating log_probs or non-integer targets.

    Examples:
        >>> lp = mg.full((3, 1, 2), float(np.log(0.5)))    # T=3, N=1, C=2 (blank=0, "a"=1)
        >>> round(nn.functional.ctc_loss(lp, [[1]], [3], [1]).item(), 4)
        0.2877
        >>> nn.functional.ctc_loss(lp, [[1, 1]], [2], [2], reduction="none").tolist()  # needs 3 steps
        [inf]
        >>> nn.functional.ctc_loss(lp, [[0]], [3], [1])
        Traceback (most recent call last):
        ...
        ValueError: ctc_loss: targets must be class indices in [0, 2) other than blank=0; got values in [0, 0]
    """
    who = "ctc_loss"
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{who}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")
    if log_probs.dtype.kind != "f":
        raise TypeError(f"{who}: log_probs must be floating, got {log_probs.dtype}")
    unbatched = log_probs.ndim == 2
    if unbatched:
        log_probs = log_probs.unsqueeze(1)
    if log_probs.ndim != 3:
        raise ValueError(f"{who}: log_probs must be (T, N, C) or (T, C), got shape {tuple(log_probs.shape)}")
    steps, batch, classes = log_probs.shape
    if not 0 <= blank < classes:
        raise ValueError(f"{who}: blank={blank} is not a class index in [0, {classes})")
    if not isinstance(targets, mg.Tensor):
        targets = mg.tensor(targets, backend=log_probs.backend)
    if targets.dtype.kind not in "iu":
        raise TypeError(f"{who}: targets must be integer class indices, got {targets.dtype}")
    if unbatched:
        targets = targets.unsqueeze(0)
    input_host = _host_lengths(input_lengths, batch, "input_lengths")
    target_host = _host_lengths(target_lengths, batch, "target_lengths")
    if min(input_host) < 1 or max(input_host) > steps:
        raise ValueError(f"{who}: input_lengths must lie in [1, T={steps}], got {input_host}")
    if min(target_host) < 0:
        raise ValueError(f"{who}: target_lengths must be non-negative, got {target_host}")
    padded = _padded_targets(targets, target_host, who)
    xp = mg.get_array_module(log_probs.data)
    if padded.size:
        mask = xp.arange(padded.shape[1]).reshape(1, -1) < xp.asarray(target_host).reshape(-1, 1)
        padded = xp.where(mask, padded, blank)  # whatever the padding was, it is never read
        low, high = int(padded.min().item()), int(padded.max().item())
        if low < 0 or high >= classes or (mask & (padded == blank)).any().item():
            raise ValueError(f"{who}: targets must be class indices in [0, {classes}) other than "
                             f"blank={blank}; got values in [{low}, {high}]")
    losses = CTCLossFunction.apply(
        log_probs, mg.Tensor(padded), mg.Tensor(xp.asarray(input_host)),
        mg.Tensor(xp.asarray(target_host)), blank=blank, zero_infinity=zero_infinity)
    if reduction == "none":
        return losses.squeeze(0) if unbatched else losses
    if reduction == "sum":
        return losses.sum()
    divisor = mg.tensor([max(n, 1) for n in target_host], dtype=losses.dtype, backend=losses.backend)
    return (losses / divisor).mean()


class CTCLoss(Module):
    """CTC loss as a module, as `torch.nn.CTCLoss`.

    Call it as `loss(log_probs, targets, input_lengths, target_lengths)`; see
    `nn.functional.ctc_loss` for the shapes and the math.

    Args:
        blank: the blank's class index.
        reduction: "mean" (per target length, then batch mean), "sum" or "none".
        zero_infinity: zero the loss and gradient of impossible alignments.

    Raises:
        ValueError: a bad `reduction`.

    Examples:
        >>> mg.manual_seed(0)
        >>> criterion = nn.CTCLoss(blank=0)
        >>> log_probs = mg.randn(10, 2, 5, requires_grad=True).log_softmax(axis=2)
        >>> loss = criterion(log_probs, mg.tensor([[1, 2, 2], [3, 4, 0]]), [10, 8], [3, 2])
        >>> loss.shape, bool(loss.item() > 0)
        ((), True)
    """

    def __init__(self, blank: int = 0, reduction: str = "mean", zero_infinity: bool = False):
        super().__init__()
        if reduction not in _REDUCTIONS:
            raise ValueError(f"CTCLoss: reduction must be one of {_REDUCTIONS}, got {reduction!r}")
        self.blank, self.reduction, self.zero_infinity = blank, reduction, zero_infinity

    def forward(self, log_probs: mg.Tensor, targets: Any, input_lengths: Any, target_lengths: Any) -> mg.Tensor:
        """The CTC loss of `log_probs` against `targets` (see `nn.functional.ctc_loss`).

        Args:
            log_probs: (T, N, C) or (T, C) log-probabilities.
            targets: (N, S) padded or 1-D concatenated labels.
            input_lengths: one int per sequence.
            target_lengths: one int per sequence.

        Returns:
            A 0-d Tensor, or (N,) for reduction="none".

        Raises:
            ValueError, TypeError: as `nn.functional.ctc_loss`.

        Examples:
            >>> lp = mg.full((3, 2), float(np.log(0.5)))      # unbatched (T, C)
            >>> round(nn.CTCLoss(reduction="sum")(lp, [1], 3, 1).item(), 4)
            0.2877
        """
        return ctc_loss(log_probs, targets, input_lengths, target_lengths, self.blank,
                        self.reduction, self.zero_infinity)

    def extra_repr(self) -> str:
        """The constructor arguments shown in the repr.

        Returns:
            `"blank=..., reduction='...', zero_infinity=..."`.

        Examples:
            >>> nn.CTCLoss(zero_infinity=True)
            CTCLoss(blank=0, reduction='mean', zero_infinity=True)
        """
        return f"blank={self.blank}, reduction={self.reduction!r}, zero_infinity={self.zero_infinity}"
