"""CLIP: frame and text vectors in one space, and zero-shot labels (Socratic Models' VLM).

Default backend: transformers' ``CLIPModel`` with the slow (Pillow) ``CLIPImageProcessor``
and the checkpoint's tokenizer, so no torchvision is needed. When ``open_clip`` is
importable (the ``gpu`` extra), :class:`OpenClip` can be used instead.
Zero-shot labels rank small vocabularies of places, objects and activities
(``data/*.txt``) against each frame, as Socratic Models does.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sokrat.errors import ModelNotAvailable
from sokrat.perception.base import ImageTextEmbedder, Label, Tagger
from sokrat.perception.registry import BackendSpec

if TYPE_CHECKING:
    import numpy as np

    from sokrat.settings import Settings

PROMPTS = {
    "place": "a photo of a {}.",
    "object": "a photo of a {}.",
    "activity": "a photo of a person {}.",
}


@lru_cache(maxsize=4)
def vocabulary(kind: str) -> tuple[str, ...]:
    """The shipped vocabulary for ``kind`` (``place``, ``object``, ``activity``)."""
    files = {"place": "places.txt", "object": "objects.txt", "activity": "activities.txt"}
    text = resources.files("sokrat.perception").joinpath(f"data/{files[kind]}").read_text("utf-8")
    return tuple(line.strip() for line in text.splitlines() if line.strip())


def _normalise(x: Any) -> Any:
    return x / x.norm(dim=-1, keepdim=True).clamp_min(1e-12)


class HFClip(ImageTextEmbedder):
    """transformers ``CLIPModel`` from a local directory (``save_pretrained`` layout)."""

    name = "clip"

    def __init__(self, model_dir: str | Path, *, device: str | Callable[[], str] = "cpu", batch_size: int = 32,
                 model_id: str | None = None) -> None:
        self.model_dir = Path(model_dir)
        self.device = device
        self.batch_size = batch_size
        self._model_id = model_id or f"clip:{self.model_dir.name}"
        self._parts: tuple[Any, Any, Any] | None = None
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        return self._model_id

    def _load(self) -> tuple[Any, Any, Any]:
        with self._lock:
            if self._parts is None:
                import torch
                from transformers import AutoTokenizer, CLIPModel

                try:  # transformers 5: the Pillow processor, explicitly (the default wants torchvision)
                    from transformers import CLIPImageProcessorPil as CLIPImageProcessor
                except ImportError:  # transformers 4: the default processor is the Pillow one
                    from transformers import CLIPImageProcessor  # type: ignore[no-redef,assignment]

                try:
                    model = CLIPModel.from_pretrained(str(self.model_dir), dtype=torch.float32)
                    image_processor = CLIPImageProcessor.from_pretrained(str(self.model_dir))
                    tokenizer = AutoTokenizer.from_pretrained(str(self.model_dir))
                except (OSError, ValueError) as e:
                    raise ModelNotAvailable(f"cannot load CLIP from {self.model_dir}: {e}") from e
                self._parts = (model.eval().to(self.device), image_processor, tokenizer)
        return self._parts

    @property
    def dim(self) -> int:
        return int(self._load()[0].config.projection_dim)

    def embed_images(self, images: Sequence[np.ndarray]) -> np.ndarray:
        import numpy as np
        import torch

        model, processor, _ = self._load()
        out = []
        for start in range(0, len(images), self.batch_size):
            batch = processor(images=list(images[start : start + self.batch_size]), return_tensors="pt")
            with torch.inference_mode():
                feats = model.get_image_features(pixel_values=batch["pixel_values"].to(self.device))
            feats = getattr(feats, "pooler_output", feats)  # (B, D)
            out.append(_normalise(feats).float().cpu().numpy())
        return np.concatenate(out) if out else np.zeros((0, self.dim), np.float32)

    def embed_texts(self, texts: Sequence[str]) -> np.ndarray:
        import numpy as np
        import torch

        model, _, tokenizer = self._load()
        max_len = int(getattr(model.config.text_config, "max_position_embeddings", 77))
        out = []
        for start in range(0, len(texts), self.batch_size):
            tokens = tokenizer(list(texts[start : start + self.batch_size]), padding=True, truncation=True,
                               max_length=max_len, return_tensors="pt")
            with torch.inference_mode():
                feats = model.get_text_features(input_ids=tokens["input_ids"].to(self.device),
                                                attention_mask=tokens["attention_mask"].to(self.device))
            feats = getattr(feats, "pooler_output", feats)  # (B, D)
            out.append(_normalise(feats).float().cpu().numpy())
        return np.concatenate(out) if out else np.zeros((0, self.dim), np.float32)


class OpenClip(ImageTextEmbedder):
    """open_clip (``pip install 'sokrat[gpu]'``): ``architecture`` + a local checkpoint file."""

    name = "open_clip"

    def __init__(self, architecture: str, checkpoint: str | Path, *, device: str | Callable[[], str] = "cuda") -> None:
        self.architecture = architecture
        self.checkpoint = str(checkpoint)
        self.device = device
        self._parts: tuple[Any, Any, Any] | None = None
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        return f"open_clip:{self.architecture}"

    def _load(self) -> tuple[Any, Any, Any]:
        with self._lock:
            if self._parts is None:
                import open_clip

                model, _, preprocess = open_clip.create_model_and_transforms(
                    self.architecture, pretrained=self.checkpoint, device=self.device
                )
                self._parts = (model.eval(), preprocess, open_clip.get_tokenizer(self.architecture))
        return self._parts

    @property
    def dim(self) -> int:
        model = self._load()[0]
        return int(model.text_projection.shape[-1])

    def embed_images(self, images: Sequence[np.ndarray]) -> np.ndarray:
        import torch
        from PIL import Image

        model, preprocess, _ = self._load()
        x = torch.stack([preprocess(Image.fromarray(im)) for im in images]).to(self.device)  # (B, 3, H, W)
        with torch.inference_mode():
            return _normalise(model.encode_image(x)).float().cpu().numpy()

    def embed_texts(self, texts: Sequence[str]) -> np.ndarray:
        import torch

        model, _, tokenizer = self._load()
        with torch.inference_mode():
            return _normalise(model.encode_text(tokenizer(list(texts)).to(self.device))).float().cpu().numpy()


class ZeroShotTagger(Tagger):
    """Labels frames by ranking vocabulary prompts against their CLIP vectors."""

    name = "clip-zero-shot"

    def __init__(self, clip: ImageTextEmbedder, *, kinds: Sequence[str] = ("place", "object", "activity"),
                 temperature: float = 100.0) -> None:
        self.clip = clip
        self.kinds = tuple(kinds)
        self.temperature = temperature
        """CLIP's logit scale: softmax(temperature * cosine) over one vocabulary."""
        self._vocab: dict[str, tuple[tuple[str, ...], np.ndarray]] = {}

    @property
    def model_id(self) -> str:
        return self.clip.model_id

    def _vocab_vectors(self, kind: str) -> tuple[tuple[str, ...], np.ndarray]:
        if kind not in self._vocab:
            words = vocabulary(kind)
            self._vocab[kind] = (words, self.clip.embed_texts([PROMPTS[kind].format(w) for w in words]))
        return self._vocab[kind]

    def tag(self, images: Sequence[np.ndarray], *, top_k: int = 3) -> list[list[Label]]:
        return self.tag_vectors(self.clip.embed_images(images), top_k=top_k)

    def tag_vectors(self, image_vectors: np.ndarray, *, top_k: int = 3) -> list[list[Label]]:
        """Labels for already-embedded frames ``(N, D)``: the top place, activity, ``top_k`` objects."""
        import numpy as np

        per_image: list[list[Label]] = [[] for _ in range(len(image_vectors))]
        for kind in self.kinds:
            words, vectors = self._vocab_vectors(kind)
            logits = self.temperature * image_vectors @ vectors.T  # (N, V)
            logits -= logits.max(axis=1, keepdims=True)
            probs = np.exp(logits)
            probs /= probs.sum(axis=1, keepdims=True)
            keep = top_k if kind == "object" else 1
            for i, row in enumerate(probs):
                for j in np.argsort(-row)[:keep]:
                    per_image[i].append(Label(words[j], float(row[j]), kind=kind))
        return per_image


