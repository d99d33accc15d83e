"""Communicators: the processes of a data-parallel run, and what they do together.

A ``Communicator`` is this process's handle on the run: its ``rank`` among ``size``
processes, and the collectives every rank calls in the same order (``allreduce_mean``,
``broadcast``). ``SingleProcess`` is the run of one process, where each collective
returns its input; ``world()`` gives that one unless a launcher (``mpiexec``) started
several processes, and then the MPI communicator of ``paralens.parallel._mpi``.
"""

from __future__ import annotations

import importlib
import math
import numbers
import os
from abc import ABC, abstractmethod
from typing import Any, Literal, TypeVar, cast

import numpy as np

from paralens.parallel._buffers import check
from paralens.tree import tree_leaves_with_path, tree_map

__all__ = [
    "DEFAULT_TIMEOUT",
    "Communicator",
    "ParallelError",
    "RankFailedError",
    "Reduction",
    "SingleProcess",
    "launched_size",
    "world",
]

T = TypeVar("T")

Reduction = Literal["allgather", "root"]
"""How a mean over ranks is summed in a fixed order: ``"allgather"`` (every rank gathers
every rank's buffer and sums them in rank order) or ``"root"`` (rank 0 gathers, sums in
rank order, and broadcasts the sum)."""

DEFAULT_TIMEOUT = 300.0
"""Seconds a collective waits for the other ranks before it raises."""

MPI_MISSING = (
    "paralens.parallel needs mpi4py to run on several processes ({why}), and it could not "
    "be imported ({error}). Install it with an MPI library: pip install 'paralens[mpi]' "
    "(mpi4py and the MPICH wheel), then start the processes with "
    "mpiexec -n 2 python script.py"
)

# Variables a launcher sets in every process it starts, with the number of processes:
# MPICH's and Intel MPI's Hydra and Slurm's PMI (PMI_SIZE), Open MPI, MVAPICH.
_SIZE_VARIABLES = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "MV2_COMM_WORLD_SIZE")
# Set by PMIx launchers (srun --mpi=pmix), which do not name the number of processes.
_RANK_VARIABLES = ("PMIX_RANK",)


class ParallelError(RuntimeError):
    """A collective could not complete: a rank timed out, failed, or called another one.

    Attributes:
        ranks: the ranks at fault, as far as this process could tell.
    """

    __module__ = "paralens.parallel"

    def __init__(self, message: str, ranks: tuple[int, ...] = ()) -> None:
        super().__init__(message)
        self.ranks = ranks


class RankFailedError(ParallelError):
    """Another rank failed (it raised, or timed out waiting for a third) and said so.

    Attributes:
        rank: the rank that failed.
    """

    __module__ = "paralens.parallel"

    def __init__(self, message: str, rank: int) -> None:
        super().__init__(message, (rank,))
        self.rank = rank


def _check_weight(weight: Any) -> float:
    if (
        isinstance(weight, bool)
        or not isinstance(weight, numbers.Real)
        or not math.isfinite(float(weight))
        or weight < 0
    ):
        raise ValueError(
            f"allreduce_mean: weight must be a finite number >= 0 (this rank's number of "
            f"examples, say), got {weight!r}"
        )
    return float(weight)


def _check_settings(timeout: Any, reduction: Any) -> tuple[float, Reduction]:
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, numbers.Real)
        or not 0 < float(timeout) < math.inf
    ):
        raise ValueError(
            f"timeout must be a positive, finite number of seconds, got {timeout!r}; e.g. "
            f"parallel.world(timeout={DEFAULT_TIMEOUT:g})"
        )
    if reduction not in ("allgather", "root"):
        raise ValueError(
            f"reduction must be 'allgather' or 'root', got {reduction!r}; e.g. "
            f"parallel.world(reduction='allgather')"
        )
    return float(timeout), cast(Reduction, reduction)


def _examples(batch: Any) -> int:
    """The number of examples of ``batch``: the length of its leaves' first axis."""
    lengths = []
    for path, leaf in tree_leaves_with_path(batch):
        shape = np.shape(leaf)
        if not shape:
            raise ValueError(
                f"shard splits the first axis of a batch's arrays (the examples); the leaf "
                f"at {path or 'the root'} has no axes (shape ()). Pass (inputs, targets) "
                f"arrays"
            )
        lengths.append((path, shape[0]))
    if not lengths:
        raise ValueError("shard needs a batch with at least one array, got no leaves")
    if any(n != lengths[0][1] for _, n in lengths):
        described = ", ".join(f"{path or 'root'}: {n}" for path, n in lengths)
        raise ValueError(
            f"shard: a batch's arrays must have the same number of examples (first axis), "
            f"got {described}"
        )
    return int(lengths[0][1])


