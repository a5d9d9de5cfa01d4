"""Training across processes: one communicator per job, picked by `init()`.

    import minigrad.distributed as dist

    comm = dist.init()        # MPI under mpiexec, NCCL on GPUs, else a world of one
    total = dist.allreduce(mg.tensor([comm.rank + 1.0]))       # [3.] with 2 ranks

`init()` chooses, as ChainerMN did for Chainer:

- launched by `mpiexec` (its environment variables are set): MPI through
  mpi4py, or NCCL through CuPy (`cupy.cuda.nccl`, bootstrapped over MPI) when
  `backend="cupy"`;
- otherwise the single-process communicator, so the same script runs alone.

Under MPI it also installs an excepthook: a rank that raises prints its
traceback and aborts the whole job (MPI_Abort) with its rank and error, instead
of leaving the other ranks waiting. Every collective waits at most `timeout`
seconds (default 300, or MINIGRAD_DIST_TIMEOUT) and then aborts the job.
`nn.parallel.DistributedDataParallel` is the model wrapper built on this.
"""
from __future__ import annotations

import os
import sys
from typing import Any

from .base import DEFAULT_TIMEOUT, OPS, Communicator
from .single import SingleProcessCommunicator

__all__ = [
    "OPS",
    "Communicator",
    "SingleProcessCommunicator",
    "allgather",
    "allreduce",
    "barrier",
    "broadcast",
    "get_communicator",
    "get_rank",
    "get_world_size",
    "init",
    "is_initialized",
    "launched_by_mpi",
]

