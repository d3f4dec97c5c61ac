"""Perception backends through the paths users take (settings -> sokrat.weights.resolve -> loader)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sokrat.errors import ConfigError, ModelNotAvailable
from sokrat.perception.base import (
    Captioner,
    ImageTextEmbedder,
    SpeechRecognizer,
    Tagger,
    TextReader,
)
from sokrat.perception.registry import (
    available_models,
    build_perceivers,
    get_perceivers,
    load_backend,
)
from sokrat.perception.words import imagenet_classes
from sokrat.settings import Settings
from tests.perception.media import photo, read_wav


def test_imagenet_class_names_line_up_with_the_wordnet_ids() -> None:
    from importlib import resources

    names = imagenet_classes()
    assert len(names) == 1000 and len(set(names)) == 1000
    known = {281: "tabby cat", 967: "espresso", 665: "moped", 817: "sports car",
             444: "bicycle-built-for-two", 671: "mountain bike", 0: "tench", 504: "coffee mug", 999: "toilet tissue"}
    assert {i: names[i] for i in known} == known
    wnids = resources.files("sokrat.perception").joinpath("data/imagenet_wnids.txt").read_text().split()
    assert wnids[281] == "n02123045" and wnids[0] == "n01440764"  # tabby, tench: WordNet 3.0 offsets


def test_registry_lists_backends_by_role_and_rejects_unknown_names() -> None:
    assert {"clip", "captioner", "efficientnet-lite0", "faster-whisper", "tesseract", "colour-names"} <= set(
        available_models())
    assert available_models("tagger") == ["efficientnet-lite3", "efficientnet-lite0", "movenet-activity",
                                          "colour-names", "scene-layout"]  # priority order
    assert available_models("detector") == ["ssd-mobilenet-v2-coco"]
    assert available_models("speech") == ["faster-whisper", "openai-whisper"]
    with pytest.raises(ConfigError, match="valid: .*clip"):
        load_backend("clipp", Settings())


def test_load_backend_is_typed_by_the_interface_asked_for() -> None:
    tagger = load_backend("colour-names", Settings(), Tagger)
    assert isinstance(tagger, Tagger)
    with pytest.raises(ConfigError, match="is a tagger, not a SpeechRecognizer"):
        load_backend("colour-names", Settings(), SpeechRecognizer)
    assert isinstance(load_backend("tesseract", Settings(), TextReader), TextReader)


def test_taggers_sit_side_by_side_and_backends_build_without_torch() -> None:
    import subprocess
    import sys

    p = build_perceivers(Settings())
    assert [t.name for t in p.taggers] == ["efficientnet-lite3", "colour-names", "scene-layout"]
    assert p.detector is not None and p.detector.name == "ssd-mobilenet-v2-coco"
    assert {"efficientnet-lite3", "rapidocr"} <= {m.split(":")[0] for m in p.model_ids()}
    # Finding a video's log needs the model ids, not the models: no torch import for that.
    code = ("import sys; from sokrat.perception.registry import build_perceivers; from sokrat.settings import "
            "Settings; build_perceivers(Settings()); print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_tiny_clip_loads_through_settings(tiny_clip_dir: Path) -> None:
    settings = Settings(clip_model=str(tiny_clip_dir))
    clip = load_backend("clip", settings, ImageTextEmbedder)
    images = [photo("chelsea"), photo("coffee")]
    vectors = clip.embed_images(images)
    texts = clip.embed_texts(["a photo of a cat", "coffee"])
    assert vectors.shape == (2, 16) and texts.shape == (2, 16)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    assert not np.allclose(vectors[0], vectors[1])  # the pixels reach the model
    from sokrat.perception.backends.clip import ZeroShotTagger, vocabulary

    labels = ZeroShotTagger(clip).tag(images)
    kinds = [lab.kind for lab in labels[0]]
    assert kinds.count("place") == 1 and kinds.count("activity") == 1 and kinds.count("object") == 3
    assert {lab.name for lab in labels[0] if lab.kind == "place"} <= set(vocabulary("place"))


def test_tiny_captioner_captions_what_the_model_generates_for_each_image(tiny_captioner_dir: Path) -> None:
    """Random weights say nothing true about the picture, but the wrapper must give, per image
    and in order, exactly the greedy decode of the model on that image, batched or not."""
    import torch
    from PIL import Image
    from transformers import AutoProcessor, BlipForConditionalGeneration

    captioner = load_backend("captioner", Settings(captioner_model=str(tiny_captioner_dir)), Captioner)
    captioner.max_new_tokens = 5  # type: ignore[attr-defined]
    images = [photo("chelsea"), photo("rocket"), photo("coffee")]
    captions = captioner.caption(images)
    processor = AutoProcessor.from_pretrained(str(tiny_captioner_dir))
    model = BlipForConditionalGeneration.from_pretrained(str(tiny_captioner_dir)).eval()
    for image, caption in zip(images, captions, strict=True):
        inputs = processor(images=[Image.fromarray(image)], return_tensors="pt")
        with torch.inference_mode():
            ids = model.generate(**inputs, max_new_tokens=5, do_sample=False)
        assert caption == " ".join(processor.batch_decode(ids, skip_special_tokens=True)[0].split())
    assert captioner.caption(images[1:2]) == captions[1:2]  # batching changes nothing
    vocab = set(processor.tokenizer.get_vocab())
    assert all(len(c.split()) <= 5 and set(c.split()) <= vocab for c in captions)


def test_missing_clip_is_reported_not_fatal(tmp_path: Path) -> None:
    settings = Settings(clip_model=str(tmp_path / "no-such-clip"), captioner_model=str(tmp_path / "none"))
    with pytest.raises(ModelNotAvailable):
        load_backend("clip", settings)
    p = get_perceivers(settings)
    assert p.clip is None and p.captioner is None and "clip" in p.missing
    assert p.taggers  # the offline pack still gives the pipeline its eyes


def test_ocr_reads_rendered_text() -> None:
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (640, 200), (250, 250, 250))
    ImageDraw.Draw(image).text((30, 70), "PLATFORM 9 EXIT", fill=(0, 0, 0), font=ImageFont.load_default(size=48))
    ocr = load_backend("tesseract", Settings(), TextReader)
    text, cat = ocr.read([np.asarray(image), photo("chelsea")])
    assert "PLATFORM" in text and "EXIT" in text
    assert cat == ""  # no invented words on fur


@pytest.mark.slow
def test_offline_tagger_names_the_photos(capsys: pytest.CaptureFixture[str]) -> None:
    tagger = load_backend("efficientnet-lite0", Settings(), Tagger)
    cat, coffee, rocket = tagger.tag([photo("chelsea", (451, 300)), photo("coffee", (400, 300)),
                                     photo("rocket", (300, 400))], top_k=3)
    assert all(lab.name in {"tabby cat", "Egyptian cat", "tiger cat"} for lab in cat)
    assert {"espresso", "cup"} & {lab.name for lab in coffee}
    assert {"missile", "projectile", "space shuttle"} & {lab.name for lab in rocket}
    assert capsys.readouterr().out == ""  # stdout stays clean for `--json`


@pytest.mark.slow
def test_offline_speech_transcribes_espeak_with_times(speech_clip: Path) -> None:
    speech = load_backend("faster-whisper", Settings(), SpeechRecognizer)
    audio = np.concatenate([np.zeros(3 * 16000, np.float32), read_wav(speech_clip)])
    segments = speech.transcribe(audio, offset_s=100.0)
    text = " ".join(s.text for s in segments).lower()
    assert "keys" in text and "red car" in text, text
    assert 102.5 <= segments[0].t_start <= 103.8
    assert segments[-1].t_end <= 100.0 + len(audio) / 16000 + 0.5
    # the decoding is part of the log's provenance: a greedy log is not reused for a beam-5 one
    assert speech.model_id.endswith(":beam5")
