"""Questions over a real video's log (real Redis, real decoding and shots); the tagger and
speech are deterministic stand-ins here, the real stack runs in the slow tests."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np
import pytest

from sokrat.errors import InvalidInput
from sokrat.llm.scripted import ScriptedChatModel
from sokrat.perception.base import SpeechRecognizer, SpeechSegment
from sokrat.perception.registry import Perceivers, get_perceivers
from sokrat.video.qa import VideoQA
from tests.perception.conftest import SPOKEN, PhotoDetector, PhotoTagger


class SaidAt(SpeechRecognizer):
    """Says :data:`SPOKEN` from 11 s to 13 s (what whisper hears in ``day_video``)."""

    name = "said-at"

    def transcribe(self, audio: np.ndarray, *, offset_s: float = 0.0) -> list[SpeechSegment]:
        end = offset_s + len(audio) / 16000
        return [SpeechSegment(11.0, 13.0, SPOKEN)] if offset_s <= 11.0 < end else []


class RecordingChat(ScriptedChatModel):
    """A scripted model that also keeps the JSON schema of each call."""

    def __init__(self, replies: Sequence[Any]) -> None:
        super().__init__(replies)
        self.schemas: list[dict[str, Any] | None] = []

    async def agenerate(self, messages, *, json_schema=None, **kw):  # type: ignore[no-untyped-def, override]
        self.schemas.append(json_schema)
        return await super().agenerate(messages, json_schema=json_schema, **kw)


def _qa(memory, settings, chat=None) -> VideoQA:  # type: ignore[no-untyped-def]
    return VideoQA(settings=settings, memory=memory,
                   perceivers=Perceivers(taggers=[PhotoTagger()], detector=PhotoDetector(), speech=SaidAt()),
                   chat=chat or RecordingChat([]))


def test_shots_follow_the_cuts_with_plain_words(memory, settings, day_video: Path) -> None:
    qa = _qa(memory, settings)
    vlog = qa.index(day_video)
    entries = qa.log(vlog.meta.log_id).entries
    assert [(e.t_start, e.t_end) for e in entries] == [(0, 5), (5, 10), (10, 16), (16, 21), (21, 28)]
    assert entries[1].seen.startswith("cat (tabby cat) [animal]") and entries[3].seen.startswith("cat (tabby cat)")
    assert entries[0].seen.startswith("cup [container], dining table [furniture], espresso [drink")
    assert "count: 1 cup, 1 dining table" in entries[0].seen and "relation: cup on dining table" in entries[0].seen
    assert entries[4].seen.startswith("motorcycle (moped) [vehicle]")
    assert "web site" not in " ".join(e.seen for e in entries)  # a weak label in every frame names no shot
    assert entries[2].said == SPOKEN and all(not e.said for i, e in enumerate(entries) if i != 2)


@pytest.mark.parametrize(("question", "answer", "spans"), [
    ("Was there a cat?", "Yes: a cat at 0:05-0:10, 0:16-0:21.", [(5, 10), (16, 21)]),
    ("Did I see an animal?", "Yes: an animal (cat) at 0:05-0:10, 0:16-0:21.", [(5, 10), (16, 21)]),
    ("Was there a dog?", "No, I did not see a dog.", []),
    ("Was there a cat at the end?", "No, I did not see a cat at the end (0:21-0:28).", [(21, 28)]),
    ("Was there a vehicle at the end?", "Yes: a vehicle (motorcycle) at 0:21-0:28.", [(21, 28)]),
    ("When did I see the rocket?", "A rocket (missile) at 0:10-0:16.", [(10, 16)]),
    ("When did I last see the cat?", "A cat at 0:16-0:21.", [(16, 21)]),
    ("How many times did I see a cat?", "Twice: a cat at 0:05-0:10 and 0:16-0:21.", [(5, 10), (16, 21)]),
    ("How many dogs did I see?", "None: I did not see dogs.", []),
    ("What did I see right after the rocket?", "A cat at 0:16-0:21.", [(16, 21)]),
    ("What did I see right before the rocket?", "A cat at 0:05-0:10.", [(5, 10)]),
    ("What did I see at 0:12?", "A missile at 0:10-0:16.", [(10, 16)]),
    ("What was on the table at the very beginning?", "A cup on a dining table, at 0:00-0:05.", [(0, 5)]),
    ("Where did I leave my cup?", "On a dining table, at 0:00-0:05.", [(0, 5)]),
    ("How many cups were there?", "1 cup at 0:00-0:05.", [(0, 5)]),
    ("How many times did I see a cup?", "Once: a cup at 0:00-0:05.", [(0, 5)]),
    ("Was there a cat between the coffee and the rocket?", "Yes: a cat at 0:05-0:10.", [(5, 10)]),
    ("Did I mention my keys?", f'Yes, it was mentioned at 0:10-0:16: "{SPOKEN}"', [(10, 16)]),
    # either-or: the option found, both, neither, or the logged place when neither place was asked
    ("Did I see a cat or a dog?", "A cat at 0:05-0:10 and 0:16-0:21; I did not see a dog.", [(5, 10), (16, 21)]),
    ("Was there a rocket or a moped?", "Both: a rocket at 0:10-0:16 and a moped at 0:21-0:28.", [(10, 16), (21, 28)]),
    ("Did I see a dog or a horse?", "Neither: I did not see a dog or a horse.", []),
    ("Was the cup near or far?", "In the centre, near the camera: a cup at 0:00-0:05.", [(0, 5)]),
    ("Was the cup on the left or the right?", "Neither: a cup in the centre, near the camera at 0:00-0:05.", [(0, 5)]),
])
def test_label_questions_are_answered_from_the_log_with_times(memory, settings, day_video: Path, question: str,
                                                              answer: str, spans: list[tuple[int, int]]) -> None:
    chat = RecordingChat([])
    result = _qa(memory, settings, chat).ask(day_video, question)
    assert result.answer == answer and result.status == "succeeded"
    assert [(e.t_start, e.t_end) for e in result.evidence] == spans
    assert chat.calls == []  # no model needed for these


def test_the_model_cites_shown_entries_by_id_and_the_citations_are_the_evidence(memory, settings,
                                                                                 day_video: Path) -> None:
    chat = RecordingChat([{"answer": "inside the red car", "evidence": [2]}])
    result = _qa(memory, settings, chat).ask(day_video, "Where did I leave my keys?")
    assert result.answer == "Inside the red car, at 0:10-0:16." and result.status == "succeeded"
    assert [(e.t_start, e.t_end) for e in result.evidence] == [(10, 16)]
    prompt = chat.calls[0][-1].content
    assert "[2] 0:10-0:16" in prompt and SPOKEN in prompt and "Question: Where did I leave my keys?" in prompt
    schema = chat.schemas[0]
    assert schema is not None
    shown = [int(line[1 : line.index("]")]) for line in prompt.splitlines() if line.startswith("[")]
    jsonschema.validate({"answer": "x", "evidence": shown[:1]}, schema)
    with pytest.raises(jsonschema.ValidationError):  # an id that was not shown cannot be cited
        jsonschema.validate({"answer": "x", "evidence": [max(shown) + 7]}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"answer": "x"}, schema)


def test_nothing_relevant_is_no_answer_not_a_canned_success(memory, settings, day_video: Path) -> None:
    chat = RecordingChat([{"answer": "unknown", "evidence": []}])
    qa = _qa(memory, settings, chat)
    unrelated = qa.ask(day_video, "What is the name of my dog?")
    assert unrelated.status == "no_answer" and unrelated.evidence == [] and unrelated.reason
    said = qa.ask(day_video, "What did I say about the keys?")  # shown to the model, which cannot tell
    assert said.status == "no_answer" and len(chat.calls) == 1


def test_an_answer_made_of_the_question_s_own_words_is_no_answer(memory, settings, day_video: Path) -> None:
    # SPOKEN: "I left my keys inside the red car."; the model answers with a word of the question
    chat = RecordingChat([{"answer": "the keys", "evidence": [2]}, {"answer": "inside the red car", "evidence": [2]}])
    qa = _qa(memory, settings, chat)
    echoed = qa.ask(day_video, "What is the brand of the keys I mentioned?")
    # fires: not "The keys"; the sentence said is not about a brand either, so the log does not say
    assert echoed.status == "no_answer" and len(chat.calls) == 1
    from sokrat.video.qa import LogIndex, _Answer
    from sokrat.video.question import parse_question

    def only_asked(question: str, answer: str) -> bool:
        return _Answer(None, parse_question(question), LogIndex([]), [], "v.mp4", "log")._only_asked(answer)  # type: ignore[arg-type]

    assert only_asked("Which shop was the cake from?", "Cake centre near")  # the log's position words
    assert not only_asked("Where was the cake?", "Cake centre near")  # a position asked
    assert not only_asked("Which shop was the cake from?", "The Gold Baker")
    told = qa.ask(day_video, "Where did I say I left my keys?")
    assert told.status == "succeeded" and "red car" in told.answer  # must not: words of its own


def test_empty_question_or_query_is_invalid_input(memory, settings, day_video: Path) -> None:
    qa = _qa(memory, settings)
    with pytest.raises(InvalidInput):
        qa.ask(day_video, "  ")
    with pytest.raises(InvalidInput):
        qa.search(day_video, "")


def test_search_finds_labels_and_speech(memory, settings, day_video: Path) -> None:
    qa = _qa(memory, settings)
    assert qa.search(day_video, "rocket", k=1)[0].t_start == 10.0
    assert qa.search(day_video, "keys", k=1)[0].t_start == 10.0
    assert {m.t_start for m in qa.search(day_video, "kitty cat animal", k=2)} == {5.0, 16.0}


def test_video_tools_default_to_run_media_and_report_bad_input(memory, settings, silent_video: Path,
                                                               tmp_path: Path) -> None:
    from sokrat._async import run_sync
    from sokrat.tools.registry import ToolContext, ToolRegistry
    from sokrat.tools.video import TOOLS

    registry = ToolRegistry(TOOLS)
    ctx = ToolContext(settings=settings, memory=memory, media=(str(silent_video),))
    out = run_sync(registry.execute("video_search", {"query": "space shuttle", "k": 2}, ctx))
    assert out.ok, out.error
    assert len(out.output) == 2 and {"t_start", "t_end", "text", "score"} <= set(out.output[0])
    moment = run_sync(registry.execute("describe_moment", {"t": 25.0}, ctx))
    assert moment.ok and moment.output["t_start"] <= 25.0 < moment.output["t_end"]
    outside = run_sync(registry.execute("describe_moment", {"t": 99.0}, ctx))
    assert not outside.ok and "outside the video" in outside.observation
    bad = tmp_path / "bad.mp4"
    bad.write_text("not a video")
    failed = run_sync(registry.execute("video_search", {"query": "x", "video": str(bad)}, ctx))
    assert not failed.ok and "not a readable video" in failed.observation
    none = run_sync(registry.execute("video_qa", {"question": "x"}, ToolContext(settings=settings, memory=memory)))
    assert not none.ok and "no video given" in none.observation
    too_many = run_sync(registry.execute("video_search", {"query": "x", "k": 50}, ctx))
    assert not too_many.ok  # the bound is in the schema
    # the run's video named without its folder is that video; a name the run does not have stays an error
    named = run_sync(registry.execute("video_search", {"query": "space shuttle", "k": 1, "video": silent_video.name}, ctx))
    assert named.ok, named.error
    other = run_sync(registry.execute("video_search", {"query": "x", "video": "other.mp4"}, ctx))
    assert not other.ok and "no such file" in other.observation


def test_cli_ask_and_search_json_and_bad_input(monkeypatch, settings, memory, day_video: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    import sokrat.cli.video as cli_video
    from sokrat.cli import _register, app

    monkeypatch.setattr(cli_video, "_qa", lambda: _qa(memory, settings))
    _register()
    runner = CliRunner()
    ok = runner.invoke(app, ["search", str(day_video), "rocket", "--top", "2", "--json"])
    assert ok.exit_code == 0, ok.output
    assert len(json.loads(ok.stdout)["moments"]) == 2
    asked = runner.invoke(app, ["ask", str(day_video), "When did I see the rocket?", "--json"])
    assert asked.exit_code == 0, asked.output
    payload = json.loads(asked.stdout)
    assert payload["answer"] == "A rocket (missile) at 0:10-0:16." and payload["evidence"][0]["t_start"] == 10.0
    bad = runner.invoke(app, ["index", str(tmp_path / "missing.mp4"), "--json"])
    assert bad.exit_code == 1 and bad.stdout == ""
    assert "no such file" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1


def test_transcribe_tool_refuses_media_without_audio(settings, silent_video: Path) -> None:
    from sokrat._async import run_sync
    from sokrat.tools.registry import ToolContext, ToolRegistry
    from sokrat.tools.video import TOOLS

    out = run_sync(ToolRegistry(TOOLS).execute("transcribe", {"media": str(silent_video)}, ToolContext(settings=settings)))
    assert not out.ok and "no audio track" in out.observation


@pytest.mark.slow
def test_offline_stack_answers_from_pictures_and_speech(memory, settings, day_video: Path) -> None:
    """The real tagger + whisper + OCR + MiniLM + Redis; the answer sentence by the real planner."""
    from sokrat.llm import get_chat_model

    qa = VideoQA(settings=settings, memory=memory, perceivers=get_perceivers(settings), chat=get_chat_model(settings))
    vlog = qa.index(day_video)
    entries = qa.log(vlog.meta.log_id).entries
    assert [e.t_start for e in entries] == [0, 5, 10, 16, 21]
    assert "keys" in entries[2].said.lower()
    cat = qa.ask(day_video, "When did I see the cat?")
    assert "0:05-0:10" in cat.answer and "0:16-0:21" in cat.answer, cat.answer
    keys = qa.ask(day_video, "Where did I leave my keys?")
    print("KEYS:", keys.answer)
    assert keys.status == "succeeded" and "car" in keys.answer.lower(), keys.answer
    assert [(e.t_start, e.t_end) for e in keys.evidence] == [(10, 16)]
    assert qa.index(day_video).reused


@pytest.mark.slow
def test_transcribe_tool_reads_an_audio_file(settings, speech_clip: Path) -> None:
    from sokrat._async import run_sync
    from sokrat.tools.registry import ToolContext, ToolRegistry
    from sokrat.tools.video import TOOLS

    out = run_sync(ToolRegistry(TOOLS).execute("transcribe", {"media": str(speech_clip)}, ToolContext(settings=settings)))
    assert out.ok, out.error
    assert "keys" in " ".join(s["text"] for s in out.output).lower() and out.output[0]["t_start"] < 1.0


def test_an_answer_not_found_in_the_cited_shots_gives_way_to_the_log_s_own_words(memory, settings,
                                                                                  day_video: Path) -> None:
    chat = RecordingChat([{"answer": "the purple block", "evidence": [2]}, {"answer": "purple", "evidence": [0]}])
    qa = _qa(memory, settings, chat)
    keys = qa.ask(day_video, "Where did I leave my keys?")
    assert keys.answer == f'The log says "{SPOKEN}", at 0:10-0:16.' and keys.status == "succeeded"
    assert [(e.t_start, e.t_end) for e in keys.evidence] == [(10, 16)]
    invented = qa.ask(day_video, "What colour was the espresso cup at the beginning?")
    assert invented.status == "no_answer" and invented.evidence == []


def test_speech_that_holds_the_question_answers_when_the_model_answers_from_elsewhere(memory, settings,
                                                                                     day_video: Path) -> None:
    """The shot's speech names the keys; an answer taken from its picture ("a missile"), or one
    that only repeats the question's words, gives way to the sentence said."""
    chat = RecordingChat([{"answer": "a missile", "evidence": [2]}, {"answer": "my keys", "evidence": [2]}])
    qa = _qa(memory, settings, chat)
    for _ in range(2):
        keys = qa.ask(day_video, "Where did I leave my keys?")
        assert keys.answer == f'The log says "{SPOKEN}", at 0:10-0:16.' and keys.status == "succeeded"
        assert [(e.t_start, e.t_end) for e in keys.evidence] == [(10, 16)]


