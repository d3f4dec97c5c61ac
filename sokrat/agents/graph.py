"""The planner graph, in one place.

    START -> plan -> [ask] -> act -> check -> act     (continue with the next call)
                                 |        \\-> replan -> act  (a step failed twice / no progress)
                                 |         \\-> answer -> END (limit, error budget, cancel)
                                 |-> ground -> END       (final answer: must cite tool outputs)
                                 \\-> answer -> END       (limit reached: partial result)

``ask`` runs only when a human is in the loop and the plan raised a question.

Nodes are plain async functions ``(state, runtime) -> partial update``. What they need (model,
tools, memory, settings, deadline) comes in :class:`RunDeps` through LangGraph's runtime
context, so the compiled graph holds no resources and one graph serves any number of runs.
The checks themselves live in :mod:`sokrat.agents.checks`, prompt building in
:mod:`sokrat.agents.context`.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import dataclass
from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import interrupt

from sokrat.agents import checks, context
from sokrat.agents.options import AgentOptions
from sokrat.agents.state import AgentState, Pending, PlanStep, StepState
from sokrat.errors import LLMOutputError, MemoryBackendError, SokratError, TokenBudgetExceeded
from sokrat.llm.base import ChatModel, ChatResponse, Message
from sokrat.llm.structured import Action, action_schema, parse_action
from sokrat.memory.base import Memory, MemoryRecord
from sokrat.settings import Settings
from sokrat.tools.registry import ToolContext, ToolRegistry
from sokrat.types import Event, EventType, Usage


@dataclass(frozen=True)
class RunDeps:
    """Everything a run needs besides its state. Passed per invocation, never checkpointed."""

    model: ChatModel
    tools: ToolRegistry
    settings: Settings
    options: AgentOptions
    memory: Memory
    """Long-term memory, or :class:`~sokrat.agents.context.LocalArtifacts` when it is off."""
    long_term: bool
    tool_context: ToolContext
    deadline: float
    """``time.monotonic()`` value after which the run stops (``settings.max_wall_s``)."""
    cancel: threading.Event | None = None


REPEAT_REFUSED = checks.REPEAT_REFUSED


class _Stop(Exception):
    """A node cannot go on: the run ends with ``status`` and a readable ``reason``."""

    def __init__(self, status: str, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


ACT_SYSTEM = (
    "You are Sokrat's planner. Reach the goal by calling tools, one call per reply. Reply with "
    'ONE JSON object: {{"tool": <name>, "arguments": {{...}}}}. When the observations answer '
    'the goal, reply {{"tool": "final_answer", "arguments": {{"answer": "..."}}}} and quote the '
    "values, timestamps or memory ids you rely on. Never invent values. Steps marked CHECK "
    "FAILED or SUSPECT are not to be trusted.\n"
    "Example with other tools. Goal: How heavy is the box with the cup?\n"
    'Reply 1: {{"tool": "find_box", "arguments": {{"label": "cup"}}}} -> The cup is in box B7.\n'
    'Reply 2: {{"tool": "weigh", "arguments": {{"box": "B7"}}}} -> Box B7 weighs 3 kg.\n'
    'Reply 3: {{"tool": "final_answer", "arguments": {{"answer": "3 kg (box B7 weighs 3 kg)"}}}}\n'
    "Tools:\n{tools}"
)
PLAN_SYSTEM = (
    "You plan for a tool-using agent. Write at most {n} short steps that reach the goal with "
    "these tools:\n{tools}\nIf the goal is ambiguous and the context does not settle it, write "
    "the question you would ask and the assumption you make instead."
)


def _plan_schema(n: int) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "steps": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": n},
            "question": {"type": "string"},
            "assumption": {"type": "string"},
        },
        "required": ["steps"],
    }


_JUDGE_SCHEMA = {
    "type": "object",
    "properties": {"label": {"enum": ["ok", "suspect", "failed"]}, "reason": {"type": "string"}},
    "required": ["label", "reason"],
}


# --- small helpers ------------------------------------------------------------------------------
def _emit(runtime: Runtime[RunDeps], type_: EventType, step: int | None = None, **data: Any) -> None:
    runtime.stream_writer(Event(type=type_, step=step, data=data))


def _tool_lines(tools: ToolRegistry) -> str:
    lines = []
    for t in tools:
        params = ", ".join(t.parameters.get("properties", {}))
        lines.append(f"- {t.name}({params}): {t.description.splitlines()[0]}")
    return "\n".join(lines)


def _remaining(deps: RunDeps) -> float:
    return deps.deadline - time.monotonic()


def _check_limits(state: AgentState, deps: RunDeps) -> None:
    if deps.cancel is not None and deps.cancel.is_set():
        raise _Stop("cancelled", "cancelled by the caller")
    if _remaining(deps) <= 0:
        raise _Stop("budget_exhausted", f"wall-clock limit of {deps.settings.max_wall_s:g} s reached")
    if len(state.get("steps", [])) >= deps.settings.max_steps:
        raise _Stop("budget_exhausted", f"step cap of {deps.settings.max_steps} steps reached")


async def _llm(
    runtime: Runtime[RunDeps],
    messages: list[Message],
    *,
    purpose: str,
    schema: dict[str, Any] | None = None,
    max_tokens: int | None = None,
    step: int | None = None,
) -> tuple[ChatResponse, Usage]:
    """One model call, bounded by the wall clock; failures end the run with a reason."""
    deps = runtime.context
    remaining = _remaining(deps)
    if remaining <= 0:
        raise _Stop("budget_exhausted", f"wall-clock limit of {deps.settings.max_wall_s:g} s reached")
    try:
        response = await asyncio.wait_for(
            deps.model.agenerate(messages, json_schema=schema, max_tokens=max_tokens), timeout=remaining
        )
    except TimeoutError as e:
        raise _Stop("budget_exhausted", f"wall-clock limit of {deps.settings.max_wall_s:g} s reached during a model call") from e
    except LLMOutputError as e:
        # Unusable output (runaway, cut off, not JSON) is a bad step, not the end of the run:
        # each caller treats it like any unparseable reply, and the error budget decides.
        _emit(runtime, "warning", step, message=f"unusable model output ({purpose}): {e}")
        return ChatResponse(text=f"(unusable output: {e})", parsed=None), Usage(llm_calls=1)
    except SokratError as e:
        raise _Stop("failed", f"planner model failed ({purpose}): {e}") from e
    except Exception as e:  # a backend bug must end the run with a reason, not crash the caller
        raise _Stop("failed", f"planner model raised {type(e).__name__} ({purpose}): {e}") from e
    usage = response.usage
    _emit(runtime, "tokens", step, purpose=purpose, prompt_tokens=usage.prompt_tokens,
          completion_tokens=usage.completion_tokens)
    return response, usage


def _reply(response: ChatResponse) -> Any:
    return response.parsed if isinstance(response.parsed, dict) else response.text


def _u(*usages: Usage) -> dict[str, Any]:
    total = Usage()
    for u in usages:
        total = total + u
    return total.model_dump()


def _stop_update(stop: _Stop) -> dict[str, Any]:
    return {"stop": stop.reason, "stop_status": stop.status}


def _open_index(plan: list[PlanStep]) -> int | None:
    return next((i for i, p in enumerate(plan) if p["status"] in ("active", "pending")), None)


def _with_status(plan: list[PlanStep], index: int | None, status: str) -> list[PlanStep]:
    return [PlanStep(text=p["text"], status=status if i == index else p["status"]) for i, p in enumerate(plan)]  # type: ignore[typeddict-item]


def _trailing_refused_tools(steps: list[StepState]) -> set[str]:
    refused: set[str] = set()
    for s in reversed(steps):
        if REPEAT_REFUSED not in s["check"]:
            break
        refused.add(s["tool"])
    return refused


def _completes(plan_text: str, tool: str, tools: ToolRegistry) -> bool:
    """A plan step that names a tool is done only by a call of that tool; others by any call."""
    named = [name for name in tools.names() if name in plan_text]
    return not named or tool in named


def _echoes(question: str, goal: str) -> bool:
    """Small models often "ask" the goal back; such a question settles nothing."""
    q, g = set(question.lower().split()), set(goal.lower().split())
    return not q or len(q & g) / len(q | g) >= 0.6


def _recall(deps: RunDeps, query: str, k: int) -> list[MemoryRecord]:
    if not deps.long_term or k <= 0 or not query.strip():
        return []
    try:
        return deps.memory.recall(query, k=k, kinds=["fact", "episode"])
    except MemoryBackendError:
        return []  # memory trouble must not stop planning; the step just has no recalled context


async def _make_plan(state: AgentState, runtime: Runtime[RunDeps], *, failure: str = "") -> tuple[list[PlanStep], str, str, Usage]:
    deps = runtime.context
    n = deps.options.max_plan_steps
    done = [p for p in state.get("plan", []) if p["status"] == "done"]
    memories = _recall(deps, state["goal"], deps.options.memories_per_step)
    parts = [f"Goal: {state['goal']}"]
    if state.get("media"):
        parts.append("Media: " + ", ".join(state["media"]))
    if memories:
        parts.append("From memory:\n" + "\n".join(f"- ({m.id}) {m.text[:300]}" for m in memories))
    if done:
        parts.append("Done so far:\n" + "\n".join(f"- {p['text']}" for p in done))
    if failure:
        parts.append(f"The last attempt went wrong: {failure}\nWrite new steps for what is left, avoiding that.")
    messages = [Message("system", PLAN_SYSTEM.format(n=n, tools=_tool_lines(deps.tools))), Message("user", "\n\n".join(parts))]
    budget = context.token_budget(deps.model, deps.settings)
    if deps.model.count_tokens(messages) > budget:
        raise _Stop("failed", f"the goal is too long for the planner's {budget}-token context budget: shorten it")
    response, usage = await _llm(runtime, messages, purpose="replan" if failure else "plan", schema=_plan_schema(n), max_tokens=200)
    obj = response.parsed
    if obj is None:
        try:
            obj = json.loads(response.text)
        except json.JSONDecodeError:
            obj = None
    if not isinstance(obj, dict) or not isinstance(obj.get("steps"), list):
        # An unusable plan is not fatal: act on the goal itself, one call at a time.
        return [*done, PlanStep(text=state["goal"][:200], status="pending")], "", "", usage + Usage(retries=1)
    steps = [str(s)[:200] for s in obj["steps"] if str(s).strip()][:n] or [state["goal"][:200]]
    plan = [*done, *(PlanStep(text=s, status="pending") for s in steps)]
    return plan, str(obj.get("question") or "").strip(), str(obj.get("assumption") or "").strip(), usage


# --- nodes ------------------------------------------------------------------------------------
async def plan_node(state: AgentState, runtime: Runtime[RunDeps]) -> dict[str, Any]:
    """Write the plan; settle ambiguity by asking (human in the loop) or by a stated assumption."""
    try:
        plan, question, assumption, usage = await _make_plan(state, runtime)
    except _Stop as stop:
        return _stop_update(stop)
    if question and _echoes(question, state["goal"]):
        question, assumption = "", ""  # an echo of the goal: there is nothing to settle
    assumptions: list[str] = []
    ask = question and runtime.context.options.human_in_the_loop
    if question and not ask:
        assumptions.append(f"{question} Assumed: {assumption or 'the most common reading'}")
    elif assumption and not question:
        assumptions.append(assumption)
    _emit(runtime, "plan", None, plan=[p["text"] for p in plan], assumptions=assumptions, question=question if ask else "")
    return {"plan": plan, "assumptions": assumptions, "question": question if ask else "", "usage": _u(usage)}


def ask_node(state: AgentState) -> dict[str, Any]:
    """Ask the human (LangGraph ``interrupt``: the run pauses here, checkpointed, until a reply).

    A node of its own because a resumed node runs again from its start: the plan's model call
    must not be repeated.
    """
    question = state.get("question", "")
    reply = interrupt({"question": question})
    return {"assumptions": [f"asked {question!r}; the user said: {reply}"], "question": ""}


async def act_node(state: AgentState, runtime: Runtime[RunDeps]) -> dict[str, Any]:
    """Ask the model for ONE action (schema-constrained), validate it, run it with a timeout."""
    deps = runtime.context
    steps = state.get("steps", [])
    index = len(steps)
    try:
        _check_limits(state, deps)
    except _Stop as stop:
        return _stop_update(stop)
    plan = state.get("plan", [])
    current = _open_index(plan)
    if current is not None and plan[current]["status"] == "pending":
        plan = _with_status(plan, current, "active")
    _emit(runtime, "step_started", index, plan_step=plan[current]["text"] if current is not None else "")

    upto = state.get("summarized_upto", 0)
    window = max(upto, len(steps) - deps.options.recent_steps)
    recent = steps[window:]
    # Steps out of the verbatim window but not yet folded into the summary: one line each.
    summary = context.extractive_summary(state.get("summary", ""), steps[upto:window], max_chars=10_000)
    memories = _recall(deps, plan[current]["text"] if current is not None else state["goal"], deps.options.memories_per_step)
    if not steps:
        instruction = f"No tool has been called yet. Next: {plan[current]['text'] if current is not None else 'call a tool'}"
    elif current is not None:
        instruction = (f"Next: {plan[current]['text']}\nDo not repeat a call that already has a result. "
                       "If the steps above already answer the goal, reply with final_answer.")
    else:
        instruction = "The plan is done: reply with final_answer now, using the values in the steps above."
    # Stuck: the model just repeated calls that had already succeeded (small models do this
    # until a limit). Its next action may not use those tools again; once the plan is done it
    # may only answer. The grounding check still judges what it says.
    refused = _trailing_refused_tools(steps)
    allowed = [] if refused and current is None else [t for t in deps.tools if t.name not in refused]
    try:
        messages, _ = context.assemble(
            system=ACT_SYSTEM.format(tools=_tool_lines(deps.tools)),
            goal=state["goal"] + (f"\nMedia: {', '.join(state['media'])}" if state.get("media") else ""),
            assumptions=state.get("assumptions", []),
            plan=plan,
            summary=summary,
            recent=recent,
            memories=memories,
            instruction=instruction + "\nReply with one JSON action.",
            budget=context.token_budget(deps.model, deps.settings),
            count=deps.model.count_tokens,
        )
    except TokenBudgetExceeded as e:
        return {"stop": str(e), "stop_status": "failed", "plan": plan}

    schema = action_schema(allowed)
    usage = Usage()
    action: Action | None = None
    problem = ""
    try:
        for attempt in range(deps.options.action_retries + 1):
            response, u = await _llm(runtime, messages, purpose="act", schema=schema,
                                     max_tokens=min(deps.options.action_max_tokens, deps.settings.llm_max_new_tokens), step=index)
            usage = usage + u + Usage(retries=1 if attempt else 0)
            try:
                action = parse_action(_reply(response), allowed)
                if action.is_final and not action.answer.strip():
                    raise LLMOutputError("final_answer needs a non-empty 'answer'")
                break
            except LLMOutputError as e:
                problem = response.text if response.text.startswith("(unusable output") else str(e)
                messages = [*messages, Message("assistant", response.text[:500]),
                            Message("user", f"That is not a valid action: {problem}. Reply with ONE JSON action.")]
    except _Stop as stop:
        return {**_stop_update(stop), "plan": plan, "usage": _u(usage)}

    if action is None:
        pending = Pending(tool="(invalid action)", arguments={}, ok=False, output="", duration_s=0.0,
                          blocked=f"the model's reply was not a valid action: {problem}")
        return {"pending": pending, "plan": plan, "usage": _u(usage)}
    if action.is_final:
        return {"proposed_answer": action.answer, "pending": None, "plan": plan, "usage": _u(usage)}

    _emit(runtime, "tool_called", index, tool=action.tool, arguments=action.arguments)
    blocked = checks.validate_call(deps.tools, action.tool, action.arguments) or checks.detect_loop(
        steps, action.tool, action.arguments, max_identical=deps.options.max_identical_calls,
        block_repeat_of_ok=deps.options.block_repeated_calls,
    )
    if blocked:
        pending = Pending(tool=action.tool, arguments=action.arguments, ok=False, output="", duration_s=0.0, blocked=blocked)
        return {"pending": pending, "plan": plan, "usage": _u(usage)}
    timeout = min(deps.settings.tool_timeout_s, max(_remaining(deps), 0.001))
    outcome = await deps.tools.execute(action.tool, action.arguments, deps.tool_context, timeout_s=timeout)
    output = outcome.observation
    _emit(runtime, "tool_result", index, tool=action.tool, ok=outcome.ok, duration_s=round(outcome.duration_s, 3),
          preview=output[:200])
    pending = Pending(tool=action.tool, arguments=action.arguments, ok=outcome.ok, output=output,
                      duration_s=outcome.duration_s, blocked="")
    return {"pending": pending, "plan": plan, "usage": _u(usage, Usage(tool_time_s=outcome.duration_s))}


async def check_node(state: AgentState, runtime: Runtime[RunDeps]) -> dict[str, Any]:
    """Label the step, turn it into an observation, update budgets, plan and summary."""
    deps = runtime.context
    pending = state.get("pending")
    if pending is None:
        return {}
    steps = state.get("steps", [])
    index = len(steps)
    usage = Usage()
    verdict: checks.Verdict | None
    if pending["blocked"]:
        verdict = checks.Verdict("failed", f"blocked: {pending['blocked']}", "choose another action")
    else:
        verdict = checks.verify(pending["tool"], pending["arguments"], pending["ok"], pending["output"], steps)
        if verdict is None and deps.options.llm_judge:
            try:
                verdict, usage = await _judge(runtime, state, pending, index)
            except _Stop as stop:
                return {**_stop_update(stop), "pending": None}
        if verdict is None:
            verdict = checks.Verdict("ok", "rules could not tell; accepted")
    text = checks.observation_text(verdict, pending["output"], error=pending["blocked"])
    observation, handle = context.offload(text, deps.memory, deps.settings)
    step = StepState(index=index, tool=pending["tool"], arguments=pending["arguments"], observation=observation,
                     raw=pending["output"][: 4 * deps.settings.observation_max_chars], label=verdict.label,
                     check=verdict.reason, artifact=handle, duration_s=pending["duration_s"])
    all_steps = [*steps, step]
    _emit(runtime, "check", index, label=verdict.label, reason=verdict.reason, tool=step["tool"])

    update: dict[str, Any] = {"steps": [step], "pending": None}
    plan = state.get("plan", [])
    current = _open_index(plan)
    failed = verdict.label == "failed"
    stalled = checks.no_new_information(all_steps)
    if failed or stalled:
        update["consecutive_failures"] = state.get("consecutive_failures", 0) + 1
        update["total_failures"] = state.get("total_failures", 0) + 1
        update["step_failures"] = 2 if stalled else state.get("step_failures", 0) + 1
        if stalled:
            _emit(runtime, "check", index, label="failed", reason="no new information in the last steps")
    else:
        update["consecutive_failures"] = 0
        if verdict.label == "ok":
            update["step_failures"] = 0
            if current is not None and _completes(plan[current]["text"], step["tool"], deps.tools):
                update["plan"] = _with_status(plan, current, "done")
    reason = checks.budget_exhausted(update.get("consecutive_failures", 0),
                                     update.get("total_failures", state.get("total_failures", 0)), deps.settings)
    if reason:
        update.update(stop=reason, stop_status="budget_exhausted")

    fold = await _fold_summary(runtime, state, all_steps)
    update.update(fold[0])
    update["usage"] = _u(usage, fold[1])
    return update


async def _judge(runtime: Runtime[RunDeps], state: AgentState, pending: Pending, index: int) -> tuple[checks.Verdict, Usage]:
    messages = [
        Message("system", "You check one tool result for an agent. Say ok if it answers the call, suspect if "
                          "it may be about something else or contradicts what is known, failed if it is useless."),
        Message("user", f"Goal: {state['goal']}\nCall: {context.render_call(pending['tool'], pending['arguments'])}\n"
                        f"Result: {pending['output'][:1200]}"),
    ]
    response, usage = await _llm(runtime, messages, purpose="judge", schema=_JUDGE_SCHEMA, max_tokens=60, step=index)
    obj = response.parsed if isinstance(response.parsed, dict) else {}
    label = obj.get("label")
    if label not in ("ok", "suspect", "failed"):
        return checks.Verdict("ok", "rules could not tell; the judge gave no usable label"), usage
    hint = "" if label == "ok" else "call again or use another tool"
    return checks.Verdict(label, f"judged by the model: {str(obj.get('reason', ''))[:120]}", hint), usage


async def _fold_summary(runtime: Runtime[RunDeps], state: AgentState, all_steps: list[StepState]) -> tuple[dict[str, Any], Usage]:
    """Fold steps older than the verbatim window into the running summary, in batches."""
    opts = runtime.context.options
    upto = state.get("summarized_upto", 0)
    new_upto = len(all_steps) - opts.recent_steps
    batch = opts.recent_steps if opts.llm_summary else 1  # one model call per batch, not per step
    if new_upto - upto < batch:
        return {}, Usage()
    folded = all_steps[upto:new_upto]
    previous = state.get("summary", "")
    summary, usage = "", Usage()
    if opts.llm_summary:
        try:
            response, usage = await _llm(runtime, context.summary_messages(previous, folded), purpose="summary", max_tokens=160)
            summary = response.text.strip()
        except _Stop:
            summary = ""  # the act node re-checks the limits; here an extractive summary will do
    if not summary or len(summary) > opts.summary_max_chars:
        summary = context.extractive_summary(previous, folded, max_chars=opts.summary_max_chars)
    return {"summary": summary, "summarized_upto": new_upto}, usage


async def replan_node(state: AgentState, runtime: Runtime[RunDeps]) -> dict[str, Any]:
    """Rewrite the steps that are left, knowing what went wrong."""
    replans = state.get("replans", 0) + 1
    if replans > runtime.context.options.max_replans:
        return {"stop": f"replanned {replans - 1} times without progress", "stop_status": "budget_exhausted"}
    last = state.get("steps", [])[-1:]
    failure = f"{context.render_call(last[0]['tool'], last[0]['arguments'])}: {last[0]['check']}" if last else "no progress"
    try:
        plan, _, _, usage = await _make_plan(state, runtime, failure=failure)
    except _Stop as stop:
        return _stop_update(stop)
    _emit(runtime, "replan", len(state.get("steps", [])), plan=[p["text"] for p in plan], because=failure)
    return {"plan": plan, "replans": replans, "step_failures": 0, "usage": _u(usage)}


async def answer_node(state: AgentState, runtime: Runtime[RunDeps]) -> dict[str, Any]:
    """The run stops early: report what was found so far, with the reason."""
    trusted = [s for s in state.get("steps", []) if s["label"] == "ok"]
    if trusted:
        found = "; ".join(f"{context.render_call(s['tool'], s['arguments'])} -> {s['observation'][:200]}" for s in trusted[-3:])
        answer = f"No final answer ({state.get('stop', 'stopped')}). Found so far: {found}"
    else:
        answer = f"No answer: {state.get('stop', 'stopped')}."
    _emit(runtime, "answer", None, answer=answer, partial=True)
    return {"answer": answer, "status": state.get("stop_status") or "failed", "reason": state.get("stop", ""),
            "plan": [PlanStep(text=p["text"], status="skipped" if p["status"] in ("pending", "active") else p["status"])  # type: ignore[typeddict-item]
                     for p in state.get("plan", [])]}


async def ground_node(state: AgentState, runtime: Runtime[RunDeps]) -> dict[str, Any]:
    """The answer must rest on trusted observations; revise once, else report it unsupported."""
    deps = runtime.context
    steps = state.get("steps", [])
    known = " ".join([state["goal"], *state.get("assumptions", [])])
    answer = state.get("proposed_answer") or ""
    result = checks.ground(answer, steps, context=known)
    usage = Usage()
    note = "grounded"
    if not result.supported:
        trusted = [s for s in steps if s["label"] == "ok"]
        observations = "\n".join(context.render_step(s, max_chars=400) for s in trusted[-8:]) or "(none)"
        messages = [
            Message("system", ACT_SYSTEM.format(tools="(none: answer now)")),
            Message("user", f"Goal: {state['goal']}\n\nTrusted observations:\n{observations}\n\nYour answer "
                            f"{answer!r} mentions {', '.join(result.unsupported)}, which no observation contains. "
                            "Answer again using only the observations."),
        ]
        try:
            response, usage = await _llm(runtime, messages, purpose="revise", schema=action_schema([]), max_tokens=200)
            answer = parse_action(_reply(response), []).answer or answer
        except (_Stop, LLMOutputError):
            pass  # keep the first answer; it is reported unsupported below
        result = checks.ground(answer, steps, context=known)
        note = "grounded after one revision"
        if not result.supported:  # keep only what the observations support, and say so
            kept = checks.strip_unsupported(answer, result.unsupported)
            if kept and checks.ground(kept, steps, context=known).supported:
                note = f"unsupported parts removed: {', '.join(result.unsupported)}"
                answer, result = kept, checks.ground(kept, steps, context=known)
    plan = [PlanStep(text=p["text"], status="done" if p["status"] == "active" else ("skipped" if p["status"] == "pending" else p["status"]))  # type: ignore[typeddict-item]
            for p in state.get("plan", [])]
    if result.supported:
        status = "succeeded"
        reason = "; ".join([*state.get("assumptions", []), *([note] if note.startswith("unsupported parts") else [])])
        _remember_episode(deps, state["goal"], answer)
    else:
        status, reason = "failed", f"answer not supported by the observations: {', '.join(result.unsupported)}"
        note = "unsupported"
    _emit(runtime, "answer", None, answer=answer, grounding=note)
    return {"answer": answer, "status": status, "reason": reason, "grounding": note, "plan": plan,
            "evidence": [e.model_dump() for e in result.evidence], "usage": _u(usage)}


def _remember_episode(deps: RunDeps, goal: str, answer: str) -> None:
    if not (deps.long_term and deps.options.remember_episodes):
        return
    try:
        deps.memory.remember(f"Goal: {goal}\nAnswer: {answer}", kind="episode", tags=("agent_run",))
    except MemoryBackendError:
        return  # a finished answer stands even if it could not be remembered


# --- routing ----------------------------------------------------------------------------------
def after_plan(state: AgentState) -> str:
    if state.get("stop"):
        return "answer"
    return "ask" if state.get("question") else "act"


def after_act(state: AgentState) -> str:
    if state.get("stop"):
        return "answer"
    if state.get("proposed_answer") is not None and state.get("pending") is None:
        return "ground"
    return "check"


def after_check(state: AgentState) -> str:
    if state.get("stop"):
        return "answer"
    if state.get("step_failures", 0) >= 2:
        return "replan"
    return "act"


def after_replan(state: AgentState) -> str:
    return "answer" if state.get("stop") else "act"


def build_graph() -> StateGraph[AgentState, RunDeps, AgentState, AgentState]:
    """The uncompiled graph; compile it with the checkpointer and store of your choice."""
    graph = StateGraph(AgentState, context_schema=RunDeps)
    graph.add_node("plan", plan_node)
    graph.add_node("ask", ask_node)
    graph.add_node("act", act_node)
    graph.add_node("check", check_node)
    graph.add_node("replan", replan_node)
    graph.add_node("answer", answer_node)
    graph.add_node("ground", ground_node)
    graph.add_edge(START, "plan")
    graph.add_conditional_edges("plan", after_plan, ["ask", "act", "answer"])
    graph.add_edge("ask", "act")
    graph.add_conditional_edges("act", after_act, ["check", "ground", "answer"])
    graph.add_conditional_edges("check", after_check, ["act", "replan", "answer"])
    graph.add_conditional_edges("replan", after_replan, ["act", "answer"])
    graph.add_edge("answer", END)
    graph.add_edge("ground", END)
    return graph


__all__ = ["RunDeps", "build_graph"]
