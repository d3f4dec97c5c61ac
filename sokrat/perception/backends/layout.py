"""Scene words a person uses for a frame with no object in it: sky, plants, outdoors.

Weight-free, like the colour namer: a frame whose top third is mostly blue sky, or which is
largely green vegetation, is outdoors. Without CLIP (no offline weights exist) this is what
keeps a shot of trees or a sky from having no words at all. It says only what colour
layout can support; "indoors" comes from what the detector finds (furniture, appliances).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sokrat.perception.base import Label, Tagger
from sokrat.perception.registry import BackendSpec

if TYPE_CHECKING:
    import numpy as np

    from sokrat.settings import Settings

THUMB = (64, 48)
"""Thumbnail (W, H) the pixels are counted on."""
SKY_SHARE = 0.4
"""Share of the top third's pixels that must be sky-blue for "sky"."""
PLANT_SHARE = 0.3
"""Share of the frame's pixels that must be foliage green for "plants"."""


class LayoutNamer(Tagger):
    """``sky``, ``plants`` and ``outdoors`` as ``place`` labels, from where colours are."""

    name = "scene-layout"

    @property
    def model_id(self) -> str:
        return f"{self.name}-v1:{SKY_SHARE:g}:{PLANT_SHARE:g}"

    def tag(self, images: Sequence[np.ndarray], *, top_k: int = 3) -> list[list[Label]]:
        out = []
        for image in images:
            sky, plants = layout_shares(image)
            labels = []
            if sky >= SKY_SHARE:
                labels.append(Label("sky", round(sky, 3), kind="place"))
            if plants >= PLANT_SHARE:
                labels.append(Label("plants", round(plants, 3), kind="place"))
            if labels:
                labels.insert(0, Label("outdoors", max(lab.score for lab in labels), kind="place"))
            out.append(labels[:top_k])
        return out


def layout_shares(image: np.ndarray) -> tuple[float, float]:
    """(share of sky-blue pixels in the top third, share of foliage-green pixels overall)."""
    import numpy as np
    from PIL import Image

    hsv = np.asarray(Image.fromarray(image).convert("RGB").resize(THUMB).convert("HSV"), dtype=np.float32)
    h, s, v = hsv[..., 0] * (360 / 255), hsv[..., 1] / 255, hsv[..., 2] / 255  # (H, W) each
    # Sky: light, moderately saturated blue (hue 185-250 degrees); deep blue objects are darker.
    sky = (h >= 185) & (h <= 250) & (s >= 0.15) & (v >= 0.55)
    # Foliage: yellow-green to green (hue 60-160), not grey, not black.
    green = (h >= 60) & (h <= 160) & (s >= 0.2) & (v >= 0.15)
    top = sky[: max(1, sky.shape[0] // 3)]
    return float(top.mean()), float(green.mean())


def load_layout_namer(settings: Settings) -> LayoutNamer:
    return LayoutNamer()


BACKENDS = [BackendSpec("scene-layout", "tagger", load_layout_namer, priority=60)]
