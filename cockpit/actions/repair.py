"""A reviewed data repair: one transaction through the repair DSN, a preview count per
statement, a guard that rolls everything back on any mismatch, rows needing a human
marked for review. The SQL and its SHA-256 go to the journal. The step's guard, if it has
one, is asked before BEGIN (where it may pause for a human), and between statements and
before COMMIT, inside the transaction, where it never waits: a halt or an inconclusive
guard there rolls the whole transaction back, so nothing is changed."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from cockpit.actions import Action, Preview, Progress, Result, sql_lines
from cockpit.actions.data_long import CountsAfter, RepairRun
from cockpit.actions.guarded import Checkpoint, GuardStop, no_checkpoint
from cockpit.actions.outcome import describe
from cockpit.config import PostgresConfig, RepairScript

if TYPE_CHECKING:
    import psycopg  # loaded when a repair runs, not before the first frame


class RepairMismatch(Exception):
    def __init__(self, statement: str, expected: int, actual: int) -> None:
        self.statement, self.expected, self.actual = statement, expected, actual
        super().__init__(
            f"statement {statement!r} touched {actual:,} rows, preview said {expected:,} ({actual - expected:+,})"
        )


def script_sql(script: RepairScript) -> str:
    return "\n;\n".join(s.sql.strip() for s in script.statements) + "\n"


class RepairData(Action):
    name = "repair"
    title = "Run the reviewed data repair"
    guarded = True

    def __init__(self, script: RepairScript, postgres: PostgresConfig, environ: Mapping[str, str]) -> None:
        self.script = script
        self.postgres = postgres
        self.environ = environ

    def _dsn(self) -> str:
        name = self.postgres.repair_dsn_env or ""
        dsn = self.environ.get(name)
        if not dsn:
            raise LookupError(f"environment variable {name} (postgres.repair_dsn_env) is not set")
        return dsn

    async def _connect(self) -> psycopg.AsyncConnection:
        import psycopg

        return await psycopg.AsyncConnection.connect(
            self._dsn(), connect_timeout=int(self.postgres.connect_timeout) or 3, application_name="cockpit-repair"
        )

    async def _counts(self, conn: psycopg.AsyncConnection) -> dict[str, int]:
        counts = {}
        for statement in self.script.statements:
            row = await (await conn.execute(statement.preview, binary=True)).fetchone()
            counts[statement.name] = int(row[0]) if row else 0
        return counts

    async def preview(self) -> Preview:
        async with await self._connect() as conn:
            await conn.set_read_only(True)
            async with conn.transaction():
                await conn.execute(
                    "SELECT set_config('statement_timeout', %s, true)", [str(int(self.script.statement_timeout * 1000))]
                )
                counts = await self._counts(conn)
        sql = script_sql(self.script)
        lines = [
            f"script {self.script.name!r}, reviewed by {self.script.reviewed_by}, sha256 "
            f"{hashlib.sha256(sql.encode()).hexdigest()[:12]}…, one transaction"
        ]
        for i, statement in enumerate(self.script.statements, 1):
            role = " (marks rows for manual review)" if statement.marks_review else ""
            lines.append(f"{i}. {statement.name}: {counts[statement.name]:,} rows{role}")
        total = sum(counts.values())
        warnings = [
            f"guard: each statement must touch exactly its preview count; at most {self.script.max_rows:,} rows"
        ]
        if total > self.script.max_rows:
            warnings.append(f"REFUSED: {total:,} rows exceeds max_rows {self.script.max_rows:,}")
        return Preview(self.name, self.title, tuple(lines), counts, warnings=tuple(warnings), nothing_to_do=total == 0)

    async def execute(self, preview: Preview, progress: Progress) -> Result:
        return await self.execute_guarded(preview, progress, no_checkpoint)

    async def execute_guarded(self, preview: Preview, progress: Progress, checkpoint: Checkpoint) -> Result:
        import psycopg

        sql = script_sql(self.script)
        sent: list[str] = []  # what went to the server, in order, as it went (the command log)
        sha256 = hashlib.sha256(sql.encode()).hexdigest()

        def ledger(**outcome: Any) -> RepairRun:
            """What the journal keeps of this run: the SQL, its hash, the command log so far, the outcome."""
            script = self.script
            return RepairRun(script.name, script.reviewed_by, sql, sha256, dict(preview.counts), tuple(sent), **outcome)

        where = f"postgres (DSN from ${self.postgres.repair_dsn_env})"
        total = sum(preview.counts.values())
        if total > self.script.max_rows:
            return Result(
                False,
                f"refused: {total:,} rows exceeds max_rows {self.script.max_rows:,}",
                state_left="nothing changed",
                data=ledger(),
            )
        applied: dict[str, int] = {}
        committing = False
        try:
            await checkpoint("the repair")
        except GuardStop as stop:
            return Result(
                False,
                f"{stop.word} before the repair: {stop.reason}",
                state_left="nothing changed: the repair did not start",
                data=ledger(guard=stop.word.lower()),
            )
        try:
            async with await self._connect() as conn:
                sent.append(f"{where}: BEGIN")
                async with conn.transaction():
                    timeout = str(int(self.script.statement_timeout * 1000))
                    sent.append(f"{where}: SELECT set_config('statement_timeout', '{timeout}', true)")
                    await conn.execute("SELECT set_config('statement_timeout', %s, true)", [timeout])
                    sent.append(f"{where}: SELECT set_config('lock_timeout', '5000', true)")
                    await conn.execute("SELECT set_config('lock_timeout', %s, true)", ["5000"])
                    for statement in self.script.statements:
                        if applied:  # inside the transaction: never wait for a human holding locks
                            await checkpoint(f"statement {statement.name}", can_wait=False)
                        expected = preview.counts.get(statement.name, 0)
                        sent.extend(
                            sql_lines(
                                f"{where}: {statement.name} (no parameters; must touch exactly "
                                f"{expected:,} rows, else ROLLBACK):",
                                statement.sql,
                            )
                        )
                        cursor = await conn.execute(statement.sql, binary=True)
                        if cursor.rowcount != expected:
                            raise RepairMismatch(statement.name, expected, cursor.rowcount)
                        applied[statement.name] = cursor.rowcount
                        progress(f"{statement.name}: {cursor.rowcount:,} rows (expected {expected:,})")
                    await checkpoint("COMMIT", fresh=True, can_wait=False)
                    committing = True  # leaving this block sends COMMIT
                    sent.append(f"{where}: COMMIT")
        except GuardStop as stop:
            sent.append(f"{where}: ROLLBACK")
            progress(f"ROLLBACK: {stop}")
            return Result(
                False,
                f"rolled back: {stop.word} before {stop.label}: {stop.reason}",
                state_left="nothing changed: the whole transaction was rolled back before COMMIT",
                data=ledger(guard=stop.word.lower()),
            )
        except RepairMismatch as exc:
            sent.append(f"{where}: ROLLBACK")
            progress(f"ROLLBACK: {exc}")
            return Result(
                False,
                f"rolled back: {exc}",
                state_left="nothing changed: the whole transaction was rolled "
                "back; rows changed since the preview — stop the writer and preview again",
                data=ledger(mismatch={"statement": exc.statement, "expected": exc.expected, "actual": exc.actual}),
            )
        except psycopg.Error as exc:
            if committing:
                return await self._after_lost_commit(exc, preview, ledger, applied, progress)
            if sent:
                sent.append(f"{where}: ROLLBACK")
            progress(f"ROLLBACK: {type(exc).__name__}: {exc}")
            return Result(
                False,
                f"rolled back: {type(exc).__name__}: {str(exc).strip()[:160]}",
                state_left="nothing changed: the whole transaction was rolled back",
                data=ledger(),
            )
        marked = sum(n for s in self.script.statements if s.marks_review for n in [applied.get(s.name, 0)])
        progress("COMMIT")
        return Result(
            True,
            "committed: "
            + ", ".join(f"{k} {v:,}" for k, v in applied.items())
            + (f"; {marked:,} rows marked for manual review" if marked else ""),
            data=ledger(applied=applied, marked_for_review=marked),
        )

    async def _after_lost_commit(
        self,
        exc: BaseException,
        preview: Preview,
        ledger: Callable[..., RepairRun],
        applied: dict[str, int],
        progress: Progress,
    ) -> Result:
        """The connection failed during COMMIT: the server may have committed or rolled back.
        Read the preview counts again and say which; 'unknown' only if that read fails too."""
        import psycopg

        progress(f"connection lost during COMMIT ({describe(exc)}): reading back whether the repair is in")
        try:
            async with await self._connect() as conn:
                await conn.set_read_only(True)
                counts = await self._counts(conn)
        except (psycopg.Error, OSError) as read_exc:
            return Result(
                False,
                f"UNKNOWN: the connection was lost during COMMIT ({describe(exc)}) and the database "
                f"cannot be read back ({describe(read_exc)})",
                state_left="unknown: the repair may or may not be committed; run the preview (p) again "
                "before anything else",
                data=ledger(commit_unknown=True),
            )
        now = ", ".join(f"{k} {v:,}" for k, v in counts.items())
        if not any(counts.values()):
            progress("read back: every preview query finds 0 rows: the COMMIT went through")
            return Result(
                True,
                "committed (the connection was lost during COMMIT; reading back shows the repair is "
                "in): " + ", ".join(f"{k} {v:,}" for k, v in applied.items()),
                data=ledger(applied=applied, commit_lost_in_transit=True),
            )
        if counts == dict(preview.counts):
            progress(f"read back: the rows are all still there ({now}): the server rolled back")
            return Result(
                False,
                "not applied: the connection was lost during COMMIT and the server rolled back",
                state_left="nothing changed: the whole transaction was rolled back",
                data=ledger(counts_after=counts),
            )
        return Result(
            False,
            f"UNKNOWN: the connection was lost during COMMIT and the counts now ({now}) match "
            "neither the preview nor a finished repair",
            state_left="unknown: rows changed while the repair ran; stop the writer and run the preview (p) again",
            data=ledger(counts_after=counts, commit_unknown=True),
        )

    async def verify(self, preview: Preview, executed: Result) -> Result:
        if not executed.ok:
            return Result(False, "nothing to verify: not applied", state_left=executed.state_left)
        async with await self._connect() as conn:
            await conn.set_read_only(True)
            counts = await self._counts(conn)
        left = {k: v for k, v in counts.items() if v}
        if left:
            return Result(
                False,
                "preview queries still find rows: " + ", ".join(f"{k} {v:,}" for k, v in left.items()),
                state_left="committed, but new bad rows appeared (is the writer stopped?)",
                data=CountsAfter(counts),
            )
        return Result(True, "every preview query now finds 0 rows", data=CountsAfter(counts))
