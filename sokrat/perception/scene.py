"""What a detector's boxes say about a shot: which things are there, how many, where, and on what.

Detections are pooled over a shot's frames, because a detector's false positives come and go
from frame to frame while real things stay: a class is kept when one frame sees it with a high
score, or when it is seen in enough of the shot's frames. For the kept classes the log gets

- counts: the typical number of boxes per frame ("2 people");
- coarse positions: left / centre / right by the box's centre, near / far by its size;
- simple relations from box geometry: "cup on dining table", "person on chair",
  "person riding bicycle", "orange in bowl";
- the colour of each kind of thing, from the pixels inside its boxes: "green car".

The words are written into the entry's ``seen`` text by :func:`format_scene` and read back by
:func:`parse_scene`; both live here so the format has one home.
"""

from __future__ import annotations

import dataclasses
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sokrat.perception.base import Detection

if TYPE_CHECKING:
    import numpy as np

LEFT, RIGHT = 1 / 3, 2 / 3
"""A box whose centre is in the left third of the frame is "left", in the right third "right"."""
NEAR_AREA = 0.2
"""A box covering at least a fifth of the frame is near the camera."""
FAR_AREA = 0.02
"""A box covering under 2% of the frame is far away."""
SAME_THING_IOU = 0.6
"""Two boxes of different classes overlapping this much (intersection over union) in one frame
are one thing the detector hesitates over (its suppression of duplicates is per class)."""

SEATS = frozenset({"chair", "couch", "bench", "bed", "toilet"})
"""What a person sits or lies on (COCO words)."""
RIDDEN = frozenset({"bicycle", "motorcycle", "horse", "skateboard", "surfboard", "snowboard", "skis", "elephant"})
"""What a person rides (COCO words)."""
SURFACES = frozenset({"dining table", "bench", "chair", "couch", "bed"})
"""What things are put on (COCO words)."""
CONTAINERS = frozenset({"bowl", "cup", "vase", "sink", "wine glass", "suitcase", "backpack", "handbag",
                        "refrigerator", "microwave", "oven"})
"""What things are put in (COCO words)."""
PERSON = "person"
INDOORS = frozenset({"couch", "bed", "dining table", "toilet", "television", "microwave", "oven", "toaster",
                     "sink", "refrigerator"})
"""Things found in rooms (COCO words): a shot showing one is indoors."""


@dataclass(frozen=True)
class SceneOptions:
    """Thresholds for pooling detections over a shot."""

    min_score: float = 0.3
    """A box counts in a frame from this score."""
    sure_score: float = 0.6
    """One frame at this score is enough to keep a class."""
    support: float = 0.5
    """Otherwise: the share of the shot's frames (at least two) that must see the class."""
    maybe_score: float = 0.2
    """Boxes from this score are kept as guesses ("maybe") for a shot nothing else names."""


@dataclass(frozen=True)
class Thing:
    """A class kept for a shot."""

    word: str
    score: float
    """Best score over the shot."""
    count: int
    """Typical number of boxes per frame that sees it (the median, rounded up)."""
    places: tuple[str, ...]
    """Where each box is in the best frame: ``left``/``centre``/``right`` plus ``near``/``far``."""
    colours: tuple[str, ...] = ()
    """The colours its boxes show, most boxes first (see :data:`COLOUR_SUPPORT`)."""


COLOUR_SUPPORT = 1 / 3
"""A colour is said of a kind of thing when at least this share of its boxes in the shot show it
(two red cars and a blue one are "red car, blue car"; one frame's odd light is not a colour)."""


@dataclass(frozen=True)
class Scene:
    things: tuple[Thing, ...] = ()
    relations: tuple[str, ...] = ()
    """``"cup on dining table"``, ``"person riding bicycle"``."""
    maybe: tuple[str, ...] = ()
    """Classes seen but not kept (best first): a "maybe" when nothing else names the shot."""


def place(d: Detection) -> str:
    """``left near``, ``centre``, ``right far``: where a box is in the frame."""
    x = d.centre_x
    side = "left" if x < LEFT else "right" if x > RIGHT else "centre"
    depth = " near" if d.area >= NEAR_AREA else " far" if d.area < FAR_AREA else ""
    return side + depth


def relation(a: Detection, b: Detection) -> str | None:
    """How ``a`` sits on or in ``b`` from their boxes: ``"riding"``, ``"on"``, ``"in"`` or None.

    ``a`` is on ``b`` when it stands over ``b``: its centre is within ``b``'s width, it is higher
    (its vertical centre above ``b``'s), and its lower edge reaches into ``b``'s box without
    hanging far below it. A person is only "on" a seat or riding what is ridden (a person
    standing behind a table is not on it); things are only on surfaces. A thing is in a
    container when it is smaller and its centre lies inside the container's box.
    """
    if a.name == b.name:
        return None
    if a.name == PERSON:
        verb = "riding" if b.name in RIDDEN else "on" if b.name in SEATS else None
    elif b.name in CONTAINERS and a.area < b.area:
        bx1, by1, bx2, by2 = b.box
        return "in" if bx1 <= a.centre_x <= bx2 and by1 <= (a.box[1] + a.box[3]) / 2 <= by2 else None
    else:
        verb = "on" if b.name in SURFACES and a.area < b.area else None
    if verb is None:
        return None
    ax1, ay1, ax2, ay2 = a.box
    bx1, by1, bx2, by2 = b.box
    b_height = by2 - by1
    centred = bx1 <= a.centre_x <= bx2
    higher = (ay1 + ay2) / 2 < (by1 + by2) / 2
    touches = ay2 > by1 and ay2 <= by2 + 0.25 * b_height
    return verb if centred and higher and touches else None


