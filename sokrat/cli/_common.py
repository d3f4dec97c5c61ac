"""What every CLI command shares: `--json` output on stdout, logs/progress on stderr,
and one-line errors with a non-zero exit code."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import typer
from pydantic import BaseModel
from rich.console import Console

from sokrat.errors import SokratError

stderr = Console(stderr=True)
stdout = Console()

F = TypeVar("F", bound=Callable[..., Any])


def emit_json(obj: Any) -> None:
    """Print exactly one JSON object on stdout."""
    if isinstance(obj, BaseModel):
        obj = obj.model_dump(mode="json")
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print a one-line reason on stderr and return the Exit to raise."""
    stderr.print(f"[red]error:[/red] {' '.join(message.split())}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn Sokrat errors (bad input, missing models, dead Redis) into one line + exit 1."""
    try:
        yield
    except SokratError as e:
        raise fail(str(e)) from None
    except KeyboardInterrupt:
        raise fail("interrupted", 130) from None

