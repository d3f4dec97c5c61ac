"""The planner graph, in one place.

    START -> plan -> [ask] -> act -> check -> act     (continue with the next call)
                                 |        \\-> replan -> act  (a step failed twice / no progress)
                                 |         \\-> answer -> END (limit, error budget, cancel)
                                 |-> ground -> END       (final answer: the declared answer checks, then grounding)
                                 |         \\-> act       (answer sent back: a check objected, within its budget)
                                 \\-> answer -> END       (limit reached: partial result)

``ask`` runs only when a human is in the loop and the plan raised a question.

Nodes are plain async functions ``(state, runtime) -> partial update``, each cut into named
phases (``_act_prompt`` -> ``_ask_action`` -> ``_run_action``; ``_verdict`` -> ``_record``;
``_revise`` -> ``_finish``). What they need (model, tools, memory, settings, deadline) comes in
:class:`RunDeps` through LangGraph's runtime context, so the compiled graph holds no resources
and one graph serves any number of runs. A run that cannot go on raises a
:class:`~sokrat.errors.RunStopped` (it carries the run's status); the node turns it into the
``stop`` fields and the ``answer`` node reports what was found so far.

Step checks live in :mod:`sokrat.agents.checks`, the answer checks (declared, each with a code
and its own budget) in :mod:`sokrat.agents.verifier`, prompts in :mod:`sokrat.agents.prompts`,
prompt assembly in :mod:`sokrat.agents.context`, tool and memory choice in
:mod:`sokrat.agents.toolset`.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from dataclasses import dataclass
from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import interrupt

from sokrat import text as en
from sokrat.agents import checks, context, crosscheck, goals, prompts, toolset, units, verifier
from sokrat.agents.actions import Action, action_schema, parse_action
from sokrat.agents.options import AgentOptions, ResolvedLimits
from sokrat.agents.prompts import Purpose
from sokrat.agents.state import (
    BLOCKED_CODES,
    AgentState,
    MemoryNote,
    Pending,
    PlanStatus,
    PlanStep,
    StepCheckCode,
    StepState,
)
from sokrat.errors import (
    ErrorBudgetExhausted,
    LLMOutputError,
    MemoryBackendError,
    PlannerFailed,
    ReplanLimitExceeded,
    RunCancelled,
    RunStopped,
    SokratError,
    StepLimitExceeded,
    TokenBudgetExceeded,
    WallClockExceeded,
)
from sokrat.llm.base import ChatModel, ChatResponse, Message
from sokrat.memory.base import ArtifactStore, SemanticMemory
from sokrat.settings import Settings
from sokrat.tools.registry import (
    OutputVerdict,
    OutputView,
    Tool,
    ToolContext,
    ToolOutcome,
    ToolRegistry,
)
from sokrat.types import Event, EventType, RunStatus, Usage

NO_PROGRESS_FAILURES = 2
"""Failures on one plan step (or a stall) after which the rest of the plan is rewritten."""
SUMMARY_SCRATCH_CHARS = 10_000
"""Cap on the one-line-per-step digest of steps between the summary and the verbatim window."""
UNUSABLE = "unusable"
"""``ChatResponse.finish_reason`` of a reply the model backend could not turn into output."""
DUPLICATE_STORE_OVERLAP = 0.5
"""Share of content words (Jaccard) above which a second store call repeats an earlier one."""


@dataclass(frozen=True)
class RunDeps:
    """Everything a run needs besides its state. Passed per invocation, never checkpointed."""

    model: ChatModel
    tools: ToolRegistry
    settings: Settings
    options: AgentOptions
    limits: ResolvedLimits
    """This run's limits (settings, overridden per run)."""
    artifacts: ArtifactStore
    """Where large observations go (the long-term memory, or an in-process store)."""
    memory: SemanticMemory | None
    """Long-term memory (recall, episodes); None when it is off."""
    tool_context: ToolContext
    deadline: float
    """``time.monotonic()`` value after which the run stops (``limits.max_wall_s``)."""
    cancel: threading.Event | None = None


# --- small helpers ------------------------------------------------------------------------------
def _emit(runtime: Runtime[RunDeps], type_: EventType, step: int | None = None, **data: Any) -> None:
    runtime.stream_writer(Event(type=type_, step=step, data=data))


def _remaining(deps: RunDeps) -> float:
    return deps.deadline - time.monotonic()


def _wall_clock(deps: RunDeps, during: str = "") -> WallClockExceeded:
    return WallClockExceeded(f"wall-clock limit of {deps.limits.max_wall_s:g} s reached{during}")


def _check_limits(state: AgentState, deps: RunDeps) -> None:
    if deps.cancel is not None and deps.cancel.is_set():
        raise RunCancelled("cancelled by the caller")
    if _remaining(deps) <= 0:
        raise _wall_clock(deps)
    if len(state.get("steps", [])) >= deps.limits.max_steps:
        raise StepLimitExceeded(f"step cap of {deps.limits.max_steps} steps reached")


async def _llm(
    runtime: Runtime[RunDeps],
    messages: list[Message],
    *,
    purpose: Purpose,
    schema: dict[str, Any] | None = None,
    max_tokens: int | None = None,
    step: int | None = None,
    temperature: float = 0.0,
) -> tuple[ChatResponse, Usage]:
    """One model call, bounded by the wall clock. Unusable output comes back as a response
    with ``parsed=None`` (a bad step, not the end); a dead model ends the run."""
    deps = runtime.context
    remaining = _remaining(deps)
    if remaining <= 0:
        raise _wall_clock(deps)
    try:
        response = await asyncio.wait_for(
            deps.model.agenerate(messages, json_schema=schema, max_tokens=max_tokens, purpose=purpose,
                                 temperature=temperature),
            timeout=remaining,
        )
    except TimeoutError as e:
        raise _wall_clock(deps, " during a model call") from e
    except LLMOutputError as e:
        # Unusable output (runaway, cut off, not JSON) is a bad step, not the end of the run:
        # each caller treats it like any unparseable reply, and the error budget decides.
        _emit(runtime, "warning", step, message=f"unusable model output ({purpose}): {e}")
        return ChatResponse(text=f"(unusable output: {e})", parsed=None, finish_reason=UNUSABLE), Usage(llm_calls=1)
    except SokratError as e:
        raise PlannerFailed(f"planner model failed ({purpose}): {e}") from e
    except Exception as e:  # a backend bug must end the run with a reason, not crash the caller
        raise PlannerFailed(f"planner model raised {type(e).__name__} ({purpose}): {e}") from e
    usage = response.usage
    _emit(runtime, "tokens", step, purpose=purpose, prompt_tokens=usage.prompt_tokens,
          completion_tokens=usage.completion_tokens)
    return response, usage


def _reply(response: ChatResponse) -> Any:
    return response.parsed if isinstance(response.parsed, dict) else response.text


def _sum(*usages: Usage) -> dict[str, Any]:
    total = Usage()
    for u in usages:
        total = total + u
    return total.model_dump()


def _stopped(stop: RunStopped) -> dict[str, Any]:
    return {"stop": str(stop), "stop_status": stop.status}


def _open_index(plan: list[PlanStep]) -> int | None:
    return next((i for i, p in enumerate(plan) if p["status"] in ("active", "pending")), None)


def _with_status(plan: list[PlanStep], index: int | None, status: PlanStatus) -> list[PlanStep]:
    return [PlanStep(text=p["text"], status=status if i == index else p["status"]) for i, p in enumerate(plan)]


def _trailing_refused_tools(steps: list[StepState]) -> set[str]:
    """Tools of the refused repeats the run ends with: of a call that already succeeded, or
    that already failed for good (a 1.5B sends the same failing code until the error budget
    ends, sampled re-ask or not)."""
    refused: set[str] = set()
    for s in reversed(steps):
        if s["check_code"] not in ("repeat_ok", "repeat_failed"):
            break
        refused.add(s["tool"])
    return refused


def _named_tools(plan_text: str, names: list[str]) -> list[str]:
    return [name for name in names if name in plan_text]


