"""Durable runs: a real LangGraph graph checkpointed to the real Redis, SIGKILLed mid-run in a
subprocess, resumed in a new process with the same thread_id."""

from __future__ import annotations

import asyncio
import operator
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Annotated, TypedDict

import pytest

from sokrat.settings import Settings

# A graph whose "tool" node runs STEPS times; each call appends its step number to a file
# (an outside effect the checkpointer cannot undo), then the state advances.
CHILD = r'''
import sys, time, operator
from pathlib import Path
from typing import Annotated, TypedDict
from langgraph.graph import StateGraph, START, END
from sokrat.settings import Settings
from sokrat.agents.durable import checkpointer

url, data_dir, cache_dir, prefix, thread_id, calls_file, steps, delay = sys.argv[1:9]
steps, delay = int(steps), float(delay)

class State(TypedDict):
    count: int
    done: Annotated[list[int], operator.add]

def tool(state: State) -> dict:
    i = state["count"]
    time.sleep(delay)
    with open(calls_file, "a") as f:
        f.write(f"{i}\n")
    return {"count": i + 1, "done": [i]}

def route(state: State) -> str:
    return "tool" if state["count"] < steps else END

g = StateGraph(State)
g.add_node("tool", tool)
g.add_edge(START, "tool")
g.add_conditional_edges("tool", route)
settings = Settings(redis_url=url, data_dir=Path(data_dir), cache_dir=Path(cache_dir))
graph = g.compile(checkpointer=checkpointer(settings, prefix=prefix))
config = {"configurable": {"thread_id": thread_id}, "recursion_limit": 100}
state = graph.get_state(config)
first = None if state.values else {"count": 0, "done": []}
out = graph.invoke(first, config)
print("FINAL", out["count"], ",".join(map(str, out["done"])), flush=True)
'''

STEPS = 8


class CounterState(TypedDict):
    n: Annotated[int, operator.add]


def _child(settings: Settings, prefix: str, thread_id: str, calls: Path, delay: float) -> list[str]:
    return [sys.executable, "-c", CHILD, settings.redis_url, str(settings.data_dir),
            str(settings.cache_dir), prefix, thread_id, str(calls), str(STEPS), str(delay)]


def _checkpointed_count(settings: Settings, prefix: str, thread_id: str) -> int:
    from sokrat.agents.durable import checkpointer

    saver = checkpointer(settings, prefix=prefix)
    tup = saver.get_tuple({"configurable": {"thread_id": thread_id, "checkpoint_ns": ""}})
    return 0 if tup is None else int(tup.checkpoint["channel_values"].get("count", 0))


def test_killed_run_resumes_without_repeating_tool_calls(settings: Settings, tmp_path: Path) -> None:
    prefix, thread_id = f"d{uuid.uuid4().hex[:8]}", "thread-1"
    calls = tmp_path / "calls.txt"
    proc = subprocess.Popen(_child(settings, prefix, thread_id, calls, 0.4), stdout=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        # Kill once at least 3 steps are checkpointed (and before the run can finish).
        while _checkpointed_count(settings, prefix, thread_id) < 3:
            assert proc.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        checkpointed = _checkpointed_count(settings, prefix, thread_id)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert checkpointed < STEPS
    before = Counter(int(x) for x in calls.read_text().split())

    resumed = subprocess.run(_child(settings, prefix, thread_id, calls, 0.0), capture_output=True,
                             text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    final = resumed.stdout.split("FINAL", 1)[1].split()
    assert int(final[0]) == STEPS
    assert final[1] == ",".join(str(i) for i in range(STEPS))  # state has each step once

    after = Counter(int(x) for x in calls.read_text().split())
    assert set(after) == set(range(STEPS))
    # Steps checkpointed before the kill were not run again.
    for step in range(checkpointed):
        assert after[step] == 1 == before[step], (step, before, after)
    # Only the step in flight at the kill may have run twice (at-least-once).
    assert all(after[s] == 1 for s in range(STEPS) if s != checkpointed), after


def test_async_graph_on_fresh_loops(settings: Settings) -> None:
    """The threaded saver works with ainvoke on a new event loop per call (as Agent.run does)."""
    from langgraph.graph import END, START, StateGraph

    from sokrat.agents.durable import checkpointer

    g = StateGraph(CounterState)
    g.add_node("inc", lambda s: {"n": 1})
    g.add_edge(START, "inc")
    g.add_edge("inc", END)
    graph = g.compile(checkpointer=checkpointer(settings, prefix=f"d{uuid.uuid4().hex[:8]}"))
    config = {"configurable": {"thread_id": "t"}}
    assert asyncio.run(graph.ainvoke({"n": 0}, config))["n"] == 1
    assert asyncio.run(graph.ainvoke({"n": 0}, config))["n"] == 2  # second loop, same saver
    assert graph.get_state(config).values["n"] == 2


async def test_async_factories(settings: Settings) -> None:
    from langgraph.graph import END, START, StateGraph

    from sokrat.agents.durable import async_checkpointer, store

    prefix = f"d{uuid.uuid4().hex[:8]}"
    async with async_checkpointer(settings, prefix=prefix) as saver:
        g = StateGraph(CounterState)
        g.add_node("inc", lambda s: {"n": 1})
        g.add_edge(START, "inc")
        g.add_edge("inc", END)
        graph = g.compile(checkpointer=saver)
        config = {"configurable": {"thread_id": "t"}}
        await graph.ainvoke({"n": 0}, config)
        assert (await graph.ainvoke({"n": 0}, config))["n"] == 2
    st = store(settings, prefix=prefix)  # the sync store's async API runs in a thread
    await st.aput(("users",), "prefs", {"tea": "green"})
    item = await st.aget(("users",), "prefs")
    assert item.value == {"tea": "green"}


def test_single_redis_keeps_plain_prefixes(settings: Settings) -> None:
    """The cluster hash tag (tests/cluster/test_durable_on_cluster.py) is not added on one Redis."""
    from sokrat.agents.durable import checkpointer, store

    prefix = f"d{uuid.uuid4().hex[:8]}"
    saver = checkpointer(settings, prefix=prefix)
    assert saver._checkpoint_prefix == f"{prefix}_checkpoint"
    assert store(settings, prefix=prefix).store_prefix == f"{prefix}_store"


@pytest.mark.xfail(strict=True, reason=(
    "known upstream limit: langgraph-checkpoint-redis 0.5.2 looks items up with a quoted "
    "phrase of the escaped namespace (@prefix:(\"users\\.u1\")), which RediSearch 2.10 "
    "(the embedded server) does not match; single-level namespaces work"))
def test_store_multi_level_namespace_on_embedded_server(settings: Settings) -> None:
    from sokrat.agents.durable import store

    st = store(settings, prefix=f"d{uuid.uuid4().hex[:8]}")
    st.put(("users", "u1"), "prefs", {"tea": "green"})
    assert st.get(("users", "u1"), "prefs") is not None


@pytest.mark.slow  # real embedder
def test_store_with_embeddings(settings: Settings) -> None:
    from sokrat.agents.durable import store

    st = store(settings, prefix=f"d{uuid.uuid4().hex[:8]}", embeddings=True)
    st.put(("notes",), "a", {"text": "the cat sleeps on the sofa"})
    assert st.get(("notes",), "a").value == {"text": "the cat sleeps on the sofa"}
    st.put(("notes",), "b", {"text": "quarterly revenue grew"})
    hits = st.search(("notes",), query="where is the kitten napping?", limit=1)
    assert hits[0].key == "a"
