"""Offline planner benchmark: load times, token speeds, and how often actions are valid.

Prints ONE JSON line on stdout (progress on stderr):
- ``cold_convert_s``: GGUF pack -> bf16 safetensors conversion into a temp cache dir;
  ``cold_first_load_s``: loading that fresh copy;
- ``cached_load_s``: resolve + load from the real cache in this process;
  ``cached_load_process_s``: the same in a fresh process, imports included;
- ``prompt_tok_s`` / ``gen_tok_s``: prefill and greedy decoding speeds;
- ``valid_rate_constrained`` vs ``valid_rate_free``: share of planning prompts whose reply is a
  JSON action that conforms to the action schema (tool exists, arguments valid), with the
  xgrammar constraint and without it (free text parsed like a plain parser would: the first
  JSON object in the reply), same prompts, same run. ``tool_match_rate_*`` is the share whose
  tool is the one the goal plainly calls for (a rough planning-quality figure).

Usage: ``python bench/llm.py [--n 50] [--skip-cold]``
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sokrat.errors import LLMOutputError
from sokrat.llm.base import Message
from sokrat.llm.local import LocalChatModel
from sokrat.llm.structured import action_schema, first_json_object, parse_action, validate_json
from sokrat.models import resolve
from sokrat.settings import Settings
from sokrat.tools import ToolRegistry, tool


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# --- ten tools with varied argument shapes --------------------------------------------------------
@tool
def video_search(video: str, query: str, top_k: int = 5) -> list:
    """Find the moments of a video that match a text description.

    Args:
        video: the video file.
        query: what to look for, in words.
        top_k: how many moments to return.
    """
    return []


@tool
def transcribe(path: str, start_s: float = 0.0, end_s: float | None = None) -> str:
    """Transcribe the speech in an audio or video file.

    Args:
        path: the media file.
        start_s: where to start, in seconds.
        end_s: where to stop, in seconds (default: the end).
    """
    return ""


@tool
def calculator(expression: str) -> str:
    """Evaluate an arithmetic expression exactly.

    Args:
        expression: the expression, e.g. 17*23+4.
    """
    return ""


@tool
def memory_recall(query: str, limit: int = 5) -> list:
    """Recall facts remembered from earlier conversations.

    Args:
        query: what to recall.
        limit: how many memories.
    """
    return []


@tool
def memory_store(fact: str, tags: list[str]) -> str:
    """Remember a fact for later.

    Args:
        fact: the fact, one sentence.
        tags: short keywords for the fact.
    """
    return ""


@tool
def read_text_file(path: str) -> str:
    """Read a text file from disk.

    Args:
        path: the file path.
    """
    return ""


@tool
def ocr_frame(video: str, t: float) -> str:
    """Read the text visible in a video frame.

    Args:
        video: the video file.
        t: the time of the frame, in seconds.
    """
    return ""


@tool
def robot_pick(obj: str, gripper_force: float = 10.0) -> str:
    """Pick up an object with the robot arm.

    Args:
        obj: the object to pick.
        gripper_force: grip force in newtons.
    """
    return ""


@tool
def robot_move(x: float, y: float, z: float) -> str:
    """Move the robot arm's gripper to a point.

    Args:
        x: x coordinate in metres.
        y: y coordinate in metres.
        z: z coordinate in metres.
    """
    return ""


@tool
def set_timer(minutes: int, label: str) -> str:
    """Start a countdown timer.

    Args:
        minutes: duration in minutes.
        label: what the timer is for.
    """
    return ""


TOOLS = [video_search, transcribe, calculator, memory_recall, memory_store, read_text_file,
         ocr_frame, robot_pick, robot_move, set_timer]

# (goal template, fill-ins, expected tool)
TEMPLATES: list[tuple[str, list[str], str]] = [
    ("When does {} appear in {}?", ["the cat|kitchen.mp4", "a red car|street.mp4", "the dog|park.mp4",
                                     "someone opening the fridge|day.mp4", "a bicycle|bikes.mp4"], "video_search"),
    ("What is said in {}?", ["meeting.wav", "interview.mp3", "lecture.mp4", "call.m4a", "podcast.mp3"], "transcribe"),
    ("Compute {}.", ["17*23", "(45+12)/3", "2**16 - 1", "the sum 1234+5678", "99 divided by 7"], "calculator"),
    ("What did I tell you earlier about {}?", ["my sister's birthday", "the wifi password", "my car",
                                                "the project deadline", "my favourite food"], "memory_recall"),
    ("Remember that {}.", ["my dentist appointment is on Friday", "the keys are in the drawer",
                           "Anna likes green tea", "the server runs on port 8080",
                           "the plant needs water every Monday"], "memory_store"),
    ("Show me the contents of {}.", ["notes.txt", "/etc/hostname", "todo.md", "config.yaml", "README"],
     "read_text_file"),
    ("What text is written on the sign at {} seconds in {}?", ["12|shop.mp4", "3.5|station.mp4", "40|road.mp4",
                                                                 "7|menu.mp4", "90|lecture.mp4"], "ocr_frame"),
    ("Pick up the {}.", ["red cube", "teddy bear", "duck", "blue sphere", "coffee mug"], "robot_pick"),
    ("Move the gripper to x={}, y={}, z={}.", ["0.1|0.2|0.3", "0.5|0|0.25", "-0.2|0.4|0.1", "0|0|0.5",
                                                "0.3|-0.3|0.2"], "robot_move"),
    ("Set a timer for {} minutes for the {}.", ["10|pasta", "3|tea", "25|focus session", "45|laundry",
                                                  "5|break"], "set_timer"),
    ("You already found that {}. Give the final answer.", ["the cat appears at 12 s", "the total is 391",
                                                           "the meeting starts at 3 pm", "the keys are in the drawer",
                                                           "the sign says OPEN"], "final_answer"),
]


def goals(n: int) -> list[tuple[str, str]]:
    all_goals = [(tpl.format(*fill.split("|")), expected) for tpl, fills, expected in TEMPLATES for fill in fills]
    # interleave templates so any prefix of the list is varied
    by_template = [all_goals[i::5] for i in range(5)]
    ordered = [g for g in itertools.chain.from_iterable(by_template)]
    return (ordered * (n // len(ordered) + 1))[:n]


def system_prompt() -> str:
    lines = ["You are a planner. Reply with exactly one JSON action and nothing else:",
             '{"tool": <tool name>, "arguments": {<arguments>}}', "Tools:"]
    for t in TOOLS:
        args = ", ".join(
            f"{k}: {v.get('type', 'value')}" for k, v in t.parameters["properties"].items()
        )
        lines.append(f"- {t.name}({args}): {t.description.splitlines()[0]}")
    lines.append('- final_answer(answer: string): give the answer when you know it.')
    lines.append('Example: goal "How long is 3 weeks in days?" -> '
                 '{"tool": "calculator", "arguments": {"expression": "3*7"}}')
    lines.append('Example: goal "You found the answer is blue. Finish." -> '
                 '{"tool": "final_answer", "arguments": {"answer": "blue"}}')
    return "\n".join(lines)


def check(text: str, registry: ToolRegistry, schema: dict) -> tuple[bool, str | None]:
    """Valid = a JSON object (first in the text) that parses as an action and conforms to the schema."""
    try:
        obj = first_json_object(text)
        action = parse_action(obj, registry)
    except (ValueError, LLMOutputError):
        return False, None
    return validate_json(obj, schema) is None, action.tool


def speeds(model: LocalChatModel) -> dict[str, float]:
    """Prefill and decode speed through the same generate() path the planner uses."""
    long_prompt = [Message("user", "Summarise this text. " + "The quick brown fox jumps over the lazy dog. " * 50)]
    story = [Message("user", "Write a long story about a robot that learns to cook.")]
    model.generate(story, max_tokens=2)  # warm-up
    t0 = time.perf_counter()
    pre = model.generate(long_prompt, max_tokens=1)
    prefill = time.perf_counter() - t0
    t0 = time.perf_counter()
    model.generate(story, max_tokens=1)
    one = time.perf_counter() - t0
    t0 = time.perf_counter()
    out = model.generate(story, max_tokens=64)
    many = time.perf_counter() - t0
    return {"prompt_tok_s": round(pre.usage.prompt_tokens / prefill, 1),
            "gen_tok_s": round((out.usage.completion_tokens - 1) / max(many - one, 1e-6), 2)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=55, help="planning prompts (each run with and without constraint)")
    ap.add_argument("--skip-cold", action="store_true", help="skip the GGUF conversion into a temp dir")
    ap.add_argument("--max-tokens", type=int, default=96)
    opts = ap.parse_args()
    result: dict[str, object] = {"bench": "llm", "loadavg_1m_start": round(os.getloadavg()[0], 2)}

    if not opts.skip_cold:
        with tempfile.TemporaryDirectory(prefix="sokrat-bench-") as tmp:
            s = Settings(cache_dir=Path(tmp))
            log("cold: converting the GGUF pack in a temp cache dir ...")
            t0 = time.perf_counter()
            r = resolve("planner", s)
            result["cold_convert_s"] = round(time.perf_counter() - t0, 2)
            t0 = time.perf_counter()
            LocalChatModel(r.path).load()
            result["cold_first_load_s"] = round(time.perf_counter() - t0, 2)

    settings = Settings()
    t0 = time.perf_counter()
    r = resolve("planner", settings)
    model = LocalChatModel(r.path, device=settings.resolved_device())
    model.load()
    result["cached_load_s"] = round(time.perf_counter() - t0, 2)
    code = ("import time; t=time.perf_counter(); from sokrat.llm import get_chat_model; "
            "m=get_chat_model(); m.load(); print(time.perf_counter()-t)")
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    result["cached_load_process_s"] = round(time.perf_counter() - t0, 2)
    result["dtype"] = model.dtype_name
    result["device"] = model.device
    log(f"loads: {result}")
    result.update(speeds(model))
    log(f"speeds: {result}")

    registry = ToolRegistry(TOOLS)
    schema = action_schema(TOOLS)
    system = Message("system", system_prompt())
    stats = {mode: {"valid": 0, "match": 0, "s": 0.0, "tokens": 0} for mode in ("constrained", "free")}
    failures: list[str] = []
    items = goals(opts.n)
    for i, (goal, expected) in enumerate(items):
        msgs = [system, Message("user", goal)]
        for mode in ("constrained", "free"):
            t0 = time.perf_counter()
            try:
                resp = model.generate(msgs, json_schema=schema if mode == "constrained" else None,
                                      max_tokens=opts.max_tokens)
                text = resp.text
                stats[mode]["tokens"] += resp.usage.completion_tokens
            except LLMOutputError as e:
                text = f"(error: {e})"
            stats[mode]["s"] += time.perf_counter() - t0
            ok, tool_name = check(text, registry, schema)
            stats[mode]["valid"] += ok
            stats[mode]["match"] += ok and tool_name == expected
            if not ok and len(failures) < 5:
                failures.append(f"{mode}: {goal!r} -> {text[:100]!r}")
        log(f"[{i + 1}/{len(items)}] {goal} | constrained valid {stats['constrained']['valid']}, "
            f"free valid {stats['free']['valid']}")

    n = len(items)
    for mode, st in stats.items():
        result[f"valid_rate_{'constrained' if mode == 'constrained' else 'free'}"] = round(st["valid"] / n, 3)
        result[f"tool_match_rate_{mode}"] = round(st["match"] / n, 3)
        result[f"s_per_action_{mode}"] = round(st["s"] / n, 2)
        result[f"tokens_per_action_{mode}"] = round(st["tokens"] / n, 1)
    result["prompts"] = n
    result["tools"] = len(TOOLS)
    result["prompt_tokens"] = model.count_tokens([system, Message("user", items[0][0])])
    result["invalid_examples"] = failures
    result["loadavg_1m_end"] = round(os.getloadavg()[0], 2)  # the 2 cores are shared: context for speeds
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
