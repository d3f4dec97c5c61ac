"""The task store's submit path on the real embedded Redis: group commit, durable
acknowledgements, and recovery when Redis forgot the scripts (a restart)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from sokrat.errors import InvalidInput
from sokrat.server.queue import TaskStore, make_async_client
from sokrat.server.schemas import TaskOptions
from sokrat.settings import Settings


@pytest.fixture
async def make_store(srv_settings: Settings) -> AsyncIterator[object]:
    stores: list[TaskStore] = []

    def make(**kw: object) -> TaskStore:
        s = TaskStore(make_async_client(srv_settings.redis_url or ""), namespace=srv_settings.task_namespace, **kw)  # type: ignore[arg-type]
        stores.append(s)
        return s

    yield make
    for s in stores:
        await s.close()


async def test_concurrent_submissions_share_round_trips(make_store: object) -> None:
    store: TaskStore = make_store()  # type: ignore[operator]
    ids = await asyncio.gather(*(store.create_task(f"goal {i}", [], TaskOptions()) for i in range(50)))
    assert len(set(ids)) == 50
    assert store._creates.batches < 10, store._creates.batches  # 50 creations, a few pipelines
    tasks = [await store.get_task(task_id) for task_id in ids]
    assert [t.goal for t in tasks] == [f"goal {i}" for i in range(50)]
    assert await store.queue_depth() == 50
    listed, _ = await store.list_tasks(limit=200)
    assert {t.id for t in listed} == set(ids)


async def test_a_bad_submission_does_not_fail_its_batch(make_store: object) -> None:
    store: TaskStore = make_store()  # type: ignore[operator]
    results = await asyncio.gather(store.create_task("ok 1", [], TaskOptions()),
                                   store.create_task("bad", ["nope"], TaskOptions()),
                                   store.create_task("ok 2", [], TaskOptions()), return_exceptions=True)
    assert isinstance(results[1], InvalidInput) and "nope" in str(results[1])
    assert [(await store.get_task(r)).goal for r in (results[0], results[2])] == ["ok 1", "ok 2"]  # type: ignore[arg-type]


async def test_durable_acknowledgement_waits_for_the_aof(make_store: object) -> None:
    store: TaskStore = make_store(ack="fsync", ack_timeout_ms=5000)  # type: ignore[operator]
    ids = await asyncio.gather(*(store.create_task(f"durable {i}", [], TaskOptions()) for i in range(5)))
    assert [(await store.get_task(i)).status for i in ids] == ["queued"] * 5
    assert store._creates.batches <= 2  # one WAITAOF for the whole batch


async def test_submissions_survive_a_flushed_script_cache(make_store: object) -> None:
    store: TaskStore = make_store()  # type: ignore[operator]
    await store.create_task("before", [], TaskOptions())
    await store.r.script_flush()  # what a Redis restart does to the scripts
    ids = await asyncio.gather(*(store.create_task(f"after {i}", [], TaskOptions()) for i in range(3)))
    assert [(await store.get_task(i)).goal for i in ids] == ["after 0", "after 1", "after 2"]
    await store.r.script_flush()
    assert await store.start(ids[0], "w")  # the other scripts reload too


async def test_an_index_move_older_than_the_last_applied_is_ignored(make_store: object) -> None:
    store: TaskStore = make_store()  # type: ignore[operator]
    task_id = await store.create_task("race", [], TaskOptions(), owner="ann")
    rows = store.rows
    # two processes changed the row (v1 running, v2 cancelled); their index moves arrive newest first
    await rows._move(task_id, "ann", "cancelled", 2, "")
    await rows._move(task_id, "ann", "running", 1, "")  # stale: must not fire
    assert [t.id for t in (await store.list_tasks(owner="ann", status="cancelled"))[0]] == []  # row says queued
    assert await store.r.zscore(store.layout.index("ann", "cancelled"), task_id) is not None
    assert await store.r.zscore(store.layout.index("ann", "running"), task_id) is None
    await rows._move(task_id, "ann", "failed", 3, "")  # newer: fires
    assert await store.r.zscore(store.layout.index("ann", "cancelled"), task_id) is None
    assert await store.r.zscore(store.layout.index(None, "failed"), task_id) is not None


async def test_data_in_the_old_key_layout_is_moved_and_readable(make_store: object) -> None:
    store: TaskStore = make_store()  # type: ignore[operator]
    r, old = store.r, store.layout.rows
    await r.delete(store.layout.version)
    await r.hset(old + "task:legacy1", mapping={"id": "legacy1", "owner": "ann", "goal": "old goal", "status": "queued",
                                                 "seq": 1, "created_at": "1.0", "updated_at": "1.0"})
    await r.zadd(old + "tasks", {"legacy1": 1})
    await r.zadd(old + "tasks:queued", {"legacy1": 1})
    await r.zadd(old + "own:ann:tasks:queued", {"legacy1": 1})
    await r.xadd(old + "events:legacy1", {"e": '{"type": "log", "data": {}}'})
    await store.ensure_group()
    assert (await store.get_task("legacy1")).goal == "old goal"
    assert [t.id for t in (await store.list_tasks(owner="ann", status="queued"))[0]] == ["legacy1"]
    assert await store.start("legacy1", "w")  # the scripts work on a moved row (no version yet)
    assert [t.id for t in (await store.list_tasks(owner="ann", status="running"))[0]] == ["legacy1"]
    assert await r.exists(old + "task:legacy1") == 0
    await r.hset(old + "task:legacy2", mapping={"id": "legacy2"})
    await store.ensure_group()  # once done, not scanned again
    assert await r.exists(old + "task:legacy2") == 1
