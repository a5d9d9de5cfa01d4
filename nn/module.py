"""Module, Parameter and the two containers every model is built from.

A `Module` owns its parameters, buffers and submodules. Assigning one as an
attribute registers it (as PyTorch does), so a model is written like plain Python
and `named_parameters()` still finds everything, in definition order, under
dotted names that `state_dict()`, `nn.save` and `mg.draw_graph` all share.
"""
from __future__ import annotations

import contextlib
import functools
import inspect
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np  # dtype rules only (np.can_cast on dtypes); no array goes through NumPy here

import minigrad as mg


class Parameter(mg.Tensor):
    """A Tensor that a Module registers as trainable; it always requires grad.

    Assigning a Parameter as a Module attribute is what puts it in `parameters()`,
    `state_dict()` and the optimizer's reach, as `torch.nn.Parameter`. The data is taken
    from `data` (a Tensor, which is detached first, an array, a list or a number);
    floating data keeps its dtype and Python floats get the default dtype.

    Args:
        data: the initial values (Tensor, backend array, nested list or number).
        requires_grad: kept for PyTorch's signature; True unless you freeze it.
        dtype: a NumPy dtype or its name; None keeps the data's (floats: the default).
        backend: "numpy" or "cupy" (PyTorch's "cpu"/"cuda" work too); None: the data's.

    Examples:
        >>> w = nn.Parameter([[1.0, 2.0]])
        >>> w.requires_grad, w.shape, w.dtype
        (True, (1, 2), dtype('float32'))
        >>> w.is_leaf
        True
    """

    def __init__(self, data: Any, requires_grad: bool = True, dtype: Any = None, backend: str | None = None):
        if isinstance(data, mg.Tensor):
            data = data.detach()
        super().__init__(data, requires_grad=requires_grad, dtype=dtype, backend=backend)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def fresh_copy(array: Any) -> Any:
    """A copy of a backend array that shares no memory with it, made on its own device.

    `load_state_dict` and the optimizers use it so that a later in-place update never
    writes into an array the caller still holds.

    Args:
        array: a NumPy or CuPy array.

    Returns:
        A new array of the same backend, shape, dtype and values.

    Examples:
        >>> a = np.zeros(3)
        >>> b = nn.module.fresh_copy(a)
        >>> b[0] = 1.0
        >>> a
        array([0., 0., 0.])
    """
    return mg.get_array_module(array).array(array, copy=True)


def _as_state_tensor(value: Any) -> mg.Tensor | None:
    """A state-dict value as a detached Tensor, or None if it is not numeric array data."""
    if isinstance(value, mg.Tensor):
        return value.detach()
    try:
        value = mg.Tensor(value)
    except (TypeError, ValueError):
        return None
    return value if value.dtype.kind in "biufc" else None


def _castable(source: Any, target: Any) -> bool:
    """Whether a checkpoint value of dtype `source` may be copied into `target` without
    losing what it means (PyTorch's copy_ would also truncate floats into integers and
    drop imaginary parts; a checkpoint doing that is more likely a wrong file)."""
    return source.kind in "biufc" and np.can_cast(source, target, "same_kind")


def _move_array(array: Any, backend: str) -> Any:
    """The backend array `array` on `backend` (an explicit, documented transfer)."""
    return mg.Tensor(array).to(backend).data


class IncompatibleKeys(NamedTuple):
    """What `load_state_dict(..., strict=False)` skipped, as PyTorch's named tuple.

    Attributes:
        missing_keys: the module's names that the state dict did not have.
        unexpected_keys: the state dict's names that the module does not have.

    Examples:
        >>> model = nn.Linear(2, 1)
        >>> model.load_state_dict({"weight": mg.zeros(1, 2), "scale": mg.ones(1)}, strict=False)
        IncompatibleKeys(missing_keys=['bias'], unexpected_keys=['scale'])
    """

    missing_keys: list
    unexpected_keys: list


