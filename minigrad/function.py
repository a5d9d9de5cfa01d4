"""`Function`: one differentiable op, and one node of the recorded graph.

An op is a subclass with a static `forward(ctx, *arrays, **kwargs)` computing on
backend arrays and a static `backward(ctx, *grads)` returning one gradient per
input. `Op.apply(*tensors)` runs forward and, when a gradient may be needed,
keeps `ctx` as the graph node: it holds its input tensors strongly and its
outputs only by weak reference (DeZero/Chainer), so a graph is freed by
reference counting alone, with no cycle for the garbage collector to find.

User-defined Functions are first order: `backward` receives and returns arrays.
The built-in ops set `differentiable_backward = True`: their `backward` is written
once, on values that are arrays for a first-order `backward()` (a few array
operations per node) and Tensors when `mg.grad(..., create_graph=True)` records
the graph of the gradient itself (see `minigrad.ops.base.Op`).
"""
from __future__ import annotations

import weakref

import numpy as _numpy
from numpy import asarray as _asarray

from .backend import _BY_ARRAY_TYPE as _ARRAY_TYPES
from .backend import (
    BackendMismatchError,
    backend_of_array,
    dtype_of_python_scalar,
    get_backend,
)
from .modes import _anomaly, _grad_enabled
from .scopes import _scope
from .sparse import RowSparseGrad


