"""The NINTH held-out split of the task benchmark (``heldout9``): BLIND. Written once on
2026-12-07 by a helper at the start of that night's session, before that session's tuning;
not run; run only to report. Do not tune on it.

The first eight held-out splits (``bench/tasks_heldout.py`` to ``bench/tasks_heldout8.py``) are
no longer blind: their results have been seen (``heldout8`` is no longer blind). These 40 tasks
are new (other numbers, names, words, facts and documents than the dev and the eight earlier
held-out splits); nobody tuning the planner reads this file or traces its runs, and its tasks
are not changed afterwards (an outright error in an expected answer is fixed in a commit of its
own that says so). Run them only to report, with
``python bench/tasks.py --split heldout9 --agents graph --faults 0 --interleave --save --save-as tasks_heldout9``.

Groups: arithmetic (code, string handling, dates, unit conversion with a length, a compound
quantity and a general-knowledge quantity), memory (stores phrased in several ways, recalled in
a later run), video (spoken facts, "no" answers, what is seen, a time with generous bounds),
documents (one field of records that have several), multi-step (recall, search or watch, then
compute; store then compute) and ambiguous goals (each reasonable reading counts). The media
are the ones the bench already builds: ``bikes.mp4``, ``carphone_pristine.mp4``, ``day.mp4``
(``bench/tasks.py``) and ``evening.mp4`` (``bench/tasks_heldout.py``).
"""

from __future__ import annotations

from _scoring import Task, but_not, either, no, number, number_in, words, yes
from _scoring import date as _date
from _scoring import date_patterns as _date_patterns