class Module:
    """Base class of every layer and model, as `torch.nn.Module`.

    Subclasses call `super().__init__()` first, assign Parameters, Modules and buffers
    as attributes (which registers them, in definition order) and define `forward`.
    Calling the module calls `forward`, inside a graph scope named after the attribute
    the module was registered under, so `mg.draw_graph(..., group="module")` can
    cluster its ops. A plain list of Modules assigned as an attribute becomes a
    `ModuleList`, so micrograd-style `self.layers = [...]` is not silently untrained.

    Raises:
        AttributeError: assigning a Parameter or Module before `Module.__init__` ran.
        TypeError: assigning something else over a registered parameter, buffer or
            submodule name (assign to `.data` to change a parameter's values).

    Examples:
        >>> class Affine(nn.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.scale = nn.Parameter([2.0])
        ...         self.shift = nn.Parameter([1.0])
        ...     def forward(self, x):
        ...         return x * self.scale + self.shift
        >>> f = Affine()
        >>> f(mg.tensor([1.0, 2.0])).tolist()
        [3.0, 5.0]
        >>> [name for name, _ in f.named_parameters()]
        ['scale', 'shift']
        >>> f
        Affine(scale=(1,), shift=(1,))
    """

    training: bool

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Give every layer's constructor PyTorch's `device=`: the same as our `backend=`
        ("cpu", "cuda" and "cuda:0" are backend names too), or, for a layer without a
        backend option, an error that says so, never a bare "unexpected keyword"."""
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is None:
            return
        parameters = inspect.signature(init).parameters
        if "device" in parameters:
            return
        takes_backend = "backend" in parameters

        @functools.wraps(init)
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            if "device" in kwargs:
                device = kwargs.pop("device")
                if not takes_backend:
                    raise TypeError(
                        f"{cls.__name__}: device={device!r} is PyTorch's name for a backend, and "
                        f"this layer takes none; build it, then move it with .to({device!r})")
                if kwargs.get("backend") is not None:
                    raise TypeError(f"{cls.__name__}: pass backend= or device= (PyTorch's name "
                                    "for it), not both")
                kwargs["backend"] = device
            init(self, *args, **kwargs)

        cls.__init__ = __init__

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    # ------------------------------------------------------------------ registration

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, list) and value and all(isinstance(v, Module) for v in value):
            # micrograd writes `self.layers = [Layer(...), ...]`; register it rather
            # than silently hiding those parameters from the optimizer.
            value = ModuleList(value)
        params = self.__dict__.get("_parameters")
        if isinstance(value, (Parameter, Module)) and params is None:
            raise AttributeError(
                f"cannot assign {type(value).__name__} '{name}' before Module.__init__() is called; "
                f"call super().__init__() first in {type(self).__name__}.__init__"
            )
        if isinstance(value, Parameter):
            self._forget(name)
            params[name] = value
        elif isinstance(value, Module):
            self._forget(name)
            self._modules[name] = _named(value, name)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__} as parameter '{name}' of "
                    f"{type(self).__name__} (nn.Parameter or None expected); "
                    f"to change its values assign to .data"
                )
            params[name] = None
        elif params is not None and name in self._modules:
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__} as submodule '{name}' of "
                    f"{type(self).__name__} (nn.Module or None expected)"
                )
            self._modules[name] = None
        elif params is not None and name in self._buffers:
            if value is not None and not isinstance(value, mg.Tensor):
                raise TypeError(
                    f"cannot assign {type(value).__name__} as buffer '{name}' of "
                    f"{type(self).__name__} (Tensor or None expected)"
                )
            self._buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def _forget(self, name: str) -> None:
        self.__dict__.pop(name, None)
        for registry in (self._parameters, self._buffers, self._modules):
            registry.pop(name, None)

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails: look in the registries.
        registries = self.__dict__
        for key in ("_parameters", "_buffers", "_modules"):
            registry = registries.get(key)
            if registry is not None and name in registry:
                return registry[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for registry in (self._parameters, self._buffers, self._modules):
            if name in registry:
                del registry[name]
                return
        object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register `param` under `name`, as PyTorch's `register_parameter`.

        Attribute assignment does the same for a Parameter; this form also takes None,
        which reserves the slot (a layer built with `bias=False` has `bias = None`).

        Args:
            name: the attribute name.
            param: an `nn.Parameter` or None.

        Raises:
            TypeError: `param` is neither a Parameter nor None.

        Examples:
            >>> m = nn.Module()
            >>> m.register_parameter("bias", None)
            >>> m.bias is None, m.parameters()
            (True, [])
        """
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter('{name}') expects an nn.Parameter or None, got {type(param).__name__}")
        self._forget(name)
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: mg.Tensor | None) -> None:
        """Register a non-trainable Tensor that `to()` moves and `state_dict()` saves.

        As PyTorch's `register_buffer` (always persistent here): BatchNorm's running
        statistics are buffers. Buffers are not in `parameters()`, so no optimizer sees them.

        Args:
            name: the attribute name.
            tensor: a Tensor, or None to reserve the name.

        Raises:
            TypeError: `tensor` is neither a Tensor nor None.

        Examples:
            >>> m = nn.Module()
            >>> m.register_buffer("count", mg.zeros(1))
            >>> list(m.state_dict()), m.parameters()
            (['count'], [])
        """
        if tensor is not None and not isinstance(tensor, mg.Tensor):
            raise TypeError(f"register_buffer('{name}') expects a Tensor or None, got {type(tensor).__name__}")
        self._forget(name)
        self._buffers[name] = tensor

    def add_module(self, name: str, module: Module | None) -> None:
        """Register `module` under `name`, as PyTorch's `add_module`.

        Unlike attribute assignment the name may be any string, e.g. `'0'`, which is how
        `Sequential` and `ModuleList` number their children.

        Args:
            name: the child's name in dotted parameter paths.
            module: an `nn.Module`, or None to reserve the name.

        Raises:
            TypeError: `module` is neither a Module nor None.

        Examples:
            >>> m = nn.Module()
            >>> m.add_module("0", nn.Linear(2, 3))
            >>> [name for name, _ in m.named_parameters()]
            ['0.weight', '0.bias']
        """
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module('{name}') expects an nn.Module or None, got {type(module).__name__}")
        self._forget(name)
        self._modules[name] = _named(module, name)

    # ------------------------------------------------------------------ traversal

    def named_parameters(self, prefix: str = "", recurse: bool = True) -> list[tuple[str, Parameter]]:
        """(dotted name, Parameter) pairs in definition order, as PyTorch's.

        A Parameter shared by two submodules (tied weights) is listed once, under its
        first name. The names are those of `state_dict()`, `nn.save` and `mg.draw_graph`.

        Args:
            prefix: a string put before every name (with a dot).
            recurse: False lists only this module's own parameters.

        Returns:
            A list (not a generator, so `len()` works) of `(name, Parameter)` pairs.

        Examples:
            >>> model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
            >>> [(name, p.shape) for name, p in model.named_parameters()]
            [('0.weight', (3, 2)), ('0.bias', (3,)), ('2.weight', (1, 3)), ('2.bias', (1,))]
        """
        modules = self.named_modules(prefix) if recurse else [(prefix, self)]
        seen: set[int] = set()
        result = []
        for module_prefix, module in modules:
            for name, param in module._parameters.items():
                if param is None or id(param) in seen:
                    continue
                seen.add(id(param))
                result.append((_join(module_prefix, name), param))
        return result

    def parameters(self, recurse: bool = True) -> list[Parameter]:
        """Every Parameter, in definition order, each once: what an optimizer is given.

        As PyTorch's `parameters()`, but a list rather than a generator, so `len()` works
        as in micrograd.

        Args:
            recurse: False lists only this module's own parameters.

        Returns:
            A list of Parameters.

        Examples:
            >>> model = nn.Linear(2, 3)
            >>> len(model.parameters()), sum(p.size for p in model.parameters())
            (2, 9)
        """
        return [param for _, param in self.named_parameters(recurse=recurse)]

    def named_buffers(self, prefix: str = "", recurse: bool = True) -> list[tuple[str, mg.Tensor]]:
        """(dotted name, buffer) pairs in definition order, as PyTorch's.

        Args:
            prefix: a string put before every name (with a dot).
            recurse: False lists only this module's own buffers.

        Returns:
            A list of `(name, Tensor)` pairs; reserved (None) buffers are left out.

        Examples:
            >>> [name for name, _ in nn.BatchNorm1d(3).named_buffers()]
            ['running_mean', 'running_var', 'num_batches_tracked']
        """
        modules = self.named_modules(prefix) if recurse else [(prefix, self)]
        return [
            (_join(module_prefix, name), buffer)
            for module_prefix, module in modules
            for name, buffer in module._buffers.items()
            if buffer is not None
        ]

    def buffers(self, recurse: bool = True) -> list[mg.Tensor]:
        """Every buffer (non-trainable saved Tensor), in definition order.

        Args:
            recurse: False lists only this module's own buffers.

        Returns:
            A list of Tensors, as `named_buffers()` without the names.

        Examples:
            >>> [b.shape for b in nn.BatchNorm1d(3).buffers()]
            [(3,), (3,), ()]
        """
        return [buffer for _, buffer in self.named_buffers(recurse=recurse)]

    def named_children(self) -> list[tuple[str, Module]]:
        """The direct submodules with their attribute names, in definition order.

        Returns:
            A list of `(name, Module)` pairs; reserved (None) slots are left out.

        Examples:
            >>> model = nn.Sequential(nn.Linear(2, 3), nn.Tanh())
            >>> model.named_children()
            [('0', Linear(in_features=2, out_features=3, bias=True)), ('1', Tanh())]
        """
        return [(name, module) for name, module in self._modules.items() if module is not None]

    def children(self) -> list[Module]:
        """The direct submodules, in definition order.

        Returns:
            A list of Modules, as `named_children()` without the names.

        Examples:
            >>> nn.Sequential(nn.Linear(2, 3), nn.Tanh()).children()
            [Linear(in_features=2, out_features=3, bias=True), Tanh()]
        """
        return [module for _, module in self.named_children()]

    def named_modules(self, prefix: str = "") -> list[tuple[str, Module]]:
        """This module and every descendant, depth first, each once; `('', self)` comes first.

        As PyTorch's. The walk is iterative, so very deep trees cannot hit Python's
        recursion limit.

        Args:
            prefix: the name given to this module (and put before every other name).

        Returns:
            A list of `(dotted name, Module)` pairs.

        Examples:
            >>> model = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.Tanh()))
            >>> [name for name, _ in model.named_modules()]
            ['', '0', '1', '1.0']
        """
        result: list[tuple[str, Module]] = []
        seen: set[int] = set()
        stack: list[tuple[str, Module]] = [(prefix, self)]
        while stack:  # iterative, so very deep trees cannot hit the recursion limit
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            result.append((name, module))
            kids = [(_join(name, key), child) for key, child in module.named_children()]
            stack.extend(reversed(kids))
        return result

    def modules(self) -> list[Module]:
        """This module and every descendant, depth first, each once.

        Returns:
            A list of Modules, as `named_modules()` without the names.

        Examples:
            >>> [type(m).__name__ for m in nn.Sequential(nn.Linear(2, 3), nn.Tanh()).modules()]
            ['Sequential', 'Linear', 'Tanh']
        """
        return [module for _, module in self.named_modules()]

    # ------------------------------------------------------------------ training state

    def zero_grad(self) -> None:
        """Forget every parameter's gradient (`.grad = None`), as micrograd's `zero_grad`.

        PyTorch's default (`set_to_none=True`) does the same; the next backward then stores
        a fresh gradient instead of adding into an old one.

        Examples:
            >>> model = nn.Linear(2, 1)
            >>> model(mg.ones(1, 2)).sum().backward()
            >>> model.weight.grad is None
            False
            >>> model.zero_grad()
            >>> model.weight.grad is None
            True
        """
        for param in self.parameters():
            param.grad = None

    def train(self, mode: bool = True) -> Module:
        """Put this module and all its descendants in training mode; returns self.

        As PyTorch's: Dropout drops and BatchNorm uses (and updates) batch statistics.

        Args:
            mode: False is the same as `eval()`.

        Returns:
            This module, so `model.train()` can be chained.

        Examples:
            >>> model = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5))
            >>> model.train(False)[1].training
            False
            >>> model.train()[1].training
            True
        """
        for module in self.modules():
            object.__setattr__(module, "training", bool(mode))
        return self

    def eval(self) -> Module:
        """Evaluation mode for this module and its descendants; returns self.

        Dropout becomes the identity and BatchNorm uses its running statistics, as
        PyTorch's `eval()`. It does not turn off gradient recording: use `mg.no_grad()`.

        Returns:
            This module.

        Examples:
            >>> drop = nn.Dropout(0.5).eval()
            >>> drop.training, drop(mg.ones(3)).tolist()
            (False, [1.0, 1.0, 1.0])
        """
        return self.train(False)

    def to(self, backend: str) -> Module:
        """Move every parameter, gradient and buffer to `backend` in place; returns self.

        The Parameter objects stay the same, so an optimizer built before the move keeps
        working (its state moves on its next step). PyTorch's device names work too:
        "cpu" is "numpy", "cuda" is "cupy". Unlike PyTorch it takes no dtype.

        Args:
            backend: "numpy", "cupy", "cpu" or "cuda".

        Returns:
            This module.

        Raises:
            ValueError: an unknown backend name.
            mg.BackendUnavailableError: CuPy is not installed (for "cupy"/"cuda"); a RuntimeError.

        Examples:
            >>> model = nn.Linear(2, 1).to("cpu")
            >>> model.weight.backend
            'numpy'
        """
        backend = mg.get_backend_name(backend)
        with mg.no_grad():
            for tensor in self.parameters() + self.buffers():
                tensor.data = tensor.detach().to(backend).data
                if tensor.grad is not None:
                    tensor.grad = _move_array(tensor.grad, backend)
        return self

    # ------------------------------------------------------------------ state

    def _state_items(self) -> list[tuple[str, mg.Tensor]]:
        """Every (dotted name, tensor) to save, as PyTorch orders them: each module's
        parameters, then its buffers, then its children. A shared tensor appears
        under each of its names, so checkpoints of tied weights load either way."""
        items = []
        stack: list[tuple[str, Module]] = [("", self)]
        while stack:
            prefix, module = stack.pop()
            items += [(_join(prefix, name), p) for name, p in module._parameters.items() if p is not None]
            items += [(_join(prefix, name), b) for name, b in module._buffers.items() if b is not None]
            stack.extend(reversed([(_join(prefix, name), child) for name, child in module.named_children()]))
        return items

    def state_dict(self) -> OrderedDict:
        """Dotted name -> detached Tensor for every parameter and buffer, PyTorch's order.

        Each module's parameters come first, then its buffers, then its children. The
        Tensors share data with the module (no copy); a tensor shared by two submodules
        appears under each of its names, so checkpoints of tied weights load either way.
        `nn.save(model.state_dict(), path)` writes it as safetensors.

        Returns:
            An `OrderedDict` of name -> Tensor.

        Examples:
            >>> sd = nn.Linear(2, 3).state_dict()
            >>> [(name, t.shape) for name, t in sd.items()]
            [('weight', (3, 2)), ('bias', (3,))]
        """
        return OrderedDict((name, tensor.detach()) for name, tensor in self._state_items())

    def load_state_dict(self, state_dict: Mapping, strict: bool = True) -> IncompatibleKeys:
        """Copy `state_dict` into this module's existing Parameters and buffers.

        Everything is checked before anything changes: missing keys, unexpected keys
        (both only when `strict`), wrong shapes and values of a dtype that cannot be cast
        to the parameter's (strings, complex into real, floating into integer) are all
        listed by name in one `RuntimeError`, and a failed load leaves the module
        untouched. Values (Tensors or arrays) are cast to each parameter's dtype, moved to
        its backend and copied, so later training never writes into the caller's arrays.
        As PyTorch's, except that PyTorch would also truncate floats into integer buffers.

        Args:
            state_dict: a mapping name -> Tensor or array (from `state_dict()` or `nn.load`).
            strict: False skips missing and unexpected keys instead of raising.

        Returns:
            `IncompatibleKeys(missing_keys, unexpected_keys)`: what a non-strict load skipped.

        Raises:
            TypeError: `state_dict` is not a mapping.
            RuntimeError: any problem listed above; nothing was changed.

        Examples:
            >>> a, b = nn.Linear(2, 1), nn.Linear(2, 1)
            >>> b.load_state_dict(a.state_dict())
            IncompatibleKeys(missing_keys=[], unexpected_keys=[])
            >>> bool((a.weight == b.weight).all())
            True
            >>> b.load_state_dict({"weight": mg.zeros(1, 3)})
            Traceback (most recent call last):
            ...
            RuntimeError: Error(s) in loading state_dict for Linear (nothing was changed):
              missing keys: bias
              wrong shapes: weight: checkpoint (1, 3), model (1, 2)
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(
                f"{type(self).__name__}.load_state_dict expects a mapping name -> Tensor (from "
                f"state_dict() or nn.load), got {type(state_dict).__name__}")
        own = OrderedDict(self._state_items())
        missing = [name for name in own if name not in state_dict]
        unexpected = [repr(name) if not isinstance(name, str) else name for name in state_dict if name not in own]
        wrong_shape, wrong_dtype, staged = [], [], []
        for name, target in own.items():
            if name not in state_dict:
                continue
            value = _as_state_tensor(state_dict[name])
            if value is None or not _castable(value.dtype, target.dtype):
                raw = state_dict[name]
                seen = str(value.dtype if value is not None else getattr(raw, "dtype", type(raw).__name__))
                wrong_dtype.append(f"{name}: checkpoint {seen}, model {target.dtype}")
            elif tuple(value.shape) != tuple(target.shape):
                wrong_shape.append(f"{name}: checkpoint {tuple(value.shape)}, model {tuple(target.shape)}")
            else:
                staged.append((target, value))
        problems = []
        if strict and missing:
            problems.append("missing keys: " + ", ".join(missing))
        if strict and unexpected:
            hint = ""
            if not staged and any(isinstance(v, Mapping) for v in state_dict.values()):
                hint = " (a nested checkpoint? pass the model's part, e.g. checkpoint['model'])"
            problems.append("unexpected keys: " + ", ".join(unexpected) + hint)
        if wrong_shape:
            problems.append("wrong shapes: " + "; ".join(wrong_shape))
        if wrong_dtype:
            problems.append("wrong dtypes (cannot be cast): " + "; ".join(wrong_dtype))
        if problems:
            raise RuntimeError(
                f"Error(s) in loading state_dict for {type(self).__name__} (nothing was changed):\n  "
                + "\n  ".join(problems)
            )
        with mg.no_grad():
            # Convert everything first, so a failure (out of memory) still changes nothing;
            # fresh arrays: later in-place optimizer steps must not write into the caller's data.
            arrays = [fresh_copy(value.to(target.backend).astype(target.dtype).data) for target, value in staged]
            for (target, _), array in zip(staged, arrays):
                target.data = array
        return IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------------ calling and printing

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation of this module; subclasses define it. Call the module, not this.

        `module(x)` calls `forward(x)` inside the module's graph scope, as PyTorch's
        `__call__` does with hooks.

        Args:
            *args: whatever the subclass's computation takes.
        **kwargs: its keyword arguments.

        Returns:
            Whatever the subclass's computation returns.

        Raises:
            NotImplementedError: the subclass defined no `forward`.

        Examples:
            >>> nn.Module()(1.0)
            Traceback (most recent call last):
            ...
            NotImplementedError: Module must define forward()
        """
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # Ops inside are tagged with the module's attribute name (nested calls build the
        # path, "encoder.rnn"), so mg.draw_graph(..., group="module") can cluster them.
        name = self.__dict__.get("_scope_name")
        if name is None:
            return self.forward(*args, **kwargs)
        with mg.module_scope(name):
            return self.forward(*args, **kwargs)

    def _call_scope(self):
        """The scope `__call__` runs forward in (for a parent that runs part of a child's
        forward itself, as nn.Bidirectional does)."""
        name = self.__dict__.get("_scope_name")
        return contextlib.nullcontext() if name is None else mg.module_scope(name)

    def extra_repr(self) -> str:
        """The text inside this module's parentheses in its `repr`; override to show settings.

        By default it lists this module's own parameter and buffer shapes, as in
        `Affine(scale=(1,), shift=(1,))`; layers override it with their constructor
        arguments, as PyTorch's.

        Returns:
            A string (empty when there is nothing to show).

        Examples:
            >>> m = nn.Module()
            >>> m.w = nn.Parameter(mg.zeros(2, 3))
            >>> m.extra_repr()
            'w=(2, 3)'
        """
        parts = [f"{name}={tuple(param.shape)}" for name, param in self._parameters.items() if param is not None]
        parts += [f"{name}={tuple(buf.shape)} buffer" for name, buf in self._buffers.items() if buf is not None]
        return ", ".join(parts)

    def __repr__(self) -> str:
        extra = self.extra_repr()
        children = [f"({name}): {child!r}" for name, child in self.named_children()]
        if not children:
            return f"{type(self).__name__}({extra})"
        lines = ([extra] if extra else []) + children
        body = "\n".join(lines).replace("\n", "\n  ")
        return f"{type(self).__name__}(\n  {body}\n)"


