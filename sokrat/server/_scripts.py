"""The queue's Lua scripts, and group commit of task creations.

Every script declares each key it touches in ``KEYS`` (the Redis scripting contract, which
Redis Cluster and proxies rely on), and all of one script's keys share one hash slot (see
:mod:`sokrat.server._layout`). They run through redis-py's ``register_script`` (``EVALSHA``,
loaded again on ``NOSCRIPT``); inside a pipeline, :func:`run_pipeline` does the reload.

Status indexes follow the task row by version: the row scripts bump the row's ``v`` and
return it, and :data:`INDEX` applies a move only when its version is newer than the last one
applied, so two transitions of one task whose index moves arrive out of order (a cancel and
a finish racing, from two processes) leave the index at the newest status.

:class:`GroupCommit` is why ``POST /v1/tasks`` scales: the task creations of one server
process that arrive while a round trip to Redis is in flight wait, and all go in the next
pipeline. At low load a batch is one task; at high load the per-request Redis cost
(syscalls, wake-ups on both sides, client bookkeeping) is shared by the batch. Written here
because redis-py has no auto-batching client.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

A = TypeVar("A")
R = TypeVar("R")

# Change a task row's status if the current one is allowed; bump its version.
# KEYS: row. ARGV: new status, allowed ("a,b" or "*"), now, expire_at ('' = none), attempts
# increment, field/value... Returns {changed (0/1), old status ('' = no row), owner, version}.
TRANSITION = """
local cur = redis.call('HMGET', KEYS[1], 'status', 'owner')
local old = cur[1]
if not old then return {0, '', '', 0} end
if ARGV[2] ~= '*' and not string.find(',' .. ARGV[2] .. ',', ',' .. old .. ',', 1, true) then
  return {0, old, cur[2] or '', 0}
end
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'expires_at', ARGV[4]) end
if ARGV[5] ~= '0' then redis.call('HINCRBY', KEYS[1], 'attempts', tonumber(ARGV[5])) end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'updated_at', ARGV[3], unpack(ARGV, 6))
local v = redis.call('HINCRBY', KEYS[1], 'v', 1)
return {1, old, cur[2] or '', v}
"""

# A running task goes back to queued (worker shutdown, or Redis went away mid-run) without
# counting the attempt. KEYS: row. ARGV: now, outage (0/1). Returns {old status, owner, version}.
RELEASE = """
local cur = redis.call('HMGET', KEYS[1], 'status', 'owner')
if cur[1] ~= 'running' then return {cur[1] or '', cur[2] or '', 0} end
redis.call('HSET', KEYS[1], 'status', 'queued', 'worker', '', 'updated_at', ARGV[1])
redis.call('HINCRBY', KEYS[1], 'attempts', -1)
if ARGV[2] == '1' then redis.call('HINCRBY', KEYS[1], 'outages', 1) end
local v = redis.call('HINCRBY', KEYS[1], 'v', 1)
return {'running', cur[2] or '', v}
"""

# Delete a task's row and events. KEYS: row, events. Returns {old status ('' = none), owner}.
DELETE = """
local cur = redis.call('HMGET', KEYS[1], 'status', 'owner')
redis.call('DEL', KEYS[1], KEYS[2])
return {cur[1] or '', cur[2] or ''}
"""

# Index and queue a new task (its row is already written). KEYS: seq, all, owner's all,
# versions, queue, then (global, owner's) index of the status 'queued'. ARGV: id.
ENQUEUE = """
local seq = redis.call('INCR', KEYS[1])
local id = ARGV[1]
redis.call('ZADD', KEYS[2], seq, id)
redis.call('ZADD', KEYS[3], seq, id)
redis.call('HSET', KEYS[4], id, 0)
redis.call('ZADD', KEYS[6], seq, id)
redis.call('ZADD', KEYS[7], seq, id)
redis.call('XADD', KEYS[5], '*', 'task', id)
return seq
"""

# Move a task to one status index, if this version is newer than the last applied.
# KEYS: all, versions, expire zset, then (global, owner's) index of every status.
# ARGV: id, version, position of the new status among those pairs (1-based), expire_at ('' = none).
INDEX = """
local id = ARGV[1]
local v = tonumber(ARGV[2])
local seen = tonumber(redis.call('HGET', KEYS[2], id) or '-1')
local seq = redis.call('ZSCORE', KEYS[1], id)
if v <= seen or not seq then return 0 end
redis.call('HSET', KEYS[2], id, v)
local target = tonumber(ARGV[3])
for i = 4, #KEYS, 2 do
  if (i - 4) / 2 + 1 == target then
    redis.call('ZADD', KEYS[i], seq, id)
    redis.call('ZADD', KEYS[i + 1], seq, id)
  else
    redis.call('ZREM', KEYS[i], id)
    redis.call('ZREM', KEYS[i + 1], id)
  end