def test_an_answer_from_the_speech_about_the_question_stands(memory, settings, day_video: Path) -> None:
    from sokrat.memory.base import LogEntry
    from sokrat.video.qa import LogIndex, _Answer
    from sokrat.video.question import parse_question

    chat = RecordingChat([{"answer": "in the red car", "evidence": [2]}])
    assert _qa(memory, settings, chat).ask(day_video, "Where did I leave my keys?").answer == "In the red car, at 0:10-0:16."

    entry = LogEntry(0, 0.0, 5.0, seen="missile [weapon]; place: outdoors", said=SPOKEN)

    def answer(question: str) -> _Answer:
        return _Answer(None, parse_question(question), LogIndex([entry]), [entry], "v.mp4", "log")  # type: ignore[arg-type]

    assert answer("Where did I leave my keys?")._spoken_about([entry]) == [entry]
    # speech that lacks a word of the question is not about it: the picture may answer
    assert answer("Where did I leave my wallet?")._spoken_about([entry]) == []
    assert answer("Where are the keys and the wallet?")._spoken_about([entry]) == []
    keys = answer("Where did I leave my keys?")
    assert keys._answers_from("inside the red car", [entry])
    assert not keys._answers_from("outdoors", [entry]) and not keys._answers_from("your keys", [entry])


