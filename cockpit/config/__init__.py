"""The cockpit configuration: TOML in, immutable records out.

Every problem is collected (not just the first) and reported as
`FILE: key.path: what is wrong (got X)`. Secrets never appear in the file: keys ending
in `_env` name the environment variable that holds them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from cockpit.backends.sql_guard import problem as sql_problem
from cockpit.config.reader import Problem, Problems, Table, check_ref, check_unique

FLAG_BACKENDS = ("unleash", "redis-hash", "http-json")
SUSPECT_EXPECT = ("zero", "falling", "steady")
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD")
DEFAULT_SEVERITIES = ("SEV1", "SEV2", "SEV3", "SEV4")


class ConfigError(Exception):
    """The configuration cannot be used; `problems` says every reason."""

    def __init__(self, filename: str, problems: list[Problem]) -> None:
        self.filename = filename
        self.problems = problems
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        return [p.render(self.filename) for p in self.problems]


# --- the configuration ---------------------------------------------------------------
# NamedTuples rather than frozen dataclasses: as immutable, and defining ~20 of them costs
# a fraction of the start-up time (a dataclass compiles its methods at import).


class IncidentDefaults(NamedTuple):
    """What a new incident starts with."""

    title: str
    service: str
    severities: tuple[str, ...]
    severity: str
    journal: Path
    update_interval: float
    lead: str | None = None
    secret_env: tuple[str, ...] = ()


class ErrorRateQuery(NamedTuple):
    name: str
    query: str
    warn: float
    critical: float
    #: "zero" reads a query that returns no series as 0 (only when no series means no errors).
    no_data: str | None = None


class PrometheusConfig(NamedTuple):
    url: str
    queries: tuple[ErrorRateQuery, ...]
    interval: float = 5.0
    timeout: float = 3.0
    backfill: float = 900.0
    token_env: str | None = None


class RedisInstance(NamedTuple):
    name: str
    url: str | None
    url_env: str | None
    interval: float = 2.0
    timeout: float = 2.0

    def resolve_url(self, environ: Mapping[str, str] = os.environ) -> str:
        """The URL to connect to; raises `LookupError` naming the unset variable."""
        if self.url is not None:
            return self.url
        assert self.url_env is not None
        value = environ.get(self.url_env)
        if not value:
            raise LookupError(f"environment variable {self.url_env} (redis.{self.name}.url_env) is not set")
        return value


class QueueConfig(NamedTuple):
    """One `[[queues]]` entry. Which keys a kind takes is the kind's own (cockpit.backends.queues)."""

    name: str
    redis: str | None  # the Redis instance, for the Redis kinds
    kind: str
    queue: str | None
    risky: bool = False
    stage: int = 1
    discover: bool = False
    prefix: str | None = None
    pause_key: str | None = None
    server: str | None = None  # the named server of the kind's channel ([rabbitmq.X], [databases.X], [sqs.X])
    options: Any = None  # the kind's own frozen options
    #: A command (no shell) that pauses / resumes the queue's workers, for systems without a pause.
    pause_argv: tuple[str, ...] = ()
    resume_argv: tuple[str, ...] = ()
    age_warn: float = 60.0  # the oldest waiting job's age that reads "slow", then "STUCK"
    age_critical: float = 300.0

    @property
    def where(self) -> str:
        """The server it lives on, for messages: `redis 'jobs'`, `rabbitmq 'main'`."""
        return f"redis {self.redis!r}" if self.redis else f"{self.server!r}"


class RegionConfig(NamedTuple):
    name: str
    backend: str
    interval: float = 5.0
    timeout: float = 2.0
    url: str | None = None
    url_env: str | None = None
    token_env: str | None = None
    project: str = "default"
    environment: str | None = None
    redis: str | None = None
    key: str | None = None
    write_method: str = "PUT"


class FlagConfig(NamedTuple):
    name: str
    safe: bool
    regions: tuple[str, ...]
    description: str = ""
    #: "off": a flag absent from a region's store is off there. Unset: absent reads `missing`.
    missing: str | None = None


class SuspectQuery(NamedTuple):
    name: str
    sql: str
    expect: str = "zero"
    #: With expect = "falling": the count at or under which the data counts as correct.
    target: float | None = None


class PostgresConfig(NamedTuple):
    readonly_dsn_env: str
    repair_dsn_env: str | None
    interval: float = 15.0
    statement_timeout: float = 2.0
    connect_timeout: float = 3.0
    suspects: tuple[SuspectQuery, ...] = ()


class CheckStep(NamedTuple):
    name: str
    url: str
    method: str = "GET"
    expect_status: int = 200
    expect_text: str | None = None
    budget: float = 1.0
    json: str | None = None
    form: tuple[tuple[str, str], ...] = ()
    form_env: tuple[tuple[str, str], ...] = ()


