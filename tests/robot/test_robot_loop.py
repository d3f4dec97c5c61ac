"""AgentLoop: one decision per step, confirmation by interrupt, async tools, events, checks.

Logic only: a scripted model (fixed log-probabilities or replies) and small in-memory tools.
The real simulator is in test_sim.py.
"""

from __future__ import annotations

import asyncio
import math

import pytest

from sokrat import Agent, tool
from sokrat.agents.checks import Verdict
from sokrat.agents.loop import (
    AgentLoop,
    Candidate,
    GenerativePolicy,
    SayCanPolicy,
    Step,
    StepView,
    step_messages,
)
from sokrat.llm.scripted import ScriptedChatModel
from sokrat.settings import Settings
from sokrat.tools.registry import ToolContext


class Counter:
    """A toy world: a light that is switched on, and a log of what ran."""

    def __init__(self) -> None:
        self.light = False
        self.ran: list[str] = []
        self.fail_next = False


@tool
async def switch_on(ctx: ToolContext) -> str:
    """Switch the light on."""
    world: Counter = ctx.deps["world"]
    await asyncio.sleep(0)  # an async tool: awaited on the caller's loop
    world.ran.append("switch_on")
    if world.fail_next:
        world.fail_next = False
        return "clicked"
    world.light = True
    return "clicked"


@tool
def wait(ctx: ToolContext) -> str:
    """Wait a moment."""
    ctx.deps["world"].ran.append("wait")
    return "waited"


@tool
def done(ctx: ToolContext) -> str:
    """Finish."""
    ctx.deps["world"].ran.append("done")
    return "finished"


def candidates(world: Counter, *, on_affordance: float = 1.0):
    def make(view: StepView) -> list[Candidate]:
        return [Candidate("switch the light on", "switch_on", {}, 0.0 if world.light else on_affordance),
                Candidate("wait", "wait", {}, 1.0),
                Candidate("done", "done", {}, 1.0)]
    return make


def light_check(world: Counter):
    def check(decision, outcome) -> Verdict:
        if decision.tool == "switch_on" and not world.light:
            return Verdict("failed", "the light is still off", "try again")
        return Verdict("ok", "as expected")
    return check


def make_loop(world: Counter, scores: dict[str, float], **kwargs) -> AgentLoop:
    agent = Agent(model=ScriptedChatModel([], scores=scores), tools=[switch_on, wait, done], memory=False,
                  settings=Settings(max_steps=8))
    policy = SayCanPolicy(candidates(world, on_affordance=kwargs.pop("on_affordance", 1.0)))
    return AgentLoop(agent, policy, deps={"world": world}, check=light_check(world), **kwargs)


async def test_one_decision_per_step_and_finish() -> None:
    world = Counter()
    events = []
    # The model prefers "switch the light on"; once the light is on that skill is not afforded.
    loop = make_loop(world, {"switch the light on": -0.1, "done": -2.0, "wait": -5.0}, on_event=events.append)
    await loop.astart("turn on the light")
    d1 = await loop.astep()
    assert (d1.tool, d1.status, world.ran) == ("switch_on", "ok", ["switch_on"])
    assert not loop.finished
    d2 = await loop.astep()
    assert (d2.tool, d2.status, loop.finished) == ("done", "finished", True)
    types = [e.type for e in events]
    assert types[0] == "run_started" and types[-1] == "done"
    assert types.count("step_started") == 2 and types.count("tool_result") == 2
    result = loop.result()
    assert result.status == "succeeded" and [s.tool for s in result.steps] == ["switch_on", "done"]
    with pytest.raises(RuntimeError, match="finished"):
        await loop.astep()


async def test_affordance_overrides_the_language_model() -> None:
    world = Counter()
    # The model likes switching, but the scene says it cannot work (affordance 0.01 vs wait's 1).
    loop = make_loop(world, {"switch the light on": -0.1, "wait": -1.5, "done": -9.0}, on_affordance=0.01)
    await loop.astart("turn on the light")
    d = await loop.astep()
    assert d.tool == "wait"


