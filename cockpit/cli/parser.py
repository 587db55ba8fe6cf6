"""The command line's grammar: every subcommand, its options and their help. Each
subcommand's code is its own module (`cockpit.cli.<name>`), imported only when it runs,
so `cockpit --help` and start-up stay cheap."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from cockpit.cli.common import EXIT_OK, EXIT_USAGE


def handler(module: str) -> Callable[[argparse.Namespace], int]:
    """The subcommand in `cockpit.cli.<module>`: its `command(args)`, imported when called."""

    def run(args: argparse.Namespace) -> int:
        command: Callable[[argparse.Namespace], int] = importlib.import_module(f"cockpit.cli.{module}").command
        return command(args)

    return run


class _VersionAction(argparse.Action):
    """`--version`: the installed distribution's version, looked up only when asked for
    (importlib.metadata costs milliseconds that every start would otherwise pay)."""

    def __init__(
        self,
        option_strings: Sequence[str],
        dest: str = argparse.SUPPRESS,
        default: str = argparse.SUPPRESS,
        help: str | None = None,
    ) -> None:
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        from importlib.metadata import PackageNotFoundError, version

        try:
            text = version("cockpit")
        except PackageNotFoundError:  # running from a source tree that was never installed
            text = "unknown (not installed)"
        print(f"{parser.prog} {text}")  # to standard output, like argparse's own "version" action
        parser.exit(EXIT_OK)


class _Parser(argparse.ArgumentParser):
    """argparse with the cockpit's exit code for usage errors and a pointer to --help."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n(try '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="cockpit",
        description="A full-screen terminal incident cockpit for recovering from a bad release.",
        epilog="Operator name precedence: --operator, then $COCKPIT_OPERATOR, then the login name.",
    )
    parser.add_argument("--version", action=_VersionAction, help="print the installed version and exit")
    parser.add_argument("--operator", metavar="NAME", help="who is at the keyboard (journaled with every entry)")
    parser.add_argument("--read-only", action="store_true", help="observe only: no action can run")
    parser.add_argument("--config", metavar="PATH", help="shorthand for `cockpit run --config PATH`")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    drill = sub.add_parser("drill", help="the cockpit on the built-in simulated incident (no server needed)")
    drill.add_argument(
        "--seed", type=int, default=7, metavar="N", help="random seed: same seed, same incident (default 7)"
    )
    drill.add_argument(
        "--speed",
        type=_positive_float,
        default=1.0,
        metavar="X",
        help="run the incident clock X times faster (default 1)",
    )
    drill.add_argument(
        "--journal",
        metavar="PATH",
        help="journal file (default: a new drill-<UTC time>.jsonl here; an existing file is resumed)",
    )
    drill.add_argument(
        "--no-release",
        action="store_true",
        help="the fixed 12-step runbook instead of the one derived from the drill's release file",
    )
    drill.set_defaults(handler=handler("drill"))

    run = sub.add_parser("run", help="the cockpit on the real systems of a config")
    run.add_argument("--config", required=True, metavar="PATH", help="the TOML config file")
    run.add_argument("--journal", metavar="PATH", help="journal file (default: incident.journal from the config)")
    run.add_argument(
        "--release", metavar="FILE", help="the release file the runbook derives from (default: [release] file)"
    )
    run.add_argument(
        "--join",
        action="store_true",
        help="join the incident shared through [shared] (every operator's entries, step locks)",
    )
    run.set_defaults(handler=handler("run"))

    snapshot = sub.add_parser("snapshot", help="read every source once, print, exit (1 if any read failed)")
    snapshot.add_argument("--config", required=True, metavar="PATH", help="the TOML config file")
    snapshot.add_argument("--json", action="store_true", help="JSON: one object per panel kind")
    snapshot.set_defaults(handler=handler("snapshot"))

    act = sub.add_parser(
        "act",
        help="run one rollback action headless, journaled like a keypress",
        description="ACTION is one of the runbook's action instances, as the action registry builds them "
        "for this config (and release file): pause_risky, flags_safe, revert, clear_caches, repair, "
        "restart_staged, verify_paths, status_update, customer_update, maintenance by default; a release's "
        "further instances are KIND:STEP; a name it does not have is refused with the list. "
        "pause_queue / resume_queue take a TARGET queue. TARGET names one queue (pause_queue, "
        "resume_queue), cache (clear_caches), repair script (repair) or flag (flags_safe).",
    )
    act.add_argument("--config", required=True, metavar="PATH", help="the TOML config file")
    act.add_argument("action", metavar="ACTION", help="an action of the runbook (an unknown one lists them)")
    act.add_argument("target", metavar="TARGET", nargs="?", help="the one queue, cache, repair or flag to act on")
    act.add_argument("--dry-run", action="store_true", help="print the preview (read live) and change nothing")
    act.add_argument("--yes", action="store_true", help="confirm without asking (for scripts)")
    act.add_argument(
        "--override",
        metavar="REASON",
        help="go on although the step's precondition fails, or accept its undo although its verify does not "
        "hold (a reason of at least 3 words; journaled as an override)",
    )
    act.add_argument("--journal", metavar="PATH", help="journal file (default: incident.journal from the config)")
    act.set_defaults(handler=handler("act"))

    export = sub.add_parser("export", help="the post-incident report (Markdown, JSON or HTML) from a journal")
    export.add_argument("journal", metavar="JOURNAL", help="the incident journal (JSON Lines)")
    export.add_argument(
        "--format",
        choices=("md", "json", "html"),
        default="md",
        help="md (default), json (schema cockpit.report/2) or html (one self-contained file)",
    )
    export.add_argument("-o", "--output", metavar="FILE", help="write here instead of standard output")
    export.add_argument("--tz", default="UTC", metavar="ZONE", help="render times in this IANA time zone (default UTC)")
    export.add_argument("--config", metavar="PATH", help="also redact the secrets this config names")
    export.add_argument(
        "--no-appendix",
        action="store_true",
        help="leave the full journal out of the Markdown/HTML (the JSON always has it)",
    )
    export.set_defaults(handler=handler("export"))

    serve = sub.add_parser(
        "serve",
        help="a read-only live web page of an incident, for people not at the keyboard",
        description="Serves the header state, gate, runbook progress, latest readings and the "
        "curated timeline of a journal, updating as the journal grows. Read-only: only GET is "
        "answered. Nothing is served unless you run this command.",
    )
    serve.add_argument("--journal", required=True, metavar="PATH", help="the incident journal to follow")
    serve.add_argument("--host", default="127.0.0.1", metavar="ADDR", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=_port, default=8650, metavar="N", help="port (default 8650; 0 picks a free one)")
    serve.add_argument("--tz", default="UTC", metavar="ZONE", help="show times in this IANA time zone (default UTC)")
    serve.add_argument("--config", metavar="PATH", help="also redact the secrets this config names")
    serve.set_defaults(handler=handler("serve"))

    check = sub.add_parser("check-config", help="validate a config file and print every problem")
    check.add_argument("path", metavar="PATH", help="the TOML config file")
    check.add_argument(
        "--env",
        action="store_true",
        help="also check the environment: every *_env variable set, the suspect-query role SELECT-only, "
        "every backend answering (one line each; exit 1 if not)",
    )
    check.add_argument(
        "--release", metavar="FILE", help="also validate this release file (default: [release] file of the config)"
    )
    check.set_defaults(handler=handler("check_config"))
    return parser


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0 to 65535 (got {value})")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0 (got {text})")
    return value
