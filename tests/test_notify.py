"""Which events ring the bell, once per change (pilot on the drill; bytes are in tests/term)."""

from __future__ import annotations

from pathlib import Path

from cockpit.config import NotifyConfig, loads
from cockpit.core.readings import FLAGS, QUEUES
from cockpit.incident.journal import Entry
from cockpit.ui.notify import Notifier
from tests.drill_helpers import drill_app, wait_until
from tests.test_drill_tui import declare, send_message


def entry(kind: str, data: dict, step: str | None = None, summary: str = "s") -> Entry:
    return Entry(seq=1, ts="2026-11-29T02:00:00+00:00", operator="a", kind=kind, summary=summary, step=step, data=data)


def gate(state: str, previous: str) -> Entry:
    return entry(
        "gate", {"v": 1, "state": state, "previous": previous, "reason": "", "conditions": []}, summary=f"gate: {state}"
    )


def test_each_gate_state_change_once_and_falls_back_too() -> None:
    notifier = Notifier(NotifyConfig())
    seen = [
        notifier.on_entry(e)
        for e in (
            gate("MITIGATED", "NOT RESTORED"),
            gate("MITIGATED", "NOT RESTORED"),
            gate("RESTORED", "MITIGATED"),
            gate("NOT RESTORED", "RESTORED"),
        )
    ]
    assert [n.text if n else None for n in seen] == ["gate: MITIGATED", None, "gate: RESTORED", "gate: NOT RESTORED"]


def test_a_resumed_journal_does_not_ring_for_old_news() -> None:
    notifier = Notifier(NotifyConfig())
    notifier.seed([gate("MITIGATED", "NOT RESTORED")])
    assert notifier.on_entry(gate("MITIGATED", "NOT RESTORED")) is None


def test_a_halted_step_rings_and_a_switch_turns_each_event_off() -> None:
    halted = entry(
        "action",
        {"action": "restart_staged", "phase": "result", "ok": False},
        step="restart",
        summary="Restart jobs in stages: stopped at stage 2: error rate 4.1% over 2%",
    )
    notice = Notifier(NotifyConfig()).on_entry(halted)
    assert notice is not None and notice.text.startswith("HALTED step restart: Restart jobs in stages: stopped")
    quiet = Notifier(NotifyConfig(guard=False, gate=False, unreachable=False, update_due=False))
    assert quiet.on_entry(halted) is None and quiet.on_entry(gate("MITIGATED", "NOT RESTORED")) is None
    assert quiet.on_regions(["eu-west"]) == [] and quiet.on_countdown(-1) is None


def test_notify_switches_are_read_from_the_config() -> None:
    cfg = loads('[incident]\ntitle = "t"\nservice = "s"\n[notify]\nosc9 = false\nupdate_due = false\n')
    assert cfg.notify == NotifyConfig(osc9=False, update_due=False)
    assert loads('[incident]\ntitle = "t"\nservice = "s"\n').notify == NotifyConfig()


async def test_a_region_going_unreachable_signals_once_per_outage(tmp_path: Path) -> None:
    app, backends, _ = drill_app(tmp_path / "down.jsonl", speed=20)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(pilot, lambda: app.session.board.names(FLAGS), what="flag readings")
        backends.world.down.add("flags@eu-west")
        await wait_until(pilot, lambda: any(n.event == "unreachable" for n in app.signals), what="unreachable notice")
        await pilot.pause(1.5)  # more refreshes while it stays down
        down = [n.text for n in app.signals if n.event == "unreachable"]
        assert down == ["region eu-west UNREACHABLE: flag values there are unknown"]
        backends.world.down.discard("flags@eu-west")
        await wait_until(pilot, lambda: not app.notifier._unreachable, what="recovered")


async def test_the_status_update_falling_due_signals_once(tmp_path: Path) -> None:
    app, _, _ = drill_app(tmp_path / "due.jsonl", speed=600)  # the drill's 20 min interval: 2 s
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.session.board.names(QUEUES), what="first readings")
        await declare(pilot)
        await send_message(pilot, "a")
        sent = len(app.signals)  # (a slow declare may already have let the first update fall due)
        await wait_until(
            pilot,
            lambda: any(n.event == "update_due" for n in app.signals[sent:]),
            timeout=30,
            what="update due notice",
        )
        await pilot.pause(1.5)  # refreshes go on while it stays due
        assert [n.event for n in app.signals[sent:]].count("update_due") == 1
