"""Goals in plain words, the scenes they need, and how to tell from the scene that one is met.

A goal names what must be on the table (``needs``); the rest of a scene is random distractors.
``met`` reads the final scene (ground truth), never the robot's own account.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from .sim import COLORS, KINDS, Disturbances, Tabletop

Need = tuple[str, str | None]
"""(kind, colour or None)."""


@dataclass(frozen=True)
class Goal:
    text: str
    needs: tuple[Need, ...]
    met: Callable[[Tabletop], bool]
    """True when the final scene shows the goal done."""


def _name(kind: str, color: str | None) -> str:
    if color:
        return f"{color} {kind}"
    return {"teddy": "teddy bear", "can": "soda can"}.get(kind, kind)


def _blocks(sim: Tabletop) -> list[str]:
    return [n for n, t in sim.things.items() if t.kind.name == "block"]


def _all_blocks_in_tray(sim: Tabletop) -> bool:
    return bool(_blocks(sim)) and all(sim.in_tray(n) for n in _blocks(sim))


def _in_tray(*names: str) -> Callable[[Tabletop], bool]:
    return lambda sim: all(sim.in_tray(n) for n in names)


def _given(*names: str) -> Callable[[Tabletop], bool]:
    return lambda sim: all(sim.on_mat(n) for n in names)


def _pushed(name: str, dy: float) -> Callable[[Tabletop], bool]:
    """Moved at least 6 cm to the left (``dy`` > 0) or right, and still on the table."""
    def met(sim: Tabletop) -> bool:
        y0, (_, y1, z1) = sim.things[name].start[1], sim.position(name)
        return z1 > 0 and (y1 - y0) * (1 if dy > 0 else -1) >= 0.06
    return met


def goal_set(rng: random.Random) -> list[Goal]:
    """The goals the benchmark draws from (colours drawn per scene)."""
    c1, c2, c3 = rng.sample(["red", "green", "blue", "yellow", "purple"], 3)
    ball = rng.choice(["red", "green", "blue", "orange"])
    return [
        Goal("put all the blocks in the tray", (("block", c1), ("block", c2)), _all_blocks_in_tray),
        Goal(f"put the {c1} block in the tray", (("block", c1), ("block", c2)), _in_tray(f"{c1} block")),
        Goal("I spilled my coke, can you bring me something to clean it up?", (("sponge", None), ("can", None)),
             _given("sponge")),
        Goal("bring me the duck", (("duck", None),), _given("duck")),
        Goal("my daughter wants something soft to cuddle, can you hand it to me?", (("teddy", None), ("block", c1)),
             _given("teddy bear")),
        Goal("put the duck in the tray", (("duck", None), ("block", c1)), _in_tray("duck")),
        Goal("tidy up the toys: the duck and the teddy bear go in the tray", (("duck", None), ("teddy", None)),
             _in_tray("duck", "teddy bear")),
        Goal(f"push the {ball} ball to the left", (("ball", ball),), _pushed(f"{ball} ball", +1)),
        Goal(f"put the {c2} block and the {c3} block in the tray", (("block", c2), ("block", c3), ("block", c1)),
             _in_tray(f"{c2} block", f"{c3} block")),
        Goal("I'd like a drink, please bring me the soda", (("can", None), ("mug", None)), _given("soda can")),
    ]


def scene(seed: int, goal: Goal, *, extra: int = 2, disturbances: Disturbances | None = None,
          frame_every: int = 0) -> Tabletop:
    """A random scene with what ``goal`` needs plus ``extra`` random distractors."""
    sim = Tabletop(seed=seed, disturbances=disturbances or Disturbances(), frame_every=frame_every)
    rng = sim.rng
    for kind, color in goal.needs:
        sim.add(kind, color=color)
    kinds = [k for k in KINDS if k != "block"]
    for _ in range(extra):
        for _attempt in range(20):
            kind = rng.choice([*kinds, "block", "block"])
            color = rng.choice(list(COLORS)) if KINDS[kind].colored else None
            if _name(kind, color) not in sim.things:
                sim.add(kind, color=color)
                break
    return sim