def _completes(plan_text: str, tool: str, tools: ToolRegistry) -> bool:
    """A plan step that names a tool is done only by a call of that tool; others by any call."""
    named = _named_tools(plan_text, tools.names())
    return not named or tool in named


def _offered(state: AgentState, deps: RunDeps) -> list[Tool]:
    """The tools chosen for this run, plus the artifact reader once an output was stored."""
    names = state.get("tools")
    tools = [deps.tools.get(n) for n in names if n in deps.tools] if names is not None else list(deps.tools)
    if any(s["artifact"] for s in state.get("steps", [])):
        tools += [t for t in toolset.artifact_tools(deps.tools) if t not in tools]
    return tools


def _recall(deps: RunDeps, goal: str) -> list[MemoryNote]:
    """Memories of earlier runs for this goal: recalled once, relevance-filtered."""
    k = deps.options.memories_per_step
    if deps.memory is None or k <= 0 or not goal.strip():
        return []
    try:
        # only memories sharing a word with the goal are kept (relevant_memories), so a word
        # search finds all of them: no query embedding, no embedding model loaded for the run
        hits = deps.memory.recall(goal, k=2 * k, kinds=["fact", "episode"], namespace=deps.tool_context.namespace,
                                  semantic=False)
    except MemoryBackendError:
        return []  # memory trouble must not stop planning; the run just has no recalled context
    return [MemoryNote(id=m.id, kind=m.kind, text=m.text) for m in toolset.relevant_memories(goal, hits)[:k]]


# --- plan ---------------------------------------------------------------------------------------
async def _make_plan(state: AgentState, runtime: Runtime[RunDeps], tools: list[Tool], memories: list[MemoryNote],
                     *, failure: str = "") -> tuple[list[PlanStep], str, str, Usage]:
    deps = runtime.context
    n = deps.options.max_plan_steps
    done = [p for p in state.get("plan", []) if p["status"] == "done"]
    messages = prompts.plan_messages(tools=tools, n=n, goal=state["goal"], media=state.get("media", []),
                                     memories=memories, done=[p["text"] for p in done], failure=failure)
    budget = context.token_budget(deps.model, deps.settings)
    if deps.model.count_tokens(messages) > budget:
        raise TokenBudgetExceeded(f"the goal is too long for the planner's {budget}-token context budget: shorten it")
    response, usage = await _llm(runtime, messages, purpose="replan" if failure else "plan",
                                 schema=prompts.plan_schema(n), max_tokens=prompts.PLAN_MAX_TOKENS)
    obj = response.parsed
    if obj is None:
        try:
            obj = json.loads(response.text)
        except json.JSONDecodeError:
            obj = None
    fallback = state["goal"][: prompts.PLAN_STEP_CHARS]
    if not isinstance(obj, dict) or not isinstance(obj.get("steps"), list):
        # An unusable plan is not fatal: act on the goal itself, one call at a time.
        return [*done, PlanStep(text=fallback, status="pending")], "", "", usage + Usage(retries=1)
    steps = [str(s)[: prompts.PLAN_STEP_CHARS] for s in obj["steps"] if str(s).strip()][:n] or [fallback]
    if len(steps) > 1:  # "answer directly" beside real steps would only invite a premature answer
        steps = [s for s in steps if not goals.answer_directly(s)] or steps
    plan = [*done, *(PlanStep(text=s, status="pending") for s in steps)]
    return plan, str(obj.get("question") or "").strip(), str(obj.get("assumption") or "").strip(), usage


async def plan_node(state: AgentState, runtime: Runtime[RunDeps]) -> dict[str, Any]:
    """Choose the tools and memories for the run, write the plan, and settle ambiguity by
    asking (human in the loop) or by a stated assumption."""
    deps = runtime.context
    tools = toolset.offered_tools(deps.tools, state["goal"], has_media=bool(state.get("media")),
                                  limit=deps.options.max_offered_tools, ctx=deps.tool_context)
    memories = _recall(deps, state["goal"])
    chosen = {"tools": [t.name for t in tools], "memories": memories}
    if goals.single_request(state["goal"], plan=deps.options.plan, human_in_the_loop=deps.options.human_in_the_loop):  # one request: the goal is the plan, no model call
        plan = [PlanStep(text=state["goal"][: prompts.PLAN_STEP_CHARS], status="pending")]
        _emit(runtime, "plan", None, plan=[p["text"] for p in plan], assumptions=[], question="",
              tools=chosen["tools"], memories=[m["id"] for m in memories], planned_by="rule")
        return {**chosen, "plan": plan, "assumptions": [], "question": ""}
    try:
        plan, question, assumption, usage = await _make_plan(state, runtime, tools, memories)
    except RunStopped as stop:
        return {**chosen, **_stopped(stop)}
    if question and goals.echoes(question, state["goal"]):
        question, assumption = "", ""  # an echo of the goal: there is nothing to settle
    assumptions: list[str] = []
    ask = question and deps.options.human_in_the_loop
    if question and not ask:
        assumptions.append(f"{question} Assumed: {assumption or 'the most common reading'}")
    elif assumption and not question:
        assumptions.append(assumption)
    _emit(runtime, "plan", None, plan=[p["text"] for p in plan], assumptions=assumptions,
          question=question if ask else "", tools=chosen["tools"], memories=[m["id"] for m in memories])
    return {**chosen, "plan": plan, "assumptions": assumptions, "question": question if ask else "", "usage": _sum(usage)}


def ask_node(state: AgentState) -> dict[str, Any]:
    """Ask the human (LangGraph ``interrupt``: the run pauses here, checkpointed, until a reply).

    A node of its own because a resumed node runs again from its start: the plan's model call
    must not be repeated.
    """
    question = state.get("question", "")
    reply = interrupt({"question": question})
    return {"assumptions": [f"asked {question!r}; the user said: {reply}"], "question": ""}


# --- act ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _ActPrompt:
    messages: list[Message]
    allowed: list[Tool]
    """Tools the action may call (the schema); fewer than the prompt lists when some are refused."""
    plan: list[PlanStep]
    current: int | None
    may_answer: bool
    """False right after an answer was sent back: the next action must be a tool call."""
    instruction: str = ""
    """The prompt's tail (what to do now); an "answer" that only repeats it is refused."""


def _instruction(state: AgentState, plan: list[PlanStep], current: int | None) -> str:
    """The prompt's tail: what to do now (the only part that changes every step)."""
    steps = state.get("steps", [])
    if state.get("feedback"):
        return f"{state['feedback']}\nReply with one JSON {'tool call' if state.get('must_call', True) else 'action'}."
    if current is None:
        text = ("All plan steps are done. Reply with final_answer: answer the goal in one sentence, with the "
                "values the steps above show.")
    elif not steps:
        text = f"Now do plan step {current + 1}: {plan[current]['text']}"
    else:
        text = (f"Now do plan step {current + 1}: {plan[current]['text']}\nDo not repeat a call that already has "
                "a result. If the steps above already answer the goal, reply with final_answer.")
    return text + "\nReply with one JSON action."


def _route_first(state: AgentState, allowed: list[Tool]) -> list[Tool]:
    """Routing by capability: the first action of a run with media goes to the tool that answers
    questions about that media (``@tool(answers=True)`` reading media: ``video_qa``), whose
    answer cites the log's times; a small model otherwise reaches for code that opens the file,
    or for ``describe_moment`` at an invented time. Empty when the rule does not apply."""
    if not state.get("media") or state.get("steps"):
        return []
    return [t for t in allowed if t.answers and toolset.reads_media(t)][:1]


def _tool_answered_the_goal(state: AgentState, deps: RunDeps) -> bool:
    """The last step is an answering tool (``@tool(answers=True)``: ``video_qa``) that answered
    (status ``succeeded``) a question holding every content word of the goal's question. The
    1.5B otherwise goes on: it once ran ``cat clip.mp4 | grep cat`` after "Yes: a cat at 0:05",
    then answered "No". Goals that ask more (a computation on the answer) hold other words."""
    steps = state.get("steps", [])
    if not steps or steps[-1]["label"] != "ok" or steps[-1]["tool"] not in deps.tools:
        return False
    last = steps[-1]
    if not deps.tools.get(last["tool"]).answers:
        return False
    try:
        record = json.loads(last["raw"])
    except (json.JSONDecodeError, TypeError):
        return False
    if not isinstance(record, dict) or record.get("status") != "succeeded":
        return False
    asked = [toolset.content_words(q) - _MEDIA_WORDS for q in en.questions(state["goal"])]
    said = toolset.content_words(" ".join(str(v) for v in last["arguments"].values() if isinstance(v, str)))
    return len(asked) == 1 and bool(asked[0]) and asked[0] <= said


