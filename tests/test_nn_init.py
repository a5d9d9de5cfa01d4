"""Initialisers: the right distributions (statistics), reproducible, in place, graph-free."""
import math

import numpy as np
import pytest
from helpers import host

import minigrad as mg
import nn
from nn import init

SHAPE = (300, 400)  # 120 000 draws: sample statistics within ~1% of the truth


def fresh(backend, shape=SHAPE, dtype="float32"):
    return nn.Parameter(mg.zeros(shape, dtype=dtype, backend=backend))


def uniform_stats(values, bound):
    assert values.min() >= -bound and values.max() <= bound
    assert values.min() < -0.99 * bound and values.max() > 0.99 * bound
    assert abs(values.mean()) < 0.01 * bound
    assert values.std() == pytest.approx(bound / math.sqrt(3), rel=0.01)


def test_uniform_and_normal(backend):
    values = host(init.uniform_(fresh(backend), -2.0, 3.0))
    assert values.min() >= -2.0 and values.max() < 3.0
    assert values.mean() == pytest.approx(0.5, abs=0.02)
    values = host(init.normal_(fresh(backend), mean=1.5, std=0.5))
    assert values.mean() == pytest.approx(1.5, abs=0.01)
    assert values.std() == pytest.approx(0.5, rel=0.01)


def test_zeros_and_ones(backend):
    assert not host(init.zeros_(init.normal_(fresh(backend, (3, 4))))).any()
    assert (host(init.ones_(fresh(backend, (3, 4)))) == 1).all()


def test_xavier(backend):
    fan_in, fan_out = SHAPE[1], SHAPE[0]
    uniform_stats(host(init.xavier_uniform_(fresh(backend), gain=2.0)), 2.0 * math.sqrt(6 / (fan_in + fan_out)))
    values = host(init.xavier_normal_(fresh(backend)))
    assert values.std() == pytest.approx(math.sqrt(2 / (fan_in + fan_out)), rel=0.01)


def test_kaiming_uniform(backend):
    fan_in, fan_out = SHAPE[1], SHAPE[0]
    uniform_stats(host(init.kaiming_uniform_(fresh(backend))), math.sqrt(6 / fan_in))  # torch's default a=0
    uniform_stats(host(init.kaiming_uniform_(fresh(backend), a=math.sqrt(5))), 1 / math.sqrt(fan_in))
    uniform_stats(host(init.kaiming_uniform_(fresh(backend), mode="fan_out", nonlinearity="relu")),
                  math.sqrt(6 / fan_out))
    with pytest.raises(ValueError, match="mode"):
        init.kaiming_uniform_(fresh(backend), mode="fan_avg")


def test_fans_count_receptive_fields_and_need_two_dims():
    conv_like = nn.Parameter(mg.zeros(8, 4, 3, 3))
    uniform_stats(host(init.xavier_uniform_(nn.Parameter(mg.zeros(600, 400, 3)))), math.sqrt(6 / (1200 + 1800)))
    assert init._fans(conv_like) == (36, 72)
    with pytest.raises(ValueError, match="at least 2 dimensions.*\\(5,\\)"):
        init.xavier_uniform_(nn.Parameter(mg.zeros(5)))


@pytest.mark.parametrize("shape", [(6, 6), (8, 3), (3, 8), (4, 2, 3)])
def test_orthogonal(backend, shape):
    values = host(init.orthogonal_(fresh(backend, shape), gain=2.0)).reshape(shape[0], -1)
    rows, cols = values.shape
    gram = values @ values.T if rows <= cols else values.T @ values
    np.testing.assert_allclose(gram, 4.0 * np.eye(min(rows, cols)), atol=1e-5)


@pytest.mark.parity
@pytest.mark.parametrize("nonlinearity, param", [("linear", None), ("sigmoid", None), ("tanh", None),
                                                 ("relu", None), ("leaky_relu", None), ("leaky_relu", 0.2),
                                                 ("selu", None)])
def test_calculate_gain_matches_torch(torch, nonlinearity, param):
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(torch.nn.init.calculate_gain(nonlinearity, param))


def test_initialisers_work_in_place_without_a_graph(backend):
    param = fresh(backend, (4, 5))
    for fill in (init.uniform_, init.normal_, init.xavier_uniform_, init.kaiming_uniform_, init.orthogonal_):
        assert fill(param) is param
        assert param.is_leaf and param.requires_grad and param.backend == backend and param.dtype == np.float32
    double = fresh(backend, (4, 5), dtype="float64")
    assert init.orthogonal_(double).dtype == np.float64


@pytest.mark.parametrize("fill", [init.uniform_, init.normal_, init.xavier_uniform_, init.xavier_normal_,
                                  init.kaiming_uniform_, init.orthogonal_])
def test_reproducible_under_manual_seed(backend, fill):
    mg.manual_seed(7)
    first = host(fill(fresh(backend, (5, 4))))
    second = host(fill(fresh(backend, (5, 4))))
    mg.manual_seed(7)
    np.testing.assert_array_equal(host(fill(fresh(backend, (5, 4)))), first)
    assert not np.array_equal(first, second)


def test_layer_defaults_are_torchs_distributions():
    layer = nn.Linear(400, 300)
    uniform_stats(host(layer.weight), 1 / math.sqrt(400))
    bias = host(nn.Linear(400, 20000).bias)
    assert bias.min() >= -0.05 and bias.max() <= 0.05 and bias.min() < -0.049
    embedding = host(nn.Embedding(400, 300).weight)
    assert embedding.mean() == pytest.approx(0.0, abs=0.01) and embedding.std() == pytest.approx(1.0, rel=0.01)


def test_models_are_reproducible_under_manual_seed():
    mg.manual_seed(42)
    first = [host(p) for p in nn.MLP(3, [4, 1]).parameters() + nn.Linear(3, 2).parameters()]
    mg.manual_seed(42)
    again = [host(p) for p in nn.MLP(3, [4, 1]).parameters() + nn.Linear(3, 2).parameters()]
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    mg.manual_seed(43)
    assert not np.array_equal(host(nn.MLP(3, [4, 1]).layers[0].w), first[0])
