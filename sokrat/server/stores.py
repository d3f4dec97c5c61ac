"""The server's Redis data by concern: task rows and their indexes, media rows, the work
queue, event logs and API keys. :class:`~sokrat.server.queue.TaskStore` holds one of each
over one client (a plain or a cluster client: every key a command or script touches is
named, and one script's keys share a hash slot, see :mod:`sokrat.server._layout`).

A task's row lives in its own slot and the indexes and queue in the shared slot, so a state
change is two steps, always in this order: the row first (the truth: status, result), then
the indexes and the queue. A process dying between them leaves:

- a created row that was never queued: readable by id, not listed, never run (the client got
  an error, not an id);
- an index entry behind the row's status: listing by status re-checks each row and drops it;
  the next transition of the task fixes the index (versions, :mod:`sokrat.server._scripts`);
- a released task still pending in the queue: reclaimed after the visibility timeout.

Media ownership is checked just before a task is created, not in the same atomic step (a media
row is in another slot); a media deleted in between makes the run fail with a clear error.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

from sokrat.errors import InvalidInput, RedisUnavailable
from sokrat.server import _scripts
from sokrat.server._layout import LAYOUT_VERSION, Layout
from sokrat.server.rows import ANONYMOUS, Claim, MediaRow, StoredKey, TaskRow, key_digest
from sokrat.server.schemas import TaskOptions
from sokrat.types import TASK_STATUSES, TERMINAL_STATUSES, Event

GROUP = "workers"


def is_cluster(r: Any) -> bool:
    """True for a redis-py cluster client."""
    from redis.asyncio.cluster import RedisCluster

    return isinstance(r, RedisCluster)


@dataclass(frozen=True)
class NewTask:
    """A task creation waiting for its batch."""

    id: str
    owner: str
    admin: bool
    goal: str
    media: list[str]
    options: TaskOptions
    created_at: float


def _row_mapping(c: NewTask) -> dict[str, str | int]:
    now = repr(c.created_at)
    return {"id": c.id, "owner": c.owner, "goal": c.goal, "media": json.dumps(c.media),
            "options": c.options.model_dump_json(), "status": "queued", "created_at": now, "updated_at": now,
            "attempts": 0, "cancel": 0, "admin": "1" if c.admin else "0", "v": 0}


class MediaRows:
    """Upload rows (``media:{id}``), with their retention deadlines."""

    def __init__(self, r: Any, layout: Layout, *, retention_s: float = 0.0) -> None:
        self.r = r
        self.layout = layout
        self.retention_s = retention_s

    async def add(self, media: MediaRow) -> MediaRow:
        """Store an upload's row (with its retention deadline) and return it."""
        if self.retention_s > 0:
            media = MediaRow(**{**media.__dict__, "expires_at": media.created_at + self.retention_s})
        await self.r.hset(self.layout.media(media.id), mapping=media.mapping())
        if media.expires_at is not None:
            await self.r.zadd(self.layout.expire_media, {media.id: media.expires_at})
        return media

    async def find(self, media_id: str) -> MediaRow | None:
        raw = await self.r.hgetall(self.layout.media(media_id))
        return MediaRow.from_hash(raw) if raw else None

    async def delete(self, media_id: str) -> MediaRow | None:
        """Remove the row (the caller removes the file); the row as it was, or None."""
        async with self.r.pipeline(transaction=False) as pipe:
            pipe.hgetall(self.layout.media(media_id))
            pipe.delete(self.layout.media(media_id))
            pipe.zrem(self.layout.expire_media, media_id)
            raw, _, _ = await pipe.execute()
        return MediaRow.from_hash(raw) if raw else None

    async def exist(self, media_ids: list[str]) -> list[bool]:
        async with self.r.pipeline(transaction=False) as pipe:
            for media_id in media_ids:
                pipe.exists(self.layout.media(media_id))
            return [bool(n) for n in await pipe.execute()]

    async def owners(self, media_ids: list[str]) -> list[str | None]:
        if not media_ids:
            return []
        async with self.r.pipeline(transaction=False) as pipe:
            for media_id in media_ids:
                pipe.hget(self.layout.media(media_id), "owner")
            return list(await pipe.execute())

    async def list(self, *, owner: str | None = None, scan_count: int = 500) -> list[MediaRow]:
        """Every upload row (of ``owner``, unless None), unordered. There is no per-owner index
        of media (tasks have one), so this scans the media keys: linear in all uploads, which
        the retention time keeps small."""
        keys = [k async for k in self.r.scan_iter(match=self.layout.media("*"), count=scan_count)]
        if not keys:
            return []
        async with self.r.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.hgetall(key)
            raws = await pipe.execute()
        return [MediaRow.from_hash(raw) for raw in raws
                if raw and "id" in raw and (owner is None or raw.get("owner") == owner)]


