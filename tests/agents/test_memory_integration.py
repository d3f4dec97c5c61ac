"""The agent on the real embedded Redis memory: recall into prompts, artifacts, episodes."""

from __future__ import annotations

from typing import Any

from langgraph.checkpoint.memory import InMemorySaver

from sokrat.agents import Agent, AgentOptions
from sokrat.llm.scripted import ScriptedChatModel
from sokrat.settings import Settings
from sokrat.tools.registry import tool
from tests.agents.conftest import act, city_of, final, plan


@tool
def dump(name: str) -> str:
    """Dump a log.

    Args:
        name: log name.
    """
    return f"log {name}: " + "motor current nominal\n" * 300


def test_recall_artifacts_and_episodes_on_redis(memory: Any, settings: Settings) -> None:
    fact_id = memory.remember("My best friend is bob; he lives in Rome.", kind="fact")
    model = ScriptedChatModel([plan("look up my friend"), act("city_of", person="bob"), act("dump", name="motor"),
                               final("Your friend bob lives in Rome.")])
    agent = Agent(model=model, memory=memory, tools=[city_of, dump], checkpointer=InMemorySaver(),
                  options=AgentOptions(plan="always"),
                  settings=Settings(**{**settings.model_dump(), "observation_max_chars": 500}))
    result = agent.run("Where does my best friend live?")
    assert result.status == "succeeded", result.reason
    # The recalled fact (with its id) was in the planner's prompts: ambiguity resolved from memory.
    assert fact_id in model.calls[0][-1].content and "best friend is bob" in model.calls[1][-1].content
    # The big output went to Redis as an artifact, behind a handle the planner can expand.
    obs = result.steps[1].observation
    handle = obs.split(" stored as ")[1].split(";")[0]
    assert memory.get_artifact(handle).startswith("log motor:")
    # The finished run is remembered as an episode for later runs.
    episodes = memory.recall("best friend live", kinds=["episode"], k=3)
    assert any("Rome" in e.text for e in episodes)


def test_recalled_memories_are_filtered_labelled_and_count_as_evidence(memory: Any, settings: Settings) -> None:
    """Issue 8: an unrelated episode misled the 1.5B planner, and a recalled fact was not
    accepted as evidence. Now: only memories sharing a content word with the goal are shown,
    labelled as memories of earlier runs, and an answer resting on one succeeds, citing it."""
    memory.remember("Goal: What is 17 times 23?\nAnswer: 391", kind="episode", tags=("agent_run",))
    fact_id = memory.remember("My locker code is 4411.", kind="fact")
    model = ScriptedChatModel([plan("answer from memory"), final("Your locker code is 4411.")])
    agent = Agent(model=model, memory=memory, tools=[city_of], checkpointer=InMemorySaver(), settings=settings,
                  options=AgentOptions(plan="always"))
    result = agent.run("What is my locker code?")
    assert result.status == "succeeded", result.reason
    prompt = model.calls[1][-1].content
    assert "Memories of earlier runs" in prompt and "4411" in prompt and "17 times 23" not in prompt
    assert [e.memory_id for e in result.evidence] == [fact_id]


def test_a_run_embeds_nothing_its_memories_and_episode_wait_for_a_search_by_meaning(memory: Any,
                                                                                   settings: Settings) -> None:
    """A warm `sokrat run` loads no embedding model: recall keeps only memories sharing a word
    with the goal, so a word search finds them all; the run's episode is embedded later."""

    class Unloaded:
        name, dim = "unloaded", memory.embedder.dim

        def embed(self, texts: Any) -> Any:
            raise AssertionError("the run embedded something")

        embed_query = embed

    fact_id = memory.remember("My locker code is 4411.", kind="fact")  # stored earlier, embedded then
    real, memory._embedder = memory._embedder, Unloaded()
    model = ScriptedChatModel([plan("answer from memory"), final("Your locker code is 4411.")])
    agent = Agent(model=model, memory=memory, tools=[city_of], checkpointer=InMemorySaver(), settings=settings,
                  options=AgentOptions(plan="always"))
    result = agent.run("What is my locker code?")
    assert result.status == "succeeded", result.reason
    assert [e.memory_id for e in result.evidence] == [fact_id]
    memory._embedder = real
    assert memory.embed_pending() == 1  # the run's episode, embedded by whoever searches by meaning next
    episodes = memory.recall("locker code", kinds=["episode"], k=3, hybrid=False)
    assert any("4411" in e.text for e in episodes)


