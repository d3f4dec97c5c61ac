"""The answer checks (sokrat/agents/verifier.py), each alone: one case where it fires, and near
misses where it must not. Goals and values here are made up for the tests (none is a bench item)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sokrat.agents import checks, verifier
from sokrat.agents.options import AgentOptions
from sokrat.agents.state import PlanStep, StepState
from sokrat.agents.verifier import DEFAULT_ANSWER_CHECKS, AnswerCheck, RunView
from sokrat.tools.registry import tool


@tool(stores=("remember", "note", "keep in mind"))
def remember(text: str) -> str:
    """Store a fact.

    Args:
        text: the fact.
    """
    return text


@tool(looks_up=True)
def find_documents(query: str) -> str:
    """Search documents.

    Args:
        query: words.
    """
    return query


@tool(looks_up=True)
def recall(query: str) -> str:
    """Search memory.

    Args:
        query: words.
    """
    return query


@tool(computes=True)
def python_exec(code: str) -> str:
    """Run code.

    Args:
        code: source.
    """
    return code


@tool(looks_up=True, answers=True)
def video_qa(question: str, video: str = "") -> str:
    """Answer a question about a video.

    Args:
        question: the question.
        video: the file.
    """
    return question


@tool
def describe_moment(t: float, video: str = "") -> str:
    """Describe a moment.

    Args:
        t: seconds.
        video: the file.
    """
    return str(t)


TOOLS = (remember, find_documents, recall, python_exec, video_qa, describe_moment)


def step(i: int, tool_name: str, raw: str, label: str = "ok", code: str = "no_objection", **args: Any) -> StepState:
    return StepState(index=i, tool=tool_name, arguments=args, observation=raw, raw=raw, label=label,  # type: ignore[typeddict-item]
                     check="", check_code=code, artifact=None, duration_s=0.0, failure="")


def view(goal: str, *steps: StepState, media: tuple[str, ...] = (), plan: tuple[PlanStep, ...] = (),
         instruction: str = "", answer: str = "", memories: tuple[str, ...] = ()) -> RunView:
    g = checks.ground(answer, list(steps), context=goal) if answer else None
    return RunView(goal=goal, media=media, steps=steps, offered=TOOLS, plan=plan, grounding=g, instruction=instruction,
                   memories=memories)


def test_the_default_checks_are_declared_in_order_with_their_own_budgets() -> None:
    codes = [c.code for c in DEFAULT_ANSWER_CHECKS]
    assert len(set(codes)) == len(codes) and codes[-1] == "ungrounded"
    assert all(c.retries >= 1 for c in DEFAULT_ANSWER_CHECKS)
    assert AgentOptions().answer_checks == DEFAULT_ANSWER_CHECKS
    assert {d["code"] for d in verifier.describe(DEFAULT_ANSWER_CHECKS)} == set(codes)


def test_first_objection_follows_the_declared_order_and_each_budget() -> None:
    always_a = AnswerCheck("wrong_type", lambda a, v: "A", retries=1)
    always_b = AnswerCheck("ungrounded", lambda a, v: "B", retries=2, unverified=False)
    v = view("x")
    first = verifier.first_objection("ans", v, (always_a, always_b), {}, may_send_back=True)
    assert first is not None and first[1].message == "A" and first[2]  # sent back
    # A's budget is spent: A makes the run unverified (it does not give way to B)
    spent = verifier.first_objection("ans", v, (always_a, always_b), {"wrong_type": 1}, may_send_back=True)
    assert spent is not None and spent[1].message == "A" and not spent[2]
    # the other order: B is sent back twice, then gives way (only asks for work), A then objects
    assert verifier.first_objection("ans", v, (always_b, always_a), {"ungrounded": 1}, may_send_back=True)[1].message == "B"  # type: ignore[index]
    after = verifier.first_objection("ans", v, (always_b, always_a), {"ungrounded": 2}, may_send_back=True)
    assert after is not None and after[1].message == "A"
    # no steps or time left: nothing is sent back
    late = verifier.first_objection("ans", v, (always_a,), {}, may_send_back=False)
    assert late is not None and not late[2]
    assert verifier.first_objection("ans", v, (AnswerCheck("gave_up", lambda a, v: ""),), {}, may_send_back=True) is None


def test_store_first() -> None:
    goal = "Please note that the spare key is under the blue pot."
    assert "call remember first" in verifier.store_first("Noted.", view(goal))
    # not: something was stored; a question about memory; no store verb
    assert verifier.store_first("Noted.", view(goal, step(0, "remember", "Stored."))) == ""
    assert verifier.store_first("It is under the pot.", view("Do you remember where the spare key is?")) == ""
    assert verifier.store_first("Blue.", view("What colour is the pot?")) == ""


def test_answers_tool_first() -> None:
    assert "video_qa first" in verifier.answers_tool_first("At 12 s.", view("When does the dog bark?", media=("a.mp4",)))
    # not: no media; or the answering tool already ran (even if its answer was empty)
    assert verifier.answers_tool_first("At 12 s.", view("When does the dog bark?")) == ""
    asked = step(0, "video_qa", '{"answer": "at 12 s"}')
    assert verifier.answers_tool_first("At 12 s.", view("When?", asked, media=("a.mp4",))) == ""


def test_plan_step_untried() -> None:
    plan = (PlanStep(text="search with find_documents", status="active"), PlanStep(text="answer", status="pending"))
    assert "call find_documents first" in verifier.plan_step_untried("x", view("g", plan=plan))
    tried = step(0, "find_documents", "[]", "failed", "empty_output")
    assert verifier.plan_step_untried("x", view("g", tried, plan=plan)) == ""
    done = (PlanStep(text="search with find_documents", status="done"),)
    assert verifier.plan_step_untried("x", view("g", plan=done)) == ""
    # a refused call is no try
    refused = step(0, "find_documents", "", "failed", "repeat_ok")
    assert verifier.plan_step_untried("x", view("g", refused, plan=plan)) != ""


def test_echoes_instruction() -> None:
    tail = "All plan steps are done. Reply with final_answer."
    assert verifier.echoes_instruction("All plan steps are done.", view("g", instruction=tail))
    assert verifier.echoes_instruction("The lamp is in the attic.", view("g", instruction=tail)) == ""


def test_absent_untried() -> None:
    searched = step(0, "recall", "[]", "failed", "empty_output")
    assert "find_documents" in verifier.absent_untried("The notes do not mention it.", view("g", searched))
    # not: every lookup tried; or the answer states a value
    both = (searched, step(1, "find_documents", "[]", "failed", "empty_output"),
            step(2, "video_qa", "[]", "failed", "empty_output"))
    assert verifier.absent_untried("The notes do not mention it.", view("g", *both)) == ""
    assert verifier.absent_untried("It is in the attic.", view("g", searched)) == ""


def test_gave_up() -> None:
    failed = step(0, "python_exec", "ERROR: NameError", "failed", "tool_error")
    assert "Correct the code" in verifier.gave_up("I cannot compute it.", view("g", failed))
    # not: the failed step was a lookup (finding nothing is an answer), or the answer states a value
    lookup = step(0, "recall", "[]", "failed", "empty_output")
    assert verifier.gave_up("I cannot find it.", view("g", lookup)) == ""
    assert verifier.gave_up("It is 12.", view("g", failed)) == ""


@pytest.mark.parametrize(("goal", "answer"), [
    ("Reverse the word 'lantern'.", "The reversed word is 'nretnal'."),  # string edit from the head
    ("How many kilometres are 26 miles?", "26 miles are 41.8 km."),  # unit conversion from memory
    ("Sort these numbers: 8, 3, 51.", "3, 8, 51"),  # the result is the goal's own numbers, reordered
])
def test_computed_without_code_fires(goal: str, answer: str) -> None:
    assert "python_exec" in verifier.computed_without_code(answer, view(goal))


def test_computed_without_code_must_not_fire() -> None:
    ran = step(0, "python_exec", '{"stdout": "41.84\\n"}')
    assert verifier.computed_without_code("41.84 km.", view("How many kilometres are 26 miles?", ran)) == ""
    # a lookup returned the value: nothing to compute
    recalled = step(0, "recall", '[{"text": "locker 7 holds the tent"}]')
    assert verifier.computed_without_code("Locker 7 holds the tent.", view("What is in locker 7?", recalled)) == ""
    # a store goal that repeats what it stored
    stored = step(0, "remember", "Stored: gate code 8812")
    assert verifier.computed_without_code("Stored: the gate code is 8812.",
                                          view("Remember that the gate code is 8812.", stored)) == ""
    # no operands in the goal, or the run has media
    assert verifier.computed_without_code("Paris.", view("What is the capital of France?")) == ""
    assert verifier.computed_without_code("At 3 s.", view("What happens at 3 s?", media=("a.mp4",))) == ""


def test_computed_without_code_names_the_error_of_a_program_that_failed() -> None:
    tb = ("ERROR: tool 'python_exec' failed (exit code 1): Traceback (most recent call last): |   File \"code.py\", "
          "line 2 |     print(a - b).days |  AttributeError: 'NoneType' object has no attribute 'days'")
    failed = step(0, "python_exec", tb, "failed", "tool_error")
    said = verifier.computed_without_code("She will be 9.", view("How old is someone born 2015-03-02 on 2024-06-01?", failed))
    assert "Your code failed (AttributeError: 'NoneType' object has no attribute 'days')" in said
    # not: the program that ran last succeeded (the answer ignores it: another message)
    ok = step(1, "python_exec", '{"stdout": "9\\n"}')
    assert "failed" not in verifier.computed_without_code("9", view("How old is someone born 2015?", failed, ok))


def test_computed_without_code_fires_for_arithmetic_on_looked_up_values() -> None:
    seen = step(0, "video_qa", '{"answer": "A dog at 0:04-0:09.", "status": "succeeded"}')
    goal = "Find when the dog appears in the video, then double that time in seconds."
    assert "python_exec" in verifier.computed_without_code("The dog appears at 0:09.", view(goal, seen, media=("a.mp4",)))
    found = step(0, "recall", '[{"text": "The rent is 950 euros."}]')
    assert "python_exec" in verifier.computed_without_code("950 euros.", view("Look up my rent and add 50 to it.", found))


@pytest.mark.parametrize("goal", [
    "What is my monthly rent times twelve?",  # a number word
    "How many minutes are there between my flight landing and the check-in?",
    "How many months does my lease run?",  # a span between two looked-up dates
    "If my rent went up by 4 percent, what would it be?",  # a percentage change of a looked-up value
    "What is my rent with 10% off?",
    "If my rent were split between three flatmates, what would each pay?",  # a whole shared out
    "If the check-in moved 45 minutes later, when would it be?",  # a looked-up time moved
])
def test_computed_without_code_fires_for_these_computations_on_looked_up_values(goal: str) -> None:
    found = step(0, "find_documents", '[{"text": "Rent: 950 EUR. Lands 13:20, check-in 15:00. From 1 May 2027 to 30 April 2028."}]')
    assert "python_exec" in verifier.computed_without_code("It is 950.", view(goal, found))


@pytest.mark.parametrize("goal", [
    "How many months are there in my lease notes?",  # a count in the record, not a span
    "How many times did I mention the rent?",
    "How many days of holiday do I have left in my notes?",
    "By how many percent did my rent go up?",  # a percentage the record may state
    "Who paid for 2 of the tickets, and when is the concert?",  # no one share asked
    "When is my check-in, later this week?",  # "later" with no amount
])
def test_computed_without_code_must_not_fire_on_these_lookups(goal: str) -> None:
    found = step(0, "find_documents", '[{"text": "Rent: 950 EUR. 12 months. 14 days of holiday left."}]')
    assert verifier.computed_without_code("It is 12.", view(goal, found)) == ""


def test_computed_without_code_on_looked_up_values_must_not_fire() -> None:
    seen = step(0, "video_qa", '{"answer": "A dog at 0:04-0:09.", "status": "succeeded"}')
    ran = step(1, "python_exec", '{"stdout": "8\\n"}')
    goal = "Find when the dog appears in the video, then double that time in seconds."
    assert verifier.computed_without_code("8 seconds.", view(goal, seen, ran, media=("a.mp4",))) == ""  # code ran
    # no arithmetic asked: the looked-up value is the answer
    assert verifier.computed_without_code("At 0:04.", view("When does the dog appear?", seen, media=("a.mp4",))) == ""
    found = step(0, "recall", '[{"text": "The rent is 950 euros."}]')
    assert verifier.computed_without_code("950 euros.", view("Add my rent to the notes: what is it?", found)) == ""
    # nothing looked up yet (another check's case), or nothing found
    assert verifier.computed_without_code("It is 0:09.", view(goal, media=("a.mp4",))) == ""
    assert verifier.computed_without_code("The video does not show a dog.", view(goal, seen, media=("a.mp4",))) == ""


@pytest.mark.parametrize("goal", [
    "I need to leave three hours before my train that I mentioned. When should I leave?",
    "Set off an hour and a half before the meeting I told you about: what time is that?",
    "What time is half an hour earlier than my ferry?",
])
def test_computed_without_code_fires_for_a_time_offset_from_a_recalled_fact(goal: str) -> None:
    facts = ("My train leaves at 10:15, the meeting is at 14:00 and the ferry at 9:40.",)
    # the fact was recalled into the prompt: its time is the input of the offset, not the answer
    assert "python_exec" in verifier.computed_without_code("You should leave at 10:15.", view(goal, memories=facts))


def test_a_duration_the_records_do_not_state_needs_code() -> None:
    found = step(0, "find_documents", '[{"text": "Ferry to Hel: leaves Gdynia 09:10, arrives 11:35."}]')
    goal = "How long is the ferry crossing to Hel, going by my documents?"
    assert "python_exec" in verifier.computed_without_code("About 2 hours.", view(goal, found))
    # not: the record states the duration; code ran; or the answer says nothing is there
    stated = step(0, "find_documents", '[{"text": "Ferry to Hel: 2 h 25 min crossing."}]')
    assert verifier.computed_without_code("It takes 2 h 25 min.", view(goal, stated)) == ""
    ran = step(1, "python_exec", '{"stdout": "2:25\\n"}')
    assert verifier.computed_without_code("2 hours 25 minutes.", view(goal, found, ran)) == ""
    assert verifier.computed_without_code("No ferry was found.", view(goal, found)) == ""


def test_a_duration_read_off_a_date_or_an_address_needs_code() -> None:
    # the "2" of "2 hours" occurs in the records only inside a year and a street number
    found = step(0, "find_documents", '[{"text": "Boat trip, June 2027: leaves Via Roma 2 at 21:00, arrives 07:30."}]')
    goal = "How long does the boat trip take?"
    assert "python_exec" in verifier.computed_without_code("It takes 2 hours.", view(goal, found))
    # not: a record states the span in a unit of time ("2 h" for "2 hours")
    stated = step(0, "find_documents", '[{"text": "Boat trip, June 2027: a 2 h crossing from Via Roma 2."}]')
    assert verifier.computed_without_code("It takes 2 hours.", view(goal, stated)) == ""


def test_computed_without_code_for_a_time_offset_must_not_fire() -> None:
    facts = ("My train leaves at 10:15.",)
    goal = "I need to leave three hours before my train that I mentioned. When should I leave?"
    ran = step(0, "python_exec", '{"stdout": "07:15\\n"}')
    assert verifier.computed_without_code("At 07:15.", view(goal, ran, memories=facts)) == ""  # code ran
    # no offset asked: the recalled time is the answer
    assert verifier.computed_without_code("At 10:15.", view("When does my train leave?", memories=facts)) == ""
    # only an old answer (an episode) was recalled: nothing looked up to compute on yet
    episode = ("Goal: When does my train leave?\nAnswer: At 10:15.",)
    assert verifier.computed_without_code("At 10:15.", view(goal, memories=episode)) == ""


def test_tool_unverified_fires_on_an_answer_resting_on_a_tool_s_unconfirmed_one() -> None:
    perhaps = step(0, "video_qa", json.dumps({
        "answer": "Perhaps: the log shows a person at 0:04-0:09, but it cannot tell whether that is a nurse.",
        "status": "unverified", "reason": "the log names only a person, not a nurse"}))
    said = verifier.tool_unverified("Perhaps a person at 0:04-0:09, maybe a nurse.", view("Did I see a nurse?", perhaps))
    assert "could not confirm" in said and "names only a person" in said


def test_tool_unverified_must_not_fire() -> None:
    sure = step(0, "video_qa", json.dumps({"answer": "Yes: a person at 0:04-0:09.", "status": "succeeded"}))
    assert verifier.tool_unverified("Yes, a person at 0:04-0:09.", view("Did I see a person?", sure)) == ""
    perhaps = step(0, "video_qa", json.dumps({"answer": "Perhaps: the log shows a dog at 0:04-0:09.",
                                              "status": "unverified", "reason": "only a dog"}))
    counted = step(1, "video_qa", json.dumps({"answer": "Twice: a cat at 0:10-0:12 and 0:20-0:22.",
                                              "status": "succeeded"}))
    # the latest answer is a confirmed one, and the answer rests on it
    assert verifier.tool_unverified("Twice, at 0:10 and 0:20.", view("How often did the cat appear?", perhaps,
                                                                       counted)) == ""


def test_contradicts_tool() -> None:
    said_yes = step(0, "video_qa", json.dumps({"answer": "Yes: a bike at 4-8 s.", "status": "succeeded"}))
    assert "contradicts" in verifier.contradicts_tool("No, there is no bicycle.", view("Is there a bicycle?", said_yes))
    # not: the answer agrees, or is no yes/no answer, or the tool's answer failed
    assert verifier.contradicts_tool("Yes, at 4 s.", view("Is there a bicycle?", said_yes)) == ""
    assert verifier.contradicts_tool("A bike, at 4 s.", view("What is there?", said_yes)) == ""
    failed = step(0, "video_qa", json.dumps({"answer": "Yes.", "status": "failed"}))
    assert verifier.contradicts_tool("No.", view("Is there a bicycle?", failed)) == ""


CANNOT_TELL = step(0, "video_qa", json.dumps({"answer": "I cannot tell: the labels this video's log uses cannot name "
                                                        "a unicorn, so the log does not show whether it is there.",
                                              "status": "no_answer", "evidence": []}))


def test_contradicts_tool_fires_on_a_yes_or_no_where_the_tool_could_not_tell() -> None:
    for answer in ("No, I did not see a unicorn.", "Yes."):
        said = verifier.contradicts_tool(answer, view("Did I see a unicorn?", CANNOT_TELL, media=("a.mp4",)))
        assert "could not tell" in said, answer


def test_contradicts_tool_must_not_fire_where_the_tool_could_not_tell_and_the_answer_says_so() -> None:
    v = view("Did I see a unicorn?", CANNOT_TELL, media=("a.mp4",))
    assert verifier.contradicts_tool("I cannot tell from the video's log whether there was a unicorn.", v) == ""
    # a later call that did tell decides
    told = step(1, "video_qa", json.dumps({"answer": "Yes: a horse (unicorn) at 0:04.", "status": "succeeded"}))
    assert verifier.contradicts_tool("Yes, at 0:04.", view("Did I see a unicorn?", CANNOT_TELL, told)) == ""


@pytest.mark.parametrize(("goal", "answer"), [
    ("Who signed the lease?", "The lease was signed in May."),
    ("When is the boiler service?", "The boiler service is in the basement."),
    ("How many chairs did we order?", "We ordered oak chairs."),
    ("Is the mug on the left or the right of the sink?", "Yes, the mug is by the sink."),
    ("Did she pack the tent or the stove first?", "She packed it at 9:00."),
    ("Which animal crossed the road?", "A man on a bicycle crossed the road."),
    ("Which vehicle was parked outside?", "A dog was outside."),
    ("What would the fine be after two weeks?", "2027-06-18"),  # a date for an amount
    ("How much will the refund come to?", "The refund arrives on 3 March 2027."),
    ("What is 5 in the afternoon in 24-hour time?", "5"),  # a bare number for a clock time
    ("How many digits does 2 to the power 40 have?", "The number of digits in 2 to the power 40."),  # the goal's numbers only
    ("Convert 9 pm to the 24-hour clock.", "9 pm is 9 in 24-hour time."),
    ("What time should I leave if the walk takes 25 minutes?", "25"),
    # a span of time asked, a time of day or a date given
    ("It is now 9:15. How many minutes until the ferry leaves?", "The ferry leaves on Monday at 11."),
    ("How many hours are left until the shop opens?", "It opens at 8 am."),
    ("How many days until the party?", "The party is on 14 June 2027 at 19:00."),
    ("Did I say how much the ferry cost? Answer yes or no.", "The ferry."),  # neither yes nor no, nor an amount
])
def test_wrong_type_fires(goal: str, answer: str) -> None:
    assert "The question asks" in verifier.wrong_type(answer, view(goal))


@pytest.mark.parametrize(("goal", "answer"), [
    ("Who signed the lease?", "The lease was signed by Tomasz Wolny."),
    ("When is the boiler service?", "On Thursday."),
    ("When is the boiler service?", "It is on 2027-04-02."),
    ("How many chairs did we order?", "Twelve chairs."),
    ("How many chairs did we order?", "No chairs were found in the notes."),  # absent: another check's job
    ("Where is the boiler?", "In the basement."),  # no type rule for where
    ("Is the mug on the left or the right of the sink?", "On the right."),
    ("Did she pack the tent or the stove first?", "The stove, at 9:00."),
    ("Did she pack the tent or the stove first?", "Both at once."),
    ("Is there a cat or a dog in the garden?", "No."),  # neither
    ("Is the door locked or not?", "Yes, it is locked."),  # "or not" is a yes/no question
    ("Which animal crossed the road?", "A dog crossed the road."),  # a kind of animal
    ("Which animal crossed the road?", "The animal was grey."),  # names the asked word
    ("Which product did the invoice list?", "Order 7781, the Larkspur kit."),  # nothing the lexicon knows
    ("Which date is the boiler service?", "On 2027-04-02."),  # a when-question
    ("What would the fine be after two weeks?", "14 EUR, due on 2027-06-18."),  # an amount besides the date
    ("How long does the lease run?", "From 1 May 2027 to 30 April 2028."),  # dates may answer how long
    ("What is the deadline for paying the fee?", "2027-06-18"),  # a date asked about an amount
    ("What is 5 in the afternoon in 24-hour time?", "17:00"),
    ("How many digits does 2 to the power 40 have?", "13 digits."),
    ("How many days are in 2 weeks?", "Two weeks have fourteen days."),  # a number word of its own
    ("Convert 9 pm to the 24-hour clock.", "2100 hours."),
    ("What time should I leave if the walk takes 25 minutes?", "At 7.35 am."),
    ("What time does the bakery open?", "It opens at 7."),
    ("What time does the bakery open?", "At half past six."),
    ("What time zone is the office in?", "Central European Time."),  # no time of day asked
    ("It is now 9:15. How many minutes until the ferry leaves?", "105 minutes: it leaves at 11:00."),
    ("How many hours are left until the shop opens?", "Two hours."),
    ("How many days until the party?", "38"),
    ("How many people came at 8?", "At 8 there were 12 people."),  # no span of time asked
    ("Did I say how much the ferry cost? Answer yes or no.", "No, no cost was mentioned."),  # yes/no asked
    ("Do I mention how many chairs we ordered?", "Yes, I do."),
])
def test_wrong_type_must_not_fire(goal: str, answer: str) -> None:
    assert verifier.wrong_type(answer, view(goal)) == ""


@pytest.mark.parametrize(("goal", "answer"), [
    ("Note that my boat mooring costs 45.5 euros a month. What does it cost over 3 years?", "19656 euros."),  # 45.5*12*36
    ("I swim 2.5 km each week. How far do I swim in a year?", "It is 912.5 km."),  # 2.5 * 365
])
def test_rate_over_period_fires(goal: str, answer: str) -> None:
    said = verifier.rate_over_period(answer, view(goal))
    assert "print(round(" in said, said


@pytest.mark.parametrize(("goal", "answer"), [
    ("Note that my boat mooring costs 45.5 euros a month. What does it cost over 3 years?", "1638 euros."),
    ("I swim 2.5 km each week. How far do I swim in a year?", "About 130 km."),  # 52 weeks, as people count
    ("My rent is 950 euros a month. What do I pay in a month?", "950 euros."),  # the rate's own span
    ("I read 20 pages a day. How many pages do I read in a month?", "600 pages."),  # days in a month: no one count
    ("My plan is 20 euros a month plus 5 euros once. What is it over 2 years?", "485 euros."),  # another number
    ("My plan is 20 euros a month. What is it over 2 years?", "Nothing is stored about it."),
])
def test_rate_over_period_must_not_fire(goal: str, answer: str) -> None:
    assert verifier.rate_over_period(answer, view(goal)) == ""


def test_choices_reads_the_two_options() -> None:
    assert verifier.choices("Is the mug on the left or the right of the sink?") == ({"left"}, {"right"})
    assert verifier.choices("Which came first, the bus or the car?") == ({"bus"}, {"car"})
    assert verifier.choices("Store 4 or 5 items. Is the door locked or not?") is None
    assert verifier.choices("Print 4 or 5.") is None  # not a question
    # an amount asked: the "or" is part of what is counted
    assert verifier.choices("Which numbers below 100 are squares or cubes?") is not None
    assert verifier.choices("How many numbers below 100 are squares or cubes?") is None
    assert verifier.wrong_type("42", view("How many numbers below 500 are multiples of 7 or 11?")) == ""


NOTES = json.dumps([{"source": "/d/lease.md", "text": "Lease notes. The lease runs until June 30, 2028. "
                     "Monthly rent: 1450 euros. The landlord is Tomasz Wolny."}])


def test_answers_other_part() -> None:
    found = step(0, "find_documents", NOTES)
    other = verifier.answers_other_part("The rent is due June 30, 2028.", view("What is the monthly rent?", found))
    assert "not about" in other and "rent" in other
    # not: the value comes from the sentence about what was asked
    assert verifier.answers_other_part("1450 euros.", view("What is the monthly rent?", found)) == ""
    assert verifier.answers_other_part("Until June 30, 2028.", view("Until when does the lease run?", found)) == ""
    # not: one sentence only (nothing to confuse), or the answer finds nothing
    single = step(0, "find_documents", json.dumps([{"text": "Monthly rent: 1450 euros."}]))
    assert verifier.answers_other_part("1450 euros.", view("What is the rent?", single)) == ""
    assert verifier.answers_other_part("Nothing found about it.", view("What is the rent?", found)) == ""
    # not: the value comes from a tool that answered this very question
    qa = step(0, "video_qa", json.dumps({"answer": "Top drawer of the desk, at 0:12-0:14.", "status": "succeeded",
                                         "evidence": [{"t_start": 12.0, "text": "said: my keys are in the drawer"}]}))
    assert verifier.answers_other_part("In the top drawer, at 0:12.", view("Where did I leave my keys?", qa)) == ""


def test_answers_other_part_quotes_the_part_asked_and_asks_for_code_where_it_is_a_computation() -> None:
    """The part about what was asked is quoted; one that gives no number of its own ("two months'
    rent") is a computation on the values it refers to: the message asks for code."""
    lease = step(0, "find_documents", json.dumps([{"text": "Flat lease.\n- Rent: 950 EUR per month\n- Deposit: two "
                                                             "months' rent\n- Notice: 3 months"}]))
    computed = verifier.answers_other_part("The deposit is 950 EUR.", view("How much is the deposit?", lease))
    assert "Deposit: two months' rent" in computed and "python_exec" in computed, computed
    # must not ask for code: the part asked gives its own number
    given = step(0, "find_documents", json.dumps([{"text": "Flat lease.\n- Rent: 950 EUR per month\n- Deposit: "
                                                             "1,900 EUR\n- Notice: 3 months"}]))
    stated = verifier.answers_other_part("The deposit is 950 EUR.", view("How much is the deposit?", given))
    assert "Deposit: 1,900 EUR" in stated and "python_exec" not in stated, stated


def test_ungrounded() -> None:
    found = step(0, "find_documents", NOTES)
    assert "1500" in verifier.ungrounded("The rent is 1500 euros.",
                                         view("What is the rent?", found, answer="The rent is 1500 euros."))
    assert verifier.ungrounded("The rent is 1450 euros.",
                               view("What is the rent?", found, answer="The rent is 1450 euros.")) == ""


def test_answers_other_part_reads_a_pronoun_with_the_sentence_before() -> None:
    """Must not fire: "The landlord Tomasz Wolny signed it." is about the lease of the sentence before."""
    found = step(0, "find_documents", json.dumps([{"text": "The lease was signed on May 3. The landlord Tomasz "
                                                           "Wolny signed it. The boiler is new."}]))
    assert verifier.answers_other_part("Tomasz Wolny signed it.", view("Who signed the lease?", found)) == ""


def test_absence_contradicted() -> None:
    """A "no" beside a record that shows the thing, by name, synonym or kind (lexicon)."""
    bike = step(0, "find_documents", json.dumps([{"t_start": 7.5, "text": "seen: bike [vehicle]"}]))
    fired = verifier.absence_contradicted("No, there is no bicycle.", view("Is there a bicycle?", bike))
    assert "find_documents returned a record of 'bicycle'" in fired
    assert verifier.absence_contradicted("No bicycle was found.", view("Was a bicycle seen?", bike))
    # must not fire: a yes; records of something else; the answering tool's own words ("did not see a bicycle")
    assert verifier.absence_contradicted("Yes, at 7.5 s.", view("Is there a bicycle?", bike)) == ""
    cat = step(0, "find_documents", json.dumps([{"t_start": 1.0, "text": "seen: cat [animal]"}]))
    assert verifier.absence_contradicted("No, there is no bicycle.", view("Is there a bicycle?", cat)) == ""
    said = step(0, "video_qa", json.dumps({"answer": "No, I did not see a bicycle.", "status": "succeeded",
                                           "evidence": []}))
    assert verifier.absence_contradicted("No, there is no bicycle.", view("Is there a bicycle?", said)) == ""


def test_a_statement_with_a_not_that_gives_the_record_s_values_is_no_absence() -> None:
    recalled = step(0, "recall", json.dumps([{"text": "Don't let me forget: my son's swimming class is in pool 4.",
                                              "kind": "fact"}]))
    goal = "Which pool is my son's swimming class in?"
    assert verifier.absence_contradicted("I will not forget that the swimming class is in pool 4.",
                                         view(goal, recalled)) == ""
    # a "not" with a value the record lacks still denies what it shows
    assert "returned a record" in verifier.absence_contradicted("The class is not in pool 9.", view(goal, recalled))


STORED = "Goal: Please keep in mind that my gym badge number is 5521.\nAnswer: I have saved your gym badge number in memory."


def test_echoes_episode_fires() -> None:
    v = view("What is my gym badge number?", memories=(STORED,))
    assert "earlier run's answer" in verifier.echoes_episode("I have saved the gym badge number in memory.", v)
    # it quotes what the user told about what is asked (that run's goal, a stored fact), not other facts
    told = verifier.echoes_episode("I have saved the gym badge number in memory.",
                                   view("What is my gym badge number?",
                                        memories=(STORED, "My gym badge number is 5521.", "The bins go out on Monday.")))
    assert "What you were told about it: 'My gym badge number is 5521. Please keep in mind that my gym badge" in told
    assert "bins" not in told


@pytest.mark.parametrize(("goal", "answer"), [
    ("What is my gym badge number?", "Your gym badge number is 5521."),  # states the value
    ("Please keep in mind that my gym badge number is 5521.", "I have saved your gym badge number in memory."),  # same goal
    ("What is my gym badge number?", "Saved."),  # too short to tell
])
def test_echoes_episode_must_not_fire(goal: str, answer: str) -> None:
    assert verifier.echoes_episode(answer, view(goal, memories=(STORED, "my gym badge number is 5521"))) == ""


def test_echoes_episode_must_not_fire_when_the_earlier_answer_holds_the_value() -> None:
    told = "Goal: Remember that my favourite colour is teal.\nAnswer: I remember that my favourite colour is teal."
    v = view("What is my favourite colour?", memories=(told,))
    assert verifier.echoes_episode("I remember that my favourite colour is teal.", v) == ""


def test_answers_other_part_reads_a_verb_and_its_agent_noun_as_one_word() -> None:
    """Must not fire: "Who owns ...?" answered from "Owner: ..."; must fire for another field."""
    doc = step(0, "find_documents", json.dumps([{"text": "# Project Zephyr\n\nOwner: Ingrid Larsen.\n"
                                                         "The Zephyr project deadline is March 15, 2027.\n"
                                                         "Budget: 48000 euros, approved in November."}]))
    assert verifier.answers_other_part("Ingrid Larsen owns the Zephyr project.", view("Who owns the Zephyr project?", doc)) == ""
    assert "not about" in verifier.answers_other_part("48000 euros.", view("Who owns the Zephyr project?", doc))


def _ran(code: str, printed: str) -> StepState:
    raw = json.dumps({"stdout": printed + "\n", "exit_code": 0})
    return StepState(index=0, tool="python_exec", arguments={"code": code}, observation=raw, raw=raw,  # type: ignore[typeddict-item]
                     label="ok", check="", check_code="no_objection", artifact=None, duration_s=0.0, failure="")


@pytest.mark.parametrize(("goal", "code"), [
    ("How many even numbers are there between 1 and 40?", "print(sum(n for n in range(1, 41) if n % 2 == 0))"),
    ("How many squares below 500 end in 6?", "print(sum([k for k in range(500) if int(k ** 0.5) ** 2 == k "
                                             "and k % 10 == 6]))"),
    ("How many multiples of 9 are under 200?", "sum(x for x in range(200) if x % 9 == 0)"),  # shown as a REPL does
    ("How many odd numbers are below 30?", "def odd(n):\n    print(n)\n    return n % 2\n"
                                           "print(sum(n for n in range(30) if odd(n)))"),  # the last print in the source
])
def test_sums_for_count_fires(goal: str, code: str) -> None:
    answer = "2345"
    assert "counts them" in verifier.sums_for_count(answer, view(goal, _ran(code, answer)))


@pytest.mark.parametrize(("goal", "code"), [
    ("How many even numbers are there between 1 and 40?", "print(sum(1 for n in range(1, 41) if n % 2 == 0))"),
    ("How many even numbers are there between 1 and 40?", "print(len([n for n in range(1, 41) if n % 2 == 0]))"),
    ("What is the sum of the even numbers between 1 and 40?", "print(sum(n for n in range(1, 41) if n % 2 == 0))"),
    ("How many is the total of 1 to 40?", "print(sum(n for n in range(1, 41)))"),  # a sum is asked for
    ("How many numbers below 99 have an even digit sum?",  # a sum inside, a count printed
     "print(len([n for n in range(99) if sum(int(d) for d in str(n)) % 2 == 0]))"),
    ("How many digits does 2 to the 40th have?", "print(sum(int(d) for d in str(2 ** 40)))"),  # not the items
    ("How many odd numbers are below 30?",  # a sum printed first, the count last
     "print(sum(n for n in range(30) if n % 2))\nprint(len([n for n in range(30) if n % 2]))"),
])
def test_sums_for_count_must_not_fire(goal: str, code: str) -> None:
    assert verifier.sums_for_count("20", view(goal, _ran(code, "20"))) == ""


FEED = json.dumps([{"source": "/d/hens.md", "text": "Feeding the hens. Give 120 g of grain per hen every day. "
                    "The flock has 9 hens. Grit: 30 g a week for the flock."}])
ORDER = json.dumps([{"source": "/d/order.md", "text": "Order 5512 (bike rack). Rack: 64.50 euros. "
                     "Delivery: 7.90 euros. Paid by card."}])
ORDER_TOTAL = json.dumps([{"source": "/d/order.md", "text": "Rack: 64.50 euros. Total including delivery: 72.40 euros."}])
TICKETS = json.dumps([{"source": "/d/fair.md", "text": "Tickets for the fair cost 6 euros each."}])


@pytest.mark.parametrize(("goal", "raw", "answer", "fires"), [
    # a rate per one thing (hen, kg) answered for another basis (day, week)
    ("How much grain do the hens get per day in total, according to my notes?", FEED, "120 g of grain per day.",
     "per hen"),
    ("How much grit do the hens get a month?", FEED, "30 g a month.", "per week"),
    # one amount of the source for a total including another
    ("What did the bike rack cost including delivery, by my documents?", ORDER, "It cost 64.50 euros.",
     "including delivery"),
    ("What did the bike rack cost including delivery?", ORDER, "7.90 euros.", "including delivery"),
    # an amount "each" for the goal's number of them
    ("How much do 3 tickets for the fair cost?", TICKETS, "6 euros.", "each one"),
])
def test_part_for_whole_fires(goal: str, raw: str, answer: str, fires: str) -> None:
    assert fires in verifier.part_for_whole(answer, view(goal, step(0, "find_documents", raw)))


@pytest.mark.parametrize(("goal", "raw", "answer", "steps"), [
    # the rate is what was asked, on the basis the source gives it
    ("How much grain does each hen get per day?", FEED, "120 g per hen per day.", ()),
    ("How much grain does a hen get?", FEED, "120 g every day.", ()),  # no other basis asked
    ("How much grit do the hens get a week?", FEED, "30 g a week.", ()),
    # the source states the inclusive total itself
    ("What did the bike rack cost including delivery?", ORDER_TOTAL, "72.40 euros.", ()),
    # an amount that is the whole asked for
    ("What did the rack cost?", ORDER, "64.50 euros.", ()),
    ("How much does a ticket for the fair cost?", TICKETS, "6 euros each.", ()),
    # code ran: the cross-check's job, not this one's
    ("What did the bike rack cost including delivery?", ORDER, "72.40 euros.",
     (step(1, "python_exec", json.dumps({"stdout": "72.4\n", "exit_code": 0}), code="print(64.50 + 7.90)"),)),
    # nothing found
    ("What did the bike rack cost including delivery?", ORDER, "I could not find the price.", ()),
])
def test_part_for_whole_must_not_fire(goal: str, raw: str, answer: str, steps: tuple[StepState, ...]) -> None:
    assert verifier.part_for_whole(answer, view(goal, step(0, "find_documents", raw), *steps)) == ""


TUNER = json.dumps({"answer": "At 0:21-0:25 you said the piano tuner comes on Friday morning.", "status": "succeeded",
                    "evidence": [{"source": "a.mp4", "t_start": 21.0, "t_end": 25.0,
                                  "text": "said: the piano tuner comes on Friday morning"}]})


@pytest.mark.parametrize(("goal", "answer"), [
    ("At what time of day is the piano tuner coming? I said it in the video.", "The tuner is coming at 0:21-0:25."),
    ("Which day is the piano tuner coming, as I say in the video?", "At 0:21."),
])
def test_position_for_time_fires(goal: str, answer: str) -> None:
    said = verifier.position_for_time(answer, view(goal, step(0, "video_qa", TUNER), media=("a.mp4",)))
    assert "where in the video it was said" in said and "Friday" in said


@pytest.mark.parametrize(("goal", "answer", "media"), [
    # the time said is in the answer (the position beside it is fine)
    ("At what time of day is the piano tuner coming? I said it in the video.", "Friday morning (said at 0:21).", True),
    # the question asks where in the video it was said
    ("When in the video do I mention the piano tuner?", "At 0:21-0:25.", True),
    ("When did I say the piano tuner is coming?", "At 0:21-0:25.", True),
    # the answer's clock time is no video position of the evidence
    ("What time is the piano tuner coming?", "At 10:30.", True),
    # no media: no video position to confuse
    ("What time is the piano tuner coming?", "At 0:21.", False),
])
def test_position_for_time_must_not_fire(goal: str, answer: str, media: bool) -> None:
    v = view(goal, step(0, "video_qa", TUNER), media=("a.mp4",) if media else ())
    assert verifier.position_for_time(answer, v) == ""


def test_answers_other_part_reads_each_source_apart_and_not_its_path() -> None:
    """The question's rarest word only in another document, or only in the file's path, tells
    nothing about which part of this document the value came from."""
    order = {"source": "/home/u/docs/kayak_order.txt", "title": "Order 77 from Nordpaddel.",
             "text": "Order 77 from Nordpaddel.\nOrdered: 4 March 2026.\nExpected arrival: 19 March 2026.\nPaid by card."}
    club = {"source": "/home/u/docs/club.txt", "text": "Kayak club notes.\nThe kayak trailer is kept in the boathouse."}
    found = step(0, "find_documents", json.dumps([order, club]))
    assert verifier.answers_other_part("On 19 March 2026.", view("When will my kayak order come?", found)) == ""
    # fires still: the value comes from another field of the document the question's word is in
    rent = step(0, "find_documents", NOTES)
    assert "not about" in verifier.answers_other_part("June 30, 2028.", view("What is the monthly rent?", rent))


BUS = json.dumps({"answer": "At 0:06-0:09 you said the bus leaves at 9:40.", "status": "succeeded",
                  "evidence": [{"source": "a.mp4", "t_start": 6.0, "t_end": 9.0, "text": "said: the bus leaves at 9:40"}]})


@pytest.mark.parametrize("goal", [
    "In the video I say when the bus leaves. How many minutes after 9 is that?",
    "In the video I say when the bus leaves. How long until it leaves, if it is 9:05 now?",
])
def test_computed_without_code_fires_for_a_difference_of_looked_up_times(goal: str) -> None:
    v = view(goal, step(0, "video_qa", BUS), media=("a.mp4",))
    assert "python_exec" in verifier.computed_without_code("The bus leaves at 9:40, 6 minutes after 9.", v)


@pytest.mark.parametrize("goal", [
    "When does the bus leave, as I say in the video?",  # the looked-up time is the answer
    "How many buses are in the video?",  # a count the tool gives
    "How long is the video?",
])
def test_computed_without_code_must_not_fire_for_a_looked_up_answer(goal: str) -> None:
    v = view(goal, step(0, "video_qa", BUS), media=("a.mp4",))
    assert verifier.computed_without_code("At 9:40.", v) == ""


@pytest.mark.parametrize(("answer", "fires"), [
    ("The walk is 4 km each way, then " + "4 km each way, " * 20, True),  # a decoding loop
    ("\\b" * 80, True),
    ("The walk is 4 km each way, so 8 km a day and 40 km in a five-day week.", False),
    ("Yes: a bicycle at 0:04-0:08, a bicycle at 0:12-0:15 and a person at 0:20-0:24, near the bakery door.", False),
    ("12", False),  # too short to judge
])
def test_repeats_itself(answer: str, fires: bool) -> None:
    assert bool(verifier.repeats_itself(answer, view("How far do I walk in a week?"))) is fires


RENT_FACT = ("My rent is 910 euros a month.",)


@pytest.mark.parametrize("goal", [
    "Going by my notes, how much rent do I pay in a whole year?",
    "What is my yearly rent?",
    "How much rent do I pay per year?",
])
def test_part_for_whole_reads_a_stored_fact_given_for_another_period(goal: str) -> None:
    """A fact given with the goal (no tool looked it up) stated per month, restated for a year:
    even saying "a month" in the answer does not answer the year asked."""
    for answer in ("You pay 910 euros a month.", "910 euros."):
        said = verifier.part_for_whole(answer, view(goal, memories=RENT_FACT))
        assert "per month" in said and "year" in said, answer


@pytest.mark.parametrize(("goal", "answer"), [
    ("How much rent do I pay a month?", "910 euros a month."),  # the basis asked
    ("How much is my rent?", "910 euros a month."),  # no basis asked
    ("Going by my notes, how much rent do I pay in a whole year?", "10920 euros."),  # not the fact's number
])
def test_part_for_whole_must_not_fire_on_a_fact_answered_for_its_own_period(goal: str, answer: str) -> None:
    assert verifier.part_for_whole(answer, view(goal, memories=RENT_FACT)) == ""
    # an earlier run's answer is no source
    assert verifier.part_for_whole("910 euros.", view("What is my yearly rent?",
                                                      memories=("Goal: rent?\nAnswer: 910 euros a month.",))) == ""
