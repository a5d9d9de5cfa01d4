"""Data parallelism: one replica of the model per process, gradients averaged.

Each of `world_size` processes (started by `mpiexec -n N`) holds the same model,
reads its own shard of every batch (`DistributedSampler`), and backpropagates
its own loss. `DistributedDataParallel` then makes every replica take the same
step, as PyTorch's wrapper of that name does:

- when it is made, every rank's parameter and buffer names, shapes, dtypes and
  backends are gathered and compared (a ValueError on every rank names the first
  difference, instead of a hang in the first allreduce), then rank 0's values
  are broadcast, so all replicas start equal;
- at the end of each `backward()` through its output, every gradient is averaged
  over the ranks: packed into one flat buffer per backend and dtype, one
  allreduce each (not one per parameter), then divided by world_size. With a
  mean loss per rank and equal shards this is the gradient of the mean loss of
  the whole batch, so `clip_grad_norm_` and every optimizer see exactly what one
  process training on the whole batch would see;
- `with model.no_sync():` skips the averaging, so gradients accumulate locally
  over several backward passes; the first backward after it averages the sum.

The collectives come from `minigrad.distributed` (MPI, NCCL, or a world of one).
"""
from __future__ import annotations

import math
from collections.abc import Iterator, Sized
from contextlib import contextmanager
from typing import Any

import numpy as np

import minigrad as mg
import minigrad.distributed as dist

from .module import Module

__all__ = ["DistributedDataParallel", "DistributedSampler"]


class _Bucket:
    """Tensors of one backend and dtype, packed into one flat array for one collective."""

    def __init__(self, tensors: list[mg.Tensor]):
        self.tensors = tensors
        self.dtype = tensors[0].dtype
        self.bounds = np.cumsum([0] + [t.size for t in tensors]).tolist()

    @property
    def xp(self):
        """The array module of the tensors now (they may have moved since, with `.to()`)."""
        return mg.get_array_module(self.tensors[0].data)

    @property
    def size(self) -> int:
        return self.bounds[-1]

    def pack(self, arrays: list, extra: list | None = None):
        pieces = [a.reshape(-1) for a in arrays]
        if extra is not None:
            pieces.append(self.xp.asarray(extra, dtype=self.dtype))
        return self.xp.concatenate(pieces)

    def unpack(self, flat) -> list:
        """Views of `flat`, one per tensor, in its shape (disjoint, so no two alias)."""
        return [flat[a:b].reshape(t.shape) for t, a, b in zip(self.tensors, self.bounds, self.bounds[1:])]


def _buckets(tensors: list[mg.Tensor]) -> list[_Bucket]:
    groups: dict = {}
    for t in tensors:
        groups.setdefault((t.backend, t.dtype.name), []).append(t)
    return [_Bucket(group) for group in groups.values()]


