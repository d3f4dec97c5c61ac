"""Live task events for any number of SSE viewers: one Redis reader per watched task per
process, fanned out through a bounded, shared buffer.

Before, each ``GET /v1/tasks/{id}/events`` held a pooled Redis connection in a blocking
``XREAD`` of its own: about 100 open streams exhausted the pool and every other request of
every user answered 503. Here:

- a :class:`Topic` per task being watched in this process has ONE reader task; it reads the
  task's event stream, encodes each event as an SSE frame once, and appends it to a ring
  buffer of :data:`BUFFER_FRAMES` frames shared by all the task's viewers;
- at most :data:`BLOCKING_READS` readers of a process sit in a blocking ``XREAD`` at once
  (each holds a pooled connection while it blocks); the others poll without blocking every
  :data:`POLL_S`, holding a connection for one round trip (at most :data:`SHORT_READS` at once). So the pool always has room for
  other requests, however many tasks are watched;
- a viewer's own calls (the owner check when it opens, catching up) go through a semaphore
  of :data:`SHORT_READS`, so a thousand viewers opening at once queue instead of taking the
  whole pool;
- a viewer keeps only its position in the buffer. One too slow to keep up (the buffer moved
  past it) catches up by reading the stream from Redis itself, page by page, without
  blocking, then rejoins the buffer: a slow viewer holds no memory, and never slows the
  others (the Redis stream is the replay log; ``Last-Event-ID`` works the same way).

Why hand-written: the fan-out libraries for Starlette (``broadcaster``, ``encode/broadcaster``
over Redis pub/sub) deliver only what arrives after subscribing and keep an unbounded queue
per subscriber; SSE here must replay from any id and bound every viewer.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sokrat.types import TERMINAL_STATUSES, Event

if TYPE_CHECKING:
    from sokrat.server.queue import TaskStore

log = logging.getLogger(__name__)

BUFFER_FRAMES = 256
"""Frames kept per watched task for its viewers (older ones are read from Redis by laggards)."""
BLOCKING_READS = 16
"""Readers per process that may block in ``XREAD`` at once (each holds a pooled connection)."""
BLOCK_MS = 5000
"""How long a blocking read waits for new events before checking the task's status."""
SHORT_READS = 32
"""Viewers' own short Redis calls (the owner check on opening, catching up) at once per
process: a burst of a thousand viewers opening together waits its turn instead of draining the
connection pool that every other request needs."""
POLL_S = 0.25
"""Pause between non-blocking reads of a reader that found no blocking slot free."""
PAGE = 100
"""Events per read."""
RETRY_S = 1.0
"""Pause after a failed read (Redis away) before the reader tries again."""
DONE_GRACE_S = 10.0
"""How long after a task finished its reader waits for the ``done`` event to be written before
making one up from the task row. A cancel of a queued task records the status first and writes
``done`` one round trip later; a viewer that read the status in between got a ``done`` with no
id (CI saw it with 1,200 viewers open)."""

StreamKey = tuple[int, int]


def parse_id(entry_id: str) -> StreamKey:
    """A Redis stream id (``ms-seq``) as a comparable pair."""
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


def _format(key: StreamKey) -> str:
    return f"{key[0]}-{key[1]}"


def encode(event: Event, entry_id: str | None) -> bytes:
    """One SSE frame (``id``, ``event``, ``data``), encoded once for every viewer."""
    head = f"id: {entry_id}\r\n" if entry_id else ""
    return f"{head}event: {event.type}\r\ndata: {event.model_dump_json()}\r\n\r\n".encode()


@dataclass(frozen=True)
class Frame:
    """One buffered SSE frame."""

    key: StreamKey | None
    """Its stream id; None for a ``done`` made up from the task row (the stream had none)."""
    data: bytes
    """The encoded frame; empty for the end of a deleted task (nothing to send)."""
    last: bool
    """Nothing follows (``done``, or the task is gone)."""


class Topic:
    """The buffer and reader of one task in one process."""

    def __init__(self, task_id: str, start: StreamKey) -> None:
        self.task_id = task_id
        self.frames: deque[Frame] = deque()
        self.first_seq = 0
        """Sequence number of ``frames[0]``; a viewer's position is such a number."""
        self.covered = start
        """Every event after this id is in ``frames`` (the older ones are in Redis only)."""
        self.cursor = _format(start)
        self.viewers = 0
        self.ended = False
        self.changed = asyncio.Event()
        self.reader: asyncio.Task[None] | None = None

    @property
    def end_seq(self) -> int:
        return self.first_seq + len(self.frames)

    def publish(self, frames: list[Frame]) -> None:
        for frame in frames:
            if len(self.frames) >= BUFFER_FRAMES:
                old = self.frames.popleft()
                self.first_seq += 1
                if old.key is not None:
                    self.covered = old.key
            self.frames.append(frame)
            self.ended = self.ended or frame.last
        changed, self.changed = self.changed, asyncio.Event()
        changed.set()

    def position_after(self, key: StreamKey) -> int:
        """The sequence number of the first buffered frame after ``key``."""
        seq = self.first_seq
        for frame in self.frames:
            if frame.key is None or frame.key > key:
                return seq
            seq += 1
        return seq


