"""`sokrat index`, `sokrat log`, `sokrat ask`, `sokrat search`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from sokrat.cli._common import emit_json, fail, stderr, stdout, user_errors

if TYPE_CHECKING:
    from sokrat.video.qa import VideoQA


def _qa() -> VideoQA:
    """The service with the process settings and memory (the CLI is an edge: it resolves them)."""
    from sokrat.memory import get_memory
    from sokrat.settings import get_settings
    from sokrat.video.qa import VideoQA

    settings = get_settings()
    return VideoQA(settings=settings, memory=get_memory(settings))


def register(app: typer.Typer) -> None:
    @app.command()
    def index(
        paths: list[Path] = typer.Argument(..., help="a video, or documents and folders"),  # noqa: B008
        as_json: bool = typer.Option(False, "--json"),
        namespace: str = typer.Option("default", "--namespace", help="documents only: whose search they join"),
        collection: str | None = typer.Option(None, "--collection", help="add the clips (files or folders) to this collection"),
        start: str | None = typer.Option(None, "--start", help="with --collection: the wall-clock start (ISO 8601) of clips without a creation_time"),
    ) -> None:
        """Build a video's log, or index documents (text, Markdown, HTML, PDF) and folders for search."""
        from sokrat.cli.documents import index_documents, split_paths

        if collection is not None:
            from sokrat.cli.collection import index_collection

            return index_collection(_qa(), collection, paths, start=start, as_json=as_json)
        if start is not None:
            raise fail("--start needs --collection")

        docs, others = split_paths(paths)
        if docs and others or len(others) > 1:
            raise fail("index one video, or documents and folders, per command")
        if docs:
            return index_documents(docs, as_json=as_json, namespace=namespace)
        video = others[0]
        with user_errors():
            qa = _qa()
            vlog = qa.index(video, progress=True)
            meta = vlog.meta
            if as_json:
                emit_json({"log_id": meta.log_id, "source": meta.source, "duration_s": meta.duration_s,
                           "entries": meta.entries, "models": list(meta.models), "summary": meta.summary,
                           "reused": vlog.reused, "status": meta.status})
                return
            how = "already indexed" if vlog.reused else "indexed"
            stdout.print(f"{meta.source}: {how}, {meta.entries} entries ({', '.join(meta.models)})", highlight=False, soft_wrap=True)
            stdout.print(meta.summary, highlight=False, soft_wrap=True, markup=False)

    @app.command()
    def log(video: Path | None = typer.Argument(None), as_json: bool = typer.Option(False, "--json"),  # noqa: B008
            collection: str | None = typer.Option(None, "--collection", help="print this collection's days as a diary")) -> None:
        """Print the video's log, one line per shot: its times and what was seen, said and written."""
        from sokrat.video.qa import fmt_span

        if collection is not None:
            from sokrat.cli.collection import print_diary

            return print_diary(_qa(), collection, as_json=as_json)
        if video is None:
            raise fail("give a video, or --collection NAME")

        with user_errors():
            qa = _qa()
            vlog = qa.index(video, progress=True)
            entries = qa.log(vlog.meta.log_id).entries
        meta = vlog.meta
        if as_json:
            emit_json({"log_id": meta.log_id, "source": meta.source, "duration_s": meta.duration_s,
                       "summary": meta.summary, "models": list(meta.models),
                       "entries": [{"index": e.index, "t_start": e.t_start, "t_end": e.t_end, "seen": e.seen,
                                    "said": e.said, "text_on_screen": e.ocr} for e in entries]})
            return
        for e in entries:
            stdout.print(f"{fmt_span(e.t_start, e.t_end)}  {e.text}", highlight=False, soft_wrap=True, markup=False)

    @app.command()
    def ask(
        video: Path,
        question: str | None = typer.Argument(None),
        as_json: bool = typer.Option(False, "--json"),
        frames: Path | None = typer.Option(None, "--frames", help="save a JPEG of each evidence moment in this folder"),  # noqa: B008
        collection: str | None = typer.Option(None, "--collection", help="ask over every clip of this collection"),
    ) -> None:
        """Index the video if needed, then answer with timestamped evidence."""
        from sokrat.video.qa import fmt_span

        if collection is not None:
            from sokrat.cli.collection import ask_collection

            if question is not None:
                raise fail("with --collection give only the question")
            return ask_collection(_qa(), collection, str(video), as_json=as_json)
        if question is None:
            raise fail("give a video and a question, or --collection NAME and a question")

        with user_errors():
            if frames is not None:
                from sokrat.server.frames import frames_folder

                frames = frames_folder(frames)  # a bad folder fails before any work
            result = _qa().ask(video, question, progress=True)
            saved: list[Path | None] = [None] * len(result.evidence)
            if frames is not None:
                from sokrat.server.frames import save_evidence_frames

                saved = save_evidence_frames(video, result, frames)
                # in --json, each saved frame is the evidence item's frame_url (a file: URL)
                result = result.model_copy(update={"evidence": [
                    e.model_copy(update={"frame_url": p.resolve().as_uri()}) if p else e
                    for e, p in zip(result.evidence, saved, strict=True)]})
        if as_json:
            emit_json(result)
            return
        stdout.print(result.answer, highlight=False, soft_wrap=True, markup=False)
        for e, path in zip(result.evidence, saved, strict=True):
            where = f"  [{path}]" if path else ""
            stdout.print(f"  {fmt_span(e.t_start or 0, e.t_end or 0)}  {e.text}{where}", highlight=False,
                         soft_wrap=True, markup=False)
        if frames is not None:
            stderr.print(f"saved {sum(p is not None for p in saved)} evidence frame(s) in {frames}", highlight=False,
                         soft_wrap=True)

    @app.command()
    def search(
        video: Path,
        query: str,
        top: int = typer.Option(5, "--top", "-k"),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """The moments that best match the text."""
        if top < 1:
            raise fail(f"--top must be at least 1, got {top}")
        with user_errors():
            moments = _qa().search(video, query, k=top, progress=True)
        if as_json:
            emit_json({"query": query, "source": video.name,
                       "moments": [{"t_start": m.t_start, "t_end": m.t_end, "text": m.text,
                                    "score": round(m.score, 5)} for m in moments]})
            return
        if not moments:
            stderr.print("no matching moments", highlight=False, soft_wrap=True)
        for m in moments:
            stdout.print(m.line(), highlight=False, soft_wrap=True, markup=False)
