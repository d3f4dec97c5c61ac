"""An answer computed by code is cross-checked by programs written apart (sokrat/agents/crosscheck.py):
the comparison on its own, and through the real graph with a scripted model."""

from __future__ import annotations

from typing import Any

import pytest

from sokrat import text as en
from sokrat.agents.crosscheck import (
    agrees,
    code_of,
    one_operation,
    printed_value,
    with_printed_result,
)
from sokrat.agents.options import AgentOptions
from sokrat.tools.registry import tool
from tests.agents.conftest import Call, PolicyModel, act, city_of, final, plan

GOAL = "How many integers from 1 to 50 are divisible by 4?"


@pytest.mark.parametrize(("answer", "value", "goal"), [
    ("12", "12", GOAL),
    ("There are 12 such integers.", "12", GOAL),
    ("12", "Count: 12", GOAL),  # the goal's own numbers in the printed line are not the answer
    ("5 miles is about 8.046 km.", "8.04672", "How many km is 5 miles?"),  # the answer's rounding
    ("1,234,567", "1234567", ""),
    ("No", "False", "Is 91 prime?"),
    ("Yes, 97 is prime.", "True", "Is 97 prime?"),
    ("aelnnpr", "['a', 'e', 'l', 'n', 'n', 'p', 'r']", ""),
    ("The reversed word is 'stressed'.", "stressed", ""),
    ("It falls on a Saturday.", "Saturday", ""),
    ("April 25, 2027", "2027-04-25", ""),
    ("2027-04-25", "2027-04-25", ""),
    ("Apple is the longer word.", "apple", "Which is longer, 'apple' or 'fig'?"),  # the goal's word, as printed
    ("'apple'", "apple", "Which is longer, 'apple' or 'fig'?"),
])
def test_the_same_value_agrees(answer: str, value: str, goal: str) -> None:
    assert agrees(answer, value, goal)


@pytest.mark.parametrize(("answer", "value", "goal"), [
    ("312", "12", GOAL),  # a sum for "how many"
    ("13", "12", GOAL),  # an integer is exact: off by one is another answer
    ("8.2 km", "8.04672", "How many km is 5 miles?"),
    ("Yes, it is not odd.", "False", ""),  # "no" only as a word, not inside "not"
    ("No", "True", ""),
    ("stressed", "desserts", ""),
    ("2027-04-24", "2027-04-25", ""),
    ("April 24, 2027", "2027-04-25", ""),
    ("", "12", GOAL),
    # the second program printed the goal's word unchanged; the answer holds it only as an echo
    ("The word 'kettle' reversed in capitals is ELTTEK.", "KETTLE", "Reverse 'kettle' in capitals."),
    ("Fig.", "apple", "Which is longer, 'apple' or 'fig'?"),
])
def test_another_value_does_not_agree(answer: str, value: str, goal: str) -> None:
    assert not agrees(answer, value, goal)


def test_the_program_and_its_printed_value_are_read_from_what_the_model_and_the_sandbox_return() -> None:
    assert code_of({"code": " print(1) "}) == "print(1)"
    assert code_of('{"code": "print(2)"}') == "print(2)"
    assert code_of({"tool": "python_exec", "arguments": {"code": "print(1)"}}) == ""
    assert code_of("print(1)") == ""
    assert printed_value('{"stdout": "working\\n42\\n", "exit_code": 0}') == "42"
    assert printed_value('{"stdout": "42\\n", "stderr": "boom", "exit_code": 1}') == ""
    assert printed_value("7\n") == "7"


@pytest.mark.parametrize(("code", "expected"), [
    ("sorted('banana')", "print(sorted('banana'))"),
    ("n = 3\ncount = sum(1 for w in 'a bb ccc'.split() if len(w) > n)", "n = 3\ncount = sum((1 for w in 'a bb ccc'.split() if len(w) > n))\nprint(count)"),
    ("total: int = 4", "total: int = 4\nprint(total)"),
])
def test_a_program_that_prints_nothing_prints_its_last_value(code: str, expected: str) -> None:
    assert with_printed_result(code) == expected


@pytest.mark.parametrize("code", [
    "x = 2\nprint(x * 3)",  # prints already
    "def f():\n    return 1",  # no value to print
    "a, b = 1, 2",  # not one name
    "print(",  # does not parse: the sandbox says so
    "",
])
def test_a_program_that_prints_or_has_no_last_value_is_left_alone(code: str) -> None:
    assert with_printed_result(code) == code


