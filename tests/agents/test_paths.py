"""The graph's paths that a scripted happy run never takes: replanning, the replan budget, the
LLM judge, plan-step completion, the goal-echo filter, stall escalation, answers sent back,
error classes, and which tools and memories a run is offered.

The models here are scripted and routed by the ``purpose`` the graph passes (plan, replan,
act, judge, summary, revise), never by prompt wording. Each test names the mutation of
``sokrat/agents/graph.py`` it kills.
"""

from __future__ import annotations

import itertools
from typing import Any

from sokrat.agents import AgentOptions
from sokrat.errors import TransientToolError
from sokrat.llm.scripted import ScriptedChatModel
from sokrat.tools.registry import tool
from sokrat.types import Event
from tests.agents.conftest import Call, PolicyModel, act, city_of, final, plan


@tool
def population_of(city: str) -> dict:
    """Population of a city.

    Args:
        city: city name.
    """
    return {"city": city, "population": {"Paris": 2102650, "Lima": 10092000}.get(city, 0)}


@tool
def broken_lookup(person: str) -> str:
    """A lookup whose backend is gone.

    Args:
        person: who.
    """
    raise KeyError(f"no backend for {person!r}")


def _events(agent: Any, goal: str, **kw: Any) -> tuple[list[Event], Any]:
    seen: list[Event] = []
    result = agent.run(goal, on_event=seen.append, **kw)
    return seen, result


def test_a_step_that_fails_twice_is_replanned(make_agent: Any) -> None:
    """Kills: replan never triggered (``step_failures >= 2`` -> ``>= 99``)."""
    def policy(c: Call) -> Any:
        if c.purpose == "plan":
            return plan("use broken_lookup for alice")
        if c.purpose == "replan":
            return plan("use city_of for alice")
        if "Paris" in c.prompt:
            return final("Alice lives in Paris.")
        if "Now do plan step 1: use city_of" in c.prompt:
            return act("city_of", person="alice")
        return act("broken_lookup", person="Alice" if "broken_lookup(" in c.prompt else "alice")

    model = PolicyModel(policy)
    events, r = _events(make_agent(model, tools=[city_of, broken_lookup]), "Where does alice live?")
    assert r.status == "succeeded", r.reason
    replans = [e for e in events if e.type == "replan"]
    assert len(replans) == 1 and replans[0].data["plan"] == ["use city_of for alice"]
    assert "broken_lookup" in replans[0].data["because"]
    assert model.purposes.count("replan") == 1
    assert [s.tool for s in r.steps] == ["broken_lookup", "broken_lookup", "city_of"]


def test_replans_are_bounded_by_max_replans(make_agent: Any) -> None:
    """Kills: ``max_replans`` ignored."""
    counter = itertools.count()

    def policy(c: Call) -> Any:
        if c.purpose in ("plan", "replan"):
            return plan("use broken_lookup")
        return act("broken_lookup", person=f"p{next(counter)}")

    model = PolicyModel(policy)
    r = make_agent(model, tools=[broken_lookup], options=AgentOptions(plan="always", max_replans=2), max_steps=40,
                   max_consecutive_failures=99, max_total_failures=99).run("Where does zed live?")
    assert r.status == "budget_exhausted" and "replanned 2 times" in r.reason
    assert model.purposes.count("replan") == 2 and len(r.steps) == 6  # 2 failures per plan, 3 plans


def test_the_judge_decides_where_rules_cannot_and_its_verdict_is_shown(make_agent: Any) -> None:
    """Kills: the LLM judge never called."""
    @tool
    def weather(city: str) -> str:
        """Weather report.

        Args:
            city: city name.
        """
        return "sunny and 25 degrees"  # free text that does not name the city: rules cannot tell

    def policy(c: Call) -> Any:
        if c.purpose == "plan":
            return plan("use weather for Paris")
        if c.purpose == "judge":
            return {"label": "suspect", "reason": "the report names no city"}
        if "CHECK SUSPECT" in c.prompt:
            return act("weather", city="Paris, France")
        return act("weather", city="Paris")

    model = PolicyModel(policy, context_length=8192)
    r = make_agent(model, tools=[weather], max_steps=2).run("What is the weather in Paris?")
    assert model.purposes[:3] == ["plan", "act", "judge"]
    assert not r.steps[0].ok and "judged by the model: the report names no city" in r.steps[0].check
    assert r.steps[1].arguments == {"city": "Paris, France"}  # the planner saw the verdict and acted on it
    # With the judge off, the same step is accepted (fail-open) and no judge call is made.
    model = PolicyModel(lambda c: plan("weather") if c.purpose == "plan" else
                        (final("It is sunny and 25 degrees.") if "sunny" in c.prompt else act("weather", city="Paris")))
    r = make_agent(model, tools=[weather], options=AgentOptions(plan="always", llm_judge=False)).run("What is the weather in Paris?")
    assert r.status == "succeeded" and "judge" not in model.purposes and r.steps[0].ok


