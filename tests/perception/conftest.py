"""Perception fixtures: real media built once per session, tiny real CLIP/captioner checkpoints."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from sokrat.perception.base import Detection, Detector, Label, Tagger
from tests.perception.media import make_video, photo, speech_wav

SPOKEN = "I left my keys inside the red car."


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def speech_clip(media_dir: Path) -> Path:
    return speech_wav(SPOKEN, media_dir / "speech.wav")


@pytest.fixture(scope="session")
def story_video(media_dir: Path, speech_clip: Path) -> Path:
    """15 s: the cat (0-5 s), an espresso (5-10 s), a rocket (10-15 s); speech at 10.5 s.

    The keys are only in the audio; the cat is only in the pictures.
    """
    scenes = [(photo("chelsea"), 5.0), (photo("coffee"), 5.0), (photo("rocket"), 5.0)]
    return make_video(media_dir / "story.mp4", scenes, speech=[(10.5, speech_clip)])


@pytest.fixture(scope="session")
def day_video(media_dir: Path, speech_clip: Path) -> Path:
    """28 s, five shots: coffee 0-5, cat 5-10, rocket 10-16, cat 16-21, moped 21-28; the keys
    sentence is said at 11 s (over the rocket)."""
    scenes = [(photo("coffee"), 5.0), (photo("chelsea"), 5.0), (photo("rocket"), 6.0), (photo("chelsea"), 5.0),
              (photo("stereo_motorcycle"), 7.0)]
    return make_video(media_dir / "day.mp4", scenes, speech=[(11.0, speech_clip)])


@pytest.fixture(scope="session")
def silent_video(media_dir: Path) -> Path:
    """40 s without an audio track: astronaut, then the cat (a cut at 21 s)."""
    scenes = [(photo("astronaut"), 21.0), (photo("chelsea"), 19.0)]
    return make_video(media_dir / "silent.mp4", scenes, fps=5, audio=False)


class PhotoTagger(Tagger):
    """A deterministic stand-in for the ImageNet tagger in logic tests: a frame gets the
    ImageNet label of the reference photo it looks most like (chelsea -> "tabby cat", coffee ->
    "espresso", rocket -> "missile", astronaut -> "space shuttle"), with high confidence."""

    name = "photo-tagger"
    LABELS = {"chelsea": "tabby cat", "coffee": "espresso", "rocket": "missile", "astronaut": "space shuttle",
              "stereo_motorcycle": "moped"}

    def __init__(self) -> None:
        from PIL import Image

        self._refs = {label: np.asarray(Image.fromarray(photo(name)).resize((32, 24)), dtype=np.float32)
                      for name, label in self.LABELS.items()}

    def tag(self, images: Sequence[np.ndarray], *, top_k: int = 3) -> list[list[Label]]:
        from PIL import Image

        out = []
        for im in images:
            small = np.asarray(Image.fromarray(im).resize((32, 24)), dtype=np.float32)
            best = min(self._refs, key=lambda k: float(np.abs(self._refs[k] - small).mean()))
            out.append([Label(best, 0.9), Label("web site", 0.02)])
        return out


class PhotoDetector(Detector):
    """A deterministic stand-in for the COCO detector in logic tests: a frame gets the boxes the
    real detector finds on the reference photo it looks most like (coffee: a cup on a dining
    table; astronaut: a person; the rest: nothing)."""

    name = "photo-detector"
    BOXES = {"coffee": [Detection("cup", 0.95, (0.29, 0.03, 0.69, 0.6)),
                        Detection("dining table", 0.76, (0.0, 0.0, 0.99, 1.0))],
             "astronaut": [Detection("person", 0.78, (0.02, 0.02, 0.72, 1.0))]}

    def __init__(self) -> None:
        self._tagger = PhotoTagger()
        self._names = {label: name for name, label in PhotoTagger.LABELS.items()}

    def detect(self, images: Sequence[np.ndarray], *, min_score: float = 0.3) -> list[list[Detection]]:
        labels = self._tagger.tag(images)
        return [[d for d in self.BOXES.get(self._names[lab[0].name], []) if d.score >= min_score] for lab in labels]


class ColourTagger(Tagger):
    """A deterministic stand-in for logic tests: names a frame by its dominant channel and
    records every frame time it is asked about (to prove what was, or was not, re-done)."""

    name = "colour-tagger"

    def __init__(self, *, fail_after: int | None = None) -> None:
        self.calls = 0
        self.images = 0
        self.fail_after = fail_after

    def tag(self, images: Sequence[np.ndarray], *, top_k: int = 3) -> list[list[Label]]:
        self.calls += 1
        if self.fail_after is not None and self.calls > self.fail_after:
            raise KeyboardInterrupt  # what Ctrl-C looks like in the middle of an index
        self.images += len(images)
        names = ("reddish", "greenish", "bluish")
        return [[Label(names[int(np.argmax(im.reshape(-1, 3).mean(0)))], 0.9)] for im in images]


@pytest.fixture(scope="session")
def tiny_clip_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A randomly initialised CLIP saved with save_pretrained (model, tokenizer, Pillow processor)."""
    import torch
    import transformers
    from transformers import CLIPConfig, CLIPModel

    out = tmp_path_factory.mktemp("tiny-clip")
    tokenizer = _word_tokenizer(["<pad>", "<s>", "</s>", "<unk>"], bos="<s>", eos="</s>", pad="<pad>", unk="<unk>")
    config = CLIPConfig(
        text_config=dict(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=37, num_hidden_layers=2,
                         num_attention_heads=2, max_position_embeddings=77, bos_token_id=1, eos_token_id=2,
                         pad_token_id=0),
        vision_config=dict(hidden_size=32, intermediate_size=37, num_hidden_layers=2, num_attention_heads=2,
                           image_size=32, patch_size=8),
        projection_dim=16,
    )
    torch.manual_seed(0)
    CLIPModel(config).save_pretrained(out)
    tokenizer.save_pretrained(out)
    processor_cls = getattr(transformers, "CLIPImageProcessorPil", None) or transformers.CLIPImageProcessor
    processor_cls(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}).save_pretrained(out)
    return out


