"""Small server-side Lua scripts the Redis kinds send with EVALSHA inside the tick's pipeline.

A script answers in the same round trip what would otherwise take two (a job id, then its
hash) or a transfer of a whole set (counting a shared set's jobs per queue)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Script:
    text: str

    @property
    def sha(self) -> str:
        return hashlib.sha1(self.text.encode()).hexdigest()


#: KEYS[1] = a list whose element at ARGV[2] is the oldest job id; ARGV[1] = the job hash's key prefix;
#: ARGV[3] = the hash field holding when it was enqueued.
OLDEST_VIA_HASH = Script("""
local id = redis.call('LINDEX', KEYS[1], tonumber(ARGV[2]))
if not id then return false end
return redis.call('HGET', ARGV[1] .. id, ARGV[3])
""")

#: Count the members of a zset of JSON jobs by their "queue" field, one window of ARGV[1]
#: members at a time: the whole set when it is no bigger, else the window that Redis's clock
#: (TIME, in steps of ARGV[2] seconds) points at, so successive ticks read successive windows.
#: Answers {size of the set, window offset, members read, queue, n, queue, n, ...}: the cost
#: per tick is bounded by the window, whatever the size of the set.
COUNT_BY_QUEUE = Script("""
local total = redis.call('ZCARD', KEYS[1])
local window = tonumber(ARGV[1])
local offset = 0
if total > window then
  local now = redis.call('TIME')
  local windows = math.ceil(total / window)
  offset = (math.floor(tonumber(now[1]) / tonumber(ARGV[2])) % windows) * window
end
local members = redis.call('ZRANGE', KEYS[1], offset, offset + window - 1)
local counts = {}
for i = 1, #members do
  local q = string.match(members[i], '"queue":%s*"([^"]*)"')
  if q then counts[q] = (counts[q] or 0) + 1 end
end
local out = {total, offset, #members}
for q, n in pairs(counts) do out[#out + 1] = q; out[#out + 1] = n end
return out
""")

#: Sidekiq's busy jobs by queue: every process in `processes`, each busy thread in `<identity>:workers`
#: (Sidekiq 6/7; `<identity>:work` in 8) holds {"queue": ..., "payload": ..., "run_at": ...}.
SIDEKIQ_BUSY = Script("""
local counts = {}
local procs = redis.call('SMEMBERS', ARGV[1] .. 'processes')
for i = 1, #procs do
  for _, suffix in ipairs({':workers', ':work'}) do
    local key = ARGV[1] .. procs[i] .. suffix
    if redis.call('TYPE', key).ok == 'hash' then
      local jobs = redis.call('HVALS', key)
      for j = 1, #jobs do
        local q = string.match(jobs[j], '"queue":%s*"([^"]*)"')
        if q then counts[q] = (counts[q] or 0) + 1 end
      end
    end
  end
end
local out = {}
for q, n in pairs(counts) do out[#out + 1] = q; out[#out + 1] = n end
return out
""")

ALL = (OLDEST_VIA_HASH, COUNT_BY_QUEUE, SIDEKIQ_BUSY)


class Tally:
    """Per-queue counts of one shared set, from the windows COUNT_BY_QUEUE reads in turn:
    exact when the set fits in one window, else the counts of the windows seen (the latest
    answer of each) scaled to the set's exact size."""

    def __init__(self) -> None:
        self._last: object = None
        self.total = 0
        self.windows: dict[int, tuple[int, dict[str, int]]] = {}  # offset -> (members read, counts)

    def feed(self, answer: Any) -> None:
        if answer is self._last:  # every queue's probe reads the same answer: take it once
            return
        self._last = answer
        total, offset, read, *pairs = answer
        self.total = int(total)
        counts = {
            (pairs[i].decode() if isinstance(pairs[i], bytes) else str(pairs[i])): int(pairs[i + 1])
            for i in range(0, len(pairs) - 1, 2)
        }
        if int(offset) == 0 and int(read) >= self.total:
            self.windows = {}
        self.windows = {o: w for o, w in self.windows.items() if o < self.total}
        self.windows[int(offset)] = (int(read), counts)

    def count(self, queue: str) -> int:
        read = sum(n for n, _ in self.windows.values())
        found = sum(c.get(queue, 0) for _, c in self.windows.values())
        if read == 0 or read >= self.total:
            return found
        return round(found * self.total / read)


def windowed_count_of(queue: str, tally: Tally) -> Callable[[Any], int]:
    def parse(answer: Any) -> int:
        tally.feed(answer)
        return tally.count(queue)

    return parse


def count_of(queue: str) -> Callable[[Any], int]:
    """A parser that picks one queue's count out of a flat [queue, n, ...] answer."""
    wanted = queue.encode()

    def parse(answer: Any) -> int:
        items = answer or []
        for i in range(0, len(items) - 1, 2):
            name = items[i]
            if name in (wanted, queue):
                return int(items[i + 1])
        return 0

    return parse
