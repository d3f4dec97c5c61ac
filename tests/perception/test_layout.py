"""Scene words from colour layout: sky and plants make a frame outdoors (fires and not)."""

from __future__ import annotations

import numpy as np

from sokrat.perception.backends.layout import LayoutNamer


def frame(top: tuple[int, int, int], bottom: tuple[int, int, int]) -> np.ndarray:
    image = np.zeros((90, 160, 3), dtype=np.uint8)
    image[:45] = top
    image[45:] = bottom
    return image


def test_blue_sky_on_top_and_green_plants_say_outdoors() -> None:
    sky_over_grass, = LayoutNamer().tag([frame((110, 170, 235), (60, 140, 50))])
    assert [(lab.name, lab.kind) for lab in sky_over_grass] == [("outdoors", "place"), ("sky", "place"),
                                                                 ("plants", "place")]


def test_a_grey_room_or_a_dark_blue_object_below_says_nothing() -> None:
    namer = LayoutNamer()
    room, blue_floor, navy = namer.tag([frame((128, 128, 128), (90, 80, 70)), frame((200, 200, 200), (110, 170, 235)),
                                        frame((20, 30, 90), (128, 128, 128))])
    assert room == [] and blue_floor == [] and navy == []
