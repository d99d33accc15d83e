"""The ``paralens`` command line: ``paralens train ...``, ``paralens diagram ...``,
``paralens bench``, ``paralens demo``.

Every command ends with one of a few exit codes: 0 when it did its work, 1 with one line
on stderr when a file, the data or the training went wrong, 2 for a bad option (from
argparse), 130 after Ctrl-C (with where the checkpoint is), and 141 when the output pipe
was closed (``paralens train mnist | head -1``), which it leaves quietly.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from paralens._cli._bench import add_bench_parser, run_bench
from paralens._cli._demo import demo
from paralens._cli._diagram import add_diagram_parser, run_diagram
from paralens._cli._options import add_train_parser
from paralens._cli._train import run_train
from paralens._version import __version__

__all__ = ["main"]

INTERRUPTED = 130  # 128 + SIGINT, what a shell reports for a command stopped by Ctrl-C
CLOSED_PIPE = 141  # 128 + SIGPIPE


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="paralens", description="Typed, purely functional differentiable programming."
    )
    parser.add_argument("--version", action="version", version=f"paralens {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="differentiate a small heterogeneous model")
    add_train_parser(commands)
    add_diagram_parser(commands)
    add_bench_parser(commands)
    return parser


def _run(args: argparse.Namespace) -> int:
    if args.command == "demo":
        return demo()
    if args.command == "train":
        return run_train(args)
    if args.command == "bench":
        return run_bench(args)
    return run_diagram(args)


def _quiet_stdout() -> None:
    """Point stdout at the null device, so that the interpreter's last flush of a closed
    pipe does not print a traceback."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``paralens`` and ``python -m paralens``; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        code = _run(args)
        sys.stdout.flush()
    except KeyboardInterrupt:
        print(f"\nparalens {args.command}: interrupted", file=sys.stderr)
        return INTERRUPTED
    except BrokenPipeError:
        _quiet_stdout()
        return CLOSED_PIPE
    return code


if __name__ == "__main__":
    sys.exit(main())
