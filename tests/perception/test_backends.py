"""Perception backends through the paths users take (settings -> sokrat.weights.resolve -> loader)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sokrat.errors import ConfigError, ModelNotAvailable
from sokrat.perception.registry import available_models, get_perceivers, load_backend
from sokrat.perception.tagger import imagenet_classes, imagenet_groups
from sokrat.settings import Settings
from tests.perception.media import photo, read_wav


def test_imagenet_class_names() -> None:
    names = imagenet_classes()
    assert len(names) == 1000 and len(set(names)) == 1000
    known = {281: "tabby cat", 967: "espresso", 665: "moped", 817: "sports car",
             444: "bicycle-built-for-two", 671: "mountain bike", 0: "tench", 504: "coffee mug", 999: "toilet tissue"}
    assert {i: names[i] for i in known} == known
    groups = dict(imagenet_groups())
    assert {names[i] for i in groups["cat"]} == {"tabby cat", "tiger cat", "Persian cat", "Siamese cat", "Egyptian cat"}
    assert all(0 <= i < 1000 for members in groups.values() for i in members)


def test_registry_lists_backends_and_rejects_unknown_names() -> None:
    assert {"clip", "captioner", "efficientnet-lite0", "faster-whisper", "tesseract"} <= set(available_models())
    with pytest.raises(ConfigError, match="valid: .*clip"):
        load_backend("clipp", Settings())


def test_tiny_clip_loads_through_settings(tiny_clip_dir: Path) -> None:
    settings = Settings(clip_model=str(tiny_clip_dir))
    clip = load_backend("clip", settings)
    images = [photo("chelsea"), photo("coffee")]
    vectors = clip.embed_images(images)  # type: ignore[attr-defined]
    texts = clip.embed_texts(["a photo of a cat", "coffee"])  # type: ignore[attr-defined]
    assert vectors.shape == (2, 16) and texts.shape == (2, 16)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    assert not np.allclose(vectors[0], vectors[1])  # the pixels reach the model
    from sokrat.perception.clip import ZeroShotTagger, vocabulary

    labels = ZeroShotTagger(clip).tag(images)  # type: ignore[arg-type]
    kinds = [lab.kind for lab in labels[0]]
    assert kinds.count("place") == 1 and kinds.count("activity") == 1 and kinds.count("object") == 3
    assert {lab.name for lab in labels[0] if lab.kind == "place"} <= set(vocabulary("place"))


def test_tiny_captioner_loads_through_settings(tiny_captioner_dir: Path) -> None:
    captioner = load_backend("captioner", Settings(captioner_model=str(tiny_captioner_dir)))
    captioner.max_new_tokens = 5  # type: ignore[attr-defined]
    captions = captioner.caption([photo("chelsea"), photo("rocket")])  # type: ignore[attr-defined]
    assert len(captions) == 2 and all(isinstance(c, str) for c in captions)


def test_missing_clip_is_reported_not_fatal(tmp_path: Path) -> None:
    settings = Settings(clip_model=str(tmp_path / "no-such-clip"), captioner_model=str(tmp_path / "none"))
    with pytest.raises(ModelNotAvailable):
        load_backend("clip", settings)
    p = get_perceivers(settings)
    assert p.clip is None and p.captioner is None and "clip" in p.missing
    assert p.tagger is not None  # the offline pack still gives the pipeline its eyes


def test_ocr_reads_rendered_text() -> None:
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (640, 200), (250, 250, 250))
    ImageDraw.Draw(image).text((30, 70), "PLATFORM 9 EXIT", fill=(0, 0, 0), font=ImageFont.load_default(size=48))
    ocr = load_backend("tesseract", Settings())
    text, cat = ocr.read([np.asarray(image), photo("chelsea")])  # type: ignore[attr-defined]
    assert "PLATFORM" in text and "EXIT" in text
    assert cat == ""  # no invented words on fur


@pytest.mark.slow
def test_offline_tagger_names_the_photos(capsys: pytest.CaptureFixture[str]) -> None:
    tagger = load_backend("efficientnet-lite0", Settings())
    cat, coffee, rocket = tagger.tag([photo("chelsea", (451, 300)), photo("coffee", (400, 300)),  # type: ignore[attr-defined]
                                     photo("rocket", (300, 400))], top_k=3)
    assert cat[0].name == "cat" and any(lab.name in {"tabby cat", "Egyptian cat", "tiger cat"} for lab in cat)
    assert {"espresso", "cup"} & {lab.name for lab in coffee}
    assert {"missile", "projectile", "space shuttle"} & {lab.name for lab in rocket}
    assert capsys.readouterr().out == ""  # stdout stays clean for `--json`


@pytest.mark.slow
def test_offline_speech_transcribes_espeak_with_times(speech_clip: Path) -> None:
    speech = load_backend("faster-whisper", Settings())
    audio = np.concatenate([np.zeros(3 * 16000, np.float32), read_wav(speech_clip)])
    segments = speech.transcribe(audio, offset_s=100.0)  # type: ignore[attr-defined]
    text = " ".join(s.text for s in segments).lower()
    assert "keys" in text and "red car" in text, text
    assert 102.5 <= segments[0].t_start <= 103.8
    assert segments[-1].t_end <= 100.0 + len(audio) / 16000 + 0.5
