"""Record an episode as an mp4 (PyAV, H.264): a third-person view of the table with a caption bar
that says what the robot is doing, as robot demo videos do. The caption is ordinary on-screen
text, so the video log reads it (OCR) like any other text in a video."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .skills import Robot

FPS = 10
FRAME_EVERY = 240 // FPS
"""Simulation steps (240 Hz) between recorded frames."""


class Recorder:
    """Attach to a robot's sim; every ``FRAME_EVERY`` steps a frame is rendered and encoded."""

    def __init__(self, robot: Robot, path: str | Path, *, width: int = 480, height: int = 360) -> None:
        import av
        from PIL import ImageFont

        self.robot, self.path = robot, Path(path)
        self.width, self.height = width, height
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._container: Any = av.open(str(self.path), "w")
        self._stream: Any = self._container.add_stream("libx264", rate=FPS)
        self._stream.width, self._stream.height, self._stream.pix_fmt = width, height, "yuv420p"
        self._font = ImageFont.load_default(size=22)
        self.frames = 0
        sim = robot.sim
        sim.frame_every, sim.on_frame = FRAME_EVERY, self._frame

    def _frame(self, t: float) -> None:
        import av
        import numpy as np
        from PIL import Image, ImageDraw

        rgb, _, _, _ = self.robot.sim.camera(width=self.width, height=self.height, eye=(1.15, -0.75, 0.75),
                                             target=(0.4, 0.0, 0.0), fov=55.0)
        image = Image.fromarray(np.ascontiguousarray(rgb))
        draw = ImageDraw.Draw(image)
        bar = 34
        draw.rectangle((0, self.height - bar, self.width, self.height), fill=(0, 0, 0))
        caption = self.robot.caption or "waiting"
        draw.text((8, self.height - bar + 5), f"{caption[:40]}", fill=(255, 255, 255), font=self._font)
        # What has been achieved so far stays on screen, so any sampled frame tells the story.
        for i, line in enumerate(self.robot.results[-3:]):
            y = 4 + i * 28
            draw.rectangle((0, y, min(self.width, 12 + 11 * len(line[:42])), y + 26), fill=(0, 0, 0))
            draw.text((6, y + 2), line[:42], fill=(255, 255, 0), font=self._font)
        frame = av.VideoFrame.from_ndarray(np.asarray(image), format="rgb24")
        for packet in self._stream.encode(frame):
            self._container.mux(packet)
        self.frames += 1

    def hold(self, seconds: float) -> None:
        """Repeat the current view (e.g. the final state) for ``seconds``."""
        for _ in range(int(seconds * FPS)):
            self._frame(0.0)

    def close(self) -> Path:
        for packet in self._stream.encode():
            self._container.mux(packet)
        self._container.close()
        self.robot.sim.on_frame = None
        return self.path
