"""A stand-in text embedder for storage tests: what is stored and found is under test, not what
the text means (the real embedders have their own tests: test_embedder.py, test_server_embedder.py)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from sokrat.memory.base import Embedder


class HashEmbedder(Embedder):
    """Deterministic unit vectors from a hash of (name, text): the same text gets the same vector,
    and two embedders of other names disagree, as two real models would."""

    def __init__(self, name: str = "hash", dim: int = 16) -> None:
        self.name = name
        self._dim = dim

    @property
    def dim(self) -> int:
        return self._dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        rows = [np.random.default_rng(int(hashlib.sha256(f"{self.name}\0{t}".encode()).hexdigest()[:8], 16))
                .standard_normal(self._dim) for t in texts]
        x = np.asarray(rows, dtype=np.float32).reshape(len(texts), self._dim)
        return x / np.linalg.norm(x, axis=1, keepdims=True)
