"""Pause and resume job queues, the way each system itself does it, and read the result back.

What a pause does is the queue kind's (cockpit.backends.queues): rq's `rq:suspended`, BullMQ's
meta field, Sidekiq Pro's `paused` set, Celery's remote control, Solid Queue's pause row, an
SQS event-source mapping... or the kind says it has none and what to do instead, which the
preview shows. A configured `pause_key` (home-grown workers on Redis) takes precedence.
"""

from __future__ import annotations

import asyncio
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, SupportsInt

from cockpit.actions import Action, Preview, Progress, Result
from cockpit.actions.data import QueueCounts, QueuesPaused, QueuesStillRunning, Writes
from cockpit.actions.outcome import NOT_CHANGED, UNKNOWN, describe, write_outcome
from cockpit.backends.queues.base import CannotPause, Sent
from cockpit.backends.queues.registry import kind as queue_kind
from cockpit.config import Config, QueueConfig
from cockpit.core.details import queue_detail
from cockpit.core.readings import Reading
from cockpit.core.safe_text import visible


class QueueActionError(LookupError):
    """The queue cannot be paused or resumed this way; the message says why and what to do."""


@dataclass(frozen=True)
class LiveQueue:
    """What an action needs to know of one queue right now."""

    name: str
    depth: float | None
    in_flight: int | None
    paused: bool | None
    error: str | None


class QueueControl:
    """Reads and pauses the configured queues through the sources (one per server)."""

    def __init__(self, config: Config, environ: Mapping[str, str], sources: Sequence[Any] = ()) -> None:
        self.config = config
        self.environ = environ
        self._sources: dict[tuple[str, str], Any] = {}
        for source in sources:
            for queue in getattr(source, "queues", ()):
                self._sources.setdefault(self._where(queue), source)
        self._own: list[Any] = []

    @staticmethod
    def _where(queue: QueueConfig) -> tuple[str, str]:
        return (queue_kind(queue.kind).channel, queue.redis or queue.server or "")

    def queue(self, name: str) -> QueueConfig:
        for queue in self.config.queues:
            if queue.name == name:
                return queue
        known = ", ".join(q.name for q in self.config.queues) or "none"
        raise QueueActionError(f"no queue named {name!r} (configured: {known})")

    def source(self, queue: QueueConfig) -> Any:
        """The source reading the queue's server (the session's, or one of our own)."""
        where = self._where(queue)
        if where not in self._sources:
            from cockpit.backends.queues.registry import channel

            queues = [q for q in self.config.queues if self._where(q) == where]
            source = channel(where[0]).source(self.config.queue_server(queue), queues, dict(self.environ))
            self._sources[where] = source
            self._own.append(source)
        return self._sources[where]

    async def states(self, names: Sequence[str]) -> dict[str, LiveQueue]:
        """Live state of the named queues (one round trip per server)."""
        wanted = [self.queue(n) for n in names]
        out: dict[str, LiveQueue] = {}
        seen: set[int] = set()
        for queue in wanted:
            source = self.source(queue)
            if id(source) in seen:
                continue
            seen.add(id(source))
            readings: list[Reading] = await source.read()
            for r in readings:
                if r.name in names:
                    out[r.name] = LiveQueue(
                        r.name,
                        r.value if isinstance(r.value, float) else None,
                        queue_detail(r.detail).state.in_flight,
                        queue_detail(r.detail).state.paused,
                        r.error,
                    )
        return out

    def pause_scope(self, queue: QueueConfig) -> str:
        if queue.pause_key:
            return f"sets {queue.pause_key} (home-grown worker pause key)"
        if queue.pause_argv:
            return (
                f"runs {' '.join(queue.pause_argv)} (configured; resume runs {' '.join(queue.resume_argv)}); "
                "the cockpit cannot read back whether the workers stopped"
            )
        return queue_kind(queue.kind).pause_scope(queue)

    async def pause(self, queue: QueueConfig) -> Sent:
        return await self._set_paused(queue, True)

    async def resume(self, queue: QueueConfig) -> Sent:
        return await self._set_paused(queue, False)

    async def _set_paused(self, queue: QueueConfig, paused: bool) -> Sent:
        source = self.source(queue)
        name = queue.queue or queue.name
        if queue.pause_key:
            client = source.control_client()
            key = queue.pause_key.replace("{queue}", name)
            await (client.set(key, 1) if paused else client.delete(key))
            command = f"SET {key} 1" if paused else f"DEL {key}"
            return Sent(command, (f"redis {queue.redis!r}: {command}",))
        if queue.pause_argv:
            argv = queue.pause_argv if paused else queue.resume_argv
            return Sent(await run_argv(argv, queue.name), (f"exec (no shell): {shlex.join(argv)}",))
        try:
            did: Sent = await queue_kind(queue.kind).set_paused(source, queue, paused)
            return did
        except CannotPause as exc:
            raise QueueActionError(str(exc)) from None

    async def close(self) -> None:
        for source in self._own:
            await source.close()
        self._own.clear()


