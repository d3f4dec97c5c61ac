"""The error-accumulation checks and the context budget, as plain functions."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from sokrat.agents import checks, context
from sokrat.agents.state import MemoryNote, StepState
from sokrat.errors import TokenBudgetExceeded
from sokrat.llm.base import ScriptedChatModel
from sokrat.settings import Settings
from sokrat.tools.code import check_output, print_hint
from sokrat.tools.registry import OutputView, ToolRegistry, tool


@tool
def city_of(person: str) -> dict:
    """Where a person lives.

    Args:
        person: the person's name.
    """
    return {"person": person, "city": "Paris"}


def step(i: int, tool: str, args: dict, raw: str, label: str = "ok") -> StepState:
    return StepState(index=i, tool=tool, arguments=args, observation=raw, raw=raw, label=label,  # type: ignore[typeddict-item]
                     check="", check_code="", artifact=None, duration_s=0.0)


def test_validate_call_names_the_problem() -> None:
    reg = ToolRegistry([city_of])
    assert checks.validate_call(reg, "city_of", {"person": "alice"}) is None
    missing = checks.validate_call(reg, "city_of", {})
    assert missing is not None and missing.code == "bad_arguments" and "person" in missing.reason
    unknown = checks.validate_call(reg, "nope", {})
    assert unknown is not None and "unknown tool" in unknown.reason


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


def _loop(*args: object, **kwargs: object) -> str:
    refusal = checks.detect_loop(*args, **kwargs)  # type: ignore[arg-type]
    return f"{refusal.code}: {refusal.reason}" if refusal else ""


def test_loop_detection() -> None:
    args = {"person": "alice"}
    same = [step(i, "city_of", args, "same output") for i in range(2)]
    assert _loop(same, "city_of", args).startswith("repeat_ok: this exact call already succeeded at step 1")
    assert _loop(same, "city_of", args, block_repeat_of_ok=False).startswith("repeat_same_output")
    # Repeating after a suspect or failed result is allowed (that is how a result gets confirmed).
    assert checks.detect_loop([step(0, "city_of", args, "x", "suspect")], "city_of", args) is None
    varied = [step(i, "city_of", args, f"output {i}", "failed") for i in range(3)]
    assert _loop(varied, "city_of", args, max_identical=3).startswith("repeat_many") and "3 times" in _loop(
        varied, "city_of", args, max_identical=3)
    assert checks.detect_loop(varied[:1], "city_of", args) is None
    assert checks.detect_loop(same, "city_of", {"person": "bob"}) is None
    assert checks.detect_loop(same, "city_of", args, block_repeat_of_ok=False, max_identical=2) is not None
    # A call that ran to the end and returned nothing twice will return nothing again ...
    empty = [step(i, "search", {"query": "bicycle"}, "[]", "failed") for i in range(2)]
    assert _loop(empty, "search", {"query": "bicycle"}).startswith("repeat_same_output")
    assert checks.detect_loop(empty[:1], "search", {"query": "bicycle"}) is None  # one retry is allowed
    # ... but the same error of the call itself may be transient: only the identical-call cap applies.
    reset = [{**s, "failure": "transient"} for s in empty]
    assert checks.detect_loop(reset, "search", {"query": "bicycle"}) is None  # type: ignore[arg-type]
    # A permanent failure (a tool's own check says the same call gives the same result) is refused.
    broken = [{**step(0, "city_of", args, "x", "failed"), "failure": "permanent"}]
    assert _loop(broken, "city_of", args).startswith("repeat_failed")
    # Refused calls do not count as tries.
    blocked = [{**step(i, "city_of", args, "", "failed"), "check_code": "repeat_ok"} for i in range(3)]
    assert checks.detect_loop(blocked, "city_of", args, max_identical=3) is None  # type: ignore[arg-type]


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


POLICY = json.dumps([{"source": "/d/policy.txt", "text": "Bike insurance, policy B-118.\nInsured since: 9 April 2021.\n"
                                                      "Next renewal: 2 October 2027.\n14 claims allowed."}])


@pytest.mark.parametrize("answer", [
    "It renews on October 14, 2027.",  # 14, October and 2027 each occur, never as this date
    "It renews on 9 October 2027.",
    "It renews on 2027-04-02.",
])
def test_grounding_reads_a_date_as_one_claim(answer: str) -> None:
    g = checks.ground(answer, [step(0, "search", {"query": "renewal"}, POLICY)])
    assert not g.supported and any(d in answer for d in g.unsupported), g.unsupported


@pytest.mark.parametrize("answer", [
    "It renews on 2 October 2027.", "It renews on October 2nd, 2027.", "It renews on 2027-10-02.",
    "It renews on 02.10.2027.", "It renews on 2 October.",
    "You have been insured since April 9, 2021.",
])
def test_grounding_accepts_a_date_the_source_states_in_any_form(answer: str) -> None:
    g = checks.ground(answer, [step(0, "search", {"query": "renewal"}, POLICY)])
    assert g.supported, g.unsupported


@pytest.mark.parametrize("answer", [
    "The policy has run for 9 years.",  # 9 is the day of "9 April 2021"
    "Renewal is due in 2 months.",  # 2 is the day of "2 October 2027"
])
def test_grounding_reads_a_duration_apart_from_the_days_and_years_of_dates(answer: str) -> None:
    g = checks.ground(answer, [step(0, "search", {"query": "policy"}, POLICY)])
    assert not g.supported, g


@pytest.mark.parametrize("answer", [
    "14 claims are allowed.",  # not a duration
    "It renews in 2027.",  # a year, as the date gives it
    "You may make claims for 14 years.",  # the source shows 14 outside any date
])
def test_grounding_accepts_a_number_shown_outside_a_date_or_given_as_no_duration(answer: str) -> None:
    assert checks.ground(answer, [step(0, "search", {"query": "policy"}, POLICY)]).supported


def test_grounding_takes_no_support_from_an_earlier_runs_answer() -> None:
    """An episode ("Goal: ...\nAnswer: ...") is what an earlier run said, right or wrong: recalled
    for the run or returned by a memory lookup, it grounds nothing; a stored fact does."""
    episode = MemoryNote(id="e1", kind="episode", text="Goal: How long does my lease run?\nAnswer: 1 month.")
    fact = MemoryNote(id="f1", kind="fact", text="My lease runs 12 months.")
    assert not checks.ground("It runs 1 month.", [], memories=[episode]).supported
    assert checks.ground("It runs 12 months.", [], memories=[fact]).supported
    looked_up = json.dumps([{"id": "e1", "kind": "episode", "text": episode["text"]},
                            {"id": "f1", "kind": "fact", "text": fact["text"]}])
    steps = [step(0, "recall", {"query": "lease"}, looked_up)]
    assert not checks.ground("It runs 1 month.", steps).supported
    assert checks.ground("It runs 12 months.", steps).supported


def test_grounding_takes_support_from_what_the_user_told_in_an_earlier_run() -> None:
    """An episode's goal, where it states something ("I lent my ladder to Piet Valk."), is the
    user's own word; its questions and its answer are not."""
    told = MemoryNote(id="e2", kind="episode", text="Goal: Keep this in mind: I lent my ladder to Piet Valk. Thanks!\n"
                                                    "Answer: Noted, you lent it to Piet Valk.")
    assert checks.ground("You lent it to Piet Valk.", [], memories=[told]).supported
    looked_up = json.dumps([{"id": "e2", "kind": "episode", "text": told["text"]}])
    assert checks.ground("Piet Valk", [step(0, "recall", {"query": "ladder"}, looked_up)]).supported
    # must not: a name only the earlier answer gave, or only a question asked
    guessed = MemoryNote(id="e3", kind="episode", text="Goal: Who has my ladder?\nAnswer: Piet Valk has it.")
    assert not checks.ground("Piet Valk has it.", [], memories=[guessed]).supported
    assert checks.ground("It is 2.75 m long.", [], memories=[MemoryNote(id="e5", kind="episode", text="Goal: The shed is 2.75 m long. How wide?\nAnswer: 2 m.")])
    asked = MemoryNote(id="e4", kind="episode", text="Goal: Did I lend my ladder to Piet Valk?\nAnswer: I do not know.")
    assert not checks.ground("You lent it to Piet Valk.", [], memories=[asked]).supported


