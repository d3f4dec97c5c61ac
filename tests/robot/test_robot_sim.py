"""The robot demo on the real PyBullet simulator: camera positions, skills through the tool
registry, the effect checks (a slip, a bump), affordances, a whole SayCan episode with a
scripted likelihood, and the recorded mp4."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from robot.goals import goal_set, scene
from robot.sim import Disturbances, Tabletop
from robot.skills import SKILLS, Robot

from sokrat import Agent
from sokrat.agents.loop import AgentLoop, SayCanPolicy
from sokrat.llm.base import ContinuationScore, Message
from sokrat.llm.scripted import ScriptedChatModel
from sokrat.settings import Settings
from sokrat.tools.registry import ToolContext, ToolRegistry

CALM = Disturbances(slip=0.0, bump=0.0)


@pytest.fixture
def sim():
    s = Tabletop(seed=7, disturbances=Disturbances(slip=0.0, bump=0.0))
    s.add("block", color="red", xy=(0.5, -0.1), yaw=0.0)
    s.add("duck", xy=(0.45, 0.12), yaw=0.0)
    s.add("ball", color="green", xy=(0.6, 0.0), yaw=0.0)
    yield s
    s.close()


async def call(robot: Robot, name: str, **arguments):
    registry = ToolRegistry(SKILLS)
    outcome = await registry.execute(name, arguments, ToolContext(deps={"robot": robot}))
    from sokrat.agents.loop import Decision

    verdict = robot.check(Decision(0, name, name, arguments, "ok"), outcome)
    return outcome, verdict


def test_camera_segmentation_locates_every_object(sim: Tabletop) -> None:
    seen = Robot(sim).look()
    assert set(seen) == set(sim.things)
    for name, sighting in seen.items():
        x, y, _ = sim.position(name)
        assert abs(sighting.xyz[0] - x) < 0.04 and abs(sighting.xyz[1] - y) < 0.04, name


async def test_find_pick_place_through_the_tools(sim: Tabletop) -> None:
    robot = Robot(sim)
    out, verdict = await call(robot, "find", obj="duck")
    assert out.ok and verdict.label == "ok" and "duck is on the table at" in out.output
    out, verdict = await call(robot, "pick", obj="duck")
    assert verdict.label == "ok" and sim.held == "duck"
    assert robot.affordance("done") == 0.0 and robot.affordance("place", "duck", target="tray") == 1.0
    out, verdict = await call(robot, "place", obj="duck", target="tray")
    assert verdict.label == "ok", verdict
    assert sim.in_tray("duck") and sim.held is None
    out, verdict = await call(robot, "place", obj="duck", target="tray")
    assert not out.ok and "not holding" in out.error and verdict.label == "failed"


async def test_a_slip_is_caught_by_the_check_and_the_object_must_be_found_again(sim: Tabletop) -> None:
    sim.disturbances = Disturbances(slip=1.0, bump=0.0)
    robot = Robot(sim)
    await call(robot, "find", obj="red block")
    _, verdict = await call(robot, "pick", obj="red block")
    assert verdict.label == "ok"
    _, verdict = await call(robot, "place", obj="red block", target="tray")
    assert verdict.label == "failed" and "slipped" in verdict.reason
    assert not sim.in_tray("red block") and sim.held is None
    assert robot.affordance("find", "red block") == 1.0  # its position is no longer trusted


async def test_push_moves_the_ball(sim: Tabletop) -> None:
    robot = Robot(sim)
    await call(robot, "find", obj="green ball")
    out, verdict = await call(robot, "push", obj="green ball", direction="left")
    assert out.ok and verdict.label in ("ok", "suspect"), verdict
    assert "moved" in verdict.reason


def test_affordances_follow_the_scene(sim: Tabletop) -> None:
    far = sim.add("block", color="blue", xy=(1.0, 0.0))
    robot = Robot(sim)
    robot.known.update(robot.look())
    assert robot.affordance("pick", far.name) == 0.0  # out of reach
    assert robot.affordance("pick", "red block") > 0.9
    assert robot.affordance("pick", "green ball") < robot.affordance("pick", "red block")  # the cup slips on a ball
    assert robot.affordance("place", "duck", target="tray") == 0.0  # nothing held
    assert robot.affordance("pick", "no such thing") == 0.0


class PlanScorer(ScriptedChatModel):
    """Likelihood from a fixed plan: the step after the ones in the prompt scores high."""

    def __init__(self, plan: Sequence[str]) -> None:
        super().__init__([])
        self.plan = list(plan)

    async def ascore(self, prompt, candidates, *, purpose=None):
        done = prompt[-1].content.count(" -> ok")  # type: ignore[union-attr]
        want = self.plan[min(done, len(self.plan) - 1)]
        return [ContinuationScore(c, 0.0 if c == want else -6.0, 4) for c in candidates]


async def test_a_saycan_episode_on_the_simulator() -> None:
    goal = next(g for g in goal_set(__import__("random").Random(1)) if g.text == "put the duck in the tray")
    sim = scene(3, goal, disturbances=CALM)
    robot = Robot(sim)
    model = PlanScorer(["find the duck", "pick up the duck", "put the duck in the tray", "done"])
    agent = Agent(model=model, tools=SKILLS, memory=False, settings=Settings(max_steps=8))
    loop = AgentLoop(agent, SayCanPolicy(robot.candidates, min_affordance=0.2), check=robot.check,
                     deps={"robot": robot})
    result = await loop.arun(goal.text)
    assert result.status == "succeeded", result
    # A suction seal can fail (the duck's cup seals 9 times in 10): then the pick is retried.
    assert [s.tool for s in result.steps if s.ok] == ["find", "pick", "place", "done"]
    assert goal.met(sim)
    sim.close()


async def test_the_episode_is_recorded_as_an_mp4(sim: Tabletop, tmp_path) -> None:
    import av
    from robot.record import Recorder

    robot = Robot(sim)
    recorder = Recorder(robot, tmp_path / "episode.mp4", width=160, height=120)
    await call(robot, "find", obj="duck")
    await call(robot, "pick", obj="duck")
    recorder.hold(0.5)
    path = recorder.close()
    with av.open(str(path)) as container:
        frames = sum(1 for _ in container.decode(video=0))
    assert frames == recorder.frames > 5


def test_messages_are_plain_chat(sim: Tabletop) -> None:
    from robot.episode import EXAMPLES

    from sokrat.agents.loop import StepView, step_messages

    messages = step_messages(StepView("put the duck in the tray", ()), examples=EXAMPLES)
    assert all(isinstance(m, Message) for m in messages)
    assert [m.role for m in messages][:3] == ["system", "user", "assistant"]
    assert "duck" not in " ".join(m.content for m in messages[:-1])  # the examples are about other things


async def test_the_scene_line_comes_from_what_was_seen(sim: Tabletop) -> None:
    from sokrat.agents.loop import StepView, step_messages

    robot = Robot(sim)
    view = StepView("put the duck in the tray", ())
    assert robot.describe(view) == "nothing yet"
    await call(robot, "find", obj="duck")
    await call(robot, "pick", obj="duck")
    await call(robot, "place", obj="duck", target="tray")
    line = robot.describe(view)
    assert "duck (in the tray)" in line and "red block (on the table)" in line
    prompt = step_messages(view, scene=line)[-1].content
    assert f"Seen: {line}" in prompt


def test_connecting_prints_nothing_on_stdout(capfd):
    """PyBullet's C code prints "argv[0]=" on connect; stdout must stay free for ``--json``'s one line."""
    Tabletop(seed=1, disturbances=CALM).close()
    out = capfd.readouterr().out
    assert out == "", out
