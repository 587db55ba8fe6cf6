"""Data sources: each reads one backend (or the drill) and returns `Reading`s.

Sources know nothing of widgets. They are polled by `cockpit.core.polling.Poller`, one task
per source, never overlapping.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from cockpit.core.readings import Reading


class ReadError(Exception):
    """The backend answered, but not with something we can read. The message is written for
    the operator and is shown as it is (no exception class name in front of it)."""


@runtime_checkable
class Source(Protocol):
    """What the poller needs from a data source."""

    kind: str  # the panel kind: error_rate, queues, flags, suspects, checks
    ident: str  # unique among sources, e.g. "queues@jobs"
    interval: float
    timeout: float

    def expected_names(self) -> Sequence[str]:
        """Names this source will report (so a source that is down at start still shows)."""
        ...

    async def read(self) -> list[Reading]:
        """One tick; may raise, and then every reading of this source is marked failed."""
        ...

    async def close(self) -> None: ...

    # Optional: `async def backfill(self) -> dict[str, list[tuple[datetime, float]]]`, history
    # fetched once at start (a Prometheus range query) so a sparkline is full at once.