# Set by the MPI launchers: MPICH/Intel MPI (Hydra), Open MPI, PMIx launchers.
_LAUNCHER_VARIABLES = ("PMI_RANK", "PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "PMIX_RANK")
_current: dict = {"communicator": None}


def launched_by_mpi() -> bool:
    """True when this process was started by mpiexec/mpirun (or srun with PMI).

    Then `init()` picks MPI (or NCCL); otherwise the single-process communicator.

    Returns:
        bool: whether an MPI launcher's environment variables are set.

    Examples:
        >>> import minigrad.distributed as dist
        >>> import os
        >>> dist.launched_by_mpi() == any(v in os.environ for v in ("PMI_RANK", "PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "PMIX_RANK"))
        True
    """
    return any(name in os.environ for name in _LAUNCHER_VARIABLES)


def init(communicator: str | None = None, backend: str | None = None,
         timeout: float | None = None) -> Communicator:
    """Create this process's communicator, once: later calls return it.

    Without `mpiexec` this is the single-process communicator, so the same script runs
    alone; as ChainerMN chooses for Chainer, under `mpiexec` it is MPI through mpi4py, or
    NCCL through CuPy when `backend="cupy"`. Under MPI it also installs an excepthook: a
    rank that raises aborts the whole job naming itself. Mirrors
    `torch.distributed.init_process_group`.

    Args:
        communicator: "mpi", "nccl", "single", or None to choose as above.
        backend: "cupy" picks NCCL under mpiexec.
        timeout: seconds every collective may wait (default 300, or MINIGRAD_DIST_TIMEOUT).

    Returns:
        Communicator: this process's communicator.

    Raises:
        RuntimeError: when asked for another kind than the one already made.
        ValueError: for an unknown communicator name.
        ImportError: naming the package to install when mpi4py, an MPI library or NCCL is
            missing.

    Examples:
        >>> import minigrad.distributed as dist
        >>> comm = dist.init()
        >>> comm.name, comm.world_size
        ('single', 1)
        >>> dist.init() is comm
        True
    """
    current = _current["communicator"]
    if current is not None:
        if communicator is not None and communicator != current.name:
            raise RuntimeError(f"init({communicator!r}): this process already has the {current.name!r} "
                               "communicator; init() makes one per process")
        return current
    if timeout is None:
        timeout = float(os.environ.get("MINIGRAD_DIST_TIMEOUT", DEFAULT_TIMEOUT))
    if communicator is None:
        communicator = ("nccl" if backend == "cupy" else "mpi") if launched_by_mpi() else "single"
    if communicator == "single":
        comm: Communicator = SingleProcessCommunicator(timeout)
    elif communicator in ("mpi", "nccl"):
        from .mpi import MpiCommunicator

        comm = MpiCommunicator(timeout=timeout)
        if communicator == "nccl":
            from .nccl import NcclCommunicator

            comm = NcclCommunicator(comm)
        if comm.world_size > 1:
            install_excepthook(comm)
    else:
        raise ValueError(f"init: unknown communicator {communicator!r}; expected 'mpi', 'nccl' or 'single'")
    _current["communicator"] = comm
    return comm


def install_excepthook(comm: Communicator) -> None:
    """On an uncaught exception: print it as usual, then abort the job naming this rank."""
    previous = sys.excepthook

    def abort_job(kind, value, traceback):
        previous(kind, value, traceback)
        sys.stderr.flush()
        comm.abort(f"raised {kind.__name__}: {value}")

    sys.excepthook = abort_job


def is_initialized() -> bool:
    """Whether `init()` has made this process's communicator (torch.distributed's name).

    Returns:
        bool: True once `init()` (or any collective) ran.

    Examples:
        >>> import minigrad.distributed as dist
        >>> comm = dist.init()
        >>> dist.is_initialized()
        True
    """
    return _current["communicator"] is not None


def get_communicator() -> Communicator:
    """The communicator made by `init()` (made now, with its defaults, if none yet).

    Returns:
        Communicator: the current communicator.

    Examples:
        >>> import minigrad.distributed as dist
        >>> dist.get_communicator() is dist.init()
        True
    """
    return init()


def get_rank() -> int:
    """This process's rank (0 when run alone).

    As `torch.distributed.get_rank`.

    Returns:
        int: the rank.

    Examples:
        >>> import minigrad.distributed as dist
        >>> dist.get_rank()
        0
    """
    return get_communicator().rank


def get_world_size() -> int:
    """The number of processes in the job (1 when run alone).

    As `torch.distributed.get_world_size`.

    Returns:
        int: the world size.

    Examples:
        >>> import minigrad.distributed as dist
        >>> dist.get_world_size()
        1
    """
    return get_communicator().world_size


def allreduce(x: Any, op: str = "sum") -> Any:
    """`Communicator.allreduce` on the current communicator.

    Args:
        x: a Tensor or a backend array.
        op: "sum", "mean", "max" or "min".

    Returns:
        Tensor or array: the reduction, like `x`.

    Examples:
        >>> import minigrad.distributed as dist
        >>> dist.allreduce(mg.tensor([1.0, 2.0]))
        tensor([1., 2.])
    """
    return get_communicator().allreduce(x, op)


def broadcast(x: Any, src: int = 0) -> Any:
    """`Communicator.broadcast` (in place) on the current communicator.

    Args:
        x: a Tensor or a backend array, overwritten in place.
        src: the rank whose values everyone takes.

    Returns:
        `x` itself.

    Examples:
        >>> import minigrad.distributed as dist
        >>> dist.broadcast(mg.tensor([1.0]))
        tensor([1.])
    """
    return get_communicator().broadcast(x, src)


def allgather(x: Any) -> Any:
    """`Communicator.allgather` on the current communicator.

    Args:
        x: a Tensor or a backend array.

    Returns:
        Tensor or array: of shape (world_size, *x.shape).

    Examples:
        >>> import minigrad.distributed as dist
        >>> dist.allgather(mg.tensor([1.0, 2.0]))
        tensor([[1., 2.]])
    """
    return get_communicator().allgather(x)


def barrier() -> None:
    """`Communicator.barrier` on the current communicator.

    As `torch.distributed.barrier`.

    Examples:
        >>> import minigrad.distributed as dist
        >>> dist.barrier()
    """
    get_communicator().barrier()
