"""Streaming multipart upload straight to disk, size-capped and hashed (``POST /v1/media``).

FastAPI's ``UploadFile`` parses the whole body (into a spooled temp file) before the
endpoint runs, so neither the cap nor the destination would be ours. Here the request body
is fed chunk by chunk to python-multipart's push parser (the one Starlette itself uses) and
the bytes of the part named ``file`` are written to ``dest`` (and hashed) as they arrive;
other parts are skipped. Past ``max_bytes`` the upload stops and the partial file is deleted.

File names: part headers are kept as raw bytes and the ``filename`` parameter is decoded as
UTF-8 (what browsers, curl and httpx send; Latin-1 only if it is not valid UTF-8), with the
WHATWG escapes ``%22``/``%0D``/``%0A`` undone. RFC 7578 forbids ``filename*=`` in form data.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import anyio

from sokrat.errors import InvalidInput, UploadTooLarge

if TYPE_CHECKING:
    from starlette.requests import Request

FIELD = "file"
MAX_FILENAME_CHARS = 255
_SUFFIX = re.compile(r"^\.[A-Za-z0-9]{1,10}$")
_WHATWG_ESCAPES = {"%22": '"', "%0D": "\r", "%0A": "\n", "%0d": "\r", "%0a": "\n"}


@dataclass
class _PartState:
    """Where the push parser is: the current part's headers, and whether the file was taken."""

    name: bytes = b""
    value: bytes = b""
    headers: dict[bytes, bytes] = dataclasses.field(default_factory=dict)
    in_file: bool = False
    done: bool = False


@dataclass(frozen=True)
class Uploaded:
    path: Path
    filename: str
    bytes: int
    sha256: str


def safe_suffix(filename: str) -> str:
    """The file's extension if it is harmless (letters/digits), else ''."""
    suffix = Path(filename).suffix
    return suffix.lower() if _SUFFIX.match(suffix) else ""


def decode_filename(raw: bytes) -> str:
    """A client's file name as the user wrote it: UTF-8 (Latin-1 fallback), escapes undone,
    path components and control characters dropped, NFC-normalised, at most 255 characters."""
    try:
        name = raw.decode("utf-8")
    except UnicodeDecodeError:
        name = raw.decode("latin-1")
    for escaped, char in _WHATWG_ESCAPES.items():
        name = name.replace(escaped, char)
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C")
    return unicodedata.normalize("NFC", name).strip()[:MAX_FILENAME_CHARS]


def _param(disposition: bytes, name: str) -> bytes | None:
    from python_multipart.multipart import parse_options_header

    _, params = parse_options_header(disposition)  # bytes in -> the raw bytes back (latin-1 round trip)
    return params.get(name.encode())


async def receive_file(request: Request, dest: Path, *, max_bytes: int) -> Uploaded:
    """Write the multipart part named ``file`` to ``dest``.

    (A ``Content-Length`` over the cap was refused before: :class:`sokrat.server.auth.Guard`.)
    Raises :class:`UploadTooLarge` past ``max_bytes`` and :class:`InvalidInput` for a body
    that is not multipart or has no ``file`` part; ``dest`` never survives a failure. A client
    that disconnects raises Starlette's ``ClientDisconnect`` (the app logs it quietly).
    """
    from python_multipart.multipart import MultipartParser, parse_options_header

    ctype, params = parse_options_header(request.headers.get("content-type", ""))
    if ctype != b"multipart/form-data" or not params.get(b"boundary"):
        raise InvalidInput(f"send the file as multipart/form-data with a part named '{FIELD}' "
                           "(e.g. curl -F file=@video.mp4)")

    state = _PartState()
    pending: list[bytes] = []
    digest = hashlib.sha256()
    written = 0
    filename = ""

    def on_part_begin() -> None:
        state.headers = {}

    def on_header_field(data: bytes, start: int, end: int) -> None:
        state.name += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        state.value += data[start:end]

    def on_header_end() -> None:
        state.headers[state.name.lower()] = state.value
        state.name, state.value = b"", b""

    def on_headers_finished() -> None:
        nonlocal filename
        disposition = state.headers.get(b"content-disposition", b"")
        name = _param(disposition, "name")
        take = not state.done and name is not None and name == FIELD.encode()
        state.in_file = take
        if take:
            filename = decode_filename(_param(disposition, "filename") or b"")

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

    def flush(out: object, blob: bytes) -> None:
        digest.update(blob)
        out.write(blob)  # type: ignore[attr-defined]

    def take_pending() -> bytes:
        nonlocal written
        blob = b"".join(pending)
        pending.clear()
        written += len(blob)
        if written > max_bytes:
            raise UploadTooLarge(f"upload is over the limit of {max_bytes} bytes (SOKRAT_MAX_UPLOAD_BYTES)")
        return blob

    dest.parent.mkdir(parents=True, exist_ok=True)
    ok = False
    try:
        with dest.open("wb") as out:
            async for chunk in request.stream():
                parser.write(chunk)
                if pending:
                    # hash + write off the event loop
                    await anyio.to_thread.run_sync(flush, out, take_pending())
            parser.finalize()
            if pending:
                flush(out, take_pending())
        if not state.done:
            raise InvalidInput(f"the multipart body has no complete part named '{FIELD}'; "
                               "send the file as 'file' (curl -F file=@video.mp4)")
        if written == 0:
            raise InvalidInput("the uploaded file is empty")
        ok = True
        return Uploaded(path=dest, filename=filename, bytes=written, sha256=digest.hexdigest())
    except Exception as e:
        from python_multipart.exceptions import MultipartParseError

        if isinstance(e, MultipartParseError):
            raise InvalidInput(f"malformed multipart body: {e}") from e
        raise
    finally:
        if not ok:
            with contextlib.suppress(FileNotFoundError):
                dest.unlink()
