"""The memory and artifact tools, through the registry as the planner calls them."""

from __future__ import annotations

import pytest

from sokrat.agents import checks
from sokrat.memory import RedisMemory
from sokrat.tools.artifacts import read_artifact
from sokrat.tools.memory import recall, remember
from sokrat.tools.registry import ToolContext, ToolRegistry


@pytest.fixture
def registry() -> ToolRegistry:
    return ToolRegistry([remember, recall, read_artifact])


def test_schemas_describe_arguments() -> None:
    props = recall.parameters["properties"]
    assert recall.parameters["required"] == ["query"]
    assert "ctx" not in props and {"k", "tags", "kinds", "source", "since", "until"} <= set(props)
    assert all(p.get("description") for p in props.values())
    assert read_artifact.parameters["required"] == ["handle"]


def test_remember_refuses_a_bare_name_and_takes_a_sentence(registry: ToolRegistry) -> None:
    from sokrat.errors import ToolArgumentsError

    for bare in ("order_number", " teal ", "gate-code"):
        with pytest.raises(ToolArgumentsError, match="bare name, not a fact"):
            registry.get("remember").validate({"text": bare})
    for fact in ("The gate code is 5521.", "gate code 5521", "Seat: 14C"):
        registry.get("remember").validate({"text": fact})


@pytest.mark.slow  # real embedder
async def test_remember_then_recall(registry: ToolRegistry, memory: RedisMemory) -> None:
    ctx = ToolContext(memory=memory, run_id="run-1")
    out = await registry.execute("remember", {"text": "The spare key is under the blue flowerpot.",
                                              "tags": ["home"]}, ctx)
    assert out.ok and out.output.startswith("Stored in long-term memory as a fact: 'The spare key is under")
    assert "tags: home" in out.output
    # The record echoes every argument, so the step check passes it by rule (no model judgement).
    args = {"text": "The car is parked on level 3.", "tags": ["car"], "kind": "fact", "source": "memory"}
    out = await registry.execute("remember", args, ctx)
    verdict = checks.verify("remember", args, True, out.output, [])
    assert verdict is not None and verdict.label == "ok", out.output
    out = await registry.execute("recall", {"query": "where is the spare key?", "k": 1}, ctx)
    assert out.ok and out.output[0]["text"] == "The spare key is under the blue flowerpot."
    assert out.output[0]["tags"] == ["home"]
    rec = memory.get(out.output[0]["id"])
    assert rec.metadata == {"run_id": "run-1"}
    # a filter that matches nothing (a tag or source worded otherwise) does not hide what the words find
    out = await registry.execute("recall", {"query": "spare key", "tags": ["nothing-here"], "source": "notes"}, ctx)
    assert out.ok and out.output[0]["text"] == "The spare key is under the blue flowerpot."
    assert out.output[0]["note"] == "nothing matched tags, source; found without them"
    # not when the filter matches
    out = await registry.execute("recall", {"query": "spare key", "tags": ["home"]}, ctx)
    assert out.ok and out.output[0]["tags"] == ["home"] and "note" not in out.output[0]


async def test_recall_bad_k_is_an_observation(registry: ToolRegistry, memory: RedisMemory) -> None:
    out = await registry.execute("recall", {"query": "x", "k": 0}, ToolContext(memory=memory))
    assert not out.ok and "k: Input should be greater than or equal to 1" in out.error
    assert recall.parameters["properties"]["k"]["maximum"] == 50  # the bound is in the schema


