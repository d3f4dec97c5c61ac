"""Memory, artifacts and video logs on a Redis Cluster: the same tests as on one Redis
(imported, so they are collected again here with the cluster's ``redis_url``), plus a check
that a memory's keys sit in one slot while other prefixes spread over the nodes.

Documents and the search tool: ``test_documents_on_cluster.py``; the LangGraph checkpointer and
store: ``test_durable_on_cluster.py``."""

from __future__ import annotations

from tests.memory.test_artifacts_video import *  # noqa: F403
from tests.memory.test_recall import *  # noqa: F403

del test_info  # noqa: F821 - it checks the session server's unix socket URL, not memory behaviour


def test_a_memory_lives_in_one_slot_and_prefixes_spread(redis_url: str, settings) -> None:  # type: ignore[no-untyped-def]
    import redis

    from sokrat.memory import RedisMemory

    mems = [RedisMemory(settings=settings, prefix=f"spread{i}") for i in range(8)]
    try:
        assert isinstance(mems[0].client, redis.RedisCluster)
        for m in mems:
            m.put_artifact("some text")
        rc = mems[0].client
        for m in mems:
            keys = list(rc.scan_iter(match="{" + m.prefix + "}:*"))
            assert keys and len({rc.keyslot(k) for k in keys}) == 1
        nodes = {rc.get_node_from_key("{" + m.prefix + "}:x").name for m in mems}
        assert len(nodes) >= 2
    finally:
        for m in mems:
            m.clear()
            m.close()


def test_the_web_page_finds_a_video_log_on_a_cluster(settings) -> None:  # type: ignore[no-untyped-def]
    """``GET /v1/media/{id}/log`` looks logs up by content hash under the memory's key root
    (``{prefix}`` on a cluster): a plain ``prefix:`` pattern finds nothing there."""
    from sokrat.memory import RedisMemory
    from sokrat.memory.base import VideoLogMeta
    from sokrat.server.media_views import _find_log

    memory = RedisMemory(settings=settings, prefix="findlog")
    try:
        sha = "ab" * 32
        memory.begin_video_log(VideoLogMeta(log_id=f"{sha[:32]}-models1", source="v.mp4", duration_s=4.0))
        found = _find_log(memory, sha)
        assert found is not None and found.log_id == f"{sha[:32]}-models1"
        assert _find_log(memory, "cd" * 32) is None
    finally:
        memory.clear()
        memory.close()
