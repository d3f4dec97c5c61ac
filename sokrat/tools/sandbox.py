"""A code sandbox that is a real boundary, on bubblewrap, and the resource limiter it replaces.

``run_python(code)`` runs a snippet under bubblewrap (Debian ``bubblewrap``) with:

- new user, PID, network, IPC, UTS and cgroup namespaces, so the code sees only its own
  processes (not the caller's ``/proc/<pid>/environ``), has no network (only a loopback of its
  own: no local REST API, no Redis, no abstract sockets), and cannot signal the caller;
- a read-only view of only what Python needs: the interpreter and its standard library, the
  virtualenv's packages, the shared libraries in ``/usr/lib``, time zones; no ``/bin``, no
  shell, no ``/etc/shadow``, no home directories, no project files;
- a private, size-capped ``/home/sandbox`` (its working directory), ``/tmp`` and ``/dev/shm``,
  all tmpfs; the rest of ``/dev`` read-only;
- an empty environment but a few harmless variables (``--clearenv``);
- no capabilities (``--cap-drop ALL``, also when Sokrat runs as root) and a seccomp filter
  (:mod:`sokrat.tools._sandbox_limits`) denying ptrace, mount, keyrings, bpf, perf events,
  raw and packet sockets and other kernel surface Python code has no use for;
- a memory limit for the whole call: every process, tmpfs files and memfds together. A memory
  cgroup of its own where one can be made (the kernel charges tmpfs and memfd pages to it);
  else the tmpfs sizes above and the supervisor's accounting, which sums the processes'
  private memory, the tmpfs usage and the memfds every 20 ms and kills the call past the
  limit (it can overshoot by what the code allocates between two looks);
- limits on CPU time, address space per process, processes, file size and output;
- the whole process tree killed at the timeout (the PID namespace dies with its init; a
  supervisor inside also kills leftovers before it reads the work directory);
- ``--die-with-parent`` and ``--new-session``: no orphan outlives the caller, no terminal
  injection.

It returns stdout, stderr, the exit status and the files the code wrote in its work directory.

As root, ``RLIMIT_NPROC`` is not enforced by the kernel (root's processes are exempt, even
in a user namespace), so the sandbox then runs inside a ``pids`` cgroup of its own (the same
group as the memory limit's). Where
bubblewrap cannot run, :func:`run_python` refuses (:class:`~sokrat.errors.ToolUnavailable`)
unless the caller opts in to ``mode="rlimits"``: the same supervisor and limits in a plain
child process, which is NOT a security boundary and says so loudly.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from sokrat.errors import InvalidInput, ToolUnavailable
from sokrat.tools._sandbox_limits import CallCgroup, seccomp_fd

log = logging.getLogger(__name__)

SandboxMode = Literal["bubblewrap", "rlimits"]
NAMESPACES = ("user", "pid", "net", "ipc", "uts", "cgroup")
INIT_SCRIPT = Path(__file__).with_name("_sandbox_init.py")
WORK_DIR = "/home/sandbox"
"""The code's private, writable working directory (and HOME) inside the sandbox."""
GRACE_S = 3.0
"""Extra seconds the host waits past the timeout for the supervisor's report before it kills."""
RLIMITS_WARNING = (
    "python_exec is running WITHOUT a sandbox (SOKRAT_CODE_SANDBOX=rlimits): the code runs as "
    "your user with your files and your network; only CPU, memory, file size and output are "
    "limited. Install bubblewrap (apt-get install bubblewrap) to isolate it."
)


@dataclass(frozen=True)
class SandboxLimits:
    """What one call may use."""

    memory_bytes: int = 1024**3
    """Memory of the whole call, counting every process, the tmpfs files and memfds (1 GiB: enough
    for the stdlib and numpy, not for torch); also each process's address space."""
    memory_cgroup: bool = True
    """Enforce :attr:`memory_bytes` with a memory cgroup where one can be made; False uses the
    tmpfs caps and the supervisor's accounting only (the path of hosts without cgroups)."""
    processes: int = 32
    """Processes and threads the code may run at once (RLIMIT_NPROC, or pids.max as root)."""
    file_bytes: int = 16 * 1024**2
    """Largest file the code may write, its stdout and stderr included (RLIMIT_FSIZE)."""
    work_bytes: int = 64 * 1024**2
    """Size of the private work directory, ``/tmp`` and ``/dev/shm`` (each a tmpfs)."""
    max_files: int = 50
    """Files of the work directory returned to the caller."""
    max_report_bytes: int = 8 * 1024**2
    """Bytes of files returned to the caller, all files together."""