async def test_read_artifact_pages(registry: ToolRegistry, memory: RedisMemory) -> None:
    content = "".join(f"row {i}\n" for i in range(1000))
    handle = memory.put_artifact(content)
    ctx = ToolContext(memory=memory)
    out = await registry.execute("read_artifact", {"handle": handle, "start": 0, "length": 100}, ctx)
    assert out.ok
    header, body = out.output.split("\n", 1)
    assert body == content[:100]
    assert f"of {len(content)}" in header and "start=100" in header
    out = await registry.execute("read_artifact", {"handle": handle, "start": len(content) - 10}, ctx)
    assert out.output.endswith(content[-10:]) and "end of artifact" in out.output
    out = await registry.execute("read_artifact", {"handle": "artifact:" + "f" * 32}, ctx)
    assert not out.ok and "no artifact" in out.error and "earlier observation" in out.error
    out = await registry.execute("read_artifact", {"handle": handle, "length": 10**6}, ctx)
    assert not out.ok and "length: Input should be less than or equal to 20000" in out.error


async def test_tools_fall_back_to_get_memory(registry: ToolRegistry, settings) -> None:  # type: ignore[no-untyped-def]
    from sokrat.memory import get_memory

    mem = get_memory(settings)
    assert get_memory(settings) is mem
    handle = mem.put_artifact("from the process memory")
    out = await registry.execute("read_artifact", {"handle": handle}, ToolContext(settings=settings))
    assert out.ok and out.output.endswith("from the process memory")


@pytest.mark.slow  # real embedder
async def test_memories_are_scoped_to_the_runs_namespace(registry: ToolRegistry, memory: RedisMemory) -> None:
    alice, bob = ToolContext(memory=memory, namespace="alice"), ToolContext(memory=memory, namespace="bob")
    await registry.execute("remember", {"text": "Alice's locker code is 4711."}, alice)
    out = await registry.execute("recall", {"query": "locker code"}, bob)
    assert out.ok and out.output == []
    out = await registry.execute("recall", {"query": "locker code"}, alice)
    assert out.ok and out.output[0]["text"] == "Alice's locker code is 4711."
    admin = ToolContext(memory=memory, namespace=None)  # None: every namespace
    out = await registry.execute("recall", {"query": "locker code"}, admin)
    assert out.ok and len(out.output) == 1


async def test_memory_off_makes_the_tools_unavailable(registry: ToolRegistry) -> None:
    from sokrat.memory.local import LocalArtifacts

    store = LocalArtifacts()
    ctx = ToolContext(memory=store)
    out = await registry.execute("recall", {"query": "x"}, ctx)
    assert not out.ok and out.unavailable and "memory is off" in out.error
    assert "use another tool" in out.observation and "memory=False" not in out.observation
    handle = store.put_artifact("abc" * 10)
    out = await registry.execute("read_artifact", {"handle": handle, "start": 3, "length": 3}, ctx)
    assert out.ok and out.output.endswith("\nabc") and "of 30" in out.output


async def test_dead_redis_is_unavailable_not_a_model_error(registry: ToolRegistry, tmp_path) -> None:
    from sokrat.settings import Settings

    settings = Settings(redis_url="redis://127.0.0.1:1/0", data_dir=tmp_path)
    out = await registry.execute("recall", {"query": "x"}, ToolContext(settings=settings), timeout_s=60)
    assert not out.ok and out.unavailable and "127.0.0.1:1" in out.error


def test_recalled_memories_reach_the_planner_without_ids_scores_or_tags() -> None:
    import json

    from sokrat.tools.memory import render_memories

    hits = [{"id": "529b4d158edb475288191253452e6123", "text": "The alarm code is 4417.", "kind": "fact",
             "score": 0.0325, "tags": ["agent_run"], "created_at": 1796667454.56},
            {"id": "6577", "text": "Moved the bike.", "kind": "episode", "score": 0.01, "source": "day.mp4",
             "t_start": 12.0, "t_end": 15.0, "created_at": 0.0, "note": "nothing matched tags; found without it"}]
    assert json.loads(render_memories(hits)) == [
        {"text": "The alarm code is 4417.", "kind": "fact", "stored": "2026-12-07"},
        {"text": "Moved the bike.", "kind": "episode", "source": "day.mp4", "t_start": 12.0, "t_end": 15.0,
         "note": "nothing matched tags; found without it", "stored": "1970-01-01"}]
