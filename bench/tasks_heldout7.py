"""The SEVENTH held-out split of the task benchmark (``heldout7``): written once on 2026-12-07
(that day's session) by a helper, before and apart from that session's tuning; run only to
report. Do not tune on it.

The first six held-out splits (``bench/tasks_heldout.py``, ``bench/tasks_heldout2.py``,
``bench/tasks_heldout3.py``, ``bench/tasks_heldout4.py``, ``bench/tasks_heldout5.py``,
``bench/tasks_heldout6.py``) are no longer blind: their results have been seen (``heldout6``
is no longer blind). These 40 tasks are new (other numbers, names, words, facts and documents
than the dev and the six earlier held-out splits); nobody tuning the planner reads this file or
traces its runs, and its tasks are not changed afterwards (an outright error in an expected
answer is fixed in a commit of its own that says so). Run them with
``python bench/tasks.py --split heldout7``.

Groups: arithmetic (code, string handling, dates, unit conversion with a length, a temperature,
a compound quantity and a general-knowledge quantity), memory (stores phrased in several ways,
recalled in a later run), video (spoken facts, a "no" answer, where a person in the shot is, a
time with generous bounds), documents (one field of records that have several), multi-step
(recall, search or watch, then compute; store then compute) and ambiguous goals (each
reasonable reading counts). The media are the ones the bench already builds: ``bikes.mp4``,
``carphone_pristine.mp4``, ``day.mp4`` (``bench/tasks.py``) and ``evening.mp4``
(``bench/tasks_heldout.py``).
"""

from __future__ import annotations

from _scoring import Task, but_not, either, no, number, number_in, words
from _scoring import date as _date
from _scoring import date_patterns as _date_patterns

