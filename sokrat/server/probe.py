"""Check an upload before it is accepted: streams and duration (the perception probe), and
that its first video (or audio) frame actually decodes, so a truncated file whose header
still parses is refused at upload with 422, not later inside a task."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from sokrat.errors import MediaError

if TYPE_CHECKING:
    from sokrat.settings import Settings

MAX_PACKETS = 256
"""Packets read while looking for the first decodable frame."""


def probe_upload(path: Path, settings: Settings) -> Any:
    """The perception module's ``MediaInfo``; raises :class:`MediaError` for a file without
    video/audio or whose first frame does not decode."""
    from sokrat.perception.decode import probe

    info = probe(path, settings)
    if not (info.has_video or info.has_audio):
        raise MediaError("the file has no video or audio stream")
    _first_frame(path, video=info.has_video)
    return info


def _first_frame(path: Path, *, video: bool) -> None:
    import av

    kind = "video" if video else "audio"
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0] if video else container.streams.audio[0]
            for n, packet in enumerate(container.demux(stream)):
                if n >= MAX_PACKETS:
                    break
                try:
                    if packet.decode():
                        return
                except av.error.InvalidDataError:
                    continue
            # flush the decoder: some codecs hold the first frame until the end of the stream
            if stream.codec_context.decode(None):
                return
    except (av.error.FFmpegError, OSError) as e:
        raise MediaError(f"the file cannot be decoded ({type(e).__name__}); it may be truncated or corrupt") from e
    raise MediaError(f"no {kind} frame decodes: the file is truncated or corrupt")
