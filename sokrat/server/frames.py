"""One video frame as a JPEG: evidence thumbnails (``GET /v1/media/{id}/frame?t=``) and the
frames ``sokrat ask --frames DIR`` saves.

Decoding is PyAV's (:mod:`sokrat.perception.decode`): seek to the keyframe before ``t``, decode
forward to the first frame at or after ``t`` (the last frame when ``t`` falls within the final
frame's span), scale it down to at most ``width`` pixels wide and encode it with Pillow. A
request past the end of the video, a non-video file or a damaged one raises
:class:`~sokrat.errors.MediaError` (the API answers 422). :class:`FrameCache` keeps the JPEGs
of recent requests, bounded by total bytes, so a page that shows a timeline twice decodes once.
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from sokrat.errors import InvalidInput, MediaError
from sokrat.types import Result


@dataclass(frozen=True)
class FrameOptions:
    """How a frame is turned into a JPEG."""

    width: int = 320
    """Widest output (pixels); a narrower video keeps its own width (never upscaled)."""
    quality: int = 80
    """JPEG quality (1-95, Pillow's scale)."""


MAX_WIDTH = 1280
"""Widest frame the API serves (``w`` above this is refused): bounds the work and bytes per request."""
MIN_WIDTH = 16
END_SLACK_S = 0.05
"""A ``t`` this far past the container's duration still gets the last frame (durations are rounded)."""


def frame_jpeg(path: str | Path, t: float, *, options: FrameOptions = FrameOptions(),
               duration_s: float | None = None) -> bytes:
    """The frame of ``path`` shown at ``t`` seconds, as JPEG bytes.

    Raises :class:`InvalidInput` for a negative ``t`` or one past the end of the video, and
    :class:`MediaError` for a file without a video stream or whose frames cannot be decoded.
    ``duration_s`` skips the probe when the caller knows it (the server's media rows do).
    """
    from PIL import Image

    from sokrat.perception.decode import iter_video_frames, open_container, probe, to_rgb

    if not MIN_WIDTH <= options.width <= MAX_WIDTH:
        raise InvalidInput(f"frame width {options.width}: use {MIN_WIDTH} to {MAX_WIDTH} pixels")
    if t < 0:
        raise InvalidInput(f"t={t:g} s is before the start of the video; use 0 or more")
    p = Path(path)
    if duration_s is None:
        info = probe(p)
        if not info.has_video:
            raise MediaError(f"{p.name} has no video stream (audio only?): it has no frames to show")
        duration_s = info.duration_s
    if t > duration_s + END_SLACK_S:
        raise InvalidInput(f"t={t:g} s is past the end of the video ({duration_s:.2f} s)")
    with open_container(p) as container:
        if not container.streams.video:
            raise MediaError(f"{p.name} has no video stream (audio only?): it has no frames to show")
        chosen = None
        for ft, frame in iter_video_frames(container, start_s=max(0.0, t - 1.0)):
            chosen = frame
            if ft >= t - 1e-3:
                break
        if chosen is None:
            raise MediaError(f"{p.name}: no frame could be decoded at or before {t:g} s")
        image = to_rgb(chosen)  # (H, W, 3) uint8, upright
    pil = Image.fromarray(image)
    if pil.width > options.width:
        height = max(1, round(pil.height * options.width / pil.width))
        pil = pil.resize((options.width, height), Image.Resampling.BILINEAR)
    out = io.BytesIO()
    pil.save(out, format="JPEG", quality=options.quality)
    return out.getvalue()


class FrameCache:
    """Recent JPEGs by key, least recently used dropped first past ``max_bytes`` in total.

    Hand-written rather than :class:`sokrat._cache.ProcessCache`: that one bounds by count and
    builds under one lock; frames differ in size and must decode in parallel.
    """

    def __init__(self, *, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[tuple[object, ...], bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple[object, ...]) -> bytes | None:
        with self._lock:
            data = self._items.get(key)
            if data is not None:
                self._items.move_to_end(key)
                self.hits += 1
            return data

    def put(self, key: tuple[object, ...], data: bytes) -> None:
        if len(data) > self.max_bytes:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= len(old)
            self._items[key] = data
            self._bytes += len(data)
            while self._bytes > self.max_bytes:
                _, dropped = self._items.popitem(last=False)
                self._bytes -= len(dropped)

    def get_or_make(self, key: tuple[object, ...], make: Callable[[], bytes]) -> bytes:
        """The cached bytes, or ``make()``'s (stored). Two callers may both make a cold key:
        that costs one extra decode, never a wrong frame."""
        data = self.get(key)
        if data is None:
            with self._lock:
                self.misses += 1
            data = make()
            self.put(key, data)
        return data

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._items)


def frame_time(t_start: float | None, t_end: float | None) -> float | None:
    """The moment that stands for an evidence span: its middle, to 0.1 s (None without times)."""
    if t_start is None:
        return None
    if t_end is None or t_end <= t_start:
        return round(t_start, 1)
    return round((t_start + t_end) / 2, 1)


def frame_url(media_id: str, t: float) -> str:
    """The API path of a frame (relative: the page and clients prefix their base URL)."""
    return f"/v1/media/{media_id}/frame?t={t:g}"


def with_frame_urls(result: Result, media: Mapping[str, str]) -> Result:
    """``result`` with a ``frame_url`` on every timed evidence item whose video is known.

    ``media`` maps the run's local media paths to their media ids. An item's video is the
    media whose path or file name is the item's ``source``; when the source names none (a tool
    that reports no source, like ``video_search``) and the run had exactly one media file,
    that one. Untimed items (memories, documents) get none.
    """
    if not media or not result.evidence:
        return result
    by_name = {Path(path).name: media_id for path, media_id in media.items()}
    only = next(iter(media.values())) if len(media) == 1 else None
    evidence = []
    for e in result.evidence:
        t = frame_time(e.t_start, e.t_end)
        media_id = media.get(e.source) or by_name.get(Path(e.source).name) or only
        if t is None or media_id is None or e.frame_url:
            evidence.append(e)
        else:
            evidence.append(e.model_copy(update={"frame_url": frame_url(media_id, t)}))
    return result.model_copy(update={"evidence": evidence})


def frames_folder(folder: str | Path) -> Path:
    """``folder``, created if missing; :class:`InvalidInput` when it is a file or cannot be made
    (checked before any work, so a bad ``--frames`` loses nothing)."""
    p = Path(folder).expanduser()
    if p.exists() and not p.is_dir():
        raise InvalidInput(f"--frames {p}: is a file, not a folder; give a folder for the JPEGs")
    try:
        p.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise InvalidInput(f"--frames {p}: cannot create the folder ({e.strerror or e})") from e
    return p


def save_evidence_frames(video: str | Path, result: Result, folder: str | Path, *,
                         options: FrameOptions = FrameOptions(width=640)) -> list[Path | None]:
    """Save a JPEG of each timed evidence moment of ``result`` (a run over ``video``) in
    ``folder``, named ``<video stem>-<seconds>s.jpg``; one path per evidence item, None for an
    untimed one (a memory, a document)."""
    from sokrat.perception.decode import probe

    out = frames_folder(folder)
    info = probe(video)
    if not info.has_video:
        raise MediaError(f"{Path(video).name} has no video stream: there are no frames to save")
    saved: list[Path | None] = []
    for e in result.evidence:
        t = frame_time(e.t_start, e.t_end)
        if t is None:
            saved.append(None)
            continue
        t = min(t, info.duration_s)
        path = out / f"{Path(video).stem}-{t:.1f}s.jpg"
        path.write_bytes(frame_jpeg(video, t, options=options, duration_s=info.duration_s))
        saved.append(path)
    return saved


__all__ = ["MAX_WIDTH", "FrameCache", "FrameOptions", "frame_jpeg", "frame_time", "frame_url", "frames_folder",
           "save_evidence_frames", "with_frame_urls"]