HELDOUT7: tuple[Task, ...] = (
    # arithmetic: code, string handling, dates, unit conversion
    Task(
        "h7_weekday",
        "arithmetic",
        "What day of the week is 9 November 2038?",
        words(r"\btuesday\b"),
    ),
    Task(
        "h7_days_span",
        "arithmetic",
        "How many days are there from 3 October 2028 to 18 February 2029?",
        number(138),
    ),
    Task(
        "h7_date_plus",
        "arithmetic",
        "What date falls 250 days after 6 March 2030?",
        _date("november", 11, 2030),
    ),
    Task(
        "h7_count_v",
        "arithmetic",
        "How many times does the letter v occur in 'vivid violet visions'?",
        either(number(4), words(r"\bfour\b")),
    ),
    Task(
        "h7_s_words",
        "arithmetic",
        "How many words in 'she sells sea shells by the sea shore' begin with the letter s?",
        either(number(6), words(r"\bsix\b")),
    ),
    Task("h7_roman", "arithmetic", "Write 1994 in Roman numerals.", words(r"\bmcmxciv\b")),
    Task(
        "h7_inch_mm", "arithmetic", "How many millimetres are 3.5 inches?", number(88.9, tol=1e-4)
    ),
    Task(
        "h7_mpg",
        "arithmetic",
        "A car uses 7.5 litres of fuel per 100 km. How many miles per US gallon is that?",
        number_in(31.3, 31.42),
    ),
    Task(
        "h7_fortnight", "arithmetic", "How many seconds are there in a fortnight?", number(1209600)
    ),
    Task(
        "h7_digit_seven",
        "arithmetic",
        "How many whole numbers from 1 to 500 contain the digit 7 at least once?",
        number(95),
    ),
    Task(
        "h7_divisible",
        "arithmetic",
        "What is the smallest number greater than 2000 that is divisible by 7, 11 and 13?",
        number(2002),
    ),
    Task(
        "h7_kelvin",
        "arithmetic",
        "What is 300 kelvin in degrees Fahrenheit?",
        number_in(80.3, 80.35),
    ),
    # memory: stores phrased in several ways, recalled in a later run
    Task(
        "h7_godmother",
        "memory",
        "What is my godmother's name?",
        words(r"\bachterberg\b", r"\broswitha\b"),
        before=("Could you remember that my godmother is Roswitha Achterberg?",),
    ),
    Task(
        "h7_pharmacy",
        "memory",
        "When does the pharmacy on Marktgasse close on Wednesdays?",
        words(
            r"\b18[:.h]30\b",
            r"(?<![\d:])6[:.]30\s*p\.?\s?m",
            r"\bhalf\s+past\s+six\b",
            r"\bsix[- ]thirty\s*(p\.?\s?m|in\s+the\s+evening)",
        ),
        before=("Write down that the pharmacy on Marktgasse closes at 18:30 on Wednesdays.",),
    ),
    Task(
        "h7_bike_shed",
        "memory",
        "What's the code for the bike shed?",
        number(7261),
        before=("Log this for me: the code for the bike shed behind our building is 7261.",),
    ),
    Task(
        "h7_nephew",
        "memory",
        "When is my nephew Kasimir's birthday?",
        _date("february", 3),
        before=("Commit this to memory: my nephew Kasimir's birthday is 3 February.",),
    ),
    Task(
        "h7_drill",
        "memory",
        "Who did I lend my cordless drill to?",
        words(r"\boduya\b"),
        before=(
            "Here's something to hold on to: I lent my cordless drill to Mrs Oduya next door.",
        ),
    ),
    Task(
        "h7_cartridge",
        "memory",
        "Which ink cartridges does the home printer take?",
        words(r"\b305\s*-?\s*xl\b"),
        before=("Add this to your notes: the home printer takes HP 305XL ink cartridges.",),
    ),
    Task(
        "h7_climbing",
        "memory",
        "What is my climbing gym membership number?",
        words(r"\bcg-?\s?40918\b"),
        before=("I'd like you to remember my climbing gym membership number: CG-40918.",),
    ),
    # real videos: spoken facts, a "no" answer, where the person in the shot is, a time with generous bounds
    Task(
        "h7_tuesday_what",
        "video",
        "What did I say is happening on Tuesday?",
        words(r"\bdentist"),
        media=("day.mp4",),
    ),
    Task(
        "h7_tickets_for",
        "video",
        "I mention buying some tickets in this video. What were they for?",
        words(r"\bconcerts?\b"),
        media=("evening.mp4",),
    ),
    Task(
        "h7_weather_no",
        "video",
        "Do I say anything about the weather in this video? Answer yes or no.",
        no,
        media=("evening.mp4",),
    ),
    Task(
        "h7_man_where",
        "video",
        "Where is the man in this video sitting?",
        words(r"\bcars?\b", r"\bvehicle", r"\bautomobile", r"\bdriver'?s?\s+seat\b"),
        media=("carphone_pristine.mp4",),
    ),
    Task(
        "h7_passport_when",
        "video",
        "About how many seconds into the video do I say where my passport is?",
        number_in(0.0, 6.0),
        media=("evening.mp4",),
    ),
    # documents: one field of records that have several
    Task(
        "h7_doc_director",
        "documents",
        "Who is the tournament director of the Moorbach chess club, according to my documents?",
        but_not(words(r"\bcastellanos\b", r"\bnoor\b"), r"\baschauer\b", r"\bwendelin\b"),
        documents=True,
    ),
    Task(
        "h7_doc_open",
        "documents",
        "When is the Moorbach chess club's winter open, per my notes?",
        but_not(
            _date("january", 16, 2027),
            *_date_patterns("january", 8, 2027),
            *_date_patterns("february", 10),
        ),
        documents=True,
    ),
    Task(
        "h7_doc_kayak_return",
        "documents",
        "When do I have to bring back the kayak I rented, according to my documents?",
        but_not(_date("july", 21, 2027), *_date_patterns("july", 14, 2027)),
        documents=True,
    ),
    Task(
        "h7_doc_base_charge",
        "documents",
        "What is the monthly base charge of my electricity tariff, per my documents?",
        but_not(number(11.9, tol=1e-4), r"\b31\.2\b", r"\b94\b"),
        documents=True,
    ),
    Task(
        "h7_doc_vienna_hotel",
        "documents",
        "What is the booking number of my hotel in Vienna, according to my documents?",
        but_not(words(r"\bpa-?\s?31857\b"), r"\bso-?\s?77102\b"),
        documents=True,
    ),
    # multi-step: recall, search or watch, then compute; store then compute
    Task(
        "h7_insurance_quarter",
        "multi",
        "Going by the yearly car insurance premium I told you about, how much is that per quarter?",
        number(153),
        before=("Take note: my car insurance costs 612 euros a year.",),
    ),
    Task(
        "h7_sabbatical_days",
        "multi",
        "How many days are there from 7 December 2026 until my sabbatical starts, going by what I told you?",
        number(268),
        before=("Remind me of this whenever I ask: my sabbatical starts on 1 September 2027.",),
    ),
    Task(
        "h7_bottle",
        "multi",
        "Remember that my water bottle holds 750 ml, then tell me how many times I have to fill it to drink "
        "6 litres.",
        either(number(8), words(r"\beight\b")),
        memory_check="750",
    ),
    Task(
        "h7_walk",
        "multi",
        "Note down that my daily walk is 6.5 km, then tell me how far I walk in a week of daily walks.",
        number(45.5, tol=1e-4),
        memory_check="6.5",
    ),
    Task(
        "h7_doc_kayak_cost",
        "multi",
        "What does renting the kayak cost in total, the rental days plus the insurance but not the refundable "
        "deposit, according to my documents?",
        number(290),
        documents=True,
    ),
    Task(
        "h7_doc_vienna_train",
        "multi",
        "How long is the train ride to Vienna on the way there, according to my documents?",
        either(
            words(
                r"\b3\s*(h|hrs?|hours?)\.?\s*(and\s*)?58\s*(m|mins?|minutes?)\b",
                r"(?<![\d:])0?3:58\b",
                r"\b3\s*h\s*58\b",
                r"\bthree\s+hours\s+(and\s+)?fifty[- ]eight\s+minutes\b",
                r"\b3\.97\s*h",
            ),
            number(238),
        ),
        documents=True,
    ),
    Task(
        "h7_video_dentist_wait",
        "multi",
        "In the video I say when my dentist appointment is. If it is now 10:30 in the morning on that same "
        "day, how many minutes are left until the appointment?",
        either(
            number(270),
            words(
                r"\b4\.5\s*(h|hrs?|hours?)\b",
                r"\b4\s*(h|hrs?|hours?)\.?\s*(and\s*)?30\s*(m|mins?|minutes?)\b",
                r"\bfour\s+and\s+a\s+half\s+hours\b",
                r"\bfour\s+hours\s+(and\s+)?thirty\s+minutes\b",
            ),
        ),
        media=("day.mp4",),
    ),
    Task(
        "h7_video_instalments",
        "multi",
        "In the video I say how much the concert tickets cost me. If I paid that back to a friend in 7 equal "
        "weekly instalments, how much is each instalment?",
        either(number(6), words(r"\bsix\b")),
        media=("evening.mp4",),
    ),
    # ambiguous: each reasonable reading counts
    Task(
        "h7_quart",
        "ambiguous",
        "How many litres are in a quart?",
        either(
            number_in(0.94, 0.95),
            number_in(1.1, 1.14),
            number_in(940.0, 950.0),
            number_in(1100.0, 1140.0),
        ),
    ),
    Task(
        "h7_hundredweight",
        "ambiguous",
        "How many kilograms are in a hundredweight?",
        either(number_in(45.0, 45.4), number_in(50.0, 50.85)),
    ),
    Task(
        "h7_rugby",
        "ambiguous",
        "How many players are on a rugby team?",
        words(
            r"\b15\b", r"\b13\b", r"(?<![\d.])7\b", r"\bfifteen\b", r"\bthirteen\b", r"\bseven\b"
        ),
    ),
)