def iou(a: Detection, b: Detection) -> float:
    ax1, ay1, ax2, ay2 = a.box
    bx1, by1, bx2, by2 = b.box
    inter = max(0.0, min(ax2, bx2) - max(ax1, bx1)) * max(0.0, min(ay2, by2) - max(ay1, by1))
    union = a.area + b.area - inter
    return inter / union if union > 0 else 0.0


CONTAINED = 0.8
"""Two boxes of one class are one thing when this share of either's area lies inside the other:
a box on one person's torso, or one round two people, survives the detector's own NMS, which
compares IoU only."""

SAME_BOX_IOU = 0.5
"""...or when they overlap this much (IoU). The graph's NMS keeps boxes up to IoU 0.6; 0.5 is
the usual NMS threshold of detectors (Detectron's; YOLO's 0.45): a second, shifted box on one
person overlaps it more, two people side by side overlap less."""

COUNT_SHARE = 0.5
"""A box is counted when it scores at least this share of the frame's best box of its class: a
0.3 "person" beside three at 0.9 is more often a poster or a shadow than a fourth person."""


def _inside(a: Detection, b: Detection) -> float:
    """The share of ``a``'s area that lies inside ``b``."""
    ax1, ay1, ax2, ay2 = a.box
    bx1, by1, bx2, by2 = b.box
    inter = max(0.0, min(ax2, bx2) - max(ax1, bx1)) * max(0.0, min(ay2, by2) - max(ay1, by1))
    return inter / a.area if a.area > 0 else 0.0


def distinct(boxes: Sequence[Detection], min_score: float) -> list[Detection]:
    """The boxes of a frame that are separate things, best first: per class, a box is dropped
    when it mostly lies inside a better box of its class or mostly holds one (``CONTAINED``),
    overlaps one by ``SAME_BOX_IOU``, or scores under ``COUNT_SHARE`` of its class's best box."""
    kept: list[Detection] = []
    best: dict[str, float] = {}
    for d in sorted((d for d in boxes if d.score >= min_score), key=lambda d: -d.score):
        top = best.setdefault(d.name, d.score)
        if d.score < COUNT_SHARE * top:
            continue
        if any(k.name == d.name and (max(_inside(d, k), _inside(k, d)) >= CONTAINED or iou(d, k) >= SAME_BOX_IOU)
               for k in kept):
            continue
        kept.append(d)
    return kept


def relabellings(frames: Sequence[Sequence[Detection]], min_score: float) -> set[str]:
    """Classes that are another class's name for the same thing: where two classes' boxes
    coincide in a frame (``SAME_THING_IOU``), the one with the lower total score over the shot
    is dropped ("bowl" on the cup's box; a cartoon animal called a bird in most frames and a
    sheep in one)."""
    total: dict[str, float] = defaultdict(float)
    for boxes in frames:
        for d in boxes:
            if d.score >= min_score:
                total[d.name] += d.score
    dropped: set[str] = set()
    for boxes in frames:
        strong = [d for d in boxes if d.score >= min_score]
        for i, a in enumerate(strong):
            for b in strong[i + 1 :]:
                if a.name != b.name and iou(a, b) >= SAME_THING_IOU:
                    dropped.add(min((a.name, b.name), key=lambda w: (total[w], w)))
    return dropped


