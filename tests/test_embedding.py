"""Embedding lookups, row-sparse gradients, from_pretrained and cosine similarity.

Values and gradients against PyTorch (sparse gradients compared densified and by
their coalesced rows), float64 gradchecks, the accumulation of sparse with sparse
and with dense gradients, and the optimizers that apply sparse gradients.
"""
from __future__ import annotations

import numpy as np
import pytest
from helpers import assert_close, check_op, host

import minigrad as mg
import nn
import nn.functional as F

F64 = np.float64


def _lookup_case(seed, rows=7, dim=3, shape=(2, 5)):
    rng = np.random.default_rng(seed)
    weight = rng.standard_normal((rows, dim))
    indices = rng.integers(0, rows, size=shape)
    if indices.size > 1:
        indices.flat[0] = indices.flat[1]  # a repeated index: its gradients add
    upstream = rng.standard_normal(shape + (dim,))
    return weight, indices, upstream


@pytest.mark.parity
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("padding_idx", [None, 0, 3, -1])
@pytest.mark.parametrize("shape", [(6,), (2, 5), (2, 3, 4), ()])
def test_embedding_matches_torch(backend, torch, sparse, padding_idx, shape):
    weight, indices, upstream = _lookup_case(len(shape) + 5 * abs(padding_idx or 0), shape=shape)
    if padding_idx is not None and indices.size:
        indices.flat[-1] = padding_idx % weight.shape[0]  # the padding row is looked up
    ours_w = mg.tensor(weight, requires_grad=True, backend=backend)
    theirs_w = torch.tensor(weight, requires_grad=True)
    ours = F.embedding(mg.tensor(indices, backend=backend), ours_w, padding_idx=padding_idx, sparse=sparse)
    torch_sparse = sparse and shape != ()  # torch's sparse backward fails on 0-d indices
    theirs = torch.nn.functional.embedding(torch.tensor(indices), theirs_w, padding_idx=padding_idx,
                                           sparse=torch_sparse)
    assert_close(ours, theirs, F64)
    (ours * mg.tensor(upstream, backend=backend)).sum().backward()
    (theirs * torch.tensor(upstream)).sum().backward()
    grad = ours_w.grad
    if sparse:
        assert isinstance(grad, mg.RowSparseGrad) and grad.shape == weight.shape
        coalesced = grad.coalesce()
        reference = theirs_w.grad.coalesce() if torch_sparse else theirs_w.grad.to_sparse(1).coalesce()
        assert_close(coalesced.indices, reference.indices()[0], what="sparse rows")
        assert_close(coalesced.values, reference.values(), F64, what="sparse values")
        grad = grad.to_dense()
    assert type(grad) is type(ours_w.data)
    assert_close(grad, theirs_w.grad.to_dense(), F64, what="weight grad")


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("padding_idx", [None, 2])
def test_embedding_gradcheck(backend, sparse, padding_idx):
    weight, indices, _ = _lookup_case(1)
    idx = mg.tensor(indices, backend=backend)
    w = mg.tensor(weight, requires_grad=True, backend=backend)
    assert mg.gradcheck(lambda w: F.embedding(idx, w, padding_idx=padding_idx, sparse=sparse).tanh(), [w])


def test_second_derivative_through_a_sparse_lookup_is_dense(backend):
    weight, indices, _ = _lookup_case(2)
    w = mg.tensor(weight, requires_grad=True, backend=backend)
    rows = F.embedding(mg.tensor(indices, backend=backend), w, sparse=True)
    (g,) = mg.grad((rows ** 3).sum(), w, create_graph=True)
    (gg,) = mg.grad(g.sum(), w)
    expected = np.zeros_like(weight)
    np.add.at(expected, indices, 6 * weight[indices])
    assert_close(gg, expected, F64)


def _dense_reference(weight, uses):
    """d/dW of Σ_uses sum(W[idx] * up) + Σ dense uses sum(W * up), in NumPy."""
    expected = np.zeros_like(weight)
    for idx, up in uses:
        if idx is None:
            expected += up
        else:
            np.add.at(expected, idx, up)
    return expected


