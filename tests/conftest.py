"""Shared fixtures: a real embedded Redis for the session, settings and memory per test.

- ``redis_url`` (session): a real embedded valkey + RediSearch + RedisJSON server in a temp
  data dir, stopped at the end of the session.
- ``settings``: ``Settings`` pointing at that server, with ``data_dir`` in the test's temp
  dir and ``cache_dir`` left at the REAL cache (model conversions are expensive to redo).
- ``memory``: a :class:`sokrat.memory.RedisMemory` on that server with a unique key/index
  prefix, dropped after the test. Its embedder is the real one (loaded on first use).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from sokrat.settings import Settings


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a real embedded Redis (valkey + modules) shared by the test session."""
    from sokrat.memory.embedded import ensure_server, stop_server

    data_dir = tmp_path_factory.mktemp("redis-data")
    server = ensure_server(data_dir=data_dir)
    try:
        yield server.url
    finally:
        stop_server(data_dir=data_dir)


@pytest.fixture(scope="session")
def real_cache_dir() -> Path:
    """The user's real cache dir (env ``SOKRAT_CACHE_DIR`` or ``~/.cache/sokrat``)."""
    return Settings().cache_dir


@pytest.fixture(scope="session", autouse=True)
def _stop_model_servers_started_here(real_cache_dir: Path) -> Iterator[None]:
    """Local model servers (sokrat/llm/server.py) that this session started in the real cache
    are shared by its tests and stopped at its end; one that ran before is left alone."""
    from sokrat.llm.server import list_servers, stop_server

    cache = Settings(cache_dir=real_cache_dir)
    before = {info.pid for info in list_servers(cache)}
    yield
    for info in list_servers(cache):
        if info.pid not in before:
            stop_server(info)


@pytest.fixture
def settings(redis_url: str, tmp_path: Path, real_cache_dir: Path) -> Settings:
    """Settings on the session's Redis, data in a temp dir, the real model cache."""
    return Settings(redis_url=redis_url, data_dir=tmp_path / "data", cache_dir=real_cache_dir)


@pytest.fixture
def memory(settings: Settings) -> Iterator[object]:
    """A RedisMemory with a unique key/index prefix, cleared after the test."""
    from sokrat.memory import RedisMemory

    mem = RedisMemory(settings=settings, prefix=f"t{uuid.uuid4().hex[:10]}")
    try:
        yield mem
    finally:
        mem.clear()
        mem.close()
