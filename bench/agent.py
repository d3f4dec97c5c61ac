"""Planner benchmark: Sokrat's guarded graph vs a plain ReAct loop, under injected tool faults.

    python bench/agent.py --quick            # scripted policy model only (< 1 min)
    python bench/agent.py --real 8           # + the real offline planner on 8 tasks per harness

Prints ONE JSON line.

The suite: 30 multi-step tasks over deterministic tools (lookups that chain, arithmetic over a
price table, a small synthetic video log, memory recall), plus one long task (55 steps) for
the prompt-size figure. Faults are injected per tool call, seeded by (task, call number), so
both harnesses meet the same fault sequence: 8% errors, 2% hangs (cut by the tool timeout),
8% malformed outputs (empty, null, control bytes, truncated JSON), 7% misleading outputs (a
well-formed record about a different entity); 25% in all. Not injected: a wrong value for the
right entity (no check could see it without a second source; both harnesses would be fooled).

The scripted "policy" model plays an LLM that knows how to solve each task (the gold chain of
calls) but, like a real model, takes observations at face value. Exactly:
- plan calls: it lists the chain's hops; summary calls: it returns nothing (the graph then
  uses its extractive summary); judge calls: it says "ok"; revise calls: it repeats its answer.
- action calls: it reads the LAST step in the prompt. If that step's observation is an error
  ("ERROR...") or marked by a check ("CHECK FAILED/SUSPECT"), it repeats the call it made.
  Otherwise it takes the value it needs from the observation (the JSON field; if the text is
  not JSON it takes the text itself), remembers it, and makes the next hop's call with it,
  or gives the final answer after the last hop. It keeps the values it accepted (as an LLM
  keeps them in its context).
So a fault hurts unless the harness flags it: ReAct shows raw observations; the graph shows
check marks. Success = status "succeeded" and the gold value in the answer.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import json
import operator
import random
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sokrat.errors import ToolError  # noqa: E402
from sokrat.llm.base import ChatModel, ChatResponse, Message  # noqa: E402
from sokrat.settings import Settings  # noqa: E402
from sokrat.tools.registry import Tool, ToolRegistry, tool  # noqa: E402
from sokrat.types import Result, Usage  # noqa: E402

# --- the world ------------------------------------------------------------------------------
OWNERS = {"red bicycle": "alice", "blue car": "bob", "green kite": "carol", "old piano": "dave",
          "yellow boat": "erin", "silver watch": "frank", "black guitar": "grace", "white tent": "heidi",
          "brown saddle": "ivan", "orange drone": "judy"}
CITIES = {"alice": "Paris", "bob": "Rome", "carol": "Lima", "dave": "Oslo", "erin": "Cairo", "frank": "Quito",
          "grace": "Dublin", "heidi": "Vienna", "ivan": "Sofia", "judy": "Hanoi", "mallory": "Accra", "oscar": "Bern"}
POPULATION = {"Paris": 2102650, "Rome": 2755309, "Lima": 10092000, "Oslo": 709037, "Cairo": 10230350,
              "Quito": 2011388, "Dublin": 592713, "Vienna": 1982097, "Sofia": 1307439, "Hanoi": 8435700,
              "Accra": 2557000, "Bern": 134591}
PRICES = {"apple": 3, "pear": 4, "melon": 7, "plum": 2, "mango": 6, "kiwi": 5, "lemon": 1, "fig": 9}
VIDEO = [(0, "the kitchen is empty"), (10, "a dog barks at the door"), (20, "a red car drives past the window"),
         (30, "the cat jumps on the table"), (40, "a woman pours coffee"), (50, "the phone rings twice"),
         (60, "a man opens the fridge"), (70, "the lights turn off"), (80, "a child drops a spoon"),
         (90, "the cat sleeps on the sofa"), (100, "rain starts outside"), (110, "the door closes")]
MEMORIES = {"mem:101": "At the harbour I met mallory.", "mem:102": "At the library I met oscar.",
            "mem:103": "At the market I met carol.", "mem:104": "At the station I met frank.",
            "mem:105": "At the museum I met grace.", "mem:106": "At the gym I met judy."}


def _segment(t: float) -> tuple[float, str]:
    return max((s, text) for s, text in VIDEO if s <= t)


@tool
def owner_of(item: str) -> dict:
    """Who owns an item.

    Args:
        item: the item, e.g. "red bicycle".
    """
    if item not in OWNERS:
        raise ToolError(f"no item {item!r}; known items: {', '.join(OWNERS)}")
    return {"item": item, "owner": OWNERS[item]}


@tool
def city_of(person: str) -> dict:
    """The city a person lives in.

    Args:
        person: the person's name, lower case.
    """
    if person not in CITIES:
        raise ToolError(f"no person {person!r}")
    return {"person": person, "city": CITIES[person]}


@tool
def population_of(city: str) -> dict:
    """A city's population.

    Args:
        city: the city name.
    """
    if city not in POPULATION:
        raise ToolError(f"no city {city!r}")
    return {"city": city, "population": POPULATION[city]}


@tool
def price_of(fruit: str) -> dict:
    """The price of one fruit, in euros.

    Args:
        fruit: the fruit, singular, e.g. "apple".
    """
    if fruit not in PRICES:
        raise ToolError(f"no fruit {fruit!r}")
    return {"fruit": fruit, "price": PRICES[fruit]}


_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}


def _eval(node: ast.AST) -> float:
    # Hand-written on purpose: four operators over numbers, nothing else (no eval()).
    if isinstance(node, ast.Expression):
        return _eval(node.body)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return node.value
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        return _OPS[type(node.op)](_eval(node.left), _eval(node.right))
    raise ToolError("only numbers and + - * / are allowed")


@tool
def calculator(expression: str) -> dict:
    """Evaluate arithmetic with + - * /.

    Args:
        expression: e.g. "3*4+2".
    """
    try:
        value = _eval(ast.parse(expression, mode="eval"))
    except SyntaxError as e:
        raise ToolError(f"not an arithmetic expression: {expression!r}") from e
    return {"expression": expression, "result": round(value, 4)}


@tool
def video_search(query: str) -> dict:
    """Find the moment in day.mp4 that best matches a description.

    Args:
        query: what happened, e.g. "dog barks".
    """
    words = set(re.findall(r"\w+", query.lower()))
    best = max(VIDEO, key=lambda seg: len(words & set(re.findall(r"\w+", seg[1]))))
    if not words & set(re.findall(r"\w+", best[1])):
        raise ToolError(f"nothing in day.mp4 matches {query!r}")
    return {"query": query, "hits": [{"source": "day.mp4", "t_start": best[0], "t_end": best[0] + 10, "text": best[1]}]}


@tool
def video_at(t: float) -> dict:
    """What happens in day.mp4 at a time.

    Args:
        t: time in seconds.
    """
    start, text = _segment(t)
    return {"source": "day.mp4", "t_start": start, "t_end": start + 10, "text": text}


@tool
def recall(query: str) -> dict:
    """Search my memories.

    Args:
        query: what to look for, e.g. "harbour".
    """
    words = set(re.findall(r"\w+", query.lower()))
    best = max(MEMORIES.items(), key=lambda kv: len(words & set(re.findall(r"\w+", kv[1].lower()))))
    return {"query": query, "memory_id": best[0], "text": best[1]}


@tool
def read_sensor(i: int) -> dict:
    """Read one sensor.

    Args:
        i: sensor number.
    """
    return {"sensor": i, "reading": (i * 7) % 13, "unit": "mV", "note": "calibrated, nominal range, no alarms"}


TOOLS = [owner_of, city_of, population_of, price_of, calculator, video_search, video_at, recall]


# --- tasks -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Hop:
    tool: str
    args: Callable[[list[Any]], dict[str, Any]]
    """Arguments from the values accepted so far."""
    take: Callable[[Any], Any]
    """The value this hop yields, from the parsed observation."""


@dataclass(frozen=True)
class Task:
    id: str
    goal: str
    hops: tuple[Hop, ...]
    answer: Callable[[list[Any]], str]
    gold: str


def _field(name: str) -> Callable[[Any], Any]:
    return lambda obs: obs[name]


def build_tasks() -> list[Task]:
    tasks: list[Task] = []
    items = list(OWNERS)
    for item in items[:6]:  # 2 hops
        tasks.append(Task(f"city-{item}", f"In which city does the owner of the {item} live?",
                          (Hop("owner_of", lambda v, i=item: {"item": i}, _field("owner")),
                           Hop("city_of", lambda v: {"person": v[0]}, _field("city"))),
                          lambda v: f"The owner lives in {v[1]}.", CITIES[OWNERS[item]]))
    for item in items[6:10]:  # 3 hops
        city = CITIES[OWNERS[item]]
        tasks.append(Task(f"pop-{item}", f"What is the population of the city where the owner of the {item} lives?",
                          (Hop("owner_of", lambda v, i=item: {"item": i}, _field("owner")),
                           Hop("city_of", lambda v: {"person": v[0]}, _field("city")),
                           Hop("population_of", lambda v: {"city": v[1]}, _field("population"))),
                          lambda v: f"{v[2]} people live in {v[1]}.", str(POPULATION[city])))
    rng = random.Random(7)
    fruits = list(PRICES)
    for k in range(8):  # arithmetic over the price table: 3 hops
        x, y = rng.sample(fruits, 2)
        a, b = rng.randint(2, 9), rng.randint(2, 9)
        total = a * PRICES[x] + b * PRICES[y]
        tasks.append(Task(f"price-{k}", f"What do {a} {x}s and {b} {y}s cost together, in euros?",
                          (Hop("price_of", lambda v, f=x: {"fruit": f}, _field("price")),
                           Hop("price_of", lambda v, f=y: {"fruit": f}, _field("price")),
                           Hop("calculator", lambda v, a=a, b=b: {"expression": f"{a}*{v[0]}+{b}*{v[1]}"}, _field("result"))),
                          lambda v: f"They cost {v[2]} euros.", str(total)))
    events = [("dog barks", 10), ("cat jumps on the table", 30), ("woman pours coffee", 40),
              ("phone rings", 50), ("child drops a spoon", 80), ("rain starts", 100)]
    for query, start in events:  # video log: 2 hops
        after = _segment(start + 10)[1]
        tasks.append(Task(f"video-{query.split()[0]}", f"In day.mp4, what happens right after the {query}?",
                          (Hop("video_search", lambda v, q=query: {"query": q}, lambda o: o["hits"][0]["t_end"]),
                           Hop("video_at", lambda v: {"t": v[0]}, _field("text"))),
                          lambda v: f"At {v[0]} s: {v[1]}.", after))
    places = ["harbour", "library", "market", "station", "museum", "gym"]
    for place in places:  # memory recall: 2 hops
        name = re.search(r"I met (\w+)", next(t for t in MEMORIES.values() if place in t)).group(1)  # type: ignore[union-attr]
        tasks.append(Task(f"memory-{place}", f"Where does the person I met at the {place} live?",
                          (Hop("recall", lambda v, p=place: {"query": p}, lambda o: re.search(r"I met (\w+)", o["text"]).group(1)),
                           Hop("city_of", lambda v: {"person": v[0]}, _field("city"))),
                          lambda v: f"{v[0]} lives in {v[1]}.", CITIES[name]))
    return tasks


def long_task(n: int = 54) -> Task:
    hops = tuple(Hop("read_sensor", lambda v, i=i: {"i": i}, _field("reading")) for i in range(n))
    hops += (Hop("calculator", lambda v: {"expression": "+".join(str(x) for x in v)}, _field("result")),)
    return Task("long", f"Read sensors 0 to {n - 1} and give the sum of their readings.", hops,
                lambda v: f"The sum is {v[-1]}.", str(sum((i * 7) % 13 for i in range(n))))


# --- faults -------------------------------------------------------------------------------------
GARBAGE = ["", "null", "\x00\x13\x07\x1b", '{"result": ', "{}", "#@!$%^&*()_+#@!"]
FAULTS = (("error", 0.08), ("hang", 0.02), ("malformed", 0.08), ("misleading", 0.07))
OTHER_KEY = {"item": list(OWNERS), "person": list(CITIES), "city": list(POPULATION), "fruit": list(PRICES),
             "query": ["kitchen empty", "lights turn off", "door closes", "harbour", "gym"], "t": [0.0, 70.0, 110.0],
             "expression": ["1+1", "9*9"]}


class FaultyTools:
    """Wraps tools so call number n of a run meets the fault drawn from (seed, task, n)."""

    def __init__(self, tools: Sequence[Tool], *, seed: int, task_id: str, rate_scale: float = 1.0) -> None:
        self.calls = 0
        self.injected: list[str] = []
        self.registry = ToolRegistry([self._wrap(t, seed, task_id, rate_scale) for t in tools])

    def _draw(self, seed: int, task_id: str, n: int, scale: float) -> str:
        u = random.Random(f"{seed}/{task_id}/{n}").random()
        acc = 0.0
        for kind, p in FAULTS:
            acc += p * scale
            if u < acc:
                return kind
        return ""

    def _wrap(self, t: Tool, seed: int, task_id: str, scale: float) -> Tool:
        async def call(**kwargs: Any) -> Any:
            n = self.calls
            self.calls += 1
            fault = self._draw(seed, task_id, n, scale)
            self.injected.append(fault)
            rng = random.Random(f"{seed}/{task_id}/{n}/detail")
            if fault == "error":
                raise ToolError("service temporarily unavailable")
            if fault == "hang":
                await asyncio.sleep(30)
            if fault == "malformed":
                return rng.choice(GARBAGE)
            if fault == "misleading":
                key, value = next(iter(kwargs.items()))
                others = [o for o in OTHER_KEY.get(key, []) if o != value]
                for other in rng.sample(others, len(others)):
                    try:
                        return t.fn(**{**kwargs, key: other})
                    except ToolError:
                        continue
            return t.fn(**kwargs)

        call.__name__ = t.name
        return Tool(name=t.name, description=t.description, parameters=t.parameters, fn=call,
                    args_model=t.args_model, context_param=None)


# --- the scripted policy model ------------------------------------------------------------------
_STEP = re.compile(r"^Step (\d+)(?: \[(\w+):[^\n]*?\])?: (\w+|\(invalid action\))\((.*)\)\n  -> (.*)$", re.M)


class PolicyModel(ChatModel):
    """Plays an LLM that knows each task's chain and believes what it reads (see module doc)."""

    name = "policy"

    def __init__(self) -> None:
        self.task: Task | None = None
        self.values: list[Any] = []
        self.act_prompt_tokens: list[int] = []

    def start(self, task: Task) -> None:
        self.task, self.values, self.act_prompt_tokens = task, [], []

    @property
    def context_length(self) -> int:
        return 32768

    def count_tokens(self, messages: Sequence[Message] | str) -> int:
        # Whitespace tokens, like ScriptedChatModel (a ratio is reported, not absolute tokens).
        if isinstance(messages, str):
            return len(messages.split())
        return sum(len(m.content.split()) + 4 for m in messages)

    def _call(self, hop: int) -> dict[str, Any]:
        assert self.task is not None
        if hop >= len(self.task.hops):
            return {"tool": "final_answer", "arguments": {"answer": self.task.answer(self.values)}}
        h = self.task.hops[hop]
        return {"tool": h.tool, "arguments": h.args(self.values)}

    def _act(self, prompt: str) -> dict[str, Any]:
        assert self.task is not None
        steps = _STEP.findall(prompt)
        if not steps:
            return self._call(len(self.values))
        _, mark, _, _, observation = steps[-1]
        hop = len(self.values)
        flagged = mark in ("failed", "suspect") or observation.startswith(("ERROR", "CHECK FAILED", "CHECK SUSPECT"))
        if flagged or hop >= len(self.task.hops):
            return self._call(hop)  # repeat the call it made
        try:
            value = self.task.hops[hop].take(json.loads(observation))
        except (ValueError, KeyError, TypeError, IndexError, AttributeError):
            value = observation.strip()[:40]  # not what it expected: takes the text as the value
        self.values.append(value)
        return self._call(hop + 1)

    async def agenerate(self, messages: Sequence[Message], *, json_schema: dict[str, Any] | None = None,
                        max_tokens: int | None = None, temperature: float = 0.0) -> ChatResponse:
        assert self.task is not None
        system, user = messages[0].content, messages[-1].content
        if system.startswith("You plan"):
            reply: Any = {"steps": [f"call {h.tool}" for h in self.task.hops][:6]}
        elif system.startswith("You check"):
            reply = {"label": "ok", "reason": "looks fine"}
        elif system.startswith("You keep a short running summary"):
            reply = ""
        elif "Trusted observations" in user:
            reply = {"tool": "final_answer", "arguments": {"answer": self.task.answer(self.values)}}
        else:
            reply = self._act(user)
            self.act_prompt_tokens.append(self.count_tokens(messages))
        text = reply if isinstance(reply, str) else json.dumps(reply)
        usage = Usage(prompt_tokens=self.count_tokens(messages), completion_tokens=self.count_tokens(text), llm_calls=1)
        return ChatResponse(text=text, parsed=None if isinstance(reply, str) else reply, usage=usage)


