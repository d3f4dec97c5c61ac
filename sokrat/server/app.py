"""The REST API (``sokrat serve``): ``create_app(settings)`` builds the FastAPI app.

Every error leaves as ``{"error": {"code", "message"}}`` with its status code, its message
scrubbed of secrets and internal paths (:mod:`sokrat.server.redact`); tracebacks are logged
here and never sent. Per process, once: the key ring (:mod:`sokrat.server.auth`), the
redactor, the Redis client, the embedded Redis's supervisor, and a retention sweeper.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from sokrat import errors
from sokrat.server.auth import FailedKeyThrottle, Guard, KeyRing, is_public
from sokrat.server.deps import SettingsDep, get_store, store_of
from sokrat.server.fanout import EventHub
from sokrat.server.media import MediaStore, media_dir
from sokrat.server.origin import EXEMPT_PATHS, SAFE_METHODS, SameOrigin
from sokrat.server.redact import Redactor
from sokrat.settings import Settings, get_settings

log = logging.getLogger(__name__)

# SokratError subclass -> HTTP status (most specific first wins: looked up along the MRO)
STATUS_FOR: dict[type[errors.SokratError], int] = {
    errors.NotFound: 404,
    errors.UploadTooLarge: 413,
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
SWEEP_EVERY_S = 60.0
"""Retention runs this often (or at half the shortest retention, if that is sooner)."""
ORPHAN_AGE_S = 600.0
"""An upload file whose record is gone is removed once it is this old (its row was swept elsewhere)."""


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


def _too_large(settings: Settings, path: str) -> tuple[str, str]:
    if path == "/v1/media":
        return "upload_too_large", (f"upload is over the limit of {settings.max_upload_bytes} bytes "
                                    "(SOKRAT_MAX_UPLOAD_BYTES)")
    return "payload_too_large", f"request body is over the limit of {settings.max_json_bytes} bytes (SOKRAT_MAX_JSON_BYTES)"


METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _methods_for(app: FastAPI, scope: dict[str, Any]) -> list[str]:
    """Every method some route serves on the request's path (for a 405's ``Allow``), found by
    the router's own matching, so routers included with a prefix count too."""
    from starlette.routing import Match

    allowed = []
    for method in METHODS:
        probe = {**scope, "method": method}
        if any(route.matches(probe)[0] == Match.FULL for route in app.router.routes):
            allowed.append(method)
    return allowed


