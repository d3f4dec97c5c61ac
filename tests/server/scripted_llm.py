"""A scripted OpenAI-compatible chat server for the process tests (the ONLY fake there).

It answers ``POST /v1/chat/completions`` by looking at the request's JSON schema:

- a plan schema (``steps``) -> a two-step plan;
- the judge schema (``label``) -> ``ok``;
- an action schema -> the next scripted tool call if that tool is offered, else a
  ``final_answer`` built from the observations in the prompt (the real tool output: the first
  moment's time span and text), so the answer is not hard-coded (evidence comes from the
  planner's grounding of that answer);
- no schema (summaries) -> a short summary of the last message.

``hold_act`` blocks the n-th action request until :meth:`ScriptedLLM.release` (used to kill a
worker mid-task at a known point). Runs in a thread of the test process on loopback.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from typing import Any

from fastapi import FastAPI, Request

_SPAN = re.compile(r'"?t_start"?\s*[:=]\s*([0-9.]+)\s*,\s*"?t_end"?\s*[:=]\s*([0-9.]+)\s*,\s*"?text"?\s*[:=]\s*"([^"]*)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ScriptedLLM:
    def __init__(self, actions: list[dict[str, Any]], *, hold_act: int | None = None) -> None:
        self.actions = actions
        self.hold_act = hold_act
        self.lock = threading.Lock()
        self.requests: list[str] = []
        """Purpose of every request in order: plan, judge, act, summary."""
        self.tool_calls: list[str] = []
        """Every tool call handed out (final answers excluded)."""
        self.held = threading.Event()
        self._release = threading.Event()
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self._server: Any = None
        self._thread: threading.Thread | None = None

    # --- the replies --------------------------------------------------------------------------
    def release(self) -> None:
        self._release.set()

    def count(self, purpose: str) -> int:
        with self.lock:
            return self.requests.count(purpose)

    def reply(self, body: dict[str, Any]) -> str:
        fmt = body.get("response_format") or {}
        schema = (fmt.get("json_schema") or {}).get("schema") or {}
        messages = body.get("messages") or []
        props = schema.get("properties") or {}
        if "steps" in props:
            self._log("plan")
            return json.dumps({"steps": ["look for the moments in the video", "answer with their times"]})
        if "label" in props:
            self._log("judge")
            return json.dumps({"label": "ok", "reason": "the observation answers the step"})
        if "anyOf" in schema:
            with self.lock:
                self.requests.append("act")
                n = self.requests.count("act")
            if self.hold_act is not None and n == self.hold_act:
                self.held.set()
                self._release.wait(timeout=600)
            offered = {b["properties"]["tool"].get("const") for b in schema["anyOf"]}
            with self.lock:
                i = len(self.tool_calls)
                if i < len(self.actions) and self.actions[i]["tool"] in offered:
                    self.tool_calls.append(self.actions[i]["tool"])
                    return json.dumps(self.actions[i])
            return json.dumps({"tool": "final_answer", "arguments": self._final(messages)})
        self._log("summary")
        last = str(messages[-1].get("content", "")) if messages else ""
        return last[:200] or "nothing yet"

    def _log(self, purpose: str) -> None:
        with self.lock:
            self.requests.append(purpose)

    @staticmethod
    def _final(messages: list[dict[str, Any]]) -> dict[str, Any]:
        prompt = "\n".join(str(m.get("content", "")) for m in messages)
        spans = _SPAN.findall(prompt)
        if not spans:
            return {"answer": "The observations do not show it."}
        start, end, text = spans[0]
        return {"answer": f"From {float(start):g} s to {float(end):g} s: {text}."}

    # --- the server ---------------------------------------------------------------------------
    def app(self) -> Any:
        app = FastAPI()

        @app.post("/v1/chat/completions")
        async def chat(request: Request) -> dict[str, Any]:
            import anyio

            body = await request.json()
            content = await anyio.to_thread.run_sync(self.reply, body)
            return {"id": "scripted", "object": "chat.completion", "created": int(time.time()), "model": "scripted",
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": content}}],
                    "usage": {"prompt_tokens": sum(len(str(m.get("content", ""))) // 4 for m in body["messages"]),
                              "completion_tokens": len(content) // 4, "total_tokens": 0}}

        return app

    def __enter__(self) -> ScriptedLLM:
        import uvicorn

        config = uvicorn.Config(self.app(), host="127.0.0.1", port=self.port, log_level="warning")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("scripted LLM server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self._release.set()
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=30)
