"""Web search, off by default, behind a pluggable provider.

A provider is any object with ``async search(query, k) -> list[WebResult]``, registered by
name with :func:`register_provider`; ``SOKRAT_WEB_SEARCH`` picks one (``off`` by default).
The built-in ``searxng`` provider queries a SearXNG instance's JSON API at
``SOKRAT_WEB_SEARCH_URL``. Without a network it fails at once with a clear message (the host
is resolved with a short deadline before any request; connect errors are not retried).
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

from sokrat.errors import ConfigError, ToolError, ToolUnavailable

if TYPE_CHECKING:
    from sokrat.settings import Settings

RESOLVE_TIMEOUT_S = 2.0
CONNECT_TIMEOUT_S = 3.0
READ_TIMEOUT_S = 15.0


@dataclass(frozen=True)
class WebResult:
    title: str
    url: str
    snippet: str


class WebSearchProvider(Protocol):
    name: str

    async def search(self, query: str, k: int) -> list[WebResult]: ...


_PROVIDERS: dict[str, Callable[[Settings], WebSearchProvider]] = {}


def register_provider(name: str, factory: Callable[[Settings], WebSearchProvider]) -> None:
    """Make ``SOKRAT_WEB_SEARCH=name`` use ``factory(settings)``."""
    _PROVIDERS[name] = factory


def available_providers() -> list[str]:
    return sorted(_PROVIDERS)


def get_provider(settings: Settings) -> WebSearchProvider:
    """The configured provider. Raises :class:`ToolUnavailable` when web search is off or unknown."""
    name = settings.web_search
    if name == "off":
        raise ToolUnavailable("web search is off; set SOKRAT_WEB_SEARCH to a provider "
                              f"({', '.join(available_providers())}) to turn it on")
    if name not in _PROVIDERS:
        raise ToolUnavailable(f"unknown web search provider {name!r}; available: {', '.join(available_providers())}")
    return _PROVIDERS[name](settings)


async def ensure_resolvable(url: str) -> None:
    """Fail at once, with a clear message, when the host cannot be resolved (no network, no DNS)."""
    host = urlsplit(url).hostname
    if not host:
        raise ConfigError(f"web search URL {url!r} has no host")
    loop = asyncio.get_running_loop()
    try:
        await asyncio.wait_for(loop.getaddrinfo(host, None, type=socket.SOCK_STREAM), RESOLVE_TIMEOUT_S)
    except (OSError, TimeoutError) as e:
        raise ToolUnavailable(f"web search cannot reach {host}: no network or DNS ({e or 'timed out'}); "
                              "check the connection, or turn web search off (SOKRAT_WEB_SEARCH=off)") from e


class SearxngProvider:
    """A SearXNG instance (self-hosted metasearch) through its JSON API."""

    name = "searxng"

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")

    @classmethod
    def from_settings(cls, settings: Settings) -> SearxngProvider:
        if not settings.web_search_url:
            raise ToolUnavailable("SOKRAT_WEB_SEARCH=searxng needs SOKRAT_WEB_SEARCH_URL (the instance's base URL)")
        return cls(settings.web_search_url)

    async def search(self, query: str, k: int) -> list[WebResult]:
        import httpx

        await ensure_resolvable(self.url)
        timeout = httpx.Timeout(READ_TIMEOUT_S, connect=CONNECT_TIMEOUT_S)
        try:
            async with httpx.AsyncClient(timeout=timeout) as client:
                response = await client.get(f"{self.url}/search", params={"q": query, "format": "json"})
        except (httpx.ConnectError, httpx.ConnectTimeout) as e:
            raise ToolUnavailable(f"web search cannot connect to {self.url} ({e}); check the network or the "
                                  "SearXNG instance") from e
        except httpx.HTTPError as e:
            raise ToolError(f"web search request failed: {e}") from e
        if response.status_code != 200:
            raise ToolError(f"web search answered HTTP {response.status_code} (is the JSON format enabled?)")
        try:
            items = response.json().get("results", [])
        except ValueError as e:
            raise ToolError("web search answered something other than JSON") from e
        return [WebResult(str(i.get("title", "")), str(i.get("url", "")), str(i.get("content", "")))
                for i in items[:k] if isinstance(i, dict)]


register_provider("searxng", SearxngProvider.from_settings)