class DistributedDataParallel(Module):
    """Wrap `module` so that its gradients are averaged over every process after backward.

    As `torch.nn.parallel.DistributedDataParallel`: on construction every rank's
    parameter and buffer names, shapes, dtypes and backends are compared (a ValueError
    on every rank names the first difference, instead of a hang), then rank 0's values
    are broadcast. After each backward through an output of a forward made with
    gradients enabled (outside `no_sync()`), the gradients are averaged with one
    allreduce per backend and dtype. A typical loop, under `mpiexec -n N`:

        comm = minigrad.distributed.init()
        model = nn.parallel.DistributedDataParallel(Net())   # checks, then broadcasts
        for x, y in shard_batches:                           # this rank's part of each batch
            loss = F.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()                                  # grads averaged here
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()

    The wrapped model is `.module`; `state_dict()` keys carry the prefix "module." as
    in PyTorch.

    Args:
        module: the model (the same on every rank).
        communicator: default `minigrad.distributed.get_communicator()` (a world of one
            outside mpiexec).

    Raises:
        TypeError: `module` is not an `nn.Module`.
        ValueError: the ranks' models differ (raised on every rank).

    Examples:
        >>> model = nn.parallel.DistributedDataParallel(nn.Linear(2, 1))   # a world of one here
        >>> model.communicator.world_size, list(model.state_dict())
        (1, ['module.weight', 'module.bias'])
        >>> model(mg.ones(3, 2)).sum().backward()
        >>> model.module.weight.grad
        array([[3., 3.]], dtype=float32)
    """

    def __init__(self, module: Module, communicator: dist.Communicator | None = None):
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel wraps an nn.Module, got {type(module).__name__}")
        self.module = module
        self.communicator = communicator or dist.get_communicator()
        self._require_sync = True
        self._sync_pending = False
        named = module.named_parameters()
        self._check_same_model(named, module.named_buffers())
        self._broadcast_state([p for _, p in named] + module.buffers())
        self._buckets = _buckets([p for _, p in named if p.requires_grad])
        self._handles = [p.register_post_accumulate_grad_hook(self._on_grad_ready)
                         for bucket in self._buckets for p in bucket.tensors]

    @property
    def bytes_per_sync(self) -> int:
        """Bytes each rank allreduces per averaging (the flat buffers, one flag per parameter included).

        Examples:
            >>> nn.parallel.DistributedDataParallel(nn.Linear(2, 1)).bytes_per_sync   # (3 values + 2 flags) * 4
            20
        """
        return sum((b.size + len(b.tensors)) * b.dtype.itemsize for b in self._buckets)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Run the wrapped module, and mark the coming backward for gradient averaging.

        A forward under `mg.no_grad()` (evaluation) leaves a pending averaging as it was;
        one inside `no_sync()` marks none.

        Args:
            *args: the wrapped module's positional arguments.
        **kwargs: the wrapped module's keyword arguments.

        Returns:
            The wrapped module's output.

        Examples:
            >>> model = nn.parallel.DistributedDataParallel(nn.Linear(2, 3))
            >>> model(mg.ones(4, 2)).shape
            (4, 3)
        """
        if mg.is_grad_enabled():  # a forward under no_grad (evaluation) keeps a pending sync
            self._sync_pending = self._require_sync
        return self.module(*args, **kwargs)

    @contextmanager
    def no_sync(self) -> Iterator[None]:
        """A context in which backward passes accumulate gradients locally, without averaging.

        As PyTorch's `no_sync()`, for gradient accumulation: the first backward of a forward
        made after the block averages the accumulated sum, so only one allreduce is paid
        for several micro-batches.

        Returns:
            A context manager.

        Examples:
            >>> model = nn.parallel.DistributedDataParallel(nn.Linear(2, 1))
            >>> with model.no_sync():
            ...     model(mg.ones(1, 2)).sum().backward()       # local only
            >>> model(mg.ones(1, 2)).sum().backward()           # accumulates, then averages
            >>> model.module.bias.grad
            array([2.], dtype=float32)
        """
        previous, self._require_sync = self._require_sync, False
        try:
            yield
        finally:
            self._require_sync = previous

    # ------------------------------------------------------------------ start-up
    def _check_same_model(self, named_parameters: list, named_buffers: list) -> None:
        mine = [["parameter", name, list(t.shape), t.dtype.name, t.backend] for name, t in named_parameters]
        mine += [["buffer", name, list(t.shape), t.dtype.name, t.backend] for name, t in named_buffers]
        everyone = self.communicator.allgather_object(mine)
        for rank, theirs in enumerate(everyone[1:], start=1):
            difference = _first_difference(everyone[0], theirs, rank)
            if difference is not None:
                raise ValueError(
                    f"DistributedDataParallel: the ranks hold different models; first difference: "
                    f"{difference}. Every rank must build the same model (names, shapes, dtypes, "
                    f"backend) before wrapping it."
                )

    @mg.no_grad()
    def _broadcast_state(self, tensors: list[mg.Tensor]) -> None:
        """Rank 0's parameters and buffers to every rank: one broadcast per bucket."""
        if self.communicator.world_size == 1:
            return
        for bucket in _buckets(tensors):
            flat = self.communicator.broadcast(bucket.pack([t.data for t in bucket.tensors]), src=0)
            for t, values in zip(bucket.tensors, bucket.unpack(flat)):
                t.data[...] = values

    # ------------------------------------------------------------------ averaging
    def _on_grad_ready(self, param: mg.Tensor) -> None:
        # The engine calls this after every .grad of the backward is written; the first
        # call of a backward averages them all, the others find nothing pending.
        if self._sync_pending:
            self._sync_pending = False
            self._average_gradients()

    def _average_gradients(self) -> None:
        comm = self.communicator
        if comm.world_size == 1:
            return
        for bucket in self._buckets:
            xp = bucket.xp
            params = bucket.tensors
            grads = [xp.zeros(p.shape, p.dtype) if p.grad is None else p.grad for p in params]
            # One flag per parameter after the gradients: on how many ranks it got one.
            flat = bucket.pack(grads, extra=[p.grad is not None for p in params])
            total = comm.allreduce(flat, "sum")
            counts = total[bucket.size:].tolist()           # explicit: len(params) numbers
            total = total[:bucket.size]
            total /= comm.world_size                        # the mean: (g0 + ... + g_{N-1}) / N
            for param, grad, count in zip(params, bucket.unpack(total), counts):
                param.grad = grad if count else None        # no rank had one: stays None


