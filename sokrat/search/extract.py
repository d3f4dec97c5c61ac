"""Text out of documents (plain text, Markdown, HTML, PDF) and chunks of it with offsets.

Offsets are character offsets into the extracted text: for text and Markdown that is the file
itself; for HTML the visible text (``html-text``, which keeps the layout's line breaks); for
PDF the pages' text joined by blank lines (``pypdf``), with the page of each chunk kept.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sokrat.errors import InvalidInput

TEXT_SUFFIXES = frozenset({".txt", ".text", ".md", ".markdown", ".rst"})
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
PDF_SUFFIXES = frozenset({".pdf"})
DOCUMENT_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | PDF_SUFFIXES
MAX_DOCUMENT_BYTES = 64 * 1024**2
"""Larger files are refused (a 64 MiB text is ~30k pages)."""
CHUNK_CHARS = 800
"""Target chunk length: a few paragraphs, well inside the embedder's 256-token window."""
CHUNK_OVERLAP = 120
"""Characters each chunk repeats from the previous one, so a sentence cut at a boundary is whole in one."""


@dataclass(frozen=True)
class Extracted:
    """A document's text, ready for chunking."""

    text: str
    title: str
    kind: str
    """``text``, ``markdown``, ``html`` or ``pdf``."""
    pages: tuple[int, ...] = ()
    """PDF only: the offset at which each page's text starts."""


@dataclass(frozen=True)
class Chunk:
    """A piece of a document: ``text == document_text[start:end]``."""

    index: int
    start: int
    end: int
    text: str
    page: int | None = None
    """1-based PDF page the chunk starts on."""


def is_document(path: Path) -> bool:
    """A folder or a file whose suffix names a document type we can read."""
    return path.is_dir() or path.suffix.lower() in DOCUMENT_SUFFIXES


def iter_documents(paths: list[Path]) -> Iterator[Path]:
    """The document files among ``paths``, folders walked recursively (hidden entries skipped), sorted."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                rel = child.relative_to(path).parts
                if child.is_file() and child.suffix.lower() in DOCUMENT_SUFFIXES and not any(
                        p.startswith(".") for p in rel):
                    yield child
        elif path.is_file():
            yield path
        else:
            raise InvalidInput(f"no such file or folder: {path}")


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def extract(path: Path, data: bytes) -> Extracted:
    """The text of a document. Raises :class:`InvalidInput` for an unreadable or unknown file."""
    suffix = path.suffix.lower()
    if len(data) > MAX_DOCUMENT_BYTES:
        raise InvalidInput(f"{path}: {len(data)} bytes is more than the {MAX_DOCUMENT_BYTES} a document may have")
    if suffix in PDF_SUFFIXES:
        return _pdf(path, data)
    text = _decode(path, data)
    if suffix in HTML_SUFFIXES:
        return _html(text)
    if suffix in TEXT_SUFFIXES:
        kind = "markdown" if suffix in (".md", ".markdown") else "text"
        heading = re.search(r"^#{1,3}\s+(.+)$", text, re.MULTILINE) if kind == "markdown" else None
        first = next((ln.strip() for ln in text.splitlines() if ln.strip()), path.stem)
        return Extracted(text, (heading.group(1).strip() if heading else first)[:200], kind)
    raise InvalidInput(f"{path}: not a document type Sokrat reads ({', '.join(sorted(DOCUMENT_SUFFIXES))})")


def _decode(path: Path, data: bytes) -> str:
    if b"\x00" in data[:4096]:
        raise InvalidInput(f"{path}: looks like a binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")  # every byte maps: an old single-byte document still reads


def _html(source: str) -> Extracted:
    import html_text
    import lxml.html

    try:
        tree = html_text.parse_html(source)
    except (ValueError, lxml.etree.ParserError) as e:
        raise InvalidInput(f"unreadable HTML: {e}") from e
    title = (tree.findtext(".//title") or "").strip()
    text = html_text.extract_text(tree, guess_layout=True)
    if not title:
        h1 = tree.find(".//h1")
        title = h1.text_content().strip() if h1 is not None else ""
    return Extracted(text, title[:200], "html")


def _pdf(path: Path, data: bytes) -> Extracted:
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise InvalidInput(f"{path}: the PDF is encrypted; decrypt it first")
        texts = [(page.extract_text() or "").strip() for page in reader.pages]
        title = str(reader.metadata.title or "").strip() if reader.metadata is not None else ""
    except (PdfReadError, ValueError, KeyError, TypeError) as e:
        raise InvalidInput(f"{path}: unreadable PDF ({e})") from e
    starts, parts, offset = [], [], 0
    for text in texts:
        starts.append(offset)
        parts.append(text)
        offset += len(text) + 2
    joined = "\n\n".join(parts)
    if not joined.strip():
        raise InvalidInput(f"{path}: the PDF has no text layer (a scan?); OCR it first")
    return Extracted(joined, title[:200] or path.stem, "pdf", tuple(starts))


_BREAKS = ("\n\n", "\n", ". ", "? ", "! ", "; ", ", ", " ")


def chunk(doc: Extracted, *, size: int = CHUNK_CHARS, overlap: int = CHUNK_OVERLAP) -> list[Chunk]:
    """Cut the text into chunks of about ``size`` characters at the best boundary available
    (paragraph, line, sentence, clause, word), each overlapping the previous by ``overlap``.
    A PDF is cut page by page, so every chunk cites one page."""
    text = doc.text
    bounds = [*doc.pages, len(text) + 2] if doc.pages else [0, len(text)]
    chunks: list[Chunk] = []
    for page, (lo, hi) in enumerate(zip(bounds, bounds[1:], strict=False), start=1):
        for start, end in _windows(text, lo, min(hi, len(text)), size, overlap):
            chunks.append(Chunk(len(chunks), start, end, text[start:end], page if doc.pages else None))
    return chunks


def _windows(text: str, lo: int, hi: int, size: int, overlap: int) -> Iterator[tuple[int, int]]:
    start = _skip_space(text, lo, hi)
    while start < hi:
        end = min(hi, start + size)
        if end < hi:
            window = text[start + size // 2:end]
            for mark in _BREAKS:
                cut = window.rfind(mark)
                if cut >= 0:
                    end = start + size // 2 + cut + len(mark)
                    break
        stop = end
        while stop > start and text[stop - 1].isspace():
            stop -= 1
        if stop > start:
            yield start, stop
        if end >= hi:
            return
        nxt = max(end - overlap, start + 1)
        if not text[nxt - 1].isspace():  # start the overlap on a word boundary
            space = text.find(" ", nxt, end)
            nxt = space + 1 if space >= 0 else nxt
        start = _skip_space(text, nxt, hi)


def _skip_space(text: str, i: int, hi: int) -> int:
    while i < hi and text[i].isspace():
        i += 1
    return i