# --- running -----------------------------------------------------------------------------------
def _norm(s: str) -> str:
    return " ".join(re.sub(r"[^\w.]", " ", s.lower()).split())


def solved(task: Task, result: Result) -> bool:
    return result.status == "succeeded" and _norm(task.gold) in _norm(result.answer)


async def run_one(harness: str, task: Task, model: ChatModel, tools: ToolRegistry, settings: Settings) -> Result:
    from langgraph.checkpoint.memory import InMemorySaver

    from sokrat.agents import Agent
    from sokrat.agents.react import run_react

    if harness == "react":
        return await run_react(task.goal, model=model, tools=tools, settings=settings)
    agent = Agent(model=model, memory=False, tools=list(tools), settings=settings, checkpointer=InMemorySaver())
    return await agent.arun(task.goal)


async def suite(model_for: Callable[[Task], ChatModel], tasks: Sequence[Task], settings: Settings, *,
                seed: int, scale: float) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for harness in ("graph", "react"):
        wins, steps_ok, calls, statuses = 0, 0, 0, {}
        for task in tasks:
            model = model_for(task)
            tools = FaultyTools(TOOLS, seed=seed, task_id=task.id, rate_scale=scale)
            result = await run_one(harness, task, model, tools.registry, settings)
            ok = solved(task, result)
            wins += ok
            steps_ok += len(result.steps) if ok else 0
            calls += result.usage.llm_calls
            statuses[result.status] = statuses.get(result.status, 0) + 1
        out[harness] = {"success_rate": round(wins / len(tasks), 3),
                        "steps_per_success": round(steps_ok / wins, 2) if wins else None,
                        "llm_calls_per_task": round(calls / len(tasks), 2), "statuses": statuses}
    out["delta_points"] = round(100 * (out["graph"]["success_rate"] - out["react"]["success_rate"]), 1)
    return out


