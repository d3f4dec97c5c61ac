"""The OpenAI-compatible backend against a real local HTTP server, and against a dead URL."""

from __future__ import annotations

import json
import socket

import pytest

from sokrat.agents.actions import action_schema
from sokrat.errors import LLMConnectionError, LLMOutputError, LLMUnsupported
from sokrat.llm import get_chat_model
from sokrat.llm.base import Message
from sokrat.llm.openai import OpenAIChatModel
from sokrat.settings import Settings
from sokrat.tools import tool
from tests.llm.conftest import requests_seen, script


@tool
def video_search(query: str) -> str:
    """Find moments in a video.

    Args:
        query: what to look for.
    """
    return query


SCHEMA = action_schema([video_search])
MSGS = [Message("system", "You plan."), Message("user", "when is the cat there?")]
GOOD = json.dumps({"tool": "video_search", "arguments": {"query": "cat"}})


def test_plain_completion_and_usage(openai_server: str) -> None:
    script(openai_server, ["hello there"])
    m = OpenAIChatModel(openai_server, model="served-model", api_key="k1")
    r = m.generate(MSGS, max_tokens=20)
    assert r.text == "hello there" and r.parsed is None
    assert (r.usage.prompt_tokens, r.usage.completion_tokens, r.usage.llm_calls) == (7, 2, 1)
    req = requests_seen(openai_server)[0]
    assert req["model"] == "served-model" and req["max_tokens"] == 20 and "response_format" not in req


def test_json_schema_response_format(openai_server: str) -> None:
    script(openai_server, [GOOD])
    r = OpenAIChatModel(openai_server).generate(MSGS, json_schema=SCHEMA)
    assert r.parsed == {"tool": "video_search", "arguments": {"query": "cat"}} and r.usage.retries == 0
    fmt = requests_seen(openai_server)[0]["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["schema"] == SCHEMA


def test_refused_json_schema_falls_back_to_json_object_with_validation(openai_server: str) -> None:
    # first reply does not fit the schema, the corrective retry does
    script(openai_server, ['{"tool": "fly", "arguments": {}}', GOOD], refuse_json_schema=True)
    m = OpenAIChatModel(openai_server)
    r = m.generate(MSGS, json_schema=SCHEMA)
    assert r.parsed["tool"] == "video_search"
    assert r.usage.retries == 1 and r.usage.llm_calls == 2
    formats = [q.get("response_format", {}).get("type") for q in requests_seen(openai_server)]
    assert formats == ["json_schema", "json_object", "json_object"]
    assert "does not fit the required JSON schema" in requests_seen(openai_server)[-1]["messages"][-1]["content"]


def test_bounded_retries_then_clear_error(openai_server: str) -> None:
    script(openai_server, ["not json", "still not", "nope"], refuse_json_schema=True)
    m = OpenAIChatModel(openai_server, max_retries=2)
    with pytest.raises(LLMOutputError, match="after 3 tries"):
        m.generate(MSGS, json_schema=SCHEMA)
    assert len(requests_seen(openai_server)) == 4  # one refused + 3 tries


def test_a_reply_that_loops_is_retried_with_sampling(openai_server: str) -> None:
    loop = '{"tool": "video_search", "arguments": {"query": "' + "\\b" * 400
    script(openai_server, [loop, GOOD])
    r = OpenAIChatModel(openai_server).generate(MSGS, json_schema=SCHEMA)
    assert r.parsed is not None and r.usage.retries == 1
    first, retry = requests_seen(openai_server)
    assert first["temperature"] == 0.0 and retry["temperature"] > 0  # greedy would loop the same way again
    assert len(retry["messages"][-2]["content"]) < len(loop)  # the loop is not echoed whole


def test_a_reply_that_does_not_loop_is_retried_greedily(openai_server: str) -> None:
    script(openai_server, ['{"tool": "fly", "arguments": {}}', GOOD])
    OpenAIChatModel(openai_server).generate(MSGS, json_schema=SCHEMA)
    assert [q["temperature"] for q in requests_seen(openai_server)] == [0.0, 0.0]


async def test_streaming(openai_server: str) -> None:
    script(openai_server, ["one two three"])
    pieces = [p async for p in OpenAIChatModel(openai_server).astream(MSGS)]
    assert pieces == ["one ", "two ", "three "]
    assert requests_seen(openai_server)[0]["stream"] is True


def test_bad_key_names_the_setting(openai_server: str) -> None:
    with pytest.raises(LLMConnectionError, match="SOKRAT_LLM_API_KEY"):
        OpenAIChatModel(openai_server, api_key="wrong").generate(MSGS)


def test_dead_url_names_the_url() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    url = f"http://127.0.0.1:{port}/v1"
    m = OpenAIChatModel(url, timeout_s=5)
    with pytest.raises(LLMConnectionError, match=f"127.0.0.1:{port}/v1/chat/completions"):
        m.generate(MSGS)

    async def stream() -> None:
        async for _ in m.astream(MSGS):
            pass

    from sokrat._async import run_sync

    with pytest.raises(LLMConnectionError, match="SOKRAT_LLM_BASE_URL"):
        run_sync(stream())


def test_get_chat_model_picks_http_and_approximates_tokens(openai_server: str) -> None:
    s = Settings(llm_base_url=openai_server, llm_model="remote-name-not-local", context_limit_tokens=3000)
    m = get_chat_model(s)
    assert isinstance(m, OpenAIChatModel) and get_chat_model(s) is m
    assert m.context_length == 3000
    assert m.tokens_exact is False  # no local tokenizer for that name: approximation
    assert m.count_tokens("a" * 400) == 100


# --- what the server says about itself -----------------------------------------------------------
def test_context_window_comes_from_the_server(openai_server: str) -> None:
    script(openai_server, [], props={"default_generation_settings": {"n_ctx": 4096}, "total_slots": 2})
    assert OpenAIChatModel(openai_server).context_length == 4096  # llama.cpp /props, per slot
    assert OpenAIChatModel(openai_server, context_length=2000).context_length == 2000  # a cap below it
    assert OpenAIChatModel(openai_server, context_length=9000).context_length == 4096  # never above it
    script(openai_server, [], models={"data": [{"id": "m", "max_model_len": 16384}]})
    assert OpenAIChatModel(openai_server).context_length == 16384  # vLLM /v1/models
    script(openai_server, [])
    assert OpenAIChatModel(openai_server).context_length == 8192  # says nothing: the documented default


def test_scoring_needs_llamacpp(openai_server: str) -> None:
    script(openai_server, [])
    with pytest.raises(LLMUnsupported, match="cannot score"):
        OpenAIChatModel(openai_server).score(MSGS, ["yes", "no"])


def test_purpose_is_accepted_everywhere(openai_server: str) -> None:
    script(openai_server, ["ok"])
    assert OpenAIChatModel(openai_server).generate(MSGS, purpose="judge").text == "ok"
