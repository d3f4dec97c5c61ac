"""Escape suite: code run by ``python_exec`` attacks its caller as an attacker would.

Every item of issue 11's list, plus the known escapes of other frameworks' local executors:
smolagents #2094 (``ctypes`` -> ``libc.system``), smolagents #2203 (reading ``os.environ``
for host API keys, with an obfuscated import) and AutoGPT #3541 (shell commands that walk the
whole file system). Each attack must fail *safely*: the secret is not printed, the file is
not written, the connection is not made, the caller lives, no process outlives the call.
The caller is a separate process (``_exec_child.py``) whose real environment holds SECRET.
"""

from __future__ import annotations

import socket
import threading
import time
import uuid
from pathlib import Path

import pytest

from tests.tools.conftest import SECRET


def _text(report: dict) -> str:
    return report["stdout"] + report["stderr"]


def test_caller_environ_is_out_of_reach(attack) -> None:
    """/proc/<ppid>/environ, every /proc/*/environ, and os.environ (smolagents #2203)."""
    report = attack(
        "import os, glob\n"
        "print(dict(__import__('o' + 's').environ))\n"
        "print(os.getppid(), open(f'/proc/{os.getppid()}/environ', 'rb').read())\n"
        "for p in glob.glob('/proc/[0-9]*/environ'):\n"
        "    try: print(p, open(p, 'rb').read())\n"
        "    except OSError as e: print(p, e)\n"
        "try: print(open('/proc/CALLER_PID/environ', 'rb').read())\n"
        "except OSError as e: print('caller:', type(e).__name__)\n"
    )
    assert SECRET not in _text(report)
    assert "caller: FileNotFoundError" in report["stdout"]  # the caller's pid is not in its namespace


def test_etc_shadow_and_host_files_are_absent(attack) -> None:
    assert Path("/etc/shadow").exists()  # the host has one
    report = attack(
        "for p in ['/etc/shadow', '/etc/passwd', '/root/.bash_history', __import__('sys').prefix + '/../README.md']:\n"
        "    try: print(open(p).read()[:50])\n"
        "    except OSError as e: print(p, type(e).__name__)\n"
    )
    assert "/etc/shadow FileNotFoundError" in report["stdout"]
    assert "root:" not in report["stdout"]


def test_walking_the_whole_file_system_finds_only_python(attack) -> None:
    """AutoGPT #3541: `find / -name ...` from a tool that should stay in its workspace."""
    report = attack(
        "import os\n"
        "seen = []\n"
        "for root, dirs, files in os.walk('/'):\n"
        "    dirs[:] = [d for d in dirs if os.path.join(root, d) not in ('/proc', '/sys', '/dev')]\n"
        "    seen += [os.path.join(root, f) for f in files]\n"
        "print(len(seen))\n"
        "print('\\n'.join(p for p in seen if not p.startswith(('/usr/lib', '/usr/share/zoneinfo'))"
        " and '/lib/python3' not in p and '/lib64/' not in p))\n",
        timeout_s=60,
    )
    assert report["exit_code"] == 0, report["stderr"]
    others = report["stdout"].splitlines()[1:]
    assert int(report["stdout"].split()[0]) > 100  # it did walk the interpreter
    import sys

    allowed = ("/etc/ld.so", "/etc/localtime", "/run/sokrat/", "/usr/lib64/",
               f"{sys.base_prefix}/lib/", f"{sys.prefix}/lib/")  # the interpreter and its packages
    leaked = [p for p in others if not p.startswith(allowed) and not p.endswith(("/bin/python", "pyvenv.cfg"))]
    assert leaked == []
    assert not any("sokrat/tools" in p or p.endswith("/shadow") for p in others)


def test_writes_land_nowhere_on_the_host(attack, tmp_path: Path) -> None:
    import sys

    marker = f"HACKED-{uuid.uuid4().hex[:8]}"
    targets = [tmp_path / marker, Path("/tmp") / marker, Path(sys.prefix) / "lib" / marker,
               Path(sys.base_prefix) / marker, Path.home() / marker]
    code = "for p in %r:\n    try: open(p, 'w').write('x'); print('wrote', p)\n    except OSError as e: print(p, type(e).__name__)\n" % [str(t) for t in targets]
    try:
        report = attack(code)
        assert all(not t.exists() for t in targets), report
        assert f"wrote /tmp/{marker}" in report["stdout"]  # its own private /tmp: harmless
    finally:
        for t in targets:
            t.unlink(missing_ok=True)


