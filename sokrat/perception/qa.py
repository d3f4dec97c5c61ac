"""Retrieval over a video log, and answers with timestamps (shared by CLI, tools, examples).

Search fuses up to three rankings of the log's entries with reciprocal-rank fusion: the
text embedding KNN in Redis, BM25 (bm25s) over the entries' words, and CLIP text->frame
KNN when CLIP is resolved. Answers come from the chat model, constrained to the JSON
schema ``{answer, evidence: [entry numbers]}``, with only the top entries in the prompt
(the offline planner is a 0.5B model: short prompts are faster and it errs less).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sokrat.errors import LLMOutputError, MediaError
from sokrat.types import Evidence, Result, StepRecord, Usage

if TYPE_CHECKING:
    from sokrat.llm.base import ChatModel
    from sokrat.memory.base import LogEntry, Memory
    from sokrat.perception.log import VideoLog
    from sokrat.perception.registry import Perceivers
    from sokrat.settings import Settings

RRF_K = 60
"""Reciprocal-rank-fusion constant (Cormack et al.): score = sum 1 / (RRF_K + rank)."""

ANSWER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "answer": {"type": "string", "maxLength": 400},
        "evidence": {"type": "array", "items": {"type": "integer", "minimum": 0}, "maxItems": 4},
    },
    "required": ["answer", "evidence"],
    "additionalProperties": False,
}

SYSTEM_PROMPT = (
    "You answer questions about a video using its log. Each log line covers a time range and says "
    "what was seen (object labels from an image classifier, may be wrong), what was said (speech "
    "transcript) and text on screen. Answer in one short sentence from the log only; if the log does "
    "not tell, say so. In evidence, list the numbers of the log lines you used."
)


@dataclass(frozen=True)
class Moment:
    """A log entry that matches a query."""

    source: str
    index: int
    t_start: float
    t_end: float
    text: str
    score: float
    """Fused relevance (higher is better; comparable within one search only)."""

    def evidence(self) -> Evidence:
        return Evidence(source=self.source, t_start=self.t_start, t_end=self.t_end, text=self.text)

    def line(self) -> str:
        return f"{fmt_time(self.t_start)}-{fmt_time(self.t_end)}: {self.text}"


def fmt_time(t: float) -> str:
    """``75.5`` -> ``1:15.5``."""
    m, s = divmod(max(t, 0.0), 60)
    return f"{int(m)}:{s:04.1f}"


class VideoQA:
    """Index-on-demand, search and answer over the logs of videos in one memory."""

    def __init__(self, *, settings: Settings | None = None, memory: Memory | None = None,
                 perceivers: Perceivers | None = None, chat: ChatModel | None = None) -> None:
        from sokrat.settings import get_settings

        self.settings = settings or get_settings()
        self._memory = memory
        self._perceivers = perceivers
        self._chat = chat
        self._bm25: dict[str, tuple[Any, list[LogEntry]]] = {}
        self._lock = threading.Lock()

    # --- lazily built parts -----------------------------------------------------------------
    @property
    def memory(self) -> Memory:
        if self._memory is None:
            from sokrat.memory import get_memory

            self._memory = get_memory(self.settings)
        return self._memory

    @property
    def perceivers(self) -> Perceivers:
        if self._perceivers is None:
            from sokrat.perception.registry import get_perceivers

            self._perceivers = get_perceivers(self.settings)
        return self._perceivers

    @property
    def chat(self) -> ChatModel:
        if self._chat is None:
            from sokrat.llm import get_chat_model

            self._chat = get_chat_model(self.settings)
        return self._chat

    # --- indexing ---------------------------------------------------------------------------------
    def index(self, video: str | Path, *, progress: bool = False) -> VideoLog:
        """The video's complete log, built now if needed (resuming a partial one)."""
        from sokrat.perception.log import IndexOptions, VideoIndexer

        indexer = VideoIndexer(self.memory, self.perceivers, options=IndexOptions.from_settings(self.settings),
                               settings=self.settings)
        return indexer.index(video, progress=progress)

    # --- search -------------------------------------------------------------------------------------
    def search(self, video: str | Path, query: str, *, k: int = 5, progress: bool = False) -> list[Moment]:
        """The ``k`` entries of the video's log that best match ``query``, best first."""
        vlog = self.index(video, progress=progress)
        return self.search_log(vlog.meta.log_id, vlog.meta.source, query, k=k)

    def search_log(self, log_id: str, source: str, query: str, *, k: int = 5) -> list[Moment]:
        if not query.strip():
            raise MediaError("the search query is empty; say what to look for")
        depth = max(3 * k, 10)
        rankings: list[list[int]] = []
        entries = self._entries(log_id)
        if not entries:
            return []
        by_index = {e.index: e for e in entries}
        qvec = self.memory.embedder.embed([query])[0]
        rankings.append([e.index for e, _ in self.memory.search_video(log_id, qvec.tolist(), field="text", k=depth)])
        rankings.append(self._bm25_rank(log_id, query, depth))
        if self.perceivers.clip is not None:
            cvec = self.perceivers.clip.embed_texts([query])[0]
            rankings.append([e.index for e, _ in self.memory.search_video(log_id, cvec.tolist(), field="image", k=depth)])
        fused: dict[int, float] = {}
        for ranking in rankings:
            for rank, idx in enumerate(ranking):
                fused[idx] = fused.get(idx, 0.0) + 1.0 / (RRF_K + rank + 1)
        best = sorted(fused, key=lambda i: (-fused[i], i))[:k]
        return [Moment(source, i, by_index[i].t_start, by_index[i].t_end, by_index[i].text, fused[i])
                for i in best if i in by_index]

    def _entries(self, log_id: str) -> list[LogEntry]:
        return self._bm25_for(log_id)[1]

    def _bm25_for(self, log_id: str) -> tuple[Any, list[LogEntry]]:
        with self._lock:
            if log_id not in self._bm25:
                import bm25s

                entries = self.memory.video_entries(log_id)
                retriever = None
                if entries:
                    retriever = bm25s.BM25()
                    retriever.index(bm25s.tokenize([e.text for e in entries], stopwords="en", show_progress=False),
                                    show_progress=False)
                self._bm25[log_id] = (retriever, entries)
            return self._bm25[log_id]

    def _bm25_rank(self, log_id: str, query: str, depth: int) -> list[int]:
        import bm25s

        retriever, entries = self._bm25_for(log_id)
        tokens = bm25s.tokenize([query], stopwords="en", show_progress=False)
        if retriever is None or not tokens.vocab:
            return []
        docs, scores = retriever.retrieve(tokens, k=min(depth, len(entries)), show_progress=False)
        return [entries[int(d)].index for d, s in zip(docs[0], scores[0], strict=True) if s > 0]

    # --- answers ---------------------------------------------------------------------------------------
    def ask(self, video: str | Path, question: str, *, k: int = 4, progress: bool = False) -> Result:
        """Answer ``question`` about ``video`` with timestamped evidence."""
        vlog = self.index(video, progress=progress)
        t0 = time.perf_counter()
        moments = self.search_log(vlog.meta.log_id, vlog.meta.source, question, k=k)
        retrieval_s = time.perf_counter() - t0
        steps = [StepRecord(index=0, tool="video_search", arguments={"query": question, "k": k},
                            observation="\n".join(m.line() for m in moments) or "(no entries)")]
        if not moments:
            return Result(answer="The video log is empty: nothing was seen or heard.", steps=steps,
                          status="succeeded")
        answer, used, usage = self.answer_from(question, moments)
        steps.append(StepRecord(index=1, tool="answer", arguments={"question": question},
                                observation=answer, check=f"retrieval {retrieval_s * 1000:.0f} ms"))
        return Result(answer=answer, evidence=[m.evidence() for m in used], steps=steps, usage=usage)

    def answer_from(self, question: str, moments: Sequence[Moment], *,
                    summary: str = "") -> tuple[str, list[Moment], Usage]:
        """Ask the chat model; return (answer with times, the moments it cites, usage)."""
        from sokrat.llm.base import Message

        lines = [f"[{i}] {m.line()}" for i, m in enumerate(moments)]
        user = (f"Video summary: {summary}\n" if summary else "") + "Log:\n" + "\n".join(lines) + \
            f"\nQuestion: {question}"
        messages = [Message("system", SYSTEM_PROMPT), Message("user", user)]
        response = self.chat.generate(messages, json_schema=ANSWER_SCHEMA, max_tokens=120)
        parsed = response.parsed
        if parsed is None:
            try:
                parsed = json.loads(response.text)
            except json.JSONDecodeError as e:
                raise LLMOutputError(f"the chat model did not return JSON for the answer: {response.text[:120]!r}") from e
        if not isinstance(parsed, dict) or not isinstance(parsed.get("answer"), str):
            raise LLMOutputError(f"the chat model's answer lacks an 'answer' string: {str(parsed)[:120]}")
        cited = [i for i in parsed.get("evidence", []) if isinstance(i, int) and 0 <= i < len(moments)]
        # A model that cites nothing still answered from what it was shown: the best match.
        used = [moments[i] for i in dict.fromkeys(cited)] or [moments[0]]
        answer = " ".join(parsed["answer"].split()) or "(no answer)"
        times = ", ".join(f"{fmt_time(m.t_start)}-{fmt_time(m.t_end)}" for m in used)
        return f"{answer} [at {times}]", used, response.usage


_default: dict[tuple[int, int, int], VideoQA] = {}


def video_qa_for(settings: Settings | None = None, memory: Memory | None = None,
                 chat: ChatModel | None = None) -> VideoQA:
    """A :class:`VideoQA` shared per (settings, memory, chat) in this process (keeps BM25 caches)."""
    key = (id(settings), id(memory), id(chat))
    if key not in _default:
        _default[key] = VideoQA(settings=settings, memory=memory, chat=chat)
    return _default[key]
