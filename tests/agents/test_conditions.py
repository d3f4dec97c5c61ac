"""Conditions a goal puts on the one number it asks for (sokrat/agents/conditions.py), and the
verifier check that tests them on the answer. Goals here are made up for the tests."""

from __future__ import annotations

import pytest

from sokrat.agents import conditions, verifier
from tests.agents.test_verifier import _ran, view


@pytest.mark.parametrize(("goal", "expected"), [
    ("What is the smallest number greater than 500 that is divisible by 4 and 9?",
     ["greater than 500", "divisible by 4", "divisible by 9"]),
    ("Find the largest prime below 60.", ["less than 60", "prime"]),
    ("Which multiple of 8 is at least 70 and at most 90?", ["at least 70", "at most 90", "divisible by 8"]),
    ("Find a multiple of 6 that is no less than 40 and no more than 50.", ["at least 40", "at most 50",
                                                                          "divisible by 6"]),
    ("What is the smallest odd number above 2.5?", ["greater than 2.5", "odd"]),
    ("Remember my pin. Then find the first even number greater than 1,500 that is not divisible by 4.",
     ["greater than 1500", "even"]),  # "not divisible": no condition read (negated)
    ("Give me the smallest 3-digit number divisible by 3, 5, and 7.", ["divisible by 3", "divisible by 5",
                                                                       "divisible by 7"]),
])
def test_conditions_are_read_from_a_goal_asking_for_one_number(goal: str, expected: list[str]) -> None:
    assert [str(c) for c in conditions.read(goal)] == expected


@pytest.mark.parametrize("goal", [
    "How many numbers below 100 are divisible by 7?",  # a count
    "Is 91 a multiple of 7?",  # yes/no about a given number
    "What is the number of days between 3 May and 9 June?",  # a quantity, not "a number"
    "What is the sum of the multiples of 3 below 1000?",  # many numbers
    "How much more than 50 is 80?",
    "What is 17 times 23?",
])
def test_no_condition_is_read_where_the_goal_sets_none_on_one_number(goal: str) -> None:
    assert conditions.read(goal) == []


GOAL = "What is the smallest number greater than 500 that is divisible by 4 and 9?"


@pytest.mark.parametrize("answer", ["36", "The number is 504.5.", "468 is divisible by 4 and 9.", "It is 502."])
def test_breaks_condition_fires(answer: str) -> None:
    message = verifier.breaks_condition(answer, view(GOAL, _ran("print(36)", answer)))
    assert "your answer's number is not" in message and "Run code that tests every condition" in message


@pytest.mark.parametrize(("goal", "answer"), [
    (GOAL, "504"),
    (GOAL, "The smallest number greater than 500 divisible by 4 and 9 is 504."),  # the goal's numbers beside it
    (GOAL, "I could not find such a number."),  # absent: another check's job
    ("Find the largest prime below 60.", "59"),
    ("How many numbers below 100 are divisible by 7?", "14"),  # no conditions on one number
    ("What is 17 times 23?", "391"),
    (GOAL, "No number was printed."),  # no number in the answer: nothing to test
])
def test_breaks_condition_must_not_fire(goal: str, answer: str) -> None:
    assert verifier.breaks_condition(answer, view(goal, _ran("print(504)", answer))) == ""


def test_a_broken_condition_ends_the_run_unverified_once_its_budget_is_spent() -> None:
    chk = next(c for c in verifier.DEFAULT_ANSWER_CHECKS if c.code == "breaks_condition")
    assert chk.unverified and chk.retries == 1
