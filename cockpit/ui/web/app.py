"""The read-only web view as a small ASGI app (Starlette) with server-sent events (sse-starlette).

Routes, all GET (Starlette answers HEAD too, 405 to any other method, 404 elsewhere):
`/` the page, `/live.js` its script, `/events` the page's live section on each change.
One task follows the journal for every viewer; each viewer waits for the next version.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path

from sse_starlette.sse import EventSourceResponse
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from cockpit.core.redact import Redactor
from cockpit.incident.journal import Entry
from cockpit.incident.report import zone as zone_named
from cockpit.ui.web.live import FileReplaced, JournalFollower, LiveState
from cockpit.ui.web.page import LIVE_JS, document, live_section

#: How often the journal file is looked at (an append shows on the page within this).
POLL_S = 0.25
HEADERS = {
    # Nothing but our own script and a connection back to us; no framing, no referrer.
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; "
    "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class LiveJournal:
    """The one follower of the journal, and a condition viewers wait on for a new version."""

    def __init__(self, path: str | Path, redactor: Redactor) -> None:
        self.path, self.redactor = path, redactor
        self.follower = JournalFollower(path, redactor)
        self.state = LiveState()
        self.changed = asyncio.Condition()

    def read(self) -> list[Entry | None]:
        """New entries (in a worker thread: file reads never stall the event loop)."""
        try:
            return list[Entry | None](self.follower.poll())
        except FileReplaced:
            self.follower = JournalFollower(self.path, self.redactor)
            return [None, *self.follower.poll()]  # None: start the state afresh

    def apply(self, fresh: list[Entry | None]) -> bool:
        """Fold entries into the state (on the event loop, so a page never renders a half-applied state)."""
        for entry in fresh:
            if entry is None:
                self.state = LiveState()
            else:
                self.state.apply(entry)
        return bool(fresh)

    async def run(self) -> None:
        while True:
            if self.apply(await asyncio.to_thread(self.read)):
                async with self.changed:
                    self.changed.notify_all()
            await asyncio.sleep(POLL_S)

    async def next_version(self, seen: int) -> int:
        async with self.changed:
            await self.changed.wait_for(lambda: self.state.version != seen)
        return self.state.version


def create_app(journal_path: str | Path, tz_name: str = "UTC", redactor: Redactor | None = None) -> Starlette:
    tz = zone_named(tz_name)
    live = LiveJournal(journal_path, redactor or Redactor())

    async def page(_request: Request) -> Response:
        return HTMLResponse(document(live.state, tz, tz_name), headers=HEADERS)

    async def script(_request: Request) -> Response:
        return Response(LIVE_JS, media_type="text/javascript", headers=HEADERS)

    async def events(_request: Request) -> Response:
        async def stream() -> AsyncIterator[dict[str, str]]:
            seen = live.state.version
            yield {"data": json.dumps({"version": seen, "html": live_section(live.state, tz, tz_name)})}
            while True:
                seen = await live.next_version(seen)
                yield {"data": json.dumps({"version": seen, "html": live_section(live.state, tz, tz_name)})}

        return EventSourceResponse(stream(), ping=15, headers=HEADERS)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        live.apply(live.read())
        follower = asyncio.create_task(live.run())
        try:
            yield
        finally:
            follower.cancel()

    return Starlette(
        routes=[
            Route("/", page, methods=["GET"]),
            Route("/live.js", script, methods=["GET"]),
            Route("/events", events, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
