"""The FOURTH held-out split of the task benchmark (``heldout4``): written once on 2026-12-07 by a
helper, before and apart from that session's tuning; run only to report. Do not tune on it.

The first three held-out splits (``bench/tasks_heldout.py``, ``bench/tasks_heldout2.py``,
``bench/tasks_heldout3.py``) are no longer blind: their results have been seen. These 40 tasks
are new (other numbers, names, words, facts and documents than the dev and the three earlier
held-out splits); nobody tuning the planner reads this file or traces its runs, and its tasks
are not changed afterwards (an outright error in an expected answer is fixed in a commit of
its own that says so). Run them with ``python bench/tasks.py --split heldout4``.

Groups: arithmetic (code, string handling, dates, unit conversion with an area and a speed),
memory (stores phrased in several ways, recalled in a later run), video (spoken facts, a "no"
answer, a "yes" about something in the shot, a time with generous bounds), documents (one
field of records that have several), multi-step (recall, search or watch, then compute;
store then compute) and ambiguous goals (each reasonable reading counts). The media are the
ones the bench already builds: ``bikes.mp4``, ``carphone_pristine.mp4``, ``day.mp4``
(``bench/tasks.py``) and ``evening.mp4`` (``bench/tasks_heldout.py``).
"""

from __future__ import annotations

from _scoring import Task, but_not, either, no, number, number_in, words, yes
from _scoring import date as _date
from _scoring import date_patterns as _date_patterns

HELDOUT4: tuple[Task, ...] = (
    # arithmetic: code, string handling, dates, unit conversion
    Task("h4_weekday", "arithmetic", "What day of the week is 17 March 2032?", words(r"\bwednesday\b")),
    Task("h4_days_span", "arithmetic", "How many days are there from 14 May 2026 to 30 September 2026?",
         number(139)),
    Task("h4_date_minus", "arithmetic", "What date is 150 days before 1 October 2027?", _date("may", 4, 2027)),
    Task("h4_count_a", "arithmetic", "How many times does the letter a occur in 'banana bandana'?",
         either(number(6), words(r"\bsix\b"))),
    Task("h4_backwards", "arithmetic", "Write the phrase 'silver moon' backwards, letter by letter.",
         words(r"\bnoom\s*revlis\b")),
    Task("h4_longest", "arithmetic", "How many letters are in the longest word of the sentence 'every grumpy "
         "walrus enjoys chocolate pudding'?", either(number(9), words(r"\bnine\b"))),
    Task("h4_acres", "arithmetic", "How many square metres are in 2.5 acres?", number_in(10115.0, 10120.0)),
    Task("h4_knots", "arithmetic", "What is a speed of 20 knots in kilometres per hour?", number_in(37.0, 37.05)),
    Task("h4_inches", "arithmetic", "How many inches are 190 centimetres?", number_in(74.79, 74.81)),
    Task("h4_prime_sum", "arithmetic", "What is the sum of all prime numbers below 200?", number(4227)),
    Task("h4_powmod", "arithmetic", "What is the remainder when 5 to the power of 40 is divided by 17?",
         number(16)),
    Task("h4_multiples", "arithmetic", "How many integers from 1 to 2000 are multiples of 3 or 5?", number(933)),
    # memory: stores phrased in several ways, recalled in a later run
    Task("h4_side_door", "memory", "What is the code for the side door of my office building?", number(3947),
         before=("Remember that the code for the side door of my office building is 3947.",)),
    Task("h4_niece", "memory", "When is my niece Oksana's birthday?", _date("september", 27),
         before=("Please note that my niece Oksana's birthday is on 27 September.",)),
    Task("h4_tax", "memory", "What is my tax adviser's name?", words(r"\bvasquez\b", r"\bhenrike\b"),
         before=("For later: my tax adviser is called Henrike Vasquez.",)),
    Task("h4_theatre", "memory", "What is my seat number at the theatre on Saturday?", number(29),
         before=("FYI, my seat at the theatre on Saturday is row K, seat 29.",)),
    Task("h4_camper", "memory", "Where did I park the camper van?", words(r"\bseewinkel\b"),
         before=("Keep in mind that I parked the camper van at the Seewinkel campsite.",)),
    Task("h4_landing", "memory", "What time does my mother's flight land?",
         words(r"\b16[:.h]45\b", r"\b4[:.]45\s*p\.?\s?m", r"\bquarter\s+to\s+five\b"),
         before=("I want you to know that my mother's flight lands at 16:45.",)),
    Task("h4_wifi_name", "memory", "What is the wifi network in the holiday flat called?", words(r"\blagune"),
         before=("Heads up: the wifi network in the holiday flat is called Lagune-5G.",)),
    # real videos: spoken facts, a "no" answer, a "yes" about something seen, a time with generous bounds
    Task("h4_thursday_who", "video", "Who did I say is coming on Thursday morning?", words(r"\bplumber"),
         media=("evening.mp4",)),
    Task("h4_cupboard_what", "video", "What did I say is in the kitchen cupboard?", words(r"\bpassport"),
         media=("evening.mp4",)),
    Task("h4_birthday_no", "video", "Do I say anything about a birthday in this video? Answer yes or no.", no,
         media=("day.mp4",)),
    Task("h4_coffee_yes", "video", "Is there a cup of coffee in this video? Answer yes or no.", yes,
         media=("day.mp4",)),
    Task("h4_dentist_when", "video", "About how many seconds into the video do I talk about the dentist "
         "appointment?", number_in(17.0, 24.0), media=("day.mp4",)),
    # documents: one field of records that have several
    Task("h4_doc_secretary", "documents", "Who is the secretary of the Rosenfeld allotment association, "
         "according to my documents?",
         but_not(words(r"\bferreira\b", r"\banselm\b"), r"\bkowalczyk\b", r"\bbettina\b"), documents=True),
    Task("h4_doc_water_on", "documents", "When is the water turned on at the Rosenfeld allotments, per my notes?",
         but_not(_date("april", 15, 2027), *_date_patterns("april", 24, 2027), *_date_patterns("january", 31)),
         documents=True),
    Task("h4_doc_mileage", "documents", "What is the yearly mileage allowance on my car lease, according to my "
         "documents?", but_not(number(12000), r"\b289\b", r"\b0?\.08\b"), documents=True),
    Task("h4_doc_lease_end", "documents", "When does my car lease end, per my documents?",
         but_not(_date("august", 31, 2028), *_date_patterns("september", 1, 2025)), documents=True),
    Task("h4_doc_hallway", "documents", "Which paint colour did I pick for the hallway, according to my "
         "documents?", but_not(words(r"\bdove\s*gr[ae]y\b"), r"\bsage\b", r"\bapricot\b"), documents=True),
    # multi-step: recall, search or watch, then compute; store then compute
    Task("h4_fuel_trip", "multi", "Going by the fuel consumption of my car that I told you about, how many litres "
         "of fuel does a 350 km trip take?", number(21.7, tol=1e-4),
         before=("Please remember that my car uses 6.2 litres of fuel per 100 km.",)),
    Task("h4_job_days", "multi", "How many days after the start date of my current job, as I told you, is "
         "7 December 2026?", number(1344),
         before=("For your records: I started my current job on 3 April 2023.",)),
    Task("h4_swim", "multi", "Note that I swim 40 lengths of a 25-metre pool each session, then tell me how many "
         "metres I swim in 3 sessions.", number(3000), memory_check="40"),
    Task("h4_phone_plan", "multi", "Keep track of this: my phone plan costs 17.99 euros a month. Then tell me what "
         "it costs over 2 years.", number(431.76, tol=1e-4), memory_check="17.99"),
    Task("h4_doc_water_used", "multi", "According to the water bill in my documents, how many cubic metres of "
         "water did I use in the billing period?", number(83), documents=True),
    Task("h4_doc_paint", "multi", "According to the painting plan in my documents, how many litres of paint do "
         "the coats on the living room walls take?", number(9.2, tol=1e-4), documents=True),
    Task("h4_video_refund", "multi", "In the video I say how much I paid for the concert tickets. If I get 25 "
         "percent of that back as a refund, how many euros is the refund?", number(10.5, tol=1e-4),
         media=("evening.mp4",)),
    Task("h4_video_leave", "multi", "In the video I say what time my dentist appointment is. If I leave home 40 "
         "minutes before it, at what time do I leave?",
         words(r"\b(2|02|14)[:.h]20\b", r"\btwenty\s+past\s+two\b"), media=("day.mp4",)),
    # ambiguous: each reasonable reading counts
    Task("h4_february", "ambiguous", "How many days are in February?",
         words(r"\b28\b", r"\b29\b", r"\btwenty[- ]eight\b", r"\btwenty[- ]nine\b")),
    Task("h4_freezing", "ambiguous", "At what temperature does water freeze?",
         words(r"(?<![\d.])0\s*(°|degrees?\b|celsius\b)", r"\b32\b", r"\bzero\b", r"\b273")),
    Task("h4_tablespoon", "ambiguous", "How many teaspoons are in a tablespoon?",
         words(r"\b3\b", r"\b4\b", r"\bthree\b", r"\bfour\b")),
)

