"""Streaming media decoding with PyAV: probe, frames, 16 kHz mono audio, content hash.

Nothing here holds a whole video in memory: frames and audio come out as iterators.
Times are always ``pts * time_base`` (seconds), so variable-frame-rate files are right.
Every decoding problem becomes a one-line :class:`sokrat.errors.MediaError`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sokrat.errors import MediaError

log = logging.getLogger(__name__)

MAX_BAD_PACKETS = 250
"""Undecodable video packets in a row that are skipped (a damaged frame, or a few seconds of
them) before the file counts as broken."""

if TYPE_CHECKING:
    import av.container
    import numpy as np

    from sokrat.settings import Settings

SPEECH_RATE = 16_000
"""Sample rate speech models expect (Hz)."""


@dataclass(frozen=True)
class MediaInfo:
    """What :func:`probe` learned about a media file."""

    path: Path
    duration_s: float
    """Container duration (or the longest stream's), seconds."""
    width: int
    """Display width after rotation; 0 when there is no video stream."""
    height: int
    fps: float
    """Average frame rate (nominal; frames are timed by pts)."""
    has_video: bool
    has_audio: bool
    rotation: int = 0
    """Degrees the frames are rotated counter-clockwise for display."""
    video_codec: str = ""
    audio_codec: str = ""
    size_bytes: int = 0


@dataclass(frozen=True)
class Frame:
    """One decoded video frame, already rotated upright."""

    t: float
    """Presentation time, seconds."""
    image: np.ndarray
    """``(H, W, 3)`` uint8 RGB."""


def _check_path(path: str | Path) -> Path:
    p = Path(path).expanduser()
    if not p.exists():
        raise MediaError(f"{p}: no such file; check the path")
    if p.is_dir():
        raise MediaError(f"{p}: is a directory, not a media file")
    if p.stat().st_size == 0:
        raise MediaError(f"{p}: the file is empty")
    return p


def open_container(path: str | Path) -> av.container.InputContainer:
    """Open a media file for reading, or raise a one-line :class:`MediaError`."""
    import av

    p = _check_path(path)
    try:
        return av.open(str(p), mode="r")
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as e:
        raise MediaError(f"{p.name}: not a readable video/audio file ({_short(e)})") from e


def _short(e: BaseException) -> str:
    return " ".join(str(e).split())[:160] or type(e).__name__


def probe(path: str | Path, settings: Settings | None = None) -> MediaInfo:
    """Duration, size, fps and streams of a media file, without decoding it.

    Raises :class:`MediaError` for a missing/unreadable file or one whose frames exceed
    ``settings.max_video_pixels``.
    """
    p = _check_path(path)
    with open_container(p) as container:
        video = container.streams.video[0] if container.streams.video else None
        audio = container.streams.audio[0] if container.streams.audio else None
        duration = _duration(container)
        width = height = rotation = 0
        fps = 0.0
        if video is not None:
            cc = video.codec_context
            width, height = int(cc.width or 0), int(cc.height or 0)
            rate = video.average_rate or video.guessed_rate
            fps = float(rate) if rate else 0.0
            rotation = _stream_rotation(container, video)
            if rotation in (90, -90, 270, -270):
                width, height = height, width
        info = MediaInfo(
            path=p,
            duration_s=duration,
            width=width,
            height=height,
            fps=fps,
            has_video=video is not None,
            has_audio=audio is not None,
            rotation=rotation,
            video_codec=video.codec_context.name if video is not None else "",
            audio_codec=audio.codec_context.name if audio is not None else "",
            size_bytes=p.stat().st_size,
        )
    if settings is not None and info.width * info.height > settings.max_video_pixels:
        raise MediaError(
            f"{p.name}: {info.width}x{info.height} frames exceed the limit of "
            f"{settings.max_video_pixels} pixels; downscale it (e.g. ffmpeg -vf scale=1920:-2) "
            "or raise SOKRAT_MAX_VIDEO_PIXELS"
        )
    return info


def _duration(container: Any) -> float:
    if container.duration:
        return float(container.duration) / 1_000_000  # av.time_base is 1/1e6
    best = 0.0
    for s in container.streams:
        if s.duration and s.time_base:
            best = max(best, float(s.duration * s.time_base))
    return best


def _stream_rotation(container: Any, stream: Any) -> int:
    """Display rotation (degrees counter-clockwise). PyAV exposes the display matrix on
    frames only, so decode the first frame; old files keep a ``rotate`` tag instead."""
    import av

    tag = stream.metadata.get("rotate") if stream.metadata else None
    if tag:
        try:
            return (-int(tag) + 180) % 360 - 180
        except ValueError:
            return 0
    try:
        for frame in container.decode(stream):
            return int(round(getattr(frame, "rotation", 0) or 0))
    except av.error.FFmpegError:
        return 0  # a damaged first frame is reported when the frames are read
    return 0


def _rotate(image: np.ndarray, degrees_ccw: int) -> np.ndarray:
    import numpy as np

    quarter = round(degrees_ccw / 90) % 4
    return np.ascontiguousarray(np.rot90(image, k=quarter)) if quarter else image


def seek(container: Any, stream: Any, t: float) -> None:
    """Seek to the keyframe at or before ``t`` (seconds); callers drop frames before ``t``."""
    if t <= 0:
        return
    import av

    try:
        container.seek(int(t / stream.time_base), stream=stream, backward=True, any_frame=False)
    except av.error.FFmpegError as e:
        raise MediaError(f"cannot seek to {t:.1f} s ({_short(e)})") from e


def iter_video_frames(
    container: Any, *, start_s: float = 0.0, max_pixels: int | None = None
) -> Iterator[tuple[float, Any]]:
    """Yield ``(t, av.VideoFrame)`` for every decoded frame at or after ``start_s``.

    Frames are NOT converted to arrays here: callers convert only the frames they keep
    (see :func:`to_rgb`), which is most of the decoding cost saved.
    """
    import av

    if not container.streams.video:
        raise MediaError("the file has no video stream (audio only?); give a video file")
    stream = container.streams.video[0]
    stream.thread_type = "AUTO"
    if max_pixels is not None:
        cc = stream.codec_context
        if (cc.width or 0) * (cc.height or 0) > max_pixels:
            raise MediaError(
                f"{cc.width}x{cc.height} frames exceed the limit of {max_pixels} pixels; "
                "downscale the video or raise SOKRAT_MAX_VIDEO_PIXELS"
            )
    seek(container, stream, start_s)
    last_t = -1.0
    bad_run = 0
    try:
        # Packet by packet, so that one corrupt packet (a damaged frame) is skipped and the
        # frames after it still decode; a long run of bad packets means the file is broken.
        for packet in container.demux(stream):
            try:
                frames = packet.decode()
            except av.error.InvalidDataError as e:
                bad_run += 1
                if bad_run > MAX_BAD_PACKETS:
                    raise MediaError(f"the video is damaged near {max(last_t, 0):.1f} s "
                                     f"({bad_run} packets in a row cannot be decoded: {_short(e)})") from e
                log.warning("skipping an undecodable video packet near %.1f s (%s)", max(last_t, 0), _short(e))
                continue
            bad_run = 0
            for frame in frames:
                if frame.pts is None:
                    # No timestamp (rare, raw streams): extrapolate from the previous frame.
                    t = last_t + (1.0 / float(stream.average_rate or 25))
                else:
                    t = float(frame.pts * frame.time_base)
                if t < start_s - 1e-6:
                    continue
                last_t = t
                yield t, frame
    except av.error.FFmpegError as e:
        raise MediaError(f"the video is damaged or truncated near {max(last_t, 0):.1f} s ({_short(e)})") from e


def to_rgb(frame: Any, *, max_side: int | None = None) -> np.ndarray:
    """An upright ``(H, W, 3)`` uint8 RGB array, downscaled so the long side <= ``max_side``."""
    w, h = frame.width, frame.height
    if max_side and max(w, h) > max_side:
        scale = max_side / max(w, h)
        w, h = max(2, round(w * scale)), max(2, round(h * scale))
        frame = frame.reformat(width=w, height=h, format="rgb24")
        image = frame.to_ndarray()
    else:
        image = frame.to_ndarray(format="rgb24")
    rotation = getattr(frame, "rotation", 0) or 0
    return _rotate(image, rotation)


def thumbnail_gray(frame: Any, *, size: tuple[int, int] = (32, 18)) -> np.ndarray:
    """A tiny ``(h, w)`` float32 grayscale thumbnail (0..1) of an ``av.VideoFrame`` or an
    ``(H, W, 3)`` uint8 RGB array: the one picture both scene detection and OCR reuse compare.

    For a decoded frame swscale shrinks straight from YUV, far cheaper than an RGB conversion.
    """
    import numpy as np

    if isinstance(frame, np.ndarray):
        from PIL import Image

        return np.asarray(Image.fromarray(frame).convert("L").resize(size), dtype=np.float32) / 255.0
    small = frame.reformat(width=size[0], height=size[1], format="gray")
    return small.to_ndarray().astype("float32") / 255.0


class AudioReader:
    """Sequential 16 kHz mono float32 audio of a file, read in time windows.

    ``read_until(t)`` returns the samples from where the previous call stopped up to ``t``
    seconds, decoding only what is needed, so a long soundtrack is never in memory at once.
    """

    def __init__(self, path: str | Path, *, start_s: float = 0.0) -> None:
        import av

        self._container = open_container(path)
        if not self._container.streams.audio:
            self._container.close()
            raise MediaError(f"{Path(path).name}: has no audio track")
        self._stream = self._container.streams.audio[0]
        self._resampler = av.AudioResampler(format="flt", layout="mono", rate=SPEECH_RATE)
        seek(self._container, self._stream, start_s)
        self._frames = self._container.decode(self._stream)
        self._pos = start_s
        """Media time of the next sample to return."""
        self._pending: list[np.ndarray] = []
        self._pending_start = start_s
        self._pending_len = 0
        self._done = False
        self._started = False

    def _pull(self) -> bool:
        import av
        import numpy as np

        try:
            frame = next(self._frames)
        except StopIteration:
            self._done = True
            chunks = [f.to_ndarray().reshape(-1) for f in self._resampler.resample(None)]
        except av.error.FFmpegError as e:
            raise MediaError(f"the audio is damaged or truncated near {self._pos:.1f} s ({_short(e)})") from e
        else:
            if not self._started and frame.pts is not None and frame.time_base is not None:
                t0 = float(frame.pts * frame.time_base)
                if t0 > self._pending_start:  # audio starts late: pad with silence
                    pad = int(round((t0 - self._pending_start) * SPEECH_RATE))
                    self._pending.append(np.zeros(pad, dtype=np.float32))
                    self._pending_len += pad
                elif t0 < self._pending_start:  # seek landed early: drop the excess later
                    self._pending_start = t0
            self._started = True
            chunks = [f.to_ndarray().reshape(-1) for f in self._resampler.resample(frame)]
        for c in chunks:
            self._pending.append(c.astype(np.float32, copy=False))
            self._pending_len += len(c)
        return not self._done

    def read_until(self, t: float) -> np.ndarray:
        """Samples from where the last call stopped up to ``t``: ``(N,)`` float32 in [-1, 1] at 16 kHz."""
        import numpy as np

        while not self._done and self._pending_start + self._pending_len / SPEECH_RATE < t:
            self._pull()
        buf = np.concatenate(self._pending) if self._pending else np.zeros(0, np.float32)
        skip = min(len(buf), max(0, int(round((self._pos - self._pending_start) * SPEECH_RATE))))
        want = len(buf) if t == float("inf") else int(round((t - self._pending_start) * SPEECH_RATE))
        end = min(len(buf), max(skip, want))
        out = buf[skip:end]
        rest = buf[end:]
        self._pending = [rest] if len(rest) else []
        self._pending_len = len(rest)
        self._pending_start += end / SPEECH_RATE
        self._pos = self._pending_start
        return out

    def close(self) -> None:
        self._container.close()

    def __enter__(self) -> AudioReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_audio(path: str | Path, *, start_s: float = 0.0, end_s: float | None = None) -> np.ndarray:
    """A window of a file's audio as 16 kHz mono float32 (the whole rest when ``end_s`` is None)."""
    with AudioReader(path, start_s=start_s) as reader:
        return reader.read_until(end_s if end_s is not None else float("inf"))


def content_hash(path: str | Path) -> str:
    """SHA-256 of the file's bytes (a video's identity for its log): streamed, and remembered
    per (path, size, mtime) so repeated questions skip re-hashing."""
    from sokrat.weights import sha256_file

    return sha256_file(_check_path(path))
