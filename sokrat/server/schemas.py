"""The public REST schemas (request bodies and answers of /v1), separate from the Redis rows.

The rows in :mod:`sokrat.server.queue` carry what only the server and workers need (local
paths, content hashes, the queue sequence); these models are what clients send and see.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from sokrat.types import MAX_GOAL_CHARS, Result, TaskStatus

MAX_MEDIA_PER_TASK = 32


class TaskOptions(BaseModel):
    """Per-task overrides of the process limits (``"options"`` of ``POST /v1/tasks``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_steps: int | None = Field(default=None, ge=1, le=200, description="Step cap of this run.")
    max_wall_s: float | None = Field(default=None, gt=0, le=86_400, description="Wall-clock cap, seconds.")

    def overrides(self) -> dict[str, Any]:
        """The settings fields this task changes."""
        return self.model_dump(exclude_none=True)


class TaskCreate(BaseModel):
    """Body of ``POST /v1/tasks``."""

    model_config = ConfigDict(extra="forbid")

    goal: str = Field(min_length=1, max_length=MAX_GOAL_CHARS, description="What the agent should do.")
    media: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        default_factory=list, max_length=MAX_MEDIA_PER_TASK, description="Ids returned by POST /v1/media.")
    options: TaskOptions = Field(default_factory=TaskOptions)
    collection: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$",
                                   description="Ask over this collection of yours (POST /v1/collections).")

    @field_validator("goal")
    @classmethod
    def _goal_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("goal is blank: say what the agent should do")
        return value.strip()

    def run_goal(self) -> str:
        """The goal the agent runs: with a collection, it says which one to ask."""
        from sokrat.agents.agent import with_collection

        return with_collection(self.goal, self.collection)



class TaskAccepted(BaseModel):
    """Answer of ``POST /v1/tasks`` (202): the task is stored and queued (see the README on
    what the acknowledgement guarantees)."""

    id: str
    status: Literal["queued"] = "queued"


class Task(BaseModel):
    """A task as ``GET /v1/tasks/{id}`` shows it."""

    model_config = ConfigDict(frozen=True)

    id: str
    owner: str = Field(description="Who created it: the owner name of the API key (`anonymous` without keys).")
    goal: str
    media: list[str] = Field(default_factory=list)
    options: TaskOptions = Field(default_factory=TaskOptions)
    status: TaskStatus
    created_at: float
    updated_at: float
    started_at: float | None = None
    finished_at: float | None = None
    expires_at: float | None = Field(default=None, description="When a finished task is deleted (retention).")
    attempts: int = Field(default=0, description="Runs started; a Redis outage does not count as one.")
    cancel_requested: bool = False
    worker: str | None = None
    result: Result | None = None


class TaskPage(BaseModel):
    items: list[Task]
    next_cursor: str | None = None
    """Pass as ``cursor`` for the next (older) page; null on the last page."""


class Media(BaseModel):
    """An uploaded media file (``POST /v1/media`` answers it with 201)."""

    model_config = ConfigDict(frozen=True)

    id: str
    kind: Literal["video", "audio"]
    duration_s: float
    bytes: int
    filename: str = ""
    sha256: str = Field(default="", description="Content hash of the file.")
    owner: str = ""
    created_at: float = 0.0
    expires_at: float | None = None


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable machine-readable name, e.g. `not_found`, `upload_too_large`.")
    message: str = Field(description="What went wrong and what to do about it.")


class ErrorBody(BaseModel):
    """Every error answer: ``{"error": {"code", "message"}}``."""

    error: ErrorDetail


RETRY_AFTER_HEADER = {"Retry-After": {"description": "Seconds to wait before the next request.",
                                       "schema": {"type": "integer"}}}
ERROR_STATUSES = {
    400: "Malformed request, or (`bad_host`) a `Host` header not in SOKRAT_ALLOWED_HOSTS",
    401: "Missing, invalid or revoked API key",
    403: "(`cross_origin`) a write from another site's page: its `Origin` is neither this server's nor in "
         "SOKRAT_ALLOWED_ORIGINS",
    404: "No such item (or not yours)",
    409: "Conflicts with the item's state",
    413: "Body over the size limit",
    422: "Invalid input",
    429: "(`too_many_requests`) too many wrong API keys from this address (SOKRAT_AUTH_FAIL_LIMIT); every "
         "request is refused until `Retry-After` seconds have passed",
    503: "Redis (or another dependency) unavailable; retry",
}
"""What each error status means, for the OpenAPI ``responses`` of the routes."""


def _extra(status: int) -> dict[str, Any]:
    return {"headers": RETRY_AFTER_HEADER} if status in (429, 503) else {}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for error statuses, all with :class:`ErrorBody` (429 and 503 also
    document their ``Retry-After`` header)."""
    return {status: {"model": ErrorBody, "description": ERROR_STATUSES.get(status, "Error"), **_extra(status)}
            for status in statuses}


def openapi_error(status: int) -> dict[str, Any]:
    """The OpenAPI response object :func:`errors` gives ``status``, for editing a built schema."""
    return {"description": ERROR_STATUSES.get(status, "Error"), **_extra(status),
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}}


__all__ = ["ERROR_STATUSES", "MAX_MEDIA_PER_TASK", "ErrorBody", "Media", "Task", "TaskAccepted", "TaskCreate", "TaskOptions",
           "TaskPage", "errors", "openapi_error"]
