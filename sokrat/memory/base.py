"""The memory interfaces, one per role, and the records they hold (Redis is the real backend).

Split by role, the way LangGraph's ``BaseStore`` keeps a narrow abstract core and derives
the rest, so a backend implements only the role it serves:

- :class:`ArtifactStore`: large tool outputs behind a handle (put / get / info);
- :class:`SemanticMemory`: facts and episodes with embeddings (remember / recall / get / delete);
- :class:`VideoLogStore`: the perceptual memory, timestamped video logs;
- :class:`Memory`: all three plus health, what :class:`~sokrat.memory.redis.RedisMemory` is.

Tools and services declare the narrowest role they need. The API is sync on purpose: redis-py
calls are short, and async callers wrap them in ``asyncio.to_thread``. Vectors are float32,
L2-normalised, shape ``(D,)``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import numpy as np

MemoryKind = Literal["fact", "episode", "artifact", "video_segment"]


@dataclass(frozen=True)
class MemoryRecord:
    """One remembered item, as stored or as a search hit (``score``: higher is closer)."""

    id: str
    text: str
    kind: MemoryKind = "fact"
    namespace: str = "default"
    source: str | None = None
    tags: tuple[str, ...] = ()
    t_start: float | None = None
    """Media time (s) the item refers to, for items about a video."""
    t_end: float | None = None
    created_at: float = 0.0
    """Unix time it was stored."""
    metadata: dict[str, Any] = field(default_factory=dict)
    score: float | None = None


@dataclass(frozen=True)
class LogEntry:
    """One time segment of a video's language log (Socratic Models' "language-based world-state")."""

    index: int
    t_start: float
    t_end: float
    seen: str = ""
    """What is seen, as language: tags, zero-shot CLIP labels, captions."""
    said: str = ""
    """What is said (speech transcript) in the segment."""
    ocr: str = ""
    """Text on screen."""
    models: tuple[str, ...] = ()
    """Ids of the models that produced this entry."""
    text_embedding: Sequence[float] | None = None
    """Text embedding of :attr:`text` (text embedder role)."""
    image_embedding: Sequence[float] | None = None
    """CLIP image embedding of the segment's representative frame, when CLIP is resolved."""

    @property
    def text(self) -> str:
        parts = [f"seen: {self.seen}" if self.seen else "", f"said: {self.said}" if self.said else "",
                 f"text on screen: {self.ocr}" if self.ocr else ""]
        return "; ".join(p for p in parts if p) or "(nothing detected)"


@dataclass(frozen=True)
class VideoLogMeta:
    """A video log's header. ``log_id`` keys the video's content hash and the model set."""

    log_id: str
    source: str
    duration_s: float
    status: Literal["partial", "complete"] = "partial"
    summary: str = ""
    models: tuple[str, ...] = ()
    entries: int = 0
    """Entries stored so far (for resuming an interrupted index)."""
    resume_at_s: float = 0.0
    """Media time up to which entries are stored."""
    metadata: dict[str, Any] = field(default_factory=dict)


class Embedder(ABC):
    """Text embedder role (``SOKRAT_EMBEDDER``: nomic-embed-text-v1.5, 768-d, or all-MiniLM-L6-v2, 384-d).

    :meth:`embed` is for what is stored and searched (documents, memories, log entries);
    :meth:`embed_query` for what is searched with. Models trained with task prefixes (nomic's
    ``search_document: `` / ``search_query: ``) add them; the others embed both alike."""

    name: str = "embedder"

    @property
    @abstractmethod
    def dim(self) -> int: ...

    @abstractmethod
    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """``(N, D)`` float32, L2-normalised: texts to store and search."""

    def embed_query(self, texts: Sequence[str]) -> np.ndarray:
        """``(N, D)`` float32, L2-normalised: search queries (default: as :meth:`embed`)."""
        return self.embed(texts)