_MEDIA_WORDS = frozenset(["video", "videos", "clip", "clips", "recording", "footage", "film", "movie", "media"])
"""Words naming the media itself ("... in the video?"), which the tool's question may leave out."""


def _act_prompt(state: AgentState, deps: RunDeps) -> _ActPrompt:
    """Phase 1: the prompt (stable prefix, changing tail) and the tools the action may use."""
    steps = state.get("steps", [])
    plan = state.get("plan", [])
    current = _open_index(plan)
    if current is not None and plan[current]["status"] == "pending":
        plan = _with_status(plan, current, "active")
    upto = state.get("summarized_upto", 0)
    window = max(upto, len(steps) - deps.options.recent_steps)
    # Steps out of the verbatim window but not yet folded into the summary: one line each.
    summary = context.extractive_summary(state.get("summary", ""), steps[upto:window], max_chars=SUMMARY_SCRATCH_CHARS)
    offered = _offered(state, deps)
    # Stuck: the model just repeated calls that had already succeeded or failed for good (small
    # models do this until a limit). Its next action may not use those tools again; once the
    # plan is done it may only answer. The grounding check still judges what it says.
    refused = _trailing_refused_tools(steps) | set(state.get("unavailable", []))
    allowed = [] if refused and current is None else [t for t in offered if t.name not in refused]
    first = _route_first(state, allowed)
    allowed = first or allowed
    if _tool_answered_the_goal(state, deps):
        allowed = []  # the answering tool answered the goal's own question: what is left is to say it
    if state.get("feedback") and state.get("must_call", True) and state.get("must_use"):
        # the send-back names the kind of tool its result comes from: small models otherwise call
        # the lookup they already called, then answer the same again
        allowed = [t for t in allowed if t.name in state["must_use"]] or allowed
    # An answer was just sent back ("call X first", "check it with a tool"): small models tend to
    # answer again regardless, so this one action must be a tool call.
    may_answer = not ((state.get("feedback") and state.get("must_call", True) or first) and allowed)
    listed = [t for t in offered if not toolset.reads_artifacts(t)]  # the prompt prefix stays the same
    instruction = _instruction(state, plan, current)
    messages, _ = context.assemble(
        system=prompts.ACT_SYSTEM.format(tools=prompts.tool_lines(listed)),
        goal=state["goal"] + (f"\nMedia: {', '.join(state['media'])}" if state.get("media") else ""),
        assumptions=state.get("assumptions", []),
        plan=plan,
        summary=summary,
        recent=steps[window:],
        memories=state.get("memories", []),
        instruction=instruction,
        budget=context.token_budget(deps.model, deps.settings),
        count=deps.model.count_tokens,
    )
    return _ActPrompt(messages=messages, allowed=allowed, plan=plan, current=current, may_answer=may_answer,
                      instruction=instruction)


async def _ask_action(runtime: Runtime[RunDeps], state: AgentState, prompt: _ActPrompt,
                      index: int) -> tuple[Action | None, str, Usage]:
    """Phase 2: ask for one schema-constrained action, re-asking when it is unusable.

    Returns the action (None when none was usable), the problem with the last reply, and the usage."""
    deps = runtime.context
    schema = action_schema(prompt.allowed, final_answer=prompt.may_answer)
    messages = prompt.messages
    usage = Usage()
    problem = ""
    max_tokens = min(deps.options.action_max_tokens, deps.settings.llm_max_new_tokens)
    temperature = 0.0
    for attempt in range(deps.options.action_retries + 1):
        response, u = await _llm(runtime, messages, purpose="act", schema=schema, max_tokens=max_tokens, step=index,
                                 temperature=temperature)
        usage = usage + u + Usage(retries=1 if attempt else 0)
        try:
            action = parse_action(_reply(response), prompt.allowed, final_answer=prompt.may_answer)
            if action.is_final and not action.answer.strip():
                raise LLMOutputError("final_answer needs a non-empty 'answer'")
        except LLMOutputError as e:
            problem = response.text if response.finish_reason == UNUSABLE else str(e)
            if en.repetitive(response.text):
                # greedy decoding loops the same way on the same prompt ("\b\b\b..." to the token
                # limit, four times over): like whisper's fallback, the next try samples
                temperature = deps.options.fallback_temperature
            messages = [*messages, Message("assistant", response.text[:500]),
                        Message("user", f"That is not a valid action: {problem}. Reply with ONE JSON action.")]
            continue
        refusal = None if action.is_final else _refused_repeat(state, deps, action)
        if refusal is not None and temperature == 0.0 and attempt < deps.options.action_retries:
            # Greedy decoding gives a stuck model the same call on every step (a real 1.5B ran the
            # same non-printing code three times, repeated finished searches instead of computing,
            # and copied a printed 8-digit result with a digit dropped on every try). Like
            # whisper's temperature fallback, ask once more with sampling, saying why.
            temperature = deps.options.fallback_temperature
            if temperature > 0:
                messages = [*messages, Message("assistant", response.text[:500]),
                            Message("user", f"That call would be refused: {refusal.reason}. Reply with ONE different JSON "
                                            "action.")]
                continue
        return action, "", usage
    return None, problem, usage


def _refused_repeat(state: AgentState, deps: RunDeps, action: Action) -> checks.Refusal | None:
    """Why the call will be refused before it runs (it repeats one that failed, or one that
    already gave its result, or writes a value no output shows), or None."""
    refusal = checks.detect_loop(state.get("steps", []), action.tool, action.arguments,
                                 max_identical=deps.options.max_identical_calls,
                                 block_repeat_of_ok=deps.options.block_repeated_calls)
    if refusal is None and action.tool in deps.tools:
        refusal = _ungrounded_arguments(state, deps.tools.get(action.tool), action.arguments)
    return refusal


async def _execute(runtime: Runtime[RunDeps], action: Action, index: int) -> tuple[ToolOutcome, int]:
    """Run the call; a transient failure (timeout, lost connection) is retried with backoff."""
    deps = runtime.context
    opts = deps.options
    attempts = 0
    while True:
        attempts += 1
        timeout = min(deps.limits.tool_timeout_s, max(_remaining(deps), 0.001))
        outcome = await deps.tools.execute(action.tool, action.arguments, deps.tool_context, timeout_s=timeout)
        if outcome.ok or attempts > opts.transient_retries:
            return outcome, attempts
        if outcome.unavailable or checks.failure_kind(outcome.error or "", transient=outcome.transient) != "transient":
            return outcome, attempts
        delay = opts.retry_backoff_s * 2 ** (attempts - 1)
        if _remaining(deps) <= delay + 0.001:
            return outcome, attempts
        _emit(runtime, "warning", index, message=f"{action.tool} failed transiently ({outcome.error}); retry in {delay:g} s")
        await asyncio.sleep(delay)


def _ungrounded_arguments(state: AgentState, t: Tool, arguments: dict[str, Any]) -> checks.Refusal | None:
    """Why a call may not use what it would (:attr:`Tool.grounded`): a value there (text, or a
    number such as a time) that no tool output, recalled memory or the goal shows."""
    for name in t.grounded:
        value = arguments.get(name)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = f"{value:g}"
        if isinstance(value, str):
            result = _grounding(state, value)
            if not result.supported:
                return checks.Refusal("ungrounded_arguments", (
                    f"{name} holds {', '.join(result.unsupported)}, which neither the goal nor any tool output "
                    "shows: use the values the tools returned"))
    return None


