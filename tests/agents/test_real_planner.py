"""The real offline planner (Qwen2.5-Coder-0.5B, schema-constrained) on a simple 2-step task.

Asserts only what a 0.5B model can honestly do: the run ends in a defined status with a
reason, nothing crashes, and every action it emitted was a schema-valid call of a known tool
(the constraint makes this a property of the decoder, not luck).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sokrat.agents import Agent
from sokrat.settings import Settings
from sokrat.tools.registry import tool

OWNERS = {"red bicycle": "alice", "blue car": "bob"}
CITIES = {"alice": "Paris", "bob": "Rome"}


@tool
def owner_of(item: str) -> str:
    """Who owns an item.

    Args:
        item: the item, e.g. "red bicycle".
    """
    return f"The {item} belongs to {OWNERS.get(item.lower().strip(), 'nobody known')}."


@tool
def city_of(person: str) -> str:
    """The city a person lives in.

    Args:
        person: the person's name.
    """
    return f"{person} lives in {CITIES.get(person.lower().strip(), 'an unknown city')}."


@pytest.mark.slow
def test_real_planner_two_step_task(tmp_path: Path) -> None:
    from langgraph.checkpoint.memory import InMemorySaver

    from sokrat.llm import get_chat_model

    settings = Settings(data_dir=tmp_path / "data", max_steps=6, max_wall_s=600)
    model = get_chat_model(settings)
    agent = Agent(model=model, memory=False, tools=[owner_of, city_of], settings=settings,
                  checkpointer=InMemorySaver())
    result = agent.run("In which city does the owner of the red bicycle live?")
    print(result.model_dump_json(indent=1))
    assert result.status in {"succeeded", "failed", "budget_exhausted"}
    assert result.status == "succeeded" or result.reason
    assert result.usage.llm_calls >= 2
    for step in result.steps:
        # Constrained decoding: never an unparseable action or an unknown tool.
        assert step.tool in {"owner_of", "city_of"}, step
