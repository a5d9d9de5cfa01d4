"""PyTorch's keyword spellings, accepted wherever ours are: one mechanism for every op.

A PyTorch user writes `x.sum(dim=1, keepdim=True)`, `x.flatten(start_dim=1)` or
`x.transpose(dim0=0, dim1=1)`; `accepts_torch_keywords` renames those keywords to
ours (`axis=`, `keepdims=`, `start_axis=`, ...) before the call, for exactly the
parameters the decorated function has. Both spellings at once is an error, never a
silent choice.
"""
from __future__ import annotations

import functools
import inspect

TORCH_TO_OURS = {
    "dim": "axis",
    "keepdim": "keepdims",
    "start_dim": "start_axis",
    "end_dim": "end_axis",
    "dims": "axis",
}


def accepts_torch_keywords(fn=None, **extra):
    """Decorate `fn` so PyTorch's keyword names work as aliases of its own. Names whose
    meaning depends on the op are given per function: `@accepts_torch_keywords(dim0="axis1",
    dim1="axis2")` for swapaxes (PyTorch's transpose), `dim1="axis1", dim2="axis2"` for
    diagonal."""
    if fn is None:
        return lambda f: accepts_torch_keywords(f, **extra)
    parameters = inspect.signature(fn).parameters
    aliases = {torch: ours for torch, ours in {**TORCH_TO_OURS, **extra}.items()
               if ours in parameters and torch not in parameters}
    if not aliases:
        return fn

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if kwargs:
            for torch_name, ours in aliases.items():
                if torch_name in kwargs:
                    if ours in kwargs:
                        raise TypeError(
                            f"{fn.__name__}() got both {ours}= and {torch_name}=, which are the "
                            f"same argument (PyTorch's spelling and ours); pass only one"
                        )
                    kwargs[ours] = kwargs.pop(torch_name)
        return fn(*args, **kwargs)

    return wrapper
