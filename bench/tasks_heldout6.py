"""The SIXTH held-out split of the task benchmark (``heldout6``): written once on 2026-12-07 by a
helper, before and apart from that session's tuning; run only to report. Do not tune on it.

The first five held-out splits (``bench/tasks_heldout.py``, ``bench/tasks_heldout2.py``,
``bench/tasks_heldout3.py``, ``bench/tasks_heldout4.py``, ``bench/tasks_heldout5.py``) are no
longer blind: their results have been seen. These 40 tasks are new (other numbers, names, words,
facts and documents than the dev and the five earlier held-out splits); nobody tuning the planner
reads this file or traces its runs, and its tasks are not changed afterwards (an outright error in
an expected answer is fixed in a commit of its own that says so). Run them with
``python bench/tasks.py --split heldout6``.

Groups: arithmetic (code, string handling, dates, unit conversion with a length, an energy and a
distance), memory (stores phrased in several ways, recalled in a later run), video (spoken facts,
a "no" answer, an animal seen in the shot, a time with generous bounds), documents (one field of
records that have several), multi-step (recall, search or watch, then compute; store then
compute) and ambiguous goals (each reasonable reading counts). The media are the ones the bench
already builds: ``bikes.mp4``, ``carphone_pristine.mp4``, ``day.mp4`` (``bench/tasks.py``) and
``evening.mp4`` (``bench/tasks_heldout.py``).
"""

from __future__ import annotations

from _scoring import Task, but_not, either, no, number, number_in, words
from _scoring import date as _date
from _scoring import date_patterns as _date_patterns

