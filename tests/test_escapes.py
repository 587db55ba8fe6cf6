"""Escape sequences in outside text (queue names, database errors, command output, other
operators' entries) are shown visibly and never reach the operator's terminal raw."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
import redis

from cockpit.core.safe_text import visible, visible_data
from cockpit.incident.journal import read
from tests.conftest import select_only_dsn
from tests.terminal import PtyProcess, cockpit_argv

TITLE = "\x1b]0;PWNED\x07"  # OSC 0: retitle the operator's window
CLIPBOARD = "\x1b]52;c;SGVsbG8=\x07"  # OSC 52: write the operator's clipboard


def test_visible_shows_every_control_character() -> None:
    assert visible(TITLE) == "␛]0;PWNED␇"
    assert visible("a\x00b\x7fc\x9bd\r\x08") == "a␀b␡c\\x9bd␍␈"
    assert visible("tab\tnl\n") == "tab␉nl␊"
    assert visible("tab\tnl\n", newlines=True, tabs=True) == "tab\tnl\n"
    assert visible("rtl\u202eevil") == "rtl\\u202eevil"
    assert visible("[bold red]markup[/] ünïcødé ✔") == "[bold red]markup[/] ünïcødé ✔"
    assert visible(42) == "42"
    assert visible_data({"k\x1b": ["v\x1b", 1, None]}) == {"k␛": ["v␛", 1, None]}


def _config(tmp_path: Path, redis_url: str, *, suspects: bool = False, revert: Path | None = None) -> Path:
    text = f'''
[incident]
title = "Checkout failing"
service = "checkout"
journal = "{tmp_path / "j.jsonl"}"
[redis.jobs]
url = "{redis_url}"
interval = "500ms"
[[queues]]
redis = "jobs"
kind = "rq"
discover = true
'''
    if suspects:
        text += """
