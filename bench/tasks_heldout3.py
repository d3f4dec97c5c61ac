"""The THIRD held-out split of the task benchmark (``heldout3``): written once on 2026-12-07 by a
helper at the start of a session, before and apart from that session's tuning; run only to
report. Do not tune on it.

The first two held-out splits (``bench/tasks_heldout.py``, ``bench/tasks_heldout2.py``) are no
longer blind: their results have been seen. These 40 tasks are new (other numbers, names,
words, facts and documents than the dev, held-out and held-out-2 tasks); nobody tuning the
planner reads this file or traces its runs, and its tasks are not changed afterwards (an
outright error in an expected answer is fixed in a commit of its own that says so). Run them
with ``python bench/tasks.py --split heldout3``.

Groups: arithmetic (code, string handling, dates, unit conversion), memory (stores phrased
in several ways, recalled in a later run), video (spoken facts, a "no" answer, a time with
generous bounds), documents (one field of records that have several), multi-step (recall,
search or watch, then compute; store then compute) and ambiguous goals (each reasonable
reading counts). The media are the ones the bench already builds: ``bikes.mp4``,
``carphone_pristine.mp4``, ``day.mp4`` (``bench/tasks.py``) and ``evening.mp4``
(``bench/tasks_heldout.py``).
"""

from __future__ import annotations

from _scoring import Task, but_not, either, no, number, number_in, words, yes
from _scoring import date as _date
from _scoring import date_patterns as _date_patterns

HELDOUT3: tuple[Task, ...] = (
    # arithmetic: code, string handling, dates, unit conversion
    Task("h3_weekday", "arithmetic", "What day of the week is 4 July 2031?", words(r"\bfriday\b")),
    Task("h3_days_after", "arithmetic", "How many days after 19 August 2027 is 2 December 2027?", number(105)),
    Task("h3_date_plus", "arithmetic", "What date is 200 days after 1 February 2026?", _date("august", 20, 2026)),
    Task("h3_count_e", "arithmetic", "How many times does the letter e occur in the word 'independence'?",
         either(number(4), words(r"\bfour\b"))),
    Task("h3_initials", "arithmetic", "Take the first letter of each word in 'quiet ocean waves ripple softly' and "
         "join them in order: which letters do you get?", words(r"\bq\W{0,3}o\W{0,3}w\W{0,3}r\W{0,3}s\b")),
    Task("h3_chars", "arithmetic", "How many characters, not counting spaces, are in 'the sea is calm tonight'?",
         either(number(19), words(r"\bnineteen\b"))),
    Task("h3_kg_lb", "arithmetic", "How many pounds does 68 kilograms weigh?", number_in(149.8, 150.0)),
    Task("h3_mph", "arithmetic", "What is 25 miles per hour in kilometres per hour?", number_in(40.2, 40.25)),
    Task("h3_cc", "arithmetic", "How many cubic centimetres are in 3.2 litres?", number(3200)),
    Task("h3_cubes", "arithmetic", "What is the sum of the cubes of the integers from 1 to 12?", number(6084)),
    Task("h3_squares", "arithmetic", "How many perfect squares are there from 1 to 500, inclusive?", number(22)),
    Task("h3_lcm", "arithmetic", "What is the least common multiple of 18, 28 and 45?", number(1260)),
    # memory: stores phrased in several ways, recalled in a later run
    Task("h3_copier", "memory", "What is my PIN for the photocopier at work?", number(6158),
         before=("Remember that my PIN for the photocopier at work is 6158.",)),
    Task("h3_wedding", "memory", "When is my cousin Leandro's wedding?", _date("june", 19),
         before=("Please note that my cousin Leandro's wedding is on 19 June.",)),
    Task("h3_piano", "memory", "What is my piano teacher's name?", words(r"\bmarchetti\b", r"\bilse\b"),
         before=("Keep in mind that my piano teacher is called Ilse Marchetti.",)),
    Task("h3_garage", "memory", "Which garage is my car being serviced at?", words(r"\bwendel\b"),
         before=("For later: my car goes in for its service at the Wendel garage.",)),
    Task("h3_room", "memory", "What is my hotel room number in Ghent?", number(418),
         before=("Jot this down: my hotel room in Ghent is number 418.",)),
    Task("h3_blood", "memory", "What is my blood type?",
         words(r"\bab\s*(-|−|–|neg)", r"\bab\s*rh\s*(-|−|–|neg)"),
         before=("Please keep this in mind: my blood type is AB negative.",)),
    Task("h3_recycling", "memory", "On which day of the week does the recycling go out?", words(r"\bfridays?\b"),
         before=("The recycling goes out every other Friday.",)),
    # real videos: spoken facts, a "no" answer, a time with generous bounds
    Task("h3_keys_drawer", "video", "Which drawer did I say my keys are in?", words(r"\btop\b", r"\bupper"),
         media=("day.mp4",)),
    Task("h3_passport_room", "video", "In which room of the house did I say my passport is?", words(r"\bkitchen\b"),
         media=("evening.mp4",)),
    Task("h3_dentist_no", "video", "Do I mention a dentist appointment in this video? Answer yes or no.", no,
         media=("evening.mp4",)),
    Task("h3_tickets_when", "video", "About how many seconds into the video do I talk about the concert tickets?",
         number_in(20.0, 30.0), media=("evening.mp4",)),
    Task("h3_astronaut", "video", "Is there an astronaut in this video? Answer yes or no.", yes,
         media=("evening.mp4",)),
    # documents: one field of records that have several
    Task("h3_doc_treasurer", "documents", "Who is the treasurer of the Ahornweg book club, according to my "
         "documents?", but_not(words(r"\bmorel\b", r"\bjulien\b"), r"\bnovak\b", r"\bkatarina\b"), documents=True),
    Task("h3_doc_meeting", "documents", "When is the next meeting of the Ahornweg book club, per my notes?",
         but_not(_date("january", 7, 2027), *_date_patterns("december", 3, 2026)), documents=True),
    Task("h3_doc_deductible", "documents", "What is the deductible on my home contents insurance, according to "
         "my documents?", but_not(number(250), r"\b186\b", r"\b45,?000\b"), documents=True),
    Task("h3_doc_renewal", "documents", "When does my home contents insurance next renew, per my documents?",
         but_not(_date("march", 1, 2027), *_date_patterns("june", 12, 2022)), documents=True),
    Task("h3_doc_oven", "documents", "At what oven temperature is my sourdough loaf baked, according to my "
         "documents?", but_not(number(230), r"\b24\b"), documents=True),
    # multi-step: recall, search or watch, then compute; store then compute
    Task("h3_power_year", "multi", "Going by what I told you, how much do I pay for electricity in a whole year?",
         number(880.8, tol=1e-4), before=("Please note: I pay 73.40 euros a month for electricity.",)),
    Task("h3_passport_days", "multi", "How many days after 7 December 2026 does my passport expire?",
         number(1073), before=("For later: my passport expires on 14 November 2029.",)),
    Task("h3_commute_week", "multi", "Remember that my commute to work is 23 km each way, then tell me how many "
         "kilometres I travel commuting in a 5-day work week, there and back each day.", number(230),
         memory_check="23"),
    Task("h3_flat_sqft", "multi", "Please note that my flat is 64 square metres, then tell me how many square "
         "feet that is.", number_in(688.5, 689.2), memory_check="64"),
    Task("h3_doc_km", "multi", "According to the fuel log in my documents, how many kilometres did I drive "
         "between the two refuels in November?", number(620), documents=True),
    Task("h3_doc_flour", "multi", "My sourdough recipe in my documents makes one loaf. How many grams of bread "
         "flour do I need for 3 loaves?", number(1350), documents=True),
    Task("h3_video_dollars", "multi", "In the video I say how much I paid for the concert tickets. What is that "
         "amount in US dollars, at 1.10 dollars per euro?", number(46.2, tol=1e-4), media=("evening.mp4",)),
    Task("h3_video_dentist_days", "multi", "In the video I mention the day of my dentist appointment. If today "
         "is Friday, how many days from today is that?", either(number(4), words(r"\bfour\b")),
         media=("day.mp4",)),
    # ambiguous: each reasonable reading counts
    Task("h3_year_days", "ambiguous", "How many days are in a year?", words(r"\b365", r"\b366\b")),
    Task("h3_pint", "ambiguous", "How many fluid ounces are in a pint?",
         words(r"\b16\b", r"\b20\b", r"\bsixteen\b", r"\btwenty\b")),
    Task("h3_week_start", "ambiguous", "Which day is the first day of the week?", words(r"\bsunday\b", r"\bmonday\b")),
)

