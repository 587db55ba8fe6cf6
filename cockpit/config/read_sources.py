"""Reading the sources' sections: [incident], [prometheus], [redis.*], [postgres], [[checks]]."""

from __future__ import annotations

from pathlib import Path

from cockpit.backends.sql_guard import problem as sql_problem
from cockpit.config.model import (
    DEFAULT_SEVERITIES,
    HTTP_METHODS,
    SUSPECT_EXPECT,
    CheckConfig,
    CheckStep,
    ErrorRateQuery,
    IncidentDefaults,
    PostgresConfig,
    PrometheusConfig,
    RedisInstance,
    SuspectQuery,
)
from cockpit.config.reader import Table, check_unique


def read_incident(t: Table | None, base_dir: Path) -> IncidentDefaults | None:
    if t is None:
        return None
    severities = t.str_list("severities", DEFAULT_SEVERITIES, nonempty=True)
    severity = t.str("severity", severities[min(1, len(severities) - 1)], choices=severities)
    journal = t.str("journal", "incident.jsonl")
    result = IncidentDefaults(
        title=t.str("title", required=True),
        service=t.str("service", required=True),
        severities=severities,
        severity=severity,
        journal=(base_dir / journal) if journal else base_dir / "incident.jsonl",
        update_interval=t.duration("update_interval", 1800.0),
        lead=t.str("lead"),
        secret_env=tuple(n for n in t.str_list("secret_env") if n),
    )
    t.finish()
    return result


def read_prometheus(t: Table | None) -> PrometheusConfig | None:
    if t is None:
        return None
    queries = []
    entries = t.tables("queries")
    for q in entries:
        warn = q.number("warn", 0.02, minimum=0)
        critical = q.number("critical", 0.05, minimum=0)
        if warn is not None and critical is not None and warn > critical:
            q.error("warn", f"must not exceed critical ({critical:g}) (got {warn:g})")
        queries.append(
            ErrorRateQuery(
                q.str("name", required=True),
                q.str("query", required=True),
                warn,
                critical,
                q.str("no_data", choices=("zero",)),
            )
        )
        q.finish()
    check_unique(entries, "name", [q.name for q in queries], "query name")
    if not entries:
        t.error("queries", "at least one [[prometheus.queries]] entry is required")
    result = PrometheusConfig(
        url=t.url("url", required=True),
        queries=tuple(queries),
        interval=t.duration("interval", 5.0),
        timeout=t.duration("timeout", 3.0),
        backfill=t.duration("backfill", 900.0),
        token_env=t.env_name("token_env"),
    )
    t.finish()
    return result


def read_redis(root: Table) -> tuple[RedisInstance, ...]:
    result = []
    for name, t in root.named_tables("redis"):
        url = t.url("url", schemes=("redis", "rediss", "unix"))
        url_env = t.env_name("url_env")
        if ("url" in t.data) == ("url_env" in t.data):
            t.error("url", "set exactly one of url or url_env")
        result.append(RedisInstance(name, url, url_env, t.duration("interval", 2.0), t.duration("timeout", 2.0)))
        t.finish()
    return tuple(result)


def read_postgres(t: Table | None) -> PostgresConfig | None:
    if t is None:
        return None
    entries = t.tables("suspects")
    suspects = []
    for s in entries:
        sql = s.str("sql", required=True)
        if sql and (refused := sql_problem(sql)):  # one SELECT, nothing that acts outside it
            s.error("sql", refused)
        expect = s.str("expect", "zero", choices=SUSPECT_EXPECT)
        target = s.number("target", None, minimum=0)
        if target is not None and expect != "falling":
            s.error("target", f'only applies with expect = "falling" (got expect = {expect!r})')
        suspects.append(SuspectQuery(s.str("name", required=True), sql, expect, target))
        s.finish()
    check_unique(entries, "name", [q.name for q in suspects], "suspect query name")
    result = PostgresConfig(
        readonly_dsn_env=t.env_name("readonly_dsn_env", required=True) or "",  # missing: reported, load fails
        repair_dsn_env=t.env_name("repair_dsn_env"),
        interval=t.duration("interval", 15.0),
        statement_timeout=t.duration("statement_timeout", 2.0),
        connect_timeout=t.duration("connect_timeout", 3.0),
        suspects=tuple(suspects),
    )
    t.finish()
    return result


def read_checks(entries: list[Table]) -> tuple[CheckConfig, ...]:
    result = []
    for t in entries:
        steps = []
        step_tables = t.tables("steps")
        if not step_tables:
            t.error("steps", "at least one [[checks.steps]] entry is required")
        for s in step_tables:
            form_items = _string_map(s.table("form"), env=False)
            form_env = _string_map(s.table("form_env"), env=True)
            steps.append(
                CheckStep(
                    name=s.str("name", required=True),
                    url=s.url("url", required=True),
                    method=s.str("method", "GET", choices=HTTP_METHODS),
                    expect_status=s.int("expect_status", 200, minimum=100, maximum=599),
                    expect_text=s.str("expect_text"),
                    budget=s.duration("budget", 1.0),
                    json=s.str("json"),
                    form=form_items,
                    form_env=form_env,
                )
            )
            if step_tables and steps[-1].json is not None and (form_items or form_env):
                s.error("json", "use either json or form/form_env, not both")
            s.finish()
        check_unique(step_tables, "name", [st.name for st in steps], "step name")
        result.append(
            CheckConfig(
                t.name("name", required=True), tuple(steps), t.duration("interval", 30.0), t.duration("timeout", 5.0)
            )
        )
        t.finish()
    check_unique(entries, "name", [c.name for c in result], "check name")
    return tuple(result)


def _string_map(t: Table | None, *, env: bool) -> tuple[tuple[str, str], ...]:
    """A small inline table of string values (or of environment variable names)."""
    if t is None:
        return ()
    items = []
    for key in list(t.data):
        value = t.env_name(key) if env else t.str(key, nonempty=False)
        if value is not None:
            items.append((key, value))
    t.finish()
    return tuple(items)
