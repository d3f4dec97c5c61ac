"""FastAPI dependencies: settings, the task store, the media store and prober, the caller.

Tests swap any of them with ``app.dependency_overrides[dep] = ...``. They are all ``async``
although none awaits: FastAPI runs a plain ``def`` dependency in a worker thread, which cost
more than the whole submit path. The API key itself is
checked earlier, by :class:`sokrat.server.auth.Guard`, before the body is read; the routes
only read who the caller is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from sokrat.server.auth import Principal, principal_of
from sokrat.server.media import MediaStore
from sokrat.server.queue import TaskStore
from sokrat.settings import Settings


async def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


async def store_of(app: Any) -> TaskStore:
    """The app's store; created on first use (starts the embedded Redis when REDIS_URL is unset)."""
    state = app.state
    if state.store is None:
        async with state.store_lock:
            if state.store is None:
                state.store = await run_in_threadpool(TaskStore.from_settings, state.settings)
    return state.store


async def get_store(request: Request) -> TaskStore:
    return await store_of(request.app)


async def get_media_store(request: Request) -> MediaStore:
    return request.app.state.media


async def get_principal(request: Request) -> Principal:
    return principal_of(request.scope.get("state", {}))


Prober = Callable[..., Any]


async def get_prober() -> Prober:
    """Probe an upload: duration and streams, and that its first frame decodes (MediaError if not)."""
    from sokrat.server.probe import probe_upload

    return probe_upload


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
StoreDep = Annotated[TaskStore, Depends(get_store)]
MediaStoreDep = Annotated[MediaStore, Depends(get_media_store)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]
ProberDep = Annotated[Prober, Depends(get_prober)]
