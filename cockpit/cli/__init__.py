"""The `cockpit` command line. Exit codes: 0 ok, 1 failure, 2 bad usage or config, 141 the
reader of the output went away (`| head -1`: the shell's code for a SIGPIPE, no traceback).

The grammar is `parser.py`; each subcommand is one module here (drill, run, snapshot,
act, export, serve, check_config), imported only when it runs."""

from __future__ import annotations

import contextlib
import gc
import os
import select
import sys
from collections.abc import Sequence

from cockpit.cli.common import EXIT_FAILURE, EXIT_USAGE
from cockpit.cli.parser import build_parser, handler

#: What a shell reports for a command killed by SIGPIPE (128 + 13): the output was cut short.
EXIT_PIPE = 141


def main(argv: Sequence[str] | None = None) -> int:
    try:
        code = _main(argv)
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's exit flush
        return code
    except BrokenPipeError:
        if not _stdout_closed():
            raise  # a backend's connection, not our reader: a real failure, shown as one
        # Python flushes stdout once more at exit: aim it at /dev/null so that has nowhere to fail.
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_PIPE


def _stdout_closed() -> bool:
    """Whether no one reads our stdout any more (a pipe whose reader exited)."""
    try:
        poll = select.poll()
        poll.register(sys.stdout.fileno(), select.POLLOUT)
        return any(event & (select.POLLERR | select.POLLHUP) for _, event in poll.poll(0))
    except (OSError, ValueError):
        return False


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None and args.config:
        args.command, args.handler, args.journal, args.join = "run", handler("run"), None, False
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    if args.command in ("drill", "run"):
        # Start-up allocates hundreds of thousands of long-lived objects (imports, widgets)
        # and the collector would scan them again and again (~30 ms of a ~250 ms start).
        # The app ends the pause after its first frame (CockpitApp.end_startup_gc_pause).
        gc.disable()
    try:
        return int(args.handler(args))
    except KeyboardInterrupt:
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
