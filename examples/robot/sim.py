"""A headless PyBullet tabletop: a Kuka iiwa with a suction cup, a table, a tray, the user's mat,
and a random set of objects (cubes, a duck, a teddy and a ball from ``pybullet_data``; a sponge,
a soda can and a mug built from primitives or shipped meshes).

The table top is at z = 0 and the arm's base at the origin, facing +x; "left" is +y. Grasping is
a suction cup (a fixed constraint once the tip touches the object's top and the cup seals), as in
Ravens: it keeps manipulation repeatable on a CPU, and its failures are real physics (an object
that slips during transport falls where it is, a bump knocks a mug over).
"""

from __future__ import annotations

import contextlib
import math
import os
import random
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

TOOL = 0.045
"""Suction tip below the flange (link 7's frame), metres."""
HOME = (0.35, 0.0, 0.35)
TRAY_XY = (0.5, 0.32)
TRAY_HALF = 0.13
"""Inner half-width of the tray (``traybox.urdf`` at half scale)."""
MAT_XY = (0.42, -0.36)
MAT_HALF = 0.1
"""The user's mat: where "bring me ..." puts things."""
REACH_TOL = 0.015
"""IK error under which a point counts as reachable."""
_DOWN = (1.0, 0.0, 0.0, 0.0)  # quaternion (x, y, z, w): tool pointing down (rotation of pi about x)
_LL = [-2.96, -2.09, -2.96, -2.09, -2.96, -2.09, -3.05]
_UL = [-v for v in _LL]
_JR = [5.8, 4.0, 5.8, 4.0, 5.8, 4.0, 6.0]
_REST = [0.0, 0.5, 0.0, -1.6, 0.0, 1.0, 0.0]
COLORS = {
    "red": (0.85, 0.1, 0.1, 1), "green": (0.1, 0.7, 0.2, 1), "blue": (0.15, 0.3, 0.9, 1),
    "yellow": (0.95, 0.85, 0.1, 1), "purple": (0.55, 0.2, 0.7, 1), "orange": (1.0, 0.5, 0.05, 1),
}


@dataclass(frozen=True)
class Kind:
    """A kind of object and what the robot can do with it."""

    name: str
    words: tuple[str, ...]
    """Words a goal may use for it (category words too: "toy", "block")."""
    suction: float
    """Chance the cup seals on it: the graspability part of the pick affordance."""
    colored: bool = False


KINDS = {
    "block": Kind("block", ("block", "cube"), 0.97, colored=True),
    "duck": Kind("duck", ("duck", "rubber duck", "toy"), 0.9),
    "teddy": Kind("teddy", ("teddy bear", "teddy", "toy", "soft toy"), 0.85),
    "ball": Kind("ball", ("ball", "toy"), 0.35, colored=True),
    "sponge": Kind("sponge", ("sponge", "cleaning"), 0.97),
    "can": Kind("can", ("soda can", "coke can", "drink"), 0.8),
    "mug": Kind("mug", ("mug", "cup"), 0.75),
}


@dataclass
class Thing:
    """One object in the scene."""

    name: str
    """How the robot and the goals call it: "red block", "duck"."""
    kind: Kind
    body: int
    start: tuple[float, float, float] = (0.0, 0.0, 0.0)


@dataclass
class Disturbances:
    """Real-world trouble, drawn from the scene's random generator."""

    slip: float = 0.08
    """Chance a held object slips off the cup during a transport (plus more for poor grips)."""
    bump: float = 0.05
    """Chance per action that something bumps another object (knocks a mug over, shifts a block)."""


