"""OpenAI-compatible chat completions over HTTP (llama.cpp server, vLLM, Ollama, hosted APIs).

Schemas go out as ``response_format={"type": "json_schema", ...}``. A server that refuses
that (400/422) is asked again with ``{"type": "json_object"}`` and the reply is validated
here, with a bounded number of corrective retries; the refusal is remembered per instance.

When the server is llama.cpp (it answers ``/props``), its own endpoints give what the
OpenAI API does not: the context window (``/props``), exact token counts by the model's
chat template (``/apply-template`` + ``/tokenize``) and continuation log-probabilities
(``/completion`` with ``n_probs``). Other servers get ``/v1/models``' ``max_model_len`` (vLLM)
and, without a local tokenizer, an estimate.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Any

from sokrat.errors import LLMConnectionError, LLMOutputError, LLMUnsupported
from sokrat.llm.base import ChatModel, ChatResponse, ContinuationScore, Message
from sokrat.llm.structured import validate_json
from sokrat.llm.tokens import as_dicts, count_with_tokenizer, estimate_tokens
from sokrat.text import repetitive
from sokrat.types import Usage

if TYPE_CHECKING:
    import httpx

    from sokrat.settings import Settings

log = logging.getLogger(__name__)

LOOP_FALLBACK_TEMPERATURE = 0.7
"""Temperature of a retry after a reply that looped (whisper's first fallback step is 0.2 of
its 0.0-1.0 ladder; one retry here has to leave the loop, as the planner's own fallback does)."""
REPLY_ECHO_CHARS = 500
"""How much of an unusable reply goes back to the model with the correction (a loop's whole
text would only fill the prompt and prime the same loop)."""

DEFAULT_CONTEXT = 8192
"""Used only when the server reports no context window (neither ``/props`` nor ``/v1/models``)
and no ``context_length`` was given."""
_COUNT_CACHE = 256
"""Token counts remembered per instance (the planner counts the same prompt parts again and again)."""


class OpenAIChatModel(ChatModel):
    """A chat model behind an OpenAI-compatible ``/chat/completions`` endpoint.

    Args:
        base_url: the API root, usually ending in ``/v1``.
        model: the served model's name.
        api_key: sent as ``Authorization: Bearer``.
        timeout_s: per request.
        max_new_tokens: default completion cap.
        context_length: caps the context window the server reports (or stands in for it).
        max_retries: corrective retries when a reply does not fit the JSON schema.
        tokenizer: a local Hugging Face tokenizer of the served model, for exact counts.
    """

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
        self._context_cap = context_length
        self._server_context: int | None = None
        self._tokenizer = tokenizer
        self._props: dict[str, Any] | None = None
        self._probed = False
        self._counts: OrderedDict[tuple[tuple[str, str], ...] | str, int] = OrderedDict()
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

    # --- where the server is (a subclass may start one on demand) ---------------------------------
    def _endpoint(self) -> tuple[str, str | None]:
        """``(base_url, api_key)`` to send the next request to. May block (a managed server
        starts here), so async paths call it in a thread."""
        return self.base_url, self.api_key

    def _connection_lost(self) -> bool:
        """Called when the server cannot be reached; True means "try once more" (a managed
        server is then restarted by the next :meth:`_endpoint`)."""
        return False

    @property
    def url(self) -> str:
        return f"{self.base_url}/chat/completions"

    def _headers(self, key: str | None) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        if key:
            headers["Authorization"] = f"Bearer {key}"
        return headers

    def _client(self) -> httpx.AsyncClient:
        import httpx

        # a client per call: run_sync may drive each call on its own event loop
        return httpx.AsyncClient(timeout=httpx.Timeout(self.timeout_s, connect=min(10.0, self.timeout_s)))

    def _unreachable(self, url: str, e: Exception) -> LLMConnectionError:
        return LLMConnectionError(
            f"cannot reach the LLM server at {url} ({type(e).__name__}: {e}); "
            "start it or fix SOKRAT_LLM_BASE_URL"
        )

    def _check_status(self, url: str, response: httpx.Response) -> None:
        if response.status_code in (401, 403):
            raise LLMConnectionError(
                f"the LLM server at {url} refused the key (HTTP {response.status_code}); set SOKRAT_LLM_API_KEY"
            )
        if response.status_code == 404:
            raise LLMConnectionError(
                f"{url} answered 404: check SOKRAT_LLM_BASE_URL (usually ends in /v1) "
                f"and SOKRAT_LLM_MODEL={self.model!r}"
            )
        if response.status_code >= 400:
            raise LLMConnectionError(
                f"the LLM server at {url} answered HTTP {response.status_code}: {response.text[:200]}"
            )

    async def _post(self, path: str, body: dict[str, Any], *, root: bool = False) -> dict[str, Any]:
        """POST ``body`` to ``path`` under the API base (``root``: under the server root, for
        llama.cpp's own endpoints); one retry after a lost connection when the subclass allows."""
        import httpx

        for attempt in (0, 1):
            base, key = await asyncio.to_thread(self._endpoint)
            url = (_root(base) if root else base) + path
            try:
                async with self._client() as client:
                    response = await client.post(url, json=body, headers=self._headers(key))
            except httpx.HTTPError as e:
                # gone (refused, reset, closed mid-reply), not slow: a timeout is never retried here
                lost = (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)
                if attempt == 0 and isinstance(e, lost) and self._connection_lost():
                    log.warning("lost the LLM server at %s (%s); retrying once", url, type(e).__name__)
                    continue
                raise self._unreachable(url, e) from e
            if response.status_code in (400, 422) and "response_format" in body:
                raise _FormatRefused(response.text[:200])
            self._check_status(url, response)
            try:
                return response.json()
            except ValueError as e:
                raise LLMConnectionError(f"the LLM server at {url} did not answer JSON") from e
        raise AssertionError("unreachable")  # the loop returns or raises

    def _get_sync(self, path: str, *, root: bool) -> dict[str, Any] | None:
        """A small GET for server facts; None when the server does not offer ``path``."""
        import httpx

        base, key = self._endpoint()
        url = (_root(base) if root else base) + path
        try:
            response = httpx.get(url, headers=self._headers(key), timeout=min(10.0, self.timeout_s))
        except httpx.HTTPError as e:
            raise self._unreachable(url, e) from e
        if response.status_code >= 400:
            return None
        try:
            data = response.json()
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    def _post_sync(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        import httpx

        base, key = self._endpoint()
        url = _root(base) + path
        try:
            response = httpx.post(url, json=body, headers=self._headers(key), timeout=min(30.0, self.timeout_s))
        except httpx.HTTPError as e:
            raise self._unreachable(url, e) from e
        self._check_status(url, response)
        return response.json()

    # --- server facts -------------------------------------------------------------------------------
    def server_props(self) -> dict[str, Any] | None:
        """llama.cpp's ``/props`` (cached), or None when the server is not llama.cpp."""
        if not self._probed:
            props = self._get_sync("/props", root=True)
            self._props = props if props and "default_generation_settings" in props else None
            self._probed = True
        return self._props

    @property
    def is_llamacpp(self) -> bool:
        return self.server_props() is not None

    @property
    def tokens_exact(self) -> bool:
        """True when counts come from the model's tokenizer (local, or the llama.cpp server)."""
        return self._tokenizer is not None or self.is_llamacpp

    @property
    def context_length(self) -> int:
        """The server's context window per request (llama.cpp ``/props`` n_ctx, vLLM
        ``max_model_len``), capped by ``context_length`` when one was given."""
        if self._server_context is None:
            self._server_context = self._ask_context() or 0
            if not self._server_context:
                log.info("%s reports no context window; assuming %d tokens", self.base_url,
                         self._context_cap or DEFAULT_CONTEXT)
        own = self._server_context or self._context_cap or DEFAULT_CONTEXT
        return min(own, self._context_cap) if self._context_cap else own

    def _ask_context(self) -> int | None:
        props = self.server_props()
        if props:
            n_ctx = (props.get("default_generation_settings") or {}).get("n_ctx")
            if n_ctx:
                return int(n_ctx)
        models = self._get_sync("/models", root=False)
        for entry in (models or {}).get("data") or []:
            if not isinstance(entry, dict):
                continue
            if entry.get("max_model_len"):  # vLLM
                return int(entry["max_model_len"])
            meta = entry.get("meta") or {}
            if meta.get("n_ctx"):
                return int(meta["n_ctx"])
        return None

    # --- tokens -------------------------------------------------------------------------------------
    def count_tokens(self, messages: Sequence[Message] | str) -> int:
        key = messages if isinstance(messages, str) else tuple((m.role, m.content) for m in messages)
        if key in self._counts:
            self._counts.move_to_end(key)
            return self._counts[key]
        if self._tokenizer is not None:
            n = count_with_tokenizer(self._tokenizer, messages)
        elif self.is_llamacpp:
            text = messages if isinstance(messages, str) else self._apply_template(messages)
            n = len(self._post_sync("/tokenize", {"content": text, "add_special": False})["tokens"])
        else:
            n = estimate_tokens(messages)
        self._counts[key] = n
        if len(self._counts) > _COUNT_CACHE:
            self._counts.popitem(last=False)
        return n

    def _apply_template(self, messages: Sequence[Message]) -> str:
        """The prompt text llama.cpp builds from ``messages`` (with the generation prompt)."""
        return str(self._post_sync("/apply-template", {"messages": as_dicts(messages)})["prompt"])

    # --- chat ---------------------------------------------------------------------------------------
    def _body(self, messages: Sequence[Message], max_tokens: int | None, temperature: float) -> dict[str, Any]:
        return {
            "model": self.model,
            "messages": as_dicts(messages),
            "max_tokens": max_tokens or self.max_new_tokens,
            "temperature": temperature,
        }

    def _read(self, data: dict[str, Any]) -> tuple[str, str, Usage]:
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
        purpose: str | None = None,
    ) -> ChatResponse:
        if purpose:
            log.debug("%s call to %s", purpose, self.base_url)
        body = self._body(messages, max_tokens, temperature)
        if json_schema is None:
            text, finish, usage = self._read(await self._post("/chat/completions", body))
            return ChatResponse(text=text, usage=usage, finish_reason=finish)

        total = Usage()
        convo = list(body["messages"])
        problem = ""
        for attempt in range(self.max_retries + 1):
            body["messages"] = convo
            body["response_format"] = self._response_format(json_schema)
            try:
                data = await self._post("/chat/completions", body)
            except _FormatRefused as e:
                if self._schema_mode == "json_object":
                    raise LLMConnectionError(f"{self.url} refused response_format json_object too: {e}") from e
                log.info("%s refused json_schema response_format; falling back to json_object", self.url)
                self._schema_mode = "json_object"
                body["response_format"] = self._response_format(json_schema)
                data = await self._post("/chat/completions", body)
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
            if repetitive(text):
                # A decoding loop ("\\b\\b\\b..." to the token limit) comes back the same at
                # temperature 0 on every retry, each costing the whole max_tokens: like whisper's
                # fallback on a high compression ratio, the retries sample instead.
                body["temperature"] = max(float(body.get("temperature") or 0.0), LOOP_FALLBACK_TEMPERATURE)
            convo = [*convo, {"role": "assistant", "content": text[:REPLY_ECHO_CHARS]},
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
        purpose: str | None = None,
    ) -> AsyncIterator[str]:
        import httpx

        body = {**self._body(messages, max_tokens, temperature), "stream": True}
        base, key = await asyncio.to_thread(self._endpoint)
        url = base + "/chat/completions"
        try:
            async with self._client() as client, client.stream(
                "POST", url, json=body, headers=self._headers(key)
            ) as response:
                if response.status_code >= 400:
                    await response.aread()
                    self._check_status(url, response)
                async for line in response.aiter_lines():
                    if not line.startswith("data:"):
                        continue  # SSE comments, event names, keep-alives
                    payload = line[5:].strip()
                    if payload == "[DONE]":
                        break
                    try:
                        delta = json.loads(payload)["choices"][0].get("delta", {})
                    except (ValueError, KeyError, IndexError) as e:
                        raise LLMOutputError(f"bad stream chunk from {url}: {payload[:120]}") from e
                    if delta.get("content"):
                        yield delta["content"]
        except httpx.HTTPError as e:
            raise self._unreachable(url, e) from e

    # --- likelihood scoring (llama.cpp) -------------------------------------------------------------
    async def ascore(
        self,
        prompt: Sequence[Message] | str,
        candidates: Sequence[str],
        *,
        purpose: str | None = None,
    ) -> list[ContinuationScore]:
        """Each candidate, in the model's own tokenization, is forced with a token grammar
        through llama.cpp's ``/completion``; ``n_probs`` reports each forced token's
        log-probability under the model's own (pre-grammar) distribution. The shared prompt is evaluated once and then
        served from the prompt cache (the same text the chat endpoint builds, so a following
        chat call on the same messages hits it too)."""
        props = await asyncio.to_thread(self.server_props)
        if props is None:
            raise LLMUnsupported(
                f"the LLM server at {self.base_url} is not llama.cpp: it cannot score continuations; "
                "use the llamacpp or transformers backend"
            )
        if any(not c for c in candidates):
            raise ValueError("every candidate must be non-empty")
        text = prompt if isinstance(prompt, str) else await asyncio.to_thread(self._apply_template, prompt)
        # One after the other on ONE slot: the first candidate evaluates the prompt, the others
        # find it in that slot's cache. (Spreading them over slots would evaluate it once per slot.)
        scores: list[ContinuationScore] = []
        slot = -1
        for candidate in candidates:
            # the model's own tokenization of the candidate, forced token by token (a text grammar
            # would let the sampler spell it in other, less likely pieces: "p" + "ick")
            ids = (await self._post("/tokenize", {"content": candidate, "add_special": False}, root=True))["tokens"]
            body = {"prompt": text, "n_predict": len(ids) + 1, "temperature": 0.0, "n_probs": 1,
                    "post_sampling_probs": False, "cache_prompt": True, "grammar": _gbnf_tokens(ids),
                    "id_slot": slot}
            data = await self._post("/completion", body, root=True)
            slot = int(data.get("id_slot", -1))
            scores.append(_sum_logprobs(candidate, ids, data.get("completion_probabilities") or []))
        return scores


def _root(base: str) -> str:
    """The server root of an API base (llama.cpp's own endpoints live there, not under /v1)."""
    return base.removesuffix("/v1")


def _gbnf_tokens(ids: Sequence[int]) -> str:
    """A GBNF grammar that admits exactly these token ids, in this order."""
    return "root ::= " + " ".join(f"<[{int(i)}]>" for i in ids)


def _sum_logprobs(candidate: str, ids: Sequence[int], probs: list[dict[str, Any]]) -> ContinuationScore:
    """Sum the forced tokens' log-probabilities (the end-of-text the grammar forces afterwards
    is not part of the candidate)."""
    got = [int(p.get("id", -1)) for p in probs[: len(ids)]]
    if got != list(ids):
        raise LLMOutputError(f"the server did not force the tokens of {candidate[:40]!r} (got {got}, wanted {list(ids)})")
    return ContinuationScore(candidate, sum(float(p["logprob"]) for p in probs[: len(ids)]), len(ids))


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
        log.info("no local tokenizer for %r (%s); token counts come from the server or are estimates",
                 model, type(e).__name__)
        return None
