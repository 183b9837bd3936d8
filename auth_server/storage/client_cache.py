"""Client records kept in memory per thread, dropped the moment the registry may have changed.

Every token request looks its client up; reading and decoding the row would be the largest
part of client authentication after the hash. Before each use, a thread asks its own SQLite
connection whether anything was committed since it last looked (``service_kit.versioned``:
``PRAGMA data_version`` plus the thread's own commits). If so, the thread forgets every
record. So ``clients disable``, ``rotate-secret`` and ``revoke-tokens`` — from the CLI,
another worker or this one — are in force for the very next request in every worker, with
no restart and no time-to-live to wait out.

Only clients that exist are kept: an id the registry does not know is looked up again every
time (one indexed read, then the dummy hash in ``auth_server.clients.secret_matches``), so
made-up ids cannot grow the cache and an unknown client costs the same as with no cache. Any
commit to the database — a failed-authentication count, a spent assertion ``jti`` — also
empties the cache; those are far rarer than token requests, and the next request reads again.

Per thread, not per process: a thread's ``data_version`` describes only its own connection,
so a record shared with other threads could have been read before a change and stored after.
"""

from __future__ import annotations

from collections.abc import Callable

from service_kit.sqlite import SqliteDatabase
from service_kit.versioned import VersionedSnapshot

from .interfaces import ClientRecord


class ClientCache:
    """``get(client_id)``: ``read(client_id)``'s answer, kept until ``db`` changes."""

    def __init__(self, db: SqliteDatabase, read: Callable[[str], ClientRecord | None]) -> None:
        self._read = read
        # An empty dict per thread, replaced by a new empty one after any commit.
        self._records: VersionedSnapshot[dict[str, ClientRecord]] = VersionedSnapshot(db, dict)

    def get(self, client_id: str) -> ClientRecord | None:
        """The stored record, disabled or not; None if there is no such client."""
        records = self._records.get()
        record = records.get(client_id)
        if record is None:
            record = self._read(client_id)
            if record is not None:
                records[client_id] = record
        return record
