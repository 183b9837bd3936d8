"""The evidence watch in PostgreSQL: it starts when the first replica starts on the database.

Every replica watches the same keys through the same shared ledger, so there is one start:
the first replica records it (under a table lock, so replicas starting at once record it
once) and the others find it.
"""

from __future__ import annotations

import time

from service_kit.postgres import PostgresDatabase

from .evidence import EvidenceWatch


class PostgresEvidenceWatch(EvidenceWatch):
    """``EvidenceWatch`` on a shared PostgreSQL database."""

    def __init__(self, db: PostgresDatabase) -> None:
        self.pg = db
        with db.transaction() as conn:
            conn.execute("LOCK TABLE evidence_watch IN SHARE ROW EXCLUSIVE MODE")
            if conn.execute("SELECT COUNT(*) AS n FROM evidence_watch").fetchone()["n"] == 0:
                conn.execute("INSERT INTO evidence_watch VALUES (%s)", (int(time.time()),))

    def started_at(self) -> int:
        with self.pg.read() as conn:
            row = conn.execute("SELECT MIN(started_at) AS at FROM evidence_watch").fetchone()
        return int(row["at"])
