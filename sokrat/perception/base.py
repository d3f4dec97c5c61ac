"""Small interfaces every perception backend implements, and what they return.

Backends load their weights lazily (on the first call), take batches of frames
(``(H, W, 3)`` uint8 RGB arrays) and run on ``Settings.resolved_device()``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import numpy as np

Role = Literal["tagger", "detector", "clip", "captioner", "speech", "ocr"]
"""What a backend does for the log. ``tagger`` backends all run side by side (an ImageNet
classifier, a colour namer); for the other roles the first that resolves is used."""


@dataclass(frozen=True)
class Label:
    """A named thing seen in a frame, with the model's confidence (0..1)."""

    name: str
    score: float
    kind: str = "object"
    """``object``, ``place``, ``activity`` or ``colour``."""


@dataclass(frozen=True)
class Detection:
    """An object found in a frame: its class word, the model's confidence and where it is."""

    name: str
    score: float
    box: tuple[float, float, float, float]
    """``(x1, y1, x2, y2)`` as fractions of the frame's width and height (0..1, y down)."""
    colour: str = ""
    """The basic colour name of the thing inside the box, when one dominates (set by the indexer)."""

    @property
    def area(self) -> float:
        x1, y1, x2, y2 = self.box
        return max(0.0, x2 - x1) * max(0.0, y2 - y1)

    @property
    def centre_x(self) -> float:
        return (self.box[0] + self.box[2]) / 2


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
    _device: str | Callable[[], str] = "cpu"

    @property
    def device(self) -> str:
        """``cpu`` or ``cuda``. Factories pass ``settings.resolved_device`` uncalled, so torch is
        imported (to look for a GPU) only when the weights load, not to find a log."""
        if callable(self._device):
            self._device = self._device()
        return self._device

    @device.setter
    def device(self, value: str | Callable[[], str]) -> None:
        self._device = value

    @property
    def model_id(self) -> str:
        """Id of the weights in use (recorded on every log entry it helps produce)."""
        return self.name


class Tagger(Backend):
    """Labels for frames (an ImageNet classifier, CLIP zero-shot)."""

    @abstractmethod
    def tag(self, images: Sequence[np.ndarray], *, top_k: int = 3) -> list[list[Label]]:
        """``top_k`` labels per image, best first."""


class Detector(Backend):
    """Objects with boxes (a COCO detector): what is there, how many, and where."""

    @abstractmethod
    def detect(self, images: Sequence[np.ndarray], *, min_score: float = 0.3) -> list[list[Detection]]:
        """Detections scoring at least ``min_score`` per image, best first."""


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
