"""The robot's skills as ordinary Sokrat tools, their affordances, and the check of each effect.

``find``, ``pick``, ``place``, ``push`` and ``done`` are ``@tool`` functions; they reach the
robot through ``ToolContext.deps["robot"]``. They are async: the motion runs in a worker thread
(``asyncio.to_thread``) so the caller's event loop stays free while the arm moves.

What the robot *knows* is what it has seen: ``find`` looks through the camera (segmentation mask
-> pixels -> world position; the tagger and, where it resolves, CLIP label the crop) and ``pick``
and ``push`` go to the last seen position. When a check finds that something moved, that
knowledge is dropped and the object must be found again.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from sokrat import tool
from sokrat.agents.checks import Verdict
from sokrat.agents.loop import Candidate, Decision, StepView
from sokrat.errors import ToolError
from sokrat.tools.registry import ToolContext, ToolOutcome

from .sim import MAT_HALF, MAT_XY, TRAY_HALF, TRAY_XY, Tabletop, deproject, region

if TYPE_CHECKING:
    from .perception import Eyes

Direction = Literal["left", "right", "forward", "back"]
_STEP = {"left": (0.0, 1.0), "right": (0.0, -1.0), "forward": (1.0, 0.0), "back": (-1.0, 0.0)}
PUSH_DISTANCE = 0.12
PLACES = {"tray": "put the {obj} in the tray", "user": "bring the {obj} to the user"}


@dataclass
class Sighting:
    xyz: tuple[float, float, float]
    pixels: int
    labels: list[str] = field(default_factory=list)


@dataclass
class Robot:
    """The simulated robot: the scene, what it has seen, and the last action's before/after."""

    sim: Tabletop
    eyes: Eyes | None = None
    known: dict[str, Sighting] = field(default_factory=dict)
    caption: str = ""
    """What the robot is doing now (shown on the recorded video)."""
    results: list[str] = field(default_factory=list)
    """What the robot achieved, one line per placed or pushed object (shown on the video)."""
    seen_at: dict[str, str] = field(default_factory=dict)
    """Where the robot last saw (or put) each object, in words: its picture of the scene."""
    _before: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    _upright: dict[str, bool] = field(default_factory=dict)
    _region: dict[str, str] = field(default_factory=dict)
    _bumped: str | None = None
    _slipped: bool = False

    # --- perception --------------------------------------------------------------------------
    def look(self) -> dict[str, Sighting]:
        """Every object the camera sees now: position from the segmentation mask and depth."""
        import numpy as np

        rgb, depth, seg, inv_pv = self.sim.camera(width=640, height=480)
        h, w = seg.shape
        seen: dict[str, Sighting] = {}
        crops, names = [], []
        for name, thing in self.sim.things.items():
            v, u = np.nonzero(seg == thing.body)
            if len(u) < 40:  # hidden, or a few stray pixels at an edge
                continue
            points = deproject(inv_pv, u.astype(np.float64), v.astype(np.float64), depth[v, u].astype(np.float64), w, h)
            xy = np.median(points[:, :2], axis=0)
            seen[name] = Sighting((float(xy[0]), float(xy[1]), float(np.percentile(points[:, 2], 95))), len(u))
            top, bottom, left, right = v.min(), v.max(), u.min(), u.max()
            pad = 10
            box = (slice(max(0, top - pad), bottom + pad + 1), slice(max(0, left - pad), right + pad + 1))
            crop = rgb[box].copy()
            crop[seg[box] != thing.body] = 128  # only the object, on grey: the table would dominate the labels
            crops.append(crop)
            names.append(name)
        if self.eyes is not None and crops:
            for name, labels in zip(names, self.eyes.label(crops, [self.sim.things[n].name for n in names]), strict=True):
                seen[name].labels = labels
        return seen

    # --- affordances (SayCan's value functions, computed from the scene) --------------------------
    def affordance(self, tool: str, obj: str = "", target: str = "", direction: str = "") -> float:
        sim = self.sim
        if tool == "done":
            return 0.0 if sim.held is not None else 1.0  # done puts nothing down: the cup must be empty
        if obj not in sim.things:
            return 0.0
        if tool == "find":
            return 0.05 if sim.held == obj else (0.15 if obj in self.known else 1.0)
        if tool == "pick":
            if sim.held is not None:
                return 0.0
            if obj not in self.known:
                return 0.1
            kind = sim.things[obj].kind
            upright = 1.0 if sim.upright(obj) else 0.5
            return (1.0 if sim.reachable(self.known[obj].xyz) else 0.0) * kind.suction * upright
        if tool == "place":
            return 1.0 if sim.held == obj and target in PLACES else 0.0
        if tool == "push":
            if sim.held is not None or obj not in self.known:
                return 0.0
            x, y, z = self.known[obj].xyz
            dx, dy = _STEP[direction]
            dest = (x + dx * PUSH_DISTANCE, y + dy * PUSH_DISTANCE, z)
            if not (sim.reachable((x - dx * 0.06, y - dy * 0.06, z)) and sim.reachable(dest)):
                return 0.0
            return 0.9
        return 0.0

    def describe(self, view: StepView) -> str:
        """The scene line for the planner: what has been seen, and where (from perception and the
        checks, never from the simulator's ground truth of unseen things)."""
        return ", ".join(f"{name} ({where})" for name, where in self.seen_at.items()) or "nothing yet"

    def candidates(self, view: StepView) -> list[Candidate]:
        """Every skill the robot has, in words, with its affordance now."""
        out = []
        for obj in self.sim.things:
            out.append(Candidate(f"find the {obj}", "find", {"obj": obj}, self.affordance("find", obj)))
            out.append(Candidate(f"pick up the {obj}", "pick", {"obj": obj}, self.affordance("pick", obj)))
            for target, words in PLACES.items():
                out.append(Candidate(words.format(obj=obj), "place", {"obj": obj, "target": target},
                                     self.affordance("place", obj, target=target)))
            for direction in ("left", "right"):
                out.append(Candidate(f"push the {obj} {'to the ' if direction in ('left', 'right') else ''}{direction}",
                                     "push", {"obj": obj, "direction": direction},
                                     self.affordance("push", obj, direction=direction)))
        out.append(Candidate("done", "done", {}, self.affordance("done")))
        return out

    # --- actions (run in a worker thread) ------------------------------------------------------
    def _begin(self, caption: str) -> None:
        self.caption = caption
        self._before = self.sim.snapshot()
        self._upright = {n: self.sim.upright(n) for n in self.sim.things}
        self._region = {n: self.sim.where(n).split(" at ")[0] for n in self.sim.things}
        self._bumped, self._slipped = None, False

    def _maybe_bump(self, exclude: set[str], fraction: float) -> None:
        if self._bumped is None and 0.45 < fraction <= 0.47 and self.sim.rng.random() < self.sim.disturbances.bump:
            self._bumped = self.sim.bump(exclude) or ""

    def do_find(self, obj: str) -> str:
        self._begin(f"looking for the {obj}")
        seen = self.look()
        self.known.update({n: s for n, s in seen.items()})
        self.seen_at.update({n: region(s.xyz) for n, s in seen.items()})
        if obj not in seen:
            self.known.pop(obj, None)
            raise ToolError(f"the camera does not see the {obj}")
        s = seen[obj]
        labels = f"; the tagger calls it: {', '.join(s.labels)}" if s.labels else ""
        return f"the {obj} is {region(s.xyz)} at x={s.xyz[0]:.2f} m, y={s.xyz[1]:.2f} m{labels}"

    def do_pick(self, obj: str) -> str:
        sim = self.sim
        if sim.held is not None:
            raise ToolError(f"the cup already holds the {sim.held}: place it first")
        if obj not in self.known:
            raise ToolError(f"the robot has not seen the {obj} yet: find it first")
        self._begin(f"picking up the {obj}")
        x, y, top = self.known[obj].xyz
        if not sim.reachable((x, y, top)):
            raise ToolError(f"the {obj} is out of reach")
        sim.move((x, y, top + 0.12), during=lambda f: self._maybe_bump({obj}, f))
        sim.move((x, y, top - 0.01), speed=0.15)
        for _ in range(20):  # press down gently until the cup touches
            if sim.touching(obj):
                break
            tip = sim.tip()
            sim.move((tip[0], tip[1], tip[2] - 0.005), speed=0.1)
        sealed = sim.touching(obj) and sim.rng.random() < sim.things[obj].kind.suction
        if sealed:
            sim.attach(obj)
        sim.move((x, y, top + 0.15), speed=0.3)
        sim.settle(30)
        return f"picked up the {obj}" if sealed else f"tried to pick up the {obj}"

    def do_place(self, obj: str, target: str) -> str:
        sim = self.sim
        if sim.held != obj:
            raise ToolError(f"the robot is not holding the {obj}" + (f" (it holds the {sim.held})" if sim.held else ""))
        self._begin(PLACES[target].format(obj=obj))
        cx, cy = TRAY_XY if target == "tray" else MAT_XY
        half = (TRAY_HALF if target == "tray" else MAT_HALF) * 0.5
        gx, gy = cx + sim.rng.uniform(-half, half), cy + sim.rng.uniform(-half, half)
        poor = 1.0 - sim.things[obj].kind.suction
        slip_at = sim.rng.uniform(0.3, 0.8) if sim.rng.random() < sim.disturbances.slip + poor * 0.3 else None

        def during(f: float) -> None:
            if slip_at is not None and not self._slipped and f >= slip_at and sim.held == obj:
                sim.release()
                self._slipped = True
            self._maybe_bump({obj}, f)

        sim.move((gx, gy, 0.22), during=during)
        if sim.held == obj:
            sim.move((gx, gy, 0.1), speed=0.2)
            sim.release()
        sim.settle(90)
        sim.move((gx, gy, 0.25), speed=0.4)
        return f"released the {obj} over the {'tray' if target == 'tray' else 'user'}"

    def do_push(self, obj: str, direction: str) -> str:
        sim = self.sim
        if sim.held is not None:
            raise ToolError(f"the cup holds the {sim.held}: place it before pushing")
        if obj not in self.known:
            raise ToolError(f"the robot has not seen the {obj} yet: find it first")
        self._begin(f"pushing the {obj} {direction}")
        x, y, top = self.known[obj].xyz
        dx, dy = _STEP[direction]
        low = max(0.015, min(top * 0.5, 0.03))
        start = (x - dx * 0.07, y - dy * 0.07)
        sim.move((*start, top + 0.08), during=lambda f: self._maybe_bump({obj}, f))
        sim.move((*start, low), speed=0.2)
        sim.move((x + dx * (PUSH_DISTANCE - 0.03), y + dy * (PUSH_DISTANCE - 0.03), low), speed=0.15)
        sim.move((x + dx * (PUSH_DISTANCE - 0.03), y + dy * (PUSH_DISTANCE - 0.03), top + 0.12), speed=0.3)
        sim.settle(120)
        return f"pushed the {obj} {direction}"

    def do_done(self) -> str:
        self._begin("done")
        if self.sim.held is not None:
            raise ToolError(f"the cup still holds the {self.sim.held}: put it somewhere first")
        self.sim.move((0.35, 0.0, 0.35))
        return "the robot stopped and went home"

    # --- the check: did the scene change as the action expected? --------------------------------------
    def check(self, decision: Decision, outcome: ToolOutcome) -> Verdict:
        if not outcome.ok:
            return Verdict("failed", (outcome.error or "failed")[:200], "choose another step")
        tool, args = decision.tool, decision.arguments
        obj = args.get("obj", "")
        moved = self._side_effects(exclude={obj} if obj else set())
        verdict = self._expected(tool, obj, args)
        if verdict.label == "ok" and moved:
            return Verdict("suspect", f"{verdict.reason}, but {moved}", "find the objects that moved again")
        if moved:
            return Verdict(verdict.label, f"{verdict.reason}; also {moved}", verdict.hint)
        return verdict

    def _expected(self, tool: str, obj: str, args: dict[str, Any]) -> Verdict:
        sim = self.sim
        if tool == "find":
            return Verdict("ok", f"the {obj} was seen")
        if tool == "pick":
            lifted = sim.position(obj)[2] > self._before[obj][2] + 0.05
            if sim.held == obj and lifted:
                self.seen_at[obj] = "held"
                return Verdict("ok", f"the {obj} is held")
            self.known.pop(obj, None) if math.dist(sim.position(obj), self._before[obj]) > 0.02 else None
            return Verdict("failed", f"the suction cup did not hold the {obj}", "try again or find it first")
        if tool == "place":
            target = args.get("target", "")
            ok = sim.in_tray(obj) if target == "tray" else sim.on_mat(obj)
            self.known.pop(obj, None)
            self.seen_at[obj] = region(sim.position(obj))  # the check looked: it knows where it landed
            if ok:
                self.results.append(f"the {obj} is {sim.where(obj)}")
                return Verdict("ok", f"the {obj} is {sim.where(obj)}")
            why = "slipped off the cup and fell" if self._slipped else "did not land there"
            return Verdict("failed", f"the {obj} {why}: it is {sim.where(obj)}", "find it and try again")
        if tool == "push":
            dx, dy = _STEP[args.get("direction", "left")]
            before, after = self._before[obj], sim.position(obj)
            gain = (after[0] - before[0]) * dx + (after[1] - before[1]) * dy
            self.known.pop(obj, None)
            if gain >= 0.05:
                self.results.append(f"the {obj} was pushed {args.get('direction')}")
                return Verdict("ok", f"the {obj} moved {gain * 100:.0f} cm {args.get('direction')}")
            return Verdict("failed", f"the {obj} moved only {max(gain, 0) * 100:.0f} cm", "find it and push again")
        if tool == "done":
            return Verdict("ok", "finished")
        return Verdict("ok", "no expected effect to check")

    def _side_effects(self, exclude: set[str]) -> str:
        """Objects the action was not about that moved or fell over (a bump, a collision)."""
        sim = self.sim
        notes = []
        for name in sim.things:
            if name in exclude or name not in self._before:
                continue
            fell = self._upright.get(name, True) and not sim.upright(name)
            place = sim.where(name).split(" at ")[0]
            shift = math.dist(sim.position(name)[:2], self._before[name][:2])
            if fell or place != self._region.get(name) or (place == "on the table" and shift > 0.03):
                notes.append(f"the {name} was knocked over" if fell else f"the {name} was moved ({sim.where(name)})")
                self.known.pop(name, None)
                self.seen_at[name] = "moved, not seen since"
        return "; ".join(notes)


