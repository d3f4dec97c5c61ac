"""The REST API and its Redis-backed workers.

- :func:`sokrat.server.app.create_app`: the FastAPI app (``sokrat serve``).
- :class:`sokrat.server.worker.Worker`: runs queued tasks (``sokrat worker``).
- :class:`sokrat.server.queue.TaskStore`: tasks, media, queue and event streams in Redis.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:  # lazy: importing sokrat.server must not import FastAPI
    if name == "create_app":
        from sokrat.server.app import create_app

        return create_app
    if name == "Worker":
        from sokrat.server.worker import Worker

        return Worker
    if name == "TaskStore":
        from sokrat.server.queue import TaskStore

        return TaskStore
    raise AttributeError(name)


__all__ = ["TaskStore", "Worker", "create_app"]
