"""Error rate from a real Prometheus scraping an exporter whose error ratio the test changes."""

from __future__ import annotations

import asyncio
import math
import time

import pytest

from cockpit.backends.prometheus import PrometheusSource
from cockpit.config import loads
from tests.http_apps import black_hole, closed_port, garbage_handler, serve

pytestmark = pytest.mark.servers

RATIO = (
    'sum(rate(http_requests_total{service="checkout",code=~"5.."}[5s]))'
    ' / sum(rate(http_requests_total{service="checkout"}[5s]))'
)


def source(url: str, query: str = RATIO, timeout: str = "2s") -> PrometheusSource:
    cfg = loads(f'''
[incident]
title = "t"
service = "checkout"
[prometheus]
url = "{url}"
timeout = "{timeout}"
interval = "1s"
backfill = "1m"
[[prometheus.queries]]
name = "checkout 5xx ratio"
query = \'\'\'{query}\'\'\'
''')
    return PrometheusSource(cfg.prometheus)


async def read_until(src: PrometheusSource, target: float, timeout: float = 45) -> float:
    deadline = time.monotonic() + timeout
    value = float("nan")
    while time.monotonic() < deadline:
        reading = (await src.read())[0]
        if isinstance(reading.value, float) and not math.isnan(reading.value):
            value = reading.value
            if abs(value - target) < 0.03:
                return value
        await asyncio.sleep(0.5)
    return value


async def test_panel_value_follows_the_exporters_error_ratio(prometheus_server, metrics_exporter) -> None:
    src = source(prometheus_server.url)
    try:
        metrics_exporter.set_error_ratio(0.10)
        assert await read_until(src, 0.10) == pytest.approx(0.10, abs=0.03)
        metrics_exporter.set_error_ratio(0.40)
        assert await read_until(src, 0.40) == pytest.approx(0.40, abs=0.03)
        history = await src.backfill()
        assert len(history["checkout 5xx ratio"]) > 3  # the sparkline is full from the first second
    finally:
        metrics_exporter.set_error_ratio(0.0)
        await src.close()


@pytest.mark.parametrize(
    "query, expected",
    [
        ("sum(rate(http_requests_total[5s]", "bad PromQL"),
        (
            'http_requests_total / on(service) group_left http_requests_total{code=~".*"} * on() group_right vector(1)',
            None,
        ),
    ],
)
async def test_bad_promql_is_a_readable_state(prometheus_server, query: str, expected: str | None) -> None:
    src = source(prometheus_server.url, query)
    try:
        reading = (await src.read())[0]
    finally:
        await src.close()
    assert reading.error is not None
    assert (expected or "") in reading.error
    assert "Traceback" not in reading.error


async def test_many_to_many_match_is_a_422_cannot_execute(prometheus_server, metrics_exporter) -> None:
    src = source(prometheus_server.url, "http_requests_total + on(service) http_requests_total")
    try:
        reading = (await src.read())[0]
    finally:
        await src.close()
    assert reading.error is not None and "cannot be executed" in reading.error


async def test_empty_result_and_nan_are_distinct_from_zero(prometheus_server) -> None:
    empty = source(prometheus_server.url, 'sum(rate(http_requests_total{service="nope"}[1m]))')
    nan = source(prometheus_server.url, "vector(0) / vector(0)")
    try:
        assert (await empty.read())[0].value == "no data"
        value = (await nan.read())[0].value
        assert isinstance(value, float) and math.isnan(value)
    finally:
        await empty.close()
        await nan.close()


async def test_down_slow_and_garbage_each_say_what_is_wrong() -> None:
    down = source(closed_port())
    try:
        assert "connection refused" in (await down.read())[0].error
    finally:
        await down.close()
    with black_hole() as url:
        slow = source(url, timeout="1s")
        started = time.monotonic()
        try:
            assert (await slow.read())[0].error == "no answer within 1s"
        finally:
            await slow.close()
        assert time.monotonic() - started < 5  # retries are off
    with serve(garbage_handler()) as url:
        garbage = source(url)
        try:
            assert "garbage reply" in (await garbage.read())[0].error
        finally:
            await garbage.close()