class EventHub:
    """The topics of one serve process (see the module doc). Use :meth:`follow`."""

    def __init__(self, *, blocking_reads: int = BLOCKING_READS) -> None:
        self._topics: dict[str, Topic] = {}
        self._blocking = asyncio.Semaphore(blocking_reads)
        self.short = asyncio.Semaphore(SHORT_READS)
        """Hold it around a viewer's own Redis call (see :data:`SHORT_READS`)."""

    @property
    def watched(self) -> int:
        """Tasks with a reader in this process."""
        return len(self._topics)

    async def follow(self, store: TaskStore, task_id: str, after: str) -> AsyncIterator[bytes]:
        """The task's SSE frames after stream id ``after``, ending with ``done`` (or when the
        task is deleted)."""
        cursor = parse_id(after)
        topic = self._topics.get(task_id)
        if topic is None:
            topic = self._topics[task_id] = Topic(task_id, cursor)
        topic.viewers += 1
        if topic.reader is None or topic.reader.done():
            topic.reader = asyncio.create_task(self._read(store, topic), name=f"sse-reader-{task_id}")
        try:
            pos: int | None = None
            while True:
                if pos is None or pos < topic.first_seq:  # new, or the buffer moved past us
                    async for data, key, last in self._catch_up(store, topic, cursor):
                        cursor = key
                        yield data
                        if last:
                            return
                    pos = topic.position_after(cursor)
                while pos < topic.end_seq and pos >= topic.first_seq:
                    frame = topic.frames[pos - topic.first_seq]
                    pos += 1
                    if frame.key is not None and frame.key <= cursor:
                        continue
                    if frame.data:
                        yield frame.data
                    if frame.key is not None:
                        cursor = frame.key
                    if frame.last:
                        return
                if pos < topic.first_seq:
                    continue  # fell behind while yielding: catch up from Redis
                if topic.ended:
                    return
                await topic.changed.wait()
        finally:
            topic.viewers -= 1
            self._forget(topic)

    async def _catch_up(self, store: TaskStore, topic: Topic,
                        cursor: StreamKey) -> AsyncIterator[tuple[bytes, StreamKey, bool]]:
        """Read from Redis, without blocking, until ``cursor`` reaches what the buffer holds."""
        while cursor < topic.covered:
            async with self.short:
                entries = await store.read_events(topic.task_id, _format(cursor), count=PAGE)
            if not entries:  # trimmed from the stream: nothing more to replay
                return
            for entry_id, event in entries:
                cursor = parse_id(entry_id)
                yield encode(event, entry_id), cursor, event.type == "done"
                if event.type == "done":
                    return

    def _forget(self, topic: Topic) -> None:
        if topic.viewers == 0 and (topic.reader is None or topic.reader.done()) \
                and self._topics.get(topic.task_id) is topic:
            del self._topics[topic.task_id]

    async def _read(self, store: TaskStore, topic: Topic) -> None:
        """The topic's one reader: runs while it has viewers and the task has not ended."""
        try:
            while topic.viewers > 0 and not topic.ended:
                try:
                    await self._read_once(store, topic)
                except asyncio.CancelledError:
                    raise
                except Exception as e:  # Redis away: the viewers wait (SSE pings keep them open)
                    log.warning("events of task %s not read: %s; retrying", topic.task_id, type(e).__name__)
                    await asyncio.sleep(RETRY_S)
        finally:
            topic.reader = None
            self._forget(topic)

    async def _read_once(self, store: TaskStore, topic: Topic) -> None:
        if self._blocking.locked():
            async with self.short:
                entries = await store.read_events(topic.task_id, topic.cursor, count=PAGE)
            if not entries:
                await asyncio.sleep(POLL_S)
        else:
            async with self._blocking:
                entries = await store.read_events(topic.task_id, topic.cursor, block_ms=BLOCK_MS, count=PAGE)
        if entries:
            self._publish(topic, entries)
            return
        async with self.short:
            task = await store.find_task(topic.task_id)
        if task is None:  # deleted (DELETE or retention) while watched
            topic.publish([Frame(key=None, data=b"", last=True)])
        elif task.status in TERMINAL_STATUSES:
            # finished, but no `done` after the cursor (trimmed, or just written): read once more, then make it up
            async with self.short:
                entries = await store.read_events(topic.task_id, topic.cursor, count=PAGE)
            if entries:
                self._publish(topic, entries)
            if not topic.ended and time.time() - (task.finished_at or task.updated_at) < DONE_GRACE_S:
                await asyncio.sleep(POLL_S)  # its `done` is probably on its way: read again
            elif not topic.ended:
                done = Event.done(task.result) if task.result else Event(type="done", data={"result": None})
                topic.publish([Frame(key=None, data=encode(done, None), last=True)])

    @staticmethod
    def _publish(topic: Topic, entries: list[tuple[str, Event]]) -> None:
        frames = []
        for entry_id, event in entries:
            frames.append(Frame(key=parse_id(entry_id), data=encode(event, entry_id), last=event.type == "done"))
            topic.cursor = entry_id
            if event.type == "done":
                break
        topic.publish(frames)
