"""Where an op was recorded, and what it means: typed scope entries and role tags.

Every recorded node keeps the scope it was created in (`node._scope`, a tuple of
`ScopeEntry`). An entry has a *kind*, so pictures never parse names back:

    module      an nn.Module call, by the attribute name it is registered under
    layer       a layer of a deep recurrent network (index l: a[l]<t>)
    direction   "forward" or "reverse" of a bidirectional layer
    step        one time step of an unrolled recurrent layer (index t)
    op          one call of a composite op (a loss, softmax): pictures draw it as one box
    scope       anything else a user names with `mg.name_scope`

A *role* says what a tensor is in the course's notation: cells tag the tensors they
compute (`mg.tag(h, "a<t>")`, `mg.tag(forget, "Γf")`) and the BPTT view of the
renderer labels the step's boxes with them. `<t>` in a role stands for the step.
Tags live on the graph node, so they cost nothing when no graph is recorded.
"""
from __future__ import annotations

import contextlib
import functools
import itertools
from contextvars import ContextVar
from typing import NamedTuple

from .modes import _grad_enabled

_scope: ContextVar[tuple] = ContextVar("minigrad_scope", default=())

KINDS = ("module", "layer", "direction", "step", "op", "scope")


class ScopeEntry(NamedTuple):
    """One level of a scope path: its kind, its name and, for layers, steps and composite
    op calls, an index (the layer number, the time index t, the call number).

    `mg.current_scope()` returns a tuple of them; `str(entry)` is how pictures label it.

    Attributes:
        kind: "module", "layer", "direction", "step", "op" or "scope".
        name: the name shown.
        index: the layer number, time step or call number, or None.

    Examples:
        >>> with mg.layer_scope(1), mg.step_scope(3):
        ...     scope = mg.current_scope()
        >>> scope
        (ScopeEntry(kind='layer', name='layer1', index=1), ScopeEntry(kind='step', name='t=3', index=3))
        >>> [str(entry) for entry in scope]
        ['layer1', 't=3']
    """

    kind: str
    name: str
    index: int | None = None

    def __str__(self) -> str:
        if self.kind == "step":
            return f"t={self.index}"
        if self.kind == "layer":
            return f"layer{self.index}"
        return self.name


class _Push:
    """A context manager (and decorator-free helper) that appends one entry to the scope."""

    __slots__ = ("_tokens", "entry")

    def __init__(self, entry: ScopeEntry):
        self.entry = entry
        self._tokens = []

    def __enter__(self):
        self._tokens.append(_scope.set(_scope.get() + (self.entry,)))
        return self

    def __exit__(self, *exc_info):
        _scope.reset(self._tokens.pop())
        return False


class name_scope(_Push):
    """Record every op created inside under a named scope (pictures with `group="module"`).

    As TensorFlow's `name_scope`. The string "t=<int>" is shorthand for
    `mg.step_scope(<int>)`,
    so a hand-written time loop is drawn one step per column.

    Args:
        name: the scope's name, or a `ScopeEntry`.

    Examples:
        >>> with mg.name_scope("attention"):
        ...     scope = mg.current_scope()
        >>> scope
        (ScopeEntry(kind='scope', name='attention', index=None),)
        >>> with mg.name_scope("t=2"):
        ...     mg.current_scope()[-1]
        ScopeEntry(kind='step', name='t=2', index=2)
    """

    def __init__(self, name):
        if isinstance(name, ScopeEntry):
            entry = name
        else:
            name = str(name)
            step = _step_shorthand(name)
            entry = ScopeEntry("step", name, step) if step is not None else ScopeEntry("scope", name)
        super().__init__(entry)
        self.name = str(entry)


def _step_shorthand(name: str) -> int | None:
    if name.startswith("t="):
        digits = name[2:]
        if digits.lstrip("-").isdigit():
            return int(digits)
    return None


_step_entries: dict = {}


def step_scope(t: int) -> contextlib.AbstractContextManager:
    """The scope of time step `t` of an unrolled recurrent layer (one column of the BPTT view).

    Recurrent layers open it around each step; a hand-written loop can too.

    Args:
        t: the time step.

    Returns:
        A context manager.

    Examples:
        >>> with mg.step_scope(0):
        ...     mg.current_scope()
        (ScopeEntry(kind='step', name='t=0', index=0),)
    """
    return _Push(_step_entry(t))


def _step_entry(t: int) -> ScopeEntry:
    entry = _step_entries.get(t)
    if entry is None:  # one entry per step index, shared by every layer and call
        entry = ScopeEntry("step", f"t={int(t)}", int(t))
        if len(_step_entries) < 100_000:
            _step_entries[t] = entry
    return entry


def step_paths(steps: int) -> list[tuple]:
    """The scope of each step 0..steps-1 inside the current scope, for a time loop that
    enters them itself: `token = set_path(paths[t])` ... `reset_path(token)` is what
    `with mg.step_scope(t):` does, with no Python call per step (the loop's hot path).

    Args:
        steps: the number of time steps.

    Returns:
        list[tuple]: the scope tuple of step t at index t.

    Examples:
        >>> from minigrad.scopes import reset_path, set_path, step_paths
        >>> paths = step_paths(3)
        >>> token = set_path(paths[2])
        >>> mg.current_scope()
        (ScopeEntry(kind='step', name='t=2', index=2),)
        >>> reset_path(token)
        >>> mg.current_scope()
        ()
    """
    base = _scope.get()
    return [base + (_step_entry(t),) for t in range(steps)]


set_path = _scope.set  # set_path(path) -> token: enter a scope from step_paths
reset_path = _scope.reset  # reset_path(token): leave it