class CheckConfig(NamedTuple):
    name: str
    steps: tuple[CheckStep, ...]
    interval: float = 30.0
    timeout: float = 5.0


class RevertAction(NamedTuple):
    argv: tuple[str, ...] = ()
    webhook_url: str | None = None
    webhook_url_env: str | None = None
    webhook_token_env: str | None = None
    method: str = "POST"
    timeout: float = 600.0


class MaintenanceSwitch(NamedTuple):
    flag: str
    on_value: bool = True


class CacheTarget(NamedTuple):
    name: str
    redis: str | None = None
    pattern: str | None = None
    purge_url: str | None = None
    method: str = "POST"
    batch: int = 500


class RepairStatement(NamedTuple):
    name: str
    preview: str
    sql: str
    marks_review: bool = False


class RepairScript(NamedTuple):
    name: str
    reviewed_by: str
    statements: tuple[RepairStatement, ...]
    max_rows: int = 10_000
    statement_timeout: float = 30.0


class RestartPolicy(NamedTuple):
    settle: float = 30.0
    max_error_rate: float | None = None


class UpdateTemplates(NamedTuple):
    status: str
    customer: str
    webhook_url_env: str | None = None
    timeout: float = 5.0


class ActionsConfig(NamedTuple):
    revert: RevertAction | None = None
    maintenance: MaintenanceSwitch | None = None
    caches: tuple[CacheTarget, ...] = ()
    repairs: tuple[RepairScript, ...] = ()
    restart: RestartPolicy = RestartPolicy()
    updates: UpdateTemplates | None = None


class GateConfig(NamedTuple):
    """The "service restored" gate: every condition must hold for `window` seconds."""

    window: float = 600.0
    max_error_rate: float = 0.01
    checks_pass: bool = True
    suspects_not_rising: bool = True
    queues_draining: bool = True
    max_queue_depth: int | None = None


class SharedConfig(NamedTuple):
    """Several cockpits on one incident: the journal mirrored through a Redis stream."""

    redis: str
    incident: str
    lock_ttl: float = 15.0
    join: bool = False


class NotifyConfig(NamedTuple):
    """`[notify]`: how the cockpit gets attention (BEL, OSC 9 desktop notification) and for which events."""

    bell: bool = True
    osc9: bool = True
    gate: bool = True
    guard: bool = True
    unreachable: bool = True
    update_due: bool = True


class Config(NamedTuple):
    """A validated cockpit configuration."""

    incident: IncidentDefaults
    prometheus: PrometheusConfig | None = None
    redis: tuple[RedisInstance, ...] = ()
    queues: tuple[QueueConfig, ...] = ()
    regions: tuple[RegionConfig, ...] = ()
    flags: tuple[FlagConfig, ...] = ()
    postgres: PostgresConfig | None = None
    checks: tuple[CheckConfig, ...] = ()
    actions: ActionsConfig = ActionsConfig()
    gate: GateConfig = GateConfig()
    shared: SharedConfig | None = None
    source: Path | None = None
    notify: NotifyConfig = NotifyConfig()
    #: Servers of the queue channels beyond Redis ([rabbitmq.X], [databases.X], [sqs.X]).
    queue_servers: tuple[Any, ...] = ()

    def secret_env_names(self) -> tuple[str, ...]:
        """Every environment variable whose value must never be written anywhere."""
        names: list[str] = list(self.incident.secret_env)
        names += [r.url_env for r in self.redis if r.url_env]
        names += [n for r in self.regions for n in (r.url_env, r.token_env) if n]
        if self.prometheus and self.prometheus.token_env:
            names.append(self.prometheus.token_env)
        if self.postgres:
            names += [n for n in (self.postgres.readonly_dsn_env, self.postgres.repair_dsn_env) if n]
        revert = self.actions.revert
        if revert:
            names += [n for n in (revert.webhook_url_env, revert.webhook_token_env) if n]
        names += [env for check in self.checks for step in check.steps for _, env in step.form_env]
        if self.actions.updates and self.actions.updates.webhook_url_env:
            names.append(self.actions.updates.webhook_url_env)
        names += [n for server in self.queue_servers for n in server.secret_envs()]
        return tuple(dict.fromkeys(names))

    def redis_named(self, name: str) -> RedisInstance:
        return next(r for r in self.redis if r.name == name)

    def queue_server(self, queue: QueueConfig) -> Any:
        """The server a queue lives on: a `RedisInstance` or a channel's `ServerConfig`."""
        if queue.redis:
            return self.redis_named(queue.redis)
        return next(s for s in self.queue_servers if s.name == queue.server and s.channel == _channel_of(queue.kind))


