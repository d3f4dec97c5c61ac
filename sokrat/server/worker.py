"""The task worker: takes tasks off the Redis queue and runs them with the planner.

- ``concurrency`` tasks run at once in one process (asyncio).
- A running task's queue entry is kept by a heartbeat; a worker that dies (SIGKILL, power)
  stops heartbeating, and after ``settings.task_visibility_s`` another worker takes the
  task over (XAUTOCLAIM) and resumes it under the same LangGraph thread id (the task id),
  so the durable checkpointer skips the steps already done.
- Cancel: ``POST /v1/tasks/{id}/cancel`` sets a flag; the worker checks it between events and
  every ``CANCEL_POLL_S``, and hands it to the agent, which stops at its next step as
  ``cancelled``. A runner that ignores it is stopped after ``CANCEL_GRACE_S``.
- SIGTERM/SIGINT: stop taking tasks, let running ones finish for ``settings.worker_grace_s``,
  then release the rest to the queue (another worker resumes them at once).
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
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sokrat.server.queue import MAX_ATTEMPTS, TERMINAL, Claim, TaskOptions, TaskStore
from sokrat.types import Event, Result

if TYPE_CHECKING:
    from sokrat.agents import Agent
    from sokrat.settings import Settings

log = logging.getLogger(__name__)

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


Runner = Callable[[TaskRun], AsyncIterator[Event]]
"""Runs one task, yielding its events; the last should be ``done`` with ``data["result"]``."""


def agent_runner(settings: Settings) -> Runner:
    """The production runner: :class:`sokrat.agents.Agent` (one per distinct task options)."""
    agents: dict[str, Agent] = {}

    async def run(task: TaskRun) -> AsyncIterator[Event]:
        from sokrat.agents import Agent

        key = task.options.model_dump_json()
        agent = agents.get(key)
        if agent is None:
            agent = agents[key] = Agent(settings=settings.model_copy(update=task.options.overrides()))
        async for event in agent.astream(task.goal, task.media, thread_id=task.id, cancel=task.cancel):
            yield event

    return run


@dataclass
class _Attempt:
    result: Result | None = None
    lost: bool = False
    """Another worker took the task over (this one was too slow to heartbeat)."""
    cancelled_at: float | None = None
    hard_stopped: bool = False


@dataclass
class WorkerStats:
    started: int = 0
    finished: int = 0
    reclaimed: int = 0
    released: int = 0
    by_status: dict[str, int] = field(default_factory=dict)


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
        self.name = name or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.stats = WorkerStats()
        self._stop = asyncio.Event()
        self._reclaim_cursor = "0-0"

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
        store = self.store
        await store.ensure_group()
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
                    log.warning("worker %s: Redis unavailable (%s); retrying in %.1f s", self.name, e, backoff)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._stop.wait(), backoff)
                    backoff = min(backoff * 2, 5.0)
                    continue
                if claim is not None:
                    task = asyncio.create_task(self._handle(claim))
                    running.add(task)
                    task.add_done_callback(running.discard)
            await self._drain(running)
        finally:
            stop_wait.cancel()
        return self.stats

    async def _next_claim(self) -> Claim | None:
        store = self.store
        min_idle = int(self.settings.task_visibility_s * 1000)
        claim, self._reclaim_cursor = await store.reclaim(self.name, min_idle_ms=min_idle, start=self._reclaim_cursor)
        if claim is not None:
            return claim
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

    # --- one task ------------------------------------------------------------------------------
    async def _handle(self, claim: Claim) -> None:
        store = self.store
        try:
            task = await store.find_task(claim.task_id)
            if task is None or task.status in TERMINAL:
                await store.ack(claim.entry_id)  # cancelled while queued, or already done
                return
            if claim.reclaimed:
                self.stats.reclaimed += 1
                log.warning("worker %s: took over task %s (attempt %d)", self.name, task.id, task.attempts + 1)
                if task.attempts >= MAX_ATTEMPTS:
                    result = Result(answer="", status="failed", reason=(
                        f"the task stopped {task.attempts} workers mid-run (killed or crashed); not retried again"))
                    await store.append_event(task.id, Event(type="done", data={"result": result.model_dump(mode="json")}))
                    await store.finish(task.id, result, entry_id=claim.entry_id)
                    return
            if not await store.start(task.id, self.name):
                await store.ack(claim.entry_id)
                return
            self.stats.started += 1
            cancel = threading.Event()
            if task.cancel_requested:
                cancel.set()
            run = TaskRun(id=task.id, goal=task.goal, media=tuple(task.paths), options=task.options, cancel=cancel)
            await self._run(claim, run)
        except asyncio.CancelledError:
            raise
        except Exception:  # a worker must outlive any one task: log it; the entry is reclaimed later
            log.exception("worker %s: task %s failed outside the run", self.name, claim.task_id)

    async def _run(self, claim: Claim, run: TaskRun) -> None:
        store = self.store
        attempt = _Attempt()
        consume = asyncio.create_task(self._consume(run, attempt))
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
            await store.append_event(run.id, Event(type="done", data={"result": result.model_dump(mode="json")}))
        await store.finish(run.id, result, entry_id=claim.entry_id)
        self.stats.finished += 1
        self.stats.by_status[result.status] = self.stats.by_status.get(result.status, 0) + 1

    async def _consume(self, run: TaskRun, attempt: _Attempt) -> None:
        store = self.store
        try:
            async for event in self.runner(run):
                if attempt.lost:
                    return
                await store.append_event(run.id, event)
                if event.type == "done":
                    attempt.result = Result.model_validate(event.data["result"])
                    return
                if not run.cancel.is_set() and await store.cancel_requested(run.id):
                    run.cancel.set()
                    attempt.cancelled_at = time.monotonic()
        except asyncio.CancelledError:
            raise
        except Exception as e:  # the runner's bug becomes the task's failure, not the worker's
            log.exception("worker %s: task %s raised", self.name, run.id)
            attempt.result = Result(answer="", status="failed", reason=f"worker error: {type(e).__name__}: {e}")
            await store.append_event(run.id, Event(type="done", data={"result": attempt.result.model_dump(mode="json")}))

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
                log.warning("worker %s: heartbeat/cancel check failed: %s", self.name, e)
            if run.cancel.is_set() and attempt.cancelled_at is None:
                attempt.cancelled_at = now
            if attempt.cancelled_at is not None and now - attempt.cancelled_at > CANCEL_GRACE_S:
                attempt.hard_stopped = True
                consume.cancel()
                return


def run_worker(settings: Settings, *, concurrency: int = 1) -> WorkerStats:
    """Blocking entry point of ``sokrat worker``."""
    return asyncio.run(Worker(settings, concurrency=concurrency).run(install_signals=True))
