"""Finite-difference gradient checking, in float64.

For small inputs every element is perturbed (central differences); for large ones
a few random directions v are checked instead: (f(x+εv) - f(x-εv)) / 2ε against
⟨∇f, v⟩. Outputs are reduced to one scalar with fixed random weights, so every
output element takes part.
"""
from __future__ import annotations

from .backend import backend_of_array
from .creation import randn
from .gradients import grad
from .modes import no_grad
from .tensor import Tensor

ELEMENTWISE_LIMIT = 2_000  # total input elements up to which every element is checked


class GradcheckError(AssertionError):
    """Analytical and numerical gradients disagree.

    Raised by `mg.gradcheck`, naming the input, the worst element and both values. An
    `AssertionError`, so pytest shows it as a failed check.

    Examples:
        >>> class Cube(mg.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         ctx.save_for_backward(x)
        ...         return x ** 3
        ...     @staticmethod
        ...     def backward(ctx, g):
        ...         (x,) = ctx.saved_arrays
        ...         return 2 * x * g  # wrong: d x³ = 3x²
        >>> mg.gradcheck(Cube.apply, [mg.tensor([1.0, 2.0], dtype="float64", requires_grad=True)])
        Traceback (most recent call last):
            ...
        minigrad.gradcheck.GradcheckError: gradcheck failed: input 0, element (1,): analytical -0.52841...
    """


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, directions=8) -> bool:
    """True if fn's analytical gradients match finite differences; raises otherwise,
    naming the worst input index and element.

    As `torch.autograd.gradcheck`; use float64 inputs. Small inputs are checked element by
    element; larger ones along `directions` random directions.

    Args:
        fn: a function of the inputs returning a Tensor (or tuple of Tensors).
        inputs: a Tensor or sequence of them; those with `requires_grad` are checked.
        eps: the finite-difference step.
        atol: absolute tolerance.
        rtol: relative tolerance.
        directions: how many random directions to check for large inputs.

    Returns:
        bool: True when every gradient matches.

    Raises:
        GradcheckError: when a gradient disagrees.
        ValueError: when no input requires grad.

    Examples:
        >>> x = mg.tensor([0.5, 1.0], dtype="float64", requires_grad=True)
        >>> mg.gradcheck(lambda t: (t.sin() * t).sum(), [x])
        True
    """
    inputs = _as_tuple(inputs)
    checked = [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input requires grad")
    for i, t in enumerate(checked):
        if t.dtype != "float64":
            raise TypeError(
                f"gradcheck: input {i} is {t.dtype}; finite differences need float64 "
                "(create the inputs with dtype='float64')"
            )

    with no_grad():
        outs = _as_tuple(fn(*inputs))
    # integer outputs (the indices of max(dim), sort, topk) carry no gradient: skipped
    weights = [randn(*o.shape, dtype=o.dtype, backend=o.backend) if o.dtype.kind == "f" else None
               for o in outs]

    def scalar():
        total = 0.0
        for o, w in zip(_as_tuple(fn(*inputs)), weights):
            if w is not None:
                total = total + (o * w).sum()
        return total

    analytic = grad(scalar(), checked, allow_unused=True)
    analytic = [a.data if a is not None else backend_of_array(t.data).xp.zeros_like(t.data)
                for a, t in zip(analytic, checked)]

    def value():
        with no_grad():
            return scalar().item()

    total_size = sum(t.size for t in checked)
    if total_size <= ELEMENTWISE_LIMIT:
        _check_elements(checked, analytic, value, eps, atol, rtol)
    else:
        _check_directions(checked, analytic, value, eps, atol, rtol, directions)
    return True


def _central_difference(t, element, value, eps) -> float:
    """(f(x + ε e) - f(x - ε e)) / 2ε for one element e of input t, restoring it after."""
    original = t.data[element].item()
    t.data[element] = original + eps
    plus = value()
    t.data[element] = original - eps
    minus = value()
    t.data[element] = original
    return (plus - minus) / (2 * eps)


def _worst_element(index, t, a, elements, value, eps, atol, rtol):
    """(excess over tolerance, input index, element, analytical, numerical) of the worst."""
    worst = None
    for element in elements:
        numeric = _central_difference(t, element, value, eps)
        exact = a[element].item()
        excess = abs(numeric - exact) - (atol + rtol * abs(numeric))
        if worst is None or excess > worst[0]:
            worst = (excess, index, element, exact, numeric)
    return worst


def _check_elements(checked, analytic, value, eps, atol, rtol):
    candidates = [
        _worst_element(index, t, a, (_unravel(k, t.shape) for k in range(t.size)), value, eps,
                       atol, rtol)
        for index, (t, a) in enumerate(zip(checked, analytic)) if t.size
    ]
    worst = max(candidates, key=lambda c: c[0], default=None)
    if worst is not None and worst[0] > 0:
        _, index, element, exact, numeric = worst
        raise GradcheckError(
            f"gradcheck failed: input {index}, element {element}: analytical {exact:.8g} vs "
            f"numerical {numeric:.8g}"
        )


def _check_directions(checked, analytic, value, eps, atol, rtol, directions):
    """One input at a time along random directions, so a failure names its input; the
    element is then the worst of a bounded sample of that input's elements."""
    for index, (t, a) in enumerate(zip(checked, analytic)):
        original = t.data.copy()
        for d in range(directions):
            v = randn(*t.shape, dtype=t.dtype, backend=t.backend).data
            t.data[...] = original + eps * v
            plus = value()
            t.data[...] = original - eps * v
            minus = value()
            t.data[...] = original
            numeric = (plus - minus) / (2 * eps)
            exact = (a * v).sum().item()
            if abs(numeric - exact) > atol + rtol * abs(numeric):
                sample = (_unravel(k, t.shape) for k in range(0, t.size, max(1, t.size // 200)))
                _, _, element, e, n = _worst_element(index, t, a, sample, value, eps, atol, rtol)
                raise GradcheckError(
                    f"gradcheck failed: input {index}, element {element}: analytical {e:.8g} "
                    f"vs numerical {n:.8g} (found along random direction {d}: analytical "
                    f"{exact:.8g} vs numerical {numeric:.8g}; the input is too large to "
                    "check every element)"
                )


def _unravel(k, shape):
    index = []
    for n in reversed(shape):
        index.append(k % n)
        k //= n
    return tuple(reversed(index))
