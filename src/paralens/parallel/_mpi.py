"""The communicator of several processes, on MPI through mpi4py.

Every collective is non-blocking and polled against a deadline, so that a rank that is
lost makes the others raise instead of waiting forever. A collective runs in two phases
on a duplicate of ``MPI.COMM_WORLD`` (so that it never meets the program's own
messages): first every rank gathers every rank's *header* (call number, operation, the
digest of the value's layout, its weight) and checks that all called the same operation
on values of the same layout; then the data moves, one buffer per dtype.

Beside the collectives, ranks exchange small *control* messages on the same duplicate,
read while a rank waits:

- ``FAIL``: a rank has failed (it raised, or timed out waiting); the rank that reads it
  answers ``ACK`` and raises ``RankFailedError`` naming the failed rank.
- ``PING``: a rank timed out and asks who is there; any rank that is waiting answers
  ``PONG`` with the collective it waits in. The ones that do not answer are named.
- ``LEFT``: a rank has reached the end of the program after its n-th call. A rank waiting
  in a later call raises at once (the one that left will never join it), and a failing
  rank does not wait for it to acknowledge.
"""

from __future__ import annotations

import atexit
import os
import socket
import sys
import time
from types import TracebackType
from typing import Any, TypeVar

import numpy as np
from mpi4py import MPI

from paralens.parallel._buffers import digest, layout
from paralens.parallel._communicator import (
    Communicator,
    ParallelError,
    RankFailedError,
    Reduction,
    SingleProcess,
    _check_weight,
)

__all__ = ["MPICommunicator", "communicator"]

T = TypeVar("T")

_FAIL, _ACK, _PING, _PONG, _LEFT = 101, 102, 103, 104, 105
_OPERATIONS = {"allreduce_mean": 1, "broadcast": 2}
_OPERATION_NAMES = {code: name for name, code in _OPERATIONS.items()}
# How long a rank that timed out waits for the others to answer its ping, at most.
_GRACE = 1.0
# A waiting rank tests its requests without pause for _SPIN seconds (MPI moves a large
# buffer only while it is being tested: sleeping between tests made a 2 MB mean three
# times slower), then sleeps between tests for a time that doubles up to _MAX_PAUSE, so
# that a long wait (a rank writing a checkpoint) costs little CPU.
_SPIN = 0.02
_FIRST_PAUSE, _MAX_PAUSE = 1e-5, 1e-3
_MAX_TEXT = 4000
_NAME_BYTES = 64


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


