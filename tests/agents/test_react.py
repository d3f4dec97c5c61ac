"""The plain ReAct baseline used by bench/agent.py: full history, no checks, step cap only."""

from __future__ import annotations

import asyncio
from typing import Any

from sokrat.agents.react import ReactTrace, run_react
from sokrat.llm.scripted import ScriptedChatModel
from sokrat.settings import Settings
from sokrat.tools.registry import ToolRegistry
from tests.agents.conftest import PolicyModel, act, city_of, final


def test_react_answers_and_keeps_full_history() -> None:
    model = ScriptedChatModel([act("city_of", person="alice"), act("city_of", person="bob"), final("Rome")])
    trace = ReactTrace()
    r = asyncio.run(run_react("Where does bob live?", model=model, tools=ToolRegistry([city_of]),
                              settings=Settings(max_steps=5), trace=trace))
    assert r.status == "succeeded" and r.answer == "Rome" and len(r.steps) == 2
    assert "Paris" in model.calls[2][-1].content  # every earlier observation stays in the prompt
    assert trace.prompt_tokens[0] < trace.prompt_tokens[1] < trace.prompt_tokens[2]


def test_react_survives_unusable_model_output() -> None:
    from sokrat.errors import LLMOutputError

    def policy(c: Any) -> Any:
        raise LLMOutputError("cut off")

    r = asyncio.run(run_react("x", model=PolicyModel(policy), tools=ToolRegistry([city_of]), settings=Settings(max_steps=2)))
    assert r.status == "budget_exhausted" and "cut off" in r.steps[0].observation


def test_react_takes_garbage_at_face_value_and_spins_to_the_cap() -> None:
    def policy(c: Any) -> Any:
        return act("city_of", person="zed")  # an unknown person: the tool fails every time

    r = asyncio.run(run_react("Where does zed live?", model=PolicyModel(policy), tools=ToolRegistry([city_of]),
                              settings=Settings(max_steps=4)))
    assert r.status == "budget_exhausted" and len(r.steps) == 4
    assert all(not s.ok for s in r.steps)