def test_a_plan_step_naming_a_tool_is_done_only_by_that_tool(make_agent: Any) -> None:
    """Kills: ``_completes`` always true."""
    tails: list[str] = []

    def policy(c: Call) -> Any:
        if c.purpose == "plan":
            return plan("city_of alice", "population_of her city")
        tails.append(c.prompt.rsplit("\n\n", 1)[-1])
        n = len(tails)
        if n == 1:
            return act("population_of", city="Lima")  # the wrong tool for step 1
        if n == 2:
            return act("city_of", person="alice")
        if n == 3:
            return act("population_of", city="Paris")
        return final("2102650 people live in Paris.")

    r = make_agent(PolicyModel(policy), tools=[city_of, population_of]).run("How many people live in alice's city?")
    assert r.status == "succeeded", r.reason
    assert tails[1].startswith("Now do plan step 1: city_of alice")  # population_of did not finish step 1
    assert tails[2].startswith("Now do plan step 2: population_of")
    assert tails[3].startswith("All plan steps are done")


def test_a_question_that_echoes_the_goal_is_dropped(make_agent: Any) -> None:
    """Kills: the goal-echo question filter off."""
    goal = "Where does alice live?"
    model = ScriptedChatModel([plan("city_of alice", question="Where does alice live?", assumption="she lives somewhere"),
                               act("city_of", person="alice"), final("Alice lives in Paris.")])
    r = make_agent(model).run(goal)
    assert r.status == "succeeded" and r.reason == ""
    assert "Assumed" not in model.calls[1][-1].content


def test_a_stall_forces_a_replan_at_once(make_agent: Any) -> None:
    """Kills: a stall (no new information) no longer forces a replan."""
    @tool
    def scan(shelf: int) -> str:
        """Scan a shelf.

        Args:
            shelf: shelf number.
        """
        return "nothing found"

    shelves = itertools.count()

    def policy(c: Call) -> Any:
        if c.purpose in ("plan", "replan"):
            return plan("scan the shelves")
        return act("scan", shelf=next(shelves))

    events, r = _events(make_agent(PolicyModel(policy), tools=[scan], options=AgentOptions(plan="always", max_replans=1),
                                   max_steps=12, max_consecutive_failures=99, max_total_failures=99),
                        "Find the red box")
    replans = [e for e in events if e.type == "replan"]
    # Step 0 is new; steps 1-4 repeat its output: the fifth step is the first stall, and it replans.
    assert replans and replans[0].step == 5
    assert any(e.type == "check" and "no new information" in e.data.get("reason", "") for e in events)


def test_a_premature_answer_is_sent_back_and_a_tool_call_is_forced(make_agent: Any) -> None:
    offered: list[set[str]] = []

    def policy(c: Call) -> Any:
        if c.purpose == "plan":
            return plan("use city_of for alice", "answer")
        offered.append(c.offered())
        if "Paris" in c.prompt:
            return final("Alice lives in Paris.")
        return final("Alice lives in Paris.") if len(offered) == 1 else act("city_of", person="alice")

    events, r = _events(make_agent(PolicyModel(policy)), "Where does alice live?")
    assert r.status == "succeeded" and [s.tool for s in r.steps] == ["city_of"]
    assert "final_answer" in offered[0] and "final_answer" not in offered[1]  # after the send-back: a tool
    assert any("is not done: call city_of first" in e.data.get("reason", "") for e in events if e.type == "check")


