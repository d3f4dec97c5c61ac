"""Speech post-processing: remarks split at long pauses, spoken numbers joined."""

from __future__ import annotations

from sokrat.perception.backends.speech import PAUSE_S, joined_numbers, split_at_pauses


def test_a_long_pause_between_words_starts_a_new_remark() -> None:
    words = [(1.0, 1.3, " My"), (1.3, 1.7, " friends"), (1.7, 2.2, " visit."),
             (13.0, 13.3, " The"), (13.3, 13.8, " bus"), (13.8, 14.3, " stops.")]
    pieces = split_at_pauses(words)
    assert [[w for _, _, w in p] for p in pieces] == [[" My", " friends", " visit."], [" The", " bus", " stops."]]
    assert pieces[1][0][0] == 13.0


def test_pauses_inside_a_sentence_keep_it_whole() -> None:
    words = [(0.0, 0.4, " I"), (0.4 + PAUSE_S * 0.6, 1.6, " think"), (1.7, 2.0, " so.")]
    assert len(split_at_pauses(words)) == 1


def test_hundreds_and_units_are_one_number() -> None:
    assert joined_numbers("Our flat is number 300 and 12.") == "Our flat is number 312."
    assert joined_numbers("It cost 1000 and 50 pounds") == "It cost 1050 pounds"


def test_ranges_and_lists_of_numbers_are_left_alone() -> None:
    for text in ("Anywhere between 100 and 20 people came.", "from 300 and 5 onwards",
                 "I have 200 and 8 and 9 left", "We sold 250 and 8 more", "page 200 and 108"):
        assert joined_numbers(text) == text
