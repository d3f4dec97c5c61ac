"""Pooling a detector's boxes over a shot: keep, count, place, relate (each rule fires and not)."""

from __future__ import annotations

from sokrat.perception.base import Detection, Label
from sokrat.perception.log import VideoLogOptions, describe_shot
from sokrat.perception.scene import (
    Scene,
    SceneOptions,
    Thing,
    format_scene,
    parse_counts,
    parse_relations,
    place,
    plural,
    pool,
    relation,
)
from sokrat.perception.words import parse_labels

OPTS = SceneOptions()


def box(name: str, score: float, x1: float, y1: float, x2: float, y2: float) -> Detection:
    return Detection(name, score, (x1, y1, x2, y2))


def test_a_high_score_in_one_frame_keeps_a_class_a_low_one_does_not() -> None:
    sure = pool([[box("person", 0.9, 0.1, 0.1, 0.3, 0.9)], [], []], OPTS)
    assert [t.word for t in sure.things] == ["person"]
    once = pool([[box("mouse", 0.5, 0.5, 0.6, 0.9, 0.9)], [], []], OPTS)  # a false positive comes and goes
    assert once.things == () and once.maybe == ("mouse",)


def test_support_across_frames_keeps_a_middling_class() -> None:
    bike = box("bicycle", 0.45, 0.4, 0.5, 0.6, 0.9)
    assert [t.word for t in pool([[bike], [bike], [bike], []], OPTS).things] == ["bicycle"]
    assert pool([[bike], [], [], []], OPTS).things == ()  # one frame in four is not support
    assert pool([[bike]], OPTS).things == ()  # a single frame needs a sure score


def test_counts_are_the_median_boxes_per_frame() -> None:
    two = [box("person", 0.8, 0.05, 0.2, 0.25, 0.9), box("person", 0.7, 0.7, 0.2, 0.9, 0.9)]
    scene = pool([two, two, [two[0]]], OPTS)
    assert scene.things[0].count == 2
    scene = pool([two, [two[0]], [two[0]]], OPTS)
    assert scene.things[0].count == 1
    assert format_scene(pool([two, two], OPTS))[0] == "count: 2 people"


def test_positions_left_centre_right_and_near_far() -> None:
    assert place(box("cup", 0.9, 0.0, 0.0, 0.2, 0.2)) == "left"
    assert place(box("cup", 0.9, 0.4, 0.4, 0.6, 0.6)) == "centre"
    assert place(box("car", 0.9, 0.5, 0.0, 1.0, 1.0)) == "right near"
    assert place(box("car", 0.9, 0.45, 0.45, 0.55, 0.55)) == "centre far"


def test_relations_on_and_riding_fire_only_where_the_geometry_says_so() -> None:
    table = box("dining table", 0.8, 0.0, 0.5, 1.0, 1.0)
    cup_on = box("cup", 0.9, 0.4, 0.3, 0.5, 0.6)
    cup_above = box("cup", 0.9, 0.4, 0.0, 0.5, 0.2)  # floating above, not touching
    assert relation(cup_on, table) == "on"
    assert relation(cup_above, table) is None
    assert relation(table, cup_on) is None  # the bigger thing is not on the smaller
    bike = box("bicycle", 0.8, 0.3, 0.5, 0.7, 0.95)
    rider = box("person", 0.9, 0.35, 0.1, 0.65, 0.8)
    walker = box("person", 0.9, 0.75, 0.1, 0.95, 0.95)  # beside the bicycle
    assert relation(rider, bike) == "riding"
    assert relation(walker, bike) is None
    behind_table = box("person", 0.9, 0.3, 0.1, 0.6, 0.7)
    assert relation(behind_table, table) is None  # people are on seats, not tables
    chair = box("chair", 0.8, 0.3, 0.5, 0.6, 0.95)
    assert relation(behind_table, chair) == "on"


def test_a_relation_must_hold_in_most_frames_that_show_both() -> None:
    table = box("dining table", 0.8, 0.0, 0.5, 1.0, 1.0)
    on = box("cup", 0.9, 0.4, 0.3, 0.5, 0.6)
    off = box("cup", 0.9, 0.4, 0.0, 0.5, 0.2)
    assert pool([[on, table], [on, table], [off, table]], OPTS).relations == ("cup on dining table",)
    assert pool([[on, table], [off, table], [off, table]], OPTS).relations == ()


