"""The SECOND held-out split of the task benchmark (``heldout2``): written once on 2026-12-06,
before that session's tuning, and run only to report. Do not tune on it.

The first held-out split (``bench/tasks_heldout.py``) is no longer blind: its failures have
been seen. These 40 tasks are new (other numbers, names, words and facts than the dev and
held-out tasks); nobody tuning the planner reads this file or traces its runs, and its tasks
are not changed afterwards (an outright error in an expected answer is fixed in a commit of
its own that says so). Run them with ``python bench/tasks.py --split heldout2``.

Groups: arithmetic (code, string handling, dates, unit conversion), memory (stores phrased
in several ways, recalled in a later run), video (spoken facts, "no" answers, a time with
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

HELDOUT2: tuple[Task, ...] = (
    # arithmetic: code, string handling, dates, unit conversion
    Task("h2_days_span", "arithmetic", "How many days are there from 2026-02-11 to 2026-05-03?", number(81)),
    Task("h2_leap_weekday", "arithmetic", "What day of the week is 29 February 2028?", words(r"\btuesday\b")),
    Task("h2_days_before", "arithmetic", "What date is 45 days before 10 March 2027?", _date("january", 24, 2027)),
    Task("h2_distinct", "arithmetic", "How many distinct letters are in the word 'bookkeeper'?",
         either(number(6), words(r"\bsix\b"))),
    Task("h2_word_order", "arithmetic", "Reverse the order of the words in the phrase 'green apples taste sour'.",
         words(r"\bsour\s+taste\s+apples\s+green\b")),
    Task("h2_no_vowels", "arithmetic", "What is left of the word 'education' if you remove all its vowels?",
         words(r"\bdctn\b")),
    Task("h2_feet", "arithmetic", "How many feet are in 1500 metres?", number_in(4921.0, 4921.3)),
    Task("h2_oven", "arithmetic", "My oven is set to 180 degrees Celsius. What is that in Fahrenheit?", number(356)),
    Task("h2_pace", "arithmetic", "A runner covers 10 km in 48 minutes. What is the average speed in km/h?",
         number(12.5)),
    Task("h2_even_sum", "arithmetic", "What is the sum of all even numbers from 1 to 250?", number(15750)),
    Task("h2_digit_prod", "arithmetic", "What is the product of the digits of 987654?", number(60480)),
    Task("h2_savings", "arithmetic", "I put 2000 euros in a savings account at 3% interest, compounded yearly. "
         "How much is in the account after 5 years?", number_in(2318.5, 2318.6)),
    # memory: stores phrased in several ways, recalled in a later run
    Task("h2_gate", "memory", "What's the code for the garden gate?", number(8362),
         before=("Note that the code for the garden gate is 8362.",)),
    Task("h2_landlord", "memory", "What is my landlord's name?", words(r"\baalto\b", r"\bbenedikt\b"),
         before=("Keep in mind that my landlord is Benedikt Aalto.",)),
    Task("h2_platform", "memory", "Which platform does my train to Bologna leave from?", number(7),
         before=("Save this: my train to Bologna leaves from platform 7.",)),
    Task("h2_shoes", "memory", "What shoe size do I wear?", number(44),
         before=("Don't forget that my shoe size is 44.",)),
    Task("h2_allergy", "memory", "What is my son allergic to?", words(r"hazel\s*nut"),
         before=("My son is allergic to hazelnuts.",)),
    Task("h2_library", "memory", "When are the library books due back?", _date("october", 9),
         before=("The library books are due back on 9 October.",)),
    Task("h2_plants", "memory", "Who waters my plants when I'm away?", words(r"\byusuf\b"),
         before=("Please save this for later: my neighbour Yusuf waters my plants when I'm away.",)),
    # real videos: spoken facts, "no" answers, a time with generous bounds
    Task("h2_day_plumber_no", "video", "Do I say anything about a plumber in this video? Answer yes or no.", no,
         media=("day.mp4",)),
    Task("h2_plumber_time", "video", "At what time of day did I say the plumber is coming?", words(r"\bmorning\b"),
         media=("evening.mp4",)),
    Task("h2_elephant_no", "video", "Are there any elephants in this video? Answer yes or no.", no,
         media=("bikes.mp4",)),
    Task("h2_person", "video", "Is there a person in this video? Answer yes or no.", yes,
         media=("carphone_pristine.mp4",)),
    Task("h2_keys_when", "video", "About how many seconds into the video do I say where my keys are?",
         number_in(10.0, 17.0), media=("day.mp4",)),
    # documents: one field of records that have several
    Task("h2_doc_conductor", "documents", "Who conducts the Lindenhof choir, according to my documents?",
         but_not(words(r"\bdufour\b", r"\bmireille\b"), r"\bsaar\b", r"\bhenrik\b"), documents=True),
    Task("h2_doc_concert", "documents", "When is the Lindenhof choir's winter concert, per my notes?",
         but_not(_date("december", 13, 2026), *_date_patterns("december", 11, 2026)), documents=True),
    Task("h2_doc_rehearsal", "documents", "On which day of the week does the Lindenhof choir rehearse, "
         "according to my documents?", words(r"\bwednesdays?\b"), documents=True),
    Task("h2_doc_pressure", "documents", "Per the boiler manual in my documents, what pressure should the boiler "
         "show when the heating is cold?",
         words(r"\b1(\.0)?\s*(bar)?\s*(-|–|to|and)\s*1\.5\b"), documents=True),
    Task("h2_doc_delivery", "documents", "According to my documents, when will the greenhouse kit be delivered?",
         but_not(_date("september", 21, 2026), *_date_patterns("september", 2, 2026)), documents=True),
    # multi-step: recall, search or watch, then compute; store then compute
    Task("h2_dinner_split", "multi", "Split the dinner bill I told you about equally among 4 people: how much "
         "does each person pay?", number(46.5),
         before=("Just so you know, the dinner bill came to 186 euros.",)),
    Task("h2_licence_days", "multi", "How many days are there from 6 December 2026 until my driving licence "
         "expires?", number(206),
         before=("For your information: my driving licence expires on 30 June 2027.",)),
    Task("h2_tank_gallons", "multi", "Save this: my car's fuel tank holds 52 litres. Then tell me how many US "
         "gallons that is.", number_in(13.7, 13.75), memory_check="52"),
    Task("h2_ines_age", "multi", "Remember that my daughter Ines was born on 23 August 2019, then tell me how "
         "old she will be on 1 March 2031.", either(number(11), words(r"\beleven\b")), memory_check="2019"),
    Task("h2_doc_greenhouse", "multi", "What is the total cost of my greenhouse kit order, including shipping, "
         "according to my documents?", number(551.6, tol=1e-4), documents=True),
    Task("h2_doc_dose", "multi", "According to the vet note in my documents, how many milligrams of carprofen "
         "should Biscuit get per day?", number(56.8, tol=1e-4), documents=True),
    Task("h2_video_plumber_days", "multi", "In the video I say which day the plumber is coming. If today is "
         "Monday, how many days from now is that?", either(number(3), words(r"\bthree\b")),
         media=("evening.mp4",)),
    Task("h2_video_dentist_noon", "multi", "In the video I mention what time my dentist appointment is. How many "
         "minutes after noon is that?", number(180), media=("day.mp4",)),
    # ambiguous: each reasonable reading counts
    Task("h2_kilobyte", "ambiguous", "How many bytes are in a kilobyte?", words(r"\b1,?000\b", r"\b1,?024\b")),
    Task("h2_slash_date", "ambiguous", "Write the date 01/02/2027 out in words.",
         either(_date("february", 1), _date("january", 2),
                words(r"\bfirst\s+(of\s+)?february", r"february\s+(the\s+)?first",
                      r"\bsecond\s+(of\s+)?january", r"january\s+(the\s+)?second"))),
    Task("h2_month_weeks", "ambiguous", "How many weeks are in a month?", words(r"\b4\b", r"\b4\.3", r"\bfour\b")),
)

HELDOUT2_DOCUMENTS = {
    "choir_lindenhof.md": "# Lindenhof Chamber Choir\n\nConductor: Mireille Dufour\nAccompanist: Henrik Saar\n"
                          "Rehearsals: Wednesdays, 19:30 to 21:30, in the parish hall on Birkenweg.\n"
                          "Dress rehearsal: 11 December 2026.\n"
                          "Winter concert: 13 December 2026 at 17:00 in St. Anna church.\n"
                          "Membership fee: 60 euros per season.\n",
    "boiler_manual.txt": "Boiler: Thermalis C24, installed in the basement in 2021.\n"
                         "When the heating is cold, the pressure gauge should read between 1.0 and 1.5 bar.\n"
                         "If the pressure falls below 0.8 bar, open the filling loop until the gauge reads 1.2 bar.\n"
                         "Annual service: Kessler Heating, phone 0471 5520 81.\n"
                         "Fault code E119 means low water pressure.\n",
    "greenhouse_order.txt": "Order GH-5817 from Gartenwerk Brandt.\nOrdered: 2 September 2026.\n"
                            "Expected delivery: 21 September 2026.\n"
                            "Items: 14 glass panels at 23.40 euros each; 1 aluminium frame at 189.00 euros.\n"
                            "Shipping: 35.00 euros.\nPayment: by invoice, due 30 days after delivery.\n",
    "vet_biscuit.txt": "Vet note for Biscuit (beagle, 6 years old).\nWeight at the last visit: 14.2 kg.\n"
                       "Last vaccination: 4 May 2026. Next check-up: 18 January 2027.\n"
                       "Carprofen: 4 mg per kg of body weight, once a day with food, for 10 days.\n"
                       "Clinic: Tierarztpraxis Morgenrot.\n",
}
