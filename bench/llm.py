"""Planner model benchmark: which runtime and model should be the default on this machine.

Candidates (each selectable through settings): transformers with Qwen2.5-Coder-0.5B and 1.5B
(in process, bf16 on CPUs with bf16 units, else fp32, from the converted pack), llama.cpp
(the shared local server, ``xllamacpp``) with the 0.5B, the 1.5B, and the 1.5B with the 0.5B
as speculative draft. For each one:

- ``load_s``: loading the model (llama.cpp: the server process from spawn to ready;
  transformers: weights into this process);
- ``next_command_first_token_s``: what the NEXT command pays: a fresh Python process that
  imports Sokrat, gets the chat model from settings and streams a short reply, until the first
  token (llama.cpp: it finds the running server; transformers: it loads the model again);
- ``prefill_tok_s`` / ``decode_tok_s``: a ~900-token prompt without cache, then free decoding;
- ``step_s_no_cache`` / ``step_s_cache``: the median latency of one planner step (the real
  act prompt: ``agents.prompts.ACT_SYSTEM`` with 10 tools, goal, plan, steps; JSON-schema
  constrained action), with a prompt that shares nothing with earlier ones vs the next step of
  the same run (its prefix was just evaluated);
- ``tool_accuracy``: share of probe goals (varied, 60 of them, 10 tools + final answer) whose
  first action names an acceptable tool; ``valid_rate``: share of schema-valid actions;
- ``rss_mb``: resident memory of the model (server process or this process).

Prints ONE JSON line (``bench/_report.py``); progress on stderr.
Usage: ``python bench/llm.py [--only NAME ...] [--goals N] [--save]``
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import _report

from sokrat.agents.actions import action_schema, parse_action
from sokrat.agents.prompts import ACT_SYSTEM, tool_lines
from sokrat.errors import SokratError
from sokrat.llm import get_chat_model
from sokrat.llm.base import ChatModel, Message
from sokrat.llm.structured import validate_json
from sokrat.settings import Settings
from sokrat.tools import ToolRegistry, default_tools, tool
from sokrat.weights import resolve


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# --- the tools a planner sees: Sokrat's defaults plus one a user would add ------------------------------
@tool
def add_calendar_event(title: str, when: str) -> str:
    """Add an event to the user's calendar.

    Args:
        title: what the event is.
        when: date and time, e.g. 2026-12-03 10:00.
    """
    return ""


def probe_tools() -> list:
    tools = [*default_tools(), add_calendar_event]
    missing = {"python_exec", "remember", "recall", "video_search", "transcribe", "search"} - {t.name for t in tools}
    if missing:
        raise SystemExit(f"the probe needs the default tools {sorted(missing)}")
    return tools


# --- the probe: (goal, media, acceptable first tools) ------------------------------------------------
VIDEO = {"video_search", "video_qa"}
PROBE: list[tuple[str, str | None, set[str]]] = [
    # arithmetic, counting, text processing: run code
    ("What is 17 times 23?", None, {"python_exec"}),
    ("What is 2 to the power of 20?", None, {"python_exec"}),
    ("Compute the square root of 7921.", None, {"python_exec"}),
    ("How many days are there between 2024-03-01 and 2024-12-25?", None, {"python_exec"}),
    ("Sort these numbers from smallest to largest: 42, 7, 19, 3, 88, 61.", None, {"python_exec"}),
    ("What is 15% of 2,480?", None, {"python_exec"}),
    ("Is 9973 a prime number?", None, {"python_exec"}),
    ("Convert 72 degrees Fahrenheit to Celsius.", None, {"python_exec"}),
    ("How many times does the letter e occur in 'nevertheless'?", None, {"python_exec"}),
    ("What is the sum of all integers from 1 to 1000?", None, {"python_exec"}),
    ("What is the 25th Fibonacci number?", None, {"python_exec"}),
    ("Average of 3.5, 7.25 and 9?", None, {"python_exec"}),
    # storing facts
    ("Remember that my locker code is 4411.", None, {"remember"}),
    ("Please note that the meeting with Dana moved to Thursday at 3 pm.", None, {"remember"}),
    ("Store this for later: the spare key is under the blue flower pot.", None, {"remember"}),
    ("Keep in mind that I am allergic to peanuts.", None, {"remember"}),
    ("My car is parked on level 3, spot 27. Don't let me forget.", None, {"remember"}),
    ("Make a note that Ben's birthday is on 14 May.", None, {"remember"}),
    ("Save the fact that the printer toner was replaced today.", None, {"remember"}),
    # recalling facts
    ("What is my locker code?", None, {"recall"}),
    ("Where did I park the car?", None, {"recall"}),
    ("When is Ben's birthday?", None, {"recall"}),
    ("What did I tell you about my allergies?", None, {"recall"}),
    ("Do you remember where the spare key is?", None, {"recall"}),
    ("What did I say about the meeting with Dana?", None, {"recall"}),
    ("Have I told you anything about the printer?", None, {"recall"}),
    # videos (the media file is given)
    ("When does the cat appear?", "kitchen.mp4", VIDEO),
    ("Find the moments with a bicycle.", "bikes.mp4", VIDEO),
    ("Where did I leave my mug?", "day.mp4", VIDEO),
    ("At what time does someone open the fridge?", "kitchen.mp4", VIDEO),
    ("How many people are in the room at the start?", "meeting.mp4", VIDEO | {"describe_moment"}),
    ("What colour is the car that passes by?", "street.mp4", VIDEO),
    ("What is happening at 01:30?", "lecture.mp4", {"describe_moment", "video_qa"}),
    ("Describe the scene 42 seconds in.", "holiday.mp4", {"describe_moment", "video_qa"}),
    ("What is written on the whiteboard at 10:05?", "meeting.mp4", {"describe_moment", "video_qa"}),
    # speech
    ("Transcribe this recording.", "interview.mp3", {"transcribe"}),
    ("Write out everything that is said, with timestamps.", "podcast_ep12.mp3", {"transcribe"}),
    ("Give me the full text of the speech.", "keynote.mp4", {"transcribe", "video_qa"}),
    ("What words are spoken in this voicemail?", "voicemail.ogg", {"transcribe"}),
    ("Make a transcript of the first minute.", "talk.wav", {"transcribe"}),
    # large stored outputs
    ("Read the next part of artifact:ab12cd.", None, {"read_artifact"}),
    ("Show me the first 500 characters of artifact:9f3e01.", None, {"read_artifact"}),
    ("Open the stored output artifact:77aa10 and tell me what it says.", None, {"read_artifact"}),
    # documents
    ("Which of my documents mention the warranty period?", None, {"search"}),
    ("Find the passage about the refund policy in my files.", None, {"search"}),
    ("Search the manuals for how to reset the router.", None, {"search"}),
    ("What does the employee handbook say about remote work?", None, {"search"}),
    ("Look through my PDFs for invoice 2291.", None, {"search"}),
    # calendar (a user's own tool)
    ("Add a dentist appointment on 2026-12-03 at 10:00 to my calendar.", None, {"add_calendar_event"}),
    ("Schedule a team sync for next Monday at 9am.", None, {"add_calendar_event"}),
    ("Put Ben's birthday party in my calendar for May 14 at 4 pm.", None, {"add_calendar_event"}),
    ("Create a calendar entry: call mom, Sunday 6 pm.", None, {"add_calendar_event"}),
    # no tool needed
    ("Say hello.", None, {"final_answer"}),
    ("Thanks, that's all for today.", None, {"final_answer"}),
    ("Translate 'good morning' into Spanish.", None, {"final_answer"}),
    ("Write a haiku about autumn.", None, {"final_answer"}),
    ("What does CPU stand for?", None, {"final_answer"}),
    ("Which language is spoken in Brazil?", None, {"final_answer"}),
    ("Give me a synonym for 'happy'.", None, {"final_answer"}),
    ("Explain in one sentence what a unit test is.", None, {"final_answer"}),
]


def act_messages(system: str, goal: str, media: str | None, steps: list[str]) -> list[Message]:
    """The planner's act prompt, laid out as ``agents/context.assemble`` does it."""
    parts = [f"Goal: {goal}"]
    if media:
        parts.append(f"Media: {media}")
    parts.append("Plan:\n1. use the right tool\n2. answer")
    if steps:
        parts.append("Steps:\n" + "\n".join(steps))
    parts.append("Next: the action for plan step 1." if not steps else "Next: the next action, or the answer.")
    return [Message("system", system), Message("user", "\n\n".join(parts))]


