"""The page at ``/``: served without a key, its files shipped inside the package, every control
labelled, and nothing in it that needs a network beyond the page's own origin."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from sokrat.server.ui import STATIC


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict[str, str]] = []
        self.labels_for: set[str] = set()
        self.refs: list[str] = []
        self.inline_scripts = 0
        self._in_label = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "label":
            self._in_label += 1
            if a.get("for"):
                self.labels_for.add(a["for"])
        if tag in ("input", "textarea", "select", "video", "progress"):
            self.controls.append({**a, "_tag": tag, "_wrapped": "1" if self._in_label else ""})
        if tag == "script":
            if a.get("src"):
                self.refs.append(a["src"])
            else:
                self.inline_scripts += 1
        if tag == "link" and a.get("href"):
            self.refs.append(a["href"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._in_label -= 1


def parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def test_page_loads_without_a_key_and_the_api_still_needs_one(make_client: Any) -> None:
    client = make_client(api_keys=["sk-page-test-1234"])
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert "<title>Sokrat</title>" in r.text
    for ref in parse(r.text).refs:
        assert client.get(ref).status_code == 200, ref  # every file the page loads is served
    assert client.get("/static/app.js").headers["content-type"].startswith(("text/javascript", "application/javascript"))
    assert client.get("/static/nope.js").status_code == 404
    assert client.get("/v1/media").status_code == 401  # the page is public, the API is not
    assert client.get("/v1/media", headers={"Authorization": "Bearer sk-page-test-1234"}).status_code == 200


def test_every_control_has_a_label_and_no_inline_script() -> None:
    page = parse((STATIC / "index.html").read_text())
    assert page.controls, "the page has no controls"
    unlabelled = [c for c in page.controls
                  if not (c.get("id") in page.labels_for or c["_wrapped"] or c.get("aria-label"))]
    assert unlabelled == []
    assert page.inline_scripts == 0  # the CSP allows only the page's own files
    assert all(ref.startswith("/static/") for ref in page.refs)


def test_the_label_check_fires_on_an_unlabelled_control() -> None:
    page = parse('<label for="a">A</label><input id="a"><input id="b"><label><input id="c"></label>')
    unlabelled = [c["id"] for c in page.controls
                  if not (c.get("id") in page.labels_for or c["_wrapped"] or c.get("aria-label"))]
    assert unlabelled == ["b"]


def test_the_script_shows_only_api_messages_never_stacks() -> None:
    js = (STATIC / "app.js").read_text()
    assert "innerHTML" not in js  # text goes in with textContent: nothing from the API becomes markup
    assert ".stack" not in js and "traceback" not in js.lower().replace("never a stack trace", "")
    assert "localStorage" not in js and "sessionStorage.setItem(KEY" in js  # the key lives for the tab only
    assert not re.search(r"https?://", js)  # no other origin