[postgres]
readonly_dsn_env = "TEST_PG_RO"
interval = "1s"
[[postgres.suspects]]
name = "orders with a bad amount"
sql = "SELECT count(*) FROM orders WHERE amount::int > 0"
"""
    if revert:
        text += f'''
[actions.revert]
argv = ["{sys.executable}", "{revert}"]
timeout = "20s"
'''
    path = tmp_path / "cockpit.toml"
    path.write_text(text)
    return path


def _evil_queues(redis_url: str) -> None:
    conn = redis.Redis.from_url(redis_url)
    for name in (f"evil{TITLE}", f"clip{CLIPBOARD}"):
        conn.sadd("rq:queues", f"rq:queue:{name}")
        conn.rpush(f"rq:queue:{name}", "job-1")


def _evil_rows(dsn: str) -> None:
    with psycopg.connect(dsn) as conn:
        conn.execute("CREATE TABLE orders (id int, amount text)")
        conn.execute("INSERT INTO orders VALUES (1, %s)", (f"x{TITLE}y",))


def _revert_script(tmp_path: Path) -> Path:
    script = tmp_path / "revert.py"
    script.write_text(f"print({('deploying ' + TITLE)!r}, flush=True)\nprint({('token ' + CLIPBOARD)!r}, flush=True)\n")
    return script


@pytest.mark.servers
def test_a_queue_name_with_escapes_reaches_the_pty_only_visibly(tmp_path: Path, redis_url: str) -> None:
    _evil_queues(redis_url)
    config = _config(tmp_path, redis_url)
    env = {**os.environ, "TERM": "xterm-256color", "COCKPIT_OPERATOR": "alice"}
    term = PtyProcess(cockpit_argv("run", "--config", str(config)), env)
    try:
        term.wait_for(lambda out: "evil" in out and "clip" in out, timeout=90, what="the discovered queue names")
        assert b"\x1b]0;PWNED" not in term.output and b"\x1b]52;" not in term.output
        term.wait_for(
            lambda out: "evil␛]0;PWNED␇" in out and "clip␛]52;c;" in out,
            timeout=10,
            what="the queue names, shown visibly",
        )
    finally:
        term.stop()
    assert b"\x1b]0;PWNED" not in term.output and b"\x1b]52;" not in term.output


@pytest.mark.servers
def test_snapshot_shows_names_and_a_database_error_echoing_row_text_visibly(
    tmp_path: Path, redis_url: str, pg_dsn: str
) -> None:
    _evil_queues(redis_url)
    _evil_rows(pg_dsn)
    config = _config(tmp_path, redis_url, suspects=True)
    env = {**os.environ, "TEST_PG_RO": select_only_dsn(pg_dsn)}
    for fmt in ([], ["--json"]):
        done = subprocess.run(
            cockpit_argv("snapshot", "--config", str(config), *fmt), capture_output=True, env=env, timeout=60
        )
        out = done.stdout.decode()
        assert b"\x1b" not in done.stdout and b"\x07" not in done.stdout, out
        if fmt:
            snap = json.loads(out)
            assert "invalid input syntax" in snap["suspects"][0]["error"]
            assert "␛]0;PWNED" in snap["suspects"][0]["error"]
            assert {q["name"] for q in snap["queues"]} == {"evil␛]0;PWNED␇", "clip␛]52;c;SGVsbG8=␇"}
        else:
            assert "evil␛]0;PWNED␇" in out and "␛]0;PWNED" in out.split("suspects:")[1]


@pytest.mark.servers
def test_revert_output_with_osc_reaches_act_stdout_journal_and_export_only_visibly(
    tmp_path: Path, redis_url: str
) -> None:
    config = _config(tmp_path, redis_url, revert=_revert_script(tmp_path))
    env = {**os.environ, "COCKPIT_OPERATOR": "alice"}
    done = subprocess.run(
        cockpit_argv("act", "--config", str(config), "revert", "--yes"), capture_output=True, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr.decode()
    assert b"\x1b" not in done.stdout + done.stderr
    assert "deploying ␛]0;PWNED␇" in done.stdout.decode()
    entries = read(tmp_path / "j.jsonl").entries
    assert not any("\x1b" in json.dumps(e.to_dict(), ensure_ascii=False) for e in entries)
    assert any("token ␛]52;c;SGVsbG8=␇" in e.summary for e in entries)
    export = subprocess.run(cockpit_argv("export", str(tmp_path / "j.jsonl")), capture_output=True, timeout=60)
    assert export.returncode == 0 and b"\x1b" not in export.stdout


def test_a_foreign_journal_line_with_escapes_is_read_back_visibly(tmp_path: Path) -> None:
    """Another operator's (or an old cockpit's) raw text in the journal file is shown visibly."""
    path = tmp_path / "j.jsonl"
    line = {
        "seq": 1,
        "ts": "2026-11-29T09:00:00.000Z",
        "operator": f"mallory{TITLE}",
        "origin": "h",
        "kind": "note",
        "step": None,
        "summary": f"look{CLIPBOARD}",
        "data": {"text": f"x{TITLE}"},
    }
    path.write_text(json.dumps(line) + "\n")
    entry = read(path).entries[0]
    assert entry.operator == "mallory␛]0;PWNED␇" and entry.summary == "look␛]52;c;SGVsbG8=␇"
    assert entry.data["text"] == "x␛]0;PWNED␇"
    export = subprocess.run(cockpit_argv("export", str(path)), capture_output=True, timeout=60)
    assert export.returncode == 0 and b"\x1b" not in export.stdout, export.stdout


@pytest.mark.servers
async def test_revert_output_with_osc_is_shown_visibly_in_the_tui_log(tmp_path: Path, redis_url: str) -> None:
    from cockpit.config import loads
    from cockpit.core.session import Session
    from cockpit.incident.journal import Journal, Operator
    from cockpit.ui.app import CockpitApp
    from cockpit.ui.screens import ConfirmScreen
    from cockpit.wiring import build_live
    from tests.drill_helpers import wait_until
    from tests.screen import screen_text

    config = _config(tmp_path, redis_url, revert=_revert_script(tmp_path))
    journal = Journal.open(tmp_path / "j.jsonl", Operator("alice"))
    app = CockpitApp(Session(build_live(loads(config.read_text()), {}), journal))
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the revert's confirmation")
        await pilot.press("y")
        await wait_until(
            pilot,
            lambda: "deploying ␛]0;PWNED␇" in screen_text(app),
            timeout=30,
            what="the revert's output in the log, shown visibly",
        )
        assert "\x1b" not in screen_text(app) and "\x07" not in screen_text(app)
    journal.close()
