"""The planner's state: what is checkpointed between nodes (and across a killed process).

Everything here is plain JSON-able data (dicts, lists, strings, numbers) so any LangGraph
checkpointer (in-memory, Redis) can store it. Fields with a reducer are appended to by
nodes; the others are replaced by whatever a node returns.
"""

from __future__ import annotations

import operator
from typing import Annotated, Any, Literal, NotRequired, TypedDict

from sokrat.types import RunStatus, Usage

PlanStatus = Literal["pending", "active", "done", "failed", "skipped"]
CheckLabel = Literal["ok", "suspect", "failed"]
FailureKind = Literal["", "transient", "permanent"]
"""How a failed call failed: ``transient`` (a timeout, a lost connection: the same call may
work later) or ``permanent`` (bad arguments, a missing file: it will fail again as it is)."""
StepCheckCode = Literal[
    # labelled ok
    "no_objection", "confirmed", "accepted", "judged",
    # the call itself
    "tool_error", "empty_output", "error_text", "garbage", "malformed_json", "no_content",
    # against earlier steps and the arguments
    "differs_from_earlier", "echo_mismatch", "not_mentioned",
    # refused before running
    "invalid_action", "bad_arguments", "repeat_failed", "repeat_ok", "repeat_many", "repeat_same_output",
    "ungrounded_arguments", "store_unasked", "question_off_goal",
]
"""Why a step got its label, as data: control flow reads this, never the prose ``check``.
A tool's own output check (:attr:`~sokrat.tools.registry.Tool.output_check`) adds codes of
its own (``python_exec``: ``printed_nothing``, ``random_values``, ...), so
:attr:`StepState.check_code` is a ``str``."""
BLOCKED_CODES: frozenset[str] = frozenset(
    ["invalid_action", "bad_arguments", "repeat_failed", "repeat_ok", "repeat_many", "repeat_same_output",
     "ungrounded_arguments", "store_unasked", "question_off_goal"])
"""Codes of calls refused before they ran (the tool was not tried)."""


class PlanStep(TypedDict):
    text: str
    status: PlanStatus


class StepState(TypedDict):
    """One executed (or refused) tool call, after the check node judged it."""

    index: int
    tool: str
    arguments: dict[str, Any]
    observation: str
    """What the planner reads: the output, an error with a hint, or an artifact handle."""
    raw: str
    """The tool's own output text, up to ``observation_max_chars`` (for checks and grounding)."""
    label: CheckLabel
    check: str
    """The verifier's reason for ``label``, in words (for the model and the user)."""
    check_code: str
    """The same reason as a code (:data:`StepCheckCode` or a tool's own output-check code)."""
    artifact: str | None
    duration_s: float
    failure: FailureKind
    """Set when the call itself failed; a permanent failure is never repeated with the same arguments."""


class Pending(TypedDict):
    """The call the act node made, waiting for the check node."""

    tool: str
    arguments: dict[str, Any]
    ok: bool
    output: str
    shown: NotRequired[str]
    """What the planner reads of the output, when the tool renders it (:attr:`Tool.render`)."""
    duration_s: float
    blocked: str
    """Non-empty when the call was refused before running (bad arguments, loop)."""
    blocked_code: str
    """Why it was refused, as a :data:`StepCheckCode` ("" when it ran)."""
    failure: FailureKind
    attempts: int
    """Times the call ran (transient failures are retried with backoff)."""
    unavailable: bool
    """The tool cannot work in this installation (the user must act): it is not offered again."""


def add_usage(left: dict[str, Any] | None, right: dict[str, Any] | None) -> dict[str, Any]:
    """Reducer: token/call accounting adds up across nodes."""
    total = Usage(**(left or {})) + Usage(**(right or {}))
    return total.model_dump()


class MemoryNote(TypedDict):
    """A memory recalled for this run (shown to the planner, and evidence for grounding)."""

    id: str
    kind: str
    text: str


class AgentState(TypedDict, total=False):
    goal: str
    media: list[str]
    tools: list[str]
    """The tools offered for this run, chosen once so the prompt prefix stays the same."""
    memories: list[MemoryNote]
    """Memories of earlier runs recalled for this goal (relevance-filtered), chosen once."""
    unavailable: Annotated[list[str], operator.add]
    """Tools that turned out not to work in this installation: no longer offered to the model."""
    plan: list[PlanStep]
    steps: Annotated[list[StepState], operator.add]
    assumptions: Annotated[list[str], operator.add]
    usage: Annotated[dict[str, Any], add_usage]
    pending: Pending | None
    proposed_answer: str | None
    feedback: str
    must_call: bool
    """The answer was sent back for a tool's result: the next action must be a tool call."""
    must_use: list[str]
    """...and, when the check says which kind of tool gives that result (code for a computation),
    one of these tools."""
    instruction: str
    """The prompt's tail the last proposed answer was given to (an answer that repeats it is sent back)."""
    """Why the last proposed answer was sent back (shown in the next act prompt)."""
    sent_back: dict[str, int]
    """Proposed answers sent back so far, per answer-check code (each check has its own budget)."""
    question: str
    """A question for the human (``human_in_the_loop``), asked by the ``ask`` node."""
    summary: str
    """Running summary of steps ``[0, summarized_upto)``; later steps are shown verbatim."""
    summarized_upto: int
    consecutive_failures: int
    total_failures: int
    step_failures: int
    """Failures on the current plan step (two in a row trigger a replan)."""
    replans: int
    stop: str
    """Why the run must stop now (limit, budget, cancel, model failure); empty otherwise."""
    stop_status: RunStatus
    answer: str
    status: RunStatus
    reason: str
    grounding: str
    evidence: list[dict[str, Any]]
