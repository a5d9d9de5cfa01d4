"""Recurrent states as data: a Tensor `h`, or a tuple whose first item is `h`.

The cell protocol lets a state be a single Tensor (RNN, GRU: a<t>) or a tuple
(LSTM: (a<t>, c<t>)). These helpers walk either shape, so the time loop, the
wrappers and `nn.utils.detach_state` never special-case a cell.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import minigrad as mg

State = Any  # mg.Tensor | tuple[mg.Tensor, ...]


def hidden_of(state: State) -> mg.Tensor:
    """The step's output a<t>: the state itself, or its first item."""
    return state[0] if isinstance(state, (tuple, list)) else state


def map_state(fn: Callable[..., mg.Tensor], *states: State) -> State:
    """Apply `fn` to corresponding tensors of one or more states of the same structure."""
    first = states[0]
    if isinstance(first, (tuple, list)):
        return tuple(fn(*parts) for parts in zip(*states))
    return fn(*states)


def zeros_like_state(state: State) -> State:
    """A state of zeros with the structure, shapes, dtype and backend of `state`."""
    return map_state(mg.zeros_like, state)


def where_state(keep: mg.Tensor, new: State, old: State) -> State:
    """`new` where `keep` (a (batch, 1) mask) is True, else `old`: padded steps keep the state."""
    return map_state(lambda n, o: mg.where(keep, n, o), new, old)


def first_state(cell: Any, state: State | None, like: mg.Tensor, batch: int) -> State | None:
    """The state before the first step, the one place a missing state is filled in:
    `state` itself, or zeros when it is None and the cell can make them
    (`zero_state`, every RecurrentCell), in `like`'s dtype and backend. Its parts are
    tagged with the cell's state names at t = 0 (a<0>, c<0>) for pictures. A user's
    cell without `zero_state` is given None and starts from what it likes."""
    if state is None and callable(getattr(cell, "zero_state", None)):
        state = cell.zero_state(like, batch=batch)
    roles = getattr(cell, "state_roles", None)
    if state is not None and roles:
        for part, role in zip(state if isinstance(state, tuple) else (state,), roles):
            mg.tag(part, f"{role}<0>")
    return state
