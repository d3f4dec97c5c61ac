"""Documents and the ``search`` tool on a real 3-master Redis Cluster: the single-node tests,
imported so they are collected again here with the cluster's ``redis_url``. A document's keys
(header, chunks, its chunk-key set) carry the memory's hash tag, so replacing one is a
transaction on one node, with no SCAN."""

from __future__ import annotations

from tests.memory.test_documents import *  # noqa: F403
from tests.tools.test_search import (  # noqa: F401 - the folder fixture and the tests, collected again
    docs,
    test_index_search_reindex_and_scope,
    test_search_tool_returns_source_and_offsets,
)