@pytest.fixture
def listener():
    """A TCP server on the host's loopback (stands for the local REST API) counting accepts."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    accepted: list[object] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            accepted.append(conn)
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], accepted
    stop.set()
    thread.join()
    server.close()


def test_no_network_to_the_local_api_or_anywhere(attack, listener) -> None:
    port, accepted = listener
    host_ip = socket.gethostbyname(socket.gethostname())
    report = attack(
        "import socket\n"
        f"for addr in [('127.0.0.1', {port}), ({host_ip!r}, {port}), ('10.0.0.1', 80), ('1.1.1.1', 443)]:\n"
        "    s = socket.socket(); s.settimeout(2)\n"
        "    try: s.connect(addr); print('connected', addr)\n"
        "    except OSError as e: print(addr, type(e).__name__)\n"
        "try: socket.getaddrinfo('pypi.org', 443); print('resolved')\n"
        "except OSError as e: print('dns', type(e).__name__)\n"
    )
    assert "connected" not in report["stdout"] and "resolved" not in report["stdout"]
    assert accepted == []


def test_redis_is_out_of_reach(attack, redis_url: str) -> None:
    import redis

    assert redis.Redis.from_url(redis_url).ping()  # the server is up, for the caller
    path = redis_url.removeprefix("unix://").split("?")[0]
    report = attack(
        "import socket\n"
        f"s = socket.socket(socket.AF_UNIX)\n"
        f"try: s.connect({path!r}); s.sendall(b'PING\\r\\n'); print('redis says', s.recv(64))\n"
        "except OSError as e: print('unix', type(e).__name__)\n"
        "t = socket.socket(); t.settimeout(2)\n"
        "try: t.connect(('127.0.0.1', 6379)); print('tcp connected')\n"
        "except OSError as e: print('tcp', type(e).__name__)\n"
    )
    assert "redis says" not in report["stdout"] and "tcp connected" not in report["stdout"]
    assert "unix FileNotFoundError" in report["stdout"]


def test_shell_subprocess_and_ctypes_reach_nothing(attack) -> None:
    """smolagents #2094: ctypes -> libc.system(); plus os.system and subprocess shells."""
    report = attack(
        "import ctypes, os, subprocess, sys\n"
        "libc = ctypes.CDLL('libc.so.6')\n"
        "print('libc.system', libc.system(b'cat /etc/shadow; id'))\n"
        "print('os.system', os.system('cat /etc/shadow'))\n"
        "for cmd in (['/bin/sh', '-c', 'id'], ['bash', '-c', 'id'], ['curl', 'http://127.0.0.1']):\n"
        "    try: subprocess.run(cmd); print('ran', cmd)\n"
        "    except OSError as e: print(cmd[0], type(e).__name__)\n"
        "print(subprocess.run([sys.executable, '-c', 'import os; print(os.listdir(\"/home\"))'],"
        " capture_output=True, text=True).stdout)\n"
    )
    out = report["stdout"]
    assert "root:" not in _text(report) and "uid=" not in _text(report)
    assert "ran" not in out
    assert "libc.system 32512" in out and "os.system 32512" in out  # 127 << 8: no shell at all
    assert "['sandbox']" in out  # a child python is confined the same way


def test_fork_bomb_stops_at_the_process_cap(attack) -> None:
    """As root RLIMIT_NPROC is not enforced; the sandbox's pids cgroup is."""
    report = attack(
        "import os, time\n"
        "n = 0\n"
        "try:\n"
        "    while n < 2000:\n"
        "        if os.fork() == 0:\n"
        "            time.sleep(5); os._exit(0)\n"
        "        n += 1\n"
        "except OSError as e: print('stopped', type(e).__name__)\n"
        "print('forks', n)\n",
        timeout_s=20,
    )
    from sokrat.tools.sandbox import SandboxLimits

    forks = int(report["stdout"].split("forks")[1].split()[0])
    assert "stopped BlockingIOError" in report["stdout"] and forks < SandboxLimits().processes


def _processes_with(marker: str) -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    found.append(entry.name)
            except OSError:
                continue
    return found


def test_daemonised_grandchild_dies_with_the_call(attack) -> None:
    marker = f"sokrat-orphan-{uuid.uuid4().hex[:8]}"
    report = attack(
        "import os, sys\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        f"        os.execv(sys.executable, [sys.executable, '-c', 'import time; time.sleep(20)', {marker!r}])\n"
        "    os._exit(0)\n"
        "print('left a daemon behind')\n"
    )
    assert "left a daemon behind" in report["stdout"]
    time.sleep(0.5)
    assert _processes_with(marker) == []


def test_timeout_kills_the_whole_tree(attack) -> None:
    marker = f"sokrat-tree-{uuid.uuid4().hex[:8]}"
    report = attack(
        "import os, subprocess, sys, time\n"
        f"subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)', {marker!r}], start_new_session=True)\n"
        "time.sleep(60)\n",
        timeout_s=1,
    )
    assert report["timed_out"] is True
    assert _processes_with(marker) == []


def test_the_caller_cannot_be_killed(attack) -> None:
    report = attack(
        "import ctypes, os, signal\n"
        "print('ctypes kill', ctypes.CDLL('libc.so.6').kill(CALLER_PID, 9), flush=True)\n"
        "for pid in (CALLER_PID, 1, -1, os.getppid()):\n"
        "    try: os.kill(pid, signal.SIGKILL); print('sent', pid, flush=True)\n"
        "    except OSError as e: print(pid, type(e).__name__, flush=True)\n"
    )
    # The caller printed its report, so it lived: its pid does not exist in the sandbox, and
    # killing the sandbox's own supervisor only ends the sandbox.
    out = report["stdout"]
    assert "ctypes kill -1" in out and f"{report['caller_pid']} ProcessLookupError" in out
    assert report["exit_code"] is None and "supervisor died" in report["stderr"]
    assert report["caller_pid"] > 0


def test_memory_bomb_loop_and_output_flood_are_stopped(attack) -> None:
    report = attack("x = bytearray(3 * 1024**3)")
    assert report["exit_code"] == 1 and "MemoryError" in report["stderr"]
    report = attack("while True:\n    pass", timeout_s=1)
    assert report["timed_out"] is True
    report = attack("import sys\nwhile True:\n    sys.stdout.write('y' * 65536)", timeout_s=10)
    assert report["signal"] is not None or report["exit_code"] != 0  # SIGXFSZ at the file cap
    assert len(report["stdout"]) <= 16 * 1024**2
