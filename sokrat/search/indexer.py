"""Indexing documents: read, hash, skip the unchanged, extract, chunk, embed, replace."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from sokrat.errors import InvalidInput
from sokrat.search.extract import chunk, extract, iter_documents, sha256_bytes

if TYPE_CHECKING:
    from sokrat.memory.documents import DocumentHit, RedisDocuments

EMBED_BATCH = 64


@dataclass(frozen=True)
class IndexReport:
    """What happened to one file."""

    source: str
    status: Literal["indexed", "unchanged", "failed"]
    chunks: int = 0
    title: str = ""
    error: str = ""


class DocumentIndexer:
    """Index files and folders into a :class:`~sokrat.memory.documents.RedisDocuments` store."""

    def __init__(self, store: RedisDocuments) -> None:
        self.store = store

    @classmethod
    def for_memory(cls, memory: object) -> DocumentIndexer:
        """The indexer on a :class:`~sokrat.memory.redis.RedisMemory` (documents need Redis search)."""
        from sokrat.errors import ToolUnavailable
        from sokrat.memory.documents import RedisDocuments
        from sokrat.memory.redis import RedisMemory

        if not isinstance(memory, RedisMemory):
            raise ToolUnavailable("document search needs the Redis memory (long-term memory is off)")
        return cls(RedisDocuments(memory))

    def index(self, paths: Iterable[Path], *, namespace: str = "default",
              progress: Callable[[IndexReport], None] | None = None) -> list[IndexReport]:
        """Index every document under ``paths``; one report per file (failures do not stop the rest)."""
        reports = []
        for path in iter_documents(list(paths)):
            report = self.index_file(path, namespace=namespace)
            reports.append(report)
            if progress is not None:
                progress(report)
        return reports

    def index_file(self, path: Path, *, namespace: str = "default") -> IndexReport:
        from sokrat.memory.documents import ChunkRow, DocumentMeta

        source = str(path.resolve())
        try:
            data = path.read_bytes()
        except OSError as e:
            return IndexReport(source, "failed", error=f"cannot read: {e}")
        digest = sha256_bytes(data)
        known = self.store.document(source, namespace=namespace)
        if known is not None and known.sha256 == digest:
            return IndexReport(source, "unchanged", known.chunks, known.title)
        try:
            doc = extract(path, data)
        except InvalidInput as e:
            return IndexReport(source, "failed", error=str(e))
        pieces = chunk(doc)
        if not pieces:
            return IndexReport(source, "failed", error="no text in it")
        import numpy as np

        embedder = self.store.memory.embedder
        vectors = np.concatenate([embedder.embed([c.text for c in pieces[i:i + EMBED_BATCH]])
                                  for i in range(0, len(pieces), EMBED_BATCH)])
        meta = DocumentMeta(source=source, namespace=namespace, sha256=digest, title=doc.title, kind=doc.kind,
                            chars=len(doc.text))
        self.store.replace(meta, [ChunkRow(c.index, c.start, c.end, c.text, c.page) for c in pieces], vectors)
        return IndexReport(source, "indexed", len(pieces), doc.title)

    def search(self, query: str, *, k: int = 5, namespace: str | None = "default") -> list[DocumentHit]:
        return self.store.search(query, k=k, namespace=namespace)
