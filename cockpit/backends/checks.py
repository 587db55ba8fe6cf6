"""User-path checks over HTTP: multi-step, cookies carried between steps, each step with
its expected status, expected text and latency budget."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from cockpit.config import CheckConfig, CheckStep
from cockpit.core.details import CheckResult
from cockpit.core.readings import CHECKS, Clock, Reading, wall_clock


class CheckSource:
    kind = CHECKS

    def __init__(
        self,
        check: CheckConfig,
        environ: Mapping[str, str] | None = None,
        clock: Clock = wall_clock,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.check = check
        self.ident = f"check:{check.name}"
        self.interval = check.interval
        self.timeout = check.timeout * max(1, len(check.steps)) + 1.0
        self.clock = clock
        self._environ = environ if environ is not None else os.environ
        self._transport = transport

    def expected_names(self) -> Sequence[str]:
        return [f"{self.check.name}/{s.name}" for s in self.check.steps]

    async def read(self) -> list[Reading]:
        readings: list[Reading] = []
        # A fresh client per run: a new visitor with an empty cookie jar, like a real user.
        async with httpx.AsyncClient(
            timeout=self.check.timeout, follow_redirects=True, transport=self._transport
        ) as client:
            failed_before: str | None = None
            for step in self.check.steps:
                name = f"{self.check.name}/{step.name}"
                if failed_before is not None:
                    reason = f"not run: {failed_before!r} failed"
                    detail = CheckResult(
                        self.check.name, step.name, False, None, reason, step.budget, step.expect_status
                    )
                    readings.append(Reading(CHECKS, name, None, self.clock(), None, detail))
                    continue
                latency, ok, status, reason = await self._run_step(client, step)
                detail = CheckResult(self.check.name, step.name, ok, status, reason, step.budget, step.expect_status)
                readings.append(Reading(CHECKS, name, latency, self.clock(), None, detail))
                if not ok:
                    failed_before = step.name
        return readings

    async def _run_step(self, client: httpx.AsyncClient, step: CheckStep) -> tuple[float | None, bool, int | None, str]:
        kwargs: dict[str, Any] = {}
        if step.json is not None:
            kwargs["content"] = step.json.encode()
            kwargs["headers"] = {"Content-Type": "application/json"}
        elif step.form or step.form_env:
            form = dict(step.form)
            for field, env_name in step.form_env:
                value = self._environ.get(env_name)
                if value is None:
                    return None, False, None, f"environment variable {env_name} is not set"
                form[field] = value
            kwargs["data"] = form
        started = time.perf_counter()
        try:
            response = await client.request(step.method, step.url, **kwargs)
        except httpx.TimeoutException:
            return None, False, None, f"no answer within {self.check.timeout:g}s"
        except httpx.HTTPError as exc:
            return None, False, None, f"{type(exc).__name__}: {str(exc)[:80] or 'connection failed'}"
        latency = time.perf_counter() - started
        if response.status_code != step.expect_status:
            return latency, False, response.status_code, f"HTTP {response.status_code}, expected {step.expect_status}"
        if step.expect_text is not None and step.expect_text not in response.text:
            return latency, False, response.status_code, f"response lacks {step.expect_text!r}"
        if latency > step.budget:
            return (
                latency,
                False,
                response.status_code,
                f"over budget ({latency * 1000:.0f} ms > {step.budget * 1000:.0f} ms)",
            )
        return latency, True, response.status_code, ""

    async def close(self) -> None:
        return None
