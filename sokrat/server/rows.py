"""The rows the server keeps in Redis (tasks, media, API keys, queue claims), as typed values."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Literal

from sokrat.server.schemas import Media, Task, TaskOptions
from sokrat.types import TERMINAL_STATUSES, Result

ANONYMOUS = "anonymous"
"""The owner of everything when the server runs without API keys."""


@dataclass(frozen=True)
class Claim:
    """A queue entry a worker now owns."""

    entry_id: str
    task_id: str
    reclaimed: bool
    """True when taken over from a worker that stopped heartbeating."""


@dataclass(frozen=True)
class MediaRow:
    """An upload as stored (the public view is :class:`~sokrat.server.schemas.Media`)."""

    id: str
    owner: str
    kind: Literal["video", "audio"]
    duration_s: float
    bytes: int
    filename: str
    sha256: str
    suffix: str
    """The stored file's extension (``.mp4``), safe for a file name."""
    path: str = ""
    """Where the API server that took the upload keeps the file (other machines fetch it)."""
    s3_key: str = ""
    """The object's key in the media bucket, when one is configured."""
    created_at: float = 0.0
    expires_at: float | None = None

    def public(self) -> Media:
        return Media(id=self.id, kind=self.kind, duration_s=self.duration_s, bytes=self.bytes,
                     filename=self.filename, sha256=self.sha256, owner=self.owner,
                     created_at=self.created_at, expires_at=self.expires_at)

    def mapping(self) -> dict[str, str]:
        return {"id": self.id, "owner": self.owner, "kind": self.kind, "duration_s": repr(self.duration_s),
                "bytes": str(self.bytes), "filename": self.filename, "sha256": self.sha256,
                "suffix": self.suffix, "path": self.path, "s3_key": self.s3_key,
                "created_at": repr(self.created_at),
                "expires_at": repr(self.expires_at) if self.expires_at is not None else ""}

    @classmethod
    def from_hash(cls, raw: dict[str, str]) -> MediaRow:
        return cls(id=raw["id"], owner=raw.get("owner", ""), kind=raw["kind"],  # type: ignore[arg-type]
                   duration_s=float(raw["duration_s"]), bytes=int(raw["bytes"]),
                   filename=raw.get("filename", ""), sha256=raw.get("sha256", ""), suffix=raw.get("suffix", ""),
                   path=raw.get("path", ""), s3_key=raw.get("s3_key", ""),
                   created_at=float(raw.get("created_at") or 0), expires_at=_opt_float(raw.get("expires_at")))


@dataclass(frozen=True)
class TaskRow:
    """A task as stored (the public view is :class:`~sokrat.server.schemas.Task`)."""

    id: str
    owner: str
    goal: str
    status: str
    created_at: float
    updated_at: float
    admin: bool = False
    """Created with an admin key."""
    media: list[str] = field(default_factory=list)
    options: TaskOptions = field(default_factory=TaskOptions)
    started_at: float | None = None
    finished_at: float | None = None
    expires_at: float | None = None
    attempts: int = 0
    outages: int = 0
    cancel_requested: bool = False
    worker: str | None = None
    result: Result | None = None

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL_STATUSES

    @property
    def namespace(self) -> str | None:
        """Whose memories and documents the run uses: the owner's; every namespace for an
        admin key (writes go to ``default``); ``default`` on a server without keys (as the CLI)."""
        if self.owner == ANONYMOUS:
            return "default"
        return None if self.admin else self.owner

    def public(self) -> Task:
        return Task(id=self.id, owner=self.owner, goal=self.goal, media=self.media, options=self.options,
                    status=self.status,  # type: ignore[arg-type]
                    created_at=self.created_at, updated_at=self.updated_at, started_at=self.started_at,
                    finished_at=self.finished_at, expires_at=self.expires_at, attempts=self.attempts,
                    cancel_requested=self.cancel_requested, worker=self.worker, result=self.result)

    @classmethod
    def from_hash(cls, raw: dict[str, str]) -> TaskRow:
        return cls(
            id=raw["id"], owner=raw.get("owner", ""), goal=raw["goal"], status=raw["status"], admin=raw.get("admin") == "1",
            created_at=float(raw["created_at"]), updated_at=float(raw.get("updated_at") or raw["created_at"]),
            media=json.loads(raw.get("media") or "[]"),
            options=TaskOptions.model_validate_json(raw.get("options") or "{}"),
            started_at=_opt_float(raw.get("started_at")), finished_at=_opt_float(raw.get("finished_at")),
            expires_at=_opt_float(raw.get("expires_at")),
            attempts=max(0, int(raw.get("attempts") or 0)), outages=int(raw.get("outages") or 0),
            cancel_requested=raw.get("cancel") == "1", worker=raw.get("worker") or None,
            result=Result.model_validate_json(raw["result"]) if raw.get("result") else None,
        )


@dataclass(frozen=True)
class StoredKey:
    """An API key managed by ``sokrat keys`` (only its SHA-256 is stored)."""

    digest: str
    owner: str
    admin: bool
    created_at: float
    label: str = ""


def _opt_float(value: str | None) -> float | None:
    return float(value) if value not in (None, "") else None


def key_digest(key: str) -> str:
    """The SHA-256 (hex) under which an API key is stored and compared."""
    return hashlib.sha256(key.encode()).hexdigest()


__all__ = ["ANONYMOUS", "Claim", "MediaRow", "StoredKey", "TaskRow", "key_digest"]