def load_clip(settings: Settings) -> HFClip:
    """CLIP for the resolved ``clip`` role (a transformers directory)."""
    from sokrat.weights import resolve

    resolved = resolve("clip", settings)
    return HFClip(resolved.path, device=settings.resolved_device, model_id=f"clip:{resolved.model_id}")


def load_open_clip(settings: Settings) -> OpenClip:
    """open_clip with ``SOKRAT_CLIP_MODEL=<architecture>:<checkpoint>`` (the ``gpu`` extra)."""
    import importlib.util

    if importlib.util.find_spec("open_clip") is None:
        raise ModelNotAvailable("open_clip is not installed (pip install 'sokrat[gpu]', CUDA machines)")
    if not settings.clip_model or ":" not in settings.clip_model:
        raise ModelNotAvailable("set SOKRAT_CLIP_MODEL=<architecture>:<checkpoint>, e.g. ViT-B-32:/models/clip.bin")
    arch, checkpoint = settings.clip_model.split(":", 1)
    return OpenClip(arch, checkpoint, device=settings.resolved_device)


def _open_clip_asked(settings: Settings) -> bool:
    return bool(settings.clip_model and ":" in settings.clip_model)


BACKENDS = [
    BackendSpec("open_clip", "clip", load_open_clip, priority=10, enabled=_open_clip_asked),
    BackendSpec("clip", "clip", load_clip, priority=20),
]
