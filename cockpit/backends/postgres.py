"""Suspect-record counts from PostgreSQL, safely.

Every tick runs all suspect queries of the database in one round trip (pipeline mode),
inside a READ ONLY transaction with a transaction-local statement timeout
(`set_config(..., true)`), each query sent with the extended protocol (`binary=True`), so a
string such as `SELECT 1; DELETE FROM orders` is rejected instead of run. A query that
fails (timeout, garbage) marks only its own reading; the others are re-run without it.

Defence in depth (a READ ONLY transaction alone does not stop dblink, COPY PROGRAM or
session-level locks): at connect the role is checked and refused when it is a superuser,
belongs to a role that writes data, files or signals other sessions, or can write to any
table (see `RoleCheck`); the end of every tick releases session-level state a query could
have left (advisory locks, settings); the config refuses side-effecting SQL (`sql_guard`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from cockpit.config import PostgresConfig, SuspectQuery
from cockpit.core.details import SuspectCount
from cockpit.core.readings import SUSPECTS, Clock, Reading, wall_clock
from cockpit.core.source import ReadError

if TYPE_CHECKING:
    # psycopg (~70 ms to import) loads with the first read, after the first frame is drawn.
    import psycopg


def explain_sql_failure(exc: BaseException, timeout: float) -> str:
    from psycopg import errors as pg_errors

    if isinstance(exc, pg_errors.QueryCanceled):
        return f"timed out after {timeout:g}s (statement_timeout)"
    if isinstance(exc, pg_errors.ReadOnlySqlTransaction):
        return "refused: the query tried to write (read-only transaction)"
    if isinstance(exc, pg_errors.InsufficientPrivilege):
        return "refused: permission denied for the read-only role"
    if isinstance(exc, pg_errors.SyntaxError) and "multiple commands" in str(exc):
        return "refused: more than one statement (only a single SELECT is allowed)"
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return f"{type(exc).__name__}: {text[:120]}"


#: What the connected role may do beyond SELECT: read in one query at connect.
ROLE_QUERY = """
SELECT current_user::text, r.rolsuper,
  ARRAY(SELECT m.rolname::text FROM pg_roles m
        WHERE m.rolname IN ('pg_write_all_data', 'pg_execute_server_program', 'pg_write_server_files',
                            'pg_read_server_files', 'pg_signal_backend')
          AND pg_has_role(current_user, m.oid, 'MEMBER') ORDER BY 1),
  ARRAY(SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND n.nspname NOT LIKE 'pg\\_%' AND has_table_privilege(c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE')
        ORDER BY 1 LIMIT 4)
FROM pg_roles r WHERE r.rolname = current_user
"""
#: Run at the end of every tick: nothing a query did at session level outlives it.
RELEASE_SESSION_STATE = ("SELECT pg_advisory_unlock_all()", "RESET ALL")


@dataclass(frozen=True)
class RoleCheck:
    """The role the suspect queries run as, and whatever it may do beyond SELECT."""

    user: str
    superuser: bool
    memberships: tuple[str, ...]
    writable_tables: tuple[str, ...]

    @property
    def problem(self) -> str | None:
        if self.superuser:
            return f"role {self.user!r} is a superuser"
        if self.memberships:
            return f"role {self.user!r} is a member of {', '.join(self.memberships)}"
        if self.writable_tables:
            return f"role {self.user!r} can write to {', '.join(self.writable_tables)}"
        return None

    def describe(self) -> str:
        problem = self.problem
        return (
            f"REFUSED: {problem}; suspect queries need a SELECT-only role (GRANT SELECT only; see README)"
            if problem
            else f"role {self.user!r}: SELECT only (no superuser, no write privilege, no server roles)"
        )


async def check_role(conn: psycopg.AsyncConnection) -> RoleCheck:
    async with conn.transaction():
        cursor = await conn.execute(ROLE_QUERY)
        user, superuser, memberships, writable = await cursor.fetchone() or ("?", True, [], [])
    return RoleCheck(str(user), bool(superuser), tuple(memberships or ()), tuple(writable or ()))


def _count(rows: list[tuple[Any, ...]]) -> float:
    if len(rows) != 1 or len(rows[0]) != 1:
        raise ValueError(f"expected one row with one count, got {len(rows)} rows")
    value = rows[0][0]
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise ValueError(f"expected a count, got {type(value).__name__} {str(value)[:30]!r}")
    return float(value)


class PostgresSuspectSource:
    kind = SUSPECTS

    def __init__(
        self, config: PostgresConfig, environ: Mapping[str, str] | None = None, clock: Clock = wall_clock
    ) -> None:
        self.config = config
        self.ident = "postgres"
        self.interval = config.interval
        # The connection attempt and the whole round trip must fit; statement_timeout stops the query itself.
        self.timeout = config.connect_timeout + config.statement_timeout + 1.0
        self.clock = clock
        self._environ = environ if environ is not None else os.environ
        self._conn: psycopg.AsyncConnection | None = None
        self.round_trips = 0
        self.role: RoleCheck | None = None

    def expected_names(self) -> Sequence[str]:
        return [q.name for q in self.config.suspects]

    async def _connection(self) -> psycopg.AsyncConnection:
        if self._conn is not None and not self._conn.closed:
            return self._conn
        dsn = self._environ.get(self.config.readonly_dsn_env)
        if not dsn:
            raise LookupError(
                f"environment variable {self.config.readonly_dsn_env} (postgres.readonly_dsn_env) is not set"
            )
        import psycopg

        conn = await psycopg.AsyncConnection.connect(
            dsn, connect_timeout=max(1, int(self.config.connect_timeout)), application_name="cockpit-suspects"
        )
        await conn.set_read_only(True)
        self.role = await check_role(conn)
        if self.role.problem:  # fail closed: no suspect query runs with rights beyond SELECT
            await conn.close()
            raise ReadError(self.role.describe())
        self._conn = conn
        return conn

    async def read(self) -> list[Reading]:
        import psycopg

        try:
            conn = await self._connection()
            results = await self._run_all(conn, list(self.config.suspects))
        except (psycopg.OperationalError, OSError):
            await self.close()
            raise
        now = self.clock()
        readings = []
        for query in self.config.suspects:
            value, error = results[query.name]
            # The target rides along so a release file's `suspect "X" at target` can be judged.
            detail = SuspectCount(query.expect, query.target)
            readings.append(Reading(SUSPECTS, query.name, value, now, error, detail))
        return readings

    async def _run_all(
        self, conn: psycopg.AsyncConnection, queries: list[SuspectQuery]
    ) -> dict[str, tuple[float | None, str | None]]:
        results: dict[str, tuple[float | None, str | None]] = {}
        pending = queries
        while pending:
            done, failed_at, error = await self._pipeline(conn, pending)
            results.update(done)
            if failed_at is None:
                break
            results[pending[failed_at].name] = (None, error)
            pending = pending[failed_at + 1 :]
        return results

    async def _pipeline(
        self, conn: psycopg.AsyncConnection, queries: list[SuspectQuery]
    ) -> tuple[dict[str, tuple[float | None, str | None]], int | None, str | None]:
        """One round trip: BEGIN READ ONLY, set the timeout, every query, COMMIT.
        Returns (results so far, index of the failed query or None, its error)."""
        import psycopg

        timeout_ms = str(int(self.config.statement_timeout * 1000))
        cursors: list[psycopg.AsyncCursor] = []
        self.round_trips += 1
        failure: psycopg.Error | None = None
        try:
            async with conn.pipeline(), conn.transaction():
                await conn.execute("SELECT set_config('statement_timeout', %s, true)", [timeout_ms])
                for query in queries:
                    cursor = conn.cursor()
                    await cursor.execute(query.sql, binary=True)
                    cursors.append(cursor)
                for statement in RELEASE_SESSION_STATE:  # same round trip, after the queries
                    await conn.execute(statement)
        except psycopg.Error as exc:
            if conn.closed:
                raise
            failure = exc
            # The transaction failed before its clean-up: release anything session-level now
            # (a session advisory lock survives a rollback).
            async with conn.transaction():
                for statement in RELEASE_SESSION_STATE:
                    await conn.execute(statement)
        done: dict[str, tuple[float | None, str | None]] = {}
        for index, (query, cursor) in enumerate(
            zip(queries, cursors, strict=False)
        ):  # fewer cursors: the pipeline stopped
            try:
                rows = await cursor.fetchall()
            except psycopg.Error:
                # The pipeline stopped at this statement: it is the one that failed.
                return (
                    done,
                    index,
                    explain_sql_failure(failure or Exception("no result"), self.config.statement_timeout),
                )
            try:
                done[query.name] = (_count(rows), None)
            except ValueError as exc:
                done[query.name] = (None, f"garbage: {exc}")
        if failure is not None:
            if len(cursors) < len(queries):  # refused while being queued: that statement is the culprit
                return done, len(cursors), explain_sql_failure(failure, self.config.statement_timeout)
            raise failure  # every query answered but the transaction failed: the whole tick failed
        return done, None, None

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None