def _duplicate_store(state: AgentState, t: Tool, arguments: dict[str, Any]) -> checks.Refusal | None:
    """A store tool (:attr:`Tool.stores`) stores each fact once: a call whose text repeats what
    a trusted call of it already stored (most content words shared) is refused."""
    if not t.stores:
        return None
    words = toolset.content_words(" ".join(str(v) for v in arguments.values() if isinstance(v, str)))
    for s in state.get("steps", []):
        if s["tool"] != t.name or s["label"] != "ok":
            continue
        before = toolset.content_words(" ".join(str(v) for v in s["arguments"].values() if isinstance(v, str)))
        if words and before and len(words & before) / len(words | before) >= DUPLICATE_STORE_OVERLAP:
            return checks.Refusal("repeat_ok", f"this was already stored at step {s['index']}: {s['raw'][:200]}. "
                                               "Reply with final_answer, saying what was stored")
    return None


def _store_unasked(state: AgentState, t: Tool) -> checks.Refusal | None:
    """A store tool (:attr:`Tool.stores`) is refused for a goal that only asks (questions,
    none a request to store): storing there writes the question's subject, or a recalled fact
    again, and the answer then reports the storing instead of the value asked for."""
    if t.stores and goals.only_asks(state["goal"], t.stores):
        return checks.Refusal("store_unasked", "this goal asks a question and stores nothing: find the value "
                                               "(recall, search or the facts you were given) and answer it")
    return None


_SPEECH_VERBS = frozenset(["say", "said", "says", "mention", "mentions", "mentioned", "tell", "told", "show", "shows",
                           "shown", "hear", "heard", "see", "seen"])
"""Words of "in the video I say/mention/show ..." that name the telling, not what is told."""


_TELLS = re.compile(r"^(?:in|on|from)\s+(?:the|this|my)\s+(?:\w+\s+)?(?:video|clip|recording|footage|film|movie)"
                    r"\s*,?\s+(?:i|we|you)\s+(?:say|says|said|mention|mentioned|tell|told|talk about|talked about)\s+"
                    r"(?:you\s+|to you\s+)?(.+?)[.!]?$", re.I)
_WH = frozenset(["how", "what", "which", "when", "where", "who", "whom", "whose", "why", "whether", "if"])


def media_question(sentence: str) -> str:
    """The goal's sentence about the media as a question to ask it: "In the video I say how
    much I paid for the tickets." -> "How much I paid for the tickets?"; "In the clip I mention
    the day of my appointment." -> "What is the day of my appointment?". A sentence of another
    shape is asked as it is."""
    m = _TELLS.match(sentence.strip())
    if m is None:
        return sentence
    told = m.group(1).strip()
    if told.split()[0].lower() in _WH:
        return told[:1].upper() + told[1:] + "?"
    return f"What is {told}?"


def _question_off_goal(state: AgentState, t: Tool, arguments: dict[str, Any]) -> checks.Refusal | None:
    """A question to the media-answering tool (``video_qa``) must ask what the goal asks of the
    media: in a goal of several sentences ("In the video I say which bus the guests take. If
    the trip is 25 minutes, when do they arrive?"), a question sharing none of the words only the
    media's sentence has ("When do they arrive?") asks the other part, which the video
    cannot tell."""
    question = arguments.get("question")
    if not (t.answers and toolset.reads_media(t) and state.get("media") and isinstance(question, str)):
        return None
    sentences = [x.strip() for x in re.split(r"(?<=[.!?])\s+", state["goal"]) if x.strip()]
    about = [x for x in sentences if set(en.words(x)) & _MEDIA_WORDS]
    rest = [x for x in sentences if x not in about]
    if not about or not rest:
        return None
    own = (en.content_stems(" ".join(about)) - en.content_stems(" ".join(rest))
           - {en.stem(w) for w in _MEDIA_WORDS | _SPEECH_VERBS})
    if not own or own & en.content_stems(question):
        return None
    return checks.Refusal("question_off_goal", f"the goal asks the video: {about[0][:200]!r}; ask {t.name} that "
                                               "(the rest of the goal is for the next steps)",
                          instead={**arguments, "question": media_question(about[0])})


async def _run_action(runtime: Runtime[RunDeps], state: AgentState, action: Action, index: int) -> Pending:
    """Phase 3: refuse a call that cannot help (bad arguments, a loop, a repeat of a permanent
    failure), else run it."""
    deps = runtime.context
    _emit(runtime, "tool_called", index, tool=action.tool, arguments=action.arguments)
    refusal = checks.validate_call(deps.tools, action.tool, action.arguments) or checks.detect_loop(
        state.get("steps", []), action.tool, action.arguments, max_identical=deps.options.max_identical_calls,
        block_repeat_of_ok=deps.options.block_repeated_calls,
    )
    if refusal is None:
        t = deps.tools.get(action.tool)
        refusal = (_store_unasked(state, t) or _question_off_goal(state, t, action.arguments)
                   or _ungrounded_arguments(state, t, action.arguments) or _duplicate_store(state, t, action.arguments))
    if refusal is not None and refusal.instead is not None and checks.validate_call(
            deps.tools, action.tool, refusal.instead) is None and checks.detect_loop(
            state.get("steps", []), action.tool, refusal.instead, max_identical=deps.options.max_identical_calls,
            block_repeat_of_ok=deps.options.block_repeated_calls) is None:
        _emit(runtime, "check", index, label="failed", reason=f"{refusal.reason}: that call runs in its place")
        action, refusal = Action(tool=action.tool, arguments=refusal.instead), None
    if refusal is not None:
        return Pending(tool=action.tool, arguments=action.arguments, ok=False, output="", duration_s=0.0,
                       blocked=refusal.reason, blocked_code=refusal.code, failure="", attempts=0, unavailable=False)
    outcome, attempts = await _execute(runtime, action, index)
    for _ in range(RETRY_WITH_VALUES):  # one value per run: "t_end - t_start" needs two
        if outcome.unavailable:
            break
        retry = _retry_arguments(state, deps, action.tool, action.arguments, outcome.observation, ok=outcome.ok)
        if retry is None:
            break
        _emit(runtime, "check", index, label="failed", reason=f"{action.tool} ran again with a value the run holds")
        action = Action(tool=action.tool, arguments=retry)
        outcome, more = await _execute(runtime, action, index)
        attempts += more
    if outcome.unavailable:  # the user must act (a missing model, a dead backend); the model cannot
        _emit(runtime, "warning", index, message=f"tool {action.tool} is unavailable and is no longer offered: {outcome.error}")
    output = outcome.observation
    failure = "" if outcome.ok else checks.failure_kind(outcome.error or "", transient=outcome.transient)
    _emit(runtime, "tool_result", index, tool=action.tool, ok=outcome.ok, duration_s=round(outcome.duration_s, 3),
          preview=output[: prompts.PREVIEW_CHARS])
    return Pending(tool=action.tool, arguments=action.arguments, ok=outcome.ok, output=output,
                   shown=outcome.for_planner, duration_s=outcome.duration_s, blocked="", blocked_code="", failure=failure, attempts=attempts,
                   unavailable=outcome.unavailable)


async def act_node(state: AgentState, runtime: Runtime[RunDeps]) -> dict[str, Any]:
    """Ask the model for ONE action (schema-constrained), validate it, run it with a timeout."""
    deps = runtime.context
    index = len(state.get("steps", []))
    try:
        _check_limits(state, deps)
        prompt = _act_prompt(state, deps)
    except RunStopped as stop:
        return _stopped(stop)
    _emit(runtime, "step_started", index,
          plan_step=prompt.plan[prompt.current]["text"] if prompt.current is not None else "")
    try:
        action, problem, usage = await _ask_action(runtime, state, prompt, index)
    except RunStopped as stop:
        return {**_stopped(stop), "plan": prompt.plan}
    update: dict[str, Any] = {"plan": prompt.plan, "usage": _sum(usage), "feedback": ""}
    if action is None:
        return {**update, "pending": Pending(tool="(invalid action)", arguments={}, ok=False, output="", duration_s=0.0,
                                             blocked=f"the model's reply was not a valid action: {problem}",
                                             blocked_code="invalid_action", failure="", attempts=0, unavailable=False)}
    if action.is_final:
        # The instruction an answer may not merely repeat; not a send-back's message, which an
        # answer that follows it naturally echoes.
        return {**update, "proposed_answer": action.answer, "pending": None,
                "instruction": "" if state.get("feedback") else prompt.instruction}
    pending = await _run_action(runtime, state, action, index)
    return {**update, "pending": pending, "usage": _sum(usage, Usage(tool_time_s=pending["duration_s"]))}


