"""The EIGHTH held-out split of the task benchmark (``heldout8``): BLIND. Written once on
2026-12-07 by a helper at the end of that day's session, before the next session's tuning;
not run yet; run only to report. Do not tune on it.

The first seven held-out splits (``bench/tasks_heldout.py`` to ``bench/tasks_heldout7.py``) are
no longer blind: their results have been seen (``heldout7`` is no longer blind). These 40 tasks
are new (other numbers, names, words, facts and documents than the dev and the seven earlier
held-out splits); nobody tuning the planner reads this file or traces its runs, and its tasks
are not changed afterwards (an outright error in an expected answer is fixed in a commit of its
own that says so). Run them with
``python bench/tasks.py --split heldout8 --agents graph --faults 0 --interleave --save --save-as tasks_heldout8``.

Groups: arithmetic (code, string handling, dates, unit conversion with a length, a compound
quantity and a general-knowledge quantity), memory (stores phrased in several ways, recalled in
a later run), video (spoken facts, a "no" answer, what is seen, a time with generous bounds),
documents (one field of records that have several), multi-step (recall, search or watch, then
compute; store then compute) and ambiguous goals (each reasonable reading counts). The media
are the ones the bench already builds: ``bikes.mp4``, ``carphone_pristine.mp4``, ``day.mp4``
(``bench/tasks.py``) and ``evening.mp4`` (``bench/tasks_heldout.py``).
"""

from __future__ import annotations

from _scoring import Task, but_not, either, no, number, number_in, words, yes
from _scoring import date as _date
from _scoring import date_patterns as _date_patterns