@dataclass(frozen=True)
class ExecResult:
    """What a snippet did."""

    stdout: str
    stderr: str
    exit_code: int | None
    """The process's exit status; None when it was killed by a signal."""
    signal: int | None
    """The signal that killed it (SIGXCPU, SIGKILL, SIGXFSZ, ...), if one did."""
    timed_out: bool
    duration_s: float
    files: dict[str, bytes] = field(default_factory=dict)
    """Files the code left in its work directory, by relative path (capped)."""
    files_skipped: int = 0
    """Files left out of :attr:`files` by the caps."""
    isolation: str = "bubblewrap"
    """``bubblewrap`` or ``rlimits (NOT isolated)``."""

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out


@dataclass(frozen=True)
class SandboxProbe:
    """Whether bubblewrap can run here, and with which namespaces."""

    available: bool
    bwrap: str | None
    namespaces: tuple[str, ...] = ()
    process_limit: str = ""
    """How the process cap is enforced: ``rlimit`` (non-root), ``cgroup`` (root), or "" (none)."""
    memory_limit: str = ""
    """How the call's total memory is bounded: ``cgroup``, or ``accounting`` (tmpfs caps plus
    the supervisor's polling)."""
    reason: str = ""
    """Why it is not available, naming the fix."""


# --- probing -------------------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def probe() -> SandboxProbe:
    """Check once per process that bubblewrap runs here with every namespace it needs."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return SandboxProbe(False, None, reason="bubblewrap is not installed: apt-get install bubblewrap")
    # the very mounts and namespaces a call uses, so what works here works there; one run
    # prints every namespace's inode (a namespace is new when its inode differs from ours)
    try:
        filter_fd = seccomp_fd()
    except (ToolUnavailable, OSError) as e:
        return SandboxProbe(False, bwrap, reason=str(e))
    cmd = [*_bwrap_prefix(bwrap, SandboxLimits(), filter_fd), sys.executable, "-I", "-S", "-c",
           f"import os\nfor ns in {NAMESPACES!r}:\n"
           "    try: print(ns, os.readlink('/proc/self/ns/' + ns))\n    except OSError: pass"]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=20, check=False, pass_fds=(filter_fd,))
    except (OSError, subprocess.TimeoutExpired) as e:
        return SandboxProbe(False, bwrap, reason=f"bubblewrap does not start here ({e})")
    finally:
        os.close(filter_fd)
    if out.returncode != 0:
        return SandboxProbe(False, bwrap, reason="bubblewrap cannot create its namespaces here "
                            f"({out.stderr.strip()[-300:]}); user namespaces may be disabled "
                            "(sysctl kernel.unprivileged_userns_clone=1) or blocked by a seccomp profile")
    inside = dict(line.split(" ", 1) for line in out.stdout.splitlines() if " " in line)
    namespaces = tuple(ns for ns in NAMESPACES if _ns_is_new(ns, inside.get(ns, "")))
    missing = [ns for ns in NAMESPACES if ns not in namespaces and ns != "cgroup"]
    if missing:
        return SandboxProbe(False, bwrap, namespaces, reason=f"bubblewrap ran without new {', '.join(missing)} "
                            "namespace(s); the code would not be isolated")
    root = os.geteuid() == 0
    group = CallCgroup.create(max_pids=1 if root else None, memory_bytes=SandboxLimits().memory_bytes)
    controllers = group.controllers if group is not None else ()
    if group is not None:
        group.remove()
    memory = "cgroup" if "memory" in controllers else "accounting"
    if not root:
        return SandboxProbe(True, bwrap, namespaces, "rlimit", memory)
    if "pids" not in controllers:
        return SandboxProbe(False, bwrap, namespaces, reason="running as root, the kernel does not enforce "
                            "RLIMIT_NPROC, and no pids cgroup could be created (/sys/fs/cgroup is read-only "
                            "or has no pids controller): run Sokrat as a normal user")
    return SandboxProbe(True, bwrap, namespaces, "cgroup", memory)


def _ns_is_new(ns: str, inside: str) -> bool:
    try:
        mine = os.readlink(f"/proc/self/ns/{ns}")
    except OSError:
        return False
    return inside.strip() not in ("", mine)


# --- the bubblewrap command line -------------------------------------------------------------
def _system_binds() -> list[str]:
    """Shared libraries and the loader, time zones; no /bin, no /etc but the loader cache."""
    args: list[str] = []
    for top in ("/lib", "/lib64", "/lib32", "/libx32"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    for path in ("/usr/lib", "/usr/lib64", "/usr/lib32", "/usr/share/zoneinfo", "/etc/ld.so.cache",
                 "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime"):
        if os.path.exists(path):
            args += ["--ro-bind", path, path]
    return args


def _python_binds() -> list[str]:
    """The interpreter, its standard library, and the virtualenv's packages, read-only."""
    args: list[str] = []
    exe = os.path.realpath(sys.executable)
    base_lib = os.path.join(sys.base_prefix, "lib")
    if not base_lib.startswith("/usr/lib"):
        args += ["--ro-bind", base_lib, base_lib]
    if sys.prefix != sys.base_prefix:  # a virtualenv: its packages, its pyvenv.cfg, its python
        for part in ("lib", "pyvenv.cfg"):
            path = os.path.join(sys.prefix, part)
            if os.path.exists(path):
                args += ["--ro-bind", path, path]
    args += ["--ro-bind", exe, sys.executable]  # a file, at the path the caller knows it by
    return args


