"""A run that is killed mid-step: started as a subprocess by test_durable.py.

Usage: python -m tests.agents._durable_run REDIS_URL PREFIX CALLS_FILE
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from sokrat.agents import Agent
from sokrat.agents.durable import checkpointer
from sokrat.llm.base import ScriptedChatModel
from sokrat.settings import Settings
from sokrat.tools.registry import tool


def robot_tools(calls: Path, *, hang: bool) -> list:
    @tool
    def pick(obj: str) -> str:
        """Pick an object.

        Args:
            obj: object name.
        """
        with calls.open("a") as f:
            f.write(f"pick {obj}\n")
        return f"picked {obj}"

    @tool
    async def place(obj: str) -> str:
        """Place an object.

        Args:
            obj: object name.
        """
        with calls.open("a") as f:
            f.write(f"place {obj}{' started' if hang else ''}\n")
        if hang:
            await asyncio.sleep(3600)  # the test kills the process here
        return f"placed {obj}"

    return [pick, place]


def main() -> None:
    url, prefix, calls = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    settings = Settings(redis_url=url, data_dir=calls.parent / "data")
    model = ScriptedChatModel([
        {"steps": ["pick the cup", "place the cup"]},
        {"tool": "pick", "arguments": {"obj": "cup"}},
        {"tool": "place", "arguments": {"obj": "cup"}},
    ])
    saver = checkpointer(settings, prefix=prefix)
    put = saver.aput

    async def slow_put(*args: object) -> object:
        # A slow Redis (a loaded machine): a run that starts the next step before its checkpoint
        # is written would lose the completed step when killed, and the test would see it.
        await asyncio.sleep(0.5)
        return await put(*args)  # type: ignore[arg-type]

    saver.aput = slow_put  # type: ignore[method-assign]
    agent = Agent(model=model, memory=False, tools=robot_tools(calls, hang=True), settings=settings,
                  checkpointer=saver)
    agent.run("move the cup to the tray", thread_id="robot-1")


if __name__ == "__main__":
    main()
