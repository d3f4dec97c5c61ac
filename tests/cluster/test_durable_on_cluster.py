"""The LangGraph checkpointer and store on a real 3-master Redis Cluster: the single-node durable
suite (imported, collected again with the cluster's ``redis_url``: a SIGKILLed run resumed by a
second process, async graphs on fresh loops), plus what only a cluster shows: one prefix in one
slot, complete history and deletion across threads, a second ``setup()``, and the async saver
refused with the way out."""

from __future__ import annotations

import uuid
from typing import TypedDict

import pytest

from sokrat.errors import ConfigError
from sokrat.settings import Settings
from tests.memory.test_durable import *  # noqa: F403

del test_async_factories  # noqa: F821 - the async saver is refused on a cluster (tested below)
del test_single_redis_keeps_plain_prefixes  # noqa: F821 - the tag is the point here (checked below)


class _Count(TypedDict):
    n: int


def test_checkpoints_of_a_prefix_share_a_slot_and_list_delete_and_reopen_work(settings: Settings) -> None:
    import redis
    from langgraph.graph import END, START, StateGraph

    from sokrat.agents import durable

    prefix = f"c{uuid.uuid4().hex[:8]}"
    saver = durable.checkpointer(settings, prefix=prefix)
    rc = saver._redis
    assert isinstance(rc, redis.RedisCluster)
    graph = StateGraph(_Count)
    graph.add_node("inc", lambda s: {"n": s["n"] + 1})
    graph.add_node("times", lambda s: {"n": s["n"] * 10})
    graph.add_edge(START, "inc")
    graph.add_edge("inc", "times")
    graph.add_edge("times", END)
    app = graph.compile(checkpointer=saver, interrupt_before=["times"])
    threads = [{"configurable": {"thread_id": f"thread-{i}"}} for i in range(6)]
    for i, config in enumerate(threads):
        app.invoke({"n": i}, config)  # stops before "times": the state is only in the checkpoint

    again = durable.checkpointer(settings, prefix=prefix)  # another process's setup: indexes exist
    app_again = graph.compile(checkpointer=again, interrupt_before=["times"])
    resumed = [app_again.invoke(None, config)["n"] for config in threads]  # type: ignore[arg-type]
    assert resumed == [(i + 1) * 10 for i in range(6)]

    keys = [k.decode() for k in rc.scan_iter(match="{" + prefix + "}_checkpoint*")]
    assert keys and len({rc.keyslot(k) for k in keys}) == 1
    assert not list(rc.scan_iter(match=prefix + "_checkpoint*"))  # nothing outside the tag
    # history is complete for every thread (its index is on the node holding all of them)
    per_thread = [len(list(app.get_state_history(config))) for config in threads]  # type: ignore[arg-type]
    assert per_thread == [per_thread[0]] * 6 and per_thread[0] >= 3
    assert len(list(saver.list(None))) == 6 * per_thread[0]

    saver.delete_thread("thread-0")
    assert app.get_state(threads[0]).values == {}  # type: ignore[arg-type]
    assert not [k for k in keys if ":thread-0:" in k and rc.exists(k)]
    assert app.get_state(threads[1]).values == {"n": 20}  # type: ignore[arg-type]


def test_store_on_a_cluster_reopens_and_finds_every_item(settings: Settings) -> None:
    from sokrat.agents.durable import store

    prefix = f"s{uuid.uuid4().hex[:8]}"
    st = store(settings, prefix=prefix)
    for i in range(12):
        st.put(("users",), f"u{i}", {"tea": i})
    again = store(settings, prefix=prefix)  # a second setup() on existing indexes
    assert [again.get(("users",), f"u{i}").value for i in range(12)] == [{"tea": i} for i in range(12)]  # type: ignore[union-attr]
    assert len(again.search(("users",), limit=50)) == 12


async def test_async_checkpointer_is_refused_with_the_way_out(settings: Settings) -> None:
    from sokrat.agents.durable import async_checkpointer

    with pytest.raises(ConfigError, match=r"use sokrat\.agents\.durable\.checkpointer\(\)"):
        async with async_checkpointer(settings, prefix=f"a{uuid.uuid4().hex[:8]}"):
            pass
