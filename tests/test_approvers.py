"""Step approvers (issue 15): with shared mode on, a step that lists approvers runs for an
operator not listed only once a listed operator approves from their own cockpit (both
names journaled); without shared mode the approvers are shown, not enforced."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest

from cockpit.actions import Preview
from cockpit.core import approvals
from cockpit.core.runbook import StepDef, default_steps
from cockpit.core.session import Session
from cockpit.drill import build_drill, drill_config
from cockpit.incident.journal import Journal, Operator, read
from cockpit.incident.shared import SharedLog
from cockpit.ui.app import CockpitApp
from cockpit.ui.screens import AskScreen
from tests.drill_helpers import wait_until
from tests.screen import screen_text


def _steps() -> tuple[StepDef, ...]:
    return tuple(
        replace(s, approvers=("bob", "carol")) if s.id == "revert" else s for s in default_steps(drill_config())
    )


def _session(tmp_path: Path, who: str) -> Session:
    journal = Journal.open(tmp_path / f"{who}.jsonl", Operator(who))
    return Session(build_drill(seed=7, speed=60, steps=_steps()), journal)


def _join(session: Session, redis_url: str, incident: str) -> SharedLog:
    shared = SharedLog(
        redis_url, incident, session.journal, session.mirror, instance=f"{session.journal.operator.name}-1"
    )
    session.attach_shared(shared)
    return shared


seen: list[Preview] = []


async def yes(preview: Preview) -> Preview:
    seen.append(preview)
    return preview


@pytest.mark.servers
async def test_a_listed_operator_approves_from_their_cockpit_and_both_names_are_journaled(
    tmp_path: Path, redis_url: str
) -> None:
    alice, bob = _session(tmp_path, "alice"), _session(tmp_path, "bob")
    alice_shared = _join(alice, redis_url, "appr")
    _join(bob, redis_url, "appr")
    mirror = asyncio.create_task(alice_shared.run())
    app = CockpitApp(bob)  # bob's cockpit runs his shared log itself
    try:
        async with app.run_test(size=(140, 40)) as pilot:
            running = asyncio.create_task(alice.run_action("revert", yes))
            await wait_until(
                pilot,
                lambda: (
                    isinstance(app.screen, AskScreen)
                    and "alice asks you to approve: Revert the release" in screen_text(app)
                ),
                what="bob asked to approve",
            )
            assert not running.done(), "alice's revert waits for the approval"
            assert seen[-1].warnings[-1].startswith("Approvers: bob, carol; you are not one of them")
            await pilot.press("y")
            outcome = await asyncio.wait_for(running, 120)
    finally:
        mirror.cancel()
        await alice_shared.close()
    assert outcome.status == "done", outcome.message
    entries = read(tmp_path / "alice.jsonl").entries
    confirm = next(e for e in entries if e.data.get("phase") == "confirm" and e.data.get("choice") == "confirm")
    assert confirm.data["confirmed_by"] == "alice" and confirm.data["approved_by"] == "bob"
    grant = next(e for e in entries if e.data.get("approval") == "grant")
    assert grant.operator == "bob" and grant.data["requested_by"] == "alice"
    assert grant.seq < confirm.seq


@pytest.mark.servers
async def test_without_an_approval_the_step_does_not_run(
    tmp_path: Path, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(approvals, "APPROVAL_WAIT", 1.0)
    alice = _session(tmp_path, "alice")
    shared = _join(alice, redis_url, "appr-none")
    try:
        outcome = await alice.run_action("revert", yes)
    finally:
        await shared.close()
    assert outcome.status == "refused" and "not approved by bob or carol" in outcome.message
    assert alice.runbook.state("revert").value == "pending"
    assert not [e for e in read(tmp_path / "alice.jsonl").entries if e.data.get("phase") == "result"]
    bob = _session(tmp_path, "bob")
    for entry in read(tmp_path / "alice.jsonl").entries:  # as bob's cockpit would mirror them
        bob.journal.append_mirror(entry.to_dict())
    assert not approvals.pending_for_me(bob), "a withdrawn request is not offered any more"


async def test_without_shared_mode_approvers_are_shown_not_enforced(tmp_path: Path) -> None:
    alice = _session(tmp_path, "alice")
    outcome = await alice.run_action("revert", yes)
    assert outcome.status == "done", outcome.message
    assert "Approvers: bob, carol (shown, not enforced: shared mode is off)" in seen[-1].warnings
    assert not [e for e in read(tmp_path / "alice.jsonl").entries if e.data.get("approval")]
