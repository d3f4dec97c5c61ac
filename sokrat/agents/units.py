"""Unit conversions read from a goal and re-done with pint, for the answer verifier.

"Convert 5 miles to kilometres", "how many grams is 2 ounces", "60 mph in km/h": the quantity
and the target unit are read from the goal; pint (a maintained unit registry) converts them, so a
wrong formula in the model's code or head (100 °C as 180 °F) is caught without trusting either.
A goal pint cannot read, or whose units do not convert into each other, gives nothing to check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

_NUMBER = r"(-?\d+(?:[.,]\d+)?)"
_UNIT = r"([a-z°][a-z/°² ]{0,30}?)"
_FORWARD = re.compile(rf"{_NUMBER}\s*{_UNIT}\s+(?:to|in|into|as|in terms of)\s+(?:the\s+)?{_UNIT}(?=[\s?.!,]|$)", re.I)
"""``100 degrees Celsius to Fahrenheit``, ``60 mph in km/h``."""
_BACKWARD = re.compile(rf"how many\s+{_UNIT}\s+(?:is|are|make|in)\s+(?:there in\s+)?(?:in\s+)?(-?\d+(?:[.,]\d+)?|an?(?=\s)|one(?=\s))\s*{_UNIT}"
                       r"(?=[\s?.!,]|$)", re.I)
"""``how many grams is 2 ounces``, ``how many metres are in a mile`` (a, an, one: 1)."""
_BINARY = {"kilobyte": "kibibyte", "megabyte": "mebibyte", "gigabyte": "gibibyte", "terabyte": "tebibyte"}
"""Byte multiples have two readings in use: SI's powers of 1000 (pint's) and the powers of 1024
that memory sizes and many operating systems give them (IEC's kibibyte...)."""
_PER = re.compile(r"\b([a-z]+) per ([a-z]+)\b")
"""A rate in words: "kilometres per hour" is km/h."""
_TEMPERATURES = ("degC", "degF", "kelvin")
_SPELLING = {"celsius": "degC", "centigrade": "degC", "fahrenheit": "degF", "kelvins": "kelvin",
             "metres": "meters", "metre": "meter", "kilometres": "kilometers", "kilometre": "kilometer",
             "centimetres": "centimeters", "centimetre": "centimeter", "millimetres": "millimeters",
             "litres": "liters", "litre": "liter", "kph": "km/h", "kmh": "km/h", "degc": "degC", "degf": "degF"}


@dataclass(frozen=True)
class Conversion:
    phrase: str
    """The goal's words that asked for it ("100 degrees to Fahrenheit")."""
    results: tuple[float, ...]
    """The converted value under each reading of the units (bare "degrees" with a temperature
    target reads as each other temperature scale)."""
    unit: str
    formulas: tuple[str, ...] = ()
    """Each reading's formula as pint has it, for the hint to the model (``y = x * 1.8 + 32``)."""
    programs: tuple[str, ...] = ()
    """Each reading's conversion of the goal's quantity as one line of Python (``print(100 * 1.8 + 32)``):
    a small model copies a program more faithfully than it applies a formula."""


@cache
def _registry() -> Any:
    import pint

    return pint.UnitRegistry()


def _unit(words: str) -> list[Any]:
    """The units ``words`` may name (longest reading first); empty when pint knows none."""
    return _unit_span(words)[0]


def _unit_span(words: str) -> tuple[list[Any], int]:
    """:func:`_unit`, and how many of ``words`` name the unit."""
    ureg = _registry()
    words = _PER.sub(lambda m: f"{_SPELLING.get(m[1], m[1])}/{_SPELLING.get(m[2], m[2])}", words.lower())
    tokens = [_SPELLING.get(w, w) for w in words.replace("°", " deg").split()]
    skip = 0
    if tokens[:1] in (["degrees"], ["degree"], ["deg"]) and len(tokens) > 1 and tokens[1] in _TEMPERATURES:
        tokens, skip = tokens[1:], 1
    if tokens[:1] in (["square"], ["cubic"]) and len(tokens) > 1:  # "square metres": pint has no square_meter
        try:
            return [ureg.Unit(tokens[1]) ** (2 if tokens[0] == "square" else 3)], 2 + skip
        except Exception:  # noqa: BLE001 - not a unit after all ("square root"): read on
            pass
    for n in range(len(tokens), 0, -1):
        try:
            u = ureg.Unit("_".join(tokens[:n]) if n > 1 and "/" not in tokens[0] else " ".join(tokens[:n]))
        except Exception:  # noqa: BLE001 - pint raises several error types for unknown names
            continue
        if tokens[:n] in (["degrees"], ["degree"], ["deg"]):
            return [ureg.Unit(t) for t in _TEMPERATURES] + [u], n  # "degrees": a temperature or an angle
        return [u], n + skip
    return [], 0


TARGET_WORDS = 4
"""Words read for the unit the regex stops in after one word: the target after "to"/"in"
("square feet", "fluid ounces"), the source after "how many X is 10" ("metres per second")."""


def _words_from(goal: str, start: int) -> str:
    """The first :data:`TARGET_WORDS` words of ``goal`` from ``start``, without punctuation."""
    return " ".join(re.sub(r"[?!,;:]|\.(?!\d)", " ", goal[start:]).split()[:TARGET_WORDS])


_LEAD = re.compile(r"(-?\d+(?:[.,]\d+)?)\s*([a-z]+)\s*,?\s+(?:and\s+)?$", re.I)
"""The larger part of a compound quantity before the one the conversion starts at: "5 feet" of
"5 feet 9 inches in centimetres", "2 hours and" of "2 hours and 15 minutes in minutes"."""


def conversion(goal: str) -> Conversion | None:
    """The conversion ``goal`` asks for, re-done with pint; None when there is none to check."""
    for m in _FORWARD.finditer(goal):
        # the target unit may be several words ("to square feet"): the regex stops at the first,
        # so the words after it are read too, the longest reading pint knows first
        number, phrase = m.group(1), m.group(0)
        lead = _LEAD.search(goal[: m.start()])
        if lead is not None and (total := _compound(lead.group(1), lead.group(2), number, m.group(2))) is not None:
            number, phrase = total, goal[lead.start(): m.end()]
        found = _convert(number, m.group(2), _words_from(goal, m.start(3)), phrase)
        if found is not None:
            return found
    for m in _BACKWARD.finditer(goal):
        found = _convert(m.group(2), _words_from(goal, m.start(3)), m.group(1), m.group(0))
        if found is not None:
            return found
    return None


def _compound(lead_number: str, lead_unit: str, number: str, unit: str) -> str | None:
    """``5 feet`` + ``9 inches`` as inches ("69"), when both parts are units of one dimension;
    None otherwise ("3 apples 2 kg": no compound)."""
    lead, units = _unit(lead_unit), _unit(unit)
    if not lead or not units or lead[0] == units[0]:
        return None
    try:
        part = _registry().Quantity(float(lead_number.replace(",", ".")), lead[0]).to(units[0]).magnitude
    except Exception:  # noqa: BLE001 - other dimensions: not one quantity
        return None
    return f"{float(part) + float(number.replace(',', '.')):.12g}"


def _convert(number: str, source: str, target: str, phrase: str) -> Conversion | None:
    targets = _unit(target)
    if not targets:
        return None
    value = 1.0 if number.lower() in ("a", "an", "one") else float(number.replace(",", "."))
    sources = _unit(source)
    found = _convert_units(value, sources, targets[0], phrase)
    binary = [_registry().Unit(_BINARY[str(u)]) for u in sources if str(u) in _BINARY]
    if found is None or not binary:
        return found
    # the binary reading of both sides: a megabyte in bytes is 1024², a gigabyte in megabytes 1024
    to = _registry().Unit(_BINARY.get(str(targets[0]), str(targets[0])))
    other = _convert_units(value, binary, to, phrase)
    if other is None:
        return found
    return Conversion(found.phrase, found.results + other.results, found.unit, found.formulas + other.formulas,
                      found.programs + other.programs)


def _convert_units(value: float, sources: list[Any], to: Any, phrase: str) -> Conversion | None:
    ureg = _registry()
    results, formulas, programs = [], [], []
    for unit in sources:
        if unit == to:
            continue
        try:
            results.append(float(ureg.Quantity(value, unit).to(to).magnitude))
            # every conversion pint does is linear (a factor, and an offset for temperatures)
            zero, one = (float(ureg.Quantity(x, unit).to(to).magnitude) for x in (0.0, 1.0))
        except Exception:  # noqa: BLE001 - incompatible dimensions: not this reading
            continue
        offset = f" {'+' if zero > 0 else '-'} {abs(zero):.6g}" if abs(zero) > 1e-9 else ""
        formulas.append(f"{to} = {unit} * {one - zero:.6g}{offset}")
        shift = f" {'+' if zero > 0 else '-'} {abs(zero):.12g}" if abs(zero) > 1e-9 else ""
        programs.append(f"print(round({value:g} * {one - zero:.12g}{shift}, 4))")
    return Conversion(phrase.strip(), tuple(results), str(to), tuple(formulas), tuple(programs)) if results else None


_QUANTITY = re.compile(r"(-?\d+(?:\.\d+)?)\s*(°?\s?[a-z/]+(?:\s+[a-z]+)?)", re.I)
_LINK = re.compile(r"^(?:\W*(?:is|are|was|equals?|(?:is |are )?(?:equal|equivalent|the same as|converts?|converted)"
                   r"(?: to| as)?|makes|gives|in \w+ is)\b|\s*(?:=|->|→))", re.I)
"""What joins a stated conversion's two sides ("... is equivalent to ...")."""


def stated(answer: str) -> tuple[Conversion, float] | None:
    """A conversion the answer states ("100 degrees Celsius is 180 degrees Fahrenheit"), re-done
    with pint, and the value the answer gives; None when it states no two quantities of one
    dimension in different units joined as equal ("10 minutes and 3 seconds" is no conversion)."""
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", answer).replace(",", ";")
    found = []
    for m in _QUANTITY.finditer(text):
        units, n = _unit_span(m.group(2))
        if len(units) == 1:  # a bare "degrees" states no unit
            unit_words = m.group(2).replace("° ", "°").split()[:n] if "°" in m.group(2) else m.group(2).split()[:n]
            found.append((float(m.group(1)), units[0], m.start(), m.start(2) + len(" ".join(unit_words))))
    for (a, ua, start, end), (b, ub, nxt, _) in zip(found, found[1:], strict=False):
        if ua == ub or not _LINK.search(text[end:nxt]):
            continue
        converted = _convert_units(a, [ua], ub, text[start:end])
        if converted is not None:
            return converted, b
    return None


_ASKED_DIMENSIONS = (
    (re.compile(r"\bhow (?:tall|high|wide|deep|thick)\b", re.I), ("[length]",)),
    (re.compile(r"\bhow (?:long|far)\b", re.I), ("[length]", "[time]")),
    (re.compile(r"\bhow heavy\b|\bhow much does\b.*\bweigh\b", re.I), ("[mass]",)),
    (re.compile(r"\bhow old\b", re.I), ("[time]",)),
)
"""What a question asks the size of: "how long is the sheet?" a length or a time, "how heavy" a mass."""


def off_dimension(goal: str, answer: str) -> str:
    """A quantity the answer gives in a unit of another kind than the question asks ("208 bytes"
    for "how long is a sheet of paper?"): the quantity as written, else ""."""
    wanted = next((dims for pattern, dims in _ASKED_DIMENSIONS if pattern.search(goal)), None)
    if wanted is None:
        return ""
    off = ""
    for m in _QUANTITY.finditer(answer):
        units, n = _unit_span(m.group(2))
        if len(units) != 1 or len(m.group(2).split()[0]) < 2:  # one reading, and no stray letter ("5 s")
            continue
        dims = str(units[0].dimensionality)
        if dims == "dimensionless" and re.search(r"bit|byte", str(units[0])):
            dims = "[information]"  # pint counts bits and bytes as plain numbers
        if dims in wanted:
            return ""  # it gives what is asked (a download's time beside its size)
        if dims != "dimensionless" and not off:
            off = f"{m.group(1)} {' '.join(m.group(2).split()[:n])}"
    return off


_HOW_MANY_UNIT = re.compile(r"\bhow many\s+([a-z]+(?:\s+[a-z]+)?)", re.I)


def asked_unit(goal: str) -> str:
    """The unit a "how many <unit>" question names, as it names it ("" when none)."""
    asked = _HOW_MANY_UNIT.search(goal)
    return asked.group(1).split()[0] if asked is not None else ""


def other_unit(goal: str, answer: str) -> str:
    """A "how many minutes / litres / ..." question answered only in other units of that kind
    ("13 hours and 48 minutes" for "how many minutes?", "2 gallons" for "how many litres?"):
    the quantity as written, else "". Any quantity in the asked unit that is no part of a
    compound ("... and 48 minutes") answers it; so does a bare number."""
    asked = _HOW_MANY_UNIT.search(goal)
    if asked is None:
        return ""
    wanted, _ = _unit_span(asked.group(1))
    if len(wanted) != 1 or str(wanted[0].dimensionality) == "dimensionless":
        return ""  # "how many people": no unit
    off = ""
    for m in _QUANTITY.finditer(answer):
        units, n = _unit_span(m.group(2))
        if len(units) != 1 or len(m.group(2).split()[0]) < 2:
            continue
        if units[0].dimensionality != wanted[0].dimensionality:
            continue
        before = answer[: m.start()]
        after = answer[m.start(2) + len(" ".join(m.group(2).split()[:n])):]
        in_compound = _LEAD.search(before) is not None or re.match(r"\s*,?\s*(?:and\s+)?\d", after) is not None
        if units[0] == wanted[0] and not in_compound:
            return ""
        if not off:
            off = f"{m.group(1)} {' '.join(m.group(2).split()[:n])}"
    return off


def of_goal_quantity(goal: str, said: Conversion) -> bool:
    """Whether the quantity a stated conversion starts from (``said.phrase``: "100 °C") is one
    the goal gives, under some reading of the goal's unit ("100 degrees" may be °C)."""
    m = _QUANTITY.match(said.phrase)
    if m is None:
        return False
    units, _ = _unit_span(m.group(2))
    if len(units) != 1:
        return False
    value = float(m.group(1))
    return any(float(g.group(1)) == value and units[0] in _unit(g.group(2)) for g in _QUANTITY.finditer(goal))


def matches(answer_number: float, expected: float) -> bool:
    """The answer's number is the converted value, as rounded as a person would (2 significant
    digits at least, or within 1%); a value with one decimal place (3.5 cm is 35 mm, 0.5 inch is
    12.7 mm) is already short, and is given as it is, not rounded to a whole number."""
    if expected == 0:
        return abs(answer_number) < 1e-6
    if _one_decimal(expected):
        return abs(answer_number - expected) <= 0.051
    return abs(answer_number - expected) <= max(0.01 * abs(expected), 0.051)


def _one_decimal(value: float) -> bool:
    """``value`` has exactly one decimal place (12.7, not 12 or 12.75), up to float error."""
    tenths = value * 10
    return abs(tenths - round(tenths)) < 1e-6 and abs(value - round(value)) > 1e-6


_TIME_UNIT = r"(second|minute|hour|day|week|fortnight|month|quarter|year)s?"
_RATE = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s*(?:[^\W\d]+\s+){0,2}?(?:a|an|per|each|every)\s+" + _TIME_UNIT + r"\b",
                   re.I)
