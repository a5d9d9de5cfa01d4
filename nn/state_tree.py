"""Nested state (dicts, lists, tuples of tensors and numbers) ↔ flat named arrays.

A safetensors file holds only a flat `name -> array` table and a `str -> str`
metadata table. A checkpoint is richer: a model's and an optimizer's state
together, optimizer buffers under integer keys, hyperparameters that are plain
numbers. `flatten` turns such a tree into arrays named by their dotted path (so a
module's `state_dict()` keeps exactly its own keys and loads in PyTorch unchanged)
plus a JSON skeleton recording the containers and the non-tensor values;
`unflatten` rebuilds the tree and refuses a skeleton that does not match the
arrays. Both validate everything before anything is written or returned.
"""
from __future__ import annotations

from typing import Any

import numpy as np  # host-side only: arrays arrive here already copied to the host

import minigrad as mg

MAX_DEPTH = 200
# The dtypes the safetensors format stores and NumPy can hold.
STORABLE = {np.dtype(t) for t in (
    np.bool_, np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32, np.int64, np.uint64,
    np.float16, np.float32, np.float64, np.complex64)}
_RESERVED = "__metadata__"  # the safetensors header's own entry


def _is_array(value: Any) -> bool:
    return isinstance(value, mg.Tensor) or (
        not isinstance(value, np.generic) and hasattr(value, "shape") and hasattr(value, "dtype"))


def _where(path: str) -> str:
    return repr(path) if path else "the top level"