# --- check --------------------------------------------------------------------------------------
def _failure_hint(pending: Pending) -> str:
    if pending["failure"] == "permanent":
        return "it will fail again with these arguments: change the arguments or use another tool"
    tries = f" ({pending['attempts']} tries)" if pending["attempts"] > 1 else ""
    return f"a transient failure{tries}: use another tool, or try again later"


def _output_view(state: AgentState, deps: RunDeps, tool: str) -> OutputView:
    offered = _offered(state, deps)
    facts = [m["text"] for m in state.get("memories", []) if m["kind"] == "fact"]  # not episodes: old answers
    return OutputView(tools=tuple(t.name for t in offered), media=tuple(state.get("media", [])),
                      sources=(*(s["raw"] for s in state.get("steps", []) if s["tool"] != tool), *facts),
                      goal=state["goal"], lookups=tuple(t.name for t in offered if t.looks_up))


RETRY_WITH_VALUES = 3
"""Most reruns of one call with values the run holds (:attr:`OutputVerdict.retry_arguments`)."""


def _retry_arguments(state: AgentState, deps: RunDeps, tool: str, arguments: dict[str, Any],
                     output: str, *, ok: bool = False) -> dict[str, Any] | None:
    """The arguments a tool's own check fills in for a failed call, or for an output it fails
    (code that printed ``<reversed object ...>``), from what the run holds
    (:attr:`OutputVerdict.retry_arguments`): the call runs once more with them, so a value
    passes from one step to the next without another model call."""
    t = deps.tools.get(tool) if tool in deps.tools else None
    if t is None or t.output_check is None:
        return None
    verdict = t.output_check(arguments, ok, output, _output_view(state, deps, tool))
    return verdict.retry_arguments if verdict is not None and verdict.label == "failed" else None


def _own_check(state: AgentState, deps: RunDeps, pending: Pending) -> OutputVerdict | None:
    """The tool's own output check (:attr:`Tool.output_check`), if it declares one."""
    t = deps.tools.get(pending["tool"]) if pending["tool"] in deps.tools else None
    if t is None or t.output_check is None:
        return None
    return t.output_check(pending["arguments"], pending["ok"], pending["output"],
                          _output_view(state, deps, pending["tool"]))


async def _verdict(runtime: Runtime[RunDeps], state: AgentState, pending: Pending, index: int) -> tuple[checks.Verdict, Usage]:
    """Phase 1: label the step by rules (the generic ones and the tool's own), and by the model
    where the rules cannot tell."""
    deps = runtime.context
    if pending["blocked"]:
        code: StepCheckCode = pending["blocked_code"] or "bad_arguments"  # type: ignore[assignment]
        return checks.Verdict("failed", f"blocked: {pending['blocked']}", "choose another action", code), Usage()
    own = _own_check(state, deps, pending)
    verdict = checks.verify(pending["tool"], pending["arguments"], pending["ok"], pending["output"],
                            state.get("steps", []), own=own)
    if verdict is not None and verdict.code == "empty_output":
        # An empty lookup names the other sources not yet tried (a real 1.5B searched memory
        # twice for "my notes" and never the indexed documents that held them).
        others = [n for n in _untried_lookups(state, deps) if n != pending["tool"]]
        if others and deps.tools.get(pending["tool"]).looks_up:
            verdict = checks.Verdict("failed", verdict.reason,
                                     f"nothing there: look with {' or '.join(others)} (not tried yet), or retry once",
                                     verdict.code)
    if verdict is not None:
        if not pending["ok"] and own is None:
            verdict = checks.Verdict("failed", f"the tool reported a {pending['failure'] or 'permanent'} error",
                                     _failure_hint(pending), "tool_error")
        return verdict, Usage()
    if deps.options.llm_judge:
        return await _judge(runtime, state, pending, index)
    # Fail-open by design: free text of unclear relevance is accepted; grounding still checks the answer.
    return checks.Verdict("ok", "rules could not tell; accepted", code="accepted"), Usage()


async def _judge(runtime: Runtime[RunDeps], state: AgentState, pending: Pending, index: int) -> tuple[checks.Verdict, Usage]:
    messages = prompts.judge_messages(goal=state["goal"], call=context.render_call(pending["tool"], pending["arguments"]),
                                      output=pending["output"])
    response, usage = await _llm(runtime, messages, purpose="judge", schema=prompts.JUDGE_SCHEMA,
                                 max_tokens=prompts.JUDGE_MAX_TOKENS, step=index)
    obj = response.parsed if isinstance(response.parsed, dict) else {}
    label = obj.get("label")
    if label not in ("ok", "suspect", "failed"):
        # Fail-open by design: a judge without a usable label does not veto a step.
        return checks.Verdict("ok", "rules could not tell; the judge gave no usable label", code="accepted"), usage
    hint = "" if label == "ok" else "call again or use another tool"
    return checks.Verdict(label, f"judged by the model: {str(obj.get('reason', ''))[: prompts.JUDGE_REASON_CHARS]}", hint,
                          "judged"), usage


def _record(deps: RunDeps, pending: Pending, verdict: checks.Verdict, index: int) -> StepState:
    """Phase 2: the step as the planner will read it (large outputs go behind a handle)."""
    text = checks.observation_text(verdict, pending.get("shown") or pending["output"], error=pending["blocked"])
    observation, handle = context.offload(text, deps.artifacts, deps.settings)
    return StepState(index=index, tool=pending["tool"], arguments=pending["arguments"], observation=observation,
                     raw=pending["output"][: 4 * deps.settings.observation_max_chars], label=verdict.label,
                     check=verdict.reason, check_code=verdict.code, artifact=handle, duration_s=pending["duration_s"],
                     failure="permanent" if verdict.permanent else pending["failure"])


def _progress(runtime: Runtime[RunDeps], state: AgentState, step: StepState, all_steps: list[StepState]) -> dict[str, Any]:
    """Phase 3: failure counters, plan-step completion, and the error budget."""
    deps = runtime.context
    update: dict[str, Any] = {}
    plan = state.get("plan", [])
    current = _open_index(plan)
    stalled = checks.no_new_information(all_steps)
    if step["label"] == "failed" or stalled:
        update["consecutive_failures"] = state.get("consecutive_failures", 0) + 1
        update["total_failures"] = state.get("total_failures", 0) + 1
        update["step_failures"] = NO_PROGRESS_FAILURES if stalled else state.get("step_failures", 0) + 1
        if stalled:
            _emit(runtime, "check", step["index"], label="failed", reason="no new information in the last steps")
    else:
        update["consecutive_failures"] = 0
        if step["label"] == "ok":
            update["step_failures"] = 0
            if current is not None and _completes(plan[current]["text"], step["tool"], deps.tools):
                update["plan"] = _with_status(plan, current, "done")
    reason = checks.budget_exhausted(update.get("consecutive_failures", 0),
                                     update.get("total_failures", state.get("total_failures", 0)),
                                     max_consecutive=deps.limits.max_consecutive_failures,
                                     max_total=deps.limits.max_total_failures)
    if reason:
        update.update(_stopped(ErrorBudgetExhausted(reason)))
    return update


