"""Input checks for recurrent layers: errors that name the expected and received shapes.

Every recurrent layer validates its input, its initial state and its `lengths`
here, before the time loop starts, so a mistake surfaces as one sentence naming
the layer, the shapes seen, the shapes expected and the likely fix (a batch-first
tensor fed to a time-major layer, a stale `hx` from a bigger batch, ...).
"""
from __future__ import annotations

import operator
from typing import Any

import minigrad as mg


def layout(batch_first: bool) -> str:
    return "(batch, seq_len, features)" if batch_first else "(seq_len, batch, features)"


def _layout_hint(batch_first: bool) -> str:
    other = "batch_first=False" if batch_first else "batch_first=True"
    return f"; if the input is laid out the other way, pass {other}"


def time_major_input(x: Any, input_size: int | None, batch_first: bool, who: str
                     ) -> tuple[mg.Tensor, bool]:
    """The input as a (seq_len, batch, features) Tensor, and whether it came unbatched.

    Raises TypeError for a non-Tensor, ValueError for a wrong rank, an empty
    sequence, or a feature size other than `input_size` (None skips that check).
    """
    if not isinstance(x, mg.Tensor):
        raise TypeError(f"{who}: expected the input as a minigrad Tensor, got {type(x).__name__}")
    shape = tuple(x.shape)
    if x.ndim not in (2, 3):
        raise ValueError(
            f"{who}: expected a 3-D input {layout(batch_first)} or a 2-D unbatched input "
            f"(seq_len, features), got shape {shape}"
        )
    if input_size is not None and shape[-1] != input_size:
        hint = ""
        others = [axis for axis, n in enumerate(shape[:-1]) if n == input_size]
        if others:
            hint = (f"; axis {others[0]} has {input_size} entries: if it holds the features, "
                    "move it last (features always come last)")
        read_as = layout(batch_first) if x.ndim == 3 else "(seq_len, features)"
        raise ValueError(
            f"{who}: expected input_size={input_size} features on the last axis, got "
            f"{shape[-1]} (input shape {shape}, read as {read_as}){hint}"
        )
    unbatched = x.ndim == 2
    if unbatched:
        x = x.unsqueeze(1)
    elif batch_first:
        x = x.swapaxes(0, 1)
    if x.shape[0] == 0:
        raise ValueError(f"{who}: the input has no time steps (shape {shape}); seq_len must be ≥ 1")
    return x, unbatched


def host_lengths(lengths: Any, steps: int, batch: int, batch_first: bool, unbatched: bool,
                 who: str) -> list[int] | None:
    """`lengths` (list, NumPy array or integer Tensor) as a host list of ints, checked.

    Each sequence needs 1 ≤ length ≤ seq_len, one length per sequence. The one
    conversion to host ints is explicit (`tolist()`), so device tensors are fine.
    """
    if lengths is None:
        return None
    if isinstance(lengths, mg.Tensor):
        if lengths.dtype.kind not in "iu":
            raise TypeError(f"{who}: lengths must be integers, got a tensor of dtype {lengths.dtype}")
        if lengths.ndim != 1:
            raise ValueError(f"{who}: lengths must be 1-D (one per sequence), got shape {tuple(lengths.shape)}")
        values = lengths.tolist()
    else:
        values = lengths.tolist() if hasattr(lengths, "tolist") else lengths
        if not isinstance(values, (list, tuple)):
            raise TypeError(
                f"{who}: lengths must be a list, NumPy array or integer Tensor of per-sequence "
                f"lengths, got {type(lengths).__name__}"
            )
    result = []
    for value in values:
        if isinstance(value, (bool, list, tuple)):
            raise TypeError(f"{who}: lengths must be a flat sequence of integers, got {value!r}")
        try:
            result.append(operator.index(value))
        except TypeError:
            raise TypeError(f"{who}: lengths must be integers, got {value!r}") from None
    if len(result) != batch:
        where = "an unbatched input is one sequence" if unbatched else f"the input has batch size {batch}"
        hint = ""
        if not unbatched and len(result) == steps != batch:
            hint = f"; {steps} is the input's seq_len{_layout_hint(batch_first)}"
        raise ValueError(
            f"{who}: got {len(result)} lengths but {where}; give one length per sequence{hint}"
        )
    for index, length in enumerate(result):
        if length < 1:
            raise ValueError(
                f"{who}: lengths[{index}] = {length}; every sequence needs at least one step "
                "(drop empty sequences from the batch)"
            )
        if length > steps:
            raise ValueError(
                f"{who}: lengths[{index}] = {length} exceeds the input's seq_len of {steps} "
                f"time steps (input read as {layout(batch_first)})"
            )
    return result


