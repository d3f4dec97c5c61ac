"""Shapes of the day-memory benchmark's data (shared by its dev and held-out parts)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Visit:
    """One clip of a day: which routine clip, and its wall-clock start (HH:MM, UTC)."""

    clip: str
    at: str


@dataclass(frozen=True)
class Day:
    date: str
    visits: tuple[Visit, ...]


@dataclass(frozen=True)
class Item:
    q: str
    kind: str
    """yes_no, when, count, what, diary, forecast."""
    accept: tuple[str, ...] = ()
    """Every one of these regexes (lower case) must be in the answer."""
    window: tuple[str, str] | None = None
    """Wall-clock span (ISO, UTC) some evidence must overlap; None: nothing to ground."""
    unanswerable: bool = False
    """Right only as ``no_answer``."""
