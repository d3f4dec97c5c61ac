"""One key check for every entry point (issue 24, item 1), against real processes: `sokrat
serve` and `sokrat mcp --http` share the key ring, so a key made with `sokrat keys create`
works on both, and a revoked or unknown key is refused on every route of both, including
routes nobody listed (default deny)."""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.server.procs import CLI, Procs, bearer, start_server, wait_for
from tests.server.scripted_llm import free_port

pytestmark = [pytest.mark.server]

ALICE, DAVE, ADMIN = "k-alice-0123456789", "k-dave-0123456789", "k-admin-0123456789"
MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
LIST_TOOLS = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
FAKE_ID = "0" * 32
PUBLIC = {"/healthz", "/readyz"}
"""The only documented routes that answer without a key (probes of load balancers)."""


def start_mcp(procs: Procs, **env: str) -> str:
    port = free_port()
    p = procs.start("mcp", "mcp", "--http", str(port), **env)
    url = f"http://127.0.0.1:{port}/mcp"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if p.poll() is not None:
            pytest.fail(f"sokrat mcp --http exited with {p.returncode}:\n{procs.log(p)}")
        try:
            httpx.post(url, json=LIST_TOOLS, headers=MCP_HEADERS, timeout=2)
            return url
        except httpx.HTTPError:
            time.sleep(0.2)
    pytest.fail(f"sokrat mcp --http did not answer:\n{procs.log(p)}")


def mcp_call(url: str, key: str | None) -> httpx.Response:
    headers = {**MCP_HEADERS, **(bearer(key) if key else {})}
    return httpx.post(url, json=LIST_TOOLS, headers=headers, timeout=60)


def mcp_tools(response: httpx.Response) -> list[str]:
    text = response.text
    if response.headers.get("content-type", "").startswith("text/event-stream"):
        text = next(line[5:] for line in text.splitlines() if line.startswith("data:"))
    return [t["name"] for t in json.loads(text)["result"]["tools"]]


def rest_routes(base: str) -> list[tuple[str, str]]:
    """Every (method, path) the running server documents but :data:`PUBLIC`, path parameters filled in."""
    spec = httpx.get(f"{base}/openapi.json", timeout=30).json()
    routes = []
    assert set(spec["paths"]) >= PUBLIC
    for path, ops in spec["paths"].items():
        if path in PUBLIC:
            continue
        for method in ops:
            routes.append((method.upper(), re.sub(r"\{[^}]+\}", FAKE_ID, path)))
    return routes


def refused_everywhere(base: str, mcp: str, key: str | None) -> list[str]:
    """The entry points that did NOT answer 401 to ``key`` (empty when all refused it)."""
    headers = bearer(key) if key else {}
    wrong = []
    routes = [*rest_routes(base), ("GET", "/v1/not-a-route"), ("POST", "/v2/future"), ("GET", "/admin")]
    for method, path in routes:
        r = httpx.request(method, base + path, headers=headers, content=b"{}", timeout=30)
        if r.status_code != 401 or r.json()["error"]["code"] != "unauthorized":
            wrong.append(f"{method} {path} -> {r.status_code}")
    r = mcp_call(mcp, key)
    if r.status_code != 401:
        wrong.append(f"MCP tools/list -> {r.status_code}")
    return wrong


@pytest.fixture
def both(procs: Procs, proc_env: dict[str, str]) -> Iterator[tuple[str, str, dict[str, str]]]:
    env = {"SOKRAT_API_KEYS": f"{ALICE},{DAVE}", "SOKRAT_ADMIN_KEYS": ADMIN, "SOKRAT_API_KEY_REFRESH_S": "0.3",
           "SOKRAT_AUTH_FAIL_LIMIT": "100000/second"}  # this module probes keys, not throttling
    base = start_server(procs, **env)
    mcp = start_mcp(procs, **env)
    yield base, mcp, {**proc_env, **env}


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=120)


def test_a_revoked_key_is_refused_by_every_entry_point(both: tuple[str, str, dict[str, str]]) -> None:
    base, mcp, env = both
    assert len(rest_routes(base)) >= 10  # the whole documented API is probed, not a hand list
    for key in (None, "k-unknown-0123456789"):
        assert refused_everywhere(base, mcp, key) == []

    made = cli(env, "keys", "create", "--owner", "carol", "--json")
    assert made.returncode == 0, made.stderr
    carol = json.loads(made.stdout)["key"]
    # a managed key works on both entry points (before: only the REST API knew it)
    wait_for(lambda: httpx.get(f"{base}/v1/tasks", headers=bearer(carol), timeout=10).status_code == 200,
             "serve to accept the managed key", 60)
    wait_for(lambda: mcp_call(mcp, carol).status_code == 200, "mcp to accept the managed key", 60)
    assert "python_exec" in mcp_tools(mcp_call(mcp, carol))
    assert "python_exec" in mcp_tools(mcp_call(mcp, DAVE))

    for key in (carol, DAVE):  # a managed key, then an environment key
        assert cli(env, "keys", "revoke", key).returncode == 0
        wait_for(lambda k=key: httpx.get(f"{base}/v1/tasks", headers=bearer(k), timeout=10).status_code == 401,
                 "serve to refuse the revoked key", 60)
        wait_for(lambda k=key: mcp_call(mcp, k).status_code == 401, "mcp to refuse the revoked key", 60)
        assert refused_everywhere(base, mcp, key) == []
    # the other keys still work everywhere
    assert httpx.get(f"{base}/v1/tasks", headers=bearer(ALICE), timeout=10).status_code == 200
    assert mcp_call(mcp, ALICE).status_code == 200


def test_public_paths_need_no_key(both: tuple[str, str, dict[str, str]]) -> None:
    base, _, _ = both
    for path in ("/healthz", "/openapi.json", "/docs"):
        assert httpx.get(base + path, timeout=30).status_code == 200, path


def test_mcp_with_only_managed_keys_is_not_open(procs: Procs, proc_env: dict[str, str]) -> None:
    """No SOKRAT_API_KEYS at all: once a key exists in Redis, MCP needs it too."""
    made = cli(proc_env, "keys", "create", "--owner", "erin", "--json")
    assert made.returncode == 0, made.stderr
    erin = json.loads(made.stdout)["key"]
    mcp = start_mcp(procs, SOKRAT_API_KEY_REFRESH_S="0.3")
    wait_for(lambda: mcp_call(mcp, None).status_code == 401, "mcp to load the managed keys", 60)
    assert mcp_call(mcp, "k-guess-0123456789").status_code == 401
    assert mcp_call(mcp, erin).status_code == 200

