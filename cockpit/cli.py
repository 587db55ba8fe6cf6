"""The `cockpit` command line. Exit codes: 0 ok, 1 failure, 2 bad usage or config."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from cockpit import config as config_module

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """argparse with the cockpit's exit code for usage errors and a pointer to --help."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n(try '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="cockpit",
        description="A full-screen terminal incident cockpit for recovering from a bad release.",
        epilog="Operator name precedence: --operator, then $COCKPIT_OPERATOR, then the login name.",
    )
    parser.add_argument("--operator", metavar="NAME", help="who is at the keyboard (journaled with every entry)")
    parser.add_argument("--read-only", action="store_true", help="observe only: no action can run")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    check = sub.add_parser("check-config", help="validate a config file and print every problem")
    check.add_argument("path", metavar="PATH", help="the TOML config file")
    check.set_defaults(handler=_check_config)
    return parser


def _check_config(args: argparse.Namespace) -> int:
    try:
        cfg = config_module.load(args.path)
    except config_module.ConfigError as exc:
        for line in exc.lines():
            print(line, file=sys.stderr)
        count = len(exc.problems)
        print(f"{args.path}: {count} problem{'s' if count != 1 else ''}", file=sys.stderr)
        return EXIT_USAGE
    print(f"{args.path}: OK ({_summary(cfg)})")
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
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return int(args.handler(args))
    except KeyboardInterrupt:
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
