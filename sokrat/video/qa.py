"""Questions about a video, answered like a person would: a short sentence with the times.

:class:`VideoQA` indexes on demand (perception builds the log), then reads the question
(:mod:`sokrat.video.question`): its type, what it is about, the time it points at. The time is
applied to the log's order ("right after the cat" finds the cat's shot and answers from the
next one). Then, by type:

- yes/no, when, count: the log's labels are matched through synonyms and hypernyms
  (:mod:`sokrat.perception.words`: "a vehicle" matches a moped) and said/on-screen words;
  the answer is built from the matching shots ("Yes: a cat at 0:05-0:10.").
- what / where / who / what was said: the few most relevant shots (lexical matches plus
  hybrid search) go to the chat model, constrained to a JSON schema whose evidence items are
  the ids shown; the cited shots become the evidence and their times end the sentence.

When nothing in the log relates to the question the result is ``no_answer``.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sokrat._cache import ProcessCache
from sokrat.errors import InvalidInput, LLMOutputError
from sokrat.memory.fusion import rrf_fuse
from sokrat.perception.scene import parse_counts, parse_relations
from sokrat.perception.words import lexicon, parse_labels
from sokrat.text import stem
from sokrat.types import Evidence, Result, RunStatus, StepRecord, Usage
from sokrat.video.question import Question, content_words, parse_question

if TYPE_CHECKING:
    from sokrat.llm.base import ChatModel
    from sokrat.memory.base import Embedder, LogEntry, VideoLogStore
    from sokrat.perception.log import VideoLog
    from sokrat.perception.registry import Perceivers
    from sokrat.settings import Settings

MAX_SHOWN = 5
"""Log lines the chat model sees per question (the offline model is small: short prompts)."""
MAX_ANSWER_CHARS = 160
RELATED_Z = 3.0
"""A shot that shares no word with the question still counts as related when its text
embedding's cosine with the question stands this many standard deviations above the cosines
of the log's other shots (leave-one-out). Most shots of a log are unrelated to any one
question, so their cosines are the embedder's own null distribution for it; 3 sd puts a
chance hit at about 1 in 700 under a normal null, whatever the embedder's scale (MiniLM's
cosines and nomic's differ), where a fixed cosine would have to be re-measured per model."""
RELATED_MIN_SHOTS = 4
"""With fewer shots there is no distribution to stand out from: nothing counts as related."""


RESTATED_WORDS = 6
RESTATED_SHARE = 0.8
"""An answer of ``RESTATED_WORDS`` words or more, this share of them from one sentence of the
log, is that sentence copied out (see ``_Answer._restates_unrelated``)."""


class MatchScore:
    """How well a log entry matches the thing asked about: one scale, produced by
    :func:`match_entries` and read by the answers."""

    SEEN = 1.0
    """A label in the shot is the thing (or a kind of it)."""
    COLOUR = 0.9
    """The colour asked about is in the shot."""
    MAYBE = 0.5
    """Only a "maybe" label is the thing."""
    KIND = 0.5
    """A detector's word the thing asked is a kind of ("person" for "a woman"): it may be the
    thing, and the log cannot tell (the detector has no finer class)."""
    WORDS_BASE = 0.4
    """Said or on-screen words: this plus ``WORDS_SHARE`` x the share of the question's words found."""
    WORDS_SHARE = 0.5
    STRONG = 0.9
    """From here a match is sure enough to answer yes / count it / anchor a time on it."""
    STRONG_WORDS = 0.65
    """Said or on-screen words from here (more than half the question's words) answer yes."""

SYSTEM_PROMPT = (
    "You answer a question about a video from its log. Each log line is one shot: [id] start-end, "
    "then what was seen (object labels from an image classifier, with their category in brackets; "
    "they can be wrong), what was said (speech transcript) and text on screen. Answer in a few words "
    "taken from the log. Cite the ids of the lines you used. If the log does not answer the question, "
    "answer \"unknown\" and cite nothing."
)


def answer_schema(ids: Sequence[int]) -> dict[str, Any]:
    """The chat model's output: a short answer and the ids of the log lines it rests on (only
    ids that were shown can be cited)."""
    return {
        "type": "object",
        "properties": {
            "answer": {"type": "string", "maxLength": MAX_ANSWER_CHARS},
            "evidence": {"type": "array", "items": {"type": "integer", "enum": sorted(set(ids))}, "maxItems": 3},
        },
        "required": ["answer", "evidence"],
        "additionalProperties": False,
    }


def fmt_time(t: float) -> str:
    """``75.4`` -> ``1:15`` (whole seconds; the log's shots start and end on frames)."""
    m, s = divmod(int(round(max(t, 0.0))), 60)
    return f"{m}:{s:02d}"


def fmt_span(t_start: float, t_end: float) -> str:
    return f"{fmt_time(t_start)}-{fmt_time(t_end)}"


def entry_line(e: LogEntry) -> str:
    return f"[{e.index}] {fmt_span(e.t_start, e.t_end)} {e.text}"


@dataclass(frozen=True)
class Moment:
    """A log entry that matches a query."""

    source: str
    index: int
    t_start: float
    t_end: float
    text: str
    score: float
    """Relevance (higher is better; comparable within one search only)."""

    def evidence(self) -> Evidence:
        return Evidence(source=self.source, t_start=self.t_start, t_end=self.t_end, text=self.text)

    def line(self) -> str:
        return f"{fmt_span(self.t_start, self.t_end)}: {self.text}"


class LogIndex:
    """A complete log's entries in time order, with a BM25 index over their text."""

    def __init__(self, entries: list[LogEntry]) -> None:
        self.entries = entries
        self.by_index = {e.index: e for e in entries}
        self.position = {e.index: i for i, e in enumerate(entries)}
        self._bm25: Any = None

    def bm25_rank(self, query: str, depth: int) -> list[int]:
        import bm25s

        tokens = bm25s.tokenize([query], stopwords="en", show_progress=False)
        if not self.entries or not tokens.vocab:
            return []
        if self._bm25 is None:
            self._bm25 = bm25s.BM25()
            self._bm25.index(bm25s.tokenize([e.text for e in self.entries], stopwords="en", show_progress=False),
                             show_progress=False)
        docs, scores = self._bm25.retrieve(tokens, k=min(depth, len(self.entries)), show_progress=False)
        return [self.entries[int(d)].index for d, s in zip(docs[0], scores[0], strict=True) if s > 0]


_logs: ProcessCache[LogIndex] = ProcessCache(maxsize=32)
"""Complete logs never change (their id hashes the content, models and options): cache them
by where they are stored and their id."""


def _memory_address(memory: VideoLogStore) -> str | None:
    url, prefix = getattr(memory, "url", None), getattr(memory, "prefix", None)
    return f"{url}|{prefix}" if url is not None else None


# --- matching the thing asked about -----------------------------------------------------------
@dataclass(frozen=True)
class Match:
    entry: LogEntry
    score: float
    """1: a label is the thing (or a kind of it); lower: said / written / maybe."""
    what: str
    """The word that matched, as the log has it ("moped", "keys")."""
    how: str
    """``seen``, ``said``, ``text``, ``maybe`` or ``kind`` (:attr:`MatchScore.KIND`)."""


_AGENT_NOUN = re.compile(r"(?:ist|er)s?$")


def instrument_word(word: str) -> str | None:
    """The detector's word for the thing a person named by it uses, for an agent noun the
    lexicon lacks ("bikers" -> bicycle, "skateboarders" -> skateboard): the log names the
    bicycle and the person on it, not the biker. None for any other word."""
    lex = lexicon()
    if lex.synsets(word) or not _AGENT_NOUN.search(word):
        return None
    base = word[:-1] if word.endswith("s") else word
    stems = [base[:-3] + "e", base[:-3]] if base.endswith("ist") else [base[:-2], base[:-1], base[:-2] + "e"]
    for candidate in stems:
        levels = [b for o in lex.synsets(candidate) if (b := lex.basic_level(o))]
        if levels:
            return levels[0]
    return None


