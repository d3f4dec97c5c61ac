"""Streaming multipart upload straight to disk, size-capped (``POST /v1/media``).

FastAPI's ``UploadFile`` parses the whole body (into a spooled temp file) before the
endpoint runs, so neither the cap nor the destination would be ours. Here the request body
is fed chunk by chunk to python-multipart's push parser (the one Starlette itself uses) and
the file part's bytes are written to ``dest`` as they arrive; past ``max_bytes`` the upload
stops and the partial file is deleted.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import anyio

from sokrat.errors import InvalidInput

if TYPE_CHECKING:
    from starlette.requests import Request

FLUSH_BYTES = 1 << 20
_SUFFIX = re.compile(r"^\.[A-Za-z0-9]{1,10}$")


class UploadTooLarge(InvalidInput):
    code = "upload_too_large"


@dataclass
class _PartState:
    """Where the push parser is: the current part's headers, and whether the file was taken."""

    name: bytes = b""
    value: bytes = b""
    headers: dict[bytes, str] = dataclasses.field(default_factory=dict)
    in_file: bool = False
    done: bool = False


@dataclass(frozen=True)
class Uploaded:
    path: Path
    filename: str
    bytes: int


def safe_suffix(filename: str) -> str:
    """The file's extension if it is harmless (letters/digits), else ''."""
    suffix = Path(filename).suffix
    return suffix.lower() if _SUFFIX.match(suffix) else ""


def _header_param(value: str, name: str) -> str:
    from python_multipart.multipart import parse_options_header

    _, params = parse_options_header(value)
    raw = params.get(name.encode())
    return raw.decode("utf-8", "replace") if raw else ""


async def receive_file(request: Request, dest: Path, *, max_bytes: int, field: str = "file") -> Uploaded:
    """Write the multipart part named ``field`` (or the first file part) to ``dest``.

    Raises :class:`UploadTooLarge` past ``max_bytes`` and :class:`InvalidInput` for a body
    that is not multipart or has no file; ``dest`` never survives a failure.
    """
    from python_multipart.multipart import MultipartParser, parse_options_header

    ctype, params = parse_options_header(request.headers.get("content-type", ""))
    if ctype != b"multipart/form-data" or not params.get(b"boundary"):
        raise InvalidInput("send the file as multipart/form-data with a part named 'file' "
                           "(e.g. curl -F file=@video.mp4)")
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > max_bytes + 64 * 1024:
        raise UploadTooLarge(f"upload of {int(length)} bytes is over the limit of {max_bytes} bytes "
                             "(SOKRAT_MAX_UPLOAD_BYTES)")

    state = _PartState()
    pending: list[bytes] = []
    written = 0
    filename = ""

    def on_part_begin() -> None:
        state.headers = {}

    def on_header_field(data: bytes, start: int, end: int) -> None:
        state.name += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        state.value += data[start:end]

    def on_header_end() -> None:
        state.headers[state.name.lower()] = state.value.decode("utf-8", "replace")
        state.name, state.value = b"", b""

    def on_headers_finished() -> None:
        nonlocal filename
        disposition = state.headers.get(b"content-disposition", "")
        name, fname = _header_param(disposition, "name"), _header_param(disposition, "filename")
        take = not state.done and (name == field or bool(fname and not filename))
        state.in_file = take
        if take:
            filename = fname or name

    def on_part_data(data: bytes, start: int, end: int) -> None:
        if state.in_file:
            pending.append(data[start:end])

    def on_part_end() -> None:
        if state.in_file:
            state.in_file, state.done = False, True

    parser = MultipartParser(params[b"boundary"], {
        "on_part_begin": on_part_begin, "on_header_field": on_header_field,
        "on_header_value": on_header_value, "on_header_end": on_header_end,
        "on_headers_finished": on_headers_finished, "on_part_data": on_part_data,
        "on_part_end": on_part_end,
    })
    dest.parent.mkdir(parents=True, exist_ok=True)
    ok = False
    try:
        with dest.open("wb") as out:
            async for chunk in request.stream():
                parser.write(chunk)
                if pending:
                    size = sum(len(p) for p in pending)
                    written += size
                    if written > max_bytes:
                        raise UploadTooLarge(f"upload is over the limit of {max_bytes} bytes "
                                             "(SOKRAT_MAX_UPLOAD_BYTES)")
                    blob = b"".join(pending)
                    pending.clear()
                    await anyio.to_thread.run_sync(out.write, blob)  # keep disk writes off the event loop
            parser.finalize()
            if pending:
                written += sum(len(p) for p in pending)
                if written > max_bytes:
                    raise UploadTooLarge(f"upload is over the limit of {max_bytes} bytes (SOKRAT_MAX_UPLOAD_BYTES)")
                out.write(b"".join(pending))
        if not state.done and not filename:
            raise InvalidInput("the multipart body has no file part; send it as 'file' (curl -F file=@video.mp4)")
        if written == 0:
            raise InvalidInput("the uploaded file is empty")
        ok = True
        return Uploaded(path=dest, filename=filename, bytes=written)
    except Exception as e:
        from python_multipart.exceptions import MultipartParseError

        if isinstance(e, MultipartParseError):
            raise InvalidInput(f"malformed multipart body: {e}") from e
        raise
    finally:
        if not ok:
            with contextlib.suppress(FileNotFoundError):
                dest.unlink()
