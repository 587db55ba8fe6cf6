"""Reading [actions], [gate], [shared] and [notify]."""

from __future__ import annotations

from cockpit.config.model import (
    HTTP_METHODS,
    ActionsConfig,
    CacheTarget,
    GateConfig,
    MaintenanceSwitch,
    NotifyConfig,
    PostgresConfig,
    RepairScript,
    RepairStatement,
    RestartPolicy,
    RevertAction,
    SharedConfig,
    UpdateTemplates,
)
from cockpit.config.reader import Table, check_ref, check_unique


def read_notify(t: Table | None) -> NotifyConfig:
    if t is None:
        return NotifyConfig()
    notify = NotifyConfig(*(t.bool(name, True) for name in NotifyConfig._fields))
    t.finish()
    return notify


def read_shared(t: Table | None, redis_names: list[str]) -> SharedConfig | None:
    if t is None:
        return None
    shared = SharedConfig(
        redis=t.name("redis", required=True),
        incident=t.name("incident", required=True),
        lock_ttl=t.duration("lock_ttl", 15.0, minimum=1.0),
        join=t.bool("join"),
    )
    check_ref(t, "redis", shared.redis, redis_names, "a Redis instance")
    t.finish()
    return shared


def read_actions(
    t: Table | None, redis_names: list[str], flag_names: list[str], postgres: PostgresConfig | None
) -> ActionsConfig:
    if t is None:
        return ActionsConfig()
    revert = None
    if (r := t.table("revert")) is not None:
        revert = RevertAction(
            argv=r.str_list("argv"),
            webhook_url=r.url("webhook_url"),
            webhook_url_env=r.env_name("webhook_url_env"),
            webhook_token_env=r.env_name("webhook_token_env"),
            method=r.str("method", "POST", choices=HTTP_METHODS),
            timeout=r.duration("timeout", 600.0),
            watch=r.duration("watch", 0.0),
        )
        ways = sum(bool(x) for x in (revert.argv, revert.webhook_url, revert.webhook_url_env))
        if ways != 1:
            r.error("argv", "set exactly one of argv, webhook_url or webhook_url_env")
        r.finish()
    maintenance = None
    if (m := t.table("maintenance")) is not None:
        maintenance = MaintenanceSwitch(m.name("flag", required=True), m.bool("on_value", True))
        check_ref(m, "flag", maintenance.flag, flag_names, "a flag")
        m.finish()
    caches = []
    cache_tables = t.tables("caches")
    for c in cache_tables:
        cache = CacheTarget(
            name=c.name("name", required=True),
            redis=c.name("redis"),
            pattern=c.str("pattern"),
            purge_url=c.url("purge_url"),
            method=c.str("method", "POST", choices=HTTP_METHODS),
            batch=c.int("batch", 500, minimum=1, maximum=10_000),
        )
        if (cache.pattern is None) == (cache.purge_url is None):
            c.error("pattern", "set exactly one of pattern (with redis) or purge_url")
        if cache.pattern is not None:
            if cache.redis is None:
                c.error("redis", "is required with pattern")
            check_ref(c, "redis", cache.redis, redis_names, "a Redis instance")
            if cache.pattern.strip("*") == "":
                c.error("pattern", "must name a key prefix, not match every key (got '*')")
        caches.append(cache)
        c.finish()
    check_unique(cache_tables, "name", [c.name for c in caches], "cache name")
    repairs = []
    repair_tables = t.tables("repairs")
    for rp in repair_tables:
        statements = []
        stmt_tables = rp.tables("statements")
        if not stmt_tables:
            rp.error("statements", "at least one [[actions.repairs.statements]] entry is required")
        for s in stmt_tables:
            statements.append(
                RepairStatement(
                    s.str("name", required=True),
                    s.str("preview", required=True),
                    s.str("sql", required=True),
                    s.bool("marks_review"),
                )
            )
            s.finish()
        check_unique(stmt_tables, "name", [s.name for s in statements], "statement name")
        repairs.append(
            RepairScript(
                name=rp.name("name", required=True),
                reviewed_by=rp.str("reviewed_by", required=True),
                statements=tuple(statements),
                max_rows=rp.int("max_rows", 10_000, minimum=1),
                statement_timeout=rp.duration("statement_timeout", 30.0),
            )
        )
        rp.finish()
    check_unique(repair_tables, "name", [r.name for r in repairs], "repair name")
    if repairs and (postgres is None or postgres.repair_dsn_env is None):
        t.error("repairs", "need postgres.repair_dsn_env (repairs never run through the read-only DSN)")
    restart = RestartPolicy()
    if (rs := t.table("restart")) is not None:
        restart = RestartPolicy(rs.duration("settle", 30.0), rs.number("max_error_rate", None, minimum=0))
        rs.finish()
    updates = None
    if (u := t.table("updates")) is not None:
        updates = UpdateTemplates(
            u.str("status", required=True),
            u.str("customer", required=True),
            u.env_name("webhook_url_env"),
            u.duration("timeout", 5.0),
        )
        u.finish()
    t.finish()
    return ActionsConfig(revert, maintenance, tuple(caches), tuple(repairs), restart, updates)


def read_gate(t: Table | None) -> GateConfig:
    if t is None:
        return GateConfig()
    gate = GateConfig(
        window=t.duration("window", 600.0),
        max_error_rate=t.number("max_error_rate", 0.01, minimum=0, maximum=1),
        checks_pass=t.bool("checks_pass", True),
        suspects_not_rising=t.bool("suspects_not_rising", True),
        queues_draining=t.bool("queues_draining", True),
        max_queue_depth=t.int("max_queue_depth", None, minimum=0),
    )
    t.finish()
    return gate
