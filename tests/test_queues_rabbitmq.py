"""RabbitMQ queues against a private rabbitmq-server node (management plugin) and a real Celery
worker consuming from it: figures equal what RabbitMQ's own client reports, one request per
vhost per tick, a paused Celery consumer takes no new message, bad credentials are named."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from cockpit.backends.queues.source import build_queue_sources
from cockpit.config import loads
from cockpit.core.polling import Poller
from cockpit.core.readings import QUEUES, Board, Freshness
from cockpit.core.timebase import Timebase
from cockpit.wiring import build_live
from tests.servers import RabbitMQServer, kill_tree

pytestmark = pytest.mark.servers
ROOT = Path(__file__).resolve().parent.parent


def rabbit_config(server: RabbitMQServer, queues: str, *, password_env: str = "RABBIT_PW", extra: str = "") -> str:
    return f'''
[incident]
title = "t"
service = "s"
[rabbitmq.main]
url = "{server.api_url}"
user = "guest"
password_env = "{password_env}"
broker_url_env = "RABBIT_AMQP"
interval = "1s"
timeout = "3s"
{extra}
{queues}
'''


def queue(name: str, vhost: str = "/") -> str:
    return f'[[queues]]\nname = "{name}"\nkind = "rabbitmq"\nrabbitmq = "main"\nvhost = "{vhost}"\nqueue = "{name}"\n'


def env_for(server: RabbitMQServer) -> dict[str, str]:
    return {"RABBIT_PW": "guest", "RABBIT_AMQP": server.amqp_url}


def own_counts(server: RabbitMQServer, name: str, vhost: str = "/") -> tuple[int, int]:
    """(ready, consumers) as RabbitMQ's own AMQP client sees them (a passive declare)."""
    from kombu import Connection

    url = server.amqp_url[:-1] + ("" if vhost == "/" else vhost)
    with Connection(url) as conn:
        _, ready, consumers = conn.default_channel.queue_declare(queue=name, passive=True)
    return ready, consumers


def api(server: RabbitMQServer, method: str, path: str, **kw) -> httpx.Response:
    response = httpx.request(method, f"{server.api_url}{path}", auth=("guest", "guest"), timeout=10, **kw)
    response.raise_for_status()
    return response


