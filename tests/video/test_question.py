"""Reading a question: its type, what it is about, and every time form the issue names."""

from __future__ import annotations

import pytest

from sokrat.video.question import parse_question, parse_time_value


@pytest.mark.parametrize(("question", "kind", "target"), [
    ("Was there a rabbit at the end?", "yes_no", "rabbit"),
    ("Did I mention the dentist?", "yes_no", "dentist"),
    ("When did I see the rocket?", "when", "rocket"),
    ("At what time does the cat appear?", "when", "cat"),
    ("How many times did I see a cat?", "count", "cat"),
    ("How often was a bicycle shown?", "count", "bicycle"),
    ("What did I say about the milk?", "said", "milk"),
    ("Where did I leave my keys?", "what", "keys"),
    ("Where did I leave my mug?", "what", "mug"),
    ("Where did I park the car?", "what", "car"),
    ("What should I buy after work?", "what", "buy"),  # only a verb: the question is about it
    ("What kind of vehicles were parked in the street?", "what", "vehicles parked street"),
    ("Who was in the car?", "what", "car"),
    # a possessive is its noun, as the log writes it
    ("What is my hamster's name?", "what", "hamster name"),
    ("What did I say about my parents' garden?", "said", "parents garden"),
    ("What’s on Lena's desk?", "what", "lena desk"),
    ("Where is the boss's office?", "what", "boss office"),
    ("When is it five o'clock?", "when", "five o'clock"),  # not a possessive
])
def test_types_and_targets(question: str, kind: str, target: str) -> None:
    q = parse_question(question)
    assert (q.kind, q.target) == (kind, target)


@pytest.mark.parametrize(("question", "kind", "start", "end", "anchors"), [
    ("What was on the table at the very beginning?", "beginning", None, None, ()),
    ("Was there a rabbit at the end?", "end", None, None, ()),
    ("What did I see first?", "beginning", None, None, ()),
    ("What was the last thing I saw?", "end", None, None, ()),
    ("What did I say first?", "beginning", None, None, ()),
    ("What did I mention last?", "end", None, None, ()),
    ("When did I first see the cat?", "first_time", None, None, ()),
    ("When did I last see the cat?", "last_time", None, None, ()),
    ("What did I see right after the cat?", "right_after", None, None, ("cat",)),
    ("What came just before the rocket?", "right_before", None, None, ("rocket",)),
    ("Is there a bicycle after the coffee?", "after", None, None, ("coffee",)),
    ("Was there a dog before the cat, at all?", "before", None, None, ("cat",)),
    ("What was between the cat and the rocket?", "between", None, None, ("cat", "rocket")),
    ("What was shown at 1:30?", "window", 90.0, 90.0, ()),
    ("What did I see at 45 seconds?", "window", 45.0, 45.0, ()),
    ("What did I see in the second minute?", "window", 60.0, 120.0, ()),
    ("What appeared between 0:10 and 0:20?", "window", 10.0, 20.0, ()),
    ("Was there a dog in the first 10 seconds?", "window", 0.0, 10.0, ()),
    ("What happened after 2:00?", "window", 120.0, None, ()),
    ("What did I see in the middle?", "middle", None, None, ()),
    ("Was there a drink in the second half?", "second_half", None, None, ()),
])
def test_time_forms(question: str, kind: str, start: float | None, end: float | None,
                    anchors: tuple[str, ...]) -> None:
    spec = parse_question(question).time
    assert spec is not None and spec.kind == kind, spec
    assert (spec.start, spec.end, spec.anchors) == (start, end, anchors)
    assert spec.phrase and spec.phrase in question.lower()


def test_first_or_last_as_a_thing_said_is_no_time() -> None:
    # "first" after a verb of saying is when; as the thing said about, it is no time at all
    assert parse_question("What did I say about the first prize?").time is None


def test_last_seconds_count_back_from_the_end_and_no_time_means_none() -> None:
    spec = parse_question("What was said in the last 20 seconds?").time
    assert spec is not None and spec.from_end and spec.end == 20
    assert parse_question("Where did I leave my keys?").time is None


def test_time_values() -> None:
    assert parse_time_value("1:30") == 90 and parse_time_value("45 s") == 45
    assert parse_time_value("2 minutes") == 120 and parse_time_value("0:05.5") == 5.5


@pytest.mark.parametrize(("question", "verbs"), [
    ("Where did I leave my mug?", {"leave": "leave"}),  # "leave" is also a noun: read as the verb
    ("Where did I last park the bike?", {"park": "park"}),
    ("Where was I sitting?", {"sitting": "sit"}),
    ("What did I forget to buy?", {"forget": "forget", "buy": "buy"}),
    ("What did you put on the table?", {"put": "put"}),
])
def test_a_word_in_a_verb_slot_is_read_as_the_verb(question: str, verbs: dict[str, str]) -> None:
    from sokrat.video.question import verbs_in

    assert verbs_in(question) == verbs


@pytest.mark.parametrize("question", [
    "Were there leaves on the tree?",  # a noun after "there", not after a subject
    "Is the park green?",  # "park" follows a be-verb and an article: a noun
    "Was there a mug on the table?",
    "How many people were there?",
])
def test_nouns_that_are_also_verbs_stay_nouns(question: str) -> None:
    from sokrat.video.question import verbs_in

    assert verbs_in(question) == {}
    assert parse_question(question).verbs == ()


@pytest.mark.parametrize(("asked", "said"), [
    ("neighbour", "It arrived at the neighbor's house."),  # British question, whisper's American spelling
    ("favourite", "My favorite mug is blue."),
    ("theatre", "We met at the theater."),
    ("bookshop", "The parcel from the book shop came."),  # two words joined
    ("nine", "The plumber comes at 9."),  # a small number as digits
])
def test_speech_matches_other_spellings_of_the_asked_word(asked: str, said: str) -> None:
    from sokrat.memory.base import LogEntry
    from sokrat.video.qa import match_entries

    found = match_entries([asked], [LogEntry(0, 0.0, 5.0, said=said)], modality="said")
    assert found and found[0].how == "said"


@pytest.mark.parametrize(("asked", "said"), [
    ("four", "We went for a walk."),  # short words are not respelled
    ("flour", "The floor was wet."),
    ("tour", "A long hour."),
    ("bookshop", "A book on the shelf, a shop on the corner."),  # joined only when neighbours
])
def test_speech_does_not_match_unrelated_words(asked: str, said: str) -> None:
    from sokrat.memory.base import LogEntry
    from sokrat.video.qa import match_entries

    assert match_entries([asked], [LogEntry(0, 0.0, 5.0, said=said)], modality="said") == []


@pytest.mark.parametrize(("question", "modality"), [
    ("Is the woman talking on a phone?", "any"),  # an activity seen, not speech asked about
    ("Was someone speaking into a microphone?", "any"),
    ("Did the boy talk on his mobile phone?", "any"),
    ("Did I talk about the phone bill?", "said"),  # must stay speech
    ("What did I say on the phone?", "said"),
    ("Did I mention the radio?", "said"),
])
def test_talking_on_a_phone_is_seen_not_said(question: str, modality: str) -> None:
    assert parse_question(question).modality == modality