async def check_node(state: AgentState, runtime: Runtime[RunDeps]) -> dict[str, Any]:
    """Label the step, turn it into an observation, update budgets, plan and summary."""
    deps = runtime.context
    pending = state.get("pending")
    if pending is None:
        return {}
    steps = state.get("steps", [])
    index = len(steps)
    try:
        verdict, usage = await _verdict(runtime, state, pending, index)
    except RunStopped as stop:
        return {**_stopped(stop), "pending": None}
    step = _record(deps, pending, verdict, index)
    _emit(runtime, "check", index, label=verdict.label, reason=verdict.reason, tool=step["tool"])
    all_steps = [*steps, step]
    update: dict[str, Any] = {"steps": [step], "pending": None, **_progress(runtime, state, step, all_steps)}
    if pending.get("unavailable"):
        update["unavailable"] = [pending["tool"]]
    if not update.get("stop") and (line := _code_answer(state, deps, step)):
        _emit(runtime, "check", index, label="ok", reason=f"answer from the code's output: {line!r}")
        update.update(proposed_answer=line, instruction="")
        update["usage"] = _sum(usage)
        return update
    fold, fold_usage = await _fold_summary(runtime, state, all_steps)
    update.update(fold)
    update["usage"] = _sum(usage, fold_usage)
    return update


CODE_ANSWER_CHARS = 200
"""Longest printed line taken as the answer (:attr:`AgentOptions.answer_from_code`)."""


def _computed_here(state: AgentState, deps: RunDeps, step: StepState, *, one_request: bool = True) -> bool:
    """``step`` is a trusted run of a computing tool for a computation the goal fully states: a
    one-request goal (the plan is the goal; ``one_request=False`` allows a plan of several
    computations) that gives the values to compute on (numbers or quoted text: a question about
    the world is no computation, whatever code the model ran), no media, nothing to store."""
    t = deps.tools.get(step["tool"]) if step["tool"] in deps.tools else None
    return (t is not None and t.computes and step["label"] == "ok" and goals.has_operands(state["goal"])
            and (len(state.get("plan", [])) == 1 or not one_request) and not state.get("media")
            and not _asks_to_store(state, deps))


def _asks_to_store(state: AgentState, deps: RunDeps) -> bool:
    """The goal asks one of the run's store tools to store something (:attr:`Tool.stores`)."""
    return any(o.stores and goals.asks_to_store(state["goal"], o.stores) for o in deps.tools)


def _only_computed(state: AgentState, deps: RunDeps) -> list[StepState]:
    """The steps that computed the answer, when every step of the run was a computing tool's
    (no value was looked up, so a program written from the goal alone can compute it too);
    [] otherwise."""
    steps = state.get("steps", [])
    if not steps or any(s["tool"] not in deps.tools or not deps.tools.get(s["tool"]).computes for s in steps):
        return []
    return [s for s in steps if _computed_here(state, deps, s, one_request=False)]


LOOKED_UP_CHARS = 600
"""Characters of each looked-up output a cross-check program is given (:func:`_computed_after_lookup`)."""


def _trusted_tools(state: AgentState, deps: RunDeps) -> list[tuple[StepState, Tool]]:
    """The run's trusted steps of known tools, each with its tool."""
    return [(s, deps.tools.get(s["tool"])) for s in state.get("steps", []) if s["label"] == "ok" and s["tool"] in deps.tools]


def _computed_after_lookup(state: AgentState, deps: RunDeps) -> tuple[list[StepState], tuple[str, ...]]:
    """The steps that computed the answer from values other tools returned (a record found,
    a time seen in a video), with those outputs: the run ends with a trusted computing step
    after a trusted step of a tool that neither computes nor stores, and the goal stores
    nothing. ([], ()) otherwise. A program written apart from the same outputs checks the
    arithmetic and the reading of them, not the lookup itself."""
    trusted = _trusted_tools(state, deps)
    found = [s for s, t in trusted if not t.computes and not t.stores]
    if not trusted or not trusted[-1][1].computes or not found or _asks_to_store(state, deps):
        return [], ()
    return [s for s, t in trusted if t.computes], tuple(s["raw"][:LOOKED_UP_CHARS] for s in found)


_QUANTITY_ASKED = re.compile(r"\bhow (?:many|much|far|long|old)\b|\b(?:compute|calculate|convert|work out)\b|"
                             r"\bwhat\b[^.?!]*\b(?:costs?|price|total|sum|amount|fee)\b", re.I)
"""A question for a quantity, which a program can compute ("what charging it 50 times costs")."""


def _computed_on_given(state: AgentState, deps: RunDeps) -> list[StepState]:
    """The steps that computed the answer from values given with the goal outside a one-request
    computation: a goal that stores a value and asks something computed on it ("note that my
    garden is 52 m², then tell me how many square feet that is"), or a goal computed on a stored
    fact the planner was given with it ("what do I pay in a year?" after "my rent is 910 a month":
    a number of the fact is in the program). Every trusted step computes or stores and the last
    computes, no media; [] otherwise. A program written apart from the goal and the facts checks
    the reading and the arithmetic (a program may read the clock, or the wrong fact)."""
    trusted = _trusted_tools(state, deps)
    # the value may be stored after it was computed (a store check sends the answer back first)
    working = [(s, t) for s, t in trusted if not t.stores]
    if (not working or not working[-1][1].computes or state.get("media")
            or any(not t.computes and not t.stores for _, t in trusted)):
        return []
    computing = [s for s, t in trusted if t.computes]
    if _asks_to_store(state, deps):
        verbs = [v for o in deps.tools if o.stores for v in o.stores]
        # what it asks besides must be a quantity ("how many square feet"), not "what you stored"
        asks_quantity = _QUANTITY_ASKED.search(state["goal"]) or units.conversion(state["goal"])
        return computing if asks_quantity and goals.asks_besides_storing(state["goal"], verbs) else []
    given = set().union(*(checks._numbers(m["text"]) for m in state.get("memories", []) if m["kind"] == "fact"))
    given -= checks._numbers(state["goal"])
    used = set().union(*(checks._numbers(str(s["arguments"].get("code", ""))) for s in computing))
    return computing if given & used else []


def _code_answer(state: AgentState, deps: RunDeps, step: StepState) -> str:
    """The one line a computing tool printed, when that line answers the goal: a one-request
    goal (the plan is the goal) that gives the values to compute on (numbers or quoted text: a
    question about the world is no computation, whatever code the model ran), no media, nothing
    to store; "" otherwise."""
    if not deps.options.answer_from_code or not _computed_here(state, deps, step):
        return ""
    try:
        record = json.loads(step["raw"])
    except (json.JSONDecodeError, TypeError):
        return ""
    if not isinstance(record, dict) or record.get("exit_code") not in (0, None) or record.get("truncated"):
        return ""
    lines = [x.strip() for x in str(record.get("stdout", "")).splitlines() if x.strip()]
    if len(lines) != 1 or len(lines[0]) > CODE_ANSWER_CHARS:
        return ""
    line = lines[0]
    if line in _PY_BOOL and en.yes_no_question(state["goal"]):  # "Is 91 prime?" -> "No", not "False"
        return _PY_BOOL[line]
    return line


_PY_BOOL = {"True": "Yes", "False": "No"}


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
            response, usage = await _llm(runtime, context.summary_messages(previous, folded), purpose="summary",
                                         max_tokens=prompts.SUMMARY_MAX_TOKENS)
            summary = response.text.strip()
        except RunStopped:
            summary = ""  # the act node re-checks the limits; here an extractive summary will do
    if not summary or len(summary) > opts.summary_max_chars:
        summary = context.extractive_summary(previous, folded, max_chars=opts.summary_max_chars)
    return {"summary": summary, "summarized_upto": new_upto}, usage


# --- replan / stop ------------------------------------------------------------------------------
async def replan_node(state: AgentState, runtime: Runtime[RunDeps]) -> dict[str, Any]:
    """Rewrite the steps that are left, knowing what went wrong."""
    deps = runtime.context
    replans = state.get("replans", 0) + 1
    if replans > deps.options.max_replans:
        return _stopped(ReplanLimitExceeded(f"replanned {replans - 1} times without progress"))
    last = state.get("steps", [])[-1:]
    failure = f"{context.render_call(last[0]['tool'], last[0]['arguments'])}: {last[0]['check']}" if last else "no progress"
    try:
        plan, _, _, usage = await _make_plan(state, runtime, _offered(state, deps), state.get("memories", []),
                                             failure=failure)
    except RunStopped as stop:
        return _stopped(stop)
    _emit(runtime, "replan", len(state.get("steps", [])), plan=[p["text"] for p in plan], because=failure)
    return {"plan": plan, "replans": replans, "step_failures": 0, "usage": _sum(usage)}


