"""The verifier and routing through the real graph (scripted model): computed answers must rest
on code that ran, tool answers are not contradicted, times are not invented, a fact is stored once."""

from __future__ import annotations

import json
from typing import Any

import pytest

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


def test_a_question_goal_does_not_store(make_agent: Any) -> None:
    @tool(looks_up=True)
    def notes(query: str) -> str:
        """Look up the user's notes.

        Args:
            query: what to find.
        """
        return "The gate code is 5521."

    def policy(c: Call) -> Any:
        if c.purpose == "plan":
            return plan("answer")
        if "code is 5521." in c.prompt:
            return final("Your gate code is 5521.")
        if "stores nothing" in c.prompt:
            return act("notes", query="gate code")
        return act("keep", text="My gate code.")  # a small model "remembers" what it was asked about

    STORED.clear()
    r = make_agent(PolicyModel(policy), tools=[keep, notes]).run("What is my gate code?")
    assert STORED == [] and [s.check_code for s in r.steps] == ["store_unasked", "no_objection"]
    assert r.status == "succeeded" and "5521" in r.answer
    # not refused: the same call for a polite store request phrased as a question
    r = make_agent(PolicyModel(lambda c: plan("note") if c.purpose == "plan" else (
        final("Noted.") if "Stored" in c.prompt else act("keep", text="My gate code is 5521."))), tools=[keep]).run(
        "Could you note that my gate code is 5521?")
    assert STORED == ["My gate code is 5521."] and r.steps[0].check_code == "no_objection"


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


def test_a_one_line_code_output_answers_a_one_request_goal(make_agent: Any) -> None:
    def policy(c: Call) -> Any:
        if c.purpose == "plan":
            return plan("run code")
        if "final_answer" not in c.offered() or "912" not in c.prompt:
            return act("run_code", code="print(48 * 19)")
        return final("48 times 19 is 912.")

    model = PolicyModel(policy)
    r = make_agent(model, tools=[run_code]).run("What is 48 times 19?")
    assert r.status == "succeeded" and r.answer == "912"
    # not when turned off: the model states the answer, in one more call
    off = PolicyModel(policy)
    r = make_agent(off, tools=[run_code], options=AgentOptions(plan="always", answer_from_code=False)).run(
        "What is 48 times 19?")
    assert r.answer == "48 times 19 is 912." and len(off.calls) == len(model.calls) + 1


def test_code_output_does_not_answer_a_question_about_the_world(make_agent: Any) -> None:
    """No values to compute on in the goal: whatever the code printed is not the answer."""
    def policy(c: Call) -> Any:
        if c.purpose == "plan":
            return plan("run code")
        if "final_answer" in c.offered() and "05:07" in c.prompt:
            return final("A marathon is 42.195 km long.")
        return act("run_clock", code="print(time)")

    @tool(computes=True)
    def run_clock(code: str) -> dict:
        """Run Python code and return what it printed.

        Args:
            code: the source.
        """
        return {"stdout": "05:07:14\n"}

    r = make_agent(PolicyModel(policy), tools=[run_clock]).run("How long is a marathon?")
    assert r.answer == "A marathon is 42.195 km long."


def test_code_output_does_not_answer_a_goal_with_more_to_do(make_agent: Any) -> None:
    """Several printed lines, or a goal that also stores: the model answers."""
    def policy(c: Call) -> Any:
        if c.purpose == "plan":
            return plan("run code")
        if "Stored" in c.prompt or ("final_answer" in c.offered() and "912" in c.prompt and "keep" not in c.offered()):
            return final("48 times 19 is 912.")
        if "912" in c.prompt:
            return act("keep", text="order number 912")
        return act("run_code", code="print(48 * 19)")

    STORED.clear()
    r = make_agent(PolicyModel(policy), tools=[run_code, keep]).run(
        "Compute 48 times 19 and remember the result as my order number.")
    assert r.answer == "48 times 19 is 912." and STORED == ["order number 912"]

    @tool(computes=True)
    def run_two(code: str) -> dict:
        """Run Python code and return what it printed.

        Args:
            code: the source.
        """
        return {"stdout": "48 * 19\n912\n"}

    def policy_two(c: Call) -> Any:
        if c.purpose == "plan":
            return plan("run code")
        if "912" in c.prompt and "final_answer" in c.offered():
            return final("48 times 19 is 912.")
        return act("run_two", code="print(48 * 19)")

    r = make_agent(PolicyModel(policy_two), tools=[run_two]).run("What is 48 times 19?")
    assert r.answer == "48 times 19 is 912."


@tool(looks_up=True)
def budget_notes(query: str) -> str:
    """Search the notes.

    Args:
        query: words.
    """
    return json.dumps([{"text": "Budget: 48000 euros."}])


