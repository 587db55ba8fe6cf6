"""A home-grown queue in PostgreSQL: the config gives the SQL of each figure, one scalar
SELECT each (`depth_sql` required; `in_flight_sql`, `failed_sql`, `retrying_sql`,
`scheduled_sql`, `oldest_age_sql` in seconds, `paused_sql` optional). They are read together
as one statement per queue, in the database's one round trip, under the same rules as the
suspect queries (read-only DSN and transaction, statement timeout, a single statement)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cockpit.backends.queues.base import CannotPause, Sent
from cockpit.backends.queues.postgres_channel import TableKind

FIGURES = ("depth", "in_flight", "failed", "retrying", "scheduled", "oldest_age", "paused")
CASTS = {"oldest_age": "float8", "paused": "boolean"}


@dataclass(frozen=True)
class Options:
    queries: tuple[tuple[str, str], ...]  # (figure, SQL)


@dataclass(frozen=True)
class SqlKind:
    name: str = "sql"
    channel: str = "postgres"
    keys: tuple[str, ...] = tuple(f"{f}_sql" for f in FIGURES)
    discovers: bool = False
    durable_pause: bool = True
    pause_note: str | None = None

    def read_options(self, t: Any) -> Options:
        queries = []
        for figure in FIGURES:
            text = t.str(f"{figure}_sql", required=figure == "depth")
            if text is not None:
                text = text.strip().rstrip(";").strip()
                if ";" in text:
                    t.error(f"{figure}_sql", "must be a single SELECT (no ';')")
                queries.append((figure, text))
        return Options(tuple(queries))

    def statements(self, queues: Sequence[Any]) -> list[tuple[Any, dict[str, Any], list[Any]]]:
        out = []
        for queue in queues:
            given = dict(queue.options.queries)
            # The user's SELECTs become scalar subqueries of one statement; the extended
            # protocol refuses a second statement smuggled into any of them.
            columns = ", ".join(
                f"({given[f]})::{CASTS.get(f, 'bigint')}" if f in given else f"NULL::{CASTS.get(f, 'bigint')}"
                for f in FIGURES
            )
            out.append((f"SELECT %(queue)s::text, {columns}", {"queue": queue.queue or queue.name}, [queue]))
        return out

    def pause_scope(self, queue: Any) -> str:
        return "a home-grown SQL queue has no pause the cockpit knows: stop its workers"

    async def set_paused(self, source: Any, queue: Any, paused: bool) -> Sent:
        raise CannotPause(f"{queue.name}: {self.pause_scope(queue)}")

    def describe_set_paused(self, queue: Any, server: Any, paused: bool) -> tuple[str, ...]:
        raise CannotPause(f"{queue.name}: {self.pause_scope(queue)}")


KIND: TableKind = SqlKind()
