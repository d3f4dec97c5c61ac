"""Tasks, media records, the work queue, per-task event streams and API keys, all in Redis.

Layout (``p`` is ``{settings.task_namespace}:server:``)::

    {p}task:{id}                       hash: the task row (owner, goal, media ids, status, result...)
    {p}tasks, {p}tasks:{status}        zsets of task ids scored by a creation sequence (admin listing)
    {p}own:{owner}:tasks[:{status}]    the same per owner (a key lists only its own tasks)
    {p}queue                           stream + consumer group ``workers``: one entry per run to do
    {p}events:{id}                     stream of the task's events (capped), read by the SSE endpoint
    {p}media:{id}                      hash: an upload's row (owner, content hash, where it is stored)
    {p}expire:tasks, {p}expire:media   zsets id -> when retention deletes it (see :meth:`TaskStore.sweep`)
    {p}keys, {p}keys:revoked           API keys managed by ``sokrat keys`` (sha256 of the key only)

Why hand-written on redis-py streams rather than arq / rq / taskiq / saq: Sokrat needs, in
one place, (1) a consumer group whose entries a *live* worker keeps by heartbeat while a
*dead* worker's entries are reclaimed after a short visibility timeout (XAUTOCLAIM) - agent
runs last up to ``max_wall_s``, so a reclaim-by-idle-time queue without heartbeats would
either steal long runs or wait many minutes for a killed worker's task; (2) a per-task event
stream that late subscribers replay from any id (SSE ``Last-Event-ID``); (3) cancel flags,
owners and status indexes with atomic transitions. arq and rq have no consumer-group reclaim;
taskiq's stream broker reclaims by idle time only and has no per-task event streams. The
whole queue is a few Lua scripts, so we keep it here rather than bend a framework around it.

Each state change is one Lua script (one round trip, atomic): creating a task checks the
media's owners, stores the row, indexes it and queues it in a single ``EVALSHA``.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from sokrat.errors import ConfigError, InvalidInput, NotFound, RedisUnavailable
from sokrat.server._scripts import GroupCommit, Script
from sokrat.server.schemas import Media, Task, TaskOptions
from sokrat.types import TERMINAL_STATUSES, Event, Result

if TYPE_CHECKING:
    import redis.asyncio

    from sokrat.settings import Settings

GROUP = "workers"
MAX_ATTEMPTS = 3
"""A task that took down this many workers (killed mid-run) is failed instead of retried."""
MAX_OUTAGE_REQUEUES = 5
"""A task re-queued this many times because Redis went away mid-run is failed on the next."""
ANONYMOUS = "anonymous"
"""The owner of everything when the server runs without API keys."""

# Create a task: check the media (exist, same owner unless admin), store, index, queue.
# ARGV: p, id, owner, now, goal, media json, options json, admin, n media, media ids...
_CREATE = """
local p = ARGV[1]
local n = tonumber(ARGV[9])
for i = 1, n do
  local mid = ARGV[9 + i]
  local o = redis.call('HGET', p .. 'media:' .. mid, 'owner')
  if not o or (ARGV[8] ~= '1' and o ~= ARGV[3]) then return {0, mid} end
end
local seq = redis.call('INCR', p .. 'seq')
local id = ARGV[2]
redis.call('HSET', p .. 'task:' .. id, 'id', id, 'owner', ARGV[3], 'goal', ARGV[5], 'media', ARGV[6],
           'options', ARGV[7], 'status', 'queued', 'seq', seq, 'created_at', ARGV[4], 'updated_at', ARGV[4],
           'attempts', 0, 'cancel', 0, 'admin', ARGV[8])
redis.call('ZADD', p .. 'tasks', seq, id)
redis.call('ZADD', p .. 'tasks:queued', seq, id)
redis.call('ZADD', p .. 'own:' .. ARGV[3] .. ':tasks', seq, id)
redis.call('ZADD', p .. 'own:' .. ARGV[3] .. ':tasks:queued', seq, id)
redis.call('XADD', p .. 'queue', '*', 'task', id)
return {1, seq}
"""

# Atomic status change: check the old status, move the id between the status indexes (global
# and the owner's), set fields, optionally count an attempt and schedule the retention delete.
# ARGV: p, id, new status, allowed old ("a,b" or "*"), now, expire_at ('' = none), incr, field/value...
_TRANSITION = """
local p = ARGV[1]
local id = ARGV[2]
local key = p .. 'task:' .. id
local cur = redis.call('HMGET', key, 'status', 'seq', 'owner')
local old = cur[1]
if not old then return {0, ''} end
if ARGV[4] ~= '*' and not string.find(',' .. ARGV[4] .. ',', ',' .. old .. ',', 1, true) then
  return {0, old}