HELDOUT6: tuple[Task, ...] = (
    # arithmetic: code, string handling, dates, unit conversion
    Task("h6_weekday", "arithmetic", "What day of the week is 1 May 2035?", words(r"\btuesday\b")),
    Task("h6_days_span", "arithmetic", "How many days are there from 27 June 2027 to 4 January 2028?",
         number(191)),
    Task("h6_date_plus", "arithmetic", "What is the date 120 days after 12 August 2026?",
         _date("december", 10, 2026)),
    Task("h6_count_o", "arithmetic", "How many times does the letter o occur in 'cocoa with mango chocolate'?",
         either(number(5), words(r"\bfive\b"))),
    Task("h6_alpha_words", "arithmetic", "Put the words 'zebra apple mango kiwi' in alphabetical order.",
         words(r"\bapple\b\W+(\d+\.\s*)?kiwi\b\W+(\d+\.\s*)?mango\b\W+(\d+\.\s*)?zebra\b")),
    Task("h6_common_letter", "arithmetic", "Which letter occurs most often in the word 'parallel'?",
         words(r"\bl\b")),
    Task("h6_height_cm", "arithmetic", "What is 5 feet 9 inches in centimetres?", number_in(175.2, 175.3)),
    Task("h6_kcal_kj", "arithmetic", "How many kilojoules are 500 kilocalories?", number_in(2090.0, 2094.0)),
    Task("h6_nautical", "arithmetic", "How many nautical miles are 100 kilometres?", number_in(53.99, 54.0)),
    Task("h6_trailing_zeros", "arithmetic", "How many trailing zeros does 250 factorial have?", number(62)),
    Task("h6_prime_factor", "arithmetic", "What is the largest prime factor of 123456?", number(643)),
    Task("h6_hex", "arithmetic", "Write the number 48879 in hexadecimal.", words(r"\b(0x)?beef\b")),
    # memory: stores phrased in several ways, recalled in a later run
    Task("h6_ferry_seat", "memory", "What is my seat number on Friday's ferry?", number(74),
         before=("Please note that my seat on Friday's ferry to Texel is number 74.",)),
    Task("h6_babysitter", "memory", "Who is our babysitter?", words(r"\bbrandauer\b", r"\bphilippa\b"),
         before=("Keep in mind that our babysitter is Philippa Brandauer.",)),
    Task("h6_alarm_code", "memory", "What is the alarm code at my parents' house?", number(5093),
         before=("For future reference, the alarm code at my parents' house is 5093.",)),
    Task("h6_grandfather", "memory", "When is my grandfather Teodor's birthday?", _date("april", 22),
         before=("Save this: my grandfather Teodor's birthday is on 22 April.",)),
    Task("h6_presents", "memory", "Where did I hide the Christmas presents?", words(r"\battic\b"),
         before=("Remember that I hid the Christmas presents in the attic, behind the old suitcases.",)),
    Task("h6_flyer", "memory", "What's my frequent flyer number?", words(r"\blx-?\s?8830417\b"),
         before=("Make a note of my frequent flyer number: LX-8830417.",)),
    Task("h6_dry_cleaning", "memory", "What time can I pick up the dry cleaning?",
         words(r"\b11[:.h]40\b", r"\btwenty\s+to\s+twelve\b", r"\beleven[- ]forty\b"),
         before=("Just so you know, the dry cleaning will be ready for pickup at 11:40 on Saturday.",)),
    # real videos: spoken facts, a "no" answer, an animal seen in the shot, a time with generous bounds
    Task("h6_drawer_what", "video", "What did I say is in the top drawer of the desk?", words(r"\bkeys?\b"),
         media=("day.mp4",)),
    Task("h6_paid_for", "video", "What did I say cost me forty-two euros?", words(r"\btickets?\b"),
         media=("evening.mp4",)),
    Task("h6_passport_no", "video", "Do I mention my passport in this video? Answer yes or no.", no,
         media=("day.mp4",)),
    Task("h6_animal", "video", "What animal appears in this video?",
         words(r"\bcats?\b", r"\bkitten", r"\bfeline"), media=("day.mp4",)),
    Task("h6_coffee_when", "video", "About how many seconds into the video does the cup of coffee appear?",
         number_in(21.0, 30.0), media=("evening.mp4",)),
    # documents: one field of records that have several
    Task("h6_doc_boat_keeper", "documents", "Who is the boat keeper of the Haselbach rowing club, per my "
         "documents?", but_not(words(r"\bnwosu\b", r"\bmalik\b"), r"\bbrandstetter\b", r"\bottilie\b"),
         documents=True),
    Task("h6_doc_regatta", "documents", "When is the spring regatta of my rowing club, according to my notes?",
         but_not(_date("june", 5, 2027), *_date_patterns("may", 22, 2027), *_date_patterns("march", 1)),
         documents=True),
    Task("h6_doc_deposit", "documents", "How much is the deposit for the flat on Kastanienallee, according to my "
         "documents?", but_not(number(3420), r"\b1,?140\b", r"\b260\b"), documents=True),
    Task("h6_doc_warranty", "documents", "Until when does the extended warranty on my washing machine run, per "
         "my documents?",
         but_not(_date("november", 30, 2029), *_date_patterns("december", 4, 2024),
                 *_date_patterns("december", 11, 2024)), documents=True),
    Task("h6_doc_cabin_code", "documents", "What is the booking code of my cabin in Lofoten, according to my "
         "documents?", but_not(words(r"\brb-?\s?7734\b"), r"\bhf-?\s?20931\b"), documents=True),
    # multi-step: recall, search or watch, then compute; store then compute
    Task("h6_train_pass", "multi", "Going by the price of my yearly train pass that I gave you, what does it "
         "come to per month, in 12 equal parts?", number(97),
         before=("For your records, my yearly train pass costs 1,164 euros.",)),
    Task("h6_audiobook", "multi", "How many minutes long is the audiobook I told you about?", number(828),
         before=("Keep in mind that the audiobook I'm listening to is 13 hours and 48 minutes long.",)),
    Task("h6_bus_ticket", "multi", "Write this down: my monthly bus ticket costs 49 euros. Then tell me what 9 "
         "months of tickets cost.", number(441), memory_check="49"),
    Task("h6_pond", "multi", "Please remember that my garden pond holds 640 litres, then tell me how many cubic "
         "metres that is.", number(0.64, tol=1e-4), memory_check="640"),
    Task("h6_doc_flat_total", "multi", "What is the total monthly rent of the flat on Kastanienallee, cold rent "
         "plus service charges, according to my documents?", number(1400), documents=True),
    Task("h6_doc_bodo_wait", "multi", "How long do I have in Bodø between the flight landing and the ferry "
         "leaving, according to my documents?",
         either(words(r"\b4\s*(h|hrs?|hours?)\.?\s*(and\s*)?0?5\s*(m|mins?|minutes?)\b", r"(?<![\d:])0?4:05\b",
                      r"\b4\s*h\s*0?5\b", r"\bfour\s+hours\s+(and\s+)?five\s+minutes\b", r"\b4\.08\s*h"),
                number(245)), documents=True),
    Task("h6_video_change", "multi", "In the video I say how much I paid for the concert tickets. If I had paid "
         "with a 100-euro note, how much change would I have got?", number(58), media=("evening.mp4",)),
    Task("h6_video_reminder", "multi", "In the video I mention the day of my dentist appointment. I want a "
         "reminder two days before it: on which day of the week is that?", words(r"\bsunday\b"),
         media=("day.mp4",)),
    # ambiguous: each reasonable reading counts
    Task("h6_gallon", "ambiguous", "How many litres are in a gallon?",
         words(r"\b3\.78", r"\b3\.79\b", r"\b4\.54", r"\b4\.55\b")),
    Task("h6_paper", "ambiguous", "How long is a standard sheet of printer paper?",
         words(r"\b29\.7\b", r"\b297\b", r"\b11[- ]?(in\b|inch|\"|″)", r"\b27\.9")),
    Task("h6_football", "ambiguous", "How many minutes does a football match last?",
         words(r"\b90\b", r"\b60\b", r"\b80\b", r"\bninety\b", r"\bsixty\b", r"\beighty\b")),
)

