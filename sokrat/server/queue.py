"""Tasks, media records, the work queue and per-task event streams, all in Redis.

Layout (``ns`` is ``settings.task_namespace``, default ``sokrat``)::

    {ns}:server:task:{id}          hash: goal, media, paths, options, status, result, ...
    {ns}:server:tasks              zset of every task id, scored by a creation sequence
    {ns}:server:tasks:{status}     zset per status (same scores), for ``GET /v1/tasks?status=``
    {ns}:server:queue              stream + consumer group ``workers``: one entry per run to do
    {ns}:server:events:{id}        stream of the task's events (capped), read by the SSE endpoint
    {ns}:server:media:{id}         hash: an uploaded file's path and probe results

Why hand-written on redis-py streams rather than arq / rq / taskiq / saq: Sokrat needs, in
one place, (1) a consumer group whose entries a *live* worker keeps by heartbeat while a
*dead* worker's entries are reclaimed after a short visibility timeout (XAUTOCLAIM) - agent
runs last up to ``max_wall_s``, so a reclaim-by-idle-time queue without heartbeats would
either steal long runs or wait many minutes for a killed worker's task; (2) a per-task event
stream that late subscribers replay from any id (SSE ``Last-Event-ID``); (3) cancel flags and
status indexes with atomic transitions. arq and rq have no consumer-group reclaim; taskiq's
stream broker reclaims by idle time only and has no per-task event streams. The whole queue
is a few Redis commands, so we keep it here rather than bend a framework around it.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from sokrat.errors import NotFound
from sokrat.types import Event, Result

if TYPE_CHECKING:
    import redis.asyncio

    from sokrat.settings import Settings

TaskStatus = Literal["queued", "running", "succeeded", "failed", "cancelled", "budget_exhausted"]
STATUSES: tuple[str, ...] = ("queued", "running", "succeeded", "failed", "cancelled", "budget_exhausted")
TERMINAL = frozenset({"succeeded", "failed", "cancelled", "budget_exhausted"})
GROUP = "workers"
MAX_ATTEMPTS = 3
"""A task that took down this many workers (killed mid-run) is failed instead of retried."""

# Atomic status change: check the old status, move the id between status indexes, set fields.
# KEYS[1] task hash; ARGV: id, index prefix, new status, allowed old ("a,b" or "*"), field/value...
_TRANSITION = """
local old = redis.call('HGET', KEYS[1], 'status')
if not old then return {0, ''} end
if ARGV[4] ~= '*' and not string.find(',' .. ARGV[4] .. ',', ',' .. old .. ',', 1, true) then
  return {0, old}
end
if old ~= ARGV[3] then
  local seq = redis.call('HGET', KEYS[1], 'seq')
  redis.call('ZREM', ARGV[2] .. old, ARGV[1])
  redis.call('ZADD', ARGV[2] .. ARGV[3], seq, ARGV[1])
