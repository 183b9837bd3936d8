"""Usage detail in PostgreSQL: endpoints, scopes, the minute curve and latest decisions of
every replica in one set of rows.

Counted in memory and folded once a second like the ledger (``postgres_ledger.py``): counts
add up under the row's lock, latest times take the greater (``GREATEST``), and the scopes a
credential carried follow its latest call, so folds from several replicas in any order give
the same rows as one replica would. Rows are written in key order (no deadlock between two
folds). What the readers make of the rows is ``usage_detail.py``'s.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from service_kit.postgres import PostgresDatabase

from .flusher import Flusher
from .usage_detail import (
    SERIES_KEEP,
    UsageDetail,
    denials_by_client,
    first_minute,
    last_by_client,
    minutes_spanned,
    series_of,
)


class PostgresUsageDetail(UsageDetail):
    """``UsageDetailStore`` on a shared PostgreSQL database; recording is ``UsageDetail``'s."""

    def __init__(
        self, db: PostgresDatabase, flusher: Flusher, clock: Callable[[], float] = time.time
    ) -> None:
        super().__init__(db, flusher, clock)  # type: ignore[arg-type]
        self.pg = db

    def write(self, conn: Any, taken: Any) -> None:
        uses, minutes, last, denials = taken
        cur = conn.cursor()
        cur.executemany(
            "INSERT INTO auth_refusals AS r VALUES (%s, %s, %s, %s, %s)"
            " ON CONFLICT (client_id, cause) DO UPDATE SET count = r.count + excluded.count,"
            " at = GREATEST(r.at, excluded.at),"
            " granted = CASE WHEN excluded.granted != '' THEN excluded.granted ELSE r.granted END",
            [(*key, count, at, granted) for key, (count, at, granted) in sorted(denials.items())],
        )
        cur.executemany(
            "INSERT INTO auth_usage_detail AS d VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (client_id, method, key_id, endpoint) DO UPDATE SET"
            " count = d.count + excluded.count, scope = excluded.scope,"
            " granted = CASE WHEN excluded.last_seen >= d.last_seen"
            " THEN excluded.granted ELSE d.granted END,"
            " last_seen = GREATEST(d.last_seen, excluded.last_seen)",
            [
                (client, method, key_id, endpoint, scope, granted, count, seen)
                for (client, method, key_id, endpoint, scope), (count, seen, granted) in sorted(
                    uses.items()
                )
            ],
        )
        cur.executemany(
            "INSERT INTO auth_usage_minutes AS m VALUES (%s, %s, %s, %s)"
            " ON CONFLICT (minute, method, outcome) DO UPDATE SET count = m.count + excluded.count",
            [(*key, count) for key, count in sorted(minutes.items())],
        )
        cur.executemany(
            "INSERT INTO auth_last_decision AS l VALUES (%s, %s, %s)"
            " ON CONFLICT (client_id, outcome) DO UPDATE SET at = GREATEST(l.at, excluded.at)",
            [(*key, at) for key, at in sorted(last.items())],
        )
        cur.execute(
            "DELETE FROM auth_usage_minutes WHERE minute < %s",
            (int(self.clock()) - SERIES_KEEP,),
        )

    def _all(self, sql: str, *params: Any) -> list[dict]:
        self.flusher.flush()
        with self.pg.read() as conn:
            return conn.execute(sql, params).fetchall()

    def uses(self) -> list[dict]:
        return self._all(
            'SELECT * FROM auth_usage_detail ORDER BY client_id COLLATE "C",'
            ' method COLLATE "C", key_id COLLATE "C", endpoint COLLATE "C"'
        )

    def last_decisions(self) -> dict[str, dict[str, float]]:
        return last_by_client(self._all("SELECT * FROM auth_last_decision"))

    def denials(self) -> dict[str, dict[str, dict]]:
        return denials_by_client(self._all("SELECT * FROM auth_refusals"))

    def span_minutes(self, least: int, most: int) -> int:
        earliest = self._all("SELECT MIN(minute) AS minute FROM auth_usage_minutes")[0]["minute"]
        return minutes_spanned(earliest, int(self.clock()), least, most)

    def per_minute(self, minutes: int = 60) -> dict[str, list[int]]:
        first = first_minute(int(self.clock()), minutes)
        rows = self._all(
            "SELECT minute, method, outcome, count FROM auth_usage_minutes WHERE minute >= %s",
            first,
        )
        return series_of(rows, first, minutes)
