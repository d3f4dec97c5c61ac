"""`sokrat doctor`, `sokrat tools`, `sokrat tool` as a user runs them (real subprocesses)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sokrat.errors import SokratError
from sokrat.settings import Settings
from sokrat.tools import default_tools
from sokrat.weights import ROLES, resolve


def sokrat(*args: str, env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "from sokrat.cli import main; main()", *args],
        capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})},
    )


@pytest.fixture
def cli_env(redis_url: str, tmp_path: Path) -> dict[str, str]:
    mine = tmp_path / "my-clip"
    mine.mkdir()
    return {
        "REDIS_URL": redis_url,
        "SOKRAT_DATA_DIR": str(tmp_path / "data"),
        "SOKRAT_CLIP_MODEL": str(mine),
        "SOKRAT_LLM_API_KEY": "sk-very-secret",
        "HF_HUB_OFFLINE": "1",
    }


def test_doctor_json_tells_the_truth(cli_env: dict[str, str]) -> None:
    out = sokrat("doctor", "--json", env=cli_env)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)  # exactly one JSON object on stdout
    roles = {r["role"]: r for r in data["models"]}
    assert set(roles) == set(ROLES)
    settings = Settings(clip_model=cli_env["SOKRAT_CLIP_MODEL"])
    for role in ROLES:
        try:
            expected = resolve(role, settings, prepare=False)
        except SokratError as e:
            assert not roles[role]["ok"] and roles[role]["error_code"] == e.code, role
        else:
            assert roles[role]["ok"] and roles[role]["origin"] == expected.origin, role
            assert roles[role]["path"] == str(expected.path), role
    assert roles["clip"]["origin"] == "explicit"
    assert not roles["captioner"]["ok"] and "SOKRAT_CAPTIONER_MODEL" in roles["captioner"]["error"]
    assert data["redis"]["ok"] and "search" in {str(m).lower() for m in data["redis"]["modules"]}
    assert data["device"]["resolved"] in ("cpu", "cuda") and "cuda_available" in data["device"]
    assert data["tools"]["names"] == [t.name for t in default_tools()]
    assert data["settings"]["llm_api_key"] == "***" and "sk-very-secret" not in out.stdout


def test_doctor_reports_dead_redis_without_crashing(tmp_path: Path) -> None:
    out = sokrat("doctor", "--json", env={"REDIS_URL": "redis://127.0.0.1:1", "HF_HUB_OFFLINE": "1",
                                          "SOKRAT_DATA_DIR": str(tmp_path)})
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["redis"]["ok"] is False and data["redis"]["error"] and data["ok"] is False


def test_doctor_human_output(cli_env: dict[str, str]) -> None:
    out = sokrat("doctor", env=cli_env)
    assert out.returncode == 0, out.stderr
    assert "planner" in out.stdout and "redis: ok" in out.stdout and "sk-very-secret" not in out.stdout


def test_tools_json() -> None:
    out = sokrat("tools", "--json")
    assert out.returncode == 0, out.stderr
    tools = {t["name"]: t for t in json.loads(out.stdout)["tools"]}
    assert set(tools) == {t.name for t in default_tools()}
    assert tools["python_exec"]["parameters"]["required"] == ["code"]


def test_tool_runs_and_prints_json() -> None:
    out = sokrat("tool", "python_exec", "--args", '{"code": "print(6 * 7)"}', "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["ok"] and data["output"]["stdout"] == "42\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["python_exec", "--args", "{not json"], "--args is not valid JSON"),
        (["python_exec", "--args", "[1]"], "must be a JSON object"),
        (["no_such_tool", "--args", "{}"], "unknown tool 'no_such_tool'"),
        (["python_exec", "--args", '{"cod": "1"}'], "bad arguments for 'python_exec'"),
    ],
)
def test_tool_bad_input_is_one_line(args: list[str], message: str) -> None:
    out = sokrat("tool", *args)
    assert out.returncode != 0
    assert out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], out.stderr


def test_tool_failure_is_an_error_and_non_zero() -> None:
    out = sokrat("tool", "python_exec", "--args", '{"code": "1/0"}', "--json")
    assert out.returncode != 0
    data = json.loads(out.stdout)
    assert data["ok"] is False and "ZeroDivisionError" in data["error"]
    assert len(out.stderr.strip().splitlines()) == 1
