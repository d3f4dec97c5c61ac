"""One small helper for the process-wide caches that remain (models, memory clients, backends).

Each cache is keyed by a hashable tuple of the *values* that decide what is built (never an
``id()``, which Python reuses after garbage collection), built at most once per key under a
lock, and bounded, so a long-running worker that sees many option sets does not grow forever.
``functools.lru_cache`` does not fit: it is not safe against two threads building the same
heavy model at once, and it cannot be cleared per key.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class ProcessCache(Generic[V]):
    """A bounded, thread-safe ``key -> value`` cache whose values are built once per key.

    Args:
        maxsize: how many values to keep; the least recently used one is dropped first.
    """

    def __init__(self, *, maxsize: int = 8) -> None:
        self._maxsize = maxsize
        self._values: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.RLock()

    def get_or_build(self, key: Hashable, build: Callable[[], V]) -> V:
        """The cached value for ``key``, built by ``build()`` on first use (under the lock,
        so two threads never build the same value twice)."""
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
            value = build()
            self._values[key] = value
            while len(self._values) > self._maxsize:
                self._values.popitem(last=False)
            return value

    def pop(self, key: Hashable) -> V | None:
        """Forget ``key`` (for example after its backend died); returns the value, if any."""
        with self._lock:
            return self._values.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._values.clear()

    def __len__(self) -> int:
        return len(self._values)
