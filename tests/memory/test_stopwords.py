"""Full-text queries never send stop words: RediSearch in the embedded server crashes the whole
server on a union that starts with two of them (found by bench/tools.py: ``to the buffer``)."""

from __future__ import annotations

from sokrat.memory.redis import text_terms
from tests.memory.fakes import HashEmbedder

QUERIES = ["to the buffer.\n\nBufferedProtocol", "to the kitchen", "the a of", "is it in the box?"]


def test_text_terms_drop_stop_words() -> None:
    assert text_terms("to the buffer. BufferedProtocol") == "buffer | bufferedprotocol"
    assert text_terms("the a of") is None
    assert text_terms("what-is x.y") == "what"  # punctuation splits words; 1-letter words go


def test_stop_word_queries_do_not_crash_the_server(memory) -> None:
    from sokrat.memory.documents import ChunkRow, DocumentMeta, RedisDocuments

    memory._embedder = HashEmbedder(dim=384)
    memory.remember("Write the data to the buffer before flushing.")
    docs = RedisDocuments(memory)
    text = "BufferedProtocol: write data to the buffer."
    docs.replace(DocumentMeta(source="io.html", namespace="default", sha256="x"),
                 [ChunkRow(0, 0, len(text), text)], HashEmbedder(dim=384).embed([text]))
    for q in QUERIES:
        memory.recall(q)
        docs.search(q)
    assert memory.client.ping()
    assert docs.search("BufferedProtocol")[0].source == "io.html"
