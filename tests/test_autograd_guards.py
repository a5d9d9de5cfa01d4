"""Gradients are right or refused: in-place writes through views, saved outputs, hooks,
backward(grad), .grad assignment and repeated inputs of mg.grad (issue 12, items 4, 6-10)."""
import numpy as np
import pytest
from helpers import host

import minigrad as mg

INPLACE = "modified by an inplace operation"

VIEWS = {
    "detach": lambda x: x.detach(),
    "T": lambda x: x.T,
    "slice": lambda x: x[0:1],
    "int index": lambda x: x[1],
    "reshape": lambda x: x.reshape(2, 1),
    "view of a view": lambda x: x.detach().reshape(1, 2)[:, 1:],
    "squeeze/unsqueeze": lambda x: x.unsqueeze(0).squeeze(0),
}


@pytest.mark.parametrize("make_view", VIEWS.values(), ids=VIEWS.keys())
@pytest.mark.parametrize("write", ["iadd", "setitem"])
def test_an_inplace_write_through_a_view_is_refused_at_backward(backend, make_view, write):
    x = mg.tensor([1.0, 2.0], requires_grad=True, backend=backend)
    loss = (x * x).sum()
    with mg.no_grad():
        view = make_view(x)
        if write == "iadd":
            view += 1
        else:
            view[...] = 5.0
    with pytest.raises(RuntimeError, match=f"Mul: .*{INPLACE}: input 0, of shape \\(2,\\), is at version 1; "
                                           "expected version 0"):
        loss.backward()
    assert x.grad is None


def test_an_inplace_write_through_data_is_refused_and_the_optimizer_idiom_still_works(backend):
    x = mg.tensor([1.0, 2.0], requires_grad=True, backend=backend)
    loss = (x * x).sum()
    x.data += 1
    with pytest.raises(RuntimeError, match=INPLACE):
        loss.backward()
    loss = (x * x).sum()
    x.data = x.data * 0  # a new array counts too: the graph saw the old values
    with pytest.raises(RuntimeError, match=INPLACE):
        loss.backward()
    for _ in range(2):  # the README's loop: update, then a fresh graph
        loss = (x * x).sum()
        loss.backward()
        x.data -= 0.1 * x.grad
        x.grad = None


def test_writes_to_a_copy_are_not_flagged(backend):
    x = mg.tensor([1.0, 2.0], requires_grad=True, backend=backend)
    loss = (x * x).sum()
    with mg.no_grad():
        copy = x[[0, 1]]  # integer-array indexing copies
        copy += 1
        other = x * 1
        other += 1
    loss.backward()
    np.testing.assert_allclose(host(x.grad), [2.0, 4.0])


@pytest.mark.parametrize("op", ["exp", "tanh", "sigmoid", "sqrt", "logsumexp"])
def test_an_inplace_write_to_a_saved_output_is_refused(backend, op):
    x = mg.tensor([1.0, 2.0], requires_grad=True, backend=backend)
    y = getattr(x, op)()
    with mg.no_grad():
        y *= 0
    with pytest.raises(RuntimeError, match=f"{INPLACE}: its output 0"):
        y.backward(mg.ones_like(y))
    assert x.grad is None


def test_a_write_to_a_saved_output_through_its_detach_is_refused_even_if_the_output_is_dropped():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    loss = (y * 1).sum()
    alias = y.detach()
    del y
    alias *= 0
    with pytest.raises(RuntimeError, match=INPLACE):
        loss.backward()
    assert x.grad is None


def test_a_custom_function_that_saves_its_output_is_guarded():
    class Square(mg.Function):
        @staticmethod
        def forward(ctx, x):
            out = x * x
            ctx.save_for_backward(x, out)
            return out

        @staticmethod
        def backward(ctx, g):
            x, _ = ctx.saved_arrays
            return 2 * x * g

    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = Square.apply(x)
    with mg.no_grad():
        y += 1
    with pytest.raises(RuntimeError, match=f"Square: .*{INPLACE}: its output 0"):
        y.sum().backward()


def test_an_ops_own_output_modified_where_backward_does_not_read_it_is_allowed():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3  # Mul's backward reads its inputs, not its output
    with mg.no_grad():
        y += 1
    y.sum().backward()
    np.testing.assert_allclose(host(x.grad), [3.0, 3.0])


HOOK_RESULTS = {
    "bigger": (lambda g: np.ones(5, dtype=g.dtype), RuntimeError, r"hook '.*' has changed the size of value \(was \(2,\), got \(5,\)\)"),
    "int64": (lambda g: np.ones(2, dtype=np.int64), RuntimeError, "has changed the type of value \\(was float32, got int64\\)"),
    "float64": (lambda g: g.astype(np.float64), RuntimeError, "has changed the type of value \\(was float32, got float64\\)"),
    "strings": (lambda g: np.array(["a", "b"]), RuntimeError, "has changed the type of value"),
    "list": (lambda g: [1.0, 2.0], TypeError, "hook '.*' returned a list"),
}


