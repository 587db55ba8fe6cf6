"""After a resume: re-verify, against live state, an action that was in flight when
cockpit stopped (the session finds and journals those; see Session.resume)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cockpit.actions import ActionOutcome, Result
from cockpit.core.polling import short_error
from cockpit.core.runbook import STEP_IDS, StepState

if TYPE_CHECKING:
    from cockpit.core.session_core import SessionCore


class ResumeMixin:
    """The session's re-verify (kept apart so the session stays one screenful)."""

    async def reverify(self: SessionCore, name: str) -> ActionOutcome:
        """Read back, against live state, an action that was in flight when cockpit stopped;
        journaled, and the step follows what the read-back says."""
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
                **dict(verified.data),
                "action": name,
                "phase": "reverify",
                "ok": verified.ok,
                "verify": verified.summary,
                "after": self.board.key_readings(),
            },
        )
        if action.step and action.step in STEP_IDS:
            self.set_step(
                action.step,
                StepState.DONE if verified.ok else StepState.FAILED,
                "re-verified" if verified.ok else f"re-verify failed: {verified.summary[:80]}",
            )
        return ActionOutcome(
            "done" if verified.ok else "failed", f"re-verify {action.title}: {verified.summary}", verified
        )
