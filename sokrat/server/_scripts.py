"""Running the queue's Lua scripts: ``EVALSHA`` with a reload on ``NOSCRIPT``, and group commit.

:class:`GroupCommit` is why ``POST /v1/tasks`` scales: the task creations of one server
process that arrive while a round trip to Redis is in flight wait, and all go in the next
pipeline (one ``EVALSHA`` each, one ``WAITAOF`` for the whole batch when the acknowledgement
must be durable). At low load a batch is one task and costs one round trip, as before; at high
load the per-request Redis cost (syscalls, wake-ups on both sides, client bookkeeping) is
shared by the batch. Written here because redis-py has no auto-batching client.
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any


def _noscript(e: BaseException) -> bool:
    import redis

    return isinstance(e, redis.exceptions.NoScriptError) or (
        isinstance(e, redis.ResponseError) and "No matching script" in str(e))


class Script:
    """A Lua script run by ``EVALSHA`` (loaded once more when Redis has forgotten it)."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.sha = hashlib.sha1(source.encode()).hexdigest()

    async def __call__(self, r: Any, args: list[Any], *, keys: tuple[str, ...] = ()) -> Any:
        for attempt in (0, 1):
            try:
                return await r.evalsha(self.sha, len(keys), *keys, *args)
            except Exception as e:
                if not _noscript(e) or attempt:
                    raise
                await r.script_load(self.source)
        raise AssertionError("unreachable")


class GroupCommit:
    """Runs ``script`` once per call, batching concurrent calls into one pipeline.

    Args:
        r: the asyncio Redis client.
        script: the script every call runs (no KEYS; everything in ARGV).
        after: a command sent after each batch in the same round trip (``WAITAOF ...``); its
            reply is returned with every call's own reply.
        in_flight: batches sent at once. 1 (the most batching) when a round trip is short;
            more when ``after`` may hold a batch for up to a second (``WAITAOF`` waiting for
            a once-a-second fsync).
    """

    def __init__(self, r: Any, script: Script, *, after: tuple[Any, ...] = (), in_flight: int = 1) -> None:
        self.r = r
        self.script = script
        self.after = after
        self._pending: list[tuple[list[Any], asyncio.Future[Any]]] = []
        self._drainer: asyncio.Task[None] | None = None
        self._slots = asyncio.Semaphore(in_flight) if in_flight > 1 else None
        self._sending: set[asyncio.Task[None]] = set()
        self._busy = False
        """A round trip is in flight (one-at-a-time mode): new calls wait for the next batch."""
        self.batches = 0
        """Round trips made (for tests and benchmarks: calls / batches = mean batch size)."""

    async def __call__(self, args: list[Any]) -> tuple[Any, Any]:
        """(the script's reply, the ``after`` command's reply or None)."""
        if self._slots is None and not self._busy:
            return await self._alone(args)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending.append((args, future))
        if not self._busy and (self._drainer is None or self._drainer.done()):
            # runs on the next loop turn: every call made in this turn joins the first batch
            self._drainer = asyncio.ensure_future(self._drain())
        return await future

    async def _alone(self, args: list[Any]) -> tuple[Any, Any]:
        """Nothing in flight: run in the caller's own task (no future, no extra task); calls
        arriving meanwhile go together once this round trip is back."""
        self._busy = True
        try:
            self.batches += 1
            return await self.script(self.r, args), None
        finally:
            self._busy = False
            if self._pending and (self._drainer is None or self._drainer.done()):
                self._drainer = asyncio.ensure_future(self._drain())

    async def _drain(self) -> None:
        while self._pending:
            if self._slots is None:
                batch, self._pending = self._pending, []
                self._busy = True
                try:
                    await self._send(batch)
                finally:
                    self._busy = False
                continue
            # several batches in flight (each may wait up to a second for an fsync): calls that
            # arrive while every slot is taken gather into the next batch
            await self._slots.acquire()
            batch, self._pending = self._pending, []
            task = asyncio.ensure_future(self._send(batch))
            self._sending.add(task)
            task.add_done_callback(self._sent)

    def _sent(self, task: asyncio.Task[None]) -> None:
        self._sending.discard(task)
        if self._slots is not None:
            self._slots.release()

    async def _send(self, batch: list[tuple[list[Any], asyncio.Future[Any]]]) -> None:
        try:
            if len(batch) == 1 and not self.after:  # alone: a plain EVALSHA costs less than a pipeline
                try:
                    replies, tail = [await self.script(self.r, batch[0][0])], None
                except Exception as e:
                    if not isinstance(e, self._reply_errors()):
                        raise
                    replies, tail = [e], None
            else:
                replies, tail = await self._pipeline([args for args, _ in batch])
        except Exception as e:
            for _, future in batch:
                if not future.done():
                    future.set_exception(e)
            return
        for (_, future), reply in zip(batch, replies, strict=True):
            if future.done():  # the caller went away (client disconnected)
                continue
            if isinstance(reply, Exception):
                future.set_exception(reply)
            else:
                future.set_result((reply, tail))

    @staticmethod
    def _reply_errors() -> tuple[type[Exception], ...]:
        """Errors that are one call's own reply (a script error), not the batch's failure."""
        import redis

        return (redis.ResponseError,)

    async def _pipeline(self, calls: list[list[Any]]) -> tuple[list[Any], Any]:
        replies: list[Any] = [None] * len(calls)
        todo = list(range(len(calls)))
        tail = None
        for attempt in (0, 1):
            async with self.r.pipeline(transaction=False) as pipe:
                for i in todo:
                    pipe.evalsha(self.script.sha, 0, *calls[i])
                if self.after:
                    pipe.execute_command(*self.after)
                results = await pipe.execute(raise_on_error=False)
            self.batches += 1
            if self.after:
                tail = results.pop()
                if isinstance(tail, Exception):
                    raise tail
            missing = []
            for i, result in zip(todo, results, strict=True):
                replies[i] = result
                if isinstance(result, Exception) and _noscript(result):
                    missing.append(i)
            if not missing or attempt:
                break
            await self.r.script_load(self.script.source)  # Redis restarted and forgot the script
            todo = missing
        return replies, tail


__all__ = ["GroupCommit", "Script"]
