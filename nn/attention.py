"""Attention: the decoder looks back at every encoder step and takes a weighted average.

The course's attention model, for one decoder step t and every source step t':

    e<t,t'> = score(s<t-1>, a<t'>)               how well a<t'> fits what the decoder needs
    α<t,t'> = exp(e<t,t'>) / Σ_t'' exp(e<t,t''>)  softmax over the source steps t'
    c<t>    = Σ_t' α<t,t'> a<t'>                 the context fed to the decoder

`Attention` owns the scoring network and nothing else. Four scores:

- ``"additive"`` (the course's, Bahdanau's): a small network of s<t-1> and a<t'>,
  one tanh hidden layer over their concatenation and a linear read-out,
  ``e = v · tanh(W_s s<t-1> + W_a a<t'> + b)``. The concatenation's weight matrix
  is split in two (`query`, `key`), so W_a a<t'> is computed once per sentence.
- ``"dot"``: ``e = s<t-1> · a<t'>`` (query and key sizes must match).
- ``"scaled_dot"``: ``e = s<t-1> · a<t'> / √key_size``, the Transformer's.
- ``"general"``: ``e = s<t-1> · W a<t'>`` (Luong's multiplicative score), for
  queries and keys of different sizes.

Padded source positions (from `lengths`, or any boolean `mask`) get α = 0.
Everything is minigrad ops, so it runs on NumPy or CuPy and backpropagates.
"""
from __future__ import annotations

import math
from typing import Any, NamedTuple

import minigrad as mg

from .layers import Linear
from .module import Module

SCORES = ("additive", "dot", "scaled_dot", "general")

# Masked scores are set to this before the softmax: exp underflows to exactly 0, and
# unlike -inf it never trips mg.detect_anomaly or turns a fully masked row into NaN.
_MASKED_SCORE = -1e9


class AttentionMemory(NamedTuple):
    """What `Attention` needs from the source side, prepared once per batch.

    Every field is batch-first (batch on axis 0), so decoding utilities can expand
    and reorder a memory like any other per-sequence state (see `nn.decode`).

    Attributes:
        keys: (B, Tx, K), the a<t'> the scores compare against.
        projected_keys: (B, Tx, ·) or None, the key-side part of the score
            (W_a a<t'> + b for "additive", W a<t'> for "general"), so a decoder loop
            does not recompute it.
        values: (B, Tx, V) or None, what the context averages; None means the keys.
        mask: (B, 1, Tx) or (B, Tq, Tx) boolean or None, True where attention may look.

    Examples:
        >>> mg.manual_seed(0)
        >>> attn = nn.Attention(4)
        >>> memory = attn.prepare(mg.randn(5, 2, 4), lengths=[5, 3])
        >>> memory.keys.shape, memory.projected_keys.shape, memory.values, memory.mask.shape
        ((2, 5, 4), (2, 5, 4), None, (2, 1, 5))
    """

    keys: mg.Tensor
    projected_keys: mg.Tensor | None
    values: mg.Tensor | None
    mask: mg.Tensor | None


