"""The robot demo with the real default models (slow): the planner's likelihood picks the first
skill, and the camera's crops go through the real taggers."""

from __future__ import annotations

import pytest
from robot.episode import EXAMPLES
from robot.sim import Disturbances, Tabletop
from robot.skills import Robot

from sokrat.agents.loop import SayCanPolicy, Step, StepView

pytestmark = pytest.mark.slow


@pytest.fixture
def sim():
    s = Tabletop(seed=11, disturbances=Disturbances(slip=0.0, bump=0.0))
    s.add("duck", xy=(0.45, 0.12), yaw=0.0)
    s.add("block", color="green", xy=(0.5, -0.1), yaw=0.0)
    s.add("sponge", xy=(0.6, 0.05), yaw=0.0)
    yield s
    s.close()


async def test_saycan_with_the_default_planner_starts_by_finding_the_object(sim: Tabletop, settings) -> None:
    from sokrat.llm import get_chat_model

    robot = Robot(sim)
    policy = SayCanPolicy(robot.candidates, examples=EXAMPLES, min_affordance=0.2)
    choice = await policy.choose(StepView("put the duck in the tray", ()), get_chat_model(settings))
    assert choice.candidate.text == "find the duck", choice.ranking[:3]
    # Once everything is seen and the duck is held, only placing it is afforded; the model picks the tray.
    robot.known.update(robot.look())
    sim.attach("duck")
    done = (Step("find the duck", "find", {"obj": "duck"}, "ok", "", ""),
            Step("pick up the duck", "pick", {"obj": "duck"}, "ok", "", ""))
    choice = await policy.choose(StepView("put the duck in the tray", done), get_chat_model(settings))
    assert choice.candidate.text == "put the duck in the tray", choice.ranking[:3]


def test_the_camera_crops_go_through_the_real_taggers(sim: Tabletop, settings) -> None:
    from robot.perception import Eyes

    eyes = Eyes.load(settings)
    assert eyes.tagger is not None, eyes.missing
    seen = Robot(sim, eyes).look()
    assert set(seen) == {"duck", "green block", "sponge"}
    assert all(len(s.labels) >= 2 for s in seen.values())  # a colour, then ImageNet labels with scores
    assert seen["green block"].labels[0] == "green"
    assert seen["duck"].labels[0] == "yellow"