def step_masks(lengths: list[int], steps: int, like: mg.Tensor) -> mg.Tensor:
    """(seq_len, batch, 1) booleans on `like`'s backend: True where step t is inside sequence b."""
    backend = like.backend
    time = mg.arange(steps, backend=backend).reshape(steps, 1, 1)
    limits = mg.tensor(lengths, backend=backend).reshape(1, len(lengths), 1)
    return time < limits


def initial_state(hx: Any, batch: int, hidden_size: int, unbatched: bool, state_parts: int | None,
                  input_shape: tuple, batch_first: bool, who: str) -> Any:
    """`hx` checked against the cell protocol and made batched; None stays None.

    The state is a Tensor h or a tuple whose first item is h. h must be
    (batch, hidden_size) ((hidden_size,) for an unbatched input); the other items
    must share the batch size. `state_parts` (built-in cells: 1 for a Tensor, 2 for
    LSTM's (h, c)) also fixes the structure and every item's width; None (a user's
    cell) checks h and the batch size only.
    """
    if hx is None:
        return None
    parts = list(hx) if isinstance(hx, (tuple, list)) else [hx]
    if not parts:
        raise ValueError(f"{who}: hx is an empty {type(hx).__name__}; pass None to start from zeros")
    if state_parts == 1 and isinstance(hx, (tuple, list)):
        raise TypeError(f"{who}: the state is one Tensor h, got a {type(hx).__name__} of {len(parts)}")
    if state_parts is not None and state_parts > 1 and len(parts) != state_parts:
        raise TypeError(
            f"{who}: the state is a tuple of {state_parts} Tensors (h, c), got "
            + (f"a {type(hx).__name__} of {len(parts)}" if isinstance(hx, (tuple, list)) else "one Tensor")
        )
    strict_width = state_parts is not None
    checked = []
    for index, part in enumerate(parts):
        name = f"hx[{index}]" if isinstance(hx, (tuple, list)) else "hx"
        if not isinstance(part, mg.Tensor):
            raise TypeError(f"{who}: {name} must be a Tensor, got {type(part).__name__}")
        shape = tuple(part.shape)
        if unbatched:
            expected = (hidden_size,)
            ok = part.ndim == 1 and (shape == expected or (index > 0 and not strict_width))
            if not ok:
                raise ValueError(
                    f"{who}: {name} has shape {shape}, but the input of shape {input_shape} is "
                    f"unbatched, so {expected} (hidden_size,) was expected; pass hx=None to "
                    "start from zeros"
                )
            part = part.unsqueeze(0)
        else:
            expected = (batch, hidden_size)
            wide_ok = index > 0 and not strict_width and part.ndim == 2 and shape[0] == batch
            if shape != expected and not wide_ok:
                hint = ""
                if part.ndim == 2 and shape[0] != batch and shape[0] == input_shape[1 if batch_first else 0]:
                    hint = f"; the input looks {'time-major' if batch_first else 'batch-first'}{_layout_hint(batch_first)}"
                raise ValueError(
                    f"{who}: {name} has shape {shape}, expected (batch, hidden_size) = "
                    f"{expected}: the batch size {batch} comes from the input of shape "
                    f"{input_shape}, read as {layout(batch_first)}. Pass hx=None to start from "
                    f"zeros sized from the input (e.g. for a smaller last batch){hint}"
                )
        checked.append(part)
    return tuple(checked) if isinstance(hx, (tuple, list)) else checked[0]


def step_input(x: Any, input_size: int, who: str) -> tuple[mg.Tensor, bool]:
    """One step's input as (batch, features), and whether it came unbatched (features,)."""
    if not isinstance(x, mg.Tensor):
        raise TypeError(f"{who}: expected the input as a minigrad Tensor, got {type(x).__name__}")
    shape = tuple(x.shape)
    if x.ndim not in (1, 2):
        hint = " (a whole sequence goes through nn.Recurrent(cell))" if x.ndim == 3 else ""
        raise ValueError(
            f"{who}: a cell takes one time step, (batch, input_size) or unbatched (input_size,); "
            f"got shape {shape}{hint}"
        )
    if shape[-1] != input_size:
        raise ValueError(
            f"{who}: expected input_size={input_size} features on the last axis, got "
            f"{shape[-1]} (input shape {shape})"
        )
    return (x.unsqueeze(0), True) if x.ndim == 1 else (x, False)


def short_name(module: Any) -> str:
    """`LSTMCell(50, 20)`: a module's name and one-line description, for error messages."""
    extra = module.extra_repr() if hasattr(module, "extra_repr") else ""
    return f"{type(module).__name__}({extra})"
