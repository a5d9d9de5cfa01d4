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
    """Analytical and numerical gradients disagree."""


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, directions=8) -> bool:
    """True if fn's analytical gradients match finite differences; raises otherwise,
    naming the worst input index and element."""
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
    weights = [randn(*o.shape, dtype=o.dtype, backend=o.backend) for o in outs]

    def scalar():
        total = 0.0
        for o, w in zip(_as_tuple(fn(*inputs)), weights):
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


def _check_elements(checked, analytic, value, eps, atol, rtol):
    worst = None
    for index, (t, a) in enumerate(zip(checked, analytic)):
        flat = t.data.reshape(-1)
        flat_grad = a.reshape(-1)
        for k in range(t.size):
            original = flat[k].item()
            flat[k] = original + eps
            plus = value()
            flat[k] = original - eps
            minus = value()
            flat[k] = original
            numeric = (plus - minus) / (2 * eps)
            exact = flat_grad[k].item()
            excess = abs(numeric - exact) - (atol + rtol * abs(numeric))
            if excess > 0 and (worst is None or excess > worst[0]):
                worst = (excess, index, k, t.shape, exact, numeric)
    if worst is not None:
        _, index, k, shape, exact, numeric = worst
        element = _unravel(k, shape)
        raise GradcheckError(
            f"gradcheck failed: input {index}, element {element}: analytical {exact:.8g} vs "
            f"numerical {numeric:.8g}"
        )


def _check_directions(checked, analytic, value, eps, atol, rtol, directions):
    for d in range(directions):
        vs = [randn(*t.shape, dtype=t.dtype, backend=t.backend).data for t in checked]
        originals = [t.data.copy() for t in checked]
        for t, v, o in zip(checked, vs, originals):
            t.data[...] = o + eps * v
        plus = value()
        for t, v, o in zip(checked, vs, originals):
            t.data[...] = o - eps * v
        minus = value()
        for t, o in zip(checked, originals):
            t.data[...] = o
        numeric = (plus - minus) / (2 * eps)
        exact = sum((a * v).sum().item() for a, v in zip(analytic, vs))
        if abs(numeric - exact) > atol + rtol * abs(numeric):
            raise GradcheckError(
                f"gradcheck failed along random direction {d}: analytical {exact:.8g} vs "
                f"numerical {numeric:.8g} (inputs too large for elementwise checking)"
            )


def _unravel(k, shape):
    index = []
    for n in reversed(shape):
        index.append(k % n)
        k //= n
    return tuple(reversed(index))
