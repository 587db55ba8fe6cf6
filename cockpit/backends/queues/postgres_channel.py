"""The PostgreSQL channel: every queue of one database in one round trip per tick.

Each SQL kind turns its queues into ONE SELECT returning a row per queue:
(queue, depth, in_flight, failed, retrying, scheduled, oldest_age seconds, paused). The
statements of all kinds of the database go in one pipeline, inside a READ ONLY transaction
with a transaction-local statement timeout, each sent with the extended protocol (the same
rules as the suspect queries: `SELECT 1; DELETE ...` is refused, not run), through the
read-only DSN. A statement that fails (a library's table missing, a timeout) marks only its
own kind's queues; the others are re-run without it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from cockpit.backends.queues.base import Channel, QueueKind, QueueState, as_reading
from cockpit.core.readings import QUEUES, Clock, Reading, wall_clock
from cockpit.core.source import ReadError

#: (kind, its queues, SQL, parameters): one statement of the round trip.
Statement = tuple[Any, list[Any], Any, dict[str, Any]]
#: The columns every kind's statement returns, in this order.
COLUMNS = ("queue", "depth", "in_flight", "failed", "retrying", "scheduled", "oldest_age", "paused")


@runtime_checkable
class TableKind(QueueKind, Protocol):
    """A queue kind read through the PostgreSQL channel: SELECTs returning COLUMNS per queue."""

    def statements(self, queues: Sequence[Any]) -> list[tuple[Any, dict[str, Any], list[Any]]]:
        """(SQL, parameters, the queues it answers for) per statement."""
        ...


def table_kind(name: str) -> TableKind:
    """The registered kind `name`, which must read through this channel."""
    from cockpit.backends.queues.registry import kind

    found = kind(name)
    if not isinstance(found, TableKind):
        raise LookupError(f"queue kind {name!r} is not read through PostgreSQL")
    return found


@dataclass(frozen=True)
class DatabaseServer:
    dsn_env: str
    pause_dsn_env: str | None
    statement_timeout: float
    connect_timeout: float

    def secret_envs(self) -> tuple[str, ...]:
        return tuple(n for n in (self.dsn_env, self.pause_dsn_env) if n)


def schema_sql(text: str, schema: str) -> Any:
    """`text` with `{schema}` filled in as a quoted identifier (never by string formatting)."""
    from psycopg import sql

    return sql.SQL(text).format(schema=sql.Identifier(schema))


def per_schema(text: str, queues: Sequence[Any]) -> list[tuple[Any, dict[str, Any], list[Any]]]:
    """One statement per schema for a kind whose SQL reads `{schema}` tables of a list of queues."""
    by_schema: dict[str, list[Any]] = {}
    for queue in queues:
        by_schema.setdefault(queue.options.schema, []).append(queue)
    return [
        (schema_sql(text, schema), {"queues": [q.queue or q.name for q in members]}, members)
        for schema, members in by_schema.items()
    ]


@dataclass(frozen=True)
class SchemaOptions:
    schema: str


@dataclass(frozen=True)
class SchemaTablesKind:
    """A queue library whose tables live in one schema (its only option): its SQL reads every
    queue of that schema in one statement. A kind adds its name, SQL, default schema and pause."""

    name: str
    sql: str
    default_schema: str
    channel: str = "postgres"
    keys: tuple[str, ...] = ("schema",)
    discovers: bool = False
    durable_pause: bool = True
    pause_note: str | None = None

    def read_options(self, t: Any) -> SchemaOptions:
        return SchemaOptions(schema=t.name("schema", self.default_schema))

    def statements(self, queues: Sequence[Any]) -> list[tuple[Any, dict[str, Any], list[Any]]]:
        return per_schema(self.sql, queues)


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def state_of(row: Sequence[Any]) -> QueueState:
    _, depth, in_flight, failed, retrying, scheduled, oldest, paused = row
    return QueueState(
        depth=_int(depth) or 0,
        in_flight=_int(in_flight),
        failed=_int(failed),
        retrying=_int(retrying),
        scheduled=_int(scheduled),
        oldest_age=None if oldest is None else max(0.0, float(oldest)),
        paused=None if paused is None else bool(paused),
    )


class PgQueueSource:
    """Every configured queue of one database."""

    kind = QUEUES
    channel = "postgres"

    def __init__(self, server: Any, queues: Sequence[Any], environ: dict[str, str], clock: Clock = wall_clock) -> None:
        self.server = server
        self.options: DatabaseServer = server.options
        self.queues = list(queues)
        self.ident = f"queues@{server.name}"
        self.interval = server.interval
        self.timeout = self.options.connect_timeout + self.options.statement_timeout + 1.0
        self.environ = environ
        self.clock = clock
        self._conn: Any = None
        self.round_trips = 0  # counted for the benchmark: one per tick unless a statement fails

    def expected_names(self) -> Sequence[str]:
        return [q.name for q in self.queues]

    def _dsn(self, env_name: str, key: str) -> str:
        dsn = self.environ.get(env_name)
        if not dsn:
            raise ReadError(f"environment variable {env_name} (databases.{self.server.name}.{key}) is not set")
        return dsn

    async def _connection(self) -> Any:
        import psycopg

        if self._conn is not None and not self._conn.closed:
            return self._conn
        try:
            self._conn = await psycopg.AsyncConnection.connect(
                self._dsn(self.options.dsn_env, "dsn_env"),
                connect_timeout=max(1, int(self.options.connect_timeout)),
                application_name="cockpit-queues",
            )
        except psycopg.OperationalError as exc:
            raise ReadError(f"PostgreSQL {self.server.name!r}: {_first_line(exc)}") from None
        await self._conn.set_read_only(True)
        return self._conn

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    def statements(self) -> list[tuple[Any, list[Any], Any, dict[str, Any]]]:
        """(kind, its queues, SQL, parameters) per kind, in config order."""
        by_kind: dict[str, list[Any]] = {}
        for queue in self.queues:
            by_kind.setdefault(queue.kind, []).append(queue)
        out = []
        for name, queues in by_kind.items():
            kind_ = table_kind(name)
            for query, params, members in kind_.statements(queues):
                out.append((kind_, members, query, params))
        return out

    async def read(self) -> list[Reading]:
        import psycopg

        statements = self.statements()
        try:
            conn = await self._connection()
            results = await self._run_all(conn, statements)
        except psycopg.OperationalError as exc:
            await self.close()
            raise ReadError(f"PostgreSQL {self.server.name!r}: {_first_line(exc)}") from None
        now = self.clock()
        readings = []
        for queue in self.queues:
            found = results.get(queue.name)
            if isinstance(found, str):
                readings.append(as_reading(queue, queue.name, self.server.name, None, found, now))
            elif found is None:
                readings.append(as_reading(queue, queue.name, self.server.name, None, "no row for this queue", now))
            else:
                readings.append(as_reading(queue, queue.name, self.server.name, found, None, now))
        return readings

    async def _run_all(self, conn: Any, statements: list[Statement]) -> dict[str, QueueState | str]:
        results: dict[str, QueueState | str] = {}
        pending = statements
        while pending:
            done, failed_at, error = await self._pipeline(conn, pending)
            results.update(done)
            if failed_at is None:
                break
            _, members, _, _ = pending[failed_at]
            kind_name = members[0].kind
            results.update({q.name: f"{kind_name} tables: {error}" for q in members})
            pending = pending[failed_at + 1 :]
        return results

    async def _pipeline(
        self, conn: Any, statements: list[Statement]
    ) -> tuple[dict[str, QueueState | str], int | None, str | None]:
        """One round trip: BEGIN READ ONLY, the timeout, every kind's statement, COMMIT."""
        import psycopg

        from cockpit.backends.postgres import explain_sql_failure

        timeout_ms = str(int(self.options.statement_timeout * 1000))
        cursors: list[Any] = []
        self.round_trips += 1
        failure: Exception | None = None
        try:
            async with conn.pipeline(), conn.transaction():
                await conn.execute("SELECT set_config('statement_timeout', %s, true)", [timeout_ms])
                for _, _, query, params in statements:
                    cursor = conn.cursor()
                    await cursor.execute(query, params, binary=True)
                    cursors.append(cursor)
        except psycopg.Error as exc:
            if conn.closed:
                raise
            failure = exc
        done: dict[str, QueueState | str] = {}
        for index, ((_, members, _, _), cursor) in enumerate(zip(statements, cursors, strict=False)):
            try:
                rows = await cursor.fetchall()
            except psycopg.Error:
                return (
                    done,
                    index,
                    explain_sql_failure(failure or Exception("no result"), self.options.statement_timeout),
                )
            by_queue = {str(row[0]): row for row in rows}
            for queue in members:
                row = by_queue.get(queue.queue or queue.name)
                try:
                    done[queue.name] = state_of(row) if row is not None else "no row for this queue"
                except (TypeError, ValueError) as exc:
                    done[queue.name] = f"garbage: {exc}"
        if failure is not None:
            if len(cursors) < len(statements):
                return done, len(cursors), explain_sql_failure(failure, self.options.statement_timeout)
            raise failure
        return done, None, None

    async def write(self, query: str, params: Sequence[Any]) -> int:
        """One guarded write through the pause DSN (a pause row): its own short transaction."""
        import psycopg

        if not self.options.pause_dsn_env:
            raise LookupError(f"databases.{self.server.name}.pause_dsn_env is not set: the read-only DSN cannot pause")
        dsn = self._dsn(self.options.pause_dsn_env, "pause_dsn_env")
        connect = psycopg.AsyncConnection.connect(
            dsn, connect_timeout=max(1, int(self.options.connect_timeout)), application_name="cockpit-queues-pause"
        )
        async with await connect as conn, conn.transaction():
            await conn.execute(
                "SELECT set_config('statement_timeout', %s, true)", [str(int(self.options.statement_timeout * 1000))]
            )
            cursor = await conn.execute(query, params, binary=True)
            return cursor.rowcount


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__


@dataclass(frozen=True)
class PostgresChannel:
    name: str = "postgres"
    section: str = "databases"
    server_key: str = "database"

    def read_server(self, t: Any) -> DatabaseServer:
        return DatabaseServer(
            dsn_env=t.env_name("dsn_env", required=True),
            pause_dsn_env=t.env_name("pause_dsn_env"),
            statement_timeout=t.duration("statement_timeout", 2.0),
            connect_timeout=t.duration("connect_timeout", 3.0),
        )

    def source(self, server: Any, queues: Sequence[Any], environ: dict[str, str]) -> PgQueueSource:
        return PgQueueSource(server, queues, environ)


CHANNEL: Channel = PostgresChannel()
