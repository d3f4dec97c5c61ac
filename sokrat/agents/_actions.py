"""The planner's action format: one tool call (or the final answer) as a JSON object.

``{"tool": "<name>", "arguments": {...}}``, one schema branch per tool plus ``final_answer``.
Engineer F's :mod:`sokrat.llm.structured` owns the shared schema builder; this module uses it
when present and otherwise builds the same shape itself (kept minimal on purpose), so the
planner works before and after that module lands. Parsing stays here: the planner needs its
own error messages (they become observations the model reads).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sokrat.tools.registry import Tool

FINAL = "final_answer"

_FINAL_BRANCH: dict[str, Any] = {
    "type": "object",
    "properties": {
        "tool": {"const": FINAL},
        "arguments": {
            "type": "object",
            "properties": {"answer": {"type": "string", "description": "The answer, citing evidence."}},
            "required": ["answer"],
            "additionalProperties": False,
        },
    },
    "required": ["tool", "arguments"],
    "additionalProperties": False,
}


def action_schema(tools: Iterable[Tool]) -> dict[str, Any]:
    """JSON schema of one action: a call of one of ``tools`` or ``final_answer``."""
    tools = list(tools)
    try:
        from sokrat.llm.structured import action_schema as shared_schema
    except ImportError:
        shared_schema = None
    if shared_schema is not None:
        return shared_schema(tools)
    defs: dict[str, Any] = {}
    branches: list[dict[str, Any]] = []
    for t in tools:
        params = dict(t.parameters)
        defs.update(params.pop("$defs", {}))  # refs point at the root: lift nested models there
        branches.append(
            {
                "type": "object",
                "properties": {"tool": {"const": t.name}, "arguments": params},
                "required": ["tool", "arguments"],
                "additionalProperties": False,
            }
        )
    branches.append(_FINAL_BRANCH)
    schema: dict[str, Any] = {"anyOf": branches}
    if defs:
        schema["$defs"] = defs
    return schema


@dataclass(frozen=True)
class Action:
    tool: str
    arguments: dict[str, Any] = field(default_factory=dict)

    @property
    def is_final(self) -> bool:
        return self.tool == FINAL

    @property
    def answer(self) -> str:
        return str(self.arguments.get("answer", ""))


class ActionParseError(ValueError):
    """The model's output is not a usable action; the message is shown to the model."""


def _first_json_object(text: str) -> Any:
    text = text.strip()
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass
    # Models sometimes wrap the object in prose or a code fence: take the first {...} that parses.
    for match in re.finditer(r"\{", text):
        try:
            obj, _ = json.JSONDecoder().raw_decode(text[match.start():])
        except json.JSONDecodeError:
            continue
        return obj
    raise ActionParseError(f"not JSON: {text[:80]!r}")


def parse_action(parsed: Any, text: str, tool_names: Iterable[str]) -> Action:
    """Turn a model reply into an :class:`Action`; raise :class:`ActionParseError` if unusable."""
    obj = parsed if parsed is not None else _first_json_object(text)
    if not isinstance(obj, dict):
        raise ActionParseError(f"expected a JSON object, got {type(obj).__name__}")
    name = obj.get("tool", obj.get("name"))
    if not isinstance(name, str) or not name:
        raise ActionParseError('missing "tool": reply {"tool": <name>, "arguments": {...}}')
    arguments = obj.get("arguments", {})
    if isinstance(arguments, str):  # some models double-encode the arguments
        try:
            arguments = json.loads(arguments)
        except json.JSONDecodeError as e:
            raise ActionParseError(f'"arguments" is not a JSON object: {arguments[:60]!r}') from e
    if not isinstance(arguments, dict):
        raise ActionParseError('"arguments" must be a JSON object')
    names = set(tool_names)
    if name != FINAL and name not in names:
        raise ActionParseError(
            f"unknown tool {name!r}; available: {', '.join(sorted(names))}, {FINAL}"
        )
    if name == FINAL and not str(arguments.get("answer", "")).strip():
        raise ActionParseError('final_answer needs a non-empty "answer"')
    return Action(tool=name, arguments=arguments)