async def until(predicate, timeout: float = 30.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = await predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached within {timeout:g} s (last: {value!r})")
        await asyncio.sleep(0.2)


@pytest.fixture(scope="module")
def rabbit(rabbitmq_server: RabbitMQServer) -> RabbitMQServer:
    api(rabbitmq_server, "PUT", "/api/vhosts/shop")
    api(rabbitmq_server, "PUT", "/api/permissions/shop/guest", json={"configure": ".*", "write": ".*", "read": ".*"})
    return rabbitmq_server


async def test_depth_in_flight_and_oldest_age_equal_rabbitmqs_own_figures(rabbit: RabbitMQServer) -> None:
    from kombu import Connection, Exchange, Producer, Queue

    started = time.time()
    with Connection(rabbit.amqp_url) as conn:
        channel = conn.channel()
        for name in ("orders", "invoices"):
            Queue(name, Exchange(""), routing_key=name, channel=channel).declare()
        producer = Producer(channel)
        for i in range(7):
            producer.publish({"n": i}, routing_key="orders", timestamp=int(started) - 120)
        for i in range(3):
            producer.publish({"n": i}, routing_key="invoices")
        # A consumer that takes two orders and does not acknowledge them: two in flight.
        consumer_conn = Connection(rabbit.amqp_url)
        held = []
        consumer_channel = consumer_conn.channel()
        consumer_channel.basic_qos(0, 2, False)
        consumer_channel.basic_consume("orders", callback=held.append)
        while len(held) < 2:
            consumer_conn.drain_events(timeout=5)
    with Connection(rabbit.amqp_url[:-1] + "shop") as conn:
        Queue("refunds", Exchange(""), routing_key="refunds", channel=conn.channel()).declare()
        Producer(conn.channel()).publish({"n": 1}, routing_key="refunds")
    cfg = loads(
        rabbit_config(
            rabbit, queue("orders") + queue("invoices") + queue("refunds", "shop") + queue("missing", "nowhere")
        )
    )
    [source] = build_queue_sources(cfg, env_for(rabbit))
    try:

        async def settled():
            got = {r.name: r for r in await source.read()}
            ready, _ = own_counts(rabbit, "orders")
            return (
                got
                if (
                    got["orders"].value == ready == 5
                    and got["orders"].detail.state.in_flight == 2
                    and got["invoices"].value == 3
                    and got["refunds"].value == 1
                )
                else None
            )

        requests_before = source.requests
        got = await until(settled, what="the management API's figures to settle")
        ticks = (source.requests - requests_before) // 3
        orders = got["orders"]
        assert orders.error is None and orders.detail.consumers == own_counts(rabbit, "orders")[1] == 1
        assert orders.detail.state.paused is False
        # The head message was published with a timestamp two minutes back: RabbitMQ reports it.
        assert 118 <= orders.detail.state.oldest_age <= 120 + (time.time() - started) + 2
        assert (
            got["invoices"].detail.state.in_flight == 0 and got["invoices"].detail.state.paused is True
        )  # no consumer
        assert got["invoices"].detail.state.failed is None  # RabbitMQ keeps no failed count: unknown, not 0
        assert got["missing"].error == "vhost 'nowhere' does not exist on " + rabbit.api_url
        assert got["orders"].error is None  # the bad vhost marks only its own queue
        # One request per vhost per tick (three vhosts here), whatever the number of queues.
        before = source.requests
        await source.read()
        assert source.requests - before == 3 and ticks >= 1
    finally:
        await source.close()
        consumer_conn.close()


async def test_wrong_password_and_unreachable_are_named_and_other_queues_keep_updating(
    rabbit: RabbitMQServer, redis_url: str
) -> None:
    import redis

    redis.Redis.from_url(redis_url).rpush("legacy", "a", "b")
    text = (
        rabbit_config(
            rabbit,
            queue("orders"),
            extra=f'[redis.jobs]\nurl = "{redis_url}"\n[rabbitmq.down]\nurl = "http://127.0.0.1:9"\ntimeout = "1s"\n',
        )
        + '[[queues]]\nname = "legacy"\nkind = "list"\nredis = "jobs"\n'
        + '[[queues]]\nname = "elsewhere"\nkind = "rabbitmq"\nrabbitmq = "down"\n'
    )
    cfg = loads(text)
    board = Board()
    sources = build_queue_sources(cfg, {"RABBIT_PW": "not-the-password"})
    pollers = [Poller(s, board, Timebase()) for s in sources]
    try:
        for poller in pollers:
            await poller.tick()
        assert board.freshness(QUEUES, "orders") is Freshness.UNREACHABLE
        assert (
            "RabbitMQ refused user 'guest' (HTTP 401): wrong user or password"
            in dict(board.slots(QUEUES))["orders"].latest.error
        )
        assert board.freshness(QUEUES, "elsewhere") is Freshness.UNREACHABLE
        assert (
            "RabbitMQ management API at http://127.0.0.1:9 unreachable"
            in dict(board.slots(QUEUES))["elsewhere"].latest.error
        )
        assert board.freshness(QUEUES, "legacy") is Freshness.OK and board.value(QUEUES, "legacy") == 2.0
    finally:
        for source in sources:
            await source.close()


async def test_pausing_a_celery_consumer_on_rabbitmq_stops_new_messages(rabbit: RabbitMQServer, tmp_path: Path) -> None:
    from cockpit.core.session import Session
    from cockpit.incident.journal import Journal, Operator

    env = {**os.environ, "PYTHONPATH": str(ROOT), "CELERY_BROKER_URL": rabbit.amqp_url}
    worker = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "celery"),
            "-A",
            "tests.celery_app",
            "worker",
            "-Q",
            "emails,control",
            "--concurrency",
            "1",
            "--pool",
            "solo",
            "-n",
            "rabbit-mailer@%h",
            "--without-mingle",
            "--without-gossip",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    cfg = loads(rabbit_config(rabbit, queue("emails").replace('queue = "emails"', 'queue = "emails"\nrisky = true')))
    session = Session(build_live(cfg, env_for(rabbit)), Journal.open(tmp_path / "j.jsonl", Operator("alice")))
    from celery import Celery

    app = Celery("shop", broker=rabbit.amqp_url)  # the test's own node; not the shared app other tests point at Redis
    control = None
    try:
        deadline = time.monotonic() + 60
        while not (app.control.ping(timeout=0.5) or []) and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        assert own_counts(rabbit, "emails")[1] == 1  # the worker consumes
        action = session.actions["pause_risky"]
        preview = await action.preview()
        assert any("NOT durable" in w for w in preview.warnings)

        async def yes(p):
            return p

        outcome = await session.run_action("pause_risky", yes)
        assert outcome.status == "done", outcome.message
        assert "rabbitmq pause is not durable (emails)" in outcome.message
        assert own_counts(rabbit, "emails")[1] == 0
        for i in range(4):
            app.send_task("shop.send_receipt", args=[i], queue="emails")
        # The worker still consumes its other queue: two pings, one after the other, are each
        # taken, and meanwhile no receipt is.
        for _ in range(2):
            app.send_task("shop.ping", queue="control")
            deadline = time.monotonic() + 30
            while own_counts(rabbit, "control")[0] and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            assert own_counts(rabbit, "control")[0] == 0, "the worker stopped consuming altogether"
        assert own_counts(rabbit, "emails") == (4, 0)
        control = session.backends.targeted("resume_queue", "emails")
        session.actions[control.name] = control
        assert (await session.run_action(control.name, yes)).status == "done"
        deadline = time.monotonic() + 30
        while own_counts(rabbit, "emails")[0] and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        assert own_counts(rabbit, "emails")[0] == 0
    finally:
        kill_tree(worker.pid)
        worker.wait(15)
        app.close()
        await session.backends.close()