class _ModuleSequence(Module):
    """What Sequential and ModuleList share: numbered children, len, iteration, indexing."""

    def append(self, module: Module):
        """Add `module` at the end, named by its position (`'0'`, `'1'`, ...); returns self.

        Args:
            module: an `nn.Module`.

        Returns:
            container (Module): this container, for chaining.

        Raises:
            TypeError: `module` is not a Module.

        Examples:
            >>> layers = nn.ModuleList().append(nn.Linear(2, 2)).append(nn.Tanh())
            >>> len(layers), [name for name, _ in layers.named_children()]
            (2, ['0', '1'])
        """
        name = f"{type(self).__name__}.append"
        self.add_module(str(len(self._modules)), _check_module(module, name))
        return self

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __getitem__(self, index: int | slice) -> Any:
        modules = list(self._modules.values())
        if isinstance(index, slice):
            return self._from_modules(modules[index])
        return modules[index]


class Sequential(_ModuleSequence):
    """Modules applied one after another, as `torch.nn.Sequential`.

    Children are named `'0'`, `'1'`, ... (so parameter names are `'0.weight'`, as in
    PyTorch); one dict argument (name -> module) chooses the names instead. Indexing
    with an int gives a child, with a slice a new Sequential of the same children.

    Args:
        *modules: the modules in order, or one dict name -> module.

    Raises:
        TypeError: an argument is not a Module.

    Examples:
        >>> mg.manual_seed(0)
        >>> model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))
        >>> model(mg.ones(4, 2)).shape
        (4, 1)
        >>> model[:2]
        Sequential(
          (0): Linear(in_features=2, out_features=8, bias=True)
          (1): Tanh()
        )
    """

    def __init__(self, *modules: Module | dict):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], dict):
            for name, module in modules[0].items():
                self.add_module(str(name), _check_module(module, f"Sequential['{name}']"))
        else:
            for index, module in enumerate(modules):
                self.add_module(str(index), _check_module(module, f"Sequential argument {index}"))

    @staticmethod
    def _from_modules(modules: list) -> Sequential:
        return Sequential(*modules)

    def forward(self, x: Any) -> Any:
        """Feed `x` through each child in order and return the last one's output.

        Args:
            x: the first module's input.

        Returns:
            The last module's output (`x` itself when the Sequential is empty).

        Examples:
            >>> nn.Sequential(nn.ReLU(), nn.Tanh())(mg.tensor([-1.0, 0.5])).numpy().round(4)
            array([0.    , 0.4621], dtype=float32)
        """
        for module in self._modules.values():
            x = module(x)
        return x


