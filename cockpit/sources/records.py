"""Suspect-record counts from PostgreSQL, safely.

Every tick runs all suspect queries of the database in one round trip (pipeline mode),
inside a READ ONLY transaction with a transaction-local statement timeout
(`set_config(..., true)`), each query sent with the extended protocol (`binary=True`), so a
string such as `SELECT 1; DELETE FROM orders` is rejected instead of run. A query that
fails (timeout, garbage) marks only its own reading; the others are re-run without it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import psycopg
from psycopg import errors as pg_errors

from cockpit.config import PostgresConfig, SuspectQuery
from cockpit.readings import SUSPECTS, Reading, wall_clock


def explain_sql_failure(exc: BaseException, timeout: float) -> str:
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


def _count(rows: list[tuple[Any, ...]]) -> float:
    if len(rows) != 1 or len(rows[0]) != 1:
        raise ValueError(f"expected one row with one count, got {len(rows)} rows")
    value = rows[0][0]
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise ValueError(f"expected a count, got {type(value).__name__} {str(value)[:30]!r}")
    return float(value)


class PostgresSuspectSource:
    kind = SUSPECTS

    def __init__(self, config: PostgresConfig, environ: Mapping[str, str] | None = None, clock=wall_clock) -> None:
        self.config = config
        self.ident = "postgres"
        self.interval = config.interval
        # The connection attempt and the whole round trip must fit; statement_timeout stops the query itself.
        self.timeout = config.connect_timeout + config.statement_timeout + 1.0
        self.clock = clock
        self._environ = environ if environ is not None else os.environ
        self._conn: psycopg.AsyncConnection | None = None
        self.round_trips = 0

    def expected_names(self) -> Sequence[str]:
        return [q.name for q in self.config.suspects]

    async def _connection(self) -> psycopg.AsyncConnection:
        if self._conn is not None and not self._conn.closed:
            return self._conn
        dsn = self._environ.get(self.config.readonly_dsn_env)
        if not dsn:
            raise LookupError(f"environment variable {self.config.readonly_dsn_env} (postgres.readonly_dsn_env) is not set")
        self._conn = await psycopg.AsyncConnection.connect(dsn, connect_timeout=max(1, int(self.config.connect_timeout)),
                                                           application_name="cockpit-suspects")
        await self._conn.set_read_only(True)
        return self._conn

    async def read(self) -> list[Reading]:
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
            readings.append(Reading(SUSPECTS, query.name, value, now, error, {"expect": query.expect}))
        return readings

    async def _run_all(self, conn: psycopg.AsyncConnection, queries: list[SuspectQuery]) -> dict[str, tuple[float | None, str | None]]:
        results: dict[str, tuple[float | None, str | None]] = {}
        pending = queries
        while pending:
            done, failed_at, error = await self._pipeline(conn, pending)
            results.update(done)
            if failed_at is None:
                break
            results[pending[failed_at].name] = (None, error)
            pending = pending[failed_at + 1:]
        return results

    async def _pipeline(self, conn: psycopg.AsyncConnection, queries: list[SuspectQuery]):
        """One round trip: BEGIN READ ONLY, set the timeout, every query, COMMIT.
        Returns (results so far, index of the failed query or None, its error)."""
        timeout_ms = str(int(self.config.statement_timeout * 1000))
        cursors: list[psycopg.AsyncCursor] = []
        self.round_trips += 1
        failure: psycopg.Error | None = None
        try:
            async with conn.pipeline():
                async with conn.transaction():
                    await conn.execute("SELECT set_config('statement_timeout', %s, true)", [timeout_ms])
                    for query in queries:
                        cursor = conn.cursor()
                        await cursor.execute(query.sql, binary=True)
                        cursors.append(cursor)
        except psycopg.Error as exc:
            if conn.closed:
                raise
            failure = exc
        done: dict[str, tuple[float | None, str | None]] = {}
        for index, (query, cursor) in enumerate(zip(queries, cursors)):
            try:
                rows = await cursor.fetchall()
            except psycopg.Error:
                # The pipeline stopped at this statement: it is the one that failed.
                return done, index, explain_sql_failure(failure or Exception("no result"), self.config.statement_timeout)
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

