"""One incident being worked: board, journal, runbook, gate and the action runner.

The session is the cockpit without a screen. The Textual app renders it and routes
keys to it; headless commands use it directly. Every state change goes through the
journal first, and only a durable entry is shown as done.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cockpit.actions import Action, ActionOutcome, Preview, Result
from cockpit.actions.checks import VerifyPathsAction
from cockpit.actions.updates import UpdateAction
from cockpit.backends import Backends
from cockpit.core.gate import NOT_RESTORED, Gate, GateStatus
from cockpit.core.polling import Poller, short_error
from cockpit.core.readings import SUSPECTS, Board
from cockpit.core.runbook import STEP_IDS, Runbook, StepState, step_by_id
from cockpit.core.safe_text import visible
from cockpit.incident.closing import ClosingMixin
from cockpit.incident.journal import Entry, Journal, JournalError
from cockpit.incident.resume import ResumeMixin
from cockpit.incident.state import Incident

if TYPE_CHECKING:
    from cockpit.incident.shared import SharedLog

#: An output line longer than this is journaled as several entries (each redacted as part of the whole line).
OUTPUT_PIECE = 4096

#: How often (real seconds) the session re-evaluates the gate between readings: the watch
#: window and staleness advance with time even when no source reports.
GATE_TICK = 0.5

#: Shows a preview and returns it (possibly with edited text) when confirmed, None when cancelled.
Confirm = Callable[[Preview], Awaitable[Preview | None]]
Listener = Callable[[Entry], None]


class Session(ResumeMixin, ClosingMixin):
    def __init__(self, backends: Backends, journal: Journal, *, read_only: bool = False) -> None:
        self.backends = backends
        self.config = backends.config
        self.timebase = backends.timebase
        self.journal = journal
        journal.clock = self.timebase.now  # a drill's journal keeps drill time, so its durations add up
        self.read_only = read_only
        self.board = Board(clock=self.timebase.now)
        self.board.redact = journal.redactor.text  # what the panels show is redacted like the journal
        self.incident = Incident.from_defaults(self.config.incident)
        self.runbook = Runbook()
        #: The gate state last journaled (old journals have none: NOT RESTORED).
        self.gate_state = NOT_RESTORED
        if journal.entries:
            # A drill resumes its world from the journal, and its clock never runs backwards.
            self.timebase.resume_at(max(e.at for e in journal.entries))
            backends.resume(journal.entries)
        for entry in journal.entries:
            self._replay(entry)
        self.gate = Gate(self.config, self.board)
        self.gate_status: GateStatus | None = None
        self.running = False  # True while `run` owns the poll loop: only then is the gate journaled
        self.baseline: dict[str, float] = self._baseline_from_journal()
        self.listeners: list[Listener] = []
        self.change_listeners: list[Callable[[str], None]] = []
        self.pollers = [Poller(s, self.board, self.timebase, self._source_changed) for s in backends.sources]
        self.actions: dict[str, Action] = dict(backends.actions)
        if backends.checks:
            self.actions["verify_paths"] = VerifyPathsAction(backends.checks, self.board)
        updates = self.config.actions.updates
        if updates is not None:
            for audience, template in (("status", updates.status), ("customer", updates.customer)):
                action = UpdateAction(
                    audience,
                    template,
                    self.board,
                    lambda: self.incident,
                    self.config.incident.service,
                    self.config.gate.max_error_rate,
                    backends.send_update,
                    backends.update_target(audience),
                )
                self.actions[action.name] = action
        self.in_flight: set[str] = set()
        self.last_preview: Preview | None = None
        self.shared: SharedLog | None = None
        self.journal_error: str | None = None

    # -- journal ---------------------------------------------------------------------
    def record(
        self,
        kind: str,
        summary: str,
        *,
        step: str | None = None,
        data: dict[str, Any] | None = None,
        keep: bool = False,
    ) -> Entry | None:
        """Append durably, apply to state, tell listeners; a failed write is reported, never hidden.

        `keep`: what an action did (its output, its result) is kept in memory when the write
        fails and written, in order, by the next write that works (or `retry_unsaved`)."""
        try:
            entry: Entry | None = self.journal.append(kind, summary, step=step, data=data, keep_on_failure=keep)
        except JournalError as exc:
            self.journal_error = str(exc)
            entry = None
        for late in self.journal.drain_late():
            self._apply(late)
        if entry is None:
            for listener in self.change_listeners:
                listener("journal")
            return None
        self.journal_error = None
        self._apply(entry)
        return entry

    def retry_unsaved(self) -> bool:
        """Write the entries kept after failed writes; True when none is left unsaved."""
        try:
            self.journal.retry_unsaved()
        except JournalError as exc:
            self.journal_error = str(exc)
        else:
            self.journal_error = None
        for late in self.journal.drain_late():
            self._apply(late)
        for listener in self.change_listeners:
            listener("journal")
        return not self.journal.unsaved

    def _apply(self, entry: Entry) -> None:
        self._replay(entry)
        for listener in self.listeners:
            listener(entry)

    def _replay(self, entry: Entry) -> None:
        self.incident.apply(entry)
        self.runbook.apply(entry)
        if entry.kind == "gate" and entry.data.get("state"):
            self.gate_state = str(entry.data["state"])

    def _baseline_from_journal(self) -> dict[str, float]:
        for entry in self.journal.entries:
            counts = entry.data.get(SUSPECTS)
            if entry.kind == "reading" and entry.data.get("baseline") and isinstance(counts, dict):
                # A hand-edited or damaged entry may hold anything: keep only the numbers.
                return {
                    str(k): float(v)
                    for k, v in counts.items()
                    if isinstance(v, (int, float)) and not isinstance(v, bool)
                }
        return {}

    # -- several operators --------------------------------------------------------------
    def attach_shared(self, shared: SharedLog) -> None:
        """Mirror this incident through a shared store; foreign entries arrive via `mirror`."""
        self.shared = shared
        shared.on_foreign = self.mirror

    def mirror(self, original: dict[str, Any]) -> Entry | None:
        try:
            entry = self.journal.append_mirror(original)
        except JournalError as exc:
            self.journal_error = str(exc)
            return None
        self._replay(entry)
        for listener in self.listeners:
            listener(entry)
        return entry

    def hand_lead(self, new_lead: str) -> Entry | None:
        old = self.incident.lead or "nobody"
        return self.record("status", f"rollback lead handed from {old} to {new_lead}", data={"lead": new_lead})

    def set_driver(self, name: str) -> Entry | None:
        """Who is at the keyboard of this (shared tmux) cockpit: every later entry is theirs."""
        previous = self.journal.operator.name
        self.journal.operator = self.journal.operator._replace(name=name)
        return self.record("status", f"{name} is at the keyboard (was {previous})", data={"driver": name})

    # -- resume ----------------------------------------------------------------------
    def interrupted_actions(self) -> list[Entry]:
        """Preview entries of actions that were confirmed but never reported a result:
        the process died while they ran, so their effect is unknown. An action another
        cockpit on this host is still running (its process alive) is not interrupted."""
        open_actions: dict[str, Entry] = {}
        previews: dict[str, Entry] = {}
        for entry in self.journal.entries:
            name = entry.data.get("action")
            if isinstance(entry.data.get("interrupted"), str):
                open_actions.pop(entry.data["interrupted"], None)
            if not isinstance(name, str) or not name:
                continue
            phase = entry.data.get("phase")
            if phase == "preview":
                previews[name] = entry
                open_actions.pop(name, None)
            elif phase == "confirm" and entry.data.get("choice") == "confirm" and name in previews:
                if not _still_running(entry.data.get("runner")):
                    open_actions[name] = previews[name]
            elif phase == "result":
                open_actions.pop(name, None)
        return list(open_actions.values())

    def resume(self) -> None:
        """Journal the resume; flag actions that were running when the process died."""
        if self.read_only:
            return
        self.record(
            "status",
            f"cockpit resumed the incident ({len(self.journal.entries)} entries)",
            data={"resumed": True, "operator_origin": self.journal.operator.origin()},
        )
        self.mark_interrupted()

    def mark_interrupted(self) -> list[Entry]:
        """Journal every action found interrupted (state unknown) and fail its step; returns their previews."""
        found = self.interrupted_actions()
        if self.read_only:
            return found
        for preview in found:
            name = str(preview.data["action"])
            raw = preview.data.get("touches")
            touches = [str(t) for t in raw] if isinstance(raw, list) else []
            counts = preview.data.get("counts")
            self.record(
                "status",
                f"INTERRUPTED, state unknown: {name} was running when cockpit stopped; re-verify "
                f"before retrying. It was to touch: {'; '.join(touches)}",
                step=preview.step,
                data={"interrupted": name, "touches": touches, "counts": counts if isinstance(counts, dict) else {}},
            )
            if preview.step and preview.step in STEP_IDS:
                self.set_step(preview.step, StepState.FAILED, "interrupted, state unknown: re-verify")
        return found

    # -- polling ---------------------------------------------------------------------
    async def run(self) -> None:
        """The one loop, headless or under the TUI: poll every source, evaluate the gate
        after every reading and every GATE_TICK, journal its state changes."""
        self.running = True
        tasks = [asyncio.ensure_future(p.run()) for p in self.pollers]
        try:
            while True:
                self.evaluate_gate()
                await asyncio.sleep(GATE_TICK)
        finally:
            self.running = False
            for task in tasks:
                task.cancel()

    def _source_changed(self, kind: str) -> None:
        if kind == SUSPECTS and self.incident.declared and not self.baseline:
            self._record_baseline()
        if self.running:
            self.evaluate_gate()
        for listener in self.change_listeners:
            listener(kind)

    def _record_baseline(self) -> None:
        counts = {n: v for n in self.board.names(SUSPECTS) if isinstance(v := self.board.value(SUSPECTS, n), float)}
        if counts:
            self.baseline = counts
            self.record(
                "reading",
                "baseline suspect counts at declaration",
                data={"baseline": True, SUSPECTS: counts, **self.board.key_readings()},
            )

    async def refresh_now(self, kinds: tuple[str, ...] | None = None) -> None:
        """Read the sources again now (after an action), so 'after' readings are real."""
        await asyncio.gather(*(p.tick() for p in self.pollers if kinds is None or p.source.kind in kinds))

    # -- incident-level changes -------------------------------------------------------
    def declare(self, title: str, severity: str, scope: str, lead: str) -> Entry | None:
        entry = self.record(
            "declare",
            f"declared {severity}: {title}",
            step="declare",
            data={"title": title, "severity": severity, "scope": scope, "lead": lead},
        )
        if entry:
            self.set_step("declare", StepState.DONE)
            if self.board.names(SUSPECTS):
                self._record_baseline()
        return entry

    def note(self, text: str, *, follow_up: bool = False) -> Entry | None:
        return self.record("note", text, data={"follow_up": True} if follow_up else {})

    def set_step(
        self, step_id: str, state: StepState, reason: str | None = None, *, keep: bool = False
    ) -> Entry | None:
        if self.runbook.state(step_id) is state and not reason:
            return None
        title = step_by_id(step_id).title
        summary = f"step {title}: {state.value}" + (f" ({reason})" if reason else "")
        data: dict[str, Any] = {"state": state.value}
        if reason:
            data["reason"] = reason
        return self.record("step", summary, step=step_id, data=data, keep=keep)

    def skip(self, step_id: str, reason: str) -> Entry | None:
        return self.set_step(step_id, StepState.SKIPPED, reason)

    def export_report(self, tz_name: str = "UTC") -> list[Path]:
        """Write the report as Markdown, JSON and HTML next to the journal; returns the paths."""
        from cockpit.incident.report import (  # only when exporting
            build,
            from_file,
            write_html,
            write_json,
            write_markdown,
        )

        report = build(from_file(self.journal.path, redactor=self.journal.redactor), tz_name)
        stem = self.journal.path.with_suffix("")
        paths = []
        for suffix, write in (("md", write_markdown), ("json", write_json), ("html", write_html)):
            path = stem.with_name(f"{stem.name}-report.{suffix}")
            with open(path, "w", encoding="utf-8") as handle:
                write(report, handle)
            paths.append(path)
        return paths

    # -- the gate --------------------------------------------------------------------
    def evaluate_gate(self) -> GateStatus:
        """Evaluate now; when the loop runs, journal a change of state (one `gate` entry)."""
        status = self.gate.evaluate(self.runbook.states, self.baseline)
        self.gate_status = status
        if self.running and not self.read_only and status.state != self.gate_state and not self.closed:
            previous, self.gate_state = self.gate_state, status.state
            self.record(
                "gate",
                f"gate: {status.state}" + (f" — {status.reason}" if status.reason else ""),
                step="watch",
                data={
                    "v": 1,
                    "state": status.state,
                    "previous": previous,
                    "reason": status.reason,
                    "conditions": [c.as_dict() for c in status.conditions],
                },
            )
        if (
            status.green
            and self.runbook.state("watch") in (StepState.PENDING, StepState.RUNNING)
            and self.runbook.state("verify") is StepState.DONE
            and not self.read_only
        ):
            self.set_step("watch", StepState.DONE)
        return status

    def start_watch(self) -> None:
        if self.runbook.state("watch") is StepState.PENDING:
            self.set_step("watch", StepState.RUNNING)

    # -- actions ---------------------------------------------------------------------
    async def run_action(
        self, name: str, confirm: Confirm, progress: Callable[[str], None] = lambda line: None, *, dry_run: bool = False
    ) -> ActionOutcome:
        """preview -> confirm -> execute -> verify, every phase journaled with readings before and after."""
        if self.read_only:
            return ActionOutcome("refused", "read-only: no action can run")
        if self.closed:
            return ActionOutcome("refused", "the incident is closed: no action runs (reopen it first, x)")
        action = self.actions.get(name)
        if action is None:
            return ActionOutcome("refused", f"no action {name!r} is configured")
        if name in self.in_flight:
            return ActionOutcome("busy", f"{action.title} is already running")
        self.in_flight.add(name)
        try:
            lock = action.step or action.name
            holder = self.journal.operator.name
            if self.shared is not None and not dry_run:
                from cockpit.incident.shared import SHARED_ERRORS  # joining cockpits only

                warning = None
                try:
                    other = await self.shared.acquire(lock, holder)
                except SHARED_ERRORS():
                    other = None
                    warning = "shared store unreachable: no step lock taken; agree by voice who runs it"
                if other is not None:
                    return ActionOutcome("locked", f"{action.title} is being run by {other}")
                refresher = asyncio.create_task(self._keep_lock(lock, holder))
                try:
                    return self._redacted(await self._run(action, confirm, progress, dry_run, warning))
                finally:
                    refresher.cancel()
                    try:
                        await self.shared.release(lock, holder)
                    except SHARED_ERRORS():
                        pass  # it expires by itself
            return self._redacted(await self._run(action, confirm, progress, dry_run))
        finally:
            self.in_flight.discard(name)

    async def _keep_lock(self, lock: str, holder: str) -> None:
        from cockpit.incident.shared import SHARED_ERRORS

        assert self.shared is not None
        while True:
            await asyncio.sleep(self.shared.lock_ttl / 3)
            try:
                await self.shared.refresh(lock, holder)
            except SHARED_ERRORS():
                continue

    async def _run(
        self,
        action: Action,
        confirm: Confirm,
        progress: Callable[[str], None],
        dry_run: bool = False,
        lock_warning: str | None = None,
    ) -> ActionOutcome:
        step = action.step
        try:
            preview = (await action.preview()).shown_safely()
            redact = self.journal.redactor.text  # the dialog and `act` show what the journal would keep
            preview = replace(
                preview, touches=tuple(map(redact, preview.touches)), warnings=tuple(map(redact, preview.warnings))
            )
        except Exception as exc:  # noqa: BLE001 - a backend failure becomes a message and a journal entry
            self.record(
                "action",
                f"{action.title}: preview failed: {short_error(exc)}",
                step=step,
                data={"action": action.name, "phase": "preview", "error": short_error(exc)},
            )
            return ActionOutcome("failed", f"preview failed: {short_error(exc)}; nothing was changed")
        self.last_preview = preview
        if lock_warning:
            preview = replace(preview, warnings=(*preview.warnings, lock_warning))
        if step:
            earlier = self.runbook.out_of_order(step)
            if earlier:
                preview = replace(
                    preview,
                    warnings=(
                        *preview.warnings,
                        "Out of order: still open before this step: " + ", ".join(s.title for s in earlier),
                    ),
                )
        # Fail closed: an action whose preview (or confirmation) is not durable does not run.
        if (
            self.record(
                "action",
                f"{action.title}: preview: " + "; ".join(preview.touches),
                step=step,
                data={
                    "action": action.name,
                    "phase": "preview",
                    "touches": list(preview.touches),
                    "counts": dict(preview.counts),
                    "warnings": list(preview.warnings),
                },
            )
            is None
        ):
            return self._not_run(action)
        if dry_run:
            self.record(
                "action",
                f"{action.title}: dry run, nothing changed",
                step=step,
                data={"action": action.name, "phase": "confirm", "choice": "dry-run"},
            )
            return ActionOutcome("dry-run", "dry run: nothing changed", Result(True, "preview only"))
        # Read-only checks need no confirmation; anything that writes, or sends words, does.
        needs_confirm = preview.destructive or preview.text is not None
        chosen = await confirm(preview) if needs_confirm else preview
        if chosen is None:
            self.record(
                "action",
                f"{action.title}: cancelled at confirmation",
                step=step,
                data={"action": action.name, "phase": "confirm", "choice": "cancel"},
            )
            return ActionOutcome("cancelled", f"{action.title}: cancelled, nothing changed")
        if (
            needs_confirm
            and self.record(
                "action",
                f"{action.title}: confirmed",
                step=step,
                data={
                    "action": action.name,
                    "phase": "confirm",
                    "choice": "confirm",
                    "runner": {"host": socket.gethostname(), "pid": os.getpid()},
                },
            )
            is None
        ):
            return self._not_run(action)
        if step and self.set_step(step, StepState.RUNNING) is None and self.journal_error:
            return self._not_run(action)
        before = self.board.key_readings()
        started = time.monotonic()

        def stream(line: str) -> None:
            # Command output: redacted whole (a secret is never cut in two), shown visibly, and
            # a long line journaled in pieces, so no entry (and no screen update) is huge.
            line = visible(self.journal.redactor.text(line))
            for at in range(0, max(len(line), 1), OUTPUT_PIECE):
                piece = line[at : at + OUTPUT_PIECE]
                progress(piece)
                self.record(
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

        try:
            result = (await action.execute(chosen, stream)).shown_safely()
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
        duration = (time.monotonic() - started) * self.timebase.speed
        await self.refresh_now()
        after = self.board.key_readings()
        ok = result.ok and verified.ok
        summary = f"{action.title}: {result.summary}; verify: {verified.summary}"
        if not ok and (result.state_left or verified.state_left):
            summary += f"; state left: {result.state_left or verified.state_left}"
        # The action's own data first: the runner's keys (before/after, phase…) must win.
        data = {
            **dict(result.data),
            **dict(verified.data),
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
        if "text" in result.data:
            saved = self.record(
                "update", f"{result.data.get('audience', '')} update sent", step=step, data=data, keep=True
            )
        else:
            saved = self.record("action", summary, step=step, data=data, keep=True)
        if step:
            self.set_step(step, StepState.DONE if ok else StepState.FAILED, keep=True)
        if saved is None or self.journal.unsaved:
            # It ran, but the record of it is not durable: say so loudly; the entry waits in memory.
            return ActionOutcome(
                "unjournaled",
                f"{summary} — NOT JOURNALED: {self.journal_error}. The result is "
                "kept in memory and written as soon as the journal can be written again",
                result,
                "" if ok else (result.state_left or verified.state_left),
            )
        return ActionOutcome(
            "done" if ok else "failed", summary, result, "" if ok else (result.state_left or verified.state_left)
        )

    def _redacted(self, outcome: ActionOutcome) -> ActionOutcome:
        """The outcome as the screen shows it: redacted like the journal (a 404 may echo a token)."""
        redact = self.journal.redactor.text
        return outcome._replace(message=redact(outcome.message), state_left=redact(outcome.state_left))

    def _not_run(self, action: Action) -> ActionOutcome:
        return ActionOutcome(
            "failed",
            f"{action.title} NOT run: the journal cannot be written ({self.journal_error}); "
            "an action never runs un-journaled; nothing was changed",
            state_left="nothing was changed",
        )


def _still_running(runner: object) -> bool:
    """True when the process that confirmed an action is another one, alive, on this host."""
    if not isinstance(runner, dict) or runner.get("host") != socket.gethostname():
        return False
    pid = runner.get("pid")
    if not isinstance(pid, int) or pid <= 0 or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists (owned by someone else)
    return True
