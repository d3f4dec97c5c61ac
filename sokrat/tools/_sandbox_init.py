"""The supervisor of one ``python_exec`` call. It runs inside the sandbox and uses only the stdlib.

It is started as ``python -I -S _sandbox_init.py key=value ...`` (see :func:`_config`) with
fd 1/2 open on the files that take the code's stdout/stderr and the fd ``report_fd`` open on
the report file. It forks once: the child sets the resource limits and runs the code the way
the interactive interpreter would (a final expression is shown through ``sys.displayhook``);
the supervisor waits for it with the wall-clock timeout, kills every process the code left
behind, then writes a report: a status record followed by the files the code wrote in its work
directory (capped).

Start-up is most of a short call's cost, so this file imports as little as it can: ``-S``
skips ``site`` (the child puts the environment's packages on ``sys.path`` itself, without
running ``.pth`` hooks), the config is plain ``key=value`` arguments and the report a framing of
our own (no ``json``, which pulls in ``re``), the REPL split uses the builtin ``_ast``, and
``traceback`` is imported only when the code failed. Measured in bench/tools.py.

The supervisor is not dumpable, so the code (same uid) cannot ptrace it or open its report fd
through ``/proc``. The host treats the report as untrusted anyway.
"""

import os
import sys
import time

SIGKILL = 9  # the ``signal`` module imports ``enum``; Linux numbers are fixed
_INT_KEYS = ("cpu_s", "memory_bytes", "file_bytes", "processes", "max_files", "max_report_bytes", "report_fd",
             "pid_namespace", "account_bytes")
ACCOUNT_EVERY_S = 0.02
"""How often the supervisor adds up the call's memory when no memory cgroup bounds it."""


def _config(argv: list) -> dict:
    """``key=value`` arguments; ``site=`` may repeat (the environment's package directories)."""
    cfg: dict = {"site": []}
    for arg in argv:
        key, _, value = arg.partition("=")
        if key == "site":
            cfg["site"].append(value)
        elif key in _INT_KEYS:
            cfg[key] = int(value)
        elif key == "timeout_s":
            cfg[key] = float(value)
        else:
            cfg[key] = value
    return cfg


def _set_dumpable(flag: int) -> None:
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(4, flag, 0, 0, 0)  # PR_SET_DUMPABLE
    except (OSError, AttributeError):  # not Linux / no libc: the sandbox still holds
        pass


def _limit(cfg: dict) -> None:
    import resource

    cpu = cfg["cpu_s"]
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_AS, (cfg["memory_bytes"], cfg["memory_bytes"]))
    resource.setrlimit(resource.RLIMIT_FSIZE, (cfg["file_bytes"], cfg["file_bytes"]))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # Set here, inside the sandbox's user namespace, RLIMIT_NPROC counts only the sandbox's
    # processes (per-namespace ucounts); set outside it would count all of the user's.
    resource.setrlimit(resource.RLIMIT_NPROC, (cfg["processes"], cfg["processes"]))


def _environment(cfg: dict) -> None:
    """What ``site`` would have given the code: the environment's packages and ``exit``/``help``."""
    import _sitebuiltins
    import builtins

    for path in cfg["site"]:
        if path not in sys.path:
            sys.path.append(path)
    if cfg.get("prefix"):
        sys.prefix = sys.exec_prefix = cfg["prefix"]
    builtins.exit = _sitebuiltins.Quitter("exit", "Ctrl-D (i.e. EOF)")  # type: ignore[attr-defined]
    builtins.quit = _sitebuiltins.Quitter("quit", "Ctrl-D (i.e. EOF)")  # type: ignore[attr-defined]
    builtins.help = _sitebuiltins._Helper()  # type: ignore[attr-defined]


def _print_exception(e: BaseException, skip_frame: bool) -> None:
    import traceback

    tb = e.__traceback__
    if skip_frame and tb is not None:  # the code's own failure: show its traceback, not ours
        tb = tb.tb_next
    traceback.print_exception(type(e), e, tb)