end
if old ~= ARGV[3] then
  local own = p .. 'own:' .. (cur[3] or '') .. ':tasks:'
  redis.call('ZREM', p .. 'tasks:' .. old, id)
  redis.call('ZADD', p .. 'tasks:' .. ARGV[3], cur[2], id)
  redis.call('ZREM', own .. old, id)
  redis.call('ZADD', own .. ARGV[3], cur[2], id)
end
if ARGV[6] ~= '' then
  redis.call('ZADD', p .. 'expire:tasks', ARGV[6], id)
  redis.call('HSET', key, 'expires_at', ARGV[6])
end
if ARGV[7] ~= '0' then redis.call('HINCRBY', key, 'attempts', tonumber(ARGV[7])) end
redis.call('HSET', key, 'status', ARGV[3], 'updated_at', ARGV[5], unpack(ARGV, 8))
return {1, old}
"""

# Give a running task back to the queue (worker shutdown, or Redis went away mid-run) without
# counting the attempt; ack the old entry. ARGV: p, id, entry, group, now, outage (0/1)
_RELEASE = """
local p = ARGV[1]
local id = ARGV[2]
local key = p .. 'task:' .. id
local cur = redis.call('HMGET', key, 'status', 'seq', 'owner')
if cur[1] == 'running' then
  local own = p .. 'own:' .. (cur[3] or '') .. ':tasks:'
  redis.call('ZREM', p .. 'tasks:running', id)
  redis.call('ZADD', p .. 'tasks:queued', cur[2], id)
  redis.call('ZREM', own .. 'running', id)
  redis.call('ZADD', own .. 'queued', cur[2], id)
  redis.call('HSET', key, 'status', 'queued', 'worker', '', 'updated_at', ARGV[5])
  redis.call('HINCRBY', key, 'attempts', -1)
  if ARGV[6] == '1' then redis.call('HINCRBY', key, 'outages', 1) end
  redis.call('XADD', p .. 'queue', '*', 'task', id)
