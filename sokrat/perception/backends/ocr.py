"""Text on screen: RapidOCR (PP-OCRv4 ONNX models, the default) or the tesseract binary.

- ``rapidocr``: PaddleOCR's PP-OCRv4 detector and recogniser exported to ONNX, shipped in
  the ``rapidocr-onnxruntime`` wheel (16 MB, SHA-256 pinned below) and run on onnxruntime.
  It finds text anywhere in a photo (signs, captions, screens), where tesseract wants a page.
  ``bench/perception.py --part ocr`` chose it: on 24 video-size JPEG frames of real photos
  with drawn captions and signs, word recall 100% vs tesseract's 52%, no word invented on 16
  text-less frames (tesseract: 1), 424 vs 393 ms per frame (``bench/results/perception_ocr.json``).
- ``tesseract``: a subprocess rather than a Python binding: the Debian/Homebrew binary is what
  users have, and pytesseract would only wrap this same call. The fallback when RapidOCR
  is not installed.
"""

from __future__ import annotations

import importlib.util
import io
import re
import shutil
import subprocess
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sokrat.errors import ModelNotAvailable
from sokrat.perception.base import TextReader
from sokrat.perception.registry import BackendSpec
from sokrat.weights import _PackFile, _verify_pack

if TYPE_CHECKING:
    import numpy as np

    from sokrat.settings import Settings

_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'&.,:/-]*")


def tesseract_path() -> str | None:
    return shutil.which("tesseract")


class TesseractOCR(TextReader):
    """``tesseract --psm 11 ... tsv`` per frame; keeps confident words (tesseract invents
    low-confidence noise on textures and faces)."""

    name = "tesseract"

    def __init__(self, *, binary: str | None = None, language: str = "eng", timeout_s: float = 20.0,
                 min_confidence: float = 70.0) -> None:
        found = binary or tesseract_path()
        if not found:
            raise ModelNotAvailable("OCR needs the tesseract binary (apt install tesseract-ocr)")
        self.binary = found
        self.language = language
        self.timeout_s = timeout_s
        self.min_confidence = min_confidence
        """Words tesseract is less sure of (0..100) are dropped."""

    def read(self, images: Sequence[np.ndarray]) -> list[str]:
        return [self._read_one(image) for image in images]

    def _read_one(self, image: np.ndarray) -> str:
        from PIL import Image

        buf = io.BytesIO()
        Image.fromarray(image).convert("L").save(buf, format="PNG")
        try:
            proc = subprocess.run(
                [self.binary, "stdin", "stdout", "-l", self.language, "--psm", "11", "tsv"],
                input=buf.getvalue(),
                capture_output=True,
                timeout=self.timeout_s,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return ""
        if proc.returncode != 0:
            return ""
        words = []
        for row in proc.stdout.decode("utf-8", "replace").splitlines()[1:]:
            cols = row.split("\t")
            if len(cols) < 12:
                continue
            try:
                conf = float(cols[10])
            except ValueError:
                continue
            word = cols[11].strip()
            if conf >= self.min_confidence and _WORD.fullmatch(word) and sum(c.isalnum() for c in word) >= 2:
                words.append(word)
        return " ".join(words)


def load_tesseract(settings: Settings) -> TesseractOCR:
    """The tesseract binary on PATH (``apt install tesseract-ocr``)."""
    return TesseractOCR()


_ROCR = "rapidocr-onnxruntime==1.4.4"
RAPIDOCR_FILES: tuple[_PackFile, ...] = (
    _PackFile("rapidocr_onnxruntime", "models/ch_PP-OCRv4_det_infer.onnx",
              "d2a7720d45a54257208b1e13e36a8479894cb74155a5efe29462512d42f49da9", _ROCR),
    _PackFile("rapidocr_onnxruntime", "models/ch_PP-OCRv4_rec_infer.onnx",
              "48fc40f24f6d2a207a2b1091d3437eb3cc3eb6b676dc3ef9c37384005483683b", _ROCR),
    _PackFile("rapidocr_onnxruntime", "models/ch_ppocr_mobile_v2.0_cls_infer.onnx",
              "e47acedf663230f8863ff1ab0e64dd2d82b838fceb5957146dab185a89d6215c", _ROCR),
)
"""The wheel's models (it loads all three, even with the angle classifier off)."""


@dataclass(frozen=True)
class RapidOCROptions:
    """How RapidOCR reads a frame."""

    min_confidence: float = 0.6
    """Lines the recogniser is less sure of (0..1) are dropped (it spells noise on textures)."""
    max_side: int = 960
    """The detector sees the frame scaled down to this longest side, never up: the wheel's
    default scales the *short* side up to 736 px, which costs seconds on video frames."""
    upright: bool = True
    """Skip the 180-degree text classifier (frames are rarely upside down; it costs time)."""
    threads: int = 2
    """onnxruntime threads per model."""


class RapidOCR(TextReader):
    """PP-OCRv4 (detection + recognition) on onnxruntime, through ``rapidocr-onnxruntime``."""

    name = "rapidocr"

    def __init__(self, options: RapidOCROptions | None = None) -> None:
        self.options = options or RapidOCROptions()
        self._engine: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        if self._engine is None:
            try:
                from rapidocr_onnxruntime import RapidOCR as Engine
            except ImportError as e:  # the wheel imports cv2: OpenCV must be installed too
                raise ModelNotAvailable(f"RapidOCR cannot be imported ({e}); install `{_ROCR}` with "
                                        "--no-deps next to `opencv-python-headless<5`") from e
            o = self.options
            self._engine = Engine(det_limit_type="max", det_limit_side_len=o.max_side, use_cls=not o.upright,
                                  intra_op_num_threads=o.threads, inter_op_num_threads=1, text_score=o.min_confidence)
        return self._engine

    def read(self, images: Sequence[np.ndarray]) -> list[str]:
        import numpy as np

        out = []
        for image in images:
            bgr = np.ascontiguousarray(image[..., ::-1]) if image.ndim == 3 else image  # the engine wants BGR
            with self._lock:  # one engine, not re-entrant
                result, _elapsed = self._load()(bgr, use_cls=not self.options.upright)
            lines = [str(text).strip() for _box, text, score in result or ()
                     if float(score) >= self.options.min_confidence and sum(c.isalnum() for c in str(text)) >= 2]
            out.append(" ".join(lines))
        return out


def load_rapidocr(settings: Settings) -> RapidOCR:
    """RapidOCR from the installed wheel, its models checked against their SHA-256."""
    if importlib.util.find_spec("rapidocr_onnxruntime") is None:
        raise ModelNotAvailable(f"RapidOCR is not installed (pip install --no-deps {_ROCR})")
    _verify_pack(RAPIDOCR_FILES)
    return RapidOCR()


BACKENDS = [
    BackendSpec("rapidocr", "ocr", load_rapidocr, priority=10),
    BackendSpec("tesseract", "ocr", load_tesseract, priority=100),
]
