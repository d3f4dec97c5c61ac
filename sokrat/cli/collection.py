"""`sokrat index/ask/log --collection NAME`: a day of clips as one memory (see :mod:`sokrat.video.collection`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sokrat.cli._common import emit_json, fail, stderr, stdout, user_errors

if TYPE_CHECKING:
    from sokrat.video.qa import VideoQA

OWNER = "default"
"""Whose collections the CLI reads and writes (the same as a run's default namespace; the server uses the API key's)."""


def index_collection(qa: VideoQA, name: str, paths: Sequence[Path], *, start: str | None, as_json: bool) -> None:
    from sokrat.video.collection import Collection, expand_paths, parse_iso

    with user_errors():
        begin = parse_iso(start) if start is not None else None
        missing = [str(p) for p in paths if not p.expanduser().exists()]
        if missing:
            raise fail(f"no such file or folder: {', '.join(missing)}")
        if not expand_paths(paths):
            raise fail("no video files in the given folders")
        coll = Collection(qa, name, owner=OWNER)
        reports = coll.add(paths, start=begin, progress=not as_json)
    ok = [r for r in reports if r.ok]
    if as_json:
        emit_json({"collection": name, "added": len(ok), "failed": len(reports) - len(ok),
                   "clips": [r.to_json() for r in reports]})
    else:
        for r in reports:
            if r.ok and r.clip is not None:
                how = "reused" if r.reused else "indexed"
                stdout.print(f"{r.clip.source}: {how}, starts {r.clip.to_json()['clock_start']} (from {r.start_from})",
                             highlight=False, soft_wrap=True, markup=False)
            else:
                stderr.print(f"{r.path}: not added: {r.error}", highlight=False, soft_wrap=True, markup=False)
        stdout.print(f"collection {name}: {len(coll.clips())} clip(s)", highlight=False, soft_wrap=True)
    if not ok:
        raise fail("no clip could be added")


def ask_collection(qa: VideoQA, name: str, question: str, *, as_json: bool) -> None:
    from sokrat.video.collection import Collection
    from sokrat.video.qa import fmt_span

    with user_errors():
        result = Collection(qa, name, owner=OWNER).ask(question)
    if as_json:
        emit_json(result)
        return
    stdout.print(result.answer, highlight=False, soft_wrap=True, markup=False)
    for e in result.evidence:
        stdout.print(f"  {e.clock_start or ''}  {e.source} {fmt_span(e.t_start or 0, e.t_end or 0)}  {e.text}",
                     highlight=False, soft_wrap=True, markup=False)


def print_diary(qa: VideoQA, name: str, *, as_json: bool) -> None:
    from sokrat.video import diary
    from sokrat.video.collection import Collection

    with user_errors():
        coll = Collection(qa, name, owner=OWNER)
        if not coll.clips():
            raise fail(f"the collection {name!r} has no clips")
        periods = diary.periods(coll)
    if as_json:
        emit_json({"collection": name, "clips": [c.to_json() for c in coll.clips()],
                   "diary": [p.to_json() for p in periods]})
        return
    for p in periods:
        stdout.print(p.sentence(), highlight=False, soft_wrap=True, markup=False)
