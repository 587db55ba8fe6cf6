"""The release map on screen (issue 15): the runbook panel shows each step's change, owner
(backup) and whether its preconditions hold now; a failing precondition asks for a typed
reason in the confirmation and journals an override with the readings; the Release view."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from cockpit.core.conditions import parse_condition
from cockpit.core.release_plan import release_record
from cockpit.core.runbook import StepDef, default_steps
from cockpit.core.session import Session
from cockpit.drill import build_drill, drill_config
from cockpit.drill.release import drill_release
from cockpit.incident.journal import Journal, Operator, read
from cockpit.panels.runbook import RunbookPanel
from cockpit.ui.app import CockpitApp
from cockpit.ui.screens import ConfirmScreen, ReleaseScreen
from tests.drill_helpers import wait_until
from tests.screen import screen_text, type_text
from tests.test_drill_tui import declare


def _release_steps() -> tuple[StepDef, ...]:
    """Today's drill steps, with the revert belonging to a change and asking that the
    payment-retry queue be paused first (it is running when the drill starts)."""
    steps = []
    for s in default_steps(drill_config()):
        if s.id == "revert":
            s = replace(
                s,
                change="checkout-code",
                owner="sam (checkout)",
                backup="lee (checkout)",
                preconditions=(parse_condition("queue payment-retry paused"),),
            )
        steps.append(s)
    return tuple(steps)


def _app(tmp_path: Path) -> CockpitApp:
    journal = Journal.open(tmp_path / "drill.jsonl", Operator("alice"))
    return CockpitApp(Session(build_drill(seed=7, speed=60, steps=_release_steps()), journal))


def _revert_line(app: CockpitApp) -> str:
    return next((line for line in screen_text(app).splitlines() if "Revert the release" in line), "")


async def test_a_failing_precondition_shows_on_the_panel_and_needs_a_typed_override(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=(180, 50)) as pilot:
        await wait_until(pilot, lambda: "✖ pre" in _revert_line(app), what="the revert's precondition failing")
        assert "checkout-code · sam (checkout)" in _revert_line(app)
        app.set_focus(app.query_one(RunbookPanel))  # the cursor on the revert shows the failing reading
        await pilot.press("down", "down", "down", "down")
        await wait_until(
            pilot,
            lambda: "✖ queue payment-retry paused: " in screen_text(app),
            what="the failing reading under the step",
        )
        await pilot.press("enter")  # the step's detail: its change, owner and preconditions judged now
        await wait_until(pilot, lambda: "Preconditions, now:" in screen_text(app), what="the step's detail")
        detail = screen_text(app)
        assert "undoes change checkout-code" in detail and "owner: sam (checkout) (backup lee (checkout))" in detail
        assert "✖ queue payment-retry paused: " in detail
        await pilot.press("escape")
        app.set_focus(None)
        await declare(pilot)

        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the revert's confirmation")
        dialog = screen_text(app)
        assert "Precondition not holding now" in dialog and "queue payment-retry paused" in dialog
        await pilot.press("y")  # a letter is text here: it never confirms past a failing precondition
        await pilot.press("enter")
        await wait_until(pilot, lambda: "at least 3 words" in screen_text(app), what="the refusal")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("backspace", *" ok then")  # "ok then": two words
        await pilot.press("enter")
        await pilot.pause(0.1)
        assert isinstance(app.screen, ConfirmScreen), "two words are not enough"
        await type_text(pilot, " the writer is harmless now")
        await pilot.press("enter")
        await wait_until(
            pilot,
            lambda: app.session.runbook.state("revert").value == "done",
            timeout=120,
            what="the revert done after the override",
        )
    entries = read(tmp_path / "drill.jsonl").entries
    override = next(e for e in entries if e.kind == "override")
    assert override.step == "revert" and override.operator == "alice"
    assert override.data["reason"] == "ok then the writer is harmless now"
    assert override.data["readings"][0]["condition"] == "queue payment-retry paused"
    assert override.data["readings"][0]["truth"] in ("fails", "unknown")
    seqs = [e.seq for e in entries if e.kind == "override" or e.data.get("phase") == "result"]
    assert seqs == sorted(seqs) and entries[-1].seq > override.seq  # journaled before the revert ran


async def test_the_panel_ticks_a_precondition_once_it_holds_and_no_override_is_asked(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=(180, 50)) as pilot:
        await wait_until(pilot, lambda: "✖ pre" in _revert_line(app), what="the precondition failing")
        await declare(pilot)
        await pilot.press("s")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="pause confirmation")
        await pilot.press("y")
        await wait_until(pilot, lambda: "✔ pre" in _revert_line(app), timeout=120, what="the precondition holding")
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the revert's confirmation")
        assert "Precondition not holding" not in screen_text(app)
        await pilot.press("escape")
    assert not [e for e in read(tmp_path / "drill.jsonl").entries if e.kind == "override"]


async def test_the_release_view_lists_the_drills_release_map_live(tmp_path: Path) -> None:
    journal = Journal.open(tmp_path / "drill.jsonl", Operator("alice"))
    session = Session(build_drill(seed=7, speed=60), journal)
    session.record("release", "release 2026.11.3 loaded", data=release_record(drill_release()))
    app = CockpitApp(session)
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.press("g")
        await wait_until(pilot, lambda: isinstance(app.screen, ReleaseScreen), what="the release view")
        text = screen_text(app)
        assert "Release 2026.11.3" in text
        for change in ("payment-retry-job", "new-checkout-flag", "checkout-code", "discount-holds-migration"):
            assert change in text, change
        assert "dana (payments) (ravi (payments))" in text
        assert "not undone" in text and "undone " not in text.replace("not undone", "")
        await pilot.press("escape")
        await declare(pilot)
        await pilot.press("f")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="flags confirmation")
        await pilot.press("y")
        await wait_until(pilot, lambda: session.runbook.state("flags").value == "done", timeout=120, what="flags")
        await pilot.press("g")
        await wait_until(pilot, lambda: isinstance(app.screen, ReleaseScreen), what="the release view again")
        flag_row = next(line for line in screen_text(app).splitlines() if "new-checkout-flag" in line)
        assert "undone" in flag_row and "not undone" not in flag_row


async def test_the_release_view_of_the_drill_as_cockpit_drill_starts_it(tmp_path: Path) -> None:
    """`cockpit drill`'s own runbook (its release file): the panel lists the release's steps
    with change and owner; g shows each change, its undo steps' places, and their state."""
    from cockpit.cli.release_args import Derived
    from cockpit.drill.release import drill_release_config

    config = drill_release_config()
    release = Derived(drill_release(config), config)
    session = Session(
        build_drill(seed=7, speed=60, config=config, steps=release.steps),
        Journal.open(tmp_path / "drill.jsonl", Operator("alice")),
    )
    session.record("release", "release 2026.11.3", data=release.record)
    app = CockpitApp(session)
    async with app.run_test(size=(200, 60)) as pilot:
        await wait_until(pilot, lambda: "payment-retry-job · ravi" in screen_text(app), what="the release's steps")
        await pilot.press("g")
        await wait_until(pilot, lambda: "order-totals-rule" in screen_text(app), what="the release view")
        assert isinstance(app.screen, ReleaseScreen)
        shown = screen_text(app)
        assert all(c.id in shown for c in release.release_map.changes)
        totals = next(line for line in screen_text(app).splitlines() if "order-totals-rule" in line)
        place = 1 + [s.id for s in session.steps].index("repair:totals")
        assert f" {place} " in totals and "not undone" in totals
        # The flag's undo runs, and its verify ("flag new_checkout safe") is judged on the readings.
        await pilot.press("escape")
        await declare(pilot)
        await pilot.press("f")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="flags confirmation")
        await pilot.press("y")
        await wait_until(pilot, lambda: session.runbook.state("flags").value == "done", timeout=120, what="flags")
        await pilot.press("g")
        await wait_until(pilot, lambda: isinstance(app.screen, ReleaseScreen), what="the release view again")
        flag_row = next(line for line in screen_text(app).splitlines() if "new-checkout-flag" in line)
        assert "✔ verified" in flag_row, flag_row
        assert any(e.kind == "undo_verify" and e.step == "flags" and e.data["ok"] for e in session.journal.entries)


