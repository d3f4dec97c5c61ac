"""Credentials out of URLs before they reach a message, a log line or ``sokrat doctor``.

Used by every layer (memory, llm, server, cli), so it lives at the bottom. The server's
fuller scrubber (paths, configured secrets) is :mod:`sokrat.server.redact`.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def redact(url: str) -> str:
    """``url`` without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    user = f"{parts.username}:***@" if parts.username else ":***@"
    return urlunsplit((parts.scheme, user + host, parts.path, parts.query, parts.fragment))
