"""Credentials out of URLs before they reach a message, a log line or ``sokrat doctor``.

Used by every layer (memory, llm, server, cli), so it lives at the bottom. The server's
fuller scrubber (paths, configured secrets) is :mod:`sokrat.server.redact`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

if TYPE_CHECKING:
    from sokrat.settings import Settings


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


# --- logs ----------------------------------------------------------------------------------------
_URL_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)([^\s/@'\"<>:]*):[^\s/@'\"<>]*@")
_BEARER = re.compile(r"(?i)\b(bearer\s+)[\w.~+/=-]{4,}")
MIN_SECRET = 4
"""Shorter configured "secrets" are not scrubbed (they would mangle ordinary words)."""


class LogRedactor(logging.Filter):
    """Scrubs credentials from log records: passwords in URLs (``scheme://user:***@host``),
    ``Bearer`` tokens, and the configured secrets themselves (LLM key, URL passwords, API keys).

    Installed once per process at its edge (:func:`install_log_redaction`: the CLI, each
    ``sokrat serve`` process, the MCP server) as the record factory, so every record of every
    logger, third-party ones included (httpx's request lines), is scrubbed when it is made,
    before any handler or formatter sees it. The arguments keep their arity (uvicorn's access
    formatter unpacks them); an argument whose text holds a secret becomes its scrubbed text.
    """

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if s and len(s) >= MIN_SECRET}, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        text = _BEARER.sub(r"\1***", _URL_USERINFO.sub(r"\1\2:***@", text))
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, "***")
        return text

    def _arg(self, value: object) -> object:
        if value is None or isinstance(value, (int, float, bool)):
            return value
        text = value if isinstance(value, str) else str(value)
        clean = self.scrub(text)
        return value if clean == text else clean

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = self.scrub(record.msg)
        elif record.msg is not None:
            record.msg = self._arg(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(self._arg(a) for a in record.args)
        elif isinstance(record.args, Mapping):
            record.args = {k: self._arg(v) for k, v in record.args.items()}
        if record.exc_info and not record.exc_text:
            record.exc_text = self.scrub(logging.Formatter().formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = self.scrub(record.stack_info)
        return True


def configured_secrets(settings: Settings) -> list[str | None]:
    """The secrets a process's settings hold (keys, and the passwords of its URLs)."""
    import os

    def password(url: str | None) -> str | None:
        try:
            return urlsplit(url).password if url else None
        except ValueError:
            return None

    return [settings.llm_api_key, password(settings.llm_base_url), password(settings.redis_url),
            settings.worker_api_key, os.environ.get("AWS_SECRET_ACCESS_KEY"),
            *(k for k in [*settings.api_keys, *settings.admin_keys] if not k.lower().startswith("sha256:"))]


_installed: list[LogRedactor] = []


def install_log_redaction(settings: Settings | None = None) -> LogRedactor:
    """Scrub every log record this process makes from now on (see :class:`LogRedactor`).
    Idempotent: a second call only updates the secrets. Bad settings still get the URL and
    Bearer patterns."""
    secrets: list[str | None] = []
    try:
        if settings is None:
            from sokrat.settings import get_settings

            settings = get_settings()
        secrets = configured_secrets(settings)
    except Exception:  # settings that do not parse: the command reports that itself  # noqa: BLE001
        pass
    if _installed:
        _installed[0].secrets = LogRedactor(secrets).secrets
        return _installed[0]
    redactor = LogRedactor(secrets)
    make = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        redactor.filter(record)
        return record

    logging.setLogRecordFactory(factory)
    _installed.append(redactor)
    return redactor
