"""Frame captions with a transformers image-to-text model (BLIP by default).

Loaded as ``AutoProcessor`` + ``AutoModelForImageTextToText`` (``AutoModelForVision2Seq`` on
transformers 4), so any image-to-text checkpoint in the ``save_pretrained`` layout works.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sokrat.errors import ModelNotAvailable
from sokrat.perception.base import Captioner
from sokrat.perception.registry import BackendSpec

if TYPE_CHECKING:
    import numpy as np

    from sokrat.settings import Settings


class HFCaptioner(Captioner):
    """Greedy captions, ``max_new_tokens`` long at most, batched."""

    name = "captioner"

    def __init__(self, model_dir: str | Path, *, device: str | Callable[[], str] = "cpu", batch_size: int = 8,
                 max_new_tokens: int = 30, model_id: str | None = None) -> None:
        self.model_dir = Path(model_dir)
        self.device = device
        self.batch_size = batch_size
        self.max_new_tokens = max_new_tokens
        self._model_id = model_id or f"captioner:{self.model_dir.name}"
        self._parts: tuple[Any, Any] | None = None
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        return self._model_id

    def _load(self) -> tuple[Any, Any]:
        with self._lock:
            if self._parts is None:
                import torch
                import transformers
                from transformers import AutoProcessor

                auto = getattr(transformers, "AutoModelForImageTextToText", None) or transformers.AutoModelForVision2Seq  # type: ignore[attr-defined]
                try:
                    processor = AutoProcessor.from_pretrained(str(self.model_dir))
                    model = auto.from_pretrained(str(self.model_dir), dtype=torch.float32)
                except (OSError, ValueError) as e:
                    raise ModelNotAvailable(f"cannot load the captioner from {self.model_dir}: {e}") from e
                self._parts = (model.eval().to(self.device), processor)
        return self._parts

    def caption(self, images: Sequence[np.ndarray]) -> list[str]:
        import torch
        from PIL import Image

        model, processor = self._load()
        captions: list[str] = []
        for start in range(0, len(images), self.batch_size):
            pil = [Image.fromarray(im) for im in images[start : start + self.batch_size]]
            inputs = processor(images=pil, return_tensors="pt").to(self.device)
            with torch.inference_mode():
                ids = model.generate(**inputs, max_new_tokens=self.max_new_tokens, do_sample=False)  # (B, T)
            texts = processor.batch_decode(ids, skip_special_tokens=True)
            captions.extend(" ".join(t.split()) for t in texts)
        return captions


def load_captioner(settings: Settings) -> HFCaptioner:
    """The captioner for the resolved ``captioner`` role."""
    from sokrat.weights import resolve

    resolved = resolve("captioner", settings)
    return HFCaptioner(resolved.path, device=settings.resolved_device, model_id=f"captioner:{resolved.model_id}")


BACKENDS = [BackendSpec("captioner", "captioner", load_captioner)]
