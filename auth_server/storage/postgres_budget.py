"""The failed-authentication budget in PostgreSQL: one fixed window per key for every replica.

The ``FailureBudget`` of ``interfaces.py`` for ``AUTH_DATABASE_URL``. ``spend`` is one
upsert that either counts into the current window or opens a new one, so failures on
every replica add up to one budget (with two replicas on per-process counters an attacker
would get twice as many guesses). Only failed authentications write; a request that
authenticates costs one indexed read. The keys are attacker-chosen, so the table stays
bounded as ``throttle.py``'s does: each failure sweeps the expired windows (through the
index on ``window_end``) and, past ``MAX_ROWS``, the windows closest to their end.
"""

from __future__ import annotations

import math
import time

from limits import parse

from service_kit.postgres import PostgresDatabase

from .throttle import MAX_ROWS


class PostgresFailureBudget:
    """``limit`` as ``limits`` writes it (``20/minute``): failures per key per window."""

    def __init__(self, db: PostgresDatabase, limit: str, max_rows: int = MAX_ROWS) -> None:
        self.db = db
        self.max_rows = max_rows
        item = parse(limit)
        self.amount, self.window = item.amount, item.get_expiry()

    def _count(self, key: str) -> tuple[int, float]:
        with self.db.read() as conn:
            row = conn.execute(
                "SELECT count, window_end FROM failure_windows WHERE key = %s AND window_end > %s",
                (key, time.time()),
            ).fetchone()
        return (row["count"], row["window_end"]) if row else (0, time.time())

    def exhausted(self, key: str) -> bool:
        return self._count(key)[0] >= self.amount

    def spend(self, key: str) -> None:
        now = time.time()
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO failure_windows VALUES (%(key)s, 1, %(end)s) ON CONFLICT (key) DO"
                " UPDATE SET count = CASE WHEN failure_windows.window_end <= %(now)s THEN 1"
                " ELSE failure_windows.count + 1 END,"
                " window_end = CASE WHEN failure_windows.window_end <= %(now)s"
                " THEN excluded.window_end ELSE failure_windows.window_end END",
                {"key": key, "end": now + self.window, "now": now},
            )
            conn.execute("DELETE FROM failure_windows WHERE window_end <= %s", (now,))
            conn.execute(
                "DELETE FROM failure_windows WHERE key IN (SELECT key FROM failure_windows"
                " WHERE key != %s ORDER BY window_end DESC OFFSET %s)",
                (key, self.max_rows - 1),
            )

    def retry_after(self, key: str) -> int:
        """Seconds until the key's window ends, at least 1 and never more than the window."""
        end = self._count(key)[1]
        return max(1, min(math.ceil(end - time.time()), self.window))