@pytest.mark.parametrize("pattern", ["sparse+sparse", "sparse+dense", "dense+sparse", "three sparse"])
def test_sparse_gradients_accumulate_with_every_kind(backend, pattern):
    rng = np.random.default_rng(3)
    weight = rng.standard_normal((9, 4))
    w = mg.tensor(weight, requires_grad=True, backend=backend)
    uses = []
    kinds = {"sparse+sparse": "ss", "sparse+dense": "sd", "dense+sparse": "ds", "three sparse": "sss"}[pattern]
    loss = None
    for kind in kinds:
        up = rng.standard_normal((5, 4)) if kind == "s" else rng.standard_normal((9, 4))
        if kind == "s":
            idx = rng.integers(0, 9, size=5)
            term = (F.embedding(mg.tensor(idx, backend=backend), w, sparse=True) * mg.tensor(up, backend=backend)).sum()
            uses.append((idx, up))
        else:
            term = (w * mg.tensor(up, backend=backend)).sum()
            uses.append((None, up))
        loss = term if loss is None else loss + term
    loss.backward()
    grad = w.grad.to_dense() if isinstance(w.grad, mg.RowSparseGrad) else w.grad
    assert isinstance(w.grad, mg.RowSparseGrad) == ("d" not in kinds)
    assert_close(grad, _dense_reference(weight, uses), F64)


@pytest.mark.parametrize("first", ["sparse", "dense"])
def test_sparse_gradients_accumulate_across_backward_calls(backend, first):
    rng = np.random.default_rng(4)
    weight = rng.standard_normal((6, 2))
    w = mg.tensor(weight, requires_grad=True, backend=backend)
    idx = rng.integers(0, 6, size=4)
    sparse_term = lambda: F.embedding(mg.tensor(idx, backend=backend), w, sparse=True).sum()
    dense_term = lambda: (w * 2.0).sum()
    for term in ([sparse_term, dense_term] if first == "sparse" else [dense_term, sparse_term]) + [sparse_term]:
        term().backward()
    expected = np.full_like(weight, 2.0)
    np.add.at(expected, idx, 2.0)
    assert_close(w.grad, expected, F64)
    assert type(w.grad) is type(w.data)


def test_a_sparse_lookup_of_a_non_leaf_table_backpropagates_densely(backend):
    weight, indices, _ = _lookup_case(5)
    w = mg.tensor(weight, requires_grad=True, backend=backend)
    F.embedding(mg.tensor(indices, backend=backend), w * 3.0, sparse=True).sum().backward()
    expected = np.zeros_like(weight)
    np.add.at(expected, indices, 3.0)
    assert type(w.grad) is type(w.data)
    assert_close(w.grad, expected, F64)


def test_anomaly_mode_checks_sparse_gradients(backend):
    w = mg.tensor(np.ones((4, 2)), requires_grad=True, backend=backend)
    with mg.detect_anomaly():
        F.embedding(mg.tensor([1, 2], backend=backend), w, sparse=True).sum().backward()
    assert isinstance(w.grad, mg.RowSparseGrad)
    rows = F.embedding(mg.tensor([1, 2], backend=backend), w, sparse=True)
    with mg.detect_anomaly(), pytest.raises(FloatingPointError, match="Embedding.*backward"):
        rows.backward(mg.tensor([[np.inf, 1.0], [1.0, 1.0]], backend=backend))


def test_bad_lookups_are_explained(backend):
    w = mg.tensor(np.ones((4, 2)), requires_grad=True, backend=backend)
    with pytest.raises(IndexError, match="embedding: index 4 is out of range"):
        F.embedding(mg.tensor([0, 4], backend=backend), w)
    with pytest.raises(TypeError, match="integer indices"):
        F.embedding(mg.tensor([0.5], backend=backend), w)
    with pytest.raises(ValueError, match="padding_idx 4 is out of range"):
        F.embedding(mg.tensor([0], backend=backend), w, padding_idx=4)
    with pytest.raises(ValueError, match="2-D"):
        F.embedding(mg.tensor([0], backend=backend), w.reshape(-1))
    with pytest.raises(NotImplementedError, match="max_norm"):
        F.embedding(mg.tensor([0], backend=backend), w, max_norm=1.0)
    with pytest.raises(ValueError, match="negative"):
        mg.embedding(w, mg.tensor([0], backend=backend), padding_idx=-1)


# -- nn.Embedding(sparse=True) and from_pretrained ------------------------------------