def _stem(word: str) -> str:
    for suffix in ("ies", "es", "s"):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def _phrases(words: Sequence[str]) -> list[str]:
    """Word n-grams, longest first ("coffee mug" before "mug")."""
    out: list[str] = []
    for n in range(min(3, len(words)), 0, -1):
        out.extend(" ".join(words[i : i + n]) for i in range(len(words) - n + 1))
    return out


def match_entries(target_words: Sequence[str], entries: Sequence[LogEntry], *,
                  modality: str = "any") -> list[Match]:
    """Entries that show or mention the thing ``target_words`` name, best match per entry."""
    lex = lexicon()
    queries = []
    for phrase in _phrases(target_words):
        syn = lex.synsets(phrase)
        if syn:
            queries.append((phrase, syn))
    known = {w for phrase, _ in queries for w in phrase.split()}
    plain = [w for w in target_words if w not in known and len(w) > 2]
    stems = {_stem(w) for w in target_words if len(w) > 2}
    out: list[Match] = []
    for e in entries:
        best: Match | None = None

        def offer(m: Match) -> None:
            nonlocal best
            if best is None or m.score > best.score:
                best = m

        if modality != "said":
            for item in parse_labels(e.seen):
                words = [item.word] if item.kind != "caption" else [c.word for c in lex.concepts_in(item.word)]
                if item.kind in ("count", "where", "relation", "looks"):
                    continue  # read by the count, where and colour answers, not as things
                if item.specific:
                    words.append(item.specific)
                for w in words:
                    for phrase, syn in queries:
                        if lex.is_a(w, syn) or w.lower() == phrase:
                            maybe = item.kind == "maybe"
                            offer(Match(e, MatchScore.MAYBE if maybe else MatchScore.SEEN, item.word,
                                        "maybe" if maybe else "seen"))
                        elif item.kind == "object" and lex.is_detector_word(w) and lex.is_a(phrase, lex.synsets(w)):
                            offer(Match(e, MatchScore.KIND, item.word, "kind"))
                    if item.kind == "colour" and w in plain:
                        offer(Match(e, MatchScore.COLOUR, w, "seen"))
        for field_name, text in (("said", e.said), ("text", e.ocr)):
            if not text or (modality == "seen" and field_name == "said"):
                continue
            tokens = spoken_forms(text)
            hits = [w for w in target_words if _spelled(w) in tokens]
            if hits and stems:
                share = len({_stem(h) for h in hits}) / len(stems)
                offer(Match(e, MatchScore.WORDS_BASE + MatchScore.WORDS_SHARE * share, " ".join(hits), field_name))
        if best is not None:
            out.append(best)
    return out