end
redis.call('XACK', p .. 'queue', ARGV[4], ARGV[3])
redis.call('XDEL', p .. 'queue', ARGV[3])
return cur[1] or ''
"""

# Delete a task row, its events and every index entry. ARGV: p, id
_DELETE_TASK = """
local p = ARGV[1]
local id = ARGV[2]
local key = p .. 'task:' .. id
local cur = redis.call('HMGET', key, 'status', 'owner')
redis.call('ZREM', p .. 'expire:tasks', id)
if not cur[1] then return 0 end
local own = p .. 'own:' .. (cur[2] or '') .. ':tasks'
redis.call('ZREM', p .. 'tasks', id)
redis.call('ZREM', p .. 'tasks:' .. cur[1], id)
redis.call('ZREM', own, id)
redis.call('ZREM', own .. ':' .. cur[1], id)
redis.call('DEL', key, p .. 'events:' .. id)
return 1
"""

# Heartbeat: reset the idle time of a queue entry, but only while this consumer owns it.
# KEYS[1] queue; ARGV: group, entry id, consumer.
_HEARTBEAT = """
local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[2], ARGV[2], 1)
if #p == 0 or p[1][2] ~= ARGV[3] then return 0 end
redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[3], 0, ARGV[2], 'JUSTID')
return 1
"""


@dataclass(frozen=True)
class Claim:
    """A queue entry a worker now owns."""

    entry_id: str
    task_id: str
    reclaimed: bool
    """True when taken over from a worker that stopped heartbeating."""


@dataclass(frozen=True)
class MediaRow:
    """An upload as stored (the public view is :class:`~sokrat.server.schemas.Media`)."""

    id: str
    owner: str
    kind: Literal["video", "audio"]
    duration_s: float
    bytes: int
    filename: str
    sha256: str
    suffix: str
    """The stored file's extension (``.mp4``), safe for a file name."""
    path: str = ""
    """Where the API server that took the upload keeps the file (other machines fetch it)."""
    s3_key: str = ""
    """The object's key in the media bucket, when one is configured."""
    created_at: float = 0.0
    expires_at: float | None = None

    def public(self) -> Media:
        return Media(id=self.id, kind=self.kind, duration_s=self.duration_s, bytes=self.bytes,
                     filename=self.filename, sha256=self.sha256, owner=self.owner,
                     created_at=self.created_at, expires_at=self.expires_at)

    def mapping(self) -> dict[str, str]:
        return {"id": self.id, "owner": self.owner, "kind": self.kind, "duration_s": repr(self.duration_s),
                "bytes": str(self.bytes), "filename": self.filename, "sha256": self.sha256,
                "suffix": self.suffix, "path": self.path, "s3_key": self.s3_key,
                "created_at": repr(self.created_at),
                "expires_at": repr(self.expires_at) if self.expires_at is not None else ""}

    @classmethod
    def from_hash(cls, raw: dict[str, str]) -> MediaRow:
        return cls(id=raw["id"], owner=raw.get("owner", ""), kind=raw["kind"],  # type: ignore[arg-type]
                   duration_s=float(raw["duration_s"]), bytes=int(raw["bytes"]),
                   filename=raw.get("filename", ""), sha256=raw.get("sha256", ""), suffix=raw.get("suffix", ""),
                   path=raw.get("path", ""), s3_key=raw.get("s3_key", ""),
                   created_at=float(raw.get("created_at") or 0), expires_at=_opt_float(raw.get("expires_at")))


@dataclass(frozen=True)
class TaskRow:
    """A task as stored (the public view is :class:`~sokrat.server.schemas.Task`)."""

    id: str
    owner: str
    goal: str
    status: str
    created_at: float
    updated_at: float
    admin: bool = False
    """Created with an admin key."""
    media: list[str] = field(default_factory=list)
    options: TaskOptions = field(default_factory=TaskOptions)
    started_at: float | None = None
    finished_at: float | None = None
    expires_at: float | None = None
    attempts: int = 0
    outages: int = 0
    cancel_requested: bool = False
    worker: str | None = None
    result: Result | None = None

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL_STATUSES

    @property
    def namespace(self) -> str | None:
        """Whose memories and documents the run uses: the owner's; every namespace for an
        admin key (writes go to ``default``); ``default`` on a server without keys (as the CLI)."""
        if self.owner == ANONYMOUS:
            return "default"
        return None if self.admin else self.owner

    def public(self) -> Task:
        return Task(id=self.id, owner=self.owner, goal=self.goal, media=self.media, options=self.options,
                    status=self.status,  # type: ignore[arg-type]
                    created_at=self.created_at, updated_at=self.updated_at, started_at=self.started_at,
                    finished_at=self.finished_at, expires_at=self.expires_at, attempts=self.attempts,
                    cancel_requested=self.cancel_requested, worker=self.worker, result=self.result)

    @classmethod
    def from_hash(cls, raw: dict[str, str]) -> TaskRow:
        return cls(
            id=raw["id"], owner=raw.get("owner", ""), goal=raw["goal"], status=raw["status"], admin=raw.get("admin") == "1",
            created_at=float(raw["created_at"]), updated_at=float(raw.get("updated_at") or raw["created_at"]),
            media=json.loads(raw.get("media") or "[]"),
            options=TaskOptions.model_validate_json(raw.get("options") or "{}"),
            started_at=_opt_float(raw.get("started_at")), finished_at=_opt_float(raw.get("finished_at")),
            expires_at=_opt_float(raw.get("expires_at")),
            attempts=max(0, int(raw.get("attempts") or 0)), outages=int(raw.get("outages") or 0),
            cancel_requested=raw.get("cancel") == "1", worker=raw.get("worker") or None,
            result=Result.model_validate_json(raw["result"]) if raw.get("result") else None,
        )


