"""Connecting to Redis: the external ``REDIS_URL`` or the embedded server, with retries.

Every client retries connection errors and timeouts with exponential backoff (redis-py's
``Retry``), so a server restart between two operations costs a short wait, not a failure.
At connect time the server is checked for the two modules Sokrat needs: search (vector
indexes, ``FT.*``) and JSON (``JSON.*``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sokrat._redact import redact
from sokrat.errors import MissingRedisModules, RedisUnavailable

if TYPE_CHECKING:
    import redis

    from sokrat.settings import Settings

DEFAULT_RETRIES = 8
"""Backoff 0.05 s doubling, capped at 2 s: ~8 s of retrying before an operation fails."""


@dataclass(frozen=True)
class Target:
    """Which Redis a process talks to."""

    url: str
    embedded: bool
    """True for the embedded valkey started from the user's data dir."""


def resolve_target(settings: Settings | None = None, *, start: bool = True) -> Target:
    """``REDIS_URL`` when set; else the embedded server (started when ``start``)."""
    from sokrat.memory import embedded
    from sokrat.settings import get_settings

    settings = settings or get_settings()
    if settings.redis_url:
        return Target(settings.redis_url, embedded=False)
    if start:
        return Target(embedded.ensure_server(settings).url, embedded=True)
    return Target(embedded.url_for(settings.data_dir), embedded=True)


@functools.lru_cache(maxsize=32)
def cluster_mode(url: str) -> bool:
    """Whether the server at ``url`` runs as a Redis Cluster node (``cluster_enabled:1``).

    Asked once per URL and process (one short connection): ``REDIS_URL`` names any one node of
    a cluster, and the cluster client finds the others. A socket URL is never a cluster (its
    nodes talk TCP); a server that cannot be reached counts as single, and the real client
    then reports the error.
    """
    import redis

    if url.startswith("unix:"):
        return False
    try:
        client = redis.Redis.from_url(url, socket_timeout=5.0, socket_connect_timeout=5.0)
    except ValueError:
        return False
    try:
        return bool(client.info("cluster").get("cluster_enabled"))
    except (redis.RedisError, OSError):
        return False
    finally:
        client.close()


def make_client(url: str, *, retries: int = DEFAULT_RETRIES, decode_responses: bool = False,
                timeout_s: float = 10.0) -> Any:
    """A redis-py client with retry-with-backoff on connection errors and timeouts: a
    ``RedisCluster`` when the server at ``url`` is a cluster node, else a ``Redis``."""
    import redis
    from redis.backoff import ExponentialBackoff
    from redis.retry import Retry

    options: dict[str, Any] = {
        "retry": Retry(ExponentialBackoff(cap=2.0, base=0.05), retries),
        "socket_timeout": timeout_s, "socket_connect_timeout": timeout_s, "decode_responses": decode_responses}
    try:
        if cluster_mode(url):
            return redis.RedisCluster.from_url(url, **options)
        return redis.Redis.from_url(url, retry_on_error=[redis.ConnectionError, redis.TimeoutError],
                                    health_check_interval=30, **options)
    except ValueError as e:
        raise RedisUnavailable(
            f"REDIS_URL {redact(url)!r} is not a valid Redis URL ({e}); use redis://host:port/0, "
            "rediss://... or unix:///path/to.sock, or unset it for the embedded server"
        ) from e


def connect(settings: Settings | None = None, *, url: str | None = None,
            retries: int = DEFAULT_RETRIES, check_modules: bool = True) -> redis.Redis:
    """A checked client for ``url`` (default: :func:`resolve_target`).

    Raises :class:`RedisUnavailable` naming the URL when the server does not answer, and
    :class:`MissingRedisModules` when it lacks vector search or JSON.
    """
    import redis

    target_url = url or resolve_target(settings).url
    client = make_client(target_url, retries=retries)
    try:
        client.ping()
    except (redis.ConnectionError, redis.TimeoutError, OSError) as e:
        client.close()
        raise RedisUnavailable(
            f"cannot reach Redis at {redact(target_url)} ({e}). Start that server or fix "
            "REDIS_URL; unset REDIS_URL to use the embedded server"
        ) from e
    except redis.AuthenticationError as e:
        client.close()
        raise RedisUnavailable(
            f"Redis at {redact(target_url)} refused the credentials ({e}); fix the user/password in REDIS_URL"
        ) from e
    if check_modules:
        try:
            check_server_modules(client, target_url)
        except BaseException:
            client.close()
            raise
    return client


def server_modules(client: redis.Redis) -> dict[str, int]:
    """Loaded modules ``{name: version}`` (empty when MODULE LIST is not allowed)."""
    import redis

    try:
        listed = client.module_list()
    except redis.ResponseError:  # managed services often disable MODULE
        return {}
    out: dict[str, int] = {}
    for item in listed:
        name = item.get(b"name", item.get("name"))
        ver = item.get(b"ver", item.get("ver"))
        if isinstance(name, bytes):
            name = name.decode()
        out[str(name)] = int(ver or 0)
    return out


def _has_command(client: redis.Redis, *args: Any) -> bool:
    import redis
    from redis.cluster import RedisCluster

    # a cluster client cannot route a command without a key: ask any one node
    route: dict[str, Any] = {"target_nodes": RedisCluster.RANDOM} if isinstance(client, RedisCluster) and len(args) == 1 else {}
    try:
        client.execute_command(*args, **route)
    except redis.ResponseError as e:
        text = str(e).lower()
        return not ("unknown command" in text or "unknown subcommand" in text)
    return True


def check_server_modules(client: redis.Redis, url: str) -> None:
    """Raise :class:`MissingRedisModules` unless the server has search and JSON.

    Probes the commands themselves (``FT._LIST``, ``JSON.TYPE``), which works whether the
    features are modules (Redis Stack, valkey + modules) or built in (Redis 8).
    """
    missing = []
    if not _has_command(client, "FT._LIST"):
        missing.append("search (RediSearch: FT.CREATE, vector KNN)")
    if not _has_command(client, "JSON.TYPE", "sokrat:__probe__"):
        missing.append("JSON (RedisJSON)")
    if missing:
        raise MissingRedisModules(
            f"Redis at {redact(url)} lacks {' and '.join(missing)}. Use Redis 8 or Redis Stack "
            "(e.g. `docker run -p 6379:6379 redis:8`), or unset REDIS_URL to use Sokrat's "
            "embedded server, which loads both"
        )
