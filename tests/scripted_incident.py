"""A scripted drill incident run headless, printing `ACK <seq>` once each entry is durable.
The SIGKILL tests kill it at random points, or in the middle of an action (each ACK line
also names the entry's action and phase): `python -m tests.scripted_incident JOURNAL SEED [SPEED]`."""

from __future__ import annotations

import asyncio
import sys

from cockpit.core.session import Session
from cockpit.drill import build_drill
from cockpit.incident.journal import Journal, Operator


async def main(path: str, seed: int, speed: float = 200) -> None:
    backends = build_drill(seed=seed, speed=speed)
    journal = Journal.open(path, Operator("alice"))
    session = Session(backends, journal)
    if journal.resumed:
        session.resume()
    session.listeners.append(
        lambda entry: print(
            f"ACK {entry.seq} {entry.data.get('action', '-')} {entry.data.get('phase', '-')}", flush=True
        )
    )
    pollers = [asyncio.create_task(p.run()) for p in session.pollers]

    async def yes(preview):
        return preview

    session.declare("scripted incident", "SEV2", "checkout fails", "alice")
    for i in range(3):
        session.note(f"note {i}")
    for name in (
        "status_update",
        "pause_risky",
        "flags_safe",
        "revert",
        "clear_caches",
        "repair",
        "restart_staged",
        "verify_paths",
    ):
        await session.run_action(name, yes)
        session.note(f"after {name}")
    for task in pollers:
        task.cancel()
    print("DONE", flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]) if len(sys.argv) > 3 else 200))
