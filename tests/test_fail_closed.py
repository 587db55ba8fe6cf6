"""Fail closed: an action whose preview/confirmation cannot be made durable does not run;
one whose result cannot be written says so loudly and keeps the result to write later."""

from __future__ import annotations

import os
import resource
import subprocess
from pathlib import Path

import pytest
import redis

from cockpit.incident.journal import Journal, read
from cockpit.ui.screens import AskScreen
from tests.drill_helpers import drill_app, wait_until
from tests.screen import screen_text
from tests.terminal import cockpit_argv
from tests.test_actions_live import config_text, session_for, yes
from tests.test_drill_tui import confirm_step, declare


def _break_writes_when(journal: Journal, predicate) -> dict:
    """From the first entry matching `predicate` on, every write to the journal fails in the
    kernel (its descriptor is swapped for a read-only one of the same file); `restore()` undoes it."""
    state: dict = {"saved": os.dup(journal._fd), "broken": False}

    def listener(entry) -> None:
        if not state["broken"] and predicate(entry):
            read_only = os.open(journal.path, os.O_RDONLY)
            os.dup2(read_only, journal._fd)
            os.close(read_only)
            state["broken"] = True

    def restore() -> None:
        os.dup2(state["saved"], journal._fd)
        os.close(state["saved"])

    state["listener"], state["restore"] = listener, restore
    return state


def _running(entry) -> bool:
    return entry.kind == "step" and entry.data.get("state") == "running"


@pytest.mark.servers
@pytest.mark.parametrize("how", ["dev-full", "file-size-limit"])
def test_act_does_not_run_when_the_journal_cannot_be_written(tmp_path: Path, redis_url: str, how: str) -> None:
    journal = tmp_path / "j.jsonl"
    config = tmp_path / "c.toml"
    config.write_text(config_text(redis_url, journal=journal))
    argv = cockpit_argv("act", "--config", str(config), "pause_queue", "payment-retry", "--yes")
    limit = None
    if how == "dev-full":
        argv += ["--journal", "/dev/full"]
    else:

        def limit() -> None:  # the child may not grow any file: the first journal write fails (EFBIG)
            resource.setrlimit(resource.RLIMIT_FSIZE, (0, resource.RLIM_INFINITY))

    done = subprocess.run(
        argv,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=limit,
        env={**os.environ, "COCKPIT_OPERATOR": "alice"},
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "NOT run: the journal cannot be written" in done.stdout + done.stderr
    assert "nothing was changed" in done.stdout + done.stderr
    assert not redis.Redis.from_url(redis_url).exists("rq:suspended")  # the queue was NOT paused


@pytest.mark.servers
async def test_a_result_that_cannot_be_written_is_loud_and_kept_to_retry(tmp_path: Path, redis_url: str) -> None:
    session = session_for(config_text(redis_url), tmp_path)
    broken = _break_writes_when(session.journal, _running)
    session.listeners.append(broken["listener"])
    outcome = await session.run_action("pause_risky", yes)
    assert broken["broken"]
    assert outcome.status == "unjournaled", outcome
    assert "NOT JOURNALED" in outcome.message and "kept in memory" in outcome.message
    assert redis.Redis.from_url(redis_url).exists("rq:suspended")  # it did run
    assert session.journal_error and session.journal.unsaved
    on_disk = read(tmp_path / "j.jsonl").entries
    assert not [e for e in on_disk if e.data.get("phase") == "result"]
    broken["restore"]()
    assert session.retry_unsaved()
    results = [e for e in read(tmp_path / "j.jsonl").entries if e.data.get("phase") == "result"]
    assert len(results) == 1 and results[0].data["ok"] and results[0].data["happened_at"]
    assert [e.seq for e in read(tmp_path / "j.jsonl").entries] == list(range(1, len(session.journal.entries) + 1))
    assert session.journal_error is None and not session.journal.unsaved


async def test_the_tui_blocks_on_an_unjournaled_result_until_it_is_written(tmp_path: Path) -> None:
    app, _backends, journal = drill_app(tmp_path / "j.jsonl")
    broken = _break_writes_when(journal, _running)
    async with app.run_test(size=(140, 45)) as pilot:
        await declare(pilot)
        app.session.listeners.append(broken["listener"])
        await confirm_step(pilot, "s", "payment-retry")
        await wait_until(pilot, lambda: isinstance(app.screen, AskScreen), timeout=30, what="the blocking error")
        assert "NOT JOURNALED" in screen_text(app) and "Retry writing" in screen_text(app)
        await pilot.press("s")  # the cockpit's keys do nothing behind it
        assert isinstance(app.screen, AskScreen)
        broken["restore"]()
        await pilot.press("y")
        await wait_until(pilot, lambda: not isinstance(app.screen, AskScreen), what="dialog closed after the write")
        assert not journal.unsaved
    results = [e for e in read(tmp_path / "j.jsonl").entries if e.data.get("phase") == "result"]
    assert results and results[-1].data.get("happened_at")
    journal.close()


async def test_the_tui_runs_nothing_when_the_preview_cannot_be_journaled(tmp_path: Path) -> None:
    from cockpit.ui.screens import ConfirmScreen

    app, backends, journal = drill_app(tmp_path / "j.jsonl")
    broken = _break_writes_when(journal, lambda entry: entry.kind == "declare")
    async with app.run_test(size=(140, 45)) as pilot:
        app.session.listeners.append(broken["listener"])
        await declare(pilot)
        assert broken["broken"]
        await pilot.press("s")
        await wait_until(
            pilot,
            lambda: any(
                "NOT run: the journal cannot be written" in n.message
                or "NOT run: the journal cannot be written" in (n.title or "")
                for n in app._notifications
            ),
            what="the refusal",
        )
        assert not isinstance(app.screen, ConfirmScreen)  # never asked: nothing would be journaled
        assert not backends.world.retry.paused
        assert "JOURNAL WRITE FAILED" in screen_text(app)
        broken["restore"]()
    journal.close()
