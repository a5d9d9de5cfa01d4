"""Checkpoints as safetensors files: a JSON header plus raw bytes, no code on load.

`nn.save` writes any nested state (a module's `state_dict()`, an optimizer's, both
together, plus numbers and strings) through the `safetensors` package: tensors
under their dotted names, the nesting and the non-tensor values in the header's
metadata (see `nn.state_tree`). A module's file is an ordinary safetensors file,
so `torch_model.load_state_dict(safetensors.torch.load_file(path))` reads it under
the same keys, and a file PyTorch wrote loads into a minigrad model the same way.

Loading parses the header with the safetensors library, which refuses overlapping
or out-of-file offsets, sizes that do not match shapes, unknown dtypes and
oversized headers; every such file ends in one `SerializationError`. Tensors are
read from a memory map, so memory is bounded by the file's size.

This module does host-side file I/O only: tensors are copied to the host with the
explicit `Tensor.numpy()` before NumPy sees them.
"""
from __future__ import annotations

import json
import os
import tempfile
from typing import Any

import safetensors
import safetensors.numpy

from .state_tree import StructureError, flatten, unflatten

FORMAT = "minigrad-state"
VERSION = "2"
_ZIP_MAGIC = b"PK\x03\x04"


class SerializationError(ValueError):
    """A file that is not a readable checkpoint (foreign, truncated or crafted)."""


def save(state: Any, path: str | os.PathLike) -> None:
    """Write `state` (a module's or optimizer's state_dict, or any nesting of dicts,
    lists and tuples holding Tensors, numbers, strings and None) to `path`.

    Everything is checked before the file is opened: TypeError for values that
    cannot be stored without pickle, ValueError for NUL in a key or a container
    that holds itself. The file is written under a temporary name in the target
    directory and then renamed, so an existing checkpoint is never left
    half-overwritten. FileNotFoundError names `path` if its directory is missing.
    """
    arrays, structure = flatten(state)
    metadata = {"format": FORMAT, "version": VERSION, "structure": json.dumps(structure)}
    payload = safetensors.numpy.save(arrays, metadata=metadata)
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"nn.save: cannot write {path!r}: the directory {directory!r} does not exist; "
                                "create it first (os.makedirs)")
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".minigrad-", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(payload)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # mkstemp makes it private; give it a normal file's mode
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def load(path: str | os.PathLike, backend: str | None = None) -> Any:
    """Read a checkpoint; Tensors come back on `backend` (default "numpy").

    A file written by `nn.save` comes back with its nesting; any other safetensors
    file (e.g. PyTorch's `save_file(model.state_dict(), path)`) as a dict
    name -> Tensor. Raises FileNotFoundError for a missing file and
    SerializationError for anything else that is not an intact safetensors file;
    nothing in the file is executed.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"nn.load: no such file {path!r}")
    with open(path, "rb") as file:
        if file.read(4) == _ZIP_MAGIC:
            raise SerializationError(
                f"nn.load: {path!r} is a zip (.npz) file, not a safetensors checkpoint; minigrad "
                "checkpoints are safetensors files since version 2 of the format, and .npz files are "
                "not read (they could not bound the memory a file costs). Re-save from the code that "
                "built the state.")
    try:
        with safetensors.safe_open(path, framework="numpy") as file:
            metadata = file.metadata() or {}
            names = file.keys()  # a safe_open handle is not iterable
            arrays = {name: file.get_tensor(name) for name in names}
        if metadata.get("format") != FORMAT:
            return unflatten({"dict": [[name, {"tensor": name}] for name in arrays]}, arrays, backend or "numpy")
        if metadata.get("version") != VERSION:
            raise SerializationError(
                f"nn.load: {path!r} is minigrad format version {metadata.get('version')!r}; this minigrad "
                f"reads {VERSION}")
        return unflatten(json.loads(metadata.get("structure", "null")), arrays, backend or "numpy")
    except SerializationError:
        raise
    except StructureError as err:
        raise SerializationError(f"nn.load: {path!r} has a damaged or crafted structure: {err}") from err
    except safetensors.SafetensorError as err:
        raise SerializationError(f"nn.load: {path!r} is not an intact safetensors file: {err}") from err
    except (ValueError, TypeError, OSError, RecursionError) as err:
        # e.g. bfloat16, which NumPy cannot hold, or a structure nested beyond reason
        hint = ("; NumPy has no bfloat16: convert in PyTorch first, e.g. "
                "save_file({k: v.float() for k, v in sd.items()}, path)") if "bfloat16" in str(err) else ""
        raise SerializationError(f"nn.load: {path!r} cannot be read: {type(err).__name__}: {err}{hint}") from err
