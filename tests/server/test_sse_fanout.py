"""SSE fan-out (issue 24, item 2): thousands of viewers share one Redis reader per task, a slow
viewer holds no memory, and other users' requests keep working meanwhile."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import httpx
import pytest
import redis

from sokrat.server.fanout import BLOCK_MS, BUFFER_FRAMES, DONE_GRACE_S, POLL_S, EventHub
from sokrat.server.queue import TaskStore
from sokrat.server.schemas import TaskOptions
from sokrat.settings import Settings
from sokrat.types import Event, Result
from tests.server.procs import Procs, bearer, start_server

pytestmark = [pytest.mark.server]

ALICE, BOB = "k-alice-0123456789", "k-bob-0123456789"


async def test_a_slow_viewer_catches_up_from_redis_without_growing_the_buffer(srv_settings: Settings) -> None:
    store = TaskStore.from_settings(srv_settings)
    hub = EventHub()
    try:
        task_id = await store.create_task("g", [], TaskOptions())
        fast, slow = hub.follow(store, task_id, "0-0"), hub.follow(store, task_id, "0-0")
        await store.append_event(task_id, Event(type="tokens", data={"i": 0}))
        first_fast, first_slow = await anext(fast), await anext(slow)  # both joined; slow now stops reading
        assert first_fast == first_slow
        n = 3 * BUFFER_FRAMES
        for i in range(1, n):
            await store.append_event(task_id, Event(type="tokens", data={"i": i}))
        await store.append_event(task_id, Event(type="done", data={"result": None}))
        got_fast = [first_fast] + [frame async for frame in fast]
        topic = hub._topics.get(task_id)
        assert topic is None or len(topic.frames) <= BUFFER_FRAMES  # bounded, whatever the slow one does
        got_slow = [first_slow] + [frame async for frame in slow]
        assert got_slow == got_fast and len(got_fast) == n + 1  # every event once, in order, then done
        assert got_fast[-1].startswith(b"id: ") and b"event: done" in got_fast[-1]
        assert hub.watched == 0  # the reader stopped with its last viewer
    finally:
        await store.close()


async def test_a_done_written_just_after_the_status_reaches_viewers_with_its_id(srv_settings: Settings) -> None:
    """A cancel of a queued task records the status, then writes `done`: a reader that sees
    the status in between waits for the real `done` instead of making one up without an id."""
    store = TaskStore.from_settings(srv_settings)
    hub = EventHub(blocking_reads=0)  # every reader polls: it sees the status at once
    try:
        task_id = await store.create_task("g", [], TaskOptions())
        viewer = hub.follow(store, task_id, "0-0")
        first = asyncio.ensure_future(anext(viewer))
        result = Result(answer="", status="cancelled", reason="test")
        assert await store.finish(task_id, result, allowed="queued")
        await asyncio.sleep(3 * POLL_S)  # the reader has seen the finished status by now
        entry_id = await store.append_event(task_id, Event.done(result))
        frame = await asyncio.wait_for(first, 30)
        assert frame.startswith(f"id: {entry_id}".encode()) and b"event: done" in frame
    finally:
        await store.close()


async def test_a_task_finished_long_ago_without_done_ends_its_viewers_at_once(srv_settings: Settings) -> None:
    """No `done` in the stream (trimmed) for a task that finished long ago: one is made up from the row."""
    store = TaskStore.from_settings(srv_settings)
    hub = EventHub(blocking_reads=0)  # every reader polls: it sees the status at once
    try:
        task_id = await store.create_task("g", [], TaskOptions())
        result = Result(answer="", status="cancelled", reason="test")
        assert await store.finish(task_id, result, allowed="queued")
        await store.rows.r.hset(store.rows.layout.task(task_id), "finished_at", repr(time.time() - 2 * DONE_GRACE_S))
        frames = await asyncio.wait_for(_all(hub.follow(store, task_id, "0-0")), 3 * BLOCK_MS / 1000)
        assert len(frames) == 1 and frames[0].startswith(b"event: done") and b'"cancelled"' in frames[0]
    finally:
        await store.close()


async def _all(frames: AsyncIterator[bytes]) -> list[bytes]:
    return [frame async for frame in frames]


async def _viewer(port: int, path: str, key: str, opened: asyncio.Event, count: list[int]) -> list[str]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {key}\r\n\r\n".encode())
    status = await reader.readline()
    assert b" 200 " in status, status
    count[0] += 1
    if count[0] == count[1]:
        opened.set()
    ids = []
    while True:
        line = await reader.readline()
        if not line:
            break
        if line.startswith(b"id: "):
            ids.append(line[4:].strip().decode())
        if line.startswith(b"event: done"):
            break
    writer.close()
    return ids


def _other_user(base: str, task_id: str, rounds: int) -> dict[int, int]:
    statuses: dict[int, int] = {}
    with httpx.Client(base_url=base, headers=bearer(BOB), timeout=60) as c:
        for _ in range(rounds):
            for r in (c.get("/healthz"), c.get(f"/v1/tasks/{task_id}"), c.get("/v1/tasks"),
                      c.post("/v1/tasks", json={"goal": "still served"})):
                statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
    return statuses


@pytest.mark.slow
def test_1000_viewers_of_one_task_and_200_of_one_key_starve_nobody(procs: Procs, proc_env: dict[str, str]) -> None:
    base = start_server(procs, SOKRAT_API_KEYS=f"{ALICE},{BOB}")
    port = int(base.rsplit(":", 1)[1])
    h = bearer(ALICE)
    hot = httpx.post(f"{base}/v1/tasks", json={"goal": "watched"}, headers=h, timeout=30).json()["id"]
    many = [httpx.post(f"{base}/v1/tasks", json={"goal": f"g{i}"}, headers=h, timeout=30).json()["id"]
            for i in range(200)]
    bob_task = httpx.post(f"{base}/v1/tasks", json={"goal": "bob"}, headers=bearer(BOB), timeout=30).json()["id"]
    r = redis.Redis.from_url(proc_env["REDIS_URL"])
    clients_before = int(r.info("clients")["connected_clients"])

    async def run() -> tuple[list[list[str]], dict[int, int], int, list[str]]:
        opened, count = asyncio.Event(), [0, 1200]
        paths = [f"/v1/tasks/{hot}/events"] * 1000 + [f"/v1/tasks/{t}/events" for t in many]
        viewers = [asyncio.create_task(_viewer(port, p, ALICE, opened, count)) for p in paths]
        await asyncio.wait_for(opened.wait(), 300)
        during = await asyncio.to_thread(_other_user, base, bob_task, 25)
        connections = int(r.info("clients")["connected_clients"]) - clients_before
        store = TaskStore.from_settings(Settings(redis_url=proc_env["REDIS_URL"],
                                                 task_namespace=proc_env["SOKRAT_TASK_NAMESPACE"]))
        written = [await store.append_event(hot, Event(type="tokens", data={"i": i})) for i in range(5)]
        await store.close()
        async with httpx.AsyncClient(base_url=base, headers=h, timeout=60) as c:
            for t in [hot, *many]:
                assert (await c.post(f"/v1/tasks/{t}/cancel")).status_code == 200
        return await asyncio.wait_for(asyncio.gather(*viewers), 300), during, connections, written

    seen, during, connections, written = asyncio.run(run())
    r.close()
    assert not [s for s in during if s >= 500], during  # 0 errors for the other user
    assert set(during) <= {200, 202}, during
    assert connections < 50, f"{connections} more Redis connections with 1,200 viewers open"
    hot_ids = seen[:1000]
    assert all(ids[:5] == written and len(ids) == 6 for ids in hot_ids), hot_ids[0]  # 5 steps + done
    assert all(len(ids) == 1 for ids in seen[1000:])  # each of the 200 got its done