class _Session:
    """This process's part in the run: the duplicate communicator, the count of calls,
    and the control messages (failures, pings) exchanged beside the collectives."""

    def __init__(self, timeout: float) -> None:
        world = MPI.COMM_WORLD
        self.rank, self.size = world.Get_rank(), world.Get_size()
        self.timeout = timeout
        self.calls = 0
        self.where = ""
        self.failure: ParallelError | None = None
        self.notified = False
        self.abort_at_exit = False
        self.failed: set[int] = set()
        self.left: dict[int, int] = {}  # rank -> the calls it made before it left
        self.acks: set[int] = set()
        self.pongs: dict[int, str] = {}
        self.sends: list[MPI.Request] = []
        self._rows: dict[tuple[str, int], np.ndarray] = {}
        self.names = [f"rank {r}" for r in range(self.size)]
        comm, request = world.Idup()
        deadline = time.monotonic() + timeout
        while not request.Test():
            if time.monotonic() > deadline:
                raise ParallelError(
                    f"rank {self.rank} waited {timeout:g} s for all {self.size} ranks to call "
                    f"paralens.parallel.world(); every rank must call it"
                )
            time.sleep(_MAX_PAUSE)
        self.comm = comm
        self.names = self._exchange_names()
        self._previous_hook = sys.excepthook
        sys.excepthook = self._excepthook
        atexit.register(self._at_exit)

    def _exchange_names(self) -> list[str]:
        """``rank r (pid p on host)`` for every rank, to match a launcher's reports."""
        mine = f"pid {os.getpid()} on {socket.gethostname()}".encode()[:_NAME_BYTES]
        send = np.zeros(_NAME_BYTES, np.uint8)
        send[: len(mine)] = np.frombuffer(mine, np.uint8)
        table = np.empty((self.size, _NAME_BYTES), np.uint8)
        self.wait([self.comm.Iallgather(send, table)], "world() (the ranks' names)", self.timeout)
        names = [bytes(row).rstrip(b"\0").decode(errors="replace") for row in table]
        return [f"rank {r} ({name})" for r, name in enumerate(names)]

    def rows(self, size: int, buffer: np.ndarray) -> np.ndarray:
        """A receive buffer for ``size`` rows like ``buffer``, kept from call to call:
        it never leaves this module, and fresh memory costs page faults every step."""
        key = (buffer.dtype.str, buffer.size)
        if key not in self._rows:
            self._rows[key] = np.empty((size, buffer.size), buffer.dtype)
        return self._rows[key]

    # Control messages.

    def send(self, dest: int, tag: int, message: Any) -> None:
        self.sends.append(self.comm.isend(message, dest=dest, tag=tag))

    def serve(self, failing: bool = False) -> None:
        """Read every control message waiting, then raise ``RankFailedError`` if a rank
        failed (or ``ParallelError`` if one left), unless this rank is failing itself."""
        status = MPI.Status()
        failures: list[tuple[int, str]] = []
        while self.comm.Iprobe(MPI.ANY_SOURCE, MPI.ANY_TAG, status):
            source, tag = status.Get_source(), status.Get_tag()
            message = self.comm.recv(source=source, tag=tag)
            if tag == _PING:
                self.send(source, _PONG, self.where or ("failing" if failing else "busy"))
            elif tag == _PONG:
                self.pongs[source] = message
            elif tag == _ACK:
                self.acks.add(source)
            elif tag == _LEFT:
                self.left[source] = message
            elif tag == _FAIL:
                self.send(source, _ACK, None)
                self.failed.add(source)
                failures.append(message)
        if failing or self.failure is not None:
            return
        # A failure notice says why a rank is gone; one that left says only that it is.
        if failures:
            origin, text = failures[0]
            self.failure = RankFailedError(
                f"{self.names[origin]} failed: {text}\n(on {self.names[self.rank]}, waiting "
                f"in {self.where or 'no collective'})",
                origin,
            )
            raise self.failure
        # A rank that left after this call has taken part in it: the call completes.
        absent = [r for r, calls in self.left.items() if calls < self.calls]
        if absent:
            gone = min(absent)
            self.failure = ParallelError(
                f"{self.names[gone]} reached the end of the program while "
                f"{self.names[self.rank]} waits for it in {self.where}: every rank must "
                f"call the same collectives, as many times",
                (gone,),
            )
            raise self.failure

    def check(self, where: str) -> None:
        """Raise if an earlier failure left collectives unfinished on this communicator."""
        if self.failure is not None:
            raise ParallelError(
                f"{where} on {self.names[self.rank]}: this communicator failed earlier and "
                f"cannot be used again ({self.failure})",
                self.failure.ranks,
            )

    def wait(self, requests: list[MPI.Request], where: str, timeout: float) -> None:
        """Wait until ``requests`` complete, serving control messages; raise
        ``ParallelError`` naming the ranks at fault if that takes over ``timeout``."""
        self.check(where)
        self.where = where
        start = time.monotonic()
        deadline, spin = start + timeout, start + _SPIN
        pause = 0.0
        try:
            while not MPI.Request.Testall(requests):
                self.serve()
                now = time.monotonic()
                if now >= deadline:
                    self.timed_out(where, timeout)
                if now > spin:
                    time.sleep(pause)
                    pause = min(2 * pause or _FIRST_PAUSE, _MAX_PAUSE)
                else:
                    os.sched_yield()
        except MPI.Exception as err:
            error = ParallelError(f"{where} on {self.names[self.rank]}: MPI failed: {err}")
            self.failure = error
            self.notify(error, self.timeout)
            self.abort_at_exit = True
            raise error from err
        finally:
            self.where = ""

    def timed_out(self, where: str, timeout: float) -> None:
        """Ask the others where they are, then raise an error naming the absent ones."""
        others = [r for r in range(self.size) if r != self.rank]
        self.pongs = {}
        for r in others:
            self.send(r, _PING, where)
        end = time.monotonic() + min(_GRACE, timeout)
        while len(self.pongs) < len(others) and time.monotonic() < end:
            self.serve()  # a failure notice arriving now is the cause: it raises
            time.sleep(_MAX_PAUSE)
        silent = [r for r in others if r not in self.pongs]
        elsewhere = {r: place for r, place in self.pongs.items() if place != where}
        reasons = []
        if silent:
            reasons.append(
                f"{', '.join(self.names[r] for r in silent)} did not answer: killed, hung, "
                f"or busy for over {timeout:g} s outside paralens.parallel's collectives"
            )
        reasons += [f"{self.names[r]} is {_place(place)}" for r, place in elsewhere.items()]
        if not reasons:
            reasons.append(
                "every rank answered from this collective, yet it did not complete (look "
                "for an MPI error in the launcher's output)"
            )
        error = ParallelError(
            f"{where} timed out after {timeout:g} s on {self.names[self.rank]}: "
            + "; ".join(reasons)
            + ". If ranks may spend longer than that between collectives (a slow "
            "checkpoint, an evaluation on one rank), raise the timeout: "
            "paralens.parallel.world(timeout=...)",
            tuple(silent or sorted(elsewhere)),
        )
        self.failure = error
        self.notify(error, min(_GRACE, timeout), [r for r in others if r not in silent])
        if silent:
            self.abort_at_exit = True
        raise error

    def notify(self, error: BaseException, wait: float, ranks: list[int] | None = None) -> None:
        """Send a failure notice to ``ranks`` (all others by default) and wait up to
        ``wait`` seconds for each to acknowledge it; any that does not is lost, and this
        process will abort the run at exit rather than wait for it in ``MPI_Finalize``."""
        if self.notified:
            return
        self.notified = True
        if ranks is None:
            ranks = [r for r in range(self.size) if r != self.rank]
        targets = {r for r in ranks if r not in self.failed | self.left.keys()}
        text = f"{type(error).__name__}: {error}"[:_MAX_TEXT]
        for r in sorted(targets):
            self.send(r, _FAIL, (self.rank, text))
        deadline = time.monotonic() + wait
        while not targets <= self.acks | self.failed | self.left.keys():
            if time.monotonic() > deadline:
                self.abort_at_exit = True
                break
            self.serve(failing=True)
            time.sleep(_MAX_PAUSE)

    # The ends of the program.

    def _excepthook(
        self, kind: type[BaseException], error: BaseException, tb: TracebackType | None
    ) -> None:
        self._previous_hook(kind, error, tb)
        if not isinstance(error, ParallelError):
            self.notify(error, self.timeout)

    def _at_exit(self) -> None:
        if self.failure is None and not self.notified:
            for r in range(self.size):
                if r != self.rank and r not in self.failed | self.left.keys():
                    self.send(r, _LEFT, self.calls)
        deadline = time.monotonic() + _GRACE
        while not MPI.Request.Testall(self.sends) and time.monotonic() < deadline:
            time.sleep(_MAX_PAUSE)
        if self.abort_at_exit:
            sys.stdout.flush()
            sys.stderr.flush()
            # Let the launcher pass on what this rank printed, and the ranks told of the
            # failure print theirs, before it stops them all.
            time.sleep(_GRACE)
            MPI.COMM_WORLD.Abort(1)


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


def _place(place: str) -> str:
    if place == "busy":
        return "not in a collective"
    if place == "failing":
        return "failing"
    return f"waiting in {place}: the ranks call collectives in different orders"


_SESSION: list[_Session] = []


def communicator(timeout: float, reduction: Reduction) -> Communicator:
    """The communicator of ``MPI.COMM_WORLD`` (a ``SingleProcess`` if it has one rank)."""
    if MPI.COMM_WORLD.Get_size() == 1:
        return SingleProcess(timeout, reduction)
    if not _SESSION:
        _SESSION.append(_Session(timeout))
    session = _SESSION[0]
    session.timeout = timeout
    return MPICommunicator(session, timeout, reduction)


class MPICommunicator(Communicator):
    """A communicator of several processes, on ``MPI.COMM_WORLD`` (made by ``world()``)."""

    def __init__(self, session: _Session, timeout: float, reduction: Reduction) -> None:
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