def layer_scope(index: int) -> contextlib.AbstractContextManager:
    """The scope of layer `index` of a deep recurrent network (one row of the BPTT view).

    Args:
        index: the layer number.

    Returns:
        A context manager.

    Examples:
        >>> with mg.layer_scope(1):
        ...     mg.current_scope()
        (ScopeEntry(kind='layer', name='layer1', index=1),)
    """
    return _Push(ScopeEntry("layer", f"layer{int(index)}", int(index)))


def direction_scope(name: str) -> contextlib.AbstractContextManager:
    """The scope of one direction ("forward" or "reverse") of a recurrent layer.

    Args:
        name: "forward" or "reverse".

    Returns:
        A context manager.

    Raises:
        ValueError: for any other name.

    Examples:
        >>> with mg.direction_scope("reverse"):
        ...     mg.current_scope()
        (ScopeEntry(kind='direction', name='reverse', index=None),)
        >>> mg.direction_scope("backward")
        Traceback (most recent call last):
            ...
        ValueError: direction_scope: expected 'forward' or 'reverse', got 'backw...
    """
    if name not in ("forward", "reverse"):
        raise ValueError(f"direction_scope: expected 'forward' or 'reverse', got {name!r}")
    return _Push(ScopeEntry("direction", name))


_RECURRENT_KINDS = frozenset({"layer", "direction", "step"})
_module_entries: dict = {}


def module_scope(name: str):
    """The scope an `nn.Module` call opens: its attribute name, kind "module".

    Inside a time step the cell's and wrappers' names add nothing a picture needs
    (the layer, direction and step already say where an op belongs), so there no
    entry is pushed and the step's scope tuples stay shared.

    `nn.Module.__call__` opens it; user code seldom needs to.

    Args:
        name: the module's attribute name.

    Returns:
        A context manager.

    Examples:
        >>> with mg.module_scope("encoder"):
        ...     mg.current_scope()
        (ScopeEntry(kind='module', name='encoder', index=None),)
    """
    scope = _scope.get()
    if scope and scope[-1].kind in _RECURRENT_KINDS:
        return contextlib.nullcontext()
    entry = _module_entries.get(name)
    if entry is None:
        entry = _module_entries[name] = ScopeEntry("module", name)
    return _Push(entry)


_calls = itertools.count()


def composite_scope(op_name: str) -> contextlib.AbstractContextManager:
    """One call of a composite op (cross_entropy, softmax...): drawn as one box in the
    BPTT view. Each call gets its own index, so two calls are two boxes.

    Args:
        op_name: the composite op's name.

    Returns:
        A context manager.

    Examples:
        >>> with mg.composite_scope("my_loss"):
        ...     entry = mg.current_scope()[-1]
        >>> entry.kind, entry.name
        ('op', 'my_loss')
    """
    return _Push(ScopeEntry("op", op_name, next(_calls)))


def composite(op_name: str):
    """Decorator: every call of the function is recorded as one composite op
    (`composite_scope`).

    Nothing is pushed when no graph is being recorded. `nn.functional.cross_entropy` is
    decorated this way, so the BPTT view draws it as one box.

    Args:
        op_name: the name the pictures show.

    Returns:
        The decorator.

    Examples:
        >>> @mg.composite("squared_error")
        ... def squared_error(a, b):
        ...     return ((a - b) ** 2).sum()
        >>> loss = squared_error(mg.tensor([1.0], requires_grad=True), mg.tensor([3.0]))
        >>> loss
        tensor(4., grad_fn=<Sum>)
    """
    def decorate(fn):
        @functools.wraps(fn)
        def call(*args, **kwargs):
            if not _grad_enabled.get():
                return fn(*args, **kwargs)
            with composite_scope(op_name):
                return fn(*args, **kwargs)

        return call

    return decorate


def current_scope() -> tuple:
    """The scope path new ops are recorded in: a tuple of `ScopeEntry`.

    Returns:
        tuple[ScopeEntry, ...]: outermost first; empty outside every scope.

    Examples:
        >>> mg.current_scope()
        ()
        >>> with mg.name_scope("block"):
        ...     mg.current_scope()
        (ScopeEntry(kind='scope', name='block', index=None),)
    """
    return _scope.get()


def tag(tensor, role: str):
    """Name what `tensor` is in the course's notation, for pictures; returns `tensor`.

    `role` is a label such as "a<t>", "c<t>", "c̃<t>", "Γf", "ŷ<t>", "L<t>"; `<t>`
    is replaced by the time step the picture shows. On a computed tensor the tag is
    kept on its graph node (nothing happens when no graph is recorded); a leaf
    without a name takes it as its name (a<0>, the initial state).

    Args:
        tensor: the tensor to name.
        role: its label in the course's notation.

    Returns:
        Tensor: `tensor` itself.

    Examples:
        >>> a0 = mg.tag(mg.zeros(1, 3), "a<0>")
        >>> a0.name
        'a<0>'
    """
    node = tensor._creator
    if node is None:
        if tensor.name is None:
            tensor.name = role
        return tensor
    roles = node._roles
    if roles is None:
        roles = node._roles = {}
    roles.setdefault(tensor._output_index, role)
    return tensor


def role_of(node, index: int = 0) -> str | None:
    """The role of output `index` of a graph node: tagged with `tag`, or declared by its
    op class (`output_roles`, as fused recurrent steps do); None if neither."""
    roles = node._roles
    if roles is not None and index in roles:
        return roles[index]
    declared = getattr(type(node), "output_roles", None)
    return declared[index] if declared is not None and index < len(declared) else None
