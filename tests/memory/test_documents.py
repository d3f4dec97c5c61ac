"""Document chunks on the real Redis: index, search, replace, delete, and the per-document key set
that finds a document's chunks without SCAN (tests/cluster re-runs this file on a 3-master
cluster). Hash-seeded vectors: the storage is under test, not the meaning."""

from __future__ import annotations

import hashlib

import pytest

from sokrat.memory.documents import ChunkRow, DocumentMeta, RedisDocuments
from tests.memory.fakes import HashEmbedder


@pytest.fixture
def doc_store(memory) -> RedisDocuments:  # type: ignore[no-untyped-def]
    memory._embedder = HashEmbedder("hash-docs")
    store = RedisDocuments(memory)
    yield store  # type: ignore[misc]
    store.clear()


def _put(docs: RedisDocuments, source: str, texts: list[str], *, namespace: str = "default") -> None:
    rows, at = [], 0
    for i, text in enumerate(texts):
        rows.append(ChunkRow(i, at, at + len(text), text))
        at += len(text) + 1
    docs.replace(DocumentMeta(source=source, namespace=namespace, sha256=hashlib.sha256(" ".join(texts).encode())
                              .hexdigest(), chars=at), rows, HashEmbedder("hash-docs").embed(texts))


def _chunk_keys(docs: RedisDocuments) -> set[str]:
    return {k.decode() if isinstance(k, bytes) else k
            for k in docs.client.scan_iter(match=docs.memory._k("dchk", "*"), count=1000)}


def test_index_search_replace_delete(doc_store: RedisDocuments) -> None:
    docs = doc_store
    _put(docs, "kettle.txt", ["The kettle is in the left cupboard.", "Descale the kettle monthly.",
                              "The mugs hang above the sink."])
    _put(docs, "garden.txt", ["Water the tomatoes every evening."], namespace="bob")
    assert docs.count() == 4 and docs.document("kettle.txt").chunks == 3  # type: ignore[union-attr]
    assert docs.search("kettle cupboard", k=1)[0].source == "kettle.txt"
    assert [h.source for h in docs.search("tomatoes", namespace="bob")] == ["garden.txt"]
    assert all(h.source == "kettle.txt" for h in docs.search("tomatoes", k=10))  # another owner's: unseen

    _put(docs, "kettle.txt", ["The kettle moved to the right shelf."])  # re-indexed, fewer chunks
    assert docs.count() == 2 and len(_chunk_keys(docs)) == 2
    texts = [h.text for h in docs.search("kettle", k=10)]
    assert texts == ["The kettle moved to the right shelf."]

    assert docs.delete("kettle.txt") is True
    assert docs.delete("kettle.txt") is False  # already gone: says so, raises nothing
    assert docs.document("kettle.txt") is None and docs.count() == 1
    assert len(_chunk_keys(docs)) == 1 and docs.search("kettle", k=10) == []
    sets = {k.decode() for k in docs.client.scan_iter(match=docs.memory._k("dkeys", "*"))}
    assert sets == {docs._members_key(docs._src_id("bob", "garden.txt"))}  # only bob's set is left


def test_a_document_indexed_before_the_key_set_is_still_replaced_whole(doc_store: RedisDocuments) -> None:
    """Data from before ``P:dkeys`` (no set): its chunks are found once by a scan, not left behind."""
    docs = doc_store
    _put(docs, "old.txt", ["first old chunk about valves", "second old chunk about pumps"])
    src_id = docs._src_id("default", "old.txt")
    docs.client.delete(docs._members_key(src_id))  # as the earlier layout left it
    _put(docs, "old.txt", ["the new text about valves"])
    assert docs.count() == 1 and len(_chunk_keys(docs)) == 1
    assert docs.client.scard(docs._members_key(src_id)) == 1
    docs.client.delete(docs._members_key(src_id))
    assert docs.delete("old.txt") is True and not _chunk_keys(docs)


def test_bad_input_is_refused_and_loses_nothing(doc_store: RedisDocuments) -> None:
    docs = doc_store
    from sokrat.errors import InvalidInput

    _put(docs, "kept.txt", ["a chunk that must survive"])
    with pytest.raises(InvalidInput, match="2 chunks but 1 vectors"):
        docs.replace(DocumentMeta(source="kept.txt", namespace="default", sha256="y"),
                     [ChunkRow(0, 0, 1, "a"), ChunkRow(1, 2, 3, "b")], HashEmbedder("hash-docs").embed(["a"]))
    assert docs.count() == 1 and docs.search("survive")[0].text == "a chunk that must survive"