def first_action(model: ChatModel, messages: list[Message], schema: dict[str, Any],
                 registry: ToolRegistry) -> tuple[str | None, bool, float]:
    t0 = time.perf_counter()
    try:
        r = model.generate(messages, json_schema=schema, max_tokens=160, purpose="act")
    except SokratError as e:
        log(f"    error: {e}")
        return None, False, time.perf_counter() - t0
    took = time.perf_counter() - t0
    if r.parsed is None or validate_json(r.parsed, schema) is not None:
        return None, False, took
    try:
        return parse_action(r.parsed, registry).tool, True, took
    except SokratError:
        return None, False, took


# --- speeds -------------------------------------------------------------------------------------------
FILLER = ("Sokrat indexes long videos into a timestamped log of what is seen and heard, then answers "
          "questions with evidence. ")


def speeds_llamacpp(model: Any) -> dict[str, float]:
    import httpx

    info = model.server
    root = info.url.removesuffix("/v1")
    body = {"messages": [{"role": "user", "content": f"[{time.time()}] " + FILLER * 45 + "Summarise this."}],
            "max_tokens": 64, "temperature": 0, "cache_prompt": False, "ignore_eos": True}
    data = httpx.post(root + "/v1/chat/completions", json=body, timeout=600,
                      headers={"Authorization": f"Bearer {info.api_key}"}).json()
    t = data["timings"]
    out = {"prefill_tok_s": round(t["prompt_per_second"], 1), "decode_tok_s": round(t["predicted_per_second"], 1),
           "prefill_tokens": t["prompt_n"]}
    if t.get("draft_n"):
        out["draft_accept_rate"] = round(t.get("draft_n_accepted", 0) / t["draft_n"], 2)
    return out


