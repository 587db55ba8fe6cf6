"""Waiting on a condition instead of sleeping a fixed time: as fast as the machine allows,
as patient as a loaded one needs. The timeout only bounds a failure."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_for(predicate: Callable[[], T], timeout: float = 30.0, what: str = "", interval: float = 0.05) -> T:
    """Poll `predicate` until it returns something truthy, and return that."""
    deadline = time.monotonic() + timeout
    while not (result := predicate()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what or predicate}")
        time.sleep(interval)
    return result


async def until(predicate: Callable[[], T], timeout: float = 30.0, what: str = "", interval: float = 0.05) -> T:
    """`wait_for` for async tests: the event loop keeps running while we wait."""
    deadline = time.monotonic() + timeout
    while not (result := predicate()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what or predicate}")
        await asyncio.sleep(interval)
    return result
