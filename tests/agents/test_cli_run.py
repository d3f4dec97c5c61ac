"""`sokrat run`: steps stream on stderr, `--json` prints only the Result, failures exit non-zero."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from sokrat.cli import _register, app
from sokrat.llm.scripted import ScriptedChatModel
from tests.agents.conftest import act, city_of, final, plan


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, make_agent: Any) -> Any:
    _register()
    replies = [plan("look up"), act("city_of", person="alice"), final("Alice lives in Paris.")]
    monkeypatch.setattr("sokrat.agents.Agent", lambda: make_agent(ScriptedChatModel(list(replies)), tools=[city_of]))
    return CliRunner()


def test_run_json_prints_only_the_result(cli: Any) -> None:
    out = cli.invoke(app, ["run", "Where does alice live?", "--json"])
    assert out.exit_code == 0, out.output
    result = json.loads(out.stdout)
    assert result["status"] == "succeeded" and result["answer"] == "Alice lives in Paris."
    assert result["steps"][0]["tool"] == "city_of"


def test_run_streams_steps_then_the_answer(cli: Any) -> None:
    out = cli.invoke(app, ["run", "Where does alice live?"])
    assert out.exit_code == 0
    assert out.stdout.strip() == "Alice lives in Paris."
    assert "city_of" in out.stderr and "plan" in out.stderr


def test_run_bad_goal_exits_nonzero_with_one_line(cli: Any) -> None:
    out = cli.invoke(app, ["run", "   ", "--json"])
    assert out.exit_code == 1
    assert json.loads(out.stdout)["status"] == "failed"
    assert "empty goal" in out.stderr and len(out.stderr.strip().splitlines()) == 1


def test_an_unverified_answer_is_shown_but_exits_nonzero(monkeypatch: pytest.MonkeyPatch, make_agent: Any) -> None:
    """The answer of an unverified run is printed with its reason, and never as a success."""
    _register()
    replies = [plan("answer directly"), final("It is 42.195 km long.")]
    monkeypatch.setattr("sokrat.agents.Agent", lambda: make_agent(ScriptedChatModel(list(replies)), tools=[city_of]))
    out = CliRunner().invoke(app, ["run", "How long is a marathon?"])
    assert out.exit_code == 1 and out.stdout.strip() == "It is 42.195 km long."
    assert "run unverified" in out.stderr and "own knowledge" in out.stderr
    monkeypatch.setattr("sokrat.agents.Agent", lambda: make_agent(ScriptedChatModel(list(replies)), tools=[city_of]))
    out = CliRunner().invoke(app, ["run", "How long is a marathon?", "--json"])
    assert out.exit_code == 1 and json.loads(out.stdout)["status"] == "unverified"
