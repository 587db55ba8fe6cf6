"""The cockpit on the drill, driven by the keys an operator would press."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.core.gate import MITIGATED, NOT_RESTORED, RESTORED
from cockpit.core.readings import FLAGS, QUEUES, SUSPECTS, Freshness
from cockpit.core.runbook import StepState
from cockpit.incident.report import build, from_entries
from cockpit.ui.close_dialog import CloseRestoredScreen
from cockpit.ui.commands import KEY_DISPLAY, commands
from cockpit.ui.screens import AskScreen, ConfirmScreen, DeclareScreen, HelpScreen
from tests.drill_helpers import drill_app, journal_entries, wait_until
from tests.screen import screen_text, type_text


def action_results(path: Path, action: str) -> list:
    return [e for e in journal_entries(path) if e.data.get("action") == action and e.data.get("phase") == "result"]


async def declare(pilot, scope: str = "checkout fails for 8% of customers in eu-west and us-east") -> None:
    await pilot.press("d")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, DeclareScreen), what="declare dialog")
    await type_text(pilot, scope)
    await pilot.press("enter")
    await wait_until(pilot, lambda: not isinstance(pilot.app.screen, DeclareScreen), what="declare dialog closed")


async def confirm_step(pilot, key: str, expect_in_dialog: str) -> str:
    """Press a step key, check the dialog restates the target, answer y; returns the dialog text."""
    await pilot.press(key)
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen), what=f"confirmation for {key}")
    text = screen_text(pilot.app)
    assert expect_in_dialog in text, text
    assert pilot.app.focused is not None and pilot.app.focused.id == "cancel"  # focus starts on Cancel
    await pilot.press("y")
    await wait_until(pilot, lambda: not isinstance(pilot.app.screen, ConfirmScreen), what="dialog closed")
    return text


async def send_message(pilot, key: str) -> str:
    """Open an update editor, append to the text, Tab to Send, Enter."""
    await pilot.press(key)
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen), what=f"editor for {key}")
    text = screen_text(pilot.app)
    await pilot.press("end")
    await type_text(pilot, " (edited)")
    await pilot.press("tab", "tab", "enter")
    await wait_until(pilot, lambda: not isinstance(pilot.app.screen, ConfirmScreen), what="editor closed")
    return text


def step_state(app, step: str) -> StepState:
    return app.session.runbook.state(step)


def gate_state(app) -> str | None:
    status = app.session.gate_status
    return status.state if status else None


async def test_whole_runbook_in_the_right_order_walks_the_gate_to_restored(tmp_path: Path) -> None:
    path = tmp_path / "drill.jsonl"
    app, backends, _journal = drill_app(path, speed=60)
    world = backends.world
    seen_flags: list[tuple[Freshness, bool]] = []  # (ap-south's freshness, did the gate count its flags)

    def watch_flags(kind: str) -> None:
        status = app.session.gate_status
        if kind == FLAGS and status is not None and app.session.board.names(FLAGS):
            flags_ok = next(c.ok for c in status.conditions if c.name == "flags")
            seen_flags.append((app.session.board.freshness(FLAGS, "new_checkout@ap-south"), flags_ok))

    app.session.change_listeners.append(watch_flags)
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_until(
            pilot, lambda: app.session.board.names(SUSPECTS) and app.session.board.names(QUEUES), what="first readings"
        )
        await wait_until(pilot, lambda: "RISING" in screen_text(app), what="suspects rising")
        screen = screen_text(app)
        assert "NOT DECLARED" in screen and "CRIT" in screen
        assert "NOT RESTORED" in screen and "SERVICE RESTORED" not in screen

        await declare(pilot)
        assert app.session.incident.declared
        assert "NOT DECLARED" not in screen_text(app)
        declared = [e for e in journal_entries(path) if e.kind == "declare"]
        assert declared and declared[0].data["scope"].startswith("checkout fails")
        await wait_until(pilot, lambda: app.session.baseline, what="baseline suspect counts")

        text = await send_message(pilot, "a")
        assert "Error rate" in text and "suspect records" in text
        await wait_until(pilot, lambda: step_state(app, "alert") is StepState.DONE, what="alert done")
        updates = [e for e in journal_entries(path) if e.kind == "update"]
        assert updates and "(edited)" in updates[-1].data["text"]
        assert "next update" in screen_text(app)

        dialog = await confirm_step(pilot, "s", "payment-retry (rq on redis 'jobs')")
        assert "stops EVERY rq queue" in dialog
        await wait_until(pilot, lambda: step_state(app, "stop") is StepState.DONE, what="stop done")
        assert world.retry.paused
        result = action_results(path, "pause_risky")[-1]
        assert result.data["ok"] and "before" in result.data and "after" in result.data
        assert "payment-retry" in result.data["before"][QUEUES]
        await wait_until(pilot, lambda: "⏸PAUSED" in screen_text(app), what="queue shown paused")
        assert gate_state(app) == NOT_RESTORED

        await confirm_step(pilot, "f", "new_checkout@eu-west: 25% -> off")
        await wait_until(pilot, lambda: step_state(app, "flags") is StepState.DONE, timeout=30, what="flags done")
        assert all(v == 0 for v in world.new_checkout.observed.values())
        assert "reads back off in every region" in action_results(path, "flags_safe")[-1].summary
        assert gate_state(app) == NOT_RESTORED

        await confirm_step(pilot, "r", "rollout undo deployment/checkout")
        await wait_until(pilot, lambda: step_state(app, "revert") is StepState.DONE, timeout=30, what="revert done")
        outputs = [
            e.data["line"]
            for e in journal_entries(path)
            if e.data.get("phase") == "output" and e.data.get("action") == "revert"
        ]
        assert any("successfully rolled out" in line for line in outputs)
        assert not world.bad_release_live
        assert gate_state(app) == NOT_RESTORED  # wrong cart totals still rising until the caches go

        await confirm_step(pilot, "c", "keys match")
        await wait_until(pilot, lambda: step_state(app, "cache") is StepState.DONE, what="cache done")
        assert world.stale_cart_keys == 0
        # New damage has stopped, but bad rows and the paused queue remain: MITIGATED, not RESTORED.
        await wait_until(pilot, lambda: gate_state(app) == MITIGATED, timeout=40, what="gate MITIGATED")
        assert world.duplicate_holds > 0 and world.retry.paused
        await wait_until(pilot, lambda: "MITIGATED — data:" in screen_text(app), what="header MITIGATED with reason")
        await wait_until(  # the records panel repaints in the same throttled redraw, or the next one
            pilot, lambda: "duplicate discount holds (target 0)" in screen_text(app), what="the reason's suspect"
        )

        dialog = await confirm_step(pilot, "p", "release duplicates")
        assert "reviewed by dana" in dialog
        await wait_until(pilot, lambda: step_state(app, "repair") is StepState.DONE, what="repair done")
        repair = action_results(path, "repair")[-1]
        assert repair.data["marked_for_review"] > 0 and len(repair.data["sha256"]) == 64
        # The command log: the transaction as a real repair sends it (statements, SQL text, COMMIT).
        assert repair.data["sent"][0].endswith(": BEGIN") and repair.data["sent"][-1].endswith(": COMMIT")
        assert (
            "    UPDATE discount_holds h SET released_at = now() WHERE released_at IS NULL AND EXISTS "
            "(SELECT 1 FROM discount_holds k WHERE k.order_id = h.order_id AND k.code = h.code AND "
            "k.released_at IS NULL AND k.id < h.id)" in repair.data["sent"]
        )
        assert world.duplicate_holds == 0
        assert gate_state(app) == MITIGATED  # payment-retry is still paused

        await confirm_step(pilot, "j", "stage 2: payment-retry")
        await wait_until(pilot, lambda: step_state(app, "restart") is StepState.DONE, timeout=30, what="restart done")
        assert not world.retry.paused
        assert "redis 'jobs': DEL rq:suspended" in action_results(path, "restart_staged")[-1].data["sent"]
        assert gate_state(app) != RESTORED  # the user paths are not verified yet

        await pilot.press("v")  # read-only check: runs without a dialog
        await wait_until(pilot, lambda: step_state(app, "verify") is StepState.DONE, timeout=20, what="verify done")
        await pilot.press("w")
        await wait_until(pilot, lambda: gate_state(app) == RESTORED, timeout=30, what="gate RESTORED")
        await wait_until(pilot, lambda: "SERVICE RESTORED ✔" in screen_text(app), what="gate shown green")
        assert step_state(app, "watch") is StepState.DONE

        await send_message(pilot, "u")
        await wait_until(pilot, lambda: step_state(app, "update") is StepState.DONE, what="customer update done")

        for _attempt in range(3):  # on a loaded machine the gate may fall back (journaled) just before
            await wait_until(pilot, lambda: gate_state(app) == RESTORED, timeout=30, what="gate restored")
            await pilot.press("x")
            await wait_until(pilot, lambda: isinstance(app.screen, CloseRestoredScreen), what="close dialog")
            await wait_until(
                pilot, lambda: app.focused is not None and app.focused.id == "cancel", what="focus on Cancel"
            )
            await pilot.press("y")  # never answered by one letter
            assert isinstance(app.screen, CloseRestoredScreen)
            await pilot.press("tab")
            await wait_until(pilot, lambda: app.focused is not None and app.focused.id == "close", what="on Close")
            await pilot.press("enter")
            await wait_until(pilot, lambda: not isinstance(app.screen, CloseRestoredScreen), what="dialog closed")
            if step_state(app, "close") is StepState.DONE:
                break
        assert step_state(app, "close") is StepState.DONE
        await wait_until(pilot, lambda: "CLOSED" in screen_text(app), what="header CLOSED")

    # The drill showed real trouble once: ap-south UNREACHABLE, then STALE, and the gate never counted it.
    states = [fresh for fresh, _ in seen_flags]
    first_down = states.index(Freshness.UNREACHABLE)
    assert Freshness.STALE in states[first_down:]
    assert all(not counted for fresh, counted in seen_flags if fresh is not Freshness.OK)

    entries = journal_entries(path)
    seqs = [e.seq for e in entries]
    assert seqs == list(range(1, len(entries) + 1))
    assert all(e.operator == "alice" for e in entries)
    gates = [e for e in entries if e.kind == "gate"]
    assert all(g.data["v"] == 1 and g.data["conditions"] for g in gates)
    by_seq = {e.seq: e for e in entries}
    mitigated = next(g for g in gates if g.data["state"] == MITIGATED)
    restored = next(g for g in gates if g.data["state"] == RESTORED)
    # On a loaded machine a reading can come late and the gate falls back (journaled both
    # ways); it may only ever fall back for a reading that is not fresh.
    for g in gates[gates.index(mitigated) + 1 : gates.index(restored)]:
        assert g.data["state"] == MITIGATED or "stale" in g.data["reason"] or "unreachable" in g.data["reason"], [
            (x.data["state"], x.data["reason"]) for x in gates
        ]
    cache_done = next(e for e in entries if e.kind == "step" and e.step == "cache" and e.data["state"] == "done")
    verify_done = next(e for e in entries if e.kind == "step" and e.step == "verify" and e.data["state"] == "done")
    restart_done = next(e for e in entries if e.kind == "step" and e.step == "restart" and e.data["state"] == "done")
    assert mitigated.seq > cache_done.seq and restored.seq > verify_done.seq > restart_done.seq
    assert (restored.at - verify_done.at).total_seconds() >= 120  # held for the whole window
    assert mitigated.data["previous"] == NOT_RESTORED and restored.data["previous"] == MITIGATED
    assert "data:" in mitigated.data["reason"] and restored.data["reason"] == ""
    declared_at = by_seq[declared[0].seq].at
    report = build(from_entries(entries))
    assert report.moments.mitigated.seq == mitigated.seq and report.moments.restored.seq == restored.seq
    durations = {d.name: d.seconds for d in report.durations}
    assert durations["to mitigate"] == pytest.approx((mitigated.at - declared_at).total_seconds(), abs=0.01)
    assert durations["to restore"] == pytest.approx((restored.at - declared_at).total_seconds(), abs=0.01)
    closes = [e for e in entries if e.kind == "close"]
    assert closes and closes[-1].data["override"] is False


async def test_clearing_the_cache_before_stopping_the_writer_lets_it_fill_again(tmp_path: Path) -> None:
    path = tmp_path / "wrong.jsonl"
    app, backends, _journal = drill_app(path, speed=30)
    world = backends.world
    async with app.run_test(size=(140, 45)) as pilot:
        await wait_until(pilot, lambda: app.session.board.names(SUSPECTS), what="first readings")
        await declare(pilot)
        dialog = await confirm_step(pilot, "c", "keys match")
        assert "Out of order" in dialog and "Stop the damage" in dialog  # the tool warns, the operator decides
        await wait_until(
            pilot,
            lambda: (
                step_state(app, "cache") is not StepState.RUNNING and step_state(app, "cache") is not StepState.PENDING
            ),
            what="cache finished",
        )
        assert step_state(app, "cache") is StepState.FAILED
        result = action_results(path, "clear_caches")[-1]
        assert not result.data["ok"]
        assert "something still writes them" in result.summary
        assert "state left" in result.summary
        assert world.stale_cart_keys > 0  # the new flow is still writing wrong totals
        board = app.session.board
        series = board.slot(SUSPECTS, "orders with wrong total").series
        start = series.values()[-1]
        await wait_until(
            pilot,
            lambda: board.value(SUSPECTS, "orders with wrong total") > start,
            timeout=20,
            what="wrong totals rising again",
        )
        await wait_until(pilot, lambda: "✖" in screen_text(app) and "RISING" in screen_text(app), what="shown")
        assert "FAILED" in screen_text(app)


async def test_pressing_the_same_action_twice_quickly_runs_it_once(tmp_path: Path) -> None:
    path = tmp_path / "twice.jsonl"
    app, _backends, _ = drill_app(path, speed=30)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.session.board.names(QUEUES), what="first readings")
        await pilot.press("s", "s")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="dialog")
        await pilot.press("y")
        await wait_until(pilot, lambda: step_state(app, "stop") is StepState.DONE, what="stop done")
        await pilot.pause(0.3)
    previews = [
        e for e in journal_entries(path) if e.data.get("action") == "pause_risky" and e.data.get("phase") == "preview"
    ]
    assert len(previews) == 1
    assert len(action_results(path, "pause_risky")) == 1


async def test_cancel_changes_nothing_and_is_journaled(tmp_path: Path) -> None:
    path = tmp_path / "cancel.jsonl"
    app, backends, _ = drill_app(path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.session.board.names(QUEUES), what="first readings")
        await pilot.press("s")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="dialog")
        await pilot.press("enter")  # Enter on the focused button: Cancel
        await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmScreen), what="closed")
        assert not backends.world.retry.paused
        await pilot.press("f")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="dialog")
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmScreen), what="closed")
    choices = [e.data["choice"] for e in journal_entries(path) if e.data.get("phase") == "confirm"]
    assert choices == ["cancel", "cancel"]
    assert backends.world.new_checkout.desired["eu-west"] == 25


async def test_note_goes_to_the_journal_and_the_log_panel(tmp_path: Path) -> None:
    path = tmp_path / "note.jsonl"
    app, _, _ = drill_app(path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("n")
        await pilot.pause(0.2)
        await type_text(pilot, "payments team paged")
        await pilot.press("enter")
        await wait_until(pilot, lambda: "payments team paged" in screen_text(app), what="note in log")
    notes = [e for e in journal_entries(path) if e.kind == "note"]
    assert [n.summary for n in notes] == ["payments team paged"]


async def test_help_lists_every_binding_of_the_registry(tmp_path: Path) -> None:
    app, _, _ = drill_app(tmp_path / "help.jsonl")
    async with app.run_test(size=(140, 60)) as pilot:
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
        text = screen_text(app)
        for command in commands(read_only=False):
            assert command.name in text, command.name
            assert KEY_DISPLAY.get(command.key, command.key) in text
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, HelpScreen), what="help closed")
        bound = set(app._bindings.key_to_bindings)  # what the app really binds
        assert {c.key for c in commands(read_only=False) if c.key} <= bound  # "" = palette only


async def test_ctrl_c_does_not_quit_and_q_asks_first(tmp_path: Path) -> None:
    app, _, _ = drill_app(tmp_path / "quit.jsonl")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+c")
        await wait_until(
            pilot, lambda: any("Ctrl+C does not quit" in n.message for n in app._notifications), what="hint"
        )
        assert app.is_running
        await pilot.press("q")
        await wait_until(pilot, lambda: isinstance(app.screen, AskScreen), what="quit question")
        assert app.focused.id == "no"
        await pilot.press("n")
        await pilot.pause(0.1)
        assert app.is_running
        await pilot.press("q", "y")
        await pilot.pause(0.2)
    assert app.return_code == 0 or app.return_code is None


async def test_read_only_binds_no_action_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "ro.jsonl"
    app, backends, _ = drill_app(path, read_only=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.session.board.names(QUEUES), what="first readings")
        assert "[R] READ-ONLY" in screen_text(app)
        await pilot.press("s", "y", "f", "y", "c", "y", "n", "d")
        await pilot.pause(0.3)
        assert not isinstance(app.screen, ConfirmScreen | DeclareScreen)
        assert not backends.world.retry.paused
        assert backends.world.new_checkout.desired["eu-west"] == 25
    assert all(e.kind not in ("action", "note", "declare") for e in journal_entries(path))


@pytest.mark.parametrize("size", [(80, 24), (250, 70)])
async def test_screen_at_small_and_large_sizes(tmp_path: Path, size: tuple[int, int]) -> None:
    app, _, _ = drill_app(tmp_path / "size.jsonl")
    async with app.run_test(size=size) as pilot:
        await wait_until(pilot, lambda: "age" in screen_text(app) and "RISING" in screen_text(app), what="values")
        text = screen_text(app)
        lines = text.split("\n")
        assert len(lines) == size[1] and max(len(line) for line in lines) <= size[0]
        for must in ("Error rate", "Queues", "Flags", "Runbook", "Gate", "[s]", "payment-retry", "new_checkout"):
            assert must in text, must


async def test_resize_in_the_middle_of_a_run_keeps_everything(tmp_path: Path) -> None:
    app, _, _ = drill_app(tmp_path / "resize.jsonl", speed=30)
    async with app.run_test(size=(200, 50)) as pilot:
        await wait_until(pilot, lambda: "payment-retry" in screen_text(app), what="values")
        await pilot.press("s")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="dialog")
        await pilot.resize_terminal(80, 24)
        await pilot.pause(0.3)
        assert "This will touch" in screen_text(app)
        await pilot.press("y")
        await wait_until(pilot, lambda: step_state(app, "stop") is StepState.DONE, what="done")
        await pilot.resize_terminal(250, 70)
        await wait_until(pilot, lambda: "⏸PAUSED" in screen_text(app), what="paused after resize")
        assert "Stop the damage" in screen_text(app)


async def test_no_color_still_carries_every_state_in_words(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app, backends, _ = drill_app(tmp_path / "nocolor.jsonl", speed=30)
    backends.world.down.add("suspects")
    async with app.run_test(size=(120, 45)) as pilot:
        await wait_until(pilot, lambda: "UNREACHABLE" in screen_text(app), what="unreachable marked")
        text = screen_text(app)
        for word in ("CRIT", "✖FAIL", "✔PASS", "◐", "UNREACHABLE", "[RW]"):
            assert word in text, word
        backends.world.down.discard("suspects")
        await wait_until(pilot, lambda: "UNREACHABLE" not in screen_text(app), what="recovered")


async def test_a_source_that_goes_down_keeps_its_last_value_and_recovers(tmp_path: Path) -> None:
    app, backends, _ = drill_app(tmp_path / "down.jsonl", speed=10)
    async with app.run_test(size=(140, 45)) as pilot:
        await wait_until(pilot, lambda: app.session.board.names(QUEUES), what="first readings")
        board = app.session.board
        before = board.value(QUEUES, "payment-retry")
        backends.world.down.add("queues")
        await wait_until(pilot, lambda: "UNREACHABLE" in screen_text(app), what="queues unreachable")
        assert board.value(QUEUES, "payment-retry") == before  # last good value kept
        assert "payment-retry" in screen_text(app)
        await pilot.press("n")  # the UI still answers keys
        await pilot.pause(0.1)
        await pilot.press("escape")
        backends.world.down.discard("queues")
        await wait_until(pilot, lambda: "UNREACHABLE" not in screen_text(app), what="recovered")


async def test_e_exports_the_report_next_to_the_journal(tmp_path: Path) -> None:
    path = tmp_path / "exp.jsonl"
    app, _, _ = drill_app(path, speed=30)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.session.board.names(QUEUES), what="first readings")
        await declare(pilot)
        await pilot.press("e")
        await wait_until(pilot, lambda: (tmp_path / "exp-report.md").exists(), what="report written")
    assert (tmp_path / "exp-report.md").read_text().startswith("# Post-incident report: DRILL")
    assert '"schema": "cockpit.report/2"' in (tmp_path / "exp-report.json").read_text()
    assert (tmp_path / "exp-report.html").read_text().startswith("<!DOCTYPE html>")
