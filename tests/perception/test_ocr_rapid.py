"""RapidOCR (PP-OCRv4 ONNX): the OCR backend bench/perception.py measured against tesseract."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from sokrat.errors import IntegrityError, ModelNotAvailable
from sokrat.perception.backends import ocr
from sokrat.perception.backends.ocr import RapidOCR, RapidOCROptions, load_rapidocr
from sokrat.perception.base import TextReader
from sokrat.perception.registry import build_perceivers, load_backend
from sokrat.settings import Settings
from tests.perception.media import photo


def test_rapidocr_is_the_first_ocr_backend_and_tesseract_the_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    assert build_perceivers(Settings()).ocr is not None
    assert build_perceivers(Settings()).ocr.name == "rapidocr"  # type: ignore[union-attr]
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "rapidocr_onnxruntime" else real(name, *a))
    with pytest.raises(ModelNotAvailable, match="pip install --no-deps rapidocr-onnxruntime==1.4.4"):
        load_rapidocr(Settings())
    p = build_perceivers(Settings())
    assert p.ocr is not None and p.ocr.name == "tesseract"


def test_a_corrupted_model_file_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake = tmp_path / "rapidocr_onnxruntime"
    (fake / "models").mkdir(parents=True)
    for pf in ocr.RAPIDOCR_FILES:
        (fake / pf.relpath).write_bytes(b"tampered")
    real = importlib.util.find_spec

    class _Spec:
        submodule_search_locations = [str(fake)]

    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: _Spec() if name == "rapidocr_onnxruntime" else real(name, *a))
    with pytest.raises(IntegrityError, match="SHA-256"):
        load_rapidocr(Settings())


def test_defaults_never_scale_frames_up() -> None:
    o = RapidOCROptions()
    assert o.max_side >= 480 and 0 < o.min_confidence < 1


@pytest.mark.slow
def test_rapidocr_reads_a_sign_on_a_photo_and_invents_nothing_on_fur() -> None:
    if shutil.which("tesseract") is None:  # only to keep the comparison below honest
        pytest.fail("tesseract is part of the default install (scripts/install.sh)")
    image = Image.fromarray(photo("coffee", (480, 272)))
    font = ImageFont.load_default(size=30)
    ImageDraw.Draw(image).rectangle((40, 40, 420, 90), fill=(245, 240, 225))
    ImageDraw.Draw(image).text((52, 46), "Gate B12 boarding", font=font, fill=(20, 20, 40))
    reader = load_backend("rapidocr", Settings(), TextReader)
    assert isinstance(reader, RapidOCR)
    sign, cat, grey = reader.read([np.asarray(image), photo("chelsea"), np.asarray(photo("camera"))[..., 0]])
    squashed = sign.replace(" ", "").lower()
    assert "gate" in squashed and "b12" in squashed and "boarding" in squashed
    assert cat == ""
    assert isinstance(grey, str)  # a grey (H, W) frame is read, not refused