def test_an_answer_needing_no_tool_is_accepted_directly(make_agent: Any) -> None:
    model = ScriptedChatModel([plan("answer directly"), final("Bonjour!")])
    r = make_agent(model).run("Say hello in French.")
    assert r.status == "succeeded" and r.answer == "Bonjour!" and not r.steps
    assert model.purposes == ["plan", "act"]


def test_a_general_knowledge_answer_is_unverified_and_says_why(make_agent: Any) -> None:
    """No tool here can check "26.2": the answer is shown, ``unverified``, as the model's own knowledge."""
    model = ScriptedChatModel([plan("answer directly"), final("A marathon is 26.2 miles (42.195 km) long.")])
    r = make_agent(model, tools=[population_of]).run("How long is a marathon?")
    assert r.status == "unverified" and "26.2" in r.answer
    assert "own knowledge" in r.reason and "26.2" in r.reason and "42.195" in r.reason
    # The same unchecked number about the user's own things is not knowledge: it is sent back,
    # and with nothing to check it against, the run is unverified rather than report an invented value.
    def policy(c: Call) -> Any:
        if c.purpose == "plan":
            return plan("answer directly")
        if "final_answer" not in c.offered():  # sent back: a tool call is forced
            return act("population_of", city="Oslo")
        return final("Your locker code is 1234.")

    r = make_agent(PolicyModel(policy), tools=[population_of]).run("What is my locker code?")
    assert r.status == "unverified" and "1234" in r.reason


def test_a_goal_that_says_remember_is_not_answered_before_something_is_stored(make_agent: Any) -> None:
    """The 1.5B printed the fact and answered; then stored a mistyped result. Both are refused."""
    written: list[str] = []

    @tool(grounded=("text",), stores=("remember",))
    def remember(text: str) -> str:
        """Store a fact.

        Args:
            text: the fact.
        """
        written.append(text)
        return f"Stored: {text!r}"

    @tool
    def calc(expression: str) -> str:
        """Evaluate a product.

        Args:
            expression: e.g. "17*23".
        """
        a, b = expression.split("*")
        return str(int(a) * int(b))

    def policy(c: Call) -> Any:
        text = "\n".join(m.content for m in c.messages)
        if c.purpose == "plan":
            return plan("compute it with calc", "answer")
        if c.purpose != "act":
            return final("Your order number is 37873565.")
        if "37873565" not in text:
            return act("calc", expression="4321*8765")
        if "The goal asks to store something" not in text and "which neither" not in text:
            return final("Your order number is 37873565.")  # premature: nothing stored yet
        if "which neither the goal nor any tool output shows" not in text:
            return act("remember", text="My order number is 3787356.")  # a copying slip
        if not written:
            return act("remember", text="My order number is 37873565.")
        return final("Your order number is 37873565.")

    model = PolicyModel(policy)
    events, r = _events(make_agent(model, tools=[calc, remember]),
                        "Compute 4321 times 8765, remember the result as my order number, then tell me the order number.")
    assert r.status == "succeeded" and "37873565" in r.answer, r.reason
    assert any("The goal asks to store something" in e.data.get("reason", "") for e in events if e.type == "check")
    assert written == ["My order number is 37873565."]  # the slip never reached the store
    # it was refused before it ran, and asked again (sampled) with the reason
    model_saw = [m.content for call in model.calls for m in call if "holds 3787356" in m.content]
    assert model_saw and "neither the goal nor any tool output" in model_saw[0]


def test_an_answer_that_repeats_the_instruction_is_asked_again(make_agent: Any) -> None:
    """The 1.5B answered "The plan is done." (its prompt's tail) to "What is my sister's name?"."""
    def policy(c: Call) -> Any:
        if c.purpose == "plan":
            return plan("use city_of for alice")
        if "Paris" not in "".join(m.content for m in c.messages):
            return act("city_of", person="alice")
        if "repeats the instruction" not in c.prompt:
            return final("All plan steps are done.")
        return final("Alice lives in Paris.")

    events, r = _events(make_agent(PolicyModel(policy)), "Where does alice live?")
    assert r.status == "succeeded" and r.answer == "Alice lives in Paris.", r.reason
    assert [e.data.get("code") for e in events if e.type == "check" and e.data.get("code")] == ["echoes_instruction"]
    from sokrat.agents.goals import echoes_instruction

    assert echoes_instruction("The plan is done.", "The plan is done: reply with final_answer now.")
    assert not echoes_instruction("Marta.", "All plan steps are done.")  # too short to tell
    assert not echoes_instruction("Your sister is Marta.", "All plan steps are done. Reply with final_answer.")


