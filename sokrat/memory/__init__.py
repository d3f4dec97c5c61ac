"""Long-term memory: the interface, the Redis store, the embedded server, the embedder.

``get_memory()`` gives the process's :class:`RedisMemory` (on ``REDIS_URL``, or on the
embedded valkey + RediSearch + RedisJSON server started from the user's data dir when it is
unset). Nothing heavy is imported until a function is called.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from sokrat.memory.base import (
    ArtifactStore,
    Embedder,
    LogEntry,
    Memory,
    MemoryKind,
    MemoryRecord,
    SemanticMemory,
    VideoLogMeta,
    VideoLogStore,
)

if TYPE_CHECKING:
    from sokrat.memory.redis import RedisMemory
    from sokrat.settings import Settings

_MEMORIES: dict[tuple[str | None, str], Memory] = {}
_LOCK = threading.Lock()


def get_memory(settings: Settings | None = None) -> Memory:
    """The process's memory for these settings (cached per Redis URL / data dir).

    Raises :class:`sokrat.errors.RedisUnavailable` or :class:`sokrat.errors.MissingRedisModules`
    with the fix when the server cannot be used.
    """
    from sokrat.memory.redis import RedisMemory
    from sokrat.settings import get_settings

    settings = settings or get_settings()
    key = (settings.redis_url, str(settings.data_dir))
    with _LOCK:
        if key not in _MEMORIES:
            _MEMORIES[key] = RedisMemory(settings=settings)
        return _MEMORIES[key]


def get_embedder(settings: Settings | None = None) -> Embedder:
    """The process's text embedder (all-MiniLM-L6-v2 offline, 384-d; loads on first use)."""
    from sokrat.memory.embedder import get_embedder as _get

    return _get(settings)


def __getattr__(name: str) -> Any:  # lazy: importing sokrat.memory must not import redis-py
    if name == "RedisMemory":
        from sokrat.memory.redis import RedisMemory

        return RedisMemory
    raise AttributeError(name)


__all__ = [
    "ArtifactStore", "Embedder", "LogEntry", "Memory", "MemoryKind", "MemoryRecord", "RedisMemory",
    "SemanticMemory", "VideoLogMeta", "VideoLogStore", "get_embedder", "get_memory",
]
