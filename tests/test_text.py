"""sokrat/text.py: the shared vocabulary (stop words and stemmer come from libraries)."""

from __future__ import annotations

import pytest

from sokrat import text as en


def test_content_words_drop_function_words_and_keep_numbers() -> None:
    assert en.content_words("Where did I leave the 3 keys of my car?") == {"leave", "3", "keys", "car"}
    assert en.content_stems("stored storing stores") == {"store"}


@pytest.mark.parametrize(("answer", "expected"), [
    ("Yes, a cat is seen at 5 s.", True),
    ("Yes.", True),
    ("No, I did not see a dog.", False),
    ("There is no dog in the video.", False),
    ("Is there a dog? The video shows a cat.", None),  # neither a plain yes nor a plain no: rules cannot tell
    ("The dog did not appear.", False),
    ("The cat sits on the mat.", None),
    ("Yes and no.", None),
])
def test_polarity(answer: str, expected: bool | None) -> None:
    assert en.polarity(answer) is expected


def test_nothing_and_absent_patterns() -> None:
    assert en.NOTHING.search("The notes do not mention the budget.")
    assert not en.NOTHING.search("The budget is 500 euros.")
    assert en.NOTHING.search("The budget cannot be found in the current document.")  # passive
    assert not en.NOTHING.search("The budget can be found in the second document: 500 euros.")
    assert en.ABSENT.search("No cat was seen.") and not en.ABSENT.search("A cat was seen.")


@pytest.mark.parametrize(("text", "options"), [
    ("Is the mug on the left or the right of the sink?", (["left"], ["right"])),
    ("Which came first, the bus or the car?", (["bus"], ["car"])),
    ("Did she say green tea or black coffee?", (["green", "tea"], ["black", "coffee"])),
    ("Was the man walking or running?", (["walking"], ["running"])),
    ("Is the door locked or not?", None),  # a yes/no question
    ("Did I see the cat before or after the dog?", None),  # the options are function words
    ("Store 4 or 5 items.", None),  # no question
])
def test_either_or(text: str, options: tuple[list[str], list[str]] | None) -> None:
    assert en.either_or(text) == options