async def token_growth(settings: Settings) -> dict[str, Any]:
    task = long_task()
    out: dict[str, Any] = {}
    for harness in ("graph", "react"):
        policy = PolicyModel()
        policy.start(task)
        result = await run_one(harness, task, policy, ToolRegistry([read_sensor, calculator]), settings)
        p = policy.act_prompt_tokens
        out[harness] = {"step5": p[4], "step50": p[49], "ratio": round(p[49] / p[4], 2), "steps": len(result.steps),
                        "solved": solved(task, result)}
    out["unit"] = "whitespace tokens of the act prompt, scripted model, 55-step task, no faults"
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="scripted model only")
    parser.add_argument("--real", type=int, default=0, help="tasks per harness for the real offline planner")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fault-scale", type=float, default=1.0, help="multiply the fault rates")
    args = parser.parse_args()
    t0 = time.perf_counter()
    settings = Settings(max_steps=12, tool_timeout_s=0.2, max_wall_s=300, data_dir=Path("/tmp/sokrat-bench"))
    tasks = build_tasks()

    def scripted(task: Task) -> ChatModel:
        policy = PolicyModel()
        policy.start(task)
        return policy

    line: dict[str, Any] = {
        "bench": "agent", "tasks": len(tasks), "seed": args.seed,
        "fault_rate": round(sum(p for _, p in FAULTS) * args.fault_scale, 3),
        "scripted": asyncio.run(suite(scripted, tasks, settings, seed=args.seed, scale=args.fault_scale)),
        "scripted_no_faults": asyncio.run(suite(scripted, tasks, settings, seed=args.seed, scale=0.0)),
        "prompt_tokens_per_step": asyncio.run(token_growth(Settings(max_steps=60, max_wall_s=300,
                                                                    data_dir=Path("/tmp/sokrat-bench")))),
    }
    if args.real and not args.quick:
        from sokrat.llm import get_chat_model

        real = get_chat_model(Settings())
        sample = tasks[:: max(1, len(tasks) // args.real)][: args.real]
        real_settings = Settings(max_steps=8, tool_timeout_s=0.2, max_wall_s=600, max_consecutive_failures=3,
                                 max_total_failures=5, data_dir=Path("/tmp/sokrat-bench"))
        line["real"] = {"model": getattr(real, "name", "planner"), "sample": [t.id for t in sample],
                        **asyncio.run(suite(lambda t: real, sample, real_settings, seed=args.seed, scale=args.fault_scale))}
    line["wall_s"] = round(time.perf_counter() - t0, 1)
    print(json.dumps(line))


if __name__ == "__main__":
    main()
