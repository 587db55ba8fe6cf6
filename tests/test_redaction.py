"""Redaction is linear in the text, long command output is journaled in pieces with every
secret redacted (even one a piece boundary would cut), and every output channel redacts."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cockpit.core.redact import REDACTED, Redactor
from cockpit.incident.journal import Journal, Operator, read

ROOT = Path(__file__).resolve().parent.parent


def test_url_passwords_and_secret_values_are_redacted() -> None:
    r = Redactor(["s3cr3t-value"])
    assert (
        r.text("dsn postgresql://app:pw0rd@db/shop and https://u:p@h/x")
        == f"dsn postgresql://app:{REDACTED}@db/shop and https://u:{REDACTED}@h/x"
    )
    assert r.text("x s3cr3t-value y") == f"x {REDACTED} y"
    assert r.text("no scheme ://u:p@h, 123://u:p@h, a://:p@h") == f"no scheme ://u:p@h, 123://u:p@h, a://:{REDACTED}@h"
    assert r({"password": "x", "nested": [{"api_key": "k", "ok": "fine"}]}) == {
        "password": REDACTED,
        "nested": [{"api_key": REDACTED, "ok": "fine"}],
    }


def test_a_token_in_a_secret_urls_query_string_is_redacted_wherever_it_appears() -> None:
    r = Redactor.from_env(["FLAGS_URL"], {"FLAGS_URL": "https://flags.example/api?access_token=tok-123456&x=1"})
    # An HTTP library's "404 for url ..." puts the flag name before the query: the whole value no longer matches.
    assert (
        r.text("HTTP 404 for url 'https://flags.example/api/new_checkout?access_token=tok-123456&x=1'")
        == f"HTTP 404 for url 'https://flags.example/api/new_checkout?access_token={REDACTED}&x=1'"
    )


def test_redaction_of_megabyte_lines_finishes() -> None:
    """The old URL-password pattern was quadratic: 40,000 letters took 22 s, so the 1 MiB
    below would take hours. A generous deadline, not a speed assertion (see bench/redaction.py)."""
    script = (
        "from cockpit.core.redact import Redactor\nimport base64, os\nr = Redactor(['some-secret'])\n"
        "r.text('a' * (1 << 20)); r.text(base64.b64encode(os.urandom(768 << 10)).decode())\n"
        "r.text('x://' * (1 << 18)); r.text('a://b:' * (1 << 17))\nprint('done')"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.stdout.strip() == "done", done.stderr


def test_export_of_a_journal_with_a_megabyte_line_finishes(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    blob = base64.b64encode(os.urandom(768 << 10)).decode()
    path.write_text(
        json.dumps(
            {
                "seq": 1,
                "ts": "2026-11-29T09:00:00.000Z",
                "operator": "alice",
                "origin": "h",
                "kind": "note",
                "step": None,
                "summary": "blob " + blob,
                "data": {},
            }
        )
        + "\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "cockpit", "export", str(path), "-o", str(tmp_path / "r.md")],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert blob[:1000] in (tmp_path / "r.md").read_text()


@pytest.mark.servers
async def test_a_long_output_line_is_journaled_in_pieces_with_its_secret_redacted(
    tmp_path: Path, redis_url: str
) -> None:
    from cockpit.config import loads
    from cockpit.core.action_runner import OUTPUT_PIECE
    from cockpit.core.session import Session
    from cockpit.wiring import build_live
    from tests.test_actions_live import config_text, yes

    secret = "tok-" + "Z" * 20
    line = "A" * (OUTPUT_PIECE - 10) + secret + "B" * (100_000)  # over asyncio's 64 KiB line limit too
    script = tmp_path / "revert.py"
    script.write_text(f"import sys\nsys.stdout.write({line!r} + '\\n')\nprint('done')\n")
    text = config_text(redis_url, revert=f'[actions.revert]\nargv = ["{sys.executable}", "{script}"]\n')
    journal = Journal.open(tmp_path / "j.jsonl", Operator("alice"), Redactor([secret]))
    session = Session(build_live(loads(text), {}), journal)
    shown: list[str] = []
    outcome = await session.run_action("revert", yes, shown.append)
    journal.close()
    assert outcome.status == "done", outcome.message
    pieces = [e for e in read(tmp_path / "j.jsonl").entries if e.data.get("phase") == "output"]
    assert len(pieces) == len(line) // OUTPUT_PIECE + 2  # the long line in pieces, then "done"
    assert all(len(e.data["line"]) <= OUTPUT_PIECE for e in pieces)
    assert [e.data.get("part") for e in pieces[:3]] == [1, 2, 3]
    joined = "".join(e.data["line"] for e in pieces[:-1])
    assert joined == line.replace(secret, REDACTED)
    assert secret not in (tmp_path / "j.jsonl").read_text() and not any(secret in s for s in shown)