def test_a_send_back_for_code_offers_only_code(make_agent: Any) -> None:
    """computed_without_code names the kind of tool its result comes from: the next action may
    only call code (the 1.5B otherwise repeats its lookup and answers the same again)."""
    offers: list[set[str]] = []

    def policy(c: Call) -> Any:
        if c.purpose == "plan":
            return plan("look it up", "compute")
        if c.purpose != "act":
            return {"label": "ok", "reason": "fine"}
        offers.append(c.offered())
        if "needs a computation" in c.prompt:
            # a lookup while one is offered (what the 1.5B did), else code
            return act("budget_notes", query="budget") if "budget_notes" in c.offered() else act(
                "run_code", code="print(48000 * 15 // 100)")
        if "7200" in c.prompt:
            return final("15 percent of the budget is 7200 euros.")
        return final("15 percent of 48000 euros is 7200 euros.")  # from the head

    r = make_agent(PolicyModel(policy), tools=[run_code, budget_notes]).run("What is 15 percent of 48000 euros?")
    assert r.status == "succeeded" and "7200" in r.answer
    sent_back = next(i for i, o in enumerate(offers) if "final_answer" not in o)
    assert offers[sent_back] == {"run_code"}


def test_after_the_answering_tool_answered_the_goal_only_the_answer_is_left(make_agent: Any) -> None:
    offers: list[set[str]] = []

    def policy(c: Call) -> Any:
        if c.purpose == "plan":
            return plan("ask clip_qa", "check with code")
        offers.append(c.offered())
        if "bicycle is seen" not in c.prompt:
            return act("clip_qa", question="Is there a bicycle?")
        if "final_answer" in c.offered() and len(c.offered()) == 1:
            return final("Yes, a bicycle at 4.0-8.0 s.")
        return act("run_code", code="print(1)")  # what the 1.5B did next, given the choice

    r = make_agent(PolicyModel(policy), tools=[clip_qa, run_code]).run("Is there a bicycle in the clip?",
                                                                          media=[__file__])
    assert r.status == "succeeded" and r.answer.startswith("Yes") and offers[1] == {"final_answer"}
    # not when the goal asks more than the tool was asked (a computation on its answer)
    offers.clear()
    make_agent(PolicyModel(policy), tools=[clip_qa, run_code]).run(
        "Is there a bicycle in the clip, and how many seconds after the start is it seen?", media=[__file__])
    assert "run_code" in offers[1]


@tool(looks_up=True)
def lease(query: str) -> str:
    """Read the lease.

    Args:
        query: what to find.
    """
    return "Rent: 950 euros a month. Deposit: 1900 euros." if "rent" in query else "Nothing about that."


def test_a_value_an_earlier_output_gives_passes_into_code_that_never_set_it(make_agent: Any) -> None:
    """python_exec's own check binds a name the code used but never set to the value an
    earlier output shows (``rent = 950``) and the graph runs the call once more with it."""
    from sokrat.tools.code import python_exec

    def policy(query: str) -> Any:
        def reply(c: Call) -> Any:
            if c.purpose == "plan":
                return plan("find the rent", "compute the yearly rent")
            if "11400" in c.prompt:
                return final("11400 euros a year.")
            if "Rent:" in c.prompt or "Nothing about" in c.prompt:
                return act("python_exec", code="print(rent * 12)")  # as if the lookup's value were a variable
            return act("lease", query=query)
        return reply

    r = make_agent(PolicyModel(policy("rent")), tools=[lease, python_exec]).run("Find my rent and compute it for a year.")
    ran = [s for s in r.steps if s.tool == "python_exec"][0]
    assert ran.arguments["code"].startswith("rent = 950") and ran.ok and "11400" in ran.observation
    assert r.status == "succeeded" and "11400" in r.answer
    # two names, bound one run at a time
    two = iter([plan("find the rent", "compute"), act("lease", query="rent and deposit"),
                act("python_exec", code="print(rent * 12 + deposit)"), final("13300 euros.")])
    r = make_agent(PolicyModel(lambda c: next(two)), tools=[lease, python_exec]).run("Find my rent and deposit.")
    ran = [s for s in r.steps if s.tool == "python_exec"][0]
    assert ran.ok and "13300" in ran.observation and "deposit = 1900" in ran.arguments["code"]
    # not bound: no earlier output shows a rent; the call fails with the hint, as the model wrote it
    r = make_agent(PolicyModel(policy("deposit")), tools=[lease, python_exec], max_steps=3).run(
        "Find my rent and compute it for a year.")
    ran = [s for s in r.steps if s.tool == "python_exec"][0]
    assert ran.arguments["code"] == "print(rent * 12)" and ran.check_code == "undefined_value" and not ran.ok


def test_code_whose_output_its_own_check_fails_runs_again_with_the_values_it_meant(make_agent: Any) -> None:
    """An ok output python_exec's check fails (an iterator printed, ``input()`` with no one
    typing) runs again with the check's arguments, as a failed call does; other output stands."""
    from sokrat.tools.code import python_exec

    goal = "Reverse the word 'kettle' in capitals."
    steps = iter([plan("reverse it"), act("python_exec", code="print(reversed(input().upper()))"),
                  final("ELTTEK")])
    r = make_agent(PolicyModel(lambda c: next(steps)), tools=[python_exec]).run(goal)
    ran = [s for s in r.steps if s.tool == "python_exec"][0]
    assert ran.ok and "ELTTEK" in ran.observation and "_shown" in ran.arguments["code"]
    plain = iter([plan("reverse it"), act("python_exec", code="print('kettle'[::-1].upper())"), final("ELTTEK")])
    r = make_agent(PolicyModel(lambda c: next(plain)), tools=[python_exec]).run(goal)
    assert [s for s in r.steps if s.tool == "python_exec"][0].arguments["code"] == "print('kettle'[::-1].upper())"