HELDOUT8: tuple[Task, ...] = (
    # arithmetic: code, string handling, dates, unit conversion
    Task(
        "h8_weekday",
        "arithmetic",
        "Which day of the week is 23 August 2041?",
        words(r"\bfriday\b"),
    ),
    Task(
        "h8_days_span",
        "arithmetic",
        "How many days are there from 11 April 2034 to 26 November 2034?",
        number(229),
    ),
    Task(
        "h8_date_minus",
        "arithmetic",
        "What date is 90 days before 5 May 2036?",
        _date("february", 5, 2036),
    ),
    Task(
        "h8_count_t",
        "arithmetic",
        "How often does the letter t appear in 'tattered tarot tent'?",
        either(number(7), words(r"\bseven\b")),
    ),
    Task(
        "h8_five_letters",
        "arithmetic",
        "How many words in 'a bright green kite drifts above old rooftops' have exactly five letters?",
        either(number(2), words(r"\btwo\b")),
    ),
    Task(
        "h8_word_length",
        "arithmetic",
        "How many letters does the word 'extraordinarily' have?",
        either(number(15), words(r"\bfifteen\b")),
    ),
    Task("h8_yards", "arithmetic", "How many metres are 250 yards?", number(228.6, tol=1e-4)),
    Task(
        "h8_psi",
        "arithmetic",
        "What is a tyre pressure of 32 psi in bar?",
        number_in(2.2, 2.21),
    ),
    Task(
        "h8_everest",
        "arithmetic",
        "How tall is Mount Everest in metres?",
        number_in(8844.0, 8850.0),
    ),
    Task(
        "h8_odd_sum",
        "arithmetic",
        "What is the sum of all odd numbers from 1 to 399?",
        number(40000),
    ),
    Task(
        "h8_primes_range",
        "arithmetic",
        "How many prime numbers lie between 200 and 300?",
        either(number(16), words(r"\bsixteen\b")),
    ),
    Task(
        "h8_factorial_digits",
        "arithmetic",
        "What is the sum of the digits of 100 factorial?",
        number(648),
    ),
    # memory: stores phrased in several ways, recalled in a later run
    Task(
        "h8_key_safe",
        "memory",
        "Which number opens the key safe at the holiday cottage?",
        number(5826),
        before=("Hang on to this for me: the key safe at the holiday cottage opens with 5826.",),
    ),
    Task(
        "h8_optician",
        "memory",
        "Who is my optician?",
        words(r"\bfenwick\b"),
        before=("Memorise this: my optician is Dr. Tamsin Fenwick.",),
    ),
    Task(
        "h8_brother_in_law",
        "memory",
        "When is my brother-in-law Ruairi's birthday?",
        _date("december", 14),
        before=("Store away the fact that my brother-in-law Ruairi's birthday is on 14 December.",),
    ),
    Task(
        "h8_winter_tyres",
        "memory",
        "Where are my winter tyres stored?",
        words(r"\bbarn\b", r"\bgerhard"),
        before=("For safekeeping: I put the winter tyres in my uncle Gerhard's barn.",),
    ),
    Task(
        "h8_yoga",
        "memory",
        "What time does the Thursday yoga class start?",
        words(r"(?<![\d:])0?7[:.h]15\b", r"\bquarter\s+past\s+seven\b", r"\bseven[- ]fifteen\b"),
        before=("Put this in your memory: the yoga class on Thursdays starts at 07:15.",),
    ),
    Task(
        "h8_museum_pass",
        "memory",
        "What is my museum pass number?",
        words(r"\bmp-?\s?662093\b"),
        before=("Please hold onto this: my museum pass number is MP-662093.",),
    ),
    Task(
        "h8_neighbours_dog",
        "memory",
        "What is the neighbours' dog called?",
        words(r"\bbrezel\b"),
        before=("Make sure you remember: the neighbours' dog is called Brezel.",),
    ),
    # real videos: spoken facts, a "no" answer, what is seen, a time with generous bounds
    Task(
        "h8_first_said",
        "video",
        "What is the first thing I tell you in this video?",
        words(r"\bpassport\b"),
        media=("evening.mp4",),
    ),
    Task(
        "h8_money_no",
        "video",
        "Do I mention how much anything cost in this video? Answer yes or no.",
        no,
        media=("day.mp4",),
    ),
    Task(
        "h8_phone_yes",
        "video",
        "Is the man in this video talking on a phone? Answer yes or no.",
        yes,
        media=("carphone_pristine.mp4",),
    ),
    Task(
        "h8_before_cat",
        "video",
        "What did I see just before the cat in this video?",
        words(r"\bcoffee\b", r"\bcup\b", r"\bmug\b", r"\bespresso\b"),
        media=("day.mp4",),
    ),
    Task(
        "h8_bikes_when",
        "video",
        "About how many seconds into the video do the cyclists first appear?",
        number_in(9.0, 15.0),
        media=("day.mp4",),
    ),
    # documents: one field of records that have several
    Task(
        "h8_doc_swarm",
        "documents",
        "Who is the swarm coordinator of the Talhausen beekeepers, according to my documents?",
        but_not(words(r"\bquaye\b", r"\bmatthias\b"), r"\bbrinkhaus\b", r"\bedeltraud\b"),
        documents=True,
    ),
    Task(
        "h8_doc_honey_show",
        "documents",
        "When is the Talhausen beekeepers' honey show, per my notes?",
        but_not(
            _date("september", 11, 2027),
            *_date_patterns("july", 24, 2027),
            *_date_patterns("march", 31),
        ),
        documents=True,
    ),
    Task(
        "h8_doc_storage_code",
        "documents",
        "What is the access code of my storage unit, according to my documents?",
        but_not(number(3190), r"\b118\b", r"\b7724\b"),
        documents=True,
    ),
    Task(
        "h8_doc_sardinia_flat",
        "documents",
        "What is the booking code of my apartment in Sardinia, according to my documents?",
        but_not(words(r"\bcm-?\s?5716\b"), r"\bsr-?\s?48215\b"),
        documents=True,
    ),
    Task(
        "h8_doc_oil_litres",
        "documents",
        "How many litres of heating oil were delivered, according to my documents?",
        but_not(number(2650), r"\b4[,.]?000\b", r"\b3381\b"),
        documents=True,
    ),
    # multi-step: recall, search or watch, then compute; store then compute
    Task(
        "h8_childcare_year",
        "multi",
        "Going by the monthly childcare fee I told you about, what does it come to over a whole year?",
        number(4980),
        before=("Mark this down: our childcare fee is 415 euros a month.",),
    ),
    Task(
        "h8_race_weeks",
        "multi",
        "How many weeks are there from 7 December 2026 until the half-marathon I told you about?",
        either(number(14), words(r"\bfourteen\b")),
        before=("Please retain this: my half-marathon is on 15 March 2027.",),
    ),
    Task(
        "h8_bookshelf",
        "multi",
        "Remember that my bookshelf board is 90 cm long, then tell me how many books 2.5 cm thick fit "
        "on it side by side.",
        either(number(36), words(r"\bthirty[- ]six\b")),
        memory_check="90",
    ),
    Task(
        "h8_scooter",
        "multi",
        "Save for later that my electric scooter's battery holds 0.6 kWh, then tell me what charging it "
        "fully 50 times costs at 0.30 euros per kWh.",
        number(9),
        memory_check="0.6",
    ),
    Task(
        "h8_doc_oil_cost",
        "multi",
        "What did the heating oil delivery cost in total, the oil plus the delivery fee, according to my "
        "documents?",
        number(2645.25, tol=1e-5),
        documents=True,
    ),
    Task(
        "h8_doc_ferry_time",
        "multi",
        "How long does the ferry crossing to Olbia take, according to my documents?",
        either(
            words(
                r"\b10\s*(h|hrs?|hours?)\.?\s*(and\s*)?30\s*(m|mins?|minutes?)\b",
                r"(?<![\d:])10:30\s*(h|hrs?|hours?)\b",
                r"\b10\s*h\s*30\b",
                r"\bten\s+hours\s+(and\s+)?thirty\s+minutes\b",
                r"\bten\s+and\s+a\s+half\s+hours\b",
                r"\b10\.5\s*(h|hrs?|hours?)\b",
            ),
            number(630),
        ),
        documents=True,
    ),
    Task(
        "h8_video_dentist_moved",
        "multi",
        "In the video I say what time my dentist appointment is. If it were moved 2 hours and 15 minutes "
        "later, at what time would it be?",
        words(
            r"\b17[:.h]15\b",
            r"(?<![\d:])5[:.]15\s*(p\.?\s?m|in\s+the\s+(afternoon|evening))",
            r"\bquarter\s+past\s+five\b",
        ),
        media=("day.mp4",),
    ),
    Task(
        "h8_video_one_ticket",
        "multi",
        "In the video I say how much I paid for the concert tickets. If that paid for 2 tickets, what "
        "did one ticket cost?",
        either(number(21), words(r"\btwenty[- ]one\b")),
        media=("evening.mp4",),
    ),
    # ambiguous: each reasonable reading counts
    Task(
        "h8_spring",
        "ambiguous",
        "When does spring start?",
        words(
            r"\b(20|21)(st|th)?\s+(of\s+)?march\b",
            r"\bmarch\s+(20|21)(st|th)?\b",
            r"\b1(st)?\s+(of\s+)?march\b",
            r"\bmarch\s+1(st)?\b",
            r"\bequinox\b",
            r"\bseptember\b",
        ),
    ),
    Task(
        "h8_sound",
        "ambiguous",
        "What is the speed of sound?",
        either(
            number_in(330.0, 346.0),
            number_in(1190.0, 1240.0),
            number_in(740.0, 770.0),
            number_in(1080.0, 1130.0),
        ),
    ),
    Task(
        "h8_basketball",
        "ambiguous",
        "How many players are on a basketball team?",
        words(r"(?<![\d.])5\b", r"\bfive\b", r"\b12\b", r"\btwelve\b", r"\b13\b", r"\b15\b"),
    ),
)

