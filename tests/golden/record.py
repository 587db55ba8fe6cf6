"""Record the scripted drill incident the golden report tests export.

    .venv/bin/python -m tests.golden.record      # rewrites drill-incident.jsonl, then
    UPDATE_GOLDEN=1 scripts/test -k golden      # rewrites the expected .md/.json

The secret below stands for a DSN an operator pasted by mistake: the journal must redact it.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from cockpit.core.session import Session
from cockpit.drill import build_drill
from cockpit.incident.journal import Journal, Operator, Redactor

HERE = Path(__file__).parent
JOURNAL = HERE / "drill-incident.jsonl"
SECRET = "pg-p4ssw0rd-do-not-leak"
SECRET_DSN = f"postgresql://cockpit_ro:{SECRET}@db.internal:5432/shop"


async def record() -> None:
    os.environ["DRILL_PG_RO"] = SECRET_DSN
    JOURNAL.unlink(missing_ok=True)
    backends = build_drill(seed=11, speed=60)
    journal = Journal.open(
        JOURNAL,
        Operator("alice", host="bastion", ssh_client="203.0.113.7"),
        Redactor.from_env(backends.config.secret_env_names()),
    )
    session = Session(backends, journal)
    tasks = [asyncio.create_task(session.run())]  # the one loop: polls, evaluates and journals the gate

    async def yes(preview):
        return preview

    await asyncio.sleep(0.5)
    session.declare(
        "DRILL: checkout failing after release 2026.11.3",
        "SEV2",
        "About 8% of checkouts fail in eu-west and us-east; some orders are marked paid without payment.",
        "alice",
    )
    session.note(f"tried the read-only DSN {SECRET_DSN} by hand: works")
    for name in ("status_update", "pause_risky", "flags_safe", "revert", "clear_caches", "repair"):
        await session.run_action(name, yes)
    journal.operator = Operator("bob", host="laptop")
    session.note("retry worker needs an idempotency key per payment event", follow_up=True)
    await session.run_action("restart_staged", yes)
    await session.run_action("verify_paths", yes)
    session.start_watch()
    for _ in range(200):
        if session.evaluate_gate().green:
            break
        await asyncio.sleep(0.05)
    await session.run_action("customer_update", yes)
    session.close()
    for task in tasks:
        task.cancel()
    journal.close()


if __name__ == "__main__":
    asyncio.run(record())
    print(f"recorded {JOURNAL}")
