"""A real Celery app for the queue-pause tests (its worker runs as a subprocess)."""

from __future__ import annotations

import os

from celery import Celery

# The worker subprocess gets its broker from the test; importing this never picks a default.
app = Celery("shop", broker=os.environ.get("CELERY_BROKER_URL", "memory://"))
app.conf.worker_hijack_root_logger = False


@app.task(name="shop.send_receipt")
def send_receipt(order_id: int) -> int:
    return order_id


@app.task(name="shop.ping")
def ping() -> str:
    """Sent to a second queue the worker keeps consuming: proof that it is alive and polling."""
    return "pong"
