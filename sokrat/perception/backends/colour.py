"""The dominant colours of a frame, named in plain words ("red", "dark blue" is "blue").

A real, offline, weight-free tagger: pixels of a small thumbnail are put into eleven basic
colour names (Berlin and Kay's basic colour terms) by hue, saturation and value, and the
names covering enough of the frame are returned as ``colour`` labels. It lets the log answer
"was there something red?" and shows the whole recipe for a perception backend: this one
module (an interface from ``base``, a factory, ``BACKENDS``) and its test.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sokrat.perception.base import Label, Tagger
from sokrat.perception.registry import BackendSpec

if TYPE_CHECKING:
    import numpy as np

    from sokrat.settings import Settings

HUES = (("red", 15), ("orange", 40), ("yellow", 70), ("green", 165), ("blue", 255), ("purple", 290),
        ("pink", 340), ("red", 361))
"""Upper hue bound (degrees) of each chromatic name, in order."""
THUMB = (64, 36)
"""Thumbnail (W, H) the colours are counted on: enough for shares, cheap on a CPU."""


class ColourNamer(Tagger):
    """Basic colour names covering at least ``min_share`` of a frame, largest share first."""

    name = "colour-names"

    def __init__(self, *, min_share: float = 0.2) -> None:
        self.min_share = min_share
        """Fraction of the frame's pixels a colour must cover to be named."""

    @property
    def model_id(self) -> str:
        return f"{self.name}-v1:{self.min_share:g}"

    def tag(self, images: Sequence[np.ndarray], *, top_k: int = 3) -> list[list[Label]]:
        out = []
        for image in images:
            shares = colour_shares(image)
            named = sorted(((s, n) for n, s in shares.items() if s >= self.min_share), reverse=True)[:top_k]
            out.append([Label(n, round(s, 3), kind="colour") for s, n in named])
        return out


def colour_shares(image: np.ndarray) -> dict[str, float]:
    """Fraction of pixels per basic colour name in an ``(H, W, 3)`` uint8 RGB image."""
    return _shares(colour_names(image))


def colour_names(image: np.ndarray, size: tuple[int, int] = THUMB, *, min_saturation: float = 0.25) -> np.ndarray:
    """The basic colour name of each pixel of ``image`` resized to ``size`` (W, H): an ``(H, W)``
    array of names ("" for none). Pixels under ``min_saturation`` are black, grey or white."""
    import numpy as np
    from PIL import Image

    hsv = np.asarray(Image.fromarray(image).convert("RGB").resize(size).convert("HSV"), dtype=np.float32)
    h, s, v = hsv[..., 0] * (360 / 255), hsv[..., 1] / 255, hsv[..., 2] / 255  # (H, W) each
    names = np.full(h.shape, "", dtype=object)
    chromatic = (s >= min_saturation) & (v >= 0.2)
    lo = 0.0
    for name, hi in HUES:
        names[chromatic & (h >= lo) & (h < hi)] = name
        lo = hi
    # Dark oranges and reds read as brown.
    names[chromatic & (h < 40) & (v < 0.55)] = "brown"
    names[~chromatic & (v < 0.2)] = "black"
    names[~chromatic & (v >= 0.2) & (v < 0.8)] = "grey"
    names[~chromatic & (v >= 0.8)] = "white"
    return names


def _shares(names: np.ndarray) -> dict[str, float]:
    import numpy as np

    if not names.size:
        return {}
    values, counts = np.unique(names, return_counts=True)
    total = float(names.size)
    return {str(n): float(c) / total for n, c in zip(values, counts, strict=True) if n}


CHROMATIC = frozenset({"red", "orange", "yellow", "green", "blue", "purple", "pink", "brown"})
COLOUR_WORDS = CHROMATIC | {"black", "grey", "white"}
"""Every name the colour namer writes."""
OBJECT_GRID = (96, 96)
"""Grid (W, H) a frame's colours are named on for its boxes."""
OBJECT_SATURATION = 0.15
"""A thing's pixels are named by hue from this saturation, under the frame namer's 0.25: paint
and cloth under light show pale shades ("mint" is a light green), and a pale colour is still the
one a person names; a grey thing's pixels stay under it (their saturation is near 0)."""
OBJECT_INSET = 0.2
"""Share of a box's width and height cut from each side before its colours are counted: a box
is drawn around the thing, so its edges hold the background between the thing's corners."""
OBJECT_CHROMATIC_SHARE = 0.3
"""A hue names the thing when it covers this share of the box's centre (a car's windows, tyres
and shadows are black or grey; its paint is the colour a person names)."""
OBJECT_NEUTRAL_SHARE = 0.5
"""Without such a hue, black, grey or white names it when it covers this share."""
OBJECT_CONTRAST = 2.0
"""...and only when it covers twice its share of the frame outside the box, or more: a colour
as common around the thing is the background showing through it (the road through a bicycle's
frame, the table under a cup's coffee), not the thing's."""
MIN_OUTSIDE = 0.1
"""Below this share of the frame outside the box there is no background to compare with."""


def box_colours(image: np.ndarray, boxes: Sequence[tuple[float, float, float, float]]) -> list[str]:
    """The colour a person would name for the thing in each box (fractions of the frame, as
    :class:`~sokrat.perception.base.Detection` has them): "" when no colour dominates it or
    the colour that does is the background's too."""
    import numpy as np

    if not boxes:
        return []
    names = colour_names(image, OBJECT_GRID, min_saturation=OBJECT_SATURATION)
    h, w = names.shape
    out = []
    for x1, y1, x2, y2 in boxes:
        dx, dy = (x2 - x1) * OBJECT_INSET, (y2 - y1) * OBJECT_INSET
        inside = _shares(names[int((y1 + dy) * h):int(round((y2 - dy) * h)), int((x1 + dx) * w):int(round((x2 - dx) * w))])
        mask = np.ones(names.shape, bool)
        mask[int(y1 * h):int(round(y2 * h)), int(x1 * w):int(round(x2 * w))] = False
        outside = _shares(names[mask]) if mask.mean() >= MIN_OUTSIDE else {}
        out.append(_dominant(inside, outside))
    return out


def _dominant(inside: dict[str, float], outside: dict[str, float]) -> str:
    """The hue, else the neutral, that dominates a box's centre and stands out from around it."""
    def names_it(colour: str, share: float) -> bool:
        return inside[colour] >= share and inside[colour] >= OBJECT_CONTRAST * outside.get(colour, 0.0)

    hue = max((n for n in inside if n in CHROMATIC), key=lambda n: inside[n], default="")
    if hue and names_it(hue, OBJECT_CHROMATIC_SHARE):
        return hue
    neutral = max((n for n in inside if n not in CHROMATIC), key=lambda n: inside[n], default="")
    return neutral if neutral and names_it(neutral, OBJECT_NEUTRAL_SHARE) else ""


def load_colour_namer(settings: Settings) -> ColourNamer:
    return ColourNamer()


BACKENDS = [BackendSpec("colour-names", "tagger", load_colour_namer, priority=50)]