HELDOUT8_DOCUMENTS = {
    "beekeepers_talhausen.md": "# Talhausen Beekeepers' Association\n\n"
    "Chair: Edeltraud Brinkhaus\nSwarm coordinator: Matthias Quaye\n"
    "Meetings: first Monday of the month at 19:00 in the school's biology room.\n"
    "Summer barbecue: 24 July 2027 at the teaching apiary.\n"
    "Honey show: 11 September 2027, entries from 09:00.\n"
    "Fee: 36 euros a year, due by 31 March.\n",
    "storage_unit.txt": "Storage contract LG-7724 with Lagerhaus Nord.\n"
    "Unit: C-118, 6 square metres, ground floor.\n"
    "Start: 1 February 2027.\nMonthly rent: 64 euros.\n"
    "Access code: 3190.\n"
    "Minimum term: 3 months; notice period 14 days.\n",
    "sardinia_trip.md": "# Sardinia trip, 4 to 11 June 2027\n\n"
    "Ferry there: leaves Livorno on 4 June at 21:00, arrives in Olbia on 5 June at 07:30.\n"
    "Rental car: Fiat Panda from Olbia port, pick-up 5 June at 09:00, return 11 June at 08:00; "
    "reservation SR-48215.\n"
    "Apartment: Casa Maestrale, Via del Porto 12, San Teodoro; booking code CM-5716.\n"
    "Flight back: from Olbia on 11 June at 11:40, lands in Munich at 13:15.\n",
    "heating_oil.txt": "Heating oil delivery from Brennstoffe Uhlig, order HK-3381.\n"
    "Delivered: 18 October 2026.\n"
    "Quantity: 2,650 litres.\n"
    "Price: 98.50 euros per 100 litres.\n"
    "Delivery fee: 35 euros.\n"
    "Tank capacity: 4,000 litres.\n",
}
