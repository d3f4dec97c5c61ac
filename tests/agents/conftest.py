"""Helpers for agent tests: scripted models and small deterministic tools."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pytest

from sokrat.agents import Agent, AgentOptions
from sokrat.llm.base import ChatResponse, Message
from sokrat.llm.scripted import ScriptedChatModel
from sokrat.settings import Settings
from sokrat.tools.registry import tool


@dataclass(frozen=True)
class Call:
    """One model call as a policy sees it."""

    purpose: str | None
    """Why the graph asked: plan, replan, act, judge, summary or revise (forwarded by the graph)."""
    messages: Sequence[Message]
    schema: dict[str, Any] | None
    temperature: float = 0.0

    @property
    def prompt(self) -> str:
        return self.messages[-1].content

    def offered(self) -> set[str]:
        """Tool names the action schema allows (final_answer included)."""
        return {b["properties"]["tool"]["const"] for b in (self.schema or {}).get("anyOf", [])}


class PolicyModel(ScriptedChatModel):
    """A scripted model whose next reply is computed by ``policy(call)``.

    Used where a fixed script cannot know how many calls the graph will make (retries,
    replans, judges). Routed by the ``purpose`` the graph passes, never by prompt wording.
    """

    def __init__(self, policy: Callable[[Call], Any], **kw: Any) -> None:
        super().__init__([], **kw)
        self.policy = policy

    async def agenerate(self, messages: Sequence[Message], *, json_schema: dict[str, Any] | None = None,
                        max_tokens: int | None = None, temperature: float = 0.0,
                        purpose: str | None = None) -> ChatResponse:
        self._replies.append(self.policy(Call(purpose, messages, json_schema, temperature)))
        return await super().agenerate(messages, json_schema=json_schema, max_tokens=max_tokens,
                                       temperature=temperature, purpose=purpose)


PEOPLE = {"alice": "Paris", "bob": "Rome", "carol": "Lima"}


@tool
def city_of(person: str) -> dict:
    """Where a person lives.

    Args:
        person: the person's name, lower case.
    """
    if person not in PEOPLE:
        raise KeyError(f"no person {person!r}")
    return {"person": person, "city": PEOPLE[person]}


@pytest.fixture
def make_agent(tmp_path: Any) -> Callable[..., Agent]:
    def make(model: Any, tools: Sequence[Any] = (city_of,), options: AgentOptions | None = None,
             checkpointer: Any = None, **limits: Any) -> Agent:
        from langgraph.checkpoint.memory import InMemorySaver

        settings = Settings(data_dir=tmp_path / "data", **limits)
        # In-memory checkpoints: these tests are about logic; durability is tested on Redis.
        # Scripts start with a plan reply: plan every goal unless a test chooses otherwise.
        return Agent(model=model, memory=False, tools=list(tools), settings=settings,
                     options=options or AgentOptions(plan="always"), checkpointer=checkpointer or InMemorySaver())

    return make


def act(tool_name: str, **arguments: Any) -> dict[str, Any]:
    return {"tool": tool_name, "arguments": arguments}


def final(answer: str) -> dict[str, Any]:
    return {"tool": "final_answer", "arguments": {"answer": answer}}


def plan(*steps: str, **extra: Any) -> dict[str, Any]:
    return {"steps": list(steps), **extra}


def dumps(x: Any) -> str:
    return json.dumps(x)