def _robot(ctx: ToolContext) -> Robot:
    robot = ctx.deps.get("robot")
    if not isinstance(robot, Robot):
        raise ToolError("no robot is attached to this run (deps={'robot': Robot(...)})")
    return robot


@tool
async def find(obj: str, ctx: ToolContext) -> str:
    """Look for an object with the robot's camera and say where it is.

    Args:
        obj: the object's name, e.g. "red block" or "duck".
    """
    robot = _robot(ctx)
    _known(robot, obj)
    return await asyncio.to_thread(robot.do_find, obj)


@tool
async def pick(obj: str, ctx: ToolContext) -> str:
    """Pick up an object with the suction cup (it must have been found first).

    Args:
        obj: the object's name.
    """
    robot = _robot(ctx)
    _known(robot, obj)
    return await asyncio.to_thread(robot.do_pick, obj)


@tool
async def place(obj: str, target: Literal["tray", "user"], ctx: ToolContext) -> str:
    """Put the held object down: in the tray, or on the user's mat (to give it to the user).

    Args:
        obj: the object the robot holds.
        target: "tray" or "user".
    """
    robot = _robot(ctx)
    _known(robot, obj)
    return await asyncio.to_thread(robot.do_place, obj, target)


@tool
async def push(obj: str, direction: Direction, ctx: ToolContext) -> str:
    """Push an object about 12 cm across the table (for things the cup cannot hold well, like a ball).

    Args:
        obj: the object's name.
        direction: "left", "right", "forward" (away from the robot) or "back".
    """
    robot = _robot(ctx)
    _known(robot, obj)
    return await asyncio.to_thread(robot.do_push, obj, direction)


@tool
async def done(ctx: ToolContext) -> str:
    """Say the task is finished (the arm goes home)."""
    return await asyncio.to_thread(_robot(ctx).do_done)


def _known(robot: Robot, obj: str) -> None:
    if obj not in robot.sim.things:
        raise ToolError(f"there is no {obj!r} on the table; objects: {', '.join(robot.sim.things)}")


SKILLS = [find, pick, place, push, done]