def _first_difference(reference: list, other: list, rank: int) -> str | None:
    for ours, theirs in zip(reference, other):
        if ours != theirs:
            return (f"{_describe(ours)} on rank 0, but {_describe(theirs)} on rank {rank}")
    if len(reference) != len(other):
        longer, holder = (reference, 0) if len(reference) > len(other) else (other, rank)
        extra = longer[min(len(reference), len(other))]
        return (f"rank 0 has {len(reference)} parameters and buffers, rank {rank} has {len(other)}; "
                f"only rank {holder} has {_describe(extra)}")
    return None


def _describe(entry: list) -> str:
    kind, name, shape, dtype, backend = entry
    return f"{kind} '{name}' of shape {tuple(shape)}, {dtype} on {backend}"


class DistributedSampler:
    """Which dataset indices this rank reads, per epoch, as PyTorch's DistributedSampler.

    Every rank shuffles all indices with the same generator, seeded by `seed + epoch`
    (call `set_epoch(epoch)` before each epoch), and takes every `num_replicas`-th one
    from its rank: disjoint shards of equal size. When the dataset does not divide
    evenly, the shards are padded by repeating indices from the start, or with
    `drop_last=True` the tail is dropped. Iterating gives Python ints; `len()` is the
    shard's size.

    Args:
        dataset: anything with `len()`.
        num_replicas: the number of ranks; default the current communicator's world size.
        rank: this rank; default the current communicator's.
        shuffle: shuffle each epoch (NumPy's generator, on the host).
        seed: the shuffle's base seed, the same on every rank.
        drop_last: drop the tail instead of padding.

    Raises:
        ValueError: `rank` outside [0, num_replicas).

    Examples:
        >>> sampler = nn.parallel.DistributedSampler(range(10), num_replicas=3, rank=1, shuffle=False)
        >>> len(sampler), list(sampler)          # 10 indices padded to 12: rank 1 gets 1, 4, 7 and 0
        (4, [1, 4, 7, 0])
        >>> list(nn.parallel.DistributedSampler(range(10), 3, 1, shuffle=False, drop_last=True))
        [1, 4, 7]
    """

    def __init__(self, dataset: Sized, num_replicas: int | None = None, rank: int | None = None,
                 shuffle: bool = True, seed: int = 0, drop_last: bool = False):
        if num_replicas is None:
            num_replicas = dist.get_world_size()
        if rank is None:
            rank = dist.get_rank()
        if not 0 <= rank < num_replicas:
            raise ValueError(f"DistributedSampler: rank {rank} is out of range for num_replicas {num_replicas}")
        self.length = len(dataset)
        self.num_replicas, self.rank = num_replicas, rank
        self.shuffle, self.seed, self.drop_last = shuffle, seed, drop_last
        self.epoch = 0
        if drop_last and self.length % num_replicas:
            self.num_samples = math.ceil((self.length - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(self.length / num_replicas)
        self.total_size = self.num_samples * num_replicas

    def set_epoch(self, epoch: int) -> None:
        """Reshuffle for `epoch`: every rank must call it with the same number.

        Args:
            epoch: the epoch number (added to the seed).

        Returns:
            None.

        Examples:
            >>> sampler = nn.parallel.DistributedSampler(range(8), num_replicas=2, rank=0)
            >>> first = list(sampler)
            >>> sampler.set_epoch(1)
            >>> list(sampler) != first, sorted(sampler) == sorted(set(sampler))
            (True, True)
        """
        self.epoch = epoch

    def indices(self) -> np.ndarray:
        """This rank's indices for the current epoch.

        Returns:
            A NumPy int64 array of length `len(self)`.

        Examples:
            >>> nn.parallel.DistributedSampler(range(6), num_replicas=2, rank=0, shuffle=False).indices()
            array([0, 2, 4])
        """
        if self.shuffle:
            order = np.random.default_rng(self.seed + self.epoch).permutation(self.length)
        else:
            order = np.arange(self.length)
        if self.drop_last:
            order = order[:self.total_size]
        elif self.total_size > self.length:
            order = np.resize(order, self.total_size)   # repeats from the start
        return order[self.rank:self.total_size:self.num_replicas]

    def __iter__(self) -> Iterator[int]:
        return iter(self.indices().tolist())

    def __len__(self) -> int:
        return self.num_samples
