"""The board keeps readings per source with a version, so views recompute only what changed;
what depends on time alone (a reading going STALE) still shows without a new reading."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from cockpit.core.readings import QUEUES, SUSPECTS, Board, Freshness, Reading
from cockpit.panels.records import RecordsPanel
from tests.drill_helpers import drill_app, wait_until

T0 = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)


def test_names_slots_and_versions_are_per_source() -> None:
    now = [T0]
    board = Board(clock=lambda: now[0])
    board.update([Reading(QUEUES, "a", 1.0, T0), Reading(SUSPECTS, "x", 5.0, T0), Reading(QUEUES, "b", 2.0, T0)])
    assert board.names(QUEUES) == ["a", "b"] and board.names(SUSPECTS) == ["x"]
    assert [name for name, _ in board.slots(QUEUES)] == ["a", "b"]
    q, s = board.version(QUEUES), board.version(SUSPECTS)
    board.update([Reading(SUSPECTS, "x", 6.0, T0)])
    assert board.version(QUEUES) == q and board.version(SUSPECTS) > s
    board.fail(QUEUES, ["a"], "connection refused")
    assert board.version(QUEUES) > q and board.summary(QUEUES).any_error
    assert board.freshness(QUEUES, "a") is Freshness.UNREACHABLE


def test_one_clock_read_while_held() -> None:
    reads = []

    def clock() -> datetime:
        reads.append(1)
        return T0 + timedelta(seconds=len(reads))

    board = Board(clock=clock)
    board.update([Reading(QUEUES, n, 1.0, T0) for n in "abcdef"])
    with board.held_clock():
        ages = {board.age(QUEUES, n) for n in "abcdef"}
    assert len(reads) == 1 and ages == {1.0}


async def test_a_panel_goes_stale_with_time_alone_and_recomputes_only_its_changed_source(tmp_path: Path) -> None:
    app, _, _ = drill_app(tmp_path / "j.jsonl")
    async with app.run_test(size=(160, 50)) as pilot:
        board = app.session.board
        panel = app.query_one(RecordsPanel)
        await wait_until(
            pilot, lambda: board.names(SUSPECTS) and "age ≤" in str(panel.border_subtitle), what="suspects on time"
        )
        app.workers.cancel_all()  # no more readings: only time passes
        calls = []
        real = panel.render_board
        panel.render_board = lambda b: (calls.append(1), real(b))[1]  # type: ignore[method-assign]
        app.refresh_view()
        assert calls == []  # nothing of its source changed
        clock = board.clock
        board.clock = lambda: clock() + timedelta(hours=1)
        app.refresh_view()
        await pilot.pause()
        assert "STALE" in str(panel.border_subtitle) and calls == [1]
        assert "STALE" in "".join(s.text for y in range(panel.size.height) for s in panel.render_line(y))


def test_the_same_reading_again_is_not_a_change_unless_the_history_moves() -> None:
    board = Board(clock=lambda: T0)
    board.update([Reading(QUEUES, "a", 1.0, T0)])
    v = board.version(QUEUES)
    board.update([Reading(QUEUES, "a", 1.0, T0 + timedelta(seconds=2))])
    assert board.version(QUEUES) == v  # flat history, same value: nothing to redraw
    board.update([Reading(QUEUES, "a", 2.0, T0 + timedelta(seconds=4))])
    assert board.version(QUEUES) > v
    v = board.version(QUEUES)
    board.update([Reading(QUEUES, "a", 2.0, T0 + timedelta(seconds=6))])
    assert board.version(QUEUES) > v  # same value, but the sparkline/trend window still moves
    assert board.summary(QUEUES).oldest_good == T0 + timedelta(seconds=6)


def _summary_from_every_slot(board: Board, source: str) -> tuple[object, ...]:
    """The summary as a walk over every reading of the source would find it."""
    slots = dict(board.slots(source))
    goods = [(n, s.last_good.at) for n, s in slots.items() if s.last_good is not None]
    every = len(goods) == len(slots) and bool(goods)
    return (
        len(slots),
        any(s.latest.error is not None for s in slots.values()),
        min(at for _, at in goods) if every else None,
        min(at + timedelta(seconds=2 * board.interval_of(source, n)) for n, at in goods) if every else None,
    )


def test_the_summary_kept_per_source_instance_is_the_summary_of_every_reading() -> None:
    """Each instance's part is summarised again only when its own readings change; the whole
    is what a walk over every reading finds, through batches, failures, backfills and moves."""
    now = [T0]
    board = Board(clock=lambda: now[0])
    board.set_source_interval("redis-a", 2.0)
    board.set_source_interval("redis-b", 20.0)

    def check() -> None:
        s = board.summary(QUEUES)
        assert (s.count, s.any_error, s.oldest_good, s.stale_at) == _summary_from_every_slot(board, QUEUES)

    board.update([Reading(QUEUES, f"a{i}", 1.0, T0) for i in range(3)], by="redis-a")
    check()
    board.update([Reading(QUEUES, f"b{i}", 1.0, T0 - timedelta(seconds=5)) for i in range(3)], by="redis-b")
    check()
    board.update([Reading(QUEUES, "a1", 2.0, T0 + timedelta(seconds=3))], by="redis-a")
    check()
    board.fail(QUEUES, ["b0"], "timeout", by="redis-b")
    check()
    board.update([Reading(QUEUES, "b0", 3.0, T0 + timedelta(seconds=4))], by="redis-b")
    check()
    board.backfill(QUEUES, "c", [(T0 - timedelta(seconds=60), 1.0)])  # no instance: its own part
    check()
    board.update([Reading(QUEUES, "a2", 4.0, T0 + timedelta(seconds=6))], by="redis-b")  # moved instance
    check()
    board.fail(QUEUES, ["new"], "connection refused", by="redis-a")  # never read: no good value
    check()
    assert board.summary(QUEUES).oldest_good is None


def test_taking_a_reading_equal_to_the_shown_one_as_is_shows_what_checking_every_reading_shows() -> None:
    """A good reading equal to the one shown skips the safety check; what the board shows and
    when its version moves are what checking every reading again (`shown_safely`) gives."""
    from cockpit.core.details import QueueDetail, QueueState

    now = [T0]
    board = Board(clock=lambda: now[0])
    board.redact = lambda text: text.replace("s3cret", "[REDACTED]")
    board.backfill(QUEUES, "bf\x1b[2J", [(T0 - timedelta(seconds=9), 4.0)])  # never checked: a raw name
    detail = QueueDetail(QueueState(3), kind="rq", server="r0", queue="q")
    odd = QueueDetail(QueueState(3), kind="rq\x07", server="r0", queue="q")
    steps = [
        Reading(QUEUES, "a", 3.0, T0, detail=detail),
        Reading(QUEUES, "a", 3.0, T0, detail=detail),
        Reading(QUEUES, "a", 3.0, T0, detail=odd),
        Reading(QUEUES, "a", 3.0, T0, detail=odd),
        Reading(QUEUES, "a", 3.0, T0, "token s3cret refused", detail=odd),
        Reading(QUEUES, "a", 3.0, T0, "token s3cret refused", detail=odd),
        Reading(QUEUES, "a", "up\x1b]0;x\x07", T0),
        Reading(QUEUES, "a", "up\x1b]0;x\x07", T0),
        Reading(QUEUES, "bf\x1b[2J", 4.0, T0),
        Reading(QUEUES, "bf\x1b[2J", 4.0, T0),
        Reading(QUEUES, "a", 3.0, T0, detail=detail),
    ]
    shown: dict[str, Reading] = {}
    for step, raw in enumerate(steps):
        now[0] = T0 + timedelta(seconds=2 * step)
        raw = Reading(raw.source, raw.name, raw.value, now[0], raw.error, raw.detail)
        expected = raw.shown_safely(board.redact)
        before, version = shown.get(expected.name), board.version(QUEUES)
        board.update([raw], by="queues@r0")
        slot = board.slot(QUEUES, expected.name)
        assert slot is not None and slot.latest == expected, step
        assert all(t.isprintable() for t in (slot.latest.name, str(slot.latest.value), slot.latest.error or ""))
        changed = before is None or (before.value, before.error, before.detail) != (
            expected.value,
            expected.error,
            expected.detail,
        )
        assert (board.version(QUEUES) > version) == (changed or not slot.series.flat), step
        shown[expected.name] = expected