def speeds_local(model: Any) -> dict[str, float]:
    prompt = [Message("user", f"[{time.time()}] " + FILLER * 45 + "Summarise this.")]
    model.generate(prompt[:1], max_tokens=2)  # warm-up
    n = model.count_tokens(prompt)
    t0 = time.perf_counter()
    model.generate(prompt, max_tokens=1)
    prefill = time.perf_counter() - t0
    story = [Message("user", "Write a long story about a robot that learns to cook.")]
    t0 = time.perf_counter()
    model.generate(story, max_tokens=1)
    one = time.perf_counter() - t0
    t0 = time.perf_counter()
    r = model.generate(story, max_tokens=64)
    many = time.perf_counter() - t0
    return {"prefill_tok_s": round(n / prefill, 1),
            "decode_tok_s": round((r.usage.completion_tokens - 1) / max(1e-6, many - one), 1), "prefill_tokens": n}


def next_command_first_token(env: dict[str, str]) -> dict[str, float]:
    """A fresh process, as the next `sokrat ask` would be: imports, settings, model, first token."""
    code = (
        "import time; t0 = time.perf_counter()\n"
        "import asyncio\n"
        "from sokrat.llm import get_chat_model\nfrom sokrat.llm.base import Message\n"
        "from sokrat.settings import Settings\n"
        "m = get_chat_model(Settings())\n"
        "async def first():\n"
        "    async for piece in m.astream([Message('user', 'Say hello.')], max_tokens=8):\n"
        "        return piece\n"
        "asyncio.run(first())\n"
        "print(time.perf_counter() - t0)\n"
    )
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=900,
                         env={**os.environ, **env})
    wall = time.perf_counter() - t0
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    return {"next_command_first_token_s": round(wall, 2), "in_process_first_token_s": round(float(out.stdout), 2)}


