"""Offline object labels: EfficientNet-Lite0 trained on ImageNet-1k (no torchvision).

It names objects (tabby cat, espresso, moped), not scenes; good enough for a video log
when no CLIP or captioner weights are around. Preprocessing is Pillow + numpy.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sokrat.errors import ModelNotAvailable
from sokrat.perception.base import Label, Tagger, torch_device

if TYPE_CHECKING:
    import numpy as np

    from sokrat.settings import Settings

_MEAN = (0.485, 0.456, 0.406)
_STD = (0.229, 0.224, 0.225)
INPUT_SIZE = 224


@lru_cache(maxsize=1)
def imagenet_classes() -> tuple[str, ...]:
    """The 1000 ImageNet-1k class names, index order."""
    text = resources.files("sokrat.perception").joinpath("data/imagenet_classes.txt").read_text("utf-8")
    names = tuple(line.strip() for line in text.splitlines() if line.strip())
    if len(names) != 1000:
        raise RuntimeError(f"imagenet_classes.txt has {len(names)} names, expected 1000")
    return names


@lru_cache(maxsize=1)
def imagenet_groups() -> tuple[tuple[str, tuple[int, ...]], ...]:
    """Coarse names ("bicycle", "cat", "car") for groups of ImageNet classes, from the data file."""
    text = resources.files("sokrat.perception").joinpath("data/imagenet_groups.txt").read_text("utf-8")
    groups = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, _, spec = line.partition(":")
        members: list[int] = []
        for token in spec.split():
            lo, _, hi = token.partition("-")
            members.extend(range(int(lo), int(hi or lo) + 1))
        groups.append((name.strip(), tuple(members)))
    return tuple(groups)


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

    def __init__(self, weights_path: str | Path, *, device: str = "cpu", batch_size: int = 16,
                 min_group_score: float = 0.2) -> None:
        self.weights_path = Path(weights_path)
        self.min_group_score = min_group_score
        """A coarse group label ("bicycle") is added when its classes' summed probability reaches this."""
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
        groups = imagenet_groups()
        member = torch.zeros(1000, len(groups))  # (1000, G) class -> group membership
        for g, (_, idx) in enumerate(groups):
            member[list(idx), g] = 1.0
        out: list[list[Label]] = []
        for start in range(0, len(images), self.batch_size):
            x = torch.from_numpy(preprocess(images[start : start + self.batch_size]))
            x = x.to(self.device, memory_format=torch.channels_last)  # (B, 3, 224, 224)
            with torch.inference_mode():
                probs = model(x).softmax(dim=-1).float().cpu()  # (B, 1000)
            group_probs = probs @ member  # (B, G)
            scores, idx = probs.topk(top_k, dim=-1)  # (B, k)
            for b in range(len(probs)):
                labels = [Label(names[i], float(sc)) for sc, i in zip(scores[b].tolist(), idx[b].tolist(), strict=True)]
                for g in (group_probs[b] >= self.min_group_score).nonzero().flatten().tolist():
                    labels.append(Label(groups[g][0], float(group_probs[b, g]), kind="group"))
                out.append(sorted(labels, key=lambda lab: -lab.score))
        return out


def load_tagger(settings: Settings) -> EfficientNetTagger:
    """The tagger from the resolved ``tagger`` role (explicit path or offline pack)."""
    from sokrat.perception.base import resolve_model

    resolved = resolve_model("tagger", settings)
    path = resolved.path
    if path.is_dir():
        candidates = sorted(path.rglob("*.pth"))
        if not candidates:
            raise ModelNotAvailable(f"no .pth weights under {path}; set SOKRAT_TAGGER_MODEL to the file")
        path = candidates[0]
    tagger = EfficientNetTagger(path, device=torch_device(settings))
    tagger.name = "efficientnet-lite0"
    return tagger