@pytest.mark.parametrize(("goal", "expected"), [
    ("Is 91 a prime number?", True),
    ("Tell me: does 'level' read the same backwards?", True),
    ("Check the year 1900. Answer yes or no.", True),
    ("Is 91 odd or even?", False),  # two options: not yes/no
    ("What is 91 divided by 7?", False),
    ("Print whether 91 is prime", False),  # no question
])
def test_yes_no_questions(goal: str, expected: bool) -> None:
    assert en.yes_no_question(goal) is expected


PROGRAMS: list[str] = []



@pytest.mark.parametrize(("code", "goal"), [
    ("print(17 * 23)", "What is 17 times 23?"),
    ("print(1000 / 8)", "Split 1,000 euros among 8 people: how much each?"),
    ("print(2 ** 16)", "What is 2 to the power of 16?"),
])
def test_one_operation_on_the_goals_numbers_is_not_cross_checked(code: str, goal: str) -> None:
    assert one_operation(code, goal)


@pytest.mark.parametrize(("code", "goal"), [
    ("print(5 * 1.609)", "How many km is 5 miles?"),  # a number of its own: the factor can be wrong
    ("print(17 * 23 + 1)", "What is 17 times 23 plus 1?"),  # two operators
    ("print(sum(range(1, 51)))", "Add the integers from 1 to 50."),  # a call
    ("x = 17 * 23\nprint(x)", "What is 17 times 23?"),  # more than one statement
    ("print(n * 23)", "What is 17 times 23?"),  # a name
    ("print(17 * 23", "What is 17 times 23?"),  # does not parse
])
def test_anything_more_than_one_operation_on_the_goals_numbers_is_cross_checked(code: str, goal: str) -> None:
    assert not one_operation(code, goal)

@tool(computes=True)
def run_code(code: str) -> dict:
    """Run Python code and return what it printed.

    Args:
        code: the source.
    """
    PROGRAMS.append(code)
    return {"stdout": str(eval(code.removeprefix("print(").removesuffix(")"))) + "\n", "exit_code": 0}  # noqa: S307 - test tool


def _model(first: str, second: str, third: str = "") -> PolicyModel:
    programs = [second, third]

    def policy(c: Call) -> Any:
        if c.purpose == "plan":
            return plan("run code")
        if c.purpose == "crosscheck":
            return {"code": programs.pop(0)}
        return act("run_code", code=first)

    return PolicyModel(policy)


def test_a_program_on_numbers_the_model_brought_does_not_ground_a_fact_about_the_world(make_agent: Any) -> None:
    """"How heavy is an adult blue whale?" answered from print(150 * 1000): the program's input is
    the model's knowledge, so its output is no evidence: unverified, never a success."""
    def answering(code: str, answer: str) -> PolicyModel:
        def policy(c: Call) -> Any:
            if c.purpose == "plan":
                return plan("run code")
            if c.purpose == "crosscheck":
                return {"code": code}
            return act("run_code", code=code) if "stdout" not in c.prompt else final(answer)
        return PolicyModel(policy)

    r = make_agent(answering("print(150 * 1000)", "An adult blue whale weighs 150000 kg."),
                   tools=[run_code]).run("How heavy is an adult blue whale?")
    assert r.status == "unverified" and "model's own knowledge" in (r.reason or ""), r
    # must not: a program on clock constants, on a conversion pint confirms, or on the goal's own numbers
    day = make_agent(answering("print(24 * 60 * 60)", "A day has 86400 seconds."),
                     tools=[run_code]).run("How many seconds are in a day?")
    assert day.status == "succeeded", day
    yards = make_agent(answering("print(3 * 1760 / 3)", "A mile is 1760 yards."),
                       tools=[run_code]).run("How many yards are in a mile?")
    assert yards.status == "succeeded", yards
    own = make_agent(answering("print(17 * 23)", "17 times 23 is 391."), tools=[run_code]).run("What is 17 times 23?")
    assert own.status == "succeeded", own


def test_a_second_program_that_prints_the_same_confirms_the_answer(make_agent: Any) -> None:
    model = _model("print(len([i for i in range(1, 51) if i % 4 == 0]))", "print(50 // 4)")
    r = make_agent(model, tools=[run_code]).run(GOAL)
    assert r.status == "succeeded" and r.answer == "12"
    assert model.purposes.count("crosscheck") == 1
    crosscheck_prompt = next(call for call, p in zip(model.calls, model.purposes, strict=True) if p == "crosscheck")
    assert "range(1, 51)" not in " ".join(m.content for m in crosscheck_prompt)  # written apart from the first


