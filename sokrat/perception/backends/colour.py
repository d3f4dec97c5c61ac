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
    import numpy as np
    from PIL import Image

    hsv = np.asarray(Image.fromarray(image).convert("RGB").resize(THUMB).convert("HSV"), dtype=np.float32)
    h, s, v = hsv[..., 0] * (360 / 255), hsv[..., 1] / 255, hsv[..., 2] / 255  # (H, W) each
    names = np.full(h.shape, "", dtype=object)
    chromatic = (s >= 0.25) & (v >= 0.2)
    lo = 0.0
    for name, hi in HUES:
        names[chromatic & (h >= lo) & (h < hi)] = name
        lo = hi
    # Dark oranges and reds read as brown.
    names[chromatic & (h < 40) & (v < 0.55)] = "brown"
    names[~chromatic & (v < 0.2)] = "black"
    names[~chromatic & (v >= 0.2) & (v < 0.8)] = "grey"
    names[~chromatic & (v >= 0.8)] = "white"
    values, counts = np.unique(names, return_counts=True)
    total = float(names.size)
    return {str(n): float(c) / total for n, c in zip(values, counts, strict=True) if n}


def load_colour_namer(settings: Settings) -> ColourNamer:
    return ColourNamer()


BACKENDS = [BackendSpec("colour-names", "tagger", load_colour_namer, priority=50)]