@dataclass(frozen=True)
class StoredKey:
    """An API key managed by ``sokrat keys`` (only its SHA-256 is stored)."""

    digest: str
    owner: str
    admin: bool
    created_at: float
    label: str = ""


def _opt_float(value: str | None) -> float | None:
    return float(value) if value not in (None, "") else None


def key_digest(key: str) -> str:
    """The SHA-256 (hex) under which an API key is stored and compared."""
    return hashlib.sha256(key.encode()).hexdigest()


def make_async_client(url: str, *, retries: int = 3, timeout_s: float = 30.0) -> redis.asyncio.Redis:
    """An asyncio redis-py client that retries connection errors briefly (then fails fast).

    ``timeout_s`` must exceed the longest ``XREAD BLOCK`` used on it.
    """
    import redis
    import redis.asyncio as aredis
    from redis.asyncio.retry import Retry
    from redis.backoff import ExponentialBackoff

    from sokrat._redact import redact

    try:
        return aredis.Redis.from_url(
            url,
            retry=Retry(ExponentialBackoff(cap=1.0, base=0.05), retries),
            retry_on_error=[redis.ConnectionError, redis.TimeoutError],
            socket_timeout=timeout_s,
            socket_connect_timeout=5.0,
            decode_responses=True,
        )
    except ValueError as e:
        raise RedisUnavailable(f"REDIS_URL {redact(url)!r} is not a valid Redis URL ({e})") from e