def _printed(code: str, stdout: str) -> StepState:
    return step(0, "python_exec", {"code": code}, json.dumps({"stdout": stdout, "stderr": "", "exit_code": 0}))


def test_grounding_takes_no_support_from_what_a_program_only_printed_as_written() -> None:
    """``print('The gate code is 5521.')`` computes nothing: the model's own words, typed into
    code, would otherwise ground themselves."""
    typed = _printed("print('The gate code is 5521.')", "The gate code is 5521.\n")
    assert not checks.ground("The gate code is 5521.", [typed], context="What is the gate code?").supported
    assert not checks.ground("5521", [_printed("print(5521)", "5521\n")], context="What is the code?").supported
    name = _printed("print(f'You lent it to {\"Ana Ruiz\"}.')", "You lent it to Ana Ruiz.\n")
    assert not checks.ground("Ana Ruiz", [name], context="Who has my drill?").supported
    # must not: what the program computed, a value copied from the goal, a number that only
    # contains a literal's digits
    assert checks.ground("266 euros", [_printed("print(7 * 38)", "266\n")], context="7 days at 38 euros").supported
    assert checks.ground("It has 9 zeros.", [_printed("print(str(10**9).count('0'))", "9\n")],
                         context="How many zeros has a billion?").supported  # 9 computed with, not printed as is
    assert checks.ground("It is 5521.", [typed], context="My gate code is 5521. What is it?").supported
    assert checks.ground("2002", [_printed("for i in range(2001, 3000):\n    if i % 7 == 0:\n        print(i)\n"
                                           "        break", "2002\n")], context="first multiple of 7 above 2000").supported
    assert checks.ground("The total is 12.5.", [_printed("print('The total is', 5 * 2.5)", "The total is 12.5\n")],
                         context="5 at 2.5 each").supported


def test_a_number_at_the_start_of_a_line_of_a_json_output_supports_a_claim() -> None:
    """In a JSON output a line break is the two characters \\n: "\\n14 claims" still holds 14."""
    assert checks.ground("14 claims are allowed.", [step(0, "search", {"query": "claims"}, POLICY)]).supported


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


def test_offload_shows_the_whole_records_that_fit_not_a_cut_one() -> None:
    import json

    store = context.LocalArtifacts()
    s = Settings(observation_max_chars=1000)
    hits = [{"source": f"doc{i}.txt", "text": f"Order {i}. " + "Line. " * 100 + f"Total: {i}0 euros."} for i in range(3)]
    big = "CHECK SUSPECT: maybe about something else. Output was: " + json.dumps(hits)
    text, handle = context.offload(big, store, s)
    assert handle and store.get_artifact(handle) == big and "read_artifact" in text
    assert "Total: 00 euros." in text and "Total: 10 euros." not in text  # the first record whole, the next left out
    assert "1 of 3 records shown" in text and text.startswith("CHECK SUSPECT") and "chars" not in text


