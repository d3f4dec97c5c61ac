"""Speech to timed text: faster-whisper (CTranslate2; int8 on CPU), openai-whisper optional."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sokrat.errors import ModelNotAvailable
from sokrat.perception.base import SpeechRecognizer, SpeechSegment
from sokrat.perception.registry import BackendSpec

if TYPE_CHECKING:
    import numpy as np

    from sokrat.settings import Settings


PAUSE_S = 1.5
"""A silence between two words this long ends a sentence: whisper can join two remarks said
many seconds apart into one segment (its VAD merges speech chunks into windows of up to 30 s),
and that segment would then belong to neither remark's shot. Pauses inside a spoken sentence
are well under a second."""


def split_at_pauses(words: Sequence[tuple[float, float, str]]) -> list[list[tuple[float, float, str]]]:
    """Timed words ``(start, end, text)`` cut into runs wherever a pause of ``PAUSE_S`` or more falls."""
    pieces: list[list[tuple[float, float, str]]] = []
    for w in words:
        if pieces and w[0] - pieces[-1][-1][1] < PAUSE_S:
            pieces[-1].append(w)
        else:
            pieces.append([w])
    return pieces


_HUNDREDS_AND = re.compile(r"(?<!\bbetween )(?<!\bfrom )\b([1-9]\d*00) and ([1-9]\d?)\b(?! (?:and|to|or)\b)")


def joined_numbers(text: str) -> str:
    """Whisper writes a spoken "three hundred and twelve" as "300 and 12": one number, 312. A range
    ("between 100 and 20") is left alone."""
    return _HUNDREDS_AND.sub(lambda m: str(int(m[1]) + int(m[2])), text)


class FasterWhisper(SpeechRecognizer):
    """faster-whisper on a CTranslate2 model directory (offline packs: base, tiny.en)."""

    name = "faster-whisper"

    def __init__(
        self,
        model_dir: str | Path,
        *,
        device: str | Callable[[], str] = "cpu",
        cpu_threads: int = 2,
        beam_size: int = 5,
        vad_filter: bool = True,
        language: str | None = "en",
        model_id: str | None = None,
    ) -> None:
        self.model_dir = Path(model_dir)
        self.device = device
        self.cpu_threads = cpu_threads
        self.beam_size = beam_size
        """5, whisper's own default: on the video bench's 12 composed days `bench/speech.py` measured
        10.7% of words wrong with beam 5 against 13.1% greedy (mostly names and numbers), at 19x
        against 22x real time."""
        self.vad_filter = vad_filter
        """Skip non-speech (music, silence) with the bundled Silero VAD: long soundtracks get cheap."""
        self.language = language
        # the decoding is part of what made a transcript: a log made greedily is not reused
        self._model_id = f"{model_id or f'faster-whisper:{self.model_dir.name}'}:beam{beam_size}"
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        return self._model_id

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                from faster_whisper import WhisperModel

                if not (self.model_dir / "model.bin").is_file():
                    raise ModelNotAvailable(
                        f"no CTranslate2 whisper model at {self.model_dir} (model.bin missing); "
                        "set SOKRAT_SPEECH_MODEL to a faster-whisper model directory"
                    )
                compute = "int8" if self.device == "cpu" else "float16"
                self._model = WhisperModel(
                    str(self.model_dir), device=self.device, compute_type=compute, cpu_threads=self.cpu_threads
                )
        return self._model

    def transcribe(self, audio: np.ndarray, *, offset_s: float = 0.0) -> list[SpeechSegment]:
        if len(audio) < 1600:  # under 0.1 s: nothing to say
            return []
        model = self._load()
        language = self.language if self._multilingual(model) else None
        segments, _info = model.transcribe(
            audio,
            language=language,
            beam_size=self.beam_size,
            vad_filter=self.vad_filter,
            condition_on_previous_text=False,
            # Segment times alone drift across silences (a sentence said at 20 s can be stamped
            # from the end of the previous one, 4 s); word times pin each sentence down.
            word_timestamps=True,
        )
        out = []
        for s in segments:
            text = s.text.strip()
            if not text:
                continue
            words = [(float(w.start), float(w.end), w.word) for w in (s.words or []) if w.word.strip()]
            if not words:
                out.append(SpeechSegment(offset_s + float(s.start), offset_s + float(s.end), joined_numbers(text)))
                continue
            for piece in split_at_pauses(words):
                said = joined_numbers("".join(w for _, _, w in piece).strip())
                out.append(SpeechSegment(offset_s + piece[0][0], offset_s + piece[-1][1], said))
        return out

    @staticmethod
    def _multilingual(model: Any) -> bool:
        return bool(getattr(model, "model", None) is None or model.model.is_multilingual)


class OpenAIWhisper(SpeechRecognizer):
    """openai-whisper (``pip install openai-whisper``), with a local ``.pt`` checkpoint or name."""

    name = "openai-whisper"

    def __init__(self, model: str, *, device: str | Callable[[], str] = "cpu") -> None:
        self.model_name = model
        self.device = device
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        return f"openai-whisper:{Path(self.model_name).name}"

    def transcribe(self, audio: np.ndarray, *, offset_s: float = 0.0) -> list[SpeechSegment]:
        import whisper

        with self._lock:
            if self._model is None:
                self._model = whisper.load_model(self.model_name, device=self.device)
        result = self._model.transcribe(audio, fp16=self.device == "cuda", condition_on_previous_text=False)
        return [
            SpeechSegment(offset_s + float(s["start"]), offset_s + float(s["end"]), s["text"].strip())
            for s in result["segments"]
            if s["text"].strip()
        ]


def load_faster_whisper(settings: Settings) -> FasterWhisper:
    """faster-whisper on the resolved ``speech`` role (explicit path, hub, or offline pack)."""
    from sokrat.weights import resolve

    resolved = resolve("speech", settings)
    return FasterWhisper(resolved.path, device=settings.resolved_device,
                         model_id=f"faster-whisper:{resolved.model_id}")


def load_openai_whisper(settings: Settings) -> OpenAIWhisper:
    """openai-whisper (``pip install openai-whisper``) on the resolved ``speech`` role."""
    import importlib.util

    from sokrat.weights import resolve

    if importlib.util.find_spec("whisper") is None:
        raise ModelNotAvailable("openai-whisper is not installed (pip install openai-whisper)")
    return OpenAIWhisper(str(resolve("speech", settings).path), device=settings.resolved_device)


BACKENDS = [
    BackendSpec("faster-whisper", "speech", load_faster_whisper, priority=10),
    BackendSpec("openai-whisper", "speech", load_openai_whisper, priority=20),
]
