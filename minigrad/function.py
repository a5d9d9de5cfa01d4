"""`Function`: one differentiable op, and one node of the recorded graph.

An op is a subclass with a static `forward(ctx, *arrays, **kwargs)` computing on
backend arrays and a static `backward(ctx, *grads)` returning one gradient per
input. `Op.apply(*tensors)` runs forward and, when a gradient may be needed,
keeps `ctx` as the graph node: it holds its input tensors strongly and its
outputs only by weak reference (DeZero/Chainer), so a graph is freed by
reference counting alone, with no cycle for the garbage collector to find.

User-defined Functions are first order: `backward` receives and returns arrays.
The built-in ops set `differentiable_backward = True`: their `backward` receives
Tensors and is written with Tensor ops, so running it with grad mode on records
the graph of the gradient itself (`mg.grad(..., create_graph=True)`).
"""
from __future__ import annotations

import weakref

from .backend import _BY_ARRAY_TYPE as _ARRAY_TYPES
from .backend import BackendMismatchError, backend_of_array, dtype_of_python_scalar
from .modes import _anomaly, _grad_enabled, _scope


class Function:
    """Base class of every op. Subclass it to write a custom op (see module doc)."""

    differentiable_backward = False

    # -- what a ctx offers to forward/backward -----------------------------------
    def save_for_backward(self, *arrays) -> None:
        """Keep arrays (or tensors) for backward; read them as `ctx.saved_arrays`."""
        self._saved = arrays

    @property
    def saved_arrays(self) -> tuple:
        if self._freed:
            raise _freed_graph_error(self)
        return self._saved

    saved_tensors = saved_arrays

    def output(self, index: int = 0):
        """The Tensor this node produced (rebuilt from its array if the user dropped it)."""
        tensor = self._outputs[index]()
        if tensor is None:
            from .tensor import Tensor

            tensor = Tensor._make(self._output_data[index], True, self, index)
        return tensor

    @property
    def op_name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<{self.op_name} node>"

    # -- running an op ------------------------------------------------------------
    @classmethod
    def apply(cls, *inputs, **kwargs):
        """Run the op on tensors (Python scalars and same-backend arrays are lifted)."""
        from .tensor import Tensor

        tensors = _as_tensors(cls, inputs, Tensor)
        ctx = cls.__new__(cls)
        ctx.inputs = tensors
        ctx._freed = False
        arrays = [t.data for t in tensors]
        ctx.xp = _backend_of(cls, tensors).xp
        try:
            raw = cls.forward(ctx, *arrays, **kwargs)
        except (ValueError, TypeError, IndexError) as exc:
            raise _explain(cls, tensors, exc) from exc

        multiple = isinstance(raw, tuple)
        raws = raw if multiple else (raw,)
        raws = tuple(r if type(r) in _ARRAY_TYPES else ctx.xp.asarray(r) for r in raws)
        if _anomaly.get():
            _check_finite(cls.__name__, "forward", raws)

        needs_grad = False
        if _grad_enabled.get():
            for t in tensors:
                if t._requires_grad:
                    needs_grad = True
                    break
        if not needs_grad:
            outputs = tuple(Tensor._make(r, False, None, 0) for r in raws)
            return outputs if multiple else outputs[0]

        outputs = tuple(Tensor._make(r, True, ctx, i) for i, r in enumerate(raws))
        ctx._outputs = tuple(weakref.ref(o) for o in outputs)
        ctx._output_data = raws
        ctx._versions = tuple(t._version for t in tensors)
        ctx._scope = _scope.get()
        ctx._hooks = None
        ctx._retained = None
        return outputs if multiple else outputs[0]

    # -- bookkeeping used by the backward engine ----------------------------------
    @property
    def output_meta(self) -> tuple:
        """(shape, dtype) of each output; kept after the graph's arrays are freed."""
        if self._output_data is not None:
            return tuple((a.shape, a.dtype) for a in self._output_data)
        return self._meta

    def _release(self) -> None:
        """Free what backward needed; the graph's shape stays for rendering."""
        if self._output_data is not None:
            self._meta = self.output_meta
        self._freed = True
        self._saved = ()
        self._output_data = None

    @staticmethod
    def forward(ctx, *arrays, **kwargs):  # pragma: no cover - abstract
        raise NotImplementedError

    @staticmethod
    def backward(ctx, *grads):  # pragma: no cover - abstract
        raise NotImplementedError


Function._saved = ()


def _backend_of(cls, tensors):
    backend = None
    for t in tensors:
        b = backend_of_array(t.data)
        if backend is None:
            backend = b
        elif b is not backend:
            raise BackendMismatchError(
                f"{cls.__name__}: operands live on different backends ({backend.name} and "
                f"{b.name}); move one with .to({backend.name!r}) or .to({b.name!r})"
            )
    if backend is None:
        from .backend import get_backend

        backend = get_backend()
    return backend


def _as_tensors(cls, inputs, Tensor) -> tuple:
    """Inputs as Tensors: Python scalars take the dtype and backend of a tensor operand."""
    if all(type(x) is Tensor or isinstance(x, Tensor) for x in inputs):
        return inputs
    reference = next((x for x in inputs if isinstance(x, Tensor)), None)
    backend = backend_of_array(reference.data) if reference is not None else None
    partner_dtype = reference.data.dtype if reference is not None else None
    lifted = []
    for x in inputs:
        if isinstance(x, Tensor):
            lifted.append(x)
        elif isinstance(x, (bool, int, float)):
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
    except Exception:  # an exception type with an unusual constructor
        return exc


def _check_finite(op_name: str, phase: str, arrays) -> None:
    for array in arrays:
        if array is None or array.dtype.kind not in "fc":
            continue
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
