"""graphile-worker (Node, PostgreSQL): its `graphile_worker.jobs` view (0.16+: over
`_private_jobs`, `_private_tasks`, `_private_job_queues`; a table with the same columns before).

A cockpit queue is one graphile-worker job queue (`group = "queue"`, the `queue_name` jobs
are serialised in), or — for jobs added without a queue, which graphile-worker runs in
parallel and tells apart only by their task — one task identifier (`group = "task"`,
jobs of that task that have no queue). graphile-worker keeps a job's row until it succeeds:
depth = not locked, attempts < max_attempts, run_at <= now() (its `is_available` and due);
in flight = locked; failed = attempts >= max_attempts (permanently failed, kept);
retrying = not locked, 0 < attempts < max_attempts, run_at later (its backoff);
scheduled = not locked, no attempt yet, run_at later; oldest age = since the oldest ready job
became due (greatest of created_at and run_at). graphile-worker has no queue pause: stop
its workers (or `gracefulShutdown`), the cockpit can only show the queue."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cockpit.backends.queues.base import CannotPause, Sent
from cockpit.backends.queues.postgres_channel import TableKind

SQL = """
WITH j AS (
  SELECT {column} AS name, run_at, created_at, attempts, max_attempts, locked_at IS NOT NULL AS locked
  FROM {schema}.jobs
  WHERE {column} = ANY(%(queues)s) {only_unqueued}
), a AS (
  SELECT name,
         count(*) FILTER (WHERE NOT locked AND attempts < max_attempts AND run_at <= now()) AS depth,
         count(*) FILTER (WHERE locked) AS in_flight,
         count(*) FILTER (WHERE NOT locked AND attempts >= max_attempts) AS failed,
         count(*) FILTER (WHERE NOT locked AND attempts > 0 AND attempts < max_attempts AND run_at > now()) AS retrying,
         count(*) FILTER (WHERE NOT locked AND attempts = 0 AND run_at > now()) AS scheduled,
         min(greatest(created_at, run_at)) FILTER (WHERE NOT locked AND attempts < max_attempts
                                                   AND run_at <= now()) AS oldest
  FROM j GROUP BY name
)
SELECT q.name, coalesce(a.depth, 0), coalesce(a.in_flight, 0), coalesce(a.failed, 0), coalesce(a.retrying, 0),
       coalesce(a.scheduled, 0), coalesce(extract(epoch FROM now() - a.oldest)::float8, 0), NULL::boolean
FROM unnest(%(queues)s::text[]) AS q(name) LEFT JOIN a ON a.name = q.name
"""

GROUPS = ("queue", "task")


@dataclass(frozen=True)
class Options:
    schema: str
    group: str  # "queue": a job queue name; "task": a task identifier, jobs without a queue


def statement(schema: str, group: str) -> Any:
    from psycopg import sql

    by_task = group == "task"
    return sql.SQL(
        SQL.replace("{column}", "task_identifier" if by_task else "queue_name").replace(
            "{only_unqueued}", "AND queue_name IS NULL" if by_task else ""
        )
    ).format(schema=sql.Identifier(schema))


@dataclass(frozen=True)
class GraphileWorkerKind:
    name: str = "graphile-worker"
    channel: str = "postgres"
    keys: tuple[str, ...] = ("schema", "group")
    discovers: bool = False
    durable_pause: bool = True
    pause_note: str | None = None

    def read_options(self, t: Any) -> Options:
        return Options(schema=t.name("schema", "graphile_worker"), group=t.str("group", "queue", choices=GROUPS))

    def statements(self, queues: Sequence[Any]) -> list[tuple[Any, dict[str, Any], list[Any]]]:
        by_shape: dict[tuple[str, str], list[Any]] = {}
        for queue in queues:
            by_shape.setdefault((queue.options.schema, queue.options.group), []).append(queue)
        return [
            (statement(schema, group), {"queues": [q.queue or q.name for q in members]}, members)
            for (schema, group), members in by_shape.items()
        ]

    def pause_scope(self, queue: Any) -> str:
        return (
            "graphile-worker has no queue pause: stop the workers that run this queue's tasks "
            "(or their service); the cockpit can only show the queue"
        )

    async def set_paused(self, source: Any, queue: Any, paused: bool) -> Sent:
        raise CannotPause(f"{queue.name}: {self.pause_scope(queue)}")

    def describe_set_paused(self, queue: Any, server: Any, paused: bool) -> tuple[str, ...]:
        raise CannotPause(f"{queue.name}: {self.pause_scope(queue)}")


KIND: TableKind = GraphileWorkerKind()
