"""Which frames to look at: a base rate plus scene-change keyframes, capped per minute.

A static hour costs ``sample_fps * 3600`` frames; a busy minute still gets a frame at
every cut (up to ``max_frames_per_minute``). The scene signal is the fraction of a tiny
grayscale thumbnail's pixels that changed noticeably since the last probe; it is computed
at ``probe_fps`` only, so frames in between are decoded but never converted.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from sokrat.perception.decode import (
    Frame,
    iter_video_frames,
    open_container,
    thumbnail_gray,
    to_rgb,
)

if TYPE_CHECKING:
    import numpy as np

    from sokrat.settings import Settings


@dataclass(frozen=True)
class SamplingOptions:
    """How frames are picked from a video."""

    sample_fps: float = 1.0
    """Base rate: one frame every ``1 / sample_fps`` seconds, whatever happens."""
    scene_threshold: float = 0.25
    """Fraction of thumbnail pixels that must change (by > ``pixel_delta``) to count as a cut."""
    max_frames_per_minute: int = 90
    """Hard cap on kept frames in any 60 s window. Base-rate frames are never crowded out:
    scene frames get what the base rate leaves of the cap."""
    probe_fps: float = 12.0
    """How often the scene signal is computed (frames/s)."""
    pixel_delta: float = 0.12
    """Gray-level change (0..1) for a thumbnail pixel to count as changed."""
    max_side: int = 640
    """Kept frames are downscaled so their long side is at most this (pixels)."""
    max_pixels: int | None = None
    """Refuse videos whose frames have more pixels than this."""

    @classmethod
    def from_settings(cls, settings: Settings) -> SamplingOptions:
        return cls(
            sample_fps=settings.sample_fps,
            scene_threshold=settings.scene_threshold,
            max_frames_per_minute=settings.max_frames_per_minute,
            max_pixels=settings.max_video_pixels,
        )


@dataclass(frozen=True)
class SampledFrame(Frame):
    """A kept frame and why it was kept."""

    reason: Literal["base", "scene"] = "base"
    scene_score: float = 0.0


def scene_score(previous: np.ndarray, current: np.ndarray, *, pixel_delta: float) -> float:
    """Fraction of pixels whose gray level moved by more than ``pixel_delta``."""
    import numpy as np

    return float(np.mean(np.abs(current - previous) > pixel_delta))


@dataclass
class DecodeState:
    """What the sampler saw, including the frames it skipped (for truncation checks)."""

    decoded: int = 0
    last_t: float = -1.0
    """Time of the last decoded frame (seconds); -1 before any."""


def sample_frames(
    path: str | Path, options: SamplingOptions | None = None, *, start_s: float = 0.0,
    state: DecodeState | None = None,
) -> Iterator[SampledFrame]:
    """Stream the kept frames of a video, in time order, from ``start_s`` on."""
    opts = options or SamplingOptions()
    state = state if state is not None else DecodeState()
    base_step = 1.0 / opts.sample_fps if opts.sample_fps > 0 else float("inf")
    probe_step = 1.0 / opts.probe_fps if opts.probe_fps > 0 else float("inf")
    next_base = start_s
    next_probe = start_s
    last_thumb: np.ndarray | None = None
    kept: deque[float] = deque()
    kept_scene: deque[float] = deque()
    scene_budget = max(0, opts.max_frames_per_minute - int(opts.sample_fps * 60))

    def under_cap(t: float, *, scene: bool, base: bool) -> bool:
        for q in (kept, kept_scene):
            while q and q[0] <= t - 60.0:
                q.popleft()
        if scene and not base and len(kept_scene) >= scene_budget:
            return False
        return len(kept) < opts.max_frames_per_minute

    with open_container(path) as container:
        for t, frame in iter_video_frames(container, start_s=start_s, max_pixels=opts.max_pixels):
            state.decoded += 1
            state.last_t = t
            is_scene = is_base = False
            score = 0.0
            if t >= next_probe:
                next_probe = t + probe_step
                thumb = thumbnail_gray(frame)
                if last_thumb is not None:
                    score = scene_score(last_thumb, thumb, pixel_delta=opts.pixel_delta)
                    is_scene = score >= opts.scene_threshold
                last_thumb = thumb
            if t >= next_base:
                is_base = True
                # Re-anchor on the frame actually seen, so gaps in VFR video do not pile up.
                next_base = max(next_base + base_step, t + base_step / 2)
            # A cut that falls on a base frame is still a cut: shots start at scene frames.
            if not (is_scene or is_base) or not under_cap(t, scene=is_scene, base=is_base):
                continue
            reason: Literal["base", "scene"] = "scene" if is_scene else "base"
            kept.append(t)
            if is_scene:
                kept_scene.append(t)
            yield SampledFrame(t=t, image=to_rgb(frame, max_side=opts.max_side), reason=reason, scene_score=score)
