"""Perception backends by name, and the set a process uses (:class:`Perceivers`).

``available_models()`` lists the backend names; :func:`load_backend` builds one (an
unknown name raises an error listing the valid ones). :func:`get_perceivers` resolves
every role once per process and quietly leaves out the ones that cannot be resolved
(CLIP and the captioner on an offline machine): the log is then built from the rest.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sokrat.errors import ConfigError, ModelNotAvailable

if TYPE_CHECKING:
    from sokrat.perception.base import (
        Backend,
        Captioner,
        ImageTextEmbedder,
        SpeechRecognizer,
        Tagger,
        TextReader,
    )
    from sokrat.settings import Settings

log = logging.getLogger(__name__)


def _tagger(settings: Settings) -> Backend:
    from sokrat.perception.tagger import load_tagger

    return load_tagger(settings)


def _clip(settings: Settings) -> Backend:
    from sokrat.perception.clip import load_clip

    return load_clip(settings)


def _open_clip(settings: Settings) -> Backend:
    import importlib.util

    from sokrat.perception.base import torch_device
    from sokrat.perception.clip import OpenClip

    if importlib.util.find_spec("open_clip") is None:
        raise ModelNotAvailable("open_clip is not installed (pip install 'sokrat[gpu]', CUDA machines)")
    if not settings.clip_model or ":" not in settings.clip_model:
        raise ModelNotAvailable("set SOKRAT_CLIP_MODEL=<architecture>:<checkpoint>, e.g. ViT-B-32:/models/clip.bin")
    arch, checkpoint = settings.clip_model.split(":", 1)
    return OpenClip(arch, checkpoint, device=torch_device(settings))


def _captioner(settings: Settings) -> Backend:
    from sokrat.perception.captioner import load_captioner

    return load_captioner(settings)


def _faster_whisper(settings: Settings) -> Backend:
    from sokrat.perception.speech import load_speech

    return load_speech(settings)


def _openai_whisper(settings: Settings) -> Backend:
    import importlib.util

    from sokrat.perception.speech import load_speech

    if importlib.util.find_spec("whisper") is None:
        raise ModelNotAvailable("openai-whisper is not installed (pip install openai-whisper)")
    return load_speech(settings, backend="openai-whisper")


def _tesseract(settings: Settings) -> Backend:
    from sokrat.perception.ocr import TesseractOCR

    return TesseractOCR()


_BACKENDS: dict[str, tuple[str, Callable[[Settings], Backend]]] = {
    "efficientnet-lite0": ("tagger", _tagger),
    "clip": ("clip", _clip),
    "open_clip": ("clip", _open_clip),
    "captioner": ("captioner", _captioner),
    "faster-whisper": ("speech", _faster_whisper),
    "openai-whisper": ("speech", _openai_whisper),
    "tesseract": ("ocr", _tesseract),
}


def available_models() -> list[str]:
    """Names :func:`load_backend` accepts."""
    return sorted(_BACKENDS)


def load_backend(name: str, settings: Settings) -> Backend:
    """Build the named backend (weights load lazily on first use)."""
    try:
        _role, factory = _BACKENDS[name]
    except KeyError:
        raise ConfigError(f"unknown perception model {name!r}; valid: {', '.join(available_models())}") from None
    return factory(settings)


@dataclass
class Perceivers:
    """The backends one index run uses; ``None`` where a role is not available."""

    tagger: Tagger | None = None
    clip: ImageTextEmbedder | None = None
    captioner: Captioner | None = None
    speech: SpeechRecognizer | None = None
    ocr: TextReader | None = None
    missing: dict[str, str] = field(default_factory=dict)
    """Role -> why it is not used (for `sokrat doctor` and logs)."""

    def model_ids(self) -> tuple[str, ...]:
        used = (self.tagger, self.clip, self.captioner, self.speech, self.ocr)
        return tuple(sorted(b.model_id for b in used if b is not None))


_cache: dict[tuple[object, ...], Perceivers] = {}
_cache_lock = threading.Lock()


def get_perceivers(settings: Settings) -> Perceivers:
    """Every resolvable perception backend for ``settings``, built once per process."""
    key = (settings.device, settings.tagger_model, settings.clip_model, settings.clip_hub_id,
           settings.captioner_model, settings.captioner_hub_id, settings.speech_model, settings.speech_hub_id)
    with _cache_lock:
        if key not in _cache:
            _cache[key] = _build(settings)
        return _cache[key]


def _build(settings: Settings) -> Perceivers:
    from sokrat.perception.clip import OpenClip

    p = Perceivers()

    def attempt(role: str, *names: str) -> Backend | None:
        reasons = []
        for name in names:
            try:
                return load_backend(name, settings)
            except ModelNotAvailable as e:
                reasons.append(f"{name}: {e}")
        p.missing[role] = "; ".join(reasons)
        log.info("perception: no %s (%s)", role, p.missing[role])
        return None

    p.tagger = attempt("tagger", "efficientnet-lite0")  # type: ignore[assignment]
    clip_names = ("open_clip", "clip") if settings.clip_model and ":" in settings.clip_model else ("clip",)
    p.clip = attempt("clip", *clip_names)  # type: ignore[assignment]
    if isinstance(p.clip, OpenClip):
        p.missing.pop("clip", None)
    p.captioner = attempt("captioner", "captioner")  # type: ignore[assignment]
    p.speech = attempt("speech", "faster-whisper", "openai-whisper")  # type: ignore[assignment]
    p.ocr = attempt("ocr", "tesseract")  # type: ignore[assignment]
    return p
