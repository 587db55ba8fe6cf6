"""`cockpit act`: one rollback action headless, journaled like a keypress.

The same runner as the TUI (`Session.run_action`): fail-closed journal, the shared step
lock when `[shared]` is configured, interrupted actions marked first; everything it prints
goes through the journal's redaction and `visible()` (`Console`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import replace

from cockpit.actions import Preview
from cockpit.cli.common import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, load_config
from cockpit.cli.console import Console
from cockpit.config import Config
from cockpit.core.redact import Redactor
from cockpit.core.session import Session
from cockpit.incident.journal import Journal, JournalError, Operator
from cockpit.wiring import TARGET_ONLY, action_names, build_live, join_shared


def command(args: argparse.Namespace) -> int:
    cfg = load_config(args.config)
    if cfg is None:
        return EXIT_USAGE
    return act(args, cfg)


def act(args: argparse.Namespace, cfg: Config) -> int:
    """Run one action: preview, confirm (`--yes`, or y/N on a terminal), execute, verify; journaled.
    With a `[release] file`, the step is the release's (its preconditions and approvers apply),
    unless the journal was begun without it."""
    from cockpit.cli.release_args import Derived, journal_started_without_release, release_for

    journal_path = args.journal or cfg.incident.journal
    release = None if journal_started_without_release(journal_path) else release_for(cfg, None)
    if release is False:
        return EXIT_USAGE
    backends = build_live(cfg, steps=release.steps if isinstance(release, Derived) else None)
    redactor = Redactor.from_env(cfg.secret_env_names())
    console = Console(redactor)
    if args.action not in (known := action_names(backends.steps, backends.actions)):
        # The names are the runbook's action instances (built by the action registry), not a fixed list.
        console.err(f"cockpit act: no action {args.action!r} in this runbook (actions: {', '.join(known)})")
        return EXIT_USAGE
    try:
        journal = Journal.open(journal_path, Operator.detect(args.operator), redactor)
    except JournalError as exc:
        console.err(f"cockpit: {exc}")
        return EXIT_FAILURE
    session = Session(backends, journal, read_only=args.read_only)
    if isinstance(release, Derived) and not args.read_only and not any(e.kind == "release" for e in journal.entries):
        rec = release.record  # the release map, once per incident (as `run` does)
        session.record("release", f"release {rec.get('id')}: {len(rec.get('changes') or ())} changes", data=rec)
    for bad in journal.bad_lines:
        console.err(f"{journal.path}:{bad.line_no}: skipped a {bad.reason} line")
    if cfg.shared is not None and not args.read_only:
        # The same per-step lock as every cockpit on this incident: two `act`s of one step
        # (or an `act` and a TUI) never both execute it.
        session.attach_shared(join_shared(cfg, journal, session.mirror))
    for preview in session.mark_interrupted():  # like the TUI at resume: say so before anything else runs
        console.err(
            f"cockpit act: INTERRUPTED, state unknown: {preview.data.get('action')} was running when a "
            "cockpit stopped; re-verify before retrying"
        )
    name = args.action
    if args.target or name in TARGET_ONLY:
        if not args.target:
            console.err(f"cockpit act: {name} needs a TARGET (a queue name)")
            return EXIT_USAGE
        try:
            action = backends.targeted(name, args.target) if backends.targeted else None
        except LookupError as exc:
            console.err(f"cockpit act: {exc}")
            return EXIT_USAGE
        if action is None:
            console.err(f"cockpit act: {name} takes no TARGET here")
            return EXIT_USAGE
        name = action.name
        session.actions[name] = action

    async def confirm(preview: Preview) -> Preview | None:
        preview = replace(preview, reason=args.override or "")
        if args.yes:
            return preview
        if not sys.stdin.isatty():
            console.err("not confirmed: no terminal to ask on; pass --yes to confirm from a script")
            return None
        answer = await asyncio.to_thread(input, "Proceed? [y/N] ")
        return preview if answer.strip().lower() in ("y", "yes") else None

    def show(preview: Preview) -> None:
        console.out(f"{preview.title}:")
        for line in preview.touches:
            console.out(f"  - {line}")
        if preview.counts:
            console.out("  counts: " + ", ".join(f"{k} {v:,}" for k, v in preview.counts.items()))
        for warning in preview.warnings:
            console.out(f"  ! {warning}")
        for line in preview.failing:
            console.out(f"  {preview.failing_what} {line}" + ("" if args.override else " (--override REASON to go on)"))
        if preview.text is not None:
            console.out("  message:\n    " + preview.text.replace("\n", "\n    "))

    async def confirm_and_show(preview: Preview) -> Preview | None:
        show(preview)
        return await confirm(preview)

    async def run() -> int:
        try:
            await session.refresh_now()  # the "before" readings the journal entry carries
            outcome = await session.run_action(
                name, confirm_and_show, lambda line: console.out(f"  | {line}"), dry_run=args.dry_run
            )
            if outcome.status == "dry-run" and session.last_preview is not None:
                show(session.last_preview)
        finally:
            if session.shared is not None:  # publish what this act journaled to the other cockpits
                if not await session.shared.sync_once():
                    console.err(f"cockpit act: {session.shared.error}; the entries are in the local journal only")
                await session.shared.close()
            await backends.close()
        status = outcome.status
        if status == "unjournaled" and not session.retry_unsaved():
            # Done, but not durable: loud, non-zero, and the entries on stderr so nobody loses them.
            console.err(f"cockpit act: {outcome.message}")
            console.err("cockpit act: these journal entries could NOT be written; copy them into the journal:")
            for unsaved in journal.unsaved:
                console.err(
                    json.dumps(
                        {
                            "ts": unsaved.ts,
                            "operator": unsaved.who.name,
                            "kind": unsaved.kind,
                            "step": unsaved.step,
                            "summary": unsaved.summary,
                            "data": redactor(unsaved.data),
                        },
                        ensure_ascii=False,
                        default=str,
                    )
                )
            return EXIT_FAILURE
        if status == "unjournaled":  # the retry wrote it after all
            status = "failed" if outcome.state_left else "done"
        console.out(outcome.message)
        return EXIT_OK if status in ("done", "dry-run") else EXIT_FAILURE

    try:
        return asyncio.run(run())
    finally:
        journal.close()