#: How long a configured pause/resume command may take.
ARGV_TIMEOUT = 60.0


async def run_argv(argv: Sequence[str], name: str) -> str:
    """Run a configured command without a shell; a non-zero exit or a timeout is a failure."""
    timeout = ARGV_TIMEOUT
    proc = await asyncio.create_subprocess_exec(
        *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), timeout)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise TimeoutError(f"{name}: {argv[0]} did not finish within {timeout:g} s (killed)") from None
    last = visible(out.decode(errors="replace").strip().splitlines()[-1][:160]) if out.strip() else ""
    if proc.returncode != 0:
        raise QueueActionError(
            f"{name}: {argv[0]} exited with status {proc.returncode}" + (f": {last}" if last else "")
        )
    return f"{name}: ran {' '.join(argv)}" + (f" ({last})" if last else "")


class PauseQueues(Action):
    """Pause a set of queues: the risky ones ("stop the damage"), or one by name."""

    def __init__(self, control: QueueControl, names: Sequence[str], *, name: str, title: str, step: str | None) -> None:
        self.control = control
        self.names = list(names)
        self.name, self.title, self.step = name, title, step

    async def preview(self) -> Preview:
        if not self.names:
            return Preview(self.name, self.title, ("no queue is marked risky = true",), nothing_to_do=True)
        states = await self.control.states(self.names)
        lines, warnings = [], []
        for name in self.names:
            queue, state = self.control.queue(name), states.get(name)
            now = (
                "unreadable"
                if state is None or state.error
                else (
                    f"{_n(state.depth)} waiting, {_n(state.in_flight)} in flight, {'PAUSED' if state.paused else 'running'}"
                )
            )
            lines.append(f"{name} ({queue.kind} on {queue.where}): {now}")
            warnings.append(self.control.pause_scope(queue))
        waiting = sum(int(s.depth or 0) for s in states.values())
        return Preview(
            self.name,
            self.title,
            tuple(lines),
            {"queues": len(self.names), "waiting": waiting},
            warnings=tuple(dict.fromkeys(warnings)),
            nothing_to_do=all(s.paused for s in states.values()) and len(states) == len(self.names),
        )

    async def execute(self, preview: Preview, progress: Progress) -> Result:
        return await each_queue(self.control, self.names, paused=True, progress=progress)

    async def verify(self, preview: Preview, executed: Result) -> Result:
        states = await self.control.states(self.names)
        unreadable = [
            f"{n} ({states[n].error if n in states else 'no reading'})"
            for n in self.names
            if n not in states or states[n].error
        ]
        blind = [n for n in self.names if self.control.queue(n).pause_argv and n in states and states[n].paused is None]
        running = [
            n for n in self.names if n in states and not states[n].error and not states[n].paused and n not in blind
        ]
        fleeting: dict[str, list[str]] = {}  # kinds whose pause a restarted worker forgets
        for n in self.names:
            if not queue_kind(self.control.queue(n).kind).durable_pause:
                fleeting.setdefault(self.control.queue(n).kind, []).append(n)
        if running or unreadable:
            said = ([f"still running: {', '.join(running)}"] if running else []) + (
                [f"cannot read back: {'; '.join(unreadable)}"] if unreadable else []
            )
            return Result(
                False,
                "; ".join(said),
                state_left=executed.state_left or "see the queues panel",
                data=QueuesStillRunning(tuple(running), tuple(unreadable)),
            )
        note = "".join(f"; {k} pause is not durable ({', '.join(ns)})" for k, ns in fleeting.items())
        if blind:
            note += f"; not read back (a configured command, no pause state to read): {', '.join(blind)}"
        return Result(
            True,
            "paused: " + ", ".join(f"{n} ({_n(states[n].depth)} waiting)" for n in self.names) + note,
            data=QueuesPaused({n: QueueCounts(states[n].depth, states[n].in_flight) for n in self.names}),
        )


