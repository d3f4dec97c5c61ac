"""``Agent.run(..., collection=NAME)``: the planner is told which collection the goal is about."""

from __future__ import annotations

from typing import Any

from sokrat.agents.agent import with_collection
from sokrat.llm.scripted import ScriptedChatModel
from sokrat.tools.registry import tool
from tests.agents.conftest import act, final, make_agent, plan

__all__ = ["make_agent"]


@tool
def collection_qa(question: str, collection: str) -> dict[str, Any]:
    """Answer over a collection (a stand-in: the real one is tested in test_collection_media.py).

    Args:
        question: the question.
        collection: the collection's name.
    """
    return {"answer": f"{collection}: a cat at 08:00", "status": "succeeded"}


def test_with_collection_names_it_and_leaves_other_goals_alone() -> None:
    assert "collection_qa" in with_collection("When was the cat?", "day") and "'day'" in with_collection("x", "day")
    assert with_collection("When was the cat?", None) == "When was the cat?"
    assert with_collection("", "day") == ""  # an empty goal still fails as empty


def test_agent_run_with_a_collection(make_agent: Any) -> None:
    model = ScriptedChatModel([plan("ask the collection"), act("collection_qa", question="when was the cat?",
                                                              collection="day"), final("At 08:00.")])
    r = make_agent(model, tools=[collection_qa]).run("When did I see the cat?", collection="day")
    assert r.status == "succeeded" and r.steps[0].tool == "collection_qa" and r.steps[0].ok
    first_prompt = " ".join(m.content for m in model.calls[0])
    assert "collection of clips 'day'" in first_prompt
