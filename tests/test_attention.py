"""nn.Attention: gradients by finite differences, parity with PyTorch, masks, shapes, errors.

The PyTorch reference writes the course's formulas out by hand (PyTorch has no
additive-attention module): e<t,t'> = v · tanh(W_s s<t-1> + W_a a<t'> + b) (or a
dot product), masked positions filled with -inf, α = softmax over t', c = Σ α a.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from helpers import assert_close, host, random_arrays

import minigrad as mg
import nn
from nn.decode import map_state

SCORES = ["additive", "dot", "scaled_dot", "general"]
BATCH, STEPS, QUERIES = 3, 5, 4
LENGTHS = [5, 2, 3]


def make_attention(score, backend, dtype="float64", batch_first=False, query_size=4):
    key_size = 6 if score in ("additive", "general") else query_size
    hidden = 5 if score == "additive" else None
    return nn.Attention(query_size, key_size, hidden, score=score, batch_first=batch_first,
                        dtype=dtype, backend=backend)


def make_inputs(attention, backend, multi, dtype="float64", value_size=3, seed=0):
    """query, keys, values as minigrad Tensors requiring grad (time-major unless batch_first)."""
    seq = (BATCH, STEPS) if attention.batch_first else (STEPS, BATCH)
    if multi:
        query_shape = (BATCH, QUERIES, attention.query_size) if attention.batch_first \
            else (QUERIES, BATCH, attention.query_size)
    else:
        query_shape = (BATCH, attention.query_size)
    shapes = [query_shape, (*seq, attention.key_size), (*seq, value_size)]
    return [mg.tensor(a, dtype=dtype, backend=backend, requires_grad=True)
            for a in random_arrays(shapes, dtype=dtype, seed=seed)]


# -- gradients ------------------------------------------------------------------------------
@pytest.mark.parametrize("score", SCORES)
@pytest.mark.parametrize("multi", [False, True])
@pytest.mark.parametrize("lengths", [None, LENGTHS])
def test_gradcheck(backend, score, multi, lengths):
    attention = make_attention(score, backend)
    query, keys, values = make_inputs(attention, backend, multi)
    params = attention.parameters()

    def fn(q, k, v, *_):  # the parameters are perturbed in place through the same Tensors
        return attention(q, k, v, lengths=lengths)

    assert mg.gradcheck(fn, (query, keys, values, *params))


@pytest.mark.parametrize("score", SCORES)
def test_gradcheck_keys_as_values(backend, score):
    """The course's case: c<t> = Σ α a<t'> averages the same a<t'> the scores compare."""
    attention = make_attention(score, backend)
    query, keys, _ = make_inputs(attention, backend, multi=False)
    assert mg.gradcheck(lambda q, k, *_: attention(q, k, lengths=LENGTHS),
                        (query, keys, *attention.parameters()))


# -- parity with PyTorch ----------------------------------------------------------------------
def torch_attention(torch, score, weights_of, query, keys, values, lengths, mask=None):
    """The reference: the course's formulas in PyTorch, batch-first tensors in and out;
    `weights_of` maps parameter names to torch tensors."""
    multi = query.dim() == 3
    q = query if multi else query.unsqueeze(1)                        # (B, Tq, Q)
    if score == "additive":
        hidden = (q @ weights_of["query.weight"].T).unsqueeze(2) \
            + (keys @ weights_of["key.weight"].T + weights_of["key.bias"]).unsqueeze(1)
        scores = (hidden.tanh() @ weights_of["energy.weight"].T).squeeze(-1)
    elif score == "general":
        scores = q @ (keys @ weights_of["key.weight"].T).transpose(1, 2)
    else:
        scores = q @ keys.transpose(1, 2)
        if score == "scaled_dot":
            scores = scores / math.sqrt(keys.shape[-1])
    allowed = torch.ones(scores.shape, dtype=torch.bool)
    if lengths is not None:
        allowed = allowed & (torch.arange(keys.shape[1])[None, None, :] < torch.tensor(lengths)[:, None, None])
    if mask is not None:
        allowed = allowed & (mask if mask.dim() == 3 else mask.unsqueeze(1))
    weights = scores.masked_fill(~allowed, float("-inf")).softmax(-1)
    context = weights @ values
    if not multi:
        return context.squeeze(1), weights.squeeze(1)
    return context, weights