def test_programs_that_disagree_make_the_run_unverified(make_agent: Any) -> None:
    """An off-by-one range (0 counted): the second and third programs count from 1, so the
    answer is not reported as a success."""
    model = _model("print(len([i for i in range(0, 51) if i % 4 == 0]))", "print(50 // 4)",
                   "print(len([i for i in range(1, 51) if i % 4 == 0]))")
    r = make_agent(model, tools=[run_code]).run(GOAL)
    assert r.status == "unverified" and r.answer == "13"
    assert "code_disagrees" in (r.reason or "") and "'12'" in (r.reason or "")
    assert model.purposes.count("crosscheck") == 2


def test_a_third_program_that_sides_with_the_answer_confirms_it(make_agent: Any) -> None:
    model = _model("print(50 // 4)", "print(50 / 4)", "print(len([i for i in range(1, 51) if i % 4 == 0]))")
    r = make_agent(model, tools=[run_code]).run(GOAL)
    assert r.status == "succeeded" and r.answer == "12"


def test_no_cross_check_when_turned_off_or_when_nothing_was_computed(make_agent: Any) -> None:
    model = _model("print(len([i for i in range(0, 51) if i % 4 == 0]))", "print(50 // 4)")
    r = make_agent(model, tools=[run_code], options=AgentOptions(crosscheck_code=False)).run(GOAL)
    assert r.status == "succeeded" and "crosscheck" not in model.purposes

    def world(c: Call) -> Any:  # no values to compute on: not a computation, nothing to cross-check
        if c.purpose == "plan":
            return plan("run code")
        if "final_answer" in c.offered() and "42" in c.prompt:
            return {"tool": "final_answer", "arguments": {"answer": "42"}}
        return act("run_code", code="print(6 * 7)")

    model = PolicyModel(world)
    make_agent(model, tools=[run_code]).run("What is the answer to everything?")
    assert "crosscheck" not in model.purposes


def test_a_printed_boolean_answers_a_yes_no_question_as_yes_or_no(make_agent: Any) -> None:
    model = _model("print(91 % 7 != 0)", "print(False)")
    r = make_agent(model, tools=[run_code]).run("Is 91 a prime number?")
    assert r.answer == "No" and r.status == "succeeded"
    # not a yes/no question: the value as printed
    model = _model("print(bool(0))", "print(bool(0))")
    r = make_agent(model, tools=[run_code]).run("What does bool(0) give in Python 3?")
    assert r.answer == "False"



def test_one_operation_on_the_goals_numbers_succeeds_without_a_second_program(make_agent: Any) -> None:
    model = _model("print(17 * 23)", "print(17 * 24)")
    r = make_agent(model, tools=[run_code]).run("What is 17 times 23?")
    assert r.status == "succeeded" and r.answer == "391" and "crosscheck" not in model.purposes
    assert "one operation" in (r.reason or "")


def _parts_model(programs: list[str], answer: str, second: list[str]) -> PolicyModel:
    """A goal in two parts: two programs, then ``answer``; ``second`` are the programs written apart."""
    first, second = list(programs), list(second)

    def policy(c: Call) -> Any:
        if c.purpose == "plan":
            return plan("compute the sum", "tell whether it is even")
        if c.purpose == "crosscheck":
            return {"code": second.pop(0)}
        if first:
            return act("run_code", code=first.pop(0))
        return {"tool": "final_answer", "arguments": {"answer": answer}}

    return PolicyModel(policy)


PARTS = "Compute the sum of the squares of 1 to 10, then tell me whether that number is even."


def test_a_goal_in_parts_computed_wrong_is_unverified(make_agent: Any) -> None:
    """Each part computed by code, but the first part's program summed the numbers, not their
    squares: the program written apart prints both parts, and its sum is not the answer's."""
    model = _parts_model(["print(sum([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]))", "print(55 % 2 == 0)"],
                         "The sum is 55, which is odd.",
                         ["print(sum([i * i for i in range(1, 11)]), 385 % 2 == 0)",
                          "print(385, 'odd')"])
    r = make_agent(model, tools=[run_code]).run(PARTS)
    assert r.status == "unverified" and "code_disagrees" in (r.reason or "") and "385" in (r.reason or "")


def test_a_goal_in_parts_computed_right_succeeds(make_agent: Any) -> None:
    model = _parts_model(["print(sum([i * i for i in range(1, 11)]))", "print(385 % 2 == 0)"],
                         "The sum is 385, which is odd.", ["print(385, 385 % 2 == 0)"])
    r = make_agent(model, tools=[run_code]).run(PARTS)
    assert r.status == "succeeded" and model.purposes.count("crosscheck") == 1