def test_a_copied_sentence_is_unrelated_only_to_a_question_about_something_else() -> None:
    from sokrat.memory.base import LogEntry
    from sokrat.video.qa import LogIndex, _Answer
    from sokrat.video.question import parse_question

    entry = LogEntry(0, 0.0, 5.0, seen="person", said="The boiler service is booked for the ninth of May.")

    def answer(question: str) -> _Answer:
        return _Answer(None, parse_question(question), LogIndex([entry]), [entry], "v.mp4", "log")  # type: ignore[arg-type]

    copied = "The boiler service is booked for the ninth of May"
    assert answer("What is my niece's phone number?")._restates_unrelated(copied, [entry])  # fires
    # must not: a question about the sentence's thing, or about no thing at all (only a time)
    assert not answer("When is the boiler service booked?")._restates_unrelated(copied, [entry])
    assert not answer("What is the first thing I say in the video?")._restates_unrelated(copied, [entry])


def test_what_was_said_first_or_last_is_the_first_or_last_speech() -> None:
    from sokrat.memory.base import LogEntry
    from sokrat.video.qa import LogIndex, VideoQA
    from sokrat.video.question import parse_question

    entries = [LogEntry(0, 0.0, 5.0, seen="dog [animal]"), LogEntry(1, 5.0, 10.0, seen="cat", said="Feed the cat."),
               LogEntry(2, 10.0, 15.0, seen="car", said="The car is red."), LogEntry(3, 15.0, 20.0, seen="tree")]
    log = LogIndex(entries)

    def scope(question: str) -> list[int]:
        found, _ = VideoQA._scope(None, parse_question(question), log)  # type: ignore[arg-type]
        return [e.index for e in found or []]

    assert scope("What did I say first?") == [1] and scope("What is the last thing I mention?") == [2]
    # must not: what was seen first / last is the opening / closing shot
    assert scope("What did I see first?") == [0] and scope("What was shown at the end?") == [3]