RELEASE = """
[release]
id = "r1"
title = "checkout 4.2"
[[changes]]
id = "checkout-code"
kind = "code"
what = "the discount reservation path"
owner = "sam"
backup = "lee"
undo = [{ action = "revert", step = "revert" }]
precondition = ["queue payment-retry paused"]
"""


@pytest.mark.servers
def test_act_asks_for_an_override_when_the_release_steps_precondition_fails(tmp_path: Path, redis_url: str) -> None:
    import json
    import sys

    from tests.test_actions_live import config_text, run_act

    (tmp_path / "rel.toml").write_text(RELEASE)
    argv = json.dumps([sys.executable, "-c", "print('rolled back to 4.1')"])
    config = config_text(
        redis_url,
        journal=tmp_path / "j.jsonl",
        revert=f"[actions.revert]\nargv = {argv}\n",
        extra='[release]\nfile = "rel.toml"\n',
    )
    done = run_act(tmp_path, config, "revert", "--yes")
    assert done.returncode != 0
    assert (
        "precondition ✖ queue payment-retry paused" in done.stdout
        or "precondition ? queue payment-retry paused" in done.stdout
    )
    assert "at least 3 words" in done.stdout + done.stderr
    entries = read(tmp_path / "j.jsonl").entries
    assert [e.kind for e in entries if e.kind == "release"] == ["release"]
    assert not [e for e in entries if e.data.get("phase") == "result"]

    done = run_act(tmp_path, config, "revert", "--yes", "--override", "the queue is drained by hand")
    assert done.returncode == 0, done.stdout + done.stderr
    entries = read(tmp_path / "j.jsonl").entries
    override = next(e for e in entries if e.kind == "override")
    assert override.step == "revert" and override.operator == "bob"
    assert override.data["reason"] == "the queue is drained by hand"
    assert override.data["readings"][0]["condition"] == "queue payment-retry paused"
    assert [e.kind for e in entries].count("release") == 1
    assert entries[-1].kind == "step" and entries[-1].data["state"] == "done"
