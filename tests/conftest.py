"""Fixtures: real servers started by the harness itself (never the machine's own).

The suite runs on several pytest-xdist workers (pyproject.toml), and a session fixture runs
once per worker: each worker starts its own servers on free loopback ports (a server class
in tests/servers.py launches through `on_a_free_port`, which retries when a parallel worker
won the race for a port). Within a worker, tests share the server and isolate by data: a
fresh database per test (`pg_dsn`), a flushed Redis (`redis_url`). To add a server: a class
with start/stop_process/stop in servers.py, a session fixture here, and a per-test fixture
if tests need throwaway data in it.
"""

from __future__ import annotations

import fcntl
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.servers import (
    MetricsExporter,
    MotoServer,
    PostgresServer,
    PrometheusServer,
    RabbitMQServer,
    RedisServer,
    UnleashServer,
    select_only_dsn,
)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture
def pg_dsn(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh, empty database for one test, dropped afterwards."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server.dsn(), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield postgres_server.dsn(name)
    with psycopg.connect(postgres_server.dsn(), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_ro_dsn(pg_dsn: str) -> str:
    """The same fresh database as `pg_dsn`, through a SELECT-only role (for suspect queries)."""
    return select_only_dsn(pg_dsn)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> Iterator[str]:
    """The session Redis, emptied after each test."""
    import redis

    yield redis_server.url
    if redis_server.proc is None:  # a test stopped it; bring it back for the next one
        redis_server.start()
    client = redis.Redis.from_url(redis_server.url)
    client.flushall()
    client.close()


@pytest.fixture(scope="session")
def metrics_exporter() -> Iterator[MetricsExporter]:
    exporter = MetricsExporter().start()
    yield exporter
    exporter.stop()


@pytest.fixture(scope="session")
def prometheus_server(metrics_exporter: MetricsExporter) -> Iterator[PrometheusServer]:
    server = PrometheusServer([f"127.0.0.1:{metrics_exporter.port}"]).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def unleash_server(postgres_server: PostgresServer) -> Iterator[UnleashServer]:
    server = UnleashServer(postgres_server).start()
    yield server
    server.stop()


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def rabbitmq_server(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[RabbitMQServer]:
    """One RabbitMQ node for the whole run, shared by the xdist workers (an Erlang node takes
    ~10-20 s of CPU to boot): the first worker starts it, the last one to finish stops it."""
    if worker_id == "master":
        server = RabbitMQServer().start()
        yield server
        server.stop()
        return
    shared = tmp_path_factory.getbasetemp().parent
    lock, state = shared / "rabbitmq.lock", shared / "rabbitmq.json"
    with _locked(lock):
        described = json.loads(state.read_text()) if state.exists() else None
        if described is None:
            server = RabbitMQServer().start()
            described = {**server.describe(), "users": 0}
        else:
            server = RabbitMQServer.attach(described)
        described["users"] += 1
        state.write_text(json.dumps(described))
    yield server
    with _locked(lock):
        described = json.loads(state.read_text())
        described["users"] -= 1
        if described["users"] == 0:
            (server if server.proc is not None else RabbitMQServer.attach(described)).stop()
            state.unlink()
        else:
            state.write_text(json.dumps(described))


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    server = MotoServer().start()
    yield server
    server.stop()


#: The longest tests (`scripts/test --durations=30`), longest first. pytest-xdist's worksteal
#: hands each worker a contiguous third of the run and an idle worker steals from the *end*
#: of another's queue, so a long test left late in a queue is the run's tail. Each of these
#: goes to the front of a worker's queue instead, round robin; the rest keep their order.
LONGEST_FIRST = (
    "tests/test_e2e_runbook.py::test_whole_runbook_on_real_systems",
    "tests/test_step_lock_race.py::test_two_acts_of_one_step_never_both_execute",
    "tests/test_drill_tui.py::test_whole_runbook_in_the_right_order_walks_the_gate_to_restored",
    "tests/test_journal_hardening.py::test_seq_is_never_reused_while_another_process_appends",
    "tests/test_packaging.py::test_a_wheel_installs_no_top_level_panels",
    "tests/test_actions_live.py::test_every_action_dry_run_changes_nothing",
    "tests/test_secrets_and_urls.py::test_no_output_channel_prints_the_token_of_a_secret_url",
    "tests/test_guards_actions.py::test_a_revert_with_a_watch_period_holds_or_halts_on_the_error_rate",
    "tests/test_guards.py::test_a_staged_restart_halts_when_the_error_rate_rises_mid_restart",
    "tests/test_notify.py::test_the_status_update_falling_due_signals_once",
    "tests/term/test_notify_pty.py::test_a_real_gate_change_from_the_drill_rings_once",
    "tests/test_close_resume.py::test_headless_the_session_evaluates_and_journals_the_gate_like_the_screen",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    workers = int(getattr(config, "workerinput", {}).get("workercount", 0))
    if workers < 2:
        return
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}

    def rank_of(item: pytest.Item) -> int | None:
        return rank.get(item.nodeid.split("[", 1)[0])

    longest = sorted((i for i in items if rank_of(i) is not None), key=lambda i: rank_of(i) or 0)
    rest = [i for i in items if rank_of(i) is None]
    queues: list[list[pytest.Item]] = [[] for _ in range(workers)]
    for n, item in enumerate(longest):
        queues[n % workers].append(item)
    total, taken = len(items), 0
    for w, queue in enumerate(queues):  # worksteal's split: int(w * total / workers) onwards
        size = int((w + 1) * total / workers) - int(w * total / workers)
        need = max(0, size - len(queue))
        queue.extend(rest[taken : taken + need])
        taken += need
    queues[-1].extend(rest[taken:])
    items[:] = [item for queue in queues for item in queue]
