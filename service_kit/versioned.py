"""A per-thread snapshot of some rows, re-read only when the database changed.

Flags, clients and cutoff state are read on every request and change rarely. Asking
``SqliteDatabase.data_version()`` costs a few microseconds; a change made by any worker,
thread or the admin CLI is seen by the next request of every worker, with no restart and
no notification channel.

Per thread, not per process: a thread's ``data_version`` describes only its own connection,
so a snapshot shared across threads could be judged fresh by a thread that never saw the
change.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

T = TypeVar("T")


class ChangeCounter(Protocol):
    """``SqliteDatabase`` or ``PostgresDatabase``: an answer that moves after any commit."""

    def data_version(self) -> object: ...


class VersionedSnapshot(Generic[T]):
    """``get()`` returns ``load()``'s result, loading again only after a data change."""

    def __init__(self, db: ChangeCounter, load: Callable[[], T]) -> None:
        self._db = db
        self._load = load
        self._local = threading.local()

    def get(self) -> T:
        version = self._db.data_version()
        if getattr(self._local, "version", None) != version:
            self._local.value = self._load()
            self._local.version = version
        return self._local.value
