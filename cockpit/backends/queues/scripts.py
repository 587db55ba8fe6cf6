"""Small server-side Lua scripts the Redis kinds send with EVALSHA inside the tick's pipeline.

A script answers in the same round trip what would otherwise take two (a job id, then its
hash) or a transfer of a whole set (counting a shared set's jobs per queue)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


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

#: Count the members of a zset of JSON jobs by their "queue" field: a flat [queue, n, ...] list.
#: O(size of the set) inside Redis, one command in the pipeline; no data crosses the wire.
COUNT_BY_QUEUE = Script("""
local counts = {}
local members = redis.call('ZRANGE', KEYS[1], 0, -1)
for i = 1, #members do
  local q = string.match(members[i], '"queue":%s*"([^"]*)"')
  if q then counts[q] = (counts[q] or 0) + 1 end
end
local out = {}
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


def count_of(queue: str):
    """A parser that picks one queue's count out of a flat [queue, n, ...] answer."""
    wanted = queue.encode()

    def parse(answer) -> int:
        items = answer or []
        for i in range(0, len(items) - 1, 2):
            name = items[i]
            if name == wanted or name == queue:
                return int(items[i + 1])
        return 0

    return parse
