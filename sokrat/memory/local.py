"""In-process stores: artifacts for an agent built without long-term memory."""

from __future__ import annotations

import time
import uuid
from typing import Any

from sokrat.errors import InvalidInput, NotFound
from sokrat.memory.base import ArtifactStore


class LocalArtifacts(ArtifactStore):
    """Artifacts kept in this process, for an agent built with ``memory=False`` (or when Redis
    is unavailable), so ``read_artifact`` can still expand the handles the planner shows.
    Nothing else: it is not a :class:`~sokrat.memory.base.SemanticMemory`."""

    def __init__(self) -> None:
        self._items: dict[str, tuple[str, float, dict[str, Any]]] = {}

    def put_artifact(self, content: str, *, ttl_s: float | None = None, metadata: dict[str, Any] | None = None) -> str:
        if not isinstance(content, str):
            raise InvalidInput(f"artifact content must be text, got {type(content).__name__}")
        handle = f"artifact:{uuid.uuid4().hex}"
        self._items[handle] = (content, time.time(), dict(metadata or {}))
        return handle

    def _item(self, handle: str) -> tuple[str, float, dict[str, Any]]:
        try:
            return self._items[handle.strip()]
        except (KeyError, AttributeError):
            raise NotFound(f"no artifact {handle!r} in this run; use a handle shown in an observation") from None

    def get_artifact(self, handle: str, *, start: int = 0, length: int | None = None) -> str:
        if start < 0 or (length is not None and length < 0):
            raise InvalidInput(f"start and length must be >= 0, got start={start}, length={length}")
        content = self._item(handle)[0]
        return content[start:] if length is None else content[start : start + length]

    def artifact_info(self, handle: str) -> dict[str, Any]:
        content, created_at, metadata = self._item(handle)
        return {"chars": len(content), "created_at": created_at, "metadata": metadata}
