"""Unit conversions read from goals and re-done with pint (sokrat/agents/units.py), and the
verifier check that uses them."""

from __future__ import annotations

import pytest

from sokrat.agents import units, verifier
from tests.agents.test_verifier import view


@pytest.mark.parametrize(("goal", "expected"), [
    ("Convert 100 degrees Celsius to Fahrenheit.", [212.0]),
    ("Convert 100 degrees to Fahrenheit.", [212.0, -279.67]),  # bare degrees: each other scale
    ("What is 5 miles in kilometres?", [8.04672]),
    ("How many grams is 2 ounces?", [56.699]),
    ("What is 60 mph in km/h?", [96.56]),
    ("Convert 72 °F to Celsius", [22.22]),
    ("How many metres are in a mile?", [1609.34]),  # "a": one
    ("How many grams are in 3kg?", [3000.0]),
    ("How many bytes are in a gigabyte?", [1e9, 1024.0 ** 3]),  # SI and binary readings
    ("How many megabytes are in one terabyte?", [1e6, 1024.0 ** 2]),
    # units of several words: the target after "to", the source after "how many X is N"
    ("Convert 52 square metres to square feet.", [559.72]),
    ("Convert 2 litres to fluid ounces.", [67.63]),
    ("Convert 10 kilometres per hour to metres per second.", [2.78]),
    ("How many kilometres per hour is 10 metres per second?", [36.0]),
    ("How many grams is 2 ounces of flour?", [56.7]),
    # a compound quantity is one quantity: its larger part is added in the smaller unit
    ("What is 6 feet 2 inches in metres?", [1.88]),
    ("Convert 3 pounds, 4 ounces to kilograms.", [1.47]),
    ("Convert 1 hour and 30 minutes to seconds.", [5400.0]),
])
def test_conversion_is_read_and_redone(goal: str, expected: list[float]) -> None:
    found = units.conversion(goal)
    assert found is not None
    assert [round(r, 2) for r in found.results] == pytest.approx(expected, abs=0.01)


@pytest.mark.parametrize("goal", [
    "What is 17 times 23?",
    "Add 5 apples to the list.",
    "Translate 5 words to French.",
    "Move 3 boxes to the left shelf.",
    "How many players are in a team?",
    "How many apples are in a basket?",
    "Move 3 boxes to the left shelf, then count them.",
    "Send 2 letters to my square friend.",
])
def test_no_conversion_is_read_where_none_is_asked(goal: str) -> None:
    assert units.conversion(goal) is None


@pytest.mark.parametrize(("answer", "value", "said"), [
    ("100 degrees Celsius is equivalent to 180.0 degrees Fahrenheit", 212.0, 180.0),
    ("100 °C = 212 °F", 212.0, 212.0),
    ("1,000 meters is 1 km.", 1.0, 1.0),
    ("5 miles equals 3.1 km", 8.05, 3.1),
    ("40 square metres is 430.6 square feet.", 430.56, 430.6),  # areas: "square X" is X²
    ("2 cubic metres equals 2000 litres", 2000.0, 2000.0),
])
def test_a_stated_conversion_is_read_and_redone(answer: str, value: float, said: float) -> None:
    found = units.stated(answer)
    assert found is not None and found[0].results[0] == pytest.approx(value, abs=0.01) and found[1] == said


@pytest.mark.parametrize("answer", [
    "It took 10 minutes and 3 seconds.",  # two quantities, not said to be equal
    "The run took 3 hours, 10 minutes in total.",
    "The budget is 48000 euros and 15% is 7200 euros.",  # no units pint knows
    "100 degrees is 212 degrees Fahrenheit.",  # a bare "degrees" states no unit
    "The square root of 16 is 4 and 4 squared is 16.",  # "square" before no unit
])
def test_no_conversion_is_read_from_an_answer_that_states_none(answer: str) -> None:
    assert units.stated(answer) is None


@pytest.mark.parametrize(("goal", "answer"), [
    ("Convert 100 degrees to the other temperature unit.", "100 degrees Celsius is equivalent to 180.0 degrees Fahrenheit"),
    ("Convert 100 degrees to Fahrenheit.", "100 degrees Celsius is 180.0 degrees Fahrenheit."),
    ("What is 5 miles in kilometres?", "5 miles is about 3.11 kilometres."),  # divided, not multiplied
    ("How big is my 40 m2 flat in feet?", "40 square metres is 372 square feet."),  # a wrong area factor
    ("How many bytes are in a megabyte?", "There are 1073741824 bytes in a megabyte."),  # one power too many
    ("How many ounces are in a pound?", "There are 12 ounces in a pound."),  # troy, not avoirdupois
    ("What is 6 feet 2 inches in centimetres?", "5.08"),  # only the inches converted
    ("What is 0.5 inches in millimetres?", "13 mm"),  # 12.7 has one decimal: given as it is, not rounded
])
def test_conversion_mismatch_fires(goal: str, answer: str) -> None:
    assert "does not give the value" in verifier.conversion_mismatch(answer, view(goal))