def test_a_count_about_what_no_label_or_speech_names_cannot_be_told() -> None:
    from sokrat.memory.base import LogEntry
    from sokrat.video.qa import LogIndex, _Answer
    from sokrat.video.question import parse_question

    def ask(question: str, said: str = "") -> str:
        entries = [LogEntry(0, 0.0, 5.0, seen="cat [animal]; count: 1 cat", said=said),
                   LogEntry(1, 5.0, 10.0, seen="car [vehicle]; count: 1 car")]
        log = LogIndex(entries)
        return _Answer(None, parse_question(question), log, entries, "v.mp4", "log").run().answer  # type: ignore[arg-type]

    assert ask("How many dogs do the Okafors have?").startswith("I cannot tell")  # fires: "okafors"
    # must not: every word is one a label could name ("none" is then what the log shows), or
    # the log's speech holds the unknown word
    assert ask("How many dogs did I see?").startswith("None")
    assert ask("How many dogs do the Okafors have?", said="We visited the Okafors.").startswith("None")
    assert ask("How many cats were there?").startswith("1 cat")


def test_a_person_named_by_the_thing_they_use_is_looked_for_as_that_thing() -> None:
    from sokrat.video.qa import instrument_word

    assert instrument_word("cyclists") == "bicycle" and instrument_word("bikers") == "bicycle"
    assert instrument_word("skateboarders") == "skateboard"
    # must not: a word the lexicon knows (a boxer is also a dog), or an agent noun of no detected thing
    for word in ("boxer", "teachers", "dancers", "sister", "bicycle", "computer"):
        assert instrument_word(word) is None, word


def test_relations_answer_only_what_they_hold(memory, settings, day_video: Path) -> None:
    chat = RecordingChat([{"answer": "unknown", "evidence": []}, {"answer": "unknown", "evidence": []}])
    qa = _qa(memory, settings, chat)
    nothing_on_it = qa.ask(day_video, "What was on the motorcycle?")  # no relation names it: the model reads
    assert nothing_on_it.status == "no_answer" and len(chat.calls) == 1
    said = qa.ask(day_video, "Where did I leave my car?")  # the car is only said: speech beats positions
    assert len(chat.calls) == 2 and said.status == "no_answer"


def test_said_words_do_not_anchor_time() -> None:
    from sokrat.memory.base import LogEntry
    from sokrat.video.qa import anchor_matches

    entries = [LogEntry(0, 0, 5, seen="cat [animal]", said="I will buy milk after work."),
               LogEntry(1, 5, 10, seen="rocket [vehicle]", said="Work is done."),
               LogEntry(2, 10, 15, seen="maybe: dog [animal]")]
    assert anchor_matches("work", entries) == []  # only said: no shot to count from
    assert [m.entry.index for m in anchor_matches("the rocket", entries)] == [1]  # seen: anchors
    assert [m.entry.index for m in anchor_matches("a dog", entries)] == [2]  # a maybe anchors when nothing is sure
    assert [m.entry.index for m in anchor_matches("an animal", entries)] == [0]  # sure matches win over maybes


def test_related_means_standing_out_from_the_log_s_other_shots() -> None:
    from sokrat.video.qa import stands_out

    cosines = {0: 0.12, 1: 0.08, 2: 0.15, 3: 0.10, 4: 0.62, 5: 0.11}
    assert stands_out(4, cosines)  # far above the rest
    assert not stands_out(2, cosines)  # within the rest's spread
    flat = {i: 0.4 + 0.01 * i for i in range(6)}  # everything alike: nothing stands out
    assert not any(stands_out(i, flat) for i in flat)
    assert not stands_out(0, {0: 0.9, 1: 0.1})  # too few shots to judge


