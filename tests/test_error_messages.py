"""Bad input gets an error naming the op and what was wrong, never a stray
ZeroDivisionError/IndexError from inside; empty inputs compute what PyTorch computes
(issue 12, "unclear errors")."""
import numpy as np
import pytest
from helpers import assert_close, host

import minigrad as mg
import nn

M = mg.zeros(2, 3)
SCALAR = mg.tensor(1.0)

OUT_OF_RANGE = {  # op name -> a call with an axis outside a (2, 3) tensor
    "sum": lambda: M.sum(5), "mean": lambda: M.mean(-3), "var": lambda: M.var(2),
    "max": lambda: M.max(axis=4), "min": lambda: M.min(axis=(0, 9)), "logsumexp": lambda: M.logsumexp(3),
    "softmax": lambda: M.softmax(3), "log_softmax": lambda: M.log_softmax(-5),
    "argmax": lambda: M.argmax(2), "argmin": lambda: M.argmin(-3), "any": lambda: (M > 0).any(7),
    "all": lambda: (M > 0).all(2), "squeeze": lambda: mg.zeros(2, 1).squeeze(3),
    "unsqueeze": lambda: M.unsqueeze(4), "swapaxes": lambda: M.swapaxes(0, 5), "cat": lambda: mg.cat([M, M], 2),
    "stack": lambda: mg.stack([M, M], 4), "split": lambda: mg.split(M, 1, 2),
}


@pytest.mark.parametrize("op", OUT_OF_RANGE)
def test_an_out_of_range_axis_names_the_op_and_the_valid_range(op):
    with pytest.raises(IndexError, match=rf"^{op}: axis -?\d+ is out of range for a tensor of \d dimensions "
                                         r"\(expected an axis in \[-\d, \d\]\)"):
        OUT_OF_RANGE[op]()


def test_axis_errors_are_also_value_errors_as_numpys():
    with pytest.raises(ValueError):
        M.sum(5)


ZERO_D = {
    "cat": (lambda: mg.cat([SCALAR, SCALAR]), ValueError, "cat: a 0-d \\(zero-dimensional\\) tensor, at position 0, cannot be concatenated"),
    "split": (lambda: mg.split(SCALAR, 1), IndexError, "split: a 0-d tensor has no axis 0"),
    "swapaxes": (lambda: SCALAR.swapaxes(0, 1), IndexError, "swapaxes: a 0-d tensor has no axis 1"),
    "unsqueeze": (lambda: SCALAR.unsqueeze(2), IndexError, "unsqueeze: axis 2 is out of range"),
    "squeeze": (lambda: SCALAR.squeeze(1), IndexError, "squeeze: a 0-d tensor has no axis 1"),
    "arange": (lambda: mg.arange(0, 5, 0), ValueError, r"arange: step must be nonzero \(got arange\(0, 5, 0\)\)"),
}


@pytest.mark.parametrize("case", ZERO_D)
def test_zero_d_tensors_and_zero_steps_are_explained(case):
    call, error, match = ZERO_D[case]
    with pytest.raises(error, match=match):
        call()


@pytest.mark.parametrize("call, torch_call", [
    (lambda: SCALAR.squeeze(0), lambda t: t.tensor(1.0).squeeze(0)),
    (lambda: SCALAR.squeeze(-1), lambda t: t.tensor(1.0).squeeze(-1)),
    (lambda: SCALAR.sum(0), lambda t: t.tensor(1.0).sum(0)),
    (lambda: SCALAR.logsumexp(-1), lambda t: t.tensor(1.0).logsumexp(-1)),
])
def test_zero_d_tensors_accept_axis_0_and_minus_1_like_torch(torch, call, torch_call):
    assert_close(call(), torch_call(torch), np.float32)


@pytest.mark.parametrize("shape, axis", [((3, 0), 1), ((0, 3), 0), ((0,), 0), ((2, 0, 3), (1, 2))])
@pytest.mark.parametrize("fn", ["logsumexp", "softmax", "log_softmax"])
def test_empty_reductions_compute_what_torch_computes(torch, backend, shape, axis, fn):
    if fn != "logsumexp" and isinstance(axis, tuple):
        return
    x = mg.zeros(shape, backend=backend, requires_grad=True)
    theirs = getattr(torch.zeros(shape, requires_grad=True), fn)(axis)
    ours = getattr(x, fn)(axis)
    assert ours.shape == tuple(theirs.shape)
    np.testing.assert_array_equal(host(ours), theirs.detach().numpy())
    ours.sum().backward()
    assert x.grad.shape == shape and not np.isnan(host(x.grad)).any()


def test_max_over_an_empty_axis_is_refused_and_over_a_full_one_computed(torch):
    with pytest.raises(ValueError, match=r"Max: reducing an axis of length 0 \(shape \(0, 3\)\)"):
        mg.zeros(0, 3).max(axis=0)
    assert mg.zeros(0, 3).max(axis=1).shape == tuple(torch.zeros(0, 3).amax(1).shape)


class ListBackward(mg.Function):
    @staticmethod
    def forward(ctx, a, b):
        return a * b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.inputs
        return [g * b.data, g * a.data]  # a list instead of a tuple


class NestedListBackward(mg.Function):
    @staticmethod
    def forward(ctx, a):
        return a * 2

    @staticmethod
    def backward(ctx, g):
        return [[1.0, 2.0]]


def test_a_custom_backward_returning_a_list_works_or_is_explained():
    a, b = mg.tensor([1.0, 2.0], requires_grad=True), mg.tensor([3.0, 4.0], requires_grad=True)
    ListBackward.apply(a, b).sum().backward()
    assert host(a.grad).tolist() == [3.0, 4.0] and host(b.grad).tolist() == [1.0, 2.0]
    a.grad = None
    with pytest.raises(TypeError, match="NestedListBackward.backward returned a list as gradient 0; return one "
                                        "backend array"):
        NestedListBackward.apply(a).sum().backward()
    assert a.grad is None


def test_swapaxes_still_swaps_with_negative_axes(torch):
    x = mg.arange(24).reshape(2, 3, 4)
    np.testing.assert_array_equal(host(x.swapaxes(0, -1)), torch.arange(24).reshape(2, 3, 4).swapaxes(0, -1).numpy())


def test_nn_errors_name_the_target():
    with pytest.raises(FileNotFoundError, match="nn.save: cannot write .*missing.*model.st"):
        nn.save({"a": mg.ones(1)}, "/nonexistent-minigrad-dir/missing/model.st")
    with pytest.raises(TypeError, match="Linear.load_state_dict expects a mapping.*got list"):
        nn.Linear(2, 2).load_state_dict([1, 2])
