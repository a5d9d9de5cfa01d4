"""Every layer against PyTorch: same weights in, same outputs and gradients out."""
import numpy as np
import pytest
from helpers import assert_close, host
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import minigrad as mg
import nn

F32 = np.float32
SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
leading_shapes = st.lists(st.integers(1, 4), min_size=0, max_size=3).map(tuple)


def weighted_backward(torch, ours, theirs, seed=0):
    """Backpropagate the same random-weighted sum through both outputs."""
    weights = np.random.default_rng(seed).uniform(0.5, 1.5, size=theirs.shape).astype(F32)
    (ours * mg.tensor(weights, backend=ours.backend)).sum().backward()
    (theirs * torch.tensor(weights)).sum().backward()


def copy_to_torch(torch, module, reference):
    with torch.no_grad():
        for (name, p), (torch_name, q) in zip(module.named_parameters(), reference.named_parameters()):
            assert name == torch_name and tuple(p.shape) == tuple(q.shape)
            q.copy_(torch.tensor(host(p)))


@pytest.mark.parity
def test_linear_weight_gradient_is_laid_out_as_the_weight(backend, torch):
    # x @ W.T: the matmul gives W.T's gradient in W.T's own (transposed) layout, so W.grad
    # is C-contiguous like W; the same numbers as PyTorch's.
    layer = nn.Linear(7, 5, backend=backend)
    reference = torch.nn.Linear(7, 5)
    copy_to_torch(torch, layer, reference)
    x = np.random.default_rng(2).normal(size=(6, 7)).astype(F32)
    transposed = layer.weight.T
    seen = []
    transposed.register_hook(lambda g: seen.append(g))  # the array the matmul gave
    ours = mg.tensor(x, backend=backend) @ transposed + layer.bias  # Linear's own formula
    theirs = reference(torch.tensor(x))
    weighted_backward(torch, ours, theirs)
    assert seen[0].flags.f_contiguous and not seen[0].flags.c_contiguous  # laid out as W.T
    assert layer.weight.grad.flags.c_contiguous
    assert_close(layer.weight.grad, reference.weight.grad, F32, what="weight grad")


@pytest.mark.parity
def test_linear_second_order_gradients_match_torch(backend, torch):
    # create_graph through x @ W.T: the recorded backward takes the general matmul path
    layer = nn.Linear(4, 3, backend=backend, dtype=np.float64)
    reference = torch.nn.Linear(4, 3).double()
    copy_to_torch(torch, layer, reference)
    x = np.random.default_rng(3).normal(size=(5, 4))
    (g,) = mg.grad((layer(mg.tensor(x, backend=backend)) ** 2).sum(), [layer.weight],
                   create_graph=True)
    (h,) = mg.grad((g ** 2).sum(), [layer.weight])
    (tg,) = torch.autograd.grad((reference(torch.tensor(x)) ** 2).sum(), [reference.weight],
                                create_graph=True)
    (th,) = torch.autograd.grad((tg ** 2).sum(), [reference.weight])
    assert_close(g, tg.detach().numpy(), np.float64, what="gradient")
    assert_close(h, th.numpy(), np.float64, what="second-order gradient")


@pytest.mark.parity
@SETTINGS
@given(lead=leading_shapes, sizes=st.tuples(st.integers(1, 6), st.integers(1, 6)), bias=st.booleans())
def test_linear_matches_torch(backend, torch, lead, sizes, bias):
    in_features, out_features = sizes
    layer = nn.Linear(in_features, out_features, bias=bias, backend=backend)
    reference = torch.nn.Linear(in_features, out_features, bias=bias)
    copy_to_torch(torch, layer, reference)
    x = np.random.default_rng(1).normal(size=lead + (in_features,)).astype(F32)
    x_mg = mg.tensor(x, backend=backend, requires_grad=True)
    ours = layer(x_mg)
    x_torch = torch.tensor(x, requires_grad=True)
    theirs = reference(x_torch)
    assert ours.backend == backend
    assert_close(ours, theirs, F32)
    weighted_backward(torch, ours, theirs)
    assert_close(x_mg.grad, x_torch.grad, F32, what="input grad")
    assert_close(layer.weight.grad, reference.weight.grad, F32, what="weight grad")
    if bias:
        assert_close(layer.bias.grad, reference.bias.grad, F32, what="bias grad")


def test_linear_names_itself_and_both_sizes_on_a_wrong_input():
    layer = nn.Linear(3, 4)
    with pytest.raises(ValueError) as info:
        layer(mg.zeros(2, 5))
    message = str(info.value)
    assert "Linear(in_features=3, out_features=4, bias=True)" in message
    assert "3" in message and "got 5" in message and "(2, 5)" in message


