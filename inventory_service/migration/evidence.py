"""The evidence window: how long the cockpit watches before it calls a key unused.

A key that made no call in the last five minutes is not an unused key: a nightly job or a
monthly report would break on the flip. So the cockpit only says "safe to flip" or "unused:
revoke it" once every stored, unrevoked key has been *observed* unused for a whole window
(``INVENTORY_EVIDENCE_WINDOW``, default 30 days; a workshop shortens it). Observation starts
when this Inventory first starts on its data dir (``evidence_watch``), or when the key was
created, or at its last use, whichever is latest.
"""

from __future__ import annotations

import re
import time

from service_kit.sqlite import SqliteDatabase

from .cutoff import parse_duration

DEFAULT_EVIDENCE_WINDOW = 30 * 86400

_SHORT = re.compile(r"(\d+)([smhd]?)")
_UNIT = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_window(text: str | int) -> int:
    """``30d``, ``12h``, ``15m``, ``90s``, a number of seconds, or ISO 8601 (``P30D``)."""
    if isinstance(text, int):
        return text
    match = _SHORT.fullmatch(str(text).strip().lower())
    if match:
        return int(match.group(1)) * _UNIT[match.group(2)]
    return int(parse_duration(str(text)).total_seconds())


def span(seconds: int | float) -> str:
    """A duration as a person says it: ``40 s``, ``12 min``, ``3 h``, ``30 days``."""
    seconds = max(0, int(seconds))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 2 * 3600:
        return f"{seconds // 60} min"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"


class EvidenceWatch:
    """When this Inventory began watching its keys: its first start on this data dir."""

    def __init__(self, db: SqliteDatabase) -> None:
        self.db = db
        with db.transaction() as conn:
            if conn.execute("SELECT COUNT(*) FROM evidence_watch").fetchone()[0] == 0:
                conn.execute("INSERT INTO evidence_watch VALUES (?)", (int(time.time()),))

    def started_at(self) -> int:
        row = self.db.connection().execute("SELECT MIN(started_at) FROM evidence_watch")
        return int(row.fetchone()[0])


def quiet_since(created_at: int, last_use: int | None, watch_start: int) -> int:
    """Since when a key is known to have made no call."""
    return max(created_at, last_use or 0, watch_start)
