"""Job functions the real RQ worker runs in the tests (importable by the worker process)."""

from __future__ import annotations

import time


def replay_payment(order_id: int) -> int:
    return order_id


def broken_replay(order_id: int) -> int:
    raise RuntimeError(f"payment event {order_id} is poisoned")


def slow_replay(seconds: float) -> float:
    time.sleep(seconds)
    return seconds
