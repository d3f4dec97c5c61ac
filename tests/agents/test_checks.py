"""The error-accumulation checks and the context budget, as plain functions."""

from __future__ import annotations

import json

import pytest

from sokrat.agents import checks, context
from sokrat.agents.state import StepState
from sokrat.errors import TokenBudgetExceeded
from sokrat.llm.base import ScriptedChatModel
from sokrat.settings import Settings
from sokrat.tools.registry import ToolRegistry, tool


@tool
def city_of(person: str) -> dict:
    """Where a person lives.

    Args:
        person: the person's name.
    """
    return {"person": person, "city": "Paris"}


def step(i: int, tool: str, args: dict, raw: str, label: str = "ok") -> StepState:
    return StepState(index=i, tool=tool, arguments=args, observation=raw, raw=raw, label=label,  # type: ignore[typeddict-item]
                     check="", artifact=None, duration_s=0.0)


def test_validate_call_names_the_problem() -> None:
    reg = ToolRegistry([city_of])
    assert checks.validate_call(reg, "city_of", {"person": "alice"}) is None
    assert "person" in (checks.validate_call(reg, "city_of", {}) or "")
    assert "unknown tool" in (checks.validate_call(reg, "nope", {}) or "")


@pytest.mark.parametrize(
    ("output", "reason"),
    [
        ("", "empty"),
        ("null", "empty"),
        ("{}", "empty"),
        ("Error: backend down", "reports an error"),
        ("Traceback (most recent call last):\n  File x", "reports an error"),
        ("\x00\x1f#@!%", "garbage"),
        ("#$%^&*(#@!)(*&^%$", "garbage"),
        ('{"person": "alice", "ci', "malformed"),
        ('{"person": null, "city": ""}', "no content"),
    ],
)
def test_verify_fails_junk(output: str, reason: str) -> None:
    verdict = checks.verify("city_of", {"person": "alice"}, True, output, [])
    assert verdict is not None and verdict.label == "failed"
    assert reason in verdict.reason


def test_verify_tool_error_is_failed_with_hint() -> None:
    verdict = checks.verify("city_of", {"person": "alice"}, False, "ERROR: tool raised", [])
    assert verdict is not None and verdict.label == "failed" and verdict.hint


def test_verify_record_about_something_else_is_suspect_until_confirmed() -> None:
    wrong = json.dumps({"person": "bob", "city": "Rome"})
    verdict = checks.verify("city_of", {"person": "alice"}, True, wrong, [])
    assert verdict is not None and verdict.label == "suspect"
    # The same output again for the same call: consistent, so accepted.
    again = checks.verify("city_of", {"person": "alice"}, True, wrong, [step(0, "city_of", {"person": "alice"}, wrong, "suspect")])
    assert again is not None and again.label == "ok"


def test_verify_record_echoing_another_request_is_suspect() -> None:
    other = json.dumps({"expression": "1+1", "result": 2})
    verdict = checks.verify("calculator", {"expression": "3*4+2"}, True, other, [])
    assert verdict is not None and verdict.label == "suspect" and "different request" in verdict.reason
    same = json.dumps({"expression": "3*4+2", "result": 14})
    assert checks.verify("calculator", {"expression": "3*4+2"}, True, same, []).label == "ok"  # type: ignore[union-attr]


def test_verify_contradiction_with_earlier_identical_call() -> None:
    first = json.dumps({"person": "alice", "city": "Paris"})
    second = json.dumps({"person": "alice", "city": "Lima"})
    verdict = checks.verify("city_of", {"person": "alice"}, True, second, [step(0, "city_of", {"person": "alice"}, first)])
    assert verdict is not None and verdict.label == "suspect" and "step 0" in verdict.reason


def test_verify_defers_unclear_free_text_and_accepts_plain_results() -> None:
    assert checks.verify("city_of", {"person": "alice"}, True, "It is a sunny town by the sea.", []) is None
    ok = checks.verify("calc", {"expression": "2*3"}, True, "6", [])
    assert ok is not None and ok.label == "ok"


