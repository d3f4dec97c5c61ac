"""A run killed mid-step (SIGKILL) resumes from its Redis checkpoint without repeating the
tool calls that had completed. Real embedded Redis, real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

from sokrat.agents import Agent
from sokrat.agents.durable import checkpointer
from sokrat.llm.base import ScriptedChatModel
from sokrat.settings import Settings
from tests.agents._durable_run import robot_tools

ROOT = Path(__file__).resolve().parents[2]


def test_killed_process_resumes_without_repeating_tool_calls(settings: Settings, tmp_path: Path) -> None:
    prefix = f"t{uuid.uuid4().hex[:8]}"
    calls = tmp_path / "calls.txt"
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.agents._durable_run", str(settings.redis_url), prefix, str(calls)],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        # Wait (bounded by pytest's timeout, not asserted) until the second tool is in flight.
        while "place cup started" not in (calls.read_text() if calls.exists() else ""):
            if proc.poll() is not None:
                raise AssertionError(f"the run exited early with code {proc.returncode}")
            time.sleep(0.1)
    finally:
        proc.kill()
        proc.wait()
    assert calls.read_text().splitlines() == ["pick cup", "place cup started"]

    model = ScriptedChatModel([
        {"tool": "place", "arguments": {"obj": "cup"}},
        {"tool": "final_answer", "arguments": {"answer": "picked cup, placed cup"}},
    ])
    agent = Agent(model=model, memory=False, tools=robot_tools(calls, hang=False), settings=settings,
                  checkpointer=checkpointer(settings, prefix=prefix))
    result = agent.run("move the cup to the tray", thread_id="robot-1")
    assert result.status == "succeeded", result.reason
    # pick ran once (before the kill); only the step in flight ran again.
    assert calls.read_text().splitlines() == ["pick cup", "place cup started", "place cup"]
    assert [s.tool for s in result.steps] == ["pick", "place"]
    assert len(model.calls) == 2  # the plan and the first action were not asked again