def test_store_requests_are_told_apart_from_questions() -> None:
    """By the store tool's own verbs (``remember.stores``), matched by stem at a clause start."""
    from sokrat.agents.goals import asks_to_store
    from sokrat.tools.memory import remember

    verbs = remember.stores
    for goal in ("Remember that my locker code is 4411.", "Please remember this: my sister is Marta.",
                 "Compute 2+2, remember the result, then tell me.", "Store in memory that the wifi is tulip-93.",
                 "Find the budget and save it.", "Please note that the plumber comes on Friday.",
                 "Keep in mind that my bike is blue.", "Noted: I should memorize this. Memorise my seat: 14C.",
                 "Could you make a note? Record that the boiler was serviced.",
                 # a statement told to be kept
                 "For your information: my bike lock code is 4471.", "Just so you know, the boiler was serviced in May.",
                 "FYI, my gym locker is number 52.", "Don't forget that the bins go out on Tuesday.",
                 "Heads up: the hallway light is on a timer.", "For future reference, my seat is 14C.",
                 # other phrasings, and an order framed as a wish
                 "I want you to know that my bike lock code is 4471.", "Jot down that my seat is 14C.",
                 "Bear in mind that the shop closes at 6.", "Take note: my dentist is Dr. Li.",
                 "Mark down that the bins go out on Tuesday.", "Add to my notes that the wifi is tulip-93.",
                 "I would like you to remember that my seat is 14C.", "Make sure you note that the gate code is 5521.",
                 # a phrasal verb with its object between its words
                 "Note this down: my seat is 14C.", "Keep that in mind: the shop closes at 6.",
                 "Write it down, the gate code is 5521.", "Jot it down: my seat is 14C.",
                 # other verbs of keeping
                 "Log this for me: the boiler pressure was 1.4 bar.", "Keep track of this: I lent Ana 20 euros.",
                 "Hold on to this number for me, 0412 555 018.", "Remind me that the car's MOT is due in June."):
        assert asks_to_store(goal, verbs), goal
    for goal in ("Do you remember my sister's name?", "What is my locker code?", "Remember when we met?",
                 "What did I store yesterday?", "Please note what the plumber said?", "My notes say the bike is blue.",
                 "Keep the answer short: what is 2+2", "Storage is full, what now",
                 "For your information, what is 2 plus 2?", "Just so you know what I mean: compute 3 times 4.",
                 "Did I forget my keys?", "I record videos every day.", "I would like you to tell me 2+2.",
                 "Make sure you compute 3 times 4.", "I want you to know what 2+2 is?",
                 "Note this: what is 2+2?", "Write it in French, please.", "Keep it short and tell me 2+2.",
                 "What does the log say about the boiler?", "Logs show the boiler ran twice.",
                 "Remind me what the MOT date is?", "Keep track of time while you compute 3 times 4?"):
        assert not asks_to_store(goal, verbs), goal
    assert not asks_to_store("Remember that my code is 4411.", ())  # no store tool: nothing to ask for


def test_goals_that_only_ask_are_told_apart_from_polite_store_requests() -> None:
    from sokrat.agents.goals import only_asks
    from sokrat.tools.memory import remember

    verbs = remember.stores
    for goal in ("What is my locker code?", "Do you remember my sister's name?", "Where is the spare key? Which pot?",
                 "Can you tell me what I stored?"):
        assert only_asks(goal, verbs), goal
    for goal in ("Could you note that the gate code is 5521?", "Can you please remember that my seat is 14C?",
                 "Remember that my locker code is 4411.", "My bike is blue. What colour is it?",
                 "Compute 2+2, then remember it", ""):
        assert not only_asks(goal, verbs), goal