HELDOUT3_DOCUMENTS = {
    "bookclub_ahornweg.md": "# Ahornweg Book Club\n\nHost: Katarina Novak\nTreasurer: Julien Morel\n"
                            "Meetings: first Thursday of the month, 19:00, in the Ahornweg library reading room.\n"
                            "Last meeting: 3 December 2026.\nNext meeting: 7 January 2027.\n"
                            "Yearly dues: 25 euros.\n",
    "home_insurance.txt": "Home contents insurance, policy HR-77410.\nInsurer: Rheinwald Versicherung.\n"
                          "Insured since: 12 June 2022.\nNext renewal: 1 March 2027.\n"
                          "Annual premium: 186.00 euros, paid by direct debit.\n"
                          "Deductible: 250 euros per claim.\nInsured sum: 45,000 euros.\n",
    "sourdough.md": "# Sourdough loaf (makes one loaf)\n\nBread flour: 450 g\nWater: 340 ml\nSalt: 9 g\n"
                    "Starter: 90 g\nProof: 4 hours at 24 °C.\n"
                    "Bake: 40 minutes at 230 °C, with the lid on for the first 20 minutes.\n",
    "fuel_log.txt": "Fuel log for the Skoda Fabia.\n"
                    "3 November 2026: filled 41.5 litres, odometer 58,210 km, paid 71.80 euros.\n"
                    "17 November 2026: filled 38.0 litres, odometer 58,830 km, paid 66.50 euros.\n",
}
