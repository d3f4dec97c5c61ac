"""The real offline planner (Qwen2.5-Coder-0.5B GGUF pack -> bf16 safetensors) with transformers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sokrat.agents.actions import action_schema, parse_action
from sokrat.llm import get_chat_model
from sokrat.llm.base import Message
from sokrat.llm.convert import ensure_converted
from sokrat.llm.local import LocalChatModel
from sokrat.llm.structured import validate_json
from sokrat.settings import Settings
from sokrat.tools import ToolRegistry, tool
from sokrat.weights import resolve, sha256_file

pytestmark = pytest.mark.slow


@tool
def find_moments(query: str, top_k: int = 5) -> str:
    """Find the moments of a video that match a text query.

    Args:
        query: what to look for, in words.
        top_k: how many moments to return.
    """
    return query


@tool
def transcribe(path: str, start_s: float = 0.0) -> str:
    """Transcribe the speech of a media file.

    Args:
        path: the media file.
        start_s: where to start, in seconds.
    """
    return path


@tool
def calculator(expression: str) -> str:
    """Evaluate an arithmetic expression.

    Args:
        expression: e.g. 2*(3+4).
    """
    return expression


TOOLS = [find_moments, transcribe, calculator]
REG = ToolRegistry(TOOLS)
SYSTEM = (
    "You are a planner. Reply with exactly one JSON action: "
    '{"tool": <name>, "arguments": {...}}. Tools: '
    + "; ".join(f"{t.name}({', '.join(t.parameters['properties'])}): {t.description.splitlines()[0]}" for t in TOOLS)
    + '; final_answer(answer): when you know the answer.'
)


SMALL = {"llm_backend": "transformers", "llm_model": "qwen2.5-coder-0.5b"}


@pytest.fixture(scope="module")
def planner() -> LocalChatModel:
    """The 0.5B planner on transformers, from the real cache (converted there once)."""
    model = get_chat_model(Settings(**SMALL))
    assert isinstance(model, LocalChatModel)
    return model


def test_cold_conversion_in_temp_cache_then_cached_load(tmp_path: Path) -> None:
    s = Settings(cache_dir=tmp_path / "cache", **SMALL)
    pending = resolve("planner", s, prepare=False)
    assert not pending.ready and pending.convert_from is not None
    r = ensure_converted(resolve("planner", s))  # converts GGUF -> bf16 safetensors (~1 min on 2 cores)
    assert r.ready and (r.path / "model.safetensors").is_file()
    manifest = json.loads((r.path / "sokrat-manifest.json").read_text())
    assert manifest["source_sha256"] == r.sha256
    assert not list(r.path.glob("*.gguf")) and not list(r.path.parent.glob(".tmp-*"))
    config = json.loads((r.path / "config.json").read_text())
    assert "quantization_config" not in config and config["model_type"] == "qwen2"
    # deterministic: the same bytes as the user's cached copy
    real = ensure_converted(resolve("planner", Settings(**SMALL)))
    assert sha256_file(r.path / "model.safetensors") == sha256_file(real.path / "model.safetensors")
    # cached: resolving again does not rebuild
    mtime = (r.path / "model.safetensors").stat().st_mtime_ns
    again = resolve("planner", s)
    assert again.path == r.path and again.ready
    assert (r.path / "model.safetensors").stat().st_mtime_ns == mtime
    m = LocalChatModel(r.path, max_new_tokens=8)
    m.load()
    assert m.load_s is not None and m.generate([Message("user", "Say hi")]).usage.completion_tokens > 0


GOALS = [
    "When does the cat appear in kitchen.mp4?",
    "What does the speaker say in talk.wav after the first minute?",
    "How much is 17 times 23?",
    "Find the moment someone opens the fridge in day.mp4.",
    "You already know the answer is 42. Finish.",
    "Transcribe interview.mp3.",
]


@pytest.mark.parametrize("goal", GOALS)
def test_constrained_action_is_always_valid(planner: LocalChatModel, goal: str) -> None:
    schema = action_schema(TOOLS)
    r = planner.generate([Message("system", SYSTEM), Message("user", goal)], json_schema=schema, max_tokens=96)
    assert r.parsed is not None, r.text
    assert validate_json(r.parsed, schema) is None, r.text
    action = parse_action(r.text, REG)
    assert action.tool in {"find_moments", "transcribe", "calculator", "final_answer"}
    assert r.usage.llm_calls >= 1 and r.usage.completion_tokens > 0
    assert r.usage.prompt_tokens == planner.count_tokens([Message("system", SYSTEM), Message("user", goal)])


async def test_streaming_matches_generate(planner: LocalChatModel) -> None:
    msgs = [Message("user", "Name three colours, comma separated.")]
    pieces = [p async for p in planner.astream(msgs, max_tokens=12)]
    assert len(pieces) > 1
    assert "".join(pieces).strip() == planner.generate(msgs, max_tokens=12).text.strip()


def test_tokens_and_context(planner: LocalChatModel) -> None:
    assert planner.context_length == 32768
    capped = LocalChatModel(planner.model_path, context_limit=2048)
    assert capped.context_length == 2048
    one = planner.count_tokens([Message("user", "hello")])
    two = planner.count_tokens([Message("user", "hello"), Message("assistant", "hi"), Message("user", "ok")])
    assert 0 < one < two and planner.count_tokens("hello world") == 2