class Function:
    """Base class of every op, and of each node of the recorded graph.

    Subclass it with a static `forward(ctx, *arrays)` computing on backend arrays and a
    static `backward(ctx, *grads)` returning one gradient array per input, then call
    `YourOp.apply(*tensors)`. `ctx` is the node: `ctx.save_for_backward(...)` keeps what
    backward needs, `ctx.xp` is the array module. As PyTorch's `torch.autograd.Function`
    (same `apply`/`save_for_backward`/`saved_tensors` names), except that forward and
    backward see backend arrays rather than Tensors, and user Functions are first order.

    Examples:
        >>> class Cube(mg.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         ctx.save_for_backward(x)
        ...         return x ** 3
        ...     @staticmethod
        ...     def backward(ctx, g):
        ...         (x,) = ctx.saved_arrays
        ...         return 3 * x ** 2 * g
        >>> x = mg.tensor([2.0], requires_grad=True)
        >>> y = Cube.apply(x)
        >>> y, y.grad_fn
        (tensor([8.], grad_fn=<Cube>), <Cube node>)
        >>> y.backward()
        >>> x.grad
        array([12.], dtype=float32)
    """

    differentiable_backward = False

    # -- what a ctx offers to forward/backward -----------------------------------
    def save_for_backward(self, *arrays) -> None:
        """Keep arrays (or tensors) for backward; read them as `ctx.saved_arrays`.

        Args:
            *arrays: the arrays (or tensors) backward needs.

        Examples:
            >>> class Cube(mg.Function):
            ...     @staticmethod
            ...     def forward(ctx, x):
            ...         ctx.save_for_backward(x)
            ...         return x ** 3
            ...     @staticmethod
            ...     def backward(ctx, g):
            ...         (x,) = ctx.saved_arrays
            ...         return 3 * x ** 2 * g
            >>> x = mg.tensor([2.0], requires_grad=True)
            >>> Cube.apply(x).grad_fn.saved_arrays
            (array([2.], dtype=float32),)
        """
        self._saved = arrays

    @property
    def saved_arrays(self) -> tuple:
        """What `save_for_backward` kept, a tuple (PyTorch's `saved_tensors`, an alias here).

        Raises:
            RuntimeError: after backward freed the graph (pass `retain_graph=True` to keep it).

        Examples:
            >>> class Cube(mg.Function):
            ...     @staticmethod
            ...     def forward(ctx, x):
            ...         ctx.save_for_backward(x)
            ...         return x ** 3
            ...     @staticmethod
            ...     def backward(ctx, g):
            ...         (x,) = ctx.saved_arrays
            ...         return 3 * x ** 2 * g
            >>> y = Cube.apply(mg.tensor([2.0], requires_grad=True))
            >>> y.grad_fn.saved_arrays
            (array([2.], dtype=float32),)
            >>> y.backward()
            >>> y.grad_fn.saved_arrays
            Traceback (most recent call last):
                ...
            RuntimeError: trying to backpropagate through the graph a second time (at...
        """
        if self._freed:
            raise _freed_graph_error(self)
        return self._saved

    saved_tensors = saved_arrays

    def output(self, index: int = 0):
        """The Tensor this node produced (rebuilt from its array if the user dropped it).

        Args:
            index: which output, for ops with several.

        Returns:
            Tensor: that output.

        Examples:
            >>> y = mg.tensor([1.0], requires_grad=True) * 2
            >>> y.grad_fn.output() is y
            True
        """
        tensor = self._outputs[index]()
        if tensor is None:
            tensor = Tensor._make(self._output_data[index], True, self, index)
            if self._output_versions is not None:
                tensor._version = self._output_versions[index]
        return tensor

    @property
    def op_name(self) -> str:
        """The op's name as pictures and error messages show it: the class name.

        Examples:
            >>> (mg.tensor([1.0], requires_grad=True) * 2).grad_fn.op_name
            'Mul'
        """
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<{self.op_name} node>"

    # -- running an op ------------------------------------------------------------
    @classmethod
    def apply(cls, *inputs, **kwargs):
        """Run the op on tensors (Python scalars and same-backend arrays are lifted).

        Records the graph node only when an input requires grad and grad mode is on.

        Args:
            *inputs: the op's inputs: Tensors, Python numbers, or arrays of the tensors'
                backend.
            **kwargs: non-differentiable options, passed to forward.

        Returns:
            Tensor or tuple[Tensor, ...]: one tensor per array forward returned.

        Raises:
            BackendMismatchError: for inputs on different backends.
            ValueError: (or the TypeError/IndexError forward raised) with the op and shapes
                named.

        Examples:
            >>> class Cube(mg.Function):
            ...     @staticmethod
            ...     def forward(ctx, x):
            ...         ctx.save_for_backward(x)
            ...         return x ** 3
            ...     @staticmethod
            ...     def backward(ctx, g):
            ...         (x,) = ctx.saved_arrays
            ...         return 3 * x ** 2 * g
            >>> Cube.apply(mg.tensor([1.0, 2.0]))
            tensor([1., 8.])
            >>> Cube.apply(3.0)
            tensor(27.)
        """
        # This is the hot path of every op: plain loops, no per-op validation beyond
        # what a clear error needs, and no Python call that can be inlined.
        arrays = []
        requires_grad = False
        versions = 0  # the inputs' versions summed: counters only grow, so any write shows
        array_type = None
        for t in inputs:
            if type(t) is not Tensor and not isinstance(t, Tensor):  # a number, an array
                return cls.apply(*_as_tensors(cls, inputs, Tensor), **kwargs)
            data = t._data
            arrays.append(data)
            if t._requires_grad:
                requires_grad = True
            versions += t._version[0]
            if type(data) is not array_type:
                if array_type is None:
                    array_type = type(data)
                else:
                    _backend_of(cls, inputs)  # raises if they truly live on two backends
        backend = _ARRAY_TYPES.get(array_type) or get_backend()
        ctx = object.__new__(cls)
        ctx.inputs = inputs
        xp = ctx.xp = backend.xp
        try:
            raw = cls.forward(ctx, *arrays, **kwargs) if kwargs else cls.forward(ctx, *arrays)
        except (ValueError, TypeError, IndexError) as exc:
            raise _explain(cls, inputs, exc) from exc

        view = cls.storage_view
        if view and view is not True:
            view = view(kwargs)
        if type(raw) is not tuple:  # one output, the common case: no list, no loop
            if type(raw) not in _ARRAY_TYPES:
                raw = xp.asarray(raw)  # (NumPy makes a 0-d result a scalar)
            raws = (raw,)
            if _anomaly.get():
                _check_finite(cls.__name__, "forward", raws)
            if not (requires_grad and _grad_enabled.get()):
                out = _make(raw, False, None, 0)
                if view:
                    out._version = inputs[0]._version
                return out
            ctx._output_data = raws
            if versions:  # the common case, all versions 0, is implied by None
                ctx._versions = versions
            ctx._scope = _scope.get()
            # Tensor._make, inlined (one call less per output; tests/test_function_fast.py
            # checks that both set the same attributes)
            out = object.__new__(Tensor)
            out._data = raw
            out._grad = None
            out._requires_grad = True
            out._creator = ctx
            out._output_index = 0
            out._version = inputs[0]._version if view else [0]  # a view: one counter
            out._hooks = None
            out._post_accumulate_hooks = None
            out.name = None
            ctx._outputs = (weakref.ref(out),)
            if not view and (cls.saves_output or (cls.saves_output is None and ctx._saved
                                                  and _saves_an_output(ctx._saved, raws))):
                ctx._output_versions = (out._version,)
            return out

        raws = raw
        for r in raw:
            if type(r) not in _ARRAY_TYPES:
                raws = tuple([r if type(r) in _ARRAY_TYPES else xp.asarray(r) for r in raw])
                break
        if _anomaly.get():
            _check_finite(cls.__name__, "forward", raws)
        if not (requires_grad and _grad_enabled.get()):
            outputs = tuple([_make(r, False, None, 0) for r in raws])
            if view:
                for out in outputs:
                    out._version = inputs[0]._version
            return outputs

        ctx._output_data = raws
        if versions:
            ctx._versions = versions
        ctx._scope = _scope.get()
        outputs = []
        refs = []
        for index, r in enumerate(raws):
            out = object.__new__(Tensor)  # (Tensor._make, inlined as above)
            out._data = r
            out._grad = None
            out._requires_grad = True
            out._creator = ctx
            out._output_index = index
            out._version = inputs[0]._version if view else [0]
            out._hooks = None
            out._post_accumulate_hooks = None
            out.name = None
            outputs.append(out)
            refs.append(weakref.ref(out))
        ctx._outputs = tuple(refs)
        if not view and (cls.saves_output or (cls.saves_output is None and ctx._saved
                                              and _saves_an_output(ctx._saved, raws))):
            ctx._output_versions = tuple([out._version for out in outputs])
        return tuple(outputs)

    # -- bookkeeping used by the backward engine ----------------------------------
    @property
    def output_meta(self) -> tuple:
        """(shape, dtype) of each output; kept after the graph's arrays are freed.

        Examples:
            >>> y = mg.ones(2, 3, requires_grad=True).sum(axis=0)
            >>> y.grad_fn.output_meta
            (((3,), dtype('float32')),)
        """
        if self._output_data is not None:
            return tuple((a.shape, a.dtype) for a in self._output_data)
        return self._meta

    def _release(self) -> None:  # (the backward engine inlines this)
        """Free what backward saved. The outputs' arrays stay: the graph's consumers
        hold them as inputs anyway, and the graph's shapes stay for rendering."""
        self._freed = True
        if self._saved:
            self._saved = ()

    @staticmethod
    def forward(ctx, *arrays, **kwargs):  # pragma: no cover - abstract
        """Compute the op's outputs from backend arrays (written by each subclass).

        Args:
            ctx: the node; keep what backward needs with `ctx.save_for_backward`.
            *arrays: the inputs' arrays.
            **kwargs: the options given to `apply`.

        Returns:
            An array, or a tuple of arrays for several outputs.

        Examples:
            >>> class Double(mg.Function):
            ...     @staticmethod
            ...     def forward(ctx, x):
            ...         return 2 * x
            ...     @staticmethod
            ...     def backward(ctx, g):
            ...         return 2 * g
            >>> Double.forward(None, np.array([1.0, 2.0]))
            array([2., 4.])
            >>> Double.apply(mg.tensor([1.0], requires_grad=True))
            tensor([2.], grad_fn=<Double>)
        """
        raise NotImplementedError

    @staticmethod
    def backward(ctx, *grads):  # pragma: no cover - abstract
        """Compute each input's gradient from the outputs' gradients (written by each subclass).

        Args:
            ctx: the node, with what forward saved.
            *grads: one gradient array per output.

        Returns:
            One gradient array per input (a tuple for several; None for an input without one).

        Examples:
            >>> class Double(mg.Function):
            ...     @staticmethod
            ...     def forward(ctx, x):
            ...         return 2 * x
            ...     @staticmethod
            ...     def backward(ctx, g):
            ...         return 2 * g
            >>> Double.backward(None, np.array([1.0, 1.0]))
            array([2., 2.])
        """
        raise NotImplementedError