def test_an_answer_by_meaning_alone_must_come_from_the_shot_s_related_part() -> None:
    from types import SimpleNamespace

    from sokrat.memory.base import LogEntry
    from sokrat.video.qa import LogIndex, _Answer
    from sokrat.video.question import parse_question

    seen, said = "dining table [furniture], cup [container]", "The meeting with Anna moved to Friday."
    unit = {"dinner": (1.0, 0.0), "meeting": (0.0, 1.0)}  # a stand-in embedder: one axis per topic

    class Topics:
        def embed(self, texts: list[str]) -> np.ndarray:
            return np.array([unit["meeting" if "meeting" in t.lower() else "dinner"] for t in texts])

        embed_query = embed

    entry = LogEntry(0, 0.0, 5.0, seen=seen, said=said)
    qa = SimpleNamespace(embedder=Topics())

    def answer(question: str) -> _Answer:
        return _Answer(qa, parse_question(question), LogIndex([entry]), [entry], "v.mp4", "log")  # type: ignore[arg-type]

    # the shot relates to "dinner" by its picture; its speech names someone about something else
    assert not answer("Who called me about dinner?")._from_related_part("Anna", [entry])
    # asked about the meeting, the speech is the related part: the same answer stands
    assert answer("Who is the meeting with?")._from_related_part("Anna", [entry])
    assert answer("What furniture was at dinner?")._from_related_part("a dining table", [entry])


def _yes_no(question: str, entries: list[Any]) -> Any:
    from types import SimpleNamespace

    from sokrat.video.qa import LogIndex, _Answer, match_entries
    from sokrat.video.question import parse_question

    q = parse_question(question)
    a = _Answer(SimpleNamespace(embedder=None), q, LogIndex(entries), entries, "v.mp4", "log")  # type: ignore[arg-type]
    return a.yes_no(match_entries(q.words, entries, modality=q.modality))


def test_a_no_about_a_thing_no_label_can_name_is_no_answer() -> None:
    """The log's labels cannot name an astronaut (nor grass): that the log holds none is no
    evidence the video shows none, so the answer says it cannot tell, never "No"."""
    from sokrat.memory.base import LogEntry

    entries = [LogEntry(0, 0, 5, seen="person [person], bicycle [vehicle]; place: outdoors, sky"),
               LogEntry(1, 5, 10, seen="cup [container]", said="The bus comes at nine.")]
    grass = _yes_no("Was there grass?", entries)
    assert grass.status == "no_answer" and "cannot tell" in grass.answer and not grass.answer.startswith("No")
    # an astronaut is a kind of person, and a person is there: perhaps, never a "no"
    astronaut = _yes_no("Did I see an astronaut?", entries)
    assert astronaut.status == "unverified" and "cannot tell" in astronaut.answer
    assert astronaut.answer.startswith("Perhaps")


def test_a_no_about_a_thing_a_label_names_stands() -> None:
    from sokrat.memory.base import LogEntry

    entries = [LogEntry(0, 0, 5, seen="person [person], bicycle [vehicle]; place: outdoors"),
               LogEntry(1, 5, 10, seen="cup [container]", said="The bus comes at nine.")]
    for question in ("Did I see a dog?", "Did I see an animal?", "Was there a guitar?", "Did I see the sky?",
                     "Did I hear about a dentist?"):
        r = _yes_no(question, entries)
        assert r.status == "succeeded" and r.answer.startswith("No"), (question, r.answer)
    assert _yes_no("Did I see a bicycle?", entries).answer.startswith("Yes")


def test_a_place_the_log_does_not_write_is_no_no() -> None:
    """The layout backend writes indoors or outdoors only where it is sure: "no" rests on the
    other place logged there; with neither, the answer cannot tell."""
    from sokrat.memory.base import LogEntry

    room = [LogEntry(0, 0, 5, seen="person [person], cup [container]")]
    garden = [LogEntry(1, 5, 10, seen="dog [animal]; place: outdoors, plants")]
    unsaid = _yes_no("Was I indoors at the start?", room)
    assert unsaid.status == "no_answer" and unsaid.answer.startswith("I cannot tell") and "0:00-0:05" in unsaid.answer
    other = _yes_no("Were we inside at the end?", garden)
    assert other.status == "succeeded" and other.answer == "No: the log shows outdoors at 0:05-0:10."
    # must not: the place asked is logged (yes), or the question asks about a thing too
    assert _yes_no("Was I outside at the end?", garden).answer == "Yes: the log shows outdoors at 0:05-0:10."
    assert _yes_no("Was there a cat indoors?", room).answer.startswith("No")


def _answer(question: str, entries: list[Any]) -> Any:
    from types import SimpleNamespace

    from sokrat.video.qa import LogIndex, _Answer
    from sokrat.video.question import parse_question

    return _Answer(SimpleNamespace(embedder=None), parse_question(question), LogIndex(entries), entries, "v.mp4",
                   "log")  # type: ignore[arg-type]


WRITTEN = [
    ("person [person]; place: outdoors", "", "The ferry leaves at noon."),
    ("book [product]", "Chapter one: the lighthouse keeper", ""),
    ("cup [container]", "", ""),
    ("car [vehicle]", "NO PARKING", ""),
]


def _written_log() -> list[Any]:
    from sokrat.memory.base import LogEntry

    return [LogEntry(i, 5 * i, 5 * i + 5, seen=seen, ocr=ocr, said=said) for i, (seen, ocr, said) in enumerate(WRITTEN)]


@pytest.mark.parametrize(("question", "expected"), [
    ("What was written in the book?", "lighthouse keeper"),  # the shot that shares the question's word first
    ("What did the sign near the car say?", "NO PARKING"),
    ("What text did I read at the end?", "NO PARKING"),  # the time scope holds only that shot
])
def test_a_question_about_written_text_is_answered_from_the_text_read_in_the_frames(question: str, expected: str) -> None:
    from sokrat.video.qa import asks_written

    assert asks_written(question)
    entries = _written_log()
    answer = _answer(question, entries)
    scope = answer.scope
    if answer.q.time is not None:  # "at the end": the last shot, as the time reading would scope it
        answer.scope = scope = entries[-1:]
    r = answer.read_text()
    assert r is not None and r.status == "succeeded" and expected in r.answer.split(";")[0], r.answer
    assert all(ev.t_start in {e.t_start for e in scope} for ev in r.evidence)


