"""Clear only the named caches: a Redis key pattern (SCAN with a preview count, UNLINK in
batches, re-count after) or an HTTP purge call. The step's guard, if it has one, is asked
before each cache and each batch: a halt stops before the next batch (nothing comes back
by itself) and the result says what was cleared and what was not."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from cockpit.actions import Action, Preview, Progress, Result
from cockpit.actions.data_long import CachesCleared, KeysLeft
from cockpit.actions.guarded import Checkpoint, GuardStop, no_checkpoint
from cockpit.actions.outcome import describe
from cockpit.config import CacheTarget, Config

if TYPE_CHECKING:
    import redis.asyncio as aioredis  # loaded when a cache is cleared, not before the first frame


class PartialClear(Exception):
    """Clearing stopped part-way; `removed` keys were already gone."""

    def __init__(self, removed: int, cause: BaseException) -> None:
        super().__init__(f"stopped after {removed:,} keys: {describe(cause)}")
        self.removed = removed


class GuardedStop(Exception):
    """The guard stopped clearing before a batch; `removed` keys of this cache were already gone."""

    def __init__(self, removed: int, stop: GuardStop) -> None:
        super().__init__(str(stop))
        self.removed, self.stop = removed, stop


class ClearCaches(Action):
    name = "clear_caches"
    title = "Clear the named caches"
    guarded = True

    def __init__(self, config: Config, caches: Sequence[CacheTarget], environ: Mapping[str, str]) -> None:
        self.config = config
        self.caches = list(caches)
        self.environ = environ

    async def _count(self, cache: CacheTarget) -> int:
        client = self._client(cache)
        try:
            count = 0
            async for _ in client.scan_iter(match=cache.pattern, count=1000):
                count += 1
            return count
        finally:
            await client.aclose()

    def _client(self, cache: CacheTarget) -> aioredis.Redis:
        import redis.asyncio as aioredis

        instance = self.config.redis_named(cache.redis or "")
        return aioredis.Redis.from_url(instance.resolve_url(self.environ), socket_timeout=instance.timeout)

    async def preview(self) -> Preview:
        lines, counts = [], {}
        for cache in self.caches:
            if cache.pattern is not None:
                counts[cache.name] = n = await self._count(cache)
                lines.append(
                    f"{cache.name}: {n:,} keys match {cache.pattern!r} on redis {cache.redis!r} (SCAN, then UNLINK)"
                )
            else:
                lines.append(f"{cache.name}: {cache.method} {cache.purge_url} (HTTP purge)")
        return Preview(
            self.name,
            self.title,
            tuple(lines) or ("no cache is configured",),
            counts,
            warnings=("Only these patterns are cleared; nothing else in those Redis databases is touched.",),
            nothing_to_do=not self.caches,
        )

    async def execute(self, preview: Preview, progress: Progress) -> Result:
        return await self.execute_guarded(preview, progress, no_checkpoint)

    async def execute_guarded(self, preview: Preview, progress: Progress, checkpoint: Checkpoint) -> Result:
        removed: dict[str, int] = {}
        failed: list[str] = []
        for index, cache in enumerate(self.caches):
            try:
                await checkpoint(f"cache {cache.name}")
                if cache.pattern is not None:
                    removed[cache.name] = await self._unlink(cache, progress, checkpoint)
                else:
                    progress(await self._purge(cache))
            except GuardStop as stop:
                return self._stopped(stop, removed, index, None)
            except GuardedStop as exc:
                removed[cache.name] = exc.removed
                return self._stopped(exc.stop, removed, index, exc.removed)
            except PartialClear as exc:
                removed[cache.name] = exc.removed
                failed.append(f"{cache.name}: {exc}")
            except Exception as exc:  # noqa: BLE001 - each cache reports its own failure
                failed.append(f"{cache.name}: {describe(exc)}")
        summary = ", ".join(f"{name}: {n:,} keys removed" for name, n in removed.items()) or "purged"
        sent = self._sent()
        if failed:
            return Result(
                False,
                f"{summary}; FAILED {'; '.join(failed)}",
                state_left="removed so far: "
                + (", ".join(f"{k} {v:,} keys" for k, v in removed.items()) or "nothing")
                + "; the failed caches still hold the rest",
                data=CachesCleared(removed, tuple(sent), tuple(failed)),
            )
        return Result(True, summary, data=CachesCleared(removed, tuple(sent)))

    def _stopped(self, stop: GuardStop, removed: dict[str, int], index: int, part: int | None) -> Result:
        """The guard stopped the clearing: what is gone, what is not, nothing put back."""
        cache = self.caches[index]
        untouched = [c.name for c in self.caches[index + 1 :]]
        this = f"{cache.name}: stopped after {part:,} keys" if part is not None else f"{cache.name}: not started"
        done = [f"{k} {v:,} keys" for k, v in removed.items() if k != cache.name]
        return Result(
            False,
            f"{stop.word} before {stop.label}: {stop.reason}",
            state_left=f"removed: {', '.join(done) or 'nothing'}; {this}; not started: "
            f"{', '.join(untouched) or 'none'} (nothing is put back by itself)",
            data=CachesCleared(removed, tuple(self._sent()), guard=stop.word.lower(), not_started=tuple(untouched)),
        )

    def _sent(self) -> list[str]:
        return [
            f"{c.name}: SCAN MATCH {c.pattern} COUNT 1000, UNLINK in batches of {c.batch}"
            if c.pattern is not None
            else f"{c.name}: {c.method} {c.purge_url}"
            for c in self.caches
        ]

    async def _unlink(self, cache: CacheTarget, progress: Progress, checkpoint: Checkpoint = no_checkpoint) -> int:
        client = self._client(cache)
        total = 0
        batches = 0
        try:
            batch: list[bytes] = []
            async for key in client.scan_iter(match=cache.pattern, count=1000):
                batch.append(key)
                if len(batch) >= cache.batch:
                    if batches:
                        await checkpoint(f"{cache.name} batch {batches + 1}")
                    total += await client.unlink(*batch)
                    batches += 1
                    batch.clear()
            if batch:
                if batches:
                    await checkpoint(f"{cache.name} batch {batches + 1}")
                total += await client.unlink(*batch)
        except GuardStop as stop:
            progress(f"{cache.name}: {stop.word} after {total:,} keys ({batches} batches): {stop.reason}")
            raise GuardedStop(total, stop) from stop
        except Exception as exc:
            raise PartialClear(total, exc) from exc
        finally:
            await client.aclose()
        progress(f"{cache.name}: UNLINK {total:,} keys matching {cache.pattern!r} in batches of {cache.batch}")
        return total

    async def _purge(self, cache: CacheTarget) -> str:
        import httpx  # only HTTP purge targets need it

        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.request(cache.method, cache.purge_url or "")
        if response.status_code >= 300:
            raise RuntimeError(f"purge answered HTTP {response.status_code}")
        return f"{cache.name}: {cache.method} {cache.purge_url} -> HTTP {response.status_code}"

    async def verify(self, preview: Preview, executed: Result) -> Result:
        left = {c.name: await self._count(c) for c in self.caches if c.pattern is not None}
        refilled = {name: n for name, n in left.items() if n}
        if refilled:
            return Result(
                False,
                "keys match again right after: "
                + ", ".join(f"{k} {v:,}" for k, v in refilled.items())
                + " — something still writes them",
                state_left="the cache is being refilled by a writer that was not stopped",
                data=KeysLeft(left),
            )
        return Result(executed.ok, "0 matching keys left" if left else "purge calls answered", data=KeysLeft(left))