class ModuleList(_ModuleSequence):
    """A list of Modules whose parameters are registered as `'0'`, `'1'`, ...

    As `torch.nn.ModuleList`: use it (or assign a plain list of modules, which becomes
    one) for a variable number of layers. Unlike Sequential it has no forward of its
    own: iterate over it and call each module.

    Args:
        modules: an iterable of Modules to start with.

    Raises:
        TypeError: an item is not a Module.

    Examples:
        >>> layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
        >>> len(layers), len(layers.parameters())
        (3, 6)
        >>> x = mg.ones(1, 2)
        >>> for layer in layers:
        ...     x = layer(x).tanh()
        >>> x.shape
        (1, 2)
    """

    def __init__(self, modules: Iterable[Module] | None = None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    @staticmethod
    def _from_modules(modules: list) -> ModuleList:
        return ModuleList(modules)

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        """Append each module of `modules` in order; returns self.

        Args:
            modules: an iterable of Modules.

        Returns:
            This ModuleList.

        Raises:
            TypeError: an item is not a Module (the ones before it were appended).

        Examples:
            >>> len(nn.ModuleList().extend([nn.Tanh(), nn.ReLU()]))
            2
        """
        for module in modules:
            self.append(module)
        return self

    def __setitem__(self, index: int, module: Module) -> None:
        name = list(self._modules)[index]
        self._modules[name] = _named(_check_module(module, f"ModuleList[{index}]"), name)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Always raises: a ModuleList has no forward; iterate over it and call each module.

        Args:
            *args: ignored.
        **kwargs: ignored.

        Returns:
            Never returns.

        Raises:
            NotImplementedError: always.

        Examples:
            >>> nn.ModuleList([nn.Tanh()])(mg.ones(1))
            Traceback (most recent call last):
            ...
            NotImplementedError: ModuleList has no forward(); iterate over it and call each module
        """
        raise NotImplementedError("ModuleList has no forward(); iterate over it and call each module")


def _named(module: Module | None, name: str) -> Module | None:
    """Remember the first attribute name a module is registered under (its graph scope)."""
    if module is not None:
        module.__dict__.setdefault("_scope_name", name)
    return module


def _check_module(module: Any, where: str) -> Module:
    if not isinstance(module, Module):
        raise TypeError(f"{where}: expected an nn.Module, got {type(module).__name__}")
    return module
