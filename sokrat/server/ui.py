"""The web page at ``/``: plain HTML, CSS and JavaScript files shipped inside the package
(``sokrat/server/static/``), so ``pip install`` brings them and no Node toolchain is needed.

The page needs no key to load; its API calls carry ``Authorization: Bearer KEY`` with the key
the user types (kept in ``sessionStorage``, so it is gone when the tab closes). It is served
from the API's own origin, so its calls are same-origin.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from starlette.staticfiles import StaticFiles

STATIC = Path(__file__).with_name("static")
PAGE_HEADERS = {
    "Cache-Control": "no-cache",
    # the page runs only its own scripts; images and videos may be blob: URLs it made itself
    "Content-Security-Policy": ("default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; "
                                "style-src 'self'; script-src 'self'; connect-src 'self'; "
                                "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

router = APIRouter(include_in_schema=False)


@router.get("/")
async def page() -> FileResponse:
    """The web page (no key needed to load it)."""
    return FileResponse(STATIC / "index.html", media_type="text/html", headers=PAGE_HEADERS)


def install(app: FastAPI) -> None:
    """Serve the page at ``/`` and its files under ``/static``."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")


__all__ = ["STATIC", "install", "router"]
