"""Likelihood scoring (SayCan's "say" score): ChatModel.score on llama.cpp and transformers."""

from __future__ import annotations

import math
from collections.abc import Iterator

import pytest

from sokrat.errors import LLMOutputError, LLMUnsupported
from sokrat.llm.base import ContinuationScore, Message
from sokrat.llm.openai import _gbnf_tokens, _sum_logprobs
from sokrat.llm.scripted import ScriptedChatModel
from sokrat.llm.server import LocalServerChatModel, stop_servers
from sokrat.settings import Settings
from sokrat.weights import resolve


def test_grammar_forces_the_token_ids() -> None:
    assert _gbnf_tokens([29245, 705]) == "root ::= <[29245]> <[705]>"


def test_sum_stops_at_the_candidate_and_refuses_other_tokens() -> None:
    probs = [{"id": 29245, "token": "pick", "logprob": -0.5},
             {"id": 705, "token": " up", "logprob": -0.25},
             {"id": 151643, "token": "", "logprob": -9.0}]  # the end-of-text the grammar forces
    assert _sum_logprobs("pick up", [29245, 705], probs) == ContinuationScore("pick up", -0.75, 2)
    with pytest.raises(LLMOutputError, match="did not force"):
        _sum_logprobs("pick up", [29245, 705], probs[:1])


def test_scripted_scores_and_the_default_refusal() -> None:
    m = ScriptedChatModel([], scores={"a": -1.0, "bb": -3.0})
    got = m.score("x", ["a", "bb", "c"], purpose="saycan")
    assert [s.logprob for s in got[:2]] == [-1.0, -3.0] and got[2].logprob == -math.inf
    assert m.purposes == ["saycan"] and got[1].mean_logprob == -3.0
    with pytest.raises(LLMUnsupported):
        ScriptedChatModel([]).score("x", ["a"])


# --- the real models ------------------------------------------------------------------------------
PROMPT = [Message("system", "You control a robot arm over a table with a red block, a blue bowl and a cup."),
          Message("user", "Instruction: put the red block in the blue bowl. What is the robot's first step?")]
CANDIDATES = ["pick up the red block", "pick up the cup", "open the fridge"]


@pytest.fixture(scope="module")
def llama(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServerChatModel]:
    gguf = resolve("planner", Settings(llm_model="qwen2.5-coder-0.5b"), fmt="gguf").path
    s = Settings(cache_dir=tmp_path_factory.mktemp("cache"), llm_model=str(gguf), llm_context_tokens=2048,
                 llm_server_slots=1)
    yield LocalServerChatModel(s)
    stop_servers(s)


@pytest.mark.slow
def test_llamacpp_ranks_plausible_continuations_first(llama: LocalServerChatModel) -> None:
    raw = llama.score("The capital of France is", [" Paris", " London", " a banana"])
    assert raw[0].logprob > raw[1].logprob and raw[0].logprob > raw[2].logprob
    assert -5 < raw[0].logprob < 0 and raw[0].n_tokens == 1
    chat = llama.score(PROMPT, CANDIDATES)
    assert [s.text for s in chat] == CANDIDATES
    assert max(chat, key=lambda s: s.logprob).text == "pick up the red block"
    assert all(s.logprob < 0 and s.n_tokens >= 3 for s in chat)
    # again alone: the same score (the prompt now comes from the cache; kernels differ by a hair)
    assert llama.score(PROMPT, CANDIDATES[:1])[0].logprob == pytest.approx(chat[0].logprob, abs=0.1)


@pytest.mark.slow
def test_transformers_agrees_with_llamacpp(llama: LocalServerChatModel) -> None:
    """The same 0.5B weights (GGUF in llama.cpp, converted to bf16 for transformers) give
    close log-probabilities and the same ranking: the two scorers measure the same thing."""
    from sokrat.llm.local import LocalChatModel

    local = LocalChatModel.from_settings(Settings(llm_backend="transformers", llm_model="qwen2.5-coder-0.5b"))
    ours = local.score(PROMPT, CANDIDATES)
    theirs = llama.score(PROMPT, CANDIDATES)
    assert [s.n_tokens for s in ours] == [s.n_tokens for s in theirs]
    assert sorted(CANDIDATES, key=lambda c: -next(s.logprob for s in ours if s.text == c)) == \
        sorted(CANDIDATES, key=lambda c: -next(s.logprob for s in theirs if s.text == c))
    for a, b in zip(ours, theirs, strict=True):
        assert a.logprob == pytest.approx(b.logprob, abs=max(1.5, 0.15 * abs(b.logprob))), (a, b)
    raw = local.score("The capital of France is", [" Paris", " London"])
    assert raw[0].logprob > raw[1].logprob