def test_general_knowledge_goals_are_told_apart() -> None:
    from sokrat.agents.goals import general_knowledge

    assert general_knowledge("How long is a marathon?", has_media=False)
    assert general_knowledge("Who wrote Hamlet?", has_media=False)
    assert not general_knowledge("Who wrote Hamlet?", has_media=True)  # the media may show it
    for goal in ("What is my locker code?", "What is 17 times 23?", "Convert 100 degrees to Fahrenheit.",
                 "What did we decide yesterday?", "What is in the video?", "What is the weather now?",
                 "How many cats are there? Count them.",
                 "How many times does the letter r occur in the words 'strawberry raspberry'?",
                 "What does 'carpe diem' mean?"):  # quoted text is data to work on: a tool may check it
        assert not general_knowledge(goal, has_media=False), goal
    assert general_knowledge("Who's the king's heir?", has_media=False)  # apostrophes are no quotes


def test_an_unchecked_number_must_be_computed_with_a_tool(make_agent: Any) -> None:
    @tool
    def calc(expression: str) -> str:
        """Evaluate arithmetic.

        Args:
            expression: e.g. "17*23".
        """
        a, b = expression.split("*")
        return str(int(a) * int(b))

    def policy(c: Call) -> Any:
        if c.purpose == "plan":
            return plan("answer directly")
        if "final_answer" not in c.offered():
            return act("calc", expression="17*23")
        return final("17 times 23 is 391.")

    model = PolicyModel(policy)
    r = make_agent(model, tools=[calc]).run("What is 17 times 23?")
    assert r.status == "succeeded" and r.answer == "17 times 23 is 391."
    assert [s.tool for s in r.steps] == ["calc"]  # the first, unchecked 391 was sent back


def test_transient_failures_are_retried_with_backoff_permanent_ones_never_repeated(make_agent: Any) -> None:
    calls: list[str] = []

    @tool
    def flaky(person: str) -> str:
        """A lookup over a shaky connection.

        Args:
            person: who.
        """
        calls.append(person)
        if len(calls) < 3:
            raise TransientToolError("connection reset by peer")
        return f"{person} lives in Lima"

    events, r = _events(make_agent(ScriptedChatModel([plan("flaky carol"), act("flaky", person="carol"),
                                                      final("Carol lives in Lima.")]),
                                   tools=[flaky], options=AgentOptions(plan="always", retry_backoff_s=0.01)),
                        "Where does carol live?")
    assert r.status == "succeeded" and calls == ["carol"] * 3 and len(r.steps) == 1  # retried inside one step
    assert sum(e.type == "warning" and "transiently" in e.data["message"] for e in events) == 2

    broken: list[str] = []

    @tool
    def lookup(person: str) -> str:
        """A lookup that rejects unknown names.

        Args:
            person: who.
        """
        broken.append(person)
        raise ValueError(f"unknown person {person!r}")

    model = ScriptedChatModel([plan("lookup zed"), act("lookup", person="zed"), act("lookup", person="zed"),
                               final("I could not find zed.")])
    # (without the sampled re-ask, which test_a_repeated_failed_call_is_asked_again_with_sampling covers)
    r = make_agent(model, tools=[lookup], options=AgentOptions(plan="always", fallback_temperature=0.0)).run("Where does zed live?")
    assert broken == ["zed"]  # a permanent failure ran once; its identical repeat was refused
    assert "permanent" in r.steps[0].check and "already failed at step 0" in r.steps[1].observation


def test_media_tools_need_media_and_the_artifact_reader_needs_an_artifact(make_agent: Any, tmp_path: Any) -> None:
    from sokrat.tools import default_tools

    offered: list[set[str]] = []
    systems: list[str] = []

    @tool
    def dump(name: str) -> str:
        """Dump a log.

        Args:
            name: log name.
        """
        return "x" * 2000

    def policy(c: Call) -> Any:
        if c.purpose == "plan":
            return plan("dump the log")
        if c.purpose == "judge":
            return {"label": "ok", "reason": "a log"}
        offered.append(c.offered())
        systems.append(c.messages[0].content)
        return act("dump", name="boot") if len(offered) == 1 else final("The log is long.")

    tools = [*default_tools(), dump]
    r = make_agent(PolicyModel(policy), tools=tools, observation_max_chars=500).run("Show the boot log.")
    assert r.status == "succeeded"
    assert not {"video_search", "video_qa", "describe_moment", "transcribe", "read_artifact"} & offered[0]
    assert "python_exec" in offered[0] and "read_artifact" in offered[1]  # once an output was stored
    assert systems[0] == systems[1]  # the prompt prefix (tool list) did not change
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"not really a video")
    offered.clear()
    make_agent(PolicyModel(policy), tools=tools, observation_max_chars=500).run("Show the boot log.", media=[str(video)])
    assert {"video_search", "video_qa", "describe_moment", "transcribe"} & offered[0]


