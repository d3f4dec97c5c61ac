"""Collections over the real embedded Redis: the timeline, clock words, answers across clips,
diary and forecast. Logs are written straight into memory (what the indexer would store), so
these tests exercise the collection logic, not perception (test_collection_media.py does that)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sokrat.errors import InvalidInput
from sokrat.llm.scripted import ScriptedChatModel
from sokrat.memory.base import LogEntry, VideoLogMeta
from sokrat.video.clock import parse_clock
from sokrat.video.collection import Collection, parse_iso
from sokrat.video.qa import VideoQA


def _log(memory, log_id: str, shots: list[tuple[float, float, str, str]]) -> str:  # type: ignore[no-untyped-def]
    memory.begin_video_log(VideoLogMeta(log_id=log_id, source=f"{log_id}.mp4", duration_s=shots[-1][1]))
    memory.append_video_entries(log_id, [LogEntry(index=i, t_start=a, t_end=b, seen=seen, said=said)
                                         for i, (a, b, seen, said) in enumerate(shots)], resume_at_s=shots[-1][1])
    memory.finish_video_log(log_id, summary="")
    return log_id


def _at(day: int, h: int, m: int = 0) -> datetime:
    return datetime(2026, 11, day, h, m, tzinfo=UTC)  # 2026-11-16 is a Monday


KITCHEN = [(0, 5, "espresso [drink]; place: kitchen", "Good morning"), (5, 10, "tabby cat [animal]; place: kitchen", "")]
STREET = [(0, 6, "bicycle [vehicle]; place: street", ""), (6, 9, "moped [vehicle]; place: street", "")]
OFFICE = [(0, 8, "desktop computer [device]; place: office", "the meeting is at four")]


@pytest.fixture
def coll(memory, settings):  # type: ignore[no-untyped-def]
    qa = VideoQA(settings=settings, memory=memory, chat=ScriptedChatModel([]))
    c = Collection(qa, "day", owner="alice")
    for name, shots in (("kitchen", KITCHEN), ("street", STREET), ("office", OFFICE)):
        _log(memory, name, shots)
    c.add_log("kitchen", "kitchen.mp4", _at(18, 8, 0))
    c.add_log("street", "street.mp4", _at(18, 12, 40))
    c.add_log("office", "office.mp4", _at(18, 15, 0))
    return c


def test_timeline_orders_all_shots_by_clock_and_follows_adds_and_removals(coll, memory) -> None:  # type: ignore[no-untyped-def]
    shots = coll.shots()
    assert [(s.clip.source, s.entry.index) for s in shots] == [("kitchen.mp4", 0), ("kitchen.mp4", 1),
                                                              ("street.mp4", 0), ("street.mp4", 1), ("office.mp4", 0)]
    assert shots[3].clock_start == _at(18, 12, 40) + timedelta(seconds=6)
    # an overlapping clip stays apart and is interleaved in clock order
    _log(memory, "cam2", [(0, 4, "tabby cat [animal]", "")])
    coll.add_log("cam2", "cam2.mp4", _at(18, 8, 0) + timedelta(seconds=3))
    assert [(s.clip.source, s.entry.index) for s in coll.shots()][:3] == [("kitchen.mp4", 0), ("cam2.mp4", 0),
                                                                         ("kitchen.mp4", 1)]
    assert coll.remove("cam2.mp4") and len(coll.shots()) == 5
    assert not coll.remove("nope.mp4")
    # re-adding a clip moves its shots, never duplicates them
    coll.add_log("office", "office.mp4", _at(18, 16, 0))
    assert [s.clock_start for s in coll.shots()][-1] == _at(18, 16, 0) and len(coll.shots()) == 5


def test_collections_are_per_owner_and_names_are_checked(coll, memory, settings) -> None:  # type: ignore[no-untyped-def]
    other = Collection(coll.qa, "day", owner="bob")
    assert other.clips() == [] and not other.exists()
    with pytest.raises(InvalidInput):
        Collection(coll.qa, "bad name!", owner="bob")
    with pytest.raises(InvalidInput, match="no clips"):
        other.ask("was there a cat?")


def test_clock_words_fire_and_do_not() -> None:
    assert parse_clock("What did I see this morning?").hours == (5.0, 12.0)
    assert parse_clock("What did I see this morning?").day == "today"
    assert parse_clock("was there a cat in the afternoon?").hours == (12.0, 18.0)
    assert parse_clock("what was there at noon?").hours == (11.5, 13.5)
    assert parse_clock("what did I see around 8?").hours == (7.5, 8.5)
    assert parse_clock("what did I see around 3?").hours == (14.5, 15.5)  # a 3 of the day is the afternoon
    assert parse_clock("what was said between 12 and 1 pm?").hours == (12.0, 13.0)
    assert parse_clock("what was said between 11 and 1 pm?").hours == (11.0, 13.0)
    assert parse_clock("did I see a cat yesterday?").day == "yesterday"
    assert parse_clock("did I see a cat on Tuesday?").weekday == 1
    assert parse_clock("when did I last see a moped?").order == "last"
    assert parse_clock("when did I first see a moped?").order == "first"
    assert parse_clock("what did I do this morning?").intent == "diary"
    assert parse_clock("what am I likely to do next?").intent == "forecast"
    assert parse_clock("where will I probably go after lunch?").after_words == "lunch"
    plain = parse_clock("was there a cat?")
    assert (plain.hours, plain.day, plain.weekday, plain.order, plain.intent) == (None, "", None, "", "ask")
    assert plain.rest == "was there a cat?"
    assert parse_clock("what is on the table at 0:08?").hours is not None  # a clock time: 00:08 +-30 min


def test_answers_carry_clock_times_and_the_period_narrows(coll) -> None:  # type: ignore[no-untyped-def]
    r = coll.ask("Was there a cat this morning?")
    assert r.status == "succeeded" and r.answer.startswith("At 08:00, in kitchen.mp4: Yes")
    assert r.evidence[0].clock_start == "2026-11-18T08:00:05Z" and r.evidence[0].source == "kitchen.mp4"
    no = coll.ask("Was there a cat in the afternoon?")
    assert no.answer.startswith("No") and not no.evidence
    when = coll.ask("When did I see a vehicle?")
    assert "12:40" in when.answer and "street.mp4" in when.answer
    assert {e.clock_start for e in when.evidence} >= {"2026-11-18T12:40:00Z", "2026-11-18T12:40:06Z"}


def test_empty_period_is_no_answer(coll) -> None:  # type: ignore[no-untyped-def]
    r = coll.ask("What did I see in the evening?")
    assert r.status == "no_answer" and not r.evidence
    assert coll.ask("Did I see a cat yesterday?").status == "no_answer"
    assert coll.ask("Did I see a cat on Wednesday?").status == "succeeded"  # 2026-11-18 is a Wednesday
    assert coll.ask("Did I see a cat on Tuesday?").status == "no_answer"


def test_first_and_last_time_across_clips(coll, memory) -> None:  # type: ignore[no-untyped-def]
    _log(memory, "evening", [(0, 5, "tabby cat [animal]; place: living room", "")])
    coll.add_log("evening", "evening.mp4", _at(18, 19, 30))
    last = coll.ask("When did I last see the cat?")
    assert last.answer.startswith("At 19:30, in evening.mp4") and len({e.source for e in last.evidence}) == 1
    first = coll.ask("When did I first see the cat?")
    assert first.answer.startswith("At 08:00, in kitchen.mp4")
    count = coll.ask("How many times did I see the cat?")
    assert count.answer.startswith("Twice") and "08:00" in count.answer and "19:30" in count.answer


def test_diary_summarizes_each_period_and_is_cached(coll) -> None:  # type: ignore[no-untyped-def]
    r = coll.ask("What did I do this morning?")
    assert r.status == "succeeded" and r.answer.startswith("2026-11-18 morning (08:00-08:00")
    assert "espresso" in r.answer and "kitchen" in r.answer and "street" not in r.answer
    keys = list(coll.client.scan_iter(match=coll.key + ":diary:*"))
    assert len(keys) == 1
    from sokrat.video import diary

    whole = diary.periods(coll)
    assert [p.name for p in whole] == ["morning", "afternoon"]
    assert whole[1].clips == ("street.mp4", "office.mp4") and "said" not in whole[1].things
    assert len(list(coll.client.scan_iter(match=coll.key + ":diary:*"))) == 2


def test_forecast_from_a_routine_and_without_one(coll, memory) -> None:  # type: ignore[no-untyped-def]
    no = coll.ask("What am I likely to do next?")
    assert no.status == "no_answer" and "no routine" in no.answer
    for day in (16, 17):  # two earlier days with the same routine: the same content under other names
        for name, h in (("kitchen", 8), ("street", 12), ("office", 15)):
            coll.add_log(name, f"{name}-{day}.mp4", _at(day, h))
    assert len(coll.clips()) == 9 and len(coll.shots()) == 15
    r = coll.ask("Where will I probably go after the gym?")
    assert r.status == "no_answer" and "nothing in the collection shows gym" in r.answer
    nxt = coll.ask("What am I likely to do next?", now=_at(18, 9))
    assert nxt.status == "no_answer"  # office is last on 18th: nothing ever followed the office
    after = coll.ask("Where will I probably go after the street?")
    assert after.status == "succeeded" and after.answer.startswith("Probably office next (confidence 100%)")
    assert "2026-11-16" in after.answer and "2026-11-17" in after.answer


def test_parse_iso_rejects_bad_times() -> None:
    assert parse_iso("2026-11-20T08:30:00Z") == datetime(2026, 11, 20, 8, 30, tzinfo=UTC)
    assert parse_iso("2026-11-20T08:30:00").tzinfo is not None
    with pytest.raises(InvalidInput):
        parse_iso("tuesday morning")


def test_forecast_after_a_part_of_the_day(coll) -> None:  # type: ignore[no-untyped-def]
    for day in (16, 17):
        for name, h in (("kitchen", 8), ("street", 12), ("office", 15)):
            coll.add_log(name, f"{name}-{day}.mp4", _at(day, h))
    r = coll.ask("Where will I probably go after lunch?")  # lunch is 11:30-13:30: the street clips
    assert r.status == "succeeded" and r.answer.startswith("Probably office next (confidence 100%)")
    assert "2026-11-16 12:00->15:00" in r.answer and r.evidence[0].source.startswith("office")


def test_bare_part_of_day_after_a_day_word(coll) -> None:  # type: ignore[no-untyped-def]
    spec = parse_clock("did I see a cat yesterday morning?")
    assert (spec.day, spec.hours) == ("yesterday", (5.0, 12.0))
    assert parse_clock("did I see a cat on monday evening?").hours == (18.0, 24.0)
    assert parse_clock("was the mornington crescent shown?").hours is None  # a word, not the part of day


def test_a_no_across_days_says_how_many_days(coll) -> None:  # type: ignore[no-untyped-def]
    coll.add_log("street", "street-17.mp4", _at(17, 12, 30))
    r = coll.ask("Was there a cat at noon?")
    assert r.answer == "No: not at noon (2 days, 2 clip(s))."
    one = coll.ask("Was there a cat in the afternoon today?")
    assert one.answer == "No: not today in the afternoon (12:40-15:00, 2 clip(s))."


def test_removing_a_clip_takes_its_shots_off_the_timeline_and_out_of_answers(coll) -> None:  # type: ignore[no-untyped-def]
    assert coll.ask("When did I see a vehicle?").status == "succeeded"
    removed = coll.remove("street.mp4")
    assert removed is not None and removed.clip_id == "street/street.mp4"
    assert [s.clip.source for s in coll.shots()] == ["kitchen.mp4", "kitchen.mp4", "office.mp4"]
    assert not coll.client.zscan(coll.key + ":timeline", match="street*")[1]  # no orphan shot left
    gone = coll.ask("When did I see a vehicle?")
    assert gone.status == "no_answer" and not gone.evidence
    assert coll.ask("Was there a cat this morning?").answer.startswith("At 08:00, in kitchen.mp4: Yes")  # untouched
    assert coll.qa.log("street").entries  # the log itself stays, for reuse
    assert coll.remove("street.mp4") is None and len(coll.shots()) == 3  # unknown now: nothing changes
    for clip in list(coll.clips()):  # emptied, the collection still exists until deleted
        coll.remove(clip.clip_id)
    assert coll.exists() and coll.clips() == [] and coll.shots() == []


def test_a_ref_naming_several_clips_is_refused_and_a_clip_id_is_not(coll) -> None:  # type: ignore[no-untyped-def]
    coll.add_log("kitchen", "kitchen-17.mp4", _at(17, 8))  # the same content on another day
    with pytest.raises(InvalidInput, match="names 2 clips"):
        coll.remove("kitchen")  # the log id: both clips
    assert len(coll.clips()) == 4 and len(coll.shots()) == 7  # the refusal lost nothing
    assert coll.remove("kitchen/kitchen-17.mp4") is not None
    assert [c.source for c in coll.clips()] == ["kitchen.mp4", "street.mp4", "office.mp4"]
    assert coll.remove("kitchen") is not None and len(coll.shots()) == 3  # now unique


def test_a_file_name_with_glob_characters_removes_only_its_own_shots(coll, memory) -> None:  # type: ignore[no-untyped-def]
    _log(memory, "cam", [(0, 4, "tabby cat [animal]", ""), (4, 8, "dog [animal]", "")])
    coll.add_log("cam", "cam[1]*.mp4", _at(18, 9))
    coll.add_log("cam", "cam1x.mp4", _at(18, 10))
    assert coll.remove("cam[1]*.mp4") is not None
    assert [s.clip.source for s in coll.shots()].count("cam1x.mp4") == 2 and len(coll.shots()) == 7


def test_collections_are_listed_per_owner_and_deleted_whole(coll) -> None:  # type: ignore[no-untyped-def]
    other = Collection(coll.qa, "trip", owner="alice")
    other.create()
    Collection(coll.qa, "mine", owner="bob").create()
    assert Collection.names(coll.qa, owner="alice") == ["day", "trip"]
    coll.ask("What did I do this morning?")  # caches a diary period under the collection
    assert list(coll.client.scan_iter(match=coll.key + ":*"))
    assert coll.delete() is True
    assert not list(coll.client.scan_iter(match=coll.key + ":*")) and not coll.exists()
    assert Collection.names(coll.qa, owner="alice") == ["trip"] and Collection.names(coll.qa, owner="bob") == ["mine"]
    assert coll.delete() is False  # nothing left to delete
    assert coll.qa.log("kitchen").entries  # logs stay


def test_a_clock_time_without_a_day_is_the_latest_day_with_clips_then(coll) -> None:  # type: ignore[no-untyped-def]
    assert parse_clock("What did I see around 2 pm?").latest_day
    assert parse_clock("what was said between 12 and 1 pm?").latest_day
    for text in ("What did I see in the afternoon?", "What did I see yesterday around 2 pm?",
                 "Did I see a cat on Monday at 8?", "When did I first see the cat around 8?",
                 "Where will I probably go around 2 pm?", "Was there a cat?"):
        assert not parse_clock(text).latest_day, text
    coll.add_log("kitchen", "kitchen-16.mp4", _at(16, 8))
    coll.add_log("street", "street-17.mp4", _at(17, 14))  # nothing at 2 pm on the 18th
    cat = coll.ask("When did I see the cat around 8?")
    assert cat.answer.startswith("At 08:00, in kitchen.mp4") and {e.clock_start[:10] for e in cat.evidence} == {
        "2026-11-18"}
    assert cat.answer.endswith("(On Wednesday 2026-11-18, the latest day with clips around 8.)")
    assert "latest day" in cat.steps[0].observation
    two = coll.ask("What did I see around 2 pm?")
    assert two.status == "succeeded" and "street-17.mp4" in two.answer and "Tuesday 2026-11-17" in two.answer
    # the rule does not fire: a first/last, a day, or a part of the day still spans the days
    first = coll.ask("When did I first see the cat around 8?")
    assert first.answer.startswith("At 08:00, in kitchen-16.mp4") and "latest day" not in first.answer
    monday = coll.ask("Did I see a cat on Monday around 8?")
    assert monday.answer.startswith("At 08:00, in kitchen-16.mp4: Yes") and "latest day" not in monday.answer
    morning = coll.ask("How many times did I see the cat in the morning?")
    assert morning.answer.startswith("Twice") and "latest day" not in morning.answer
    assert coll.ask("What did I see around 3 am?").status == "no_answer"  # no day has clips then


def test_collections_made_before_the_name_set_are_listed_once_found(coll) -> None:  # type: ignore[no-untyped-def]
    index = coll.key.rsplit(":coll:", 1)[0] + ":colls:alice"
    coll.client.delete(index)  # as a collection written before the set existed
    coll.client.set(coll.key.replace(":day", ":diary-only") + ":diary:x", "{}")  # no clips/made: not a collection
    assert Collection.names(coll.qa, owner="alice") == ["day"]
    assert coll.client.smembers(index) in ({b"day"}, {"day"})  # remembered: the next call reads the set
    assert Collection.names(coll.qa, owner="bob") == []


def test_collection_tools_are_offered_only_to_an_owner_with_a_collection(coll, memory) -> None:  # type: ignore[no-untyped-def]
    from sokrat.tools.collection import collection_diary, collection_qa
    from sokrat.tools.registry import ToolContext

    assert collection_qa.applies_to(ToolContext(memory=memory, namespace="alice"))
    assert collection_diary.applies_to(ToolContext(memory=memory, namespace="alice"))
    # not for an owner with none: a planner would invent collection names for unrelated goals
    assert not collection_qa.applies_to(ToolContext(memory=memory, namespace="bob"))
