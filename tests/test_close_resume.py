"""Closing, reopening and resuming, driven by the keys an operator would press."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from cockpit.core.readings import QUEUES
from cockpit.core.runbook import StepState
from cockpit.drill.sources import SUSPECT_NAMES
from cockpit.incident.journal import read
from cockpit.ui.close_dialog import ClosedScreen, CloseOverrideScreen, ResumeScreen
from tests.drill_helpers import drill_app, journal_entries, wait_until
from tests.screen import screen_text, type_text

ROOT = Path(__file__).resolve().parent.parent


async def test_closing_before_restored_needs_a_typed_reason_then_reopen_and_no_action_while_closed(
    tmp_path: Path,
) -> None:
    path = tmp_path / "close.jsonl"
    app, backends, _ = drill_app(path, speed=30)
    async with app.run_test(size=(140, 45)) as pilot:
        await wait_until(pilot, lambda: app.session.board.names(QUEUES), what="first readings")
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, CloseOverrideScreen), what="close dialog")
        text = screen_text(app)
        assert "OVERRIDE" in text and "Not restored:" in text, text
        assert "steps pending: Declare, Alert, Stop damage" in text, text  # what is still open
        assert any(item.startswith("gate ✖ data:") for item in app.screen.items)
        # One letter, then a word or two: never enough to close.
        await pilot.press("y", "enter")
        await pilot.pause(0.2)
        assert isinstance(app.screen, CloseOverrideScreen) and not app.session.closed
        await type_text(pilot, "es ok")
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert isinstance(app.screen, CloseOverrideScreen) and not app.session.closed
        assert "at least 3 words" in screen_text(app)
        await type_text(pilot, " drill over, handing to day shift")
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.session.closed, what="closed with a reason")
        await wait_until(pilot, lambda: " CLOSED " in screen_text(app), what="header says CLOSED")
        assert "next update in" not in screen_text(app)  # the countdown stopped

        # A closed incident binds no rollback action: s does nothing, the session refuses.
        paused_before = backends.world.retry.paused
        await pilot.press("s")
        await pilot.pause(0.3)
        assert backends.world.retry.paused == paused_before
        outcome = await app.session.run_action("pause_risky", lambda preview: _yes(preview))
        assert outcome.status == "refused" and "closed" in outcome.message

        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, ClosedScreen), what="closed dialog")
        await pilot.press("r", "enter")  # one letter is not a reason either
        await pilot.pause(0.2)
        assert app.session.closed
        await type_text(pilot, "eopen: bad rows found")
        await pilot.press("enter")
        await wait_until(pilot, lambda: not app.session.closed, what="reopened")
        assert app.session.runbook.state("close") is StepState.PENDING

    entries = journal_entries(path)
    override = next(e for e in entries if e.kind == "override")
    close = next(e for e in entries if e.kind == "close")
    reopen = next(e for e in entries if e.kind == "reopen")
    assert override.data["reason"] == "yes ok drill over, handing to day shift"
    assert "close before RESTORED" in override.data["what"]
    assert close.data["override"] is True and close.data["open_items"] and close.seq > override.seq
    assert reopen.data["reason"] == "reopen: bad rows found" and reopen.seq > close.seq
    assert not [e for e in entries if e.data.get("action") == "pause_risky"]


async def _yes(preview):
    return preview


def kill_in_the_middle_of(path: Path, action: str) -> list[str]:
    """Run the scripted incident until `action` is confirmed (executing), then SIGKILL it."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.scripted_incident", str(path), "3", "20"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    seen: list[str] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        seen.append(line.strip())
        if line.split()[2:4] == [action, "confirm"]:
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait(60)
    return seen


async def test_sigkill_during_an_action_resume_names_it_reverifies_and_the_drill_world_continues(
    tmp_path: Path,
) -> None:
    path = tmp_path / "killed.jsonl"
    seen = kill_in_the_middle_of(path, "revert")
    assert seen and seen[-1].split()[2:4] == ["revert", "confirm"], seen[-3:]
    before = read(path).entries
    last_suspects = next(
        e.data["after"]["suspects"]
        for e in reversed(before)
        if isinstance(e.data.get("after"), dict) and e.data["after"].get("suspects")
    )

    app, backends, journal = drill_app(path, speed=60, operator="bob")
    world = backends.world
    # The world continues from the journal: pause and flags done, counts as last read, revert unknown.
    assert world.retry.paused and all(v == 0 for v in world.new_checkout.observed.values())
    assert world.bad_release_live
    assert world.duplicate_holds == last_suspects[SUSPECT_NAMES[0]]
    async with app.run_test(size=(140, 45)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, ResumeScreen), what="resume screen")
        text = screen_text(app)
        assert f"{len(before)} entries" in text and str(path) in text and before[-1].ts in text
        assert "IN FLIGHT when cockpit stopped: revert" in text
        await pilot.press("r")
        await wait_until(
            pilot, lambda: any(e.data.get("phase") == "reverify" for e in journal.entries), what="re-verify journaled"
        )
        await wait_until(
            pilot,
            lambda: app.session.runbook.state("revert") is not StepState.RUNNING,
            what="revert step follows the read-back",
        )
    entries = journal_entries(path)
    reverify = next(e for e in entries if e.data.get("phase") == "reverify")
    assert reverify.data["action"] == "revert" and reverify.operator == "bob"
    assert reverify.data["ok"] is False and "still serving 2026.11.3" in reverify.data["verify"]
    assert app.session.runbook.state("revert") is StepState.FAILED
    # Log times never run backwards across the resume (the drill's clock ran 20x faster).
    times = [e.at for e in sorted(entries, key=lambda e: e.seq)]
    assert times == sorted(times)
    assert any(e.data.get("resumed") for e in entries)


async def test_headless_the_session_evaluates_and_journals_the_gate_like_the_screen(tmp_path: Path) -> None:
    """No app at all: the session's own loop polls, evaluates the gate and journals it."""
    import asyncio

    from cockpit.core.gate import MITIGATED, NOT_RESTORED
    from cockpit.core.session import Session
    from cockpit.drill import build_drill
    from cockpit.incident.journal import Journal, Operator

    journal = Journal.open(tmp_path / "headless.jsonl", Operator("cron"))
    session = Session(build_drill(seed=7, speed=60), journal)
    loop = asyncio.ensure_future(session.run())
    try:
        session.declare("headless drill", "SEV2", "checkout fails", "cron")
        for name in ("pause_risky", "flags_safe", "revert", "clear_caches"):
            outcome = await session.run_action(name, _yes)
            assert outcome.status == "done", outcome.message
            if name != "clear_caches":
                assert session.gate_state == NOT_RESTORED
        for _ in range(600):
            if session.gate_state == MITIGATED:
                break
            await asyncio.sleep(0.05)
    finally:
        loop.cancel()
        journal.close()
    gates = [e for e in read(tmp_path / "headless.jsonl").entries if e.kind == "gate"]
    assert gates and gates[0].data["state"] == MITIGATED and gates[0].data["previous"] == NOT_RESTORED
    assert gates[0].data["reason"].startswith("data:") and gates[0].operator == "cron"
