"""What the web page (and any client) reads about an upload: the list of your media, a
video's log, and a frame of it.

- ``GET /v1/media``: your uploads (everyone's for an admin key), newest first.
- ``GET /v1/media/{id}/log``: the video's log: one entry per shot with its times and what was
  seen, said and written, each with a ``frame_url``; ``status`` says whether it is complete,
  being built, or not built yet (a run over the video builds it).
- ``GET /v1/media/{id}/frame?t=SECONDS[&w=PIXELS]``: a JPEG of that moment, at most ``w``
  pixels wide (:mod:`sokrat.server.frames`), cached by content hash, time and width, with
  ``ETag`` and ``Cache-Control: private`` so a browser asks once.

The owner rules of :mod:`sokrat.server.api` hold: another key's media is 404 here too.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from sokrat.errors import InvalidInput, MediaError
from sokrat.server.api import _known_id
from sokrat.server.deps import MediaStoreDep, PrincipalDep, StoreDep
from sokrat.server.frames import (
    MAX_WIDTH,
    MIN_WIDTH,
    FrameCache,
    FrameOptions,
    frame_jpeg,
    frame_url,
)
from sokrat.server.queue import MediaRow
from sokrat.server.schemas import Media, errors

router = APIRouter(prefix="/v1", tags=["media"], responses=errors(401, 503))

FRAME_CACHE_BYTES = 64 * 1024 * 1024
"""JPEG bytes kept per server process (about 3,000 timeline thumbnails)."""
MAX_PARALLEL_DECODES = 2
"""Frames decoded at once per process: a timeline of 60 thumbnails must not take every thread."""
LIST_SCAN_COUNT = 500


class LogShot(BaseModel):
    """One shot of a video's log."""

    index: int
    t_start: float
    t_end: float
    seen: str = Field(default="", description="What is seen: labels, counts, colours, captions.")
    said: str = Field(default="", description="Speech transcribed in the shot.")
    text_on_screen: str = Field(default="", description="Text read on screen.")
    frame_url: str = Field(description="A JPEG of the shot's middle.")


class MediaLog(BaseModel):
    """``GET /v1/media/{id}/log``."""

    media_id: str
    status: Literal["not_indexed", "indexing", "complete"] = Field(description=(
        "`complete`; `indexing` (entries so far, up to `indexed_s`); `not_indexed` (no run has "
        "looked at the video yet: ask a question or run a goal over it)."))
    duration_s: float
    indexed_s: float = Field(default=0.0, description="Media seconds the stored entries cover.")
    summary: str = ""
    models: list[str] = Field(default_factory=list)
    entries: list[LogShot] = Field(default_factory=list)


class MediaList(BaseModel):
    items: list[Media]


# --- listing -------------------------------------------------------------------------------------
@router.get("/media", response_model=MediaList)
async def list_media(store: StoreDep, who: PrincipalDep,
                     limit: Annotated[int, Query(ge=1, le=500)] = 100) -> MediaList:
    """Your uploads (every upload for an admin key), newest first, at most ``limit``."""
    rows = await store.media.list(owner=who.scope, scan_count=LIST_SCAN_COUNT)
    rows.sort(key=lambda r: r.created_at, reverse=True)
    return MediaList(items=[r.public() for r in rows[:limit]])


# --- the log -------------------------------------------------------------------------------------
def _find_log(memory: Any, sha256: str) -> Any:
    """The header of the best log of this content: logs are keyed ``<content hash>-<models>``
    (:func:`sokrat.perception.log.log_id_for`), so every model set's log of the file shares the
    prefix. A complete one wins, then the furthest indexed. None when no run indexed it."""
    from sokrat.memory.base import VideoLogMeta

    best: VideoLogMeta | None = None
    pattern = f"{memory.key_root}:vlog:{sha256[:32]}-*"  # {prefix} on a cluster
    for key in memory.client.scan_iter(match=pattern, count=LIST_SCAN_COUNT):
        log_id = (key.decode() if isinstance(key, bytes) else key).rsplit(":", 1)[-1]
        meta = memory.video_log(log_id)
        if meta is None:
            continue
        rank = (meta.status == "complete", meta.resume_at_s, meta.entries)
        if best is None or rank > (best.status == "complete", best.resume_at_s, best.entries):
            best = meta
    return best