class Communicator(ABC):
    """This process's part in a data-parallel run of ``size`` processes.

    Every rank calls the same collectives in the same order, each with a value of the
    same structure, dtypes and shapes; a collective that cannot complete within
    ``timeout`` seconds raises ``ParallelError`` naming the rank at fault. With one
    process every operation returns its input unchanged.

    Attributes:
        rank: this process's number, from 0 to ``size - 1``.
        size: the number of processes.
        timeout: seconds a collective waits for the others before raising.
        reduction: how ``allreduce_mean`` sums in a fixed order (see ``Reduction``).
    """

    def __init__(self, rank: int, size: int, timeout: float, reduction: Reduction) -> None:
        self.rank = rank
        self.size = size
        self.timeout = timeout
        self.reduction: Reduction = reduction

    @property
    def is_root(self) -> bool:
        """True on rank 0: the one that writes checkpoints and prints."""
        return self.rank == 0

    @abstractmethod
    def allreduce_mean(self, value: T, weight: float = 1.0) -> T:
        """The mean over ranks of ``value``, each rank's value weighted by ``weight``.

        Float and complex leaves are averaged: every rank gets the sum over ranks ``r`` of
        ``x_r * (w_r / sum(w))``, each term computed in ``x``'s precision and the terms
        added in rank order, so every rank gets the same bits. Integer and boolean
        leaves are constants (a gradient's zeros, sizes): they must be equal on every
        rank and are returned as they are. Each leaf of the result is a new array (no two
        share memory) of the leaf's type, dtype and shape.

        Args:
            value: a structure of NumPy arrays and numbers, such as a gradient.
            weight: this rank's share, such as its number of examples; a rank of weight 0
                contributes nothing (its values are not read, even if they are nan).

        Returns:
            The mean, of ``value``'s structure; with one process, ``value`` itself.

        Raises:
            ValueError: ``weight`` is negative or not finite, or every rank's is 0.
            TypeError: a leaf is not an array or a number (the message names its path).
            ParallelError: the ranks passed values of different layouts (the message
                names the first leaf that differs), called different collectives, or one
                of them failed or did not arrive within ``timeout``.
        """

    @abstractmethod
    def broadcast(self, value: T) -> T:
        """Rank 0's ``value`` on every rank, such as the initial parameters.

        Every rank passes a value of the same structure, dtypes and shapes (its own
        ``model.init(...)``, say); all get new arrays holding rank 0's values.

        Returns:
            Rank 0's value; with one process, ``value`` itself.

        Raises:
            TypeError: a leaf is not an array or a number.
            ParallelError: as for ``allreduce_mean``.
        """

    @abstractmethod
    def fail(self, error: BaseException) -> None:
        """Tell the other ranks that this one has failed with ``error``.

        Each of them raises ``RankFailedError`` naming this rank and ``error`` in the
        collective it waits in, or in its next one. This runs by itself for an
        exception that ends the program (``world()`` chains a ``sys.excepthook``); call
        it where a program catches an error and stops without raising it. With one
        process it does nothing.
        """

    def shard(self, batch: T) -> T:
        """This rank's part of a global ``batch``: a contiguous slice of its examples.

        The ranks' parts, in rank order, are the batch: together they see what one
        process would. Sizes differ by at most one example when ``size`` does not divide
        the batch; weight each rank's mean by its size (``allreduce_mean(.., weight=n)``)
        for the mean over the whole batch.

        Args:
            batch: a structure of arrays whose first axis is the example, such as
                ``(inputs, targets)``.

        Returns:
            The structure of ``batch`` holding this rank's examples (views of its arrays);
            with one process, ``batch`` itself.

        Raises:
            ValueError: the arrays have different numbers of examples, or no first axis.

        Examples:
            >>> import numpy as np
            >>> x, y = np.arange(10.0).reshape(5, 2), np.arange(5)
            >>> SingleProcess().shard((x, y))[1]
            array([0, 1, 2, 3, 4])
        """
        n = _examples(batch)
        if self.size == 1:
            return batch
        part = self.shard_slice(n)
        return cast(T, tree_map(lambda leaf: leaf[part], batch))

    def shard_slice(self, n: int) -> slice:
        """The slice of ``n`` examples that is this rank's part (see ``shard``).

        Examples:
            >>> SingleProcess().shard_slice(5)
            slice(0, 5, None)
        """
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
            raise ValueError(f"shard_slice: n must be a number of examples >= 0, got {n!r}")
        return slice(self.rank * int(n) // self.size, (self.rank + 1) * int(n) // self.size)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(rank={self.rank}, size={self.size}, "
            f"timeout={self.timeout:g}, reduction={self.reduction!r})"
        )