def _channel_of(kind: str) -> str:
    from cockpit.backends.queues.registry import kind as queue_kind

    return str(queue_kind(kind).channel)


# --- loading -------------------------------------------------------------------------


def load(path: str | Path) -> Config:
    """Read and validate a config file; raises `ConfigError` with every problem found."""
    path = Path(path)
    filename = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(filename, [Problem("", f"cannot read the file: {exc.strerror or exc}")]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(filename, [Problem("", f"is not UTF-8 text ({exc.reason} at byte {exc.start})")]) from None
    return loads(text, filename, base_dir=path.parent)


def loads(text: str, filename: str = "<config>", base_dir: Path | None = None) -> Config:
    """Validate TOML text; `base_dir` anchors relative paths (the journal)."""
    import tomllib  # only a config run parses TOML; the drill starts without it

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(filename, [Problem("", f"TOML syntax error: {exc}")]) from None
    return from_data(data, filename, base_dir)


def from_data(data: dict[str, Any], filename: str = "<config>", base_dir: Path | None = None) -> Config:
    """Validate parsed TOML; raises `ConfigError` with one line per problem, never anything else."""
    problems = Problems()
    try:
        config = _read_config(Table(data, "", problems), base_dir or Path.cwd())
    except Exception as exc:  # noqa: BLE001 - a validator bug must still end in one line, not a traceback
        problems.add(
            "", f"could not be validated: {type(exc).__name__}: {str(exc)[:120]} (a cockpit bug: please report)"
        )
        config = None
    if problems:
        raise ConfigError(filename, list(problems))
    assert config is not None
    return config


def _read_config(root: Table, base_dir: Path) -> Config | None:
    incident = _read_incident(root.table("incident", required=True), base_dir)
    redis = _read_redis(root)
    redis_names = [r.name for r in redis]
    prometheus = _read_prometheus(root.table("prometheus"))
    queue_servers = _read_queue_servers(root)
    queues = _read_queues(root.tables("queues"), redis_names, queue_servers)
    regions = _read_regions(root, redis_names)
    region_names = [r.name for r in regions]
    flags = _read_flags(root.tables("flags"), region_names)
    postgres = _read_postgres(root.table("postgres"))
    checks = _read_checks(root.tables("checks"))
    actions = _read_actions(root.table("actions"), redis_names, [f.name for f in flags], postgres)
    gate = _read_gate(root.table("gate"))
    shared = _read_shared(root.table("shared"), redis_names)
    notify = _read_notify(root.table("notify"))
    root.finish()
    if incident is None:
        return None
    return Config(
        incident,
        prometheus,
        redis,
        queues,
        regions,
        flags,
        postgres,
        checks,
        actions,
        gate,
        shared,
        notify=notify,
        queue_servers=queue_servers,
    )


def _read_notify(t: Table | None) -> NotifyConfig:
    if t is None:
        return NotifyConfig()
    notify = NotifyConfig(*(t.bool(name, True) for name in NotifyConfig._fields))
    t.finish()
    return notify


def _read_shared(t: Table | None, redis_names: list[str]) -> SharedConfig | None:
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


def _read_incident(t: Table | None, base_dir: Path) -> IncidentDefaults | None:
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


def _read_prometheus(t: Table | None) -> PrometheusConfig | None:
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


def _read_redis(root: Table) -> tuple[RedisInstance, ...]:
    result = []
    for name, t in root.named_tables("redis"):
        url = t.url("url", schemes=("redis", "rediss", "unix"))
        url_env = t.env_name("url_env")
        if ("url" in t.data) == ("url_env" in t.data):
            t.error("url", "set exactly one of url or url_env")
        result.append(RedisInstance(name, url, url_env, t.duration("interval", 2.0), t.duration("timeout", 2.0)))
        t.finish()
    return tuple(result)


def _read_queue_servers(root: Table) -> tuple[Any, ...]:
    """The named servers of each queue channel with its own section ([rabbitmq.X], ...)."""
    from cockpit.backends.queues.base import ServerConfig
    from cockpit.backends.queues.registry import CHANNELS

    result = []
    for channel in CHANNELS.values():
        if channel.section is None:
            continue
        for name, t in root.named_tables(channel.section):
            result.append(
                ServerConfig(
                    name, channel.name, t.duration("interval", 5.0), t.duration("timeout", 3.0), channel.read_server(t)
                )
            )
            t.finish()
    return tuple(result)


def _read_queues(
    entries: list[Table], redis_names: list[str], servers: tuple[Any, ...] = ()
) -> tuple[QueueConfig, ...]:
    """Each entry's keys are the common ones plus its kind's (asked of the registry), so an
    unknown key is reported against the kind that does not take it."""
    from cockpit.backends.queues.registry import CHANNELS, KINDS

    result = []
    for t in entries:
        kind_name = t.str("kind", required=True, choices=tuple(KINDS))
        kind = KINDS.get(kind_name)
        if kind is None:
            continue  # the other keys depend on the kind: nothing more to check
        channel = CHANNELS[kind.channel]
        discover = t.bool("discover")
        if discover and not kind.discovers:
            discoverable = ", ".join(k.name for k in KINDS.values() if k.discovers)
            t.error("discover", f"queue discovery is available for {discoverable}, not {kind_name}")
            discover = False
        queue = t.str("queue")
        where = t.name(channel.server_key, required=True)
        if channel.section is None:
            check_ref(t, channel.server_key, where, redis_names, "a Redis instance")
        else:
            names = [s.name for s in servers if s.channel == channel.name]
            check_ref(t, channel.server_key, where, names, f"a [{channel.section}.*] server")
        if not discover and queue is None and "name" not in t.data:
            t.error("queue", "is required unless discover = true" if kind.discovers else "is required")
        name = t.name("name", queue or (f"{kind_name}@{where}" if discover else None))
        pause_argv, resume_argv = t.str_list("pause_argv", nonempty=True), t.str_list("resume_argv", nonempty=True)
        if bool(pause_argv) != bool(resume_argv):
            t.error("resume_argv" if pause_argv else "pause_argv", "set pause_argv and resume_argv together")
        result.append(
            QueueConfig(
                name=name,
                redis=where if channel.section is None else None,
                kind=kind_name,
                queue=queue or (None if discover else name),
                risky=t.bool("risky"),
                stage=t.int("stage", 1, minimum=1, maximum=99),
                discover=discover,
                prefix=t.str("prefix") if "prefix" in kind.keys else None,
                pause_key=t.str("pause_key") if channel.section is None else None,
                server=None if channel.section is None else where,
                options=kind.read_options(t),
                pause_argv=pause_argv,
                resume_argv=resume_argv,
                age_warn=t.duration("age_warn", 60.0),
                age_critical=t.duration("age_critical", 300.0),
            )
        )
        takes = sorted(t.known() - (set() if kind.discovers else {"discover"}))
        t.finish(f" (a {kind_name} queue takes: {', '.join(takes)})")
    check_unique(entries, "name", [q.name for q in result], "queue name")
    return tuple(result)


def _read_regions(root: Table, redis_names: list[str]) -> tuple[RegionConfig, ...]:
    result = []
    for name, t in root.named_tables("regions"):
        backend = t.str("backend", required=True, choices=FLAG_BACKENDS)
        region = RegionConfig(
            name=name,
            backend=backend,
            interval=t.duration("interval", 5.0),
            timeout=t.duration("timeout", 2.0),
            url=t.url("url"),
            url_env=t.env_name("url_env"),
            token_env=t.env_name("token_env"),
            project=t.str("project", "default"),
            environment=t.str("environment"),
            redis=t.name("redis"),
            key=t.str("key"),
            write_method=t.str("write_method", "PUT", choices=("PUT", "POST", "PATCH")),
        )
        if backend in ("unleash", "http-json") and region.url is None and region.url_env is None:
            t.error("url", f"is required for the {backend} backend (or url_env)")
        if backend == "unleash" and region.environment is None:
            t.error("environment", "is required for the unleash backend (an Unleash environment, e.g. production)")
        if backend == "redis-hash":
            if region.redis is None:
                t.error("redis", "is required for the redis-hash backend")
            check_ref(t, "redis", region.redis, redis_names, "a Redis instance")
            if region.key is None:
                t.error("key", "is required for the redis-hash backend (the hash holding flag values)")
        result.append(region)
        t.finish()
    return tuple(result)


def _read_flags(entries: list[Table], region_names: list[str]) -> tuple[FlagConfig, ...]:
    result = []
    for t in entries:
        # No list (or an empty one) means every region: a flag that lives nowhere cannot be made safe.
        regions = t.str_list("regions", tuple(region_names)) or tuple(region_names)
        for region in regions:
            check_ref(t, "regions", region, region_names, "a region")
        safe = t.bool("safe", False) if t.has("safe") else None
        if safe is None:
            t.error("safe", "is required (the value every region must have when the flag is safe: true or false)")
        result.append(
            FlagConfig(
                t.name("name", required=True),
                bool(safe),
                regions,
                t.str("description", ""),
                t.str("missing", choices=("off",)),
            )
        )
        t.finish()
    check_unique(entries, "name", [f.name for f in result], "flag name")
    return tuple(result)


def _read_postgres(t: Table | None) -> PostgresConfig | None:
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


def _read_checks(entries: list[Table]) -> tuple[CheckConfig, ...]:
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


def _read_actions(
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


def _read_gate(t: Table | None) -> GateConfig:
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
