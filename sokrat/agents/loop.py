"""Run an agent inside someone else's loop (a robot's control loop): one decision per step.

    loop = AgentLoop(agent, SayCanPolicy(candidates), confirm={"pick", "place"}, on_event=log)
    await loop.astart("put all the blocks in the tray")
    while not loop.finished:
        decision = await loop.astep()               # choose, (confirm), act, check: one skill
        if decision.status == "waiting":            # a physical action waits for a human
            decision = await loop.astep(confirm=ask_operator(decision))
        robot.render()                              # the caller's own work between decisions
    print(loop.result())

Each :meth:`AgentLoop.astep` runs a small LangGraph graph once on the loop's thread:

    START -> decide -> [confirm] -> act -> check -> END

``decide`` asks the :class:`Policy` for the next skill: :class:`SayCanPolicy` scores every
candidate skill by the language model's log-likelihood and multiplies by its affordance (what
the scene allows), :class:`GenerativePolicy` lets the model write the step and maps it onto the
nearest candidate (the free-generation baseline). ``confirm`` pauses with a LangGraph
``interrupt`` before a tool in ``confirm`` runs; the next ``astep(confirm=...)`` resumes it.
``act`` runs the tool through the agent's :class:`~sokrat.tools.registry.ToolRegistry` (async
tools are awaited on the caller's loop, sync ones run in a thread). ``check`` asks the caller's
``check`` hook whether the scene shows the expected effect; anything but ``ok`` is a replan: the
next decision sees the failure in its history and the scene as it now is. The state is
checkpointed per thread, so a loop survives its process with a durable checkpointer.
"""

from __future__ import annotations

import inspect
import math
import operator
import re
import uuid
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, Literal, Protocol, TypedDict

from sokrat.agents.checks import Verdict
from sokrat.errors import SokratError
from sokrat.llm.base import ChatModel, Message
from sokrat.tools.registry import ToolContext, ToolOutcome
from sokrat.types import Event, EventType, Result, StepRecord, Usage

if TYPE_CHECKING:
    from sokrat.agents.agent import Agent

DecisionStatus = Literal["ok", "suspect", "failed", "waiting", "declined", "finished"]


@dataclass(frozen=True)
class Candidate:
    """One skill the robot could run now, in words for the model and as a tool call."""

    text: str
    """The step in plain words, scored by the model: "pick up the red block"."""
    tool: str
    arguments: dict[str, Any] = field(default_factory=dict)
    affordance: float = 1.0
    """0..1: how likely the skill succeeds in the scene as it is (reachable, graspable, held)."""


@dataclass(frozen=True)
class Scored:
    """A candidate with its scores (``lm`` is the model's probability among the candidates)."""

    candidate: Candidate
    lm: float
    combined: float


@dataclass(frozen=True)
class Choice:
    """What a policy picked, with the ranking it picked from (best first)."""

    candidate: Candidate
    ranking: tuple[Scored, ...] = ()
    usage: Usage = field(default_factory=Usage)
    generated: str = ""
    """The model's own words (generative policy)."""


@dataclass(frozen=True)
class Step:
    """One finished decision, as later decisions see it."""

    text: str
    tool: str
    arguments: dict[str, Any]
    label: str
    """The check's verdict: ok, suspect or failed."""
    observation: str
    check: str


@dataclass(frozen=True)
class StepView:
    """What a policy sees: the goal and the steps so far (oldest first)."""

    goal: str
    steps: tuple[Step, ...]


class Policy(Protocol):
    async def choose(self, view: StepView, model: ChatModel) -> Choice: ...


CandidateFn = Callable[[StepView], Sequence[Candidate]]
CheckFn = Callable[["Decision", ToolOutcome], "Verdict | Awaitable[Verdict]"]
EventFn = Callable[[Event], "None | Awaitable[None]"]


@dataclass(frozen=True)
class Decision:
    """The outcome of one :meth:`AgentLoop.astep`."""

    index: int
    text: str
    tool: str
    arguments: dict[str, Any]
    status: DecisionStatus
    observation: str = ""
    check: str = ""
    ranking: tuple[Scored, ...] = ()


