"""Keeping the planner's prompt inside the model's context window.

The budget is the model's real context length (capped by ``settings.context_limit_tokens``)
minus a reserve for the reply (``settings.context_reserve_tokens``), counted with the model's
own tokenizer (:meth:`ChatModel.count_tokens`). Each prompt is rebuilt from parts, never
grown as a chat log: the system text, the goal, the plan, a running summary of older steps,
the last few steps verbatim, and memories recalled for the current step. Big observations
go to memory as artifacts and are replaced by a handle with a head/tail preview. So the
prompt per step stays flat however long the run is.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from typing import Any

from sokrat.agents import prompts
from sokrat.agents.state import MemoryNote, PlanStep, StepState
from sokrat.errors import TokenBudgetExceeded
from sokrat.llm.base import ChatModel, Message
from sokrat.memory.base import ArtifactStore
from sokrat.memory.local import LocalArtifacts  # noqa: F401 - moved to sokrat.memory.local
from sokrat.settings import Settings

SUMMARY_OBSERVATION_CHARS = 400
"""Each step's observation as shown to the summariser."""
SHRUNK_OBSERVATION_CHARS = 300
"""Observation length once the prompt had to shrink."""
SHRUNK_SUMMARY_CHARS = 400
"""Summary length once the prompt had to shrink."""
SUMMARY_LINE_CHARS = 60
"""Observation part of one extractive-summary line."""


def token_budget(model: ChatModel, settings: Settings) -> int:
    """Tokens the prompt may take: context length (capped) minus the reply reserve."""
    limit = model.context_length
    if settings.context_limit_tokens is not None:
        limit = min(limit, settings.context_limit_tokens)
    budget = limit - settings.context_reserve_tokens
    if budget <= 0:
        raise TokenBudgetExceeded(
            f"context of {limit} tokens leaves nothing after the {settings.context_reserve_tokens}-token "
            "reply reserve: raise SOKRAT_CONTEXT_LIMIT_TOKENS or lower SOKRAT_CONTEXT_RESERVE_TOKENS"
        )
    return budget


