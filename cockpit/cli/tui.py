"""Starting the full-screen cockpit (`drill` and `run`): open the journal, build the
session (joined to a shared incident when asked), take the terminal, run the app."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from cockpit.cli.common import EXIT_FAILURE, EXIT_OK

if TYPE_CHECKING:
    from cockpit.backends import Backends


def run_tui(
    backends: Backends,
    journal_path: str,
    args: argparse.Namespace,
    join: bool = False,
    preflight: Callable[[], Awaitable[list[str]]] | None = None,
    release: dict[str, Any] | None = None,
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
    if release is not None and not args.read_only and not any(e.kind == "release" for e in journal.entries):
        # The release map, once per incident: the report lists it without the config.
        changes, steps = len(release.get("changes") or ()), len(release.get("order") or ())
        session.record("release", f"release {release.get('id')}: {changes} changes, {steps} undo steps", data=release)
    if join:  # `run` refuses --join without [shared] before it gets here
        from cockpit.wiring import join_shared

        session.attach_shared(join_shared(backends.config, journal, session.mirror))
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
