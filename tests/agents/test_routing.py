"""The verifier and routing through the real graph (scripted model): computed answers must rest
on code that ran, tool answers are not contradicted, times are not invented, a fact is stored once."""

from __future__ import annotations

import json
from typing import Any

from sokrat.agents.options import AgentOptions
from sokrat.tools.registry import tool
from tests.agents.conftest import Call, PolicyModel, act, final, plan

CODE_RUNS: list[str] = []


@tool(computes=True)
def run_code(code: str) -> dict:
    """Run Python code and return what it printed.

    Args:
        code: the source.
    """
    CODE_RUNS.append(code)
    return {"stdout": str(eval(code.removeprefix("print(").removesuffix(")"))) + "\n"}  # noqa: S307 - test tool


@tool(looks_up=True, answers=True)
def clip_qa(question: str, video: str = "") -> dict:
    """Answer a question about a video.

    Args:
        question: the question.
        video: the file.
    """
    return {"answer": "Yes: a bicycle is seen at 4.0-8.0 s.", "status": "succeeded",
            "evidence": [{"source": "clip.mp4", "t_start": 4.0, "t_end": 8.0, "text": "bicycle"}]}


@tool(grounded=("t",))
def moment(t: float, video: str = "") -> dict:
    """Say what is seen at a time of a video.

    Args:
        t: seconds.
        video: the file.
    """
    return {"t_start": t, "seen": "bicycle"}


STORED: list[str] = []


@tool(stores=("remember", "note"))
def keep(text: str) -> str:
    """Store a fact.

    Args:
        text: the fact.
    """
    STORED.append(text)
    return f"Stored: {text!r}"


def _codes(model: PolicyModel) -> list[str]:
    return [c.content for call in model.calls for c in call[-1:]]


def test_a_computed_answer_is_sent_back_to_run_code(make_agent: Any) -> None:
    def policy(c: Call) -> Any:
        if c.purpose == "plan":
            return plan("answer directly")
        if "needs a computation" in c.prompt and "final_answer" not in c.offered():
            return act("run_code", code="print(48 * 19)")
        if "912" in c.prompt:
            return final("48 times 19 is 912.")
        return final("48 times 19 is 902.")  # from the head, and wrong

    CODE_RUNS.clear()
    r = make_agent(PolicyModel(policy), tools=[run_code]).run("What is 48 times 19?")
    assert r.status == "succeeded" and "912" in r.answer and CODE_RUNS == ["print(48 * 19)"]


def test_a_computed_answer_that_never_runs_code_is_unverified(make_agent: Any) -> None:
    """String edits and conversions from the model's head are never reported as success."""
    def policy(c: Call) -> Any:
        if c.purpose == "plan":
            return plan("answer directly")
        if "final_answer" not in c.offered():
            return act("clip_qa", question="x")  # anything but code
        return final("The word reversed is 'nretnal'.")

    r = make_agent(PolicyModel(policy), tools=[run_code, clip_qa]).run("Reverse the word 'lantern'.")
    assert r.status == "unverified" and r.reason.startswith("computed_without_code")
    assert r.answer == "The word reversed is 'nretnal'."  # shown, with the reason


def test_a_no_that_contradicts_the_answering_tool_is_sent_back(make_agent: Any) -> None:
    def policy(c: Call) -> Any:
        if c.purpose == "plan":
            return plan("ask clip_qa")
        if "bicycle is seen" not in c.prompt:
            return act("clip_qa", question="Is there a bicycle?")
        if "contradicts it" in c.prompt:
            return final("Yes, a bicycle is seen at 4.0 s.")
        return final("No, there is no bicycle.")

    r = make_agent(PolicyModel(policy), tools=[clip_qa]).run("Is there a bicycle in the clip?", media=[__file__])
    assert r.status == "succeeded" and r.answer.startswith("Yes"), r.reason
    stubborn = PolicyModel(lambda c: plan("ask clip_qa") if c.purpose == "plan" else (
        act("clip_qa", question="Is there a bicycle?") if "bicycle is seen" not in c.prompt
        else final("No, there is no bicycle.")))
    r = make_agent(stubborn, tools=[clip_qa]).run("Is there a bicycle in the clip?", media=[__file__])
    assert r.status == "unverified" and r.reason.startswith("contradicts_tool")