@pytest.mark.parametrize("question", [
    "What did I say about the ferry?", "What did the man say?", "What did the man by the car say?",
    "What was on the table?", "What did you see?",
])
def test_a_question_about_speech_or_things_is_not_read_as_written_text(question: str) -> None:
    from sokrat.video.qa import asks_written

    assert not asks_written(question)


def test_written_text_is_no_answer_from_ocr_where_no_shot_in_scope_has_text() -> None:
    entries = _written_log()
    answer = _answer("What was written on the page?", entries)
    answer.scope = entries[2:3]
    assert answer.read_text() is None  # the model answers from the log instead


def test_a_shot_named_only_by_guesses_is_described_with_its_scene_words() -> None:
    """Guesses ("maybe: heron") are the weak part of such a shot: its place words are said too."""
    from sokrat.memory.base import LogEntry

    entries = [LogEntry(0, 0, 5, seen="maybe: bird (heron) [animal]; colour: green; place: outdoors, plants")]
    r = _answer("What did I see?", entries).describe()
    assert r.status == "succeeded" and "perhaps a bird" in r.answer.lower() and "(outdoors, plants)" in r.answer, r.answer


def test_a_shot_with_a_named_thing_is_described_by_it_alone() -> None:
    from sokrat.memory.base import LogEntry

    entries = [LogEntry(0, 0, 5, seen="bicycle [vehicle]; count: 1 bicycle; place: outdoors, sky")]
    r = _answer("What did I see?", entries).describe()
    assert r.answer.startswith("A bicycle at") and "outdoors" not in r.answer, r.answer


@pytest.mark.parametrize(("question", "expected"), [
    ("What were the plants in?", "In a vase, at 0:05-0:10."),  # a container seen with them (place word "plants")
    ("What was my cup on?", "On a dining table, at 0:10-0:15."),  # the logged relation
])
def test_what_holds_a_thing_is_read_from_the_shots_that_show_it(question: str, expected: str) -> None:
    from sokrat.memory.base import LogEntry

    entries = [LogEntry(0, 0, 5, seen="bucket [container]; place: indoors"),
               LogEntry(1, 5, 10, seen="vase [container], umbrella; place: outdoors, plants"),
               LogEntry(2, 10, 15, seen="cup [container], dining table [furniture]; relation: cup on dining table")]
    r = _answer(question, entries).holder()
    assert r is not None and r.answer == expected and r.status == "succeeded", r


@pytest.mark.parametrize("question", [
    "What was in the bucket?",  # what a thing holds, not what holds it
    "What was the film about?",
    "What was the dog in?",  # no shot shows a dog
    "What was the umbrella on?",  # shown, but with nothing to stand on
])
def test_what_holds_a_thing_answers_nothing_it_cannot_read(question: str) -> None:
    from sokrat.memory.base import LogEntry

    entries = [LogEntry(0, 0, 5, seen="bucket [container]; place: indoors"),
               LogEntry(1, 5, 10, seen="vase [container], umbrella; place: outdoors, plants")]
    assert _answer(question, entries).holder() is None


def test_what_came_before_a_thing_the_log_lacks_is_no_answer_naming_it(memory, settings, day_video: Path) -> None:
    qa = _qa(memory, settings)
    log_id = qa.index(day_video).meta.log_id
    r = qa.ask_log(log_id, str(day_video), "What did I see right after the giraffe?")
    assert r.status == "no_answer" and r.answer.startswith("I cannot find a giraffe") and "right after it" in r.answer
    found = qa.ask_log(log_id, str(day_video), "What did I see right after the cup?")  # in the log: answered
    assert found.status == "succeeded" and "cat" in found.answer.lower(), found.answer
    other = qa.ask_log(log_id, str(day_video), "Did I see a cat after the giraffe?")  # names a thing: the time
    assert other.status == "succeeded" and other.answer.startswith("Yes")  # is dropped, the cat still answered


def _stop_log() -> list[Any]:
    from sokrat.memory.base import LogEntry

    # the bus is named in a shot where a bus is seen too: that shot's best match is the bus seen
    return [LogEntry(0, 0, 5, seen="bus [vehicle]; count: 1 bus; place: outdoors"),
            LogEntry(1, 5, 10, seen="bus [vehicle]", said="The bus to the airport leaves at ten past nine.")]


def test_a_when_question_about_what_was_said_is_answered_from_the_speech() -> None:
    """"When does the bus to the airport leave?" asks no seeing: a sentence said about that bus
    holds the time, not the shot where a bus is seen."""
    from types import SimpleNamespace

    from sokrat.types import Usage
    from sokrat.video.qa import LogIndex, _Answer
    from sokrat.video.question import parse_question

    entries = _stop_log()
    model = SimpleNamespace(embedder=None, search_log=lambda *a, **k: [], generate=lambda messages, schema: (
        {"answer": "At ten past nine", "evidence": [1]}, Usage()))
    r = _Answer(model, parse_question("When does the bus to the airport leave?"), LogIndex(entries), entries,  # type: ignore[arg-type]
                "v.mp4", "log").run()
    assert "ten past nine" in r.answer and [e.t_start for e in r.evidence] == [5], r


@pytest.mark.parametrize("question", [
    "When did I see the bus?",  # a seeing asked: the shots with the bus
    "When was there a bus?",  # the speech shares one word only
])
def test_a_when_question_about_what_was_seen_stays_with_the_shots(question: str) -> None:
    r = _answer(question, _stop_log()).run()
    assert r.answer.lower().startswith(("bus", "a bus")) and "at 0:00-0:10" in r.answer, r  # the shots seen


