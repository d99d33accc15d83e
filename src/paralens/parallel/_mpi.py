"""The communicator of several processes, on MPI through mpi4py.

A collective runs in two phases, each waited for by the ``Session`` (against the
communicator's timeout, serving the control messages): first every rank gathers every
rank's *header* (call number, operation, the digest of the value's layout, its weight)
and checks that all called the same operation on values of the same layout; then the data
moves, one buffer per dtype, and every rank sums the buffers in rank order (or rank 0
does and broadcasts the sum).
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np
from mpi4py import MPI

from paralens.parallel._buffers import digest, layout
from paralens.parallel._communicator import (
    Communicator,
    ParallelError,
    Reduction,
    SingleProcess,
    _check_weight,
)
from paralens.parallel._mpi_session import Session

__all__ = ["MPICommunicator", "communicator"]

T = TypeVar("T")

_OPERATIONS = {"allreduce_mean": 1, "broadcast": 2}
_OPERATION_NAMES = {code: name for name, code in _OPERATIONS.items()}


def _bytes(array: np.ndarray) -> np.ndarray:
    """A contiguous array's memory as bytes: MPI only moves it, NumPy does the sums."""
    return array.reshape(-1).view(np.uint8)


def _sum_in_rank_order(rows: np.ndarray, active: list[int]) -> np.ndarray:
    """``sum(rows[r] for r in active)`` added up in rank order: the same bits on any rank.

    The ranks left out have no share of the mean: their rows are not read, even if nan.
    """
    first: np.ndarray = rows[active[0]]
    if len(active) == 1:
        return first.copy()
    total: np.ndarray = first + rows[active[1]]
    for r in active[2:]:
        total += rows[r]
    return total


def _leaves(n: int) -> str:
    return f"{n} leaf" if n == 1 else f"{n} leaves"


def _difference(mine: str, other: str, rank: int) -> str:
    """How rank ``rank``'s line of a signature differs from rank 0's."""
    (path, kind), (other_path, other_kind) = mine.split("\t"), other.split("\t")
    if path == other_path:
        return f"at {path or 'the root'}, rank 0 has {kind} where rank {rank} has {other_kind}"
    return (
        f"rank 0 has {kind} at {path or 'the root'} where rank {rank} has {other_kind} at "
        f"{other_path or 'the root'}"
    )


_SESSION: list[Session] = []


def communicator(timeout: float, reduction: Reduction) -> Communicator:
    """The communicator of ``MPI.COMM_WORLD`` (a ``SingleProcess`` if it has one rank)."""
    if MPI.COMM_WORLD.Get_size() == 1:
        return SingleProcess(timeout, reduction)
    if not _SESSION:
        _SESSION.append(Session(timeout))
    session = _SESSION[0]
    session.timeout = timeout
    return MPICommunicator(session, timeout, reduction)


