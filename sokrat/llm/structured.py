"""Checking a model's JSON output against a JSON schema (used when a server cannot constrain
its output itself). The planner's action format lives in :mod:`sokrat.agents.actions`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def validate_json(obj: Any, schema: Mapping[str, Any]) -> str | None:
    """None when ``obj`` conforms to ``schema`` (JSON Schema, via ``jsonschema``), else why not."""
    import jsonschema

    try:
        jsonschema.validate(obj, dict(schema))
    except jsonschema.ValidationError as e:
        where = "/".join(str(p) for p in e.absolute_path) or "(root)"
        return f"{where}: {e.message}"
    return None


__all__ = ["validate_json"]
