"""The cockpit configuration: TOML in, immutable records out.

Every problem is collected (not just the first) and reported as
`FILE: key.path: what is wrong (got X)`. Secrets never appear in the file: keys ending
in `_env` name the environment variable that holds them.

The package, by job: `model` (the records, one per section), `load` (file -> `Config`),
`read_*` (one reader per group of sections), `reader` (the typed table reader that
collects problems), `errors`, `envcheck` (environment variables a config names).
"""

from __future__ import annotations

from cockpit.config.errors import ConfigError
from cockpit.config.load import from_data, load, loads
from cockpit.config.model import (
    DEFAULT_SEVERITIES,
    HTTP_METHODS,
    SUSPECT_EXPECT,
    ActionsConfig,
    CacheTarget,
    CheckConfig,
    CheckStep,
    Config,
    ErrorRateQuery,
    FlagConfig,
    GateConfig,
    IncidentDefaults,
    MaintenanceSwitch,
    NotifyConfig,
    PostgresConfig,
    PrometheusConfig,
    QueueConfig,
    RedisInstance,
    RegionConfig,
    RegionOptions,
    RepairScript,
    RepairStatement,
    RestartPolicy,
    RevertAction,
    SharedConfig,
    SuspectQuery,
    UpdateTemplates,
)

__all__ = [
    "DEFAULT_SEVERITIES",
    "HTTP_METHODS",
    "SUSPECT_EXPECT",
    "ActionsConfig",
    "CacheTarget",
    "CheckConfig",
    "CheckStep",
    "Config",
    "ConfigError",
    "ErrorRateQuery",
    "FlagConfig",
    "GateConfig",
    "IncidentDefaults",
    "MaintenanceSwitch",
    "NotifyConfig",
    "PostgresConfig",
    "PrometheusConfig",
    "QueueConfig",
    "RedisInstance",
    "RegionConfig",
    "RegionOptions",
    "RepairScript",
    "RepairStatement",
    "RestartPolicy",
    "RevertAction",
    "SharedConfig",
    "SuspectQuery",
    "UpdateTemplates",
    "from_data",
    "load",
    "loads",
]