def flatten(state: Any) -> tuple[dict, Any]:
    """A nested state as (arrays by dotted name, JSON-able skeleton), for safetensors.

    A safetensors file holds only a flat name -> array table and str -> str metadata;
    `nn.save` stores the arrays under their dotted paths (so a module's `state_dict()`
    keeps exactly its own keys) and the skeleton, which records the containers and the
    non-tensor values, in the metadata. Arrays are copied to the host.

    Args:
        state: a tree of dicts (str/int keys), lists and tuples holding Tensors,
            arrays, numbers, strings and None.

    Returns:
        `(arrays, skeleton)`: a dict name -> NumPy array and a JSON-able description.

    Raises:
        TypeError: a value that cannot be stored without pickle.
        ValueError: NUL in a key, a container holding itself, or nesting deeper than MAX_DEPTH.

    Examples:
        >>> arrays, skeleton = nn.state_tree.flatten({"w": mg.ones(2), "step": 3})
        >>> list(arrays), skeleton
        (['w'], {'dict': [['w', {'tensor': 'w'}], ['step', {'value': 3}]]})
    """
    arrays: dict[str, np.ndarray] = {}
    active: set[int] = set()  # ids of the containers on the current path (cycle check)

    def encode(value: Any, path: str, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise ValueError(f"nn.save: the state is nested more than {MAX_DEPTH} levels deep at {_where(path)}")
        if isinstance(value, np.generic) and value.dtype.kind in "biuf":
            value = value.item()  # a NumPy scalar hyperparameter comes back as a Python number
        if value is None or isinstance(value, (bool, int, float, str)):
            return {"value": value}
        if _is_array(value) or isinstance(value, np.generic):
            return {"tensor": store(value, path)}
        if not isinstance(value, (list, tuple, dict)):
            raise TypeError(f"nn.save cannot store a {type(value).__name__} (at {_where(path)}); "
                            "store Tensors, arrays, numbers, strings, None, and dicts/lists/tuples of them")
        if id(value) in active:
            raise ValueError(f"nn.save: the state contains itself (a reference cycle at {_where(path)}); "
                             "a checkpoint must be a tree")
        active.add(id(value))
        try:
            if isinstance(value, dict):
                items = []
                for key, item in value.items():
                    if isinstance(key, bool) or not isinstance(key, (str, int)):
                        raise TypeError(f"nn.save: dict keys must be str or int, got {type(key).__name__} "
                                        f"{key!r} at {_where(path)}")
                    if isinstance(key, str) and "\x00" in key:
                        raise ValueError(f"nn.save: key {key!r} at {_where(path)} contains a NUL character, "
                                         "which checkpoint names cannot hold; rename it")
                    items.append([key, encode(item, f"{path}.{key}" if path else str(key), depth + 1)])
                return {"dict": items}
            kind = "list" if isinstance(value, list) else "tuple"
            return {kind: [encode(item, f"{path}.{i}" if path else str(i), depth + 1)
                           for i, item in enumerate(value)]}
        finally:
            active.discard(id(value))

    def store(value: Any, path: str) -> str:
        dtype = getattr(value, "dtype", None)  # an array mg.Tensor would refuse: say why here
        if dtype is not None and not isinstance(value, mg.Tensor) and dtype not in STORABLE:
            raise TypeError(
                f"nn.save: {_where(path)} has dtype {dtype}, which a checkpoint cannot hold "
                f"(store numbers: bool, int or float arrays)")
        array = (value if isinstance(value, mg.Tensor) else mg.Tensor(value)).numpy()
        if array.dtype not in STORABLE:
            raise TypeError(
                f"nn.save: {_where(path)} has dtype {array.dtype}, which a checkpoint cannot hold "
                "(bool, int8-64, uint8-64, float16/32/64, complex64); cast it first")
        name = path or "value"
        while name in arrays or name == _RESERVED:
            name += "_"
        # safetensors stores dense row-major bytes (ascontiguousarray would make 0-d arrays 1-d)
        arrays[name] = array if array.flags.c_contiguous else array.copy(order="C")
        return name

    return arrays, encode(state, "", 0)


class StructureError(ValueError):
    """A skeleton that does not describe the file's arrays; `nn.load` raises it as SerializationError.

    Examples:
        >>> nn.state_tree.unflatten({"tensor": "missing"}, {}, "numpy")
        Traceback (most recent call last):
        ...
        nn.state_tree.StructureError: refers to a missing or repeated tensor 'missing'
    """


def unflatten(node: Any, arrays: dict, backend: str) -> Any:
    """The tree described by `node`, its tensors taken from `arrays` (each exactly once).

    The inverse of `flatten`, and the check that a file's metadata matches its arrays:
    an entry naming a missing or repeated array, an unknown entry kind, or an array no
    entry mentions is refused.

    Args:
        node: a skeleton from `flatten` (parsed from JSON).
        arrays: a dict name -> array.
        backend: the backend of the returned Tensors.

    Returns:
        The rebuilt tree, with Tensors on `backend`.

    Raises:
        StructureError: the skeleton and the arrays do not match.

    Examples:
        >>> arrays, skeleton = nn.state_tree.flatten([mg.zeros(1), (1, "a")])
        >>> nn.state_tree.unflatten(skeleton, arrays, "numpy")
        [tensor([0.]), (1, 'a')]
    """
    used: set[str] = set()

    def decode(node: Any) -> Any:
        if not isinstance(node, dict) or len(node) != 1:
            raise StructureError(f"malformed entry {str(node)[:80]!r}")
        (kind, payload), = node.items()
        if kind == "tensor":
            if not isinstance(payload, str) or payload not in arrays or payload in used:
                raise StructureError(f"refers to a missing or repeated tensor {str(payload)[:80]!r}")
            used.add(payload)
            return mg.Tensor(arrays[payload], backend=backend)
        if kind == "value":
            if payload is not None and not isinstance(payload, (bool, int, float, str)):
                raise StructureError("malformed scalar")
            return payload
        if kind in ("list", "tuple") and isinstance(payload, list):
            items = [decode(item) for item in payload]
            return items if kind == "list" else tuple(items)
        if kind == "dict" and isinstance(payload, list):
            result = {}
            for pair in payload:
                if not (isinstance(pair, list) and len(pair) == 2 and type(pair[0]) in (str, int)):
                    raise StructureError("malformed dict entry")
                result[pair[0]] = decode(pair[1])
            return result
        raise StructureError(f"unknown entry kind {str(kind)[:40]!r}")

    tree = decode(node)
    if used != set(arrays):
        extra = sorted(set(arrays) - used)[:5]
        raise StructureError(f"holds tensors its structure does not mention: {extra}")
    return tree
