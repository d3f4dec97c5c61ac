"""405 answers name the methods the path does serve (issue 24, small items)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.server.test_api import assert_error

ID = "0" * 32


@pytest.mark.parametrize(("method", "path", "allow"), [
    ("PUT", "/v1/tasks", {"GET", "POST"}),  # two routes on one path: both methods listed
    ("PATCH", f"/v1/tasks/{ID}", {"GET", "DELETE"}),
    ("GET", f"/v1/tasks/{ID}/cancel", {"POST"}),
    ("POST", "/healthz", {"GET"}),
    ("DELETE", "/v1/media", {"GET", "POST"}),  # GET lists your uploads (the web page)
])
def test_405_lists_every_allowed_method(client: Any, method: str, path: str, allow: set[str]) -> None:
    r = client.request(method, path)
    assert_error(r, 405, "method_not_allowed")
    assert {m.strip() for m in r.headers["allow"].split(",")} == allow


def test_a_served_method_is_no_405(client: Any) -> None:
    assert client.get("/v1/tasks").status_code == 200
    assert "allow" not in client.get("/healthz").headers
