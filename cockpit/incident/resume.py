"""After a resume: re-verify, against live state, an action that was in flight when
cockpit stopped: find those in the journal, journal them as interrupted, re-verify."""

from __future__ import annotations

import os
import socket
from collections.abc import Sequence
from typing import TYPE_CHECKING

from cockpit.actions import ActionOutcome, Result
from cockpit.core.polling import short_error
from cockpit.core.runbook import StepState

if TYPE_CHECKING:
    from cockpit.core.session_core import SessionCore
    from cockpit.incident.journal import Entry


class ResumeMixin:
    """The session's resume: interrupted actions and their re-verify (kept apart so the session stays one job)."""

    async def reverify(self: SessionCore, name: str) -> ActionOutcome:
        """Read back, against live state, an action that was in flight when cockpit stopped;
        journaled, and the step follows what the read-back says."""
        from cockpit.actions.data import data_dict  # only after an interruption

        if self.read_only:
            return ActionOutcome("refused", "read-only: nothing is re-verified")
        action = self.actions.get(name)
        if action is None:
            return ActionOutcome("refused", f"no action {name!r} is configured")
        try:
            preview = await action.preview()
            verified = await action.verify(preview, Result(True, "interrupted: effect unknown"))
        except Exception as exc:  # noqa: BLE001 - a failed read-back is reported, never hidden
            verified = Result(False, f"could not read back: {short_error(exc)}")
        await self.refresh_now()
        self.record(
            "action",
            f"{action.title}: re-verified after the interruption: {verified.summary}",
            step=action.step,
            data={
                **data_dict(verified.data),
                "action": name,
                "phase": "reverify",
                "ok": verified.ok,
                "verify": verified.summary,
                "after": self.board.key_readings(),
            },
        )
        if action.step and action.step in self.runbook.states:
            self.set_step(
                action.step,
                StepState.DONE if verified.ok else StepState.FAILED,
                "re-verified" if verified.ok else f"re-verify failed: {verified.summary[:80]}",
            )
        return ActionOutcome(
            "done" if verified.ok else "failed", f"re-verify {action.title}: {verified.summary}", verified
        )

    def interrupted_actions(self: SessionCore) -> list[Entry]:
        """Actions confirmed but never finished (see `interrupted_actions` below)."""
        return interrupted_actions(self.journal.entries)

    def resume(self: SessionCore) -> None:
        """Journal the resume; flag actions that were running when the process died."""
        if self.read_only:
            return
        self.record(
            "status",
            f"cockpit resumed the incident ({len(self.journal.entries)} entries)",
            data={"resumed": True, "operator_origin": self.journal.operator.origin()},
        )
        self.mark_interrupted()

    def mark_interrupted(self: SessionCore) -> list[Entry]:
        """Journal every action found interrupted (state unknown) and fail its step; returns their previews."""
        found = interrupted_actions(self.journal.entries)
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
            if preview.step and preview.step in self.runbook.states:
                self.set_step(preview.step, StepState.FAILED, "interrupted, state unknown: re-verify")
        return found


def interrupted_actions(entries: Sequence[Entry]) -> list[Entry]:
    """Preview entries of actions that were confirmed but never reported a result:
    the process died while they ran, so their effect is unknown. An action another
    cockpit on this host is still running (its process alive) is not interrupted."""
    open_actions: dict[str, Entry] = {}
    previews: dict[str, Entry] = {}
    for entry in entries:
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