class TaskRows:
    """Task rows (``task:{id}``) and the status indexes that list them."""

    def __init__(self, r: Any, layout: Layout, media: MediaRows, *, retention_s: float = 0.0,
                 durable_ack: tuple[Any, ...] = ()) -> None:
        self.r = r
        self.layout = layout
        self.media = media
        self.retention_s = retention_s
        self.durable_ack = durable_ack
        """``WAITAOF ...`` sent after each batch of creations (empty: none)."""
        self._transition = r.register_script(_scripts.TRANSITION)
        self._release = r.register_script(_scripts.RELEASE)
        self._delete = r.register_script(_scripts.DELETE)
        self._enqueue = r.register_script(_scripts.ENQUEUE)
        self._index = r.register_script(_scripts.INDEX)
        self._unindex = r.register_script(_scripts.UNINDEX)
        self.creates = _scripts.GroupCommit(self._create_batch, in_flight=16 if durable_ack else 1)

    def _status_keys(self, owner: str) -> list[str]:
        keys: list[str] = []
        for status in TASK_STATUSES:
            keys += [self.layout.index(None, status), self.layout.index(owner, status)]
        return keys

    async def create(self, new: NewTask) -> str:
        """Store, index and queue a task (batched with concurrent creations); its id."""
        return await self.creates(new)

    async def _create_batch(self, calls: list[NewTask]) -> list[str | BaseException]:
        replies: list[str | BaseException] = [c.id for c in calls]
        wanted = [(i, m) for i, c in enumerate(calls) for m in c.media]
        owners = await self.media.owners([m for _, m in wanted])
        for (i, media_id), owner in zip(wanted, owners, strict=True):
            call = calls[i]
            if not isinstance(replies[i], BaseException) and (owner is None or (not call.admin and owner != call.owner)):
                replies[i] = InvalidInput(f"unknown media id {media_id!r}: upload the file with POST /v1/media "
                                          "and pass the id it returns")
        todo = [c for c, reply in zip(calls, replies, strict=True) if not isinstance(reply, BaseException)]
        if not todo:
            return replies
        l = self.layout  # noqa: E741
        queued = TASK_STATUSES.index("queued")
        enqueue = [([l.seq, l.index(None, None), l.index(c.owner, None), self._versions, l.queue,
                     *self._status_keys(c.owner)[2 * queued:2 * queued + 2]], [c.id]) for c in todo]
        rows = todo
        if is_cluster(self.r):  # the rows are on other nodes: they must land before the queue entries
            async with self.r.pipeline(transaction=False) as pipe:
                for c in todo:
                    pipe.hset(l.task(c.id), mapping=_row_mapping(c))
                await pipe.execute()
            rows = []
        # single Redis: one connection keeps order, so rows and queue entries share a round trip
        failed = await self._enqueue_all(enqueue, rows=rows)
        for c, error in zip(todo, failed, strict=True):
            if error is not None:
                replies[calls.index(c)] = error
        return replies

    async def _enqueue_all(self, enqueue: list[tuple[list[str], list[Any]]], *, rows: list[NewTask]) -> list[BaseException | None]:
        """ENQUEUE each task (after writing ``rows`` in the same pipeline, single-node only),
        then the durable acknowledgement; one error (or None) per task."""
        l = self.layout  # noqa: E741
        out: list[BaseException | None] = [None] * len(enqueue)
        for attempt in (0, 1):
            async with self.r.pipeline(transaction=False) as pipe:
                for c in rows:
                    pipe.hset(l.task(c.id), mapping=_row_mapping(c))
                for keys, args in enqueue:
                    pipe.evalsha(self._enqueue.sha, len(keys), *keys, *args)
                if self.durable_ack:
                    pipe.execute_command(*self.durable_ack)
                results = await pipe.execute(raise_on_error=False)
            results = results[len(rows):]
            if self.durable_ack:
                tail = results.pop()
                if isinstance(tail, Exception):
                    raise tail
                if int(tail[0]) < 1 or int(tail[1]) < int(self.durable_ack[2]):
                    raise RedisUnavailable("the task was queued but not confirmed on disk"
                                           f"{' and on a replica' if int(self.durable_ack[2]) else ''} within "
                                           f"{self.durable_ack[3]} ms; it may run anyway. Check the Redis "
                                           "server's disk and replicas")
            if attempt == 0 and any(isinstance(x, Exception) and _scripts._noscript(x) for x in results):
                await self.r.script_load(self._enqueue.script)  # Redis restarted and forgot it
                rows = []  # the rows are written; queue them now (nothing was queued)
                continue
            for i, x in enumerate(results):
                if isinstance(x, Exception):
                    out[i] = x
            break
        return out

    @property
    def _versions(self) -> str:
        return self.layout.shared + "versions"

    async def find(self, task_id: str) -> TaskRow | None:
        raw = await self.r.hgetall(self.layout.task(task_id))
        return TaskRow.from_hash(raw) if raw else None

    async def list(self, *, owner: str | None = None, status: str | None = None, limit: int = 20,
                   cursor: int | None = None) -> tuple[list[TaskRow], int | None]:
        """Newest first; ``owner=None`` lists everyone's. ``cursor`` is the ``next_cursor`` of
        the previous page (keyset paging: stable under inserts)."""
        top = f"({cursor}" if cursor is not None else "+inf"
        rows = await self.r.zrevrangebyscore(self.layout.index(owner, status), top, "-inf", start=0,
                                             num=limit + 1, withscores=True)
        page, more = rows[:limit], len(rows) > limit
        async with self.r.pipeline(transaction=False) as pipe:
            for task_id, _ in page:
                pipe.hgetall(self.layout.task(task_id))
            raws = await pipe.execute()
        tasks = [TaskRow.from_hash(raw) for raw in raws if raw]
        if status is not None:  # an index entry may trail its row by one step (see the module doc)
            tasks = [t for t in tasks if t.status == status]
        return tasks, (int(page[-1][1]) if more and page else None)

    async def _move(self, task_id: str, owner: str, status: str, version: int, expire: str) -> None:
        keys = [self.layout.index(None, None), self._versions, self.layout.expire_tasks, *self._status_keys(owner)]
        await self._index(keys, [task_id, version, TASK_STATUSES.index(status) + 1, expire])  # type: ignore[arg-type]

    async def transition(self, task_id: str, status: str, *, allowed: str = "*", count_attempt: bool = False,
                         **fields: Any) -> tuple[bool, str]:
        """Set ``status`` (and ``fields``) if the current status is in ``allowed``; (changed, old).
        A terminal status schedules the retention delete."""
        now = time.time()
        expire = repr(now + self.retention_s) if status in TERMINAL_STATUSES and self.retention_s > 0 else ""
        args: list[Any] = [status, allowed, repr(now), expire, "1" if count_attempt else "0"]
        for name, value in fields.items():
            args += [name, value]
        ok, old, owner, version = await self._transition([self.layout.task(task_id)], args)
        if int(ok):
            await self._move(task_id, owner, status, int(version), expire)
        return bool(int(ok)), old

    async def release(self, task_id: str, *, outage: bool) -> bool:
        """Running -> queued, uncounted; True when it was running (the caller queues it again)."""
        old, owner, version = await self._release([self.layout.task(task_id)], [repr(time.time()), "1" if outage else "0"])
        if old != "running":
            return False
        await self._move(task_id, owner, "queued", int(version), "")
        return True

    async def set_cancel_flag(self, task_id: str) -> None:
        await self.r.hset(self.layout.task(task_id), "cancel", "1")

    async def cancel_requested(self, task_id: str) -> bool:
        return await self.r.hget(self.layout.task(task_id), "cancel") == "1"

    async def delete(self, task_id: str) -> bool:
        """Delete the row, its events and every index entry."""
        old, owner = await self._delete([self.layout.task(task_id), self.layout.events(task_id)])
        keys = [self._versions, self.layout.expire_tasks, self.layout.index(None, None)]
        keys += [self.layout.index(None, s) for s in TASK_STATUSES]
        if old:
            keys += [self.layout.index(owner, None), *(self.layout.index(owner, s) for s in TASK_STATUSES)]
        await self._unindex(keys, [task_id])
        return bool(old)