@pytest.mark.parametrize(("goal", "answer"), [
    ("Convert 100 degrees to Fahrenheit.", "Assuming Celsius, 100 degrees is 212 degrees Fahrenheit."),
    ("Convert 100 degrees to the other temperature unit.", "100 degrees Celsius is 212 degrees Fahrenheit."),
    ("Convert 100 degrees to the other temperature unit.", "212"),  # states no conversion to check
    ("What is 5 miles in kilometres?", "5 miles is 8.05 km."),
    ("What is 60 mph in km/h?", "About 97 km/h."),
    ("What is 17 times 23?", "391"),  # no conversion asked
    ("What is 5 miles in kilometres?", "I could not find that."),  # absent: another check's job
    ("How many bytes are in a megabyte?", "1,000,000 bytes (SI)."),
    ("How many bytes are in a megabyte?", "1048576 bytes, in binary units."),
    ("How many ounces are in a pound?", "16"),
    ("How big is my 40 m2 flat in feet?", "40 square metres is about 430.6 square feet."),
    ("What is 6 feet 2 inches in centimetres?", "187.96 cm"),
    ("I have 3 apples and 2 kg of flour: what is that in pounds?", "About 4.4 pounds."),  # no compound of apples and kg
    ("What is 0.5 inches in millimetres?", "12.7 mm"),
    ("How many centimetres are 2.5 inches?", "About 6.4 cm."),  # 6.35: two decimals, a person rounds them
])
def test_conversion_mismatch_must_not_fire(goal: str, answer: str) -> None:
    assert verifier.conversion_mismatch(answer, view(goal)) == ""


def test_the_mismatch_hint_gives_pints_formula_for_one_reading_only() -> None:
    one = verifier.conversion_mismatch("100 degrees Celsius is 180.0 degrees Fahrenheit.",
                                       view("Convert 100 degrees to the other temperature unit."))
    assert "degree_Fahrenheit = degree_Celsius * 1.8 + 32: call python code print(round(100 * 1.8 + 32, 4))" in one
    miles = verifier.conversion_mismatch("5 miles is about 3.11 kilometres.", view("What is 5 miles in kilometres?"))
    assert "kilometer = mile * 1.60934: call python code print(round(5 * 1.609344, 4))" in miles
    # bare "degrees" to Fahrenheit reads as Celsius or kelvin: no one formula to give
    two = verifier.conversion_mismatch("It is 180 degrees Fahrenheit.", view("Convert 100 degrees to Fahrenheit."))
    assert "does not give the value" in two and "the formula is" not in two
    # each reading's program instead
    assert "2 readings" in two and "print(round(100 * 1.8 + 32, 4))" in two
    mega = verifier.conversion_mismatch("There are 1073741824 bytes.", view("How many bytes are in a megabyte?"))
    assert "print(round(1 * 1000000, 4))" in mega and "print(round(1 * 1048576, 4))" in mega


@pytest.mark.parametrize(("goal", "answer"), [
    ("How long is a standard envelope?", "About 220 bytes."),  # information for a length
    ("How heavy is my suitcase?", "It is 70 centimetres."),
    ("How tall is the lighthouse?", "About 2 hours."),
])
def test_a_quantity_of_another_kind_than_asked_is_the_wrong_type(goal: str, answer: str) -> None:
    assert units.off_dimension(goal, answer) and "another kind" in verifier.wrong_type(answer, view(goal))


@pytest.mark.parametrize(("goal", "answer"), [
    ("How long is a standard envelope?", "About 22 cm."),
    ("How long is the film?", "2 hours 10 minutes."),  # "how long": a length or a time
    ("How long is the download?", "3 minutes for 200 MB."),  # the asked kind is there too
    ("How heavy is my suitcase?", "18 kg."),
    ("How long is my password?", "12 characters."),  # no unit pint knows
    ("What is the file size?", "200 MB."),  # no size of a kind asked
])
def test_a_quantity_of_the_kind_asked_or_of_no_known_kind_passes(goal: str, answer: str) -> None:
    assert units.off_dimension(goal, answer) == ""


@pytest.mark.parametrize(("goal", "answer", "off"), [
    ("How many minutes long is the recording you stored?", "The recording is 3 hours and 12 minutes long.", "3 hours"),
    ("How many hours is the drive?", "The drive is 2 hours 30 minutes.", "2 hours"),
    ("How many litres does the tank hold?", "It holds 40 gallons.", "40 gallons"),
])
def test_a_how_many_unit_question_answered_in_other_units_is_the_wrong_type(goal: str, answer: str, off: str) -> None:
    assert units.other_unit(goal, answer) == off
    assert "in the unit asked" in verifier.wrong_type(answer, view(goal))


@pytest.mark.parametrize(("goal", "answer"), [
    ("How many minutes long is the recording?", "It is 192 minutes long."),
    ("How many minutes long is the recording?", "192"),  # a bare number
    ("How many minutes long is the recording?", "192 minutes (3 hours and 12 minutes)."),  # both
    ("How many minutes is 3 hours?", "3 hours is 180 minutes."),
    ("How many kilometres is the walk?", "It is 12 km."),  # the asked unit abbreviated
    ("How many people came?", "12 people came in 3 hours."),  # no unit asked
])
def test_a_how_many_unit_question_answered_in_that_unit_passes(goal: str, answer: str) -> None:
    assert units.other_unit(goal, answer) == ""
