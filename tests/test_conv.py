"""Conv1d, pooling and BatchNorm1d against PyTorch: values, every gradient, gradcheck."""
import math

import numpy as np
import pytest
from helpers import assert_close, check_op, host

import minigrad as mg
import nn
import nn.functional as F

F64 = np.float64

# (in_channels, out_channels, kernel_size, options) — padding ints and words, stride,
# dilation and groups, and their combinations.
CONV_CASES = [
    (3, 4, 3, {}),
    (3, 4, 1, {}),
    (2, 5, 4, {"stride": 2}),
    (3, 2, 3, {"padding": 2}),
    (3, 2, 5, {"padding": "same"}),
    (3, 2, 4, {"padding": "same", "dilation": 2}),
    (4, 6, 3, {"padding": "valid", "stride": 3}),
    (3, 3, 3, {"dilation": 3, "padding": 1}),
    (4, 6, 3, {"groups": 2, "padding": 1}),
    (4, 4, 2, {"groups": 4, "stride": 2, "dilation": 2}),
    (6, 3, 3, {"groups": 3, "stride": 2, "padding": 2, "dilation": 2}),
]


@pytest.mark.parity
@pytest.mark.parametrize("in_channels, out_channels, kernel_size, options", CONV_CASES)
@pytest.mark.parametrize("bias", [True, False])
def test_conv1d_matches_torch(backend, torch, in_channels, out_channels, kernel_size, options, bias):
    shapes = [(2, in_channels, 13), (out_channels, in_channels // options.get("groups", 1), kernel_size)]
    if bias:
        shapes.append((out_channels,))
    check_op(lambda *a: F.conv1d(*a, **options), lambda *a: torch.nn.functional.conv1d(*a, **options),
             shapes, backend=backend, torch=torch)


@pytest.mark.parity
def test_conv1d_unbatched_input_matches_torch(backend, torch):
    check_op(lambda x, w: F.conv1d(x, w, padding="same"),
             lambda x, w: torch.nn.functional.conv1d(x, w, padding="same"),
             [(3, 9), (2, 3, 3)], backend=backend, torch=torch)


@pytest.mark.parametrize("in_channels, out_channels, kernel_size, options", CONV_CASES[::2])
def test_conv1d_gradcheck(backend, in_channels, out_channels, kernel_size, options):
    rng = np.random.default_rng(0)
    x = mg.tensor(rng.normal(size=(2, in_channels, 9)), backend=backend, requires_grad=True)
    w = mg.tensor(rng.normal(size=(out_channels, in_channels // options.get("groups", 1), kernel_size)),
                  backend=backend, requires_grad=True)
    b = mg.tensor(rng.normal(size=(out_channels,)), backend=backend, requires_grad=True)
    assert mg.gradcheck(lambda x, w, b: F.conv1d(x, w, b, **options), [x, w, b])


@pytest.mark.parity
@pytest.mark.parametrize("options", [c[3] for c in CONV_CASES])
def test_conv1d_module_matches_torch_with_copied_weights(torch, options):
    groups = options.get("groups", 1)
    layer = nn.Conv1d(12, 12, 3, **options)
    reference = torch.nn.Conv1d(12, 12, 3, **options)
    assert [n for n, _ in layer.named_parameters()] == [n for n, _ in reference.named_parameters()]
    with torch.no_grad():
        for p, q in zip(layer.parameters(), reference.parameters()):
            assert tuple(p.shape) == tuple(q.shape)
            q.copy_(torch.tensor(host(p)))
    x = np.random.default_rng(1).normal(size=(3, 12, 10)).astype(np.float32)
    x_mg, x_torch = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ours, theirs = layer(x_mg), reference(x_torch)
    assert_close(ours, theirs, np.float32)
    ours.sum().backward()
    theirs.sum().backward()
    assert_close(x_mg.grad, x_torch.grad, np.float32, what="input grad")
    assert_close(layer.weight.grad, reference.weight.grad, np.float32, what="weight grad")
    assert groups == layer.groups and repr(layer).startswith("Conv1d(12, 12, kernel_size=(3,)")


@pytest.mark.parametrize("in_channels, out_channels, kernel_size, groups", [(16, 32, 5, 1), (8, 64, 3, 4)])
def test_conv1d_default_init_is_pytorchs(in_channels, out_channels, kernel_size, groups):
    layer = nn.Conv1d(in_channels, out_channels, kernel_size, groups=groups)
    fan_in = in_channels // groups * kernel_size
    bound = 1 / math.sqrt(fan_in)  # kaiming_uniform_(a=√5) and the bias rule agree
    weight, bias = host(layer.weight), host(layer.bias)
    assert weight.shape == (out_channels, in_channels // groups, kernel_size)
    assert np.abs(weight).max() <= bound and np.abs(weight).max() > 0.9 * bound
    assert np.abs(bias).max() <= bound
    assert abs(weight.std() - bound / math.sqrt(3)) < 0.1 * bound  # U(-b, b) has std b/√3


@pytest.mark.parametrize("call, message", [
    (lambda: F.conv1d(mg.zeros(2, 3, 8), mg.zeros(4, 2, 3)), "3 channels"),
    (lambda: F.conv1d(mg.zeros(2, 3, 2), mg.zeros(4, 3, 3)), "shorter than the kernel"),
    (lambda: F.conv1d(mg.zeros(2, 3, 8), mg.zeros(4, 3, 3), stride=2, padding="same"), "not supported for strided"),
    (lambda: F.conv1d(mg.zeros(2, 3, 8), mg.zeros(4, 3, 3), padding="full"), "'same' or 'valid'"),
    (lambda: F.conv1d(mg.zeros(3, 8, 1, 1), mg.zeros(4, 3, 3)), "(N, C, L)"),
    (lambda: F.conv1d(mg.zeros(2, 3, 8), mg.zeros(4, 3, 3), mg.zeros(5)), "bias must be (4,)"),
    (lambda: nn.Conv1d(3, 4, 3, groups=2), "divisible by groups"),
    (lambda: nn.Conv1d(3, 4, 3, padding_mode="reflect"), "only 'zeros'"),
])
def test_conv1d_errors_name_the_problem(call, message):
    with pytest.raises(ValueError) as info:
        call()
    assert message in str(info.value)


POOL_CASES = [
    (2, None, 0, 1), (3, 1, 1, 1), (3, 2, 1, 1), (4, 2, 2, 1), (2, 1, 0, 2), (3, 3, 0, 1),
]


@pytest.mark.parity
@pytest.mark.parametrize("kernel_size, stride, padding, dilation", POOL_CASES)
def test_max_pool1d_matches_torch(backend, torch, kernel_size, stride, padding, dilation):
    check_op(lambda x: F.max_pool1d(x, kernel_size, stride, padding, dilation),
             lambda x: torch.nn.functional.max_pool1d(x, kernel_size, stride, padding, dilation),
             [(2, 3, 11)], backend=backend, torch=torch)


@pytest.mark.parity
@pytest.mark.parametrize("kernel_size, stride, padding, _", POOL_CASES)
@pytest.mark.parametrize("count_include_pad", [True, False])
def test_avg_pool1d_matches_torch(backend, torch, kernel_size, stride, padding, _, count_include_pad):
    check_op(lambda x: F.avg_pool1d(x, kernel_size, stride, padding, count_include_pad=count_include_pad),
             lambda x: torch.nn.functional.avg_pool1d(x, kernel_size, stride, padding,
                                                      count_include_pad=count_include_pad),
             [(2, 3, 11)], backend=backend, torch=torch)


@pytest.mark.parity
def test_pool_modules_match_torch(torch):
    x = np.random.default_rng(0).normal(size=(2, 3, 12))
    for ours, theirs in [(nn.MaxPool1d(3, 2, 1), torch.nn.MaxPool1d(3, 2, 1)),
                         (nn.AvgPool1d(4), torch.nn.AvgPool1d(4)), (nn.MaxPool1d(2), torch.nn.MaxPool1d(2))]:
        assert_close(ours(mg.tensor(x)), theirs(torch.tensor(x)), F64)


# -- BatchNorm1d ---------------------------------------------------------------------------
BN_CASES = [  # input shape, options
    ((8, 4), {}),
    ((5, 3, 7), {}),
    ((6, 3, 4), {"momentum": 0.3, "eps": 1e-3}),
    ((6, 3, 4), {"momentum": None}),
    ((6, 2), {"affine": False}),
    ((4, 3, 5), {"track_running_stats": False}),
]


@pytest.mark.parity
@pytest.mark.parametrize("shape, options", BN_CASES)
def test_batchnorm1d_matches_torch_in_training_then_eval(backend, torch, shape, options):
    channels = shape[1]
    layer = nn.BatchNorm1d(channels, dtype="float64", backend=backend, **options)
    reference = torch.nn.BatchNorm1d(channels, dtype=torch.float64, **options)
    rng = np.random.default_rng(3)
    if layer.affine:  # non-trivial γ, β so their gradients and effects are tested
        gamma, beta = rng.uniform(0.5, 2, channels), rng.normal(size=channels)
        layer.weight.data = mg.tensor(gamma, backend=backend).data
        layer.bias.data = mg.tensor(beta, backend=backend).data
        with torch.no_grad():
            reference.weight.copy_(torch.tensor(gamma))
            reference.bias.copy_(torch.tensor(beta))
    for step in range(3):  # running statistics accumulate over several batches
        x = rng.normal(loc=step, scale=2.0, size=shape)
        x_mg = mg.tensor(x, backend=backend, requires_grad=True)
        x_torch = torch.tensor(x, requires_grad=True)
        ours, theirs = layer(x_mg), reference(x_torch)
        assert_close(ours, theirs, F64, what=f"training output {step}")
        weights = rng.uniform(0.5, 1.5, size=shape)
        (ours * mg.tensor(weights, backend=backend)).sum().backward()
        (theirs * torch.tensor(weights)).sum().backward()
        assert_close(x_mg.grad, x_torch.grad, F64, what="input grad")
    if layer.affine:
        assert_close(layer.weight.grad, reference.weight.grad, F64, what="weight grad")
        assert_close(layer.bias.grad, reference.bias.grad, F64, what="bias grad")
    if layer.track_running_stats:
        assert_close(layer.running_mean, reference.running_mean, F64, what="running_mean")
        assert_close(layer.running_var, reference.running_var, F64, what="running_var")
        assert layer.num_batches_tracked.item() == reference.num_batches_tracked.item() == 3
    layer.eval()
    reference.eval()
    x = rng.normal(size=shape)
    assert_close(layer(mg.tensor(x, backend=backend)), reference(torch.tensor(x)), F64, what="eval output")


@pytest.mark.parametrize("shape", [(5, 3), (4, 2, 3)])
def test_batchnorm1d_gradcheck(backend, shape):
    rng = np.random.default_rng(0)
    x = mg.tensor(rng.normal(size=shape), backend=backend, requires_grad=True)
    gamma = mg.tensor(rng.uniform(0.5, 2, size=shape[1]), backend=backend, requires_grad=True)
    beta = mg.tensor(rng.normal(size=shape[1]), backend=backend, requires_grad=True)
    assert mg.gradcheck(lambda x, g, b: F.batch_norm(x, None, None, g, b, training=True), [x, gamma, beta])


@pytest.mark.parity
def test_batchnorm1d_state_dict_loads_from_torch(torch):
    reference = torch.nn.BatchNorm1d(3)
    reference(torch.randn(10, 3) * 3 + 1)
    layer = nn.BatchNorm1d(3)
    state = {k: mg.tensor(v.numpy()) for k, v in reference.state_dict().items()}
    assert list(state) == list(layer.state_dict())
    layer.load_state_dict(state)
    layer.eval()
    reference.eval()
    x = np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32)
    assert_close(layer(mg.tensor(x)), reference(torch.tensor(x)), np.float32)


def test_batchnorm1d_errors_change_nothing():
    layer = nn.BatchNorm1d(3)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        layer(mg.zeros(1, 3))
    assert layer.num_batches_tracked.item() == 0
    assert host(layer.running_var).tolist() == [1.0, 1.0, 1.0]
    with pytest.raises(ValueError, match=r"expects \(N, 3\)"):
        nn.BatchNorm1d(3)(mg.zeros(4, 2))
