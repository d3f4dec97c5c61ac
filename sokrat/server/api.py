"""The /v1 routes: media, tasks, their events (SSE), cancel, delete, listing.

Every task and media item belongs to the owner of the API key that created it; any other
key gets 404 for it (admin keys see everything). The key was checked, and the body capped,
before the route runs (:class:`sokrat.server.auth.Guard`).
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import StreamingResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from sokrat.errors import InvalidInput, MediaError, NotFound
from sokrat.server._upload import receive_file, safe_suffix
from sokrat.server.auth import principal_of
from sokrat.server.deps import (
    MediaStoreDep,
    PrincipalDep,
    ProberDep,
    SettingsDep,
    StoreDep,
    store_of,
)
from sokrat.server.media import media_dir
from sokrat.server.queue import MediaRow, TaskRow
from sokrat.server.schemas import Media, Task, TaskAccepted, TaskCreate, TaskPage, errors
from sokrat.types import Event, Result, TaskStatus

log = logging.getLogger(__name__)

router = APIRouter(prefix="/v1", responses=errors(400, 401, 413, 422, 503))

SSE_PING_S = 15
"""A comment line this often keeps idle SSE streams open through proxies."""
SSE_SEND_TIMEOUT_S = 60.0
"""A viewer that takes no bytes for this long is disconnected (it can resume with Last-Event-ID)."""
MAX_STREAM_PART = 2**64 - 1
_EVENT_ID = r"^\d{1,20}(-\d{1,20})?$"
_STREAM_ID = re.compile(r"^(\d{1,20})(?:-(\d{1,20}))?$")
_ID = re.compile(r"^[0-9a-f]{32}$")
_UPLOAD_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary", "description": "The video or audio file."}}}}}}}


def stream_id(value: str) -> str:
    """A valid Redis stream id (``ms-seq`` or ``ms``, each part below 2^64), else InvalidInput."""
    m = _STREAM_ID.match(value)
    if not m or int(m.group(1)) > MAX_STREAM_PART or int(m.group(2) or 0) > MAX_STREAM_PART:
        raise InvalidInput(f"bad event id {value[:40]!r}: use the id of an event received before "
                           "(like 1712345678901-0)")
    return value if m.group(2) is not None else f"{value}-0"


def _known_id(value: str, what: str) -> str:
    if not _ID.match(value):  # ids are 32 hex digits: anything else cannot exist
        raise NotFound(f"no {what} with id {value[:64]!r}")
    return value


# --- tasks (the hot path first: routes are matched in order) ----------------------------
_CREATE_BODY = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": {"$ref": "#/components/schemas/TaskCreate"}}}}}


@router.post("/tasks", status_code=202, response_model=TaskAccepted, openapi_extra=_CREATE_BODY)
async def create_task(request: Request) -> Response:
    """Queue a run of the agent on ``goal`` over the uploaded ``media``.

    The hot path of the API, so it takes the bare request: FastAPI's body parameter and
    dependency injection cost more than the rest of the route (Redis included); the body is
    validated here by the same :class:`TaskCreate` model, which OpenAPI documents."""
    try:
        body = TaskCreate.model_validate_json(await request.body())
    except ValidationError as e:
        raise RequestValidationError(e.errors(include_url=False, include_context=False)) from None
    who = principal_of(request.scope["state"])
    store = request.app.state.store or await store_of(request.app)
    task_id = await store.create_task(body.run_goal(), body.media, body.options, owner=who.owner, admin=who.admin)
    # rendered by hand: its shape is fixed (TaskAccepted)
    return Response(b'{"id":"%s","status":"queued"}' % task_id.encode(), status_code=202,
                    media_type="application/json")


# --- media ---------------------------------------------------------------------------------------
@router.post("/media", status_code=201, response_model=Media, openapi_extra=_UPLOAD_BODY)
async def upload_media(request: Request, settings: SettingsDep, store: StoreDep, media: MediaStoreDep,
                       probe: ProberDep, who: PrincipalDep) -> Media:
    """Upload one video/audio file as multipart field ``file`` (streamed to disk, size-capped)."""
    media_id = uuid.uuid4().hex
    folder = media_dir(settings)
    part = folder / f".{media_id}.part"
    uploaded = await receive_file(request, part, max_bytes=settings.max_upload_bytes)
    suffix = safe_suffix(uploaded.filename)
    final = folder / f"{media_id}{suffix}"
    shown = uploaded.filename or "the upload"
    try:
        try:
            info = await run_in_threadpool(probe, part, settings)
        except MediaError as e:  # the probe names our temp file: say the user's name instead
            raise MediaError(str(e).replace(str(part), shown).replace(part.name, shown)) from e
        part.rename(final)
        row = MediaRow(id=media_id, owner=who.owner, kind="video" if info.has_video else "audio",
                       duration_s=round(float(info.duration_s), 3), bytes=uploaded.bytes, filename=uploaded.filename,
                       sha256=uploaded.sha256, suffix=suffix, path=str(final), created_at=time.time())
        s3_key = await media.publish(row, final)
        if s3_key:
            row = MediaRow(**{**row.__dict__, "s3_key": s3_key})
        row = await store.add_media(row)
    except BaseException:
        part.unlink(missing_ok=True)
        final.unlink(missing_ok=True)
        raise
    return row.public()


@router.get("/media/{media_id}", response_model=Media, responses=errors(404))
async def get_media(media_id: str, store: StoreDep, who: PrincipalDep) -> Media:
    row = await store.get_media(_known_id(media_id, "media"), owner=who.scope)
    return row.public()


@router.get("/media/{media_id}/content", response_class=StreamingResponse,
            responses={200: {"content": {"application/octet-stream": {}}}, **errors(404)})
async def media_content(media_id: str, store: StoreDep, media: MediaStoreDep, who: PrincipalDep) -> Any:
    """The file's bytes (workers on other machines fetch media here)."""
    row = await store.get_media(_known_id(media_id, "media"), owner=who.scope)
    chunks = media.stream(row)
    first = await anext(chunks, b"")  # raises here (a JSON error) when the file is nowhere

    async def body() -> AsyncIterator[bytes]:
        yield first
        async for chunk in chunks:
            yield chunk

    return StreamingResponse(body(), media_type="application/octet-stream",
                             headers={"Content-Length": str(row.bytes), "X-Content-SHA256": row.sha256})


