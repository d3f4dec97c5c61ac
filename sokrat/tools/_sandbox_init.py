"""The supervisor of one ``python_exec`` call. It runs inside the sandbox and uses only the stdlib.

It is started as ``python -I _sandbox_init.py CONFIG_JSON`` with fd 1/2 open on the files that
take the code's stdout/stderr and the fd ``report_fd`` of the config open on the report file. It forks once: the child sets
the resource limits and runs the code the way the interactive interpreter would (a final
expression is shown through ``sys.displayhook``); the supervisor waits for it with the
wall-clock timeout, kills every process the code left behind, then writes a report:
``status.json`` followed by the files the code wrote in its work directory (capped).

The supervisor is not dumpable, so the code (same uid, no capabilities) cannot ptrace it or
open its report fd through ``/proc``. The host treats the report as untrusted anyway.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import time

FILENAME = "<code>"


def _set_dumpable(flag: int) -> None:
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(4, flag, 0, 0, 0)  # PR_SET_DUMPABLE
    except (OSError, AttributeError):  # not Linux / no libc: the sandbox still holds
        pass


def _limit(cfg: dict) -> None:
    import resource

    cpu = int(cfg["cpu_s"])
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_AS, (cfg["memory_bytes"], cfg["memory_bytes"]))
    resource.setrlimit(resource.RLIMIT_FSIZE, (cfg["file_bytes"], cfg["file_bytes"]))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # Set here, inside the sandbox's user namespace, RLIMIT_NPROC counts only the sandbox's
    # processes (per-namespace ucounts); set outside it would count all of the user's.
    resource.setrlimit(resource.RLIMIT_NPROC, (cfg["processes"], cfg["processes"]))


def _run_code(path: str) -> int:
    """Run the code as a REPL would; return the exit status."""
    import ast
    import linecache
    import traceback

    with open(path, encoding="utf-8") as f:
        src = f.read()
    linecache.cache[FILENAME] = (len(src), None, src.splitlines(True), FILENAME)
    ns = {"__name__": "__main__", "__builtins__": __builtins__}
    try:
        tree = ast.parse(src, FILENAME)
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        exec(compile(tree, FILENAME, "exec"), ns)
        if last is not None:  # mode "single" prints an expression statement via sys.displayhook
            exec(compile(ast.Interactive([last]), FILENAME, "single"), ns)
        return 0
    except SystemExit as e:
        if e.code is None or isinstance(e.code, int):
            return (e.code or 0) & 0xFF
        print(e.code, file=sys.stderr)
        return 1
    except SyntaxError as e:
        traceback.print_exception(type(e), e, None)
        return 1
    except BaseException as e:  # the code's own failure: show its traceback, not ours
        traceback.print_exception(type(e), e, e.__traceback__.tb_next if e.__traceback__ else None)
        return 1


def _child(cfg: dict) -> None:
    os.close(cfg["report_fd"])
    os.setsid()  # a process group of its own (what the non-namespaced mode kills)
    _set_dumpable(1)
    rc = 1
    try:
        _limit(cfg)
        rc = _run_code(cfg["code"])
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):  # a closed or replaced stream: nothing to save
                stream.flush()
        os._exit(rc)


def _wait(pid: int, timeout_s: float) -> tuple[int, bool]:
    """``(wait status, timed_out)``; the child is killed at the timeout."""
    import select

    deadline = time.monotonic() + timeout_s
    fd = os.pidfd_open(pid)
    try:
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or poller.poll(left * 1000):
                break
    finally:
        os.close(fd)
    done, status = os.waitpid(pid, os.WNOHANG)
    if done:
        return status, False
    os.kill(pid, signal.SIGKILL)
    return os.waitpid(pid, 0)[1], True


def _sweep(cfg: dict, pid: int) -> None:
    """Kill whatever the code left running before its files are read."""
    try:
        if cfg["pid_namespace"]:  # -1: every process of this namespace but init and ourselves
            os.kill(-1, signal.SIGKILL)
        else:
            os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):  # nothing left
        pass


def _record(out, name: str, data: bytes) -> None:  # type: ignore[no-untyped-def]
    out.write(json.dumps({"name": name, "size": len(data)}).encode() + b"\n")
    out.write(data)


def _report(cfg: dict, status: dict) -> None:
    """Records ``{"name", "size"}\n`` + ``size`` bytes: status.json, then files/<path>, then skipped.json
    (a framing of our own: tarfile and its imports cost more than the rest of the supervisor)."""
    work = cfg["work"]
    budget, count, skipped = cfg["max_report_bytes"], 0, 0
    device = os.stat(work).st_dev
    with os.fdopen(cfg["report_fd"], "wb") as out:
        _record(out, "status.json", json.dumps(status).encode())
        for root, dirs, files in os.walk(work, followlinks=False):
            # stay on the work directory's own file system (skip anything mounted below it)
            dirs[:] = sorted(d for d in dirs if os.lstat(os.path.join(root, d)).st_dev == device)
            for name in sorted(files):
                full = os.path.join(root, name)
                try:
                    st = os.lstat(full)
                except OSError:
                    continue
                if not os.path.isfile(full) or os.path.islink(full):
                    continue
                if count >= cfg["max_files"] or st.st_size > budget:
                    skipped += 1
                    continue
                try:
                    with open(full, "rb") as f:
                        data = f.read(st.st_size)
                except OSError:
                    skipped += 1
                    continue
                _record(out, "files/" + os.path.relpath(full, work), data)
                budget -= len(data)
                count += 1
        if skipped:
            _record(out, "skipped.json", json.dumps({"skipped": skipped}).encode())


def main() -> None:
    cfg = json.loads(sys.argv[1])
    _set_dumpable(0)
    os.chdir(cfg["work"])
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        _child(cfg)
    status, timed_out = _wait(pid, float(cfg["timeout_s"]))
    duration = time.monotonic() - start
    _sweep(cfg, pid)
    _report(cfg, {
        "exit_code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
        "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
        "timed_out": timed_out,
        "duration_s": duration,
    })


if __name__ == "__main__":
    main()
