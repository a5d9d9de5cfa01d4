"""einsum: NumPy's and PyTorch's Einstein summation, for explicit or implicit output.

The gradient of operand k is an einsum too: the output gradient contracted with every
other operand, written to operand k's subscripts ("ij,jk->ik": dA = einsum("ik,jk->ij",
G, B)). Subscripts repeated within one operand (diagonals) and ellipses are not supported.
"""
from __future__ import annotations

from ..tensor import Tensor
from .base import Op


class Einsum(Op):
    @staticmethod
    def forward(ctx, *operands, inputs, output):
        ctx.subscripts, ctx.result = inputs, output
        return ctx.xp.einsum(",".join(inputs) + "->" + output, *operands)

    @staticmethod
    def backward(ctx, g):
        values = ctx.values(g)
        grads = []
        for k, need in enumerate(ctx.needs_grad):
            if not need:
                grads.append(None)
                continue
            target = ctx.subscripts[k]
            others = [s for i, s in enumerate(ctx.subscripts) if i != k]
            available = set(ctx.result).union(*others) if others else set(ctx.result)
            kept = "".join(c for c in target if c in available)
            grad = ctx.run(Einsum, g, *[v for i, v in enumerate(values) if i != k],
                           inputs=(ctx.result, *others), output=kept)
            if kept != target:  # letters summed away inside operand k alone: broadcast back
                shape = [ctx.inputs[k].shape[i] if c in kept else 1 for i, c in enumerate(target)]
                grad = _broadcast(ctx, grad.reshape(tuple(shape)), ctx.inputs[k].shape)
            grads.append(grad)
        return tuple(grads)


def _broadcast(ctx, value, shape):
    from .shaping import BroadcastTo

    return ctx.run(BroadcastTo, value, shape=tuple(shape))


def einsum(equation: str, *operands):
    """Einstein summation, e.g. `einsum("bij,bjk->bik", a, b)`; operands as arguments or
    one list.

    As `torch.einsum`.

    Args:
        equation: the subscripts, e.g. "ij,jk->ik".
        *operands: the tensors (or one list of them).

    Returns:
        Tensor: the result.

    Raises:
        NotImplementedError: for ellipses (`...`) and repeated subscripts within one operand.

    Examples:
        >>> a = mg.tensor([[1.0, 2.0], [3.0, 4.0]])
        >>> mg.einsum("ij,jk->ik", a, a)
        tensor([[ 7., 10.],
                [15., 22.]])
        >>> mg.einsum("ij->j", a)
        tensor([4., 6.])
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    operands = tuple(t if isinstance(t, Tensor) else Tensor(t) for t in operands)
    equation = equation.replace(" ", "")
    if "." in equation:
        raise NotImplementedError("einsum: ellipses (...) are not supported; name every axis")
    inputs, arrow, output = equation.partition("->")
    inputs = tuple(inputs.split(","))
    if len(inputs) != len(operands):
        raise ValueError(f"einsum: {equation!r} names {len(inputs)} operands, got {len(operands)}")
    for subscripts, t in zip(inputs, operands):
        if len(subscripts) != t.ndim:
            raise ValueError(f"einsum: subscripts {subscripts!r} for an operand of shape {tuple(t.shape)}")
        if len(set(subscripts)) != len(subscripts):
            raise NotImplementedError(f"einsum: repeated subscripts in one operand ({subscripts!r}, "
                                      "a diagonal) are not supported; use mg.diagonal")
    if not arrow:  # implicit output: the letters that appear once, in alphabetical order
        letters = "".join(inputs)
        output = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    if len(operands) > 1:
        from .joining import _common_dtype

        operands = tuple(_common_dtype(list(operands)))
    return Einsum.apply(*operands, inputs=inputs, output=output)
