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
    """A file that is not a readable checkpoint (foreign, truncated or crafted).

    A `ValueError`, so code that catches bad input generally catches it too. `nn.load`
    raises it for anything that is not an intact safetensors file (or a minigrad file
    whose structure does not match its tensors); nothing in the file is ever executed.

    Examples:
        >>> import os, tempfile
        >>> with tempfile.TemporaryDirectory() as d:
        ...     path = os.path.join(d, "junk.safetensors")
        ...     with open(path, "wb") as f:
        ...         _ = f.write(b"not a checkpoint")
        ...     try:
        ...         nn.load(path)
        ...     except nn.SerializationError as err:
        ...         print(type(err).__name__, isinstance(err, ValueError))
        SerializationError True
    """


def save(state: Any, path: str | os.PathLike) -> None:
    """Write `state` to `path` as a safetensors file: no pickle, no code on load.

    `state` is a module's or optimizer's state_dict, or any nesting of dicts, lists and
    tuples holding Tensors, numbers, strings and None. A module's `state_dict()` alone
    is an ordinary safetensors file under the same keys, which
    `safetensors.torch.load_file` reads for a PyTorch model (PyTorch's `torch.save`
    pickles instead). Everything is checked before the file is opened, and the file is
    written under a temporary name in the target directory and then renamed, so an
    existing checkpoint is never left half-overwritten.

    Args:
        state: the tree to store.
        path: the file to write (str or path-like).

    Returns:
        None.

    Raises:
        TypeError: a value that cannot be stored without pickle (objects, dict keys
            that are not str/int, dtypes safetensors cannot hold).
        ValueError: NUL in a key, a container that holds itself, or nesting deeper than 200.
        FileNotFoundError: the directory of `path` does not exist.

    Examples:
        >>> import os, tempfile
        >>> model = nn.Linear(2, 1)
        >>> opt = nn.optim.Adam(model.parameters())
        >>> with tempfile.TemporaryDirectory() as d:
        ...     path = os.path.join(d, "ckpt.safetensors")
        ...     nn.save({"model": model.state_dict(), "optim": opt.state_dict(), "epoch": 3}, path)
        ...     ckpt = nn.load(path)
        >>> ckpt["epoch"], sorted(ckpt["model"]), ckpt["optim"]["param_groups"][0]["lr"]
        (3, ['bias', 'weight'], 0.001)
        >>> nn.save({"f": print}, "x.safetensors")
        Traceback (most recent call last):
        ...
        TypeError: nn.save cannot store a builtin_function_or_method (at 'f'); store Tensors, arrays, numbers, strings, None, and dicts/lists/tuples of them
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

    A file written by `nn.save` comes back with its nesting (tuples stay tuples, int
    keys stay ints); any other safetensors file (e.g. PyTorch's
    `save_file(model.state_dict(), path)`) as a dict name -> Tensor, ready for
    `load_state_dict`. Tensors are read from a memory map, so memory is bounded by the
    file's size; nothing in the file is executed. As `torch.load(weights_only=True)` in
    spirit, but for safetensors files.

    Args:
        path: the file to read.
        backend: "numpy" or "cupy" for the Tensors; None is "numpy".

    Returns:
        The stored tree.

    Raises:
        FileNotFoundError: no such file.
        SerializationError: anything that is not an intact safetensors checkpoint
            (including .npz files and bfloat16 tensors, which NumPy cannot hold).

    Examples:
        >>> import os, tempfile
        >>> with tempfile.TemporaryDirectory() as d:
        ...     path = os.path.join(d, "t.safetensors")
        ...     nn.save({"w": mg.ones(2, 3), "sizes": (2, 3)}, path)
        ...     state = nn.load(path)
        >>> state["w"].shape, state["sizes"]
        ((2, 3), (2, 3))
        >>> nn.load("no/such/file.safetensors")
        Traceback (most recent call last):
        ...
        FileNotFoundError: nn.load: no such file 'no/such/file.safetensors'
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
