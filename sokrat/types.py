"""The result object shared by the CLI (`--json`), the REST API and the Python API, and the
one home of the run/task status vocabulary and the goal cap."""

from __future__ import annotations

import time
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer

RunStatus = Literal["succeeded", "unverified", "no_answer", "failed", "cancelled", "budget_exhausted"]
"""How a run ended: ``succeeded`` (an answer the run's checks confirmed from its tools' outputs),
``unverified`` (an answer the checks could not confirm: it comes with the reason and is never
reported as a success), ``no_answer`` (the sources hold nothing that answers), ``failed`` (bad
input, a model failure), ``cancelled`` (by the caller, or paused for a human),
``budget_exhausted`` (a step, time, error or replan limit)."""
RUN_STATUSES: tuple[RunStatus, ...] = get_args(RunStatus)
TaskStatus = Literal["queued", "running", "succeeded", "unverified", "no_answer", "failed", "cancelled", "budget_exhausted"]
"""A server task: ``queued``, ``running``, then the :data:`RunStatus` its run ended with."""
TASK_STATUSES: tuple[TaskStatus, ...] = get_args(TaskStatus)
TERMINAL_STATUSES: frozenset[str] = frozenset(RUN_STATUSES)
"""Statuses after which a run or task changes no more."""
MAX_GOAL_CHARS = 20_000
"""Longest goal accepted (CLI, Python API, REST API); longer text belongs in a media file."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Evidence(_Frozen):
    """A piece of media (or memory) an answer rests on."""

    source: str
    t_start: float | None = None
    t_end: float | None = None
    text: str = ""
    memory_id: str | None = None
    frame_url: str | None = None
    """REST results only: the API path of a JPEG of the moment (``/v1/media/ID/frame?t=``)."""
    clock_start: str | None = None
    """Collections only: the wall-clock time (ISO 8601) of ``t_start``, when the clip's start is known."""
    clock_end: str | None = None

    @model_serializer(mode="wrap")
    def _omit_unknown_clock(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """A clip's clock is known only in collections: elsewhere the fields are left out, not null."""
        out: dict[str, Any] = handler(self)
        for name in ("clock_start", "clock_end"):
            if out.get(name, "") is None:
                del out[name]
        return out


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
    check_code: str = ""
    """The check's reason as a code (e.g. ``printed_nothing``, ``repeat_ok``); see the planner's checks."""


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
    "confirm",
]


class Event(_Frozen):
    """One streamed event of a run (CLI `sokrat run`, `Agent.astream`, server SSE)."""

    type: EventType
    step: int | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    ts: float = Field(default_factory=time.time)

    @classmethod
    def done(cls, result: Result) -> Event:
        """The last event of every run: ``done`` carrying the :class:`Result` as JSON."""
        return cls(type="done", data={"result": result.model_dump(mode="json")})

    @property
    def result(self) -> Result | None:
        """The :class:`Result` a ``done`` event carries; None for every other event."""
        if self.type != "done" or "result" not in self.data:
            return None
        return Result.model_validate(self.data["result"])
