"""The memory contract suites, re-run on a real local 3-master Redis Cluster: this directory's
``redis_url`` (session) is a cluster's, so every fixture built on it (``settings``,
``memory``) talks to the cluster."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.server.cluster import local_cluster


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with local_cluster(tmp_path_factory.mktemp("memory-cluster")) as url:
        yield url
