"""Verify the user paths now: run every configured check once and report each step."""

from __future__ import annotations

from collections.abc import Sequence

from cockpit.actions import Action, Preview, Progress, Result
from cockpit.core.details import check_result
from cockpit.core.readings import Board
from cockpit.core.source import Source


class VerifyPathsAction(Action):
    name = "verify_paths"
    title = "Verify the user paths end to end"
    destructive = False

    def __init__(self, checks: Sequence[Source], board: Board) -> None:
        self.checks = list(checks)
        self.board = board

    async def preview(self) -> Preview:
        names = [n for check in self.checks for n in check.expected_names()]
        return Preview(
            self.name, self.title, tuple(f"run {n}" for n in names), {"steps": len(names)}, destructive=False
        )

    async def execute(self, preview: Preview, progress: Progress) -> Result:
        from cockpit.actions.data import ChecksRun, CheckStepRun  # the outcome records load when an action runs

        readings = [r for check in self.checks for r in await check.read()]
        self.board.update(readings)
        lines, failed = [], []
        for r in readings:
            result = check_result(r.detail, r.name)
            ok = r.error is None and bool(result.ok)
            latency = f"{r.value * 1000:.0f} ms" if isinstance(r.value, float) else "—"
            reason = r.error or result.reason
            lines.append(f"{'PASS' if ok else 'FAIL'} {r.name} {latency} {reason}".rstrip())
            progress(lines[-1])
            if not ok:
                failed.append(r.name)
        steps = {
            r.name: CheckStepRun(
                r.error is None and bool(check_result(r.detail, r.name).ok),
                r.value if isinstance(r.value, float) else None,
                check_result(r.detail, r.name).status,
                r.error or check_result(r.detail, r.name).reason,
            )
            for r in readings
        }
        if failed:
            return Result(
                False,
                f"{len(failed)} of {len(readings)} steps fail: {', '.join(failed)}",
                tuple(lines),
                state_left="user paths are NOT restored",
                data=ChecksRun(steps),
            )
        return Result(True, f"all {len(readings)} steps pass", tuple(lines), data=ChecksRun(steps))

    async def verify(self, preview: Preview, executed: Result) -> Result:
        return executed
