"""Redis paths on a real local 3-master Redis Cluster (valkey in cluster mode): the task queue
end to end (memory, documents and the LangGraph checkpointer: tests/cluster/)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from sokrat.errors import InvalidInput
from sokrat.server.queue import TaskStore, make_async_client
from sokrat.server.rows import MediaRow
from sokrat.server.schemas import TaskOptions
from sokrat.types import Event, Result
from tests.server.cluster import local_cluster


@pytest.fixture(scope="module")
def cluster_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with local_cluster(tmp_path_factory.mktemp("cluster")) as url:
        yield url


def _nodes_holding(url: str, keys: list[str]) -> set[str]:
    import redis

    rc = redis.RedisCluster.from_url(url)
    try:
        return {rc.get_node_from_key(k).name for k in keys}
    finally:
        rc.close()


async def test_the_task_queue_runs_on_a_cluster(cluster_url: str) -> None:
    import redis.asyncio as aredis

    client = make_async_client(cluster_url)
    assert isinstance(client, aredis.RedisCluster)
    store = TaskStore(client, namespace="qc", task_retention_s=60)
    try:
        await store.ensure_group()
        await store.add_media(MediaRow(id="m1", owner="alice", kind="video", duration_s=1.0, bytes=10,
                                       filename="a.mp4", sha256="0" * 64, suffix=".mp4", created_at=1.0))
        ids = await asyncio.gather(*(store.create_task(f"goal {i}", ["m1"], TaskOptions(), owner="alice")
                                     for i in range(12)))
        # the tasks really are spread over the cluster's nodes
        assert len(_nodes_holding(cluster_url, [store.layout.task(i) for i in ids])) >= 2
        with pytest.raises(InvalidInput, match="m1"):
            await store.create_task("not yours", ["m1"], TaskOptions(), owner="bob")
        assert await store.queue_depth() == 12

        claim = await store.read_new("w1", block_ms=1000)
        assert claim is not None and claim.task_id in ids
        assert await store.start(claim.task_id, "w1")
        assert await store.heartbeat("w1", claim.entry_id)
        await store.append_event(claim.task_id, Event(type="plan", data={"steps": ["look"]}))
        [(_, event)] = await store.read_events(claim.task_id, "0-0")
        assert event.type == "plan"
        running, _ = await store.list_tasks(owner="alice", status="running")
        assert [t.id for t in running] == [claim.task_id]

        await store.release(claim.task_id, claim.entry_id)  # shutdown: back to the queue, uncounted
        assert (await store.get_task(claim.task_id)).status == "queued"
        again = None
        while again is None or again.task_id != claim.task_id:
            again = await store.read_new("w2", block_ms=1000)
            assert again is not None
            if again.task_id != claim.task_id:
                await store.ack(again.entry_id)
        assert await store.start(again.task_id, "w2")
        assert await store.finish(again.task_id, Result(status="succeeded", answer="42"), entry_id=again.entry_id)
        done = await store.get_task(again.task_id)
        assert done.status == "succeeded" and done.result is not None and done.result.answer == "42"
        assert done.expires_at is not None
        listed, _ = await store.list_tasks(owner="alice", status="succeeded")
        assert [t.id for t in listed] == [again.task_id]

        await store.add_key("k-1", owner="carol")
        keys, _ = await store.keys()
        assert [k.owner for k in keys] == ["carol"]
        deleted, _ = await store.sweep(now=done.expires_at + 1)
        assert deleted == 1 and await store.find_task(again.task_id) is None
        assert await store.read_events(again.task_id, "0-0") == []
        assert await store.uptime_s() > 0
    finally:
        await store.close()
