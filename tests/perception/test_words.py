"""Plain words and categories for model labels, from the shipped WordNet data."""

from __future__ import annotations

from sokrat.perception.words import format_labels, imagenet_classes, lexicon, parse_labels


def test_imagenet_classes_become_plain_words_with_categories() -> None:
    lex = lexicon()
    for name in ("Egyptian cat", "tabby cat", "tiger cat"):
        c = lex.concept(name)
        assert c.word == "cat" and "animal" in c.categories
    assert lex.concept("mountain bike").word == "bicycle"
    assert "vehicle" in lex.concept("moped").categories
    assert "container" not in lex.concept("moped").categories  # WordNet's wheeled vehicle is one: not for people
    assert "drink" in lex.concept("espresso").categories
    assert lex.concept("coffee mug").word == "mug"
    assert lex.concept("not a wordnet label").categories == ()


def test_questions_match_labels_through_synonyms_plurals_and_hypernyms() -> None:
    lex = lexicon()
    assert lex.is_a("bicycle", lex.synsets("bike"))  # synonym
    assert lex.is_a("cat", lex.synsets("cats"))  # plural
    assert lex.is_a("cat", lex.synsets("animal")) and lex.is_a("moped", lex.synsets("vehicle"))
    assert lex.is_a("espresso", lex.synsets("coffee"))
    assert not lex.is_a("cat", lex.synsets("dog")) and not lex.is_a("moped", lex.synsets("animal"))
    assert not lex.is_a("cat", lex.synsets("tabby"))  # a cat is not necessarily a tabby
    assert lex.synsets("mice") and lex.base_form("mice") == "mouse"


def test_a_category_word_the_log_writes_names_what_the_log_files_under_it() -> None:
    """The log writes "schooner [boat]" (its category: any watercraft); a question about a boat
    finds it, though WordNet's "boat" is the small one. Not wider than the category."""
    lex = lexicon()
    assert "boat" in lex.concept("schooner").categories
    assert lex.is_a("schooner", lex.synsets("boat")) and lex.is_a("canoe", lex.synsets("boats"))
    assert not lex.is_a("bus", lex.synsets("boat")) and not lex.is_a("aircraft carrier", lex.synsets("car"))
    assert lex.synsets("cat") == lex.synsets("cats")  # no category: unchanged


def test_every_imagenet_class_has_a_synset_and_the_data_carries_the_licence() -> None:
    lex = lexicon()
    assert len(imagenet_classes()) == 1000
    assert all(lex.imagenet(i).synsets for i in range(1000))
    from importlib import resources

    text = resources.files("sokrat.perception").joinpath("data/wordnet_labels.json").read_text("utf-8")
    assert "Princeton University" in text


def test_label_text_round_trips() -> None:
    lex = lexicon()
    seen = format_labels([lex.concept("tabby cat"), lex.concept("laptop")]) + "; colour: orange; place: kitchen"
    items = parse_labels(seen)
    assert [(i.word, i.kind) for i in items] == [("cat", "object"), ("laptop", "object"), ("orange", "colour"),
                                                 ("kitchen", "place")]
    assert items[0].categories == ("animal",)


def test_concepts_in_free_text() -> None:
    words = [c.word for c in lexicon().concepts_in("A cat sitting on a laptop next to a cup of coffee")]
    assert words[:2] == ["cat", "laptop"] and "coffee" in words


def test_labels_are_reported_at_the_basic_level_with_the_specific_word() -> None:
    lex = lexicon()
    cars = [lex.concept(n) for n in ("sports car", "convertible", "limousine", "jeep")]
    assert {c.word for c in cars} == {"car"} and cars[1].specific == "convertible"
    assert lex.concept("beagle").word == "dog" and lex.concept("beagle").specific == "beagle"
    assert format_labels([lex.concept("convertible")]) == "car (convertible) [vehicle]"
    # Not lifted where no basic-level word is near: an espresso stays an espresso.
    assert lex.concept("espresso").word == "espresso" and lex.concept("espresso").specific == ""
    assert lex.concept("rocket").word == "rocket"
    items = parse_labels("car (convertible) [vehicle], mug")
    assert [(i.word, i.specific, i.categories) for i in items] == [("car", "convertible", ("vehicle",)), ("mug", "", ())]


def test_detector_words_name_their_own_sense_and_people_are_persons() -> None:
    lex = lexicon()
    assert lex.concept("mouse").categories and not lex.is_a("mouse", lex.synsets("animal"))  # the computer mouse
    assert lex.is_a("person", lex.synsets("people")) and lex.is_a("dining table", lex.synsets("table"))
    assert not lex.is_a("cup", lex.synsets("people"))


def test_kinds_of_person_are_read_as_people_and_other_words_keep_their_meaning() -> None:
    """The detector's one word for people is "person": the lexicon knows the kinds a question
    names, and adds no person sense to a word that names something else in the log."""
    lex = lexicon()
    person = lex.synsets("person")
    for word in ("woman", "women", "boy", "skier", "teenager", "anyone"):
        assert lex.is_a(word, person), word
    # colour words the log writes, words the labels already use, named people, animals
    for word in ("white", "grey", "speaker", "boxer", "cat", "chicken", "fox"):
        assert not lex.is_a(word, person), word
