"""Tasks, media records, the work queue, per-task event streams and API keys, all in Redis.

:class:`TaskStore` is the one object the server and the workers use; it holds one store per
concern over one client (:mod:`sokrat.server.stores`: ``rows`` task rows and their indexes,
``media``, ``work`` the queue, ``events``, ``keyring``) and adds retention. Key names and
hash slots are in :mod:`sokrat.server._layout`; a Redis Cluster works as well as one Redis
(:func:`make_async_client` picks the cluster client when the server runs in cluster mode).

Why hand-written on redis-py streams rather than arq / rq / taskiq / saq: saq and rq have job
heartbeats and stuck-job detection, and those fit our need (1) below; what none of them has
is our need (2). (1) A consumer group whose entries a *live* worker keeps by heartbeat while
a *dead* worker's entries are reclaimed after a short visibility timeout (XAUTOCLAIM): agent
runs last up to ``max_wall_s``. (2) Creating a task checks its media's owners, stores the
row, indexes it and queues it in one batched round trip shared by concurrent submissions
(:class:`~sokrat.server._scripts.GroupCommit`, 4k submissions/s on two processes); a queue
library would hold the job beside our task rows, a second write per submission. Per-task
event streams, owners, status indexes and cancel flags are application data that would sit
beside any queue library. The queue itself is a handful of short Lua scripts.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from sokrat.errors import ConfigError, NotFound, RedisUnavailable
from sokrat.server._layout import Layout
from sokrat.server._scripts import GroupCommit
from sokrat.server.rows import ANONYMOUS, Claim, MediaRow, StoredKey, TaskRow, key_digest
from sokrat.server.schemas import TaskOptions
from sokrat.server.stores import (
    GROUP,
    EventLog,
    KeyRing,
    MediaRows,
    TaskRows,
    WorkQueue,
    is_cluster,
    migrate_legacy_layout,
    new_task,
)
from sokrat.types import Event, Result

if TYPE_CHECKING:
    from sokrat.settings import Settings

MAX_ATTEMPTS = 3
"""A task that took down this many workers (killed mid-run) is failed instead of retried."""
MAX_OUTAGE_REQUEUES = 5
"""A task re-queued this many times because Redis went away mid-run is failed on the next."""


def make_async_client(url: str, *, retries: int = 3, timeout_s: float = 30.0) -> Any:
    """An asyncio redis-py client that retries connection errors briefly (then fails fast):
    a cluster client when the server at ``url`` runs in cluster mode (it then finds the other
    nodes itself), else a plain one.

    ``timeout_s`` must exceed the longest ``XREAD BLOCK`` used on it.
    """
    import redis
    import redis.asyncio as aredis
    from redis.asyncio.retry import Retry
    from redis.backoff import ExponentialBackoff

    from sokrat._redact import redact
    from sokrat.memory.connection import cluster_mode

    options: dict[str, Any] = {
        "retry": Retry(ExponentialBackoff(cap=1.0, base=0.05), retries),
        "retry_on_error": [redis.ConnectionError, redis.TimeoutError],
        "socket_timeout": timeout_s, "socket_connect_timeout": 5.0, "decode_responses": True}
    try:
        if cluster_mode(url):
            return aredis.RedisCluster.from_url(url, **options)
        return aredis.Redis.from_url(url, **options)
    except ValueError as e:
        raise RedisUnavailable(f"REDIS_URL {redact(url)!r} is not a valid Redis URL ({e})") from e


class TaskStore:
    """Every Redis operation of the server and the workers, by concern:

    - ``rows``: task rows and their status indexes (:class:`~sokrat.server.stores.TaskRows`);
    - ``media``: upload rows; ``events``: each task's event stream; ``work``: the queue;
    - ``keyring``: API keys managed by ``sokrat keys``;
    - and here: retention (:meth:`sweep`), which spans them.

    The methods below are the short names the server and the workers call.
    """

    def __init__(self, client: Any, *, namespace: str = "sokrat", events_max: int = 10_000,
                 task_retention_s: float = 0.0, media_retention_s: float = 0.0,
                 ack: str = "written", ack_timeout_ms: int = 2000) -> None:
        # Any: redis-py's annotations mix sync/async and bytes/str replies (decode_responses=True here)
        self.r: Any = client
        self.layout = Layout(namespace)
        self.ack_mode = ack
        durable: tuple[Any, ...] = ()
        if ack in ("fsync", "replica"):
            if is_cluster(client):
                raise ConfigError(
                    f"SOKRAT_TASK_ACK={ack} is not supported on a Redis Cluster (WAITAOF waits for one "
                    "connection's writes on one node, and a task's writes span nodes); use "
                    "SOKRAT_TASK_ACK=written with appendfsync always on every node instead")
            durable = ("WAITAOF", 1, 1 if ack == "replica" else 0, ack_timeout_ms)
        self.media = MediaRows(client, self.layout, retention_s=media_retention_s)
        self.rows = TaskRows(client, self.layout, self.media, retention_s=task_retention_s, durable_ack=durable)
        self.events = EventLog(client, self.layout, max_len=events_max)
        self.work = WorkQueue(client, self.layout)
        self.keyring = KeyRing(client, self.layout)
        self.queue = self.layout.queue
        """The queue stream's key (for logs)."""

    @classmethod
    def from_settings(cls, settings: Settings) -> TaskStore:
        """On ``REDIS_URL``, or on the embedded server (started if needed; blocking)."""
        from sokrat.memory.connection import resolve_target

        url = resolve_target(settings).url
        return cls(make_async_client(url), namespace=settings.task_namespace, events_max=settings.task_events_max,
                   task_retention_s=settings.task_retention_s, media_retention_s=settings.media_retention_s,
                   ack=settings.task_ack, ack_timeout_ms=settings.task_ack_timeout_ms)

    @property
    def _creates(self) -> GroupCommit[Any, Any]:
        return self.rows.creates

    async def close(self) -> None:
        await self.r.aclose()

    async def ping(self) -> None:
        await self.r.ping()

    async def uptime_s(self) -> float:
        """How long the Redis server has been up (a restart resets it; on a cluster: the node
        up the shortest time)."""
        if is_cluster(self.r):
            replies = await self.r.info("server", target_nodes=self.r.PRIMARIES)
            return min(float(info["uptime_in_seconds"]) for info in replies.values())
        return float((await self.r.info("server"))["uptime_in_seconds"])

    # --- media ---------------------------------------------------------------------------------
    async def add_media(self, media: MediaRow) -> MediaRow:
        """Store an upload's row (with its retention deadline) and return it."""
        return await self.media.add(media)

    async def find_media(self, media_id: str) -> MediaRow | None:
        return await self.media.find(media_id)

    async def get_media(self, media_id: str, *, owner: str | None = None) -> MediaRow:
        """The row; :class:`NotFound` when missing or (with ``owner``) someone else's."""
        row = await self.media.find(media_id)
        if row is None or (owner is not None and row.owner != owner):
            raise NotFound(f"no media with id {media_id!r}; upload it with POST /v1/media first")
        return row

    async def delete_media(self, media_id: str) -> MediaRow | None:
        """Remove the row (the caller removes the file); the row as it was, or None."""
        return await self.media.delete(media_id)

    async def media_exist(self, media_ids: list[str]) -> list[bool]:
        return await self.media.exist(media_ids)

    # --- tasks ---------------------------------------------------------------------------------
    async def create_task(self, goal: str, media: list[str], options: TaskOptions, *, owner: str = ANONYMOUS,
                          admin: bool = False) -> str:
        """Store a queued task and put it on the queue, in one round trip shared with the
        creations running at the same time (:class:`~sokrat.server._scripts.GroupCommit`), plus
        the durable acknowledgement when ``ack`` asks for one. Returns its id."""
        import redis

        try:
            return await self.rows.create(new_task(goal, media, options, owner=owner, admin=admin))
        except redis.ResponseError as e:
            if "appendonly" in str(e).lower() or "unknown command" in str(e).lower():
                raise ConfigError(
                    f"SOKRAT_TASK_ACK={self.ack_mode} needs a Redis with the append-only file on (appendonly yes) "
                    f"and WAITAOF (Redis >= 7.2, valkey): {e}") from e
            raise

    async def find_task(self, task_id: str) -> TaskRow | None:
        return await self.rows.find(task_id)

    async def get_task(self, task_id: str, *, owner: str | None = None) -> TaskRow:
        """The row; :class:`NotFound` when missing or (with ``owner``) someone else's."""
        task = await self.rows.find(task_id)
        if task is None or (owner is not None and task.owner != owner):
            raise NotFound(f"no task with id {task_id!r}")
        return task

    async def list_tasks(self, *, owner: str | None = None, status: str | None = None, limit: int = 20,
                         cursor: int | None = None) -> tuple[list[TaskRow], int | None]:
        """Newest first; ``owner=None`` lists everyone's (keyset paging by ``cursor``)."""
        return await self.rows.list(owner=owner, status=status, limit=limit, cursor=cursor)

    async def transition(self, task_id: str, status: str, *, allowed: str = "*", count_attempt: bool = False,
                         **fields: Any) -> tuple[bool, str]:
        """Set ``status`` (and ``fields``) if the current status is in ``allowed``; (changed, old)."""
        return await self.rows.transition(task_id, status, allowed=allowed, count_attempt=count_attempt, **fields)

    async def set_cancel_flag(self, task_id: str) -> None:
        await self.rows.set_cancel_flag(task_id)

    async def cancel_requested(self, task_id: str) -> bool:
        return await self.rows.cancel_requested(task_id)

    async def start(self, task_id: str, worker: str) -> bool:
        """Mark a queued (or reclaimed running) task running under ``worker``; counts an attempt."""
        ok, _ = await self.rows.transition(task_id, "running", allowed="queued,running", count_attempt=True,
                                           worker=worker, started_at=repr(time.time()))
        return ok

    async def finish(self, task_id: str, result: Result, *, entry_id: str | None = None,
                     allowed: str = "queued,running") -> bool:
        """Record the final result (status from ``result.status``); ack the queue entry."""
        ok, _ = await self.rows.transition(task_id, result.status, allowed=allowed,
                                           result=result.model_dump_json(), finished_at=repr(time.time()))
        if entry_id is not None:
            await self.work.ack(entry_id)
        return ok

    async def delete_task(self, task_id: str) -> bool:
        return await self.rows.delete(task_id)

    # --- events --------------------------------------------------------------------------------
    async def append_event(self, task_id: str, event: Event) -> str:
        return await self.events.append(task_id, event)

    async def read_events(self, task_id: str, after: str, *, block_ms: int | None = None,
                          count: int = 100) -> list[tuple[str, Event]]:
        """Events after stream id ``after`` (``0-0``: from the start); blocks up to ``block_ms``."""
        return await self.events.read(task_id, after, block_ms=block_ms, count=count)

    # --- queue ---------------------------------------------------------------------------------
    async def ensure_group(self) -> None:
        """Create the consumer group (moving data of the older key layout first, once)."""
        await migrate_legacy_layout(self.r, self.layout)
        await self.work.ensure_group()

    async def reclaim(self, consumer: str, *, min_idle_ms: int, start: str = "0-0") -> tuple[Claim | None, str]:
        """Take over one entry idle longer than ``min_idle_ms``; (claim, next scan cursor)."""
        return await self.work.reclaim(consumer, min_idle_ms=min_idle_ms, start=start)

    async def read_new(self, consumer: str, *, block_ms: int) -> Claim | None:
        return await self.work.read_new(consumer, block_ms=block_ms)

    async def heartbeat(self, consumer: str, entry_id: str) -> bool:
        """Keep ownership of an entry; False when another worker has taken it over."""
        return await self.work.heartbeat(consumer, entry_id)

    async def ack(self, entry_id: str) -> None:
        await self.work.ack(entry_id)

    async def release(self, task_id: str, entry_id: str, *, outage: bool = False) -> None:
        """Give a running task back to the queue now, uncounted (graceful shutdown, or a Redis
        outage during the run): another worker resumes it from its checkpoint."""
        if await self.rows.release(task_id, outage=outage):
            await self.work.requeue(task_id, entry_id)
        else:
            await self.work.ack(entry_id)

    async def queue_depth(self) -> int:
        return await self.work.depth()

    # --- retention -----------------------------------------------------------------------------
    async def sweep(self, *, now: float | None = None, batch: int = 500) -> tuple[int, list[MediaRow]]:
        """Delete the tasks and media whose retention ran out (one process at a time);
        (tasks deleted, media rows deleted: the caller removes their files)."""
        now = time.time() if now is None else now
        lock = self.layout.sweep_lock
        if not await self.r.set(lock, "1", nx=True, px=30_000):
            return 0, []
        try:
            due = await self.r.zrangebyscore(self.layout.expire_tasks, "-inf", repr(now), start=0, num=batch)
            deleted = 0
            for task_id in due:
                deleted += await self.rows.delete(task_id)
            media_due = await self.r.zrangebyscore(self.layout.expire_media, "-inf", repr(now), start=0, num=batch)
            rows = [row for media_id in media_due if (row := await self.media.delete(media_id)) is not None]
            return deleted, rows
        finally:
            await self.r.delete(lock)

    # --- API keys (``sokrat keys``) --------------------------------------------------------------
    async def add_key(self, key: str, *, owner: str, admin: bool = False, label: str = "") -> StoredKey:
        return await self.keyring.add(key, owner=owner, admin=admin, label=label)

    async def keys(self) -> tuple[list[StoredKey], set[str]]:
        """(managed keys, revoked digests)."""
        return await self.keyring.all()

    async def revoke_key(self, digest: str) -> bool:
        """Revoke by digest (managed keys are removed; env keys are listed as revoked)."""
        return await self.keyring.revoke(digest)


__all__ = ["ANONYMOUS", "GROUP", "MAX_ATTEMPTS", "Claim", "MediaRow", "StoredKey", "TaskRow", "TaskStore",
           "key_digest", "make_async_client"]