"""An amount per span of time: "17.99 euros a month", "3 km per day", "40 minutes each week"."""
_PERIOD = re.compile(r"\b(?:over|for|in|across|during|within)\s+(?:the\s+(?:next|first|last)\s+)?"
                     r"(\d+(?:\.\d+)?|a|an|one|two|three|four|five|six|seven|eight|nine|ten|twelve)\s+" + _TIME_UNIT
                     + r"\b", re.I)
"""The span the goal asks about: "over 2 years", "in a year", "for the next three weeks"."""
_COUNT_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                "eight": 8, "nine": 9, "ten": 10, "twelve": 12}


@dataclass(frozen=True)
class RateOverPeriod:
    rate: float
    per: str
    count: float
    period: str
    result: float

    @property
    def program(self) -> str:
        """The computation as one line of Python, for the hint (a small model copies it)."""
        factor = self.result / self.rate if self.rate else 0.0
        return f"print(round({self.rate:g} * {factor:g}, 2))"


def rate_over_period(goal: str) -> RateOverPeriod | None:
    """A goal that gives one amount per span of time and asks about one other span ("my plan
    costs 17.99 euros a month; what does it cost over 2 years?"): the amount over that span, by
    pint (2 years / 1 month = 24). None when the goal has other numbers, several rates or spans,
    or asks about the rate's own span."""
    rates, periods = _RATE.findall(goal), _PERIOD.findall(goal)
    if len(rates) != 1 or len(periods) != 1:
        return None
    (amount, per), (count_word, period) = rates[0], periods[0]
    count = float(_COUNT_WORDS.get(count_word.lower(), 0) or count_word)
    numbers = {float(n) for n in re.findall(r"(?<![\w.])\d+(?:\.\d+)?", goal)}
    if numbers - {float(amount), count} or (per.lower() == period.lower() and count == 1):
        return None
    ureg = _registry()
    per_unit = "3 * month" if per.lower() == "quarter" else ("2 * week" if per.lower() == "fortnight" else per.lower())
    span_unit = "3 * month" if period.lower() == "quarter" else (
        "2 * week" if period.lower() == "fortnight" else period.lower())
    factor = float((count * ureg(span_unit)).to(ureg(per_unit)).magnitude)
    if abs(factor - round(factor)) > 0.01 * factor:
        return None  # days in a month, weeks in a month: people count these differently
    return RateOverPeriod(float(amount), per.lower(), count, period.lower(), round(float(amount) * factor, 6))
