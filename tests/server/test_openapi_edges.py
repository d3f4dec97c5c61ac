"""The OpenAPI schema documents what the edge middlewares answer before any route runs: every
operation is sent a foreign ``Host``, a cross-site write and, once the client is throttled, a
request; each answer it gets (400 ``bad_host``, 403 ``cross_origin``, 429 with ``Retry-After``)
must be documented for that operation, and the schema must not claim them where they cannot
come (health probes, reads)."""

from __future__ import annotations

from typing import Any

KEY = "k-openapi-0123456789"
PROBES = {"/healthz", "/readyz"}


def _url(path: str) -> str:
    return path.replace("{task_id}", "0" * 32).replace("{media_id}", "0" * 32).replace("{name}", "c1")


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method.upper(), op["responses"]) for path, item in schema["paths"].items()
            for method, op in item.items()]


def test_every_operation_documents_the_edge_answers_it_can_get(make_client) -> None:  # type: ignore[no-untyped-def]
    c = make_client(api_keys=[KEY], auth_fail_limit="2/minute")
    schema = c.get("/openapi.json").json()
    operations = _operations(schema)
    assert len(operations) >= 15 and {m for _, m, _ in operations} >= {"GET", "POST", "DELETE"}

    auth = {"Authorization": f"Bearer {KEY}"}  # a right key: nothing below counts as a failed one
    for path, method, documented in operations:
        r = c.request(method, _url(path), headers={"Host": "evil.example", **auth})
        if path in PROBES:  # probed by address: no Host check, and none documented
            assert r.status_code != 400 and "400" not in documented, path
        else:
            assert r.status_code == 400 and r.json()["error"]["code"] == "bad_host", (method, path, r.text)
            assert "bad_host" in documented["400"]["description"], (method, path)

        r = c.request(method, _url(path), headers={"Origin": "http://evil.example", **auth})
        if method in ("POST", "DELETE"):
            assert r.status_code == 403 and r.json()["error"]["code"] == "cross_origin", (method, path)
            assert "cross_origin" in documented["403"]["description"], (method, path)
        else:  # reads are not refused for their Origin (CORS applies), and 403 is not claimed
            assert r.status_code != 403 and "403" not in documented, (method, path)

    for _ in range(2):
        assert c.get("/v1/tasks", headers={"Authorization": "Bearer k-wrong-guess"}).status_code == 401
    for path, method, documented in operations:
        r = c.request(method, _url(path), headers=auth)
        if path in PROBES:
            assert r.status_code != 429 and "429" not in documented, path
        else:
            assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1, (method, path, r.status_code)
            assert "Retry-After" in documented["429"]["headers"], (method, path)
            assert "SOKRAT_AUTH_FAIL_LIMIT" in documented["429"]["description"]
