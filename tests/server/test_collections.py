"""REST collections: make one, add uploads (real perception on a real clip), read it back with
clock times and its diary; per owner; bad input is a clear 4xx and loses nothing; a task's
``collection`` reaches the agent's goal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.server.test_ui_rest import upload
from tests.video.conftest import media_dir, speech_clip, story_video

__all__ = ["media_dir", "speech_clip", "story_video"]
ALICE, BOB = {"Authorization": "Bearer k-alice"}, {"Authorization": "Bearer k-bob"}


@pytest.fixture
def keyed(make_client: Any, memory: Any) -> Any:
    from sokrat.server.media_views import get_video_logs

    client = make_client(api_keys=["k-alice", "k-bob"])

    async def mine() -> Any:
        return memory

    client.app.dependency_overrides[get_video_logs] = mine
    return client


def test_bad_requests_are_clear_and_per_owner(keyed: Any) -> None:
    assert keyed.post("/v1/collections", json={"name": "bad name!"}, headers=ALICE).status_code == 422
    made = keyed.post("/v1/collections", json={"name": "day"}, headers=ALICE)
    assert made.status_code == 201 and made.json() == {"name": "day", "clips": [], "diary": [], "added": [],
                                                       "failed": []}
    assert keyed.get("/v1/collections/day", headers=ALICE).status_code == 200
    assert keyed.get("/v1/collections/day", headers=BOB).status_code == 404  # Bob's "day" is not Alice's
    assert keyed.post("/v1/collections/day/media", json={"media": ["nope"]}, headers=ALICE).status_code == 422
    missing = keyed.post("/v1/collections/day/media", json={"media": ["0" * 32]}, headers=ALICE)
    assert missing.status_code == 422 and "no media with id" in missing.json()["error"]["message"]
    assert keyed.post("/v1/collections/none/media", json={"media": ["0" * 32]}, headers=ALICE).status_code == 404
    bad_start = keyed.post("/v1/collections/day/media", json={"media": ["0" * 32], "start": "noonish"}, headers=ALICE)
    assert bad_start.status_code == 422 and "ISO 8601" in bad_start.json()["error"]["message"]
    task = keyed.post("/v1/tasks", json={"goal": "When was the cat?", "collection": "day"}, headers=ALICE)
    assert task.status_code == 202
    stored = keyed.get(f"/v1/tasks/{task.json()['id']}", headers=ALICE).json()
    assert "collection_qa" in stored["goal"] and "'day'" in stored["goal"]
    assert keyed.post("/v1/tasks", json={"goal": "x", "collection": "a b"}, headers=ALICE).status_code == 422


def _owner(key: str) -> str:
    from sokrat.server.auth import parse_key

    return f"key-{parse_key(key)[:12]}"  # the owner a SOKRAT_API_KEYS key files under


def test_remove_a_clip_and_delete_a_collection_per_owner(keyed: Any, memory: Any, settings: Any) -> None:
    from datetime import UTC, datetime

    from sokrat.video.collection import Collection
    from sokrat.video.qa import VideoQA
    from tests.video.test_collection import KITCHEN, STREET, _log

    coll = Collection(VideoQA(settings=settings, memory=memory), "day", owner=_owner("k-alice"))
    for name, shots, hour in (("kitchen", KITCHEN, 8), ("street", STREET, 12)):
        _log(memory, name, shots)
        coll.add_log(name, f"{name}.mp4", datetime(2026, 11, 18, hour, tzinfo=UTC))
    assert keyed.delete("/v1/collections/day/media/street.mp4", headers=BOB).status_code == 404  # not Bob's
    assert keyed.delete("/v1/collections/day", headers=BOB).status_code == 404
    unknown = keyed.delete("/v1/collections/day/media/nope.mp4", headers=ALICE)
    assert unknown.status_code == 404 and "no clip 'nope.mp4'" in unknown.json()["error"]["message"]
    assert keyed.delete(f"/v1/collections/day/media/{'0' * 32}", headers=ALICE).status_code == 404  # no such upload
    assert keyed.delete("/v1/collections/none/media/street.mp4", headers=ALICE).status_code == 404
    assert len(coll.shots()) == 4  # the refused calls changed nothing
    r = keyed.delete("/v1/collections/day/media/street/street.mp4", headers=ALICE)  # a clip id holds a '/'
    assert r.status_code == 200, r.text
    assert [c["source"] for c in r.json()["clips"]] == ["kitchen.mp4"]
    assert [d["period"] for d in r.json()["diary"]] == ["morning"]  # the afternoon clip's diary is gone
    assert [s.clip.source for s in coll.shots()] == ["kitchen.mp4", "kitchen.mp4"]
    assert keyed.delete("/v1/collections/day", headers=ALICE).status_code == 204
    assert keyed.get("/v1/collections/day", headers=ALICE).status_code == 404
    assert keyed.delete("/v1/collections/day", headers=ALICE).status_code == 404


@pytest.mark.slow
def test_add_uploads_and_read_the_day(keyed: Any, story_video: Path) -> None:
    media = upload(keyed, story_video, "breakfast.mp4", headers=ALICE).json()
    keyed.post("/v1/collections", json={"name": "day"}, headers=ALICE)
    assert keyed.post("/v1/collections/day/media", json={"media": [media["id"]]}, headers=BOB).status_code == 404
    r = keyed.post("/v1/collections/day/media", json={"media": [media["id"]], "start": "2026-11-20T08:00:00Z"},
                   headers=ALICE)
    assert r.status_code == 200, r.text
    body = r.json()
    assert [c["source"] for c in body["clips"]] == ["breakfast.mp4"] and not body["failed"]
    assert body["clips"][0]["clock_start"] == "2026-11-20T08:00:00Z" and body["added"][0]["start_from"] == "--start"
    assert body["diary"][0]["period"] == "morning" and body["diary"][0]["clips"] == ["breakfast.mp4"]
    again = keyed.get("/v1/collections/day", headers=ALICE).json()
    assert again["clips"] == body["clips"]
    assert keyed.delete(f"/v1/collections/day/media/{media['id']}", headers=BOB).status_code == 404
    gone = keyed.delete(f"/v1/collections/day/media/{media['id']}", headers=ALICE)  # by the upload's id
    assert gone.status_code == 200 and gone.json()["clips"] == [] and gone.json()["diary"] == []
    assert keyed.get(f"/v1/media/{media['id']}", headers=ALICE).status_code == 200  # the upload stays
