"""Two days of clips as one memory: ask across them with wall-clock times, read the diary,
and forecast from the routine.

    python examples/day_memory.py
    python examples/day_memory.py --question "When did I last see the cat?"

Four short clips per day are composed from media bundled with the offline packages (photos,
street clips, espeak-ng narration; cached under ~/.cache/sokrat/examples), indexed once
(each clip's log is keyed by its content, so the second day reuses the first day's logs), and
added to the collection ``example-days`` at their clock times, as ``sokrat index PATH
--collection NAME --start ISO8601`` does. The same works from the shell:

    sokrat index clips/ --collection mydays --start 2026-11-20T08:00:00Z
    sokrat ask --collection mydays "What did I do this morning?"
    sokrat log --collection mydays
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

ROUTINE = (("kitchen", 8, 0), ("street", 12, 30), ("office", 14, 0), ("garage", 19, 0))
DAYS = ("2026-11-19", "2026-11-20")
QUESTIONS = ("Was there a cat this morning?", "When did I first see the cat?", "What did I do this morning?",
             "Where will I probably go after lunch?", "Did I see a moped yesterday evening?")


def clips(folder: Path) -> dict[str, Path]:
    from sokrat.video.compose import Clip, Narration, Photo, compose_video

    scenes = {"kitchen": ((Photo("coffee", 4), Photo("chelsea", 4)), (Narration(0.5, "Good morning. Coffee first."),)),
              "street": ((Clip("bikes.mp4", 6),), ()),
              "office": ((Photo("astronaut", 4), Photo("rocket", 4)), (Narration(4.5, "The launch review is at three."),)),
              "garage": ((Photo("stereo_motorcycle", 5),), ())}
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, (shots, narration) in scenes.items():
        path = folder / f"{name}.mp4"
        if not path.exists():
            compose_video(path, shots, narration=narration)
        out[name] = path
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--question", action="append", default=None, help="what to ask (repeat for more)")
    args = parser.parse_args()

    from sokrat.errors import SokratError
    from sokrat.memory import get_memory
    from sokrat.settings import get_settings
    from sokrat.video import diary
    from sokrat.video.collection import Collection
    from sokrat.video.qa import VideoQA

    settings = get_settings()
    qa = VideoQA(settings=settings, memory=get_memory(settings))
    try:
        files = clips(settings.cache_dir / "examples" / "day_memory")
        coll = Collection(qa, "example-days")
        coll.delete()  # start clean: the example's collection only
        for day in DAYS:
            for name, h, m in ROUTINE:
                vlog = qa.index(files[name])
                start = datetime.fromisoformat(day).replace(hour=h, minute=m, tzinfo=UTC)
                clip = coll.add_log(vlog.meta.log_id, f"{name}-{day}.mp4", start, duration_s=vlog.meta.duration_s)
                print(f"added {clip.source} at {clip.to_json()['clock_start']}", file=sys.stderr)
        print("Diary:")
        for p in diary.periods(coll):
            print(f"  {p.sentence()}")
        for q in args.question or QUESTIONS:
            r = coll.ask(q)
            print(f"\nQ: {q}\nA: {r.answer} [{r.status}]")
            for e in r.evidence[:3]:
                print(f"   {e.clock_start}  {e.source} {e.t_start:.1f}-{e.t_end:.1f} s")
    except SokratError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
