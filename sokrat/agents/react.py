"""A plain ReAct loop: the baseline the planner graph is measured against (bench/agent.py).

Same model, same tools, same schema-constrained action format, but none of the graph's
guards: no plan, no checks on tool outputs, no error budget or loop detection, the full
history verbatim in every prompt, and it stops only at the final answer or the step cap.
This is how many agent loops are written, and why they spin on long, faulty runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sokrat.agents.actions import action_schema, parse_action
from sokrat.agents.context import render_step
from sokrat.agents.options import AgentOptions
from sokrat.agents.prompts import tool_lines
from sokrat.agents.state import StepState
from sokrat.errors import LLMOutputError
from sokrat.llm.base import ChatModel, Message
from sokrat.settings import Settings
from sokrat.tools.registry import ToolContext, ToolRegistry
from sokrat.types import Result, RunStatus, StepRecord, Usage

REACT_SYSTEM = (
    "You are an agent. Reach the goal by calling tools, one call per reply. Reply with ONE JSON "
    'object: {{"tool": <name>, "arguments": {{...}}}}. When you know the answer, reply '
    '{{"tool": "final_answer", "arguments": {{"answer": "..."}}}}.\nTools:\n{tools}'
)


@dataclass
class ReactTrace:
    """What the bench needs besides the Result: prompt tokens of each step's model call."""

    prompt_tokens: list[int] = field(default_factory=list)


async def run_react(
    goal: str,
    *,
    model: ChatModel,
    tools: ToolRegistry,
    settings: Settings,
    tool_context: ToolContext | None = None,
    trace: ReactTrace | None = None,
) -> Result:
    system = REACT_SYSTEM.format(tools=tool_lines(list(tools)))
    schema = action_schema(tools)
    steps: list[StepState] = []
    usage = Usage()
    for index in range(settings.max_steps):
        history = "\n".join(render_step(s) for s in steps)
        user = f"Goal: {goal}\n\n" + (f"Steps so far:\n{history}\n\n" if history else "") + "Reply with one JSON action."
        messages = [Message("system", system), Message("user", user)]
        try:  # same action cap as the graph; unusable output is a bad step there too
            response = await model.agenerate(messages, json_schema=schema, purpose="act",
                                             max_tokens=min(AgentOptions().action_max_tokens, settings.llm_max_new_tokens))
            usage = usage + response.usage
            if trace is not None:
                trace.prompt_tokens.append(response.usage.prompt_tokens)
            action = parse_action(response.parsed if isinstance(response.parsed, dict) else response.text, tools)
        except LLMOutputError as e:
            steps.append(_step(index, "(invalid action)", {}, f"ERROR: {e}"))
            continue
        if action.is_final:
            return _result(action.answer, "succeeded", "", steps, usage)
        outcome = await tools.execute(action.tool, action.arguments, tool_context, timeout_s=settings.tool_timeout_s)
        usage = usage + Usage(tool_time_s=outcome.duration_s)
        steps.append(_step(index, action.tool, action.arguments, outcome.observation))
    return _result("", "budget_exhausted", f"step cap of {settings.max_steps} steps reached", steps, usage)


def _step(index: int, tool: str, arguments: dict, observation: str) -> StepState:
    return StepState(index=index, tool=tool, arguments=arguments, observation=observation, raw=observation,
                     label="ok", check="", check_code="", artifact=None, duration_s=0.0,
                     failure="")


def _result(answer: str, status: RunStatus, reason: str, steps: list[StepState], usage: Usage) -> Result:
    return Result(
        answer=answer,
        status=status,
        reason=reason,
        steps=[StepRecord(index=s["index"], tool=s["tool"], arguments=s["arguments"], observation=s["observation"],
                          ok=not s["observation"].startswith("ERROR")) for s in steps],
        usage=usage,
    )
