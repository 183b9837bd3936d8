"""The usage ledgers in PostgreSQL: every replica's counts folded into one set of rows.

Each replica still counts in memory and folds once a second (``flusher.py``); the fold is
an additive upsert (``count = count + excluded.count``), which PostgreSQL applies under the
row's lock, so two replicas folding the same (client, credential, outcome) at once both
land: no read-modify-write, no lost update. Rows are written in key order, so two folds
that touch the same rows lock them in the same order and never deadlock. What the ledger
reports is then the sum over every replica, up to each one's last fold (one second).
"""

from __future__ import annotations

from typing import Any

from service_kit.postgres import PostgresDatabase

from .flusher import Flusher
from .issuer_usage import IssuerUsage
from .ledger import Key, Ledger, ToolLedger, _Counts


class PostgresCounts(_Counts):
    """``_Counts`` whose fold and reads go to a shared PostgreSQL database."""

    def __init__(self, db: PostgresDatabase, flusher: Flusher) -> None:
        super().__init__(db, flusher)  # type: ignore[arg-type]

    def write(self, conn: Any, pending: dict[Key, list[int]]) -> None:
        conn.cursor().executemany(
            # Table and column names are class constants, never input.
            f"INSERT INTO {self.TABLE} AS t VALUES (%s, %s, %s, %s, %s)"  # noqa: S608
            f" ON CONFLICT (client_id, {self.KIND}, outcome) DO UPDATE SET"
            " count = t.count + excluded.count,"
            " last_seen = GREATEST(t.last_seen, excluded.last_seen)",
            [(*key, count, seen) for key, (count, seen) in sorted(pending.items())],
        )

    def _rows(self):
        """Byte order (``COLLATE "C"``), as SQLite sorts, whatever the database's locale."""
        self.flush()
        with self.db.read() as conn:  # type: ignore[attr-defined]
            return conn.execute(
                f"SELECT client_id, {self.KIND}, outcome, count, last_seen"  # noqa: S608
                f' FROM {self.TABLE} ORDER BY client_id COLLATE "C", {self.KIND} COLLATE "C"'
            ).fetchall()


class PostgresLedger(PostgresCounts, Ledger):
    """REST decisions per client and credential (``auth_usage``), across replicas."""


class PostgresToolLedger(PostgresCounts, ToolLedger):
    """MCP decisions per client and tool (``mcp_usage``), across MCP server replicas."""


class PostgresIssuerUsage(PostgresCounts, IssuerUsage):
    """Token decisions per client and issuer (``token_issuer_usage``), across replicas."""