def test_an_anchor_is_found_by_the_category_the_log_writes() -> None:
    """"What did I see after the boat?": the log's "schooner [boat, vehicle]" is the boat."""
    from sokrat.memory.base import LogEntry
    from sokrat.video.qa import anchor_matches

    entries = [LogEntry(0, 0, 6, seen="sandbar; place: outdoors, sky"),
               LogEntry(1, 6, 12, seen="schooner [boat, vehicle]"),
               LogEntry(2, 18, 24, seen="elephant (Indian elephant) [animal]")]
    assert [m.entry.index for m in anchor_matches("boat", entries)] == [1]
    assert anchor_matches("bus", entries) == []


def test_an_unsupported_model_answer_quotes_the_sentence_said_in_a_shot_whose_label_matches_too() -> None:
    """The model answers "5:09" (the shot's time and the hour run together): what the log says is
    quoted instead, though the shot's best match for the question is the bus seen in it."""
    from types import SimpleNamespace

    from sokrat.types import Usage
    from sokrat.video.qa import LogIndex, _Answer
    from sokrat.video.question import parse_question

    entries = _stop_log()
    model = SimpleNamespace(embedder=None, search_log=lambda *a, **k: [], generate=lambda messages, schema: (
        {"answer": "5:09", "evidence": [1]}, Usage()))
    r = _Answer(model, parse_question("When does the bus to the airport leave?"), LogIndex(entries), entries,  # type: ignore[arg-type]
                "v.mp4", "log").run()
    assert "leaves at ten past nine" in r.answer and r.status == "succeeded", r


def _looks_log() -> list[Any]:
    from sokrat.memory.base import LogEntry
    return [LogEntry(0, 0, 5, seen="dog [animal]; colour: grey, black"),
            LogEntry(1, 5, 10, seen="car [vehicle]; count: 1 car; looks: green car; colour: black, grey"),
            LogEntry(2, 10, 15, seen="bowl [container], orange [fruit]; relation: orange in bowl")]


@pytest.mark.parametrize(("question", "expected"), [
    ("Which colour is my car?", "Green (the car), at 0:05-0:10."),  # the car's boxes, not the road's black
    ("What color was the vehicle?", "Green (the car), at 0:05-0:10."),  # a kind asked by its category
])
def test_a_colour_question_is_answered_from_the_thing_s_own_boxes(question: str, expected: str) -> None:
    r = _answer(question, _looks_log()).colour_of()
    assert r is not None and r.answer == expected and r.status == "succeeded", r


@pytest.mark.parametrize("question", [
    "What colour was the dog?",  # shown, but no box gave it a colour: the model reads the shot's colours
    "What colour was the bicycle?",  # not shown at all
    "What was the car?",  # no colour asked
])
def test_a_colour_question_without_a_logged_colour_is_left_to_the_other_answers(question: str) -> None:
    assert _answer(question, _looks_log()).colour_of() is None


def test_what_a_container_held_is_read_from_the_in_relation() -> None:
    r = _answer("What was in my bowl?", _looks_log()).where()
    assert r is not None and r.answer == "An orange in a bowl, at 0:10-0:15.", r
    assert _answer("What was in the car?", _looks_log()).where() is None  # nothing logged in it
    # a question that is no "what is in it?" is not answered by what is in it
    assert _answer("How long does the orange stay in the bowl?", _looks_log()).where() is None


def _people_log() -> list[Any]:
    from sokrat.memory.base import LogEntry
    return [LogEntry(0, 0, 5, seen="person; count: 1 person; where: person centre near; place: outdoors"),
            LogEntry(1, 5, 10, seen="dog [animal]; count: 1 dog"),
            LogEntry(2, 10, 15, seen="fish [animal]")]


def _yes_no_or_count(question: str) -> Any:
    from sokrat.video.qa import match_entries
    from sokrat.video.question import parse_question

    a = _answer(question, _people_log())
    matches = match_entries(parse_question(question).words, _people_log())
    return a.count(matches) if a.q.kind == "count" else a.yes_no(matches)


@pytest.mark.parametrize("question", [
    "Did I see a woman?",  # the detector's "person" may be her: it cannot tell
    "Was there a boy in the video?",
    "How many times did I see a child?",  # not "None" beside a person
    "Was there a poodle?",  # the detector's "dog" has no breeds
])
def test_a_finer_kind_of_a_detector_word_is_perhaps_never_yes_or_no(question: str) -> None:
    r = _yes_no_or_count(question)
    assert r.status == "unverified" and r.answer.startswith("Perhaps: the log shows") and r.evidence, r
    assert "cannot tell" in r.answer and r.reason


@pytest.mark.parametrize(("question", "expected"), [
    ("Did I see a person?", "Yes: a person at 0:00-0:05."),
    ("Did I see anyone?", "Yes: a person at 0:00-0:05."),  # a word WordNet lacks, read as someone
    ("Did I see a cat?", "No, I did not see a cat."),  # no label the cat could be
    ("Did I see a goldfish?", "No, I did not see a goldfish."),  # "fish" is the tagger's: it names kinds itself
])
def test_a_label_that_is_the_thing_or_cannot_be_it_answers_outright(question: str, expected: str) -> None:
    r = _yes_no_or_count(question)
    assert r.answer == expected and r.status == "succeeded", r


def _crowd_log() -> list[Any]:
    from sokrat.memory.base import LogEntry
    return [LogEntry(0, 0, 5, seen="person, bowl [container]; count: 2 people, 1 bowl"),
            LogEntry(1, 5, 10, seen="dog [animal]; count: 3 dogs"),
            LogEntry(2, 10, 15, seen="dog [animal]; count: 1 dog", said="The dog needs a walk every evening.")]


def test_how_many_of_a_finer_kind_gives_the_detector_s_count_and_says_it_cannot_tell() -> None:
    r = _answer("How many men were sitting around the table?", _crowd_log()).how_many()
    assert r is not None and r.status == "unverified" and r.reason, r
    assert r.answer == "2 people at 0:00-0:05; the log cannot tell whether they are men.", r
    assert "a men" not in _yes_no_or_count("Did I see any men?").answer


