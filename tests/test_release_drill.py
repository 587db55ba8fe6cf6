"""The drill driven by its release file: the steps, keys, owners and action instances come
from cockpit/drill/release.toml, both repairs run in the simulated world, an old drill
journal (no release entry) resumes with the runbook it had, and the report lists the map."""

from __future__ import annotations

from pathlib import Path

from cockpit.actions import Preview
from cockpit.cli.release_args import Derived, journal_started_without_release
from cockpit.core.runbook import Phase, StepState
from cockpit.core.session import Session
from cockpit.drill import build_drill
from cockpit.drill.release import drill_release, drill_release_config
from cockpit.incident.journal import Journal, Operator
from cockpit.incident.report import build, from_file, render_markdown


async def yes(preview: Preview) -> Preview:
    return preview


def release_session(path: Path) -> tuple[Session, Derived]:
    config = drill_release_config()
    release = Derived(drill_release(config), config)
    backends = build_drill(speed=600.0, config=config, steps=release.steps)
    session = Session(backends, Journal.open(path, Operator("alice")))
    session.record("release", "release 2026.11.3", data=release.record)
    return session, release


def test_the_drill_runbook_comes_from_its_release_file(tmp_path: Path) -> None:
    session, _ = release_session(tmp_path / "j.jsonl")
    steps = session.steps
    assert [s.id for s in steps] == [
        "declare", "alert", "stop", "flags", "revert", "cache", "repair", "repair:totals", "restart", "announce",
        "verify", "watch", "update", "close",
    ]  # fmt: skip
    by_id = {s.id: s for s in steps}
    assert [s.key for s in steps if s.key] == ["d", "a", "s", "f", "r", "c", "p", "j", "v", "w", "u", "x"]
    assert by_id["repair:totals"].after == ("repair", "cache") and by_id["repair:totals"].phase is Phase.REPAIR
    assert (by_id["repair"].change, by_id["repair"].owner, by_id["repair"].backup) == (
        "discount-holds-migration",
        "dana (payments)",
        "ravi (payments)",
    )
    assert [c.text for c in by_id["revert"].preconditions] == ["queue payment-retry paused"]
    # One action instance per step, each bound to its own step.
    bound = {name: action.step for name, action in session.actions.items()}
    assert bound["pause_risky"] == "stop" and bound["repair"] == "repair"
    assert bound["repair:repair:totals"] == "repair:totals" and bound["status_update:announce"] == "announce"
    assert bound["status_update"] == "alert" and bound["customer_update"] == "update"
    session.journal.close()


async def test_both_repairs_run_in_the_drill_world_in_order(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    session, _ = release_session(path)
    world = session.backends.world  # type: ignore[attr-defined]
    for name in ("pause_risky", "flags_safe", "revert", "clear_caches"):  # stop the damage first
        outcome = await session.run_action(name, yes)
        assert outcome.status == "done", outcome.message
    world.wrong_totals = 37.0
    first = await session.run_action("repair", yes)
    assert first.status == "done", first.message
    world.wrong_totals = 5.0  # the stale cart cache wrote more before it was cleared
    second = await session.run_action("repair:repair:totals", yes)
    assert second.status == "done", second.message
    assert world.wrong_totals == 0
    assert session.runbook.state("repair") is StepState.DONE
    assert session.runbook.state("repair:totals") is StepState.DONE
    session.journal.close()

    report = build(from_file(path))
    assert report.release is not None
    order = {u.step: u for u in report.release.order}
    assert order["repair:totals"].state == "done" and order["repair:totals"].by == "alice"
    assert (
        "| 6 | repair:totals | order-totals-rule | repair(script=recompute-order-totals) | done |"
        in render_markdown(report)
    )
    assert "order-totals-rule" not in {n.change for n in report.release.not_undone}


def test_an_old_drill_journal_resumes_with_the_runbook_it_had(tmp_path: Path) -> None:
    old = tmp_path / "old.jsonl"
    journal = Journal.open(old, Operator("alice"))
    journal.append("declare", "declared SEV2: drill", step="declare", data={"title": "drill"})
    journal.close()
    assert journal_started_without_release(old)
    assert not journal_started_without_release(tmp_path / "new.jsonl")
    session, _ = release_session(tmp_path / "with-release.jsonl")
    session.journal.close()
    assert not journal_started_without_release(tmp_path / "with-release.jsonl")