def test_offload_of_text_that_holds_no_records_keeps_its_head_and_tail() -> None:
    import json

    store = context.LocalArtifacts()
    s = Settings(observation_max_chars=200)
    one_long = json.dumps([{"text": "word " * 100}])  # its only record does not fit
    text, _ = context.offload(one_long, store, s)
    assert text.startswith(f"[{len(one_long)} chars") and "records shown" not in text
    text, _ = context.offload("plain " * 100, store, s)
    assert text.startswith("[600 chars") and "records shown" not in text


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


def test_sentences_are_not_keys_and_inflections_are_not_names() -> None:
    stored = checks.verify("remember", {"text": "My locker code is 4411"}, True, "remembered as 723e83", [])
    assert stored is not None and stored.label == "ok"  # a sentence argument is not a key to echo
    # An inflected verb opening a sentence is supported by its stem in the goal; a made-up name is not.
    assert checks.ground("Stored: the code 4411.", [], context="Store the code 4411").supported
    assert not checks.ground("It is Berlin.", [step(0, "city_of", {}, "Paris")], context="Where?").supported


def test_names_are_capitalised_words_inside_a_sentence() -> None:
    # fires: a capitalised word inside a sentence is a name to check
    assert checks.names("The owner is Ingrid, per the notes.") == ["Ingrid"]
    # must not fire: a sentence's first word, after a colon, or a function word
    assert checks.names("Please note: Stored that. Based on it, yes.") == []
    assert checks.names("It is THE one, And more") == []
    # quoted text is a claim too (a string result must come from a tool)
    assert "tenalp" in checks.claims("The word reversed is 'tenalp'.")
    assert checks.claims("It is fine.") == []


def test_a_record_mentions_a_synonym_or_a_kind_of_the_key() -> None:
    """From the issue: the tool returned the right shot under a synonym of the asked word, and
    the check said the record "does not mention" it."""
    bike = json.dumps([{"t_start": 4.0, "t_end": 8.0, "text": "bike [vehicle] on a street"}])
    ok = checks.verify("video_search", {"query": "bicycle"}, True, bike, [])
    assert ok is not None and ok.label == "ok"
    moped = json.dumps([{"t_start": 1.0, "t_end": 2.0, "text": "moped"}])
    assert checks.verify("video_search", {"query": "vehicle"}, True, moped, []).label == "ok"  # type: ignore[union-attr]
    # must not fire the other way: a record of a cat does not mention a bicycle
    cat = json.dumps([{"t_start": 1.0, "t_end": 2.0, "text": "cat on a sofa"}])
    other = checks.verify("video_search", {"query": "bicycle"}, True, cat, [])
    assert other is not None and other.label == "suspect" and other.code == "not_mentioned"


def test_a_key_written_as_an_identifier_is_read_as_its_words() -> None:
    record = json.dumps([{"id": "a1", "text": "The gate code is 5521."}])
    assert checks.verify("recall", {"query": "gate_code"}, True, record, []).label == "ok"  # type: ignore[union-attr]
    other = checks.verify("recall", {"query": "locker_code"}, True, json.dumps([{"id": "a1", "text": "Seat 14C."}]), [])
    assert other is not None and other.code == "not_mentioned"


# --- python_exec's own output check (tools/code.py), as the step check runs it --------------------
def _code_verdict(code: str, record: str, *, ok: bool = True, view: OutputView | None = None) -> checks.Verdict | None:
    own = check_output({"code": code}, ok, record, view or OutputView())
    return checks.verify("python_exec", {"code": code}, ok, record, [], own=own)


EMPTY_RUN = json.dumps({"stdout": "", "stderr": "", "exit_code": 0, "duration_s": 0.04, "truncated": False})


def test_code_that_printed_nothing_names_the_fix_and_is_not_run_again() -> None:
    """A function that nothing calls, or a value never printed: the hint names it, and the same
    code is never run again (it would print nothing again)."""
    code = "def area(w, h): return w * h"
    verdict = _code_verdict(code, EMPTY_RUN)
    assert verdict is not None and verdict.label == "failed" and verdict.code == "printed_nothing" and verdict.permanent
    assert "area()" in verdict.hint and "one-line def" in verdict.hint
    multi = _code_verdict("def f(n):\n    return n * 2\n", EMPTY_RUN)
    assert multi is not None and "f()" in multi.hint and "one-line def" not in multi.hint
    assert "print(total)" in _code_verdict("total = sum(range(5))", EMPTY_RUN).hint  # type: ignore[union-attr]
    # must not fire: code that printed a value, or wrote a file
    shown = json.dumps({"stdout": "391\n", "stderr": "", "exit_code": 0, "duration_s": 0.1, "truncated": False})
    assert _code_verdict("print(17 * 23)", shown).code == "no_objection"  # type: ignore[union-attr]
    wrote = json.dumps({"stdout": "", "stderr": "", "exit_code": 0, "files": [{"path": "a.txt", "bytes": 3}]})
    assert _code_verdict("open('a.txt','w').write('abc')", wrote).code == "no_objection"  # type: ignore[union-attr]


