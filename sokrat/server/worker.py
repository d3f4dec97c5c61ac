"""The task worker: takes tasks off the Redis queue and runs them with the planner.

- ``concurrency`` tasks run at once in one process (asyncio), all on ONE :class:`Agent`
  (a task's options become that run's :class:`~sokrat.agents.options.RunLimits`, its owner
  the run's memory namespace, so one key's memories and documents are not another's). Its models
  load in a thread (``Agent.prepare``) before the first run, so loading never stalls the
  heartbeats of the tasks already running.
- Media: a task names media ids; the worker uses the files in place when it shares the API
  server's disk, and otherwise fetches them once into its own content-hash cache
  (:class:`~sokrat.server.media.MediaStore`).
- A running task's queue entry is kept by a heartbeat; a worker that dies (SIGKILL, power)
  stops heartbeating, and after ``settings.task_visibility_s`` another worker takes the
  task over (XAUTOCLAIM) and resumes it under the same LangGraph thread id (the task id),
  so the durable checkpointer skips the steps already done.
- Redis outages are not a task's fault: events and the result wait for Redis to come back;
  a run that failed while Redis was away is put back on the queue (uncounted) to resume from
  its checkpoint; and no worker takes over anyone's task until Redis has been back for a
  whole visibility timeout (time for live workers to heartbeat again). With the embedded
  Redis, a :class:`~sokrat.memory.embedded.Supervisor` restarts it when it dies.
- Cancel: ``POST /v1/tasks/{id}/cancel`` sets a flag; the worker checks it between events and
  every ``CANCEL_POLL_S``, and hands it to the agent, which stops at its next step as
  ``cancelled``. A runner that ignores it is stopped after ``CANCEL_GRACE_S``.
- SIGTERM/SIGINT: stop taking tasks, let running ones finish for ``settings.worker_grace_s``,
  then release the rest to the queue (another worker resumes them at once).
- Everything a run writes (events, the result) is scrubbed of secrets and internal paths;
  a media path reads as the file name the user uploaded.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from sokrat.errors import MediaError, RedisUnavailable
from sokrat.server.frames import with_frame_urls
from sokrat.server.media import MediaStore
from sokrat.server.queue import MAX_ATTEMPTS, MAX_OUTAGE_REQUEUES, Claim, TaskStore
from sokrat.server.redact import Redactor
from sokrat.server.schemas import TaskOptions
from sokrat.types import TERMINAL_STATUSES, Event, Result

if TYPE_CHECKING:
    from sokrat.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")

CANCEL_POLL_S = 0.5
CANCEL_GRACE_S = 10.0
READ_BLOCK_MS = 1000
"""How long one queue read blocks: also the worst-case delay of noticing a stop request."""


@dataclass(frozen=True)
class TaskRun:
    """What a runner gets for one task."""

    id: str
    """The task id; also the LangGraph thread id, so a reclaimed run resumes."""
    goal: str
    media: tuple[str, ...]
    """Local paths of the task's media."""
    options: TaskOptions
    cancel: threading.Event
    """Set when the task is cancelled; the runner should stop soon after."""
    namespace: str | None = "default"
    """Whose memories and documents the run reads and writes (the task owner's)."""
    media_ids: tuple[str, ...] = ()
    """The task's media ids, in the order of ``media`` (evidence gets frame URLs from them)."""


Runner = Callable[[TaskRun], AsyncIterator[Event]]
"""Runs one task, yielding its events; the last should be ``done`` with ``data["result"]``."""


def agent_runner(settings: Settings) -> Runner:
    """The production runner: one :class:`sokrat.agents.Agent` for every task of the worker,
    prepared (models loaded) in a thread before its first run."""
    from sokrat.agents import Agent
    from sokrat.agents.options import RunLimits

    agent = Agent(settings=settings)
    prepared: asyncio.Task[None] | None = None

    async def run(task: TaskRun) -> AsyncIterator[Event]:
        nonlocal prepared
        if prepared is None or (prepared.done() and (prepared.cancelled() or prepared.exception() is not None)):
            prepared = asyncio.ensure_future(asyncio.to_thread(agent.prepare))
        with contextlib.suppress(Exception):  # a load failure is reported by the run itself
            await asyncio.shield(prepared)
        limits = RunLimits(max_steps=task.options.max_steps, max_wall_s=task.options.max_wall_s)
        async for event in agent.astream(task.goal, task.media, thread_id=task.id, cancel=task.cancel,
                                         limits=limits, namespace=task.namespace):
            yield event

    return run