@pytest.mark.parity
@pytest.mark.parametrize("freeze", [True, False])
@pytest.mark.parametrize("padding_idx", [None, 1])
def test_from_pretrained_matches_torch(backend, torch, freeze, padding_idx):
    weight = np.random.default_rng(6).standard_normal((5, 3)).astype(np.float32)
    table = mg.tensor(weight, backend=backend)
    ours = nn.Embedding.from_pretrained(table, freeze=freeze, padding_idx=padding_idx)
    theirs = torch.nn.Embedding.from_pretrained(torch.tensor(weight), freeze=freeze, padding_idx=padding_idx)
    assert ours.weight.requires_grad == theirs.weight.requires_grad == (not freeze)
    assert ours.weight.data is table.data  # shared, as PyTorch shares the tensor
    assert (ours.num_embeddings, ours.embedding_dim, ours.padding_idx) == (5, 3, padding_idx)
    indices = np.array([[1, 4, 1], [0, 2, 3]])
    out, ref = ours(mg.tensor(indices, backend=backend)), theirs(torch.tensor(indices))
    assert_close(out, ref, np.float32)  # the padding row keeps its pretrained values
    if not freeze:
        (out * out).sum().backward()
        (ref * ref).sum().backward()
        assert_close(ours.weight.grad, theirs.weight.grad, np.float32)
    else:
        assert not out.requires_grad


def test_from_pretrained_checks_its_input():
    with pytest.raises(ValueError, match="2-D"):
        nn.Embedding.from_pretrained(mg.zeros(3))
    with pytest.raises(ValueError, match="padding_idx 3"):
        nn.Embedding.from_pretrained(mg.zeros(3, 2), padding_idx=3)
    layer = nn.Embedding.from_pretrained([[1.0, 2.0], [3.0, 4.0]], sparse=True)
    assert repr(layer) == "Embedding(2, 2, sparse=True)"


def test_sparse_embedding_layer_gives_a_row_sparse_gradient(backend):
    layer = nn.Embedding(50, 4, sparse=True, padding_idx=0, backend=backend)
    layer(mg.tensor([[3, 0, 3], [7, 7, 0]], backend=backend)).sum().backward()
    grad = layer.weight.grad.coalesce()
    assert host(grad.indices).tolist() == [3, 7]  # the padding row is not among them
    assert_close(grad.values, np.full((2, 4), 2.0, np.float32), np.float32)


# -- optimizers and sparse gradients ------------------------------------------------------


def _train(torch, backend, optimizer, sparse, steps=4, **options):
    """(ours, torch's) table after `steps` lookups of different rows (some repeated)."""
    rng = np.random.default_rng(7)
    weight = rng.standard_normal((12, 3)).astype(np.float32)
    ours = nn.Embedding.from_pretrained(mg.tensor(weight.copy(), backend=backend), freeze=False, sparse=sparse)
    theirs = torch.nn.Embedding.from_pretrained(torch.tensor(weight), freeze=False, sparse=sparse)
    opt_ours = getattr(nn.optim, optimizer)(ours.parameters(), **options)
    opt_theirs = getattr(torch.optim, optimizer)(theirs.parameters(), **options)
    for _ in range(steps):
        idx = rng.integers(0, 8, size=6)  # rows 8..11 are never touched
        up = rng.standard_normal((6, 3)).astype(np.float32)
        for layer, opt, t in ((ours, opt_ours, lambda a: mg.tensor(a, backend=backend)), (theirs, opt_theirs, torch.tensor)):
            opt.zero_grad()
            (layer(t(idx)) * t(up)).sum().backward()
            opt.step()
    return ours, theirs


@pytest.mark.parity
@pytest.mark.parametrize("optimizer, options", [
    ("SGD", {"lr": 0.1}),
    ("SparseAdam", {"lr": 0.05}),
    ("SparseAdam", {"lr": 0.05, "betas": (0.5, 0.9), "eps": 1e-3}),
    ("SparseAdam", {"lr": 0.05, "maximize": True}),
])
def test_sparse_optimizers_match_torch(backend, torch, optimizer, options):
    ours, theirs = _train(torch, backend, optimizer, sparse=True, **options)
    assert_close(ours.weight, theirs.weight, np.float32, atol=1e-5, rtol=1e-4)
    assert_close(host(ours.weight)[8:], theirs.weight[8:], np.float32, atol=0, rtol=0)


