"""Two cockpit processes on one incident through a real Redis stream."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.servers import RedisServer
from tests.waits import wait_for

pytestmark = pytest.mark.servers
ROOT = Path(__file__).resolve().parent.parent


def summaries(path: Path) -> list[str]:
    from cockpit.incident.journal import read

    return [entry.summary for entry in read(path).entries] if path.exists() else []


def test_two_operators_see_one_order_locks_hold_and_an_outage_loses_nothing(tmp_path: Path) -> None:
    store = RedisServer(persist=True).start()
    procs = {}
    try:
        for name, other in (("alice", "bob"), ("bob", "alice")):
            procs[name] = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "tests.shared_operator",
                    str(tmp_path / f"{name}.jsonl"),
                    store.url,
                    "checkout-drill",
                    name,
                    other,
                ],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
            )
        # Both are publishing and pulling: each has the other's third note.
        wait_for(
            lambda: "bob 2" in summaries(tmp_path / "alice.jsonl") and "alice 2" in summaries(tmp_path / "bob.jsonl"),
            timeout=60,
            what="each operator's notes in the other's journal",
        )
        written = {name: len(summaries(tmp_path / f"{name}.jsonl")) for name in procs}
        store.stop(remove=False)  # the shared store goes away mid-incident...
        # ...while both go on writing (their entries wait for it)...
        wait_for(
            lambda: all(len(summaries(tmp_path / f"{name}.jsonl")) >= written[name] + 3 for name in procs),
            timeout=60,
            what="three more entries in each journal while the store is down",
        )
        store.start()  # ...and comes back (same port, same data)
        results = {}
        for name, proc in procs.items():
            out, err = proc.communicate(timeout=90)
            assert proc.returncode == 0, err[-3000:]
            results[name] = json.loads(out.strip().splitlines()[-1])
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
        store.stop()
    alice, bob = results["alice"], results["bob"]
    assert alice["order"] == bob["order"]  # both cockpits show every entry in one order
    assert "?" not in alice["order"]
    for name in ("alice", "bob"):
        notes = [line for line in results[name]["journal"] if line.split(": ", 1)[1].startswith(("alice ", "bob "))]
        counts = Counter(notes)
        assert all(n == 1 for n in counts.values()), f"{name}: doubled {[k for k, v in counts.items() if v > 1]}"
        for who in ("alice", "bob"):
            for i in range(40):
                assert f"{who}: {who} {i}" in counts, f"{name} lost {who} {i}"
    assert bob["outcomes"] == [
        "Restart the paused jobs in stages is being run by alice@" + bob["outcomes"][0].split("@", 1)[1]
    ]
    assert any(word in alice["outcomes"][0] for word in ("resumed in stages", "made things worse", "HALTED"))


async def test_a_lock_held_by_a_dead_process_expires(tmp_path: Path, redis_url: str) -> None:
    from cockpit.incident.journal import Journal, Operator
    from cockpit.incident.shared import SharedLog

    journal = Journal.open(tmp_path / "j.jsonl", Operator("alice"))
    dead = SharedLog(redis_url, "inc", journal, lambda e: None, instance="dead-1", lock_ttl=1.0)
    alive = SharedLog(redis_url, "inc", journal, lambda e: None, instance="alive-2", lock_ttl=1.0)
    try:
        assert await dead.acquire("revert", "alice") is None  # then the process "dies": no refresh, no release
        assert await alive.acquire("revert", "bob") == "alice@dead-1"
        await alive.sync_once()
        assert alive.locks == {"revert": "alice@dead-1"}  # shown to the others: who holds it

        # No refresh comes, so the lock expires by itself after its TTL; then bob gets it.
        async def bob_got_it() -> bool:
            return await alive.acquire("revert", "bob") is None

        deadline = time.monotonic() + 30
        while not await bob_got_it():
            assert time.monotonic() < deadline, "the dead process's lock never expired"
            await asyncio.sleep(0.05)
        assert await alive.acquire("revert", "carol") == "bob@alive-2"
    finally:
        await dead.close()
        await alive.close()
        journal.close()


def test_driver_and_lead_are_journaled_and_attribute_what_follows(tmp_path: Path) -> None:
    from cockpit.core.session import Session
    from cockpit.drill import build_drill
    from cockpit.incident.journal import Journal, Operator, read

    journal = Journal.open(tmp_path / "j.jsonl", Operator("alice"))
    session = Session(build_drill(), journal)
    session.declare("t", "SEV2", "s", "alice")
    session.hand_lead("bob")
    assert session.incident.lead == "bob"
    session.set_driver("carol")
    session.note("carol typed this")
    journal.close()
    entries = read(tmp_path / "j.jsonl").entries
    assert entries[-3].summary == "rollback lead handed from alice to bob" and entries[-3].operator == "alice"
    assert entries[-2].data == {"driver": "carol"} and entries[-1].operator == "carol"
