"""How long usage rows live: the retention that keeps the ledger from growing without limit.

The ledger and the usage detail hold one row per client and credential (or key, endpoint,
tool, issuer), so they grow with every client that ever called, not with traffic: clients
come and go, keys are rotated, and a row whose client left years ago would stay for ever.
Every row whose latest call is older than ``INVENTORY_USAGE_RETENTION`` (default 90 days)
is deleted. The per-minute curve has its own, shorter bound (``usage_detail.SERIES_KEEP``,
one day: the dashboard draws at most three hours; longer series are Prometheus's job).

The retention is never shorter than the evidence window (``config.py`` refuses it): a row
is pruned only once its last call lies outside the window, when it no longer decides
anything — the cockpit calls a key unused after a whole quiet window either way, and
``api-keys purge --unused-for`` / ``audit --window`` refuse a window longer than the
retention, which could no longer see a use.

Pruning is one part of the process's ``Flusher``: at its first fold, then at most once per
``PRUNE_EVERY`` seconds, a few ``DELETE … WHERE last_seen < ?`` statements in the fold's
transaction, each reading its index (``schema.py``), never a table scan on the hot path.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable

from .evidence import DEFAULT_EVIDENCE_WINDOW

DEFAULT_USAGE_RETENTION = 3 * DEFAULT_EVIDENCE_WINDOW
PRUNE_EVERY = 3600

#: (table, column holding the row's latest call): every usage table bounded by clients.
PRUNED = (
    ("auth_usage", "last_seen"),
    ("auth_usage_detail", "last_seen"),
    ("mcp_usage", "last_seen"),
    ("token_issuer_usage", "last_seen"),
    ("auth_last_decision", "at"),
    ("auth_refusals", "at"),
)


class Retention:
    """A ``flusher.Pending`` part: ``take`` says when it is time, ``write`` deletes."""

    PARAM = "?"  # the driver's placeholder: sqlite3's here, psycopg's below

    def __init__(
        self,
        keep: int = DEFAULT_USAGE_RETENTION,
        every: int = PRUNE_EVERY,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.keep = keep
        self.every = every
        self.clock = clock
        self._due = float("-inf")  # the first fold prunes what a long stop left behind
        self.pruned = 0  # rows deleted by this process, for the log and the tests

    def take(self) -> int | None:
        """The cutoff (unix time) when a prune is due, else ``None``."""
        now = self.clock()
        if now < self._due:
            return None
        self._due = now + self.every
        return int(now) - self.keep

    def write(self, conn: sqlite3.Connection, cutoff: int) -> None:
        for table, column in PRUNED:
            # Table and column names are the constants above, never input.
            sql = f"DELETE FROM {table} WHERE {column} < {self.PARAM}"  # noqa: S608
            cur = conn.execute(sql, (cutoff,))
            self.pruned += cur.rowcount

    def give_back(self, cutoff: int) -> None:
        """A failed fold: prune again at the next one."""
        self._due = float("-inf")


class PostgresRetention(Retention):
    """The same prune in the shared database: whichever replica folds first does it, and a
    second replica's delete within the hour finds nothing left."""

    PARAM = "%s"