end
redis.call('HSET', KEYS[1], 'status', ARGV[3], 'updated_at', ARGV[5], unpack(ARGV, 6))
return {1, old}
"""

# Heartbeat: reset the idle time of a queue entry, but only while this consumer owns it.
# KEYS[1] queue; ARGV: group, entry id, consumer.
_HEARTBEAT = """
local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[2], ARGV[2], 1)
if #p == 0 or p[1][2] ~= ARGV[3] then return 0 end
redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[3], 0, ARGV[2], 'JUSTID')
return 1
"""


class TaskOptions(BaseModel):
    """Per-task overrides of the process limits (``"options"`` of ``POST /v1/tasks``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_steps: int | None = Field(default=None, ge=1, le=200, description="Step cap of this run.")
    max_wall_s: float | None = Field(default=None, gt=0, le=86_400, description="Wall-clock cap, seconds.")

    def overrides(self) -> dict[str, Any]:
        """The settings fields this task changes."""
        return self.model_dump(exclude_none=True)


class MediaRecord(BaseModel):
    """An uploaded media file."""

    model_config = ConfigDict(frozen=True)

    id: str
    kind: Literal["video", "audio"]
    duration_s: float
    bytes: int
    filename: str = ""
    path: str = Field(default="", exclude=True)
    """Where the file is on the server's (shared) disk; never sent to clients."""


class TaskRecord(BaseModel):
    """A task as ``GET /v1/tasks/{id}`` shows it."""

    model_config = ConfigDict(frozen=True)

    id: str
    goal: str
    media: list[str] = Field(default_factory=list)
    options: TaskOptions = Field(default_factory=TaskOptions)
    status: TaskStatus
    created_at: float
    updated_at: float
    started_at: float | None = None
    finished_at: float | None = None
    attempts: int = 0
    cancel_requested: bool = False
    worker: str | None = None
    result: Result | None = None
    paths: list[str] = Field(default_factory=list, exclude=True)
    """Local paths of the media, for the worker."""


@dataclass(frozen=True)
class Claim:
    """A queue entry a worker now owns."""

    entry_id: str
    task_id: str
    reclaimed: bool
    """True when taken over from a worker that stopped heartbeating."""


def _opt_float(value: str | None) -> float | None:
    return float(value) if value not in (None, "") else None


def make_async_client(url: str, *, retries: int = 3, timeout_s: float = 30.0) -> redis.asyncio.Redis:
    """An asyncio redis-py client that retries connection errors briefly (then fails fast).

    ``timeout_s`` must exceed the longest ``XREAD BLOCK`` used on it.
    """
    import redis
    import redis.asyncio as aredis
    from redis.asyncio.retry import Retry
    from redis.backoff import ExponentialBackoff

    return aredis.Redis.from_url(
        url,
        retry=Retry(ExponentialBackoff(cap=1.0, base=0.05), retries),
        retry_on_error=[redis.ConnectionError, redis.TimeoutError],
        socket_timeout=timeout_s,
        socket_connect_timeout=5.0,
        decode_responses=True,
    )


class TaskStore:
    """Every Redis operation of the server and the workers."""

    def __init__(self, client: redis.asyncio.Redis, *, namespace: str = "sokrat", events_max: int = 10_000) -> None:
        # Any: redis-py's annotations mix sync/async and bytes/str replies (decode_responses=True here)
        self.r: Any = client
        self.events_max = events_max
        p = f"{namespace}:server:"
        self._p = p
        self.queue = p + "queue"
        self.index = p + "tasks"
        self.status_prefix = p + "tasks:"
        self._transition = client.register_script(_TRANSITION)
        self._heartbeat = client.register_script(_HEARTBEAT)

    @classmethod
    def from_settings(cls, settings: Settings) -> TaskStore:
        """On ``REDIS_URL``, or on the embedded server (started if needed; blocking)."""
        from sokrat.memory.connection import resolve_target

        url = resolve_target(settings).url
        return cls(make_async_client(url), namespace=settings.task_namespace, events_max=settings.task_events_max)

    async def close(self) -> None:
        await self.r.aclose()

    async def ping(self) -> None:
        await self.r.ping()

    def _task_key(self, task_id: str) -> str:
        return f"{self._p}task:{task_id}"

    def _events_key(self, task_id: str) -> str:
        return f"{self._p}events:{task_id}"

    def _media_key(self, media_id: str) -> str:
        return f"{self._p}media:{media_id}"

    # --- media ---------------------------------------------------------------------------------
    async def add_media(self, media: MediaRecord) -> None:
        await self.r.hset(self._media_key(media.id), mapping={
            "id": media.id, "kind": media.kind, "duration_s": repr(media.duration_s),
            "bytes": str(media.bytes), "filename": media.filename, "path": media.path,
        })

    async def get_media(self, media_id: str) -> MediaRecord:
        raw = await self.r.hgetall(self._media_key(media_id))
        if not raw:
            raise NotFound(f"no media with id {media_id!r}; upload it with POST /v1/media first")
        return MediaRecord(id=raw["id"], kind=raw["kind"], duration_s=float(raw["duration_s"]),  # type: ignore[arg-type]
                           bytes=int(raw["bytes"]), filename=raw.get("filename", ""), path=raw["path"])

    # --- tasks ---------------------------------------------------------------------------------
    async def create_task(self, goal: str, media: list[MediaRecord], options: TaskOptions) -> TaskRecord:
        """Store a queued task and put it on the queue (one transaction)."""
        task_id = uuid.uuid4().hex
        now = time.time()
        seq = await self.r.incr(self._p + "seq")
        fields = {
            "id": task_id, "goal": goal, "media": json.dumps([m.id for m in media]),
            "paths": json.dumps([m.path for m in media]), "options": options.model_dump_json(),
            "status": "queued", "seq": str(seq), "created_at": repr(now), "updated_at": repr(now),
            "attempts": "0", "cancel": "0",
        }
        async with self.r.pipeline(transaction=True) as pipe:
            pipe.hset(self._task_key(task_id), mapping=fields)
            pipe.zadd(self.index, {task_id: seq})
            pipe.zadd(self.status_prefix + "queued", {task_id: seq})
            pipe.xadd(self.queue, {"task": task_id})
            await pipe.execute()
        return self._record(fields)

    def _record(self, raw: dict[str, str]) -> TaskRecord:
        return TaskRecord(
            id=raw["id"], goal=raw["goal"], media=json.loads(raw.get("media") or "[]"),
            options=TaskOptions.model_validate_json(raw.get("options") or "{}"),
            status=raw["status"],  # type: ignore[arg-type]
            created_at=float(raw["created_at"]), updated_at=float(raw.get("updated_at") or raw["created_at"]),
            started_at=_opt_float(raw.get("started_at")), finished_at=_opt_float(raw.get("finished_at")),
            attempts=int(raw.get("attempts") or 0), cancel_requested=raw.get("cancel") == "1",
            worker=raw.get("worker") or None,
            result=Result.model_validate_json(raw["result"]) if raw.get("result") else None,
            paths=json.loads(raw.get("paths") or "[]"),
        )

    async def find_task(self, task_id: str) -> TaskRecord | None:
        raw = await self.r.hgetall(self._task_key(task_id))
        return self._record(raw) if raw else None

    async def get_task(self, task_id: str) -> TaskRecord:
        task = await self.find_task(task_id)
        if task is None:
            raise NotFound(f"no task with id {task_id!r}")
        return task

    async def list_tasks(self, *, status: str | None = None, limit: int = 20,
                         cursor: int | None = None) -> tuple[list[TaskRecord], int | None]:
        """Newest first. ``cursor`` is the ``next_cursor`` of the previous page (stable under inserts)."""
        key = self.status_prefix + status if status else self.index
        top = f"({cursor}" if cursor is not None else "+inf"
        rows = await self.r.zrevrangebyscore(key, top, "-inf", start=0, num=limit + 1, withscores=True)
        page, more = rows[:limit], len(rows) > limit
        async with self.r.pipeline(transaction=False) as pipe:
            for task_id, _ in page:
                pipe.hgetall(self._task_key(task_id))
            raws = await pipe.execute()
        tasks = [self._record(raw) for raw in raws if raw]
        return tasks, (int(page[-1][1]) if more and page else None)

    async def transition(self, task_id: str, status: str, *, allowed: str = "*", **fields: Any) -> tuple[bool, str]:
        """Set ``status`` (and ``fields``) if the current status is in ``allowed``; (changed, old)."""
        args: list[Any] = [task_id, self.status_prefix, status, allowed, repr(time.time())]
        for name, value in fields.items():
            args += [name, value]
        ok, old = await self._transition(keys=[self._task_key(task_id)], args=args)
        return bool(ok), old

    async def set_cancel_flag(self, task_id: str) -> None:
        await self.r.hset(self._task_key(task_id), "cancel", "1")

    async def cancel_requested(self, task_id: str) -> bool:
        return await self.r.hget(self._task_key(task_id), "cancel") == "1"

    async def start(self, task_id: str, worker: str) -> bool:
        """Mark a queued (or reclaimed running) task running under ``worker``."""
        ok, _ = await self.transition(task_id, "running", allowed="queued,running", worker=worker,
                                      started_at=repr(time.time()))
        if ok:
            await self.r.hincrby(self._task_key(task_id), "attempts", 1)
        return ok

    async def finish(self, task_id: str, result: Result, *, entry_id: str | None = None,
                     allowed: str = "queued,running") -> bool:
        """Record the final result (status from ``result.status``); ack the queue entry."""
        ok, _ = await self.transition(task_id, result.status, allowed=allowed,
                                      result=result.model_dump_json(), finished_at=repr(time.time()))
        if entry_id is not None:
            await self.ack(entry_id)
        return ok

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
        return bool(await self._heartbeat(keys=[self.queue], args=[GROUP, entry_id, consumer]))

    async def ack(self, entry_id: str) -> None:
        async with self.r.pipeline(transaction=True) as pipe:
            pipe.xack(self.queue, GROUP, entry_id)
            pipe.xdel(self.queue, entry_id)
            await pipe.execute()

    async def release(self, task_id: str, entry_id: str) -> None:
        """Give a running task back to the queue now (graceful shutdown): re-queue, then ack."""
        await self.transition(task_id, "queued", allowed="running", worker="")
        async with self.r.pipeline(transaction=True) as pipe:
            pipe.xadd(self.queue, {"task": task_id})
            pipe.xack(self.queue, GROUP, entry_id)
            pipe.xdel(self.queue, entry_id)
            await pipe.execute()

    async def queue_depth(self) -> int:
        return int(await self.r.xlen(self.queue))


def media_dir(settings: Settings) -> Path:
    """Where uploads are stored (must be shared with workers on other machines)."""
    return Path(settings.data_dir).expanduser() / "media"
