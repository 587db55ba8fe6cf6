"""The validated configuration: one immutable record per section."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple, Protocol

SUSPECT_EXPECT = ("zero", "falling", "steady")
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD")
DEFAULT_SEVERITIES = ("SEV1", "SEV2", "SEV3", "SEV4")

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


class RegionOptions(Protocol):
    """A flag provider's own region keys, as its module read them (its frozen record)."""

    def env_keys(self) -> tuple[tuple[str, str], ...]:
        """(key, variable) of each `*_env` key set: secrets never written, checked by preflight."""
        ...


class RegionConfig(NamedTuple):
    """One `[regions.NAME]`: where flags live. Which keys it takes beyond `backend`,
    `interval` and `timeout` is its provider's own (cockpit.backends.flags): `options`."""

    name: str
    backend: str
    options: RegionOptions
    interval: float = 5.0
    timeout: float = 2.0


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
    #: After the revert: watch the step's guard this long before calling it done (0: no watch).
    watch: float = 0.0


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


class ReleaseSettings(NamedTuple):
    """`[release]`: the release file this config recovers (relative to the config file), and
    whether every change (and the release) must name an owner / a backup."""

    file: Path | None = None
    require_owner: bool = False
    require_backup: bool = False


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
    release: ReleaseSettings = ReleaseSettings()

    def secret_env_names(self) -> tuple[str, ...]:
        """Every environment variable whose value must never be written anywhere."""
        names: list[str] = list(self.incident.secret_env)
        names += [r.url_env for r in self.redis if r.url_env]
        names += [n for r in self.regions for _, n in r.options.env_keys()]
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

    return queue_kind(kind).channel
