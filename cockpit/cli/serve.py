"""`cockpit serve`: the read-only live web page of an incident."""

from __future__ import annotations

import argparse
import sys

from cockpit.cli.common import EXIT_USAGE, redactor_for


def command(args: argparse.Namespace) -> int:
    from zoneinfo import ZoneInfoNotFoundError

    from cockpit.incident.report import zone

    redactor = redactor_for(args)
    if redactor is None:
        return EXIT_USAGE
    try:
        zone(args.tz)
    except (ZoneInfoNotFoundError, ValueError):
        print(f"cockpit serve: unknown time zone {args.tz!r} (use an IANA name such as Europe/Berlin)", file=sys.stderr)
        return EXIT_USAGE
    from cockpit.ui.web import serve

    return serve(args.journal, args.host, args.port, args.tz, redactor)
