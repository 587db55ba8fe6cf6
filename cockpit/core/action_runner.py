"""The action runner: preview -> confirm -> execute -> verify, every phase journaled with
readings before and after. An action never runs un-journaled; its outcome is redacted like
the journal. The session delegates `run_action` here (kept apart so each stays one job)."""

from __future__ import annotations

import asyncio
import os
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from cockpit.actions import Action, ActionOutcome, Preview, Result
from cockpit.actions.guarded import GuardStop, no_checkpoint
from cockpit.core import approvals, step_checks, undo_verify
from cockpit.core.guarded_run import Decide, GuardedRun, guard_stop_result
from cockpit.core.polling import short_error
from cockpit.core.runbook import StepState
from cockpit.core.safe_text import visible

if TYPE_CHECKING:
    from cockpit.core.session import Session

#: An output line longer than this is journaled as several entries (each redacted as part of the whole line).
OUTPUT_PIECE = 4096

#: Shows a preview and returns it (possibly with edited text) when confirmed, None when cancelled.
Confirm = Callable[[Preview], Awaitable[Preview | None]]


async def run_action(
    session: Session,
    name: str,
    confirm: Confirm,
    progress: Callable[[str], None] = lambda line: None,
    *,
    dry_run: bool = False,
    decide: Decide | None = None,
) -> ActionOutcome:
    """preview -> confirm -> execute -> verify, every phase journaled with readings before and after."""
    if session.read_only:
        return ActionOutcome("refused", "read-only: no action can run")
    if session.closed:
        return ActionOutcome("refused", "the incident is closed: no action runs (reopen it first, x)")
    action = session.actions.get(name)
    if action is None:
        return ActionOutcome("refused", f"no action {name!r} is configured")
    if name in session.in_flight:
        return ActionOutcome("busy", f"{action.title} is already running")
    session.in_flight.add(name)
    try:
        lock = action.step or action.name
        holder = session.journal.operator.name
        if session.shared is not None and not dry_run:
            from cockpit.incident.shared import SHARED_ERRORS  # joining cockpits only

            warning = None
            try:
                other = await session.shared.acquire(lock, holder)
            except SHARED_ERRORS():
                other = None
                warning = "shared store unreachable: no step lock taken; agree by voice who runs it"
            if other is not None:
                return ActionOutcome("locked", f"{action.title} is being run by {other}")
            refresher = asyncio.create_task(_keep_lock(session, lock, holder))
            try:
                return _redacted(session, await _run(session, action, confirm, progress, dry_run, warning, decide))
            finally:
                refresher.cancel()
                try:
                    await session.shared.release(lock, holder)
                except SHARED_ERRORS():
                    pass  # it expires by itself
        return _redacted(session, await _run(session, action, confirm, progress, dry_run, decide=decide))
    finally:
        session.in_flight.discard(name)


async def _keep_lock(session: Session, lock: str, holder: str) -> None:
    from cockpit.incident.shared import SHARED_ERRORS

    assert session.shared is not None
    while True:
        await asyncio.sleep(session.shared.lock_ttl / 3)
        try:
            await session.shared.refresh(lock, holder)
        except SHARED_ERRORS():
            continue


