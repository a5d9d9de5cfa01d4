"""Broadcasting of every binary op and `where`, on hypothesis-generated shapes.

Values and gradients (which must be un-broadcast back to each input's shape)
are compared with PyTorch.
"""
import pytest
from helpers import check_op
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import minigrad as mg

pytestmark = pytest.mark.parity

SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

POSITIVE = {"low": 0.5, "high": 2.0}

BINARY = {
    "add": (lambda a, b: a + b, lambda a, b: a + b, {}),
    "sub": (lambda a, b: a - b, lambda a, b: a - b, {}),
    "mul": (lambda a, b: a * b, lambda a, b: a * b, {}),
    "div": (lambda a, b: a / b, lambda a, b: a / b, POSITIVE),
    "pow": (lambda a, b: a ** b, lambda a, b: a ** b, POSITIVE),
    "maximum": (mg.maximum, lambda a, b: a.maximum(b), {}),
    "minimum": (mg.minimum, lambda a, b: a.minimum(b), {}),
}

two_shapes = mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=3)
three_shapes = mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=4, max_side=3)


@pytest.mark.parametrize("op", sorted(BINARY))
@SETTINGS
@given(shapes=two_shapes, seed=st.integers(0, 2**16))
def test_binary_op_broadcasts(op, shapes, seed, backend, torch):
    mg_fn, torch_fn, options = BINARY[op]
    check_op(mg_fn, torch_fn, shapes.input_shapes, backend, torch, seed=seed, **options)


@SETTINGS
@given(shapes=three_shapes, seed=st.integers(0, 2**16))
def test_where_broadcasts(shapes, seed, backend, torch):
    cond_shape, a_shape, b_shape = shapes.input_shapes

    def mg_fn(cond, a, b):
        return mg.where(cond > 0, a, b)

    def torch_fn(cond, a, b):
        return torch.where(cond > 0, a, b)

    check_op(mg_fn, torch_fn, [cond_shape, a_shape, b_shape], backend, torch, seed=seed)


@SETTINGS
@given(shapes=two_shapes, seed=st.integers(0, 2**16))
def test_python_scalar_with_broadcast_chain(shapes, seed, backend, torch):
    def fn(a, b):
        return (2.0 - a) * b / 3.0 + a ** 2

    check_op(fn, fn, shapes.input_shapes, backend, torch, seed=seed)