async def answer_node(state: AgentState, runtime: Runtime[RunDeps]) -> dict[str, Any]:
    """The run stops early: report what was found so far, with the reason. Stopped by a limit
    after steps that succeeded, it first asks for an answer from them (``unverified``)."""
    deps = runtime.context
    trusted = [s for s in state.get("steps", []) if s["label"] == "ok"]
    if (trusted and state.get("stop_status") == "budget_exhausted" and deps.options.answer_when_stopped
            and _remaining(deps) > 0):
        last = await _last_answer(runtime, state, trusted)
        if last is not None:
            return last
    if trusted:
        found = "; ".join(f"{context.render_call(s['tool'], s['arguments'])} -> {s['observation'][: prompts.PREVIEW_CHARS]}"
                          for s in trusted[-3:])
        answer = f"No final answer ({state.get('stop', 'stopped')}). Found so far: {found}"
    else:
        answer = f"No answer: {state.get('stop', 'stopped')}."
    _emit(runtime, "answer", None, answer=answer, partial=True)
    plan = [PlanStep(text=p["text"], status="skipped" if p["status"] in ("pending", "active") else p["status"])
            for p in state.get("plan", [])]
    return {"answer": answer, "status": state.get("stop_status") or "failed", "reason": state.get("stop", ""), "plan": plan}


def _observations(state: AgentState, trusted: list[StepState]) -> str:
    """The trusted steps (the last few) and the recalled memories, as an answer is written from them."""
    observations = "\n".join(context.render_step(s, max_chars=prompts.REVISE_OBSERVATION_CHARS)
                             for s in trusted[-prompts.REVISE_STEPS:])
    if state.get("memories"):
        observations += f"\n{prompts.MEMORIES_HEADER}\n{prompts.memory_lines(state['memories'])}"
    return observations


async def _last_answer(runtime: Runtime[RunDeps], state: AgentState,
                       trusted: list[StepState]) -> dict[str, Any] | None:
    """One answer from the steps that succeeded, for a run a limit stopped; None when the model
    gives none. It ends ``unverified``: the limit is the reason, with what grounding found."""
    stop = state.get("stop", "stopped")
    try:
        response, usage = await _llm(runtime, prompts.last_answer_messages(goal=state["goal"], stop=stop,
                                                                         observations=_observations(state, trusted)),
                                     purpose="revise", schema=action_schema([]), max_tokens=prompts.REVISE_MAX_TOKENS)
        answer = parse_action(_reply(response), []).answer.strip()
    except (RunStopped, LLMOutputError):
        return None
    if not answer:
        return None
    result = _grounding(state, answer)
    support = ("its claims occur in the observations" if result.supported
               else f"not supported by the observations: {', '.join(result.unsupported)}")
    return _finish(runtime, state, answer, result, "answered after the run stopped", usage,
                   doubt=f"stopped: {stop}; answered from the {len(trusted)} steps that succeeded, {support}")


# --- ground -------------------------------------------------------------------------------------
def _grounding(state: AgentState, answer: str) -> checks.Grounding:
    known = " ".join([state["goal"], *state.get("assumptions", [])])
    steps = state.get("steps", [])
    # A general-knowledge question may rest on the model's knowledge only while no tool output
    # is about it (else the answer must agree with what the tools found).
    words = toolset.content_words(state["goal"])
    knowledge = goals.general_knowledge(state["goal"], has_media=bool(state.get("media"))) and not any(
        s["label"] == "ok" and words & toolset.content_words(s["raw"]) for s in steps)
    if knowledge and not _pint_agrees(state["goal"], answer):
        from sokrat.tools.code import untraced_values

        # A program for a question about the world computes from numbers the model brought
        # (150 * 1000 for "how heavy is an adult blue whale?"): its output is the model's knowledge
        # passed through code, not evidence. (A conversion pint confirms is checked already.)
        steps = [s for s in steps if not untraced_values(str(s["arguments"].get("code", "")), [known])]
    return checks.ground(answer, steps, context=known, memories=state.get("memories", []), knowledge=knowledge)


async def _revise(runtime: Runtime[RunDeps], state: AgentState, answer: str,
                  result: checks.Grounding) -> tuple[str, checks.Grounding, str, Usage]:
    """Phase 2 (only for an unsupported answer): one revision from the trusted observations;
    then keep only the supported parts, if any."""
    trusted = [s for s in state.get("steps", []) if s["label"] == "ok"]
    messages = prompts.revise_messages(goal=state["goal"], observations=_observations(state, trusted), answer=answer,
                                       unsupported=result.unsupported)
    usage = Usage()
    try:
        response, usage = await _llm(runtime, messages, purpose="revise", schema=action_schema([]),
                                     max_tokens=prompts.REVISE_MAX_TOKENS)
        answer = parse_action(_reply(response), []).answer or answer
    except (RunStopped, LLMOutputError):
        pass  # keep the first answer; it is reported unsupported below
    result = _grounding(state, answer)
    note = "grounded after one revision"
    if not result.supported:  # keep only what the observations support, and say so
        kept = checks.strip_unsupported(answer, result.unsupported)
        if kept and _grounding(state, kept).supported:
            note = f"unsupported parts removed: {', '.join(result.unsupported)}"
            answer, result = kept, _grounding(state, kept)
    return answer, result, note, usage


def _may_send_back(state: AgentState, deps: RunDeps) -> bool:
    """An answer may go back to the act node: steps and time are left (each check's own budget
    is counted in :func:`verifier.first_objection`)."""
    return len(state.get("steps", [])) < deps.limits.max_steps and _remaining(deps) > 0


def _untried_lookups(state: AgentState, deps: RunDeps) -> list[str]:
    """The offered tools that read the user's sources and were not tried in this run."""
    tried = {s["tool"] for s in state.get("steps", []) if s["check_code"] not in BLOCKED_CODES}
    return [t.name for t in _offered(state, deps) if t.looks_up and t.name not in tried]


def _view(state: AgentState, deps: RunDeps, result: checks.Grounding) -> verifier.RunView:
    return verifier.RunView(goal=state["goal"], media=tuple(state.get("media", [])), steps=tuple(state.get("steps", [])),
                            offered=tuple(_offered(state, deps)), plan=tuple(state.get("plan", [])), grounding=result,
                            instruction=state.get("instruction", ""),
                            memories=tuple(m["text"] for m in state.get("memories", [])))


async def ground_node(state: AgentState, runtime: Runtime[RunDeps]) -> dict[str, Any]:
    """The proposed answer goes through the declared answer checks (:mod:`sokrat.agents.verifier`)
    in order. The first that objects sends it back to the planner while its own budget lasts;
    once spent, a check that only asks for more work lets the answer go on, and the others end
    the run ``unverified`` with their reason. An unsupported answer is revised once before that."""
    deps = runtime.context
    answer = state.get("proposed_answer") or ""
    result = _grounding(state, answer)
    sent_back = dict(state.get("sent_back", {}))
    found = verifier.first_objection(answer, _view(state, deps, result), deps.options.answer_checks, sent_back,
                                     may_send_back=_may_send_back(state, deps))
    usage = Usage()
    note = "grounded"
    doubt = ""
    if found is not None:
        check, objection, send = found
        if send:
            sent_back[check.code] = sent_back.get(check.code, 0) + 1
            _emit(runtime, "check", len(state.get("steps", [])), label="failed", code=check.code,
                  reason=f"answer sent back: {objection.message}")
            return {"proposed_answer": None, "feedback": objection.message, "sent_back": sent_back,
                    "must_call": check.needs_tool,
                    "must_use": [t.name for t in _offered(state, deps) if check.needs is not None and check.needs(t)]}
        if check.code == "ungrounded":
            answer, result, note, usage = await _revise(runtime, state, answer, result)
            if not result.supported:
                doubt = f"ungrounded: answer not supported by the observations: {', '.join(result.unsupported)}"
        else:
            doubt = f"{check.code}: {objection.message}"
    elif deps.options.crosscheck_code:
        doubt, crossed, usage = await _crosscheck(runtime, state, answer)
        if crossed:
            note = f"{note}; {crossed}"
    return _finish(runtime, state, answer, result, note, usage, doubt=doubt)