def _bwrap_prefix(bwrap: str, limits: SandboxLimits, filter_fd: int) -> list[str]:
    """Everything but the files of one call and the command: namespaces, capabilities, the
    seccomp filter (read from ``filter_fd``), mounts, environment."""
    help_text = _bwrap_help(bwrap)
    if "--size" not in help_text:  # bwrap >= 0.7; without it a tmpfs could fill the host's memory
        raise ToolUnavailable(f"bubblewrap at {bwrap} is too old to cap its tmpfs sizes (--size, 0.7+); "
                              "upgrade bubblewrap")
    size = ["--size", str(limits.work_bytes)]
    return [
        bwrap,
        "--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
        "--unshare-cgroup-try", *(["--disable-userns"] if "--disable-userns" in help_text else []),
        "--cap-drop", "ALL", "--seccomp", str(filter_fd),
        "--die-with-parent", "--new-session", "--hostname", "sandbox",
        # tmpfs first: a bind below them (a venv under /tmp) stays visible
        *size, "--tmpfs", WORK_DIR, *size, "--tmpfs", "/tmp",
        *_system_binds(), *_python_binds(),
        # /dev is a tmpfs of bubblewrap's without a size: read-only, but a capped /dev/shm
        "--proc", "/proc", "--dev", "/dev", *size, "--tmpfs", "/dev/shm", "--remount-ro", "/dev",
        "--chdir", WORK_DIR,
        "--clearenv", *_env_args(home=WORK_DIR, tmp="/tmp"),
    ]


