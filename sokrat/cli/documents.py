"""`sokrat index` for documents: text, Markdown, HTML and PDF files and folders.

``sokrat index`` (in :mod:`sokrat.cli.video`) sends here every call whose paths are documents
or folders; videos stay with the video log.
"""

from __future__ import annotations

from pathlib import Path

from sokrat.cli._common import emit_json, fail, stderr, stdout, user_errors
from sokrat.search.extract import is_document


def split_paths(paths: list[Path]) -> tuple[list[Path], list[Path]]:
    """``(documents and folders, other files)``."""
    docs = [p for p in paths if is_document(p)]
    return docs, [p for p in paths if p not in docs]


def index_documents(paths: list[Path], *, as_json: bool = False, namespace: str = "default") -> None:
    """Index the documents and print one line per file (or one JSON object)."""
    from sokrat.memory import get_memory
    from sokrat.search.indexer import DocumentIndexer, IndexReport
    from sokrat.settings import get_settings

    def show(report: IndexReport) -> None:
        if as_json:
            return
        detail = {"indexed": f"{report.chunks} chunks", "unchanged": "unchanged, skipped",
                  "failed": report.error}[report.status]
        (stderr if report.status == "failed" else stdout).print(
            f"{report.source}: {detail}", highlight=False, soft_wrap=True, markup=False)

    with user_errors():
        indexer = DocumentIndexer.for_memory(get_memory(get_settings()))
        reports = indexer.index(paths, namespace=namespace, progress=show)
    if not reports:
        raise fail(f"no documents found in {', '.join(map(str, paths))}")
    counts = {s: sum(r.status == s for r in reports) for s in ("indexed", "unchanged", "failed")}
    if as_json:
        emit_json({"documents": [{"source": r.source, "status": r.status, "chunks": r.chunks, "title": r.title,
                                  **({"error": r.error} if r.error else {})} for r in reports],
                   "namespace": namespace, **counts})
    else:
        stdout.print(f"{counts['indexed']} indexed, {counts['unchanged']} unchanged, {counts['failed']} failed",
                     highlight=False)
    if counts["failed"] and not counts["indexed"] and not counts["unchanged"]:
        raise fail("no document could be indexed")