class SingleProcess(Communicator):
    """The run of one process: every collective returns its input unchanged.

    The arguments are checked as on several processes, so that a program that runs on
    one runs on many.

    Examples:
        >>> import numpy as np
        >>> comm = SingleProcess()
        >>> comm.rank, comm.size, comm.is_root
        (0, 1, True)
        >>> grads = {"w": np.array([1.0, 2.0])}
        >>> comm.allreduce_mean(grads, weight=16) is grads
        True
    """

    def __init__(self, timeout: float = DEFAULT_TIMEOUT, reduction: Reduction = "allgather"):
        timeout, reduction = _check_settings(timeout, reduction)
        super().__init__(0, 1, timeout, reduction)

    def allreduce_mean(self, value: T, weight: float = 1.0) -> T:
        if _check_weight(weight) == 0:
            raise ValueError(
                "allreduce_mean: every rank's weight is 0, so there is nothing to average; "
                "pass each rank's number of examples, at least one of them positive"
            )
        check(value, "allreduce_mean")
        return value

    def broadcast(self, value: T) -> T:
        check(value, "broadcast")
        return value

    def fail(self, error: BaseException) -> None:
        return None


def launched_size() -> int | None:
    """The number of processes a launcher started, from its environment variables.

    Returns:
        1 when no launcher started this process (or it started one), the number it
        started, or ``None`` when a launcher says it started this one without saying how
        many (ask MPI then).

    Examples:
        >>> launched_size()  # no launcher here
        1
    """
    for name in _SIZE_VARIABLES:
        text = os.environ.get(name)
        if text is not None:
            return int(text) if text.strip().isdigit() and int(text) > 0 else None
    if any(name in os.environ for name in _RANK_VARIABLES):
        return None
    return 1


def world(
    *,
    timeout: float = DEFAULT_TIMEOUT,
    reduction: Reduction = "allgather",
    backend: Literal["auto", "mpi"] = "auto",
) -> Communicator:
    """The communicator of this run: MPI when a launcher started several processes.

    With ``backend="auto"`` a process that no launcher started, or that ``mpiexec -n 1``
    started, gets a ``SingleProcess`` and ``mpi4py`` is not imported. Under a launcher of
    several processes every rank must call ``world()``; the first call also installs a
    ``sys.excepthook`` (chaining the one there) so that an exception ending the program
    on one rank stops the others with an error naming it, and a rank that cannot reach
    the others aborts the run at exit instead of hanging in ``MPI_Finalize``.

    Args:
        timeout: seconds each collective waits for the other ranks before it raises
            ``ParallelError`` naming the ranks that did not arrive.
        reduction: ``"allgather"`` or ``"root"``, both in a fixed order (see
            ``Reduction``).
        backend: ``"auto"``, or ``"mpi"`` to use MPI whatever the environment says (for a
            launcher paralens does not recognise).

    Returns:
        A ``Communicator``.

    Raises:
        ImportError: MPI is needed and mpi4py is missing; the message names the extra to
            install, ``pip install 'paralens[mpi]'``.
        ValueError: ``timeout``, ``reduction`` or ``backend`` is not one of the values
            allowed.

    Examples:
        >>> world()  # no launcher here
        SingleProcess(rank=0, size=1, timeout=300, reduction='allgather')
        >>> world(timeout=0)
        Traceback (most recent call last):
        ...
        ValueError: timeout must be a positive, finite number of seconds, got 0; e.g. parallel.world(timeout=300)
    """  # noqa: E501
    timeout, reduction = _check_settings(timeout, reduction)
    if backend not in ("auto", "mpi"):
        raise ValueError(f"backend must be 'auto' or 'mpi', got {backend!r}")
    size = launched_size()
    if backend == "auto" and size == 1:
        return SingleProcess(timeout, reduction)
    started = f"a launcher started {size or 'several'} processes"
    why = "backend='mpi'" if backend == "mpi" else started
    try:
        module = importlib.import_module("paralens.parallel._mpi")
    except ImportError as error:
        if not (error.name or "").startswith("mpi4py"):
            raise
        raise ImportError(MPI_MISSING.format(why=why, error=error), name="mpi4py") from error
    return cast(Communicator, module.communicator(timeout, reduction))
