"""The REST API (``sokrat serve``): ``create_app(settings)`` builds the FastAPI app.

Every error leaves as ``{"error": {"code", "message"}}`` with its status code; tracebacks
are logged here and never sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from sokrat import errors
from sokrat.server.deps import SettingsDep, StoreDep
from sokrat.settings import Settings, get_settings

log = logging.getLogger(__name__)

# SokratError subclass -> HTTP status (most specific first wins: looked up along the MRO)
STATUS_FOR: dict[type[errors.SokratError], int] = {
    errors.NotFound: 404,
    errors.InvalidInput: 422,
    errors.MediaError: 422,
    errors.RunLimitExceeded: 422,
    errors.MemoryBackendError: 503,
    errors.ConfigError: 503,
    errors.LLMConnectionError: 502,
    errors.LLMOutputError: 502,
    errors.ToolError: 422,
}
_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
               415: "unsupported_media_type", 422: "invalid_request", 429: "too_many_requests",
               503: "unavailable"}
MODEL_CHECK_TTL_S = 60.0
"""readyz re-resolves the models at most this often (Redis is checked on every call)."""


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": " ".join(str(message).split()) or code}, **extra}


def _status_for(exc: errors.SokratError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS_FOR:
            return STATUS_FOR[cls]  # type: ignore[index]
    return 500


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        loc = ".".join(str(x) for x in err.get("loc", ()) if x != "body") or "request"
        parts.append(f"{loc}: {err.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


def install_error_handlers(app: FastAPI) -> None:
    from sokrat.server._upload import UploadTooLarge

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        return JSONResponse(error_body(code, str(exc.detail)), status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(error_body("invalid_request", _validation_message(exc)), status_code=422)

    @app.exception_handler(errors.SokratError)
    async def _sokrat(request: Request, exc: errors.SokratError) -> JSONResponse:
        status = 413 if isinstance(exc, UploadTooLarge) else _status_for(exc)
        if status >= 500:
            log.warning("%s %s -> %d %s: %s", request.method, request.url.path, status, exc.code, exc)
        return JSONResponse(error_body(exc.code, str(exc)), status_code=status)

    import redis

    async def _redis_down(request: Request, exc: Exception) -> JSONResponse:
        log.warning("%s %s -> 503: Redis: %s", request.method, request.url.path, exc)
        return JSONResponse(error_body("redis_unavailable", f"Redis is unavailable ({type(exc).__name__}: {exc}); "
                                       "retry later, or check the server at REDIS_URL"), status_code=503)

    app.add_exception_handler(redis.ConnectionError, _redis_down)
    app.add_exception_handler(redis.TimeoutError, _redis_down)

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> JSONResponse:
        log.error("%s %s -> 500", request.method, request.url.path, exc_info=exc)
        return JSONResponse(error_body("internal_error", "internal server error; the details are in the server log"),
                            status_code=500)


# --- health --------------------------------------------------------------------------------------
health = APIRouter()


@health.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up (no dependency checks)."""
    return {"status": "ok"}


def _check_models(settings: Settings) -> tuple[dict[str, str], list[str]]:
    """Resolve what a worker needs: the planner (unless it is an HTTP server) and the embedder."""
    from sokrat.models import resolve

    found: dict[str, str] = {}
    problems: list[str] = []
    if settings.llm_base_url:
        found["planner"] = f"http {settings.llm_base_url}"
    roles = ["embedder"] if settings.llm_base_url else ["planner", "embedder"]
    for role in roles:
        try:
            m = resolve(role, settings, prepare=False)
            found[role] = f"{m.origin} {m.model_id}"
        except errors.SokratError as e:
            problems.append(f"{role}: {e}")
    return found, problems


@health.get("/readyz")
async def readyz(request: Request, settings: SettingsDep) -> JSONResponse:
    """Ready = Redis answers and the models resolve; 503 naming what is wrong otherwise."""
    from sokrat.server.deps import get_store

    checks: dict[str, Any] = {}
    problems: list[str] = []
    try:
        store = await get_store(request)
        await asyncio.wait_for(store.ping(), timeout=5.0)
        checks["redis"] = "ok"
    except Exception as e:  # readiness reports any failure (dead socket, refused auth...), never raises
        checks["redis"] = f"{type(e).__name__}: {e}"
        problems.append(f"Redis unreachable ({type(e).__name__}: {e})")
    state = request.app.state
    cached = state.model_check
    if cached is None or time.monotonic() - cached[0] > MODEL_CHECK_TTL_S or cached[2]:
        found, model_problems = await run_in_threadpool(_check_models, settings)
        state.model_check = cached = (time.monotonic(), found, model_problems)
    checks["models"] = cached[1]
    problems += cached[2]
    if problems:
        return JSONResponse(error_body("not_ready", "; ".join(problems), checks=checks), status_code=503)
    return JSONResponse({"status": "ready", "checks": checks})


# --- the app -------------------------------------------------------------------------------------
def create_app(settings: Settings | None = None, *, store: Any = None) -> FastAPI:
    """The REST API. ``store`` (a :class:`~sokrat.server.queue.TaskStore`) defaults to one on
    the settings' Redis, created on first use."""
    from sokrat.server.api import router

    settings = settings or get_settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if app.state.store is None and not settings.redis_url:
            # start the embedded Redis now rather than on the first request (a failure is
            # reported by /readyz and by each request, not fatal here)
            try:
                from sokrat.server.queue import TaskStore

                app.state.store = await run_in_threadpool(TaskStore.from_settings, settings)
            except errors.SokratError as e:
                log.error("embedded Redis did not start: %s", e)
        try:
            yield
        finally:
            if app.state.store is not None and app.state.owns_store:
                await app.state.store.close()

    app = FastAPI(title="Sokrat", version="1", summary="Agents that see, hear and act.", lifespan=lifespan)
    app.state.settings = settings
    app.state.store = store
    app.state.owns_store = store is None
    app.state.store_lock = asyncio.Lock()
    app.state.model_check = None
    install_error_handlers(app)
    app.include_router(health)
    app.include_router(router)
    return app


__all__ = ["StoreDep", "create_app", "error_body"]
