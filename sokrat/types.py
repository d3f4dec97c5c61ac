"""The result object shared by the CLI (`--json`), the REST API and the Python API."""

from __future__ import annotations

import time
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

RunStatus = Literal["succeeded", "failed", "cancelled", "budget_exhausted"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Evidence(_Frozen):
    """A piece of media (or memory) an answer rests on."""

    source: str
    t_start: float | None = None
    t_end: float | None = None
    text: str = ""
    memory_id: str | None = None


class Usage(_Frozen):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    llm_calls: int = 0
    retries: int = 0
    tool_time_s: float = 0.0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            llm_calls=self.llm_calls + other.llm_calls,
            retries=self.retries + other.retries,
            tool_time_s=self.tool_time_s + other.tool_time_s,
        )


class StepRecord(_Frozen):
    index: int
    tool: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    observation: str = ""
    ok: bool = True
    check: str = ""


class Result(_Frozen):
    answer: str
    evidence: list[Evidence] = Field(default_factory=list)
    steps: list[StepRecord] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)
    status: RunStatus = "succeeded"
    reason: str = ""


EventType = Literal[
    "run_started",
    "plan",
    "step_started",
    "tool_called",
    "tool_result",
    "check",
    "replan",
    "tokens",
    "answer",
    "done",
    "error",
    "warning",
]


class Event(_Frozen):
    """One streamed event of a run (CLI `sokrat run`, `Agent.astream`, server SSE)."""

    type: EventType
    step: int | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    ts: float = Field(default_factory=time.time)
