"""Resuming the drill from a journal replays each action's effect by its kind, whatever the
instance is called (`pause_risky`, a release's `repair:totals`); an action that never
reported done changes nothing."""

from __future__ import annotations

from cockpit.drill.world import World
from cockpit.incident.entry import Entry


def result(seq: int, action: str, ok: bool = True, **data: object) -> Entry:
    return Entry(
        seq,
        "2026-11-29T09:00:00Z",
        "alice",
        "action",
        action,
        data={"action": action, "phase": "result", "ok": ok, **data},
    )


def test_a_journal_replays_each_action_by_its_kind() -> None:
    world = World()
    world.restore(
        [
            result(1, "pause_risky"),
            result(2, "flags_safe"),
            result(3, "repair:totals", script="recompute-order-totals"),
            result(4, "clear_caches:cart-totals"),  # a release's further cache instance
            result(5, "revert", ok=False),  # never reported done: stays undone
        ]
    )
    assert world.retry.paused
    assert set(world.new_checkout.observed.values()) == {0.0}
    assert world.wrong_totals == 0.0 and world.duplicate_holds == 137.0  # only the totals repair ran
    assert world.stale_cart_keys == 0.0
    assert world.bad_release_live
    world.restore([result(6, "restart_staged"), result(7, "repair", marked_for_review=4)])
    assert not world.retry.paused and world.duplicate_holds == 0.0 and world.review_marked == 4