@pytest.mark.parametrize(("goal", "question", "fires"), [
    # the question asks the goal's other part, which the video cannot tell
    ("In the video I say which bus the guests take. If the trip is 25 minutes, when do they arrive?",
     "When do they arrive?", True),
    ("In the clip I mention what floor the office is on. How many stairs is that at 18 a floor?",
     "How many stairs are there?", True),
    # not: it asks what the goal asks of the video
    ("In the video I say which bus the guests take. If the trip is 25 minutes, when do they arrive?",
     "Which bus do the guests take?", False),
    # not: one sentence, or no sentence about the media
    ("Find when the dog appears in the video, then double that time.", "When is a cat seen?", False),
    ("Is there a bicycle? Answer yes or no.", "What colour is the sky?", False),
])
def test_a_question_to_the_video_must_ask_what_the_goal_asks_of_it(goal: str, question: str, fires: bool) -> None:
    from sokrat.agents.graph import _question_off_goal

    refusal = _question_off_goal({"goal": goal, "media": ["/m/clip.mp4"]}, clip_qa, {"question": question})  # type: ignore[typeddict-item]
    assert (refusal is not None and refusal.code == "question_off_goal") is fires
    if fires:
        assert refusal is not None and "the goal asks the video: 'In the" in refusal.reason


def test_a_question_off_the_goal_is_replaced_by_the_goal_s_own_question_to_the_video(make_agent: Any) -> None:
    asked: list[str] = []

    def policy(c: Call) -> Any:
        if c.purpose == "plan":
            return plan("ask the clip", "compute")
        if "Yes: a bicycle" in c.prompt:
            return final("Yes: a bicycle at 4.0 s.")
        asked.append("spokes")
        return act("clip_qa", question="How many spokes are there?")

    r = make_agent(PolicyModel(policy), tools=[clip_qa]).run(
        "In the video I ride a bicycle past the bakery. Is it a bicycle? Answer yes or no.", media=[__file__])
    # the off-goal question never runs: the goal's sentence about the video is asked in its place
    assert r.steps[0].ok and r.steps[0].arguments["question"] == "In the video I ride a bicycle past the bakery."
    assert asked == ["spokes"] and r.answer.startswith("Yes")


def test_a_question_on_the_goal_runs_as_asked(make_agent: Any) -> None:
    def policy(c: Call) -> Any:
        if c.purpose == "plan":
            return plan("ask the clip", "compute")
        if "Yes: a bicycle" in c.prompt:
            return final("Yes: a bicycle at 4.0 s.")
        return act("clip_qa", question="Is a bicycle seen near the bakery?")

    r = make_agent(PolicyModel(policy), tools=[clip_qa]).run(
        "In the video I ride a bicycle past the bakery. Is it a bicycle? Answer yes or no.", media=[__file__])
    assert r.steps[0].arguments["question"] == "Is a bicycle seen near the bakery?"


def test_a_decoding_loop_is_asked_again_with_sampling(make_agent: Any) -> None:
    """A reply that loops ('\\b\\b\\b...' to the token limit) is asked again at the fallback
    temperature, as whisper decodes a segment again when its compression ratio is too high;
    a merely invalid reply is asked again greedily."""
    temperatures: list[float] = []

    def policy(c: Call) -> Any:
        if c.purpose != "act":
            return plan("compute")
        temperatures.append(c.temperature)
        if len(temperatures) == 1:
            return "not json"  # invalid, but no loop: greedy again
        if len(temperatures) == 2:
            return '{"tool": "run_code", "arguments": {"code": "import re; x = re.search(r\'' + "\\\\b" * 200
        return act("run_code", code="print(17 * 23)") if len(temperatures) == 3 else final("391")

    r = make_agent(PolicyModel(policy), tools=[run_code], options=AgentOptions(action_retries=3)).run(
        "What is 17 times 23?")
    assert temperatures[:3] == [0.0, 0.0, 0.7] and r.steps[0].arguments["code"] == "print(17 * 23)"


@pytest.mark.parametrize(("sentence", "question"), [
    ("In the video I say how much I paid for the tickets.", "How much I paid for the tickets?"),
    ("In the clip I mention the day of my appointment.", "What is the day of my appointment?"),
    ("In this recording, I tell you where I parked.", "Where I parked?"),
    # must not change: a sentence that tells nothing said
    ("In the video I ride a bicycle past the bakery.", "In the video I ride a bicycle past the bakery."),
    ("The video shows my kitchen.", "The video shows my kitchen."),
])
def test_the_goal_s_sentence_about_the_media_is_asked_as_a_question(sentence: str, question: str) -> None:
    from sokrat.agents.graph import media_question

    assert media_question(sentence) == question
