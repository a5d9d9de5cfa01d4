"""The engine keeps a built-in op's fresh gradient as it is (no defensive copy), and never
lets two places share one gradient array."""
import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad import autograd


@pytest.fixture
def owned_flags(monkeypatch):
    """The `owned` flag the engine passes when it writes each leaf's .grad."""
    flags = []
    real = autograd._fresh

    def recording(grad, owned, like):
        flags.append(owned)
        return real(grad, owned, like)

    monkeypatch.setattr(autograd, "_fresh", recording)
    return flags


def test_a_product_hands_its_fresh_gradients_to_the_leaves_uncopied(owned_flags):
    a = mg.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    b = mg.tensor(np.ones((2, 3)) * 3, requires_grad=True)
    (a * b).mean().backward()
    assert owned_flags == [True, True]
    assert not np.shares_memory(a.grad, b.grad)
    np.testing.assert_allclose(a.grad, np.full((2, 3), 0.5))


def test_a_pass_through_gradient_is_copied(owned_flags):
    """a + b hands the same incoming gradient to both inputs: each leaf gets its own copy."""
    a = mg.tensor(np.zeros(3), requires_grad=True)
    b = mg.tensor(np.zeros(3), requires_grad=True)
    (a + b).sum().backward()
    assert owned_flags == [False, False]
    a.grad[0] = 5.0
    assert b.grad[0] == 1.0


def _reused(e):
    return (e * e + e).sum()


CASES = {
    "x*x": lambda x: (x * x).sum(),
    "x+x": lambda x: (x + x).sum(),
    "(2x)+(2x)": lambda x: ((x * 2) + (x * 2)).sum(),
    "x*x*x": lambda x: (x * x * x).sum(),
    "tanh(x)*x + x": lambda x: (x.tanh() * x + x).sum(),
    "exp(x) reused": lambda x: _reused(x.exp()),
}


@pytest.mark.parametrize("case", CASES)
def test_gradients_that_meet_add_up_as_in_torch(case):
    values = np.linspace(-1, 1, 5)
    x = mg.tensor(values, requires_grad=True)
    CASES[case](x).backward()
    reference = torch.tensor(values, requires_grad=True)
    CASES[case](reference).backward()
    np.testing.assert_allclose(x.grad, reference.grad, rtol=1e-12)


def test_accumulating_into_an_uncopied_grad_leaves_the_other_leaf_alone():
    a = mg.tensor(np.ones(3), requires_grad=True)
    b = mg.tensor(np.full(3, 2.0), requires_grad=True)
    (a * b).sum().backward()
    (a * b).sum().backward()  # .grad += the second gradient, in place
    np.testing.assert_allclose(a.grad, [4.0, 4.0, 4.0])
    np.testing.assert_allclose(b.grad, [2.0, 2.0, 2.0])