def test_many_tools_are_cut_to_the_most_relevant() -> None:
    from sokrat.agents.toolset import offered_tools

    def make(name: str, doc: str) -> Any:
        def fn(x: str) -> str:
            return x

        fn.__name__ = name
        fn.__doc__ = f"{doc}\n\nArgs:\n    x: input."
        return tool(fn)

    tools = [make(f"tool_{i}", f"Handles {w} requests.") for i, w in enumerate(
        ["weather", "stock", "music", "email", "calendar", "flight", "hotel", "taxi", "recipe", "news", "translate"])]
    chosen = offered_tools(tools, "Book a taxi to the airport and check my flight", has_media=False, limit=3)
    assert {t.name for t in chosen} >= {"tool_5", "tool_7"} and len(chosen) == 3
    assert offered_tools(tools[:3], "anything", has_media=False, limit=3) == tools[:3]


def test_tools_that_cannot_apply_are_not_offered() -> None:
    from sokrat.agents.toolset import offered_tools
    from sokrat.tools import ToolContext

    def lookup(x: str) -> str:
        """Look something up.

        Args:
            x: what.
        """
        return x

    def broken(ctx: ToolContext) -> bool:
        raise RuntimeError("cannot tell")

    never, unsure, always = (tool(lookup, name="never", applies=lambda ctx: False),
                             tool(lookup, name="unsure", applies=broken), tool(lookup, name="always"))
    chosen = offered_tools([never, unsure, always], "look it up", has_media=False, ctx=ToolContext())
    assert [t.name for t in chosen] == ["unsure", "always"]  # a failing check offers the tool (it reports why)
    assert len(offered_tools([never, unsure, always], "look it up", has_media=False)) == 3  # no run context


def test_goal_naming_a_media_file_gets_media_tools() -> None:
    from sokrat.agents.toolset import names_media

    assert names_media("What happens in /data/bikes.mp4?") and not names_media("What is 17 times 23?")


def test_answer_directly_beside_real_steps_is_dropped_from_the_plan(make_agent: Any) -> None:
    model = ScriptedChatModel([plan("answer directly", "use city_of for alice"), act("city_of", person="alice"),
                               final("Alice lives in Paris.")])
    events, r = _events(make_agent(model), "Where does alice live?")
    assert r.status == "succeeded" and model.purposes == ["plan", "act", "act"]
    assert next(e for e in events if e.type == "plan").data["plan"] == ["use city_of for alice"]


def test_an_answer_that_finds_nothing_is_no_answer(make_agent: Any) -> None:
    model = ScriptedChatModel([plan("use city_of for zed"), act("city_of", person="zed"), act("city_of", person="Zed"),
                               plan("say that zed is unknown"), final("I could not find where zed lives.")])
    r = make_agent(model).run("Where does zed live?")
    assert r.status == "no_answer" and "nothing that answers" in r.reason
    model = ScriptedChatModel([plan("use city_of for alice"), act("city_of", person="alice"), final("Alice lives in Paris.")])
    assert make_agent(model).run("Where does alice live?").status == "succeeded"
    # From a real 1.5B run: a refusal to a question taken for general knowledge had "succeeded".
    model = ScriptedChatModel([final("I can't provide the answer because the previous step failed. Please try again.")])
    r = make_agent(model, options=AgentOptions()).run("How many times does the letter r occur in 'strawberry raspberry'?")
    assert r.status == "no_answer"
    # Giving up right after its own code failed is sent back once: correct the code.
    @tool(computes=True)
    def run_code(code: str) -> str:
        """Run Python code.

        Args:
            code: the source.
        """
        if "strawberry." in code:
            raise NameError("name 'strawberry' is not defined")
        return "6"

    model = ScriptedChatModel([act("run_code", code="print(strawberry.count('r'))"),
                               final("I can't provide the answer because the previous step failed."),
                               act("run_code", code="print('strawberry raspberry'.count('r'))"), final("6 times.")])
    r = make_agent(model, tools=[run_code], options=AgentOptions()).run("How many r are in 'strawberry raspberry'?")
    assert r.status == "succeeded" and "You gave up after your code failed" in model.calls[2][-1].content