def offload(text: str, memory: ArtifactStore, settings: Settings) -> tuple[str, str | None]:
    """Keep ``text`` as is if small; else store it and return a handle with a preview."""
    limit = settings.observation_max_chars
    if len(text) <= limit:
        return text, None
    handle = memory.put_artifact(text, metadata={"kind": "observation", "created_at": time.time()})
    whole = _leading_records(text, limit)
    if whole is not None:
        shown, k, n = whole
        return (f'{shown} [{k} of {n} records shown; all are stored as {handle}: read the rest with '
                f'read_artifact(handle="{handle}", start=...)]'), handle
    head, tail = text[: limit // 3], text[-limit // 8 :]
    preview = (
        f"[{len(text)} chars stored as {handle}; head: {head} ... tail: {tail} ; "
        f'read more with read_artifact(handle="{handle}", start=...)]'
    )
    return preview, handle


RECORDS_PREFIX_CHARS = 300
"""Longest text before a JSON list of records (a check's verdict, "CHECK SUSPECT: ... Output was: ")."""


def _leading_records(text: str, limit: int) -> tuple[str, int, int] | None:
    """A JSON list of records (a search's hits) cut after the whole records that fit in
    ``limit`` characters, with how many are shown of how many: a preview cut mid-record hides
    the lines the answer needs ("Parts: new ch..."), and the model searches again and again.
    None when the text holds no such list, or its first record alone is too long."""
    start = text.find("[")
    if not 0 <= start <= RECORDS_PREFIX_CHARS:
        return None
    try:
        records = json.loads(text[start:])
    except json.JSONDecodeError:
        return None
    if not isinstance(records, list) or not records or not all(isinstance(r, dict) for r in records):
        return None
    kept: list[dict[str, Any]] = []
    for r in records:
        if start + len(json.dumps([*kept, r], ensure_ascii=False)) > limit:
            break
        kept.append(r)
    if not kept:
        return None
    return text[:start] + json.dumps(kept, ensure_ascii=False), len(kept), len(records)


# --- rendering ---------------------------------------------------------------------------------
def render_call(tool: str, arguments: dict[str, Any]) -> str:
    return f"{tool}({json.dumps(arguments, ensure_ascii=False)})"


def render_step(step: StepState, *, max_chars: int | None = None) -> str:
    obs = step["observation"]
    if max_chars is not None and len(obs) > max_chars:
        obs = obs[:max_chars] + " ..."
    # A step a check objected to carries the verdict in its observation ("CHECK FAILED: ...").
    return f"Step {step['index']}: {render_call(step['tool'], step['arguments'])}\n  -> {obs}"


def extractive_summary(previous: str, steps: Sequence[StepState], *, max_chars: int) -> str:
    """Fallback summary: one short line per step, oldest lines dropped to stay under ``max_chars``."""
    lines = [ln for ln in previous.splitlines() if ln.strip()]
    for s in steps:
        obs = " ".join(s["observation"].split())[:SUMMARY_LINE_CHARS]
        lines.append(f"{s['index']}: {render_call(s['tool'], s['arguments'])[:50]} -> {obs} [{s['label']}]")
    text = "\n".join(lines)
    while len(text) > max_chars and len(lines) > 1:
        lines.pop(0)
        text = "(older steps omitted)\n" + "\n".join(lines)
    return text[-max_chars:]


def summary_messages(previous: str, steps: Sequence[StepState]) -> list[Message]:
    """Ask the model to fold ``steps`` into the running summary."""
    return prompts.summary_messages(previous, "\n".join(render_step(s, max_chars=SUMMARY_OBSERVATION_CHARS) for s in steps))


def assemble(
    *,
    system: str,
    goal: str,
    assumptions: Sequence[str],
    plan: Sequence[PlanStep],
    summary: str,
    recent: Sequence[StepState],
    memories: Sequence[MemoryNote],
    instruction: str,
    budget: int,
    count: Callable[[Sequence[Message]], int],
) -> tuple[list[Message], int]:
    """Build the act prompt, shrinking optional parts until it fits ``budget`` tokens.

    Laid out for prompt caching: what is fixed for the run comes first (system text with the
    tools, goal, memories, assumptions, the plan without status marks), then the steps in
    order, then ``instruction`` (what changes every step). Order of sacrifice when over
    budget: recalled memories, older verbatim steps, long observations, the oldest part of
    the summary. Raises :class:`TokenBudgetExceeded` if even the bare prompt is too big.
    """

    def build(mems: Sequence[MemoryNote], steps: Sequence[StepState], obs_chars: int | None, summ: str) -> list[Message]:
        parts = [f"Goal: {goal}"]
        if mems:
            parts.append(f"{prompts.MEMORIES_HEADER}\n{prompts.memory_lines(mems)}")
        if assumptions:
            parts.append("Assumptions: " + "; ".join(assumptions))
        if plan and [p["text"] for p in plan] != [goal]:  # a one-step plan that is the goal says nothing new
            parts.append("Plan:\n" + "\n".join(f"{i + 1}. {p['text']}" for i, p in enumerate(plan)))
        if summ:
            parts.append("Earlier steps (summary):\n" + summ)
        if steps:
            parts.append("Steps:\n" + "\n".join(render_step(s, max_chars=obs_chars) for s in steps))
        parts.append(instruction)
        return [Message("system", system), Message("user", "\n\n".join(parts))]

    attempts = [
        (memories, recent, None, summary),
        ((), recent, None, summary),
        ((), recent[-1:], None, summary),
        ((), recent[-1:], SHRUNK_OBSERVATION_CHARS, summary),
        ((), recent[-1:], SHRUNK_OBSERVATION_CHARS, summary[-SHRUNK_SUMMARY_CHARS:]),
        ((), (), None, ""),
    ]
    used = 0
    for mems, steps, obs_chars, summ in attempts:
        messages = build(mems, steps, obs_chars, summ)
        used = count(messages)
        if used <= budget:
            return messages, used
    raise TokenBudgetExceeded(
        f"the prompt needs {used} tokens even without history, over the {budget}-token budget: "
        "shorten the goal or raise SOKRAT_CONTEXT_LIMIT_TOKENS"
    )
