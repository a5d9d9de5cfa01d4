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
    """True when new ops record the graph (the default)."""
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

    >>> with mg.no_grad():
    ...     w -= lr * w.grad
    """

    enabled = False


class enable_grad(_SetGradMode):
    """Turns recording back on inside a `no_grad` block."""

    enabled = True


class set_grad_enabled(_SetGradMode):
    def __init__(self, mode: bool):
        super().__init__()
        self.enabled = bool(mode)


class detect_anomaly:
    """Inside, the first op whose forward or backward makes NaN/Inf raises, naming it.

    Checking every result costs a device sync per op, so this is for debugging only.
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