async def _run(
    session: Session,
    action: Action,
    confirm: Confirm,
    progress: Callable[[str], None],
    dry_run: bool = False,
    lock_warning: str | None = None,
    decide: Decide | None = None,
) -> ActionOutcome:
    step = action.step if action.step in session.runbook.states else None
    guard = session.runbook.step(step).guard if step and action.guarded else None
    try:
        preview = (await action.preview()).shown_safely()
        redact = session.journal.redactor.text  # the dialog and `act` show what the journal would keep
        preview = replace(
            preview, touches=tuple(map(redact, preview.touches)), warnings=tuple(map(redact, preview.warnings))
        )
    except Exception as exc:  # noqa: BLE001 - a backend failure becomes a message and a journal entry
        session.record(
            "action",
            f"{action.title}: preview failed: {short_error(exc)}",
            step=step,
            data={"action": action.name, "phase": "preview", "error": short_error(exc)},
        )
        return ActionOutcome("failed", f"preview failed: {short_error(exc)}; nothing was changed")
    session.last_preview = preview
    if lock_warning:
        preview = replace(preview, warnings=(*preview.warnings, lock_warning))
    if guard is not None:
        preview = replace(
            preview,
            warnings=(
                *preview.warnings,
                f"guard: {guard.describe()}, before the next stage (nothing is undone by itself); "
                "pauses for you to continue or abort if a reading is missing or stale",
            ),
        )
    if step:
        earlier = session.runbook.out_of_order(step)
        if earlier:
            preview = replace(
                preview,
                warnings=(
                    *preview.warnings,
                    "Out of order: still open before this step: " + ", ".join(s.title for s in earlier),
                ),
            )
    failed = step_checks.failing(step_checks.preconditions(session, step))
    if failed:
        preview = replace(preview, failing=tuple(j.line for j in failed))
    if approver_note := approvals.note(session, step):
        preview = replace(preview, warnings=(*preview.warnings, approver_note))
    if waits := step_checks.waiting_on(session, step):
        preview = replace(preview, warnings=(*preview.warnings, "Not done and verified first: " + ", ".join(waits)))
    # Fail closed: an action whose preview (or confirmation) is not durable does not run.
    if (
        session.record(
            "action",
            f"{action.title}: preview: " + "; ".join(preview.touches),
            step=step,
            data={
                "action": action.name,
                "phase": "preview",
                "touches": list(preview.touches),
                "counts": dict(preview.counts),
                "warnings": list(preview.warnings),
                **({"preconditions": [j.as_dict() for j in failed]} if failed else {}),
            },
        )
        is None
    ):
        return _not_run(session, action)
    if dry_run:
        session.record(
            "action",
            f"{action.title}: dry run, nothing changed",
            step=step,
            data={"action": action.name, "phase": "confirm", "choice": "dry-run"},
        )
        return ActionOutcome("dry-run", "dry run: nothing changed", Result(True, "preview only"))
    # Read-only checks need no confirmation; anything that writes, or sends words, does.
    needs_confirm = preview.destructive or preview.text is not None or bool(failed)
    chosen = await confirm(preview) if needs_confirm else preview
    if chosen is None:
        session.record(
            "action",
            f"{action.title}: cancelled at confirmation",
            step=step,
            data={"action": action.name, "phase": "confirm", "choice": "cancel"},
        )
        return ActionOutcome("cancelled", f"{action.title}: cancelled, nothing changed")
    if failed and step:
        if problem := step_checks.override_problem(chosen.reason):
            session.record(
                "action",
                f"{action.title}: not run: {problem}",
                step=step,
                data={"action": action.name, "phase": "confirm", "choice": "cancel", "why": problem},
            )
            return ActionOutcome("refused", f"{action.title} NOT run: {problem}; nothing was changed")
        if step_checks.journal_override(session, step, action.name, failed, chosen.reason.strip()) is None:
            return _not_run(session, action)
    me = session.journal.operator.name
    approved_by = me if step and approvals.enforced(session) and me in approvals.approvers_of(session, step) else None
    if needs_confirm and step and (wanted := approvals.needed(session, step)):
        rid = approvals.request(session, step, action.name, wanted)
        if rid is None:
            return _not_run(session, action)
        progress(f"waiting for {' or '.join(wanted)} to approve from their cockpit")
        grant = await approvals.wait_for_grant(session, rid, wanted)
        if grant is None:
            why = f"not approved by {' or '.join(wanted)} in time"
            approvals.expire(session, step, rid, why)
            session.record(
                "action",
                f"{action.title}: not run: {why}",
                step=step,
                data={"action": action.name, "phase": "confirm", "choice": "cancel", "why": why},
            )
            return ActionOutcome("refused", f"{action.title} NOT run: {why}; nothing was changed")
        approved_by = str(grant.data.get("by"))
    if (
        needs_confirm
        and session.record(
            "action",
            f"{action.title}: confirmed",
            step=step,
            data={
                "action": action.name,
                "phase": "confirm",
                "choice": "confirm",
                "runner": {"host": socket.gethostname(), "pid": os.getpid()},
                **({"confirmed_by": me, "approved_by": approved_by} if approved_by else {}),
            },
        )
        is None
    ):
        return _not_run(session, action)
    if step and session.set_step(step, StepState.RUNNING) is None and session.journal_error:
        return _not_run(session, action)
    before = session.board.key_readings()
    started = time.monotonic()

    def stream(line: str) -> None:
        # Command output: redacted whole (a secret is never cut in two), shown visibly, and
        # a long line journaled in pieces, so no entry (and no screen update) is huge.
        line = visible(session.journal.redactor.text(line))
        for at in range(0, max(len(line), 1), OUTPUT_PIECE):
            piece = line[at : at + OUTPUT_PIECE]
            progress(piece)
            session.record(
                "action",
                f"{action.name}: {piece}",
                step=step,
                keep=True,
                data={
                    "action": action.name,
                    "phase": "output",
                    "line": piece,
                    **({"part": at // OUTPUT_PIECE + 1} if len(line) > OUTPUT_PIECE else {}),
                },
            )

    run = None
    if guard is not None and step:
        run = GuardedRun(
            session, guard, step=step, title=action.title, action=action.name, now=session.timebase.now, decide=decide
        )
        session.guarded[step] = run
        run.start()
    try:
        result = (await action.execute_guarded(chosen, stream, run.checkpoint if run else no_checkpoint)).shown_safely()
    except GuardStop as exc:  # an action that let its guard's stop through: it stopped at that boundary
        result = guard_stop_result(exc).shown_safely()
        verified = Result(False, "not verified")
    except Exception as exc:  # noqa: BLE001
        result = Result(
            False,
            f"failed: {short_error(exc)}",
            state_left="unknown: the action raised part-way; re-check the panels before retrying",
        )
        verified = Result(False, "not verified")
    else:
        try:
            verified = (await action.verify(chosen, result)).shown_safely()
        except Exception as exc:  # noqa: BLE001 - the action's own outcome stands; only the read-back failed
            verified = Result(
                False,
                f"could not read back: {short_error(exc)}",
                state_left=("done (as reported), but " if result.ok else "")
                + "not verified: re-check the panels before going on",
            )
    finally:
        if run is not None:
            await run.stop()
            session.guarded.pop(run.step, None)
    duration = (time.monotonic() - started) * session.timebase.speed
    from cockpit.actions.data import data_dict  # the outcome records load when an action ends

    await session.refresh_now()
    after = session.board.key_readings()
    ok = result.ok and verified.ok
    summary = f"{action.title}: {result.summary}; verify: {verified.summary}"
    if not ok and (result.state_left or verified.state_left):
        summary += f"; state left: {result.state_left or verified.state_left}"
    # The action's own data first: the runner's keys (before/after, phase…) must win.
    data = {
        **data_dict(result.data),
        **data_dict(verified.data),
        "action": action.name,
        "phase": "result",
        "ok": ok,
        "result": result.summary,
        "verify": verified.summary,
        "state_left": result.state_left or verified.state_left,
        "duration_s": round(duration, 3),
        "before": before,
        "after": after,
        "details": list(result.details),
    }
    if "text" in data_dict(result.data):  # a message sent (an update): its own journal kind
        saved = session.record("update", f"{data.get('audience', '')} update sent", step=step, data=data, keep=True)
    else:
        saved = session.record("action", summary, step=step, data=data, keep=True)
    if step and run is not None and run.stopped is not None:
        session.set_step(step, StepState.HALTED, f"{run.stopped.word.lower()}: {run.stopped.reason}", keep=True)
    elif step and ok and (judged := undo_verify.judge(session, step)):
        # The action did what it said; the change counts as undone only when its readings say so.
        verdict = await undo_verify.settle(session, step, action.name, judged, confirm)
        if verdict.counts:
            session.set_step(step, StepState.DONE, None if verdict.ok else "accepted unverified", keep=True)
        else:
            ok = False
            not_verified = "; ".join(j.line for j in step_checks.failing(judged))
            summary += f"; undo NOT verified: {not_verified}"
            verified = Result(False, "undo not verified", state_left=f"the undo ran but not verified: {not_verified}")
            session.set_step(step, StepState.FAILED, f"undo not verified: {not_verified}", keep=True)
    elif step:
        session.set_step(step, StepState.DONE if ok else StepState.FAILED, keep=True)
    if saved is None or session.journal.unsaved:
        # It ran, but the record of it is not durable: say so loudly; the entry waits in memory.
        return ActionOutcome(
            "unjournaled",
            f"{summary} — NOT JOURNALED: {session.journal_error}. The result is "
            "kept in memory and written as soon as the journal can be written again",
            result,
            "" if ok else (result.state_left or verified.state_left),
        )
    return ActionOutcome(
        "done" if ok else "failed", summary, result, "" if ok else (result.state_left or verified.state_left)
    )


def _redacted(session: Session, outcome: ActionOutcome) -> ActionOutcome:
    """The outcome as the screen shows it: redacted like the journal (a 404 may echo a token)."""
    redact = session.journal.redactor.text
    return outcome._replace(message=redact(outcome.message), state_left=redact(outcome.state_left))


def _not_run(session: Session, action: Action) -> ActionOutcome:
    return ActionOutcome(
        "failed",
        f"{action.title} NOT run: the journal cannot be written ({session.journal_error}); "
        "an action never runs un-journaled; nothing was changed",
        state_left="nothing was changed",
    )
