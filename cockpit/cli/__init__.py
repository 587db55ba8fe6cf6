"""The `cockpit` command line. Exit codes: 0 ok, 1 failure, 2 bad usage or config."""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC
from typing import TYPE_CHECKING, NoReturn

from cockpit import config as config_module
from cockpit.core.safe_text import visible

if TYPE_CHECKING:
    from typing import TextIO

    from cockpit.backends import Backends
    from cockpit.core.redact import Redactor
    from cockpit.incident.report import Report

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
ACT_NAMES = (
    "pause_risky",
    "pause_queue",
    "resume_queue",
    "maintenance",
    "flags_safe",
    "revert",
    "clear_caches",
    "repair",
    "restart_staged",
    "verify_paths",
    "status_update",
    "customer_update",
)


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
    drill.set_defaults(handler=_drill)

    run = sub.add_parser("run", help="the cockpit on the real systems of a config")
    run.add_argument("--config", required=True, metavar="PATH", help="the TOML config file")
    run.add_argument("--journal", metavar="PATH", help="journal file (default: incident.journal from the config)")
    run.add_argument(
        "--join",
        action="store_true",
        help="join the incident shared through [shared] (every operator's entries, step locks)",
    )
    run.set_defaults(handler=_run)

    snapshot = sub.add_parser("snapshot", help="read every source once, print, exit (1 if any read failed)")
    snapshot.add_argument("--config", required=True, metavar="PATH", help="the TOML config file")
    snapshot.add_argument("--json", action="store_true", help="JSON: one object per panel kind")
    snapshot.set_defaults(handler=_snapshot)

    act = sub.add_parser(
        "act",
        help="run one rollback action headless, journaled like a keypress",
        description="Actions: " + ", ".join(ACT_NAMES) + ". TARGET names one queue (pause_queue, "
        "resume_queue), cache (clear_caches), repair script (repair) or flag (flags_safe).",
    )
    act.add_argument("--config", required=True, metavar="PATH", help="the TOML config file")
    act.add_argument("action", metavar="ACTION", choices=ACT_NAMES, help="one of: " + ", ".join(ACT_NAMES))
    act.add_argument("target", metavar="TARGET", nargs="?", help="the one queue, cache, repair or flag to act on")
    act.add_argument("--dry-run", action="store_true", help="print the preview (read live) and change nothing")
    act.add_argument("--yes", action="store_true", help="confirm without asking (for scripts)")
    act.add_argument("--journal", metavar="PATH", help="journal file (default: incident.journal from the config)")
    act.set_defaults(handler=_act)

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
    export.set_defaults(handler=_export)

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
    serve.set_defaults(handler=_serve)

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
    check.set_defaults(handler=_check_config)
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


def _drill(args: argparse.Namespace) -> int:
    from datetime import datetime

    from cockpit.drill import build_drill

    backends = build_drill(seed=args.seed, speed=args.speed)
    path = args.journal or f"drill-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.jsonl"
    return _run_tui(backends, path, args)


