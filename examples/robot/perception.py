"""The robot's eyes: camera crops through the same perception backends as video.

The taggers the video log uses label each object's crop: the colour namer and EfficientNet-Lite0
(ImageNet classes, offline pack); CLIP, where it resolves (hub cache or an explicit path), scores
the crop against the scene's object names. Where objects are comes from the simulator's segmentation mask, not from these.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sokrat.errors import ConfigError, ModelNotAvailable

if TYPE_CHECKING:
    import numpy as np

    from sokrat.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Eyes:
    """Tagger and (optional) CLIP, loaded once; ``missing`` says why a backend is not used."""

    tagger: Any = None
    colour: Any = None
    clip: Any = None
    missing: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, settings: Settings) -> Eyes:
        from sokrat.perception.registry import load_backend

        eyes = cls()
        for role, name in (("tagger", "efficientnet-lite0"), ("colour", "colour-names"), ("clip", "clip")):
            try:
                setattr(eyes, role, load_backend(name, settings))
            except (ModelNotAvailable, ConfigError) as e:
                eyes.missing[role] = str(e)
                log.info("robot perception: no %s (%s)", role, e)
        return eyes

    def label(self, crops: Sequence[np.ndarray], names: Sequence[str]) -> list[list[str]]:
        """Words for each crop: the tagger's top labels, then CLIP's best object name."""
        out: list[list[str]] = [[] for _ in crops]
        if self.colour is not None:  # on the object's pixels only (the grey background is not its colour)
            import numpy as np

            solid = []
            for crop in crops:
                pixels = crop[(crop != 128).any(axis=-1)]  # (P, 3)
                solid.append(np.broadcast_to(np.median(pixels, axis=0) if len(pixels) else 128, crop.shape).astype(np.uint8))
            for i, labels in enumerate(self.colour.tag(solid, top_k=1)):
                out[i].extend(lab.name for lab in labels[:1])
        if self.tagger is not None:
            try:
                for i, labels in enumerate(self.tagger.tag(list(crops), top_k=2)):
                    out[i].extend(f"{lab.name} ({lab.score:.2f})" for lab in labels[:2])
            except ModelNotAvailable as e:
                self.missing["tagger"], self.tagger = str(e), None
        if self.clip is not None:
            try:
                images = self.clip.embed_images(list(crops))  # (N, D)
                texts = self.clip.embed_texts([f"a photo of a {n}" for n in names])  # (M, D)
                sims = images @ texts.T  # (N, M)
                for i in range(len(crops)):
                    j = int(sims[i].argmax())
                    out[i].append(f"CLIP: {names[j]} ({float(sims[i, j]):.2f})")
            except ModelNotAvailable as e:
                self.missing["clip"], self.clip = str(e), None
        return out