def test_code_that_draws_random_values_is_suspect() -> None:
    rolled = json.dumps({"stdout": "8965\n", "stderr": "", "exit_code": 0})
    verdict = _code_verdict("import random; print(random.randint(1000, 9999))", rolled)
    assert verdict is not None and verdict.label == "suspect" and verdict.code == "random_values"
    # must not fire on a word that merely contains the letters
    assert _code_verdict("randomness = 3\nprint(randomness)", rolled).label == "ok"  # type: ignore[union-attr]


def test_code_with_a_backspace_where_a_regex_word_boundary_was_meant_runs_again_with_it() -> None:
    """JSON reads "\\b" as a backspace: the model's regex \\b arrives as a control character."""
    code = "import re\nprint(re.findall(r'\b\\w+\b', 'two words'))"
    verdict = check_output({"code": code}, True, json.dumps({"stdout": "[]\n", "exit_code": 0}), OutputView())
    assert verdict is not None and verdict.code == "control_characters" and verdict.label == "failed"
    assert verdict.retry_arguments == {"code": "import re\nprint(re.findall(r'\\b\\w+\\b', 'two words'))"}
    # must not fire: the regex written with its backslash
    fine = "import re\nprint(re.findall(r'\\b\\w+\\b', 'two words'))"
    assert check_output({"code": fine}, True, json.dumps({"stdout": "['two', 'words']\n", "exit_code": 0}),
                        OutputView()) is None


_LOOKUPS = ("search", "recall")
_LEASE = json.dumps([{"source": "/docs/lease.md", "text": "# Flat lease\n- Rent: 950 EUR per month\n- Deposit: two "
                                                          "months' rent\n- Late fee: 2% of the rent"}])


def test_code_with_numbers_nothing_shows_for_a_goal_about_the_users_things_is_suspect() -> None:
    """Code written before anything was looked up computes on made-up values: its output may not
    pass as a computed fact, and the hint names the lookups."""
    shown = json.dumps({"stdout": "2400\n", "stderr": "", "exit_code": 0})
    goal = "How much is the deposit for my flat?"
    verdict = _code_verdict("print(1200 * 2)", shown, view=OutputView(goal=goal, lookups=_LOOKUPS))
    assert verdict is not None and verdict.label == "suspect" and verdict.code == "untraced_values"
    assert "1200" in verdict.reason and "search, recall" in verdict.hint
    # a number past a float's range is read, not a crash
    huge = _code_verdict("print(" + "9" * 400 + " % 7)", shown, view=OutputView(goal=goal, lookups=_LOOKUPS))
    assert huge is not None and huge.code != "untraced_values"
    # with the media as the user's own thing too
    in_video = OutputView(goal="How long after the doorbell does the dog bark?", lookups=("video_qa",), media=("a.mp4",))
    assert _code_verdict("print(14.5 - 9.25)", shown, view=in_video).code == "untraced_values"  # type: ignore[union-attr]


@pytest.mark.parametrize(("code", "view"), [
    # the values come from an earlier output (also as a percentage, with small counts around them)
    ("rent = 950\nprint(rent * 2, rent * 0.02)", OutputView(goal="How much is the deposit for my flat?",
                                                            lookups=_LOOKUPS, sources=(_LEASE,))),
    # ... or from a fact recalled for the run
    ("print(39 * 12)", OutputView(goal="What does my gym cost me a year?", lookups=_LOOKUPS,
                                  sources=("My gym membership costs 39 euros a month.",))),
    # clock and calendar constants need no source
    ("print(3 * 24 * 3600 + 7 * 1000)", OutputView(goal="How many seconds is my shift?", lookups=_LOOKUPS)),
    # the goal gives numbers of its own: code may bring constants
    ("print(190 / 2.54)", OutputView(goal="How many inches are my 190 centimetres?", lookups=_LOOKUPS)),
    # a question about the world, not the user's things
    ("print(5280 * 12)", OutputView(goal="How many inches are in a mile?", lookups=_LOOKUPS)),
    # nothing to look the values up with
    ("print(1200 * 2)", OutputView(goal="How much is the deposit for my flat?")),
])
def test_code_whose_numbers_are_shown_or_given_is_left_alone(code: str, view: OutputView) -> None:
    shown = json.dumps({"stdout": "1900\n", "stderr": "", "exit_code": 0})
    verdict = _code_verdict(code, shown, view=view)
    assert verdict is not None and verdict.code != "untraced_values", verdict