def test_loop_detection() -> None:
    args = {"person": "alice"}
    same = [step(i, "city_of", args, "same output") for i in range(2)]
    assert "already succeeded at step 1" in (checks.detect_loop(same, "city_of", args) or "")
    assert "same output twice" in (checks.detect_loop(same, "city_of", args, block_repeat_of_ok=False) or "")
    # Repeating after a suspect or failed result is allowed (that is how a result gets confirmed).
    assert checks.detect_loop([step(0, "city_of", args, "x", "suspect")], "city_of", args) is None
    varied = [step(i, "city_of", args, f"output {i}", "failed") for i in range(3)]
    assert "3 times" in (checks.detect_loop(varied, "city_of", args, max_identical=3) or "")
    assert checks.detect_loop(varied[:1], "city_of", args) is None
    assert checks.detect_loop(same, "city_of", {"person": "bob"}) is None
    assert checks.detect_loop(same, "city_of", args, block_repeat_of_ok=False, max_identical=2) is not None
    # A call that ran to the end and returned nothing twice will return nothing again ...
    empty = [step(i, "search", {"query": "bicycle"}, "[]", "failed") for i in range(2)]
    assert "same output twice" in (checks.detect_loop(empty, "search", {"query": "bicycle"}) or "")
    assert checks.detect_loop(empty[:1], "search", {"query": "bicycle"}) is None  # one retry is allowed
    # ... but the same error of the call itself may be transient: only the identical-call cap applies.
    reset = [{**s, "failure": "transient"} for s in empty]
    assert checks.detect_loop(reset, "search", {"query": "bicycle"}) is None  # type: ignore[arg-type]


def test_no_new_information() -> None:
    steps = [step(0, "a", {}, "x"), step(1, "b", {}, "y")] + [step(i, "a", {"i": i}, "x") for i in range(2, 6)]
    assert checks.no_new_information(steps, window=4)
    assert not checks.no_new_information([*steps, step(6, "c", {}, "new")], window=4)


def test_error_budget() -> None:
    s = {"max_consecutive": 3, "max_total": 5}
    assert checks.budget_exhausted(2, 4, **s) is None
    assert "in a row" in (checks.budget_exhausted(3, 3, **s) or "")
    assert "in total" in (checks.budget_exhausted(1, 5, **s) or "")


def test_grounding_accepts_cited_values_and_rejects_invented_ones() -> None:
    hits = json.dumps([{"source": "day.mp4", "t_start": 12.0, "t_end": 14.5, "text": "a cat jumps on the table"}])
    steps = [step(0, "video_search", {"query": "cat"}, hits)]
    good = checks.ground("The cat jumped on the table at 12.0 s.", steps)
    assert good.supported
    assert good.evidence and good.evidence[0].t_start == 12.0 and good.evidence[0].source == "day.mp4"
    bad = checks.ground("The cat jumped at 31 s in Berlin.", steps)
    assert not bad.supported and set(bad.unsupported) >= {"31", "Berlin"}
    # Failed steps are not evidence.
    assert not checks.ground("At 12 s.", [step(0, "video_search", {}, hits, "failed")]).supported


def test_strip_unsupported_keeps_only_supported_claims() -> None:
    steps = [step(0, "city_of", {"person": "alice"}, "alice lives in Paris.")]
    answer = "Paris (population of Paris is 1000000)"
    g = checks.ground(answer, steps)
    assert not g.supported and g.unsupported == ["1000000"]
    kept = checks.strip_unsupported(answer, g.unsupported)
    assert kept == "Paris" and checks.ground(kept, steps).supported
    assert checks.strip_unsupported("10 euros (8 kiwis + 2 pears)", ["10", "8", "2"]) == ""
    assert checks.strip_unsupported("It is Paris. Population 12 million.", ["12"]) == "It is Paris."