@pytest.mark.parametrize("leaf", [True, False], ids=["leaf", "non-leaf"])
@pytest.mark.parametrize("name", HOOK_RESULTS)
def test_a_hook_result_of_another_size_or_type_is_refused(name, leaf):
    result, error, match = HOOK_RESULTS[name]
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x if leaf else x * 1
    y.register_hook(result)
    with pytest.raises(error, match=match):
        (y * 2).sum().backward()
    assert x.grad is None


def test_a_hook_result_on_another_backend_is_refused():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    y.register_hook(lambda g: mg.tensor(g).to("strict").data)
    with pytest.raises(mg.BackendMismatchError, match="has changed the backend of value"):
        y.sum().backward()


def test_a_valid_hook_result_still_replaces_the_gradient():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    y.register_hook(lambda g: g * 10)
    y.sum().backward()
    np.testing.assert_allclose(host(x.grad), [10.0, 10.0])
    assert x.grad.dtype == np.float32


@pytest.mark.parametrize("grad, error, match", [
    (np.ones(2, dtype=np.complex64), TypeError, "grad has dtype complex64 but the output has dtype float32"),
    ([None, None], TypeError, "grad must be an array or Tensor of numbers"),
    (np.array(["a", "b"]), TypeError, "grad must be an array or Tensor of numbers|grad has dtype <U1"),
    (np.ones(3), RuntimeError, r"grad has shape \(3,\) but the output has shape \(2,\)"),
])
def test_backward_refuses_a_grad_of_the_wrong_kind(grad, error, match):
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(error, match=match):
        (x * 2).backward(grad)
    assert x.grad is None


@pytest.mark.parametrize("grad", [np.ones(2, dtype=np.float64), mg.ones(2, dtype="float64"), np.ones(2, dtype=np.int64)])
def test_backward_casts_a_real_grad_to_the_outputs_dtype_as_torch(grad, torch):
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    (x * 2).backward(grad)
    assert x.grad.dtype == np.float32
    reference = torch.tensor([1.0, 2.0], requires_grad=True)
    (reference * 2).backward(torch.tensor(host(grad)))
    np.testing.assert_allclose(host(x.grad), reference.grad.numpy())


def test_mg_grad_returns_the_gradient_for_every_listing_of_an_input(torch):
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    gx1, gh, gx2 = mg.grad((h * x).sum(), [x, h, x])
    reference = torch.tensor([1.0, 2.0], requires_grad=True)
    rh = reference * 3
    rx1, rgh, rx2 = torch.autograd.grad((rh * reference).sum(), [reference, rh, reference])
    for ours, theirs in [(gx1, rx1), (gh, rgh), (gx2, rx2)]:
        np.testing.assert_allclose(host(ours), theirs.numpy())
    h = x * 3
    g1, g2 = mg.grad((h * h).sum(), [h, h])
    np.testing.assert_allclose(host(g1), host(g2))


@pytest.mark.parametrize("value, error, match", [
    (np.ones(3, dtype=np.float32), RuntimeError, r"gradient of shape \(3,\) to a tensor of shape \(2, 3\)"),
    (np.ones(1, dtype=np.float32), RuntimeError, r"gradient of shape \(1,\) to a tensor of shape \(2, 3\)"),
    (np.ones((2, 3), dtype=np.float64), RuntimeError, "gradient of dtype float64 to a tensor of dtype float32"),
    ([[1.0] * 3] * 2, TypeError, "assigned grad must be a backend array.*got list"),
    ("grad", TypeError, "got str"),
])
def test_grad_assignment_refuses_another_shape_dtype_or_kind(value, error, match):
    p = mg.zeros(2, 3, requires_grad=True)
    with pytest.raises(error, match=match):
        p.grad = value
    assert p.grad is None


def test_grad_assignment_refuses_another_backend_and_accepts_its_own():
    p = mg.zeros(2, 3, requires_grad=True, backend="strict")
    with pytest.raises(mg.BackendMismatchError, match="gradient on numpy to a tensor on strict"):
        p.grad = np.ones((2, 3), dtype=np.float32)
    p.grad = mg.ones(2, 3, backend="strict")  # a Tensor gives its array
    assert type(p.grad) is type(p.data)
    scalar = mg.zeros((), requires_grad=True)
    scalar.grad = np.float32(2.0)  # NumPy's 0-d results are scalars: kept as a 0-d array
    assert isinstance(scalar.grad, np.ndarray) and scalar.grad.shape == ()