@tool(looks_up=True)
def find_documents(query: str) -> list:
    """Search the user's notes.

    Args:
        query: what to look for.
    """
    return [{"source": "zephyr.md", "text": "Owner: Ingrid Larsen."}] if "owner" in query.lower() else []


@tool(looks_up=True)
def recall_memories(query: str) -> list:
    """Search long-term memory.

    Args:
        query: what to look for.
    """
    return []


def test_nothing_known_is_sent_back_while_a_lookup_tool_was_not_tried(make_agent: Any) -> None:
    """From a real 1.5B run: it searched memory for "my notes", found nothing and answered "not
    specified", never trying the document search that held the owner's name."""
    goal = "Who is the owner of the Zephyr project, according to my notes?"
    model = ScriptedChatModel([act("recall_memories", query="Zephyr owner"), final("Sorry, that is not specified anywhere."),
                               act("find_documents", query="Zephyr owner"), final("Ingrid Larsen owns the Zephyr project.")])
    r = make_agent(model, tools=[recall_memories, find_documents], options=AgentOptions()).run(goal)
    assert r.status == "succeeded" and "Ingrid" in r.answer
    assert "find_documents was not tried" in model.calls[2][-1].content
    assert "look with find_documents (not tried yet)" in r.steps[0].observation  # the empty lookup said so too
    # Every lookup tried and still nothing: the run ends no_answer, although the answer repeats
    # the goal's own name (Zephyr is no claim of the answer's).
    model = ScriptedChatModel([act("recall_memories", query="Zephyr owner"), act("find_documents", query="Zephyr budget"),
                               plan("say that nothing is known"),
                               final("The Zephyr owner is not specified in the records I could search.")])
    r = make_agent(model, tools=[recall_memories, find_documents], options=AgentOptions()).run(goal)
    assert r.status == "no_answer" and model.purposes == ["act", "act", "replan", "act"]


def test_an_absent_thing_is_not_answered_without_a_look_at_the_sources(make_agent: Any) -> None:
    """From a real 1.5B run: code could not open the video, and it answered "No cat was found"."""
    model = ScriptedChatModel([final("No owner was found for Zephyr."), act("find_documents", query="Zephyr owner"),
                               final("Ingrid Larsen owns the Zephyr project.")])
    r = make_agent(model, tools=[find_documents], options=AgentOptions()).run("Who owns the Zephyr project?")
    assert r.status == "succeeded" and "Ingrid" in r.answer and model.purposes == ["act", "act", "act"]
    from sokrat.agents import goals

    assert goals.says_absent("I did not see a dog.") and goals.says_absent("No cat was found in the video.")
    assert not goals.says_absent("No, 7 is a prime number.") and not goals.finds_nothing("No cat was found.")
    # a refusal is no answer, however polite; helping words inside an answer are not one
    for refusal in ("I'm sorry, but I can't help with that.", "I am unable to assist with this request.",
                    "Sorry, I am not able to help with that question."):
        assert goals.finds_nothing(refusal), refusal
    for answer in ("The helpdesk can help with that: call 5521.", "It helps with sleep: 3 mg.",
                   "I can help: the gate code is 5521."):
        assert not goals.finds_nothing(answer), answer