def test_code_failures_that_need_another_tool_say_so() -> None:
    """Code that called a planner tool as a Python function, or opened a user's file."""
    out = ("ERROR: tool 'python_exec' failed: python_exec failed (exit code 1): Traceback (most recent call last): | "
           "NameError: name 'search' is not defined")
    tools = OutputView(tools=("search", "python_exec"))
    verdict = _code_verdict("search('x')", out, ok=False, view=tools)
    assert verdict is not None and verdict.code == "tool_as_function" and "call search as its own step" in verdict.hint
    # a tool that already returned: its lines about what the code asked for, to write in as numbers
    hits = json.dumps([{"source": "/tmp/docs-1/boat_hire2.txt", "text": "Boat hire: 3 hours at 12 euros an hour.\nLife vests: 4 euros."
                                                      "\nParking: 6 euros.\nOpen daily."}])
    ran = OutputView(tools=("search", "python_exec"), sources=(hits,))
    shown = _code_verdict("search('boat hire cost') + search('life vests')", out, ok=False, view=ran)
    assert shown is not None and shown.code == "tool_as_function" and "already returned these values" in shown.hint
    assert "Boat hire: 3 hours at 12 euros an hour. | Life vests: 4 euros." in shown.hint
    assert "Parking" not in shown.hint and "Open daily" not in shown.hint  # not asked about, or no number
    assert "/tmp" not in shown.hint  # the hit's file name
    # a call copied from the tool's description fails to parse: no NameError names the tool
    syntax = ("ERROR: tool 'python_exec' failed: python_exec failed (exit code 1): SyntaxError: invalid syntax. "
              "Perhaps you forgot a comma?")
    copied = _code_verdict("search('boat hire cost', text, Markdown and PDF files)", syntax, ok=False, view=ran)
    assert copied is not None and copied.code == "tool_as_function" and "Boat hire: 3 hours" in copied.hint
    # must not fire: a method of that name (re.search) or a function the code defines itself
    for own in ("import re\nre.search(r'x' 'y')\nprint(1", "def search(q):\n    return q\nsearch('x'"):
        other = _code_verdict(own, syntax, ok=False, view=ran)
        assert other is None or other.code != "tool_as_function", other
    # must not fire: the name is no tool here (it is a value the code never set: see below)
    plain = _code_verdict("search('x')", out, ok=False, view=OutputView(tools=("python_exec",)))
    assert plain is not None and plain.code == "undefined_value"
    code = "import cv2; cap = cv2.VideoCapture('/tmp/x/day.mp4')"
    err = "ModuleNotFoundError: No module named 'cv2'"
    opened = _code_verdict(code, err, ok=False, view=OutputView(media=("/tmp/x/day.mp4",)))
    assert opened is not None and opened.code == "user_file_in_sandbox" and "cannot read day.mp4" in opened.hint
    assert _code_verdict("import cv2", err, ok=False, view=OutputView(media=("/tmp/x/day.mp4",))).code == "tool_error"  # type: ignore[union-attr]
    # A document path that a search returned: the sandbox cannot read it either.
    found = json.dumps([{"source": "/tmp/d/report.md", "text": "Quarterly report.\nTravel: 310 euros.\nHotels: 1200 euros."},
                        {"source": "/tmp/d/other.md", "text": "Parking: 40 euros."}])
    hint = _code_verdict("open('/tmp/d/report.md')", "FileNotFoundError", ok=False,
                         view=OutputView(sources=(found,))).hint  # type: ignore[union-attr]
    # the file's lines with numbers, as the search returned them, for the model to write into the code
    assert "cannot read report.md" in hint and "Travel: 310 euros. | Hotels: 1200 euros." in hint
    assert "Quarterly" not in hint and "Parking" not in hint  # no number; another file
    # not quoted: the file's text was never returned (only its path, e.g. by a listing)
    listed = json.dumps({"files": ["/tmp/d/report.md"]})
    hint = _code_verdict("open('/tmp/d/report.md')", "FileNotFoundError", ok=False,
                         view=OutputView(sources=(listed,))).hint  # type: ignore[union-attr]
    assert "cannot read report.md" in hint and "write the values the tools returned into the code, or ask" in hint
    assert print_hint("x = (") == "print() the values you need and run it again"


@pytest.mark.parametrize("output", [
    "0",  # a zero is a value, not an empty output
    "The error was fixed yesterday.",  # mentions an error, does not report one
    "Café naïve, 20 °C — done",  # accents and symbols are text, not garbage
    '{"person": "alice", "count": 0}',  # a zero count is content
    '[{"person": "alice", "city": "Paris"}]',
])
def test_verify_does_not_fail_near_misses(output: str) -> None:
    verdict = checks.verify("city_of", {"person": "alice"}, True, output, [])
    assert verdict is None or verdict.label != "failed", verdict


def test_a_value_the_code_never_set_is_quoted_from_the_outputs() -> None:
    """``budget * 0.15`` as if another tool's output were a variable: the hint gives the value an
    earlier output shows beside the name; without one, it says to write the value in."""
    out = ("ERROR: tool 'python_exec' failed: python_exec failed (exit code 1): Traceback (most recent call last): | "
           "NameError: name 'budget' is not defined")
    found = json.dumps([{"text": "# Project Zephyr\n\nOwner: Ingrid Larsen.\nBudget: 48000 euros, approved."}])
    verdict = _code_verdict("budget * 0.15", out, ok=False, view=OutputView(tools=("python_exec",), sources=(found,)))
    assert verdict is not None and verdict.code == "undefined_value" and "budget = 48000" in verdict.hint
    unknown = _code_verdict("budget * 0.15", out, ok=False, view=OutputView(tools=("python_exec",)))
    assert unknown is not None and "budget = ..." in unknown.hint
    # must not fire: another kind of failure
    err = "ZeroDivisionError: division by zero"
    other = _code_verdict("1/0", err, ok=False, view=OutputView(tools=("python_exec",), sources=(found,)))
    assert other is not None and other.code == "tool_error"


@pytest.mark.parametrize("code", [
    "from dateutil.relativedelta import relativedelta\nfrom datetime import date\n"
    "print(relativedelta(date(2025, 3, 10), date(2025, 1, 1)).days)",
    "import dateutil.relativedelta as rd\nfrom datetime import date\n"
    "gap = rd.relativedelta(date(2025, 3, 10), date(2025, 1, 1))\nprint(gap.days)",
])
def test_partial_days_fires_for_the_days_field_of_a_relativedelta(code: str) -> None:
    verdict = _code_verdict(code, '{"stdout": "9\\n", "exit_code": 0}')
    assert verdict is not None and verdict.code == "partial_days" and "(later - earlier).days" in verdict.hint
    # the same program with the span instead, to run
    assert "run this instead:" in verdict.hint and "date(2025, 3, 10) - date(2025, 1, 1)" in verdict.hint
    assert "relativedelta(date" not in verdict.hint.split("run this instead:")[1]