class EventLog:
    """Each task's stream of events (capped), read by the SSE endpoint."""

    def __init__(self, r: Any, layout: Layout, *, max_len: int = 10_000) -> None:
        self.r = r
        self.layout = layout
        self.max_len = max_len

    async def append(self, task_id: str, event: Event) -> str:
        return await self.r.xadd(self.layout.events(task_id), {"e": event.model_dump_json()},
                                 maxlen=self.max_len, approximate=True)

    async def read(self, task_id: str, after: str, *, block_ms: int | None = None,
                   count: int = 100) -> list[tuple[str, Event]]:
        """Events after stream id ``after`` (``0-0``: from the start); blocks up to ``block_ms``."""
        reply = await self.r.xread({self.layout.events(task_id): after}, count=count, block=block_ms)
        out: list[tuple[str, Event]] = []
        for _, entries in reply or []:
            for entry_id, fields in entries:
                out.append((entry_id, Event.model_validate_json(fields["e"])))
        return out


class WorkQueue:
    """The stream of runs to do, read by the workers' consumer group ``workers``."""

    def __init__(self, r: Any, layout: Layout) -> None:
        self.r = r
        self.key = layout.queue
        self._heartbeat = r.register_script(_scripts.HEARTBEAT)
        self._requeue = r.register_script(_scripts.REQUEUE)

    async def ensure_group(self) -> None:
        import redis

        try:
            await self.r.xgroup_create(self.key, GROUP, id="0", mkstream=True)
        except redis.ResponseError as e:
            if "BUSYGROUP" not in str(e):
                raise

    async def reclaim(self, consumer: str, *, min_idle_ms: int, start: str = "0-0") -> tuple[Claim | None, str]:
        """Take over one entry idle longer than ``min_idle_ms``; (claim, next scan cursor)."""
        reply = await self.r.xautoclaim(self.key, GROUP, consumer, min_idle_ms, start_id=start, count=1)
        next_start, entries = reply[0], reply[1]
        for entry_id, fields in entries:
            if fields and "task" in fields:
                return Claim(entry_id, fields["task"], reclaimed=True), next_start
            await self.ack(entry_id)  # a malformed entry must not circulate forever
        return None, next_start

    async def read_new(self, consumer: str, *, block_ms: int) -> Claim | None:
        reply = await self.r.xreadgroup(GROUP, consumer, {self.key: ">"}, count=1, block=block_ms)
        for _, entries in reply or []:
            for entry_id, fields in entries:
                if fields and "task" in fields:
                    return Claim(entry_id, fields["task"], reclaimed=False)
                await self.ack(entry_id)
        return None

    async def heartbeat(self, consumer: str, entry_id: str) -> bool:
        """Keep ownership of an entry; False when another worker has taken it over."""
        return bool(await self._heartbeat([self.key], [GROUP, entry_id, consumer]))

    async def ack(self, entry_id: str) -> None:
        await self._requeue([self.key], [GROUP, entry_id, "", "0"])

    async def requeue(self, task_id: str, entry_id: str) -> None:
        """Queue the task again and drop its old entry, atomically."""
        await self._requeue([self.key], [GROUP, entry_id, task_id, "1"])

    async def depth(self) -> int:
        return int(await self.r.xlen(self.key))


