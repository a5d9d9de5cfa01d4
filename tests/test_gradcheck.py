"""`mg.gradcheck` (finite differences, float64) on every differentiable op.

Inputs are small and kept away from kinks (|x| >= 0.3 for abs/relu/clip edges,
positive where log/sqrt/pow/div need it, no ties for max/min/maximum/minimum).
Also: gradcheck must catch a deliberately wrong backward, naming the input and
the element, and its random-direction mode must work (and catch errors) on a
large input.
"""
import re

import numpy as np
import pytest

import minigrad as mg


def away_from_zero(shape, rng):
    return rng.uniform(0.3, 1.5, size=shape) * rng.choice([-1.0, 1.0], size=shape)


def positive(shape, rng):
    return rng.uniform(0.5, 1.5, size=shape)


def any_sign(shape, rng):
    return rng.uniform(-1.5, 1.5, size=shape)


def grad_case(name, fn, *inputs):
    """inputs: (shape, sampler) pairs."""
    return pytest.param(fn, inputs, id=name)


INDEX = np.array([0, 2, 2, 1])

GRADCHECK_CASES = [
    grad_case("add", lambda a, b: a + b, ((2, 3), any_sign), ((3,), any_sign)),
    grad_case("sub", lambda a, b: a - b, ((2, 3), any_sign), ((2, 1), any_sign)),
    grad_case("mul", lambda a, b: a * b, ((2, 3), any_sign), ((3,), any_sign)),
    grad_case("div", lambda a, b: a / b, ((2, 3), any_sign), ((2, 3), positive)),
    grad_case("rdiv", lambda a: 2.0 / a, ((2, 3), positive)),
    grad_case("pow", lambda a, b: a ** b, ((2, 3), positive), ((2, 3), any_sign)),
    grad_case("pow_scalar", lambda a: a ** 3, ((2, 3), any_sign)),
    grad_case("rpow", lambda a: 1.7 ** a, ((2, 3), any_sign)),
    grad_case("neg", lambda a: -a, ((2, 3), any_sign)),
    grad_case("abs", lambda a: a.abs(), ((2, 3), away_from_zero)),
    grad_case("matmul_2d", lambda a, b: a @ b, ((2, 3), any_sign), ((3, 4), any_sign)),
    grad_case("matmul_transposed_b", lambda a, b: a @ b.T, ((2, 3), any_sign), ((4, 3), any_sign)),
    grad_case("matmul_1d", lambda a, b: a @ b, ((3,), any_sign), ((3,), any_sign)),
    grad_case("matmul_batched", mg.matmul, ((2, 1, 2, 3), any_sign), ((3, 3, 2), any_sign)),
    grad_case("getitem_basic", lambda a: a[1:, ::-1, None], ((3, 4), any_sign)),
    grad_case("getitem_repeated", lambda a: a[INDEX], ((3, 4), any_sign)),
    grad_case("getitem_mask", lambda a: a[a > 0], ((3, 4), away_from_zero)),
    grad_case("sum", lambda a: a.sum(axis=(0, -1), keepdims=True), ((2, 3, 2), any_sign)),
    grad_case("mean", lambda a: a.mean(axis=1), ((2, 3, 2), any_sign)),
    grad_case("var", lambda a: a.var(axis=0, ddof=1), ((3, 4), any_sign)),
    grad_case("var_all", lambda a: a.var(), ((3, 4), any_sign)),
    grad_case("max", lambda a: a.max(axis=-1), ((3, 4), any_sign)),
    grad_case("min", lambda a: a.min(), ((3, 4), any_sign)),
    grad_case("exp", lambda a: a.exp(), ((2, 3), any_sign)),
    grad_case("log", lambda a: a.log(), ((2, 3), positive)),
    grad_case("sqrt", lambda a: a.sqrt(), ((2, 3), positive)),
    grad_case("tanh", lambda a: a.tanh(), ((2, 3), any_sign)),
    grad_case("sigmoid", lambda a: a.sigmoid(), ((2, 3), any_sign)),
    grad_case("relu", lambda a: a.relu(), ((2, 3), away_from_zero)),
    grad_case("clip", lambda a: a.clip(-0.2, 0.2), ((2, 3), away_from_zero)),
    grad_case("clip_inside", lambda a: a.clip(-2.0, 2.0), ((2, 3), any_sign)),
    grad_case("reshape", lambda a: a.reshape(3, 2) ** 2, ((2, 3), any_sign)),
    grad_case("transpose", lambda a: a.transpose(2, 0, 1), ((2, 3, 2), any_sign)),
    grad_case("permute", lambda a: a.permute(1, 0), ((2, 3), any_sign)),
    grad_case("swapaxes", lambda a: a.swapaxes(0, -1), ((2, 3, 2), any_sign)),
    grad_case("squeeze", lambda a: a.squeeze(1), ((2, 1, 3), any_sign)),
    grad_case("unsqueeze", lambda a: a.unsqueeze(-1), ((2, 3), any_sign)),
    grad_case("flatten", lambda a: a.flatten(), ((2, 3), any_sign)),
    grad_case("broadcast_to", lambda a: a.broadcast_to((2, 3, 3)), ((3, 1), any_sign)),
    grad_case("softmax", lambda a: a.softmax(axis=0), ((3, 4), any_sign)),
    grad_case("log_softmax", lambda a: a.log_softmax(), ((3, 4), any_sign)),
    grad_case("picked_log_softmax", lambda a: mg.picked_log_softmax(a, [1, 3, 1]),
              ((3, 4), any_sign)),
    grad_case("logsumexp", lambda a: a.logsumexp(axis=1, keepdims=True), ((3, 4), any_sign)),
    grad_case("cat", lambda a, b: mg.cat([a, b], axis=1), ((2, 3), any_sign), ((2, 1), any_sign)),
    grad_case("stack", lambda a, b: mg.stack([a, b], axis=-1), ((2, 3), any_sign),
              ((2, 3), any_sign)),
    grad_case("split", lambda a: mg.split(a, [1, 3])[1] * mg.split(a, 2)[0].sum(),
              ((4, 2), any_sign)),
    grad_case("where", lambda a, b: mg.where(a > 0, a * b, b ** 2), ((3, 4), away_from_zero),
              ((3, 4), any_sign)),
    grad_case("maximum", mg.maximum, ((3, 4), any_sign), ((4,), any_sign)),
    grad_case("minimum", mg.minimum, ((3, 4), any_sign), ((3, 1), any_sign)),
]