HELDOUT6_DOCUMENTS = {
    "rowing_haselbach.md": "# Haselbach Rowing Club\n\nCaptain: Ottilie Brandstetter\nBoat keeper: Malik Nwosu\n"
                           "Training: Tuesdays 18:00 and Saturdays 8:30, from the boathouse on Uferstrasse.\n"
                           "Boat inspection: 22 May 2027.\n"
                           "Spring regatta: 5 June 2027 on the Haselbach reservoir.\n"
                           "Annual fee: 210 euros, due by 1 March.\n",
    "flat_kastanienallee.txt": "Flat listing: Kastanienallee 41, third floor, two rooms and a balcony.\n"
                               "Size: 72 square metres.\nCold rent: 1,140 euros per month.\n"
                               "Service charges: 260 euros per month.\nDeposit: 3,420 euros.\n"
                               "Available from: 1 February 2027.\nViewing: 12 December 2026 at 16:30.\n"
                               "Agent: Corinna Vukovic, Hausverwaltung Lenz.\n",
    "washing_machine.txt": "Washing machine: Bauknecht WM 8F42, serial number 8F42-551-0973.\n"
                           "Bought: 4 December 2024 at Elektro Lindner for 649 euros.\n"
                           "Delivered and installed: 11 December 2024.\n"
                           "Extended warranty until: 30 November 2029 (policy EW-20418).\n"
                           "Service hotline: 0800 664 2210.\n",
    "lofoten_trip.md": "# Lofoten hiking trip, 3 to 10 August 2027\n\n"
                       "Flight: SK 4102 leaves Oslo on 3 August at 09:20, arrives in Bodø at 10:55.\n"
                       "Ferry: Bodø to Moskenes on 3 August at 15:00, ticket number HF-20931.\n"
                       "Cabin: Hamnøy Rorbu, check-in 3 August, check-out 10 August; booking code RB-7734.\n"
                       "Guide: Sigrun Aasheim, guided hikes on 5, 6 and 8 August.\n",
}
