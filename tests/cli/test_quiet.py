"""Third-party progress bars are off in every command, and stay on for a user who asks for them."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import os, sys
from sokrat.cli import quiet_third_party_progress
quiet_third_party_progress()
from transformers.utils import logging
print(os.environ["HF_HUB_DISABLE_PROGRESS_BARS"], logging.is_progress_bar_enabled())
"""


def _probe(env: dict[str, str]) -> str:
    return subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True,
                          env=env, timeout=120).stdout.strip()


def test_bars_off_by_default(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import os

    env = {k: v for k, v in os.environ.items() if k != "HF_HUB_DISABLE_PROGRESS_BARS"}
    assert _probe(env) == "1 False"


def test_user_choice_wins() -> None:
    import os

    assert _probe({**os.environ, "HF_HUB_DISABLE_PROGRESS_BARS": "0"}) == "0 True"
