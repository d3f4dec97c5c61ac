"""Durable agent runs: LangGraph checkpoints and store in the same Redis as long-term memory.

Factories over ``langgraph-checkpoint-redis``, on the server :func:`sokrat.memory.get_memory`
uses (``REDIS_URL``, or the embedded valkey + RediSearch + RedisJSON server when it is unset):

- :func:`checkpointer` -> a ``RedisSaver`` (sync client with retry-with-backoff) whose async
  methods run the sync ones in a worker thread, so one instance serves sync graphs and async
  graphs on *any* event loop (``sokrat._async.run_sync`` starts a fresh loop per call, and
  an ``AsyncRedisSaver``'s connections are bound to the loop that made them).
- :func:`async_checkpointer` -> an ``AsyncRedisSaver`` as an async context manager, for a
  long-lived loop (e.g. the REST server) that wants native async I/O. Not on a Redis
  Cluster (a clear ``ConfigError``; use :func:`checkpointer` there).
- :func:`store` -> a ``RedisStore`` (cross-thread memory for graphs), optionally with a
  vector index over the text embedder. Its async API runs in a thread, so it serves async
  graphs too. (No ``AsyncRedisStore`` factory: in langgraph-checkpoint-redis 0.5.2 it builds a
  sync redisvl ``SearchIndex`` on its async client, which redisvl 0.28 rejects with a
  ``TypeError``.)

On a Redis Cluster (``REDIS_URL`` names a node of one, see deploy/CLUSTER.md) the prefixes
carry a hash tag, ``{<prefix>}_checkpoint``, ``{<prefix>}_store``: a prefix's checkpoints,
writes, store items and their search indexes sit in one slot. The search module of Redis Stack and of the embedded server has no
cluster coordinator, so an index sees only its own node's keys; spread by thread, ``list()``
and ``get_state_history`` failed and ``delete_thread`` left other nodes' checkpoints behind
(measured on a 3-master valkey cluster). A prefix then scales with one node.

A run compiled with one of these checkpointers can be killed at any point and resumed with
the same ``thread_id`` (``graph.invoke(None, {"configurable": {"thread_id": ...}})``): nodes
whose results were checkpointed are not run again; the node in flight at the kill runs again
(at-least-once), so side-effecting tools should be idempotent or check before acting.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from langgraph.checkpoint.redis import AsyncRedisSaver, RedisSaver
    from langgraph.store.redis import RedisStore
    from redisvl.index import SearchIndex

    from sokrat.settings import Settings

DEFAULT_PREFIX = "sokrat"


def redis_url(settings: Settings | None = None) -> str:
    """The Redis URL runs are checkpointed to (starts the embedded server if needed)."""
    from sokrat.memory.connection import connect, resolve_target

    url = resolve_target(settings).url
    connect(url=url).close()  # fail early with RedisUnavailable / MissingRedisModules
    return url


def _prefixes(client: Any, prefix: str) -> tuple[str, str]:
    """The saver's key and index prefixes: ``prefix_checkpoint``..., hash-tagged on a cluster."""
    from sokrat.memory.redis import _key_root

    root = _key_root(client, prefix)
    return f"{root}_checkpoint", f"{root}_checkpoint_write"


def _cluster_index_class() -> type[SearchIndex]:
    """A redisvl index class whose ``exists()`` works with a cluster client.

    Hand-written because redisvl 0.28 sends ``FT.INFO`` to a *random* node for a cluster client
    and then cannot parse redis-py 8's reply (``KeyError: 1``): every ``setup()`` after the
    index was created failed. Here redis-py routes ``FT.INFO`` to the node owning the
    (hash-tagged) index name, and parses the reply itself.
    """
    import redis
    from redisvl.index import SearchIndex

    class ClusterSearchIndex(SearchIndex):
        def exists(self) -> bool:
            try:
                self._redis_client.ft(self.name).info()
            except redis.ResponseError as e:
                text = str(e).lower()
                if "unknown index" in text or "no such index" in text:
                    return False
                raise
            return True

    return ClusterSearchIndex


def _ttl(ttl_minutes: float | None) -> dict[str, Any] | None:
    return None if ttl_minutes is None else {"default_ttl": ttl_minutes, "refresh_on_read": True}


def _threaded_saver_class() -> type[RedisSaver]:
    from langgraph.checkpoint.redis import RedisSaver
    from redis.cluster import RedisCluster

    class ThreadedRedisSaver(RedisSaver):
        """``RedisSaver`` whose async API runs the sync one in a thread (loop-independent).

        Hand-written on purpose: the library's ``AsyncRedisSaver`` binds its connections to
        one event loop, which breaks when every ``Agent.run`` uses a new loop.
        """

        def create_indexes(self) -> None:
            if not isinstance(self._redis, RedisCluster):
                super().create_indexes()
                return
            index_class = _cluster_index_class()
            self.checkpoints_index = index_class.from_dict(self.checkpoints_schema, redis_client=self._redis)
            self.checkpoint_writes_index = index_class.from_dict(self.writes_schema, redis_client=self._redis)

        async def aget_tuple(self, config: Any) -> Any:
            return await asyncio.to_thread(self.get_tuple, config)

        async def aput(self, config: Any, checkpoint: Any, metadata: Any, new_versions: Any) -> Any:
            return await asyncio.to_thread(self.put, config, checkpoint, metadata, new_versions)

        async def aput_writes(self, config: Any, writes: Sequence[tuple[str, Any]], task_id: str,
                              task_path: str = "") -> None:
            await asyncio.to_thread(self.put_writes, config, writes, task_id, task_path)

        async def alist(self, config: Any, *, filter: dict[str, Any] | None = None,
                        before: Any = None, limit: int | None = None) -> AsyncIterator[Any]:
            items = await asyncio.to_thread(
                lambda: list(self.list(config, filter=filter, before=before, limit=limit)))
            for item in items:
                yield item

        async def adelete_thread(self, thread_id: str) -> None:
            await asyncio.to_thread(self.delete_thread, thread_id)

    return ThreadedRedisSaver


