"""Fixtures for the tool tests: the bubblewrap sandbox, and a caller process to attack."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

CHILD = Path(__file__).with_name("_exec_child.py")
SECRET = "sk-sokrat-test-secret-0f1e2d3c"


@pytest.fixture(scope="session")
def sandbox() -> None:
    """bubblewrap must work here. In CI a missing namespace FAILS the suite (it is installed
    by scripts/install.sh); on a developer machine without bwrap the escape tests skip."""
    from sokrat.tools.sandbox import probe

    found = probe()
    if not found.available:
        message = f"the bubblewrap sandbox cannot run here: {found.reason}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def attack(sandbox: None) -> Callable[..., dict[str, Any]]:
    """Run code in the sandbox from a separate caller process whose environment holds SECRET
    (as an agent's holds SOKRAT_API_KEYS). Returns the caller's JSON report, plus its pid."""

    def run(code: str, timeout_s: float = 10.0, mode: str = "bubblewrap", memory: str = "") -> dict[str, Any]:
        """``memory``: "" (default limits), "cgroup" or "accounting" (no memory cgroup)."""
        env = {**os.environ, "SOKRAT_API_KEYS": SECRET, "SOKRAT_LLM_API_KEY": SECRET, "OPENAI_API_KEY": SECRET}
        args = [sys.executable, str(CHILD), str(timeout_s), mode, *([memory] if memory else [])]
        proc = subprocess.Popen(args, env=env,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        code = code.replace("CALLER_PID", str(proc.pid))
        out, err = proc.communicate(code, timeout=timeout_s + 60)
        assert proc.returncode == 0, f"the caller died (rc {proc.returncode}): {err[-2000:]}"
        report = json.loads(out.strip().splitlines()[-1])
        report["caller_pid"] = proc.pid
        return report

    return run
