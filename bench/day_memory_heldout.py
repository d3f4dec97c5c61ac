"""The HELD-OUT day of bench/day_memory.py and its questions, written once before any tuning
(their own commit); do not change them to fit the results.

Thursday 2026-11-19 repeats the routine of the dev days (Mon-Wed): kitchen in the morning,
street at lunch, office in the afternoon, garage in the evening. Its questions are asked over
the whole collection (Mon-Thu; "today" is Thursday).
"""

from __future__ import annotations

from day_memory_data import Day, Item, Visit

HELDOUT_DAY = Day("2026-11-19", (Visit("kitchen", "08:05"), Visit("street", "12:40"), Visit("office", "14:20"),
                                 Visit("garage", "19:05")))

OFFICE_WORDS = r"space|shuttle|rocket|missile|astronaut|office|launch"

HELDOUT_ITEMS = (
    Item("Did I see a cat this morning?", "yes_no", (r"\byes\b",), ("2026-11-19T08:05:05", "2026-11-19T08:05:10")),
    Item("Was there a cat in the afternoon?", "yes_no", (r"\bno\b",)),
    Item("When did I last see the cat?", "when", (r"08:05",), ("2026-11-19T08:05:05", "2026-11-19T08:05:10")),
    Item("When did I first see a cat?", "when", (r"08:00",), ("2026-11-16T08:00:05", "2026-11-16T08:00:10")),
    Item("Did I see a vehicle between 12 and 1 pm?", "yes_no", (r"\byes\b",),
         ("2026-11-19T12:40:00", "2026-11-19T12:40:10")),
    Item("What did I do this morning?", "diary", (r"espresso|coffee",), ("2026-11-19T08:05:00", "2026-11-19T08:05:10")),
    Item("Was there a moped this evening?", "yes_no", (r"\byes\b",), ("2026-11-19T19:05:00", "2026-11-19T19:05:10")),
    Item("What am I likely to do next?", "forecast", (), unanswerable=True),
    Item("Where will I probably go after lunch?", "forecast", (OFFICE_WORDS,)),
    Item("Did I see a cat on Tuesday?", "yes_no", (r"\bno\b",)),
    Item("How many times did I see a cat?", "count", (r"\b3 times\b|three times",)),
    Item("Did I see a cat yesterday?", "yes_no", (r"\byes\b",), ("2026-11-18T07:50:05", "2026-11-18T07:50:10")),
    Item("What did I see around 2 pm?", "what", (OFFICE_WORDS,), ("2026-11-19T14:20:00", "2026-11-19T14:20:10")),
    Item("Was there an espresso on Monday?", "yes_no", (r"\byes\b",), ("2026-11-16T08:00:00", "2026-11-16T08:00:10")),
    Item("What did I do in the evening?", "diary", (r"moped|motorcycle|scooter",)),
    Item("Did I see a rocket at noon?", "yes_no", (r"\bno\b",)),
)