# --- prompts --------------------------------------------------------------------------------------
ROBOT_SYSTEM = (
    "You plan for a robot arm at a table. Given a task and the steps done so far, say the single "
    "next step, as a short phrase. Say \"done\" when the task is complete."
)

Example = tuple[str, str, Sequence[tuple[str, str]], str]
"""A worked example: (task, what is seen ("" for no scene line), [(step, verdict), ...], the next step)."""

SceneFn = Callable[["StepView"], str]
"""What the robot has perceived, in words ("red block (in the tray), duck (on the table)"): the
scene line of the prompt, as Inner Monologue adds it to SayCan. The model then knows what is left."""


def history_text(steps: Sequence[tuple[str, str]]) -> str:
    """Steps so far, one line each: ``1. pick up the cup -> ok``."""
    return "\n".join(f"{i}. {text} -> {verdict}" for i, (text, verdict) in enumerate(steps, 1)) or "(none yet)"


def _ask(goal: str, scene: str, steps: Sequence[tuple[str, str]]) -> str:
    seen = f"Seen: {scene}\n" if scene else ""
    return f"Task: {goal}\n{seen}Steps so far:\n{history_text(steps)}\nNext step?"


def verdict_text(step: Step) -> str:
    """How a step's check reads in the history (a suspect step did its job, with a side effect)."""
    if step.label == "ok":
        return "ok"
    if step.label == "suspect":
        return f"ok, but {step.check.split(', but ', 1)[-1][:160]}"
    return f"failed: {step.check[:160]}"


def step_messages(view: StepView, *, examples: Sequence[Example] = (), system: str = ROBOT_SYSTEM,
                  scene: str = "") -> list[Message]:
    """The prompt both policies share: the robot, worked examples as earlier turns, the task,
    what is seen (when given) and the steps so far. The reply (scored or generated) is the next step."""
    messages = [Message("system", system)]
    for goal, seen, steps, answer in examples:
        messages += [Message("user", _ask(goal, seen if scene else "", steps)), Message("assistant", answer)]
    messages.append(Message("user", _ask(view.goal, scene, [(s.text, verdict_text(s)) for s in view.steps])))
    return messages


# --- policies ---------------------------------------------------------------------------------------
@dataclass
class SayCanPolicy:
    """SayCan: p_LM(skill | task, history) x affordance(skill | scene), highest wins.

    The model's log-likelihood of each candidate's words as the reply (a softmax over the
    candidates makes it a probability), never free generation. Candidates with affordance 0
    cannot win and are not scored.
    """

    candidates: CandidateFn
    examples: Sequence[Example] = ()
    """Worked examples, shown to the model as earlier turns."""
    length_normalise: bool = False
    """Score by mean log-prob per token instead of the sequence's total."""
    min_affordance: float = 0.0
    """Candidates at or below this affordance are not scored (they cannot run reliably)."""
    system: str = ROBOT_SYSTEM
    """What the model is told it is."""
    scene: SceneFn | None = None
    """The scene line (what has been seen and where); None: the prompt has none (plain SayCan)."""

    async def choose(self, view: StepView, model: ChatModel) -> Choice:
        options = [c for c in self.candidates(view) if c.affordance > self.min_affordance]
        if not options:
            raise ValueError("no candidate skill is possible in this scene")
        messages = step_messages(view, examples=self.examples, system=self.system,
                                 scene=self.scene(view) if self.scene else "")
        scores = await model.ascore(messages, [c.text for c in options], purpose="saycan")
        logps = [s.mean_logprob if self.length_normalise else s.logprob for s in scores]
        top = max(logps)
        weights = [math.exp(lp - top) for lp in logps]
        total = sum(weights)
        ranked = sorted(
            (Scored(c, w / total, (w / total) * c.affordance) for c, w in zip(options, weights, strict=True)),
            key=lambda s: -s.combined,
        )
        usage = Usage(prompt_tokens=model.count_tokens(messages) + sum(s.n_tokens for s in scores), llm_calls=1)
        return Choice(ranked[0].candidate, tuple(ranked), usage)