def test_scene_text_round_trips_through_the_log_format() -> None:
    scene = Scene((Thing("person", 0.9, 2, ("left near", "right")), Thing("bicycle", 0.7, 1, ("centre",))),
                  ("person riding bicycle",))
    text = "; ".join(format_scene(scene))
    assert text == ("count: 2 people, 1 bicycle; where: person left near, person right, bicycle centre; "
                    "relation: person riding bicycle")
    items = parse_labels(text)
    assert parse_counts(", ".join(i.word for i in items if i.kind == "count")) == {"people": 2, "bicycle": 1}
    assert parse_relations(", ".join(i.word for i in items if i.kind == "relation")) == [
        ("person", "riding", "bicycle")]
    assert plural("dining table", 2) == "2 dining tables" and plural("bus", 3) == "3 buses"


def test_a_place_shared_by_several_boxes_is_said_once() -> None:
    cars = Scene((Thing("car", 0.9, 3, ("left far", "left far", "centre")),))
    assert format_scene(cars) == ["count: 3 cars", "where: car left far, car centre"]
    apart = Scene((Thing("car", 0.9, 2, ("left far", "right near")),))
    assert format_scene(apart) == ["count: 2 cars", "where: car left far, car right near"]


def test_detections_name_the_shot_and_rooms_are_indoors() -> None:
    opts = VideoLogOptions()
    table = box("dining table", 0.8, 0.0, 0.5, 1.0, 1.0)
    cup = box("cup", 0.95, 0.4, 0.3, 0.5, 0.6)
    seen = describe_shot([[Label("espresso", 0.4)]] * 2, opts, detections=[[cup, table], [cup, table]])
    assert seen.startswith("cup [container], dining table [furniture], espresso")
    assert "relation: cup on dining table" in seen and "place: indoors" in seen
    street = describe_shot([[Label("outdoors", 0.5, kind="place")]] * 2, opts,
                           detections=[[box("car", 0.9, 0.0, 0.4, 0.3, 0.8)]] * 2)
    assert "place: outdoors" in street and "indoors" not in street


def test_a_shot_nothing_names_still_gets_guesses_and_scene_words() -> None:
    opts = VideoLogOptions()
    frames = [[Label("outdoors", 0.6, kind="place"), Label("sky", 0.6, kind="place")]] * 2
    seen = describe_shot(frames, opts, detections=[[box("kite", 0.25, 0.4, 0.1, 0.5, 0.2)], []])
    assert seen.startswith("maybe: kite") and "place: outdoors, sky" in seen
    assert describe_shot(frames, opts, detections=[[], []]) == "place: outdoors, sky"


def test_two_labels_on_one_box_are_one_thing_named_as_the_shot_agrees() -> None:
    cup = box("cup", 0.95, 0.3, 0.0, 0.7, 0.65)
    bowl = box("bowl", 0.6, 0.3, 0.02, 0.7, 0.66)  # the same box, another label
    assert [t.word for t in pool([[cup, bowl], [cup, bowl]], OPTS).things] == ["cup"]
    bird, sheep = box("bird", 0.9, 0.1, 0.1, 0.5, 0.9), box("sheep", 0.61, 0.1, 0.12, 0.5, 0.9)
    assert [t.word for t in pool([[sheep, bird], [bird], [bird]], OPTS).things] == ["bird"]
    # Apart in the frame, both are kept: a cup beside a bowl.
    beside = box("bowl", 0.8, 0.72, 0.3, 0.95, 0.6)
    assert {t.word for t in pool([[cup, beside], [cup, beside]], OPTS).things} == {"cup", "bowl"}


