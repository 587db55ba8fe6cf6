"""pg-boss (Node, PostgreSQL): `pgboss.job(name, state, start_after, created_on)`.

depth = created/retry jobs due now, in flight = active, failed = failed, retrying = retry
jobs waiting for their delay, scheduled = created jobs due later (so depth + retrying +
scheduled = pg-boss's own `getQueueSize`), oldest age = since the oldest due job became due.
pg-boss has no queue pause: stop the workers (`boss.offWork(queue)` in the application)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cockpit.backends.queues.base import CannotPause, Sent
from cockpit.backends.queues.postgres_channel import SchemaTablesKind, TableKind

SQL = """
WITH a AS (
  SELECT name,
         count(*) FILTER (WHERE state IN ('created', 'retry') AND start_after <= now()) AS depth,
         count(*) FILTER (WHERE state = 'active') AS in_flight,
         count(*) FILTER (WHERE state = 'failed') AS failed,
         count(*) FILTER (WHERE state = 'retry' AND start_after > now()) AS retrying,
         count(*) FILTER (WHERE state = 'created' AND start_after > now()) AS scheduled,
         min(greatest(created_on, start_after)) FILTER (WHERE state IN ('created', 'retry')
                                                        AND start_after <= now()) AS oldest
  FROM {schema}.job
  WHERE name = ANY(%(queues)s) AND state IN ('created', 'retry', 'active', 'failed')
  GROUP BY name
)
SELECT q.name, coalesce(a.depth, 0), coalesce(a.in_flight, 0), coalesce(a.failed, 0), coalesce(a.retrying, 0),
       coalesce(a.scheduled, 0), coalesce(extract(epoch FROM now() - a.oldest)::float8, 0), NULL::boolean
FROM unnest(%(queues)s::text[]) AS q(name) LEFT JOIN a ON a.name = q.name
"""


@dataclass(frozen=True)
class PgBossKind(SchemaTablesKind):
    name: str = "pg-boss"
    sql: str = SQL
    default_schema: str = "pgboss"

    def pause_scope(self, queue: Any) -> str:
        return (
            "pg-boss has no queue pause: stop the workers of this queue (boss.offWork in the application, "
            "or stop its service); the cockpit can only show the queue"
        )

    async def set_paused(self, source: Any, queue: Any, paused: bool) -> Sent:
        raise CannotPause(f"{queue.name}: {self.pause_scope(queue)}")

    def describe_set_paused(self, queue: Any, server: Any, paused: bool) -> tuple[str, ...]:
        raise CannotPause(f"{queue.name}: {self.pause_scope(queue)}")


KIND: TableKind = PgBossKind()