# Defaults shared by every node until backward or a hook sets its own.
Function._saved = ()
Function._freed = False
Function._hooks = None
Function._retained = None
Function._scope = ()
Function._roles = None  # output index -> course label (mg.tag), for pictures
Function._versions = None  # the inputs' versions summed at recording time; None: all were 0
Function._output_versions = None  # outputs' counters, kept when backward reads the outputs
# Built-in ops (and the fused recurrent steps) say True: their backward returns a tuple (or
# one array) with one gradient per input, each None or an array of that input's shape,
# dtype and backend, so the engine skips the checks it makes on a user's Function, and may
# keep a fresh gradient they return without a copy. A user's Function stays False.
Function.trusted_backward = False
# Ops whose output shares its input's storage (reshape, transpose, basic indexing) set
# this to True, or to a test on their kwargs: the output shares the input's version counter.
Function.storage_view = False
# Ops whose backward reads their own output (exp, tanh, ...): writing into that output in
# place would make the gradient wrong, so backward checks the output's version too.
# None (a user's Function): find out, by looking for an output among what it saved;
# False: it never does (the built-in ops, which say True where they do).
Function.saves_output = None
# A node that computes many steps at once (nn's fused recurrent layers) gives pictures the
# steps it stands for: `expand(node) -> minigrad.expansion.Expansion` (see that module), and
# `inner_gradients(node)`, after its backward, the gradients of its stand-ins' outputs for
# observers. When its backward is observed, `_observed` is set on the node: for each output,
# whether a gradient reached it (the engine gives zeros for the others).
Function.expand = None
Function.inner_gradients = None
Function._observed = False
# A node apply_0d recorded (scalar code) keeps what its forward took: a binary op's inputs
# as NumPy scalars, which its backward multiplies instead of reading 0-d arrays (tanh's is
# its 0-d input array, unread). None for every other node. (An input changed in place
# since is refused before backward runs.)
Function._scalars = None

