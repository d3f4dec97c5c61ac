"""The colour namer: the one-module example of a perception backend (found by the registry)."""

from __future__ import annotations

import numpy as np

from sokrat.perception.base import Tagger
from sokrat.perception.registry import available_models, load_backend
from sokrat.settings import Settings
from tests.perception.media import photo


def test_the_registry_finds_it_as_a_tagger() -> None:
    assert "colour-names" in available_models("tagger")


def test_colour_namer_names_the_dominant_colours() -> None:
    tagger = load_backend("colour-names", Settings(), Tagger)
    red = np.zeros((90, 160, 3), np.uint8)
    red[..., 0] = 220
    half = red.copy()
    half[:, 80:] = (20, 40, 200)  # right half blue
    grey = np.full((90, 160, 3), 128, np.uint8)
    labels = tagger.tag([red, half, grey, photo("rocket")])
    assert [lab.name for lab in labels[0]] == ["red"] and labels[0][0].kind == "colour"
    assert {lab.name for lab in labels[1]} == {"red", "blue"} and all(0.45 < lab.score < 0.55 for lab in labels[1])
    assert [lab.name for lab in labels[2]] == ["grey"]
    assert labels[3][0].name == "blue"  # the sky behind the rocket


def test_a_thing_s_colour_is_its_paint_not_its_windows_or_the_background() -> None:
    from sokrat.perception.backends.colour import box_colours

    car = (0.2, 0.2, 0.8, 0.9)
    image = np.full((100, 200, 3), 235, np.uint8)  # a white wall behind
    image[20:90, 40:160] = (200, 30, 30)  # a red car...
    image[25:45, 60:140] = (10, 10, 10)  # ...with dark windows over a fifth of its box
    assert box_colours(image, [car]) == ["red"]
    grey = np.full((100, 200, 3), 240, np.uint8)
    grey[20:90, 40:160] = 128
    assert box_colours(grey, [car]) == ["grey"]  # no hue: the neutral that covers it
    mixed = np.full((100, 200, 3), 240, np.uint8)
    for i, c in enumerate([(200, 30, 30), (30, 30, 200), (30, 200, 30), (240, 240, 240), (10, 10, 10),
                           (230, 220, 30), (140, 40, 200), (128, 128, 128)]):
        mixed[:, i * 25:(i + 1) * 25] = c  # narrow stripes: no colour dominates
    assert box_colours(mixed, [(0.0, 0.0, 1.0, 1.0)]) == [""]
    assert box_colours(grey, [(0.5, 0.5, 0.505, 0.505)]) == [""]  # a box too small to read


def test_a_colour_the_background_shares_is_not_the_thing_s() -> None:
    from sokrat.perception.backends.colour import box_colours

    road = np.full((100, 200, 3), 128, np.uint8)  # a grey road seen through a bicycle's frame
    road[40:90, 60:140:10] = (20, 20, 20)  # the thin black frame
    assert box_colours(road, [(0.3, 0.4, 0.7, 0.9)]) == [""]
    road[40:90, 60:140] = (30, 60, 200)  # a blue van instead
    assert box_colours(road, [(0.3, 0.4, 0.7, 0.9)]) == ["blue"]
    assert box_colours(road, []) == []


def test_a_pale_thing_is_named_by_its_hue_and_a_grey_one_stays_grey() -> None:
    from sokrat.perception.backends.colour import box_colours

    image = np.full((100, 200, 3), 20, np.uint8)  # a dark background
    image[20:90, 40:160] = (185, 215, 170)  # a pale mint-green car (saturation ~0.21)
    assert box_colours(image, [(0.2, 0.2, 0.8, 0.9)]) == ["green"]
    image[20:90, 40:160] = (180, 184, 188)  # a silver one (saturation ~0.04)
    assert box_colours(image, [(0.2, 0.2, 0.8, 0.9)]) == ["grey"]