class ArtifactStore(ABC):
    """Large outputs kept behind a handle (``artifact:<id>``), read back in pages."""

    @abstractmethod
    def put_artifact(self, content: str, *, ttl_s: float | None = None, metadata: dict[str, Any] | None = None) -> str:
        """Keep a large output; return a handle like ``artifact:<id>``."""

    @abstractmethod
    def get_artifact(self, handle: str, *, start: int = 0, length: int | None = None) -> str:
        """Read (part of) an artifact. Unknown handle: :class:`sokrat.errors.NotFound`."""

    @abstractmethod
    def artifact_info(self, handle: str) -> dict[str, Any]:
        """``{"chars", "created_at", "metadata"}`` of an artifact (:class:`~sokrat.errors.NotFound` if unknown)."""


class SemanticMemory(ABC):
    """Facts and episodes with embeddings, searched by meaning and keywords."""

    embedder: Embedder

    @abstractmethod
    def remember(
        self,
        text: str,
        *,
        kind: MemoryKind = "fact",
        namespace: str = "default",
        tags: Sequence[str] = (),
        source: str | None = None,
        t_start: float | None = None,
        t_end: float | None = None,
        metadata: dict[str, Any] | None = None,
        ttl_s: float | None = None,
        defer_embedding: bool = False,
    ) -> str:
        """Store ``text`` with its embedding; return its id. With ``defer_embedding`` the text is
        stored (and found by words) at once, and embedded by the next search by meaning: a
        process that only writes it loads no embedding model."""

    @abstractmethod
    def recall(
        self,
        query: str,
        *,
        k: int = 5,
        kinds: Sequence[MemoryKind] | None = None,
        namespace: str | None = None,
        tags: Sequence[str] | None = None,
        source: str | None = None,
        since: float | None = None,
        until: float | None = None,
        hybrid: bool = True,
        semantic: bool = True,
    ) -> list[MemoryRecord]:
        """KNN (optionally hybrid full-text + vector) search with filters, best first. With
        ``semantic=False`` only the full-text (BM25) search runs: nothing is embedded, so no
        embedding model is loaded (what a caller that keeps only word-sharing memories needs)."""

    @abstractmethod
    def get(self, memory_id: str) -> MemoryRecord | None: ...

    @abstractmethod
    def delete(self, memory_id: str) -> bool: ...


class VideoLogStore(ABC):
    """Video logs: a header per video and its timestamped entries, with vector search."""

    @abstractmethod
    def video_log(self, log_id: str) -> VideoLogMeta | None: ...

    @abstractmethod
    def begin_video_log(self, meta: VideoLogMeta) -> VideoLogMeta:
        """Create the header, or return the existing one (to resume a partial index)."""

    @abstractmethod
    def append_video_entries(self, log_id: str, entries: Sequence[LogEntry], *, resume_at_s: float) -> None:
        """Store a chunk of entries and advance ``resume_at_s`` atomically."""

    @abstractmethod
    def finish_video_log(self, log_id: str, *, summary: str) -> VideoLogMeta: ...

    @abstractmethod
    def delete_video_log(self, log_id: str) -> None:
        """Remove the header and every entry (used when an index fails)."""

    @abstractmethod
    def video_entries(self, log_id: str) -> list[LogEntry]:
        """All entries, in time order."""

    @abstractmethod
    def search_video(
        self,
        log_id: str,
        vector: Sequence[float],
        *,
        field: Literal["text", "image"] = "text",
        k: int = 5,
    ) -> list[tuple[LogEntry, float]]:
        """KNN over one log's entries; ``(entry, similarity)`` best first."""


class Memory(ArtifactStore, SemanticMemory, VideoLogStore):
    """Every role in one store (Redis). All methods raise :class:`sokrat.errors.MemoryBackendError`
    subclasses on backend trouble, with a message naming the fix."""

    @abstractmethod
    def info(self) -> dict[str, Any]:
        """Server facts for `sokrat doctor`: url, version, modules, embedded or external."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""
