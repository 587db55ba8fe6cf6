"""The `cockpit` command line. Exit codes: 0 ok, 1 failure, 2 bad usage or config.

The grammar is `parser.py`; each subcommand is one module here (drill, run, snapshot,
act, export, serve, check_config), imported only when it runs."""

from __future__ import annotations

import gc
import sys
from collections.abc import Sequence

from cockpit.cli.common import EXIT_FAILURE, EXIT_USAGE
from cockpit.cli.parser import build_parser, handler


def main(argv: Sequence[str] | None = None) -> int:
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