@pytest.mark.parity
def test_sparse_sgd_steps_like_dense_sgd(backend, torch):
    sparse, _ = _train(torch, backend, "SGD", sparse=True, lr=0.1)
    dense, _ = _train(torch, backend, "SGD", sparse=False, lr=0.1)
    assert_close(sparse.weight, dense.weight, np.float32)


@pytest.mark.parametrize("optimizer, options, message", [
    ("Adam", {}, "Adam does not support sparse gradients"),
    ("AdamW", {}, "AdamW does not support sparse gradients"),
    ("SGD", {"lr": 0.1, "momentum": 0.9}, "momentum=0"),
    ("SGD", {"lr": 0.1, "weight_decay": 0.1}, "weight_decay=0"),
])
def test_optimizers_refuse_sparse_gradients_they_cannot_apply_and_change_nothing(backend, optimizer, options,
                                                                                  message):
    dense_layer = nn.Linear(2, 2, backend=backend)
    table = nn.Embedding(5, 2, sparse=True, backend=backend)
    opt = getattr(nn.optim, optimizer)(list(dense_layer.parameters()) + list(table.parameters()), **options)
    (dense_layer(mg.ones(1, 2, backend=backend)).sum() + table(mg.tensor([1], backend=backend)).sum()).backward()
    before = [host(p).copy() for p in (*dense_layer.parameters(), table.weight)]
    with pytest.raises(RuntimeError, match=message):
        opt.step()
    for p, old in zip((*dense_layer.parameters(), table.weight), before):
        assert_close(p, old, np.float32, atol=0, rtol=0)
    assert not opt.state


def test_sparse_adam_refuses_dense_gradients(backend):
    layer = nn.Embedding(5, 2, backend=backend)
    opt = nn.optim.SparseAdam(layer.parameters())
    layer(mg.tensor([1], backend=backend)).sum().backward()
    with pytest.raises(RuntimeError, match="SparseAdam does not support dense gradients"):
        opt.step()


def test_row_sparse_grad_arithmetic(backend):
    xp = mg.get_array_module(mg.zeros(1, backend=backend).data)
    g = mg.RowSparseGrad(xp.asarray(np.array([2, 0, 2])), xp.asarray(np.ones((3, 2))), (4, 2))
    expected = np.array([[1, 1], [0, 0], [2, 2], [0, 0]], dtype=float)
    assert_close((2 * g).to_dense(), 2 * expected, F64)
    assert_close((g / 2).to_dense(), expected / 2, F64)
    assert_close((-g).to_dense(), -expected, F64)
    assert_close((g + g).to_dense(), 2 * expected, F64)
    dense = xp.asarray(np.ones((4, 2)))
    assert_close(g + dense, expected + 1, F64)
    assert_close(dense + g, expected + 1, F64)
    assert_close(dense, np.ones((4, 2)), F64)  # neither changed it
    g.add_to_(dense, alpha=-1.0)
    assert_close(dense, 1 - expected, F64)
    assert "rows=3" in repr(g)
    with pytest.raises(ValueError, match="shape"):
        g + xp.asarray(np.ones((3, 2)))
    if backend == "numpy":
        assert_close(np.asarray(g), expected, F64)


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize("row_shape", [(3,), (2, 3), ()])
def test_coalesce_compiled_and_numpy_paths_agree(monkeypatch, dtype, row_shape):
    """On NumPy float32/float64, coalesce sums runs with a compiled loop (in float64);
    the reduceat path is the reference, and float16 or a disabled switch take it."""
    from minigrad import sparse_compiled

    rng = np.random.default_rng(3)
    indices = rng.integers(0, 9, size=40)
    values = rng.standard_normal((40,) + row_shape).astype(dtype)
    grad = mg.RowSparseGrad(indices, values, (9,) + row_shape)
    calls = []
    original = sparse_compiled.sum_runs

    def spy(*args):
        result = original(*args)
        calls.append(result is not None)
        return result

    monkeypatch.setattr("minigrad.sparse.sum_runs", spy)
    compiled = grad.coalesce()
    monkeypatch.setattr(sparse_compiled, "enabled", False)
    reference = grad.coalesce()
    assert calls == [dtype != "float16", False]  # compiled, except float16; then switched off
    assert compiled.values.dtype == np.dtype(dtype) and compiled.values.shape == reference.values.shape
    np.testing.assert_array_equal(compiled.indices, np.unique(indices))
    np.testing.assert_array_equal(compiled.indices, reference.indices)
    exact = np.zeros((9,) + row_shape)
    np.add.at(exact, indices, values.astype(np.float64))
    tolerance = {"float64": 1e-12, "float32": 1e-5, "float16": 2e-2}[dtype]
    np.testing.assert_allclose(compiled.values.astype(np.float64), exact[compiled.indices], rtol=tolerance,
                               atol=tolerance)
    np.testing.assert_allclose(compiled.values.astype(np.float64), reference.values.astype(np.float64),
                               rtol=tolerance, atol=tolerance)


