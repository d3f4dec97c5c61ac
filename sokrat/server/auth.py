"""API keys, owners, and the guard that checks the key and caps the body before any parsing.

Keys come from two places, and only their SHA-256 is kept in memory or in Redis:

- ``SOKRAT_API_KEYS`` / ``SOKRAT_ADMIN_KEYS``: comma-separated, each the key itself or
  ``sha256:<hex>`` of it (so a config file need not hold the key). The owner of an
  environment key is ``key-<first 12 hex of its hash>``.
- ``sokrat keys create --owner NAME [--admin]``: stored in Redis as hash -> owner; several
  keys can share an owner (rotation). ``sokrat keys revoke`` removes a managed key or puts an
  environment key's hash on the revoked list. Servers re-read both every
  ``api_key_refresh_s`` seconds, so a revocation reaches every server within that time
  without a restart.

Auth is on when any environment key is set or any managed key exists. Without keys every
caller is the admin ``anonymous``.

:class:`Guard` is a pure ASGI middleware (no per-request allocation beyond a header scan),
and the one key check of every entry point: the REST app and ``sokrat mcp --http`` both
wrap themselves in it, with the same :class:`KeyRing` (environment keys, managed keys,
revocation). Every path needs a key except the few public ones (:data:`PUBLIC_PATHS`), so a
route added later is protected without anyone remembering to. It answers 401 before the app
reads a byte of the body (429 once a client has sent too many wrong keys:
:class:`FailedKeyThrottle`), then it refuses a
``Content-Length`` over the route's cap at once (413) and counts the bytes of a chunked body
with Starlette's ``RequestBodyLimitMiddleware``. Uploads get ``max_upload_bytes`` (plus
room for the multipart framing); every other body ``max_json_bytes``.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sokrat.server.queue import ANONYMOUS, key_digest

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Scope, Send

    from sokrat.server.queue import TaskStore
    from sokrat.settings import Settings

log = logging.getLogger(__name__)

MULTIPART_SLACK = 64 * 1024
"""Bytes of multipart framing (boundaries, part headers) allowed on top of the upload cap."""
OWNER_NAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
_HEX = re.compile(r"^[0-9a-f]{64}$")
PUBLIC_PATHS = frozenset({"/", "/healthz", "/readyz", "/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json",
                          "/favicon.ico"})
"""Paths served without a key: health checks, the web page (its API calls carry the key the
user enters) and the API's own documentation. Everything else needs one when keys are on."""
PUBLIC_PREFIXES = ("/static/",)
"""Path prefixes served without a key (the web page's assets)."""


def is_public(path: str) -> bool:
    """True for the paths anyone may load (:data:`PUBLIC_PATHS`, :data:`PUBLIC_PREFIXES`)."""
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def never_public(path: str) -> bool:
    """For apps with no public path at all (``sokrat mcp --http``)."""
    return False


@dataclass(frozen=True)
class Principal:
    """Who is calling: the owner their tasks and media are filed under."""

    owner: str
    admin: bool = False

    @property
    def scope(self) -> str | None:
        """The owner to filter by: None (everything) for admins."""
        return None if self.admin else self.owner


NOBODY = Principal(owner=ANONYMOUS, admin=True)
UNREADY = Principal(owner="", admin=False)
"""Returned while the managed keys are unknown (Redis not reached yet): the guard answers 503."""


def parse_key(entry: str) -> str:
    """The digest of one ``SOKRAT_API_KEYS`` entry (plain key, or ``sha256:<hex>``)."""
    if entry.lower().startswith("sha256:"):
        digest = entry.split(":", 1)[1].strip().lower()
        if not _HEX.match(digest):
            from sokrat.errors import ConfigError

            raise ConfigError("an API key entry 'sha256:...' must hold 64 hex digits (sha256sum of the key)")
        return digest
    return key_digest(entry)


