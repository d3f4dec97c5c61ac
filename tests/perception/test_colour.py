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