@dataclass
class GenerativePolicy:
    """The free-generation baseline: the model writes the next step; it is mapped onto the
    candidate whose words overlap it most (no affordance: the model alone decides)."""

    candidates: CandidateFn
    examples: Sequence[Example] = ()
    max_tokens: int = 24
    system: str = ROBOT_SYSTEM
    scene: SceneFn | None = None

    async def choose(self, view: StepView, model: ChatModel) -> Choice:
        options = list(self.candidates(view))
        if not options:
            raise ValueError("no candidate skill")
        messages = step_messages(view, examples=self.examples, system=self.system,
                                 scene=self.scene(view) if self.scene else "")
        response = await model.agenerate(messages,
                                         max_tokens=self.max_tokens,
                                         purpose="act")
        text = response.text.strip().splitlines()[0] if response.text.strip() else ""
        text = re.sub(r"^\s*\d+[.)]\s*", "", text)
        ranked = sorted((Scored(c, _overlap(text, c.text), _overlap(text, c.text)) for c in options),
                        key=lambda s: -s.combined)
        return Choice(ranked[0].candidate, tuple(ranked), response.usage, generated=text)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _overlap(a: str, b: str) -> float:
    """Word-overlap F1 between two phrases (order-free; "the" and "a" ignored)."""
    stop = {"the", "a", "an", "to", "it", "of"}
    wa, wb = [w for w in _words(a) if w not in stop], [w for w in _words(b) if w not in stop]
    if not wa or not wb:
        return 0.0
    common = sum(min(wa.count(w), wb.count(w)) for w in set(wb))
    if common == 0:
        return 0.0
    p, r = common / len(wa), common / len(wb)
    return 2 * p * r / (p + r)


# --- the graph ---------------------------------------------------------------------------------------
def _add_usage(left: dict[str, Any] | None, right: dict[str, Any] | None) -> dict[str, Any]:
    return (Usage(**(left or {})) + Usage(**(right or {}))).model_dump()


class LoopState(TypedDict, total=False):
    goal: str
    tick: int
    steps: Annotated[list[dict[str, Any]], operator.add]
    pending: dict[str, Any] | None
    replans: int
    finished: str
    """Empty while running; else the run's status."""
    reason: str
    """Why a run ended without its finish tool (the model failed)."""
    usage: Annotated[dict[str, Any], _add_usage]


@dataclass(frozen=True)
class _Deps:
    loop: AgentLoop


def _emit(runtime: Any, type_: EventType, step: int | None = None, **data: Any) -> None:
    runtime.stream_writer(Event(type=type_, step=step, data=data))


def _view_steps(state: LoopState) -> tuple[Step, ...]:
    return tuple(Step(s["text"], s["tool"], s["arguments"], s["label"], s["observation"], s["check"])
                 for s in state.get("steps", []))


async def _decide(state: LoopState, runtime: Any) -> dict[str, Any]:
    loop: AgentLoop = runtime.context.loop
    steps = _view_steps(state)
    index = len(steps)
    try:
        choice = await loop.policy.choose(StepView(state["goal"], steps), loop.agent.model)
    except SokratError as e:  # the model is gone or unusable: the run ends with the reason, the caller lives on
        _emit(runtime, "error", index, message=f"no decision: {e}")
        return {"pending": None, "finished": "failed", "reason": f"no decision: {e}"}
    c = choice.candidate
    ranking = [{"text": s.candidate.text, "lm": round(s.lm, 4), "affordance": round(s.candidate.affordance, 3),
                "score": round(s.combined, 4)} for s in choice.ranking[:5]]
    _emit(runtime, "step_started", index, text=c.text, tool=c.tool, arguments=c.arguments, ranking=ranking,
          generated=choice.generated)
    pending = {"text": c.text, "tool": c.tool, "arguments": dict(c.arguments), "ranking": ranking,
               "confirm": loop.needs_confirmation(c)}
    if pending["confirm"]:
        _emit(runtime, "confirm", index, text=c.text, tool=c.tool, arguments=c.arguments)
    return {"pending": pending, "usage": choice.usage.model_dump()}