class KeyRing:
    """Digest -> principal, from the environment and Redis (refreshed in the background)."""

    def __init__(self, settings: Settings) -> None:
        self._env: dict[str, Principal] = {}
        for entries, admin in ((settings.api_keys, False), (settings.admin_keys, True)):
            for entry in entries:
                digest = parse_key(entry)
                self._env[digest] = Principal(owner=f"key-{digest[:12]}", admin=admin)
        self._managed: dict[str, Principal] = {}
        self._revoked: frozenset[str] = frozenset()
        self.refresh_s = settings.api_key_refresh_s
        self._loaded = False

    @property
    def enabled(self) -> bool:
        return bool(self._env or self._managed)

    @property
    def loaded(self) -> bool:
        """The managed keys have been read from Redis at least once."""
        return self._loaded

    def authenticate(self, authorization: bytes | None) -> Principal | None:
        """The caller for an ``Authorization`` header value; None when refused, :data:`UNREADY`
        while the managed keys could not be read yet (so a restart with Redis down never runs
        open). Without any key configured everyone is :data:`NOBODY` (the admin ``anonymous``)."""
        digest = None
        if authorization:
            scheme, _, key = authorization.partition(b" ")
            key = key.strip()
            if scheme.lower() == b"bearer" and key:
                digest = hashlib.sha256(key).hexdigest()
        if not self._loaded:
            return self._env.get(digest, UNREADY) if digest else (UNREADY if not self._env else None)
        if not self.enabled:
            return NOBODY
        if digest is None or digest in self._revoked:
            return None
        return self._managed.get(digest) or self._env.get(digest)

    async def load(self, store: TaskStore) -> None:
        stored, revoked = await store.keys()
        self._managed = {k.digest: Principal(owner=k.owner, admin=k.admin) for k in stored}
        self._revoked = frozenset(revoked)
        self._loaded = True

    async def refresh_forever(self, get_store: Any) -> None:
        """Re-read the managed keys every ``refresh_s`` (keeps the last copy while Redis is down)."""
        while True:
            try:
                await self.load(await get_store())
            except asyncio.CancelledError:
                raise
            except Exception as e:  # Redis down or not started yet: keep the keys we have
                log.debug("API keys not refreshed: %s", type(e).__name__)
            await asyncio.sleep(self.refresh_s if self._loaded else min(self.refresh_s, 1.0))


class FailedKeyThrottle:
    """Per-client limit on failed keys (``SOKRAT_AUTH_FAIL_LIMIT``), kept by the ``limits``
    library (moving windows, in this process's memory).

    A client past the limit gets 429 for every request, a valid key included, until the window
    moves: answering a right key differently would let a guesser go on at full speed. Valid
    keys never count, so a client that only uses its key is never slowed. The client is the
    connection's address (behind a proxy: the one uvicorn takes from ``X-Forwarded-For`` of a
    trusted proxy, ``--forwarded-allow-ips``). With ``--workers N`` each process keeps its own
    count, so the bound is N times the limit.
    """

    def __init__(self, spec: str) -> None:
        from limits import parse_many
        from limits.storage import MemoryStorage
        from limits.strategies import MovingWindowRateLimiter

        try:
            self.limits = parse_many(spec)
        except ValueError as e:
            from sokrat.errors import ConfigError

            raise ConfigError(f"SOKRAT_AUTH_FAIL_LIMIT {spec!r} is not a rate like '10/second;100/minute' ({e})") from e
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def retry_after(self, client: str) -> int | None:
        """Seconds until ``client`` may try again; None when it may now."""
        import math
        import time

        waits = [self._limiter.get_window_stats(limit, "auth-fail", client).reset_time - time.time()
                 for limit in self.limits if not self._limiter.test(limit, "auth-fail", client)]
        return max(1, math.ceil(max(waits))) if waits else None

    def failed(self, client: str) -> None:
        for limit in self.limits:
            self._limiter.hit(limit, "auth-fail", client)


