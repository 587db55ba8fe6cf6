"""River (Go, PostgreSQL): `river_job(queue, state, scheduled_at)` and `river_queue(name, paused_at)`.

depth = available jobs, in flight = running, failed = discarded, retrying = retryable,
scheduled = scheduled, oldest age = now − min(scheduled_at) of available jobs (when they
became runnable), paused = `river_queue.paused_at` set. Pause is River's own: what
`Client.QueuePause` writes (`paused_at = now()`), then its `river_control` notification so
producers stop at once (producers also re-read their queue's settings when they poll),
through `pause_dsn_env`. River's Go runtime is not installed here: the tests use its
published schema."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cockpit.backends.queues.base import CannotPause, Sent
from cockpit.backends.queues.postgres_channel import SchemaTablesKind, TableKind, schema_sql

SQL = """
WITH a AS (
  SELECT queue,
         count(*) FILTER (WHERE state = 'available') AS depth,
         count(*) FILTER (WHERE state = 'running') AS in_flight,
         count(*) FILTER (WHERE state = 'discarded') AS failed,
         count(*) FILTER (WHERE state = 'retryable') AS retrying,
         count(*) FILTER (WHERE state = 'scheduled') AS scheduled,
         min(scheduled_at) FILTER (WHERE state = 'available') AS oldest
  FROM {schema}.river_job
  WHERE queue = ANY(%(queues)s) AND state IN ('available', 'running', 'discarded', 'retryable', 'scheduled')
  GROUP BY queue
)
SELECT q.name, coalesce(a.depth, 0), coalesce(a.in_flight, 0), coalesce(a.failed, 0), coalesce(a.retrying, 0),
       coalesce(a.scheduled, 0), greatest(coalesce(extract(epoch FROM now() - a.oldest)::float8, 0), 0),
       coalesce((SELECT r.paused_at IS NOT NULL FROM {schema}.river_queue r WHERE r.name = q.name), false)
FROM unnest(%(queues)s::text[]) AS q(name) LEFT JOIN a ON a.queue = q.name
"""
PAUSE = "UPDATE {schema}.river_queue SET paused_at = now(), updated_at = now() WHERE name = %s AND paused_at IS NULL"
RESUME = (
    "UPDATE {schema}.river_queue SET paused_at = NULL, updated_at = now() WHERE name = %s AND paused_at IS NOT NULL"
)


@dataclass(frozen=True)
class RiverKind(SchemaTablesKind):
    name: str = "river"
    sql: str = SQL
    default_schema: str = "public"

    def pause_scope(self, queue: Any) -> str:
        return (
            f"sets river_queue.paused_at for {queue.queue!r} (River's own QueuePause) and notifies "
            "river_control; durable until resumed"
        )

    async def set_paused(self, source: Any, queue: Any, paused: bool) -> Sent:
        name = queue.queue or queue.name
        try:
            rows = await source.write(schema_sql(PAUSE if paused else RESUME, queue.options.schema), [name])
            payload = json.dumps({"action": "pause" if paused else "resume", "queue": name})
            await source.write("SELECT pg_notify('river_control', %s)", [payload])
        except LookupError as exc:
            raise CannotPause(f"{queue.name}: {exc}") from None
        verb = "paused (river_queue.paused_at set)" if paused else "resumed (river_queue.paused_at cleared)"
        return Sent(
            f"{name}: {verb}" + ("" if rows else " — it already was, or River has no row for this queue yet"),
            self.describe_set_paused(queue, None, paused),
        )

    def describe_set_paused(self, queue: Any, server: Any, paused: bool) -> tuple[str, ...]:
        name = queue.queue or queue.name
        payload = json.dumps({"action": "pause" if paused else "resume", "queue": name})
        where = f"postgres {queue.server!r}"
        return (
            f"{where}: {schema_sql(PAUSE if paused else RESUME, queue.options.schema)} -- params [{name!r}]",
            f"{where}: SELECT pg_notify('river_control', {payload!r})",
        )


KIND: TableKind = RiverKind()
