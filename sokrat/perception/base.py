"""Small interfaces every perception backend implements, and what they return.

Backends load their weights lazily (on the first call), take batches of frames
(``(H, W, 3)`` uint8 RGB arrays) and pick CUDA when settings say so / torch sees a GPU.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from sokrat.models import ResolvedModel
    from sokrat.settings import Settings


@dataclass(frozen=True)
class Label:
    """A named thing seen in a frame, with the model's confidence (0..1)."""

    name: str
    score: float
    kind: str = "object"
    """``object``, ``place`` or ``activity``."""


@dataclass(frozen=True)
class SpeechSegment:
    """A stretch of transcribed speech, timed in media seconds."""

    t_start: float
    t_end: float
    text: str


class Backend(ABC):  # noqa: B024 - a common base; subclasses declare the abstract methods
    """Something that turns media into language or vectors."""

    name: str = "backend"
    """Registry name."""

    @property
    def model_id(self) -> str:
        """Id of the weights in use (recorded on every log entry it helps produce)."""
        return self.name


class Tagger(Backend):
    """Labels for frames (an ImageNet classifier, CLIP zero-shot)."""

    @abstractmethod
    def tag(self, images: Sequence[np.ndarray], *, top_k: int = 3) -> list[list[Label]]:
        """``top_k`` labels per image, best first."""


class ImageTextEmbedder(Backend):
    """A joint image/text space (CLIP): frame vectors searchable by text."""

    @property
    @abstractmethod
    def dim(self) -> int: ...

    @abstractmethod
    def embed_images(self, images: Sequence[np.ndarray]) -> np.ndarray:
        """``(N, D)`` float32, L2-normalised."""

    @abstractmethod
    def embed_texts(self, texts: Sequence[str]) -> np.ndarray:
        """``(N, D)`` float32, L2-normalised."""


class Captioner(Backend):
    @abstractmethod
    def caption(self, images: Sequence[np.ndarray]) -> list[str]:
        """One short sentence per image."""


class SpeechRecognizer(Backend):
    @abstractmethod
    def transcribe(self, audio: np.ndarray, *, offset_s: float = 0.0) -> list[SpeechSegment]:
        """Segments of 16 kHz mono float32 ``audio``; times shifted by ``offset_s``."""


class TextReader(Backend):
    @abstractmethod
    def read(self, images: Sequence[np.ndarray]) -> list[str]:
        """Text visible in each image ('' when none)."""


def resolve_model(role: str, settings: Settings) -> ResolvedModel:
    """Where the weights for ``role`` are (``sokrat.models.resolve``); raises ModelNotAvailable."""
    from sokrat.models import resolve

    return resolve(role, settings)


def torch_device(settings: Settings | None) -> str:
    """``cuda`` or ``cpu``, as settings (``device``) and the hardware say."""
    if settings is not None:
        return settings.resolved_device()
    try:
        import torch
    except ImportError:
        return "cpu"
    return "cuda" if torch.cuda.is_available() else "cpu"