def test_token_budget_uses_context_and_reserve() -> None:
    model = ScriptedChatModel([], context_length=4096)
    assert context.token_budget(model, Settings(context_reserve_tokens=1000)) == 3096
    assert context.token_budget(model, Settings(context_reserve_tokens=100, context_limit_tokens=1000)) == 900
    with pytest.raises(TokenBudgetExceeded, match="RESERVE"):
        context.token_budget(model, Settings(context_reserve_tokens=5000))


def test_offload_keeps_small_and_stores_large() -> None:
    store = context.LocalArtifacts()
    s = Settings(observation_max_chars=100)
    assert context.offload("short", store, s) == ("short", None)
    big = "head " + "x" * 1000 + " tail"
    text, handle = context.offload(big, store, s)
    assert handle and handle in text and "read_artifact" in text and len(text) < len(big)
    assert text.startswith(f"[{len(big)} chars") and "tail" in text
    assert store.get_artifact(handle) == big


def test_assemble_shrinks_then_refuses() -> None:
    model = ScriptedChatModel([])
    steps = [step(i, "a", {}, "word " * 200) for i in range(3)]
    kwargs = dict(system="sys", goal="g", assumptions=[], plan=[], summary="s " * 50, recent=steps,
                  memories=[], instruction="next", count=model.count_tokens)
    full, n_full = context.assemble(budget=10_000, **kwargs)
    small, n_small = context.assemble(budget=300, **kwargs)
    assert n_small <= 300 < n_full
    with pytest.raises(TokenBudgetExceeded, match="shorten the goal"):
        context.assemble(budget=5, **kwargs)


def test_extractive_summary_is_bounded() -> None:
    summary = ""
    for i in range(50):
        summary = context.extractive_summary(summary, [step(i, "lookup", {"k": i}, f"value {i}")], max_chars=400)
    assert len(summary) <= 400 and "value 49" in summary


def test_grounding_numbers_must_stand_alone_in_the_evidence() -> None:
    """A made-up 8965 is not supported by a memory id or a timestamp that contains those digits."""
    recalled = step(0, "recall", {"query": "locker"}, '[{"id": "mem:3fa8965c", "created_at": 1795328965.21}]')
    assert not checks.ground("The locker code is 8965.", [recalled]).supported
    assert checks.ground("The code is 4411.", [step(0, "recall", {}, '{"text": "my code is 4411."}')]).supported
    assert checks.ground("It is 1,048,576.", [step(0, "python_exec", {}, '{"stdout": "1048576\\n"}')]).supported
    assert checks.ground("Room B12.", [step(0, "search", {}, "booked in room B12")]).supported
    # A rounded value is supported by the printed one, to the decimals it shows, and no further.
    printed = [step(0, "python_exec", {}, '{"stdout": "5729.5779513082325\\n"}')]
    assert checks.ground("About 5729.58.", printed).supported and checks.ground("About 5729.6.", printed).supported
    assert not checks.ground("About 5729.59.", printed).supported
    assert not checks.ground("About 5730.", printed).supported
    # A general-knowledge answer keeps its unchecked claims, reported as unverified.
    known = checks.ground("It is 26.2 miles.", [], knowledge=True)
    assert known.supported and known.unverified == ["26.2"]


def test_sentences_are_not_keys_and_random_code_is_not_evidence() -> None:
    stored = checks.verify("remember", {"text": "My locker code is 4411"}, True, "remembered as 723e83", [])
    assert stored is not None and stored.label == "ok"  # a sentence argument is not a key to echo
    rolled = checks.verify("python_exec", {"code": "import random; print(random.randint(1000, 9999))"}, True,
                           '{"stdout": "8965\\n"}', [])
    assert rolled is not None and rolled.label == "suspect" and "random" in rolled.reason
    # An inflected verb opening a sentence is supported by its stem in the goal; a made-up name is not.
    assert checks.ground("Stored: the code 4411.", [], context="Store the code 4411").supported
    assert not checks.ground("Berlin.", [step(0, "city_of", {}, "Paris")], context="Where?").supported