end
if ARGV[4] ~= '' then redis.call('ZADD', KEYS[3], ARGV[4], id) end
return 1
"""

# Remove a task from every index. KEYS: versions, then zsets. ARGV: id.
UNINDEX = """
redis.call('HDEL', KEYS[1], ARGV[1])
for i = 2, #KEYS do redis.call('ZREM', KEYS[i], ARGV[1]) end
return 1
"""

# Swap a task's queue entry: optionally queue it again, then ack and delete the old entry.
# KEYS: queue. ARGV: group, old entry id, task id, requeue (0/1).
REQUEUE = """
if ARGV[4] == '1' then redis.call('XADD', KEYS[1], '*', 'task', ARGV[3]) end
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
return 1
"""

# Heartbeat: reset the idle time of a queue entry, but only while this consumer owns it.
# KEYS: queue. ARGV: group, entry id, consumer.
HEARTBEAT = """
local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[2], ARGV[2], 1)
if #p == 0 or p[1][2] ~= ARGV[3] then return 0 end
redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[3], 0, ARGV[2], 'JUSTID')
return 1
"""


def _noscript(e: BaseException) -> bool:
    import redis

    return isinstance(e, redis.exceptions.NoScriptError) or (
        isinstance(e, redis.ResponseError) and "No matching script" in str(e))


class GroupCommit(Generic[A, R]):
    """Runs ``send`` on batches of concurrent calls: calls made while a batch is in flight
    go together in the next one.

    Args:
        send: sends a batch; returns one reply per call, an exception for a call that
            failed alone (raising fails the whole batch).
        in_flight: batches sent at once. 1 (the most batching) when a round trip is short;
            more when a batch may wait up to a second (``WAITAOF`` for a once-a-second fsync).
    """

    def __init__(self, send: Callable[[list[A]], Awaitable[list[R | BaseException]]], *,
                 in_flight: int = 1) -> None:
        self.send = send
        self._pending: list[tuple[A, asyncio.Future[R]]] = []
        self._drainer: asyncio.Task[None] | None = None
        self._slots = asyncio.Semaphore(in_flight) if in_flight > 1 else None
        self._sending: set[asyncio.Task[None]] = set()
        self._busy = False
        """A batch is in flight (one-at-a-time mode): new calls wait for the next batch."""
        self.batches = 0
        """Batches sent (for tests and benchmarks: calls / batches = mean batch size)."""

    async def __call__(self, call: A) -> R:
        if self._slots is None and not self._busy:
            return await self._alone(call)
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._pending.append((call, future))
        if not self._busy and (self._drainer is None or self._drainer.done()):
            # runs on the next loop turn: every call made in this turn joins the first batch
            self._drainer = asyncio.ensure_future(self._drain())
        return await future

    async def _alone(self, call: A) -> R:
        """Nothing in flight: run in the caller's own task (no future, no extra task); calls
        arriving meanwhile go together once this batch is back."""
        self._busy = True
        try:
            self.batches += 1
            (reply,) = await self.send([call])
        finally:
            self._busy = False
            if self._pending and (self._drainer is None or self._drainer.done()):
                self._drainer = asyncio.ensure_future(self._drain())
        if isinstance(reply, BaseException):
            raise reply
        return reply

    async def _drain(self) -> None:
        while self._pending:
            if self._slots is None:
                batch, self._pending = self._pending, []
                self._busy = True
                try:
                    await self._send(batch)
                finally:
                    self._busy = False
                continue
            # several batches in flight: calls that arrive while every slot is taken gather
            # into the next batch
            await self._slots.acquire()
            batch, self._pending = self._pending, []
            task = asyncio.ensure_future(self._send(batch))
            self._sending.add(task)
            task.add_done_callback(self._sent)

    def _sent(self, task: asyncio.Task[None]) -> None:
        self._sending.discard(task)
        if self._slots is not None:
            self._slots.release()

    async def _send(self, batch: list[tuple[A, asyncio.Future[R]]]) -> None:
        self.batches += 1
        try:
            replies = await self.send([call for call, _ in batch])
        except Exception as e:
            for _, future in batch:
                if not future.done():
                    future.set_exception(e)
            return
        for (_, future), reply in zip(batch, replies, strict=True):
            if future.done():  # the caller went away (client disconnected)
                continue
            if isinstance(reply, BaseException):
                future.set_exception(reply)
            else:
                future.set_result(reply)


__all__ = ["DELETE", "ENQUEUE", "HEARTBEAT", "INDEX", "RELEASE", "REQUEUE", "TRANSITION", "UNINDEX",
           "GroupCommit"]
