"""The planner's prompts, in one place (smolagents keeps its prompts apart from the code too).

Written for small local models (1.5B parameters): short, concrete, with one worked example,
and laid out so the prompt of one step is a prefix of the next one's (a llama.cpp or vLLM
prompt cache then only reads the new tail): the system text and the goal part are fixed for
the whole run, steps are appended in order, and what changes every step (which plan step is
next, warnings) comes last.

Each model call names its ``purpose`` (:data:`Purpose`); fakes in tests route on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from sokrat.agents.state import MemoryNote
from sokrat.llm.base import Message
from sokrat.tools.registry import Tool

Purpose = Literal["plan", "replan", "act", "judge", "summary", "revise", "crosscheck"]
"""Why the planner calls the model; passed as ``purpose=`` to :meth:`ChatModel.agenerate`."""

ACT_SYSTEM = """\
You are Sokrat, an agent that reaches a goal by calling tools. Reply with ONE JSON object:
{{"tool": "<name>", "arguments": {{...}}}} to call a tool, or
{{"tool": "final_answer", "arguments": {{"answer": "..."}}}} to answer.
Rules:
- Use a tool for anything you would otherwise guess: arithmetic, counting, lookups, what a file or video holds.
- If the goal needs no tool at all, answer right away.
- Answer with the values that tool outputs show, in a short sentence. Never invent values.
- A step marked FAILED or SUSPECT is not to be trusted. Never repeat a failed call with the same arguments: change the arguments or use another tool.
Example with other tools. Goal: How heavy is the box with the cup?
{{"tool": "find_box", "arguments": {{"label": "cup"}}}} -> The cup is in box B7.
{{"tool": "weigh", "arguments": {{"box": "B7"}}}} -> Box B7 weighs 3 kg.
{{"tool": "final_answer", "arguments": {{"answer": "The box with the cup (B7) weighs 3 kg."}}}}
Tools:
{tools}"""

PLAN_SYSTEM = """\
You plan for a tool-using agent. Write at most {n} short steps that reach the goal, and name the tool each step uses. \
If the goal needs no tool, write the single step "answer directly". \
If the goal is ambiguous and nothing given settles it, also write the question you would ask and the assumption you make.
Tools:
{tools}"""

JUDGE_SYSTEM = (
    "You check one tool result for an agent. Say ok if it answers the call, suspect if it may be about "
    "something else or contradicts what is known, failed if it is useless."
)

SUMMARY_SYSTEM = (
    "You keep a short running summary of an agent's work. Keep facts, values, timestamps and ids that "
    "may matter later; drop the rest. At most 6 lines."
)

REVISE_SYSTEM = (
    "You answer a goal using only the observations given. Reply with ONE JSON object "
    '{"tool": "final_answer", "arguments": {"answer": "..."}}. Use only values the observations show.'
)

PREVIEW_CHARS = 200
"""Tool output shown in events and partial answers."""
PLAN_STEP_CHARS = 200
"""Longest plan step kept."""
MEMORY_CHARS = 300
"""Longest memory text shown in a prompt."""
JUDGE_OUTPUT_CHARS = 1200
"""Tool output shown to the judge."""
REVISE_OBSERVATION_CHARS = 400
"""Each observation shown when an answer is revised."""
REVISE_STEPS = 8
"""Trusted steps shown when an answer is revised."""
PLAN_MAX_TOKENS = 200
JUDGE_MAX_TOKENS = 60
SUMMARY_MAX_TOKENS = 160
REVISE_MAX_TOKENS = 200
JUDGE_REASON_CHARS = 120


def plan_schema(n: int) -> dict[str, Any]:
    """The plan: steps, and optionally the question a human could settle and the assumption made."""
    text = {"type": "string", "maxLength": PLAN_STEP_CHARS}
    return {
        "type": "object",
        "properties": {
            "steps": {"type": "array", "items": text, "minItems": 1, "maxItems": n},
            "question": text,
            "assumption": text,
        },
        "required": ["steps"],
        "additionalProperties": False,
    }


JUDGE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"label": {"enum": ["ok", "suspect", "failed"]},
                   "reason": {"type": "string", "maxLength": JUDGE_REASON_CHARS}},
    "required": ["label", "reason"],
    "additionalProperties": False,
}


def tool_lines(tools: Sequence[Tool]) -> str:
    """One line per tool: ``- name(params): first line of its description``."""
    lines = []
    for t in tools:
        params = ", ".join(t.planner_parameters.get("properties", {}))
        lines.append(f"- {t.name}({params}): {t.description.splitlines()[0]}")
    return "\n".join(lines) or "(none: answer now)"


def memory_lines(memories: Sequence[MemoryNote]) -> str:
    """Recalled memories, labelled as what they are: notes from earlier runs, not observations."""
    return "\n".join(f"- ({m['id']}, {m['kind']}) {m['text'][:MEMORY_CHARS]}" for m in memories)


MEMORIES_HEADER = "Memories of earlier runs (may be outdated or about something else; use one only if it answers this goal):"


def plan_messages(*, tools: Sequence[Tool], n: int, goal: str, media: Sequence[str],
                  memories: Sequence[MemoryNote], done: Sequence[str], failure: str) -> list[Message]:
    parts = [f"Goal: {goal}"]
    if media:
        parts.append("Media: " + ", ".join(media))
    if memories:
        parts.append(f"{MEMORIES_HEADER}\n{memory_lines(memories)}")
    if done:
        parts.append("Done so far:\n" + "\n".join(f"- {d}" for d in done))
    if failure:
        parts.append(f"The last attempt went wrong: {failure}\nWrite new steps for what is left, avoiding that.")
    return [Message("system", PLAN_SYSTEM.format(n=n, tools=tool_lines(tools))), Message("user", "\n\n".join(parts))]


def judge_messages(*, goal: str, call: str, output: str) -> list[Message]:
    return [Message("system", JUDGE_SYSTEM),
            Message("user", f"Goal: {goal}\nCall: {call}\nResult: {output[:JUDGE_OUTPUT_CHARS]}")]


def summary_messages(previous: str, steps_text: str) -> list[Message]:
    return [Message("system", SUMMARY_SYSTEM),
            Message("user", f"Summary so far:\n{previous or '(empty)'}\n\nNew steps:\n{steps_text}\n\nUpdated summary:")]


def last_answer_messages(*, goal: str, observations: str, stop: str) -> list[Message]:
    return [Message("system", REVISE_SYSTEM),
            Message("user", f"Goal: {goal}\n\nObservations:\n{observations}\n\nThe run had to stop ({stop}). "
                            "Answer the goal as well as these observations allow; if they do not hold the answer, "
                            "say what is missing.")]


def revise_messages(*, goal: str, observations: str, answer: str, unsupported: Sequence[str]) -> list[Message]:
    return [Message("system", REVISE_SYSTEM),
            Message("user", f"Goal: {goal}\n\nObservations:\n{observations or '(none)'}\n\nYour answer {answer!r} "
                            f"mentions {', '.join(unsupported)}, which no observation contains. "
                            "Answer again using only the observations.")]