class ResumeQueues(Action):
    destructive = True

    def __init__(
        self,
        control: QueueControl,
        names: Sequence[str],
        *,
        name: str = "resume_queue",
        title: str = "Resume queues",
        step: str | None = None,
    ) -> None:
        self.control = control
        self.names = list(names)
        self.name, self.title, self.step = name, title, step

    async def preview(self) -> Preview:
        states = await self.control.states(self.names)
        lines = [f"{n}: {_n(s.depth)} waiting will start to run" for n, s in states.items()]
        return Preview(
            self.name,
            self.title,
            tuple(lines),
            {"waiting": sum(int(s.depth or 0) for s in states.values())},
            warnings=(
                "Resuming everything at once replays every waiting job together; the staged restart "
                "(j) resumes stage by stage.",
            ),
        )

    async def execute(self, preview: Preview, progress: Progress) -> Result:
        return await each_queue(self.control, self.names, paused=False, progress=progress)

    async def verify(self, preview: Preview, executed: Result) -> Result:
        states = await self.control.states(self.names)
        still = [n for n in self.names if n in states and states[n].paused]
        unreadable = [n for n in self.names if n not in states or states[n].error]
        if still or unreadable:
            said = ([f"still paused: {', '.join(still)}"] if still else []) + (
                [f"cannot read back: {', '.join(unreadable)}"] if unreadable else []
            )
            return Result(False, "; ".join(said), state_left=executed.state_left or "see the queues panel")
        return Result(True, "running: " + ", ".join(self.names))


async def each_queue(control: QueueControl, names: Sequence[str], *, paused: bool, progress: Progress) -> Result:
    """Pause (or resume) each queue in turn. One failing does not stop the others, and the
    result says for every queue whether it changed, did not, or may have (a write that
    timed out after it was sent)."""
    verb = "paused" if paused else "resumed"
    done: list[str] = []
    failed: dict[str, list[str]] = {}
    reasons: list[str] = []
    sent: list[str] = []
    for name in names:
        try:
            queue = control.queue(name)
            did = await (control.pause(queue) if paused else control.resume(queue))
            sent += did.commands
            progress(did.said)
            done.append(name)
        except Exception as exc:  # noqa: BLE001 - one queue failing must not hide the others' state
            outcome = write_outcome(exc)
            failed.setdefault(outcome, []).append(name)
            reasons.append(f"{name}: {describe(exc)}")
            progress(f"{name}: FAILED ({outcome}): {describe(exc)}")
    if not failed:
        return Result(True, f"{verb} {', '.join(done)}", data=Writes(verb, tuple(done), tuple(sent)))
    left = [f"{verb}: {', '.join(done) or 'none'}"]
    if NOT_CHANGED in failed:
        left.append(f"NOT {verb}: {', '.join(failed[NOT_CHANGED])}")
    if UNKNOWN in failed:
        left.append(f"unknown (the command may have landed; read the panel): {', '.join(failed[UNKNOWN])}")
    return Result(
        False,
        f"{verb} {len(done)} of {len(names)}: {'; '.join(reasons)}",
        state_left="; ".join(left),
        data=Writes(
            verb,
            tuple(done),
            tuple(sent),
            tuple(reasons),
            tuple(failed.get(NOT_CHANGED, [])),
            tuple(failed.get(UNKNOWN, [])),
        ),
    )


def _n(value: SupportsInt | str | None) -> str:
    return "?" if value is None else f"{int(value):,}"