Tensor = None  # minigrad.tensor sets these two once Tensor exists (no import cycle)
_make = None


def apply_0d(cls, inputs: tuple, values: tuple, requires_grad: bool, versions: int):
    """`cls.apply(*inputs)` for scalar code, where the caller has checked that every input
    is a Tensor holding a 0-d NumPy array of one floating dtype (float32 or float64), and
    passes what forward takes (their values as NumPy scalars, `array[()]`, or the arrays),
    whether any input requires grad, and their version counters summed (the caller knows
    that a constant it made has neither): see `minigrad.ops.base.scalar_binary`.

    Why: a chain of scalar ops (micrograd's style) pays `apply`'s general work on every op:
    lifting, the backend and version loop, and NumPy on 0-d arrays, which costs several
    times what the same loop costs on NumPy scalars (with the same result dtype and bits).
    Here forward runs on the scalars and the node is recorded as `apply` records it: the
    same attributes (tests/test_scalar_fast.py compares them), grad mode, anomaly mode,
    in-place version checks and scopes included. Only ops without a storage view, with one
    output, and whose forward cannot raise on such values may come this way. The node also
    keeps `values` (`_scalars`): a binary op's backward computes on them, with no check of
    shapes, dtypes or broadcasting, since all inputs were 0-d of one dtype."""
    ctx = object.__new__(cls)
    ctx.inputs = inputs
    ctx.xp = _numpy
    raw = _asarray(cls.forward(ctx, *values))  # (NumPy's scalar result, as a 0-d array)
    if _anomaly.get():
        _check_finite(cls.__name__, "forward", (raw,))
    if not (requires_grad and _grad_enabled.get()):
        return _make(raw, False, None, 0)
    ctx._output_data = (raw,)
    ctx._scalars = values
    if versions:
        ctx._versions = versions
    scope = _scope.get()
    if scope:  # (the class default is the empty scope)
        ctx._scope = scope
    out = object.__new__(Tensor)  # (Tensor._make, inlined as in apply)
    out._data = raw
    out._grad = None
    out._requires_grad = True
    out._creator = ctx
    out._output_index = 0
    out._version = [0]
    out._hooks = None
    out._post_accumulate_hooks = None
    out.name = None
    ctx._outputs = (weakref.ref(out),)
    if cls.saves_output:
        ctx._output_versions = (out._version,)
    return out