@pytest.mark.parametrize(("question", "expected"), [
    ("How many people were there?", "2 people at 0:00-0:05."),  # the detector's own word: a plain count
    ("How many dogs did I see?", "3 dogs at 0:05-0:10."),
    ("How many animals were there?", "3 dogs at 0:05-0:10."),  # a coarser word than the log's
])
def test_how_many_of_a_logged_word_or_its_category_is_a_plain_count(question: str, expected: str) -> None:
    r = _answer(question, _crowd_log()).how_many()
    assert r is not None and r.answer == expected and r.status == "succeeded", r


def test_how_often_about_something_said_is_answered_from_the_speech() -> None:
    from types import SimpleNamespace

    from sokrat.types import Usage
    from sokrat.video.qa import LogIndex, _Answer
    from sokrat.video.question import parse_question

    entries = _crowd_log()
    model = SimpleNamespace(embedder=None, search_log=lambda *a, **k: [], generate=lambda messages, schema: (
        {"answer": "every evening", "evidence": [2]}, Usage()))

    def ask(q: str) -> Any:
        return _Answer(model, parse_question(q), LogIndex(entries), entries, "v.mp4", "log").run()  # type: ignore[arg-type]

    assert ask("How often does the dog need a walk?").answer == "Every evening, at 0:10-0:15."
    assert ask("How many times did I see a dog?").answer == "Once: a dog at 0:05-0:15."  # seeing is counted


def test_a_sentence_sharing_too_few_of_the_question_s_words_is_not_quoted_as_the_answer() -> None:
    from types import SimpleNamespace

    from sokrat.video.qa import LogIndex, _Answer
    from sokrat.video.question import parse_question

    entries = _crowd_log()

    def quote(q: str) -> Any:
        return _Answer(SimpleNamespace(embedder=None), parse_question(q), LogIndex(entries), entries,  # type: ignore[arg-type]
                       "v.mp4", "log")._quote(entries)

    assert quote("What breed is my dog?") is None  # "dog" alone: the sentence is about its walks
    assert quote("When does the dog need a walk?") is not None


def _copying_model(answer: str) -> Any:
    from types import SimpleNamespace

    from sokrat.types import Usage
    return SimpleNamespace(embedder=None, search_log=lambda *a, **k: [], generate=lambda messages, schema: (
        {"answer": answer, "evidence": [2]}, Usage()))


@pytest.mark.parametrize(("question", "answer", "status"), [
    # the sentence holds only "dog" of "breed" and "dog": copied out, it answers nothing
    ("What breed is my dog?", "The dog needs a walk every evening.", "no_answer"),
    # the sentence holds the question's words: copied out, it is the answer
    ("When does the dog need a walk?", "The dog needs a walk every evening.", "succeeded"),
    # a short answer taken from the sentence is no copy
    ("How often does the dog need a walk?", "every evening", "succeeded"),
    # "what is happening" asks for the event: the sentence about the evening is about it
    ("What did I say is happening in the evening?", "The dog needs a walk every evening.", "succeeded"),
])
def test_a_copied_sentence_answers_only_a_question_it_is_about(question: str, answer: str, status: str) -> None:
    from sokrat.video.qa import LogIndex, _Answer
    from sokrat.video.question import parse_question

    entries = _crowd_log()
    r = _Answer(_copying_model(answer), parse_question(question), LogIndex(entries), entries,  # type: ignore[arg-type]
                "v.mp4", "log").from_model()
    assert r.status == status, r


def test_video_answers_reach_the_planner_with_times_and_clipped_lines() -> None:
    import json

    from sokrat.tools.video import EVIDENCE_CHARS, render_answer, render_moments

    out = {"answer": "Perhaps: a person at 0:00-0:05.", "status": "unverified", "reason": "only a person",
           "evidence": [{"source": "v.mp4", "t_start": 0.0, "t_end": 5.0, "text": "seen: person; " + "x" * 300}]}
    shown = json.loads(render_answer(out))
    assert shown["status"] == "unverified" and shown["reason"] == "only a person"
    assert shown["evidence"][0]["t_end"] == 5.0 and len(shown["evidence"][0]["text"]) == EVIDENCE_CHARS
    plain = json.loads(render_answer({"answer": "Yes.", "status": "succeeded", "evidence": []}))
    assert plain == {"answer": "Yes.", "status": "succeeded", "evidence": []}  # no reason when none is given
    moments = json.loads(render_moments([{"t_start": 62.0, "t_end": 65.0, "text": "seen: cat", "score": 0.8}]))
    assert moments == [{"t_start": 62.0, "t_end": 65.0, "text": "seen: cat"}]


def _citing_model(answer: str, evidence: list[int]) -> Any:
    from types import SimpleNamespace

    from sokrat.types import Usage
    return SimpleNamespace(embedder=None, search_log=lambda *a, **k: [], generate=lambda messages, schema: (
        {"answer": answer, "evidence": evidence}, Usage()))


def test_an_answer_cited_to_the_wrong_shot_takes_the_shown_shot_that_holds_it() -> None:
    from sokrat.memory.base import LogEntry
    from sokrat.video.qa import LogIndex, _Answer
    from sokrat.video.question import parse_question

    entries = [LogEntry(0, 0, 5, seen="person, bowl [container]"),
               LogEntry(1, 5, 10, seen="dog [animal]; count: 1 dog"),
               LogEntry(2, 10, 15, seen="dog [animal]", said="Our dog Pepper sleeps by the stove.")]

    def ask(answer: str) -> Any:
        return _Answer(_citing_model(answer, [1]), parse_question("What is our dog's name?"), LogIndex(entries),
                       entries, "v.mp4", "log").from_model()  # type: ignore[arg-type]

    named = ask("Pepper")
    assert named.status == "succeeded" and named.answer == "Pepper, at 0:10-0:15." and named.evidence[0].t_start == 10
    # must not: an answer no shown shot holds is still no answer
    assert ask("Rex").status == "no_answer"
