"""A schemathesis run over the served OpenAPI schema, against a real `sokrat serve` process on
the real embedded Redis: generated requests for every operation (examples, coverage of edge
values, fuzzing, and stateful chains such as upload -> task -> events) must never get a 5xx,
and every answer must match what the schema documents (status codes, bodies, headers).

Kept short for CI (``SCHEMATHESIS_EXAMPLES`` per operation, default 5). One check is left
out on purpose: ``positive_data_acceptance`` expects every schema-valid request to succeed,
but a well-formed body can still name a media id that does not exist or carry a file that
is not a video; those are a documented 422.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.server.procs import Procs, base_env, start_server

pytestmark = [pytest.mark.server]

ADMIN = "k-schema-admin-0123456789"


def test_schemathesis_finds_no_server_error(redis_url: str, tmp_path: Path, real_cache_dir: Path) -> None:
    env = base_env(redis_url, tmp_path / "data", real_cache_dir)
    env.update({"SOKRAT_ADMIN_KEYS": ADMIN, "SOKRAT_MAX_UPLOAD_BYTES": str(1 << 20),
                "SOKRAT_LLM_BASE_URL": "http://127.0.0.1:9/v1"})
    procs = Procs(tmp_path, env)
    try:
        base = start_server(procs, "--log-level", "warning")
        run = subprocess.run(
            [sys.executable, "-m", "schemathesis.cli", "run", f"{base}/openapi.json", "--checks", "all",
             "--exclude-checks", "positive_data_acceptance", "--max-examples",
             os.environ.get("SCHEMATHESIS_EXAMPLES", "5"), "--seed", "1", "--workers", "2",
             "--header", f"Authorization: Bearer {ADMIN}", "--no-color", "--report-dir", str(tmp_path / "report")],
            capture_output=True, text=True, timeout=900, cwd=tmp_path, env={**os.environ, "NO_COLOR": "1"})
        server_log = procs.log(procs.started[0], tail=200_000)
    finally:
        procs.close()
    assert run.returncode == 0, run.stdout[-8000:] + run.stderr[-2000:]
    assert "generated" in run.stdout and " passed" in run.stdout, run.stdout[-3000:]
    assert "Traceback" not in server_log, server_log[-4000:]
