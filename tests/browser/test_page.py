"""The web page in a real browser (Debian's headless Chromium through Playwright) against real
`sokrat serve` and `sokrat worker` processes, the real embedded Redis and the real offline
perception models. Only the planner's chat model is scripted (as in tests/server/test_process.py):
it picks one tool per goal and writes the final answer from that tool's real output.

A screenshot of every state goes to tests/browser/artifacts/<test>/ (docs/ui.png is one of them).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.server.procs import Procs, start_server
from tests.server.scripted_llm import ScriptedLLM

pytestmark = [pytest.mark.slow, pytest.mark.server]

KEY = "sk-browser-test-key-0123456789"
WAIT_MS = 600_000  # generous bound for indexing on a loaded 2-core machine (not a timing assertion)
INDEX_GOAL = "Describe what happens in this video."  # what the page asks after an upload (app.js)
QUESTION = "When does a bicycle appear?"
GOAL = "When does a rickshaw appear in the video?"


class PerGoalLLM(ScriptedLLM):
    """One scripted tool call per goal (the first run that shows that goal gets it), then a final
    answer built from the latest real observation in the prompt."""

    def __init__(self, by_goal: dict[str, dict[str, Any]]) -> None:
        super().__init__([])
        self.by_goal = by_goal
        self.given: list[str] = []

    def reply(self, body: dict[str, Any]) -> str:
        schema = ((body.get("response_format") or {}).get("json_schema") or {}).get("schema") or {}
        messages = body.get("messages") or []
        if "anyOf" in schema:
            prompt = "\n".join(str(m.get("content", "")) for m in messages)
            offered = {b["properties"]["tool"].get("const") for b in schema["anyOf"]}
            with self.lock:
                for goal, action in self.by_goal.items():
                    if goal in prompt and goal not in self.given and action["tool"] in offered:
                        self.given.append(goal)
                        self.requests.append("act")
                        self.tool_calls.append(action["tool"])
                        return json.dumps(action)
            with self.lock:
                self.requests.append("act")
            return json.dumps({"tool": "final_answer", "arguments": self._latest(messages)})
        return super().reply(body)

    @staticmethod
    def _latest(messages: list[dict[str, Any]]) -> dict[str, Any]:
        for m in reversed(messages):
            found = ScriptedLLM._final([m])
            if not found["answer"].startswith("The observations do not show it"):
                return found
        return {"answer": "The observations do not show it."}


def shot(page: Any, artifacts: Path, name: str) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)


def test_page_upload_timeline_ask_run_and_keys(browser: Any, procs: Procs, bikes: Path, artifacts: Path) -> None:
    llm = PerGoalLLM({
        INDEX_GOAL: {"tool": "video_search", "arguments": {"query": "street"}},
        QUESTION: {"tool": "video_qa", "arguments": {"question": QUESTION}},
        GOAL: {"tool": "video_qa", "arguments": {"question": "When does a rickshaw appear?"}},
    })
    with llm:
        env = {"SOKRAT_LLM_BASE_URL": llm.base_url, "SOKRAT_API_KEYS": KEY}
        base = start_server(procs, **env)
        worker = procs.start("worker", "worker", **env)
        # bypass_csp: the page's CSP forbids eval, which Playwright's wait_for_function uses
        page = browser.new_page(viewport={"width": 1280, "height": 900}, bypass_csp=True)
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        try:
            _walk_through(page, base, bikes, artifacts)
        except Exception:
            shot(page, artifacts, "failure")
            print(procs.log(worker))
            raise
        finally:
            page.close()
        assert errors == [], errors  # no uncaught script error on the way
        assert llm.given == [INDEX_GOAL, QUESTION, GOAL]


def _walk_through(page: Any, base: str, bikes: Path, artifacts: Path) -> None:
    # --- the page loads without a key; the API says it needs one, readably ----------------------
    page.goto(base + "/")
    assert page.title() == "Sokrat"
    page.wait_for_selector("#error:not([hidden])")
    assert "needs an API key" in page.inner_text("#error-text")

    # --- a wrong key: a readable message, no stack trace ---------------------------------------------
    page.fill("#api-key", "sk-wrong")
    page.press("#api-key", "Enter")  # keyboard only
    page.wait_for_function("document.querySelector('#error-text').textContent.includes('invalid API key')")
    message = page.inner_text("#error-text")
    assert "invalid API key" in message and "Traceback" not in message and "at " not in message.split(":")[0]
    shot(page, artifacts, "01-wrong-key")
    assert page.evaluate("sessionStorage.getItem('sokrat.apiKey')") == "sk-wrong"
    assert page.evaluate("localStorage.length") == 0  # the key is kept for the tab only

    # --- the right key, then a non-video upload: a readable refusal ----------------------------------
    page.fill("#api-key", KEY)
    page.click("#key-form button[type=submit]")
    page.wait_for_selector("#error", state="hidden")
    bogus = artifacts / "notes.mp4"
    bogus.write_bytes(b"this is text, not a video\n" * 20)
    page.set_input_files("#upload-file", str(bogus))
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#error:not([hidden])")
    refusal = page.inner_text("#error-text")
    assert "notes.mp4" in refusal and "Traceback" not in refusal, refusal
    shot(page, artifacts, "02-not-a-video")

    # --- upload bikes.mp4: progress, then indexing, then the timeline --------------------------------
    page.click("#error-close")
    page.set_input_files("#upload-file", str(bikes))
    page.click("#upload-form button[type=submit]")
    page.wait_for_function("document.querySelector('#upload-status').textContent.startsWith('uploaded bikes.mp4')")
    assert page.get_attribute("#upload-progress", "max") == "100"
    page.wait_for_function("document.querySelector('#index-status').textContent.startsWith('indexing')")
    shot(page, artifacts, "03-indexing")
    page.wait_for_function("document.querySelector('#index-status').textContent.startsWith('log complete')",
                           timeout=WAIT_MS)
    shots = page.locator("#timeline li")
    n = shots.count()
    media_id = page.get_attribute("#media-list li", "data-id")
    log = httpx.get(f"{base}/v1/media/{media_id}/log", headers={"Authorization": f"Bearer {KEY}"}, timeout=30).json()
    assert log["status"] == "complete" and n == len(log["entries"]) > 0
    first = log["entries"][0]
    assert first["seen"] in page.inner_text("#timeline li >> nth=0")
    page.wait_for_function("document.querySelector('#timeline img').dataset.loaded === '1'")
    assert page.evaluate("document.querySelector('#timeline img').naturalWidth") == 160
    assert page.evaluate("document.querySelector('#player').duration") == pytest.approx(10.0, abs=0.1)
    shot(page, artifacts, "04-timeline")

    # --- ask: the answer, the evidence thumbnail, a click plays that moment --------------------------
    page.fill("#question", QUESTION)
    page.press("#question", "Enter")
    page.wait_for_selector("#answer-box:not([hidden])", timeout=WAIT_MS)
    answer = page.inner_text("#answer")
    assert "bicycle" in answer.lower(), answer
    evidence = page.locator("#evidence button.shot")
    assert evidence.count() >= 1
    button = evidence.first
    t_start = float(button.get_attribute("data-t"))
    t_end = float(button.get_attribute("data-t-end"))
    assert f"{t_start:g}" in answer  # the answer's time is the evidence's
    assert "bicycle" in button.inner_text().lower()
    page.wait_for_function("document.querySelector('#evidence img').dataset.loaded === '1'")
    assert page.evaluate("document.querySelector('#evidence img').naturalWidth") == 240
    button.focus()
    page.keyboard.press("Enter")  # keyboard: the same as a click
    page.wait_for_function("document.querySelector('#player').currentTime > 0")
    now = page.evaluate("document.querySelector('#player').currentTime")
    assert t_start - 0.05 <= now <= t_end, (now, t_start, t_end)
    shot(page, artifacts, "05-answer")

    # --- run a goal: its steps appear live ------------------------------------------------------------
    page.fill("#goal", GOAL)
    page.click("#run-form button[type=submit]")
    page.wait_for_selector("#run-steps li[data-type=tool_called]", timeout=WAIT_MS)
    page.wait_for_selector("#run-steps li[data-type=done]", timeout=WAIT_MS)
    kinds = page.eval_on_selector_all("#run-steps li", "items => items.map(i => i.dataset.type)")
    assert kinds[0] == "run_started" and kinds[-1] == "done" and "tool_result" in kinds, kinds
    assert "video_qa" in page.inner_text("#run-steps")
    status = page.inner_text("#run-status")
    assert status.split(":")[0] in {"succeeded", "unverified", "no_answer"}, status
    page.click("#tasks-refresh")
    page.wait_for_function("document.querySelectorAll('#task-list li[data-id]').length >= 3")
    shot(page, artifacts, "06-run")  # docs/ui.png is this one

    # --- tasks and media can be deleted from the page ----------------------------------------------------
    page.on("dialog", lambda d: d.accept())
    before = page.locator("#task-list li[data-id]").count()
    page.click("#task-list li[data-id] >> nth=0 >> button:has-text('Delete')")
    page.wait_for_function(f"document.querySelectorAll('#task-list li[data-id]').length === {before - 1}")
    page.click("#media-list li[data-id] >> button:has-text('Delete')")
    page.wait_for_function("document.querySelectorAll('#media-list li[data-id]').length === 0")
    assert page.inner_text("#video-name") == "(none open)"
