"""Snapshot of every default tool's schema: catches accidental drift.

Regenerate after an intended change with ``SOKRAT_UPDATE_SNAPSHOTS=1 pytest tests/tools/test_tool_schemas.py``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from sokrat.tools import default_tools

SNAPSHOT = Path(__file__).parents[1] / "snapshots" / "tool_schemas.json"
HOW = "run `SOKRAT_UPDATE_SNAPSHOTS=1 pytest tests/tools/test_tool_schemas.py` and commit the snapshot"


def _current() -> dict[str, dict]:
    return {t.name: {"description": t.description, "parameters": t.parameters} for t in default_tools()}


def test_tool_schemas_match_snapshot() -> None:
    current = _current()
    if os.environ.get("SOKRAT_UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.parent.mkdir(parents=True, exist_ok=True)
        SNAPSHOT.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n")
        pytest.skip(f"snapshot rewritten with {len(current)} tools")
    if not SNAPSHOT.exists():
        pytest.fail(f"no schema snapshot at {SNAPSHOT}; {HOW}")
    saved = json.loads(SNAPSHOT.read_text())
    missing = sorted(set(current) - set(saved))
    gone = sorted(set(saved) - set(current))
    assert not missing, f"tools not in the snapshot: {missing}; {HOW}"
    assert not gone, f"tools in the snapshot but no longer registered: {gone}; {HOW}"
    for name, schema in current.items():
        assert schema == saved[name], f"schema of {name!r} changed; if intended, {HOW}"


def test_default_tool_names_are_unique() -> None:
    names = [t.name for t in default_tools()]
    assert len(names) == len(set(names))
