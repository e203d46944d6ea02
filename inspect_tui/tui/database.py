"""The app's one path to the store.

Every database call of the TUI runs on one thread, in the order it was asked for: writes
never overtake each other, reads never race a write on the shared connection, and the
UI thread never waits on SQLite (a second app instance may hold the write lock for a
while; the store waits up to its busy timeout). Screens submit work here and wait for
the result in a Textual worker, which posts a message when it is done.

A write submitted is never dropped: leaving a screen cancels the worker waiting for the
result, not the write; and closing drains the queue before the app exits.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Concatenate, ParamSpec, TypeVar

from ..store import Store

P = ParamSpec("P")
R = TypeVar("R")


class Database:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="inspect-db")
        self._closed = False

    def submit(
        self, fn: Callable[Concatenate[Store, P], R], /, *args: P.args, **kwargs: P.kwargs
    ) -> Future[R]:
        """Queue ``fn(store, *args, **kwargs)``; the future holds its result or error."""
        return self._executor.submit(fn, self.store, *args, **kwargs)

    def call(
        self, fn: Callable[Concatenate[Store, P], R], /, *args: P.args, **kwargs: P.kwargs
    ) -> R:
        """Run ``fn`` on the database thread and wait for it (from a worker thread only)."""
        return self._executor.submit(fn, self.store, *args, **kwargs).result()

    @property
    def readonly(self) -> bool:
        return self.store.readonly

    def close(self) -> None:
        """Finish every queued call, then stop the thread."""
        if not self._closed:
            self._closed = True
            self._executor.shutdown(wait=True)
