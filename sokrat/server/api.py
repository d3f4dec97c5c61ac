"""The /v1 routes: media uploads, tasks, their events (SSE), cancel, listing."""

from __future__ import annotations

import logging
import re
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request
from pydantic import BaseModel, ConfigDict, Field, field_validator
from starlette.concurrency import run_in_threadpool

from sokrat.errors import InvalidInput, MediaError, NotFound
from sokrat.server._upload import receive_file, safe_suffix
from sokrat.server.deps import ProberDep, SettingsDep, StoreDep, require_api_key
from sokrat.server.queue import TERMINAL, MediaRecord, TaskOptions, TaskRecord, media_dir
from sokrat.types import Event

log = logging.getLogger(__name__)

router = APIRouter(prefix="/v1", dependencies=[Depends(require_api_key)])

MAX_GOAL_CHARS = 20_000
MAX_MEDIA_PER_TASK = 32
SSE_BLOCK_MS = 5000
_STREAM_ID = re.compile(r"^\d+-\d+$")


class TaskIn(BaseModel):
    """Body of ``POST /v1/tasks``."""

    model_config = ConfigDict(extra="forbid")

    goal: str = Field(min_length=1, max_length=MAX_GOAL_CHARS)
    media: list[str] = Field(default_factory=list, max_length=MAX_MEDIA_PER_TASK)
    options: TaskOptions = Field(default_factory=TaskOptions)

    @field_validator("goal")
    @classmethod
    def _goal_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("goal is blank: say what the agent should do")
        return value.strip()


class TaskAccepted(BaseModel):
    id: str
    status: Literal["queued"] = "queued"


class TaskPage(BaseModel):
    items: list[TaskRecord]
    next_cursor: str | None = None
    """Pass as ``cursor`` for the next (older) page; null on the last page."""


# --- media ---------------------------------------------------------------------------------------
@router.post("/media", status_code=201, response_model=MediaRecord)
async def upload_media(request: Request, settings: SettingsDep, store: StoreDep, probe: ProberDep) -> MediaRecord:
    """Upload one video/audio file as multipart field ``file`` (streamed to disk, size-capped)."""
    media_id = uuid.uuid4().hex
    folder = media_dir(settings)
    part = folder / f".{media_id}.part"
    uploaded = await receive_file(request, part, max_bytes=settings.max_upload_bytes)
    final = folder / f"{media_id}{safe_suffix(uploaded.filename)}"
    try:
        info = await run_in_threadpool(probe, part, settings)
        if not (info.has_video or info.has_audio):
            raise MediaError(f"{uploaded.filename or 'the upload'}: has no video or audio stream")
        part.rename(final)
        record = MediaRecord(id=media_id, kind="video" if info.has_video else "audio",
                             duration_s=round(float(info.duration_s), 3), bytes=uploaded.bytes,
                             filename=uploaded.filename, path=str(final))
        await store.add_media(record)
    except BaseException:
        part.unlink(missing_ok=True)
        final.unlink(missing_ok=True)
        raise
    return record


@router.get("/media/{media_id}", response_model=MediaRecord)
async def get_media(media_id: str, store: StoreDep) -> MediaRecord:
    return await store.get_media(media_id)


# --- tasks ---------------------------------------------------------------------------------------
@router.post("/tasks", status_code=202, response_model=TaskAccepted)
async def create_task(body: TaskIn, store: StoreDep) -> TaskAccepted:
    """Queue a run of the agent on ``goal`` over the uploaded ``media``."""
    media: list[MediaRecord] = []
    for media_id in body.media:
        try:
            record = await store.get_media(media_id)
        except NotFound as e:
            raise InvalidInput(f"unknown media id {media_id!r}: upload the file with POST /v1/media "
                               "and pass the id it returns") from e
        media.append(record)
    task = await store.create_task(body.goal, media, body.options)
    return TaskAccepted(id=task.id)


@router.get("/tasks", response_model=TaskPage)
async def list_tasks(
    store: StoreDep,
    status: Annotated[Literal["queued", "running", "succeeded", "failed", "cancelled", "budget_exhausted"] | None,
                      Query()] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    cursor: Annotated[str | None, Query(pattern=r"^\d+$")] = None,
) -> TaskPage:
    """Tasks, newest first, ``limit`` per page; follow ``next_cursor`` for older ones."""
    tasks, nxt = await store.list_tasks(status=status, limit=limit, cursor=int(cursor) if cursor else None)
    return TaskPage(items=tasks, next_cursor=str(nxt) if nxt is not None else None)


@router.get("/tasks/{task_id}", response_model=TaskRecord)
async def get_task(task_id: str, store: StoreDep) -> TaskRecord:
    """The task; ``result`` is set once it has finished."""
    return await store.get_task(task_id)


@router.post("/tasks/{task_id}/cancel", response_model=TaskRecord)
async def cancel_task(task_id: str, store: StoreDep) -> TaskRecord:
    """Cancel: a queued task ends at once; a running one stops at its next step."""
    from sokrat.types import Result

    task = await store.get_task(task_id)
    if task.status in TERMINAL:
        raise HTTPException(409, f"task {task_id} has already finished ({task.status})")
    await store.set_cancel_flag(task_id)
    if task.status == "queued":
        result = Result(answer="", status="cancelled", reason="cancelled before it started")
        if await store.finish(task_id, result, allowed="queued"):
            await store.append_event(task_id, Event(type="done", data={"result": result.model_dump(mode="json")}))
    return await store.get_task(task_id)


@router.get("/tasks/{task_id}/events")
async def task_events(
    task_id: str,
    store: StoreDep,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
    after: Annotated[str | None, Query(description="Resume after this event id (like Last-Event-ID).")] = None,
) -> Any:
    """Server-Sent Events: every event of the run from the start (or after ``Last-Event-ID``),
    ending with ``done`` (whose data carries the result)."""
    from sse_starlette import EventSourceResponse, ServerSentEvent

    start = last_event_id or after or "0-0"
    if not _STREAM_ID.match(start):
        raise InvalidInput(f"bad event id {start!r}: use the id of an event received before (like 1712345678901-0)")
    await store.get_task(task_id)  # 404 before the stream starts

    async def stream() -> Any:
        cursor = start
        while True:
            entries = await store.read_events(task_id, cursor, block_ms=SSE_BLOCK_MS)
            for entry_id, event in entries:
                cursor = entry_id
                yield ServerSentEvent(id=entry_id, event=event.type, data=event.model_dump_json())
                if event.type == "done":
                    return
            if entries:
                continue
            task = await store.find_task(task_id)
            if task is None or task.status not in TERMINAL:
                continue
            # finished, but no `done` after the cursor (trimmed, or just written): read once more, then synthesise
            late = await store.read_events(task_id, cursor)
            for entry_id, event in late:
                yield ServerSentEvent(id=entry_id, event=event.type, data=event.model_dump_json())
                if event.type == "done":
                    return
            data: dict[str, Any] = {"result": task.result.model_dump(mode="json") if task.result else None}
            yield ServerSentEvent(event="done", data=Event(type="done", data=data).model_dump_json())
            return

    return EventSourceResponse(stream(), ping=15)