# --- one candidate ---------------------------------------------------------------------------------------
def run_candidate(name: str, env: dict[str, str], n_goals: int, n_steps: int) -> dict[str, Any]:
    settings = Settings.model_validate({k.removeprefix("SOKRAT_").lower(): v for k, v in env.items()})
    tools = probe_tools()
    registry = ToolRegistry(tools)
    schema = action_schema(tools)
    system = ACT_SYSTEM.format(tools=tool_lines(tools))
    out: dict[str, Any] = {"backend": settings.resolved_llm_backend(), "model": settings.llm_model,
                           "draft": settings.llm_draft_model}

    t0 = time.perf_counter()
    model = get_chat_model(settings)
    if out["backend"] == "llamacpp":
        info = model.server  # type: ignore[attr-defined]
        out["load_s"] = round(info.load_s, 2)
        out["start_s"] = round(time.perf_counter() - t0, 2)
        rss = info.rss_bytes
    else:
        model.load()  # type: ignore[attr-defined]
        out["load_s"] = round(model.load_s, 2)  # type: ignore[attr-defined]
        out["start_s"] = round(time.perf_counter() - t0, 2)
        from sokrat.llm.server import process_rss

        def rss() -> int | None:
            return process_rss(os.getpid())
    log(f"  loaded in {out['load_s']} s")

    out.update(speeds_llamacpp(model) if out["backend"] == "llamacpp" else speeds_local(model))
    log(f"  prefill {out['prefill_tok_s']} tok/s, decode {out['decode_tok_s']} tok/s")

    # one planner step: fresh prefix (nothing cached) vs the next step of the same run
    cold, warm = [], []
    for i, (goal, media, _) in enumerate(PROBE[: n_steps * 7 : 7]):
        nonce = f"Session {time.time_ns()}-{i}.\n"
        first = act_messages(nonce + system, goal, media, [])
        tool_name, _, took = first_action(model, first, schema, registry)
        cold.append(took)
        step = f"1. {tool_name or 'python_exec'}(...) -> ok: (output of the tool)"
        _, _, took = first_action(model, act_messages(nonce + system, goal, media, [step]), schema, registry)
        warm.append(took)
    out["step_s_no_cache"] = round(statistics.median(cold), 2)
    out["step_s_cache"] = round(statistics.median(warm), 2)
    log(f"  step {out['step_s_no_cache']} s without cache hits, {out['step_s_cache']} s with")

    hits, valid, times, misses = 0, 0, [], []
    for goal, media, ok in PROBE[:n_goals]:
        tool_name, is_valid, took = first_action(model, act_messages(system, goal, media, []), schema, registry)
        times.append(took)
        valid += is_valid
        if tool_name in ok:
            hits += 1
        else:
            misses.append(f"{goal[:40]} -> {tool_name}")
    n = min(n_goals, len(PROBE))
    out.update(tool_accuracy=round(hits / n, 3), tool_hits=hits, valid_rate=round(valid / n, 3),
               probe_step_s_median=round(statistics.median(times), 2), misses=misses)
    log(f"  tool choice {hits}/{n}, valid {valid}/{n}, median {out['probe_step_s_median']} s")
    out["rss_mb"] = round((rss() or 0) / 2**20)

    out.update(next_command_first_token(env))
    log(f"  next command's first token after {out['next_command_first_token_s']} s")
    return out


def threads_check(gguf: str, cores: int) -> dict[str, dict[str, float]]:
    """Prefill/decode speed of one model per thread setting (decode threads / prefill threads),
    interleaved twice so that load changes during the run hit every setting alike: it picks
    the server's thread defaults."""
    import httpx
    import xllamacpp as xlc

    settings = sorted({(1, 1), (1, cores), (cores, cores)})
    runs: dict[str, list[tuple[float, float]]] = {}
    for _ in range(2):
        for decode, batch in settings:
            p = xlc.CommonParams()
            p.model.path = gguf
            p.n_ctx = 2048
            p.cpuparams.n_threads, p.cpuparams_batch.n_threads = decode, batch
            p.port, p.hostnames = 0, ["127.0.0.1"]
            server = xlc.Server(p)
            body = {"messages": [{"role": "user", "content": f"[{time.time()}] " + FILLER * 12 + "Summarise."}],
                    "max_tokens": 32, "temperature": 0, "ignore_eos": True, "cache_prompt": False}
            t = httpx.post(server.listening_address + "/v1/chat/completions", json=body, timeout=600).json()["timings"]
            runs.setdefault(f"decode{decode}/prefill{batch}", []).append((t["prompt_per_second"],
                                                                       t["predicted_per_second"]))
            del server
    return {k: {"prefill_tok_s": round(statistics.median(r[0] for r in v), 1),
                "decode_tok_s": round(statistics.median(r[1] for r in v), 1)} for k, v in runs.items()}


