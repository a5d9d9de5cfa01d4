"""PyTorch's `scaled_dot_product_attention`, as a composite of minigrad ops:
softmax(Q Kᵀ · scale + mask) V, with an optional causal mask and dropout."""
from __future__ import annotations

import math
from typing import Any

import minigrad as mg


def scaled_dot_product_attention(query: mg.Tensor, key: mg.Tensor, value: mg.Tensor,
                                 attn_mask: Any = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> mg.Tensor:
    """softmax(Q Kᵀ · scale + mask) V over the last two axes, as PyTorch's.

    query (..., L, E), key (..., S, E), value (..., S, Ev) → (..., L, Ev), built from
    minigrad ops (so it differentiates and renders like any other). `attn_mask` is
    boolean (True: may attend) or added to the scores; `is_causal` masks the future;
    `scale` defaults to 1/√E.

    Args:
        query: (..., L, E).
        key: (..., S, E).
        value: (..., S, Ev).
        attn_mask: a boolean or additive mask broadcast to (..., L, S), or None.
        dropout_p: dropout on the attention weights (always applied when > 0, as PyTorch).
        is_causal: mask position j > i (a lower-triangular mask).
        scale: the score factor; None is 1/√E.
        enable_gqa: not supported; must be False.

    Returns:
        A Tensor (..., L, Ev).

    Raises:
        ValueError: shapes that do not fit, or both `attn_mask` and `is_causal`.
        NotImplementedError: `enable_gqa=True`.

    Examples:
        >>> q = mg.ones(1, 2, 4)
        >>> v = mg.tensor([[[1.0, 0.0], [0.0, 1.0]]])
        >>> nn.functional.scaled_dot_product_attention(q, q, v).tolist()
        [[[0.5, 0.5], [0.5, 0.5]]]
        >>> nn.functional.scaled_dot_product_attention(q, q, v, is_causal=True).tolist()
        [[[1.0, 0.0], [0.5, 0.5]]]
    """
    if enable_gqa:
        raise NotImplementedError("scaled_dot_product_attention: enable_gqa is not supported; "
                                  "repeat the key/value heads yourself (repeat_interleave)")
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise ValueError(
            f"scaled_dot_product_attention: query {tuple(query.shape)}, key {tuple(key.shape)} "
            f"and value {tuple(value.shape)} do not fit: (..., L, E), (..., S, E), (..., S, Ev)")
    if is_causal and attn_mask is not None:
        raise ValueError("scaled_dot_product_attention: give attn_mask or is_causal, not both")
    length, source = query.shape[-2], key.shape[-2]
    factor = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = (query @ key.swapaxes(-1, -2)) * factor
    if is_causal:
        attn_mask = mg.ones(length, source, dtype="bool", backend=query.backend).tril()
    if attn_mask is not None:
        if not isinstance(attn_mask, mg.Tensor):
            attn_mask = mg.tensor(attn_mask, backend=query.backend)
        if attn_mask.dtype.kind == "b":
            scores = mg.where(attn_mask, scores, float("-inf"))
        else:
            scores = scores + attn_mask
    weights = scores.softmax(axis=-1)
    if dropout_p > 0.0:
        from .functional import dropout

        weights = dropout(weights, dropout_p, training=True)
    return weights @ value
