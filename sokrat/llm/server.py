"""The local model server: one llama.cpp server per user and model, shared by every process.

Loading the planner costs seconds and gigabytes, so no command should pay for it twice.
The first command that needs the planner starts a llama.cpp server (``xllamacpp``, which
bundles llama.cpp and serves the OpenAI-compatible API) as a daemon; every later ``sokrat
ask``/``run``, the REST workers and the Python API find it and talk to it over HTTP
(:class:`LocalServerChatModel`, an :class:`~sokrat.llm.openai.OpenAIChatModel`). It is
managed like the embedded Redis (:mod:`sokrat.memory.embedded`):

- **One per user and model**: its files live in ``<cache_dir>/servers/<model>-<key>/``, where
  the key hashes what the server is started with (model, draft, context, slots, threads).
  The cache dir, not the data dir: a model server holds no user data, so commands with
  different data dirs (tests, several projects) share one server instead of loading the
  model once each.
  A start goes through a file lock; a process that finds a live, healthy server reuses it,
  and two processes starting at once get exactly one server.
- **Found through files**: ``server.pid`` (written as soon as the daemon runs, so a server
  still loading is waited for, not started twice) and ``server.json`` (written once the model
  is loaded: address, key, model, last activity).
- **Loopback only, with a key**: it listens on 127.0.0.1 on a free port and requires a random
  API key that only the user can read (``server.json`` is mode 600).
- **Health-checked and restarted**: a dead pid or a failing ``/health`` means a new start;
  a client that loses its server mid-run restarts it and retries once.
- **Stops when idle**: after ``SOKRAT_LLM_SERVER_IDLE_S`` without a request (its request
  counters and a file clients touch before each request tell), the daemon checks once more
  under the lock, removes its state and exits; ``sokrat services stop`` stops it at once.
- **Loads the GGUF as it is**: the offline pack's file, assembled once (no conversion); the
  prompt cache (``cache_prompt``) keeps each slot's longest common prefix, so a planner whose
  prompt prefix is stable pays only for the new tokens of each step.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sokrat.errors import LLMConnectionError
from sokrat.llm.openai import OpenAIChatModel

if TYPE_CHECKING:
    from filelock import FileLock

    from sokrat.settings import Settings

log = logging.getLogger(__name__)

STATE, PIDFILE, CONFIG, LOGFILE, LOCK = "server.json", "server.pid", "config.json", "server.log", "server.lock"
ACTIVE = "active"
"""Touched by clients before each request: the daemon counts it as activity, so a server that
has just been found is not stopped for idleness before the request reaches it."""
POLL_S = 2.0
"""How often the daemon reads its request counters (idle detection, ``last_active``)."""
HOST_PROMPT_CACHE_MIB = 0
"""Host-memory cache of prompts evicted from the slots: off (llama.cpp's default is 8 GiB).
With it (and ``cache_idle_slots``, also on by default) llama.cpp can restore an unrelated,
finished conversation into a slot serving a new request under concurrent load, and the model
continues that conversation instead (ggml-org/llama.cpp#27148, open). We saw exactly that: a
video question answered "Pick up the purple block", from the robot's prompt on the other
slot. Each slot keeps its own prompt cache, which is what a planner's next step hits."""


@dataclass(frozen=True)
class ServerSpec:
    """What a server is started with; servers with equal specs are the same server."""

    model: str
    """The planner setting as given (a named model or a path): its identity, not its path."""
    draft: str | None
    """The speculative-decoding draft model, or None."""
    n_ctx: int
    """Context window per slot, in tokens."""
    slots: int
    """Requests decoded at once (each slot keeps its own prompt cache)."""
    threads: int
    """CPU threads for decoding."""
    batch_threads: int
    """CPU threads for prompt evaluation."""
    embedding: bool = False
    """An embedding server (the text embedder's GGUF, ``/v1/embeddings``) instead of a chat one:
    xllamacpp has no router mode ("xllamacpp disabled the router server feature"), and
    llama.cpp serves one model per server, so the embedder gets its own server, managed here."""

    @classmethod
    def for_embedder(cls, settings: Settings) -> ServerSpec:
        """The embedding server of the text embedder in ``settings`` (a GGUF embedder)."""
        cores = os.cpu_count() or 1
        # Embedding is prompt evaluation only: every core helps, nothing waits on decoding.
        return cls(model=settings.embedder_model or settings.embedder, draft=None,
                   n_ctx=settings.embedder_context_tokens, slots=max(1, settings.embedder_server_slots),
                   threads=cores, batch_threads=cores, embedding=True)

    @classmethod
    def from_settings(cls, settings: Settings) -> ServerSpec:
        from sokrat.weights import DEFAULT_PLANNER

        cores = os.cpu_count() or 1
        return cls(model=settings.llm_model or DEFAULT_PLANNER, draft=settings.llm_draft_model,
                   n_ctx=settings.llm_context_tokens, slots=max(1, settings.llm_server_slots),
                   threads=settings.llm_threads or max(1, cores - 1),
                   batch_threads=settings.llm_batch_threads or cores)

    @property
    def key(self) -> str:
        # with the host-cache setting: a server started with the old one is not reused
        fields = asdict(self) | {"cache_ram_mib": HOST_PROMPT_CACHE_MIB}
        if not self.embedding:  # chat servers keep the key they had before this field existed
            del fields["embedding"]
        return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()[:12]

    @property
    def dirname(self) -> str:
        slug = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(self.model).name)[:40].strip("-") or "model"
        return f"{slug}-{self.key}"


@dataclass(frozen=True)
class ServerInfo:
    """A running (or last known) local model server, as ``sokrat services`` lists it."""

    dir: Path
    """Its state folder (log, pid, state, lock)."""
    pid: int
    url: str
    """The OpenAI-compatible API base (``http://127.0.0.1:PORT/v1``)."""
    api_key: str
    model: str
    """The model setting it serves (a named model or a path)."""
    model_id: str
    """The served model's id (as weights resolution names it)."""
    model_path: str
    """The GGUF it loaded."""
    draft_path: str | None
    n_ctx: int
    slots: int
    threads: int
    idle_s: float
    """Stops after this long without a request (0: never)."""
    batch_threads: int
    started_at: float
    ready_at: float
    """When the model had loaded (``ready_at - started_at`` is the load time)."""
    last_active: float
    embedding: bool = False
    """An embedding server (the text embedder) rather than the planner's chat server."""

    @property
    def load_s(self) -> float:
        return self.ready_at - self.started_at

    @property
    def idle_for_s(self) -> float:
        return max(0.0, time.time() - self.last_active)

    def rss_bytes(self) -> int | None:
        """Resident memory of the server process, None when unknown."""
        return process_rss(self.pid)

    def public(self) -> dict[str, Any]:
        """JSON-able, without the key."""
        out = {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(self).items() if k != "api_key"}
        out.update(load_s=round(self.load_s, 2), idle_for_s=round(self.idle_for_s, 1), rss_bytes=self.rss_bytes(),
                   alive=_pid_alive(self.pid))
        return out


# --- files and processes ----------------------------------------------------------------------------
def servers_root(settings: Settings) -> Path:
    """Where every local model server of this user keeps its state."""
    return Path(settings.cache_dir).expanduser().resolve() / "servers"


def _pid_alive(pid: int) -> bool:
    """True for a live (non-zombie) process."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a killed daemon whose parent does not reap it stays a zombie: treat it as dead
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] not in ("Z", "X")


def process_rss(pid: int) -> int | None:
    """Resident memory of a process (Linux ``/proc``), None when unknown."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _read_pid(directory: Path) -> int | None:
    try:
        return int((directory / PIDFILE).read_text().strip())
    except (OSError, ValueError):
        return None


def read_state(directory: Path) -> ServerInfo | None:
    """The server recorded in ``directory`` (alive or not), or None."""
    try:
        data = json.loads((directory / STATE).read_text())
        data.setdefault("model_id", data.get("model", ""))  # state written by an older version
        data.setdefault("batch_threads", data.get("threads", 1))
        return ServerInfo(**{**data, "dir": directory})
    except (OSError, ValueError, TypeError):
        return None


def _write_json(path: Path, data: dict[str, Any]) -> None:
    """Atomic, private (mode 600): the state holds the server's API key."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(data, f)
    os.replace(tmp, path)


def _healthy(info: ServerInfo, timeout_s: float = 2.0) -> bool:
    import httpx

    try:
        return httpx.get(info.url.removesuffix("/v1") + "/health", timeout=timeout_s).status_code == 200
    except httpx.HTTPError:
        return False


def _touch(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.touch()


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _log_tail(directory: Path, lines: int = 12) -> str:
    try:
        return "\n".join((directory / LOGFILE).read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _lock(directory: Path, timeout_s: float) -> FileLock:
    from filelock import FileLock

    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    return FileLock(str(directory / LOCK), timeout=timeout_s)


# --- the client side: find, start, list, stop -------------------------------------------------------------
def live_server(directory: Path) -> ServerInfo | None:
    """The server of ``directory`` if it is alive and healthy (never starts one)."""
    info = read_state(directory)
    if info is not None and _pid_alive(info.pid) and _healthy(info):
        return info
    return None


def ensure_server(settings: Settings, spec: ServerSpec | None = None) -> ServerInfo:
    """The user's server for ``spec`` (default: from settings), started if none answers.

    Safe from any number of processes at once. Raises :class:`LLMConnectionError` (with the
    server log's tail) when it does not come up, and ``ModelNotAvailable`` when the model
    does not resolve.
    """
    from filelock import Timeout

    spec = spec or ServerSpec.from_settings(settings)
    directory = servers_root(settings) / spec.dirname
    found = live_server(directory)  # fast path, no lock
    if found is not None:
        return found
    timeout_s = settings.llm_server_start_timeout_s
    try:
        with _lock(directory, timeout_s):
            found = live_server(directory)
            if found is not None:
                return found
            pid = _read_pid(directory)
            if pid is not None and _pid_alive(pid):
                # Loading (its starter died while waiting) or hung: wait rather than start a second one.
                found = _wait_ready(directory, pid, timeout_s)
                if found is not None:
                    return found
                _terminate(pid, timeout_s=10.0)
            for name in (STATE, PIDFILE):
                with contextlib.suppress(FileNotFoundError):
                    (directory / name).unlink()
            return _start(settings, spec, directory)
    except Timeout as e:
        raise LLMConnectionError(
            f"could not take the model-server lock {directory / LOCK} within {timeout_s:g} s; "
            "another Sokrat process may be stuck starting it (`sokrat services stop`)"
        ) from e


def _start(settings: Settings, spec: ServerSpec, directory: Path) -> ServerInfo:
    from sokrat.weights import resolve

    model = resolve("embedder", settings) if spec.embedding else resolve("planner", settings, fmt="gguf")
    if spec.embedding and model.path.suffix != ".gguf":
        from sokrat.errors import ConfigError

        raise ConfigError(f"the embedder {model.model_id} ({model.path}) is not a GGUF; llama.cpp cannot serve it")
    draft = resolve("draft", settings) if spec.draft else None
    config = {
        "model": spec.model, "model_path": str(model.path), "model_id": model.model_id,
        "draft_path": str(draft.path) if draft else None, "n_ctx": spec.n_ctx, "slots": spec.slots,
        "threads": spec.threads, "batch_threads": spec.batch_threads, "idle_s": float(settings.llm_server_idle_s),
        "api_key": secrets.token_urlsafe(24), "embedding": spec.embedding,
    }
    _write_json(directory / CONFIG, config)
    log.info("starting the local model server for %s (%s)", spec.model, model.path)
    with open(directory / LOGFILE, "ab") as out:
        # The launcher forks the daemon (setsid, a grandchild of ours) and exits at once, so the
        # server outlives this process and is never our zombie.
        launcher = subprocess.run([sys.executable, "-m", "sokrat.llm.server", "--daemon", str(directory)],
                                  stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, check=False,
                                  timeout=120, close_fds=True)
    if launcher.returncode != 0:
        raise LLMConnectionError(f"the local model server could not be launched (exit {launcher.returncode}); "
                                 f"see {directory / LOGFILE}:\n{_log_tail(directory)}")
    deadline = time.monotonic() + 30
    pid = _read_pid(directory)
    while pid is None and time.monotonic() < deadline:
        time.sleep(0.05)
        pid = _read_pid(directory)
    if pid is None:
        raise LLMConnectionError(f"the local model server did not start; see {directory / LOGFILE}:\n"
                                 f"{_log_tail(directory)}")
    found = _wait_ready(directory, pid, settings.llm_server_start_timeout_s)
    if found is None:
        alive = _pid_alive(pid)
        if alive:
            _terminate(pid, timeout_s=10.0)
        raise LLMConnectionError(
            f"the local model server (pid {pid}) {'did not load' if alive else 'died while loading'} "
            f"{model.path} within {settings.llm_server_start_timeout_s:g} s. Last lines of "
            f"{directory / LOGFILE}:\n{_log_tail(directory)}"
        )
    return found


def _wait_ready(directory: Path, pid: int, timeout_s: float) -> ServerInfo | None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and _pid_alive(pid):
        info = read_state(directory)
        if info is not None and info.pid == pid and _healthy(info):
            return info
        time.sleep(0.1)
    return None


def _terminate(pid: int, *, timeout_s: float) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while _pid_alive(pid):
        if time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            time.sleep(0.2)
            return
        time.sleep(0.05)


def list_servers(settings: Settings) -> list[ServerInfo]:
    """Every local model server of this user that is running (stale state is skipped)."""
    root = servers_root(settings)
    out = []
    for directory in sorted(root.iterdir()) if root.is_dir() else []:
        info = read_state(directory)
        if info is not None and _pid_alive(info.pid):
            out.append(info)
    return out


def stop_server(info: ServerInfo, *, timeout_s: float = 30.0) -> bool:
    """Stop one server (SIGTERM, then SIGKILL after ``timeout_s``); False if it was not running."""
    if not _pid_alive(info.pid):
        return False
    _terminate(info.pid, timeout_s=timeout_s)
    for name in (STATE, PIDFILE):
        with contextlib.suppress(FileNotFoundError):
            (info.dir / name).unlink()
    return True


def stop_servers(settings: Settings, *, timeout_s: float = 30.0) -> list[ServerInfo]:
    """Stop every local model server of this user; returns those that were stopped."""
    return [info for info in list_servers(settings) if stop_server(info, timeout_s=timeout_s)]


# --- the chat model ---------------------------------------------------------------------------------------
class LocalServerChatModel(OpenAIChatModel):
    """The planner on the user's shared llama.cpp server, started on first use and restarted
    when it has died (idle shutdown, a kill); everything else is :class:`OpenAIChatModel`."""

    def __init__(self, settings: Settings, spec: ServerSpec | None = None) -> None:
        self.spec = spec or ServerSpec.from_settings(settings)
        super().__init__("http://127.0.0.1/v1", model=self.spec.model, timeout_s=settings.llm_timeout_s,
                         max_new_tokens=settings.llm_max_new_tokens, context_length=settings.context_limit_tokens)
        self._settings = settings
        self._info: ServerInfo | None = None
        self._guard = threading.Lock()

    @property
    def server(self) -> ServerInfo:
        """The server in use (started now if needed)."""
        self._endpoint()
        assert self._info is not None  # set by _endpoint
        return self._info

    def _endpoint(self) -> tuple[str, str | None]:
        with self._guard:
            if self._info is None or not _pid_alive(self._info.pid):
                self._info = ensure_server(self._settings, self.spec)
                self.base_url = self._info.url
                self.api_key = self._info.api_key
            _touch(self._info.dir / ACTIVE)
            return self._info.url, self._info.api_key

    def _connection_lost(self) -> bool:
        with self._guard:
            self._info = None  # the next _endpoint re-checks and restarts it
        return True


class SharedServer:
    """A handle on one of the user's shared servers (the embedder's): started on first use,
    found again (and restarted) after it died; each use counts as activity for its idle stop."""

    def __init__(self, settings: Settings, spec: ServerSpec) -> None:
        self.settings = settings
        self.spec = spec
        self._info: ServerInfo | None = None
        self._guard = threading.Lock()

    def endpoint(self) -> ServerInfo:
        """The live server (started now if needed), touched as active."""
        with self._guard:
            if self._info is None or not _pid_alive(self._info.pid):
                self._info = ensure_server(self.settings, self.spec)
            _touch(self._info.dir / ACTIVE)
            return self._info

    def lost(self) -> None:
        """Forget the server after a failed request: the next :meth:`endpoint` checks it again."""
        with self._guard:
            self._info = None


# --- the daemon ---------------------------------------------------------------------------------------------
def _remove_state(directory: Path) -> None:
    for name in (STATE, PIDFILE):
        with contextlib.suppress(FileNotFoundError):
            (directory / name).unlink()


def _daemonize(directory: Path) -> None:
    """Classic double fork: the server runs in its own session, a child of init."""
    if os.fork() > 0:
        os._exit(0)
    os.setsid()
    if os.fork() > 0:
        os._exit(0)
    _serve(directory)


def _counters(url: str, key: str) -> dict[str, float] | None:
    """Request counters from ``/metrics``: they change whenever the server does work;
    ``requests_processing`` is above 0 while a request runs. None when it did not answer."""
    import httpx

    try:
        text = httpx.get(url.removesuffix("/v1") + "/metrics", headers={"Authorization": f"Bearer {key}"},
                         timeout=5).text
    except httpx.HTTPError:
        return None
    wanted = {"prompt_tokens_total", "prompt_tokens_cached_total", "tokens_predicted_total", "n_decode_total",
              "requests_processing", "requests_deferred"}
    values: dict[str, float] = {}
    for line in text.splitlines():
        name, _, value = line.partition(" ")
        if name.removeprefix("llamacpp:") in wanted:
            with contextlib.suppress(ValueError):
                values[name.removeprefix("llamacpp:")] = float(value)
    return values


def _serve(directory: Path) -> None:
    import xllamacpp as xlc

    directory = directory.resolve()
    (directory / PIDFILE).write_text(str(os.getpid()))
    config = json.loads((directory / CONFIG).read_text())
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda *_: stop.set())

    params = xlc.CommonParams()
    params.model.path = config["model_path"]
    params.model_alias = {config["model"]}
    params.n_parallel = config["slots"]
    params.n_ctx = config["n_ctx"] * config["slots"]  # split evenly over the slots
    params.cpuparams.n_threads = config["threads"]
    params.cpuparams_batch.n_threads = config["batch_threads"]
    params.hostnames = ["127.0.0.1"]
    params.port = 0  # a free port, reported by listening_address
    params.api_keys = [config["api_key"]]
    params.endpoint_metrics = True
    params.cache_prompt = True
    params.cache_ram_mib = HOST_PROMPT_CACHE_MIB
    params.cache_idle_slots = False  # see HOST_PROMPT_CACHE_MIB
    if config.get("embedding"):
        params.embedding = True
        # A text is embedded in one physical batch (non-causal attention), so a batch holds a whole
        # context; the model's own pooling (mean for nomic-bert) and L2 normalisation apply.
        params.n_batch = params.n_ubatch = config["n_ctx"]
        params.cache_prompt = False
    if config.get("draft_path"):
        params.speculative.draft.mparams.path = config["draft_path"]
        params.speculative.types = [xlc.common_speculative_type.COMMON_SPECULATIVE_TYPE_DRAFT_SIMPLE]
        params.speculative.draft.cpuparams.n_threads = config["threads"]
        params.speculative.draft.cpuparams_batch.n_threads = config["batch_threads"]
    started = time.time()
    server = xlc.Server(params)  # loads the model, then listens
    ready = time.time()
    state = {k: config[k] for k in ("model", "model_id", "model_path", "draft_path", "n_ctx", "slots", "threads",
                                    "batch_threads", "idle_s", "api_key")}
    state["embedding"] = bool(config.get("embedding"))
    state.update(pid=os.getpid(), url=server.listening_address + "/v1", started_at=started, ready_at=ready,
                 last_active=ready)
    _write_json(directory / STATE, state)
    print(f"sokrat model server {os.getpid()} ready at {state['url']} in {ready - started:.1f} s", flush=True)

    idle_s = float(config["idle_s"])
    seen = _counters(state["url"], config["api_key"])

    def active_since_last_look() -> bool:
        nonlocal seen
        now = _counters(state["url"], config["api_key"])
        touched = _mtime(directory / ACTIVE)
        busy = (now is None or now != seen or touched > state["last_active"]
                or now.get("requests_processing", 0) > 0 or now.get("requests_deferred", 0) > 0)
        seen = now
        if busy:
            state["last_active"] = max(time.time(), touched)
            _write_json(directory / STATE, state)
        return busy

    from filelock import Timeout

    while not stop.is_set():
        if stop.wait(POLL_S) or active_since_last_look():
            continue
        if idle_s <= 0 or time.time() - state["last_active"] <= idle_s:
            continue
        # Decide under the start lock, after one more look: a client that found this server
        # has touched ACTIVE before sending, so it is either seen here or finds no state.
        try:
            with _lock(directory, 10.0):
                if active_since_last_look():
                    continue
                print(f"idle for {idle_s:g} s: stopping", flush=True)
                _remove_state(directory)
                break
        except Timeout:
            continue
    with contextlib.suppress(Timeout), _lock(directory, 10.0):
        mine = read_state(directory)
        if mine is not None and mine.pid == os.getpid():
            _remove_state(directory)
    del server
    print("stopped", flush=True)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if len(args) == 2 and args[0] == "--daemon":
        _daemonize(Path(args[1]))
    elif len(args) == 2 and args[0] == "--foreground":
        _serve(Path(args[1]))
    else:
        raise SystemExit("usage: python -m sokrat.llm.server (--daemon|--foreground) STATE_DIR")


if __name__ == "__main__":
    main()