def _looked_up_then_computed(first: str, printed: str, second: str, third: str = "") -> PolicyModel:
    programs = [second, third]

    def policy(c: Call) -> Any:
        if c.purpose == "plan":
            return plan("look up bob's city", "count its letters")
        if c.purpose == "crosscheck":
            return {"code": programs.pop(0)}
        if "Rome" not in c.prompt:
            return act("city_of", person="bob")
        if f"'{printed}'" not in c.prompt and f"{printed}\\n" not in c.prompt:
            return act("run_code", code=first)
        return {"tool": "final_answer", "arguments": {"answer": f"Rome has {printed} letters."}}

    return PolicyModel(policy)


GOAL_LOOKED_UP = "How many letters has the name of the city where bob lives?"


def test_a_wrong_value_computed_from_a_looked_up_one_is_unverified(make_agent: Any) -> None:
    """The second program cannot look the value up, so it is given what the lookup returned
    (not the first program): a wrong formula or reading shows as a disagreement."""
    model = _looked_up_then_computed("print(len('Rome') + 1)", "5", "print(len('Rome'))", "print(len('Rome'))")
    r = make_agent(model, tools=[run_code, city_of]).run(GOAL_LOOKED_UP)
    assert r.status == "unverified" and "code_disagrees" in (r.reason or "") and "'4'" in (r.reason or "")
    prompt = " ".join(m.content for m in next(call for call, p in zip(model.calls, model.purposes, strict=True)
                                              if p == "crosscheck"))
    assert "Rome" in prompt and "len('Rome') + 1" not in prompt  # the lookup's output, not the first program


def test_a_right_value_computed_from_a_looked_up_one_succeeds(make_agent: Any) -> None:
    model = _looked_up_then_computed("print(len('Rome'))", "4", "print(len('Rome'))")
    r = make_agent(model, tools=[run_code, city_of]).run(GOAL_LOOKED_UP)
    assert r.status == "succeeded" and model.purposes.count("crosscheck") == 1
    # not cross-checked: nothing computed after the lookup
    model = PolicyModel(lambda c: plan("look up") if c.purpose == "plan" else (
        act("city_of", person="bob") if "Rome" not in c.prompt else
        {"tool": "final_answer", "arguments": {"answer": "Bob lives in Rome."}}))
    r = make_agent(model, tools=[run_code, city_of]).run("Where does bob live?")
    assert r.status == "succeeded" and "crosscheck" not in model.purposes


NOTES: list[str] = []


@tool(stores=("note", "remember"))
def note(text: str) -> str:
    """Keep a note for later.

    Args:
        text: what to keep.
    """
    NOTES.append(text)
    return f"Stored: {text!r}"


STORE_THEN_COMPUTE = "Note that my garden is 52 square metres, then tell me how many square feet that is."


def _stored_then_computed(first: str, answer: str, second: str, third: str = "") -> PolicyModel:
    programs = [second, third]

    def policy(c: Call) -> Any:
        if c.purpose == "plan":
            return plan("note the area", "convert it")
        if c.purpose == "crosscheck":
            return {"code": programs.pop(0)}
        if "Stored:" not in c.prompt:
            return act("note", text="My garden is 52 square metres.")
        if "stdout" not in c.prompt:
            return act("run_code", code=first)
        return {"tool": "final_answer", "arguments": {"answer": answer}}

    return PolicyModel(policy)


def test_a_goal_that_stores_then_asks_a_computation_is_cross_checked(make_agent: Any) -> None:
    """The store step made the run no one-request computation, but the goal asks a value
    computed on what it gives: a wrong factor shows as a disagreement."""
    model = _stored_then_computed("print(52 * 9.77)", "That is 508.04 square feet.",
                                  "print(round(52 * 10.7639, 2))", "print(round(52 / 0.092903, 2))")
    r = make_agent(model, tools=[run_code, note]).run(STORE_THEN_COMPUTE)
    assert r.status == "unverified" and "code_disagrees" in (r.reason or "") and "559.72" in (r.reason or "")

    model = _stored_then_computed("print(round(52 * 10.7639, 2))", "That is 559.72 square feet.",
                                  "print(round(52 * 10.7639, 2))")
    r = make_agent(model, tools=[run_code, note]).run(STORE_THEN_COMPUTE)
    assert r.status == "succeeded" and model.purposes.count("crosscheck") == 1