@dataclass
class _Attempt:
    result: Result | None = None
    lost: bool = False
    """Another worker took the task over (this one was too slow to heartbeat)."""
    outage: bool = False
    """Redis was unreachable at some point during this run."""
    cancelled_at: float | None = None
    hard_stopped: bool = False
    started: float = field(default_factory=time.monotonic)


@dataclass
class WorkerStats:
    started: int = 0
    finished: int = 0
    reclaimed: int = 0
    released: int = 0
    requeued_after_outage: int = 0
    by_status: dict[str, int] = field(default_factory=dict)


def is_redis_outage(exc: BaseException | None) -> bool:
    """True when ``exc`` (or what caused it) is Redis being unreachable."""
    import redis

    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, (redis.ConnectionError, redis.TimeoutError, RedisUnavailable)):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


class Worker:
    """Runs queued tasks until stopped."""

    def __init__(
        self,
        settings: Settings,
        *,
        concurrency: int = 1,
        runner: Runner | None = None,
        store: TaskStore | None = None,
        name: str | None = None,
    ) -> None:
        if concurrency < 1:
            from sokrat.errors import InvalidInput

            raise InvalidInput(f"--concurrency must be at least 1, got {concurrency}")
        self.settings = settings
        self.concurrency = concurrency
        self.runner = runner or agent_runner(settings)
        self._store = store
        self.media = MediaStore(settings)
        self.redactor = Redactor(settings)
        self.name = name or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.stats = WorkerStats()
        self._stop = asyncio.Event()
        self._reclaim_cursor = "0-0"
        self._active: set[str] = set()
        self._healthy_since = time.monotonic()
        """Since when Redis has answered without a break (reclaims wait a visibility timeout)."""

    @property
    def store(self) -> TaskStore:
        if self._store is None:
            self._store = TaskStore.from_settings(self.settings)
        return self._store

    def stop(self) -> None:
        """Stop taking tasks; :meth:`run` then drains (see module doc)."""
        self._stop.set()

    async def run(self, *, install_signals: bool = False) -> WorkerStats:
        """Work until :meth:`stop` (or SIGTERM/SIGINT with ``install_signals``)."""
        import redis

        if install_signals:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, self.stop)
        supervisor = None
        if not self.settings.redis_url and self.settings.redis_supervise_s > 0 and self._store is None:
            from sokrat.memory.embedded import Supervisor

            supervisor = Supervisor(self.settings.data_dir, interval_s=self.settings.redis_supervise_s,
                                    settings=self.settings).start()
        store = await asyncio.to_thread(lambda: self.store)
        await self._until_redis(store.ensure_group)
        log.info("worker %s: %d slot(s), queue %s", self.name, self.concurrency, store.queue)
        running: set[asyncio.Task[None]] = set()
        stop_wait = asyncio.create_task(self._stop.wait())
        backoff = 0.1
        try:
            while not self._stop.is_set():
                if len(running) >= self.concurrency:
                    await asyncio.wait([*running, stop_wait], return_when=asyncio.FIRST_COMPLETED)
                    running = {t for t in running if not t.done()}
                    continue
                try:
                    claim = await self._next_claim()
                    backoff = 0.1
                except (redis.ConnectionError, redis.TimeoutError) as e:
                    self._healthy_since = float("inf")
                    if supervisor is not None:
                        supervisor.kick()
                    log.warning("worker %s: Redis unavailable (%s); retrying in %.1f s", self.name,
                                type(e).__name__, backoff)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._stop.wait(), backoff)
                    backoff = min(backoff * 2, 5.0)
                    continue
                if claim is not None:
                    if claim.task_id in self._active:
                        continue  # our own running task, idle while Redis was away: keep running it
                    task = asyncio.create_task(self._handle(claim))
                    running.add(task)
                    task.add_done_callback(running.discard)
            await self._drain(running)
        finally:
            stop_wait.cancel()
            if supervisor is not None:
                supervisor.stop()
        return self.stats

    async def _reclaim_allowed(self) -> bool:
        """Only after Redis has been up, for this worker and for the server itself, for a whole
        visibility timeout: an entry idle only because Redis was away is not a dead worker's."""
        visibility = self.settings.task_visibility_s
        now = time.monotonic()
        if self._healthy_since == float("inf"):
            self._healthy_since = now
        if now - self._healthy_since < visibility:
            return False
        return await self.store.uptime_s() >= visibility

    async def _next_claim(self) -> Claim | None:
        store = self.store
        if await self._reclaim_allowed():
            min_idle = int(self.settings.task_visibility_s * 1000)
            claim, self._reclaim_cursor = await store.reclaim(self.name, min_idle_ms=min_idle,
                                                              start=self._reclaim_cursor)
            if claim is not None:
                return claim
        else:
            self._reclaim_cursor = "0-0"
        # only block on new work when the reclaim scan has wrapped around
        return await store.read_new(self.name, block_ms=READ_BLOCK_MS if self._reclaim_cursor == "0-0" else 1)

    async def _drain(self, running: set[asyncio.Task[None]]) -> None:
        if not running:
            return
        log.info("worker %s: stopping; %d task(s) get %.0f s to finish", self.name, len(running),
                 self.settings.worker_grace_s)
        _, pending = await asyncio.wait(running, timeout=self.settings.worker_grace_s)
        for task in pending:
            task.cancel()  # _handle releases the task to the queue
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)

    async def _until_redis(self, op: Callable[[], Awaitable[T]], attempt: _Attempt | None = None) -> T:
        """``op()``, retried while Redis is unreachable (the run waits; nothing is dropped)."""
        delay = 0.1
        while True:
            try:
                return await op()
            except Exception as e:
                if not is_redis_outage(e):
                    raise
                if attempt is not None:
                    attempt.outage = True
                self._healthy_since = float("inf")
                log.warning("worker %s: Redis unavailable (%s); waiting for it", self.name, type(e).__name__)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)

    # --- one task ------------------------------------------------------------------------------
    async def _handle(self, claim: Claim) -> None:
        store = self.store
        self._active.add(claim.task_id)
        try:
            task = await store.find_task(claim.task_id)
            if task is None or task.status in TERMINAL_STATUSES:
                await store.ack(claim.entry_id)  # cancelled while queued, deleted, or already done
                return
            if claim.reclaimed:
                self.stats.reclaimed += 1
                log.warning("worker %s: took over task %s (attempt %d)", self.name, task.id, task.attempts + 1)
                if task.attempts >= MAX_ATTEMPTS:
                    result = Result(answer="", status="failed", reason=(
                        f"the task stopped {task.attempts} workers mid-run (killed or crashed); not retried again"))
                    await store.append_event(task.id, Event.done(result))
                    await store.finish(task.id, result, entry_id=claim.entry_id)
                    return
            if not await store.start(task.id, self.name):
                await store.ack(claim.entry_id)
                return
            self.stats.started += 1
            cancel = threading.Event()
            if task.cancel_requested:
                cancel.set()
            try:
                paths, names = await self._media(task.media)
            except MediaError as e:
                result = Result(answer="", status="failed", reason=self.redactor.text(str(e)))
                await store.append_event(task.id, Event.done(result))
                await store.finish(task.id, result, entry_id=claim.entry_id)
                return
            run = TaskRun(id=task.id, goal=task.goal, media=paths, options=task.options, cancel=cancel,
                          namespace=task.namespace, media_ids=tuple(task.media))
            await self._run(claim, run, names, outages=task.outages)
        except asyncio.CancelledError:
            raise
        except Exception as e:  # a worker must outlive any one task: log it; the entry is reclaimed later
            if is_redis_outage(e):
                self._healthy_since = float("inf")
            log.exception("worker %s: task %s failed outside the run", self.name, claim.task_id)
        finally:
            self._active.discard(claim.task_id)

    async def _media(self, media_ids: list[str]) -> tuple[tuple[str, ...], dict[str, str]]:
        """Local paths of a task's media (fetched when not on this machine), and the
        path -> upload name map used to scrub what the run writes."""
        paths: list[str] = []
        names: dict[str, str] = {}
        for media_id in media_ids:
            row = await self.store.find_media(media_id)
            if row is None:
                raise MediaError(f"media {media_id} was deleted (or expired) before the task ran; upload it again")
            path = str(await self.media.fetch(row))
            paths.append(path)
            names[path] = row.filename or f"{row.id}{row.suffix}"
        return tuple(paths), names

    def _scrub(self, event: Event, names: dict[str, str]) -> Event:
        return Event(type=event.type, step=event.step, data=self.redactor.value(event.data, names=names), ts=event.ts)

    async def _run(self, claim: Claim, run: TaskRun, names: dict[str, str], *, outages: int) -> None:
        store = self.store
        attempt = _Attempt()
        consume = asyncio.create_task(self._consume(run, attempt, names))
        watch = asyncio.create_task(self._watch(claim, run, attempt, consume))
        try:
            await asyncio.shield(consume)
        except asyncio.CancelledError:
            if consume.done():
                pass  # the watcher stopped the run (lease lost or cancel ignored): record below
            else:  # worker shutdown past the grace period: hand the task to another worker
                consume.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await consume
                watch.cancel()
                await asyncio.shield(store.release(run.id, claim.entry_id))
                self.stats.released += 1
                log.info("worker %s: released task %s to the queue", self.name, run.id)
                raise
        finally:
            watch.cancel()
        if attempt.lost:
            log.warning("worker %s: task %s was taken over by another worker; dropping this run", self.name, run.id)
            return
        result = attempt.result
        if result is None:
            status = "cancelled" if run.cancel.is_set() else "failed"
            reason = "cancelled by the caller" if run.cancel.is_set() else "the run ended without a result"
            result = Result(answer="", status=status, reason=reason)  # type: ignore[arg-type]
        if (result.status == "failed" and not run.cancel.is_set() and outages < MAX_OUTAGE_REQUEUES
                and await self._outage_during(attempt)):
            await self._until_redis(lambda: store.append_event(run.id, Event(type="warning", data={
                "message": "Redis was unavailable during the run; the task goes back to the queue and "
                           "resumes from its last checkpoint"})))
            await self._until_redis(lambda: store.release(run.id, claim.entry_id, outage=True))
            self.stats.requeued_after_outage += 1
            log.warning("worker %s: task %s failed while Redis was away; re-queued (not counted)", self.name, run.id)
            return
        result = with_frame_urls(result, dict(zip(run.media, run.media_ids, strict=False)))
        result = Result.model_validate(self.redactor.value(result.model_dump(mode="json"), names=names))
        final = result
        await self._until_redis(lambda: store.append_event(run.id, Event.done(final)))
        await self._until_redis(lambda: store.finish(run.id, final, entry_id=claim.entry_id))
        self.stats.finished += 1
        self.stats.by_status[result.status] = self.stats.by_status.get(result.status, 0) + 1

    async def _outage_during(self, attempt: _Attempt) -> bool:
        """Redis was away during this run (seen by this worker, or the server restarted since)."""
        if attempt.outage:
            return True
        try:
            return await self.store.uptime_s() < time.monotonic() - attempt.started
        except Exception as e:
            return is_redis_outage(e)

    async def _consume(self, run: TaskRun, attempt: _Attempt, names: dict[str, str]) -> None:
        store = self.store
        try:
            async for event in self.runner(run):
                if attempt.lost:
                    return
                if event.type == "done":  # written by _run, once the outcome is settled
                    attempt.result = event.result
                    return
                scrubbed = self._scrub(event, names)
                await self._until_redis(lambda e=scrubbed: store.append_event(run.id, e), attempt)  # type: ignore[misc]
                if not run.cancel.is_set() and await self._until_redis(lambda: store.cancel_requested(run.id), attempt):
                    run.cancel.set()
                    attempt.cancelled_at = time.monotonic()
        except asyncio.CancelledError:
            raise
        except Exception as e:  # the runner's bug becomes the task's failure, not the worker's
            if is_redis_outage(e):
                attempt.outage = True
            log.exception("worker %s: task %s raised", self.name, run.id)
            attempt.result = Result(answer="", status="failed", reason=f"worker error: {type(e).__name__}: {e}")

    async def _watch(self, claim: Claim, run: TaskRun, attempt: _Attempt, consume: asyncio.Task[None]) -> None:
        """Heartbeat the queue entry, poll the cancel flag, hard-stop a runner that ignores it."""
        store = self.store
        beat_every = max(0.2, self.settings.task_visibility_s / 3)
        last_beat = time.monotonic()
        while not consume.done():
            await asyncio.sleep(CANCEL_POLL_S)
            now = time.monotonic()
            try:
                if now - last_beat >= beat_every:
                    last_beat = now
                    if not await store.heartbeat(self.name, claim.entry_id):
                        attempt.lost = True
                        run.cancel.set()
                        consume.cancel()
                        return
                if not run.cancel.is_set() and await store.cancel_requested(run.id):
                    run.cancel.set()
                    attempt.cancelled_at = now
            except Exception as e:  # Redis hiccup: keep running; the next tick retries
                if is_redis_outage(e):
                    attempt.outage = True
                    self._healthy_since = float("inf")
                log.warning("worker %s: heartbeat/cancel check failed: %s", self.name, type(e).__name__)
            if run.cancel.is_set() and attempt.cancelled_at is None:
                attempt.cancelled_at = now
            if attempt.cancelled_at is not None and now - attempt.cancelled_at > CANCEL_GRACE_S:
                attempt.hard_stopped = True
                consume.cancel()
                return


def run_worker(settings: Settings, *, concurrency: int = 1) -> WorkerStats:
    """Blocking entry point of ``sokrat worker`` (on uvloop when it is installed)."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(Worker(settings, concurrency=concurrency).run(install_signals=True))
    return uvloop.run(Worker(settings, concurrency=concurrency).run(install_signals=True))


__all__ = ["Runner", "TaskRun", "Worker", "WorkerStats", "agent_runner", "is_redis_outage", "run_worker"]