_DIGITS = {w: str(i) for i, w in enumerate(
    ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"])}


def _spelled(word: str) -> str:
    """One spelling per word for matching speech and on-screen text against a question: the
    stem, British "-our"/"-tre" as American (whisper writes "neighbor" for a "neighbour"), and
    small numbers as digits (it writes "9" for "nine")."""
    w = word.removesuffix("'s")
    w = _DIGITS.get(w, w)
    if len(w) > 5:
        w = re.sub(r"our(?=s?$|ite|ed|ing)", "or", w)
        w = re.sub(r"tre(s?)$", r"ter\1", w)
    return _stem(w)


def spoken_forms(text: str) -> set[str]:
    """The words of a transcript or on-screen text as :func:`_spelled` forms, with each pair of
    neighbouring words also joined ("book shop" matches "bookshop")."""
    words = re.findall(r"[a-z0-9']+", text.lower())
    return {_spelled(w) for w in words} | {_spelled(a + b) for a, b in zip(words, words[1:], strict=False)}


def runs(matches: Sequence[Match], log: LogIndex) -> list[list[Match]]:
    """Matches grouped into appearances: consecutive shots are one appearance."""
    ordered = sorted(matches, key=lambda m: log.position[m.entry.index])
    groups: list[list[Match]] = []
    for m in ordered:
        if groups and log.position[m.entry.index] == log.position[groups[-1][-1].entry.index] + 1:
            groups[-1].append(m)
        else:
            groups.append([m])
    return groups


class VideoQA:
    """Index-on-demand, search and answers over the logs of videos in one memory.

    Everything is injected: the caller (CLI, tool, server) resolves settings, memory, the
    perceivers and the chat model; ``perceivers`` and ``chat`` may be left out and are then
    built on first need (a warm question over an indexed video never loads a vision model).
    """

    def __init__(self, *, settings: Settings, memory: VideoLogStore, embedder: Embedder | None = None,
                 perceivers: Perceivers | None = None, chat: ChatModel | None = None) -> None:
        self.settings = settings
        self.memory = memory
        self._embedder = embedder
        self._perceivers = perceivers
        self._chat = chat

    @property
    def embedder(self) -> Embedder:
        """The text embedder of the logs (the memory's own when it has one); loads on first use."""
        if self._embedder is None:
            own = getattr(self.memory, "embedder", None)
            if own is None:
                from sokrat.memory import get_embedder

                own = get_embedder(self.settings)
            self._embedder = own
        return self._embedder

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

    # --- indexing --------------------------------------------------------------------------------
    def index(self, video: str | Path, *, progress: bool = False) -> VideoLog:
        """The video's complete log, built now if needed (resuming a partial one)."""
        from sokrat.perception.log import VideoIndexer, VideoLogOptions

        indexer = VideoIndexer(self.memory, self.perceivers, embedder=self.embedder,
                               options=VideoLogOptions.from_settings(self.settings), settings=self.settings)
        return indexer.index(video, progress=progress)

    def log(self, log_id: str) -> LogIndex:
        address = _memory_address(self.memory)
        if address is None:
            return LogIndex(self.memory.video_entries(log_id))
        return _logs.get_or_build((address, log_id), lambda: LogIndex(self.memory.video_entries(log_id)))

    # --- search -----------------------------------------------------------------------------------
    def search(self, video: str | Path, query: str, *, k: int = 5, progress: bool = False) -> list[Moment]:
        """The ``k`` entries of the video's log that best match ``query``, best first."""
        if not query.strip():
            raise InvalidInput("the search query is empty; say what to look for")
        vlog = self.index(video, progress=progress)
        return self.search_log(vlog.meta.log_id, vlog.meta.source, query, k=k)

    def search_log(self, log_id: str, source: str, query: str, *, k: int = 5,
                   within: Sequence[LogEntry] | None = None, semantic: bool = True) -> list[Moment]:
        """Fuse label matches, BM25 and (with ``semantic``) text-embedding and CLIP KNN rankings;
        ``within`` restricts the result to those entries."""
        if not query.strip():
            raise InvalidInput("the search query is empty; say what to look for")
        log = self.log(log_id)
        if not log.entries:
            return []
        allowed = {e.index for e in within} if within is not None else None
        depth = max(3 * k, 20)
        words = content_words(query)
        lexical = sorted(match_entries(words, log.entries), key=lambda m: (-m.score, m.entry.t_start))
        rankings = [[m.entry.index for m in lexical], log.bm25_rank(query, depth)]
        if semantic:
            qvec = self.embedder.embed_query([query])[0]  # a query: nomic adds its search_query prefix
            rankings.append([e.index for e, _ in self.memory.search_video(log_id, qvec.tolist(), field="text",
                                                                           k=depth)])
            clip = self._perceivers.clip if self._perceivers is not None else None
            if clip is not None:
                cvec = clip.embed_texts([query])[0]
                rankings.append([e.index for e, _ in self.memory.search_video(log_id, cvec.tolist(), field="image",
                                                                               k=depth)])
        best = [(i, score) for i, score in rrf_fuse(rankings) if allowed is None or i in allowed][:k]
        return [Moment(source, i, log.by_index[i].t_start, log.by_index[i].t_end, log.by_index[i].text, score)
                for i, score in best if i in log.by_index]

    # --- answers ------------------------------------------------------------------------------------
    def ask(self, video: str | Path, question: str, *, progress: bool = False) -> Result:
        """Answer ``question`` about ``video`` with a sentence, its times and the evidence."""
        if not question.strip():
            raise InvalidInput("the question is empty; ask something about the video")
        vlog = self.index(video, progress=progress)
        return self.ask_log(vlog.meta.log_id, vlog.meta.source, question)

    def ask_log(self, log_id: str, source: str, question: str) -> Result:
        t0 = time.perf_counter()
        q = parse_question(question)
        q = replace(q, words=tuple(instrument_word(w) or w for w in q.words))
        log = self.log(log_id)
        scope, anchor_note = self._scope(q, log)
        if scope is None and q.time is not None and _generic(q):
            # "what did I see right before the notebook?" with no notebook in the log: nothing to place
            missing = [a for a in q.time.anchors if not self._anchor(a, log)]
            relation = q.time.kind.replace("_", " ") + (" it" if len(q.time.anchors) == 1 else " them")
            return Result(answer=f"I cannot find {_join([_a(a) for a in missing])} in the video's log, so I cannot "
                                 f"tell what came {relation}.",
                          status="no_answer", reason="the thing the question's time refers to is not in the log",
                          steps=[StepRecord(index=0, tool="read_question", arguments={"question": question},
                                            observation=f"anchor not in the log: {', '.join(missing)}")])
        if scope is None:  # the anchor ("after the cat") is nowhere: drop the time, keep its words
            q = Question(q.text, q.kind, " ".join(content_words(q.text)), None, q.modality, q.perception_verb,
                         content_words(q.text))
            scope, anchor_note = log.entries, ""
        step = StepRecord(index=0, tool="read_question", arguments={"question": question},
                          observation=f"type {q.kind}; about {q.target or '(anything)'}; time "
                                      f"{q.time.phrase if q.time else '(any)'}{anchor_note}; {len(scope)} shots in scope")
        answer = _Answer(self, q, log, list(scope), source, log_id)
        result = answer.run()
        steps = [step, *result.steps]
        elapsed = time.perf_counter() - t0
        steps[-1] = steps[-1].model_copy(update={"check": f"answered in {elapsed * 1000:.0f} ms"})
        return result.model_copy(update={"steps": steps})

    def _scope(self, q: Question, log: LogIndex) -> tuple[list[LogEntry] | None, str]:
        """The entries the question's time points at (None: its anchor is not in the log)."""
        entries = log.entries
        if q.time is None or not entries:
            return list(entries), ""
        spec = q.time
        duration = entries[-1].t_end
        if spec.kind == "window":
            lo, hi = spec.start or 0.0, spec.end if spec.end is not None else duration
            if spec.from_end:
                lo, hi = max(0.0, duration - (spec.end or 0.0)), duration
            if hi <= lo:  # a point in time: the shot that contains it
                return [e for e in entries if e.t_start <= lo < e.t_end] or [entries[-1]], ""
            return [e for e in entries if e.t_end > lo and e.t_start < hi], ""
        n = len(entries)
        if q.modality == "said" and spec.kind in ("beginning", "end") and (spoken := [e for e in entries if e.said]):
            # what was said first / last: the first / last shot with speech, wherever it falls
            # (the opening shot may show something before anyone speaks)
            return [spoken[0] if spec.kind == "beginning" else spoken[-1]], ""
        if spec.kind == "beginning":
            return [e for e in entries if e.t_start < max(entries[0].t_end, 0.1 * duration)], ""
        if spec.kind == "end":
            return [e for e in entries if e.t_end > min(entries[-1].t_start, 0.9 * duration)], ""
        if spec.kind == "middle":
            mid = duration / 2
            return [e for e in entries if e.t_start <= mid < e.t_end] or entries[n // 2 : n // 2 + 1], ""
        if spec.kind in ("first_half", "second_half"):
            half = duration / 2  # a shot belongs to the half its middle is in
            return [e for e in entries if ((e.t_start + e.t_end) / 2 < half) == (spec.kind == "first_half")], ""
        if spec.kind in ("first_time", "last_time"):
            return list(entries), ""  # applied to the matches, not the scope
        anchors = [self._anchor(a, log) for a in spec.anchors]
        if any(not a for a in anchors):
            return None, ""
        first = [log.position[m.entry.index] for m in anchors[0]]
        note = f"; anchor {spec.anchors[0]} at " + ", ".join(fmt_span(m.entry.t_start, m.entry.t_end) for m in anchors[0][:3])
        if spec.kind == "right_after":
            i = min(first)
            j = i + 1
            while j < n and j in first:  # the anchor may span several shots: the one after them
                j += 1
            return entries[j : j + 1], note
        if spec.kind == "right_before":
            i = min(first)
            return entries[max(i - 1, 0) : i] if i > 0 else [], note
        if spec.kind == "after":
            return entries[max(first) + 1 :] if spec.anchors else [], note
        if spec.kind == "before":
            return entries[: min(first)], note
        second = [log.position[m.entry.index] for m in anchors[1]]
        lo, hi = sorted((min(first), min(second)))
        return entries[lo + 1 : hi], note

    def _anchor(self, phrase: str, log: LogIndex) -> list[Match]:
        return anchor_matches(phrase, log.entries)

    def generate(self, messages: list[Any], schema: dict[str, Any]) -> tuple[dict[str, Any], Usage]:
        response = self.chat.generate(messages, json_schema=schema, max_tokens=60, purpose="video_answer")
        parsed = response.parsed
        if parsed is None:
            try:
                parsed = json.loads(response.text)
            except json.JSONDecodeError as e:
                raise LLMOutputError(f"the chat model did not return JSON: {response.text[:120]!r}") from e
        if not isinstance(parsed, dict) or not isinstance(parsed.get("answer"), str):
            raise LLMOutputError(f"the chat model's answer lacks an 'answer' string: {str(parsed)[:120]}")
        return parsed, response.usage


def anchor_matches(phrase: str, entries: Sequence[LogEntry]) -> list[Match]:
    """The shots ``phrase`` ("the cat") names by what is seen in them, in time order. Words
    merely said do not anchor time: in "what should I buy after work?", "after work" is part of
    what was said, not a shot to count from."""
    matches = [m for m in match_entries(content_words(phrase), entries) if m.how in ("seen", "maybe")]
    strong = [m for m in matches if m.score >= MatchScore.STRONG]
    return sorted(strong or matches, key=lambda m: m.entry.t_start)


# A model's way of saying the log does not tell.
REFUSAL = re.compile(r"^\W*(unknown|not (?:sure|known|mentioned|shown|visible|in the log|stated|clear)|"
                      r"no (?:information|answer|idea|mention)|n/?a|none|the log does not|i don't know|"
                      r"it is not|there is no information|cannot (?:tell|be determined))", re.I)


class _Answer:
    """One question answered over the entries in scope (the steps are kept for the result)."""

    def __init__(self, qa: VideoQA, q: Question, log: LogIndex, scope: list[LogEntry], source: str,
                 log_id: str) -> None:
        self.qa, self.q, self.log, self.scope, self.source, self.log_id = qa, q, log, scope, source, log_id
        self.steps: list[StepRecord] = []
        self._cosines: dict[int, float] | None = None
        self._qvec: Any = None
        self._semantic_only = False
        """The shots shown were picked by meaning alone (no word of the question in them)."""

    def result(self, answer: str, evidence: Sequence[LogEntry], status: RunStatus = "succeeded",
               usage: Usage | None = None, reason: str = "") -> Result:
        ev = [Evidence(source=self.source, t_start=e.t_start, t_end=e.t_end, text=e.text) for e in evidence]
        if status == "no_answer" and not reason:
            reason = "nothing in the video's log answers this"
        return Result(answer=answer, evidence=ev, steps=self.steps, usage=usage or Usage(), status=status,
                      reason=reason)

    def run(self) -> Result:
        q = self.q
        if not self.scope:
            return self.result(f"Nothing in the video is {q.time.phrase if q.time else 'there'}.", [], "no_answer")
        generic = _generic(q)
        if q.kind == "count" and not generic and not re.search(r"\b(times|often)\b", q.text.lower()):
            counted = self.how_many()
            if counted is not None:
                return counted
        if q.options is not None:
            chosen = self.choice(q.options)
            if chosen is not None:
                return chosen
        if q.kind in ("what", "said") and asks_written(q.text):
            read = self.read_text()
            if read is not None:
                return read
        if q.kind in ("yes_no", "when", "count") and not generic:
            matches = match_entries(q.words, self.scope, modality=q.modality)
            self.steps.append(StepRecord(index=1, tool="match_labels", arguments={"about": q.target},
                                         observation="; ".join(f"{m.how} {m.what} {fmt_span(m.entry.t_start, m.entry.t_end)}"
                                                               for m in matches[:8]) or "(no shot matches)"))
            if q.kind == "yes_no":
                return self.yes_no(matches)
            if q.kind == "count":
                if self._said_about(matches):
                    # "How often do I water the fern?": a frequency said in the video ("every
                    # Sunday"), not how many shots show a fern
                    return self.from_model()
                return self.count(matches)
            if (matches and (q.perception_verb or any(m.how in ("seen", "maybe") for m in matches))
                    and not self._said_about(matches)):
                return self.when(matches)
        if generic and q.kind in ("what", "yes_no") and q.modality != "said":
            return self.describe()
        if q.kind == "what" and q.modality != "said" and (coloured := self.colour_of()) is not None:
            return coloured
        if q.kind == "what" and q.modality != "said" and (held := self.holder()) is not None:
            return held
        if q.kind == "what" and q.modality != "said":
            placed = self.where()
            if placed is not None:
                return placed
        return self.from_model()

    def _said_about(self, matches: list[Match]) -> bool:
        """"When does the bus to the airport leave?": no seeing or hearing is asked, and a sentence
        said shares two or more of the question's words (bus, airport, leave): the time is in what
        was said ("leaves at ten past nine"), not where a bus is seen."""
        if self.q.perception_verb:
            return False
        asked = {stem(w) for w in self.q.words}
        # the shot's own entry, whatever matched it best (a bike seen in the shot where the shop is named)
        return any(len(asked & {stem(w) for w in content_words(m.entry.said)}) >= 2 for m in matches)

    # --- label answers ------------------------------------------------------------------------------
    def _known(self) -> bool:
        """Whether the log could have named the thing (a word the lexicon knows)."""
        lex = lexicon()
        return any(lex.synsets(p) for p in _phrases(self.q.words))

    def _only_asked(self, answer: str) -> bool:
        """The answer holds no word of its own: only words of the question (and no number), or
        those and the log's position words when no position is asked."""
        said = {_stem(w) for w in content_words(answer)}
        asked = {_stem(w) for w in content_words(self.q.text)}
        if not re.search(r"\b(?:where|position|side)\b", self.q.text.lower()):
            asked |= set(_SPOTS)  # "Pizza centre near" for "which restaurant?": the log's position words
        return (self.q.kind in ("what", "said") and bool(said) and not re.search(r"\d", answer) and said <= asked)

    def _unlogged_words(self) -> list[str]:
        """The question's words that no label could name (not in the lexicon, nor a scene,
        colour or position word) and that no shot's text holds: what the log cannot speak to."""
        lex = lexicon()
        logged = {_stem(w) for e in self.log.entries for w in re.findall(r"[a-z0-9']+", e.text.lower())}
        return [w for w in self.q.words if not lex.synsets(w) and w not in _SCENE_WORDS and w not in _SPOTS
                and w not in _PLACE and _stem(w) not in logged]

    def _nameable(self) -> bool:
        """Whether a label the log's backends write could name the thing: a word the lexicon
        knows (its shipped synsets are the labels and the words above them: "animal" names a
        dog), or a scene or colour word the layout and colour backends write."""
        return self._known() or any(p in _SCENE_WORDS for p in _phrases(self.q.words))

    def _named(self, m: Match) -> str:
        """The thing as asked, with the log's word when it differs: "a rocket (missile)"."""
        asked = self.q.target
        if (m.what.lower() == asked.lower() or not asked or len(asked.split()) > 3
                or set(lexicon().synsets(asked)) & set(lexicon().synsets(m.what))):  # "someone" is a person
            return _a(m.what)
        return f"{_a(asked)} ({m.what})"

    def _where(self) -> str:
        return f" {self.q.time.phrase}" if self.q.time else ""

    def yes_no(self, matches: list[Match]) -> Result:
        strong = [m for m in matches if m.score >= MatchScore.STRONG
                  or m.how in ("said", "text") and m.score >= MatchScore.STRONG_WORDS]
        if not strong:
            if (kinds := [m for m in matches if m.how == "kind"]) and not any(m.how == "maybe" for m in matches):
                return self._kind_only(kinds)
            if (placed := self._place_unsaid()) is not None:
                return placed
            if not matches and self.q.modality != "said" and not self._nameable():
                # No label of the log can name it ("an astronaut", "grass"): its absence from the
                # log is no evidence that the video does not show it.
                return self.result(f"I cannot tell: the labels this video's log uses cannot name {_a(self.q.target)}, "
                                   "so the log does not show whether it is there.", [], "no_answer")
            window = self.scope if self.q.time else []
            span = f" ({fmt_span(window[0].t_start, window[-1].t_end)})" if window else ""
            maybe = [m for m in matches if m.how == "maybe"]
            hedge = f" (possibly a {maybe[0].what} at {fmt_span(maybe[0].entry.t_start, maybe[0].entry.t_end)})" if maybe else ""
            verb = "hear of" if self.q.modality == "said" else "see"
            return self.result(f"No, I did not {verb} {_a(self.q.target)}{self._where()}{span}{hedge}.", window)
        groups = runs(strong, self.log)
        lead = groups[0][0]
        spans = ", ".join(fmt_span(g[0].entry.t_start, g[-1].entry.t_end) for g in groups[:3])
        if lead.how == "said":
            return self.result(f"Yes, it was mentioned at {spans}: \"{_clip(lead.entry.said)}\"", [g[0].entry for g in groups[:3]])
        return self.result(f"Yes: {self._named(lead)} at {spans}.", [m.entry for g in groups[:3] for m in g])

    def _place_unsaid(self) -> Result | None:
        """"Were we inside at the end?" with no "indoors" logged there: the layout backend writes
        indoors or outdoors only where it is sure, so its silence is no "no". The answer is "no"
        only where it wrote the other place (that shot is the evidence); else it cannot tell.
        None for a question about anything besides the place."""
        asked = {_PLACE[w] for w in self.q.words if w in _PLACE}
        if len(asked) != 1 or any(w not in _PLACE for w in self.q.words):
            return None
        want = asked.pop()
        other = "outdoors" if want == "indoors" else "indoors"
        for place, reply in ((want, "Yes"), (other, "No")):  # "outside" asked, "outdoors" logged: a yes
            shown = [e for e in self.scope if any(i.kind == "place" and i.word == place for i in parse_labels(e.seen))]
            if shown:
                spans = _join([fmt_span(e.t_start, e.t_end) for e in shown[:3]])
                return self.result(f"{reply}: the log shows {place} at {spans}.", shown[:3])
        window = f" at {fmt_span(self.scope[0].t_start, self.scope[-1].t_end)}" if self.q.time and self.scope else ""
        return self.result(f"I cannot tell: the log does not say whether it was indoors or outdoors{window}.", [],
                           "no_answer")

    def _kind_asked(self, word: str) -> str | None:
        """The words of the question that name a finer kind of the detector's ``word`` ("men"
        beside "people"), or None."""
        lex = lexicon()
        syn = lex.synsets(word)
        for phrase in _phrases(self.q.words):
            own = lex.synsets(phrase)
            if own and not set(own) & set(syn) and lex.is_a(phrase, syn):
                return phrase
        return None

    def _kind_only(self, kinds: list[Match]) -> Result:
        """The log shows only the detector's coarser word for the thing asked ("a person" for "a
        woman"): say where, and that it cannot tell; never a "yes", nor a "no" or "none"."""
        groups = runs(kinds, self.log)
        spans = _join([fmt_span(g[0].entry.t_start, g[-1].entry.t_end) for g in groups[:3]])
        what = kinds[0].what
        asked = self._kind_asked(what) or self.q.target
        asked = asked if lexicon().base_form(asked) not in (None, asked) else _a(asked)  # "men", "a woman"
        answer = (f"Perhaps: the log shows {_a(what)} at {spans}, but its detector names no finer kind of {what}, "
                  f"so it cannot tell whether that is {asked}.")
        return self.result(answer, [g[0].entry for g in groups[:3]], "unverified",
                           reason=f"the log names only {_a(what)}, not {asked}")

    def choice(self, options: tuple[tuple[str, ...], tuple[str, ...]]) -> Result | None:
        """An either-or question: "on the left or the right?" from the positions the detector
        logged for the thing asked; "a bus or a tram?" by looking for each option. None when the
        log cannot tell (the model answers)."""
        if all(w in _SPOTS for w in (*options[0], *options[1])):
            return self.which_spot(options)
        found = []
        for words in options:
            matches = match_entries(words, self.scope, modality=self.q.modality)
            found.append([m for m in matches if m.score >= MatchScore.STRONG
                          or m.how in ("said", "text") and m.score >= MatchScore.STRONG_WORDS])
        names = [" ".join(o) for o in options]
        self.steps.append(StepRecord(index=1, tool="match_options", arguments={"options": names},
                                     observation="; ".join(f"{n}: {len(f)} shots" for n, f in zip(names, found, strict=True))))
        verb = "hear of" if self.q.modality == "said" else "see"
        if not any(found):
            lex = lexicon()
            if not any(lex.synsets(p) for o in options for p in _phrases(o)):
                return None  # words the labels cannot show: not "neither" from the log alone
            return self.result(f"Neither: I did not {verb} {_a(names[0])} or {_a(names[1])}{self._where()}.", [])

        def said(name: str, matches: list[Match]) -> str:
            groups = runs(matches, self.log)
            spans = _join([fmt_span(g[0].entry.t_start, g[-1].entry.t_end) for g in groups[:3]])
            return f"{_a(name)} at {spans}"

        if all(found):
            text = f"Both: {said(names[0], found[0])} and {said(names[1], found[1])}."
        else:
            k = 0 if found[0] else 1
            shown = said(names[k], found[k])
            text = f"{shown[0].upper()}{shown[1:]}; I did not {verb} {_a(names[1 - k])}{self._where()}."
        return self.result(text, [m.entry for f in found for m in f[:3]])

    def which_spot(self, options: tuple[tuple[str, ...], tuple[str, ...]]) -> Result | None:
        """Which of two places ("left or right", "near or far") the thing asked was logged at."""
        lex = lexicon()
        subject = [w for w in self.q.words if w not in _SPOTS]
        syn = frozenset(o for p in _phrases(subject) for o in lex.synsets(p))
        if not syn:
            return None
        hits: list[tuple[LogEntry, str, str]] = []
        for e in self.scope:
            for item in parse_labels(e.seen):
                thing, _, spot = item.word.partition(" ") if item.kind == "where" else ("", "", "")
                if thing and lex.is_a(thing, syn):
                    hits.append((e, thing, spot))
        wanted = [{_SPOTS[w] for w in o} for o in options]
        on = [(e, thing, spot) for e, thing, spot in hits if any(w <= set(spot.split()) for w in wanted)]
        self.steps.append(StepRecord(index=1, tool="read_positions", arguments={"about": " ".join(subject)},
                                     observation="; ".join(f"{t} {s} {fmt_span(e.t_start, e.t_end)}"
                                                           for e, t, s in hits[:8]) or "(no position logged)"))
        if not hits:
            return None
        e, thing, spot = (on or hits)[0]
        same = [x for x, _, s in (on or hits) if s == spot][:3]
        spans = _join([fmt_span(x.t_start, x.t_end) for x in same])
        where = _spot(spot)
        if not on:  # logged, at neither place asked about
            return self.result(f"Neither: {_a(thing)} {where} at {spans}.", same)
        return self.result(f"{where[0].upper()}{where[1:]}: {_a(thing)} at {spans}.", same)

    def when(self, matches: list[Match]) -> Result:
        strong = [m for m in matches if m.score >= MatchScore.STRONG] or matches
        groups = runs(strong, self.log)
        kind = self.q.time.kind if self.q.time else None
        if kind == "first_time":
            groups = groups[:1]
        elif kind == "last_time":
            groups = groups[-1:]
        spans = [fmt_span(g[0].entry.t_start, g[-1].entry.t_end) for g in groups]
        lead = groups[0][0]
        what = self._named(lead) if lead.how in ("seen", "maybe") else f"\"{lead.what}\" (said)"
        text = f"{what[0].upper()}{what[1:]} at {_join(spans)}."
        return self.result(text, [m.entry for g in groups for m in g])

    def count(self, matches: list[Match]) -> Result:
        strong = [m for m in matches if m.score >= MatchScore.STRONG]
        if not strong and (kinds := [m for m in matches if m.how == "kind"]):
            return self._kind_only(kinds)
        if not strong:
            if not self._known() and not matches:
                return self.result(f"The video's log says nothing about {self.q.target}.", [], "no_answer")
            if unlogged := self._unlogged_words():
                # "How many dogs do the Okafors have?": no label nor speech names the Okafors, so
                # "none" would be a guess about what the log cannot show
                return self.result(f"I cannot tell: the video's log says nothing about {' '.join(unlogged)}.", [],
                                   "no_answer")
            return self.result(f"None: I did not see {_a(self.q.target)}{self._where()}.", [])
        groups = runs(strong, self.log)
        n = len(groups)
        times = {1: "Once", 2: "Twice"}.get(n, f"{n} times")
        spans = _join([fmt_span(g[0].entry.t_start, g[-1].entry.t_end) for g in groups])
        return self.result(f"{times}: {self._named(groups[0][0])} at {spans}.", [m.entry for g in groups for m in g])

    def _synsets(self) -> frozenset[str]:
        lex = lexicon()
        return frozenset(o for p in _phrases(self.q.words) for o in lex.synsets(p))

    def how_many(self) -> Result | None:
        """"How many people were there?": the largest count the log gives for the thing, and
        the shots with it (None when the log counts nothing of the kind: answered otherwise)."""
        syn, lex = self._synsets(), lexicon()
        if not syn:
            return None
        found: list[tuple[int, str, LogEntry]] = []
        coarser: list[tuple[int, str, str, LogEntry]] = []  # a detector word the thing asked is a kind of
        for e in self.scope:
            items = [i for i in parse_labels(e.seen) if i.kind == "count"]
            for word, n in parse_counts(", ".join(i.word for i in items)).items():
                if lex.is_a(word, syn):
                    found.append((n, word, e))
                elif (kind := self._kind_asked(word)) is not None:
                    coarser.append((n, word, kind, e))
        if not found and coarser:
            # "How many men ...?" beside "2 people": the count of the detector's word, and that
            # the log cannot tell which of them are the finer kind: never a plain number
            top = max(c[0] for c in coarser)
            shots = [e for n, _, _, e in coarser if n == top][:3]
            word, kind = next((w, k) for n, w, k, _ in coarser if n == top)
            spans = _join([fmt_span(e.t_start, e.t_end) for e in shots])
            return self.result(f"{top} {word} at {spans}; the log cannot tell whether they are {kind}.", shots,
                               "unverified", reason=f"the log counts {word}, not {kind}")
        if not found:
            return None
        top = max(n for n, _, _ in found)
        shots = [e for n, _, e in found if n == top]
        word = next(w for n, w, _ in found if n == top)
        self.steps.append(StepRecord(index=1, tool="read_counts", arguments={"about": self.q.target},
                                     observation="; ".join(f"{n} {w} {fmt_span(e.t_start, e.t_end)}"
                                                           for n, w, e in found[:8])))
        spans = _join([fmt_span(e.t_start, e.t_end) for e in shots[:3]])
        return self.result(f"{top} {word} at {spans}.", shots[:3])

    def where(self) -> Result | None:
        """"Where did I leave my mug?" / "What was on the table?": from the relations and
        positions the detector logged (None when the log has neither for the thing, or when
        something said or written is about it: the model answers from that)."""
        q, lex = self.q, lexicon()
        text = q.text.lower()
        asks_where = re.match(r"\W*where\b", text) is not None
        # "what is in my basket?", "what did I put on the table?"; not "how long does it stay in the oven?"
        asks_what = re.match(r"\W*what\b", text) is not None
        syn = self._synsets()
        if not syn or any(m.how in ("said", "text") for m in match_entries(q.words, self.scope)):
            return None
        hits: list[tuple[LogEntry, str]] = []
        for e in self.scope:
            items = parse_labels(e.seen)
            for a, verb, b in parse_relations(", ".join(i.word for i in items if i.kind == "relation")):
                if asks_where and lex.is_a(a, syn):
                    hits.append((e, f"{verb} {_a(b)}"))
                elif asks_what and re.search(rf"\b{verb}\b", text) and lex.is_a(b, syn):
                    hits.append((e, f"{_a(a)} {verb} {_a(b)}"))
            if asks_where and not any(h[0] is e for h in hits):
                for item in items:
                    thing, _, spot = item.word.partition(" ") if item.kind == "where" else ("", "", "")
                    if thing and lex.is_a(thing, syn):
                        hits.append((e, f"{_a(thing)} {_spot(spot)}"))
                        break
        if not hits:
            return None
        first = hits[0][1]
        same = [e for e, h in hits if h == first]
        self.steps.append(StepRecord(index=1, tool="read_relations", arguments={"about": q.target},
                                     observation="; ".join(f"{h} {fmt_span(e.t_start, e.t_end)}" for e, h in hits[:8])))
        spans = _join([fmt_span(e.t_start, e.t_end) for e in same[:3]])
        return self.result(f"{first[0].upper()}{first[1:]}, at {spans}.", same[:3])

    def colour_of(self) -> Result | None:
        """"Which colour is my van?": the colour the detector's boxes showed for the thing
        (the log's ``looks:`` part), in the shots in scope. None when the question does not ask
        a colour, or no shot logs one for that thing (the model answers from the shot's colours)."""
        if not _COLOUR_QUESTION.match(self.q.text):
            return None
        lex = lexicon()
        thing = [w for w in self.q.words if w not in _COLOUR_WORDS]
        syn = (lex.synsets(" ".join(thing)) or tuple(x for w in thing for x in lex.synsets(w))) if thing else ()
        if not syn:
            return None
        hits: list[tuple[LogEntry, str, str]] = []
        for e in self.scope:
            for item in parse_labels(e.seen):
                colour, _, noun = item.word.partition(" ") if item.kind == "looks" else ("", "", "")
                if noun and lex.is_a(noun, syn):
                    hits.append((e, colour, noun))
        if not hits:
            return None
        self.steps.append(StepRecord(index=1, tool="read_colours", arguments={"about": " ".join(thing)},
                                     observation="; ".join(f"{c} {n} {fmt_span(e.t_start, e.t_end)}"
                                                           for e, c, n in hits[:8])))
        entry = hits[0][0]
        colours = list(dict.fromkeys(c for e, c, _ in hits if e is entry))
        noun = hits[0][2]
        return self.result(f"{_join(colours).capitalize()} (the {noun}), at {fmt_span(entry.t_start, entry.t_end)}.",
                           [entry])

    def holder(self) -> Result | None:
        """"What was the fern in?" / "What was the lamp on?": what holds the thing in the shots
        that show it: the relation the detector logged ("cup on dining table"), else the
        containers (for "in") or furniture (for "on") seen with it. None when the question is
        not of that form, or no such shot holds one (the other answers try)."""
        m = _HOLDER.match(self.q.text.lower())
        if m is None:
            return None
        thing, prep = m[1], "on" if m[2].endswith("on") else "in"
        syn = lexicon().synsets(thing) or lexicon().synsets(" ".join(content_words(thing)))
        shows = [x for x in match_entries(content_words(thing), self.scope, modality="seen") if x.how in ("seen", "maybe")]
        hits: list[tuple[LogEntry, list[str]]] = []
        for x in shows:
            items = parse_labels(x.entry.seen)
            held = [b for a, verb, b in parse_relations(", ".join(i.word for i in items if i.kind == "relation"))
                    if verb == prep and syn and lexicon().is_a(a, syn)]
            if not held:
                kind = "container" if prep == "in" else "furniture"
                held = [i.word for i in items if i.kind == "object" and kind in i.categories
                        and not (syn and lexicon().is_a(i.word, syn))]
            if held:
                hits.append((x.entry, list(dict.fromkeys(held))))
        if not hits:
            return None
        self.steps.append(StepRecord(index=1, tool="read_relations", arguments={"about": thing},
                                     observation="; ".join(f"{', '.join(h)} {fmt_span(e.t_start, e.t_end)}"
                                                           for e, h in hits[:8])))
        entry, held = hits[0]
        said = " or ".join(_a(h) for h in held[:3])
        return self.result(f"{prep.capitalize()} {said}, at {fmt_span(entry.t_start, entry.t_end)}.", [entry])

    def read_text(self) -> Result | None:
        """"What was written on the sign?": the text read in the frames (OCR) of the shots in
        scope, those whose labels or text share the question's other words ("the poster") first;
        None when no shot in scope has text (the model answers)."""
        written = [e for e in self.scope if e.ocr.strip()]
        if not written:
            return None
        words = set(content_words(self.q.text)) - _WRITTEN_WORDS
        shared = {e.index: len(words & set(content_words(f"{e.seen} {e.ocr}"))) for e in written}
        best = max(shared.values())
        # the shots that share most of the question's words ("the sign by the car"); with none
        # shared, the first shots with text
        shown = [e for e in written if shared[e.index] == best][:MAX_READ]
        self.steps.append(StepRecord(index=1, tool="read_text", arguments={"about": self.q.target},
                                     observation="; ".join(f"{fmt_span(e.t_start, e.t_end)} {_clip(e.ocr)}"
                                                           for e in written[:8])))
        read = "; ".join(f"\"{_clip(e.ocr)}\" at {fmt_span(e.t_start, e.t_end)}" for e in shown)
        return self.result(f"The text read {read}.", shown)

    def describe(self) -> Result:
        """What is seen (and said) in the shots in scope, from their labels."""
        shown = self.scope[:3]
        parts = []
        for e in shown:
            items = parse_labels(e.seen)
            things = [i for i in items if i.kind in ("object", "maybe")]
            words = ", ".join(_a(i.word) if i.kind == "object" else f"perhaps {_a(i.word)}" for i in things[:3])
            places = [i.word for i in items if i.kind == "place"][:3]
            if not words:  # no thing named: say the scene and colours a person would
                words = ", ".join(places + [f"mostly {i.word}" for i in items if i.kind == "colour"][:1])
            elif places and not any(i.kind == "object" for i in things):
                # only guesses: the scene words are the surer part of what the shot shows
                words += f" ({', '.join(places)})"
            if not words and e.said:
                words = f"someone saying \"{_clip(e.said)}\""
            if words:
                parts.append(f"{words} at {fmt_span(e.t_start, e.t_end)}")
        if not parts:
            return self.result("The log has no words for those shots.", shown, "no_answer")
        text = "; ".join(parts)
        return self.result(text[0].upper() + text[1:] + ".", shown)

    # --- the chat model -------------------------------------------------------------------------------
    def candidates(self) -> list[LogEntry]:
        q = self.q
        matches = sorted(match_entries(q.words, self.scope, modality=q.modality),
                         key=lambda m: (-m.score, m.entry.t_start))
        # What was said is where most facts are: the best two speech / on-screen matches first.
        spoken = [m.entry for m in matches if m.how in ("said", "text")][:2]
        picked = spoken + [m.entry for m in matches]
        if q.time is not None and len(self.scope) <= MAX_SHOWN:  # a time that points at a few shots: show them
            picked += self.scope
        if len(dict.fromkeys(e.index for e in picked)) < MAX_SHOWN:
            query = q.target or q.text
            semantic = not picked
            moments = self.qa.search_log(self.log_id, self.source, query, k=MAX_SHOWN, within=self.scope,
                                         semantic=semantic) if query.strip() else []
            if semantic and moments:
                moments = [m for m in moments if self._related(m)]
                self._semantic_only = bool(moments)
            picked += [self.log.by_index[m.index] for m in moments]
        unique = list({e.index: e for e in picked}.values())[:MAX_SHOWN]
        return sorted(unique, key=lambda e: e.t_start)

    def _related(self, m: Moment) -> bool:
        """A semantic hit counts only when it stands out from the log's other shots in meaning
        (``RELATED_Z`` standard deviations above their cosines with the question)."""
        if self._cosines is None:
            self._cosines = related_cosines(self._question_vector(), self.log.entries)
        if m.index not in self._cosines:
            return True  # an entry without a text vector: nothing to judge it by
        return stands_out(m.index, self._cosines)

    def from_model(self) -> Result:
        from sokrat.llm.base import Message

        shown = self.candidates()
        self.steps.append(StepRecord(index=1, tool="video_search", arguments={"query": self.q.target or self.q.text},
                                     observation="\n".join(entry_line(e) for e in shown) or "(nothing related)"))
        if not shown:
            return self.result(f"The video does not show or mention {_a(self.q.target or 'that')}.", [], "no_answer")
        user = "Log:\n" + "\n".join(entry_line(e) for e in shown) + f"\nQuestion: {self.q.text}"
        parsed, usage = self.qa.generate([Message("system", SYSTEM_PROMPT), Message("user", user)],
                                         answer_schema([e.index for e in shown]))
        answer = " ".join(str(parsed.get("answer", "")).split()).rstrip(".")
        cited = [self.log.by_index[i] for i in dict.fromkeys(parsed.get("evidence", [])) if i in self.log.by_index
                 and any(e.index == i for e in shown)]
        self.steps.append(StepRecord(index=2, tool="answer", arguments={"question": self.q.text},
                                     observation=json.dumps(parsed)[:400]))
        if not answer or REFUSAL.match(answer):
            return self.result(f"The video's log does not say{': ' + self.q.target if self.q.target else ''}.", [],
                               "no_answer", usage)
        used = cited or shown[:1]
        if not _supported(answer, used):
            # the model cited a shot that does not hold its answer ("Bruno", evidence [7]) while
            # another shot it was shown does: that shot is the evidence
            used = [e for e in shown if _supported(answer, [e])][:3] or used
        if self._restates_unrelated(answer, used):
            # "What is my aunt's phone number?" answered "My aunt visits on Sundays": a sentence
            # of the log copied out that shares too few of the question's words to answer it
            self.steps.append(StepRecord(index=3, tool="ground", arguments={"answer": answer},
                                         observation="the answer copies a sentence that is not about the question"))
            return self.result(f"The video's log does not say{': ' + self.q.target if self.q.target else ''}.",
                               [], "no_answer", usage)
        # "What is Marta's surname?" answered "Marta": the question's own words are no answer either
        if (not _supported(answer, used) or self._only_asked(answer)
                or (self._semantic_only and not self._from_related_part(answer, used))):
            # A small model sometimes answers from its own imagination ("the purple block"):
            # quote what the log itself says about the thing asked, or say it does not tell.
            quoted = self._quote(shown)
            self.steps.append(StepRecord(index=3, tool="ground", arguments={"answer": answer},
                                         observation="no word of the answer is in the cited shots"))
            if quoted is None:
                return self.result(f"The video's log does not say{': ' + self.q.target if self.q.target else ''}.",
                                   [], "no_answer", usage)
            answer, used = quoted
        elif (spoken := self._spoken_about(shown)) and not self._answers_from(answer, spoken):
            # Speech or on-screen text holds every word of the question ("Where is my umbrella?"
            # and "My umbrella is behind the door"), but the answer is taken from elsewhere (a
            # label of the shot: "outdoors") or only repeats the question's words: the log's own
            # sentence answers, quoted.
            self.steps.append(StepRecord(index=3, tool="ground", arguments={"answer": answer},
                                         observation="the answer is not from the speech or text about the question"))
            quoted = self._quote(spoken)
            if quoted is not None:
                answer, used = quoted
        spans = _join([fmt_span(e.t_start, e.t_end) for e in used])
        text = answer if re.search(r"\d:\d\d", answer) else f"{answer}, at {spans}"
        return self.result(text[0].upper() + text[1:] + ".", used, usage=usage)

    def _restates_unrelated(self, answer: str, used: Sequence[LogEntry]) -> bool:
        """Whether ``answer`` is a sentence said or written in ``used`` (six words or more, nearly
        all of them that sentence's) that holds no more than half the question's words."""
        words = re.findall(r"[a-z0-9']+", answer.lower())
        if len(words) < RESTATED_WORDS or not self.q.words:
            return False  # short, or a question about no thing ("what did I say first?"): any sentence fits
        mine = {_spelled(w) for w in words}
        for e in used:
            for text in (e.said, e.ocr):
                heard = spoken_forms(text) if text else set()
                if heard and len(mine & heard) >= RESTATED_SHARE * len(mine):
                    return not self._sentences_about([e])
        return False

    def _sentences_about(self, entries: Sequence[LogEntry]) -> list[Match]:
        """The said or on-screen words of ``entries`` that hold more than half the question's
        words: a sentence sharing only "aunt" with "what is my aunt's phone number?" is not
        about it."""
        return [m for m in match_entries(self.q.words, entries, modality="said")
                if m.how in ("said", "text") and m.score > MatchScore.STRONG_WORDS]

    def _question_vector(self) -> Any:
        if self._qvec is None:
            self._qvec = self.qa.embedder.embed_query([self.q.text])[0]
        return self._qvec

    def _from_related_part(self, answer: str, used: Sequence[LogEntry]) -> bool:
        """For shots related by meaning alone: whether the answer comes from the part of a shot
        (what is seen, said or written) that is closest in meaning to the question. A shot can
        stand out for its picture ("dining table" for a question about dinner) while the answer
        is taken from its unrelated speech; that answer is not about the question."""
        embed, qvec = self.qa.embedder.embed, self._question_vector()
        for e in used:
            parts = [p for p in (e.seen, e.said, e.ocr) if p]
            if parts and _in_text(answer, closest_part(qvec, parts, embed)):
                return True
        return False

    def _spoken_about(self, shown: list[LogEntry]) -> list[LogEntry]:
        """The shown shots whose speech or on-screen text holds every word of the question."""
        return [m.entry for m in match_entries(self.q.words, shown, modality="said") if m.score >= MatchScore.STRONG]

    def _answers_from(self, answer: str, entries: Sequence[LogEntry]) -> bool:
        """Whether ``answer`` adds a word (beyond the question's) that the speech or on-screen
        text of ``entries`` holds: an answer taken from what was said or written."""
        asked = {_spelled(w) for w in re.findall(r"[a-z0-9']+", self.q.text.lower())}
        new = {_spelled(w) for w in content_words(answer) if len(w) > 2 or w.isdigit()} - asked
        heard = set().union(*(spoken_forms(f"{e.said} {e.ocr}") for e in entries))
        return not new.isdisjoint(heard)

    def _quote(self, shown: list[LogEntry]) -> tuple[str, list[LogEntry]] | None:
        """The said or on-screen text of the shown shot that best matches the question."""
        # the words said or written only: a shot's label may match it better (a bus seen where
        # that bus's time is said), and that match alone would hide the sentence
        matches = self._sentences_about(shown)
        if not matches:
            return None
        best = max(matches, key=lambda m: (m.score, -m.entry.t_start))
        text = best.entry.said if best.how == "said" else best.entry.ocr
        return f"the log says \"{_clip(text)}\"", [best.entry]


def related_cosines(qvec: Any, entries: Sequence[LogEntry]) -> dict[int, float]:
    """Cosine of the question's vector with each entry's text vector (entries without one left out)."""
    import numpy as np

    return {e.index: float(np.dot(qvec, np.asarray(e.text_embedding, dtype=np.float32)))
            for e in entries if e.text_embedding is not None}


def stands_out(index: int, cosines: dict[int, float]) -> bool:
    """Whether entry ``index``'s cosine is ``RELATED_Z`` sd above the others' (leave-one-out)."""
    import statistics

    others = [c for i, c in cosines.items() if i != index]
    if len(others) < RELATED_MIN_SHOTS - 1:
        return False
    sd = statistics.pstdev(others)
    return cosines[index] > statistics.fmean(others) + RELATED_Z * max(sd, 1e-6)


def closest_part(qvec: Any, parts: Sequence[str], embed: Any) -> str:
    """The one of ``parts`` whose embedding has the highest cosine with ``qvec``."""
    import numpy as np

    if len(parts) == 1:
        return parts[0]
    vecs = embed(list(parts))
    return parts[int(np.argmax([float(np.dot(qvec, v)) for v in vecs]))]


def _supported(answer: str, entries: Sequence[LogEntry]) -> bool:
    """Whether some content word (or number) of ``answer`` is in the cited shots' text."""
    return _in_text(answer, " ".join(e.text for e in entries))


def _in_text(answer: str, text: str) -> bool:
    words = {_stem(w) for w in content_words(answer) if len(w) > 2 or w.isdigit()}
    if not words:
        return True  # "yes", "3": nothing to check against
    text = text.lower()
    found = {_stem(t) for t in re.findall(r"[a-z0-9']+", text)}
    return not words.isdisjoint(found)


_WRITTEN = re.compile(
    r"\bwhat (?:was|is|were|are) (?:it |that )?(?:written|printed|displayed|typed)\b"
    r"|\bwhat (?:did|does|do) (?:the|a|an|that|this|my) (?P<thing>(?:[a-z]+ ){0,3}[a-z]+) (?:say|read|state|show)\b(?! (?:about|to))"
    r"|\bwhat (?:text|words?|writing)\b|\bwhat did (?:i|you) read\b|\bthe (?:text|words?|writing) (?:i|you) (?:read|saw)\b"
    r"|\bwhat (?:was|is) the (?:text|writing|title|headline|caption)\b", re.I)
"""A question that asks for text seen in the frames, not for speech or things."""
_WRITTEN_WORDS = frozenset({"written", "write", "printed", "print", "displayed", "typed", "text", "word", "words",
                            "writing", "read", "say", "state", "show", "title", "headline", "caption"})
MAX_READ = 2
"""Shots whose text a "what was written" answer quotes."""


_SPEAKERS = frozenset({"man", "woman", "boy", "girl", "guy", "lady", "friend", "speaker", "narrator", "person",
                       "people", "kid", "child", "teacher", "doctor", "mom", "dad", "mother", "father", "voice"})
"""Who says things aloud: "what did the man say" asks for speech (the lexicon holds person but
few of its kinds)."""


_GENERIC_WORDS = frozenset({"thing", "things", "happen", "happened", "there", "on", "come", "came", "next",
                            "follow", "followed"})


def _generic(q: Question) -> bool:
    """The question names no thing of its own ("what did I see?", "what came next?")."""
    return not q.words or all(w in _GENERIC_WORDS for w in q.words)


_HOLDER = re.compile(r"\W*what\s+(?:is|was|were|are)\s+(?:the|my|a|an|your|our)\s+([a-z][a-z ]*?)\s+"
                     r"(in|inside|on|sitting on|standing on|lying on)\W*$")
"""A question about what holds a thing: "what was the fern in?", "what is my lamp on?"."""


_COLOUR_QUESTION = re.compile(r"\W*(?:what|which)\s+colou?rs?\b", re.I)
"""A question asking a colour: "Which colour is my van?", "what color were the chairs?"."""
_COLOUR_WORDS = frozenset({"colour", "color", "colours", "colors"})


def asks_written(question: str) -> bool:
    """The question asks what text the frames showed ("What was printed on the ticket?", "What did
    the sign say?", "What was the title of the book I saw?"); what someone *said* is speech."""
    m = _WRITTEN.search(question)
    if m is None or re.search(r"\b(?:i|you|he|she|they|we) (?:say|said|mention)", question, re.I):
        return False
    person = lexicon().synsets("person")
    return not any(w in _SPEAKERS or lexicon().is_a(w, person) for w in (m.group("thing") or "").lower().split())


_SCENE_WORDS = frozenset({"sky", "plant", "plants", "outdoors", "outside", "indoors", "inside", "red", "orange",
                          "yellow", "green", "blue", "purple", "pink", "white", "black", "grey", "gray", "brown"})
"""Words the layout and colour backends write (:mod:`sokrat.perception.backends.layout`,
:mod:`sokrat.perception.backends.colour`) that the lexicon holds no synset for."""

_PLACE = {"indoors": "indoors", "inside": "indoors", "indoor": "indoors", "outdoors": "outdoors",
          "outside": "outdoors", "outdoor": "outdoors"}
"""Words for the two places the layout backend writes (:mod:`sokrat.perception.backends.layout`)."""

_SPOTS = {"left": "left", "right": "right", "centre": "centre", "center": "centre", "middle": "centre",
          "near": "near", "close": "near", "far": "far", "distant": "far"}
"""Words of the coarse positions the scene logs (:func:`sokrat.perception.scene.place`)."""


def _spot(place: str) -> str:
    """``left near`` -> ``on the left, near the camera``."""
    side, _, depth = place.partition(" ")
    where = {"left": "on the left", "right": "on the right", "centre": "in the centre"}.get(side, side)
    return where + {"near": ", near the camera", "far": ", far away"}.get(depth, "")


def _a(word: str) -> str:
    """``cat`` -> ``a cat``, ``espresso`` -> ``an espresso``, ``keys`` -> ``keys``."""
    w = word.strip()
    if not w or w.split()[0] in ("a", "an", "the", "some") or (w.endswith("s") and not w.endswith("ss")):
        return w
    return ("an " if w[0] in "aeiou" else "a ") + w


def _join(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _clip(text: str, n: int = 120) -> str:
    return text if len(text) <= n else text[: n - 1].rsplit(" ", 1)[0] + "…"


__all__ = ["LogIndex", "Moment", "SYSTEM_PROMPT", "VideoQA", "answer_schema", "entry_line",
           "fmt_span", "fmt_time", "match_entries"]