@functools.lru_cache(maxsize=4)
def _bwrap_help(bwrap: str) -> str:
    """``bwrap --help``: the options this version knows (older ones lack --size, --disable-userns)."""
    try:
        out = subprocess.run([bwrap, "--help"], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return out.stdout + out.stderr


def _bwrap_command(bwrap: str, limits: SandboxLimits, code_path: Path, config: list[str],
                   filter_fd: int) -> list[str]:
    return [
        *_bwrap_prefix(bwrap, limits, filter_fd),
        "--ro-bind", str(INIT_SCRIPT), "/run/sokrat/init.py",
        "--ro-bind", str(code_path), "/run/sokrat/code.py",
        *_supervisor_command("/run/sokrat/init.py", config),
    ]


def _supervisor_command(script: str, config: list[str]) -> list[str]:
    # -S: no ``site`` (a third of a bare interpreter's start-up); the supervisor's child puts
    # the same package directories on sys.path itself (config ``site=``), see _site_config.
    return [sys.executable, "-I", "-S", script, *config]


@functools.lru_cache(maxsize=1)
def _site_config() -> tuple[str, ...]:
    """``site=<dir>`` for each package directory ``site`` gave this interpreter inside the
    bound environment (site-packages and what its ``.pth`` files add there), and ``prefix=``."""
    roots = tuple(os.path.join(p, "lib") + os.sep for p in {sys.prefix, sys.base_prefix})
    import sysconfig

    stdlib = {os.path.normpath(sysconfig.get_path(k)) for k in ("stdlib", "platstdlib")}
    dirs = [p for p in dict.fromkeys(os.path.normpath(p) for p in sys.path if p)
            if p.startswith(roots) and p not in stdlib and not p.endswith((".zip", "lib-dynload"))]
    return (*(f"site={d}" for d in dirs), f"prefix={sys.prefix}")


def _env(home: str, tmp: str) -> dict[str, str]:
    return {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": home, "TMPDIR": tmp, "LANG": "C.UTF-8",
            "PYTHONIOENCODING": "utf-8", "PYTHONDONTWRITEBYTECODE": "1", "OMP_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1", "MPLBACKEND": "Agg"}


def _env_args(home: str, tmp: str) -> list[str]:
    return [arg for k, v in _env(home, tmp).items() for arg in ("--setenv", k, v)]


# --- running ---------------------------------------------------------------------------------
async def run_python(
    code: str,
    *,
    timeout_s: float = 10.0,
    mode: SandboxMode = "bubblewrap",
    limits: SandboxLimits | None = None,
) -> ExecResult:
    """Run ``code`` as a REPL would (a final expression's value is printed), in the sandbox.

    Raises :class:`~sokrat.errors.ToolUnavailable` when ``mode="bubblewrap"`` and bubblewrap
    cannot isolate the code here; the message names the fix.
    """
    if not isinstance(code, str) or not code.strip():
        raise InvalidInput("no code given")
    if not 0 < timeout_s <= 3600:
        raise InvalidInput(f"timeout_s must be in (0, 3600], got {timeout_s:g}")
    limits = limits or SandboxLimits()
    isolated = mode == "bubblewrap"
    if isolated:
        # the probe runs bubblewrap once per process: off the event loop, then from its cache
        found = probe() if probe.cache_info().currsize else await asyncio.to_thread(probe)
        if not found.available:
            raise ToolUnavailable(
                f"python_exec refuses to run code without a sandbox: {found.reason}. To run it with "
                "resource limits only (NOT isolated from your files, network and secrets), set "
                "SOKRAT_CODE_SANDBOX=rlimits"
            )
    else:
        log.warning(RLIMITS_WARNING)
    with tempfile.TemporaryDirectory(prefix="sokrat-exec-") as tmp_name:
        tmp = Path(tmp_name)
        code_path = tmp / "code.py"
        code_path.write_text(code, encoding="utf-8")
        work = tmp / "work"
        work.mkdir()
        config = [f"{k}={v}" for k, v in {
            "code": "/run/sokrat/code.py" if isolated else str(code_path),
            "work": WORK_DIR if isolated else str(work),
            "pid_namespace": int(isolated),
            "timeout_s": repr(float(timeout_s)),
            # The wall clock is the limit; CPU time is a backstop one second later, so a
            # busy loop reports "timed out" rather than racing the two.
            "cpu_s": int(timeout_s + 0.999) + 1,
            "memory_bytes": limits.memory_bytes, "file_bytes": limits.file_bytes,
            "processes": limits.processes, "max_files": limits.max_files,
            "max_report_bytes": limits.max_report_bytes,
        }.items()] + list(_site_config())
        group: CallCgroup | None = None
        filter_fd: int | None = None
        if isolated:
            root = os.geteuid() == 0
            # pids +2: bubblewrap's own init and the supervisor
            group = CallCgroup.create(max_pids=limits.processes + 2 if root else None,
                                      memory_bytes=limits.memory_bytes if limits.memory_cgroup else None)
            if root and (group is None or "pids" not in group.controllers):
                if group is not None:
                    group.remove()
                raise ToolUnavailable("python_exec runs as root and could not create a pids cgroup to "
                                      "cap the code's processes; run Sokrat as a normal user")
            if group is None or "memory" not in group.controllers:
                config.append(f"account_bytes={limits.memory_bytes}")  # the supervisor bounds the total
            filter_fd = seccomp_fd()
            cmd = _bwrap_command(probe().bwrap or "bwrap", limits, code_path, config, filter_fd)
            env: dict[str, str] | None = {}
        else:
            cmd = _supervisor_command(str(INIT_SCRIPT), config)
            env = _env(home=str(work), tmp=str(work))
        try:
            return await _supervise(cmd, env, tmp, timeout_s, group, isolated, limits,
                                    () if filter_fd is None else (filter_fd,))
        finally:
            if filter_fd is not None:
                os.close(filter_fd)
            if group is not None:
                group.kill()
                group.remove()


async def _supervise(cmd: list[str], env: dict[str, str] | None, tmp: Path, timeout_s: float,
                     group: CallCgroup | None, isolated: bool, limits: SandboxLimits,
                     extra_fds: tuple[int, ...]) -> ExecResult:
    start = time.perf_counter()
    out_path, err_path, report_path = tmp / "stdout", tmp / "stderr", tmp / "report"
    with out_path.open("wb") as out, err_path.open("wb") as err, report_path.open("wb") as report:
        report_fd = report.fileno()
        cmd = [*cmd, f"report_fd={report_fd}"]
        wrapped = group.wrap(cmd) if group is not None else cmd  # joins the cgroup before bwrap starts
        proc = await asyncio.create_subprocess_exec(
            *wrapped, env=env, cwd=str(tmp), stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=err,
            pass_fds=(report_fd, *extra_fds), start_new_session=True,
        )
        host_timeout = False
        try:
            await asyncio.wait_for(proc.wait(), timeout=timeout_s + GRACE_S)
        except TimeoutError:
            host_timeout = True
        finally:  # also on cancellation (the registry's own timeout)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            if group is not None:
                group.kill()
            if proc.returncode is None:
                await proc.wait()
    status, files, skipped = _read_report(report_path)
    stdout = out_path.read_text("utf-8", errors="replace")
    stderr = err_path.read_text("utf-8", errors="replace")
    if (group is not None and group.oom_killed()) or (status is not None and status.get("memory_exceeded")):
        stderr += (f"\nkilled: the call went over its memory limit of {limits.memory_bytes / 2**20:g} MiB "
                   "(its processes, /tmp, /dev/shm, the work directory and memfds together)")
    if status is None:  # the supervisor was killed (by the code, or by our deadline)
        note = "the sandbox was killed at the deadline" if host_timeout else \
            f"the sandbox supervisor died without a report (exit {proc.returncode})"
        if isolated and proc.returncode not in (0, None) and not host_timeout and not stdout and not stderr:
            stderr = note
        return ExecResult(stdout, stderr or note, None, signal.SIGKILL, host_timeout,
                          time.perf_counter() - start, isolation=_isolation(isolated))
    return ExecResult(
        stdout=stdout, stderr=stderr,
        exit_code=_int_or_none(status.get("exit_code")), signal=_int_or_none(status.get("signal")),
        timed_out=bool(status.get("timed_out")), duration_s=time.perf_counter() - start,
        files=files, files_skipped=skipped, isolation=_isolation(isolated),
    )


def _isolation(isolated: bool) -> str:
    return "bubblewrap" if isolated else "rlimits (NOT isolated)"


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _read_report(path: Path) -> tuple[dict | None, dict[str, bytes], int]:
    """Parse the supervisor's report defensively (the code could have tampered with it)."""
    status: dict | None = None
    files: dict[str, bytes] = {}
    skipped = 0
    try:
        with path.open("rb") as f:
            while header := f.readline(8192):  # b"<size> <name as hex>\n" (_sandbox_init._record)
                size_text, name_hex = header.split()
                size = int(size_text)
                name = bytes.fromhex(name_hex.decode("ascii")).decode("utf-8", "surrogateescape")
                if not 0 <= size <= 64 * 1024**2:
                    break
                data = f.read(size)
                if name == "status.json":
                    status = json.loads(data)
                elif name == "skipped.json":
                    skipped = int(json.loads(data).get("skipped", 0))
                elif name.startswith("files/"):
                    rel = os.path.normpath(name[len("files/"):])
                    if not rel.startswith(("..", "/")):
                        files[rel] = data
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None, {}, 0
    return (status if isinstance(status, dict) else None), files, skipped