def _unimported_stdlib(tree: object) -> list[str]:
    """Standard-library modules the code uses by name but never imports or binds
    (``print(math.factorial(12))``): small models often leave out the import, and the run then
    costs a failed step for a NameError. They are imported for it, as pyflyby's auto-import
    does; a name the code binds itself (``json = 3``) is left alone."""
    import _ast

    loaded: set[str] = set()
    bound: set[str] = set()
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, _ast.Name):
            (loaded if isinstance(node.ctx, _ast.Load) else bound).add(node.id)
        elif isinstance(node, (_ast.Import, _ast.ImportFrom)):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, (_ast.FunctionDef, _ast.AsyncFunctionDef, _ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, _ast.arg):
            bound.add(node.arg)
        for field in node._fields:  # type: ignore[attr-defined]
            value = getattr(node, field, None)
            if isinstance(value, list):
                stack.extend(v for v in value if isinstance(v, _ast.AST))
            elif isinstance(value, _ast.AST):
                stack.append(value)
    names = loaded - bound - set(dir(__builtins__))
    return sorted(n for n in names if n in sys.stdlib_module_names and not n.startswith("_")
                  and n not in ("this", "antigravity"))


SPLITS_MAX = 8


def _parse(src: str, path: str) -> object:
    """The code's syntax tree. A small model writing code inside a JSON string often loses the
    newlines between statements (``def f(n): return n * 2 print(f(3))``); Python's parser stops
    exactly at the run-on statement's first name, so the line is split there (the new statement
    starts at column 0) and parsed again, up to ``SPLITS_MAX`` times. Only a split that parses
    is kept, and stderr says so; any other syntax error is the code's own."""
    import _ast

    fixed, splits = _outdented(src, path), 0
    while True:
        try:
            tree = compile(fixed, path, "exec", _ast.PyCF_ONLY_AST)
        except SyntaxError as e:
            lines = fixed.split("\n")
            row, col = (e.lineno or 0) - 1, (e.offset or 0) - 1
            line = lines[row] if 0 <= row < len(lines) else ""
            if (splits >= SPLITS_MAX or e.msg != "invalid syntax" or not 0 < col < len(line)
                    or not line[col - 1].isspace() or not (line[col].isalpha() or line[col] == "_")
                    or not line[:col].strip()):
                if splits:
                    compile(src, path, "exec", _ast.PyCF_ONLY_AST)  # report the error in the code as written
                raise
            lines[row:row + 1] = [line[:col].rstrip(), line[col:]]
            fixed, splits = "\n".join(lines), splits + 1
            continue
        if splits:
            print(f"note: {splits} statement(s) run together on one line were split onto lines of their own",
                  file=sys.stderr)
        return tree


def _outdented(src: str, path: str) -> str:
    """The code with the indent that every line after an unindented first line shares taken
    off, when only that makes it parse: a model joining its statements with ``" \\n "`` puts a
    space before each later one (``IndentationError: unexpected indent``). The code as written
    otherwise, and stderr says when it was changed."""
    import _ast

    lines = src.split("\n")
    rest = [x for x in lines[1:] if x.strip()]
    if not rest or lines[0][:1].isspace():
        return src
    cut = min(len(x) - len(x.lstrip()) for x in rest)
    if not cut:
        return src
    try:
        compile(src, path, "exec", _ast.PyCF_ONLY_AST)
        return src
    except SyntaxError:
        pass
    fixed = "\n".join([lines[0], *(x[cut:] for x in lines[1:])])
    try:
        compile(fixed, path, "exec", _ast.PyCF_ONLY_AST)
    except SyntaxError:
        return src
    print(f"note: the {cut}-space indent of every line after the first was taken off", file=sys.stderr)
    return fixed


def _run_code(path: str) -> int:
    """Run the code as a REPL would; return the exit status. Its file name in tracebacks is its
    path, so ``linecache`` (tracebacks, ``inspect``) finds the source without our help."""
    import _ast

    with open(path, encoding="utf-8") as f:
        src = f.read()
    ns = {"__name__": "__main__", "__builtins__": __builtins__}
    try:
        tree = _parse(src, path)  # (``ast`` itself costs milliseconds)
        for name in _unimported_stdlib(tree):
            ns[name] = __import__(name)
        body = tree.body  # type: ignore[attr-defined]
        last = body.pop() if body and isinstance(body[-1], _ast.Expr) else None
        exec(compile(tree, path, "exec"), ns)  # type: ignore[call-overload]
        if last is not None:  # mode "single" prints an expression statement via sys.displayhook
            exec(compile(_ast.Interactive([last]), path, "single"), ns)
        return 0
    except SystemExit as e:
        if e.code is None or isinstance(e.code, int):
            return (e.code or 0) & 0xFF
        print(e.code, file=sys.stderr)
        return 1
    except SyntaxError as e:
        e.__traceback__ = None
        _print_exception(e, False)
        return 1
    except BaseException as e:  # the code's own failure, reported as its traceback
        _print_exception(e, True)
        return 1


