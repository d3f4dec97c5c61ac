"""Host and Origin checks (issue 24, item 7) on a real `sokrat serve` without keys: foreign
Host headers (DNS rebinding) and cross-site writes (CSRF) are refused; the server's own page,
non-browser clients and configured origins keep working."""

from __future__ import annotations

import httpx
import pytest

from sokrat.server.origin import host_allowed, host_name
from tests.server.procs import Procs, start_server

pytestmark = [pytest.mark.server]


def test_foreign_hosts_and_cross_site_writes_are_refused(procs: Procs) -> None:
    base = start_server(procs, SOKRAT_ALLOWED_ORIGINS="https://app.example.com")
    own = base  # http://127.0.0.1:PORT: what the web page at / sends as its Origin
    port = base.rsplit(":", 1)[1]
    with httpx.Client(base_url=base, timeout=30) as c:
        for host in ("evil.example", f"evil.example:{port}", "127.0.0.1.evil.example"):
            r = c.get("/v1/tasks", headers={"Host": host})
            assert r.status_code == 400 and r.json()["error"]["code"] == "bad_host", (host, r.text)
        assert c.get("/healthz", headers={"Host": "10.1.2.3:8000"}).status_code == 200  # probes by address
        for host in (f"localhost:{port}", f"127.0.0.1:{port}", f"[::1]:{port}"):
            assert c.get("/v1/tasks", headers={"Host": host}).status_code == 200, host

        simple = [("text/plain", '{"goal": "csrf"}'), ("application/x-www-form-urlencoded", "goal=csrf")]
        for origin in ("http://evil.example", "null", f"http://localhost:{int(port) + 1}"):
            for ctype, body in simple:
                r = c.post("/v1/tasks", content=body, headers={"Content-Type": ctype, "Origin": origin})
                assert r.status_code == 403 and r.json()["error"]["code"] == "cross_origin", (origin, ctype)
        r = c.post("/v1/tasks", content="x", headers={"Content-Type": "text/plain", "Sec-Fetch-Site": "cross-site"})
        assert r.status_code == 403
        assert c.request("DELETE", "/v1/tasks/" + "0" * 32, headers={"Origin": "http://evil.example"}).status_code == 403
        assert c.get("/v1/tasks", headers={"Origin": "http://evil.example"}).status_code == 200  # reads: CORS applies

        # the server's own page, a configured front end, and clients that are not browsers
        for headers in ({"Origin": own, "Sec-Fetch-Site": "same-origin"}, {"Origin": "https://app.example.com"}, {}):
            r = c.post("/v1/tasks", json={"goal": "fine"}, headers=headers)
            assert r.status_code == 202, (headers, r.text)


@pytest.mark.parametrize(("value", "name"), [("localhost:8000", "localhost"), ("[::1]:8000", "::1"), ("::1", "::1"),
                                             ("Example.COM", "example.com"), ("10.0.0.1:80", "10.0.0.1")])
def test_host_name(value: str, name: str) -> None:
    assert host_name(value) == name


def test_host_patterns() -> None:
    assert host_allowed("api.example.com", ["*.example.com"])
    assert not host_allowed("example.com.evil.net", ["*.example.com", "localhost"])
    assert not host_allowed("evilexample.com", ["*.example.com"])
    assert host_allowed("anything", ["*"])
