"""The runbook as data (issue 20): the steps come from the config, several instances of one
action kind are several steps that run on their own, every screen lists exactly
`Session.steps`, and old journals resume with the states they had."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import psycopg
import pytest
import redis

from cockpit.config import loads
from cockpit.core.runbook import Phase, Runbook, StepState, default_steps
from cockpit.core.session import Session
from cockpit.drill import DRILL_CONFIG, build_drill
from cockpit.incident.journal import Journal, Operator, read
from cockpit.ui.app import CockpitApp
from cockpit.wiring import build_live
from tests.drill_helpers import wait_until
from tests.screen import screen_text
from tests.test_actions_live import config_text, yes

GOLDEN = Path(__file__).parent / "golden" / "drill-incident.jsonl"
TODAY = (
    "declare",
    "alert",
    "stop",
    "flags",
    "revert",
    "cache",
    "repair",
    "restart",
    "verify",
    "watch",
    "update",
    "close",
)

TWO_CACHES = """
[[actions.caches]]
name = "sessions"
redis = "jobs"
pattern = "sess:*"
batch = 5
"""

TWO_REPAIRS = """
[postgres]
readonly_dsn_env = "PG_RO"
repair_dsn_env = "PG_REPAIR"
[[actions.repairs]]
name = "holds"
reviewed_by = "dana"
[[actions.repairs.statements]]
name = "release duplicate holds"
preview = "SELECT count(*) FROM holds WHERE released IS NULL AND order_id < 5"
sql = "UPDATE holds SET released = now() WHERE released IS NULL AND order_id < 5"
[[actions.repairs]]
name = "orders"
reviewed_by = "sam"
[[actions.repairs.statements]]
name = "mark unpaid for review"
marks_review = true
preview = "SELECT count(*) FROM orders WHERE status = 'paid' AND NOT captured"
sql = "UPDATE orders SET status = 'needs_review' WHERE status = 'paid' AND NOT captured"
"""


def test_default_steps_keep_todays_ids_order_and_keys() -> None:
    steps = default_steps()
    assert tuple(s.id for s in steps) == TODAY
    assert tuple(s.phase for s in steps) == tuple(Phase)
    assert len({s.key for s in steps}) == len(steps)
    assert [s.id for s in steps if not s.skippable] == ["declare", "close"]


def test_two_cache_groups_and_two_repairs_are_two_steps_each() -> None:
    cfg = loads(config_text("redis://127.0.0.1:9/0", extra=TWO_CACHES + TWO_REPAIRS))
    steps = default_steps(cfg)
    ids = [s.id for s in steps]
    assert ids == [
        *TODAY[:5],
        "cache:cart-totals",
        "cache:sessions",
        "repair:holds",
        "repair:orders",
        *TODAY[7:],
    ]
    keyed = [s.key for s in steps if s.key]
    assert len(keyed) == len(set(keyed)), "no two steps share a key"
    assert {s.id: s.key for s in steps if s.phase in (Phase.CACHE, Phase.REPAIR)} == {
        "cache:cart-totals": "c",
        "cache:sessions": "",  # palette only
        "repair:holds": "p",
        "repair:orders": "",
    }
    names = {s.action_name for s in steps if s.action}
    assert {"clear_caches:cart-totals", "clear_caches:sessions", "repair:holds", "repair:orders"} <= names


def test_a_phase_state_is_over_all_its_steps() -> None:
    cfg = loads(config_text("redis://127.0.0.1:9/0", extra=TWO_CACHES))
    book = Runbook(default_steps(cfg))
    assert book.phase_state(Phase.CACHE) is StepState.PENDING
    book.states["cache:cart-totals"] = StepState.DONE
    assert book.phase_state(Phase.CACHE) is StepState.PENDING
    book.states["cache:sessions"] = StepState.SKIPPED
    assert book.phase_state(Phase.CACHE) is StepState.DONE
    book.states["cache:sessions"] = StepState.FAILED
    assert book.phase_state(Phase.CACHE) is StepState.FAILED
    for stopped in (StepState.HALTED, StepState.PAUSED):  # a guard stopped it: never "done"
        book.states["cache:sessions"] = stopped
        assert book.phase_state(Phase.CACHE) is stopped


@pytest.mark.servers
async def test_two_caches_and_two_repairs_run_independently(tmp_path: Path, redis_url: str, pg_dsn: str) -> None:
    r = redis.Redis.from_url(redis_url)
    r.mset({f"cart:total:{i}": i for i in range(30)})
    r.mset({f"sess:{i}": i for i in range(12)})
    with psycopg.connect(pg_dsn) as conn:
        conn.execute("""
            CREATE TABLE holds (id serial PRIMARY KEY, order_id int, released timestamptz);
            INSERT INTO holds (order_id) SELECT g % 10 FROM generate_series(1, 20) g;
            CREATE TABLE orders (id int, status text, captured bool);
            INSERT INTO orders SELECT g, 'paid', g % 4 <> 0 FROM generate_series(1, 20) g;
        """)
    cfg = loads(config_text(redis_url, extra=TWO_CACHES + TWO_REPAIRS))
    journal = Journal.open(tmp_path / "j.jsonl", Operator("alice"))
    session = Session(build_live(cfg, {"PG_RO": pg_dsn, "PG_REPAIR": pg_dsn}), journal)
    state = session.runbook.state
    try:
        assert [s.id for s in session.steps] == [s.id for s in default_steps(cfg)]
        outcome = await session.run_action("clear_caches:sessions", yes)
        assert outcome.status == "done", outcome.message
        assert not list(r.scan_iter("sess:*")) and len(list(r.scan_iter("cart:total:*"))) == 30
        assert state("cache:sessions") is StepState.DONE and state("cache:cart-totals") is StepState.PENDING
        assert session.runbook.phase_state(Phase.CACHE) is StepState.PENDING

        outcome = await session.run_action("repair:holds", yes)
        assert outcome.status == "done", outcome.message
        with psycopg.connect(pg_dsn) as conn:
            released = conn.execute("SELECT count(*) FROM holds WHERE released IS NOT NULL").fetchone()
            review = conn.execute("SELECT count(*) FROM orders WHERE status = 'needs_review'").fetchone()
        assert released == (10,) and review == (0,), "only the holds script ran"
        assert state("repair:holds") is StepState.DONE and state("repair:orders") is StepState.PENDING

        outcome = await session.run_action("repair:orders", yes)
        assert outcome.status == "done", outcome.message
        outcome = await session.run_action("clear_caches:cart-totals", yes)
        assert outcome.status == "done", outcome.message
        assert not list(r.scan_iter("cart:total:*"))
        assert session.runbook.phase_state(Phase.CACHE) is StepState.DONE
        assert session.runbook.phase_state(Phase.REPAIR) is StepState.DONE
    finally:
        await session.backends.close()
    entries = read(tmp_path / "j.jsonl").entries
    results = [(e.step, e.data["action"]) for e in entries if e.data.get("phase") == "result"]
    assert results == [
        ("cache:sessions", "clear_caches:sessions"),
        ("repair:holds", "repair:holds"),
        ("repair:orders", "repair:orders"),
        ("cache:cart-totals", "clear_caches:cart-totals"),
    ]
    with psycopg.connect(pg_dsn) as conn:
        assert conn.execute("SELECT count(*) FROM orders WHERE status = 'needs_review'").fetchone() == (5,)


def _two_cache_drill(tmp_path: Path) -> CockpitApp:
    extra = '\n[[actions.caches]]\nname = "sessions"\nredis = "cache"\npattern = "sess:*"\n'
    cfg = loads(DRILL_CONFIG + extra, "<drill>")
    journal = Journal.open(tmp_path / "drill.jsonl", Operator("alice"))
    return CockpitApp(Session(build_drill(seed=7, speed=60, config=cfg), journal))


async def test_help_palette_and_runbook_panel_list_exactly_the_sessions_steps(tmp_path: Path) -> None:
    app = _two_cache_drill(tmp_path)
    steps = app.session.steps
    assert [s.id for s in steps][5:7] == ["cache:cart-totals", "cache:sessions"]
    assert [c.name for c in app.commands if c.group == "runbook"] == [f"step_{s.id}" for s in steps]
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_until(pilot, lambda: "Clear cache sessions" in screen_text(app), what="the runbook panel")
        panel = screen_text(app)
        for index, step in enumerate(steps, 1):
            assert f"{index:>2}. {step.title}" in panel, step.id
        assert f"{len(steps) + 1:>2}. " not in panel

        await pilot.press("question_mark")
        await wait_until(pilot, lambda: "step_cache:sessions" in screen_text(app), what="the help screen")
        shown = screen_text(app)
        assert [s.id for s in steps if f"step_{s.id} " in shown] == [s.id for s in steps]
        assert shown.count("step_") == len(steps)
        await pilot.press("escape")

        await pilot.press("ctrl+p")
        await pilot.pause(0.2)
        await pilot.press(*"clear cache")
        await wait_until(
            pilot,
            lambda: "Clear cache sessions" in screen_text(app) and "Clear cache cart-totals" in screen_text(app),
            what="both cache steps in the palette",
        )


def _last_states(path: Path) -> dict[str, str]:
    states: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        raw = json.loads(line)
        if raw.get("kind") == "step" and raw.get("step"):
            states[raw["step"]] = raw["data"]["state"]
    return states


def test_an_old_journal_resumes_with_the_same_states(tmp_path: Path) -> None:
    path = tmp_path / "old.jsonl"
    shutil.copy(GOLDEN, path)
    expected = _last_states(GOLDEN)
    assert expected and set(expected) <= set(TODAY)
    journal = Journal.open(path, Operator("bob"))
    session = Session(build_drill(seed=11, speed=60), journal, read_only=True)
    assert [s.id for s in session.steps] == list(TODAY)
    got = {k: v.value for k, v in session.runbook.states.items() if k in expected}
    assert got == expected
    assert all(v is StepState.PENDING for k, v in session.runbook.states.items() if k not in expected)
    # Without step metadata in the journal, a replay uses the default steps.
    assert Runbook.from_entries(read(path).entries).states == session.runbook.states


async def test_two_steps_of_one_kind_without_names_get_their_own_action_instances(tmp_path: Path) -> None:
    """A release announcing through `status_update` besides the alert step: its own instance,
    its own template, journaled under its own step."""

    from cockpit.actions import Preview
    from cockpit.core.runbook import ActionRef, StepDef

    base = default_steps(loads(DRILL_CONFIG, "<drill>"))
    announce = StepDef(
        "announce",
        "Announce the rollback",
        "Announce",
        "",
        "tell customers the new checkout is paused",
        Phase.UPDATE,
        ActionRef("status_update", {"template": "The new checkout is paused ({status})."}),
    )
    steps = (*base[:-1], announce, base[-1])
    journal = Journal.open(tmp_path / "j.jsonl", Operator("alice"))
    session = Session(build_drill(seed=7, speed=60, steps=steps), journal)
    assert session.runbook.step("announce").action_name == "status_update:announce"
    assert session.actions["status_update"].step == "alert"
    assert session.actions["status_update:announce"].step == "announce"

    async def send(preview: Preview) -> Preview:
        return preview

    outcome = await session.run_action("status_update:announce", send)
    assert outcome.status == "done", outcome.message
    sent = [e for e in read(tmp_path / "j.jsonl").entries if e.kind == "update"]
    assert sent[-1].step == "announce" and sent[-1].data["text"].startswith("The new checkout is paused (")
    assert session.runbook.state("announce") is StepState.DONE and session.runbook.state("alert") is StepState.PENDING


def test_a_change_whose_undo_a_guard_stopped_is_not_undone() -> None:
    from cockpit.core.release_view import change_state

    book = Runbook(default_steps())
    assert change_state(book, ["stop", "restart"]) == "not undone"
    book.states["stop"] = StepState.DONE
    assert change_state(book, ["stop", "restart"]) == "partly undone (1 of 2)"
    book.states["restart"] = StepState.HALTED
    assert change_state(book, ["stop", "restart"]) == "halted by its guard"
    book.states["restart"] = StepState.PAUSED
    assert change_state(book, ["stop", "restart"]) == "paused by its guard"
    book.states["restart"] = StepState.DONE
    assert change_state(book, ["stop", "restart"]) == "undone"