async def test_failed_check_is_replanned_with_the_failure_in_the_prompt() -> None:
    world = Counter()
    world.fail_next = True
    model_scores = {"switch the light on": -0.1, "done": -2.0, "wait": -5.0}
    loop = make_loop(world, model_scores)
    await loop.astart("turn on the light")
    d1 = await loop.astep()
    assert d1.status == "failed" and "still off" in d1.check
    d2 = await loop.astep()
    assert d2.tool == "switch_on" and d2.status == "ok"
    state = await loop.astate()
    assert state["replans"] == 1
    # What the second decision saw: the failure, in the prompt's history.
    failed = Step("switch the light on", "switch_on", {}, "failed", "clicked", "the light is still off; try again")
    prompt = step_messages(StepView("turn on the light", (failed,)))[-1].content
    assert "1. switch the light on -> failed: the light is still off" in prompt


async def test_confirmation_interrupts_before_acting() -> None:
    world = Counter()
    loop = make_loop(world, {"switch the light on": -0.1, "done": -2.0, "wait": -5.0}, confirm={"switch_on"})
    await loop.astart("turn on the light")
    d = await loop.astep()
    assert d.status == "waiting" and d.tool == "switch_on" and world.ran == []
    with pytest.raises(RuntimeError, match="confirmation"):
        await loop.astep()
    d = await loop.astep(confirm=False)
    assert d.status == "declined" and world.ran == []
    d = await loop.astep()
    assert d.status == "waiting"
    d = await loop.astep(confirm=True)
    assert d.status == "ok" and world.ran == ["switch_on"] and world.light


async def test_step_budget_ends_the_run() -> None:
    world = Counter()
    loop = make_loop(world, {"wait": -0.1, "done": -9.0, "switch the light on": -9.0}, max_steps=3)
    result = await loop.arun("wait around")
    assert result.status == "budget_exhausted" and len(result.steps) == 3


def test_sync_wrappers_and_async_callback() -> None:
    world = Counter()
    seen: list[str] = []

    async def on_event(event) -> None:
        seen.append(event.type)

    loop = make_loop(world, {"switch the light on": -0.1, "done": -2.0, "wait": -5.0}, on_event=on_event)
    loop.start("turn on the light")
    assert loop.step().tool == "switch_on"
    assert loop.step().status == "finished"
    assert "check" in seen and seen[-1] == "done"


async def test_generative_policy_maps_free_text_onto_a_candidate() -> None:
    world = Counter()
    agent = Agent(model=ScriptedChatModel(["1. Turn the light on please"]), tools=[switch_on, wait, done],
                  memory=False, settings=Settings(max_steps=8))
    loop = AgentLoop(agent, GenerativePolicy(candidates(world)), deps={"world": world})
    await loop.astart("turn on the light")
    d = await loop.astep()
    assert d.tool == "switch_on"


async def test_saycan_probabilities_are_normalised_over_candidates() -> None:
    world = Counter()
    model = ScriptedChatModel([], scores={"switch the light on": math.log(0.6), "wait": math.log(0.3),
                                          "done": math.log(0.1)})
    choice = await SayCanPolicy(candidates(world)).choose(StepView("x", ()), model)
    lm = {s.candidate.text: s.lm for s in choice.ranking}
    assert lm["switch the light on"] == pytest.approx(0.6) and sum(lm.values()) == pytest.approx(1.0)


async def test_empty_goal_is_refused() -> None:
    loop = make_loop(Counter(), {})
    with pytest.raises(ValueError, match="empty goal"):
        await loop.astart("  ")


async def test_a_model_failure_ends_the_run_with_the_reason() -> None:
    world = Counter()
    events = []
    agent = Agent(model=ScriptedChatModel([]), tools=[switch_on, wait, done], memory=False,  # cannot score
                  settings=Settings(max_steps=8))
    loop = AgentLoop(agent, SayCanPolicy(candidates(world)), deps={"world": world}, on_event=events.append)
    await loop.astart("turn on the light")
    d = await loop.astep()
    assert d.status == "failed" and "no decision" in d.check and loop.finished
    assert world.ran == [] and events[-1].type == "done"
    assert loop.result().status == "failed"
