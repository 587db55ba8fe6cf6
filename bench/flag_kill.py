"""Flag kill across regions: wall time of setting a flag off in 10 regions (HTTP JSON
endpoints on loopback, one of them slow), the cockpit's parallel way against one region
after another.

Run: .venv/bin/python bench/flag_kill.py [--slow 1.5] [--rounds 3]
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
from cockpit.config import loads  # noqa: E402
from cockpit.sources.flags import FlagRegionSource  # noqa: E402
from tests.http_apps import serve  # noqa: E402


def region_handler(delay: float):
    state = {"new_checkout": {"enabled": True, "rollout": 25}}

    class Region(BaseHTTPRequestHandler):
        def log_message(self, *args):
            return None

        def _reply(self, body: dict) -> None:
            time.sleep(delay)
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            self._reply({"flags": state})

        def do_PUT(self):
            name = self.path.rsplit("/", 1)[-1]
            state[name] = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            self._reply(state[name])

    return Region, state


async def run(args) -> None:
    with ExitStack() as stack:
        regions = []
        for i in range(10):
            handler, state = region_handler(args.slow if i == 3 else 0.01)
            regions.append((stack.enter_context(serve(handler)), state))
        text = '[incident]\ntitle = "t"\nservice = "s"\n' + "".join(
            f'[regions.r{i}]\nbackend = "http-json"\nurl = "{url}/flags"\ntimeout = "5s"\n'
            for i, (url, _) in enumerate(regions)) + '[[flags]]\nname = "new_checkout"\nsafe = false\n'
        cfg = loads(text)
        sources = [FlagRegionSource(r, cfg.flags, cfg, {}) for r in cfg.regions]

        async def reset():
            for _, state in regions:
                state["new_checkout"] = {"enabled": True, "rollout": 25}

        def lines(_):
            return None

        parallel, sequential = [], []
        for _ in range(args.rounds):
            await reset()
            action = SetFlags(sources, {"new_checkout": False}, name="flags_safe", title="t", step=None)
            preview = await action.preview()
            started = time.perf_counter()
            result = await action.execute(preview, lines)
            verified = await action.verify(preview, result)
            parallel.append(time.perf_counter() - started)
            assert result.ok and verified.ok
            await reset()
            started = time.perf_counter()
            for source in sources:  # one region after another, as a shell loop would
                one = SetFlags([source], {"new_checkout": False}, name="flags_safe", title="t", step=None)
                p = await one.preview()
                await one.verify(p, await one.execute(p, lines))
            sequential.append(time.perf_counter() - started)
        for source in sources:
            await source.close()
    p, s = statistics.median(parallel), statistics.median(sequential)
    print(f"10 regions, one answering in {args.slow:g} s, write + read back each region ({args.rounds} rounds):")
    print(f"  parallel (cockpit):  median {p * 1000:7.0f} ms")
    print(f"  sequential:          median {s * 1000:7.0f} ms")
    print(f"  ratio sequential / parallel: {s / p:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--slow", type=float, default=1.5)
    parser.add_argument("--rounds", type=int, default=3)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
