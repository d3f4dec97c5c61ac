"""OpenAI-compatible chat completions over HTTP (vLLM, llama.cpp server, Ollama, hosted APIs).

Schemas go out as ``response_format={"type": "json_schema", ...}``. A server that refuses
that (400/422) is asked again with ``{"type": "json_object"}`` and the reply is validated
here, with a bounded number of corrective retries; the refusal is remembered per instance.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Any

from sokrat.errors import LLMConnectionError, LLMOutputError
from sokrat.llm.base import ChatModel, ChatResponse, Message
from sokrat.llm.structured import validate_json
from sokrat.types import Usage

if TYPE_CHECKING:
    import httpx

    from sokrat.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_CONTEXT = 8192
"""Used when neither the caller, the settings nor the server's /models say otherwise."""
CHARS_PER_TOKEN = 4.0
"""Approximate token counting when no tokenizer is available locally: ~4 characters per
token for English text with BPE vocabularies, plus 4 tokens of template per message. It is an
estimate, not a count (``tokens_exact`` is False then)."""


class OpenAIChatModel(ChatModel):
    """A chat model behind an OpenAI-compatible ``/chat/completions`` endpoint."""

    def __init__(
        self,
        base_url: str,
        *,
        model: str = "default",
        api_key: str | None = None,
        timeout_s: float = 120.0,
        max_new_tokens: int = 512,
        context_length: int | None = None,
        max_retries: int = 2,
        tokenizer: Any = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.name = model
        self.api_key = api_key
        self.timeout_s = timeout_s
        self.max_new_tokens = max_new_tokens
        self.max_retries = max_retries
        self._context_length = context_length
        self._tokenizer = tokenizer
        self.tokens_exact = tokenizer is not None
        self._schema_mode = "json_schema"  # becomes "json_object" once the server refuses it

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenAIChatModel:
        if not settings.llm_base_url:
            raise LLMConnectionError("SOKRAT_LLM_BASE_URL is not set")
        return cls(
            settings.llm_base_url,
            model=settings.llm_model or "default",
            api_key=settings.llm_api_key,
            timeout_s=settings.llm_timeout_s,
            max_new_tokens=settings.llm_max_new_tokens,
            context_length=settings.context_limit_tokens,
            tokenizer=_local_tokenizer(settings.llm_model),
        )

    # --- tokens ----------------------------------------------------------------------------
    @property
    def context_length(self) -> int:
        return self._context_length or DEFAULT_CONTEXT

    def count_tokens(self, messages: Sequence[Message] | str) -> int:
        if self._tokenizer is not None:
            if isinstance(messages, str):
                return len(self._tokenizer.encode(messages, add_special_tokens=False))
            ids = self._tokenizer.apply_chat_template(
                [{"role": m.role, "content": m.content} for m in messages], add_generation_prompt=True,
                tokenize=True,
            )
            if isinstance(ids, dict) or hasattr(ids, "input_ids"):
                ids = ids["input_ids"]
            return len(ids)
        if isinstance(messages, str):
            return max(1, round(len(messages) / CHARS_PER_TOKEN))
        return sum(round(len(m.content) / CHARS_PER_TOKEN) + 4 for m in messages) + 2

    # --- HTTP ------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"{self.base_url}/chat/completions"

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        return headers

    def _client(self) -> httpx.AsyncClient:
        import httpx

        # a client per call: run_sync may drive each call on its own event loop
        return httpx.AsyncClient(timeout=httpx.Timeout(self.timeout_s, connect=min(10.0, self.timeout_s)))

    def _unreachable(self, e: Exception) -> LLMConnectionError:
        return LLMConnectionError(
            f"cannot reach the LLM server at {self.url} ({type(e).__name__}: {e}); "
            "start it or fix SOKRAT_LLM_BASE_URL"
        )

    def _check_status(self, response: httpx.Response) -> None:
        if response.status_code in (401, 403):
            raise LLMConnectionError(
                f"the LLM server at {self.url} refused the key (HTTP {response.status_code}); "
                "set SOKRAT_LLM_API_KEY"
            )
        if response.status_code == 404:
            raise LLMConnectionError(
                f"{self.url} answered 404: check SOKRAT_LLM_BASE_URL (usually ends in /v1) "
                f"and SOKRAT_LLM_MODEL={self.model!r}"
            )
        if response.status_code >= 400:
            raise LLMConnectionError(
                f"the LLM server at {self.url} answered HTTP {response.status_code}: {response.text[:200]}"
            )

    async def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        import httpx

        try:
            async with self._client() as client:
                response = await client.post(self.url, json=body, headers=self._headers())
        except httpx.HTTPError as e:
            raise self._unreachable(e) from e
        if response.status_code in (400, 422) and "response_format" in body:
            raise _FormatRefused(response.text[:200])
        self._check_status(response)
        try:
            return response.json()
        except ValueError as e:
            raise LLMConnectionError(f"the LLM server at {self.url} did not answer JSON") from e

    def _body(self, messages: Sequence[Message], max_tokens: int | None, temperature: float) -> dict[str, Any]:
        return {
            "model": self.model,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "max_tokens": max_tokens or self.max_new_tokens,
            "temperature": temperature,
        }

    @staticmethod
    def _read(data: dict[str, Any]) -> tuple[str, str, Usage]:
        try:
            choice = data["choices"][0]
            text = choice["message"].get("content") or ""
        except (KeyError, IndexError, TypeError, AttributeError) as e:
            raise LLMOutputError(f"the LLM server's reply has no choices[0].message: {str(data)[:200]}") from e
        u = data.get("usage") or {}
        usage = Usage(prompt_tokens=int(u.get("prompt_tokens") or 0),
                      completion_tokens=int(u.get("completion_tokens") or 0), llm_calls=1)
        return text, choice.get("finish_reason") or "stop", usage

    async def agenerate(
        self,
        messages: Sequence[Message],
        *,
        json_schema: dict[str, Any] | None = None,
        max_tokens: int | None = None,
        temperature: float = 0.0,
    ) -> ChatResponse:
        body = self._body(messages, max_tokens, temperature)
        if json_schema is None:
            text, finish, usage = self._read(await self._post(body))
            return ChatResponse(text=text, usage=usage, finish_reason=finish)

        total = Usage()
        convo = list(body["messages"])
        problem = ""
        for attempt in range(self.max_retries + 1):
            body["messages"] = convo
            body["response_format"] = self._response_format(json_schema)
            try:
                data = await self._post(body)
            except _FormatRefused as e:
                if self._schema_mode == "json_object":
                    raise LLMConnectionError(f"{self.url} refused response_format json_object too: {e}") from e
                log.info("%s refused json_schema response_format; falling back to json_object", self.url)
                self._schema_mode = "json_object"
                body["response_format"] = self._response_format(json_schema)
                data = await self._post(body)
            text, finish, usage = self._read(data)
            total = total + usage + Usage(retries=1 if attempt else 0)
            try:
                parsed = json.loads(text)
            except json.JSONDecodeError:
                problem = "the reply was not valid JSON"
            else:
                problem = validate_json(parsed, json_schema) or ""
                if not problem:
                    return ChatResponse(text=text, parsed=parsed, usage=total, finish_reason=finish)
            convo = [*convo, {"role": "assistant", "content": text},
                     {"role": "user", "content": f"That reply does not fit the required JSON schema ({problem}). "
                      f"Answer again with only JSON matching: {json.dumps(json_schema)}"}]
        raise LLMOutputError(
            f"the LLM at {self.url} gave no schema-conforming JSON after {self.max_retries + 1} tries "
            f"({problem}); use a server with json_schema support or a stronger model"
        )

    def _response_format(self, schema: dict[str, Any]) -> dict[str, Any]:
        if self._schema_mode == "json_object":
            return {"type": "json_object"}
        return {"type": "json_schema", "json_schema": {"name": "action", "schema": schema}}

    async def astream(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int | None = None,
        temperature: float = 0.0,
    ) -> AsyncIterator[str]:
        import httpx

        body = {**self._body(messages, max_tokens, temperature), "stream": True}
        try:
            async with self._client() as client, client.stream(
                "POST", self.url, json=body, headers=self._headers()
            ) as response:
                if response.status_code >= 400:
                    await response.aread()
                    self._check_status(response)
                async for line in response.aiter_lines():
                    if not line.startswith("data:"):
                        continue  # SSE comments, event names, keep-alives
                    payload = line[5:].strip()
                    if payload == "[DONE]":
                        break
                    try:
                        delta = json.loads(payload)["choices"][0].get("delta", {})
                    except (ValueError, KeyError, IndexError) as e:
                        raise LLMOutputError(f"bad stream chunk from {self.url}: {payload[:120]}") from e
                    if delta.get("content"):
                        yield delta["content"]
        except httpx.HTTPError as e:
            raise self._unreachable(e) from e


class _FormatRefused(Exception):
    """The server rejected ``response_format`` (internal signal for the json_object fallback)."""


def _local_tokenizer(model: str | None) -> Any:
    """The served model's tokenizer if it is available locally (a path or the HF cache)."""
    if not model:
        return None
    try:
        from transformers import AutoTokenizer

        return AutoTokenizer.from_pretrained(model, local_files_only=True)
    except (OSError, ValueError) as e:
        log.info("no local tokenizer for %r (%s); token counts are approximations", model, type(e).__name__)
        return None
