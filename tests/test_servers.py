"""The harness's own servers really work (and are not the machine's standard ones)."""

from __future__ import annotations

import time

import httpx
import psycopg
import pytest
import redis

pytestmark = pytest.mark.servers


def test_postgres_table_created_and_queried(pg_dsn: str, postgres_server) -> None:
    assert postgres_server.port != 5432
    with psycopg.connect(pg_dsn) as conn:
        conn.execute("CREATE TABLE orders (id serial PRIMARY KEY, status text NOT NULL)")
        conn.execute("INSERT INTO orders (status) VALUES ('paid'), ('paid'), ('pending')")
        conn.commit()
        count = conn.execute("SELECT count(*) FROM orders WHERE status = 'paid'").fetchone()[0]
    assert count == 2


def test_redis_list_pushed_and_read(redis_url: str, redis_server) -> None:
    assert redis_server.port != 6379
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    client.rpush("rq:queue:payment_retry", "job-1", "job-2")
    assert client.llen("rq:queue:payment_retry") == 2
    assert client.lrange("rq:queue:payment_retry", 0, -1) == ["job-1", "job-2"]
    client.close()


def test_redis_can_be_stopped_and_restarted_on_the_same_port(redis_url: str, redis_server) -> None:
    port = redis_server.port
    redis_server.stop(remove=False)
    with pytest.raises(redis.ConnectionError):
        redis.Redis.from_url(redis_url, socket_timeout=1).ping()
    redis_server.start()
    assert redis_server.port == port
    assert redis.Redis.from_url(redis_url).ping()


def test_prometheus_returns_the_exporters_error_ratio(prometheus_server, metrics_exporter) -> None:
    metrics_exporter.set_error_ratio(0.25)
    query = (
        'sum(rate(http_requests_total{service="checkout",code=~"5.."}[5s]))'
        ' / sum(rate(http_requests_total{service="checkout"}[5s]))'
    )
    deadline = time.monotonic() + 45
    value = None
    while time.monotonic() < deadline:
        body = httpx.get(f"{prometheus_server.url}/api/v1/query", params={"query": query}, timeout=5).json()
        assert body["status"] == "success"
        result = body["data"]["result"]
        if result and result[0]["value"][1] not in ("NaN",):
            value = float(result[0]["value"][1])
            if abs(value - 0.25) < 0.03:
                break
        time.sleep(0.5)
    assert value == pytest.approx(0.25, abs=0.03)
