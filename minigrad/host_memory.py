"""Keep freed host memory for the next training step instead of handing it back to the OS.

Why: a training step allocates the same large arrays every time (a layer's gates and
projection, the loss's temporaries: megabytes each). glibc's malloc serves blocks above
its mmap threshold with fresh pages from the kernel and returns them when they are
freed, and trims the top of its heap, so every step faults every page of them in
again: about 2,000 page faults per LSTM training step at (T=50, B=32, H=128), 20-30 %
of its time on this project's machine. PyTorch's CPU tensors (and CuPy's memory pool on
the GPU) keep such memory for reuse; NumPy has no pool of its own, so minigrad asks
glibc for the same: serve blocks up to 32 MiB from the heap (`M_MMAP_THRESHOLD`) and
keep up to 1 GiB of freed heap (`M_TRIM_THRESHOLD`). The process's peak memory is
unchanged; what it holds between steps is what it held at its peak step.

It applies when minigrad is imported (this module's import), on Linux with glibc only. Set
`MINIGRAD_KEEP_FREED_MEMORY=0` in the environment to leave malloc as it is.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

MMAP_THRESHOLD = 32 << 20  # glibc's largest allowed value on 64-bit systems
TRIM_THRESHOLD = 1 << 30
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt's parameter numbers (malloc.h)

applied: bool = False  # whether the setting took effect in this process


def keep_freed_memory() -> bool:
    """Apply the malloc setting (see the module docstring); True if it took effect.

    Examples:
        >>> from minigrad import host_memory
        >>> host_memory.keep_freed_memory() in (True, False)
        True
    """
    global applied
    if os.environ.get("MINIGRAD_KEEP_FREED_MEMORY", "1") == "0" or not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt): nothing to do
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    applied = bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and \
        bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    return applied


keep_freed_memory()