def candidates(cache: Path) -> dict[str, dict[str, str]]:
    small = str(resolve("planner", Settings(llm_model="qwen2.5-coder-0.5b"), fmt="gguf").path)
    big = str(resolve("planner", Settings(llm_model="qwen2.5-coder-1.5b"), fmt="gguf").path)
    # llama.cpp servers in a private cache dir (started cold, stopped after); models by path
    server = {"SOKRAT_CACHE_DIR": str(cache), "SOKRAT_LLM_SERVER_SLOTS": "1", "SOKRAT_LLM_TIMEOUT_S": "600"}
    return {
        "transformers-0.5b": {"SOKRAT_LLM_BACKEND": "transformers", "SOKRAT_LLM_MODEL": "qwen2.5-coder-0.5b"},
        "transformers-1.5b": {"SOKRAT_LLM_BACKEND": "transformers", "SOKRAT_LLM_MODEL": "qwen2.5-coder-1.5b"},
        "llamacpp-0.5b": {**server, "SOKRAT_LLM_BACKEND": "llamacpp", "SOKRAT_LLM_MODEL": small},
        "llamacpp-1.5b": {**server, "SOKRAT_LLM_BACKEND": "llamacpp", "SOKRAT_LLM_MODEL": big},
        "llamacpp-1.5b-draft-0.5b": {**server, "SOKRAT_LLM_BACKEND": "llamacpp", "SOKRAT_LLM_MODEL": big,
                                     "SOKRAT_LLM_DRAFT_MODEL": small},
    }


def choose(results: dict[str, dict[str, Any]]) -> str:
    """The default: the best tool choice; within 2 goals of it, the fastest cached planner step."""
    ok = {k: v for k, v in results.items() if "error" not in v}
    best = max(v["tool_hits"] for v in ok.values())
    close = {k: v for k, v in ok.items() if v["tool_hits"] >= best - 2}
    return min(close, key=lambda k: close[k]["step_s_cache"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="candidate names (default: all)")
    parser.add_argument("--goals", type=int, default=len(PROBE), help="probe goals (default: all)")
    parser.add_argument("--steps", type=int, default=5, help="runs for the step latency medians")
    parser.add_argument("--threads", action="store_true", help="also compare thread counts on the 1.5B")
    parser.add_argument("--save", action="store_true")
    parser.add_argument("--rows", default="", help="append each candidate's figures to this JSONL file; "
                        "candidates already there are not measured again (resume a long run)")
    args = parser.parse_args()

    import sokrat.llm as llm_module
    from sokrat.llm.server import stop_servers

    results: dict[str, dict[str, Any]] = {}
    rows = Path(args.rows) if args.rows else None
    if rows and rows.exists():  # resume: candidates measured earlier (with their own machine record)
        for line in rows.read_text().splitlines():
            row = json.loads(line)
            results[row["name"]] = row["result"]
    with tempfile.TemporaryDirectory(prefix="sokrat-bench-llm-") as tmp:
        todo = candidates(Path(tmp))
        for name, env in todo.items():
            if (args.only and name not in args.only) or name in results:
                continue
            log(f"{name}:")
            try:
                results[name] = run_candidate(name, env, args.goals, args.steps)
            except Exception as e:  # a candidate that fails is reported, the others still run  # noqa: BLE001
                log(f"  failed: {type(e).__name__}: {e}")
                results[name] = {"error": f"{type(e).__name__}: {str(e)[:300]}"}
            finally:
                stop_servers(Settings(cache_dir=Path(tmp)))
                llm_module._MODELS.clear()  # drop an in-process model before the next candidate
                gc.collect()
            if rows and "error" not in results[name]:
                results[name]["machine"] = _report.machine()
                with rows.open("a") as f:
                    f.write(json.dumps({"name": name, "result": results[name]}) + "\n")

    figures: dict[str, Any] = {"n_goals": min(args.goals, len(PROBE)), "candidates": results}
    if args.threads:
        big = str(resolve("planner", Settings(llm_model="qwen2.5-coder-1.5b"), fmt="gguf").path)
        figures["threads_1.5b"] = threads_check(big, os.cpu_count() or 1)
        log(f"threads: {figures['threads_1.5b']}")
    summary = None
    if any("error" not in r for r in results.values()):
        pick = choose(results)
        figures["best"] = pick
        r = results[pick]
        summary = (f"best planner here: {pick} ({r['tool_hits']}/{figures['n_goals']} right first tools, "
                   f"{r['step_s_cache']} s per cached step, next command's first token "
                   f"{r['next_command_first_token_s']} s); " + "; ".join(
                       f"{k}: {v['tool_hits']} right, {v['step_s_cache']}/{v['step_s_no_cache']} s step "
                       f"cached/uncached, {v['decode_tok_s']} tok/s decode, load {v['load_s']} s"
                       for k, v in results.items() if k != pick and "error" not in v))
    _report.emit("llm", figures, save=args.save, summary=summary)


if __name__ == "__main__":
    main()