def test_code_that_printed_nothing_names_the_fix_and_is_not_run_again() -> None:
    """From a real 1.5B run: `def fib(n): ...; return fib(20)` printed nothing, and the model ran
    the very same code twice more on a generic "print it" until the error budget ended the run."""
    code = "def fibonacci(n): return n if n <= 1 else fibonacci(n-1) + fibonacci(n-2); return fibonacci(20)"
    record = json.dumps({"stdout": "", "stderr": "", "exit_code": 0, "duration_s": 0.04, "truncated": False})
    verdict = checks.verify("python_exec", {"code": code}, True, record, [])
    assert verdict is not None and verdict.label == "failed" and verdict.reason == checks.PRINTED_NOTHING
    assert "on a new unindented line: print(fibonacci(20))" in verdict.hint and "one-line def" in verdict.hint
    printed = code.replace("return fibonacci(20)", "print(fibonacci(20))")  # the next real attempt
    assert "print(fibonacci(20))" in checks.verify("python_exec", {"code": printed}, True, record, []).hint  # type: ignore[union-attr]
    multi = "def f(n):\n    return n * 2\n"
    assert "nothing at the top level calls f(): write the def, then on a new unindented line: print(f(...))" in \
        checks.verify("python_exec", {"code": multi}, True, record, []).hint  # type: ignore[union-attr]
    assert "print(total)" in checks.verify("python_exec", {"code": "total = sum(range(5))"}, True, record, []).hint  # type: ignore[union-attr]
    called = checks.verify("python_exec", {"code": "def f():\n    return 1\nx = f()"}, True, record, [])
    assert called is not None and "print(x)" in called.hint
    # The same code again is refused before it runs (its durations differ, so outputs never match).
    ran = {**step(0, "python_exec", {"code": code}, record, "failed"), "check": checks.PRINTED_NOTHING}
    assert checks.PERMANENT_REFUSED in (checks.detect_loop([ran], "python_exec", {"code": code}) or "")  # type: ignore[list-item]
    assert checks.detect_loop([ran], "python_exec", {"code": code + "\nprint(fibonacci(20))"}) is None  # type: ignore[list-item]


def test_code_failures_that_need_another_tool_say_so() -> None:
    """From real 1.5B runs: `print(search('Zephyr project budget', 10))` inside python_exec, and
    OpenCV code opening the run's video, which the sandbox cannot see."""
    out = ("ERROR: tool 'python_exec' failed: python_exec failed (exit code 1): Traceback (most recent call last): | "
           "NameError: name 'search' is not defined")
    assert "call search as its own step" in checks.code_failure_hint(out, "search('x')", ["search", "python_exec"])
    assert checks.code_failure_hint(out, "search('x')", ["python_exec"]) == ""  # not a tool here: the generic hint
    assert checks.code_failure_hint("NameError: name 'x' is not defined", "x", ["search"]) == ""
    code = "import cv2; cap = cv2.VideoCapture('/tmp/x/day.mp4')"
    hint = checks.code_failure_hint("ModuleNotFoundError: No module named 'cv2'", code, ["python_exec"], ["/tmp/x/day.mp4"])
    assert "cannot read day.mp4" in hint
    assert checks.code_failure_hint("ModuleNotFoundError: No module named 'cv2'", "import cv2", [], ["/tmp/x/day.mp4"]) == ""
    # A document path that a search returned: the sandbox cannot read it either.
    found = step(0, "search", {"query": "budget"}, json.dumps([{"source": "/tmp/d/zephyr.md", "text": "Budget: 48000"}]))
    hint = checks.code_failure_hint("AttributeError: 'NoneType' object has no attribute 'group'",
                                    "re.search('x', '/tmp/d/zephyr.md')", ["search"], [], [found])
    assert "cannot read zephyr.md" in hint and "write the values the tools returned" in hint
