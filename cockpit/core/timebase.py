"""Time for the whole cockpit: real time, or a drill's clock running `speed` times faster.

Everything that measures age, windows or countdowns asks the timebase, so a drill at
`--speed 60` behaves exactly like the real thing, only sixty times sooner.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta


class Timebase:
    """`now()` and `sleep()` in the incident's time; `speed` > 1 runs it faster than the wall."""

    def __init__(self, speed: float = 1.0, start: datetime | None = None) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self._origin = start or datetime.now(UTC)
        self._mono0 = time.monotonic()

    def now(self) -> datetime:
        if self.speed == 1.0:
            return datetime.now(UTC)
        return self._origin + timedelta(seconds=(time.monotonic() - self._mono0) * self.speed)

    def resume_at(self, moment: datetime) -> None:
        """A resumed drill: never show a time before the journal's last entry (its clock ran
        `speed` times faster than the wall). The real clock is left alone."""
        if self.speed != 1.0 and moment > self.now():
            self._origin += moment - self.now()

    def elapsed(self) -> float:
        """Incident-time seconds since this timebase started."""
        return (time.monotonic() - self._mono0) * self.speed

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds) / self.speed)

    def real_seconds(self, seconds: float) -> float:
        return seconds / self.speed
