"""The REST API and its Redis-backed workers.

- :func:`sokrat.server.app.create_app`: the FastAPI app (``sokrat serve``); routes in
  ``api.py``, public schemas in ``schemas.py``, keys/owners and the body guard in ``auth.py``.
- :class:`sokrat.server.worker.Worker`: runs queued tasks (``sokrat worker``).
- :class:`sokrat.server.queue.TaskStore`: tasks, media rows, queue, event streams and API keys
  in Redis (storage rows, separate from the public schemas).
- :class:`sokrat.server.media.MediaStore`: where upload bytes live (local, bucket, worker cache).
- :class:`sokrat.server.redact.Redactor`: secrets and internal paths scrubbed from what leaves.
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