def _run_tui(
    backends: Backends,
    journal_path: str,
    args: argparse.Namespace,
    join: bool = False,
    preflight: Callable[[], Awaitable[list[str]]] | None = None,
) -> int:
    from cockpit.core.redact import Redactor
    from cockpit.core.session import Session
    from cockpit.incident.journal import Journal, JournalError, Operator
    from cockpit.ui.app import CockpitApp

    operator = Operator.detect(args.operator)
    try:
        journal = Journal.open(journal_path, operator, Redactor.from_env(backends.config.secret_env_names()))
    except JournalError as exc:
        print(f"cockpit: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    if journal.bad_lines:
        for bad in journal.bad_lines:
            print(f"{journal_path}:{bad.line_no}: skipped a {bad.reason} line: {bad.text[:60]!r}", file=sys.stderr)
    session = Session(backends, journal, read_only=args.read_only)
    if join:
        import os

        from cockpit.incident.shared import SharedLog

        shared_cfg = backends.config.shared
        if shared_cfg is None:  # _run refuses --join without [shared] before it gets here
            raise LookupError("--join needs a [shared] section (redis, incident)")
        url = backends.config.redis_named(shared_cfg.redis).resolve_url(os.environ)
        session.attach_shared(
            SharedLog(url, shared_cfg.incident, journal, session.mirror, lock_ttl=shared_cfg.lock_ttl)
        )
    from cockpit.ui.terminal import use_controlling_terminal

    try:
        use_controlling_terminal()  # draw on the terminal even with 2>err.log; errors still go there
    except OSError as exc:
        journal.close()
        print(
            f"cockpit: no terminal to draw on (/dev/tty: {exc.strerror or exc}); "
            "use `cockpit snapshot` or `cockpit act` without one",
            file=sys.stderr,
        )
        return EXIT_FAILURE
    try:
        CockpitApp(session, preflight=preflight).run()
    finally:
        journal.close()
    print(f"journal: {journal_path} ({len(journal.entries)} entries)")
    return EXIT_OK


def _load_config(path: str) -> config_module.Config | None:
    try:
        return config_module.load(path)
    except config_module.ConfigError as exc:
        for line in exc.lines():
            print(visible(line), file=sys.stderr)
        return None


def _run(args: argparse.Namespace) -> int:
    from cockpit.wiring import build_live

    cfg = _load_config(args.config)
    if cfg is None:
        return EXIT_USAGE
    join = args.join or bool(cfg.shared and cfg.shared.join)
    if join and cfg.shared is None:
        print(f"{args.config}: shared: --join needs a [shared] section (redis, incident)", file=sys.stderr)
        return EXIT_USAGE

    async def preflight() -> list[str]:
        import os

        from cockpit.cli.preflight import preflight as check

        return [c.line() for c in await check(cfg, os.environ) if not c.ok]

    return _run_tui(build_live(cfg), args.journal or str(cfg.incident.journal), args, join=join, preflight=preflight)


def _snapshot(args: argparse.Namespace) -> int:
    import asyncio

    from cockpit.cli.console import Console
    from cockpit.cli.snapshot import render_json, render_text, take_snapshot
    from cockpit.core.redact import Redactor

    cfg = _load_config(args.config)
    if cfg is None:
        return EXIT_USAGE
    redactor = Redactor.from_env(cfg.secret_env_names())
    snap = asyncio.run(take_snapshot(cfg))
    # The same redaction as the journal: an error may echo a URL with its token.
    Console(redactor).out(render_json(snap, redactor) if args.json else render_text(snap))
    return EXIT_OK if snap.all_ok else EXIT_FAILURE


def _act(args: argparse.Namespace) -> int:
    from cockpit.cli.act import act

    cfg = _load_config(args.config)
    if cfg is None:
        return EXIT_USAGE
    return act(args, cfg)


def _redactor_for(args: argparse.Namespace) -> Redactor | None:
    """The export's redactor: the built-in rules, plus the secrets a given config names. None: bad config."""
    from cockpit.core.redact import Redactor

    if not args.config:
        return Redactor()
    cfg = _load_config(args.config)
    return None if cfg is None else Redactor.from_env(cfg.secret_env_names())


def _export(args: argparse.Namespace) -> int:
    import os
    from zoneinfo import ZoneInfoNotFoundError

    from cockpit.incident.journal import BadLine
    from cockpit.incident.report import build, from_file, write_html, write_json, write_markdown, zone

    redactor = _redactor_for(args)
    if redactor is None:
        return EXIT_USAGE
    if not os.access(args.journal, os.R_OK) or os.path.isdir(args.journal):
        print(f"cockpit export: cannot read {args.journal}", file=sys.stderr)
        return EXIT_FAILURE
    try:
        zone(args.tz)
    except (ZoneInfoNotFoundError, ValueError):
        print(
            f"cockpit export: unknown time zone {args.tz!r} (use an IANA name such as Europe/Berlin)", file=sys.stderr
        )
        return EXIT_USAGE
    bad: list[BadLine] = []
    try:
        report = build(from_file(args.journal, bad, redactor), args.tz)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:  # the journal's content, not the zone
        print(f"cockpit export: {args.journal}: cannot build the report: {visible(short_reason(exc))}", file=sys.stderr)
        return EXIT_FAILURE
    except OSError as exc:
        print(f"cockpit export: cannot read {args.journal}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILURE
    for line in bad:
        print(visible(f"{args.journal}:{line.line_no}: skipped a {line.reason} line"), file=sys.stderr)
    appendix = not args.no_appendix
    writers: dict[str, Callable[[Report, TextIO], None]] = {
        "json": write_json,
        "html": lambda r, out: write_html(r, out, appendix),
        "md": lambda r, out: write_markdown(r, out, appendix),
    }
    write = writers[args.format]
    # The report streams (the journal is read again while writing): a file appears whole or not at all.
    partial = f"{args.output}.partial" if args.output else None
    try:
        if partial:
            with open(partial, "w", encoding="utf-8") as handle:
                write(report, handle)
            os.replace(partial, args.output)
        else:
            write(report, sys.stdout)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        print(f"cockpit export: {args.journal}: cannot write the report: {visible(short_reason(exc))}", file=sys.stderr)
        return EXIT_FAILURE
    except BrokenPipeError:  # the reader (`| head`) has what it wanted
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - so the exit-time flush stays quiet
        return EXIT_OK
    except OSError as exc:
        print(f"cockpit export: cannot write {args.output or 'the report'}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILURE
    finally:
        if partial and os.path.exists(partial):
            os.unlink(partial)
    if args.output:
        print(f"wrote {args.output}")
    return EXIT_OK


def short_reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:200]


def _serve(args: argparse.Namespace) -> int:
    from zoneinfo import ZoneInfoNotFoundError

    from cockpit.incident.report import zone

    redactor = _redactor_for(args)
    if redactor is None:
        return EXIT_USAGE
    try:
        zone(args.tz)
    except (ZoneInfoNotFoundError, ValueError):
        print(f"cockpit serve: unknown time zone {args.tz!r} (use an IANA name such as Europe/Berlin)", file=sys.stderr)
        return EXIT_USAGE
    from cockpit.ui.web import serve

    return serve(args.journal, args.host, args.port, args.tz, redactor)


def _check_config(args: argparse.Namespace) -> int:
    try:
        cfg = config_module.load(args.path)
    except config_module.ConfigError as exc:
        for line in exc.lines():
            print(visible(line), file=sys.stderr)
        count = len(exc.problems)
        print(f"{args.path}: {count} problem{'s' if count != 1 else ''}", file=sys.stderr)
        return EXIT_USAGE
    print(f"{args.path}: OK ({_summary(cfg)})")
    if (code := _check_release(args, cfg)) != EXIT_OK:
        return code
    if getattr(args, "env", False):
        import asyncio
        import os

        from cockpit.cli.preflight import backend_checks
        from cockpit.config.envcheck import check_environment

        lines, ok = check_environment(cfg)
        print("environment:" if lines else "environment: nothing to check")
        for line in lines:
            print(line)
        backends = asyncio.run(backend_checks(cfg, os.environ))
        print("backends:" if backends else "backends: none configured")
        for check in backends:
            print(visible("  " + check.line()))
        if not ok or not all(c.ok for c in backends):
            print(f"{args.path}: the environment is not ready (see above)", file=sys.stderr)
            return EXIT_FAILURE
    return EXIT_OK


def _check_release(args: argparse.Namespace, cfg: config_module.Config) -> int:
    """Validate the release file (`--release`, else the config's `[release] file`), one line per problem."""
    path = getattr(args, "release", None) or cfg.release.file
    if path is None:
        return EXIT_OK
    from cockpit.config.release import load_release
    from cockpit.core.release_plan import plan

    try:
        release_map = load_release(path, cfg)
    except config_module.ConfigError as exc:
        for line in exc.lines():
            print(visible(line), file=sys.stderr)
        count = len(exc.problems)
        print(f"{path}: {count} problem{'s' if count != 1 else ''}", file=sys.stderr)
        return EXIT_USAGE
    changes, steps = len(release_map.changes), len(plan(release_map))
    print(f"{path}: OK (release {visible(release_map.release.id)}: {changes} changes, {steps} undo steps)")
    return EXIT_OK


def _summary(cfg: config_module.Config) -> str:
    parts = [
        (len(cfg.prometheus.queries) if cfg.prometheus else 0, "error-rate query", "error-rate queries"),
        (len(cfg.redis), "Redis instance", "Redis instances"),
        (len(cfg.queues), "queue", "queues"),
        (len(cfg.regions), "region", "regions"),
        (len(cfg.flags), "flag", "flags"),
        (len(cfg.postgres.suspects) if cfg.postgres else 0, "suspect query", "suspect queries"),
        (len(cfg.checks), "user-path check", "user-path checks"),
        (len(cfg.actions.caches), "cache", "caches"),
        (len(cfg.actions.repairs), "repair script", "repair scripts"),
    ]
    return ", ".join(f"{n} {one if n == 1 else many}" for n, one, many in parts)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None and args.config:
        args.command, args.handler, args.journal, args.join = "run", _run, None, False
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