class MPICommunicator(Communicator):
    """A communicator of several processes, on ``MPI.COMM_WORLD`` (made by ``world()``)."""

    def __init__(self, session: Session, timeout: float, reduction: Reduction) -> None:
        super().__init__(session.rank, session.size, timeout, reduction)
        self._session = session

    def allreduce_mean(self, value: T, weight: float = 1.0) -> T:
        weight = _check_weight(weight)
        plan = layout(value, "allreduce_mean", inexact_only=True)
        weights, where = self._agree("allreduce_mean", plan.signature, weight)
        total = float(sum(weights))
        if total == 0:
            raise ValueError(
                f"{where}: every rank's weight is 0, so there is nothing to average; pass "
                f"each rank's number of examples, at least one of them positive"
            )
        # Each rank scales its own values by its share as it packs them, so the mean is
        # a plain sum, taken in rank order over the ranks that have a share.
        buffers = plan.pack(scale=weight / total)
        active = [r for r, w in enumerate(weights) if w > 0]
        mean = self._gather_sum if self.reduction == "allgather" else self._root_sum
        sums = mean({key: b for key, b in buffers.items() if b.size}, active, where)
        return plan.unpack({**buffers, **sums})  # type: ignore[no-any-return]

    def _gather_sum(
        self, buffers: dict[str, np.ndarray], active: list[int], where: str
    ) -> dict[str, np.ndarray]:
        comm = self._session.comm
        rows = {key: self._session.rows(self.size, b) for key, b in buffers.items()}
        requests = [comm.Iallgather(_bytes(b), _bytes(rows[key])) for key, b in buffers.items()]
        self._session.wait(requests, where, self.timeout)
        return {key: _sum_in_rank_order(rows[key], active) for key in buffers}

    def _root_sum(
        self, buffers: dict[str, np.ndarray], active: list[int], where: str
    ) -> dict[str, np.ndarray]:
        comm = self._session.comm
        if self.is_root:
            rows = {key: self._session.rows(self.size, b) for key, b in buffers.items()}
            gathers = [comm.Igather(_bytes(b), _bytes(rows[key]), 0) for key, b in buffers.items()]
        else:
            gathers = [comm.Igather(_bytes(b), None, 0) for b in buffers.values()]
        self._session.wait(gathers, where, self.timeout)
        if self.is_root:
            sums = {key: _sum_in_rank_order(rows[key], active) for key in buffers}
        else:
            sums = {key: np.empty_like(b) for key, b in buffers.items()}
        self._session.wait([comm.Ibcast(_bytes(m), 0) for m in sums.values()], where, self.timeout)
        return sums

    def broadcast(self, value: T) -> T:
        plan = layout(value, "broadcast")
        _, where = self._agree("broadcast", plan.signature, 0.0)
        buffers = plan.pack() if self.is_root else plan.empty()
        requests = [self._session.comm.Ibcast(_bytes(b), 0) for b in buffers.values() if b.size]
        self._session.wait(requests, where, self.timeout)
        return plan.unpack(buffers)  # type: ignore[no-any-return]

    def fail(self, error: BaseException) -> None:
        if not isinstance(error, ParallelError):
            self._session.notify(error, self.timeout)

    def _agree(self, operation: str, signature: str, weight: float) -> tuple[list[float], str]:
        """Check that every rank calls ``operation`` on a value of this layout; return
        every rank's weight and the name of the call for messages."""
        session = self._session
        session.calls += 1
        where = f"{operation} (call #{session.calls})"
        session.check(where)
        header = np.zeros(4, np.int64)
        header[:3] = session.calls, _OPERATIONS[operation], digest(signature)
        header[3:].view(np.float64)[0] = weight
        headers = np.empty((self.size, 4), np.int64)
        session.wait([session.comm.Iallgather(header, headers)], where, self.timeout)
        if (headers[:, :2] != headers[0, :2]).any():
            calls = "; ".join(
                f"{session.names[r]} in {_OPERATION_NAMES.get(int(op), '?')} (call #{seq})"
                for r, (seq, op) in enumerate(headers[:, :2])
            )
            raise ParallelError(
                f"the ranks called different collectives: {calls}. Every rank must call "
                f"the same collectives in the same order"
            )
        if (headers[:, 2] != headers[0, 2]).any():
            raise self._layouts_differ(where, signature)
        return headers[:, 3].copy().view(np.float64).tolist(), where

    def _layouts_differ(self, where: str, signature: str) -> ParallelError:
        """The error naming the first leaf where some rank's value differs from rank 0's."""
        session = self._session
        text = np.frombuffer(signature.encode(), np.uint8)
        lengths = np.empty(self.size, np.int64)
        session.wait(
            [session.comm.Iallgather(np.array([text.size], np.int64), lengths)],
            where,
            self.timeout,
        )
        table = np.empty(int(lengths.sum()), np.uint8)
        offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        request = session.comm.Iallgatherv(text, [table, lengths, offsets, MPI.BYTE])
        session.wait([request], where, self.timeout)
        signatures = [
            bytes(table[start : start + n]).decode()
            for start, n in zip(offsets, lengths, strict=True)
        ]
        first = next(r for r in range(self.size) if signatures[r] != signatures[0])
        ours, theirs = signatures[0].splitlines(), signatures[first].splitlines()
        for mine, other in zip(ours, theirs, strict=False):
            if mine != other:
                difference = _difference(mine, other, first)
                break
        else:
            difference = (
                f"rank 0's value has {_leaves(len(ours))}, rank {first}'s has "
                f"{_leaves(len(theirs))}"
            )
        return ParallelError(
            f"{where}: the ranks passed values of different layouts: {difference}. Every "
            f"rank must pass a value of the same structure, dtypes and shapes (and equal "
            f"integer leaves)",
            (first,),
        )
