"""Outside text is shown as written, never read as Textual markup: an operator's name from
another cockpit, a backend's error, a journal's last operator, a queue's name, a typed
filter. As markup, `[/x]` raised MarkupError and ended the app (exit 1) and `[b]payments[/b]`
lost its brackets."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest
import redis

from cockpit.actions import Preview
from cockpit.config import loads
from cockpit.core.runbook import StepDef, default_steps
from cockpit.core.session import Session
from cockpit.drill import build_drill, drill_config
from cockpit.incident.journal import Journal, Operator
from cockpit.incident.shared import SharedLog
from cockpit.panels.log import LogPanel
from cockpit.panels.queues import QueuesPanel
from cockpit.ui.app import CockpitApp
from cockpit.ui.close_dialog import CloseOverrideScreen, ResumeScreen
from cockpit.ui.screens import AskScreen
from cockpit.wiring import build_live
from tests.conftest import select_only_dsn
from tests.drill_helpers import drill_app, wait_until
from tests.screen import screen_text

CLOSING = "[/x]"  # a closing tag nothing opened: MarkupError
BOLD = "[b]payments[/b]"  # a style tag: the brackets vanished


async def test_the_resume_dialog_shows_the_last_operators_name_as_written(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    first = Journal.open(path, Operator(f"{CLOSING} {BOLD}"))
    Session(build_drill(seed=7, speed=60), first).note("handing over")
    first.close()
    app, _, _ = drill_app(path, operator="alice")
    async with app.run_test(size=(140, 45)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, ResumeScreen), what="resume screen")
        await wait_until(pilot, lambda: f"by {CLOSING} {BOLD}" in screen_text(app), what="the operator, as written")
        assert app.is_running


async def test_the_close_dialog_and_a_typed_filter_show_brackets_as_written(tmp_path: Path) -> None:
    app, _, _ = drill_app(tmp_path / "j.jsonl")
    async with app.run_test(size=(140, 45)) as pilot:
        await pilot.pause()
        reason = f"queues: {BOLD} rising; redis error {CLOSING}"
        app.push_screen(CloseOverrideScreen("MITIGATED", reason, [f"follow-up {BOLD}"], 5))
        await wait_until(pilot, lambda: f"Not restored: {reason}" in screen_text(app), what="the gate's reason")
        assert f"follow-up {BOLD}" in screen_text(app)
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, CloseOverrideScreen), what="dialog closed")
        # A filter typed into a panel is shown in its border (as markup, "[/x]" ended the app).
        app.query_one(QueuesPanel).set_filter(f"{CLOSING}{BOLD}")
        app.query_one(LogPanel).set_filter(f"{CLOSING}{BOLD}")
        await wait_until(pilot, lambda: screen_text(app).count(f"/{CLOSING}{BOLD}") >= 2, what="both filters shown")
        assert app.is_running


def _steps() -> tuple[StepDef, ...]:
    return tuple(replace(s, approvers=("bob", BOLD)) if s.id == "revert" else s for s in default_steps(drill_config()))


async def _yes(preview: Preview) -> Preview:
    return preview


@pytest.mark.servers
async def test_an_approval_request_from_another_cockpit_shows_its_names_as_written(
    tmp_path: Path, redis_url: str
) -> None:
    """The asker's name and the approvers come from another cockpit, through the shared Redis stream."""
    asker = f"{CLOSING} alice"
    sessions = {}
    for who in (asker, "bob"):
        journal = Journal.open(tmp_path / f"{len(sessions)}.jsonl", Operator(who))
        session = Session(build_drill(seed=7, speed=60, steps=_steps()), journal)
        session.attach_shared(SharedLog(redis_url, "markup", journal, session.mirror, instance=f"{len(sessions)}-1"))
        sessions[who] = session
    alice, bob = sessions[asker], sessions["bob"]
    assert alice.shared is not None
    mirror = asyncio.create_task(alice.shared.run())
    running = None
    app = CockpitApp(bob)
    try:
        # Bounded: without the fix the app dies under the dialog and alice's request would wait 5 min.
        async with asyncio.timeout(120), app.run_test(size=(140, 40)) as pilot:
            running = asyncio.create_task(alice.run_action("revert", _yes))
            await wait_until(
                pilot,
                lambda: isinstance(app.screen, AskScreen) and f"{asker} asks you to approve" in screen_text(app),
                what="bob asked to approve, the asker's name as written",
            )
            assert f"bob, {BOLD}" in screen_text(app)
            assert app.is_running
            await pilot.press("n")
    finally:
        if running is not None:
            running.cancel()
        mirror.cancel()
        await alice.shared.close()
    assert app.return_code in (None, 0)


def _live_config(tmp_path: Path, redis_url: str) -> str:
    return f'''
[incident]
title = "Checkout failing"
service = "checkout"
journal = "{tmp_path / "j.jsonl"}"
[redis.jobs]
url = "{redis_url}"
interval = "500ms"
timeout = "10s"
[[queues]]
redis = "jobs"
kind = "rq"
discover = true
[postgres]
readonly_dsn_env = "TEST_PG_RO"
repair_dsn_env = "TEST_PG"
interval = "1s"
[[actions.repairs]]
name = "fix-amounts"
reviewed_by = "dana"
max_rows = 10
[[actions.repairs.statements]]
name = "fix"
preview = "SELECT count(*) FROM markup_orders WHERE amount::int > 0"
sql = "UPDATE markup_orders SET amount = '0' WHERE amount::int > 0"
'''


@pytest.mark.servers
async def test_a_queue_name_and_a_failed_actions_backend_error_show_as_written(
    tmp_path: Path, redis_url: str, pg_dsn: str
) -> None:
    conn = redis.Redis.from_url(redis_url)
    conn.sadd("rq:queues", f"rq:queue:{BOLD}")
    conn.rpush(f"rq:queue:{BOLD}", "job-1")
    with psycopg.connect(pg_dsn) as db:
        db.execute("CREATE TABLE markup_orders (id int, amount text)")
        db.execute("INSERT INTO markup_orders VALUES (1, %s)", (f"{CLOSING} {BOLD}",))
    cfg = loads(_live_config(tmp_path, redis_url))
    env = {"TEST_PG_RO": select_only_dsn(pg_dsn), "TEST_PG": pg_dsn}
    app = CockpitApp(Session(build_live(cfg, env), Journal.open(tmp_path / "j.jsonl", Operator("alice"))))
    async with app.run_test(size=(140, 45), notifications=True) as pilot:
        await wait_until(pilot, lambda: BOLD in screen_text(app), timeout=30, what="the queue's name, as written")
        # The repair's preview fails in Postgres with an error that echoes the row's text.
        app.run_worker(app._run_action("repair"))
        await wait_until(
            pilot,
            lambda: f'"{CLOSING} {BOLD}"' in _toasts(app),
            timeout=30,
            what="the database error in the notification, as written",
        )
        assert app.is_running


def _toasts(app: CockpitApp) -> str:
    """The text the notifications show (wrapped on screen, so read from each one's render)."""
    from textual.widgets._toast import Toast

    return " ".join(str(toast.render()) for toast in app.screen.query(Toast))
