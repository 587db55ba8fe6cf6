"""`cockpit export`: the post-incident report from a journal, streamed; a file appears
whole or not at all."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from cockpit.cli.common import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, redactor_for, short_reason
from cockpit.core.safe_text import visible

if TYPE_CHECKING:
    from typing import TextIO

    from cockpit.incident.report import Report


def command(args: argparse.Namespace) -> int:
    import os
    from zoneinfo import ZoneInfoNotFoundError

    from cockpit.incident.journal import BadLine
    from cockpit.incident.report import build, from_file, write_html, write_json, write_markdown, zone

    redactor = redactor_for(args)
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