@contextlib.contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """Send file descriptor 1 to stderr for a while.

    PyBullet's C code prints "argv[0]=" to the process's stdout on every connect, which broke the
    benchmark's one JSON line on stdout. ``contextlib.redirect_stdout`` only rebinds Python's
    ``sys.stdout``, not the C-level descriptor, hence the dup2.
    """
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(sys.stderr.fileno(), 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


@dataclass
class Tabletop:
    """The scene and the arm. ``on_frame`` is called with the sim time every ``frame_every`` steps."""

    seed: int = 0
    disturbances: Disturbances = field(default_factory=Disturbances)
    frame_every: int = 0
    on_frame: Callable[[float], None] | None = None

    def __post_init__(self) -> None:
        import pybullet
        import pybullet_data
        from pybullet_utils.bullet_client import BulletClient

        with _stdout_to_stderr():
            self.p: Any = BulletClient(connection_mode=pybullet.DIRECT)
        self.p.setAdditionalSearchPath(pybullet_data.getDataPath())
        self.p.setGravity(0, 0, -9.81)
        self.rng = random.Random(self.seed)
        self.things: dict[str, Thing] = {}
        self.held: str | None = None
        self._grip: int | None = None
        self._steps = 0
        self._reach_cache: dict[tuple[int, int, int], bool] = {}
        self.p.loadURDF("plane.urdf", [0, 0, -0.626])
        self.table = self.p.loadURDF("table/table.urdf", [0.45, 0, -0.626], useFixedBase=True)
        self.tray = self.p.loadURDF("tray/traybox.urdf", [*TRAY_XY, 0.0], useFixedBase=True, globalScaling=0.5)
        mat_shape = self.p.createVisualShape(self.p.GEOM_BOX, halfExtents=[MAT_HALF, MAT_HALF, 0.001],
                                             rgbaColor=[0.2, 0.45, 0.85, 1])
        self.mat = self.p.createMultiBody(0, -1, mat_shape, [*MAT_XY, 0.001])
        self.arm = self.p.loadURDF("kuka_iiwa/model.urdf", [0, 0, 0], useFixedBase=True)
        cup = self.p.createVisualShape(self.p.GEOM_CYLINDER, radius=0.012, length=TOOL, rgbaColor=[0.1, 0.1, 0.1, 1],
                                       visualFramePosition=[0, 0, TOOL / 2])
        self._cup = self.p.createMultiBody(0, -1, cup, [0, 0, 0])
        for j, v in enumerate(_REST):
            self.p.resetJointState(self.arm, j, v)
        self._ik_reset(HOME)

    # --- building the scene ------------------------------------------------------------------
    def add(self, kind: str, *, color: str | None = None, xy: tuple[float, float] | None = None,
            yaw: float | None = None) -> Thing:
        """Put an object on the table (at a free random spot within reach unless ``xy``)."""
        k = KINDS[kind]
        name = f"{color} {kind}" if color else ("teddy bear" if kind == "teddy" else ("soda can" if kind == "can" else kind))
        if name in self.things:
            raise ValueError(f"the scene already has a {name}")
        xy = xy or self.free_spot()
        yaw = self.rng.uniform(-math.pi, math.pi) if yaw is None else yaw
        orn = self.p.getQuaternionFromEuler([0, 0, yaw])
        p = self.p
        if kind == "block":
            body = p.loadURDF("cube_small.urdf", [*xy, 0.026], orn)
        elif kind == "duck":
            body = p.loadURDF("duck_vhacd.urdf", [*xy, 0.04], p.getQuaternionFromEuler([math.pi / 2, 0, yaw]))
        elif kind == "teddy":
            body = p.loadURDF("teddy_vhacd.urdf", [*xy, 0.01], orn)
        elif kind == "ball":
            body = p.loadURDF("sphere_small.urdf", [*xy, 0.031], orn)
            p.changeDynamics(body, -1, rollingFriction=0.001, spinningFriction=0.001)
        elif kind == "mug":
            body = p.loadURDF("objects/mug.urdf", [*xy, 0.01], orn)
        elif kind == "sponge":
            body = self._box([0.045, 0.03, 0.015], COLORS["yellow"][:3] + (1,), xy, orn, mass=0.05)
        elif kind == "can":
            col = p.createCollisionShape(p.GEOM_CYLINDER, radius=0.033, height=0.12)
            vis = p.createVisualShape(p.GEOM_CYLINDER, radius=0.033, length=0.12, rgbaColor=[0.8, 0.05, 0.05, 1])
            body = p.createMultiBody(0.12, col, vis, [*xy, 0.061], orn)
        else:  # pragma: no cover - KINDS lists every kind above
            raise ValueError(kind)
        if color:
            p.changeVisualShape(body, -1, rgbaColor=COLORS[color])
        lo, hi = p.getAABB(body)
        pos, orn = p.getBasePositionAndOrientation(body)
        p.resetBasePositionAndOrientation(body, [pos[0] + xy[0] - (lo[0] + hi[0]) / 2, pos[1] + xy[1] - (lo[1] + hi[1]) / 2,
                                                 pos[2] - lo[2] + 0.002], orn)
        thing = Thing(name, k, body)
        self.things[name] = thing
        self.settle(120)
        thing.start = self.position(name)
        return thing

    def _box(self, half: list[float], rgba: tuple[float, ...], xy: tuple[float, float], orn: Any, *, mass: float) -> int:
        col = self.p.createCollisionShape(self.p.GEOM_BOX, halfExtents=half)
        vis = self.p.createVisualShape(self.p.GEOM_BOX, halfExtents=half, rgbaColor=list(rgba))
        return int(self.p.createMultiBody(mass, col, vis, [*xy, half[2] + 0.001], orn))

    def free_spot(self, *, reachable: bool = True) -> tuple[float, float]:
        """A random table spot clear of the tray, the mat and other objects."""
        for _ in range(500):
            if reachable:
                r, a = self.rng.uniform(0.38, 0.66), self.rng.uniform(-0.85, 0.85)
                xy = (r * math.cos(a), r * math.sin(a))
            else:
                xy = (self.rng.uniform(0.9, 1.05), self.rng.uniform(-0.35, 0.35))
            if _inside(xy, TRAY_XY, TRAY_HALF + 0.07) or _inside(xy, MAT_XY, MAT_HALF + 0.05):
                continue
            if all(math.dist(xy, self.position(n)[:2]) > 0.1 for n in self.things):
                return xy
        raise RuntimeError("no free spot left on the table")

    # --- reading the scene (ground truth, for checks and goals) -----------------------------------
    def position(self, name: str) -> tuple[float, float, float]:
        """Centre of the object's bounding box (x, y) and its top (z)."""
        lo, hi = self.p.getAABB(self.things[name].body)
        return ((lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, hi[2])

    def where(self, name: str) -> str:
        """The object's place in words."""
        if self.held == name:
            return "held by the robot"
        x, y, z = self.position(name)
        place = region((x, y, z))
        return f"{place} at x={x:.2f} m, y={y:.2f} m" if place == "on the table" else place

    def in_tray(self, name: str) -> bool:
        return self.held != name and self.where(name) == "in the tray"

    def on_mat(self, name: str) -> bool:
        return self.held != name and self.where(name) == "on the user's mat"

    def upright(self, name: str) -> bool:
        """False for a tall object lying on its side (a mug or can knocked over)."""
        thing = self.things[name]
        if thing.kind.name not in ("mug", "can"):
            return True
        _, orn = self.p.getBasePositionAndOrientation(thing.body)
        rot = np.asarray(self.p.getMatrixFromQuaternion(orn)).reshape(3, 3)
        return bool(rot[2, 2] > math.cos(math.radians(35)))

    def snapshot(self) -> dict[str, tuple[float, float, float]]:
        return {n: self.position(n) for n in self.things}

    def reachable(self, xyz: tuple[float, float, float]) -> bool:
        """Can the tip reach 8 cm above this point pointing down (IK, cached on a 2 cm grid)?"""
        key = (round(xyz[0] / 0.02), round(xyz[1] / 0.02), round(max(xyz[2], 0.0) / 0.02))
        if key not in self._reach_cache:
            target = (key[0] * 0.02, key[1] * 0.02, key[2] * 0.02 + 0.08)
            if xyz[2] < -0.05:  # on the floor
                self._reach_cache[key] = False
            else:
                self._reach_cache[key] = self._ik_error(target) < REACH_TOL and self._ik_error((target[0], target[1], key[2] * 0.02 + 0.005)) < REACH_TOL
        return self._reach_cache[key]

    # --- the robot's camera -------------------------------------------------------------------------
    def camera(self, *, width: int = 320, height: int = 240, eye: tuple[float, float, float] = (1.2, 0.0, 0.85),
               target: tuple[float, float, float] = (0.45, 0.0, 0.0), fov: float = 60.0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """RGB ``(H, W, 3)`` uint8, depth buffer ``(H, W)``, segmentation (body ids) ``(H, W)``,
        and the inverse of projection x view (to turn pixels into world points)."""
        view = self.p.computeViewMatrix(eye, target, [1, 0, 0] if eye[:2] == target[:2] else [0, 0, 1])
        proj = self.p.computeProjectionMatrixFOV(fov, width / height, 0.05, 5.0)
        _, _, rgba, depth, seg = self.p.getCameraImage(width, height, view, proj, renderer=self.p.ER_TINY_RENDERER)
        rgb = np.asarray(rgba, dtype=np.uint8).reshape(height, width, 4)[:, :, :3]
        pv = np.asarray(proj).reshape(4, 4).T @ np.asarray(view).reshape(4, 4).T
        return rgb, np.asarray(depth, dtype=np.float32).reshape(height, width), np.asarray(seg).reshape(height, width), np.linalg.inv(pv)

    # --- moving -------------------------------------------------------------------------------------
    def step(self, n: int = 1) -> None:
        for _ in range(n):
            self.p.stepSimulation()
            self._steps += 1
            self._sync_cup()
            if self.frame_every and self.on_frame is not None and self._steps % self.frame_every == 0:
                self.on_frame(self._steps / 240.0)

    def settle(self, n: int = 60) -> None:
        self.step(n)

    @property
    def time_s(self) -> float:
        return self._steps / 240.0

    def tip(self) -> tuple[float, float, float]:
        pos = self.p.getLinkState(self.arm, 6, computeForwardKinematics=True)[4]
        return (pos[0], pos[1], pos[2] - TOOL)

    def _ik(self, tip: tuple[float, float, float]) -> list[float]:
        flange = [tip[0], tip[1], tip[2] + TOOL]
        q = self.p.calculateInverseKinematics(self.arm, 6, flange, _DOWN, lowerLimits=_LL, upperLimits=_UL,
                                              jointRanges=_JR, restPoses=_REST, maxNumIterations=60,
                                              residualThreshold=1e-4)
        return list(q[:7])

    def _ik_error(self, tip: tuple[float, float, float]) -> float:
        saved = [self.p.getJointState(self.arm, j)[0] for j in range(7)]
        q = self._ik(tip)
        for j in range(7):
            self.p.resetJointState(self.arm, j, q[j])
        err = math.dist(self.tip(), tip)
        for j in range(7):
            self.p.resetJointState(self.arm, j, saved[j])
        return err

    def _ik_reset(self, tip: tuple[float, float, float]) -> None:
        for _ in range(3):
            for j, v in enumerate(self._ik(tip)):
                self.p.resetJointState(self.arm, j, v)
        self._drive(self._ik(tip))
        self._sync_cup()

    def _drive(self, q: list[float]) -> None:
        self.p.setJointMotorControlArray(self.arm, list(range(7)), self.p.POSITION_CONTROL, targetPositions=q,
                                         forces=[300.0] * 7, positionGains=[0.3] * 7)

    def _sync_cup(self) -> None:
        state = self.p.getLinkState(self.arm, 6)
        self.p.resetBasePositionAndOrientation(self._cup, state[4], state[5])

    def move(self, target: tuple[float, float, float], *, speed: float = 0.5,
             during: Callable[[float], None] | None = None) -> float:
        """Move the tip in a straight line (pointing down); return the final error in metres.
        ``during(fraction)`` is called at every waypoint (for slips and bumps)."""
        start = self.tip()
        dist = math.dist(start, target)
        n = max(2, int(dist / (speed / 60)))  # waypoints at 60 Hz
        for i in range(1, n + 1):
            f = i / n
            self._drive(self._ik(tuple(s + (t - s) * f for s, t in zip(start, target, strict=True))))  # type: ignore[arg-type]
            self.step(4)
            if during is not None:
                during(f)
        for _ in range(30):
            if math.dist(self.tip(), target) < 0.004:
                break
            self.step(4)
        return math.dist(self.tip(), target)

    # --- the cup ----------------------------------------------------------------------------------
    def touching(self, name: str) -> bool:
        body = self.things[name].body
        return bool(self.p.getClosestPoints(self._cup, body, 0.012)) or bool(
            self.p.getClosestPoints(self.arm, body, 0.012, linkIndexA=6))

    def attach(self, name: str) -> None:
        body = self.things[name].body
        link = self.p.getLinkState(self.arm, 6)
        obj = self.p.getBasePositionAndOrientation(body)
        inv_pos, inv_orn = self.p.invertTransform(link[4], link[5])
        rel_pos, rel_orn = self.p.multiplyTransforms(inv_pos, inv_orn, obj[0], obj[1])
        self._grip = self.p.createConstraint(self.arm, 6, body, -1, self.p.JOINT_FIXED, [0, 0, 0], rel_pos, [0, 0, 0],
                                             parentFrameOrientation=rel_orn)
        self.p.changeConstraint(self._grip, maxForce=60)
        self.held = name

    def release(self) -> None:
        if self._grip is not None:
            self.p.removeConstraint(self._grip)
        self._grip, self.held = None, None

    def bump(self, exclude: set[str]) -> str | None:
        """Knock a random other object (as a careless elbow would); return its name."""
        names = [n for n in self.things if n not in exclude and self.held != n]
        if not names:
            return None
        name = self.rng.choice(names)
        body = self.things[name].body
        pos = self.p.getBasePositionAndOrientation(body)[0]
        a = self.rng.uniform(-math.pi, math.pi)
        force = 12.0 if self.things[name].kind.name in ("mug", "can") else 7.0
        self.p.applyExternalForce(body, -1, [force * math.cos(a), force * math.sin(a), 0], [pos[0], pos[1], self.position(name)[2]],
                                  self.p.WORLD_FRAME)
        return name

    def close(self) -> None:
        try:
            self.p.disconnect()
        except Exception:  # noqa: BLE001 - already disconnected: nothing to release
            return


def region(xyz: tuple[float, float, float]) -> str:
    """Where a point is, in words: in the tray, on the user's mat, on the table, on the floor."""
    if xyz[2] < -0.05:
        return "on the floor"
    if _inside(xyz[:2], TRAY_XY, TRAY_HALF + 0.01):
        return "in the tray"
    if _inside(xyz[:2], MAT_XY, MAT_HALF + 0.01):
        return "on the user's mat"
    return "on the table"


def _inside(xy: tuple[float, ...], center: tuple[float, float], half: float) -> bool:
    return abs(xy[0] - center[0]) <= half and abs(xy[1] - center[1]) <= half


def deproject(inv_pv: np.ndarray, u: np.ndarray, v: np.ndarray, depth: np.ndarray, width: int, height: int) -> np.ndarray:
    """World points ``(N, 3)`` of pixels (column ``u``, row ``v``) with their depth-buffer values."""
    ndc = np.stack([2.0 * (u + 0.5) / width - 1.0, 1.0 - 2.0 * (v + 0.5) / height, 2.0 * depth - 1.0,
                    np.ones_like(depth)], axis=0)  # (4, N)
    world = inv_pv @ ndc  # (4, N)
    return (world[:3] / world[3]).T
