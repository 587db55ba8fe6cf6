"""Solid Queue (Rails, PostgreSQL): one execution table per job state.

depth = rows of `solid_queue_ready_executions`, in flight = `solid_queue_claimed_executions`,
failed = `solid_queue_failed_executions`, scheduled = `solid_queue_scheduled_executions`
(claimed and failed rows name their queue through `solid_queue_jobs`), oldest age = now −
min(created_at) of the ready rows (Solid Queue's own latency), paused = a row in
`solid_queue_pauses` — which is also how the cockpit pauses it (what `SolidQueue::Queue#pause`
writes; workers skip paused queues on their next poll), through `pause_dsn_env`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cockpit.backends.queues.base import CannotPause, Sent
from cockpit.backends.queues.postgres_channel import SchemaTablesKind, TableKind, schema_sql

SQL = """
SELECT q.name,
  (SELECT count(*) FROM {schema}.solid_queue_ready_executions r WHERE r.queue_name = q.name),
  (SELECT count(*) FROM {schema}.solid_queue_claimed_executions c
     JOIN {schema}.solid_queue_jobs j ON j.id = c.job_id WHERE j.queue_name = q.name),
  (SELECT count(*) FROM {schema}.solid_queue_failed_executions f
     JOIN {schema}.solid_queue_jobs j ON j.id = f.job_id WHERE j.queue_name = q.name),
  NULL::bigint,
  (SELECT count(*) FROM {schema}.solid_queue_scheduled_executions s WHERE s.queue_name = q.name),
  coalesce((SELECT extract(epoch FROM now() - min(r.created_at))::float8
            FROM {schema}.solid_queue_ready_executions r WHERE r.queue_name = q.name), 0),
  EXISTS (SELECT 1 FROM {schema}.solid_queue_pauses p WHERE p.queue_name = q.name)
FROM unnest(%(queues)s::text[]) AS q(name)
"""


@dataclass(frozen=True)
class SolidQueueKind(SchemaTablesKind):
    name: str = "solid-queue"
    sql: str = SQL
    default_schema: str = "public"

    def pause_scope(self, queue: Any) -> str:
        return (
            f"inserts {queue.queue!r} into solid_queue_pauses (Solid Queue's own pause; workers skip it "
            "from their next poll; durable until resumed)"
        )

    async def set_paused(self, source: Any, queue: Any, paused: bool) -> Sent:
        name = queue.queue or queue.name
        try:
            rows = await source.write(_query(queue, paused), [name])
        except LookupError as exc:
            raise CannotPause(f"{queue.name}: {exc}") from None
        verb = "paused (row in solid_queue_pauses)" if paused else "resumed (row removed from solid_queue_pauses)"
        return Sent(
            f"{name}: {verb}" + ("" if rows else " — it already was"), self.describe_set_paused(queue, None, paused)
        )

    def describe_set_paused(self, queue: Any, server: Any, paused: bool) -> tuple[str, ...]:
        query = _query(queue, paused)
        text = query.as_string(None) if hasattr(query, "as_string") else str(query)
        return (f"postgres {queue.server!r}: {text} -- params [{queue.queue or queue.name!r}]",)


def _query(queue: Any, paused: bool) -> Any:
    """Solid Queue's own pause: a row in solid_queue_pauses (the schema quoted, never formatted in)."""
    from psycopg import sql

    table = schema_sql("{schema}.solid_queue_pauses", queue.options.schema)
    if paused:
        return sql.SQL(
            "INSERT INTO {} (queue_name, created_at) VALUES (%s, now()) ON CONFLICT (queue_name) DO NOTHING"
        ).format(table)
    return sql.SQL("DELETE FROM {} WHERE queue_name = %s").format(table)


KIND: TableKind = SolidQueueKind()
