"""The usage ledger: who still calls with which credential, across all workers.

Counting in SQLite on every request would add a write transaction to the hot path, so each
worker counts in memory and a background thread folds its counts into the ``auth_usage``
table every ``FLUSH_INTERVAL`` seconds (and when it exits, and before the ledger is read).
Prometheus counters (exact, per request) live in ``metrics.py``.
"""

from __future__ import annotations

import atexit
import threading
import time
from collections import defaultdict

from .db import Database

FLUSH_INTERVAL = 1.0


class Ledger:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._lock = threading.Lock()
        self._pending: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])
        self._thread: threading.Thread | None = None
        atexit.register(self.flush)

    def record(self, client_id: str, method: str, outcome: str) -> None:
        with self._lock:
            entry = self._pending[(client_id, method, outcome)]
            entry[0] += 1
            entry[1] = int(time.time())
            if self._thread is None:
                self._thread = threading.Thread(target=self._flusher, daemon=True, name="ledger")
                self._thread.start()

    def flush(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, defaultdict(lambda: [0, 0])
        if not pending:
            return
        with self.db.transaction() as conn:
            conn.executemany(
                "INSERT INTO auth_usage VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (client_id, method, outcome) DO UPDATE SET"
                " count = count + excluded.count, last_seen = MAX(last_seen, excluded.last_seen)",
                [(*key, count, seen) for key, (count, seen) in pending.items()],
            )

    def _flusher(self) -> None:
        while True:
            time.sleep(FLUSH_INTERVAL)
            self.flush()

    def usage(self) -> list[dict]:
        """Per client: per method, accepted and refused counts and when last seen."""
        self.flush()
        rows = self.db.connection().execute(
            "SELECT client_id, method, outcome, count, last_seen FROM auth_usage"
        )
        clients: dict[str, dict] = {}
        for row in rows:
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
