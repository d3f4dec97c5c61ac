"""The LLM backend registry: selection, reports for doctor/readyz, and a new runtime in one registration."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sokrat.errors import ConfigError
from sokrat.llm import get_chat_model
from sokrat.llm.backends import (
    BackendReport,
    ChatBackend,
    available_chat_backends,
    chat_backend,
    describe_chat_backend,
    register_chat_backend,
)
from sokrat.llm.base import ChatModel, Message
from sokrat.llm.openai import OpenAIChatModel
from sokrat.llm.scripted import ScriptedChatModel
from sokrat.llm.server import LocalServerChatModel
from sokrat.settings import Settings


def settings(tmp_path: Path, **kw: object) -> Settings:
    return Settings(cache_dir=tmp_path / "cache", data_dir=tmp_path / "data", **kw)


def test_builtin_backends_and_auto_selection(tmp_path: Path) -> None:
    assert {"http", "llamacpp", "transformers"} <= set(available_chat_backends())
    assert chat_backend(settings(tmp_path, llm_base_url="http://127.0.0.1:9/v1")).name == "http"
    assert chat_backend(settings(tmp_path)).name == "llamacpp"  # xllamacpp is installed here
    assert chat_backend(settings(tmp_path, llm_backend="transformers")).name == "transformers"
    # an explicit backend wins over the URL
    assert chat_backend(settings(tmp_path, llm_base_url="http://x/v1", llm_backend="llamacpp")).name == "llamacpp"


def test_unknown_backend_lists_the_valid_ones(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="llamacpp") as e:
        chat_backend(settings(tmp_path, llm_backend="vllm-inproc"))
    assert "transformers" in str(e.value) and "http" in str(e.value)
    report = describe_chat_backend(settings(tmp_path, llm_backend="vllm-inproc"))
    assert not report.ok and report.error_code == "config_error"


def test_create_is_cheap_and_picks_the_right_client(tmp_path: Path) -> None:
    http = get_chat_model(settings(tmp_path, llm_base_url="http://127.0.0.1:9/v1"))
    assert type(http) is OpenAIChatModel
    local = get_chat_model(settings(tmp_path))  # starts nothing until the first request
    assert isinstance(local, LocalServerChatModel) and local._info is None
    assert not (tmp_path / "cache" / "servers").exists()


def test_describe_reports_what_would_be_used(tmp_path: Path) -> None:
    http = describe_chat_backend(settings(tmp_path, llm_base_url="http://user:pw@127.0.0.1:9/v1"))
    assert http.ok and http.backend == "http" and "pw" not in http.detail
    missing_url = available_chat_backends()["http"].describe(settings(tmp_path))
    assert not missing_url.ok and "SOKRAT_LLM_BASE_URL" in (missing_url.error or "")
    llama = describe_chat_backend(settings(tmp_path))
    assert llama.ok and llama.backend == "llamacpp" and llama.extra["origin"] == "pack"
    assert llama.extra["ready"] is False  # nothing assembled in this fresh cache: doctor stays cheap
    bad = describe_chat_backend(settings(tmp_path, llm_model=str(tmp_path / "nope.gguf")))
    assert not bad.ok and "SOKRAT_LLM_MODEL" in (bad.error or "") and bad.error_code == "model_not_available"
    draft = describe_chat_backend(settings(tmp_path, llm_draft_model="no-such-draft"))
    assert not draft.ok and "draft" in (draft.error or "")


class EchoBackend(ChatBackend):
    """A whole new runtime: one class, one registration."""

    name = "echo"
    description = "repeats the last message"

    def create(self, settings: Settings) -> ChatModel:
        return ScriptedChatModel(["echo"] * 10)

    def describe(self, settings: Settings) -> BackendReport:
        return BackendReport(self.name, True, "echo-1", "in process")


@pytest.fixture
def echo_backend() -> Iterator[None]:
    register_chat_backend(EchoBackend())
    yield
    from sokrat.llm import backends

    backends._BACKENDS.pop("echo", None)


def test_a_new_backend_takes_one_registration(tmp_path: Path, echo_backend: None) -> None:
    s = settings(tmp_path, llm_backend="echo")
    model = get_chat_model(s)
    assert model.generate([Message("user", "hi")]).text == "echo"
    assert describe_chat_backend(s).model == "echo-1"