@pytest.mark.parity
@pytest.mark.parametrize("score", SCORES)
@pytest.mark.parametrize("multi", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("lengths", [None, LENGTHS])
def test_parity_with_torch(torch, backend, score, multi, batch_first, lengths):
    attention = make_attention(score, backend, batch_first=batch_first)
    query, keys, values = make_inputs(attention, backend, multi)
    context, weights = attention(query, keys, values, lengths=lengths)

    as_torch = [torch.tensor(host(t)).requires_grad_(True) for t in (query, keys, values)]
    params_torch = {name: torch.tensor(host(p)).requires_grad_(True) for name, p in attention.named_parameters()}
    tq, tk, tv = as_torch
    to_batch = (lambda t: t) if batch_first else (lambda t: t.transpose(0, 1))
    t_context, t_weights = torch_attention(torch, score, params_torch, to_batch(tq) if multi else tq,
                                           to_batch(tk), to_batch(tv), lengths)
    if multi and not batch_first:
        t_context = t_context.transpose(0, 1)
    assert_close(context, t_context, what="context")
    assert_close(weights, t_weights, what="weights")

    grad_context = np.random.default_rng(1).uniform(0.5, 1.5, size=context.shape)
    grad_weights = np.random.default_rng(2).uniform(0.5, 1.5, size=weights.shape)
    loss = (context * mg.tensor(grad_context, backend=backend)).sum() \
        + (weights * mg.tensor(grad_weights, backend=backend)).sum()
    loss.backward()
    ((t_context * torch.tensor(grad_context)).sum() + (t_weights * torch.tensor(grad_weights)).sum()).backward()
    for name, mine, theirs in zip(("query", "keys", "values"), (query, keys, values), as_torch):
        assert_close(mine.grad, theirs.grad, what=f"grad of {name}")
    for name, param in attention.named_parameters():
        assert_close(param.grad, params_torch[name].grad, what=f"grad of {name}")


@pytest.mark.parity
def test_scaled_dot_matches_torch_sdpa(torch, backend):
    """scaled_dot is PyTorch's scaled_dot_product_attention with a boolean mask."""
    attention = nn.Attention(4, score="scaled_dot", batch_first=True, dtype="float64", backend=backend)
    query, keys, values = make_inputs(attention, backend, multi=True)
    causal = np.tril(np.ones((QUERIES, STEPS), dtype=bool))[None].repeat(BATCH, axis=0)
    context, _ = attention(query, keys, values, mask=mg.tensor(causal, backend=backend))
    expected = torch.nn.functional.scaled_dot_product_attention(
        *(torch.tensor(host(t)) for t in (query, keys, values)), attn_mask=torch.tensor(causal))
    assert_close(context, expected, what="context")


# -- masks --------------------------------------------------------------------------------------
@pytest.mark.parametrize("score", SCORES)
def test_padding_gets_no_attention(backend, score):
    attention = make_attention(score, backend, dtype="float32")
    query, keys, values = make_inputs(attention, backend, multi=True, dtype="float32")
    context, weights = attention(query, keys, values, lengths=LENGTHS)
    weights = host(weights)
    for b, length in enumerate(LENGTHS):
        assert np.all(weights[b, :, length:] == 0.0)
        np.testing.assert_allclose(weights[b].sum(-1), 1.0, rtol=1e-6)

    # Garbage in the padding changes nothing, and no gradient reaches it.
    pad = np.zeros((STEPS, BATCH, 1), dtype=np.float32)
    for b, length in enumerate(LENGTHS):
        pad[length:, b] = 1e3
    noisy_keys = keys.detach() + mg.tensor(pad, backend=backend)
    noisy_values = (values.detach() + mg.tensor(pad, backend=backend)).requires_grad_()
    noisy_keys.requires_grad_()
    context2, _ = attention(query, noisy_keys, noisy_values, lengths=LENGTHS)
    assert_close(context2, context, dtype=np.float32)
    context2.sum().backward()
    for grad in (host(noisy_keys.grad), host(noisy_values.grad)):
        for b, length in enumerate(LENGTHS):
            assert np.all(grad[length:, b] == 0.0)


def test_lengths_as_tensor_and_as_mask_agree(backend):
    attention = make_attention("additive", backend)
    query, keys, values = make_inputs(attention, backend, multi=False)
    from_list = attention(query, keys, values, lengths=LENGTHS)
    from_tensor = attention(query, keys, values, lengths=mg.tensor(LENGTHS, backend=backend))
    mask = nn.attention.length_mask(LENGTHS, STEPS, backend=backend)
    from_mask = attention(query, keys, values, mask=mask)
    for other in (from_tensor, from_mask):
        for a, b in zip(from_list, other):
            assert_close(a, b)
    assert host(mask).tolist() == [[t < n for t in range(STEPS)] for n in LENGTHS]


def test_mask_and_lengths_combine(backend):
    attention = make_attention("dot", backend)
    query, keys, values = make_inputs(attention, backend, multi=True)
    causal = np.tril(np.ones((QUERIES, STEPS), dtype=bool))[None].repeat(BATCH, axis=0)
    _, weights = attention(query, keys, values, lengths=LENGTHS, mask=mg.tensor(causal, backend=backend))
    allowed = causal & (np.arange(STEPS)[None, None, :] < np.array(LENGTHS)[:, None, None])
    weights = host(weights)
    assert np.all(weights[~allowed] == 0.0)
    assert np.all(weights[allowed] > 0.0)


# -- shapes, the prepared memory, and beam-search friendliness ------------------------------
@pytest.mark.parametrize("score", SCORES)
@pytest.mark.parametrize("batch_first", [False, True])
def test_shapes(backend, score, batch_first):
    attention = make_attention(score, backend, batch_first=batch_first)
    query, keys, values = make_inputs(attention, backend, multi=True)
    context, weights = attention(query, keys, values)
    assert context.shape == ((BATCH, QUERIES, 3) if batch_first else (QUERIES, BATCH, 3))
    assert weights.shape == (BATCH, QUERIES, STEPS)
    single, _ = make_inputs(attention, backend, multi=False)[:2]
    context, weights = attention(single, keys)
    assert context.shape == (BATCH, attention.key_size)
    assert weights.shape == (BATCH, STEPS)
    assert context.backend == backend


def test_prepared_memory_matches_direct_call_and_reorders(backend):
    attention = make_attention("additive", backend)
    query, keys, values = make_inputs(attention, backend, multi=False)
    memory = attention.prepare(keys, values, lengths=LENGTHS)
    assert isinstance(memory, nn.AttentionMemory)
    direct = attention(query, keys, values, lengths=LENGTHS)
    prepared = attention(query, memory)
    for a, b in zip(direct, prepared):
        assert_close(a, b)
    # A memory is a tuple of batch-first Tensors: decoding can reorder it row by row.
    order = [2, 0, 0, 1]
    index = mg.tensor(order, backend=backend)
    reordered = map_state(lambda t: t[index], memory)
    assert isinstance(reordered, nn.AttentionMemory)
    context, weights = attention(query[index], reordered)
    assert_close(context, host(direct[0])[order])
    assert_close(weights, host(direct[1])[order])


def test_parameters_and_repr():
    attention = nn.Attention(8, 6, 5)
    assert [(n, p.shape) for n, p in attention.named_parameters()] == [
        ("query.weight", (5, 8)), ("key.weight", (5, 6)), ("key.bias", (5,)), ("energy.weight", (1, 5))]
    assert "score='additive'" in repr(attention)
    assert nn.Attention(4, score="dot").parameters() == []
    assert [n for n, _ in nn.Attention(4, 6, score="general").named_parameters()] == ["key.weight"]


def test_scaled_dot_is_dot_over_sqrt_key_size(backend):
    dot = nn.Attention(4, score="dot", dtype="float64", backend=backend)
    scaled = nn.Attention(4, score="scaled_dot", dtype="float64", backend=backend)
    query, keys, _ = make_inputs(dot, backend, multi=False)
    _, w_dot = dot(query * 0.5, keys)          # 1/sqrt(4) = 0.5
    _, w_scaled = scaled(query, keys)
    assert_close(w_dot, w_scaled)


# -- errors -------------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, message", [
    ({"score": "cosine"}, "score must be one of"),
    ({"key_size": 6, "score": "dot"}, "query_size \\(4\\) must equal key_size \\(6\\)"),
    ({"hidden_size": 3, "score": "dot"}, "hidden_size is only used"),
    ({"key_size": 0}, "key_size must be a positive int"),
])
def test_constructor_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        nn.Attention(4, **kwargs)


def test_call_errors(backend):
    attention = make_attention("additive", backend)
    query, keys, values = make_inputs(attention, backend, multi=False)
    with pytest.raises(ValueError, match="lengths must lie in \\[1, 5\\]"):
        attention(query, keys, lengths=[5, 0, 3])
    with pytest.raises(ValueError, match="3 lengths for a batch of|lengths"):
        attention(query, keys, lengths=[5, 2])
    with pytest.raises(ValueError, match="expected key_size=6"):
        attention(query, values)
    with pytest.raises(ValueError, match="does not fit"):
        attention(query[:2], keys)
    with pytest.raises(TypeError, match="boolean Tensor"):
        attention(query, keys, mask=mg.ones(BATCH, STEPS, backend=backend))
    with pytest.raises(ValueError, match="mask of shape"):
        attention(query, keys, mask=mg.ones(BATCH, STEPS + 1, dtype="bool", backend=backend))
    with pytest.raises(ValueError, match="do not line up"):
        attention(query, keys, values[:3])
    with pytest.raises(TypeError, match="belong in prepare"):
        attention(query, attention.prepare(keys), lengths=LENGTHS)