def _confirm(state: LoopState) -> dict[str, Any]:
    from langgraph.types import interrupt

    pending = dict(state.get("pending") or {})
    reply = interrupt({"confirm": pending.get("text"), "tool": pending.get("tool"), "arguments": pending.get("arguments")})
    pending["confirm"] = False
    pending["declined"] = not reply
    return {"pending": pending}


async def _act(state: LoopState, runtime: Any) -> dict[str, Any]:
    loop: AgentLoop = runtime.context.loop
    pending = dict(state.get("pending") or {})
    index = len(state.get("steps", []))
    if pending.get("declined"):
        outcome = ToolOutcome(pending["tool"], pending["arguments"], ok=False, error="declined by the operator")
    else:
        _emit(runtime, "tool_called", index, tool=pending["tool"], arguments=pending["arguments"])
        outcome = await loop.agent.tools.execute(pending["tool"], pending["arguments"], loop.tool_context,
                                                 timeout_s=loop.agent.settings.tool_timeout_s)
        _emit(runtime, "tool_result", index, tool=pending["tool"], ok=outcome.ok, preview=outcome.observation[:200],
              duration_s=round(outcome.duration_s, 3))
    pending["outcome"] = {"ok": outcome.ok, "output": outcome.observation, "duration_s": outcome.duration_s}
    return {"pending": pending, "usage": Usage(tool_time_s=outcome.duration_s).model_dump()}


async def _check(state: LoopState, runtime: Any) -> dict[str, Any]:
    loop: AgentLoop = runtime.context.loop
    pending = dict(state.get("pending") or {})
    index = len(state.get("steps", []))
    result = pending["outcome"]
    outcome = ToolOutcome(pending["tool"], pending["arguments"], ok=result["ok"],
                          output=result["output"] if result["ok"] else None,
                          error=None if result["ok"] else result["output"].removeprefix("ERROR: "),
                          duration_s=result["duration_s"])
    decision = Decision(index, pending["text"], pending["tool"], pending["arguments"], "ok", result["output"])
    if pending.get("declined"):
        verdict = Verdict("failed", "the operator declined this action", "choose another step")
    elif loop.check is not None:
        judged = loop.check(decision, outcome)
        verdict = await judged if inspect.isawaitable(judged) else judged
    else:
        verdict = Verdict("ok", "the tool succeeded") if outcome.ok else Verdict("failed", outcome.error or "failed")
    _emit(runtime, "check", index, label=verdict.label, reason=verdict.reason, tool=pending["tool"])
    record = {"index": index, "text": pending["text"], "tool": pending["tool"], "arguments": pending["arguments"],
              "observation": result["output"][:2000], "ok": verdict.label == "ok", "label": verdict.label,
              "check": verdict.reason + (f"; {verdict.hint}" if verdict.hint else "")}
    update: dict[str, Any] = {"steps": [record], "pending": None}
    if verdict.label != "ok":
        update["replans"] = state.get("replans", 0) + 1
        _emit(runtime, "replan", index, because=verdict.reason)
    if pending["tool"] == loop.finish_tool and verdict.label == "ok":
        update["finished"] = "succeeded"
    elif index + 1 >= loop.max_steps:
        update["finished"] = "budget_exhausted"
    return update


def _after_decide(state: LoopState) -> str:
    pending = state.get("pending")
    if pending is None:
        return "__end__"
    return "confirm" if pending.get("confirm") else "act"