@pytest.fixture(scope="session")
def tiny_captioner_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A randomly initialised BLIP captioner with its processor, saved with save_pretrained."""
    import torch
    import transformers
    from transformers import BlipConfig, BlipForConditionalGeneration, BlipProcessor

    out = tmp_path_factory.mktemp("tiny-blip")
    tokenizer = _word_tokenizer(["[PAD]", "[CLS]", "[SEP]", "[UNK]"], bos="[CLS]", eos="[SEP]", pad="[PAD]",
                                unk="[UNK]", sep="[SEP]", cls="[CLS]")
    config = BlipConfig(
        text_config=dict(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=37, num_hidden_layers=2,
                         num_attention_heads=2, max_position_embeddings=64, bos_token_id=1, sep_token_id=2,
                         eos_token_id=2, pad_token_id=0),
        vision_config=dict(hidden_size=32, intermediate_size=37, num_hidden_layers=2, num_attention_heads=2,
                           image_size=32, patch_size=8),
        projection_dim=16,
    )
    torch.manual_seed(0)
    BlipForConditionalGeneration(config).save_pretrained(out)
    image_cls = getattr(transformers, "BlipImageProcessorPil", None) or transformers.BlipImageProcessor
    BlipProcessor(image_processor=image_cls(size={"height": 32, "width": 32}), tokenizer=tokenizer).save_pretrained(out)
    return out


def _word_tokenizer(specials: list[str], *, bos: str, eos: str, pad: str, unk: str, **extra: str):  # type: ignore[no-untyped-def]
    """A word-level fast tokenizer built offline (no download): specials + a small vocabulary."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    words = specials + ["a", "photo", "of", "the", "person", "cat", "cup", "coffee", "kitchen", "street", "car", "bicycle", "red", "keys"]
    vocab = {w: i for i, w in enumerate(words)}
    tk = Tokenizer(models.WordLevel(vocab, unk_token=unk))
    tk.normalizer = normalizers.Lowercase()
    tk.pre_tokenizer = pre_tokenizers.Whitespace()
    tk.post_processor = processors.TemplateProcessing(single=f"{bos} $A {eos}",
                                                      special_tokens=[(bos, vocab[bos]), (eos, vocab[eos])])
    kwargs = {f"{k}_token": v for k, v in extra.items()}
    return PreTrainedTokenizerFast(tokenizer_object=tk, bos_token=bos, eos_token=eos, pad_token=pad,
                                   unk_token=unk, **kwargs)
