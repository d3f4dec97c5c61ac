"""Collections over real media: clips indexed by the real indexer (a deterministic tagger in
place of the ImageNet model, as in test_qa.py), the clock from the container, the CLI and the tool."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from sokrat.video.collection import Collection, clip_start
from tests.video.test_qa import _qa


def _with_creation_time(src: Path, out: Path, when: str) -> Path:
    """A copy of ``src`` whose container says it was recorded at ``when`` (as cameras write it)."""
    import av

    with av.open(str(src)) as inp, av.open(str(out), "w") as dst:
        dst.metadata["creation_time"] = when
        streams = {s.index: dst.add_stream_from_template(s) for s in inp.streams}
        for packet in inp.demux():
            if packet.dts is None:
                continue
            packet.stream = streams[packet.stream.index]
            dst.mux(packet)
    return out


def test_clock_comes_from_creation_time_then_start_then_mtime(story_video: Path, tmp_path: Path) -> None:
    stamped = _with_creation_time(story_video, tmp_path / "cam.mp4", "2026-11-20T07:15:00.000000Z")
    given = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    assert clip_start(stamped, given) == (datetime(2026, 11, 20, 7, 15, tzinfo=UTC), "creation_time")
    assert clip_start(story_video, given) == (given, "--start")
    when, how = clip_start(story_video)
    assert how == "mtime" and abs(when.timestamp() - story_video.stat().st_mtime) < 1e-3


def test_cli_index_ask_log_over_a_collection(monkeypatch, settings, memory, day_video: Path, story_video: Path,
                                             tmp_path: Path) -> None:
    from typer.testing import CliRunner

    import sokrat.cli.video as cli_video
    from sokrat.cli import _register, app

    qa = _qa(memory, settings)
    monkeypatch.setattr(cli_video, "_qa", lambda: qa)
    _register()
    runner = CliRunner()
    bad = tmp_path / "broken.mp4"
    bad.write_text("not a video")
    added = runner.invoke(app, ["index", str(story_video), str(bad), "--collection", "trip", "--start",
                                "2026-11-20T08:00:00Z", "--json"])
    assert added.exit_code == 0, added.output
    out = json.loads(added.stdout)
    assert (out["added"], out["failed"]) == (1, 1) and "not a readable video" in out["clips"][1]["error"]
    assert out["clips"][0]["clock_start"] == "2026-11-20T08:00:00Z"
    noon = runner.invoke(app, ["index", str(day_video), "--collection", "trip", "--start", "2026-11-20T12:40:00Z",
                               "--json"])
    assert noon.exit_code == 0, noon.output
    again = runner.invoke(app, ["index", str(day_video), "--collection", "trip", "--start", "2026-11-20T12:40:00Z",
                                "--json"])
    assert json.loads(again.stdout)["clips"][0]["reused"] is True  # the clip's log is never rebuilt
    asked = runner.invoke(app, ["ask", "--collection", "trip", "When did I last see the cat?", "--json"])
    assert asked.exit_code == 0, asked.output
    result = json.loads(asked.stdout)
    assert result["answer"].startswith("At 12:40, in day.mp4") and "0:16-0:21" in result["answer"]
    ev = result["evidence"][-1]
    assert ev["source"] == "day.mp4" and ev["t_start"] == 16.0 and ev["clock_start"] == "2026-11-20T12:40:16Z"
    morning = runner.invoke(app, ["ask", "--collection", "trip", "Did I see a rocket this morning?"])
    assert morning.exit_code == 0 and morning.stdout.startswith("At 08:00, in story.mp4: Yes")
    diary = runner.invoke(app, ["log", "--collection", "trip"])
    lines = diary.stdout.strip().splitlines()
    assert diary.exit_code == 0 and lines[0].startswith("2026-11-20 morning (08:00") and "afternoon" in lines[1]
    missing = runner.invoke(app, ["ask", "--collection", "nope", "anything?"])
    assert missing.exit_code == 1 and "no clips" in missing.stderr
    no_start = runner.invoke(app, ["index", str(day_video), "--start", "2026-11-20T08:00:00Z"])
    assert no_start.exit_code == 1 and "--start needs --collection" in no_start.stderr
    bad_start = runner.invoke(app, ["index", str(day_video), "--collection", "trip", "--start", "noonish"])
    assert bad_start.exit_code == 1 and "ISO 8601" in bad_start.stderr
    assert len(Collection(qa, "trip").clips()) == 2  # the failed calls lost nothing


def test_collection_tool_is_per_namespace(settings, memory, day_video: Path) -> None:
    from sokrat._async import run_sync
    from sokrat.tools.collection import TOOLS
    from sokrat.tools.registry import ToolContext, ToolRegistry

    qa = _qa(memory, settings)
    Collection(qa, "home", owner="alice").add([day_video], start=datetime(2026, 11, 20, 18, 0, tzinfo=UTC))
    registry = ToolRegistry(TOOLS)
    mine = ToolContext(settings=settings, memory=memory, namespace="alice")
    out = run_sync(registry.execute("collection_qa", {"question": "Was there a cat in the evening?",
                                                      "collection": "home"}, mine))
    assert out.ok, out.error
    assert out.output["answer"].startswith("At 18:00, in day.mp4: Yes")
    assert out.output["evidence"][0]["clock_start"].startswith("2026-11-20T18:00")
    theirs = run_sync(registry.execute("collection_qa", {"question": "Was there a cat?", "collection": "home"},
                                       ToolContext(settings=settings, memory=memory, namespace="bob")))
    assert not theirs.ok and "no clips" in theirs.observation
    diary = run_sync(registry.execute("collection_diary", {"collection": "home"}, mine))
    assert diary.ok and diary.output[0]["period"] == "evening" and "cat" in diary.output[0]["things"]
