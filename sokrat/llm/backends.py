"""LLM backends behind one registry: how the planner runs, and what doctor and readyz report.

A backend is one small class: ``create(settings)`` returns a :class:`ChatModel`, and
``describe(settings)`` says, without loading anything, whether it would work and with what.
Adding a runtime (an in-process llama.cpp, a hosted API) takes one new module with such a
class and one :func:`register_chat_backend` call; ``SOKRAT_LLM_BACKEND=<name>`` then selects it.

Built in: ``http`` (any OpenAI-compatible server at ``SOKRAT_LLM_BASE_URL``), ``llamacpp``
(the user's shared local llama.cpp server, :mod:`sokrat.llm.server`) and ``transformers``
(in-process, :mod:`sokrat.llm.local`).
"""

from __future__ import annotations

import importlib.util
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sokrat.errors import ConfigError, SokratError

if TYPE_CHECKING:
    from sokrat.llm.base import ChatModel
    from sokrat.settings import Settings


@dataclass(frozen=True)
class BackendReport:
    """What a backend would use, as ``sokrat doctor`` and ``/readyz`` show it."""

    backend: str
    """The backend's registry name."""
    ok: bool
    """True when the planner would work (the model resolves, the server is set...)."""
    model: str | None = None
    """The model it would serve (a model id, a path, or the HTTP model name)."""
    detail: str = ""
    """One line: where the model comes from, or which server is used."""
    error: str | None = None
    """Why it would not work, naming the fix."""
    error_code: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    """Backend-specific facts (the resolved weights, a running server)."""


class ChatBackend(ABC):
    """One way to run the planner."""

    name: str
    description: str

    def missing(self) -> str | None:
        """Why this backend cannot run in this installation (a missing package), or None."""
        return None

    @abstractmethod
    def create(self, settings: Settings) -> ChatModel:
        """A chat model for ``settings`` (cheap: weights and servers load on first use)."""

    @abstractmethod
    def describe(self, settings: Settings) -> BackendReport:
        """Whether ``create`` would work, without loading weights or starting servers."""


def _weights_report(backend: str, settings: Settings, fmt: str) -> BackendReport:
    from sokrat.weights import resolve

    try:
        r = resolve("planner", settings, prepare=False, fmt="hf" if fmt == "hf" else "gguf")
    except SokratError as e:
        return BackendReport(backend, False, error=str(e), error_code=e.code)
    state = "ready" if r.ready else "prepared on first use"
    return BackendReport(backend, True, r.model_id, f"{r.origin}: {r.path} ({state})",
                         extra={"origin": r.origin, "path": str(r.path), "ready": r.ready, "notes": list(r.notes)})


class HttpBackend(ChatBackend):
    name = "http"
    description = "an OpenAI-compatible server at SOKRAT_LLM_BASE_URL (vLLM, llama.cpp, Ollama, hosted)"

    def create(self, settings: Settings) -> ChatModel:
        from sokrat.llm.openai import OpenAIChatModel

        return OpenAIChatModel.from_settings(settings)

    def describe(self, settings: Settings) -> BackendReport:
        from sokrat._redact import redact

        if not settings.llm_base_url:
            return BackendReport(self.name, False, error="SOKRAT_LLM_BASE_URL is not set", error_code="config_error")
        return BackendReport(self.name, True, settings.llm_model or "default",
                             f"server {redact(settings.llm_base_url)}")


class LlamaCppBackend(ChatBackend):
    name = "llamacpp"
    description = "the user's shared local llama.cpp server (xllamacpp), started on first use"

    def missing(self) -> str | None:
        if importlib.util.find_spec("xllamacpp") is None:
            return "the llamacpp backend needs `xllamacpp`: pip install xllamacpp"
        return None

    def create(self, settings: Settings) -> ChatModel:
        from sokrat.llm.server import LocalServerChatModel

        if why := self.missing():
            raise ConfigError(why)
        return LocalServerChatModel(settings)

    def describe(self, settings: Settings) -> BackendReport:
        from sokrat.llm.server import ServerSpec, live_server, servers_root

        if why := self.missing():
            return BackendReport(self.name, False, error=why, error_code="config_error")
        spec = ServerSpec.from_settings(settings)
        running = live_server(servers_root(settings) / spec.dirname)
        if running is not None:
            return BackendReport(self.name, True, running.model_id,
                                 f"server pid {running.pid} at {running.url}", extra={"server": running.public()})
        report = _weights_report(self.name, settings, "gguf")
        if report.ok and settings.llm_draft_model:
            draft = _draft_report(settings)
            if draft is not None:
                return draft
        return report


def _draft_report(settings: Settings) -> BackendReport | None:
    from sokrat.weights import resolve

    try:
        resolve("draft", settings, prepare=False)
    except SokratError as e:
        return BackendReport("llamacpp", False, error=f"draft model: {e}", error_code=e.code)
    return None


class TransformersBackend(ChatBackend):
    name = "transformers"
    description = "in-process transformers (torch), with xgrammar for JSON schemas"

    def missing(self) -> str | None:
        if importlib.util.find_spec("torch") is None:
            return "the transformers backend needs torch: pip install 'sokrat[cpu]' or a CUDA torch"
        return None

    def create(self, settings: Settings) -> ChatModel:
        from sokrat.llm.local import LocalChatModel

        if why := self.missing():
            raise ConfigError(why)
        return LocalChatModel.from_settings(settings)

    def describe(self, settings: Settings) -> BackendReport:
        if why := self.missing():
            return BackendReport(self.name, False, error=why, error_code="config_error")
        return _weights_report(self.name, settings, "hf")


_BACKENDS: dict[str, ChatBackend] = {b.name: b for b in (HttpBackend(), LlamaCppBackend(), TransformersBackend())}


def register_chat_backend(backend: ChatBackend) -> None:
    """Add (or replace) a backend; ``SOKRAT_LLM_BACKEND=<backend.name>`` selects it."""
    _BACKENDS[backend.name] = backend


def available_chat_backends() -> dict[str, ChatBackend]:
    """Every registered backend by name (installed or not: see ``missing()``)."""
    return dict(_BACKENDS)


def chat_backend(settings: Settings) -> ChatBackend:
    """The backend ``settings`` select (``auto`` resolved by ``Settings.resolved_llm_backend``)."""
    name = settings.resolved_llm_backend()
    try:
        return _BACKENDS[name]
    except KeyError:
        raise ConfigError(
            f"SOKRAT_LLM_BACKEND={name!r} is not a chat backend; choose one of: auto, {', '.join(_BACKENDS)}"
        ) from None


def describe_chat_backend(settings: Settings) -> BackendReport:
    """The report of the backend in effect (an unknown backend name is a failed report)."""
    try:
        backend = chat_backend(settings)
    except ConfigError as e:
        return BackendReport(settings.llm_backend, False, error=str(e), error_code=e.code)
    return backend.describe(settings)