HELDOUT9: tuple[Task, ...] = (
    # arithmetic: code, string handling, dates, unit conversion
    Task(
        "h9_weekday",
        "arithmetic",
        "Which day of the week is 14 February 2039?",
        words(r"\bmonday\b"),
    ),
    Task(
        "h9_days_span",
        "arithmetic",
        "How many days are there from 19 June 2031 to 2 January 2032?",
        number(197),
    ),
    Task(
        "h9_date_plus",
        "arithmetic",
        "What date is 130 days after 18 September 2029?",
        _date("january", 26, 2030),
    ),
    Task(
        "h9_count_l",
        "arithmetic",
        "How many times does the letter l appear in 'little yellow balloons'?",
        either(number(6), words(r"\bsix\b")),
    ),
    Task(
        "h9_four_letters",
        "arithmetic",
        "How many words in 'every lazy summer evening smells of cut grass and warm damp stone' have "
        "exactly four letters?",
        either(number(3), words(r"\bthree\b")),
    ),
    Task(
        "h9_ends_s",
        "arithmetic",
        "How many words in 'the cats chase grey mice across dusty floors and stairs' end with the "
        "letter s?",
        either(number(4), words(r"\bfour\b")),
    ),
    Task(
        "h9_furlongs",
        "arithmetic",
        "How many metres are 7 furlongs?",
        number_in(1408.0, 1408.2),
    ),
    Task(
        "h9_flow",
        "arithmetic",
        "What is a flow of 30 litres per minute in cubic metres per hour?",
        number(1.8),
    ),
    Task(
        "h9_moon",
        "arithmetic",
        "What is the average distance from the Earth to the Moon in kilometres?",
        either(
            number_in(384000.0, 385000.0),
            words(
                r"\b384[\s\u00a0\u202f]\d{3}\b",
                r"\b3\.84\d*\s*(x|×|\*)\s*10(\^|\*\*)?\s*5\b",
            ),
        ),
    ),
    Task(
        "h9_primorial",
        "arithmetic",
        "What is the product of all prime numbers below 30?",
        number(6469693230),
    ),
    Task(
        "h9_digit_sum_ten",
        "arithmetic",
        "How many whole numbers from 1 to 1000 have digits that add up to 10?",
        number(63),
    ),
    Task(
        "h9_palindromes",
        "arithmetic",
        "How many whole numbers from 1 to 500 read the same forwards and backwards?",
        number(58),
    ),
    # memory: stores phrased in several ways, recalled in a later run
    Task(
        "h9_shed_padlock",
        "memory",
        "What is the combination of the garden shed padlock?",
        number(6714),
        before=("Take note: the padlock on the garden shed opens with the combination 6714.",),
    ),
    Task(
        "h9_physio",
        "memory",
        "Who is my physiotherapist?",
        words(r"\bcastellucci\b"),
        before=("Keep a record of this: my physiotherapist is Dr. Oona Castellucci.",),
    ),
    Task(
        "h9_goddaughter",
        "memory",
        "When is my goddaughter Malin's birthday?",
        _date("march", 11),
        before=("Remember for me that my goddaughter Malin's birthday falls on 11 March.",),
    ),
    Task(
        "h9_camping_stove",
        "memory",
        "Where is the camping stove?",
        words(r"\bcellar\b"),
        before=("Could you remember that the camping stove is on the top shelf in the cellar?",),
    ),
    Task(
        "h9_pottery",
        "memory",
        "What time does the Monday pottery class begin?",
        words(
            r"(?<![\d:])18[:.h]50\b",
            r"(?<![\d:])0?6[:.]50\s*(p\.?\s?m|in\s+the\s+evening)",
            r"\bten\s+(minutes\s+)?to\s+seven\b",
            r"\bsix[- ]fifty\s*(p\.?\s?m|in\s+the\s+evening)",
        ),
        before=("File this away: the pottery class on Mondays begins at 18:50.",),
    ),
    Task(
        "h9_library_card",
        "memory",
        "What is my library card number?",
        words(r"\bbk-?\s?517204\b"),
        before=("Keep this safe for me: my library card number is BK-517204.",),
    ),
    Task(
        "h9_cat_sitter",
        "memory",
        "What is our cat sitter called?",
        words(r"\bevadne\b"),
        before=("Don't let me forget: our cat sitter is called Evadne.",),
    ),
    # real videos: spoken facts, "no" answers, what is seen, a time with generous bounds
    Task(
        "h9_last_said",
        "video",
        "What is the last thing I tell you in this video?",
        but_not(
            either(number(42), words(r"\bconcert", r"\btickets?\b", r"\bforty[- ]two\b")),
            r"\bpassport",
            r"\bplumber",
        ),
        media=("evening.mp4",),
    ),
    Task(
        "h9_holiday_no",
        "video",
        "Do I say anything about a holiday in this video? Answer yes or no.",
        no,
        media=("day.mp4",),
    ),
    Task(
        "h9_glasses_no",
        "video",
        "Is the man in this video wearing glasses? Answer yes or no.",
        no,
        media=("carphone_pristine.mp4",),
    ),
    Task(
        "h9_helmet_yes",
        "video",
        "Is the cyclist in this video wearing a helmet? Answer yes or no.",
        yes,
        media=("bikes.mp4",),
    ),
    Task(
        "h9_cat_when",
        "video",
        "About how many seconds into the video does the cat first appear?",
        number_in(15.0, 21.0),
        media=("evening.mp4",),
    ),
    # documents: one field of records that have several
    Task(
        "h9_doc_observing",
        "documents",
        "Who coordinates the observing nights of the Lerchenfeld astronomy society, according to my "
        "documents?",
        but_not(words(r"\banyanwu\b", r"\bleopold\b"), r"\bkolbeck\b", r"\bmargarethe\b"),
        documents=True,
    ),
    Task(
        "h9_doc_open_day",
        "documents",
        "When is the Lerchenfeld astronomy society's open day at the observatory, per my notes?",
        but_not(
            _date("october", 16, 2027),
            *_date_patterns("august", 7, 2027),
            *_date_patterns("february", 28),
        ),
        documents=True,
    ),
    Task(
        "h9_doc_garage_deposit",
        "documents",
        "How much is the deposit for the garage I rent, according to my documents?",
        but_not(number(250), r"(?<![\d.])85\b", r"\b3057\b"),
        documents=True,
    ),
    Task(
        "h9_doc_guesthouse",
        "documents",
        "What is the booking code of my guesthouse in Ljubljana, according to my documents?",
        but_not(words(r"\bhl-?\s?3846\b"), r"\blj-?\s?77160\b"),
        documents=True,
    ),
    Task(
        "h9_doc_guests",
        "documents",
        "For how many guests is the catering for my garden party planned, according to my documents?",
        but_not(number(38), r"\b4418\b", r"\b120\b"),
        documents=True,
    ),
    # multi-step: recall, search or watch, then compute; store then compute
    Task(
        "h9_lease_days",
        "multi",
        "How many days are there from 7 December 2026 until the lease on my flat ends, going by what I "
        "told you?",
        number(297),
        before=("Please file this: the lease on my flat ends on 30 September 2027.",),
    ),
    Task(
        "h9_sauna",
        "multi",
        "Going by the sauna price I gave you, what do 12 visits to the sauna cost?",
        number(174),
        before=("Keep in mind: one visit to the sauna at the lido costs 14.50 euros.",),
    ),
    Task(
        "h9_rain_barrel",
        "multi",
        "Remember that my rain barrel holds 210 litres, then tell me how many 7-litre watering cans it "
        "fills.",
        either(number(30), words(r"\bthirty\b")),
        memory_check="210",
    ),
    Task(
        "h9_lake_ride",
        "multi",
        "Store this: my bike ride to the lake is 18.4 km one way. Then tell me how many miles the round "
        "trip is.",
        number_in(22.8, 23.0),
        memory_check="18.4",
    ),
    Task(
        "h9_doc_catering_total",
        "multi",
        "What does the catering for my garden party come to in total, the food for all the guests plus "
        "the service staff fee, according to my documents?",
        number(1165),
        documents=True,
    ),
    Task(
        "h9_doc_night_train",
        "multi",
        "How long is the night train journey to Ljubljana, according to my documents?",
        either(
            words(
                r"\b7\s*(h|hrs?|hours?)\.?\s*(and\s*)?45\s*(m|mins?|minutes?)\b",
                r"(?<![\d:])0?7:45\s*(h|hrs?|hours?)\b",
                r"\b7\s*h\s*45\b",
                r"\bseven\s+hours\s+(and\s+)?forty[- ]five\s+minutes\b",
                r"\bseven\s+and\s+(a\s+)?three[- ]quarter\s+hours\b",
                r"\b7\s*(and\s*)?(3/4|¾|three[- ]quarters?)\s*(of\s+an?\s+)?(h|hrs?|hours?)\b",
                r"\b7\.75\s*(h|hrs?|hours?)\b",
            ),
            number(465),
        ),
        documents=True,
    ),
    Task(
        "h9_video_before_vat",
        "multi",
        "In the video I say how much I paid for the concert tickets. If that price included 20 percent "
        "VAT, what was the price before VAT?",
        number(35),
        media=("evening.mp4",),
    ),
    Task(
        "h9_video_dentist_date",
        "multi",
        "In the video I say on which day of the week my dentist appointment is. What is the date of the "
        "first such weekday in March 2027?",
        _date("march", 2, 2027),
        media=("day.mp4",),
    ),
    # ambiguous: each reasonable reading counts
    Task(
        "h9_volleyball",
        "ambiguous",
        "How many players are on a volleyball team?",
        words(
            r"(?<![\d.])6\b",
            r"\bsix\b",
            r"(?<![\d.])12\b",
            r"\btwelve\b",
            r"(?<![\d.])14\b",
            r"\bfourteen\b",
            r"\b(2|two)\b[^.]{0,40}\bbeach\b",
            r"\bbeach\b[^.]{0,40}\b(2|two)\b",
        ),
    ),
    Task(
        "h9_body_temp",
        "ambiguous",
        "What is the normal temperature of the human body?",
        either(number_in(36.0, 37.5), number_in(96.8, 99.5)),
    ),
    Task(
        "h9_ream",
        "ambiguous",
        "How many sheets of paper are in a ream?",
        words(r"(?<![\d.])500\b", r"\bfive hundred\b", r"(?<![\d.])480\b", r"(?<![\d.])516\b"),
    ),
)

