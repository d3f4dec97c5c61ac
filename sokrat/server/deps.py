"""FastAPI dependencies: settings, the task store, the media prober, API-key auth.

Tests swap any of them with ``app.dependency_overrides[dep] = ...``.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Header, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from sokrat.errors import RedisUnavailable
from sokrat.server.queue import TaskStore
from sokrat.settings import Settings


def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_store(request: Request) -> TaskStore:
    """The app's store; created on first use (starts the embedded Redis when REDIS_URL is unset)."""
    state = request.app.state
    if state.store is None:
        async with state.store_lock:
            if state.store is None:
                try:
                    state.store = await run_in_threadpool(TaskStore.from_settings, state.settings)
                except RedisUnavailable:
                    raise
    return state.store


Prober = Callable[..., Any]


def get_prober() -> Prober:
    """The perception module's ``probe(path, settings)`` (duration, streams; raises MediaError)."""
    from sokrat.perception.decode import probe

    return probe


async def require_api_key(
    settings: Annotated[Settings, Depends(get_app_settings)],
    authorization: Annotated[str | None, Header()] = None,
) -> None:
    """Every /v1 call needs ``Authorization: Bearer KEY`` when SOKRAT_API_KEYS is set."""
    if not settings.api_keys:
        return
    scheme, _, key = (authorization or "").partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not key:
        raise HTTPException(401, "missing API key: send 'Authorization: Bearer KEY'",
                            headers={"WWW-Authenticate": "Bearer"})
    if not any(secrets.compare_digest(key.encode(), k.encode()) for k in settings.api_keys):
        raise HTTPException(401, "invalid API key", headers={"WWW-Authenticate": "Bearer"})


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
StoreDep = Annotated[TaskStore, Depends(get_store)]
ProberDep = Annotated[Prober, Depends(get_prober)]
