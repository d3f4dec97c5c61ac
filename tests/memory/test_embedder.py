"""The text embedder role with the real all-MiniLM-L6-v2 offline weights."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from sokrat.memory import get_embedder as _get_embedder
from sokrat.memory.embedder import EmbedderOptions, TransformersEmbedder

pytestmark = pytest.mark.slow


def get_embedder(settings):  # type: ignore[no-untyped-def]
    """MiniLM whatever the default embedder is."""
    return _get_embedder(settings.model_copy(update={"embedder": "all-MiniLM-L6-v2"}))


def test_shape_norm_and_meaning(settings) -> None:  # type: ignore[no-untyped-def]
    emb = get_embedder(settings)
    assert emb.dim == 384
    v = emb.embed(["A cat sits on the mat.", "A kitten rests on a rug.", "Stock markets fell sharply."])
    assert v.shape == (3, 384) and v.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    sims = v @ v.T
    assert sims[0, 1] > 0.5 > sims[0, 2]
    assert emb.embed([]).shape == (0, 384)
    assert "sentence_transformers" not in sys.modules


def test_batching_does_not_change_vectors(settings) -> None:  # type: ignore[no-untyped-def]
    path = get_embedder(settings).path  # type: ignore[attr-defined]
    texts = [f"sentence number {i} about {'cats' if i % 2 else 'ships'}" for i in range(7)] + ["", "  "]
    small = TransformersEmbedder(path, options=EmbedderOptions(batch_size=2, device="cpu")).embed(texts)
    one = TransformersEmbedder(path, options=EmbedderOptions(batch_size=64, device="cpu")).embed(texts)
    np.testing.assert_allclose(small, one, atol=1e-5)


def test_get_embedder_is_cached(settings) -> None:  # type: ignore[no-untyped-def]
    assert get_embedder(settings) is get_embedder(settings)
