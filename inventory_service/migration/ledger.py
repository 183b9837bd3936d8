"""The usage ledger: who still calls with which credential, across all workers.

Each worker counts in memory; the process's ``Flusher`` folds the counts into a table every
second (and when it exits, and before the ledger is read). Prometheus counters (exact, per
request) are fed from the same decision in ``usage.py``.

``Ledger`` counts REST authentication decisions per credential kind (``auth_usage``);
``ToolLedger`` counts the MCP server's decisions per tool (``mcp_usage``), so the dashboard
shows which agent called which tool and whether it was let in.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections import defaultdict
from typing import Protocol

from service_kit.sqlite import SqliteDatabase

from .flusher import MAX_KEYS, Flusher, keep_newest

Key = tuple[str, str, str]


class UsageLedger(Protocol):
    """Decisions counted per (client, credential or tool, outcome). ``Ledger`` and
    ``ToolLedger`` below are the SQLite implementations."""

    def record(self, client_id: str, kind: str, outcome: str) -> None: ...
    def usage(self) -> list[dict]: ...
    def flush(self) -> None: ...


class _Counts:
    """Counts per (client_id, <kind>, outcome), folded into ``TABLE`` in the background."""

    TABLE = ""
    KIND = ""  # the middle key column

    def __init__(self, db: SqliteDatabase, flusher: Flusher | None = None) -> None:
        """``flusher``: the process's writer; a ledger without one gets its own."""
        self.db = db
        self.flusher = flusher or Flusher(db)
        self.flusher.add(self)
        self._lock = threading.Lock()
        self._pending: dict[Key, list[int]] = defaultdict(lambda: [0, 0])

    def record(self, client_id: str, kind: str, outcome: str) -> None:
        with self._lock:
            entry = self._pending[(client_id, kind, outcome)]
            entry[0] += 1
            entry[1] = int(time.time())
        self.flusher.wake()

    def flush(self) -> None:
        """Write what this process has counted so far (the flusher writes all counts)."""
        self.flusher.flush()

    def take(self) -> dict[Key, list[int]]:
        with self._lock:
            pending, self._pending = self._pending, defaultdict(lambda: [0, 0])
        return pending

    def give_back(self, taken: dict[Key, list[int]]) -> None:
        """A fold failed: its counts join what was counted since (bounded by ``MAX_KEYS``)."""
        with self._lock:
            for key, (count, seen) in taken.items():
                entry = self._pending[key]
                entry[0] += count
                entry[1] = max(entry[1], seen)
            keep_newest(self._pending, MAX_KEYS, lambda entry: entry[1])

    def write(self, conn: sqlite3.Connection, pending: dict[Key, list[int]]) -> None:
        conn.executemany(
            # Table and column names are class constants, never input.
            f"INSERT INTO {self.TABLE} VALUES (?, ?, ?, ?, ?)"  # noqa: S608
            f" ON CONFLICT (client_id, {self.KIND}, outcome) DO UPDATE SET"
            " count = count + excluded.count, last_seen = MAX(last_seen, excluded.last_seen)",
            [(*key, count, seen) for key, (count, seen) in pending.items()],
        )

    def _rows(self):
        self.flush()
        return self.db.connection().execute(
            f"SELECT client_id, {self.KIND}, outcome, count, last_seen FROM {self.TABLE}"  # noqa: S608
            f" ORDER BY client_id, {self.KIND}"
        )


class Ledger(_Counts):
    TABLE, KIND = "auth_usage", "method"

    def usage(self) -> list[dict]:
        """Per client: per method, accepted and refused counts and when last seen."""
        clients: dict[str, dict] = {}
        for row in self._rows():
            entry = clients.setdefault(row["client_id"], {"client_id": row["client_id"]})
            method = entry.setdefault(
                row["method"],
                {"accepted": 0, "refused": 0, "last_seen": None, "last_accepted": None},
            )
            method[row["outcome"]] = row["count"]
            method["last_seen"] = max(method["last_seen"] or 0, row["last_seen"])
            if row["outcome"] == "accepted":
                method["last_accepted"] = row["last_seen"]
        return [clients[k] for k in sorted(clients)]


class ToolLedger(_Counts):
    TABLE, KIND = "mcp_usage", "tool"

    def usage(self) -> list[dict]:
        """Per (client, tool): accepted and refused counts and when last seen."""
        calls: dict[tuple[str, str], dict] = {}
        for row in self._rows():
            entry = calls.setdefault(
                (row["client_id"], row["tool"]),
                {
                    "client_id": row["client_id"],
                    "tool": row["tool"],
                    "accepted": 0,
                    "refused": 0,
                    "last_seen": 0,
                },
            )
            entry[row["outcome"]] = row["count"]
            entry["last_seen"] = max(entry["last_seen"], row["last_seen"])
        return list(calls.values())
