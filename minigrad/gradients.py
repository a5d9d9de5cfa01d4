"""`mg.grad`: gradients as values, without touching any `.grad`."""
from __future__ import annotations

from collections.abc import Sequence

from .autograd import backward
from .tensor import Tensor, _root_grad


def _as_list(x) -> list:
    return list(x) if isinstance(x, (list, tuple)) else [x]


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False) -> tuple:
    """d(outputs)/d(inputs) as a tuple of Tensors, one per input.

    With `create_graph=True` the results are themselves differentiable, so
    `mg.grad(mg.grad(y, x, create_graph=True)[0].sum(), x)` is a second derivative.

    As `torch.autograd.grad`: nothing is written to any `.grad`.

    Args:
        outputs: a Tensor or a sequence of them.
        inputs: a Tensor or a sequence of tensors that require grad.
        grad_outputs: d(something)/d(outputs), needed for outputs with more than one
            element.
        retain_graph: keep the graph (defaults to `create_graph`).
        create_graph: record the gradient computation, for higher derivatives.
        allow_unused: give None for inputs the outputs do not depend on, instead of raising.

    Returns:
        tuple: one Tensor (or None, with `allow_unused`) per input.

    Raises:
        RuntimeError: for an input that does not require grad, or an unused input.
        ValueError: when `grad_outputs` is missing or mismatched.

    Examples:
        >>> x = mg.tensor(3.0, requires_grad=True)
        >>> y = x ** 3
        >>> (dy,) = mg.grad(y, x, create_graph=True)
        >>> dy
        tensor(27., grad_fn=<Mul>)
        >>> mg.grad(dy, x)
        (tensor(18.),)
        >>> x.grad is None
        True
    """
    outputs: Sequence[Tensor] = _as_list(outputs)
    inputs: Sequence[Tensor] = _as_list(inputs)
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise RuntimeError(f"mg.grad: input {i} does not require grad")
    for i, out in enumerate(outputs):
        if not out.requires_grad:
            raise RuntimeError(
                f"mg.grad: output {i} does not require grad (it does not depend on any "
                "tensor with requires_grad=True, or was computed under no_grad)"
            )
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    grad_outputs = _as_list(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise ValueError(
            f"mg.grad: {len(grad_outputs)} grad_outputs for {len(outputs)} outputs"
        )
    root_grads = [_root_grad(o, g, "mg.grad") for o, g in zip(outputs, grad_outputs)]
    if retain_graph is None:
        retain_graph = create_graph
    return backward(outputs, root_grads, retain_graph=retain_graph, create_graph=create_graph,
                    inputs=inputs, allow_unused=allow_unused)
