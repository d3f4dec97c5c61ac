"""Perception backends by name, and the set a process uses (:class:`Perceivers`).

Each module in :mod:`sokrat.perception.backends` declares ``BACKENDS``, a list of
:class:`BackendSpec` (name, role, factory); installed packages can add more through the
``sokrat.perception`` entry-point group. Adding a backend is one module (plus its test):
nothing here changes. ``available_models()`` lists the names; :func:`load_backend` builds one
(typed by the interface you ask for); :func:`get_perceivers` resolves every role once per
settings and quietly leaves out what cannot be resolved (CLIP and the captioner on an offline
machine): the log is then built from the rest.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Generic, TypeVar, overload

from sokrat._cache import ProcessCache
from sokrat.errors import ConfigError, ModelNotAvailable
from sokrat.perception.base import (
    Backend,
    Captioner,
    Detector,
    ImageTextEmbedder,
    Role,
    SpeechRecognizer,
    Tagger,
    TextReader,
)

if TYPE_CHECKING:
    from sokrat.perception.backends.clip import ZeroShotTagger
    from sokrat.settings import Settings

log = logging.getLogger(__name__)

B = TypeVar("B", bound=Backend)

ROLE_TYPES: dict[Role, type[Backend]] = {
    "tagger": Tagger, "detector": Detector, "clip": ImageTextEmbedder, "captioner": Captioner, "speech": SpeechRecognizer,
    "ocr": TextReader,
}
"""The interface each role's backends implement."""

ENTRY_POINT_GROUP = "sokrat.perception"


@dataclass(frozen=True)
class BackendSpec(Generic[B]):
    """One perception backend: how to build it and what it is for."""

    name: str
    """Registry name (``available_models()``, ``load_backend(name)``)."""
    role: Role
    factory: Callable[[Settings], B]
    """Builds the backend from settings (weights load lazily on first use); raises
    ``ModelNotAvailable`` when it cannot be had here."""
    priority: int = 100
    """Order within the role: lower first (``tagger`` backends run in this order; for other
    roles the first that resolves is used, the rest are fallbacks)."""
    default: bool = True
    """Part of the set :func:`get_perceivers` builds; False: only by explicit name."""
    enabled: Callable[[Settings], bool] | None = None
    """When given, the backend is tried only if this says so for the settings."""


@lru_cache(maxsize=1)
def _specs() -> dict[str, BackendSpec[Backend]]:
    from sokrat.perception import backends

    specs: list[BackendSpec[Backend]] = []
    for info in sorted(pkgutil.iter_modules(backends.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{backends.__name__}.{info.name}")
        specs.extend(getattr(module, "BACKENDS", ()))
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        try:
            specs.extend(ep.load())
        except Exception as e:  # a broken third-party plugin must not take the built-ins down
            log.warning("perception plugin %s failed to load: %s", ep.name, e)
    out: dict[str, BackendSpec[Backend]] = {}
    for spec in specs:
        if spec.name in out:
            raise ConfigError(f"two perception backends are named {spec.name!r}")
        if spec.role not in ROLE_TYPES:
            raise ConfigError(f"perception backend {spec.name!r} has an unknown role {spec.role!r}")
        out[spec.name] = spec
    return out


def available_models(role: Role | None = None) -> list[str]:
    """Names :func:`load_backend` accepts (of one role, when given), in priority order."""
    specs = [s for s in _specs().values() if role is None or s.role == role]
    return [s.name for s in sorted(specs, key=lambda s: (s.role, s.priority, s.name))]


@overload
def load_backend(name: str, settings: Settings) -> Backend: ...
@overload
def load_backend(name: str, settings: Settings, kind: type[B]) -> B: ...
def load_backend(name: str, settings: Settings, kind: type[Backend] = Backend) -> Backend:
    """Build the named backend (weights load lazily on first use). With ``kind`` (``Tagger``,
    ``SpeechRecognizer``, ...) the result is checked to be one, and typed as one."""
    try:
        spec = _specs()[name]
    except KeyError:
        raise ConfigError(f"unknown perception model {name!r}; valid: {', '.join(available_models())}") from None
    backend = spec.factory(settings)
    if not isinstance(backend, kind):
        raise ConfigError(f"perception model {name!r} is a {spec.role}, not a {kind.__name__}")
    return backend


@dataclass
class Perceivers:
    """The backends one index run uses: every tagger side by side, one of each other role."""

    taggers: list[Tagger] = field(default_factory=list)
    """Frame labellers, run in order (ImageNet classifier, colour namer...)."""
    detector: Detector | None = None
    """Objects with boxes (counts, positions, relations)."""
    clip: ImageTextEmbedder | None = None
    captioner: Captioner | None = None
    speech: SpeechRecognizer | None = None
    ocr: TextReader | None = None
    missing: dict[str, str] = field(default_factory=dict)
    """Role -> why it is not used (for `sokrat doctor` and logs)."""
    _zero_shot: ZeroShotTagger | None = field(default=None, repr=False)

    def zero_shot(self) -> ZeroShotTagger:
        """CLIP zero-shot labels over the shipped vocabularies (their text vectors are
        computed once per perceiver set). Only when :attr:`clip` is set."""
        if self.clip is None:
            raise ModelNotAvailable("zero-shot labels need CLIP")
        if self._zero_shot is None or self._zero_shot.clip is not self.clip:
            from sokrat.perception.backends.clip import ZeroShotTagger

            self._zero_shot = ZeroShotTagger(self.clip)
        return self._zero_shot

    def model_ids(self) -> tuple[str, ...]:
        used: list[Backend | None] = [*self.taggers, self.detector, self.clip, self.captioner, self.speech, self.ocr]
        return tuple(sorted(b.model_id for b in used if b is not None))


_perceivers: ProcessCache[Perceivers] = ProcessCache(maxsize=4)


def get_perceivers(settings: Settings) -> Perceivers:
    """Every resolvable perception backend for ``settings``, built once per process (per the
    settings that choose and locate them)."""
    key = (settings.device, settings.tagger_model, settings.detector_model, settings.clip_model, settings.clip_hub_id,
           settings.captioner_model, settings.captioner_hub_id, settings.speech_model, settings.speech_hub_id,
           str(settings.cache_dir))
    return _perceivers.get_or_build(key, lambda: build_perceivers(settings))


def build_perceivers(settings: Settings) -> Perceivers:
    """Resolve every default backend now (no caching)."""
    p = Perceivers()
    by_role: dict[Role, list[BackendSpec[Backend]]] = {}
    for spec in _specs().values():
        if spec.default and (spec.enabled is None or spec.enabled(settings)):
            by_role.setdefault(spec.role, []).append(spec)
    for role in ROLE_TYPES:
        reasons = []
        for spec in sorted(by_role.get(role, []), key=lambda s: (s.priority, s.name)):
            try:
                backend = spec.factory(settings)
            except ModelNotAvailable as e:
                reasons.append(f"{spec.name}: {e}")
                continue
            if isinstance(backend, Tagger) and role == "tagger":
                p.taggers.append(backend)
                continue
            setattr(p, role, backend)
            break
        else:
            if reasons and not (role == "tagger" and p.taggers):
                p.missing[role] = "; ".join(reasons)
                log.info("perception: no %s (%s)", role, p.missing[role])
    return p
