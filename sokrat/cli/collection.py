"""`sokrat index/ask/log --collection NAME`: a day of clips as one memory (see :mod:`sokrat.video.collection`),
and `sokrat collection list/remove/delete` to take clips or whole collections away."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from sokrat.cli._common import emit_json, fail, stderr, stdout, user_errors

if TYPE_CHECKING:
    from sokrat.video.collection import Collection
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


def _existing(name: str) -> Collection:
    from sokrat.cli import video
    from sokrat.video.collection import Collection

    coll = Collection(video._qa(), name, owner=OWNER)
    if not coll.exists():
        raise fail(f"no collection named {name!r}; `sokrat collection list` shows yours")
    return coll


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Your collections of clips: list them, take a clip out, delete one.",
                        no_args_is_help=True)
    app.add_typer(group, name="collection")

    @group.command("list")
    def list_(as_json: bool = typer.Option(False, "--json", help="Print one JSON object.")) -> None:
        """The collections (made with `sokrat index ... --collection NAME`) and their clip counts."""
        from sokrat.cli import video
        from sokrat.video.collection import Collection

        with user_errors():
            qa = video._qa()
            rows = [{"name": n, "clips": len(Collection(qa, n, owner=OWNER).clips())}
                    for n in Collection.names(qa, owner=OWNER)]
        if as_json:
            emit_json({"collections": rows})
            return
        for r in rows:
            stdout.print(f"{r['name']}  {r['clips']} clip(s)", highlight=False, soft_wrap=True, markup=False)
        if not rows:
            stderr.print("no collections yet: `sokrat index PATH --collection NAME` makes one", highlight=False)

    @group.command("remove")
    def remove(
        name: str = typer.Argument(..., help="The collection."),
        clip: str = typer.Argument(..., help="The clip: its file name, log id or clip id (log_id/source)."),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    ) -> None:
        """Take one clip and all its shots off the collection's timeline (its log stays, for reuse)."""
        with user_errors():
            coll = _existing(name)
            removed = coll.remove(clip)
            if removed is None:
                known = ", ".join(c.source for c in coll.clips()) or "none"
                raise fail(f"no clip {clip!r} in the collection {name!r} (its clips: {known})")
            left = coll.clips()
        if as_json:
            emit_json({"collection": name, "removed": removed.to_json(), "clips": [c.to_json() for c in left]})
            return
        stdout.print(f"removed {removed.source} (started {removed.to_json()['clock_start']}) from {name}: "
                     f"{len(left)} clip(s) left", highlight=False, soft_wrap=True, markup=False)

    @group.command("delete")
    def delete(
        name: str = typer.Argument(..., help="The collection."),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    ) -> None:
        """Delete a collection: its clips, timeline and diary (the clips' logs stay, for reuse)."""
        with user_errors():
            coll = _existing(name)
            n = len(coll.clips())
            coll.delete()
        if as_json:
            emit_json({"collection": name, "deleted": True, "clips": n})
            return
        stdout.print(f"deleted the collection {name} ({n} clip(s))", highlight=False, soft_wrap=True, markup=False)
