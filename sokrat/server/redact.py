"""Scrub secrets and internal paths from what the API sends out.

Answers, reasons, observations, error messages, 503s and ``/readyz`` can carry text from
deep inside (an LLM client error quoting its base URL with credentials, a probe error naming
the temp file, a Redis error naming its socket). :class:`Redactor` is built once per process
from the settings and applied to every string that leaves: task results and events (in the
worker, before they are stored) and error bodies (in the app).

- credentials in any URL (``scheme://user:pass@host`` -> ``scheme://***@host``), and the
  configured secrets themselves (LLM API key, passwords of the LLM and Redis URLs, API keys);
- the Redis URL / socket path -> ``REDIS_URL``;
- paths under the data dir, the cache dir, the temp dir, the home dir and the Python prefix
  -> their last component (``.../clip.mp4``), or a name the caller maps them to (a task's
  media path -> the file name the user uploaded).
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from sokrat.settings import Settings

T = TypeVar("T")

_URL_CREDENTIALS = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^\s/@'\"<>]+@")
_PATH_END = r"""(?:/[^\s'"<>,;:()\[\]{}]*|(?![\w.-]))"""
_ANY_PATH = re.compile(r"""(?<![\w:/.~-])/[^\s'"<>,;()\[\]{}/]+(?:/[^\s'"<>,;()\[\]{}]*)+""")
MIN_SECRET = 4
"""Shorter configured "secrets" are not scrubbed (they would mangle ordinary words)."""


def _password(url: str | None) -> str | None:
    if not url:
        return None
    try:
        return urlsplit(url).password
    except ValueError:
        return None


class Redactor:
    """Scrubs one process's secrets and internal paths from text and JSON-like values."""

    def __init__(self, settings: Settings, *, redis_url: str | None = None) -> None:
        secrets = [settings.llm_api_key, _password(settings.llm_base_url), _password(settings.redis_url),
                   settings.worker_api_key, os.environ.get("AWS_SECRET_ACCESS_KEY"),
                   *(k for k in [*settings.api_keys, *settings.admin_keys] if not k.lower().startswith("sha256:"))]
        self._secrets = sorted({s for s in secrets if s and len(s) >= MIN_SECRET}, key=len, reverse=True)
        self._literal: list[tuple[str, str]] = []
        for url in (redis_url, settings.redis_url):
            if url:
                self._literal.append((url, "REDIS_URL"))
                if url.startswith("unix://"):
                    self._literal.append((url[len("unix://"):].split("?")[0], "REDIS_URL"))
        if not settings.redis_url:
            from sokrat.memory.embedded import socket_path

            self._literal.append((str(socket_path(settings.data_dir)), "REDIS_URL"))
        roots = {str(p) for p in (settings.data_dir, settings.cache_dir, tempfile.gettempdir(), Path.home(),
                                  sys.prefix, sys.base_prefix)}
        for root in list(roots):
            with contextlib.suppress(OSError):
                roots.add(str(Path(root).expanduser().resolve()))
        roots.discard("/")
        ordered = sorted(roots, key=len, reverse=True)
        self._paths = re.compile("(?:" + "|".join(re.escape(r) for r in ordered) + ")" + _PATH_END) if ordered else None

    def text(self, value: str, *, names: Mapping[str, str] | None = None, all_paths: bool = False) -> str:
        """``value`` scrubbed; ``names`` maps exact internal paths to what the user may see;
        ``all_paths`` shortens every absolute path (for the public ``/readyz``)."""
        if not value:
            return value
        for path, name in (names or {}).items():
            if path and path in value:
                value = value.replace(path, name)
        for secret in self._secrets:
            if secret in value:
                value = value.replace(secret, "***")
        for literal, repl in self._literal:
            if literal in value:
                value = value.replace(literal, repl)
        value = _URL_CREDENTIALS.sub(r"\1***@", value)
        if self._paths is not None:
            value = self._paths.sub(_basename, value)
        if all_paths:
            value = _ANY_PATH.sub(_basename, value)
        return value

    def value(self, value: T, *, names: Mapping[str, str] | None = None, all_paths: bool = False) -> T:
        """Every string inside ``value`` (dicts, lists, tuples) scrubbed."""
        return _walk(value, lambda s: self.text(s, names=names, all_paths=all_paths))


def _basename(match: re.Match[str]) -> str:
    tail = match.group(0).rstrip("/").rsplit("/", 1)[-1]
    return f".../{tail}" if tail else "..."


def _walk(value: Any, fn: Any) -> Any:
    if isinstance(value, str):
        return fn(value)
    if isinstance(value, dict):
        return {k: _walk(v, fn) for k, v in value.items()}
    if isinstance(value, list):
        return [_walk(v, fn) for v in value]
    if isinstance(value, tuple):
        return tuple(_walk(v, fn) for v in value)
    return value


__all__ = ["Redactor"]
