"""Flag kill across regions: setting a flag off in 10 regions (HTTP JSON endpoints on
loopback, each answering after a realistic inter-region round trip, one of them slow),
the cockpit's way (every region at once, then every region read back at once) against one
region after another (write, read back, next) — the same requests on both sides.

Two figures per way, from the regions' own clocks: when the 9 healthy regions had all
taken the change (what stops the damage), and when every region had been written and
read back (what the operator waits for).

Run: .venv/bin/python bench/flag_kill.py [--rtt 0.08] [--slow 1.5] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from contextlib import ExitStack
from http.server import BaseHTTPRequestHandler
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cockpit.actions.flags import SetFlags  # noqa: E402
from cockpit.backends.flags import FlagRegionSource  # noqa: E402
from cockpit.config import loads  # noqa: E402
from tests.http_apps import serve  # noqa: E402

SLOW_REGION = 3


def region_handler(delay: float):
    """A region's flag endpoint; `state["changed_at"]` is when the kill reached it."""
    state: dict = {"flags": {"new_checkout": {"enabled": True, "rollout": 25}}, "changed_at": None}

    class Region(BaseHTTPRequestHandler):
        def log_message(self, *args):
            return None

        def _reply(self, body: dict, wait: float) -> None:
            time.sleep(wait)
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            self._reply({"flags": state["flags"]}, delay)

        def do_PUT(self):
            name = self.path.rsplit("/", 1)[-1]
            time.sleep(delay / 2)  # the request's way there; the answer takes the other half
            state["flags"][name] = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            state["changed_at"] = time.perf_counter()
            self._reply(state["flags"][name], delay / 2)

    return Region, state


async def run(args) -> None:
    with ExitStack() as stack:
        regions = []
        for i in range(10):
            handler, state = region_handler(args.slow if i == SLOW_REGION else args.rtt)
            regions.append((stack.enter_context(serve(handler)), state))
        text = (
            '[incident]\ntitle = "t"\nservice = "s"\n'
            + "".join(
                f'[regions.r{i}]\nbackend = "http-json"\nurl = "{url}/flags"\ntimeout = "5s"\n'
                for i, (url, _) in enumerate(regions)
            )
            + '[[flags]]\nname = "new_checkout"\nsafe = false\n'
        )
        cfg = loads(text)
        sources = [FlagRegionSource(r, cfg.flags, cfg, {}) for r in cfg.regions]
        for source in sources:  # connections open, as in a running cockpit
            await source.read()

        def reset() -> None:
            for _, state in regions:
                state["flags"]["new_checkout"] = {"enabled": True, "rollout": 25}
                state["changed_at"] = None

        def figures(started: float) -> tuple[float, float]:
            healthy = max(s["changed_at"] for i, (_, s) in enumerate(regions) if i != SLOW_REGION)
            return healthy - started, time.perf_counter() - started

        def lines(_):
            return None

        parallel, sequential = [], []
        for _ in range(args.rounds):
            reset()
            action = SetFlags(sources, {"new_checkout": False}, name="flags_safe", title="t", step=None)
            preview = await action.preview()  # before the clock: the operator reads it, then confirms
            started = time.perf_counter()
            result = await action.execute(preview, lines)
            verified = await action.verify(preview, result)
            parallel.append(figures(started))
            assert result.ok and verified.ok, (result, verified)
            reset()
            one_by_one = [
                SetFlags([s], {"new_checkout": False}, name="flags_safe", title="t", step=None) for s in sources
            ]
            previews = [await one.preview() for one in one_by_one]
            started = time.perf_counter()
            for one, p in zip(one_by_one, previews, strict=True):  # write, read back, next region: a shell loop's way
                await one.verify(p, await one.execute(p, lines))
            sequential.append(figures(started))
        for source in sources:
            await source.close()
    print(
        f"10 regions {args.rtt * 1000:.0f} ms away, one answering in {args.slow:g} s (region {SLOW_REGION + 1}); "
        f"write + read back each region; median of {args.rounds} rounds"
    )
    print(f"{'':22}{'9 healthy regions off':>24}{'all written + read back':>26}")
    for label, runs in (("parallel (cockpit)", parallel), ("one region at a time", sequential)):
        print(
            f"{label:22}{statistics.median(r[0] for r in runs) * 1000:21.0f} ms"
            f"{statistics.median(r[1] for r in runs) * 1000:23.0f} ms"
        )
    ph, pa = statistics.median(r[0] for r in parallel), statistics.median(r[1] for r in parallel)
    sh, sa = statistics.median(r[0] for r in sequential), statistics.median(r[1] for r in sequential)
    print(f"ratio one-at-a-time / parallel: healthy regions off {sh / ph:.1f}x, all done {sa / pa:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rtt", type=float, default=0.08, help="round trip to a healthy region, seconds")
    parser.add_argument("--slow", type=float, default=1.5, help="answer time of the slow region, seconds")
    parser.add_argument("--rounds", type=int, default=3)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