HELDOUT9_DOCUMENTS = {
    "astronomy_lerchenfeld.md": "# Lerchenfeld Astronomy Society\n\n"
    "Chair: Margarethe Kolbeck\nObserving nights coordinator: Leopold Anyanwu\n"
    "Meetings: second Wednesday of the month at 20:00 in the observatory on the Lerchenberg.\n"
    "Summer star party: 7 August 2027 on the Hollerbach meadow.\n"
    "Open day at the observatory: 16 October 2027, from 14:00.\n"
    "Fee: 45 euros a year, due by 28 February.\n",
    "garage_rental.txt": "Garage rental contract GR-3057 with Hausverwaltung Pfeiffer.\n"
    "Garage: no. 14 in the courtyard of Ulmenstrasse 9.\n"
    "Start: 1 March 2027.\nMonthly rent: 85 euros.\n"
    "Deposit: 250 euros.\n"
    "Notice period: 3 months.\n",
    "ljubljana_trip.md": "# Ljubljana trip, 9 to 14 May 2027\n\n"
    "Night train there: leaves Munich on 9 May at 23:20, arrives in Ljubljana on 10 May at 07:05.\n"
    "Guesthouse: Hisa Lipa, Trubarjeva 21; booking code HL-3846.\n"
    "Bike rental: reservation LJ-77160, pick-up 10 May at 10:00.\n"
    "Bus back: leaves Ljubljana on 14 May at 13:30, arrives in Munich at 19:50.\n",
    "garden_party_catering.txt": "Catering quote KW-4418 from Kuechenwerk Bramsch for the garden party "
    "on 26 June 2027.\n"
    "Guests: 38.\n"
    "Price per guest: 27.50 euros.\n"
    "Service staff: flat fee of 120 euros.\n"
    "Deposit paid: 200 euros.\n"
    "Tables hired: 6.\n",
}