@pytest.mark.parametrize("code", [
    "from datetime import date\nprint((date(2025, 3, 10) - date(2025, 1, 1)).days)",  # a timedelta's days: the span
    "from dateutil.relativedelta import relativedelta\nfrom datetime import date\n"
    "print(relativedelta(date(2025, 3, 10), date(2011, 1, 1)).years)",  # an age in years
    "from datetime import date\ngap = date(2025, 3, 10) - date(2025, 1, 1)\nprint(gap.days)",
])
def test_partial_days_must_not_fire(code: str) -> None:
    verdict = _code_verdict(code, '{"stdout": "68\\n", "exit_code": 0}')
    assert verdict is None or verdict.label == "ok"


def test_a_tool_called_inside_code_is_replaced_by_the_value_its_earlier_call_returned() -> None:
    """``recall('gate code')`` in code: the value an earlier output gives those words goes in
    its place, and the call runs again (values pass between steps)."""
    err = ("ERROR: tool 'python_exec' failed (exit code 1): Traceback (most recent call last): | "
           "NameError: name 'recall' is not defined")
    found = json.dumps([{"id": "a1", "text": "The gate code is 5521.", "kind": "fact"}])
    view = OutputView(tools=("recall", "python_exec"), sources=(found,))
    verdict = check_output({"code": "print(int(recall('gate code')) * 2)  # é"}, False, err, view)
    assert verdict is not None and verdict.code == "tool_as_function"
    assert verdict.retry_arguments == {"code": "print(int(5521) * 2)  # é"}
    keyword = check_output({"code": "x = recall(query='gate code')\nprint(x + 1)"}, False, err, view)
    assert keyword is not None and keyword.retry_arguments == {"code": "x = 5521\nprint(x + 1)"}
    # a query that holds the value itself is read by its words (a recalled fact is a source too)
    fact = OutputView(tools=("recall", "python_exec"), sources=("My bike lock code is 4471.",))
    held = check_output({"code": "print(int(recall('My bike lock code is 4471')) + 100)"}, False, err, fact)
    assert held is not None and held.retry_arguments == {"code": "print(int(4471) + 100)"}
    # not: no earlier output gives those words a value (the model must call the tool itself)
    other = check_output({"code": "print(recall('bike colour'))"}, False, err, view)
    assert other is not None and other.code == "tool_as_function" and other.retry_arguments is None
    assert check_output({"code": "print(recall('gate code'))"}, False, err,
                        OutputView(tools=("recall", "python_exec"))).retry_arguments is None  # type: ignore[union-attr]


@pytest.mark.parametrize("error", [
    "TypeError: can't multiply sequence by non-int of type 'float'",
    "TypeError: unsupported operand type(s) for -: 'str' and 'int'",
    'TypeError: can only concatenate str (not "int") to str',
])
def test_arithmetic_on_text_reads_the_regex_groups_as_numbers_and_runs_again(error: str) -> None:
    code = "import re\nm = re.search(r'Fee: (\\d+)', 'Fee: 320 euros')\nprint(m.group(1) * 1.5)"
    verdict = check_output({"code": code}, False, f"ERROR: python_exec failed (exit code 1): | {error}", OutputView())
    assert verdict is not None and verdict.code == "text_arithmetic" and "float(" in verdict.hint
    assert verdict.retry_arguments is not None and "print(float(m.group(1)) * 1.5)" in verdict.retry_arguments["code"]


