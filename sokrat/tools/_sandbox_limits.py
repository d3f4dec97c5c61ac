"""Kernel-side limits of one sandboxed call: its cgroup (processes, memory) and its seccomp filter.

- :class:`CallCgroup`: a cgroup of its own per call, with ``pids.max`` (as root, where the
  kernel does not enforce ``RLIMIT_NPROC``) and a memory limit for the *whole* call: every
  process, and the tmpfs pages (work dir, ``/tmp``, ``/dev/shm``) and memfds they write, which
  the kernel charges to the writer's cgroup. cgroup v1 (one directory per controller) or v2.
- :func:`seccomp_filter`: a BPF program, built with libseccomp (through ``pyseccomp``), that
  bubblewrap installs (``--seccomp FD``) before it runs the code. It answers ``EPERM`` to
  syscalls untrusted Python has no use for and that widen the kernel surface: ptrace,
  mount and the new mount API, keyrings, bpf, perf_event_open, raw and packet sockets,
  kernel modules, kexec, reboot, swap, file handles, userfaultfd, cross-process memory access.
  A syscall of a foreign architecture (the 32-bit ABI) kills the process.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import shutil
import signal
import socket
import tempfile
import time
import uuid
from pathlib import Path

from sokrat.errors import ToolUnavailable

DENIED_SYSCALLS = (
    "ptrace", "process_vm_readv", "process_vm_writev",
    "mount", "umount2", "pivot_root", "fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree",
    "keyctl", "add_key", "request_key",
    "bpf", "perf_event_open", "userfaultfd",
    "init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load", "reboot",
    "swapon", "swapoff", "open_by_handle_at", "name_to_handle_at", "acct", "quotactl",
)
"""Answered with EPERM inside the sandbox (raw and packet sockets too: see :func:`seccomp_filter`)."""


@functools.lru_cache(maxsize=1)
def seccomp_filter() -> bytes:
    """The sandbox's seccomp program (BPF), built once per process."""
    try:
        import pyseccomp as seccomp
    except ImportError as e:  # pyseccomp is a dependency; libseccomp2 a Debian package
        raise ToolUnavailable(f"the sandbox's seccomp filter needs pyseccomp and libseccomp ({e}): "
                              "pip install pyseccomp; apt-get install libseccomp2") from e
    try:
        f = seccomp.SyscallFilter(seccomp.ALLOW)
    except (OSError, RuntimeError) as e:
        raise ToolUnavailable(f"libseccomp is missing or broken ({e}): apt-get install libseccomp2") from e
    deny = seccomp.ERRNO(errno.EPERM)
    for name in DENIED_SYSCALLS:
        with contextlib.suppress(RuntimeError, ValueError):  # a syscall this kernel/libseccomp does not know
            f.add_rule(deny, name)
    # raw IP sockets (type, low 4 bits: SOCK_NONBLOCK/SOCK_CLOEXEC are flags above) and packet sockets
    f.add_rule(deny, "socket", seccomp.Arg(1, seccomp.MASKED_EQ, 0xF, socket.SOCK_RAW))
    f.add_rule(deny, "socket", seccomp.Arg(0, seccomp.EQ, socket.AF_PACKET))
    with tempfile.TemporaryFile() as out:
        f.export_bpf(out)
        out.seek(0)
        return out.read()


def seccomp_fd() -> int:
    """A fresh readable fd holding the filter (bubblewrap reads it to its end); caller closes."""
    fd = os.memfd_create("sokrat-seccomp", os.MFD_CLOEXEC)
    try:
        os.write(fd, seccomp_filter())
        os.lseek(fd, 0, os.SEEK_SET)
    except OSError:
        os.close(fd)
        raise
    return fd