def _child(cfg: dict) -> None:
    os.close(cfg["report_fd"])
    os.setsid()  # a process group of its own (what the non-namespaced mode kills)
    _set_dumpable(1)
    rc = 1
    try:
        _limit(cfg)
        _environment(cfg)
        rc = _run_code(cfg["code"])
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:  # noqa: SIM105 - contextlib would cost its imports at every start
                stream.flush()
            except Exception:  # a closed or replaced stream: nothing to save
                pass
        os._exit(rc)


def _memory_used(cfg: dict) -> int:
    """Bytes the call holds: its tmpfs files, each process's private (anonymous) and shared-memory
    pages, and its memfds (found through the processes' open fds, each counted once). Mapped
    memfds are counted twice (fd and mapping): the error is on the safe side."""
    total = 0
    for path in (cfg["work"], "/tmp", "/dev/shm"):
        try:
            fs = os.statvfs(path)
        except OSError:
            continue
        total += (fs.f_blocks - fs.f_bfree) * fs.f_frsize
    seen = set()
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/" + name + "/status", "rb") as f:
                for line in f:
                    if line.startswith((b"RssAnon:", b"RssShmem:")):
                        total += int(line.split()[1]) * 1024
            fds = "/proc/" + name + "/fd/"
            for fd in os.listdir(fds):
                try:
                    if os.readlink(fds + fd).startswith("/memfd:"):
                        st = os.stat(fds + fd)
                        if (st.st_dev, st.st_ino) not in seen:
                            seen.add((st.st_dev, st.st_ino))
                            total += st.st_blocks * 512
                except OSError:
                    continue
        except OSError:  # the process exited meanwhile
            continue
    return total


def _wait(pid: int, cfg: dict) -> tuple:
    """``(wait status, timed_out, memory_exceeded)``; the child is killed at the timeout, and the
    whole call when ``account_bytes`` is set and :func:`_memory_used` goes over it."""
    import select

    account_bytes = cfg.get("account_bytes", 0)
    deadline = time.monotonic() + cfg["timeout_s"]
    exceeded = False
    fd = os.pidfd_open(pid)
    try:
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or poller.poll((min(left, ACCOUNT_EVERY_S) if account_bytes else left) * 1000):
                break
            if account_bytes and _memory_used(cfg) > account_bytes:
                exceeded = True
                _kill_all(cfg, pid)
                break
    finally:
        os.close(fd)
    if exceeded:
        return os.waitpid(pid, 0)[1], False, True
    done, status = os.waitpid(pid, os.WNOHANG)
    if done:
        return status, False, False
    os.kill(pid, SIGKILL)
    return os.waitpid(pid, 0)[1], True, False


def _kill_all(cfg: dict, pid: int) -> None:
    """Kill every process of the call (the code's and whatever it left running)."""
    try:
        if cfg["pid_namespace"]:  # -1: every process of this namespace but init and ourselves
            os.kill(-1, SIGKILL)
        else:
            os.killpg(pid, SIGKILL)
    except (ProcessLookupError, PermissionError):  # nothing left
        pass


def _record(out, name: str, data: bytes) -> None:  # type: ignore[no-untyped-def]
    """One record: ``<size> <name as hex>\\n`` then ``size`` bytes (a name can hold any byte)."""
    out.write(b"%d %s\n" % (len(data), os.fsencode(name).hex().encode()))
    out.write(data)


def _json(status: dict) -> bytes:
    """``status`` (ints, floats, bools, None) as JSON, without importing ``json``."""
    def value(v: object) -> str:
        return "null" if v is None else "true" if v is True else "false" if v is False else repr(v)

    return ("{" + ", ".join(f'"{k}": {value(v)}' for k, v in status.items()) + "}").encode()


def _report(cfg: dict, status: dict) -> None:
    """status.json, then files/<path>, then skipped.json (a framing of our own: tarfile and its
    imports cost more than the rest of the supervisor)."""
    work = cfg["work"]
    budget, count, skipped = cfg["max_report_bytes"], 0, 0
    device = os.stat(work).st_dev
    with os.fdopen(cfg["report_fd"], "wb") as out:
        _record(out, "status.json", _json(status))
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
            _record(out, "skipped.json", _json({"skipped": skipped}))


def main() -> None:
    cfg = _config(sys.argv[1:])
    _set_dumpable(0)
    os.chdir(cfg["work"])
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        _child(cfg)
    status, timed_out, exceeded = _wait(pid, cfg)
    duration = time.monotonic() - start
    _kill_all(cfg, pid)
    _report(cfg, {
        "exit_code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
        "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
        "timed_out": timed_out,
        "memory_exceeded": exceeded,
        "duration_s": duration,
    })


if __name__ == "__main__":
    main()
