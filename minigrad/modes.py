"""Switches that change how ops record the graph: grad mode and anomaly detection.

Scopes (where an op was recorded) live in `minigrad.scopes`.

Each is a context variable (as Chainer keeps its config thread-local), so a
`no_grad()` in one thread or asyncio task never leaks into another.
"""
from __future__ import annotations

import functools
from contextvars import ContextVar

_grad_enabled: ContextVar[bool] = ContextVar("minigrad_grad_enabled", default=True)
_anomaly: ContextVar[bool] = ContextVar("minigrad_detect_anomaly", default=False)


def is_grad_enabled() -> bool:
    """True when new ops record the graph (the default).

    As `torch.is_grad_enabled`.

    Examples:
        >>> mg.is_grad_enabled()
        True
        >>> with mg.no_grad():
        ...     mg.is_grad_enabled()
        False
    """
    return _grad_enabled.get()


class _SetGradMode:
    """Context manager and decorator setting grad mode; re-entrant and nestable."""

    enabled: bool

    def __init__(self):
        self._tokens = []

    def __enter__(self):
        self._tokens.append(_grad_enabled.set(self.enabled))
        return self

    def __exit__(self, *exc_info):
        _grad_enabled.reset(self._tokens.pop())
        return False

    def __call__(self, fn):
        mode = type(self)

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with mode():
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_SetGradMode):
    """Ops inside record no graph: for evaluation and for parameter updates.

    As `torch.no_grad`: a context manager, and a decorator (`@mg.no_grad()`); nestable, and
    per thread / asyncio task.

    Examples:
        >>> w = mg.tensor([1.0], requires_grad=True)
        >>> with mg.no_grad():
        ...     y = w * 2
        >>> y.requires_grad
        False
        >>> @mg.no_grad()
        ... def evaluate(x):
        ...     return x * 2
        >>> evaluate(w).requires_grad
        False
    """

    enabled = False


class enable_grad(_SetGradMode):
    """Turns recording back on inside a `no_grad` block.

    As `torch.enable_grad`; also a decorator.

    Examples:
        >>> w = mg.tensor([1.0], requires_grad=True)
        >>> with mg.no_grad():
        ...     with mg.enable_grad():
        ...         y = w * 2
        >>> y.requires_grad
        True
    """

    enabled = True


class set_grad_enabled(_SetGradMode):
    """Switch recording on or off: a context manager and decorator, as
    `torch.set_grad_enabled`.

    Re-entrant and nestable; the previous mode comes back on exit.

    Args:
        mode: True to record, False not to.

    Examples:
        >>> w = mg.tensor([1.0], requires_grad=True)
        >>> with mg.set_grad_enabled(False):
        ...     (w * 2).requires_grad
        False
        >>> mg.is_grad_enabled()
        True
    """
    def __init__(self, mode: bool):
        super().__init__()
        self.enabled = bool(mode)


class detect_anomaly:
    """Inside, the first op whose forward or backward makes NaN/Inf raises, naming it.

    Checking every result costs a device sync per op, so this is for debugging only.

    As `torch.autograd.detect_anomaly`.

    Args:
        enabled: False switches checking off inside.

    Raises:
        FloatingPointError: (inside the block) from the first op whose result is not finite.

    Examples:
        >>> x = mg.tensor([float("nan")], requires_grad=True)
        >>> y = x * 2
        >>> with mg.detect_anomaly():
        ...     y = x * 2
        Traceback (most recent call last):
            ...
        FloatingPointError: detect_anomaly: Mul produced NaN or Inf in its forward...
    """

    def __init__(self, enabled: bool = True):
        self.enabled = enabled
        self._tokens = []

    def __enter__(self):
        self._tokens.append(_anomaly.set(self.enabled))
        return self

    def __exit__(self, *exc_info):
        _anomaly.reset(self._tokens.pop())
        return False


def is_anomaly_enabled() -> bool:
    return _anomaly.get()
