"""The guard engine on a board (no servers): consecutive breaches counted once per new
reading, inconclusive on a missing or stale reading, and where a step's guard comes from
(the default restart guard; a release file's change guard on each of its undo steps)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cockpit.actions import Preview
from cockpit.config import loads
from cockpit.config.release import load_release
from cockpit.core.conditions import parse_condition
from cockpit.core.guard import GuardOutcome, GuardSpec, GuardWatch
from cockpit.core.readings import ERROR_RATE, QUEUES, Board, Reading
from cockpit.core.release_steps import release_steps
from cockpit.core.runbook import StepState, default_steps
from cockpit.core.session import Session
from cockpit.drill import build_drill
from cockpit.incident.journal import Journal, Operator
from tests.test_release_file import CONFIG, RELEASE

T0 = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def board_at(clock: Clock) -> Board:
    board = Board(clock=clock)
    board.set_interval(ERROR_RATE, 5.0)
    return board


def rate(board: Board, clock: Clock, value: float | None, error: str | None = None) -> None:
    clock.now += timedelta(seconds=1)
    board.update([Reading(ERROR_RATE, "checkout 5xx", value, clock.now, error)])


def test_breaches_in_a_row_halt_at_the_limit_and_a_repeat_of_the_same_reading_is_not_one() -> None:
    clock = Clock()
    board = board_at(clock)
    watch = GuardWatch(GuardSpec((parse_condition("error_rate > 5%"),), failure_limit=2))
    rate(board, clock, 0.01)
    assert watch.observe(board, clock.now).outcome is GuardOutcome.CLEAR
    rate(board, clock, 0.09)
    first = watch.observe(board, clock.now)
    assert first.outcome is GuardOutcome.CLEAR and first.reason.startswith("breach 1 of 2")
    # The session's next tick, nothing read in between: the same reading is not a second breach.
    assert watch.observe(board, clock.now).outcome is GuardOutcome.CLEAR and watch.breaches == 1
    rate(board, clock, 0.02)  # a good reading resets the count
    assert watch.observe(board, clock.now).outcome is GuardOutcome.CLEAR and watch.breaches == 0
    rate(board, clock, 0.09)
    watch.observe(board, clock.now)
    rate(board, clock, 0.12)
    halt = watch.observe(board, clock.now)
    assert halt.outcome is GuardOutcome.HALT
    assert halt.reason == "error_rate checkout 5xx 12.0% > 5.0% (0s old) (2 readings in a row)"
    assert halt.details == ["error_rate checkout 5xx 12.0% > 5.0% (0s old)"]


def test_only_new_readings_of_what_breached_count_not_another_sources_ticks() -> None:
    """One bad error-rate sample while a busy queue poller ticks is one breach, not one per
    queue tick; the same bad value read again is a new breach (a new read, not a repeat)."""
    clock = Clock()
    board = board_at(clock)
    spec = GuardSpec((parse_condition("error_rate > 5%"), parse_condition("queue payment-retry growing")), 3)
    watch = GuardWatch(spec)

    def queue_tick() -> None:
        clock.now += timedelta(seconds=1)
        board.update([Reading(QUEUES, "payment-retry", 10.0, clock.now)])
        board.update([Reading(QUEUES, "emails", float(clock.now.second), clock.now)])  # another queue, busy

    queue_tick()
    queue_tick()  # two samples: the queue's trend is known (steady)
    rate(board, clock, 0.09)
    assert watch.observe(board, clock.now).reason.startswith("breach 1 of 3")
    for _ in range(5):  # the guarded queue is steady (its condition FAILS) and ticks; the rate is not re-read
        queue_tick()
        verdict = watch.observe(board, clock.now)
        assert verdict.outcome is GuardOutcome.CLEAR and watch.breaches == 1, verdict
    rate(board, clock, 0.09)  # the same value, read again: a second breach
    assert watch.observe(board, clock.now).reason.startswith("breach 2 of 3") and watch.breaches == 2
    queue_tick()
    assert watch.observe(board, clock.now).outcome is GuardOutcome.CLEAR and watch.breaches == 2
    rate(board, clock, 0.09)
    assert watch.observe(board, clock.now).outcome is GuardOutcome.HALT


def test_a_missing_unreachable_or_stale_reading_is_inconclusive_never_clear() -> None:
    clock = Clock()
    board = board_at(clock)
    watch = GuardWatch(GuardSpec((parse_condition("error_rate > 5%"),)))
    assert watch.observe(board, clock.now).outcome is GuardOutcome.PAUSE  # nothing read yet
    rate(board, clock, 0.01)
    assert watch.observe(board, clock.now).outcome is GuardOutcome.CLEAR
    clock.now += timedelta(seconds=11)  # more than twice the 5 s interval
    stale = watch.observe(board, clock.now)
    assert stale.outcome is GuardOutcome.PAUSE and "stale" in stale.reason
    rate(board, clock, None, error="connection refused")
    down = watch.observe(board, clock.now)
    assert down.outcome is GuardOutcome.PAUSE and "unreachable" in down.reason


def test_the_default_restart_guard_and_a_release_files_guards(tmp_path: Path) -> None:
    config = loads(
        CONFIG + '[prometheus]\nurl = "http://127.0.0.1:9"\n[[prometheus.queries]]\nname = "r"\nquery = "x"\n'
    )
    restart = next(s for s in default_steps(config) if s.id == "restart")
    assert restart.guard is not None and [c.text for c in restart.guard.failure] == ["error_rate > 0.02"]
    assert next(s for s in default_steps(loads(CONFIG)) if s.id == "restart").guard is None  # no Prometheus
    path = tmp_path / "release.toml"
    path.write_text(RELEASE)
    steps = {s.id: s for s in release_steps(load_release(path, config), config)}
    job = [s for s in steps.values() if s.change == "retry-job"]
    assert len(job) == 2
    for step in job:  # the change's guard on each of its undo steps
        assert step.guard is not None and step.guard.failure_limit == 2
        assert [c.text for c in step.guard.failure] == ["error_rate > 5%", "queue payment-retry growing"]
    assert next(s for s in steps.values() if s.change == "code").guard is None


async def test_the_drills_staged_restart_is_guarded_like_the_real_one(tmp_path: Path) -> None:
    """Before the revert the drill's error rate is over the restart limit: the guard halts the
    restart before its first stage, the queue stays paused, the journal says why."""
    backends = build_drill(seed=1, speed=10)
    session = Session(backends, Journal.open(tmp_path / "j.jsonl", Operator("alice")))

    async def yes(preview: Preview) -> Preview:
        return preview

    try:
        session.declare("drill", "SEV2", "checkout", "alice")
        await session.run_action("pause_risky", yes)
        outcome = await session.run_action("restart_staged", yes)
    finally:
        session.journal.close()
    assert outcome.status == "failed" and "HALTED before stage" in outcome.message, outcome.message
    assert "payment-retry still paused" in outcome.state_left
    assert session.runbook.state("restart") is StepState.HALTED
    [halt] = [e for e in session.journal.entries if e.kind == "guard"]
    assert halt.data["event"] == "halt" and "error_rate" in halt.data["reason"] and halt.data["readings"]


def test_the_report_shows_a_guard_halt_with_its_readings(tmp_path: Path) -> None:
    backends = build_drill(seed=1, speed=10)
    session = Session(backends, Journal.open(tmp_path / "j.jsonl", Operator("alice")))

    async def yes(preview: Preview) -> Preview:
        return preview

    async def run() -> None:
        session.declare("drill", "SEV2", "checkout", "alice")
        await session.run_action("pause_risky", yes)
        await session.run_action("restart_staged", yes)

    try:
        asyncio.run(run())
        md = next(p for p in session.export_report() if p.suffix == ".md").read_text()
    finally:
        session.journal.close()
    halt = next(line for line in md.splitlines() if "GUARD HALT" in line)
    assert "**GUARD HALT: Restart the paused jobs in stages: error_rate" in halt and "% > 3.0%" in halt
