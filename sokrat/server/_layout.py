"""Where the server's data lives in Redis: every key name, in one place.

Two hash slots matter on a Redis Cluster (a key's slot is the hash of its ``{...}`` part):

- a task's own keys (its row and its event stream) share the slot of ``{<task id>}``, so a
  script over one task touches one slot, and tasks spread over the whole cluster;
- the shared keys (status indexes, the work queue, the sequence, retention zsets, API keys)
  share the slot of ``{<namespace>:server}``, so the scripts that move a task between
  indexes and queue it are atomic there.

A media row is ``media:{<media id>}``, in its own slot. No script touches a task's slot and
the shared slot at once; :mod:`sokrat.server.stores` orders the two steps so that a process
dying between them leaves nothing a reader can see wrongly (see there).

Layout before 2026-12 (everything under ``<namespace>:server:`` without hash tags) is moved
to this one by :func:`sokrat.server.stores.migrate_legacy_layout`, run once at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Layout:
    """Key names of one server namespace."""

    namespace: str = "sokrat"
    """``settings.task_namespace``: separates servers sharing one Redis."""

    @property
    def rows(self) -> str:
        """Prefix of the per-task and per-media keys."""
        return f"{self.namespace}:server:"

    @property
    def shared(self) -> str:
        """Prefix of the shared keys, all in one hash slot."""
        return "{" + self.namespace + ":server}:"

    def task(self, task_id: str) -> str:
        return f"{self.rows}task:{{{task_id}}}"

    def events(self, task_id: str) -> str:
        return f"{self.rows}events:{{{task_id}}}"

    def media(self, media_id: str) -> str:
        return f"{self.rows}media:{{{media_id}}}"

    def index(self, owner: str | None, status: str | None) -> str:
        """The zset of task ids (scored by creation sequence): everyone's or one owner's,
        every status or one."""
        base = f"{self.shared}own:{owner}:tasks" if owner is not None else f"{self.shared}tasks"
        return f"{base}:{status}" if status else base

    @property
    def queue(self) -> str:
        return self.shared + "queue"

    @property
    def seq(self) -> str:
        return self.shared + "seq"

    @property
    def expire_tasks(self) -> str:
        return self.shared + "expire:tasks"

    @property
    def expire_media(self) -> str:
        return self.shared + "expire:media"

    @property
    def sweep_lock(self) -> str:
        return self.shared + "sweep:lock"

    @property
    def api_keys(self) -> str:
        return self.shared + "keys"

    @property
    def revoked_keys(self) -> str:
        return self.shared + "keys:revoked"

    @property
    def version(self) -> str:
        """Holds the layout version once :func:`~sokrat.server.stores.migrate_legacy_layout` ran."""
        return self.shared + "layout"


LAYOUT_VERSION = "2"

__all__ = ["LAYOUT_VERSION", "Layout"]
