"""Failed-key throttling (issue 24, item 4) on a real `sokrat serve` process: past the limit
a client gets 429 with Retry-After for everything; valid keys never count; other clients are
not affected."""

from __future__ import annotations

import httpx
import pytest

from tests.server.procs import Procs, bearer, start_server

pytestmark = [pytest.mark.server]

KEY = "k-valid-0123456789"


def test_wrong_keys_are_throttled_per_client_and_valid_keys_never_count(procs: Procs) -> None:
    base = start_server(procs, SOKRAT_API_KEYS=KEY, SOKRAT_AUTH_FAIL_LIMIT="5/minute")
    with httpx.Client(base_url=base, timeout=30) as c:
        assert all(c.get("/v1/tasks", headers=bearer(KEY)).status_code == 200 for _ in range(30))
        wrong = [c.get("/v1/tasks", headers=bearer(f"k-guess-{i:04d}")) for i in range(8)]
        assert [r.status_code for r in wrong] == [401] * 5 + [429] * 3
        assert 1 <= int(wrong[-1].headers["retry-after"]) <= 60
        assert wrong[-1].json()["error"]["code"] == "too_many_requests"
        assert "SOKRAT_AUTH_FAIL_LIMIT" in wrong[-1].json()["error"]["message"]
        # while throttled even a right key is refused: else a guesser would learn at full speed
        assert c.get("/v1/tasks", headers=bearer(KEY)).status_code == 429
        assert c.get("/healthz").status_code == 200  # public paths are not throttled
    other = httpx.Client(base_url=base, timeout=30, transport=httpx.HTTPTransport(local_address="127.0.0.2"))
    with other:
        assert other.get("/v1/tasks", headers=bearer(KEY)).status_code == 200
        assert other.get("/v1/tasks", headers=bearer("k-guess-x")).status_code == 401


def test_a_bad_limit_is_a_clear_error() -> None:
    from sokrat.errors import ConfigError
    from sokrat.server.auth import FailedKeyThrottle

    with pytest.raises(ConfigError, match="SOKRAT_AUTH_FAIL_LIMIT 'ten per second'"):
        FailedKeyThrottle("ten per second")
    assert FailedKeyThrottle("10/second;100/minute").retry_after("1.2.3.4") is None
