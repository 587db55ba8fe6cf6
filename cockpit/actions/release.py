"""Revert the release: a configured argv run WITHOUT a shell, its output streamed line by
line into the log, with exit status and duration; or an HTTP webhook and its answer.
With `watch`, the step's guard is watched that long after the revert before it counts as
done: a halt then says the release is reverted but the readings are bad (nothing else runs)."""

from __future__ import annotations

import asyncio
import shlex
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import replace

from cockpit.actions import Action, Preview, Progress, Result
from cockpit.actions.data_long import RevertRun
from cockpit.actions.guarded import Checkpoint, GuardStop, no_checkpoint
from cockpit.config import RevertAction
from cockpit.core.safe_text import visible

#: Output is read this many bytes at a time, the loop free between reads.
READ_CHUNK = 65536
#: A line with no end in sight is passed on in pieces this long (the runner redacts each
#: whole piece, then journals it in small entries: see Session's output stream).
MAX_LINE = 1 << 20


class RevertRelease(Action):
    name = "revert"
    title = "Revert the release"
    guarded = True

    def __init__(self, revert: RevertAction, environ: Mapping[str, str]) -> None:
        self.revert = revert
        self.environ = environ

    def _url(self) -> str:
        if self.revert.webhook_url:
            return self.revert.webhook_url
        value = self.environ.get(self.revert.webhook_url_env or "")
        if not value:
            raise LookupError(f"environment variable {self.revert.webhook_url_env} is not set")
        return value

    async def preview(self) -> Preview:
        if self.revert.argv:
            return Preview(
                self.name,
                self.title,
                (
                    f"run (no shell): {' '.join(self.revert.argv)}",
                    f"timeout {self.revert.timeout:g}s; output streams into the log",
                    *self._watch_line(),
                ),
            )
        return Preview(
            self.name,
            self.title,
            (
                f"{self.revert.method} the deploy webhook"
                f"{' (' + self.revert.webhook_url + ')' if self.revert.webhook_url else ''}",
                f"timeout {self.revert.timeout:g}s",
                *self._watch_line(),
            ),
        )

    def _watch_line(self) -> tuple[str, ...]:
        if self.revert.watch <= 0:
            return ()
        return (f"then watches the step's guard for {self.revert.watch:g}s before it counts as done",)

    async def execute(self, preview: Preview, progress: Progress) -> Result:
        return await self.execute_guarded(preview, progress, no_checkpoint)

    async def execute_guarded(self, preview: Preview, progress: Progress, checkpoint: Checkpoint) -> Result:
        try:
            await checkpoint("the revert")
        except GuardStop as stop:
            return Result(
                False,
                f"{stop.word} before the revert: {stop.reason}",
                state_left="nothing ran: the release is unchanged",
                data=RevertRun(guard=stop.word.lower()),
            )
        result = await (self._run_argv(progress) if self.revert.argv else self._call_webhook(progress))
        if result.ok and self.revert.watch > 0:
            result = await self._watch(result, progress, checkpoint)
        # The command log: exactly what was sent, so it can be done by hand if the cockpit cannot.
        run = result.data if isinstance(result.data, RevertRun) else RevertRun()
        return replace(result, data=replace(run, sent=(self._sent(),)))

    async def _watch(self, result: Result, progress: Progress, checkpoint: Checkpoint) -> Result:
        """The watch period: ask the guard on every fresh reading until `watch` has passed."""
        progress(f"watching the guard for {self.revert.watch:g}s after the revert")
        until = time.monotonic() + self.revert.watch
        try:
            while time.monotonic() < until:
                await checkpoint("the end of the watch period", fresh=True)
        except GuardStop as stop:
            run = result.data if isinstance(result.data, RevertRun) else RevertRun()
            return Result(
                False,
                f"{result.summary}; {stop.word} during the watch period: {stop.reason}",
                state_left="the release IS reverted, but the guard's readings are bad; nothing else was run",
                data=replace(run, guard=stop.word.lower()),
            )
        progress(f"the guard held for the whole watch period ({self.revert.watch:g}s)")
        return replace(result, summary=f"{result.summary}; the guard held for {self.revert.watch:g}s")

    def _sent(self) -> str:
        if self.revert.argv:
            return f"exec (no shell): {shlex.join(self.revert.argv)}"
        where = self.revert.webhook_url or f"${self.revert.webhook_url_env}"  # the secret URL stays in the env
        token = f" with Authorization from ${self.revert.webhook_token_env}" if self.revert.webhook_token_env else ""
        return f"{self.revert.method} {where}{token}"

    async def _run_argv(self, progress: Progress) -> Result:
        started = time.monotonic()
        try:
            proc = await asyncio.create_subprocess_exec(
                *self.revert.argv,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                stdin=asyncio.subprocess.DEVNULL,
            )
        except OSError as exc:
            return Result(
                False,
                f"could not start {self.revert.argv[0]}: {exc.strerror or exc}",
                state_left="nothing ran: the release is unchanged",
                data=RevertRun(command=True),
            )
        lines: deque[str] = deque(maxlen=20)

        def emit(line: str) -> None:
            line = visible(line.rstrip())  # the command's escapes are shown, not obeyed
            lines.append(line)
            progress(line)

        async def pump() -> None:
            assert proc.stdout is not None
            pending = b""
            # Not `async for line in stdout`: a line over 64 KiB would end the read with an error.
            while chunk := await proc.stdout.read(READ_CHUNK):
                pending += chunk
                *whole, pending = pending.split(b"\n")
                for raw in whole:
                    emit(raw.decode(errors="replace"))
                while len(pending) >= MAX_LINE:
                    emit(pending[:MAX_LINE].decode(errors="replace"))
                    pending = pending[MAX_LINE:]
                await asyncio.sleep(0)  # a flood of output never holds the loop (the screen answers keys)
            if pending:
                emit(pending.decode(errors="replace"))

        try:
            await asyncio.wait_for(asyncio.gather(pump(), proc.wait()), self.revert.timeout)
        except TimeoutError:
            proc.kill()
            await proc.wait()
            return Result(
                False,
                f"killed after {self.revert.timeout:g}s without finishing",
                state_left="unknown: the revert was interrupted part-way; check the deployment",
                data=RevertRun(command=True, duration_s=round(time.monotonic() - started, 3)),
            )
        duration = round(time.monotonic() - started, 3)
        data = RevertRun(command=True, exit_status=proc.returncode, duration_s=duration, output_tail=tuple(lines))
        if proc.returncode != 0:
            return Result(
                False,
                f"revert command exited {proc.returncode} after {duration:g}s",
                state_left="unknown: the command failed; read its output in the log before retrying",
                data=data,
            )
        return Result(True, f"revert command exited 0 after {duration:g}s", data=data)

    async def _call_webhook(self, progress: Progress) -> Result:
        started = time.monotonic()
        headers = {}
        if self.revert.webhook_token_env:
            token = self.environ.get(self.revert.webhook_token_env)
            if not token:
                return Result(
                    False,
                    f"environment variable {self.revert.webhook_token_env} is not set",
                    state_left="nothing was called: the release is unchanged",
                )
            headers["Authorization"] = f"Bearer {token}"
        import httpx  # only a webhook revert needs it

        try:
            async with httpx.AsyncClient(timeout=self.revert.timeout) as client:
                response = await client.request(self.revert.method, self._url(), headers=headers)
        except httpx.TimeoutException:
            return Result(
                False,
                f"the webhook did not answer within {self.revert.timeout:g}s",
                state_left="unknown: the deploy system may or may not have started the revert",
            )
        except (httpx.HTTPError, LookupError) as exc:
            return Result(False, f"webhook call failed: {exc}", state_left="the revert was not requested")
        duration = round(time.monotonic() - started, 3)
        progress(f"webhook answered HTTP {response.status_code}: {visible(response.text[:200])}")
        data = RevertRun(
            status=response.status_code, duration_s=duration, body=visible(response.text[:500], newlines=True)
        )
        if response.status_code >= 300:
            return Result(
                False, f"webhook answered HTTP {response.status_code}", state_left="the revert was refused", data=data
            )
        return Result(True, f"webhook answered HTTP {response.status_code} after {duration:g}s", data=data)

    async def verify(self, preview: Preview, executed: Result) -> Result:
        # The deploy tool's own exit status / answer is the evidence; the panels show the effect.
        return Result(executed.ok, "exit status 0" if executed.ok else "not confirmed", state_left=executed.state_left)
