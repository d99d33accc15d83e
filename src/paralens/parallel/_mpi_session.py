"""This process's part in a run on MPI: the control messages beside the collectives.

A ``Session`` holds a duplicate of ``MPI.COMM_WORLD`` (so that paralens's messages never
meet the program's own), the count of collectives called, and the waits: every collective
is non-blocking and polled against a deadline, so that a rank that is lost makes the
others raise instead of waiting forever. While a rank waits it reads small *control*
messages:

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
from typing import Any

import numpy as np
from mpi4py import MPI

from paralens.parallel._communicator import ParallelError, RankFailedError

__all__ = ["Session"]

_FAIL, _ACK, _PING, _PONG, _LEFT = 101, 102, 103, 104, 105
# How long a rank that timed out waits for the others to answer its ping, at most.
_GRACE = 1.0
# A waiting rank tests its requests without pause for _SPIN seconds (MPI moves a large
# buffer only while it is being tested: sleeping between tests made a 2 MB mean three
# times slower), yielding its core after every _TESTS_PER_YIELD tests (to the other ranks
# where there are more ranks than cores: 3 on 2 cores trained twice as fast); then
# it sleeps between tests for a time that doubles up to _MAX_PAUSE, so that a long wait
# (a rank writing a checkpoint) costs little CPU.
_SPIN = 0.02
_TESTS_PER_YIELD = 20
_FIRST_PAUSE, _MAX_PAUSE = 1e-5, 1e-3
_MAX_TEXT = 4000
_NAME_BYTES = 64


class Session:
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
                if _completes_soon(requests):
                    return
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


def _place(place: str) -> str:
    if place == "busy":
        return "not in a collective"
    if place == "failing":
        return "failing"
    return f"waiting in {place}: the ranks call collectives in different orders"


def _completes_soon(requests: list[MPI.Request]) -> bool:
    """Whether ``requests`` complete within ``_TESTS_PER_YIELD`` more tests, before this
    rank gives up its core."""
    return any(MPI.Request.Testall(requests) for _ in range(_TESTS_PER_YIELD))