class KeyRing:
    """API keys managed by ``sokrat keys`` (the SHA-256 of each key only)."""

    def __init__(self, r: Any, layout: Layout) -> None:
        self.r = r
        self.layout = layout

    async def add(self, key: str, *, owner: str, admin: bool = False, label: str = "") -> StoredKey:
        stored = StoredKey(digest=key_digest(key), owner=owner, admin=admin, created_at=time.time(), label=label)
        async with self.r.pipeline(transaction=True) as pipe:
            pipe.hset(self.layout.api_keys, stored.digest, json.dumps(
                {"owner": owner, "admin": admin, "created_at": stored.created_at, "label": label}))
            pipe.srem(self.layout.revoked_keys, stored.digest)
            await pipe.execute()
        return stored

    async def all(self) -> tuple[list[StoredKey], set[str]]:
        """(managed keys, revoked digests)."""
        async with self.r.pipeline(transaction=False) as pipe:
            pipe.hgetall(self.layout.api_keys)
            pipe.smembers(self.layout.revoked_keys)
            raw, revoked = await pipe.execute()
        out = []
        for digest, blob in raw.items():
            d = json.loads(blob)
            out.append(StoredKey(digest=digest, owner=d["owner"], admin=bool(d.get("admin")),
                                 created_at=float(d.get("created_at", 0)), label=d.get("label", "")))
        return out, set(revoked)

    async def revoke(self, digest: str) -> bool:
        """Revoke by digest (managed keys are removed; keys from the environment are listed as
        revoked, so every server refuses them until the digest is un-revoked)."""
        async with self.r.pipeline(transaction=True) as pipe:
            pipe.hdel(self.layout.api_keys, digest)
            pipe.sadd(self.layout.revoked_keys, digest)
            removed, _ = await pipe.execute()
        return bool(removed)