class TaskStore:
    """Every Redis operation of the server and the workers."""

    def __init__(self, client: redis.asyncio.Redis, *, namespace: str = "sokrat", events_max: int = 10_000,
                 task_retention_s: float = 0.0, media_retention_s: float = 0.0,
                 ack: str = "written", ack_timeout_ms: int = 2000) -> None:
        # Any: redis-py's annotations mix sync/async and bytes/str replies (decode_responses=True here)
        self.r: Any = client
        self.events_max = events_max
        self.task_retention_s = task_retention_s
        self.media_retention_s = media_retention_s
        self.ack_mode = ack
        self.ack_timeout_ms = ack_timeout_ms
        p = f"{namespace}:server:"
        self.p = p
        self.queue = p + "queue"
        self._create = Script(_CREATE)
        self._transition = Script(_TRANSITION)
        self._release = Script(_RELEASE)
        self._delete = Script(_DELETE_TASK)
        self._heartbeat = Script(_HEARTBEAT)
        after: tuple[Any, ...] = ()
        if ack == "fsync":
            after = ("WAITAOF", 1, 0, ack_timeout_ms)
        elif ack == "replica":
            after = ("WAITAOF", 1, 1, ack_timeout_ms)
        self._creates = GroupCommit(client, self._create, after=after, in_flight=16 if after else 1)

    @classmethod
    def from_settings(cls, settings: Settings) -> TaskStore:
        """On ``REDIS_URL``, or on the embedded server (started if needed; blocking)."""
        from sokrat.memory.connection import resolve_target

        url = resolve_target(settings).url
        return cls(make_async_client(url), namespace=settings.task_namespace, events_max=settings.task_events_max,
                   task_retention_s=settings.task_retention_s, media_retention_s=settings.media_retention_s,
                   ack=settings.task_ack, ack_timeout_ms=settings.task_ack_timeout_ms)

    async def close(self) -> None:
        await self.r.aclose()

    async def ping(self) -> None:
        await self.r.ping()

    async def uptime_s(self) -> float:
        """How long the Redis server has been up (a restart resets it)."""
        return float((await self.r.info("server"))["uptime_in_seconds"])

    def _task_key(self, task_id: str) -> str:
        return f"{self.p}task:{task_id}"

    def _events_key(self, task_id: str) -> str:
        return f"{self.p}events:{task_id}"

    def _media_key(self, media_id: str) -> str:
        return f"{self.p}media:{media_id}"

    def _index(self, owner: str | None, status: str | None) -> str:
        base = f"{self.p}own:{owner}:tasks" if owner is not None else f"{self.p}tasks"
        return f"{base}:{status}" if status else base

    # --- media ---------------------------------------------------------------------------------
    async def add_media(self, media: MediaRow) -> MediaRow:
        """Store an upload's row (with its retention deadline) and return it."""
        if self.media_retention_s > 0:
            media = MediaRow(**{**media.__dict__, "expires_at": media.created_at + self.media_retention_s})
        async with self.r.pipeline(transaction=True) as pipe:
            pipe.hset(self._media_key(media.id), mapping=media.mapping())
            if media.expires_at is not None:
                pipe.zadd(self.p + "expire:media", {media.id: media.expires_at})
            await pipe.execute()
        return media

    async def find_media(self, media_id: str) -> MediaRow | None:
        raw = await self.r.hgetall(self._media_key(media_id))
        return MediaRow.from_hash(raw) if raw else None

    async def get_media(self, media_id: str, *, owner: str | None = None) -> MediaRow:
        """The row; :class:`NotFound` when missing or (with ``owner``) someone else's."""
        row = await self.find_media(media_id)
        if row is None or (owner is not None and row.owner != owner):
            raise NotFound(f"no media with id {media_id!r}; upload it with POST /v1/media first")
        return row

    async def delete_media(self, media_id: str) -> MediaRow | None:
        """Remove the row (the caller removes the file); the row as it was, or None."""
        async with self.r.pipeline(transaction=True) as pipe:
            pipe.hgetall(self._media_key(media_id))
            pipe.delete(self._media_key(media_id))
            pipe.zrem(self.p + "expire:media", media_id)
            raw, _, _ = await pipe.execute()
        return MediaRow.from_hash(raw) if raw else None

    async def media_exist(self, media_ids: list[str]) -> list[bool]:
        async with self.r.pipeline(transaction=False) as pipe:
            for media_id in media_ids:
                pipe.exists(self._media_key(media_id))
            return [bool(n) for n in await pipe.execute()]

    # --- tasks ---------------------------------------------------------------------------------
    async def create_task(self, goal: str, media: list[str], options: TaskOptions, *, owner: str = ANONYMOUS,
                          admin: bool = False) -> str:
        """Store a queued task and put it on the queue: one script in one round trip, shared
        with the creations running at the same time (:class:`GroupCommit`), plus the durable
        acknowledgement in the same round trip when ``ack`` asks for one. Returns its id."""
        import redis

        task_id = uuid.uuid4().hex
        args = [self.p, task_id, owner, repr(time.time()), goal, json.dumps(media), options.model_dump_json(),
                "1" if admin else "0", len(media), *media]
        try:
            reply, acked = await self._creates(args)
        except redis.ResponseError as e:
            if "appendonly" in str(e).lower() or "unknown command" in str(e).lower():
                raise ConfigError(
                    f"SOKRAT_TASK_ACK={self.ack_mode} needs a Redis with the append-only file on (appendonly yes) "
                    f"and WAITAOF (Redis >= 7.2, valkey): {e}") from e
            raise
        if acked is not None and (int(acked[0]) < 1 or int(acked[1]) < (1 if self.ack_mode == "replica" else 0)):
            raise RedisUnavailable(
                f"the task was queued but not confirmed on disk{' and on a replica' if self.ack_mode == 'replica' else ''}"
                f" within {self.ack_timeout_ms} ms (SOKRAT_TASK_ACK={self.ack_mode}); it may run anyway. "
                "Check the Redis server's disk and replicas")
        if not int(reply[0]):
            raise InvalidInput(f"unknown media id {reply[1]!r}: upload the file with POST /v1/media "
                               "and pass the id it returns")
        return task_id

    async def find_task(self, task_id: str) -> TaskRow | None:
        raw = await self.r.hgetall(self._task_key(task_id))
        return TaskRow.from_hash(raw) if raw else None

    async def get_task(self, task_id: str, *, owner: str | None = None) -> TaskRow:
        """The row; :class:`NotFound` when missing or (with ``owner``) someone else's."""
        task = await self.find_task(task_id)
        if task is None or (owner is not None and task.owner != owner):
            raise NotFound(f"no task with id {task_id!r}")
        return task

    async def list_tasks(self, *, owner: str | None = None, status: str | None = None, limit: int = 20,
                         cursor: int | None = None) -> tuple[list[TaskRow], int | None]:
        """Newest first; ``owner=None`` lists everyone's. ``cursor`` is the ``next_cursor`` of
        the previous page (keyset paging: stable under inserts)."""
        top = f"({cursor}" if cursor is not None else "+inf"
        rows = await self.r.zrevrangebyscore(self._index(owner, status), top, "-inf", start=0, num=limit + 1,
                                             withscores=True)
        page, more = rows[:limit], len(rows) > limit
        async with self.r.pipeline(transaction=False) as pipe:
            for task_id, _ in page:
                pipe.hgetall(self._task_key(task_id))
            raws = await pipe.execute()
        tasks = [TaskRow.from_hash(raw) for raw in raws if raw]
        return tasks, (int(page[-1][1]) if more and page else None)

    async def transition(self, task_id: str, status: str, *, allowed: str = "*", count_attempt: bool = False,
                         **fields: Any) -> tuple[bool, str]:
        """Set ``status`` (and ``fields``) if the current status is in ``allowed``; (changed, old).
        A terminal status schedules the retention delete."""
        now = time.time()
        expire = repr(now + self.task_retention_s) if status in TERMINAL_STATUSES and self.task_retention_s > 0 else ""
        args: list[Any] = [self.p, task_id, status, allowed, repr(now), expire, "1" if count_attempt else "0"]
        for name, value in fields.items():
            args += [name, value]
        ok, old = await self._transition(self.r, args)
        return bool(ok), old

    async def set_cancel_flag(self, task_id: str) -> None:
        await self.r.hset(self._task_key(task_id), "cancel", "1")

    async def cancel_requested(self, task_id: str) -> bool:
        return await self.r.hget(self._task_key(task_id), "cancel") == "1"

    async def start(self, task_id: str, worker: str) -> bool:
        """Mark a queued (or reclaimed running) task running under ``worker``; counts an attempt."""
        ok, _ = await self.transition(task_id, "running", allowed="queued,running", count_attempt=True,
                                      worker=worker, started_at=repr(time.time()))
        return ok

    async def finish(self, task_id: str, result: Result, *, entry_id: str | None = None,
                     allowed: str = "queued,running") -> bool:
        """Record the final result (status from ``result.status``); ack the queue entry."""
        ok, _ = await self.transition(task_id, result.status, allowed=allowed,
                                      result=result.model_dump_json(), finished_at=repr(time.time()))
        if entry_id is not None:
            await self.ack(entry_id)
        return ok

    async def delete_task(self, task_id: str) -> bool:
        return bool(await self._delete(self.r, [self.p, task_id]))

    # --- events --------------------------------------------------------------------------------
    async def append_event(self, task_id: str, event: Event) -> str:
        return await self.r.xadd(self._events_key(task_id), {"e": event.model_dump_json()},
                                 maxlen=self.events_max, approximate=True)

    async def read_events(self, task_id: str, after: str, *, block_ms: int | None = None,
                          count: int = 100) -> list[tuple[str, Event]]:
        """Events after stream id ``after`` (``0-0``: from the start); blocks up to ``block_ms``."""
        reply = await self.r.xread({self._events_key(task_id): after}, count=count, block=block_ms)
        out: list[tuple[str, Event]] = []
        for _, entries in reply or []:
            for entry_id, fields in entries:
                out.append((entry_id, Event.model_validate_json(fields["e"])))
        return out

    # --- queue ---------------------------------------------------------------------------------
    async def ensure_group(self) -> None:
        import redis

        try:
            await self.r.xgroup_create(self.queue, GROUP, id="0", mkstream=True)
        except redis.ResponseError as e:
            if "BUSYGROUP" not in str(e):
                raise

    async def reclaim(self, consumer: str, *, min_idle_ms: int, start: str = "0-0") -> tuple[Claim | None, str]:
        """Take over one entry idle longer than ``min_idle_ms``; (claim, next scan cursor)."""
        reply = await self.r.xautoclaim(self.queue, GROUP, consumer, min_idle_ms, start_id=start, count=1)
        next_start, entries = reply[0], reply[1]
        for entry_id, fields in entries:
            if fields and "task" in fields:
                return Claim(entry_id, fields["task"], reclaimed=True), next_start
            await self.ack(entry_id)  # a malformed entry must not circulate forever
        return None, next_start

    async def read_new(self, consumer: str, *, block_ms: int) -> Claim | None:
        reply = await self.r.xreadgroup(GROUP, consumer, {self.queue: ">"}, count=1, block=block_ms)
        for _, entries in reply or []:
            for entry_id, fields in entries:
                if fields and "task" in fields:
                    return Claim(entry_id, fields["task"], reclaimed=False)
                await self.ack(entry_id)
        return None

    async def heartbeat(self, consumer: str, entry_id: str) -> bool:
        """Keep ownership of an entry; False when another worker has taken it over."""
        return bool(await self._heartbeat(self.r, [GROUP, entry_id, consumer], keys=(self.queue,)))

    async def ack(self, entry_id: str) -> None:
        async with self.r.pipeline(transaction=True) as pipe:
            pipe.xack(self.queue, GROUP, entry_id)
            pipe.xdel(self.queue, entry_id)
            await pipe.execute()

    async def release(self, task_id: str, entry_id: str, *, outage: bool = False) -> None:
        """Give a running task back to the queue now, uncounted (graceful shutdown, or a Redis
        outage during the run): another worker resumes it from its checkpoint."""
        await self._release(self.r, [self.p, task_id, entry_id, GROUP, repr(time.time()), "1" if outage else "0"])

    async def queue_depth(self) -> int:
        return int(await self.r.xlen(self.queue))

    # --- retention -----------------------------------------------------------------------------
    async def sweep(self, *, now: float | None = None, batch: int = 500) -> tuple[int, list[MediaRow]]:
        """Delete the tasks and media whose retention ran out (one process at a time);
        (tasks deleted, media rows deleted: the caller removes their files)."""
        now = time.time() if now is None else now
        if not await self.r.set(self.p + "sweep:lock", "1", nx=True, px=30_000):
            return 0, []
        try:
            due = await self.r.zrangebyscore(self.p + "expire:tasks", "-inf", repr(now), start=0, num=batch)
            deleted = 0
            for task_id in due:
                deleted += await self.delete_task(task_id)
            media_due = await self.r.zrangebyscore(self.p + "expire:media", "-inf", repr(now), start=0, num=batch)
            rows = [row for media_id in media_due if (row := await self.delete_media(media_id)) is not None]
            return deleted, rows
        finally:
            await self.r.delete(self.p + "sweep:lock")

    # --- API keys (``sokrat keys``) --------------------------------------------------------------
    async def add_key(self, key: str, *, owner: str, admin: bool = False, label: str = "") -> StoredKey:
        stored = StoredKey(digest=key_digest(key), owner=owner, admin=admin, created_at=time.time(), label=label)
        async with self.r.pipeline(transaction=True) as pipe:
            pipe.hset(self.p + "keys", stored.digest, json.dumps(
                {"owner": owner, "admin": admin, "created_at": stored.created_at, "label": label}))
            pipe.srem(self.p + "keys:revoked", stored.digest)
            await pipe.execute()
        return stored

    async def keys(self) -> tuple[list[StoredKey], set[str]]:
        """(managed keys, revoked digests)."""
        async with self.r.pipeline(transaction=False) as pipe:
            pipe.hgetall(self.p + "keys")
            pipe.smembers(self.p + "keys:revoked")
            raw, revoked = await pipe.execute()
        out = []
        for digest, blob in raw.items():
            d = json.loads(blob)
            out.append(StoredKey(digest=digest, owner=d["owner"], admin=bool(d.get("admin")),
                                 created_at=float(d.get("created_at", 0)), label=d.get("label", "")))
        return out, set(revoked)

    async def revoke_key(self, digest: str) -> bool:
        """Revoke by digest (managed keys are removed; keys from the environment are listed as
        revoked, so every server refuses them until the digest is un-revoked)."""
        async with self.r.pipeline(transaction=True) as pipe:
            pipe.hdel(self.p + "keys", digest)
            pipe.sadd(self.p + "keys:revoked", digest)
            removed, _ = await pipe.execute()
        return bool(removed)


__all__ = ["ANONYMOUS", "GROUP", "MAX_ATTEMPTS", "Claim", "MediaRow", "StoredKey", "TaskRow", "TaskStore",
           "key_digest", "make_async_client"]