HELDOUT4_DOCUMENTS = {
    "allotment_rosenfeld.md": "# Rosenfeld Allotment Association\n\nChair: Bettina Kowalczyk\n"
                              "Secretary: Anselm Ferreira\nMy plot: number 23, by the east gate.\n"
                              "Annual fee: 118 euros, due by 31 January.\n"
                              "Water turned on: 15 April 2027.\n"
                              "Spring work day: 24 April 2027, 9:00 at the clubhouse.\n",
    "car_lease.txt": "Car lease agreement CL-30962 with Vorland Leasing.\n"
                     "Car: Peugeot 308 SW, licence plate B-RT 4471.\n"
                     "Lease start: 1 September 2025.\nLease end: 31 August 2028.\n"
                     "Monthly rate: 289 euros.\nMileage allowance: 12,000 km per year.\n"
                     "Extra kilometres: 0.08 euros per km above the allowance.\n",
    "paint_plan.md": "# Painting plan for the flat\n\n"
                     "Living room: walls 46 square metres, colour Sage Mist (matt), two coats.\n"
                     "Hallway: walls 18 square metres, colour Dove Grey (eggshell), two coats.\n"
                     "Bedroom: walls 34 square metres, colour Pale Apricot (matt), one coat.\n"
                     "Coverage: one litre of paint covers 10 square metres per coat.\n",
    "water_bill.txt": "Water bill from Stadtwerke Auental, customer number 7730-118.\n"
                      "Billing period: 1 June 2026 to 30 November 2026.\n"
                      "Meter reading at the start of the period: 1,214 cubic metres.\n"
                      "Meter reading at the end of the period: 1,297 cubic metres.\n"
                      "Price: 2.35 euros per cubic metre, plus a fixed charge of 36.00 euros.\n",
}