def install_error_handlers(app: FastAPI) -> None:
    import redis

    def scrub(text: str) -> str:
        return app.state.redactor.text(text)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        message = str(exc.detail)
        headers = getattr(exc, "headers", None)
        if exc.status_code == 413:  # a chunked body past the cap (Starlette's body limiter)
            code, message = _too_large(app.state.settings, request.url.path)
        elif exc.status_code == 405:  # Starlette lists only the first matching route's methods
            headers = {**(headers or {}), "Allow": ", ".join(_methods_for(app, dict(request.scope)))}
        return JSONResponse(error_body(code, scrub(message)), status_code=exc.status_code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(error_body("invalid_request", scrub(_validation_message(exc))), status_code=422)

    @app.exception_handler(errors.SokratError)
    async def _sokrat(request: Request, exc: errors.SokratError) -> JSONResponse:
        status = _status_for(exc)
        if status >= 500:
            log.warning("%s %s -> %d %s: %s", request.method, request.url.path, status, exc.code, exc)
        return JSONResponse(error_body(exc.code, scrub(str(exc))), status_code=status)

    async def _redis_down(request: Request, exc: Exception) -> JSONResponse:
        log.warning("%s %s -> 503: Redis: %s: %s", request.method, request.url.path, type(exc).__name__, exc)
        if app.state.supervisor is not None:
            app.state.supervisor.kick()
        return JSONResponse(error_body("redis_unavailable", f"Redis is unavailable ({type(exc).__name__}); "
                                       "retry in a few seconds"), status_code=503, headers={"Retry-After": "2"})

    app.add_exception_handler(redis.ConnectionError, _redis_down)
    app.add_exception_handler(redis.TimeoutError, _redis_down)

    @app.exception_handler(ClientDisconnect)
    async def _gone(request: Request, exc: ClientDisconnect) -> JSONResponse:
        # nobody is left to read the answer: one quiet line, no traceback
        log.info("%s %s: the client disconnected before the request body was complete",
                 request.method, request.url.path)
        return JSONResponse(error_body("client_disconnected", "the client disconnected"), status_code=400)

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
    """What a worker needs: the planner (through the chat-backend registry, the same check as
    ``sokrat doctor``) and the embedder. Only backend names, origins and model names are
    reported: ``/readyz`` is public."""
    from sokrat.llm.backends import describe_chat_backend
    from sokrat.weights import resolve

    found: dict[str, str] = {}
    problems: list[str] = []
    planner = describe_chat_backend(settings)
    if planner.ok:
        found["planner"] = planner.backend + (f" {Path(planner.model).name}" if planner.model else "")
    else:
        problems.append(f"planner ({planner.backend}): {planner.error}")
    try:
        m = resolve("embedder", settings, prepare=False)
        found["embedder"] = f"{m.origin} {Path(str(m.model_id)).name}"
    except errors.SokratError as e:
        problems.append(f"embedder: {e}")
    return found, problems


@health.get("/readyz")
async def readyz(request: Request, settings: SettingsDep) -> JSONResponse:
    """Ready = Redis answers and the models resolve; 503 naming what is wrong otherwise."""
    state = request.app.state
    checks: dict[str, Any] = {}
    problems: list[str] = []
    try:
        store = await get_store(request)
        await asyncio.wait_for(store.ping(), timeout=5.0)
        checks["redis"] = "ok"
    except Exception as e:  # readiness reports any failure (dead socket, refused auth...), never raises
        if state.supervisor is not None:
            state.supervisor.kick()
        checks["redis"] = f"unavailable ({type(e).__name__})"
        problems.append(f"Redis unreachable ({type(e).__name__})")
    cached = state.model_check
    if cached is None or time.monotonic() - cached[0] > MODEL_CHECK_TTL_S or cached[2]:
        found, model_problems = await run_in_threadpool(_check_models, settings)
        state.model_check = cached = (time.monotonic(), found, model_problems)
    checks["models"] = cached[1]
    problems += cached[2]
    if problems:
        body = state.redactor.value(error_body("not_ready", "; ".join(problems), checks=checks), all_paths=True)
        return JSONResponse(body, status_code=503)
    return JSONResponse({"status": "ready", "checks": checks})


# --- background work -------------------------------------------------------------------------------
async def _sweep_forever(app: FastAPI) -> None:
    """Retention: delete expired tasks and media (one process at a time), and upload files
    whose record is gone."""
    state = app.state
    retentions = [r for r in (state.settings.task_retention_s, state.settings.media_retention_s) if r > 0]
    every = max(0.5, min([SWEEP_EVERY_S, *(r / 2 for r in retentions)]))
    while True:
        await asyncio.sleep(every)
        try:
            store = state.store
            if store is None:
                continue
            tasks, rows = await store.sweep()
            for row in rows:
                await state.media.remove(row)
            orphans = await _remove_orphans(app)
            if tasks or rows or orphans:
                log.info("retention: deleted %d task(s), %d media, %d orphan file(s)", tasks, len(rows), orphans)
        except asyncio.CancelledError:
            raise
        except Exception as e:  # Redis down: the next round retries
            log.warning("retention sweep skipped: %s", type(e).__name__)


async def _remove_orphans(app: FastAPI) -> int:
    folder = media_dir(app.state.settings)
    if not folder.is_dir():
        return 0
    now = time.time()
    old = [p for p in folder.iterdir() if p.is_file() and now - p.stat().st_mtime > ORPHAN_AGE_S]
    uploads = [p for p in old if not p.name.startswith(".")]
    exists = await app.state.store.media_exist([p.stem for p in uploads]) if uploads else []
    gone = [p for p, ok in zip(uploads, exists, strict=True) if not ok]
    gone += [p for p in old if p.name.endswith(".part") and now - p.stat().st_mtime > 86_400]
    for p in gone:
        p.unlink(missing_ok=True)
    return len(gone)


# --- the app -------------------------------------------------------------------------------------
def create_app(settings: Settings | None = None, *, store: Any = None) -> FastAPI:
    """The REST API. ``store`` (a :class:`~sokrat.server.queue.TaskStore`) defaults to one on
    the settings' Redis, created on first use."""
    from sokrat.server import collections, media_views, ui
    from sokrat.server.api import router

    settings = settings or get_settings()
    keyring = KeyRing(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not settings.redis_url and settings.redis_supervise_s > 0:
            from sokrat.memory.embedded import Supervisor

            app.state.supervisor = Supervisor(settings.data_dir, interval_s=settings.redis_supervise_s,
                                              settings=settings).start()
        if app.state.store is None:
            # connect now rather than on the first request (starts the embedded Redis when
            # REDIS_URL is unset); a failure is reported by /readyz and each request, not fatal
            try:
                from sokrat.server.queue import TaskStore

                app.state.store = await run_in_threadpool(TaskStore.from_settings, settings)
            except errors.SokratError as e:
                log.error("Redis is not available yet: %s", app.state.redactor.text(str(e)))
        if app.state.store is not None:
            with contextlib.suppress(Exception):  # Redis down: the refresh loop retries
                await keyring.load(app.state.store)
        background = [asyncio.create_task(keyring.refresh_forever(lambda: store_of(app))),
                      asyncio.create_task(_sweep_forever(app))]
        try:
            yield
        finally:
            for task in background:
                task.cancel()
            await asyncio.gather(*background, return_exceptions=True)
            if app.state.supervisor is not None:
                app.state.supervisor.stop()
            if app.state.store is not None and app.state.owns_store:
                await app.state.store.close()

    app = FastAPI(title="Sokrat", version="1", summary="Agents that see, hear and act.", lifespan=lifespan)
    app.state.settings = settings
    app.state.store = store
    app.state.owns_store = store is None
    app.state.store_lock = asyncio.Lock()
    app.state.model_check = None
    app.state.keyring = keyring
    app.state.redactor = Redactor(settings)
    app.state.media = MediaStore(settings)
    app.state.supervisor = None
    app.state.events = EventHub()
    install_error_handlers(app)
    app.include_router(health)
    app.include_router(router)
    app.include_router(media_views.router)
    app.include_router(collections.router)
    ui.install(app)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    app.add_middleware(Guard, keyring=keyring, max_json_bytes=settings.max_json_bytes,
                       max_upload_bytes=settings.max_upload_bytes,
                       throttle=FailedKeyThrottle(settings.auth_fail_limit))
    # outermost: Host and Origin are checked before anything else, keys or not
    app.add_middleware(SameOrigin, allowed_hosts=settings.allowed_hosts, allowed_origins=settings.allowed_origins)
    return app


def edge_answers(path: str, method: str) -> set[int]:
    """The statuses :class:`SameOrigin` and :class:`Guard` can answer for a route before it runs,
    decided by their own predicates: 400 ``bad_host`` and, for writes, 403 ``cross_origin``
    unless the path is a health probe; 401, 429 (failed-key throttle) and 503 (keys unreadable)
    unless the path is public."""
    out: set[int] = set()
    if path not in EXEMPT_PATHS:
        out.add(400)
        if method.upper() not in SAFE_METHODS:
            out.add(403)
    if not is_public(path):
        out |= {401, 429, 503}
    return out


def _document_edge_answers(schema: dict[str, Any]) -> None:
    """Add the middlewares' answers (:func:`edge_answers`) to every operation's ``responses``
    in a built OpenAPI schema; an operation's own entry for a status is kept."""
    from sokrat.server.schemas import ErrorBody, openapi_error

    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status in sorted(edge_answers(path, method)):
                responses.setdefault(str(status), openapi_error(status))
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    if "ErrorBody" not in components:
        body = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(body.pop("$defs", {}))
        components["ErrorBody"] = body


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's schema, plus the request models of routes that read their body themselves."""
    if app.openapi_schema is None:
        from fastapi.openapi.utils import get_openapi

        from sokrat.server.schemas import TaskCreate

        schema = get_openapi(title=app.title, version=app.version, summary=app.summary, routes=app.routes)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        create = TaskCreate.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(create.pop("$defs", {}))
        components["TaskCreate"] = create
        _document_edge_answers(schema)
        app.openapi_schema = schema
    return app.openapi_schema


def app_from_env() -> FastAPI:
    """The app on the environment's settings: the factory each ``sokrat serve --workers N``
    process calls (``uvicorn sokrat.server.app:app_from_env --factory``): the edge of a serve
    process, so it installs the log redaction first (a no-op when the CLI already did)."""
    from sokrat._redact import install_log_redaction

    settings = get_settings()
    install_log_redaction(settings)
    return create_app(settings)


__all__ = ["STATUS_FOR", "app_from_env", "create_app", "edge_answers", "error_body"]