def test_a_value_computed_before_it_is_stored_is_cross_checked_too(make_agent: Any) -> None:
    """The planner ran the code first and stored after (the store check sent its answer back):
    the computation is still the answer's, and a wrong formula still shows."""
    programs = ["print(round(52 * 10.7639, 2))", "print(round(52 / 0.092903, 2))"]

    def policy(c: Call) -> Any:
        if c.purpose == "plan":
            return plan("convert it", "note the area")
        if c.purpose == "crosscheck":
            return {"code": programs.pop(0)}
        if "stdout" not in c.prompt:
            return act("run_code", code="print(52 * 9.77)")
        if "Stored:" not in c.prompt:
            return act("note", text="My garden is 52 square metres.")
        return {"tool": "final_answer", "arguments": {"answer": "That is 508.04 square feet."}}

    r = make_agent(PolicyModel(policy), tools=[run_code, note]).run(STORE_THEN_COMPUTE)
    assert [s.tool for s in r.steps] == ["run_code", "note"]
    assert r.status == "unverified" and "code_disagrees" in (r.reason or "") and "559.72" in (r.reason or "")


def test_a_goal_that_stores_then_asks_a_cost_is_cross_checked(make_agent: Any) -> None:
    goal = "Note that my garden is 52 square metres, then tell me what turfing it costs at 4 euros a square metre."
    model = _stored_then_computed("print(52 + 4 * 1)", "It costs 56 euros.", "print(52 * 4)", "print(4 * 52)")
    r = make_agent(model, tools=[run_code, note]).run(goal)
    assert r.status == "unverified" and "code_disagrees" in (r.reason or "") and "208" in (r.reason or "")


def test_a_goal_that_only_stores_is_not_cross_checked(make_agent: Any) -> None:
    """Nothing is asked besides the note: a program the model ran on the way is no answer to check."""
    model = _stored_then_computed("print(52)", "Noted: your garden is 52 square metres.", "print(52 * 10.7639)")
    r = make_agent(model, tools=[run_code, note]).run("Note that my garden is 52 square metres.")
    assert "crosscheck" not in model.purposes and r.status != "unverified"


def test_a_conversion_pint_confirms_is_not_cross_checked_again(make_agent: Any) -> None:
    """pint converted the goal's quantity to the answer's value: a second program from the same
    model checks nothing more, and a wrong one would turn the right answer unverified."""
    goal = "Convert 41 degrees Fahrenheit to Celsius."
    model = _model("print(round((41 - 32) * 5 / 9, 2))", "print(41 * 1.8 + 32)")
    r = make_agent(model, tools=[run_code]).run(goal)
    assert r.status == "succeeded" and r.answer == "5.0" and "crosscheck" not in model.purposes
    assert "pint" in (r.reason or "")


def test_a_conversion_pint_does_not_confirm_is_still_cross_checked() -> None:
    from sokrat.agents.graph import _pint_agrees

    assert not _pint_agrees("Convert 41 degrees Fahrenheit to Celsius.", "5.1")  # 2% off pint's 5.0
    assert not _pint_agrees("Convert 5 miles to km, then add 3.", "5 miles is 8.05 km, plus 3 is 11.05 km.")
    assert not _pint_agrees("What is 17 times 23 plus 5?", "396")  # no conversion
    assert _pint_agrees("Convert 5 miles to kilometres.", "8.05 km")


def test_a_goal_without_a_target_unit_is_confirmed_by_the_conversion_the_answer_states() -> None:
    """No target in the goal ("another unit"): pint re-does the conversion the answer states,
    when it starts from the goal's own quantity under some reading of its unit."""
    from sokrat.agents.graph import _pint_agrees

    goal = "Turn 40 degrees into a different scale."
    assert _pint_agrees(goal, "40 degrees Celsius is 104 degrees Fahrenheit.")
    assert _pint_agrees(goal, "40 °F = 4.44 °C")
    assert _pint_agrees("Give 3 miles in some other unit.", "3 miles is 4.83 kilometres.")
    assert not _pint_agrees(goal, "40 °C is 72 °F")  # the 1.8 without the 32
    assert not _pint_agrees(goal, "25 °C is 77 °F")  # right, but not the goal's quantity
    assert not _pint_agrees(goal, "40 kg is 88.18 pounds")  # not a reading of "degrees"
    assert not _pint_agrees(goal, "It is 104.")  # states no conversion


def test_a_goal_that_stores_then_asks_for_no_quantity_is_not_cross_checked(make_agent: Any) -> None:
    """"..., then tell me what you stored" asks for the note back, not a value a program computes."""
    model = _stored_then_computed("print('My garden is 52 square metres.')", "You stored: my garden is 52 square metres.",
                                  "print('stored')")
    r = make_agent(model, tools=[run_code, note]).run("Note that my garden is 52 square metres, then tell me what you "
                                                      "stored.")
    assert "crosscheck" not in model.purposes and r.status != "unverified"
