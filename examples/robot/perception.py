"""The robot's eyes: camera crops through the same perception backends as video.

The EfficientNet-Lite0 tagger (offline pack) labels each object's crop with ImageNet classes;
CLIP, where it resolves (hub cache or an explicit path), scores the crop against the scene's
object names. Where objects are comes from the simulator's segmentation mask, not from these.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sokrat.errors import ModelNotAvailable

if TYPE_CHECKING:
    import numpy as np

    from sokrat.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Eyes:
    """Tagger and (optional) CLIP, loaded once; ``missing`` says why a backend is not used."""

    tagger: Any = None
    clip: Any = None
    missing: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, settings: Settings) -> Eyes:
        from sokrat.perception.registry import load_backend

        eyes = cls()
        for role, name in (("tagger", "efficientnet-lite0"), ("clip", "clip")):
            try:
                setattr(eyes, role, load_backend(name, settings))
            except ModelNotAvailable as e:
                eyes.missing[role] = str(e)
                log.info("robot perception: no %s (%s)", role, e)
        return eyes

    def label(self, crops: Sequence[np.ndarray], names: Sequence[str]) -> list[list[str]]:
        """Words for each crop: the tagger's top labels, then CLIP's best object name."""
        out: list[list[str]] = [[] for _ in crops]
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