def test_a_repeated_failed_call_is_asked_again_with_sampling(make_agent: Any) -> None:
    """Greedy decoding gave a stuck 1.5B the same non-printing code on every step (whisper's
    temperature fallback): the repeat is asked again once, sampled, with the reason."""
    model = ScriptedChatModel([act("city_of", person="zed"), act("city_of", person="zed"), act("city_of", person="alice"),
                               final("Alice lives in Paris.")])
    r = make_agent(model, options=AgentOptions()).run("Where does alice live?")
    assert r.status == "succeeded" and [s.tool for s in r.steps] == ["city_of", "city_of"]
    assert model.temperatures == [0.0, 0.0, 0.7, 0.0]
    assert "That call would be refused: this exact call already failed" in model.calls[2][-1].content
    # A repeat of a call that already gave its result is asked again too (sampled).
    model = ScriptedChatModel([act("city_of", person="alice"), act("city_of", person="alice"),
                               final("Alice lives in Paris.")])
    r = make_agent(model, options=AgentOptions()).run("Where does alice live?")
    assert r.status == "succeeded" and len(r.steps) == 1 and model.temperatures == [0.0, 0.0, 0.7]
    assert "this exact call already succeeded" in model.calls[2][-1].content
    # Off: the repeat is taken as it is (and refused before it runs).
    model = ScriptedChatModel([act("city_of", person="zed"), act("city_of", person="zed"), act("city_of", person="alice"),
                               final("Alice lives in Paris.")])
    r = make_agent(model, options=AgentOptions(fallback_temperature=0.0)).run("Where does alice live?")
    assert 0.7 not in model.temperatures and "already failed" in r.steps[1].observation


def test_a_single_request_is_its_own_plan_and_multi_part_goals_are_planned(make_agent: Any) -> None:
    model = ScriptedChatModel([act("city_of", person="alice"), final("Alice lives in Paris.")])
    events, r = _events(make_agent(model, options=AgentOptions()), "Where does alice live?")
    assert r.status == "succeeded" and model.purposes == ["act", "act"]  # no plan call
    assert next(e for e in events if e.type == "plan").data["plan"] == ["Where does alice live?"]
    model = ScriptedChatModel([plan("city_of alice", "remember it"), act("city_of", person="alice"),
                               final("Alice lives in Paris.")])
    make_agent(model, options=AgentOptions()).run("Look up where alice lives, then remember it.")
    assert model.purposes[0] == "plan"


@tool(name="remember", stores=("remember",))
def store_fact(text: str) -> str:
    """Store a fact in long-term memory.

    Args:
        text: the fact.
    """
    return f"Stored in long-term memory: {text!r}"


def test_a_store_goal_answered_before_storing_is_told_to_store_not_that_it_echoes(make_agent: Any) -> None:
    """From a real 1.5B run: its answer restated the goal, and "that answer repeats the
    instruction" came back three times until the error budget ended the run."""
    goal = "Remember that the kickoff is in room B12, then tell me what you stored."
    model = ScriptedChatModel([plan("Remember that the kickoff is in room B12", "Tell me what you stored"),
                               final("The kickoff is in room B12."), act("remember", text="The kickoff is in room B12."),
                               final("I stored: the kickoff is in room B12.")])
    r = make_agent(model, tools=[store_fact], options=AgentOptions()).run(goal)
    assert "call remember first" in model.calls[2][-1].content
    assert r.status == "succeeded" and [s.tool for s in r.steps] == ["remember"]


def test_a_store_goal_that_also_asks_is_told_apart_from_one_that_only_stores() -> None:
    """A goal that stores and asks a value (cross-checked like any computation) against one that
    only stores (its answer is a confirmation, nothing to cross-check)."""
    from sokrat.agents.goals import asks_besides_storing
    from sokrat.tools.memory import remember

    verbs = remember.stores
    for goal in ("Remember that my commute is 17 km each way, then tell me how far I drive in a week.",
                 "Note that the bus leaves at 7:10. How long is it until 8:00?",
                 "Please note my garden is 52 square metres and compute its area in square feet.",
                 "Save that my rent is 910 a month, then what do I pay in a year?"):
        assert asks_besides_storing(goal, verbs), goal
    for goal in ("Remember that my locker code is 4411.", "Please note that I park where the red sign is.",
                 "Could you note that the gate code is 5521?", "FYI, my gym locker is number 52.",
                 "Remember that the plumber comes on Friday, and that he charges 60 an hour."):
        assert not asks_besides_storing(goal, verbs), goal
