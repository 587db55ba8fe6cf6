"""Procrastinate (PostgreSQL): `procrastinate_jobs(queue_name, status, scheduled_at, attempts)`.

depth = todo jobs due now, in flight = doing, failed = failed, retrying = todo jobs waiting to
retry (attempts > 0, scheduled later), scheduled = todo jobs scheduled later, oldest age =
since the earliest-deferred due job became due (its `deferred` event, or its scheduled time).
Procrastinate 3 has no queue pause: stop its workers (`procrastinate worker --queues ...`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cockpit.backends.queues.base import CannotPause, Sent
from cockpit.backends.queues.postgres_channel import SchemaTablesKind, TableKind

SQL = """
WITH j AS (
  SELECT queue_name, id, status, attempts, scheduled_at,
         status = 'todo' AND (scheduled_at IS NULL OR scheduled_at <= now()) AS due
  FROM {schema}.procrastinate_jobs
  WHERE queue_name = ANY(%(queues)s) AND status IN ('todo', 'doing', 'failed')
), a AS (
  SELECT queue_name,
         count(*) FILTER (WHERE due) AS depth,
         count(*) FILTER (WHERE status = 'doing') AS in_flight,
         count(*) FILTER (WHERE status = 'failed') AS failed,
         count(*) FILTER (WHERE status = 'todo' AND NOT due AND attempts > 0) AS retrying,
         count(*) FILTER (WHERE status = 'todo' AND NOT due AND attempts = 0) AS scheduled,
         min(id) FILTER (WHERE due) AS oldest_id
  FROM j GROUP BY queue_name
)
SELECT q.name, coalesce(a.depth, 0), coalesce(a.in_flight, 0), coalesce(a.failed, 0), coalesce(a.retrying, 0),
       coalesce(a.scheduled, 0),
       CASE WHEN a.oldest_id IS NULL THEN 0 ELSE extract(epoch FROM now() - greatest(
         (SELECT min(e.at) FROM {schema}.procrastinate_events e WHERE e.job_id = a.oldest_id AND e.type = 'deferred'),
         (SELECT o.scheduled_at FROM {schema}.procrastinate_jobs o WHERE o.id = a.oldest_id)))::float8 END,
       NULL::boolean
FROM unnest(%(queues)s::text[]) AS q(name) LEFT JOIN a ON a.queue_name = q.name
"""


@dataclass(frozen=True)
class ProcrastinateKind(SchemaTablesKind):
    name: str = "procrastinate"
    sql: str = SQL
    default_schema: str = "public"

    def pause_scope(self, queue: Any) -> str:
        return (
            "Procrastinate has no queue pause: stop the workers that listen on this queue "
            f"(procrastinate worker --queues {queue.queue}); the cockpit can only show the queue"
        )

    async def set_paused(self, source: Any, queue: Any, paused: bool) -> Sent:
        raise CannotPause(f"{queue.name}: {self.pause_scope(queue)}")

    def describe_set_paused(self, queue: Any, server: Any, paused: bool) -> tuple[str, ...]:
        raise CannotPause(f"{queue.name}: {self.pause_scope(queue)}")


KIND: TableKind = ProcrastinateKind()