def pool(frames: Sequence[Sequence[Detection]], opts: SceneOptions) -> Scene:
    """Keep the classes the shot's frames agree on; count, place and relate them."""
    n = len(frames)
    if not n:
        return Scene()
    dropped = relabellings(frames, opts.maybe_score)
    frames = [[d for d in boxes if d.name not in dropped] for boxes in frames]
    best: dict[str, float] = defaultdict(float)
    seen_in: Counter[str] = Counter()
    counts: dict[str, list[int]] = defaultdict(list)
    separate = [distinct(boxes, opts.min_score) for boxes in frames]  # the boxes counted and placed
    for boxes, apart in zip(frames, separate, strict=True):
        per = Counter(d.name for d in apart)
        for d in boxes:
            if d.score >= opts.maybe_score:
                best[d.name] = max(best[d.name], d.score)
        for word, c in per.items():
            seen_in[word] += 1
            counts[word].append(c)
    kept = [w for w in best if best[w] >= opts.sure_score
            or (n >= 2 and seen_in[w] >= 2 and seen_in[w] >= opts.support * n)]
    kept.sort(key=lambda w: (-best[w], w))
    things = []
    for w in kept:
        frame = max(separate, key=lambda boxes: max((d.score for d in boxes if d.name == w), default=0.0))
        boxes = sorted((d for d in frame if d.name == w), key=lambda d: d.centre_x)
        count = -(-int(2 * statistics.median(counts[w])) // 2) if counts[w] else 1  # median, rounded up
        things.append(Thing(w, round(best[w], 3), max(count, 1), tuple(place(d) for d in boxes),
                            _colours(w, frames, opts.min_score)))
    kept_set = set(kept)
    held: Counter[str] = Counter()
    both: Counter[tuple[str, str]] = Counter()
    for boxes in frames:
        mine = [d for d in boxes if d.name in kept_set and d.score >= opts.min_score]
        names = {d.name for d in mine}
        for x in names:
            for y in names - {x}:
                both[(x, y)] += 1
        found = {f"{a.name} {verb} {b.name}" for a in mine for b in mine if (verb := relation(a, b)) is not None}
        held.update(found)
    relations = []
    for rel, c in held.most_common():
        a, _verb, b = _split_relation(rel)
        if c * 2 >= both[(a, b)]:
            relations.append(rel)
    maybe = tuple(sorted((w for w in best if w not in kept_set), key=lambda w: -best[w]))
    return Scene(tuple(things), tuple(relations), maybe)


def _colours(word: str, frames: Sequence[Sequence[Detection]], min_score: float) -> tuple[str, ...]:
    """The colours at least :data:`COLOUR_SUPPORT` of ``word``'s boxes show, most first (two at most)."""
    boxes = [d for found in frames for d in found if d.name == word and d.score >= min_score]
    seen = Counter(d.colour for d in boxes if d.colour)
    return tuple(c for c, n in seen.most_common(2) if n >= COLOUR_SUPPORT * len(boxes))


def with_colours(image: np.ndarray, found: Sequence[Detection], min_score: float) -> list[Detection]:
    """``found`` with the colour of each box from ``min_score`` named from ``image``'s pixels.
    People get none: their box holds clothes, skin and hair, and "a red person" is not what
    anyone says."""
    from sokrat.perception.backends.colour import box_colours

    todo = [i for i, d in enumerate(found) if d.score >= min_score and d.name != PERSON]
    out = list(found)
    for i, colour in zip(todo, box_colours(image, [found[i].box for i in todo]), strict=True):
        out[i] = dataclasses.replace(found[i], colour=colour)
    return out


def _split_relation(rel: str) -> tuple[str, str, str]:
    m = re.match(r"(.+?) (riding|on|in) (.+)$", rel)
    if m is None:
        raise ValueError(f"not a relation: {rel!r}")
    return m[1], m[2], m[3]


# --- the log's text ------------------------------------------------------------------------------
def plural(word: str, n: int) -> str:
    """``2, person`` -> ``2 people``; ``1, cup`` -> ``1 cup`` (English plurals of COCO words)."""
    if n == 1:
        return f"1 {word}"
    head, _, last = word.rpartition(" ")
    irregular = {"person": "people", "mouse": "mice", "knife": "knives", "skis": "skis", "sheep": "sheep"}
    if last in irregular:
        last = irregular[last]
    elif re.search(r"(s|x|ch|sh)$", last):
        last += "es"
    elif re.search(r"[^aeiou]y$", last):
        last = last[:-1] + "ies"
    else:
        last += "s"
    return f"{n} {head + ' ' if head else ''}{last}"


def format_scene(scene: Scene) -> list[str]:
    """The ``count:``, ``where:``, ``relation:`` and ``looks:`` parts of a ``seen`` text (empty
    ones left out)."""
    parts = []
    if scene.things:
        parts.append("count: " + ", ".join(plural(t.word, t.count) for t in scene.things))
        # each place once per word: three cars, two of them at the left far, read "car left far, car centre"
        places = [f"{t.word} {p}" for t in scene.things for p in list(dict.fromkeys(t.places))[:3]]
        if places:
            parts.append("where: " + ", ".join(places))
    if scene.relations:
        parts.append("relation: " + ", ".join(scene.relations))
    looks = [f"{c} {t.word}" for t in scene.things for c in t.colours]
    if looks:
        parts.append("looks: " + ", ".join(looks))
    return parts


_COUNT = re.compile(r"(\d+) (.+)")


def parse_counts(text: str) -> dict[str, int]:
    """``"2 people, 1 cup"`` -> ``{"people": 2, "cup": 1}`` (the words as written)."""
    out = {}
    for item in text.split(","):
        m = _COUNT.match(item.strip())
        if m:
            out[m[2]] = int(m[1])
    return out


def parse_relations(text: str) -> list[tuple[str, str, str]]:
    """``"cup on dining table, person riding bicycle"`` -> ``[("cup", "on", "dining table"), ...]``."""
    out = []
    for item in text.split(","):
        try:
            out.append(_split_relation(item.strip()))
        except ValueError:
            continue
    return out
