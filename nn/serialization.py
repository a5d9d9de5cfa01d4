"""Saving and loading state dicts in a format that cannot run code on load.

A checkpoint is a NumPy `.npz` (a zip of `.npy` arrays) plus one JSON manifest
that records the nested structure (dicts with str or int keys, lists, tuples,
numbers, strings, None) and where each Tensor went. Loading uses
`allow_pickle=False` and `json`, neither of which can execute anything, so a
crafted file can at worst fail with `SerializationError`. Arrays are stored
under their dotted names, so `numpy.load(path)["layers.0.w"]` also works.

This module does host-side file I/O only: it imports NumPy for `savez`/`load`
and never hands NumPy a device array (tensors are copied to the host with the
explicit `Tensor.numpy()` first).
"""
from __future__ import annotations

import json
import os
import tempfile
import zipfile
from typing import Any

import numpy as np  # host-side file I/O only; see the module docstring

import minigrad as mg

FORMAT = "minigrad-state"
VERSION = 1
_MANIFEST = "__minigrad_manifest__"


class SerializationError(ValueError):
    """A file that is not a readable minigrad checkpoint (foreign, truncated or crafted)."""


def _host_array(value: Any) -> np.ndarray:
    tensor = value if isinstance(value, mg.Tensor) else mg.Tensor(value)
    array = tensor.numpy()
    if array.dtype.hasobject:
        raise TypeError("nn.save cannot store object arrays")
    return array


def _is_array(value: Any) -> bool:
    return isinstance(value, mg.Tensor) or (hasattr(value, "shape") and hasattr(value, "dtype"))


def save(state: dict, path: str | os.PathLike) -> None:
    """Write `state` (a module's or optimizer's state_dict, or any nesting of dicts,
    lists and tuples holding Tensors, numbers, strings and None) to `path`.

    The file is written under a temporary name and then renamed, so an existing
    checkpoint is never left half-overwritten. Raises TypeError for values it
    cannot store without pickle.
    """
    arrays: dict[str, np.ndarray] = {}

    def encode(value: Any, where: str) -> Any:
        if _is_array(value):
            name = where or "value"
            while name in arrays or name == _MANIFEST:
                name += "_"
            arrays[name] = _host_array(value)
            return {"tensor": name}
        if value is None or isinstance(value, (bool, int, float, str)):
            return {"value": value}
        if isinstance(value, (list, tuple)):
            kind = "list" if isinstance(value, list) else "tuple"
            return {kind: [encode(item, f"{where}.{i}" if where else str(i)) for i, item in enumerate(value)]}
        if isinstance(value, dict):
            items = []
            for key, item in value.items():
                if isinstance(key, bool) or not isinstance(key, (str, int)):
                    raise TypeError(f"nn.save: dict keys must be str or int, got {type(key).__name__} at {where!r}")
                items.append([key, encode(item, f"{where}.{key}" if where else str(key))])
            return {"dict": items}
        raise TypeError(f"nn.save cannot store a {type(value).__name__} (at {where or 'the top level'!r})")

    manifest = {"format": FORMAT, "version": VERSION, "root": encode(state, "")}
    arrays[_MANIFEST] = np.frombuffer(json.dumps(manifest).encode("utf-8"), dtype=np.uint8)
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".minigrad-", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            np.savez(file, **arrays)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # mkstemp makes it private; give it a normal file's mode
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def load(path: str | os.PathLike, backend: str | None = None) -> Any:
    """Read a file written by `nn.save`; Tensors come back on `backend` (default "numpy").

    Raises FileNotFoundError for a missing file and SerializationError for anything
    that is not an intact minigrad checkpoint; nothing in the file is executed.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"nn.load: no such file {path!r}")
    try:
        archive = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as err:
        raise SerializationError(f"nn.load: {path!r} is not a minigrad checkpoint (an .npz written by nn.save): {err}") from err
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise SerializationError(f"nn.load: {path!r} is a single .npy array, not a minigrad checkpoint written by nn.save")
    with archive:
        try:
            if _MANIFEST not in archive.files:
                raise SerializationError(f"nn.load: {path!r} is an .npz file but was not written by nn.save (no manifest)")
            manifest = json.loads(archive[_MANIFEST].tobytes().decode("utf-8"))
            if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
                raise SerializationError(f"nn.load: {path!r} has a manifest of an unknown format")
            if manifest.get("version") != VERSION:
                raise SerializationError(
                    f"nn.load: {path!r} is format version {manifest.get('version')!r}; this minigrad reads {VERSION}"
                )
            return _decode(manifest.get("root"), archive, backend or "numpy")
        except SerializationError:
            raise
        except (ValueError, KeyError, TypeError, OSError, EOFError, zipfile.BadZipFile, RecursionError) as err:
            raise SerializationError(f"nn.load: {path!r} is damaged or crafted: {type(err).__name__}: {err}") from err


def _decode(node: Any, archive: Any, backend: str) -> Any:
    if not isinstance(node, dict) or len(node) != 1:
        raise SerializationError(f"nn.load: malformed manifest entry {str(node)[:80]!r}")
    (kind, payload), = node.items()
    if kind == "tensor":
        if not isinstance(payload, str) or payload == _MANIFEST or payload not in archive.files:
            raise SerializationError(f"nn.load: manifest refers to a missing array {str(payload)[:80]!r}")
        return mg.Tensor(archive[payload], backend=backend)
    if kind == "value":
        if payload is not None and not isinstance(payload, (bool, int, float, str)):
            raise SerializationError("nn.load: malformed scalar in manifest")
        return payload
    if kind in ("list", "tuple") and isinstance(payload, list):
        items = [_decode(item, archive, backend) for item in payload]
        return items if kind == "list" else tuple(items)
    if kind == "dict" and isinstance(payload, list):
        result = {}
        for pair in payload:
            if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], (str, int))):
                raise SerializationError("nn.load: malformed dict entry in manifest")
            result[pair[0]] = _decode(pair[1], archive, backend)
        return result
    raise SerializationError(f"nn.load: unknown manifest entry kind {kind!r}")
