"""Queue mechanics of the worker on the real embedded Redis, with small injected runners
(the planner itself runs in test_process.py)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from types import SimpleNamespace
from typing import Any

import pytest

from sokrat.server import worker as worker_mod
from sokrat.server.queue import TaskStore, make_async_client
from sokrat.server.schemas import TaskOptions
from sokrat.server.worker import TaskRun, Worker
from sokrat.settings import Settings
from sokrat.types import Event, Result

WAIT_S = 60.0  # generous bound for anything awaited here


@pytest.fixture
async def store(srv_settings: Settings) -> AsyncIterator[TaskStore]:
    s = TaskStore(make_async_client(srv_settings.redis_url or ""), namespace=srv_settings.task_namespace)
    await s.ensure_group()
    try:
        yield s
    finally:
        await s.close()


async def new_task(store: TaskStore, goal: str, media: list[str], options: TaskOptions) -> Any:
    """A queued task (only its id is used here)."""
    return SimpleNamespace(id=await store.create_task(goal, media, options))


def done(answer: str = "ok", status: str = "succeeded") -> Event:
    return Event(type="done", data={"result": Result(answer=answer, status=status).model_dump(mode="json")})  # type: ignore[arg-type]


async def until(pred: Callable[[], Awaitable[bool]], what: str) -> None:
    async with asyncio.timeout(WAIT_S):
        while not await pred():
            await asyncio.sleep(0.05)


async def status_is(store: TaskStore, task_id: str, *statuses: str) -> None:
    async def check() -> bool:
        return (await store.get_task(task_id)).status in statuses
    await until(check, f"task {task_id} -> {statuses}")


@contextlib.asynccontextmanager
async def running(w: Worker) -> AsyncIterator[asyncio.Task[Any]]:
    t = asyncio.create_task(w.run())
    try:
        yield t
    finally:
        w.stop()
        async with asyncio.timeout(WAIT_S):
            await asyncio.gather(t, return_exceptions=True)


async def test_worker_runs_a_task_and_records_events(srv_settings: Settings, store: TaskStore) -> None:
    seen: list[TaskRun] = []

    async def runner(run: TaskRun) -> AsyncIterator[Event]:
        seen.append(run)
        yield Event(type="run_started", data={"goal": run.goal})
        yield Event(type="step_started", step=0)
        yield done(answer=f"answer to {run.goal}")

    task = await new_task(store, "what?", [], TaskOptions(max_steps=3))
    w = Worker(srv_settings, runner=runner, store=store)
    async with running(w):
        await status_is(store, task.id, "succeeded")
    final = await store.get_task(task.id)
    assert final.result is not None and final.result.answer == "answer to what?"
    assert final.attempts == 1 and final.finished_at and final.started_at
    assert seen[0].id == task.id and seen[0].options.max_steps == 3
    events = [e.type for _, e in await store.read_events(task.id, "0-0")]
    assert events == ["run_started", "step_started", "done"]
    assert await store.queue_depth() == 0  # acked and deleted


async def test_concurrency_runs_tasks_at_once(srv_settings: Settings, store: TaskStore) -> None:
    active = 0
    peak = 0
    gate = asyncio.Event()

    async def runner(run: TaskRun) -> AsyncIterator[Event]:
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        if active == 3:
            gate.set()
        async with asyncio.timeout(WAIT_S):
            await gate.wait()  # nobody finishes until three run at once
        active -= 1
        yield done()

    tasks = [await new_task(store, f"t{i}", [], TaskOptions()) for i in range(4)]
    w = Worker(srv_settings, concurrency=3, runner=runner, store=store)
    async with running(w):
        for t in tasks:
            await status_is(store, t.id, "succeeded")
    assert peak == 3


async def test_runner_error_fails_the_task_not_the_worker(srv_settings: Settings, store: TaskStore) -> None:
    async def runner(run: TaskRun) -> AsyncIterator[Event]:
        if run.goal == "bad":
            raise ValueError("boom")
        yield done()

    bad = await new_task(store, "bad", [], TaskOptions())
    good = await new_task(store, "good", [], TaskOptions())
    w = Worker(srv_settings, runner=runner, store=store)
    async with running(w):
        await status_is(store, bad.id, "failed")
        await status_is(store, good.id, "succeeded")
    result = (await store.get_task(bad.id)).result
    assert result is not None and "ValueError: boom" in result.reason
    assert [e.type for _, e in await store.read_events(bad.id, "0-0")] == ["done"]


async def test_cancel_running_task(srv_settings: Settings, store: TaskStore) -> None:
    started = asyncio.Event()

    async def runner(run: TaskRun) -> AsyncIterator[Event]:
        step = 0
        started.set()
        while not run.cancel.is_set():  # like the agent: checks the flag between steps
            yield Event(type="step_started", step=step)
            step += 1
            await asyncio.sleep(0.05)
        yield done(answer="", status="cancelled")

    task = await new_task(store, "long", [], TaskOptions())
    w = Worker(srv_settings, runner=runner, store=store)
    async with running(w):
        async with asyncio.timeout(WAIT_S):
            await started.wait()
        await status_is(store, task.id, "running")
        await store.set_cancel_flag(task.id)
        await status_is(store, task.id, "cancelled")
    assert (await store.get_task(task.id)).result.status == "cancelled"  # type: ignore[union-attr]


async def test_runner_ignoring_cancel_is_stopped(srv_settings: Settings, store: TaskStore,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(worker_mod, "CANCEL_GRACE_S", 0.3)

    async def runner(run: TaskRun) -> AsyncIterator[Event]:
        yield Event(type="step_started", step=0)
        await asyncio.sleep(3600)  # deaf to cancel
        yield done()

    task = await new_task(store, "deaf", [], TaskOptions())
    w = Worker(srv_settings, runner=runner, store=store)
    async with running(w):
        await status_is(store, task.id, "running")
        await store.set_cancel_flag(task.id)
        await status_is(store, task.id, "cancelled")
    events = [e.type for _, e in await store.read_events(task.id, "0-0")]
    assert events[-1] == "done"


async def test_dead_workers_task_is_reclaimed_and_resumed(srv_settings: Settings, store: TaskStore) -> None:
    settings = srv_settings.model_copy(update={"task_visibility_s": 0.5})
    task = await new_task(store, "resume me", [], TaskOptions())
    # worker "ghost" takes the entry, starts the task and dies without a heartbeat or ack
    claim = await store.read_new("ghost", block_ms=1000)
    assert claim is not None and claim.task_id == task.id
    assert await store.start(task.id, "ghost")
    await store.append_event(task.id, Event(type="step_started", step=0, data={"by": "ghost"}))
    runs: list[str] = []

    async def runner(run: TaskRun) -> AsyncIterator[Event]:
        runs.append(run.id)  # the same id = the same LangGraph thread: the agent resumes it
        yield Event(type="step_started", step=1)
        yield done(answer="resumed")

    w = Worker(settings, runner=runner, store=store, name="rescuer")
    async with running(w):
        await status_is(store, task.id, "succeeded")
    final = await store.get_task(task.id)
    assert runs == [task.id] and final.attempts == 2 and final.worker == "rescuer"
    assert w.stats.reclaimed == 1
    steps = [e.step for _, e in await store.read_events(task.id, "0-0") if e.type == "step_started"]
    assert steps == [0, 1]  # the ghost's event stays; the rescuer continues after it
    assert await store.queue_depth() == 0


async def test_live_worker_keeps_its_task_by_heartbeat(srv_settings: Settings, store: TaskStore) -> None:
    settings = srv_settings.model_copy(update={"task_visibility_s": 0.6})
    release = asyncio.Event()
    runs: list[str] = []

    async def slow(run: TaskRun) -> AsyncIterator[Event]:
        runs.append("slow")
        async with asyncio.timeout(WAIT_S):
            await release.wait()
        yield done(answer="slow")

    async def thief(run: TaskRun) -> AsyncIterator[Event]:
        runs.append("thief")
        yield done(answer="thief")

    task = await new_task(store, "long", [], TaskOptions())
    a = Worker(settings, runner=slow, store=store, name="a")
    b = Worker(settings, runner=thief, store=store, name="b")
    async with running(a):
        await status_is(store, task.id, "running")
        async with running(b):
            # stay well past several visibility timeouts; b must not steal a's live task
            for _ in range(30):
                await asyncio.sleep(0.1)
            assert runs == ["slow"]
            release.set()
            await status_is(store, task.id, "succeeded")
    assert (await store.get_task(task.id)).result.answer == "slow"  # type: ignore[union-attr]


async def test_shutdown_releases_unfinished_task(srv_settings: Settings, store: TaskStore) -> None:
    settings = srv_settings.model_copy(update={"worker_grace_s": 0.2})
    started = asyncio.Event()

    async def stuck(run: TaskRun) -> AsyncIterator[Event]:
        started.set()
        await asyncio.sleep(3600)
        yield done()

    task = await new_task(store, "handoff", [], TaskOptions())
    a = Worker(settings, runner=stuck, store=store, name="a")
    async with running(a):
        async with asyncio.timeout(WAIT_S):
            await started.wait()
    assert a.stats.released == 1
    assert (await store.get_task(task.id)).status == "queued"
    assert await store.queue_depth() == 1

    async def quick(run: TaskRun) -> AsyncIterator[Event]:
        yield done(answer="second worker")

    b = Worker(settings, runner=quick, store=store, name="b")
    async with running(b):
        await status_is(store, task.id, "succeeded")
    assert b.stats.reclaimed == 0  # handed over at once, not after a visibility timeout


async def test_task_that_keeps_killing_workers_is_failed(srv_settings: Settings, store: TaskStore) -> None:
    settings = srv_settings.model_copy(update={"task_visibility_s": 0.2})
    task = await new_task(store, "poison", [], TaskOptions())
    claim = await store.read_new("ghost", block_ms=1000)
    assert claim is not None
    for _ in range(3):
        assert await store.start(task.id, "ghost")

    async def never(run: TaskRun) -> AsyncIterator[Event]:
        raise AssertionError("must not run")
        yield done()

    w = Worker(settings, runner=never, store=store)
    async with running(w):
        await status_is(store, task.id, "failed")
    assert "stopped 3 workers" in (await store.get_task(task.id)).result.reason  # type: ignore[union-attr]


async def test_cancelled_while_queued_is_skipped(srv_settings: Settings, store: TaskStore) -> None:
    task = await new_task(store, "skip", [], TaskOptions())
    await store.set_cancel_flag(task.id)
    assert await store.finish(task.id, Result(answer="", status="cancelled"), allowed="queued")
    ran: list[str] = []

    async def runner(run: TaskRun) -> AsyncIterator[Event]:
        ran.append(run.id)
        yield done()

    after = await new_task(store, "after", [], TaskOptions())
    w = Worker(srv_settings, runner=runner, store=store)
    async with running(w):
        await status_is(store, after.id, "succeeded")
    assert ran == [after.id]
    assert (await store.get_task(task.id)).status == "cancelled"


async def test_redis_outage_mid_run_requeues_without_counting_an_attempt(srv_settings: Settings,
                                                                           store: TaskStore) -> None:
    """A run that fails because Redis went away (here: its client raised ConnectionError) goes
    back to the queue uncounted and resumes; the caller sees one attempt and no failure."""
    import redis

    runs = 0

    async def runner(run: TaskRun) -> AsyncIterator[Event]:
        nonlocal runs
        runs += 1
        yield Event(type="step_started", step=runs)
        if runs == 1:
            raise redis.ConnectionError("Error 111 connecting to the Redis socket")
        yield done(answer="second try")

    task = await new_task(store, "flaky redis", [], TaskOptions())
    w = Worker(srv_settings, runner=runner, store=store)
    async with running(w):
        await status_is(store, task.id, "succeeded")
    final = await store.get_task(task.id)
    assert runs == 2 and final.attempts == 1 and final.outages == 1
    assert final.result is not None and final.result.answer == "second try"
    types = [e.type for _, e in await store.read_events(task.id, "0-0")]
    assert types == ["step_started", "warning", "step_started", "done"]  # no `done` for the lost run
    assert w.stats.requeued_after_outage == 1


async def test_agent_models_load_off_the_event_loop_and_one_agent_serves_all_tasks(
        srv_settings: Settings, store: TaskStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """The production runner builds ONE Agent and prepares it in a thread: while `prepare`
    blocks (a slow model load), the worker's loop keeps running another task to the end."""
    import threading

    from sokrat.agents import Agent

    built: list[Agent] = []
    prepare_threads: list[threading.Thread] = []
    limits_seen: list[Any] = []
    namespaces: list[str | None] = []
    other_done = threading.Event()
    real_init = Agent.__init__

    def init(self: Agent, *args: Any, **kwargs: Any) -> None:
        real_init(self, *args, **kwargs)
        built.append(self)

    def slow_prepare(self: Agent) -> None:
        prepare_threads.append(threading.current_thread())
        assert other_done.wait(WAIT_S), "the loop was blocked while the models loaded"

    async def astream(self: Agent, goal: str, media: Any, *, thread_id: str, cancel: Any, limits: Any,
                      namespace: str | None) -> AsyncIterator[Event]:
        limits_seen.append(limits)
        namespaces.append(namespace)
        yield done(answer=goal)

    monkeypatch.setattr(Agent, "__init__", init)
    monkeypatch.setattr(Agent, "prepare", slow_prepare)
    monkeypatch.setattr(Agent, "astream", astream)
    production = worker_mod.agent_runner(srv_settings)

    async def runner(run: TaskRun) -> AsyncIterator[Event]:
        if run.goal == "light":  # a task that needs no model: it must run while the others load
            other_done.set()
            yield done(answer="light")
            return
        async for event in production(run):
            yield event

    heavy = [SimpleNamespace(id=await store.create_task(f"heavy {i}", [], TaskOptions(max_steps=i + 1, max_wall_s=10.0 * (i + 1)),
                                                     owner=owner, admin=admin))
             for i, (owner, admin) in enumerate([("alice", False), ("root", True), ("anonymous", True)])]
    light = await new_task(store, "light", [], TaskOptions())
    w = Worker(srv_settings, concurrency=4, runner=runner, store=store)
    async with running(w):
        for t in [*heavy, light]:
            await status_is(store, t.id, "succeeded")
    assert len(built) == 1, "one Agent for every task, whatever its options"
    assert prepare_threads and all(t is not threading.main_thread() for t in prepare_threads)
    assert sorted((lim.max_steps, lim.max_wall_s) for lim in limits_seen) == [(1, 10.0), (2, 20.0), (3, 30.0)]
    # each run's memory namespace is its owner's (admin keys: every namespace; no keys: "default")
    assert sorted(namespaces, key=str) == sorted(["alice", None, "default"], key=str)
