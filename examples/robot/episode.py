"""One episode: a scene, a goal, a policy, the agent loop; and the measured figures over many."""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sokrat.agents.loop import AgentLoop, Decision, Example, GenerativePolicy, Policy, SayCanPolicy

from .goals import Goal, goal_set, scene
from .skills import SKILLS, Robot

if TYPE_CHECKING:
    from sokrat.llm.base import ChatModel
    from sokrat.types import Event

    from .perception import Eyes

EXAMPLES: list[Example] = [
    ("put the apple in the tray", "apple (in the tray), banana (on the table)",
     [("find the apple", "ok"), ("pick up the apple", "ok"), ("put the apple in the tray", "ok")], "done"),
    ("I'm hungry, can you bring me a snack?", "banana (held), white cup (on the table)",
     [("find the banana", "ok"), ("pick up the banana", "failed: the suction cup did not hold the banana"),
      ("pick up the banana", "ok")], "bring the banana to the user"),
    ("roll the tennis ball to the right", "tennis ball (on the table), apple (on the table)",
     [("find the tennis ball", "ok")], "push the tennis ball to the right"),
    ("put the cups in the tray", "white cup (in the tray), black cup (on the table), banana (on the table)",
     [("find the white cup", "ok"), ("pick up the white cup", "ok"), ("put the white cup in the tray", "ok")],
     "pick up the black cup"),
]
"""Worked examples, about objects that are never on this table."""

POLICIES = ("saycan", "generative")
MIN_AFFORDANCE = 0.2
"""SayCan scores only skills the scene affords at least this much (re-finding a seen object,
picking an unseen one): fewer model calls, and such skills could not win anyway."""


@dataclass
class EpisodeResult:
    seed: int
    goal: str
    policy: str
    success: bool
    finished: bool
    goal_met: bool
    steps: int
    replans: int
    llm_s: float
    wall_s: float
    trace: list[str] = field(default_factory=list)


def make_policy(name: str, robot: Robot, *, scene: bool = False) -> Policy:
    """``scene``: add the line of what the robot has seen (off by default: on the one decision where it
    was tried, "all the blocks" after one block, the 1.5B model then preferred a distractor)."""
    describe = robot.describe if scene else None
    if name == "saycan":
        return SayCanPolicy(robot.candidates, examples=EXAMPLES, min_affordance=MIN_AFFORDANCE, scene=describe)
    if name == "generative":
        return GenerativePolicy(robot.candidates, examples=EXAMPLES, scene=describe)
    raise ValueError(f"unknown policy {name!r}; valid: {', '.join(POLICIES)}")


async def run_episode(
    seed: int,
    goal: Goal,
    policy: str,
    model: ChatModel,
    *,
    eyes: Eyes | None = None,
    max_steps: int = 16,
    record: Path | None = None,
    confirm: Callable[[Decision], bool] | None = None,
    on_event: Callable[[Event], None] | None = None,
    scene_line: bool = False,
) -> EpisodeResult:
    """Run ``goal`` in the scene of ``seed`` with ``policy`` until ``done`` or ``max_steps``."""
    from sokrat import Agent

    sim = scene(seed, goal)
    robot = Robot(sim, eyes)
    recorder = None
    if record is not None:
        from .record import Recorder

        recorder = Recorder(robot, record)
    agent = Agent(model=model, tools=SKILLS, memory=False)
    loop = AgentLoop(agent, make_policy(policy, robot, scene=scene_line), check=robot.check, deps={"robot": robot},
                     max_steps=max_steps, on_event=on_event,
                     confirm={"pick", "place", "push"} if confirm is not None else ())
    trace: list[str] = []
    start = time.perf_counter()
    try:
        await loop.astart(goal.text)
        while not loop.finished:
            d = await loop.astep()
            if d.status == "waiting" and confirm is not None:
                d = await loop.astep(confirm=confirm(d))
            trace.append(f"{d.text} -> {'ok' if d.status in ('ok', 'finished') else d.status + ': ' + d.check}")
            if recorder is not None:
                robot.caption = d.check.split(";")[0] if d.check else d.text
                recorder.hold(1.0)
        state = await loop.astate()
        tool_s = float(state.get("usage", {}).get("tool_time_s", 0.0))
    finally:
        if recorder is not None:
            recorder.hold(1.5)
            recorder.close()
        met = goal.met(sim)
        sim.close()
    wall = time.perf_counter() - start
    finished = state.get("finished") == "succeeded"
    return EpisodeResult(seed, goal.text, policy, finished and met, finished, met, len(state.get("steps", [])),
                         int(state.get("replans", 0)), round(wall - tool_s, 2), round(wall, 2), trace)


async def benchmark(episodes: int, model: ChatModel, *, policies: tuple[str, ...] = POLICIES, seed: int = 0,
                    eyes: Eyes | None = None, max_steps: int = 16, verbose: bool = False,
                    scene_line: bool = False) -> dict[str, Any]:
    """Each policy on the same ``episodes`` random scenes (goal i cycles through the goal set)."""
    results: dict[str, list[EpisodeResult]] = {p: [] for p in policies}
    for i in range(episodes):
        rng = random.Random(seed * 1000 + i)
        goals = goal_set(rng)
        goal = goals[i % len(goals)]
        for policy in policies:
            r = await run_episode(seed * 1000 + i, goal, policy, model, eyes=eyes, max_steps=max_steps,
                                  scene_line=scene_line)
            results[policy].append(r)
            if verbose:
                print(f"[{policy}] #{i} {'OK ' if r.success else 'FAIL'} {goal.text!r}: {' | '.join(r.trace)}",
                      file=sys.stderr, flush=True)
    return {p: summarise(rs) for p, rs in results.items()} | {"episodes_detail": {
        p: [{"goal": r.goal, "success": r.success, "steps": r.steps, "replans": r.replans} for r in rs]
        for p, rs in results.items()}}


def summarise(rs: list[EpisodeResult]) -> dict[str, Any]:
    wins = [r for r in rs if r.success]
    return {
        "episodes": len(rs),
        "success_rate": round(len(wins) / len(rs), 3) if rs else 0.0,
        "goal_met_rate": round(sum(r.goal_met for r in rs) / len(rs), 3) if rs else 0.0,
        "steps_per_success": round(statistics.mean(r.steps for r in wins), 2) if wins else None,
        "replans_per_episode": round(statistics.mean(r.replans for r in rs), 2) if rs else 0.0,
        "decision_s": round(sum(r.llm_s for r in rs) / max(1, sum(r.steps for r in rs)), 2),
        "wall_s": round(sum(r.wall_s for r in rs), 1),
    }