def build_loop_graph() -> Any:
    """The per-step graph (uncompiled)."""
    from langgraph.graph import END, START, StateGraph

    graph = StateGraph(LoopState, context_schema=_Deps)
    graph.add_node("decide", _decide)
    graph.add_node("confirm", _confirm)
    graph.add_node("act", _act)
    graph.add_node("check", _check)
    graph.add_edge(START, "decide")
    graph.add_conditional_edges("decide", _after_decide, ["confirm", "act", END])
    graph.add_edge("confirm", "act")
    graph.add_edge("act", "check")
    graph.add_edge("check", END)
    return graph


class AgentLoop:
    """An agent's model and tools, driven one decision at a time by the caller's loop."""

    def __init__(
        self,
        agent: Agent,
        policy: Policy,
        *,
        on_event: EventFn | None = None,
        confirm: Collection[str] | Callable[[Candidate], bool] = (),
        check: CheckFn | None = None,
        finish_tool: str = "done",
        max_steps: int | None = None,
        deps: dict[str, Any] | None = None,
        checkpointer: Any = None,
        thread_id: str | None = None,
    ) -> None:
        """
        Args:
            agent: supplies the model (``agent.model``), the tools and the settings.
            policy: how the next skill is chosen (:class:`SayCanPolicy`, :class:`GenerativePolicy`).
            on_event: called with every :class:`~sokrat.types.Event` (sync or async).
            confirm: tool names (or a predicate on the candidate) that wait for a human's yes.
            check: compares the scene with the action's expected effect; default: the tool's own ok.
            finish_tool: the tool that ends the run when it succeeds.
            max_steps: decisions before the run stops as ``budget_exhausted`` (default: settings).
            deps: handed to tools as ``ToolContext.deps`` (e.g. ``{"robot": robot}``).
            checkpointer: a LangGraph checkpointer (default in-memory).
            thread_id: names the run in the checkpointer (default: a fresh id per :meth:`astart`).
        """
        self.agent = agent
        self.policy = policy
        self.on_event = on_event
        self._confirm = confirm
        self.check = check
        self.finish_tool = finish_tool
        self.max_steps = max_steps or agent.settings.max_steps
        self.deps = dict(deps or {})
        self.tool_context = ToolContext(settings=agent.settings, deps=self.deps)
        if checkpointer is None:
            from langgraph.checkpoint.memory import InMemorySaver

            checkpointer = InMemorySaver()
        self._graph = build_loop_graph().compile(checkpointer=checkpointer)
        self._thread = thread_id
        self._tick = 0
        self._waiting = False
        self._finished = ""

    def needs_confirmation(self, candidate: Candidate) -> bool:
        if callable(self._confirm):
            return bool(self._confirm(candidate))
        return candidate.tool in self._confirm

    @property
    def _config(self) -> dict[str, Any]:
        if self._thread is None:
            raise RuntimeError("call astart(goal) first")
        return {"configurable": {"thread_id": self._thread}}

    async def _notify(self, event: Event) -> None:
        if self.on_event is not None:
            out = self.on_event(event)
            if inspect.isawaitable(out):
                await out

    async def astart(self, goal: str, *, thread_id: str | None = None) -> None:
        """Begin a run (no decision is made yet)."""
        if not goal.strip():
            raise ValueError("empty goal: say what the robot should do")
        self._thread = thread_id or self._thread or f"loop-{uuid.uuid4().hex}"
        self._tick, self._waiting, self._finished = 0, False, ""
        self.tool_context = ToolContext(settings=self.agent.settings, chat=self.agent.model, run_id=self._thread,
                                        deps=self.deps)
        await self._graph.aupdate_state(self._config, {"goal": goal.strip(), "tick": 0, "replans": 0, "finished": "", "reason": ""},
                                        as_node="check")
        await self._notify(Event(type="run_started", data={"goal": goal[:500], "thread_id": self._thread}))

    async def astep(self, *, confirm: bool | None = None) -> Decision:
        """Make one decision and carry it out; returns the :class:`Decision`.

        When the chosen tool needs confirmation the step stops before acting with status
        ``waiting``; call ``astep(confirm=True)`` to run it or ``confirm=False`` to decline (the
        next decision then sees the refusal).
        """
        from langgraph.types import Command

        state = (await self._graph.aget_state(self._config)).values
        if state.get("finished"):
            raise RuntimeError(f"the run has finished ({state['finished']}); call astart() for a new goal")
        if self._waiting:
            if confirm is None:
                raise RuntimeError("a confirmation is pending: call astep(confirm=True or False)")
            graph_input: Any = Command(resume=bool(confirm))
        else:
            self._tick += 1
            graph_input = {"tick": self._tick}
        async for chunk in self._graph.astream(graph_input, self._config, context=_Deps(self), stream_mode="custom",
                                              durability="sync"):
            if isinstance(chunk, Event):
                await self._notify(chunk)
        snapshot = await self._graph.aget_state(self._config)
        values = snapshot.values
        self._waiting = bool(snapshot.next)
        if self._waiting:
            p = values["pending"]
            return Decision(len(values.get("steps", [])), p["text"], p["tool"], p["arguments"], "waiting",
                            ranking=_ranking(p))
        self._finished = values.get("finished", "")
        if values.get("reason") and self._finished == "failed":
            await self._notify(Event.done(self.result(values)))
            return Decision(len(values.get("steps", [])), "", "", {}, "failed", check=values["reason"])
        last = values["steps"][-1]
        status: DecisionStatus = "ok" if last["ok"] else "failed"
        if self._finished:
            status = "finished" if self._finished == "succeeded" else status
            await self._notify(Event.done(self.result(values)))
        elif "declined by the operator" in last["observation"]:
            status = "declined"
        return Decision(last["index"], last["text"], last["tool"], last["arguments"], status,
                        last["observation"], last["check"])

    async def arun(self, goal: str) -> Result:
        """Step until the run finishes (confirmations are refused: use :meth:`astep` to answer them)."""
        await self.astart(goal)
        while not self.finished:
            d = await self.astep()
            if d.status == "waiting":
                await self.astep(confirm=False)
        return self.result(await self.astate())

    @property
    def finished(self) -> bool:
        """True once the finish tool succeeded or the step budget ran out."""
        return bool(self._finished)

    async def astate(self) -> dict[str, Any]:
        """The checkpointed state: goal, steps, replans, usage, finished."""
        return dict((await self._graph.aget_state(self._config)).values)

    def result(self, values: dict[str, Any] | None = None) -> Result:
        """The run as a :class:`~sokrat.types.Result` (status ``failed`` while unfinished)."""
        if values is None:
            from sokrat._async import run_sync

            values = run_sync(self.astate())
        steps = [StepRecord(**s) for s in values.get("steps", [])]
        finished = values.get("finished") or ""
        answer = "; ".join(s["text"] for s in values.get("steps", []) if s["ok"])
        status: Any = finished if finished in ("succeeded", "budget_exhausted") else "failed"
        reason = "; ".join(r for r in (values.get("reason", ""), f"{values.get('replans', 0)} replans") if r)
        return Result(answer=answer, steps=steps, usage=Usage(**values.get("usage", {})), status=status, reason=reason)

    # --- sync wrappers -------------------------------------------------------------------------
    def start(self, goal: str, *, thread_id: str | None = None) -> None:
        from sokrat._async import run_sync

        run_sync(self.astart(goal, thread_id=thread_id))

    def step(self, *, confirm: bool | None = None) -> Decision:
        """Sync form of :meth:`astep`."""
        from sokrat._async import run_sync

        return run_sync(self.astep(confirm=confirm))


def _ranking(pending: dict[str, Any]) -> tuple[Scored, ...]:
    return tuple(Scored(Candidate(r["text"], "", {}, r["affordance"]), r["lm"], r["score"]) for r in pending.get("ranking", []))


__all__ = ["ROBOT_SYSTEM", "AgentLoop", "Candidate", "Choice", "Decision", "Example", "GenerativePolicy", "Policy",
           "SayCanPolicy", "SceneFn", "Scored", "Step", "StepView", "build_loop_graph", "step_messages"]
