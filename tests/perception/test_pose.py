"""MoveNet activity rules: each fires on the pose it names and not on the others; the backend is
off by default (bench/perception.py did not meet the ship rule)."""

from __future__ import annotations

import pytest

from sokrat.perception.backends.pose import MoveNetActivity, Pose, PoseOptions, activities
from sokrat.perception.registry import build_perceivers, load_backend
from sokrat.settings import Settings
from tests.perception.media import photo

# (y, x) of the joints MoveNet reports, for a figure about 0.8 of the frame tall.
_BASE = {0: (0.10, 0.50), 1: (0.08, 0.48), 2: (0.08, 0.52), 3: (0.09, 0.46), 4: (0.09, 0.54),
         5: (0.20, 0.42), 6: (0.20, 0.58), 7: (0.35, 0.40), 8: (0.35, 0.60), 9: (0.48, 0.40), 10: (0.48, 0.60),
         11: (0.50, 0.45), 12: (0.50, 0.55), 13: (0.70, 0.45), 14: (0.70, 0.55), 15: (0.90, 0.45), 16: (0.90, 0.55)}


def _pose(score: float = 0.9, **moved: tuple[float, float]) -> Pose:
    names = {"l_wrist": 9, "r_wrist": 10, "l_knee": 13, "r_knee": 14, "l_ankle": 15, "r_ankle": 16}
    joints = dict(_BASE)
    for name, yx in moved.items():
        joints[names[name]] = yx
    return Pose(tuple((y, x, score) for y, x in (joints[i] for i in range(17))))


def test_standing_straight_legs_feet_together() -> None:
    assert activities(_pose()) == ["standing"]


def test_walking_when_the_feet_are_a_stride_apart_and_not_when_they_are_together() -> None:
    assert activities(_pose(l_ankle=(0.90, 0.33), r_ankle=(0.90, 0.67), l_knee=(0.70, 0.39), r_knee=(0.70, 0.61))) \
        == ["walking"]
    assert "walking" not in activities(_pose())


def test_sitting_when_both_knees_bend_and_not_when_one_leg_is_straight() -> None:
    # Thighs forward (horizontal), shins down: knees at right angles.
    sitting = _pose(l_knee=(0.50, 0.30), r_knee=(0.50, 0.70), l_ankle=(0.72, 0.30), r_ankle=(0.72, 0.70))
    assert activities(sitting) == ["sitting"]
    one_bent = _pose(l_knee=(0.50, 0.30), l_ankle=(0.72, 0.30))
    assert "sitting" not in activities(one_bent)


def test_arms_raised_only_when_a_wrist_is_above_the_head() -> None:
    assert "arms raised" in activities(_pose(l_wrist=(0.02, 0.40)))
    assert "arms raised" not in activities(_pose(l_wrist=(0.15, 0.40)))  # above the shoulder, below the nose
    assert "arms raised" not in activities(_pose())


def test_no_activity_without_a_person() -> None:
    assert activities(_pose(score=0.1)) == []
    assert activities(_pose(score=0.35), PoseOptions(min_joint_score=0.4)) == []


def test_pose_is_off_by_default_but_loadable_by_name() -> None:
    assert "movenet-activity" not in [t.name for t in build_perceivers(Settings()).taggers]
    assert isinstance(load_backend("movenet-activity", Settings()), MoveNetActivity)


@pytest.mark.slow
def test_movenet_finds_the_joints_of_a_real_person() -> None:
    model = load_backend("movenet-activity", Settings(), MoveNetActivity)
    pose = model.pose(photo("astronaut", (512, 512)))
    nose, l_sh, r_sh = pose.joints[0], pose.joints[5], pose.joints[6]
    assert nose[2] > 0.3 and l_sh[2] > 0.3 and r_sh[2] > 0.3
    assert nose[0] < l_sh[0] and nose[0] < r_sh[0]  # the head is above the shoulders
    assert all(lab.kind == "activity" for lab in model.tag([photo("astronaut")])[0])
    assert model.tag([photo("coffee")]) == [[]]  # no person, no activity
