"""EfficientNet-Lite3 (int8 .tflite on ai-edge-litert): the default ImageNet tagger, chosen by
bench/perception.py; Lite0 (PyTorch) runs instead only where Lite3 cannot."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from sokrat.errors import ModelNotAvailable
from sokrat.perception.backends.efficientnet import (
    LiteRTTagger,
    centre_crop,
    lite3_usable,
    load_lite3,
)
from sokrat.perception.base import Tagger
from sokrat.perception.registry import build_perceivers, load_backend
from sokrat.settings import Settings
from tests.perception.media import photo


def test_lite3_is_used_when_its_runtime_and_pack_are_installed() -> None:
    assert lite3_usable(Settings())
    names = [t.name for t in build_perceivers(Settings()).taggers]
    assert "efficientnet-lite3" in names and "efficientnet-lite0" not in names


def test_lite0_runs_instead_when_the_user_names_a_pytorch_checkpoint() -> None:
    from sokrat.weights import resolve

    pth = resolve("tagger", Settings()).path  # the Lite0 pack's .pth
    settings = Settings(tagger_model=str(pth))
    assert not lite3_usable(settings)
    names = [t.name for t in build_perceivers(settings).taggers]
    assert "efficientnet-lite0" in names and "efficientnet-lite3" not in names


def test_lite0_runs_instead_without_the_litert_runtime(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "ai_edge_litert" else real(name, *a))
    assert not lite3_usable(Settings())
    assert lite3_usable(Settings(tagger_model="/models/mine.tflite")) is False


def test_an_explicit_tflite_path_is_used_and_a_missing_one_is_named() -> None:
    assert lite3_usable(Settings(tagger_model="/models/mine.tflite"))
    with pytest.raises(ModelNotAvailable, match=r"SOKRAT_TAGGER_MODEL=/models/mine.tflite: no such file"):
        load_lite3(Settings(tagger_model="/models/mine.tflite"))


def test_a_file_that_is_not_a_tflite_model_gives_a_clear_error(tmp_path: Path) -> None:
    bogus = tmp_path / "model.tflite"
    bogus.write_bytes(b"not a flatbuffer" * 8)
    with pytest.raises(ModelNotAvailable, match="cannot load .*model.tflite as a TFLite model"):
        LiteRTTagger(bogus).tag([photo("chelsea")])


def test_centre_crop_keeps_the_middle_of_the_long_side() -> None:
    image = np.zeros((100, 300, 3), dtype=np.uint8)
    image[:, 100:200] = 255  # a white middle third
    out = centre_crop(image, 50, resize_to=50)
    assert out.shape == (50, 50, 3) and out[:, 2:-2].min() == 255  # (bilinear blends the outer pixels)
    assert centre_crop(np.zeros((40, 40), dtype=np.uint8), 20, resize_to=24).shape == (20, 20, 3)  # grey frames too


@pytest.mark.slow
def test_lite3_names_the_photos_with_real_weights(capsys: pytest.CaptureFixture[str]) -> None:
    tagger = load_backend("efficientnet-lite3", Settings(), Tagger)
    cat, coffee, rocket = tagger.tag([photo("chelsea", (451, 300)), photo("coffee", (400, 300)),
                                     photo("rocket", (300, 400))], top_k=3)
    assert cat[0].name in {"tabby cat", "Egyptian cat", "tiger cat"}
    assert {"espresso", "cup"} & {lab.name for lab in coffee}
    assert {"missile", "projectile", "space shuttle"} & {lab.name for lab in rocket}
    assert all(0.0 <= lab.score <= 1.0 for labs in (cat, coffee, rocket) for lab in labs)
    assert cat[0].score >= cat[1].score >= cat[2].score
    assert tagger.tag([], top_k=3) == []
    assert capsys.readouterr().out == ""  # stdout stays clean for `--json`