HELDOUT7_DOCUMENTS = {
    "chess_moorbach.md": "# Moorbach Chess Club\n\nPresident: Wendelin Aschauer\nTournament director: Noor Castellanos\n"
    "Club evenings: Fridays from 19:30 in the back room of Gasthaus Krone.\n"
    "Blitz night: 8 January 2027.\n"
    "Winter open: 16 January 2027, first round at 10:00.\n"
    "Membership: 84 euros a year, due by 10 February.\n",
    "kayak_rental.txt": "Rental agreement KR-6610 with Paddelhaus Ostsee.\n"
    "Boat: two-seater sea kayak Prijon Excursion, with paddles and spray decks.\n"
    "Pick-up: 14 July 2027 at 09:00 in Kühlungsborn harbour.\n"
    "Return: 21 July 2027 by 18:00.\n"
    "Rental: 7 days at 38 euros per day.\n"
    "Insurance: 24 euros flat.\n"
    "Deposit: 150 euros, refunded on return.\n",
    "electricity_tariff.txt": "Electricity contract with Voltara Energie, contract number VT-228417.\n"
    "Tariff: Gruen Flex.\nWorking price: 31.2 cents per kWh.\n"
    "Base charge: 11.90 euros per month.\n"
    "Monthly advance payment: 94 euros.\n"
    "Notice period: 6 weeks to the end of a month.\n",
    "vienna_weekend.md": "# Vienna weekend, 19 to 21 March 2027\n\n"
    "Train there: Railjet RJ 63 leaves München Hbf on 19 March at 08:27, arrives at Wien Hbf at 12:25.\n"
    "Train back: Railjet RJ 68 leaves Wien Hbf on 21 March at 15:30, arrives at München Hbf at 19:41.\n"
    "Hotel: Pension Adlerhof, Praterstrasse 8; booking number PA-31857.\n"
    "Opera: Tosca at the Staatsoper, 20 March at 19:00, row 9, seats 14 and 15; order number SO-77102.\n",
}