async def _second_program(runtime: Runtime[RunDeps], state: AgentState, tool: str, *,
                          third: bool, looked_up: tuple[str, ...] = ()) -> tuple[str, str, Usage]:
    """Another program for the goal, written without seeing the first: (its code, the value it
    printed, usage); "" for the value when it wrote or printed nothing usable. It is given
    the stored facts the planner was given and ``looked_up``, the outputs the first program's
    values came from."""
    deps = runtime.context
    facts = tuple(m["text"] for m in state.get("memories", []) if m["kind"] == "fact")  # not episodes: old answers
    facts += looked_up
    response, usage = await _llm(runtime, crosscheck.messages(state["goal"], third=third, facts=facts),
                                 purpose="crosscheck",
                                 schema=crosscheck.SCHEMA, max_tokens=crosscheck.MAX_TOKENS,
                                 temperature=crosscheck.THIRD_TEMPERATURE if third else 0.0)
    code = crosscheck.with_printed_result(crosscheck.code_of(_reply(response)))
    if not code:
        return "", "", usage
    timeout = min(deps.limits.tool_timeout_s, max(_remaining(deps), 0.001))
    outcome = await deps.tools.execute(tool, {"code": code}, deps.tool_context, timeout_s=timeout)
    # a goal in parts (computed from the goal alone): the program prints a value per part
    every_line = len(state.get("plan", [])) > 1 and not looked_up
    return code, crosscheck.printed_value(outcome.observation, every_line=every_line) if outcome.ok else "", usage


def _pint_agrees(goal: str, answer: str) -> bool:
    """A unit conversion the goal asks for, whose answer states only pint's value (under some
    reading of the units) besides the goal's own numbers, or, when the goal names no target unit,
    whose answer states the goal's quantity in another unit at pint's value: pint is already a program written
    apart from the model's, so a second one from the same 1.5B checks nothing more (and, when
    it is wrong, turns a right answer ``unverified``)."""
    asked = units.conversion(goal)
    if asked is None:  # no target unit in the goal ("the other scale"): the conversion the answer states
        said = units.stated(answer)
        return (said is not None and units.of_goal_quantity(goal, said[0])
                and any(abs(said[1] - r) <= max(PINT_AGREES * abs(r), 0.0051) for r in said[0].results))
    stated = checks._numbers(answer) - checks._numbers(goal)
    return bool(stated) and all(any(abs(n - r) <= max(PINT_AGREES * abs(r), 0.0051) for r in asked.results)
                                for n in stated)


PINT_AGREES = 0.002
"""Relative difference within which an answer's number is pint's value as rounded (8.05 for
8.0467 km); looser than that, the second program still runs (the verifier's own 1% lets a
101 °C pass for 100)."""


async def _crosscheck(runtime: Runtime[RunDeps], state: AgentState, answer: str) -> tuple[str, str, Usage]:
    """An answer computed by code, against a second program written apart (and a third when
    they disagree): (the doubt that makes the run ``unverified``, or ""; a note; usage). See
    :mod:`sokrat.agents.crosscheck`."""
    deps = runtime.context
    computed = _only_computed(state, deps)
    looked_up: tuple[str, ...] = ()
    if not computed:
        computed, looked_up = _computed_after_lookup(state, deps)
    if not computed:
        computed = _computed_on_given(state, deps)
    if not computed:
        return "", "", Usage()
    tool = computed[-1]["tool"]
    if "code" not in deps.tools.get(tool).parameters.get("properties", {}):
        return "", "", Usage()
    if len(computed) == 1 and crosscheck.one_operation(str(computed[-1]["arguments"].get("code", "")),
                                                       state["goal"]):
        return "", "not cross-checked: one operation on the goal's own numbers", Usage()
    if _pint_agrees(state["goal"], answer):
        return "", "not cross-checked: pint converts the goal's quantity to the answer's value", Usage()
    usages: list[Usage] = []
    values: list[str] = []
    try:
        for third in (False, True):
            code, value, usage = await _second_program(runtime, state, tool, third=third, looked_up=looked_up)
            usages.append(usage)
            _emit(runtime, "check", len(state.get("steps", [])), label="ok" if value else "failed",
                  code="code_disagrees", reason=f"cross-check program printed {value!r}", tool=tool, program=code)
            if value and crosscheck.agrees(answer, value, state["goal"]):
                return "", f"a second program printed the same ({value!r})", sum(usages, Usage())
            if value:
                values.append(value)
    except RunStopped as stop:  # out of time or model: the checks that ran stand
        return "", f"not cross-checked ({stop})", sum(usages, Usage())
    if not values:
        return "", "not cross-checked: the second programs printed nothing usable", sum(usages, Usage())
    printed = " and ".join(repr(v) for v in values)
    return (f"code_disagrees: programs written apart for the goal printed {printed}, which the answer does not state",
            "", sum(usages, Usage()))


def _finish(runtime: Runtime[RunDeps], state: AgentState, answer: str, result: checks.Grounding, note: str,
            usage: Usage, *, doubt: str = "") -> dict[str, Any]:
    """Phase 3: the run's status, reason, evidence, and the episode for later runs. ``doubt``
    is the reason a check could not confirm the answer (the run ends ``unverified``)."""
    plan = [PlanStep(text=p["text"], status="done" if p["status"] == "active" else
                     ("skipped" if p["status"] == "pending" else p["status"]))
            for p in state.get("plan", [])]
    # A "nothing found" answer that states no value of its own (the goal's words aside) is no
    # answer, however the run got there.
    goal = state["goal"].lower()
    notes: list[str] = []
    if note != "grounded":
        notes.append(note)
    if result.unverified:
        doubt = doubt or f"from the model's own knowledge, not checked by any tool: {', '.join(result.unverified)}"
    if doubt:
        status: RunStatus = "unverified"  # shown with the reason; never reported as a success
        reason = "; ".join([doubt, *state.get("assumptions", [])])
        note = "unverified"
    elif goals.finds_nothing(answer) and not [c for c in checks.claims(answer) if c.lower() not in goal]:
        status = "no_answer"  # the sources hold nothing that answers: say so, do not guess
        reason = "the tools and memories hold nothing that answers the goal"
    else:
        status = "succeeded"
        reason = "; ".join([*state.get("assumptions", []), *notes])
        _remember_episode(runtime.context, state["goal"], answer)
    _emit(runtime, "answer", None, answer=answer, grounding=note, status=status)
    return {"answer": answer, "status": status, "reason": reason, "grounding": note, "plan": plan,
            "evidence": [e.model_dump() for e in result.evidence], "usage": _sum(usage)}


def _remember_episode(deps: RunDeps, goal: str, answer: str) -> None:
    if deps.memory is None or not deps.options.remember_episodes:
        return
    try:
        # embedded by the next search by meaning: a run that needs no embedder loads none
        deps.memory.remember(f"Goal: {goal}\nAnswer: {answer}", kind="episode", tags=("agent_run",),
                             namespace=deps.tool_context.namespace or "default", defer_embedding=True)
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
    if state.get("pending") is None:  # an answer was sent back: ask again
        return "act"
    return "check"


def after_check(state: AgentState) -> str:
    if state.get("stop"):
        return "answer"
    if state.get("proposed_answer") is not None:  # the code's output answers (answer_from_code)
        return "ground"
    if state.get("step_failures", 0) >= NO_PROGRESS_FAILURES:
        return "replan"
    return "act"


def after_replan(state: AgentState) -> str:
    return "answer" if state.get("stop") else "act"


def after_ground(state: AgentState) -> str:
    return END if state.get("status") else "act"


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
    graph.add_conditional_edges("act", after_act, ["check", "ground", "answer", "act"])
    graph.add_conditional_edges("check", after_check, ["act", "replan", "answer", "ground"])
    graph.add_conditional_edges("replan", after_replan, ["act", "answer"])
    graph.add_edge("answer", END)
    graph.add_conditional_edges("ground", after_ground, ["act", END])
    return graph


__all__ = ["RunDeps", "build_graph"]
