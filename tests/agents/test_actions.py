"""The action format (sokrat.agents.actions): schema, string caps, parser, and that the schema
compiles and constrains with xgrammar."""

from __future__ import annotations

import json

import pytest
import xgrammar as xgr
from pydantic import BaseModel
from xgrammar.testing import _is_grammar_accept_string

from sokrat.agents.actions import MAX_ANSWER_CHARS, action_schema, first_json_object, parse_action
from sokrat.errors import LLMOutputError
from sokrat.llm.base import Message, ScriptedChatModel
from sokrat.llm.structured import validate_json
from sokrat.tools import ToolRegistry, default_tools, tool


class Point(BaseModel):
    x: float
    y: float


@tool
def find_moments(query: str, top_k: int = 5) -> str:
    """Find moments in a video.

    Args:
        query: what to look for.
        top_k: how many moments.
    """
    return query


@tool
def move(target: Point, label: str | None = None) -> str:
    """Move the robot.

    Args:
        target: where to go.
        label: optional name.
    """
    return "ok"


TOOLS = [find_moments, move, *default_tools()]
REG = ToolRegistry(TOOLS)


def test_schema_has_one_branch_per_tool_plus_final_answer() -> None:
    schema = action_schema(TOOLS)
    names = [b["properties"]["tool"]["const"] for b in schema["anyOf"]]
    assert names == [t.name for t in TOOLS] + ["final_answer"]
    assert action_schema(TOOLS, final_answer=False)["anyOf"][-1]["properties"]["tool"]["const"] == TOOLS[-1].name
    # nested $defs are hoisted to the root and references rewritten
    assert "move__Point" in schema["$defs"]
    move_args = schema["anyOf"][1]["properties"]["arguments"]
    assert move_args["properties"]["target"]["$ref"] == "#/$defs/move__Point"
    assert "$defs" not in move_args
    # every free string is capped (a constrained small model cannot loop inside a string)
    assert schema["anyOf"][0]["properties"]["arguments"]["properties"]["query"]["maxLength"] == 1200
    assert action_schema(TOOLS, max_string_chars=50)["anyOf"][0]["properties"]["arguments"]["properties"]["query"]["maxLength"] == 50


def test_schema_compiles_and_constrains_with_xgrammar() -> None:
    grammar = xgr.Grammar.from_json_schema(json.dumps(action_schema(TOOLS)), any_whitespace=False)
    ok = [
        {"tool": "find_moments", "arguments": {"query": "cat"}},
        {"tool": "move", "arguments": {"target": {"x": 1, "y": 2.5}, "label": None}},
        {"tool": "final_answer", "arguments": {"answer": "at 12 s"}},
    ]
    for action in ok:
        assert _is_grammar_accept_string(grammar, json.dumps(action)), action
    bad = [
        {"tool": "fly", "arguments": {}},
        {"tool": "find_moments", "arguments": {}},
        {"tool": "find_moments", "arguments": {"query": 3}},
        {"tool": "find_moments", "arguments": {"query": "cat"}, "why": "x"},
        {"tool": "find_moments", "arguments": {"query": "c" * 1201}},  # strings are capped
        {"tool": "final_answer", "arguments": {"answer": "a" * (MAX_ANSWER_CHARS + 1)}},
        {"tool": "final_answer", "arguments": {"answer": "x", "evidence": []}},  # no dead fields
    ]
    for action in bad:
        assert not _is_grammar_accept_string(grammar, json.dumps(action)), action


def test_parse_action_valid() -> None:
    a = parse_action('{"tool": "find_moments", "arguments": {"query": "cat"}}', REG)
    assert (a.tool, a.arguments, a.is_final) == ("find_moments", {"query": "cat"}, False)
    a = parse_action({"tool": "final_answer", "arguments": {"answer": "yes"}}, TOOLS)
    assert a.is_final and a.answer == "yes" and a.arguments == {"answer": "yes"}
    # free text around the JSON, as a plain model writes it
    a = parse_action('Sure! {"tool": "find_moments", "arguments": {"query": "dog"}} done', REG)
    assert a.arguments == {"query": "dog"}


@pytest.mark.parametrize(
    ("reply", "match"),
    [
        ("I think we should search", "not a JSON action"),
        ("[1, 2]", "must be a JSON object"),
        ('{"arguments": {}}', "no 'tool'"),
        ('{"tool": "fly", "arguments": {}}', "unknown tool 'fly'"),
        ('{"tool": "find_moments", "arguments": {"query": 1}}', "bad arguments for 'find_moments'"),
        ('{"tool": "find_moments", "arguments": "cat"}', "must be a JSON object"),
        ('{"tool": "final_answer", "arguments": {}}', "string 'answer'"),
        ('{"tool": "find_moments", "arguments": {"query": "a"}, "thought": "x"}', "unexpected keys"),
    ],
)
def test_parse_action_invalid(reply: str, match: str) -> None:
    with pytest.raises(LLMOutputError, match=match):
        parse_action(reply, REG)


def test_validate_json_and_first_object() -> None:
    schema = action_schema(TOOLS)
    assert validate_json({"tool": "find_moments", "arguments": {"query": "x"}}, schema) is None
    assert validate_json({"tool": "find_moments", "arguments": {}}, schema) is not None
    assert first_json_object('x {bad} {"a": 1} {"b": 2}') == {"a": 1}
    with pytest.raises(ValueError):
        first_json_object("no json here")


def test_scripted_model_replays_actions() -> None:
    m = ScriptedChatModel([{"tool": "find_moments", "arguments": {"query": "cat"}}, "plain"])
    r = m.generate([Message("user", "go")], json_schema=action_schema(TOOLS))
    assert parse_action(r.parsed, REG).tool == "find_moments" and r.usage.llm_calls == 1
    assert m.generate([Message("user", "again")]).text == "plain"
    with pytest.raises(RuntimeError, match="no scripted reply"):
        m.generate([Message("user", "more")])
