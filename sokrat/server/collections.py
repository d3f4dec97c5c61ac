"""Collections over REST: a day (or days) of uploaded clips as one memory.

- ``POST /v1/collections`` ``{"name"}``: make an (empty) collection of yours.
- ``POST /v1/collections/{name}/media`` ``{"media": [id, ...], "start": ISO8601?}``: index
  each upload (or reuse its log) and put it on the collection's wall-clock timeline; a clip
  that fails is reported in ``failed`` and the others are still added.
- ``GET /v1/collections/{name}``: its clips (with clock times) and its diary.
- ``DELETE /v1/collections/{name}/media/{clip}``: take one clip and all its shots off the
  timeline (``clip``: the upload's media id, the clip id ``log_id/source``, its log id or its
  file name); the view after removal, 404 for an unknown clip.
- ``DELETE /v1/collections/{name}``: the whole collection (204); uploads and logs stay.

Collections belong to the API key's owner (:class:`~sokrat.video.collection.Collection` keys
them by owner and name); another key gets 404. A task's ``"collection"`` asks over one.
Indexing runs in this process's thread pool (a clip's log is built once per content).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from sokrat.errors import InvalidInput, NotFound
from sokrat.server.api import _known_id
from sokrat.server.deps import MediaStoreDep, PrincipalDep, StoreDep
from sokrat.server.media_views import VideoLogsDep
from sokrat.server.schemas import errors

router = APIRouter(prefix="/v1", tags=["collections"], responses=errors(400, 401, 413, 422, 503))
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
MAX_MEDIA_PER_ADD = 50
MEDIA_ID = re.compile(r"^[0-9a-f]{32}$")


class CollectionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=NAME_PATTERN, description="1-64 letters, digits, '.', '_' or '-'.")


class CollectionAdd(BaseModel):
    model_config = ConfigDict(extra="forbid")
    media: list[Annotated[str, Field(pattern=MEDIA_ID.pattern)]] = Field(
        min_length=1, max_length=MAX_MEDIA_PER_ADD, description="Ids from POST /v1/media.")
    start: str | None = Field(default=None, description=(
        "Wall-clock start (ISO 8601) of clips whose container has no creation_time; each next such "
        "clip starts where the previous one ended."))


class CollectionView(BaseModel):
    name: str
    clips: list[dict[str, Any]] = Field(default_factory=list)
    diary: list[dict[str, Any]] = Field(default_factory=list)
    added: list[dict[str, Any]] = Field(default_factory=list)
    failed: list[dict[str, Any]] = Field(default_factory=list)


def _collection(request: Request, memory: Any, name: str, owner: str) -> Any:
    from sokrat.video.collection import Collection
    from sokrat.video.qa import VideoQA

    return Collection(VideoQA(settings=request.app.state.settings, memory=memory), name, owner=owner)


def _view(coll: Any, **extra: Any) -> CollectionView:
    from sokrat.video import diary

    clips = coll.clips()
    return CollectionView(name=coll.name, clips=[c.to_json() for c in clips],
                          diary=[p.to_json() for p in diary.periods(coll)] if clips else [], **extra)


async def _existing(request: Request, memory: Any, name: str, owner: str) -> Any:
    coll = await run_in_threadpool(_collection, request, memory, name, owner)
    if not await run_in_threadpool(coll.exists):
        raise NotFound(f"no collection named {name!r}; make it with POST /v1/collections")
    return coll


@router.post("/collections", status_code=201, response_model=CollectionView, responses=errors(422))
async def create_collection(body: CollectionCreate, request: Request, who: PrincipalDep,
                            logs: VideoLogsDep) -> CollectionView:
    coll = await run_in_threadpool(_collection, request, logs, body.name, who.owner)
    await run_in_threadpool(coll.create)
    return await run_in_threadpool(_view, coll)


@router.post("/collections/{name}/media", response_model=CollectionView, responses=errors(404, 422))
async def add_media(name: str, body: CollectionAdd, request: Request, who: PrincipalDep, store: StoreDep,
                    media: MediaStoreDep, logs: VideoLogsDep) -> CollectionView:
    from sokrat.video.collection import parse_iso

    start = parse_iso(body.start) if body.start else None  # a bad time fails before any work
    coll = await _existing(request, logs, name, who.owner)
    try:  # an unknown id in the body is bad input (the collection itself exists)
        rows = [await store.get_media(_known_id(m, "media"), owner=who.scope) for m in body.media]
    except NotFound as e:
        raise InvalidInput(str(e)) from e
    clips = [(await media.fetch(row), row.filename or f"{row.id}{row.suffix}") for row in rows]
    reports = await run_in_threadpool(coll.add_named, clips, start=start)
    return await run_in_threadpool(_view, coll, added=[r.to_json() for r in reports if r.ok],
                                   failed=[r.to_json() for r in reports if not r.ok])


@router.get("/collections/{name}", response_model=CollectionView, responses=errors(404))
async def get_collection(name: str, request: Request, who: PrincipalDep, logs: VideoLogsDep) -> CollectionView:
    coll = await _existing(request, logs, name, who.owner)
    return await run_in_threadpool(_view, coll)


def _clip_of_media(coll: Any, row: Any) -> str | None:
    """The clip an upload became: its content (the log id starts with the file's SHA-256) under
    the name :func:`add_media` gave it."""
    name = row.filename or f"{row.id}{row.suffix}"
    return next((c.clip_id for c in coll.clips() if c.log_id.startswith(row.sha256[:32]) and c.source == name), None)


@router.delete("/collections/{name}/media/{clip:path}", response_model=CollectionView, responses=errors(404))
async def remove_media(name: str, clip: str, request: Request, who: PrincipalDep, store: StoreDep,
                       logs: VideoLogsDep) -> CollectionView:
    coll = await _existing(request, logs, name, who.owner)
    ref: str | None = clip
    if MEDIA_ID.match(clip) and not await run_in_threadpool(coll.matching, clip):
        try:  # another owner's upload (or one since expired) is an unknown clip
            row = await store.get_media(clip, owner=who.scope)
            ref = await run_in_threadpool(_clip_of_media, coll, row)
        except NotFound:
            pass
    removed = await run_in_threadpool(coll.remove, ref) if ref else None
    if removed is None:
        raise NotFound(f"no clip {clip!r} in the collection {name!r}; GET /v1/collections/{name} lists them")
    return await run_in_threadpool(_view, coll)


@router.delete("/collections/{name}", status_code=204, responses=errors(404))
async def delete_collection(name: str, request: Request, who: PrincipalDep, logs: VideoLogsDep) -> Response:
    coll = await _existing(request, logs, name, who.owner)
    await run_in_threadpool(coll.delete)
    return Response(status_code=204)


__all__ = ["router"]
