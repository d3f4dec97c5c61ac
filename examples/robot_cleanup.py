"""A robot that tidies a table, SayCan-style, and a video of it you can ask questions about.

    python examples/robot_cleanup.py                                   # one episode, steps on stderr
    python examples/robot_cleanup.py --goal "bring me the duck" --record episode.mp4 \\
        --ask "where did the robot put the duck?"                      # record it, then ask the video
    python examples/robot_cleanup.py --confirm                         # approve each physical action
    python examples/robot_cleanup.py --episodes 20 --json              # SayCan vs free generation

A headless PyBullet tabletop (Kuka iiwa with a suction cup, a table, a tray, the user's mat and
random objects). The skills ``find``, ``pick``, ``place``, ``push`` and ``done`` are ordinary
Sokrat tools; the agent runs inside this script's loop through ``sokrat.agents.loop.AgentLoop``,
one decision per ``astep()``. SayCan: every candidate skill is scored by the language model's
log-likelihood (``ChatModel.ascore``) times its affordance in the scene; after each action a
check compares the scene with the action's expected effect and a failure is replanned.

The model is the project's planner (``sokrat.llm.get_chat_model``): the local default, or an
OpenAI-compatible llama.cpp server through ``SOKRAT_LLM_BASE_URL``.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import logging
import random
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _report() -> Any:
    """bench/_report.py (provenance for the JSON line), loaded by path: examples are scripts."""
    spec = importlib.util.spec_from_file_location("_report", ROOT / "bench" / "_report.py")
    if spec is None or spec.loader is None:
        raise RuntimeError("bench/_report.py is missing")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _print_event(event: Any) -> None:
    d = event.data
    if event.type == "step_started":
        top = ", ".join(f"{r['text']} {r['score']:.2f}" for r in d.get("ranking", [])[:3])
        print(f"  step {event.step}: {d['text']}   [{top}]", file=sys.stderr)
    elif event.type == "check":
        print(f"    check: {d['label']}: {d['reason']}", file=sys.stderr)


async def _ask(video: Path, question: str, model: Any) -> dict[str, Any]:
    """Video Q&A over the recorded episode, through the project's ``video_qa`` tool."""
    from sokrat import Agent
    from sokrat.tools.registry import ToolContext, ToolRegistry

    tools = ToolRegistry(Agent.default_tools())
    outcome = await tools.execute("video_qa", {"question": question, "video": str(video)},
                                  ToolContext(chat=model, media=(str(video),)))
    if not outcome.ok:
        return {"question": question, "error": outcome.error}
    return {"question": question, **outcome.output}


async def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--goal", help="what the robot should do (default: a goal from the built-in set)")
    ap.add_argument("--seed", type=int, default=0, help="scene seed")
    ap.add_argument("--policy", choices=["saycan", "generative"], default="saycan")
    ap.add_argument("--episodes", type=int, default=0, help="benchmark: N random scenes per policy")
    ap.add_argument("--json", action="store_true", help="print one JSON line on stdout")
    ap.add_argument("--save", action="store_true", help="with --episodes: keep the figures in bench/results/robot.json")
    ap.add_argument("--max-steps", type=int, default=16)
    ap.add_argument("--record", type=Path, help="write the episode as an mp4")
    ap.add_argument("--ask", action="append", default=[], help="a question about the recorded video (repeatable)")
    ap.add_argument("--confirm", action="store_true", help="ask on stdin before each physical action")
    ap.add_argument("--scene", action="store_true", help="add what the robot has seen to the prompt (Inner Monologue-style)")
    ap.add_argument("--no-eyes", action="store_true", help="skip the tagger/CLIP labels (positions still come from the camera)")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, stream=sys.stderr)

    from robot.episode import benchmark, run_episode
    from robot.goals import Goal, goal_set

    from sokrat.llm import get_chat_model
    from sokrat.settings import get_settings

    settings = get_settings()
    model = get_chat_model(settings)
    eyes = None
    if not args.no_eyes:
        from robot.perception import Eyes

        eyes = Eyes.load(settings)

    if args.episodes:
        figures = await benchmark(args.episodes, model, seed=args.seed, eyes=eyes, max_steps=args.max_steps,
                                  verbose=args.verbose or not args.json, scene_line=args.scene)
        saycan, free = figures["saycan"], figures["generative"]
        record = {
            "model": getattr(model, "name", type(model).__name__),
            "episodes": args.episodes,
            "scene_line": args.scene,
            "success_rate": saycan["success_rate"],
            "steps_per_success": saycan["steps_per_success"],
            "replans_per_episode": saycan["replans_per_episode"],
            "generative_success_rate": free["success_rate"],
            "saycan": saycan,
            "generative": free,
            "perception": {"tagger": bool(eyes and eyes.tagger), "clip": bool(eyes and eyes.clip),
                           "missing": eyes.missing if eyes else {}},
            "detail": figures["episodes_detail"],
        }
        summary = (f"robot cleanup, {args.episodes} random scenes, {record['model']}: SayCan {saycan['success_rate']:.0%} "
                   f"success ({saycan['steps_per_success']} steps/success, {saycan['replans_per_episode']} replans/episode) "
                   f"vs free generation {free['success_rate']:.0%}")
        _report().emit("robot", record, save=args.save, summary=summary) if args.json else print(summary)
        return 0

    rng = random.Random(args.seed)
    goal = goal_set(rng)[args.seed % 10] if not args.goal else None
    if args.goal:  # a free-form goal: the scene gets a bit of everything, success is not judged
        everything = (("block", "red"), ("block", "blue"), ("duck", None), ("teddy", None), ("sponge", None),
                      ("ball", "green"))
        goal = Goal(args.goal, everything, lambda sim: False)
    assert goal is not None

    def confirm(d: Any) -> bool:
        answer = input(f"robot wants to: {d.text}. OK? [Y/n] ").strip().lower()
        return answer in ("", "y", "yes")

    print(f"goal: {goal.text}", file=sys.stderr)
    result = await run_episode(args.seed, goal, args.policy, model, eyes=eyes, max_steps=args.max_steps,
                               record=args.record, confirm=confirm if args.confirm else None, on_event=_print_event,
                               scene_line=args.scene)
    out: dict[str, Any] = {"goal": goal.text, "policy": args.policy, "finished": result.finished,
                           "goal_met": result.goal_met if not args.goal else None, "steps": result.trace,
                           "replans": result.replans}
    if args.record:
        out["video"] = str(args.record)
        out["answers"] = [await _ask(args.record, q, model) for q in args.ask]
    if args.json:
        import json

        print(json.dumps(out))
    else:
        for a in out.get("answers", []):
            print(f"Q: {a['question']}\nA: {a.get('answer', a.get('error'))}")
        print(f"finished={result.finished} goal_met={out['goal_met']} steps={len(result.trace)} replans={result.replans}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