def test_a_media_question_goes_to_the_answering_tool_and_times_are_not_invented(make_agent: Any) -> None:
    def policy(c: Call) -> Any:
        if c.purpose == "plan":
            return plan("look at the clip")
        if "clip_qa first" in c.prompt and "bicycle is seen" not in c.prompt:
            return act("clip_qa", question="When is the bicycle seen?")
        if "bicycle is seen" in c.prompt:
            return final("The bicycle is seen at 4.0 s.")
        if "moment" not in c.prompt.split("Goal:")[-1]:
            return act("moment", t=97.0)  # a time the run never saw
        return final("At 97 s.")

    r = make_agent(PolicyModel(policy), tools=[clip_qa, moment]).run("When is the bicycle seen?", media=[__file__])
    assert r.status == "succeeded" and "4.0" in r.answer
    refused = [s for s in r.steps if s.tool == "moment"]
    assert refused and refused[0].check_code == "ungrounded_arguments" and not refused[0].ok
    assert [s.tool for s in r.steps if s.ok] == ["clip_qa"]


def test_a_store_goal_stores_once_then_confirms(make_agent: Any) -> None:
    def policy(c: Call) -> Any:
        if c.purpose == "plan":
            return plan("note it with keep", "note it again with keep")
        if "already stored" in c.prompt:
            return final("Noted: the spare key is under the blue pot.")
        return act("keep", text="The spare key is under the blue pot." if "Stored" not in c.prompt
                   else "Spare key: under the blue pot.")

    STORED.clear()
    r = make_agent(PolicyModel(policy), tools=[keep], options=AgentOptions(plan="always")).run(
        "Please note that the spare key is under the blue pot.")
    assert r.status == "succeeded" and STORED == ["The spare key is under the blue pot."]
    assert [s.check_code for s in r.steps] == ["no_objection", "repeat_ok"]
    # not refused: a second, different fact
    STORED.clear()
    two = iter([act("keep", text="The spare key is under the blue pot."), act("keep", text="The gate code is 5521."),
                final("Noted both.")])
    r = make_agent(PolicyModel(lambda c: plan("store both") if c.purpose == "plan" else next(two)), tools=[keep]).run(
        "Note that the spare key is under the blue pot, and note that the gate code is 5521.")
    assert len(STORED) == 2 and r.status == "succeeded"


def test_a_wrong_type_answer_is_sent_back_once(make_agent: Any) -> None:
    @tool(looks_up=True)
    def notes(query: str) -> str:
        """Search the notes.

        Args:
            query: words.
        """
        return json.dumps([{"text": "The lease was signed on May 3. The landlord Tomasz Wolny signed it."}])

    def policy(c: Call) -> Any:
        if c.purpose == "plan":
            return plan("search notes")
        if "Tomasz" not in c.prompt:
            return act("notes", query="lease signed")
        if "asks who" in c.prompt:
            return final("The lease was signed by Tomasz Wolny.")
        return final("The lease was signed on May 3.")

    r = make_agent(PolicyModel(policy), tools=[notes]).run("Who signed the lease?")
    assert r.status == "succeeded" and "Tomasz" in r.answer, r.reason


def test_the_first_action_of_a_media_run_may_only_ask_the_answering_tool(make_agent: Any) -> None:
    offers: list[set[str]] = []

    def policy(c: Call) -> Any:
        if c.purpose == "plan":
            return plan("look")
        offers.append(c.offered())
        return act("clip_qa", question="Is there a bicycle?") if len(offers) == 1 else final("Yes, at 4.0 s.")

    r = make_agent(PolicyModel(policy), tools=[clip_qa, moment, run_code]).run("Is there a bicycle?", media=[__file__])
    assert r.status == "succeeded" and offers[0] == {"clip_qa"} and "final_answer" in offers[1]
    # not without media: every tool is offered from the start
    offers.clear()
    make_agent(PolicyModel(policy), tools=[clip_qa, moment, run_code]).run("Is there a bicycle?")
    assert "run_code" in offers[0]