def _saves_an_output(saved: tuple, raws: tuple) -> bool:
    """Whether a custom op saved one of its own output arrays for backward."""
    return any(s is r for s in saved for r in raws)


def _backend_of(cls, tensors):
    backend = None
    for t in tensors:
        b = backend_of_array(t._data)
        if backend is None:
            backend = b
        elif b is not backend:
            raise BackendMismatchError(
                f"{cls.__name__}: operands live on different backends ({backend.name} and "
                f"{b.name}); move one with .to({backend.name!r}) or .to({b.name!r})"
            )
    if backend is None:
        backend = get_backend()
    return backend


def _as_tensors(cls, inputs, Tensor) -> tuple:
    """Inputs as Tensors: Python scalars take the dtype and backend of a tensor operand."""
    if all(type(x) is Tensor or isinstance(x, Tensor) for x in inputs):
        return inputs
    reference = next((x for x in inputs if isinstance(x, Tensor)), None)
    backend = backend_of_array(reference._data) if reference is not None else None
    partner_dtype = reference._data.dtype if reference is not None else None
    lifted = []
    for x in inputs:
        if isinstance(x, Tensor):
            lifted.append(x)
        elif isinstance(x, (bool, int, float, complex)):
            dtype = dtype_of_python_scalar(x, partner_dtype)
            lifted.append(Tensor(x, dtype=dtype, backend=backend))
        else:
            owner = backend_of_array(x)
            if owner is None:
                lifted.append(Tensor(x, backend=backend))
            elif backend is not None and owner is not backend:
                raise BackendMismatchError(
                    f"{cls.__name__}: a {owner.name} array was combined with a "
                    f"{backend.name} tensor; wrap it with mg.tensor(..., backend="
                    f"{backend.name!r}) to move it explicitly"
                )
            else:
                lifted.append(Tensor(x))
    return tuple(lifted)


def _describe(tensors) -> str:
    return ", ".join(f"{tuple(t.shape)} {t.dtype} on {t.backend}" for t in tensors)


def _explain(cls, tensors, exc):
    """Re-raise a backend error with the op's name and its operands' shapes."""
    message = f"{cls.__name__}: {exc} (operands: {_describe(tensors)})"
    try:
        return type(exc)(message)
    except TypeError:  # an exception type with an unusual constructor
        return exc


def _check_finite(op_name: str, phase: str, arrays) -> None:
    for array in arrays:
        if array is None or array.dtype.kind not in "fc":
            continue
        if type(array) is RowSparseGrad:  # an embedding's sparse gradient: check its rows
            array = array.values
        xp = backend_of_array(array).xp
        if not xp.isfinite(array).all().item():
            raise FloatingPointError(
                f"detect_anomaly: {op_name} produced NaN or Inf in its {phase} "
                f"(output of shape {tuple(array.shape)})"
            )


def _freed_graph_error(node) -> RuntimeError:
    return RuntimeError(
        f"trying to backpropagate through the graph a second time (at {node.op_name}): "
        "its saved values were freed by the first backward(). Pass retain_graph=True to "
        "the first backward() if you need two. In a recurrent loop, carry the state "
        "across batches detached: `h = h.detach()` (nn.utils.detach_state for LSTM tuples)."
    )
