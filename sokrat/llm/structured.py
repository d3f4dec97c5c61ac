"""The planner's action format: a JSON schema built from the tools, and a strict parser.

An action is ``{"tool": <name>, "arguments": {...}}``: one ``anyOf`` branch per tool (its
``arguments`` are the tool's own parameter schema) plus a ``final_answer`` branch. The
schema is kept within what xgrammar compiles (``const``, ``anyOf``, ``$defs``/``$ref`` at
the root), so a local model can be constrained to it token by token, and an HTTP server can
take it as ``response_format``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sokrat.errors import LLMOutputError, ToolError
from sokrat.tools.registry import Tool, ToolRegistry
from sokrat.types import Evidence

FINAL_ANSWER = "final_answer"

EVIDENCE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "source": {"type": "string", "description": "media file or memory the answer rests on"},
        "t_start": {"type": ["number", "null"], "description": "start time in seconds"},
        "t_end": {"type": ["number", "null"], "description": "end time in seconds"},
        "text": {"type": "string", "description": "what was seen or heard there"},
    },
    "required": ["source"],
    "additionalProperties": False,
}

FINAL_ANSWER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "answer": {"type": "string", "description": "the answer to the goal"},
        "evidence": {"type": "array", "items": EVIDENCE_SCHEMA},
    },
    "required": ["answer"],
    "additionalProperties": False,
}


@dataclass(frozen=True)
class Action:
    """A validated planner action: a tool call, or the final answer."""

    tool: str
    """A registered tool's name, or ``final_answer``."""
    arguments: dict[str, Any] = field(default_factory=dict)
    """The arguments as the model wrote them (JSON-able), already checked against the tool's schema."""

    @property
    def is_final(self) -> bool:
        return self.tool == FINAL_ANSWER

    @property
    def answer(self) -> str:
        return str(self.arguments.get("answer", "")) if self.is_final else ""

    @property
    def evidence(self) -> list[Evidence]:
        if not self.is_final:
            return []
        return [Evidence(**e) for e in self.arguments.get("evidence", [])]


def _tools_of(tools: Iterable[Tool] | ToolRegistry) -> list[Tool]:
    return list(tools)


def _rewrite_refs(node: Any, prefix: str) -> Any:
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str) and v.startswith("#/$defs/"):
                out[k] = "#/$defs/" + prefix + v[len("#/$defs/"):]
            else:
                out[k] = _rewrite_refs(v, prefix)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(v, prefix) for v in node]
    return node


def action_schema(tools: Iterable[Tool] | ToolRegistry, *, final_answer: bool = True) -> dict[str, Any]:
    """The JSON schema of one planner action over ``tools``.

    Each tool's ``$defs`` (pydantic puts nested models there) are hoisted to the root under
    ``<tool>__<name>`` so every ``$ref`` stays resolvable from the root, as xgrammar and
    OpenAI's strict mode require.
    """
    branches: list[dict[str, Any]] = []
    defs: dict[str, Any] = {}
    for t in _tools_of(tools):
        params = dict(t.parameters)
        local_defs = params.pop("$defs", None)
        prefix = f"{t.name}__"
        if local_defs:
            params = _rewrite_refs(params, prefix)
            for name, sub in local_defs.items():
                defs[prefix + name] = _rewrite_refs(sub, prefix)
        branches.append(
            {
                "type": "object",
                "properties": {"tool": {"const": t.name}, "arguments": params},
                "required": ["tool", "arguments"],
                "additionalProperties": False,
            }
        )
    if final_answer:
        branches.append(
            {
                "type": "object",
                "properties": {"tool": {"const": FINAL_ANSWER}, "arguments": FINAL_ANSWER_SCHEMA},
                "required": ["tool", "arguments"],
                "additionalProperties": False,
            }
        )
    if not branches:
        raise ValueError("action_schema needs at least one tool or final_answer=True")
    schema: dict[str, Any] = {"anyOf": branches}
    if defs:
        schema["$defs"] = defs
    return schema


def first_json_object(text: str) -> Any:
    """The first JSON object in ``text`` (what a plain parser of free text would take).

    Raises :class:`ValueError` when there is none.
    """
    decoder = json.JSONDecoder()
    start = text.find("{")
    while start != -1:
        try:
            obj, _ = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            start = text.find("{", start + 1)
            continue
        if isinstance(obj, dict):
            return obj
        start = text.find("{", start + 1)
    raise ValueError("no JSON object in the text")


def parse_action(
    text_or_obj: str | Mapping[str, Any],
    registry: ToolRegistry | Iterable[Tool],
    *,
    final_answer: bool = True,
) -> Action:
    """Decode and validate one action against the registered tools.

    Raises :class:`~sokrat.errors.LLMOutputError` with a message the planner can act on
    (it is meant to be shown back to the model as an observation).
    """
    reg = registry if isinstance(registry, ToolRegistry) else ToolRegistry(registry)
    if isinstance(text_or_obj, str):
        try:
            obj: Any = json.loads(text_or_obj)
        except json.JSONDecodeError:
            try:
                obj = first_json_object(text_or_obj)
            except ValueError as e:
                raise LLMOutputError(
                    'the reply is not a JSON action; answer with {"tool": <name>, "arguments": {...}}'
                ) from e
    else:
        obj = text_or_obj
    if not isinstance(obj, Mapping):
        raise LLMOutputError(f"an action must be a JSON object, got {type(obj).__name__}")
    extra = set(obj) - {"tool", "arguments"}
    if extra:
        raise LLMOutputError(f"unexpected keys {sorted(extra)} in the action; use only 'tool' and 'arguments'")
    name = obj.get("tool")
    if not isinstance(name, str) or not name:
        raise LLMOutputError("the action has no 'tool' name")
    arguments = obj.get("arguments", {})
    if arguments is None:
        arguments = {}
    if not isinstance(arguments, Mapping):
        raise LLMOutputError(f"'arguments' of {name!r} must be a JSON object")
    if name == FINAL_ANSWER and final_answer:
        answer = arguments.get("answer")
        if not isinstance(answer, str):
            raise LLMOutputError("final_answer needs a string 'answer'")
        evidence = arguments.get("evidence", [])
        if not isinstance(evidence, list):
            raise LLMOutputError("final_answer 'evidence' must be a list")
        try:
            [Evidence(**e) for e in evidence]
        except (TypeError, ValueError) as e:
            raise LLMOutputError(f"bad final_answer evidence: {e}") from e
        return Action(FINAL_ANSWER, {"answer": answer, "evidence": list(evidence)})
    try:
        reg.get(name).validate(arguments)
    except ToolError as e:
        raise LLMOutputError(str(e)) from e
    return Action(name, dict(arguments))


def validate_json(obj: Any, schema: Mapping[str, Any]) -> str | None:
    """None when ``obj`` conforms to ``schema`` (JSON Schema, via ``jsonschema``), else why not."""
    import jsonschema

    try:
        jsonschema.validate(obj, dict(schema))
    except jsonschema.ValidationError as e:
        where = "/".join(str(p) for p in e.absolute_path) or "(root)"
        return f"{where}: {e.message}"
    return None


__all__ = [
    "FINAL_ANSWER",
    "Action",
    "action_schema",
    "first_json_object",
    "parse_action",
    "validate_json",
]