class Attention(Module):
    """Attention over a source sequence: `attention(query, keys)` -> `(context, weights)`.

    The course's attention model (see the module docstring): e<t,t'> = score(s<t-1>,
    a<t'>), α<t,t'> = softmax over t', c<t> = Σ_t' α<t,t'> a<t'>. PyTorch has no such
    layer (its `nn.MultiheadAttention` is the Transformer's); the weights come back in
    PyTorch's (B, Tq, Tx) layout.

    Shapes, time-major by default as the recurrent layers (`batch_first=True`
    swaps the first two axes of every sequence):

    - query: (B, Q) for one decoder step s<t-1>, or (Tq, B, Q) for many at once;
    - keys a<t'>: (Tx, B, K); values: like keys with any last size V (default: the keys);
    - lengths: ints, one per sequence (host list or integer Tensor): positions
      t' >= length are padding; mask: boolean, (B, Tx) or (B, Tq, Tx), True = attend;
    - context c<t>: (B, V) for a (B, Q) query, else (Tq, B, V);
    - weights α<t,t'>: (B, Tx) for a (B, Q) query, else (B, Tq, Tx), whatever `batch_first`.

    Instead of keys, `forward` also takes the `AttentionMemory` from `prepare(...)`,
    which does the key-side work once for a whole decoder loop.

    Args:
        query_size: Q, the size of s<t-1>.
        key_size: K, the size of a<t'>; defaults to `query_size`.
        hidden_size: the additive score's hidden layer; defaults to `query_size`.
        score: "additive" (the course's, Bahdanau's), "dot", "scaled_dot" or "general" (Luong's).
        batch_first: sequences are (B, T, ·) instead of (T, B, ·).
        dtype: parameter dtype; None is the default dtype.
        backend: "numpy" or "cupy"; None is the default backend.

    Raises:
        ValueError: an unknown score, a size that is not a positive int, different
            query and key sizes for a dot score, or `hidden_size` for a non-additive score.

    Examples:
        >>> mg.manual_seed(0)
        >>> attn = nn.Attention(4, key_size=6)
        >>> attn
        Attention(
          query_size=4, key_size=6, score='additive', hidden_size=4
          (query): Linear(in_features=4, out_features=4, bias=False)
          (key): Linear(in_features=6, out_features=4, bias=True)
          (energy): Linear(in_features=4, out_features=1, bias=False)
        )
        >>> keys = mg.randn(5, 2, 6)                      # a<t'>: (Tx, B, K)
        >>> context, weights = attn(mg.randn(2, 4), keys, lengths=[5, 3])
        >>> context.shape, weights.shape
        ((2, 6), (2, 5))
        >>> weights.sum(axis=-1).numpy().round(4), weights[1, 3:].tolist()
        (array([1., 1.], dtype=float32), [0.0, 0.0])
    """

    def __init__(self, query_size: int, key_size: int | None = None, hidden_size: int | None = None,
                 score: str = "additive", batch_first: bool = False, *, dtype: Any = None,
                 backend: str | None = None):
        super().__init__()
        if score not in SCORES:
            raise ValueError(f"Attention: score must be one of {SCORES}, got {score!r}")
        key_size = query_size if key_size is None else key_size
        for name, value in (("query_size", query_size), ("key_size", key_size)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"Attention: {name} must be a positive int, got {value!r}")
        if score in ("dot", "scaled_dot") and query_size != key_size:
            raise ValueError(
                f"Attention(score={score!r}) compares s<t-1> and a<t'> by a dot product, so "
                f"query_size ({query_size}) must equal key_size ({key_size}); use "
                "score='general' or 'additive' for different sizes"
            )
        if hidden_size is not None and score != "additive":
            raise ValueError(f"Attention: hidden_size is only used by score='additive', not {score!r}")
        self.query_size = query_size
        self.key_size = key_size
        self.score = score
        self.batch_first = bool(batch_first)
        self.hidden_size = None
        if score == "additive":
            self.hidden_size = query_size if hidden_size is None else hidden_size
            # e<t,t'> = v · tanh(W_s s<t-1> + W_a a<t'> + b): one hidden layer over [s<t-1>, a<t'>].
            self.query = Linear(query_size, self.hidden_size, bias=False, dtype=dtype, backend=backend)
            self.key = Linear(key_size, self.hidden_size, bias=True, dtype=dtype, backend=backend)
            self.energy = Linear(self.hidden_size, 1, bias=False, dtype=dtype, backend=backend)
        elif score == "general":
            self.key = Linear(key_size, query_size, bias=False, dtype=dtype, backend=backend)

    # -- the source side, once per batch ----------------------------------------------
    def prepare(self, keys: mg.Tensor, values: mg.Tensor | None = None, *, lengths: Any = None,
                mask: mg.Tensor | None = None) -> AttentionMemory:
        """The batch-first `AttentionMemory` for these keys, values and padding.

        Call it once per source batch and pass the memory to every decoder step, so
        W_a a<t'> + b (or W a<t'>) is computed once, not once per step.

        Args:
            keys: a<t'>, (Tx, B, K) (or (B, Tx, K) with `batch_first`).
            values: optional, like keys with any last size; None averages the keys.
            lengths: optional ints, one per sequence, each in [1, Tx].
            mask: optional boolean (B, Tx) or (B, Tq, Tx), True = attend (combined with lengths).

        Returns:
            An `AttentionMemory`.

        Raises:
            TypeError: `keys` is already a memory, or a non-boolean mask.
            ValueError: keys, values, lengths or mask whose shapes do not fit, named.

        Examples:
            >>> mg.manual_seed(0)
            >>> attn = nn.Attention(3, score="dot", batch_first=True)
            >>> memory = attn.prepare(mg.randn(2, 4, 3), values=mg.randn(2, 4, 7))
            >>> context, weights = attn(mg.randn(2, 3), memory)
            >>> context.shape, weights.shape
            ((2, 7), (2, 4))
            >>> attn.prepare(mg.randn(2, 4, 5))
            Traceback (most recent call last):
            ...
            ValueError: Attention: keys of shape (2, 4, 5) have last size 5, expected key_size=3
        """
        if isinstance(keys, AttentionMemory):
            raise TypeError("Attention.prepare: keys are already an AttentionMemory")
        keys = self._batch_major(keys, "keys", self.key_size)
        batch, steps = keys.shape[0], keys.shape[1]
        if values is not None:
            values = self._batch_major(values, "values", None)
            if tuple(values.shape[:2]) != (batch, steps):
                raise ValueError(
                    f"Attention: values of shape {tuple(values.shape)} do not line up with keys "
                    f"({self._layout()}: batch {batch}, {steps} steps)"
                )
        full_mask = None
        if lengths is not None:
            full_mask = length_mask(lengths, steps, backend=keys.backend).unsqueeze(1)
            if full_mask.shape[0] != batch:
                raise ValueError(f"Attention: {full_mask.shape[0]} lengths for a batch of {batch}")
        if mask is not None:
            mask = self._check_mask(mask, batch, steps)
            full_mask = mask if full_mask is None else mg.where(full_mask, mask, False)
        projected = None
        if self.score in ("additive", "general"):
            projected = _linear_2d(self.key, keys)  # W_a a<t'> (+ b): independent of the decoder step
        return AttentionMemory(keys, projected, values, full_mask)

    # -- one or many decoder steps ----------------------------------------------------
    def forward(self, query: mg.Tensor, keys: mg.Tensor | AttentionMemory,
                values: mg.Tensor | None = None, *, lengths: Any = None,
                mask: mg.Tensor | None = None) -> tuple[mg.Tensor, mg.Tensor]:
        """(context c<t>, weights α<t,t'>) for one or many decoder steps.

        α<t,t'> = softmax_t'(e<t,t'>) with padded positions at α = 0, and
        c<t> = Σ_t' α<t,t'> a<t'> (or the values). See the class docstring for the shapes.

        Args:
            query: s<t-1>, (B, Q) for one step or (Tq, B, Q) (batch-first: (B, Tq, Q)).
            keys: a<t'> (Tx, B, K), or an `AttentionMemory` from `prepare`.
            values: optional; only with raw keys.
            lengths: optional ints, one per sequence; only with raw keys.
            mask: optional boolean mask; only with raw keys.

        Returns:
            `(context, weights)`: (B, V) and (B, Tx) for a (B, Q) query, else (Tq, B, V)
            (batch-first: (B, Tq, V)) and (B, Tq, Tx).

        Raises:
            TypeError: values, lengths or mask given beside an `AttentionMemory`.
            ValueError: a query or keys whose shapes do not fit, named.

        Examples:
            >>> mg.manual_seed(0)
            >>> attn = nn.Attention(4, score="scaled_dot")
            >>> keys = mg.randn(6, 3, 4)
            >>> context, weights = attn(mg.randn(2, 3, 4), keys)    # Tq = 2 steps at once
            >>> context.shape, weights.shape
            ((2, 3, 4), (3, 2, 6))
        """
        if isinstance(keys, AttentionMemory):
            if values is not None or lengths is not None or mask is not None:
                raise TypeError("Attention: values, lengths and mask belong in prepare(), "
                                "not beside an AttentionMemory")
            memory = keys
        else:
            memory = self.prepare(keys, values, lengths=lengths, mask=mask)
        if not isinstance(query, mg.Tensor) or query.ndim not in (2, 3):
            raise ValueError(f"Attention: query must be a (B, Q) or {self._layout('Q')} Tensor, "
                             f"got {_shape_of(query)}")
        single = query.ndim == 2
        if single:
            query = query.unsqueeze(1)                      # (B, 1, Q)
        elif not self.batch_first:
            query = query.swapaxes(0, 1)                    # (B, Tq, Q)
        batch = memory.keys.shape[0]
        if query.shape[0] != batch or query.shape[-1] != self.query_size:
            raise ValueError(
                f"Attention: query of shape {tuple(query.shape)} (as batch-first) does not fit "
                f"batch {batch} and query_size {self.query_size}"
            )
        scores = self._scores(query, memory)               # e<t,t'>: (B, Tq, Tx)
        if memory.mask is not None:
            scores = mg.where(memory.mask, scores, _MASKED_SCORE)
        weights = scores.softmax(axis=-1)                   # α<t,t'>: softmax over t'
        values = memory.keys if memory.values is None else memory.values
        context = weights @ values                          # c<t> = Σ_t' α<t,t'> a<t'>
        if single:
            return context.squeeze(1), weights.squeeze(1)
        if not self.batch_first:
            context = context.swapaxes(0, 1)
        return context, weights

    def _scores(self, query: mg.Tensor, memory: AttentionMemory) -> mg.Tensor:
        """e<t,t'> for a batch-first query (B, Tq, Q): (B, Tq, Tx)."""
        if self.score == "additive":
            batch, queries, steps = query.shape[0], query.shape[1], memory.keys.shape[1]
            hidden = _linear_2d(self.query, query).unsqueeze(2) + memory.projected_keys.unsqueeze(1)
            energy = _linear_2d(self.energy, hidden.tanh())  # v · tanh(W_s s + W_a a + b)
            return energy.reshape(batch, queries, steps)
        keys = memory.projected_keys if self.score == "general" else memory.keys
        scores = query @ keys.swapaxes(1, 2)               # s<t-1> · a<t'>
        if self.score == "scaled_dot":
            scores = scores * (1.0 / math.sqrt(self.key_size))
        return scores

    # -- checks -------------------------------------------------------------------------
    def _layout(self, last: str = "K") -> str:
        return f"(B, T, {last})" if self.batch_first else f"(T, B, {last})"

    def _batch_major(self, x: Any, name: str, size: int | None) -> mg.Tensor:
        if not isinstance(x, mg.Tensor) or x.ndim != 3:
            raise ValueError(f"Attention: {name} must be a 3-D Tensor {self._layout()}, got {_shape_of(x)}")
        if size is not None and x.shape[-1] != size:
            raise ValueError(f"Attention: {name} of shape {tuple(x.shape)} have last size "
                             f"{x.shape[-1]}, expected key_size={size}")
        return x if self.batch_first else x.swapaxes(0, 1)

    def _check_mask(self, mask: Any, batch: int, steps: int) -> mg.Tensor:
        if not isinstance(mask, mg.Tensor) or mask.dtype != "bool":
            raise TypeError(f"Attention: mask must be a boolean Tensor (True = attend), got "
                            f"{type(mask).__name__}{'' if not isinstance(mask, mg.Tensor) else ' of ' + str(mask.dtype)}")
        if mask.ndim == 2 and tuple(mask.shape) == (batch, steps):
            return mask.unsqueeze(1)
        if mask.ndim == 3 and mask.shape[0] == batch and mask.shape[2] == steps:
            return mask
        raise ValueError(f"Attention: mask of shape {tuple(mask.shape)} must be (B, Tx) = "
                         f"{(batch, steps)} or (B, Tq, Tx)")

    def extra_repr(self) -> str:
        """The constructor arguments shown in the repr.

        Returns:
            `'query_size=..., key_size=..., score=...'`, plus `hidden_size` and `batch_first` when used.

        Examples:
            >>> nn.Attention(8, score="dot", batch_first=True).extra_repr()
            "query_size=8, key_size=8, score='dot', batch_first=True"
        """
        text = f"query_size={self.query_size}, key_size={self.key_size}, score={self.score!r}"
        if self.hidden_size is not None:
            text += f", hidden_size={self.hidden_size}"
        return text + (", batch_first=True" if self.batch_first else "")