def test_times_subtracted_as_text_are_parsed_and_run_again() -> None:
    err = "ERROR: python_exec failed (exit code 1): | TypeError: unsupported operand type(s) for -: 'str' and 'str'"
    code = "a = '2027-03-01 22:15'; b = '2027-03-02 06:40'\nprint(f'It takes {b - a} hours.')"
    verdict = check_output({"code": code}, False, err, OutputView())
    assert verdict is not None and verdict.code == "times_as_text" and "strptime" in verdict.hint
    fixed = verdict.retry_arguments["code"]  # type: ignore[index]
    out = subprocess.run([sys.executable, "-c", fixed], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "It takes 8:25:00 hours."  # the f-string's own text is left as it is
    clock = check_output({"code": "print('18:05' - '16:50')"}, False, err, OutputView())
    assert clock is not None and clock.retry_arguments is not None
    assert subprocess.run([sys.executable, "-c", clock.retry_arguments["code"]], capture_output=True, text=True,
                          check=True).stdout.strip() == "1:15:00"
    # must not: text that is no date or time, or another error
    words = check_output({"code": "print('pear' - 'p')"}, False, err, OutputView())
    assert words is None or words.code != "times_as_text"
    other = check_output({"code": "print('2027-03-01' * 2.0)"}, False,
                         "TypeError: can't multiply sequence by non-int of type 'float'", OutputView())
    assert other is None or other.code != "times_as_text"


def test_arithmetic_on_text_must_not_fire_or_rewrite_elsewhere() -> None:
    err = "ERROR: python_exec failed (exit code 1): | TypeError: can't multiply sequence by non-int of type 'float'"
    # no regex group in the code: the hint only, no rewrite
    plain = check_output({"code": "x = input()\nprint(x * 1.5)"}, False, err, OutputView())
    assert plain is not None and plain.code == "text_arithmetic" and plain.retry_arguments is None
    # a group already converted is left as it is
    done = check_output({"code": "print(float(m.group(1)) * 'a')"}, False, err, OutputView())
    assert done is not None and done.retry_arguments is None
    # another TypeError is not arithmetic on text
    other = check_output({"code": "print(len(5))"}, False, "TypeError: object of type 'int' has no len()", OutputView())
    assert other is None or other.code != "text_arithmetic"


def test_partial_days_must_not_fire_when_the_code_reads_months_too() -> None:
    code = ("from dateutil.relativedelta import relativedelta\nfrom datetime import date\n"
            "r = relativedelta(date(2025, 3, 10), date(2025, 1, 1))\nprint(r.months, 'months and', r.days, 'days')")
    verdict = _code_verdict(code, '{"stdout": "2 months and 9 days\\n", "exit_code": 0}')
    assert verdict is None or verdict.code != "partial_days"


@pytest.mark.parametrize("goal", [
    "Going by my notes, how much rent do I pay in a whole year?",
    "How many seconds are in 3 weeks?",
])
def test_code_that_reads_the_clock_for_a_goal_that_names_no_day_is_suspect(goal: str) -> None:
    shown = json.dumps({"stdout": "2730\n", "stderr": "", "exit_code": 0})
    verdict = _code_verdict("import datetime; print((datetime.datetime.now().year - 2023) * 910)", shown,
                            view=OutputView(goal=goal))
    assert verdict is not None and verdict.label == "suspect" and verdict.code == "clock_values"


@pytest.mark.parametrize("goal", [
    "It is now 9:15. How many minutes until my 11:00 train?",
    "If it's now 7 pm, how long until midnight?",
    "Today is Wednesday; which day is it in 10 days?",
    "The time is 14:20 and the film runs 95 minutes. When does it end?",
])
def test_code_that_reads_the_clock_when_the_goal_says_the_time_fails(goal: str) -> None:
    shown = json.dumps({"stdout": "21:41\n", "stderr": "", "exit_code": 0})
    verdict = _code_verdict("import datetime; print(datetime.datetime.now().strftime('%H:%M'))", shown,
                            view=OutputView(goal=goal))
    assert verdict is not None and verdict.label == "failed" and verdict.code == "clock_given", goal
    assert any(f"{t}'" in verdict.reason or f'{t}"' in verdict.reason
               for t in ("9:15", "7 pm", "Wednesday", "14:20")), verdict.reason


@pytest.mark.parametrize("goal", [
    "How many days until 1 January 2030?", "How old is someone born on 3 May 1990?", "What day is it today?",
    "What time is it now?", "How many days ago was 1 March 2020?", "What's the current year?",
    "What day of the week will it be in 100 days?", "What date is it in 3 weeks?",
])
def test_code_that_reads_the_clock_for_a_goal_about_now_is_left_alone(goal: str) -> None:
    shown = json.dumps({"stdout": "1485\n", "stderr": "", "exit_code": 0})
    verdict = _code_verdict("from datetime import date; print((date(2030, 1, 1) - date.today()).days)", shown,
                            view=OutputView(goal=goal))
    assert verdict is not None and verdict.code == "no_objection"
    # nor code without the clock, for a goal that names no day
    verdict = _code_verdict("print(910 * 12)", shown, view=OutputView(goal="How much rent do I pay in a year?"))
    assert verdict is not None and verdict.code == "no_objection"


FUEL = json.dumps([{"source": "/tmp/d/fuel.txt", "start": 0, "end": 90,
                    "text": "Fuel log.\n2 May: odometer 10,400 km, 30 litres.\n19 May: odometer 11,150 km, 28 litres."},
                   {"source": "/tmp/d/other.md", "start": 0, "end": 20, "text": "Parking: 40 euros."}])
READS_FUEL = ("import re\nwith open('/tmp/d/fuel.txt', 'r') as f:\n    text = f.read()\n"
              "km = [int(x.replace(',', '')) for x in re.findall(r'odometer ([\\d,]+) km', text)]\nprint(km[1] - km[0])")


def test_code_that_opened_a_returned_file_is_rerun_on_the_returned_text() -> None:
    """The sandbox sees no user files, but a search returned this one's text: the call is run
    again with the code reading that text, so the code's own parsing works."""
    verdict = check_output({"code": READS_FUEL}, False, "FileNotFoundError: '/tmp/d/fuel.txt'",
                           OutputView(sources=(FUEL,)))
    assert verdict is not None and verdict.code == "user_file_in_sandbox" and verdict.retry_arguments
    rerun = verdict.retry_arguments["code"]
    assert "open(" not in rerun and "StringIO" in rerun
    printed = subprocess.run([sys.executable, "-c", rerun], capture_output=True, text=True, check=True).stdout
    assert printed.strip() == "750"
    pandas_read = check_output({"code": "import pandas as pd\nprint(pd.read_csv('/tmp/d/fuel.txt'))"}, False,
                               "FileNotFoundError", OutputView(sources=(FUEL,)))
    assert pandas_read is not None and "StringIO" in (pandas_read.retry_arguments or {}).get("code", "")


@pytest.mark.parametrize(("code", "sources"), [
    (READS_FUEL, (json.dumps({"files": ["/tmp/d/fuel.txt"]}),)),  # only its path was returned, not its text
    ("open('/tmp/d/fuel.txt', 'w').write('x')", (FUEL,)),  # writing: no text to read instead
    ("open(name)", (FUEL,)),  # a path the code builds: left to the model (no file named in the code)
])
def test_code_that_opened_a_file_is_not_rerun_without_its_text(code: str, sources: tuple[str, ...]) -> None:
    verdict = check_output({"code": code}, False, "FileNotFoundError: '/tmp/d/fuel.txt'", OutputView(sources=sources))
    assert verdict is None or verdict.retry_arguments is None


EOF_IN_SANDBOX = "ERROR: python_exec failed (exit code 1): |   w = input() | EOFError: EOF when reading a line"


def test_code_that_reads_input_is_rerun_with_the_goal_s_values_as_typed() -> None:
    import asyncio

    from sokrat.tools.sandbox import run_python

    code = "w = input()\nprint(w[::-1].upper())"
    goal = "Reverse the word 'lantern' and write it in capital letters."
    verdict = check_output({"code": code}, False, EOF_IN_SANDBOX, OutputView(goal=goal))
    assert verdict is not None and verdict.code == "reads_input" and verdict.retry_arguments is not None
    ran = asyncio.run(run_python(verdict.retry_arguments["code"], timeout_s=20))
    assert ran.exit_code == 0 and ran.stdout.strip() == "NRETNAL", ran
    numbers = check_output({"code": "a = float(input())\nb = float(input())\nprint(a * b)"}, False, EOF_IN_SANDBOX,
                           OutputView(goal="What is 2.5 times 4?"))
    assert numbers is not None and "'2.5\\n4\\n'" in numbers.retry_arguments["code"]  # type: ignore[index]


def test_reads_input_gives_no_rerun_without_values_and_no_verdict_without_input() -> None:
    none = check_output({"code": "print(input())"}, False, EOF_IN_SANDBOX, OutputView(goal="Say something nice."))
    assert none is not None and none.code == "reads_input" and none.retry_arguments is None
    other = check_output({"code": "import pickle; pickle.loads(b'')"}, False, "EOFError: Ran out of input",
                         OutputView(goal="Load 'x'."))
    assert other is None or other.code != "reads_input"


def test_a_printed_object_instead_of_its_value_fails() -> None:
    shown = json.dumps({"stdout": "<reversed object at 0x7f3a2b1c0d30>\n", "exit_code": 0})
    verdict = _code_verdict("print(reversed('lantern'))", shown)
    assert verdict is not None and verdict.code == "printed_object" and verdict.label == "failed"
    # run again showing the items: text joined, other items as a list
    import asyncio

    from sokrat.tools.sandbox import run_python

    own = check_output({"code": "w = 'lantern'\nprint(reversed(w.upper()), map(abs, [-1, 2]))"}, True, shown, OutputView())
    assert own is not None and own.retry_arguments is not None
    ran = asyncio.run(run_python(own.retry_arguments["code"], timeout_s=20))
    assert ran.exit_code == 0 and ran.stdout.strip() == "NRETNAL [1, 2]", ran


@pytest.mark.parametrize("stdout", ["nretnal\n", "<b>bold</b> at 0x10\n", "[<Point 1, 2>]\n"])
def test_printed_text_that_only_looks_like_markup_is_no_object(stdout: str) -> None:
    verdict = _code_verdict("print(x)", json.dumps({"stdout": stdout, "exit_code": 0}))
    assert verdict is None or verdict.code != "printed_object"


def test_code_that_shells_out_is_told_the_sandbox_runs_python_alone() -> None:
    err = "SyntaxError: invalid syntax"
    for code in ("import os; os.system('grep -r rent * | awk {print}')", "import subprocess\nsubprocess.run(['cat', 'x'])"):
        verdict = _code_verdict(code, err, ok=False, view=OutputView())
        assert verdict is not None and verdict.code == "shell_in_sandbox" and verdict.permanent, code
    # must not fire: Python that only names the module, or a failure without any shell call
    assert _code_verdict("import os\nprint(os.sep)", err, ok=False, view=OutputView()).code == "tool_error"  # type: ignore[union-attr]
    assert _code_verdict("print(system_total)", err, ok=False, view=OutputView()).code != "shell_in_sandbox"  # type: ignore[union-attr]


def test_a_block_run_onto_one_line_is_told_to_use_lines_of_its_own() -> None:
    err = "SyntaxError: invalid syntax"
    for code in ("for i in range(50, 90): if i % 7 == 0: print(i) break",
                 "total = 0 for n in [3, 4]: total += n print(total)",
                 "def f(x): return x * 2 print(f(4))"):
        verdict = _code_verdict(code, err, ok=False, view=OutputView())
        assert verdict is not None and verdict.code == "one_line_block" and verdict.permanent, code
        assert "lines of its own" in verdict.hint
    # must not fire: code on several lines, a one-line block that failed otherwise, or no block at all
    many = "for i in range(3):\n    if i: print(i) break"
    assert _code_verdict(many, err, ok=False, view=OutputView()).code == "tool_error"  # type: ignore[union-attr]
    zero = "ZeroDivisionError: division by zero"
    assert _code_verdict("for i in [0]: print(1 / i)", zero, ok=False, view=OutputView()).code == "tool_error"  # type: ignore[union-attr]
    assert _code_verdict("x = (1 + ", err, ok=False, view=OutputView()).code == "tool_error"  # type: ignore[union-attr]