@router.delete("/media/{media_id}", status_code=204, response_class=Response, responses=errors(404))
async def delete_media(media_id: str, store: StoreDep, media: MediaStoreDep, who: PrincipalDep) -> Response:
    """Delete an upload (its record, its file, its bucket copy). Queued tasks that use it fail."""
    await store.get_media(_known_id(media_id, "media"), owner=who.scope)
    row = await store.delete_media(media_id)
    if row is not None:
        await media.remove(row)
    return Response(status_code=204)


# --- tasks ---------------------------------------------------------------------------------------
@router.get("/tasks", response_model=TaskPage)
async def list_tasks(
    store: StoreDep,
    who: PrincipalDep,
    status: Annotated[TaskStatus | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    cursor: Annotated[str | None, Query(pattern=r"^\d{1,18}$")] = None,
) -> TaskPage:
    """Your tasks (every task for an admin key), newest first, ``limit`` per page; follow
    ``next_cursor`` for older ones."""
    rows, nxt = await store.list_tasks(owner=who.scope, status=status, limit=limit,
                                       cursor=int(cursor) if cursor else None)
    return TaskPage(items=[r.public() for r in rows], next_cursor=str(nxt) if nxt is not None else None)


async def _task(store: Any, task_id: str, who: Any) -> TaskRow:
    return await store.get_task(_known_id(task_id, "task"), owner=who.scope)


@router.get("/tasks/{task_id}", response_model=Task, responses=errors(404))
async def get_task(task_id: str, store: StoreDep, who: PrincipalDep) -> Task:
    """The task; ``result`` is set once it has finished."""
    return (await _task(store, task_id, who)).public()


@router.post("/tasks/{task_id}/cancel", response_model=Task, responses=errors(404, 409))
async def cancel_task(task_id: str, store: StoreDep, who: PrincipalDep) -> Task:
    """Cancel: a queued task ends at once; a running one stops at its next step."""
    task = await _task(store, task_id, who)
    if task.finished:
        raise HTTPException(409, f"task {task_id} has already finished ({task.status})")
    await store.set_cancel_flag(task_id)
    if task.status == "queued":
        result = Result(answer="", status="cancelled", reason="cancelled before it started")
        if await store.finish(task_id, result, allowed="queued"):
            await store.append_event(task_id, Event.done(result))
    return (await store.get_task(task_id)).public()


@router.delete("/tasks/{task_id}", status_code=204, response_class=Response,
               responses=errors(404, 409))
async def delete_task(task_id: str, store: StoreDep, who: PrincipalDep) -> Response:
    """Delete a finished task and its events (unfinished ones: cancel first)."""
    task = await _task(store, task_id, who)
    if not task.finished:
        raise HTTPException(409, f"task {task_id} is {task.status}: cancel it (POST /v1/tasks/{task_id}/cancel) "
                                 "and delete it once it has ended")
    await store.delete_task(task_id)
    return Response(status_code=204)


@router.get("/tasks/{task_id}/events", response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}}}, **errors(404)})
async def task_events(
    request: Request,
    task_id: str,
    store: StoreDep,
    who: PrincipalDep,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", pattern=_EVENT_ID)] = None,
    after: Annotated[str | None, Query(pattern=_EVENT_ID,
                                       description="Resume after this event id (like Last-Event-ID).")] = None,
) -> Any:
    """Server-Sent Events: every event of the run from the start (or after ``Last-Event-ID``),
    ending with ``done`` (whose data carries the result). Every viewer of a task in this
    process shares one Redis reader (:mod:`sokrat.server.fanout`)."""
    from sse_starlette import EventSourceResponse

    start = stream_id(last_event_id or after or "0-0")
    hub = request.app.state.events
    async with hub.short:
        await _task(store, task_id, who)  # 404 before the stream starts
    return EventSourceResponse(hub.follow(store, task_id, start), ping=SSE_PING_S, send_timeout=SSE_SEND_TIMEOUT_S)