def length_mask(lengths: Any, steps: int, backend: str | None = None) -> mg.Tensor:
    """A (B, steps) boolean mask, True at positions t' < lengths[b] (the real tokens).

    Args:
        lengths: a host list/tuple/array of ints, or a 1-D integer Tensor (which stays on its device).
        steps: the padded length Tx.
        backend: the mask's backend for host lengths; None is the default.

    Returns:
        A boolean Tensor (B, steps).

    Raises:
        ValueError: a host length outside [1, steps].
        TypeError: a Tensor that is not 1-D integer.

    Examples:
        >>> nn.attention.length_mask([3, 1], 4).tolist()
        [[True, True, True, False], [True, False, False, False]]
        >>> nn.attention.length_mask([5], 4)
        Traceback (most recent call last):
        ...
        ValueError: length_mask: lengths must lie in [1, 4] (the source length), got 5
    """
    if isinstance(lengths, mg.Tensor):
        if getattr(lengths.dtype, "kind", None) not in ("i", "u") or lengths.ndim != 1:
            raise TypeError(f"length_mask: lengths must be a 1-D integer Tensor, got {lengths.dtype} "
                            f"of shape {tuple(lengths.shape)}")
        counts = lengths
    else:
        values = [int(v) for v in (lengths.tolist() if hasattr(lengths, "tolist") else lengths)]
        bad = [v for v in values if not 1 <= v <= steps]
        if bad:
            raise ValueError(f"length_mask: lengths must lie in [1, {steps}] (the source length), got {bad[0]}")
        counts = mg.tensor(values, backend=backend)
    positions = mg.arange(steps, backend=counts.backend)
    return positions.unsqueeze(0) < counts.unsqueeze(1)


def _linear_2d(layer: Linear, x: mg.Tensor) -> mg.Tensor:
    """`layer(x)` through one 2-D matmul (NumPy runs an N-D matmul as many small ones)."""
    return layer(x.reshape(-1, x.shape[-1])).reshape(*x.shape[:-1], layer.out_features)


def _shape_of(x: Any) -> str:
    return f"shape {tuple(x.shape)}" if isinstance(x, mg.Tensor) else type(x).__name__