def checkpointer(settings: Settings | None = None, *, prefix: str = DEFAULT_PREFIX,
                 ttl_minutes: float | None = None) -> RedisSaver:
    """A ready (``setup()`` done) Redis checkpointer usable from sync and async graphs.

    Args:
        settings: process settings (``get_settings()`` when None).
        prefix: key/index prefix, ``<prefix>_checkpoint``... (isolates tests and tenants);
            ``{<prefix>}_checkpoint``... on a Redis Cluster.
        ttl_minutes: expire checkpoints this long after their last write/read; None keeps them.
    """
    from sokrat.memory.connection import make_client

    client = make_client(redis_url(settings))
    checkpoints, writes = _prefixes(client, prefix)
    saver = _threaded_saver_class()(redis_client=client, ttl=_ttl(ttl_minutes), checkpoint_prefix=checkpoints,
                                    checkpoint_write_prefix=writes)
    saver.setup()
    return saver


@asynccontextmanager
async def async_checkpointer(settings: Settings | None = None, *, prefix: str = DEFAULT_PREFIX,
                             ttl_minutes: float | None = None) -> AsyncIterator[AsyncRedisSaver]:
    """An ``AsyncRedisSaver`` (set up) bound to the current event loop; closed on exit.

    Not on a Redis Cluster: raises :class:`~sokrat.errors.ConfigError` naming the way out
    (:func:`checkpointer`, whose async API runs in a thread). redisvl 0.28's async cluster path
    sends ``FT.CREATE`` to the client's default node, not to the node owning the index; that
    only works where the search module coordinates a whole cluster (measured on a 3-master
    valkey cluster: ``MovedError``)."""
    from langgraph.checkpoint.redis import AsyncRedisSaver
    from redis.asyncio import Redis

    from sokrat.errors import ConfigError
    from sokrat.memory.connection import cluster_mode

    url = await asyncio.to_thread(redis_url, settings)
    if await asyncio.to_thread(cluster_mode, url):
        raise ConfigError(
            "async_checkpointer() cannot run on a Redis Cluster (redisvl creates its indexes on an "
            "arbitrary node there); use sokrat.agents.durable.checkpointer(), which serves async "
            "graphs too (see deploy/CLUSTER.md)")
    # Our own client, not the URL: redisvl 0.28 rebuilds a URL with urlunparse, which turns
    # unix:///path into unix:/path, and redis-py 8.2 rejects that (the embedded server's socket).
    client = Redis.from_url(url)
    try:
        async with AsyncRedisSaver.from_conn_string(
            redis_client=client, ttl=_ttl(ttl_minutes), checkpoint_prefix=f"{prefix}_checkpoint",
            checkpoint_write_prefix=f"{prefix}_checkpoint_write",
        ) as saver:
            await saver.asetup()
            yield saver
    finally:
        await client.aclose()


def _index(embeddings: bool, settings: Settings | None) -> dict[str, Any] | None:
    if not embeddings:
        return None
    from sokrat.memory import get_embedder

    embedder = get_embedder(settings)

    def embed(texts: Sequence[str]) -> list[list[float]]:
        return embedder.embed(list(texts)).tolist()

    return {"dims": embedder.dim, "embed": embed, "distance_type": "cosine", "fields": ["$"]}


def store(settings: Settings | None = None, *, prefix: str = DEFAULT_PREFIX,
          embeddings: bool = False, ttl_minutes: float | None = None) -> RedisStore:
    """A ready LangGraph ``RedisStore`` on the memory server.

    Args:
        settings: process settings (``get_settings()`` when None).
        prefix: key/index prefix (``<prefix>_store``, ``<prefix>_store_vectors``; hash-tagged,
            ``{<prefix>}_store``..., on a Redis Cluster, as the checkpointer's).
        embeddings: index values with the text embedder for ``store.search(query=...)``.
        ttl_minutes: expire items this long after their last write/read; None keeps them.
    """
    from langgraph.store.redis import RedisStore
    from redis.cluster import RedisCluster

    from sokrat.memory.connection import make_client
    from sokrat.memory.redis import _key_root

    client = make_client(redis_url(settings))
    root = _key_root(client, prefix)
    st = RedisStore(client, index=_index(embeddings, settings), ttl=_ttl(ttl_minutes),  # type: ignore[arg-type]
                    store_prefix=f"{root}_store", vector_prefix=f"{root}_store_vectors")
    if isinstance(client, RedisCluster):  # the same schemas, with an exists() that works there
        index_class = _cluster_index_class()
        st.store_index = index_class(st.store_index.schema, redis_client=client)
        if getattr(st, "vector_index", None) is not None:
            st.vector_index = index_class(st.vector_index.schema, redis_client=client)
    st.setup()
    return st