def test_a_thing_is_in_a_container_only_when_its_centre_is_inside_it() -> None:
    bowl = box("bowl", 0.8, 0.3, 0.4, 0.7, 0.8)
    orange = box("orange", 0.7, 0.4, 0.45, 0.55, 0.65)
    beside = box("orange", 0.7, 0.75, 0.45, 0.9, 0.65)  # next to the bowl
    assert relation(orange, bowl) == "in"
    assert relation(beside, bowl) is None
    assert relation(bowl, orange) is None  # the bigger thing is not in the smaller
    person = box("person", 0.9, 0.35, 0.45, 0.5, 0.7)
    assert relation(person, bowl) is None  # people are in no container
    table = box("dining table", 0.8, 0.0, 0.5, 1.0, 1.0)
    assert relation(orange, table) == "on"  # a surface still holds things on it
    scene = pool([[bowl, orange], [bowl, orange]], OPTS)
    assert scene.relations == ("orange in bowl",)
    assert parse_relations("orange in bowl, person riding bicycle") == [("orange", "in", "bowl"),
                                                                       ("person", "riding", "bicycle")]


def test_a_colour_is_said_of_a_thing_when_enough_of_its_boxes_show_it() -> None:
    def car(colour: str) -> Detection:
        return Detection("car", 0.9, (0.2, 0.3, 0.6, 0.8), colour)

    green = pool([[car("green")], [car("green")], [car("")]], OPTS)
    assert green.things[0].colours == ("green",)
    assert format_scene(green)[-1] == "looks: green car"
    assert [(i.word, i.kind) for i in parse_labels("car; looks: green car")] == [("car", "object"),
                                                                                 ("green car", "looks")]
    odd_light = pool([[car("green")], [car("")], [car("")], [car("")]], OPTS)  # one box in four
    assert odd_light.things[0].colours == ()
    assert not any(p.startswith("looks:") for p in format_scene(odd_light))
    two = pool([[car("red"), Detection("car", 0.8, (0.7, 0.3, 0.9, 0.6), "blue")]] * 2, OPTS)
    assert set(two.things[0].colours) == {"red", "blue"}


def test_boxes_get_the_colour_of_their_pixels_and_people_none() -> None:
    import numpy as np

    from sokrat.perception.scene import with_colours

    image = np.full((100, 200, 3), 128, np.uint8)  # a grey road
    image[30:80, 40:120] = (40, 170, 60)  # a green car
    car = Detection("car", 0.9, (0.2, 0.3, 0.6, 0.8))
    person = Detection("person", 0.9, (0.2, 0.3, 0.6, 0.8))
    faint = Detection("car", 0.1, (0.2, 0.3, 0.6, 0.8))
    coloured = with_colours(image, [car, person, faint], OPTS.min_score)
    assert [d.colour for d in coloured] == ["green", "", ""]


def test_boxes_inside_a_better_box_of_their_class_or_far_weaker_are_not_counted() -> None:
    from sokrat.perception.scene import distinct

    people = [box("person", 0.95, 0.00, 0.2, 0.30, 0.9), box("person", 0.90, 0.40, 0.2, 0.70, 0.9),
              box("person", 0.60, 0.45, 0.3, 0.65, 0.6),  # on the second person's torso
              box("person", 0.55, 0.05, 0.2, 0.40, 0.9),  # the first person's box again, shifted
              box("person", 0.40, 0.00, 0.1, 0.75, 1.0),  # one box round both
              box("person", 0.35, 0.85, 0.1, 0.95, 0.3)]  # a weak box far from the rest
    assert [d.score for d in distinct(people, OPTS.min_score)] == [0.95, 0.90]
    assert pool([people, people], OPTS).things[0].count == 2


def test_separate_boxes_of_one_class_and_boxes_of_other_classes_all_count() -> None:
    from sokrat.perception.scene import distinct

    side_by_side = [box("person", 0.9, 0.0, 0.2, 0.3, 0.9), box("person", 0.6, 0.35, 0.2, 0.65, 0.9),
                    box("person", 0.5, 0.7, 0.2, 1.0, 0.9)]
    assert len(distinct(side_by_side, OPTS.min_score)) == 3  # overlapping no more than neighbours do
    cup_on_table = [box("dining table", 0.9, 0.0, 0.5, 1.0, 1.0), box("cup", 0.4, 0.4, 0.55, 0.5, 0.7)]
    assert len(distinct(cup_on_table, OPTS.min_score)) == 2  # inside, but another class
