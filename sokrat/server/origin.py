"""Host and Origin checks: no DNS rebinding, no cross-site requests that change anything.

A browser lets any web site send "simple" requests (a form post, ``text/plain``) to any
address, the user's own ``localhost:8000`` included, and a rebound DNS name makes a foreign
site's page talk to it under its own name. Keys do not help a server run without keys. So,
before the key check (:class:`SameOrigin` is the outermost middleware):

- the ``Host`` header must name one of ``SOKRAT_ALLOWED_HOSTS`` (default: the localhost
  names; ``*`` allows any), else 400. The health probes are exempt (an orchestrator probes the
  instance by its address);
- a request that can change something (not GET/HEAD/OPTIONS) coming from a browser page of
  another origin is refused with 403: its ``Origin`` is neither the server's own (the web page
  at ``/`` is served from the same origin, so it keeps working) nor in
  ``SOKRAT_ALLOWED_ORIGINS``; without ``Origin``, a ``Sec-Fetch-Site`` other than
  ``same-origin``/``none`` is refused too. Clients that are not browsers send neither header.

Why not Starlette's ``TrustedHostMiddleware``: it answers in plain text, and errors here are
JSON (INTERFACE.md); it has no Origin check either, which is the part that matters for CSRF.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Scope, Send

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
EXEMPT_PATHS = frozenset({"/healthz", "/readyz"})
"""Probed by load balancers and orchestrators by the instance's address."""


def host_name(host: str) -> str:
    """The name of a ``Host`` header value, without its port (``[::1]:8000`` -> ``::1``)."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def host_allowed(name: str, allowed: list[str]) -> bool:
    for pattern in allowed:
        pattern = host_name(pattern) if pattern != "*" else pattern
        if pattern == "*" or name == pattern or (pattern.startswith("*.") and name.endswith(pattern[1:])):
            return True
    return False


class SameOrigin:
    """ASGI middleware: see the module doc."""

    def __init__(self, app: ASGIApp, *, allowed_hosts: list[str], allowed_origins: list[str]) -> None:
        self.app = app
        self.allowed_hosts = allowed_hosts or ["*"]
        self.allowed_origins = {o.rstrip("/").lower() for o in allowed_origins}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in EXEMPT_PATHS:
            await self.app(scope, receive, send)
            return
        host = origin = fetch_site = None
        for name, value in scope["headers"]:
            if name == b"host":
                host = value.decode("latin-1")
            elif name == b"origin":
                origin = value.decode("latin-1")
            elif name == b"sec-fetch-site":
                fetch_site = value.decode("latin-1").lower()
        if host is None or not host_allowed(host_name(host), self.allowed_hosts):
            await _refuse(send, 400, "bad_host", f"Host {(host or '')[:80]!r} is not served here: add it to "
                          "SOKRAT_ALLOWED_HOSTS (comma-separated names, * for any)")
            return
        if scope["method"] not in SAFE_METHODS and not self._same_origin(host, origin, fetch_site):
            await _refuse(send, 403, "cross_origin", f"a {scope['method']} from another site's page "
                          f"(Origin {(origin or '')[:80]!r}) is refused; a separate front end needs its origin "
                          "in SOKRAT_ALLOWED_ORIGINS")
            return
        await self.app(scope, receive, send)

    def _same_origin(self, host: str, origin: str | None, fetch_site: str | None) -> bool:
        if origin is None:
            return fetch_site in (None, "same-origin", "none")
        origin = origin.rstrip("/").lower()
        if origin in self.allowed_origins:
            return True
        try:
            return urlsplit(origin).netloc == host.strip().lower() != ""
        except ValueError:
            return False


async def _refuse(send: Send, status: int, code: str, message: str) -> None:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
