"""Unit tests of the task benchmark's scoring (bench/_scoring.py, bench/tasks.py's report):
the checks a wrong-but-succeeded figure rests on, each where it fires and where it must not."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import _scoring  # noqa: E402
import tasks  # noqa: E402


def test_but_not_rejects_the_neighbouring_field_and_accepts_the_asked_one() -> None:
    due = _scoring.but_not(_scoring.words(r"1 november"), r"october")
    assert due("It is due on 1 November 2026.")
    assert not due("Issued 2 October, due 1 November.")  # the other field's value: not counted
    assert not due("It is due on 2 October 2026.")


def test_number_reads_thousands_separators_and_tolerance() -> None:
    assert _scoring.number(15000)("15,000 euros a year")
    assert not _scoring.number(15000)("1500 euros")
    assert _scoring.number_in(8.0, 8.1)("about 8.05 km")
    assert not _scoring.number_in(8.0, 8.1)("3.1 km")


def test_yes_and_no_need_one_polarity() -> None:
    assert _scoring.yes("Yes, there is.") and not _scoring.yes("Yes and no.")
    assert _scoring.no("No boat.") and not _scoring.no("Yes")


def test_splits_are_disjoint_and_the_heldout_one_is_large_enough() -> None:
    dev = {t.id for t in tasks.SPLITS["dev"]}
    heldout = {t.id for t in tasks.SPLITS["heldout"]}
    heldout2 = {t.id for t in tasks.SPLITS["heldout2"]}
    heldout3 = {t.id for t in tasks.SPLITS["heldout3"]}
    assert len(dev) == 40 and len(heldout) >= 40 and len(heldout2) >= 40 and len(heldout3) >= 40
    assert not dev & heldout and not dev & heldout2 and not heldout & heldout2
    assert not heldout3 & (dev | heldout | heldout2)
    assert len(tasks.SPLITS["all"]) == len(dev) + len(heldout) + len(heldout2) + len(heldout3)
    assert set(tasks.corpus(next(t for t in tasks.HELDOUT if t.documents))) > set(tasks.DOCUMENTS)
    assert set(tasks.corpus(next(t for t in tasks.HELDOUT2 if t.documents))) > set(tasks.DOCUMENTS)
    assert set(tasks.corpus(next(t for t in tasks.HELDOUT3 if t.documents))) > set(tasks.DOCUMENTS)
    assert tasks.corpus(tasks.TASKS[0]) == tasks.DOCUMENTS


def test_every_split_s_ids_and_goals_are_its_own() -> None:
    """The later held-out splits (run on their own, not in ``all``) share no task id or goal
    with any other split, and each has its documents beside the dev ones."""
    names = ["dev", "heldout", "heldout2", "heldout3", "heldout4", "heldout5", "heldout6",
             "heldout7", "heldout8", "heldout9"]
    seen_ids: set[str] = set()
    seen_goals: set[str] = set()
    for name in names:
        split = tasks.SPLITS[name]
        ids, goals = {t.id for t in split}, {t.goal.strip().lower() for t in split}
        assert len(ids) == len(split) >= 40, name
        assert not ids & seen_ids and not goals & seen_goals, name
        seen_ids |= ids
        seen_goals |= goals
        with_docs = [t for t in split if t.documents]
        if name != "dev" and with_docs:
            assert set(tasks.corpus(with_docs[0])) >= set(tasks.DOCUMENTS), name


def _row(status: str, right: bool) -> dict[str, object]:
    return {"task": "t", "group": "g", "agent": "graph", "faults": 0.0, "status": status, "right": right,
            "success": status == "succeeded" and right, "wrong_succeeded": status == "succeeded" and not right,
            "steps": 1, "prompt_tokens": 10, "wall_s": 1.0}


@pytest.mark.parametrize(("rows", "success", "wrong", "unverified", "unverified_right"), [
    ([_row("succeeded", True), _row("succeeded", False)], 0.5, 1, 0, 0),
    ([_row("unverified", True), _row("unverified", False)], 0.0, 0, 2, 1),  # unverified is never success
    ([_row("no_answer", False), _row("failed", False)], 0.0, 0, 0, 0),  # failing honestly is not "wrong"
])
def test_summary_counts_wrong_but_succeeded_and_unverified(rows: list[dict[str, object]], success: float,
                                                           wrong: int, unverified: int, unverified_right: int) -> None:
    overall = tasks.summarize(rows)["graph@faults=0"]["overall"]  # type: ignore[arg-type]
    assert (overall["success"], overall["wrong_succeeded"]) == (success, wrong)
    assert (overall["unverified"], overall["unverified_right"]) == (unverified, unverified_right)