def new_task(goal: str, media: list[str], options: TaskOptions, *, owner: str = ANONYMOUS,
             admin: bool = False) -> NewTask:
    return NewTask(id=uuid.uuid4().hex, owner=owner, admin=admin, goal=goal, media=media, options=options,
                   created_at=time.time())


async def migrate_legacy_layout(r: Any, layout: Layout) -> int:
    """Move the keys of the layout before hash tags (``<ns>:server:task:<id>``...) to the current
    one (:mod:`sokrat.server._layout`); a no-op once done. Returns how many keys moved.

    Runs on a single Redis only (a cluster never held the old layout: its scripts could not run
    there). Safe to run from several processes at once: a key already moved is skipped.
    """
    import redis

    if is_cluster(r) or await r.get(layout.version) == LAYOUT_VERSION:
        return 0
    old = layout.rows
    moved = 0
    plain = {"tasks": "", "queue": "", "seq": "", "expire:tasks": "", "expire:media": "", "keys": "",
             "keys:revoked": ""}
    async for name in r.scan_iter(match=old + "*", count=1000):
        rest = name[len(old):]
        if "{" in rest:
            continue  # already the new layout
        kind, _, ident = rest.partition(":")
        if kind == "task":
            target = layout.task(ident)
        elif kind == "events":
            target = layout.events(ident)
        elif kind == "media":
            target = layout.media(ident)
        elif rest in plain or rest.startswith(("tasks:", "own:")):
            target = layout.shared + rest
        else:
            continue
        try:
            moved += bool(await r.renamenx(name, target))
        except redis.ResponseError:  # moved by another process meanwhile
            continue
    # rows of the old layout carry no version: index moves start from it
    await r.set(layout.version, LAYOUT_VERSION)
    return moved


__all__ = ["GROUP", "EventLog", "KeyRing", "MediaRows", "NewTask", "TaskRows", "WorkQueue", "is_cluster",
           "migrate_legacy_layout", "new_task"]