def make_inputs(specs, backend, seed=0):
    rng = np.random.default_rng(seed)
    return [mg.tensor(sampler(shape, rng), dtype="float64", backend=backend, requires_grad=True)
            for shape, sampler in specs]


@pytest.mark.parametrize("fn, specs", GRADCHECK_CASES)
def test_gradcheck_op(fn, specs, backend):
    assert mg.gradcheck(fn, make_inputs(specs, backend)) is True


class BadProduct(mg.Function):
    """x * y**2 whose backward is wrong at exactly one element of its second input."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return x * y * y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_arrays
        grad_y = 2 * x * y * grad
        grad_y[2, 1] = grad_y[2, 1] + 100.0
        return y * y * grad, grad_y


def test_gradcheck_names_input_and_element_of_a_wrong_backward(backend):
    x, y = make_inputs([((3, 4), positive), ((3, 4), positive)], backend)
    with pytest.raises(Exception) as info:
        mg.gradcheck(BadProduct.apply, [x, y])
    message = str(info.value)
    assert re.search(r"input\D{0,3}1\b", message), message
    assert re.search(r"\(2, 1\)|\[2, 1\]|\b9\b", message), message


def test_gradcheck_random_direction_mode_on_a_large_input(backend):
    (x,) = make_inputs([((200, 100), any_sign)], backend)
    w = mg.tensor(np.random.default_rng(1).standard_normal((100, 7)), backend=backend,
                  requires_grad=True)
    assert mg.gradcheck(lambda a, b: (a @ b).tanh(), [x, w]) is True


def test_gradcheck_random_direction_mode_catches_a_wrong_backward(backend):
    x, y = make_inputs([((200, 100), positive), ((200, 100), positive)], backend)
    with pytest.raises(Exception, match=r"(?i)analytical|numerical"):
        mg.gradcheck(BadProduct.apply, [x, y])
