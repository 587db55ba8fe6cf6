"""One cockpit on a shared incident, run as its own process by the two-operator test.

    python -m tests.shared_operator JOURNAL REDIS_URL INCIDENT NAME OTHER

Declares (alice only), writes notes for a few seconds, tries the staged restart (alice
holds it; bob must find it locked), then waits until it has the other's last note and
prints what it saw as one JSON line."""

from __future__ import annotations

import asyncio
import json
import sys

from cockpit.core.session import Session
from cockpit.drill import build_drill
from cockpit.incident.journal import Journal, Operator
from cockpit.incident.shared import SharedLog


async def main(path: str, url: str, incident: str, name: str, other: str) -> None:
    backends = build_drill(seed=1, speed=10)
    journal = Journal.open(path, Operator(name))
    session = Session(backends, journal)
    shared = SharedLog(url, incident, journal, session.mirror, lock_ttl=3.0, poll=0.1)
    session.attach_shared(shared)
    syncing = asyncio.create_task(shared.run())

    async def yes(preview):
        return preview

    async def slow_yes(preview):
        await asyncio.sleep(3)
        return preview

    outcomes = []
    if name == "alice":
        session.declare("shared incident", "SEV2", "checkout", "alice")
        await session.run_action("pause_risky", yes)
        # Holds the lock ~3 s: confirming takes a while (the restart itself may halt at once: the
        # drill's error rate is still over the restart guard's limit before the revert).
        restart = asyncio.create_task(session.run_action("restart_staged", slow_yes))
    else:
        while "restart" not in shared.locks:
            await asyncio.sleep(0.05)
        outcomes.append((await session.run_action("restart_staged", yes)).message)
        restart = None
    for i in range(40):
        session.note(f"{name} {i}")
        await asyncio.sleep(0.1)
    if restart is not None:
        outcomes.append((await restart).message)
    session.note(f"{name} done")
    while not any(e.summary == f"{other} done" for e in journal.entries):
        await asyncio.sleep(0.1)
    while shared.ordered_identities() != shared.order or not shared.reachable:  # everything of ours published
        await asyncio.sleep(0.1)
    for _ in range(5):  # and pulled back by the other side's view
        await asyncio.sleep(0.2)
    syncing.cancel()
    by_identity = {}
    for entry in journal.entries:
        mirror = entry.data.get("mirror")
        key = (mirror["instance"], mirror["seq"]) if mirror else (shared.instance, entry.seq)
        by_identity[key] = f"{entry.operator}: {entry.summary}"
    print(
        json.dumps(
            {
                "order": [by_identity.get(tuple(i), "?") for i in shared.order],
                "journal": [f"{e.operator}: {e.summary}" for e in journal.entries],
                "outcomes": outcomes,
            }
        ),
        flush=True,
    )
    await shared.close()
    journal.close()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:6]))
