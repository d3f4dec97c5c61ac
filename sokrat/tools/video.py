"""Video tools: search a video's log, answer questions about it, describe a moment, transcribe.

Each tool indexes the video on first use (the log is kept in memory, keyed by content hash,
so later calls are cheap). ``video`` defaults to the run's first media file. The work is done
by the service layer, :class:`sokrat.video.qa.VideoQA`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field

from sokrat.errors import ConfigError, MemoryBackendError, SokratError, ToolError, ToolUnavailable
from sokrat.tools.registry import ToolContext, tool

if TYPE_CHECKING:
    from sokrat.video.qa import VideoQA


def _video(video: str | None, ctx: ToolContext) -> Path:
    if video:
        path = Path(video).expanduser()
        # the run's media file named without its folder ("day.mp4"): the one the user gave
        same = [Path(m) for m in ctx.media if Path(m).name == path.name]
        return same[0] if not path.exists() and len(same) == 1 else path
    if ctx.media:
        return Path(ctx.media[0])
    raise ToolError("no video given and the run has no media; pass `video` (a file path)")


def _qa(ctx: ToolContext) -> VideoQA:
    """The service for this call. Its heavy parts are shared by value, not per call: the
    perceivers per settings, the memory client per Redis, and complete logs per log id."""
    from sokrat.memory import get_memory
    from sokrat.memory.base import VideoLogStore
    from sokrat.video.qa import VideoQA

    settings = ctx.resolved_settings()
    memory = ctx.memory if isinstance(ctx.memory, VideoLogStore) else get_memory(settings)
    return VideoQA(settings=settings, memory=memory, chat=ctx.chat)


@contextmanager
def _as_tool_errors() -> Iterator[None]:
    """Bad media or a bad question: an observation the planner can act on. A missing model or
    a dead Redis: ToolUnavailable, which the user must fix (the planner stops using the tool)."""
    try:
        yield
    except ToolError:
        raise
    except (ConfigError, MemoryBackendError) as e:
        raise ToolUnavailable(str(e)) from e
    except SokratError as e:
        raise ToolError(str(e)) from e


def render_answer(out: dict[str, Any]) -> str:
    """``video_qa``'s output as the planner reads it: the answer, its status (and why, when it
    is not a success) and each evidence shot's times with its log line clipped: the full lines
    repeat what the answer says, at a small planner's prefill cost."""
    shown: dict[str, Any] = {"answer": out.get("answer", ""), "status": out.get("status", "")}
    if out.get("reason"):
        shown["reason"] = out["reason"]
    shown["evidence"] = [{"t_start": e.get("t_start"), "t_end": e.get("t_end"), "text": _clip(str(e.get("text", "")))}
                         for e in out.get("evidence", [])[:EVIDENCE_SHOWN]]
    return json.dumps(shown, ensure_ascii=False)


def render_moments(moments: list[dict[str, Any]]) -> str:
    """``video_search``'s moments as the planner reads them: times and log line, no score."""
    return json.dumps([{"t_start": m.get("t_start"), "t_end": m.get("t_end"), "text": m.get("text", "")}
                       for m in moments], ensure_ascii=False)


EVIDENCE_SHOWN = 3
EVIDENCE_CHARS = 160


def _clip(text: str) -> str:
    return text if len(text) <= EVIDENCE_CHARS else text[: EVIDENCE_CHARS - 3].rstrip() + "..."


@tool(looks_up=True, planner_omits=("k",), render=render_moments)
def video_search(query: str, ctx: ToolContext, video: str | None = None,
                 k: Annotated[int, Field(ge=1, le=20)] = 5) -> list[dict[str, Any]]:
    """Find the moments of a video that best match a text description (objects, speech, on-screen text).

    Args:
        query: what to look for, e.g. "a cat on the sofa" or "someone mentions the keys".
        video: path of the video; defaults to the run's first media file.
        k: how many moments to return (1-20).
    """
    path = _video(video, ctx)
    with _as_tool_errors():
        moments = _qa(ctx).search(path, query, k=k)
    return [{"t_start": m.t_start, "t_end": m.t_end, "text": m.text, "score": round(m.score, 4)}
            for m in moments]


@tool(looks_up=True, answers=True, render=render_answer)
def video_qa(question: str, ctx: ToolContext, video: str | None = None) -> dict[str, Any]:
    """Answer a question about a video, citing the timestamps the answer rests on.

    Args:
        question: the question, e.g. "where did I leave my mug?" or "what did I see right after the cat?".
        video: path of the video; defaults to the run's first media file.
    """
    path = _video(video, ctx)
    with _as_tool_errors():
        result = _qa(ctx).ask(path, question)
    out: dict[str, Any] = {"answer": result.answer, "status": result.status}
    if result.reason:
        out["reason"] = result.reason
    out["evidence"] = [e.model_dump(exclude={"memory_id", "frame_url"}) for e in result.evidence]
    return out


@tool(grounded=("t",))  # a time the run never saw (in the goal or a tool's output) is invented
def describe_moment(t: float, ctx: ToolContext, video: str | None = None) -> dict[str, Any]:
    """Say what is seen, said and written in a video at a given time.

    Args:
        t: media time in seconds.
        video: path of the video; defaults to the run's first media file.
    """
    path = _video(video, ctx)
    with _as_tool_errors():
        qa = _qa(ctx)
        vlog = qa.index(path)
        if t < 0 or t > vlog.meta.duration_s + 1e-6:
            raise ToolError(f"t={t:g} s is outside the video (0 to {vlog.meta.duration_s:.1f} s)")
        entries = qa.log(vlog.meta.log_id).entries
    if not entries:
        raise ToolError("the video's log is empty")
    entry = min(entries, key=lambda e: 0.0 if e.t_start <= t < e.t_end else min(abs(e.t_start - t), abs(e.t_end - t)))
    return {"t_start": entry.t_start, "t_end": entry.t_end, "seen": entry.seen, "said": entry.said,
            "text_on_screen": entry.ocr}


@tool
def transcribe(media: str, ctx: ToolContext) -> list[dict[str, Any]]:
    """Transcribe the speech in an audio or video file, with timestamps.

    Args:
        media: path of the audio or video file.
    """
    from sokrat.perception.decode import AudioReader, probe
    from sokrat.perception.registry import get_perceivers

    path = _video(media or None, ctx)
    with _as_tool_errors():
        info = probe(path)
        if not info.has_audio:
            raise ToolError(f"{path.name} has no audio track: nothing to transcribe")
        perceivers = get_perceivers(ctx.resolved_settings())
        speech = perceivers.speech
        if speech is None:
            raise ToolUnavailable(f"no speech model is available ({perceivers.missing.get('speech', 'none resolved')})")
        segments = []
        with AudioReader(path) as reader:  # 5-minute windows: a long recording never sits in memory
            t0 = 0.0
            while t0 < info.duration_s:
                samples = reader.read_until(t0 + 300.0)
                segments.extend(speech.transcribe(samples, offset_s=t0))
                t0 += 300.0
    return [{"t_start": round(s.t_start, 2), "t_end": round(s.t_end, 2), "text": s.text} for s in segments]


TOOLS = [video_search, video_qa, describe_moment, transcribe]
