"""`cockpit run` draws its first frame before loading the backends' client libraries
(~150 ms of imports): building the live sources and actions and the app loads none of them;
the first read does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CLIENT_LIBRARIES = ("psycopg", "redis", "requests", "httpx", "prometheus_api_client")

CONFIG = """
[incident]
title = "imports"
service = "checkout"
[prometheus]
url = "http://127.0.0.1:9"
[[prometheus.queries]]
name = "checkout 5xx ratio"
query = 'sum(rate(http_requests_total{code=~"5.."}[5s]))'
[redis.jobs]
url = "redis://127.0.0.1:9"
[[queues]]
name = "payment-retry"
redis = "jobs"
kind = "rq"
queue = "payment_retry"
risky = true
[regions.eu-west]
backend = "redis-hash"
redis = "jobs"
key = "flags:eu-west"
[[flags]]
name = "new_checkout"
safe = false
[postgres]
readonly_dsn_env = "BENCH_PG"
[[postgres.suspects]]
name = "paid without capture"
sql = "SELECT count(*) FROM orders"
"""

PROBE = """
import sys
from cockpit.cli.common import load_config
from cockpit.wiring import build_live
import cockpit.ui.app, cockpit.core.session, cockpit.cli.tui, cockpit.cli.run
backends = build_live(load_config(sys.argv[1]))
assert not backends.local_reads  # so the app starts reading only after the first frame
print(" ".join(m for m in sys.argv[2:] if m in sys.modules))
"""


def test_no_client_library_is_loaded_before_the_first_read(tmp_path: Path) -> None:
    config = tmp_path / "live.toml"
    config.write_text(CONFIG)
    loaded = subprocess.run(
        [sys.executable, "-c", PROBE, str(config), *CLIENT_LIBRARIES],
        capture_output=True,
        text=True,
        check=True,
        env={"BENCH_PG": "postgresql://x@127.0.0.1:9/x", "PATH": "/usr/bin:/bin"},
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert loaded.stdout.split() == [], f"loaded before the first read: {loaded.stdout.strip()}"


DRILL_PROBE = """
import sys
from cockpit.cli.release_args import Derived
from cockpit.drill.release import drill_release, drill_release_config
from cockpit.wiring import build_drill
import cockpit.ui.app, cockpit.core.session, cockpit.cli.tui, cockpit.cli.drill
config = drill_release_config()
release = Derived(drill_release(config), config)
build_drill(seed=7, speed=1.0, config=config, steps=release.steps)
print(" ".join(m for m in sys.argv[1:] if m in sys.modules))
"""

#: The drill's queues are rq and celery: the other kinds' modules, and what the first frame
#: needs from nowhere (the release file is a plain path), wait until something names them.
NOT_FOR_THE_DRILL = (
    *(
        f"cockpit.backends.queues.{m}"
        for m in ("sidekiq", "bullmq", "plain", "rabbitmq", "procrastinate", "pgboss", "graphile_worker")
    ),
    *(f"cockpit.backends.queues.{m}" for m in ("solid_queue", "river", "sql", "sqs", "postgres_channel")),
    "zipfile",
    *CLIENT_LIBRARIES,
    # The live actions and the outcome records: reading the release file needs only each
    # kind's release entry; an action's module loads when something builds it.
    *(f"cockpit.actions.{m}" for m in ("cache", "flags", "queues", "release", "repair", "restart", "outcome")),
    "cockpit.actions.data_long",
    "cockpit.backends.prometheus",
    # The outcome records every action returns, and the runner with its checks, approvals
    # and guarded runs: loaded when an action runs. The Lua scripts (and hashlib): on a Redis read.
    "cockpit.actions.data",
    "cockpit.core.action_runner",
    "cockpit.core.undo_verify",
    "cockpit.core.approvals",
    "cockpit.core.guarded_run",
    "cockpit.backends.queues.scripts",
    "hashlib",
)


def test_the_drill_loads_only_its_own_queue_kinds_before_the_first_frame() -> None:
    loaded = subprocess.run(
        [sys.executable, "-c", DRILL_PROBE, *NOT_FOR_THE_DRILL],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin"},
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert loaded.stdout.split() == [], f"loaded before the drill's first frame: {loaded.stdout.strip()}"