async def get_video_logs(request: Request) -> Any:
    """Where workers store video logs: the process memory on the settings' Redis (a
    :class:`~sokrat.memory.redis.RedisMemory`; tests swap in one with its own prefix)."""
    from sokrat.memory import get_memory

    return await run_in_threadpool(get_memory, request.app.state.settings)


VideoLogsDep = Annotated[Any, Depends(get_video_logs)]


def _read_log(memory: Any, row: MediaRow) -> MediaLog:
    meta = _find_log(memory, row.sha256) if row.sha256 else None
    if meta is None:
        return MediaLog(media_id=row.id, status="not_indexed", duration_s=row.duration_s)
    shots = [LogShot(index=e.index, t_start=e.t_start, t_end=e.t_end, seen=e.seen, said=e.said, text_on_screen=e.ocr,
                     frame_url=frame_url(row.id, round((e.t_start + e.t_end) / 2, 2)))
             for e in memory.video_entries(meta.log_id)]
    complete = meta.status == "complete"
    return MediaLog(media_id=row.id, status="complete" if complete else "indexing", duration_s=row.duration_s,
                    indexed_s=row.duration_s if complete else meta.resume_at_s, summary=meta.summary,
                    models=list(meta.models), entries=shots)


@router.get("/media/{media_id}/log", response_model=MediaLog, responses=errors(404, 422))
async def media_log(media_id: str, store: StoreDep, who: PrincipalDep, logs: VideoLogsDep) -> MediaLog:
    """The video's log: one entry per shot (times, what was seen, said and written, a frame
    URL), or ``status: not_indexed`` until a run over the video has built it."""
    row = await store.get_media(_known_id(media_id, "media"), owner=who.scope)
    if row.kind != "video":
        raise MediaError(f"media {media_id} ({row.filename or 'the upload'}) is {row.kind} only: it has no "
                         "video log (ask about its speech with a task instead)")
    return await run_in_threadpool(_read_log, logs, row)


# --- frames --------------------------------------------------------------------------------------
def _frames(request: Request) -> tuple[FrameCache, asyncio.Semaphore]:
    state = request.app.state
    if getattr(state, "frame_cache", None) is None:
        state.frame_cache = FrameCache(max_bytes=FRAME_CACHE_BYTES)
        state.frame_slots = asyncio.Semaphore(MAX_PARALLEL_DECODES)
    return state.frame_cache, state.frame_slots


@router.get("/media/{media_id}/frame", response_class=Response, responses={
    200: {"content": {"image/jpeg": {}}, "description": "The frame as a JPEG."},
    304: {"description": "Not modified (If-None-Match)."}, **errors(404, 422)})
async def media_frame(
    request: Request,
    media_id: str,
    store: StoreDep,
    media: MediaStoreDep,
    who: PrincipalDep,
    t: Annotated[float, Query(ge=0, le=1e7, description="Media time, seconds.")],
    w: Annotated[int, Query(ge=MIN_WIDTH, le=MAX_WIDTH, description="Widest output, pixels.")] = 320,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """A JPEG of the video at ``t`` seconds (4xx past its end or for audio)."""
    row = await store.get_media(_known_id(media_id, "media"), owner=who.scope)
    if row.kind != "video":
        raise MediaError(f"media {media_id} ({row.filename or 'the upload'}) is {row.kind} only: it has no frames")
    if t > row.duration_s + 0.05:
        raise InvalidInput(f"t={t:g} s is past the end of the video ({row.duration_s:g} s)")
    etag = f'"{row.sha256[:20] or row.id}-{t:g}-{w}"'
    headers = {"ETag": etag, "Cache-Control": "private, max-age=86400"}
    if if_none_match == etag:
        return Response(status_code=304, headers=headers)
    cache, slots = _frames(request)
    key = (row.sha256 or row.id, round(t, 3), w)
    data = cache.get(key)
    if data is None:
        path = await media.fetch(row)
        async with slots:
            data = await run_in_threadpool(cache.get_or_make, key, lambda: frame_jpeg(
                path, t, options=FrameOptions(width=w), duration_s=row.duration_s))
    return Response(content=data, media_type="image/jpeg", headers=headers)


__all__ = ["LogShot", "MediaList", "MediaLog", "router"]
