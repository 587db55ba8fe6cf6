"""Error rate from Prometheus: an instant query per configured PromQL each tick, and one
range query at start so the sparkline is full from the first second.

prometheus-api-client is blocking (requests), so it runs in this source's own single
thread with its own client; its retries are off (one 503 must not become four requests
and six seconds) and every request has an explicit timeout.
"""

from __future__ import annotations

import asyncio
import math
import os
import re
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from cockpit.config import ErrorRateQuery, PrometheusConfig
from cockpit.core.details import ErrorRateSample
from cockpit.core.readings import ERROR_RATE, Clock, Reading, wall_clock
from cockpit.core.source import ReadError

_STATUS = re.compile(r"HTTP Status Code (\d{3}) \((.*)\)$", re.S)


class PrometheusError(ReadError):
    """A query failed; the message is what the panel shows."""


def explain_failure(exc: BaseException, timeout: float) -> str:
    """A distinct, readable message for each way a query fails."""
    name = type(exc).__name__
    text = str(exc)
    if match := _STATUS.search(text):
        status, body = int(match.group(1)), match.group(2)
        detail = _prom_error(body)
        if status == 400:
            return f"bad PromQL: {detail}"
        if status == 422:
            return f"query cannot be executed: {detail}"
        if status == 503:
            return f"Prometheus timed out or is overloaded (HTTP 503): {detail}"
        return f"HTTP {status}: {detail}"
    if "Timeout" in name or "timed out" in text.lower():
        return f"no answer within {timeout:g}s"
    if "ConnectionError" in name or "Connection refused" in text:
        return "unreachable: connection refused"
    if isinstance(exc, (KeyError, ValueError, TypeError)):  # the client could not find data.result
        return f"garbage reply from Prometheus ({name}: {text[:60]})"
    return f"{name}: {text[:120]}"


def _prom_error(body: str) -> str:
    found = re.search(r'"error":"((?:[^"\\]|\\.)*)"', body)
    return (found.group(1) if found else body)[:140]


class PrometheusSource:
    kind = ERROR_RATE

    def __init__(
        self, config: PrometheusConfig, environ: Mapping[str, str] | None = None, clock: Clock = wall_clock
    ) -> None:
        self.config = config
        self.ident = "prometheus"
        self.interval = config.interval
        self.timeout = config.timeout + 0.5  # the client's own timeout fires first and says so precisely
        self.clock = clock
        self._environ = environ if environ is not None else os.environ
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="prometheus")
        self._client: Any = None
        self.requests = 0

    def expected_names(self) -> Sequence[str]:
        return [q.name for q in self.config.queries]

    def _connect(self) -> Any:
        # Created inside the worker thread: one requests.Session per thread, never shared.
        if self._client is None:
            from prometheus_api_client import PrometheusConnect
            from urllib3.util.retry import Retry

            headers = {}
            if self.config.token_env:
                token = self._environ.get(self.config.token_env)
                if not token:
                    raise PrometheusError(f"environment variable {self.config.token_env} is not set")
                headers["Authorization"] = f"Bearer {token}"
            self._client = PrometheusConnect(
                url=self.config.url,
                headers=headers or None,
                disable_ssl=False,
                retry=Retry(total=0, raise_on_status=False),
                timeout=self.config.timeout,
            )
        return self._client

    async def read(self) -> list[Reading]:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._read_all)

    def _read_all(self) -> list[Reading]:
        client = self._connect()
        readings = []
        for query in self.config.queries:
            readings.append(self._instant(client, query))
        return readings

    def _instant(self, client: Any, query: ErrorRateQuery) -> Reading:
        now = self.clock()
        detail = ErrorRateSample(query.warn, query.critical)
        self.requests += 1
        try:
            result = client.custom_query(query.query, params={"timeout": f"{self.config.timeout:g}s"})
        except Exception as exc:  # noqa: BLE001 - every failure becomes a readable panel state
            return Reading(ERROR_RATE, query.name, None, now, explain_failure(exc, self.config.timeout), detail)
        try:
            values = _series_values(result)
        except (TypeError, ValueError, KeyError, IndexError) as exc:
            return Reading(
                ERROR_RATE, query.name, None, now, f"garbage reply from Prometheus ({type(exc).__name__})", detail
            )
        if not values:
            if query.no_data == "zero":
                # Configured: this query returns no series exactly when there are no errors.
                detail = replace(detail, no_data=True, zero_when_no_data=True)
                return Reading(ERROR_RATE, query.name, 0.0, now, None, detail)
            # No series is not 0 %: the selector may match nothing (a renamed label, a dead
            # scrape). It reads NO DATA, and the gate's error-rate condition is not met.
            detail = replace(detail, no_data=True)
            return Reading(ERROR_RATE, query.name, "no data", now, None, detail)
        detail = replace(detail, series={label: v for label, v in values})
        numbers = [v for _, v in values if not math.isnan(v)]
        # NaN is 0/0: no requests at all, which is "no traffic", never "no errors".
        value = max(numbers) if numbers else float("nan")
        return Reading(ERROR_RATE, query.name, value, now, None, detail)

    async def backfill(self) -> dict[str, list[tuple[datetime, float]]]:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._backfill)

    def _backfill(self) -> dict[str, list[tuple[datetime, float]]]:
        client = self._connect()
        end = datetime.now(UTC)
        start = end - timedelta(seconds=self.config.backfill)
        step = max(1, int(self.config.backfill // 120))
        history: dict[str, list[tuple[datetime, float]]] = {}
        for query in self.config.queries:
            self.requests += 1
            result = client.custom_query_range(
                query.query,
                start_time=start,
                end_time=end,
                step=f"{step}s",
                params={"timeout": f"{self.config.timeout:g}s"},
            )
            points: dict[float, float] = {}
            for series in result:
                for ts, raw in series.get("values", []):
                    value = float(raw)
                    if not math.isnan(value):
                        points[float(ts)] = max(points.get(float(ts), 0.0), value)
            history[query.name] = [(datetime.fromtimestamp(ts, UTC), v) for ts, v in sorted(points.items())]
        return history

    async def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


def _series_values(result: Any) -> list[tuple[str, float]]:
    if not isinstance(result, list):
        raise TypeError("result is not a list")
    values = []
    for series in result:
        metric = series.get("metric", {})
        label = ",".join(f"{k}={v}" for k, v in sorted(metric.items())) or "value"
        values.append((label, float(series["value"][1])))
    return values
