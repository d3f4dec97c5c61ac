"""Document search: text out of files, chunks in Redis (BM25 + vectors), hybrid search; web search.

``index_documents(paths)`` indexes text, Markdown, HTML and PDF files and folders;
``search_documents(query)`` finds the best chunks with their source and offsets. The
``search`` tool (:mod:`sokrat.tools.search`) is what the planner calls.
"""

from __future__ import annotations

from sokrat.search.indexer import DocumentIndexer, IndexReport

__all__ = ["DocumentIndexer", "IndexReport"]