class CallCgroup:
    """The cgroup(s) of one sandboxed call: one directory per v1 controller, or one v2 group."""

    def __init__(self, paths: list[Path], controllers: tuple[str, ...]) -> None:
        self.paths = paths
        self.controllers = controllers
        """Which limits this group enforces: ``pids``, ``memory``."""

    @classmethod
    def create(cls, *, max_pids: int | None, memory_bytes: int | None) -> CallCgroup | None:
        """A new group with each limit asked for that this process can set; None when none.
        The caller checks :attr:`controllers` for what it got."""
        name = f"sokrat-sandbox-{uuid.uuid4().hex[:12]}"
        wanted: list[tuple[str, str, int]] = []
        if max_pids is not None:
            wanted.append(("pids", "pids.max", max_pids))
        if memory_bytes is not None:
            wanted.append(("memory", "memory.limit_in_bytes", memory_bytes))
        paths: list[Path] = []
        got: list[str] = []
        v2 = _v2_parent()
        for controller, v1_file, value in wanted:
            made = None
            parent = _v1_parent(controller)
            if parent is not None:
                made = _make(parent / name, {v1_file: value, **_v1_extra(controller, value)})
            elif v2 is not None and controller in _v2_controllers(v2):
                made = _make(v2 / name, {f"{controller}.max": value,
                                         **({"memory.swap.max": 0} if controller == "memory" else {})})
            if made is not None:
                if made not in paths:
                    paths.append(made)
                got.append(controller)
        return cls(paths, tuple(got)) if paths else None

    def wrap(self, cmd: list[str]) -> list[str]:
        """``cmd`` started through ``sh``, which joins the groups and then execs it. A Python
        ``preexec_fn`` would make subprocess fork instead of vfork, which costs milliseconds
        per call in a process holding models (page tables are copied)."""
        sh = shutil.which("sh")
        if sh is None:
            raise ToolUnavailable("no /bin/sh to join the sandbox's cgroup")
        script = 'while [ "$1" != -- ]; do echo 0 > "$1" || exit 125; shift; done; shift; exec "$@"'
        return [sh, "-c", script, "sh", *(str(p / "cgroup.procs") for p in self.paths), "--", *cmd]

    def oom_killed(self) -> bool:
        """Whether the memory limit killed a process of the call."""
        for path in self.paths:
            for events in ("memory.events", "memory.oom_control"):
                with contextlib.suppress(OSError, ValueError):
                    for line in (path / events).read_text().splitlines():
                        key, _, value = line.partition(" ")
                        if key == "oom_kill" and int(value) > 0:
                            return True
        return False

    def kill(self) -> None:
        for path in self.paths:
            kill_file = path / "cgroup.kill"
            if kill_file.exists():
                with contextlib.suppress(OSError):
                    kill_file.write_text("1")
                    continue
            with contextlib.suppress(OSError):
                for pid in (path / "cgroup.procs").read_text().split():
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.kill(int(pid), signal.SIGKILL)

    def remove(self) -> None:
        for path in self.paths:
            _rmdir(path)


def _make(path: Path, files: dict[str, int]) -> Path | None:
    """Make (or, v2, reuse: one group holds every controller) ``path`` and write its limits;
    the first file is the limit itself, the others are written where the kernel has them."""
    created = False
    try:
        path.mkdir()
        created = True
    except FileExistsError:
        pass
    except OSError:
        return None
    try:
        for i, (name, value) in enumerate(files.items()):
            target = path / name
            if i == 0 or target.exists():
                target.write_text(str(value))
        return path
    except OSError:
        if created:
            with contextlib.suppress(OSError):
                path.rmdir()
        return None


def _v1_extra(controller: str, value: int) -> dict[str, int]:
    # no swap either (set after the memory limit: memsw may not be below it); absent without swap accounting
    return {"memory.memsw.limit_in_bytes": value} if controller == "memory" else {}


def _rmdir(path: Path) -> None:
    delay, deadline = 0.0005, time.monotonic() + 1.0
    while True:
        try:
            path.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:  # processes still exiting: usually gone within a few ms
            if time.monotonic() > deadline:
                return
            time.sleep(delay)
            delay = min(delay * 2, 0.02)


def _own_cgroups() -> list[tuple[str, str]]:
    """(controllers, relative path) of this process's cgroups."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return []
    out = []
    for line in lines:
        _, controllers, rel = line.split(":", 2)
        out.append((controllers, rel.lstrip("/")))
    return out


def _v1_parent(controller: str) -> Path | None:
    for controllers, rel in _own_cgroups():
        if controller in controllers.split(","):
            path = Path("/sys/fs/cgroup") / controller / rel
            return path if path.is_dir() else None
    return None


def _v2_parent() -> Path | None:
    for controllers, rel in _own_cgroups():
        if controllers == "":
            for mount in (Path("/sys/fs/cgroup"), Path("/sys/fs/cgroup/unified")):
                if (mount / "cgroup.controllers").exists() and (mount / rel).is_dir():
                    return mount / rel
    return None


def _v2_controllers(group: Path) -> set[str]:
    try:
        return set((group / "cgroup.subtree_control").read_text().split())
    except OSError:
        return set()


__all__ = ["DENIED_SYSCALLS", "CallCgroup", "seccomp_fd", "seccomp_filter"]
