"""A tiny OpenAI-compatible chat-completions server for tests, run as a real uvicorn process.

Behaviour is scripted over HTTP: ``POST /_script`` with ``{"replies": [...], "refuse_json_schema":
bool, "props": {...} | null, "models": {...} | null}``; every request is recorded and listed by
``GET /_requests``. ``props``/``models`` are what ``GET /props`` (llama.cpp) and ``GET /v1/models``
answer; unset, those endpoints answer 404 like a server that lacks them.
"""

from __future__ import annotations

import json

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

app = FastAPI()
STATE: dict = {"replies": [], "refuse_json_schema": False, "requests": [], "props": None, "models": None}


@app.post("/_script")
async def script(request: Request) -> dict:
    body = await request.json()
    STATE["replies"] = list(body.get("replies", []))
    STATE["refuse_json_schema"] = bool(body.get("refuse_json_schema", False))
    STATE["props"] = body.get("props")
    STATE["models"] = body.get("models")
    STATE["requests"] = []
    return {"ok": True}


@app.get("/props")
async def props():
    if STATE["props"] is None:
        return JSONResponse({"error": {"message": "not found"}}, status_code=404)
    return STATE["props"]


@app.get("/v1/models")
async def models():
    if STATE["models"] is None:
        return JSONResponse({"error": {"message": "not found"}}, status_code=404)
    return STATE["models"]


@app.get("/_requests")
async def requests_seen() -> list:
    return STATE["requests"]


@app.post("/v1/chat/completions")
async def chat(request: Request):
    body = await request.json()
    STATE["requests"].append(body)
    if request.headers.get("authorization") == "Bearer wrong":
        return JSONResponse({"error": {"message": "bad key"}}, status_code=401)
    fmt = (body.get("response_format") or {}).get("type")
    if fmt == "json_schema" and STATE["refuse_json_schema"]:
        return JSONResponse({"error": {"message": "response_format json_schema unsupported"}}, status_code=400)
    text = STATE["replies"].pop(0) if STATE["replies"] else "(no scripted reply)"
    prompt_tokens = sum(len(m["content"].split()) for m in body["messages"])
    if body.get("stream"):
        def events():
            for word in text.split(" "):
                chunk = {"choices": [{"index": 0, "delta": {"content": word + " "}}]}
                yield f"data: {json.dumps(chunk)}\n\n"
            yield "data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")
    return {
        "id": "cmpl-1",
        "object": "chat.completion",
        "model": body.get("model"),
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": len(text.split()),
                  "total_tokens": prompt_tokens + len(text.split())},
    }