def test_linear_parameter_names_shapes_and_dtype():
    layer = nn.Linear(3, 4)
    assert [(n, tuple(p.shape)) for n, p in layer.named_parameters()] == [("weight", (4, 3)), ("bias", (4,))]
    assert layer.weight.dtype == np.float32
    mg.set_default_dtype("float64")
    assert nn.Linear(3, 4).weight.dtype == np.float64
    assert nn.Linear(3, 4, bias=False).bias is None


@pytest.mark.parity
@SETTINGS
@given(lead=leading_shapes, num=st.integers(1, 8), dim=st.integers(1, 5), pad=st.booleans(),
       seed=st.integers(0, 1000))
def test_embedding_matches_torch(backend, torch, lead, num, dim, pad, seed):
    padding_idx = seed % num if pad else None
    layer = nn.Embedding(num, dim, padding_idx=padding_idx, backend=backend)
    reference = torch.nn.Embedding(num, dim, padding_idx=padding_idx)
    if padding_idx is not None:
        assert not host(layer.weight)[padding_idx].any()  # the padding row starts at zero
        with mg.no_grad():  # and stays out of the gradient even when it is not zero
            layer.weight.data += 1.0
    copy_to_torch(torch, layer, reference)
    # repeated indices on purpose: their gradients must accumulate
    indices = np.random.default_rng(seed).integers(0, num, size=lead + (6,))
    ours = layer(mg.tensor(indices, backend=backend))
    theirs = reference(torch.tensor(indices))
    assert ours.shape == lead + (6, dim)
    assert_close(ours, theirs, F32)
    weighted_backward(torch, ours, theirs)
    assert_close(layer.weight.grad, reference.weight.grad, F32, what="weight grad")


def test_embedding_accepts_lists_and_names_a_bad_index(backend):
    layer = nn.Embedding(5, 2, backend=backend)
    assert layer([[0, 4], [1, 1]]).shape == (2, 2, 2)
    with pytest.raises(IndexError, match="index 7 is out of range.*\\[0, 5\\)"):
        layer(mg.tensor([1, 7, 2], backend=backend))
    with pytest.raises(IndexError, match="index -1 is out of range"):
        layer(mg.tensor([-1, 2], backend=backend))
    with pytest.raises(TypeError, match="integer indices"):
        layer(mg.tensor([0.0, 1.0], backend=backend))
    with pytest.raises(ValueError, match="padding_idx 5"):
        nn.Embedding(5, 2, padding_idx=5)


def test_embedding_negative_padding_idx_counts_from_the_end():
    assert nn.Embedding(5, 2, padding_idx=-1).padding_idx == 4


@pytest.mark.parity
@pytest.mark.parametrize("name", ["Tanh", "ReLU", "Sigmoid"])
def test_activations_match_torch(backend, torch, name):
    x = np.random.default_rng(0).normal(size=(3, 4, 5)).astype(F32) * 3
    x_mg = mg.tensor(x, backend=backend, requires_grad=True)
    x_torch = torch.tensor(x, requires_grad=True)
    ours, theirs = getattr(nn, name)()(x_mg), getattr(torch.nn, name)()(x_torch)
    assert_close(ours, theirs, F32)
    weighted_backward(torch, ours, theirs)
    assert_close(x_mg.grad, x_torch.grad, F32)
    assert repr(getattr(nn, name)()) == f"{name}()"


@pytest.mark.parametrize("p", [0.0, 0.2, 0.5, 0.9, 1.0])
def test_dropout_zeroes_and_rescales_in_training_only(backend, p):
    layer = nn.Dropout(p)
    x = mg.tensor(np.random.default_rng(0).uniform(1, 2, size=(200, 50)).astype(F32), backend=backend,
                  requires_grad=True)
    out = layer(x)
    out.sum().backward()
    values, inputs, grad = host(out), host(x), host(x.grad)
    kept = values != 0
    scale = 0.0 if p == 1.0 else 1 / (1 - p)
    np.testing.assert_allclose(values[kept], inputs[kept] * scale, rtol=1e-6)
    np.testing.assert_allclose(grad, kept * np.float32(scale), rtol=1e-6)  # the gradient takes the same mask
    assert abs((1 - kept.mean()) - p) < 0.02
    layer.eval()
    assert layer(x) is x


def test_dropout_is_reproducible_under_manual_seed(backend):
    x = mg.ones(10, 10, backend=backend)
    mg.manual_seed(3)
    first = host(nn.functional.dropout(x, 0.5))
    mg.manual_seed(3)
    np.testing.assert_array_equal(host(nn.functional.dropout(x, 0.5)), first)
    assert not np.array_equal(host(nn.functional.dropout(x, 0.5)), first)


def test_dropout_rejects_a_bad_probability():
    with pytest.raises(ValueError, match="\\[0, 1\\]"):
        nn.Dropout(1.5)
    with pytest.raises(ValueError, match="\\[0, 1\\]"):
        nn.functional.dropout(mg.ones(2), -0.1)