@tool(computes=True)
def run_code(code: str) -> dict:
    """Run Python code and return what it printed.

    Args:
        code: the source.
    """
    return {"stdout": str(eval(code.removeprefix("print(").removesuffix(")"))) + "\n", "exit_code": 0}  # noqa: S307


def test_the_cross_check_program_sees_the_stored_facts_the_planner_saw(memory: Any, settings: Settings) -> None:
    """A goal that computes on a remembered value: the program written apart is given the
    recalled fact (without it, it cannot know the locker code and disagrees), never an old
    episode's answer."""
    from tests.agents.conftest import Call, PolicyModel

    memory.remember("Goal: What is my locker code plus 1000?\nAnswer: 9999", kind="episode", tags=("agent_run",))
    memory.remember("My locker code is 4411.", kind="fact")

    def policy(c: Call) -> Any:
        if c.purpose == "plan":
            return plan("compute")
        if c.purpose == "crosscheck":
            return {"code": "print(4411 + 1000)" if "My locker code is 4411." in c.prompt else "print(1000)"}
        return act("run_code", code="print(4411 + 1000)")

    model = PolicyModel(policy)
    agent = Agent(model=model, memory=memory, tools=[run_code], checkpointer=InMemorySaver(), settings=settings,
                  options=AgentOptions(plan="always"))
    result = agent.run("Add 1000 to my locker code.")
    assert result.status == "succeeded" and result.answer == "5411", result.reason
    crosscheck_prompt = next(call for call, p in zip(model.calls, model.purposes, strict=True) if p == "crosscheck")
    text = " ".join(m.content for m in crosscheck_prompt)
    assert "My locker code is 4411." in text and "9999" not in text


def test_a_value_computed_on_a_stored_fact_is_cross_checked(memory: Any, settings: Settings) -> None:
    """A goal with no numbers of its own, computed on a remembered one ("what do I pay in a
    year?"): the program written apart is given the fact; a program that multiplied by a year
    read off the clock disagrees with it, so the run is unverified. The right product succeeds,
    and a program that uses no number of a fact is not cross-checked."""
    from tests.agents.conftest import Call, PolicyModel

    memory.remember("My rent is 910 euros a month.", kind="fact")

    def run(first: str) -> tuple[Any, PolicyModel]:
        def policy(c: Call) -> Any:
            if c.purpose == "plan":
                return plan("compute")
            if c.purpose == "crosscheck":
                return {"code": "print(910 * 12)" if "My rent is 910 euros a month." in c.prompt else "print(0)"}
            if "stdout" in c.prompt:
                value = c.prompt.split('stdout": "')[-1].split("\\n")[0]
                return final(f"You pay {value} euros a year.")
            return act("run_code", code=first)

        model = PolicyModel(policy)
        agent = Agent(model=model, memory=memory, tools=[run_code], checkpointer=InMemorySaver(), settings=settings,
                      options=AgentOptions(plan="always"))
        return agent.run("Going by my notes, how much rent do I pay in a whole year?"), model

    result, model = run("print(910 * 3)")
    assert result.status == "unverified" and "code_disagrees" in (result.reason or ""), result.reason
    result, model = run("print(910 * 12)")
    assert result.status == "succeeded" and result.answer == "You pay 10920 euros a year.", result.reason
    assert model.purposes.count("crosscheck") == 1
    result, model = run("print(365 * 24)")  # no number of a fact in the program
    assert "crosscheck" not in model.purposes


def test_a_memory_stored_twice_is_given_to_the_run_once() -> None:
    """The same goal asked again stores the same episode again: the run sees it once (the
    best-ranked copy), and other memories sharing its words keep their places."""
    from sokrat.agents.toolset import relevant_memories
    from sokrat.memory.base import MemoryRecord

    same = "Goal: What is 17 times 23?\nAnswer: 391"
    hits = [MemoryRecord(id="a", text=same, kind="episode"), MemoryRecord(id="b", text="17 times I sang", kind="fact"),
            MemoryRecord(id="c", text=same + " ", kind="episode"), MemoryRecord(id="d", text="Paris is big", kind="fact")]
    assert [m.id for m in relevant_memories("What is 17 times 23?", hits)] == ["a", "b"]