# -- cosine similarity ---------------------------------------------------------------------


@pytest.mark.parity
@pytest.mark.parametrize("shapes, dim", [
    ([(4, 5), (4, 5)], 1),
    ([(4, 5), (4, 5)], 0),
    ([(4, 5), (4, 5)], -1),
    ([(2, 3, 4), (2, 3, 4)], 2),
    ([(3, 1, 4), (1, 5, 4)], -1),
    ([(6, 4), (4,)], -1),
    ([(5,), (5,)], 0),
])
def test_cosine_similarity_matches_torch(backend, torch, shapes, dim):
    check_op(lambda a, b: F.cosine_similarity(a, b, dim=dim),
             lambda a, b: torch.nn.functional.cosine_similarity(a, b, dim=dim), shapes, backend, torch)


@pytest.mark.parity
def test_cosine_similarity_of_a_zero_vector_is_zero_with_finite_grads(backend, torch):
    arrays = [np.array([[0.0, 0.0, 0.0], [1.0, 2.0, 2.0]]), np.array([[1.0, 2.0, 3.0], [2.0, 0.0, 1.0]])]
    check_op(lambda a, b: F.cosine_similarity(a, b), lambda a, b: torch.nn.functional.cosine_similarity(a, b),
             backend=backend, torch=torch, arrays=arrays)


def test_cosine_similarity_gradcheck_and_errors(backend):
    rng = np.random.default_rng(8)
    a = mg.tensor(rng.standard_normal((3, 4)), requires_grad=True, backend=backend)
    b = mg.tensor(rng.standard_normal((3, 4)), requires_grad=True, backend=backend)
    assert mg.gradcheck(lambda a, b: F.cosine_similarity(a, b), [a, b])
    with pytest.raises(ValueError, match="do not broadcast"):
        F.cosine_similarity(a, b[:2])
    with pytest.raises(ValueError, match="dim 2 is out of range"):
        F.cosine_similarity(a, b, dim=2)


@pytest.mark.parity
@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf")])
def test_clipping_sparse_gradients_matches_torch(backend, torch, norm_type):
    rng = np.random.default_rng(9)
    weight = rng.standard_normal((10, 3)).astype(np.float32)
    idx = np.array([1, 4, 1, 7])
    ours = nn.Embedding.from_pretrained(mg.tensor(weight.copy(), backend=backend), freeze=False, sparse=True)
    # torch's clipping refuses sparse gradients: it is the oracle on the dense ones
    theirs = torch.nn.Embedding.from_pretrained(torch.tensor(weight), freeze=False)
    (ours(mg.tensor(idx, backend=backend)) ** 2).sum().backward()
    (theirs(torch.tensor(idx)) ** 2).sum().backward()
    total = nn.utils.clip_grad_norm_(ours.parameters(), 0.5, norm_type=norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs.parameters(), 0.5, norm_type=norm_type)
    assert_close(total, expected, np.float32)
    assert isinstance(ours.weight.grad, mg.RowSparseGrad)
    assert_close(ours.weight.grad.to_dense(), theirs.weight.grad, np.float32)
    nn.utils.clip_grad_value_(ours.parameters(), 0.1)
    torch.nn.utils.clip_grad_value_(theirs.parameters(), 0.1)
    assert_close(ours.weight.grad.to_dense(), theirs.weight.grad, np.float32)
