"""Document search: extraction, chunk offsets, indexing in the real Redis, the search tool, web search."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from sokrat.errors import InvalidInput
from sokrat.search.extract import chunk, extract, iter_documents
from sokrat.settings import Settings
from sokrat.tools import ToolContext, ToolRegistry, default_tools
from sokrat.tools.search import search, web_search


def make_pdf(path: Path, pages: list[str], title: str = "Manual") -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_title(title)
    pdf.set_font("helvetica", size=11)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 6, text)
    pdf.output(str(path))
    return path


def test_extract_text_markdown_html_pdf(tmp_path: Path) -> None:
    md = extract(Path("a.md"), b"intro\n\n# Title here\n\nbody")
    assert md.kind == "markdown" and md.title == "Title here" and md.text.endswith("body")
    html = extract(Path("a.html"), b"<html><head><title>T</title><script>var secret=1</script></head>"
                                   b"<body><h1>Head</h1><p>Para one.</p><p>Para two.</p></body></html>")
    assert html.title == "T" and "Para one." in html.text and "secret" not in html.text
    pdf = make_pdf(tmp_path / "m.pdf", ["First page about routers.", "Second page about cats."])
    doc = extract(pdf, pdf.read_bytes())
    assert doc.kind == "pdf" and doc.title == "Manual" and len(doc.pages) == 2
    assert doc.text[doc.pages[1]:].startswith("Second page")


def test_bad_documents_are_refused_clearly(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="binary"):
        extract(Path("x.txt"), b"\x00\x01\x02" * 100)
    with pytest.raises(InvalidInput, match="unreadable PDF"):
        extract(Path("x.pdf"), b"%PDF-1.4 this is not really a pdf")
    with pytest.raises(InvalidInput, match="not a document type"):
        extract(Path("x.docx"), b"PK")
    with pytest.raises(InvalidInput, match="no such file"):
        list(iter_documents([tmp_path / "missing"]))


def test_chunks_carry_exact_offsets_and_overlap() -> None:
    words = [f"word{i}" for i in range(2000)]
    text = "\n\n".join(" ".join(words[i:i + 40]) + "." for i in range(0, 2000, 40))
    doc = extract(Path("a.txt"), text.encode())
    chunks = chunk(doc, size=500, overlap=80)
    assert len(chunks) > 10
    for c in chunks:
        assert doc.text[c.start:c.end] == c.text and len(c.text) <= 500
    for a, b in zip(chunks, chunks[1:], strict=False):
        assert a.start < b.start < a.end  # overlapping, moving forward
        assert b.start == 0 or doc.text[b.start - 1].isspace()  # starts on a word
    assert chunks[-1].end == len(doc.text.rstrip())


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    root = tmp_path / "docs"
    (root / "sub").mkdir(parents=True)
    (root / "router.md").write_text("# Router\n\nTo reset the router, hold the reset button for ten seconds "
                                    "until the light blinks orange.\n")
    (root / "sub" / "cats.html").write_text("<html><body><h1>Cats</h1><p>Feed the cat twice a day; "
                                            "the food is in the blue cupboard.</p></body></html>")
    make_pdf(root / "boiler.pdf", ["Boiler guide. Read the safety notes first.", "If the boiler pressure drops "
                                   "below one bar, open the filling loop valve slowly."])
    (root / ".hidden.txt").write_text("never indexed")
    (root / "broken.pdf").write_bytes(b"%PDF-1.4 garbage")
    return root


@pytest.mark.slow  # the real embedder
def test_index_search_reindex_and_scope(docs: Path, memory) -> None:
    from sokrat.search.indexer import DocumentIndexer

    indexer = DocumentIndexer.for_memory(memory)
    assert not search.applies_to(ToolContext(memory=memory, namespace="alice"))  # nothing indexed: not offered
    reports = {Path(r.source).name: r for r in indexer.index([docs], namespace="alice")}
    assert search.applies_to(ToolContext(memory=memory, namespace="alice"))
    assert not search.applies_to(ToolContext(memory=memory, namespace="bob"))
    assert set(reports) == {"router.md", "cats.html", "boiler.pdf", "broken.pdf"}
    assert reports["broken.pdf"].status == "failed" and "unreadable PDF" in reports["broken.pdf"].error
    assert all(r.status == "indexed" for n, r in reports.items() if n != "broken.pdf")

    hits = indexer.search("what do I do when the boiler pressure is low", k=3, namespace="alice")
    top = hits[0]
    assert top.source.endswith("boiler.pdf") and top.page == 2
    assert "filling loop" in top.text
    assert indexer.search("boiler pressure", namespace="bob") == []  # another owner sees nothing

    # unchanged: skipped by hash; changed: its chunks are replaced
    again = {Path(r.source).name: r.status for r in indexer.index([docs], namespace="alice")}
    assert again["router.md"] == "unchanged"
    (docs / "router.md").write_text("# Router\n\nThe router's admin page is at 192.168.0.1.\n")
    assert indexer.index([docs / "router.md"], namespace="alice")[0].status == "indexed"
    texts = [h.text for h in indexer.search("reset button router", k=10, namespace="alice")]
    assert not any("reset button" in t for t in texts) and any("admin page" in t for t in texts)


@pytest.mark.slow  # the real embedder
async def test_search_tool_returns_source_and_offsets(docs: Path, memory) -> None:
    from sokrat.search.indexer import DocumentIndexer

    DocumentIndexer.for_memory(memory).index([docs])
    out = await ToolRegistry([search]).execute("search", {"query": "where is the cat food?", "k": 2},
                                               ToolContext(memory=memory))
    assert out.ok and out.output[0]["source"].endswith("cats.html")
    hit = out.output[0]
    assert {"start", "end", "title", "text", "score"} <= set(hit) and hit["start"] < hit["end"]
    out = await ToolRegistry([search]).execute("search", {"query": "cat", "k": 99}, ToolContext(memory=memory))
    assert not out.ok and "less than or equal to 20" in out.error


@pytest.mark.slow  # the real embedder
def test_cli_index_documents_json(docs: Path, settings, monkeypatch) -> None:
    """`sokrat index FOLDER --json`: one JSON object, failures listed, exit 0 when some indexed."""
    from typer.testing import CliRunner

    from sokrat.cli import _register, app

    _register()
    monkeypatch.setenv("REDIS_URL", settings.redis_url)
    monkeypatch.setenv("SOKRAT_DATA_DIR", str(settings.data_dir))
    from sokrat.settings import get_settings

    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["index", str(docs / "sub"), "--json", "--namespace", "cli-test"])
        assert result.exit_code == 0, result.output
        report = json.loads(result.stdout)
        assert report["indexed"] == 1 and report["namespace"] == "cli-test"
        result = CliRunner().invoke(app, ["index", str(docs / "sub"), "--json", "--namespace", "cli-test"])
        assert json.loads(result.stdout)["unchanged"] == 1
    finally:
        get_settings.cache_clear()


def test_web_search_is_off_by_default_and_fails_fast_without_network() -> None:
    assert "web_search" not in {t.name for t in default_tools(Settings())}
    assert "web_search" in {t.name for t in default_tools(Settings(web_search="searxng"))}


async def test_web_search_errors_name_the_fix() -> None:
    reg = ToolRegistry([web_search])
    out = await reg.execute("web_search", {"query": "x"}, ToolContext(settings=Settings()))
    assert out.unavailable and "web search is off" in out.error
    dead = Settings(web_search="searxng", web_search_url="http://127.0.0.1:1")
    out = await reg.execute("web_search", {"query": "x"}, ToolContext(settings=dead), timeout_s=30)
    assert out.unavailable and "cannot connect" in out.error
    nowhere = Settings(web_search="searxng", web_search_url="http://sokrat-no-such-host.invalid")
    out = await reg.execute("web_search", {"query": "x"}, ToolContext(settings=nowhere), timeout_s=30)
    assert out.unavailable and "no network or DNS" in out.error


async def test_web_search_through_a_searxng_api() -> None:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            body = json.dumps({"results": [{"title": "Sokrat", "url": "https://example.org", "content": "agents"}]})
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        settings = Settings(web_search="searxng", web_search_url=f"http://127.0.0.1:{server.server_port}")
        out = await ToolRegistry([web_search]).execute("web_search", {"query": "sokrat"}, ToolContext(settings=settings))
        assert out.ok and out.output == [{"title": "Sokrat", "url": "https://example.org", "snippet": "agents"}]
    finally:
        server.shutdown()


def test_cli_index_refuses_videos_and_documents_together(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from sokrat.cli import _register, app

    _register()
    (tmp_path / "a.md").write_text("x")
    (tmp_path / "v.mp4").write_bytes(b"\x00")
    result = CliRunner().invoke(app, ["index", str(tmp_path / "a.md"), str(tmp_path / "v.mp4")])
    assert result.exit_code != 0 and "one video, or documents and folders" in result.output


def test_hits_are_shown_to_the_planner_without_paths_offsets_or_scores() -> None:
    from sokrat.tools.search import render_hits

    hits = [{"source": "/home/u/docs/boiler.md", "title": "Boiler", "start": 0, "end": 40,
             "text": "# Boiler\n\nPressure: 1.5 bar.", "score": 0.03},
            {"source": "/home/u/docs/manual.pdf", "title": "Router manual", "start": 10, "end": 30, "page": 4,
             "text": "Hold reset for 10 seconds.", "score": 0.01}]
    assert json.loads(render_hits(hits)) == [
        {"source": "boiler.md", "text": "# Boiler\n\nPressure: 1.5 bar."},  # its title is in the passage
        {"source": "manual.pdf", "page": 4, "title": "Router manual", "text": "Hold reset for 10 seconds."}]
    assert render_hits([]) == "[]"