def _json(status: int, code: str, message: str, headers: tuple[tuple[bytes, bytes], ...] = ()) -> tuple[dict[str, Any], dict[str, Any]]:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    start = {"type": "http.response.start", "status": status,
             "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                         *headers]}
    return start, {"type": "http.response.body", "body": body}


class Guard:
    """ASGI middleware: the API key first, then the body cap, then the app (see module doc)."""

    def __init__(self, app: ASGIApp, *, keyring: KeyRing, max_json_bytes: int, max_upload_bytes: int,
                 public: Callable[[str], bool] = is_public, throttle: FailedKeyThrottle | None = None) -> None:
        from starlette.middleware.body_limit import RequestBodyLimitMiddleware

        self.app = app
        self.keyring = keyring
        self.public = public
        self.throttle = throttle
        self.json_cap = max_json_bytes
        self.upload_cap = max_upload_bytes + MULTIPART_SLACK
        self._json_limited = RequestBodyLimitMiddleware(app, max_body_size=self.json_cap)
        self._upload_limited = RequestBodyLimitMiddleware(app, max_body_size=self.upload_cap)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        auth = length = None
        chunked = False
        for name, value in scope["headers"]:
            if name == b"authorization":
                auth = value
            elif name == b"content-length":
                length = value
            elif name == b"transfer-encoding":
                chunked = True
        if not self.public(path):
            client = (scope.get("client") or ("?",))[0]
            wait = self.throttle.retry_after(client) if self.throttle is not None else None
            if wait is not None:
                for msg in _json(429, "too_many_requests", f"too many wrong API keys from this address; retry in "
                                 f"{wait} s (SOKRAT_AUTH_FAIL_LIMIT)", ((b"retry-after", str(wait).encode()),)):
                    await send(msg)
                return
            principal = self.keyring.authenticate(auth)
            if principal is UNREADY:
                for msg in _json(503, "redis_unavailable", "the API keys cannot be read yet (Redis is "
                                 "unavailable); retry in a few seconds", ((b"retry-after", b"2"),)):
                    await send(msg)
                return
            if principal is None:
                if self.throttle is not None:
                    self.throttle.failed(client)
                message = "invalid API key" if auth else "missing API key: send 'Authorization: Bearer KEY'"
                for msg in _json(401, "unauthorized", message, ((b"www-authenticate", b"Bearer"),)):
                    await send(msg)
                return
            scope.setdefault("state", {})["principal"] = principal
        upload = path == "/v1/media" and scope["method"] == "POST"
        cap = self.upload_cap if upload else self.json_cap
        if length is None:
            if chunked:  # count the bytes as they arrive
                await (self._upload_limited if upload else self._json_limited)(scope, receive, send)
            else:  # no body at all
                await self.app(scope, receive, send)
            return
        try:
            size = int(length)
        except ValueError:
            size = -1
        if size < 0:
            for msg in _json(400, "bad_request", "Content-Length is not a number"):
                await send(msg)
            return
        if size > cap:
            what = "upload" if upload else "request body"
            setting = "SOKRAT_MAX_UPLOAD_BYTES" if upload else "SOKRAT_MAX_JSON_BYTES"
            limit = cap - MULTIPART_SLACK if upload else cap
            code = "upload_too_large" if upload else "payload_too_large"
            for msg in _json(413, code, f"{what} of {size} bytes is over the limit of {limit} bytes ({setting})"):
                await send(msg)
            return
        # a declared length within the cap: the HTTP server delivers no byte past it
        await self.app(scope, receive, send)


def principal_of(scope_state: dict[str, Any]) -> Principal:
    return scope_state.get("principal", NOBODY)


def new_key() -> str:
    """A fresh API key (256 bits, URL-safe)."""
    import secrets

    return "sk-" + secrets.token_urlsafe(32)


def check_owner_name(owner: str) -> str:
    if not OWNER_NAME.match(owner):
        from sokrat.errors import InvalidInput

        raise InvalidInput(f"owner {owner!r}: use 1-64 letters, digits, '_', '.', '@' or '-'")
    return owner
