"""One polling task per source: chained one-shot sleeps, so reads never overlap and a
slow source only delays itself. Whoever needs readings now (an action's "after") asks
the poller to `refresh`: the read is serialised with the loop's own, never beside it."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Collection, Iterator

from cockpit.core.readings import Board, Reading
from cockpit.core.safe_text import visible
from cockpit.core.source import ReadError, Source
from cockpit.core.timebase import Timebase

log = logging.getLogger(__name__)

#: However fast a drill runs, a source is not read more often than this (real seconds).
MIN_REAL_INTERVAL = 0.1
#: ...and a reading is not called stale for being late by less than this (real seconds):
#: at --speed 60 a 2 s interval is 33 ms of real time, which a busy machine cannot promise.
#: (1 s: on a loaded 2-core machine half a second made the gate flap, and every flap is a
#: journaled fall back.)
MIN_REAL_STALENESS = 1.0


def short_error(exc: BaseException) -> str:
    """One line naming what failed; control characters a backend echoed are made visible."""
    text = visible(str(exc).strip().splitlines()[0]) if str(exc).strip() else ""
    name = type(exc).__name__
    if isinstance(exc, ReadError) or (isinstance(exc, LookupError) and not isinstance(exc, (KeyError, IndexError))):
        return text[:160]  # our own messages ("garbage reply from…", "variable X is not set") read better bare
    return f"{name}: {text}"[:160] if text else name


class Poller:
    """Reads one source forever; results (or failures) go to the board."""

    def __init__(
        self, source: Source, board: Board, timebase: Timebase, on_change: Callable[[str], None] = lambda kind: None
    ) -> None:
        self.source = source
        self.board = board
        self.timebase = timebase
        self.on_change = on_change
        self.ticks = 0
        self._names: list[str] = list(source.expected_names())
        self._first: asyncio.Task[None] | None = None
        #: One read at a time, whoever asks (the loop, a refresh): reads of one source never overlap.
        self._reading = asyncio.Lock()
        self._spent = 0.0
        self.interval = max(source.interval, MIN_REAL_INTERVAL * timebase.speed)
        staleness = max(self.interval, MIN_REAL_STALENESS * timebase.speed)
        board.set_interval(
            source.kind, max(staleness, board.interval(source.kind) if board.has_interval(source.kind) else 0)
        )
        board.set_source_interval(source.ident, staleness)
        board.set_poll_interval(
            source.kind, max(self.interval, board.poll_interval(source.kind) if board.has_interval(source.kind) else 0)
        )

    def prime(self) -> asyncio.Task[None]:
        """Start the first read now (the screen waits briefly for it); `run` continues from it."""
        if self._first is None:
            self._first = asyncio.ensure_future(self._first_read())
        return self._first

    async def run(self) -> None:
        await self.prime()
        while True:
            await asyncio.sleep(self.timebase.real_seconds(max(0.0, self.interval - self._spent)))
            await self._read()

    async def refresh(self) -> None:
        """Read now (after one already under way, never beside it) and return when the
        board has the result: what an action's "after" readings wait for."""
        await self._read()

    async def _read(self) -> None:
        async with self._reading:
            started = time.monotonic()
            await self.tick()
            self._spent = (time.monotonic() - started) * self.timebase.speed

    async def _first_read(self) -> None:
        if hasattr(self.source, "backfill"):
            try:
                history = await asyncio.wait_for(self.source.backfill(), self._real_timeout())
                for name, points in history.items():
                    self.board.backfill(self.source.kind, name, points)
            except Exception as exc:  # noqa: BLE001 - backfill is a nicety; the tick reports real trouble
                log.info("backfill of %s failed: %s", self.source.ident, short_error(exc))
        await self._read()

    async def tick(self) -> list[Reading]:
        """One read, straight to the board. Only the loop (`run`, `refresh`) and tests call it:
        anyone else asks for `refresh`, so reads of one source never overlap."""
        self.ticks += 1
        try:
            readings = await asyncio.wait_for(self.source.read(), self._real_timeout())
        except asyncio.CancelledError:
            raise
        except TimeoutError:
            self._fail(f"no answer within {self.source.timeout:g}s")
            return []
        except Exception as exc:  # noqa: BLE001 - a source failure must never reach the UI loop
            self._fail(short_error(exc))
            return []
        self._names = [r.name for r in readings] or self._names
        self.board.update(readings, by=self.source.ident)
        self.on_change(self.source.kind)
        return readings

    def _real_timeout(self) -> float:
        return max(0.05, self.timebase.real_seconds(self.source.timeout))

    def _fail(self, error: str) -> None:
        self.board.fail(self.source.kind, self._names, error, by=self.source.ident)
        self.on_change(self.source.kind)


class Pollers:
    """Every source's poller: the session's one polling loop, and refresh on request."""

    def __init__(self, pollers: list[Poller]) -> None:
        self._pollers = pollers

    def __iter__(self) -> Iterator[Poller]:
        return iter(self._pollers)

    def __len__(self) -> int:
        return len(self._pollers)

    def __getitem__(self, index: int) -> Poller:
        return self._pollers[index]

    def run(self) -> list[asyncio.Task[None]]:
        """Start every poller's loop; the caller cancels the tasks."""
        return [asyncio.ensure_future(p.run()) for p in self._pollers]

    async def refresh(self, kinds: Collection[str] | None = None, sources: Collection[str] | None = None) -> None:
        """Read again now the sources of these panel kinds, or these source idents (all when
        neither is given), and return when the board has every result."""
        chosen = [
            p
            for p in self._pollers
            if (kinds is None or p.source.kind in kinds) and (sources is None or p.source.ident in sources)
        ]
        await asyncio.gather(*(p.refresh() for p in chosen))
