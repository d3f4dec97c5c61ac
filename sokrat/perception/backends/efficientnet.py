"""Offline object labels: EfficientNet-Lite0 trained on ImageNet-1k (no torchvision).

It names objects (tabby cat, espresso, moped), not scenes; good enough for a video log
when no CLIP or captioner weights are around. Preprocessing is Pillow + numpy.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sokrat.errors import ModelNotAvailable
from sokrat.perception.base import Label, Tagger
from sokrat.perception.registry import BackendSpec
from sokrat.perception.words import imagenet_classes

if TYPE_CHECKING:
    import numpy as np

    from sokrat.settings import Settings

_MEAN = (0.485, 0.456, 0.406)
_STD = (0.229, 0.224, 0.225)
INPUT_SIZE = 224


def preprocess(images: Sequence[np.ndarray], size: int = INPUT_SIZE) -> np.ndarray:
    """Resize the short side to ``size * 256/224``, centre-crop ``size``, normalise.

    Returns ``(B, 3, size, size)`` float32, the standard ImageNet evaluation transform.
    """
    import numpy as np
    from PIL import Image

    resize_to = round(size * 256 / 224)
    batch = np.empty((len(images), 3, size, size), dtype=np.float32)
    mean = np.asarray(_MEAN, dtype=np.float32)[:, None, None]
    std = np.asarray(_STD, dtype=np.float32)[:, None, None]
    for i, image in enumerate(images):
        im = Image.fromarray(image).convert("RGB")
        w, h = im.size
        scale = resize_to / min(w, h)
        im = im.resize((max(size, round(w * scale)), max(size, round(h * scale))), Image.Resampling.BILINEAR)
        w, h = im.size
        left, top = (w - size) // 2, (h - size) // 2
        im = im.crop((left, top, left + size, top + size))
        arr = np.asarray(im, dtype=np.float32).transpose(2, 0, 1) / 255.0  # (3, S, S)
        batch[i] = (arr - mean) / std
    return batch


class EfficientNetTagger(Tagger):
    """ImageNet-1k labels from EfficientNet-Lite0 weights at ``weights_path``."""

    name = "efficientnet-lite0"

    def __init__(self, weights_path: str | Path, *, device: str | Callable[[], str] = "cpu", batch_size: int = 16) -> None:
        self.weights_path = Path(weights_path)
        self.device = device
        self.batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                try:
                    import torch
                    from efficientnet_lite_pytorch import EfficientNet
                except ImportError as e:
                    raise ModelNotAvailable(
                        "the tagger needs `efficientnet-lite-pytorch`; install the offline extra "
                        "(pip install 'sokrat[offline]')"
                    ) from e
                if not self.weights_path.is_file():
                    raise ModelNotAvailable(f"tagger weights not found at {self.weights_path}")
                # The library prints "Loaded pretrained weights" on stdout: keep stdout for --json.
                with contextlib.redirect_stdout(sys.stderr):
                    model = EfficientNet.from_pretrained("efficientnet-lite0", weights_path=str(self.weights_path))
                # channels_last: about 2x faster depthwise convolutions on CPU (measured here).
                self._model = model.eval().to(self.device, memory_format=torch.channels_last)
        return self._model

    def tag(self, images: Sequence[np.ndarray], *, top_k: int = 3) -> list[list[Label]]:
        import torch

        if not images:
            return []
        model = self._load()
        names = imagenet_classes()
        out: list[list[Label]] = []
        for start in range(0, len(images), self.batch_size):
            x = torch.from_numpy(preprocess(images[start : start + self.batch_size]))
            x = x.to(self.device, memory_format=torch.channels_last)  # (B, 3, 224, 224)
            with torch.inference_mode():
                probs = model(x).softmax(dim=-1).float().cpu()  # (B, 1000)
            scores, idx = probs.topk(top_k, dim=-1)  # (B, k)
            for b in range(len(probs)):
                out.append([Label(names[i], float(sc)) for sc, i in zip(scores[b].tolist(), idx[b].tolist(), strict=True)])
        return out


def load_tagger(settings: Settings) -> EfficientNetTagger:
    """The tagger from the resolved ``tagger`` role (explicit path or offline pack)."""
    from sokrat.weights import resolve

    resolved = resolve("tagger", settings)
    path = resolved.path
    if path.is_dir():
        candidates = sorted(path.rglob("*.pth"))
        if not candidates:
            raise ModelNotAvailable(f"no .pth weights under {path}; set SOKRAT_TAGGER_MODEL to the file")
        path = candidates[0]
    return EfficientNetTagger(path, device=settings.resolved_device)


BACKENDS = [BackendSpec("efficientnet-lite0", "tagger", load_tagger, priority=10)]
