"""`sokrat collection list/remove/delete` on the real embedded Redis (logs written straight into
memory, as in tests/video/test_collection.py): clear errors that lose nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sokrat.llm.scripted import ScriptedChatModel
from sokrat.video.collection import Collection
from sokrat.video.qa import VideoQA
from tests.video.test_collection import KITCHEN, OFFICE, STREET, _at, _log


@pytest.fixture
def cli(monkeypatch: Any, memory: Any, settings: Any) -> Any:
    from typer.testing import CliRunner

    import sokrat.cli.video as cli_video
    from sokrat.cli import _register, app

    qa = VideoQA(settings=settings, memory=memory, chat=ScriptedChatModel([]))
    monkeypatch.setattr(cli_video, "_qa", lambda: qa)
    coll = Collection(qa, "day")  # the CLI's owner: "default"
    for name, shots, hour in (("kitchen", KITCHEN, 8), ("street", STREET, 12), ("office", OFFICE, 15)):
        _log(memory, name, shots)
        coll.add_log(name, f"{name}.mp4", _at(18, hour))
    Collection(qa, "elsewhere", owner="alice").create()  # another owner's: never listed or touched here
    _register()
    runner = CliRunner()
    return lambda *args: runner.invoke(app, ["collection", *args]), coll


def test_list_remove_delete(cli: Any) -> None:
    run, coll = cli
    listed = run("list", "--json")
    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.stdout) == {"collections": [{"name": "day", "clips": 3}]}
    removed = run("remove", "day", "street.mp4", "--json")
    assert removed.exit_code == 0, removed.output
    out = json.loads(removed.stdout)
    assert out["removed"]["source"] == "street.mp4" and [c["source"] for c in out["clips"]] == ["kitchen.mp4",
                                                                                                 "office.mp4"]
    assert {s.clip.source for s in coll.shots()} == {"kitchen.mp4", "office.mp4"}
    plain = run("remove", "day", "office")  # by log id
    assert plain.exit_code == 0 and plain.stdout.startswith("removed office.mp4 (started 2026-11-18T15:00:00Z)")
    deleted = run("delete", "day")
    assert deleted.exit_code == 0 and "deleted the collection day (1 clip(s))" in deleted.stdout
    assert not coll.exists() and json.loads(run("list", "--json").stdout) == {"collections": []}
    assert Collection(coll.qa, "elsewhere", owner="alice").exists()


def test_unknown_collection_or_clip_is_exit_1_and_changes_nothing(cli: Any) -> None:
    run, coll = cli
    unknown_clip = run("remove", "day", "nope.mp4")
    assert unknown_clip.exit_code == 1 and "no clip 'nope.mp4'" in unknown_clip.stderr
    assert "kitchen.mp4, street.mp4, office.mp4" in unknown_clip.stderr  # says what there is
    for args in (("remove", "nope", "street.mp4"), ("delete", "nope"), ("delete", "elsewhere")):
        r = run(*args)
        assert r.exit_code == 1 and "no collection named" in r.stderr, args
    bad = run("delete", "bad name!")
    assert bad.exit_code == 1 and "bad collection name" in bad.stderr
    coll.add_log("kitchen", "kitchen-17.mp4", _at(17, 8))
    ambiguous = run("remove", "day", "kitchen")
    assert ambiguous.exit_code == 1 and "names 2 clips" in ambiguous.stderr
    assert len(coll.clips()) == 4 and len(coll.shots()) == 7
