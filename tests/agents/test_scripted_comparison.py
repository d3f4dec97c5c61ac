"""The graph's guards against a plain ReAct loop, with a scripted policy under seeded faults.

A unit test of logic only (real-model figures come from bench/tasks.py): the policy knows
each task's chain of calls and, like a small model, takes what it reads at face value. It
repeats a call only when the observation it reads is an error or marked by a check. So it
measures whether the harness lets faults through: transient errors (the graph retries them
with backoff), empty and garbage outputs (the graph's checks mark them; ReAct passes them on).
"""

from __future__ import annotations

import asyncio
import json
import random
import re
from typing import Any

from langgraph.checkpoint.memory import InMemorySaver

from sokrat.agents import Agent, AgentOptions
from sokrat.agents.react import run_react
from sokrat.errors import TransientToolError
from sokrat.settings import Settings
from sokrat.tools.registry import ToolRegistry, tool
from tests.agents.conftest import Call, PolicyModel, act, final, plan

OWNERS = {"red bicycle": "alice", "blue car": "bob", "green kite": "carol", "old piano": "dave",
          "yellow boat": "erin", "silver watch": "frank", "black guitar": "grace", "white tent": "heidi",
          "brown saddle": "ivan", "orange drone": "judy", "grey scarf": "mallory", "pink lamp": "oscar"}
CITIES = {"alice": "Paris", "bob": "Rome", "carol": "Lima", "dave": "Oslo", "erin": "Cairo", "frank": "Quito",
          "grace": "Dublin", "heidi": "Vienna", "ivan": "Sofia", "judy": "Hanoi", "mallory": "Accra", "oscar": "Bern"}
FAULTS = (("transient", 0.12), ("empty", 0.08), ("garbage", 0.05))


def tools_with_faults(task: str) -> list[Any]:
    calls = [0]

    def fault() -> str:
        calls[0] += 1
        u, edge = random.Random(f"{task}/{calls[0]}").random(), 0.0
        for kind, p in FAULTS:
            edge += p
            if u < edge:
                return kind
        return ""

    def inject(value: dict) -> Any:
        kind = fault()
        if kind == "transient":
            raise TransientToolError("connection reset by peer")
        return {"empty": "", "garbage": "\x00\x13#@!"}.get(kind, value)

    @tool
    def owner_of(item: str) -> Any:
        """Who owns an item.

        Args:
            item: the item.
        """
        return inject({"item": item, "owner": OWNERS[item]})

    @tool
    def city_of(person: str) -> Any:
        """The city a person lives in.

        Args:
            person: the person's name.
        """
        return inject({"person": person, "city": CITIES[person]})

    return [owner_of, city_of]


_STEP = re.compile(r"(\w+)\((\{.*?\})\)\n  -> (.*)")


def policy_for(item: str) -> Any:
    """Plays a model that knows the chain (owner_of, then city_of) and trusts what it reads."""
    def policy(c: Call) -> Any:
        if c.purpose in ("plan", "replan"):
            return plan("owner_of the item", "city_of the owner")
        if c.purpose == "judge":
            return {"label": "ok", "reason": "fine"}
        if c.purpose == "summary":
            return ""
        steps = _STEP.findall(c.prompt)
        if not steps:
            return act("owner_of", item=item)
        tool_name, args, obs = steps[-1]
        if obs.startswith(("ERROR", "CHECK")):
            return act(tool_name, **json.loads(args))  # try again
        try:
            value = json.loads(obs)
        except json.JSONDecodeError:
            value = {"owner": obs.strip(), "city": obs.strip()}  # taken at face value
        if tool_name == "owner_of":
            return act("city_of", person=str(value.get("owner", "")) if isinstance(value, dict) else "")
        return final(f"The owner lives in {value.get('city', '') if isinstance(value, dict) else value}.")

    return policy


def test_the_graph_recovers_from_faults_that_sink_plain_react(tmp_path: Any) -> None:
    settings = Settings(data_dir=tmp_path / "data", max_steps=8)
    graph_ok = react_ok = 0
    for item, owner in OWNERS.items():
        gold = CITIES[owner]
        agent = Agent(model=PolicyModel(policy_for(item)), memory=False, tools=tools_with_faults(item),
                      settings=settings, checkpointer=InMemorySaver(), options=AgentOptions(retry_backoff_s=0.001))
        r = agent.run(f"In which city does the owner of the {item} live?")
        graph_ok += r.status == "succeeded" and gold in r.answer
        r = asyncio.run(run_react(f"In which city does the owner of the {item} live?", model=PolicyModel(policy_for(item)),
                                  tools=ToolRegistry(tools_with_faults(item)), settings=settings))
        react_ok += r.status == "succeeded" and gold in r.answer
    # Transient errors were retried and bad outputs flagged (one task meets three empty outputs
    # in a row and exhausts its error budget); ReAct passes empty and garbage outputs on.
    assert graph_ok >= len(OWNERS) - 1, graph_ok
    assert graph_ok > react_ok, (graph_ok, react_ok)
