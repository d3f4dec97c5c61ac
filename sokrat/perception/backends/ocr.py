"""Text on screen with the tesseract binary (optional: skipped when it is not installed).

A subprocess rather than a Python binding: the Debian/Homebrew binary is what users have,
and pytesseract would only wrap this same call.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sokrat.errors import ModelNotAvailable
from sokrat.perception.base import TextReader
from sokrat.perception.registry import BackendSpec

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


BACKENDS = [BackendSpec("tesseract", "ocr", load_tesseract)]
