"""What each caller actually used: scopes and endpoints per client, credential and key.

The usage ledger (``ledger.py``) answers "who still calls with a key". Right-sizing scopes
(before phase 2, when clients move) needs more: for each client and credential kind — and
for API keys, each key — which endpoints it called, which scope each call needed, how often
and when last, plus the scopes its credential carried. The migration curve on the dashboard
needs key vs token calls per minute, and its red "being refused right now" needs each
client's latest accepted and latest refused call to the millisecond (the ledger keeps
seconds, too coarse to order a refusal and an acceptance made in the same second). All of
it is counted here in memory, fed from the same decision as the ledger (``usage.py``), and
written by the process's one ``Flusher``.

Demo shortcut: the per-minute series keeps one day (``SERIES_KEEP``); a real deployment
would leave time series to Prometheus (``inventory_auth_requests_total`` has the same data).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from service_kit.sqlite import SqliteDatabase

from ..resource_server.modes import Credential
from .flusher import MAX_KEYS, Flusher, keep_newest

CREDENTIALS = tuple(c.value for c in Credential)  # the curve's lines: "api_key", "token"

SERIES_KEEP = 24 * 3600


class UsageDetailStore(Protocol):
    """What each caller used and when. ``UsageDetail`` below is the SQLite implementation."""

    clock: Callable[[], float]

    def record_use(
        self,
        client_id: str,
        method: str,
        key_id: str,
        endpoint: str,
        scope: str,
        granted: frozenset[str],
    ) -> None: ...
    def record_decision(self, client_id: str, method: str, outcome: str) -> None: ...
    def record_denial(self, client_id: str, cause: str, granted: frozenset[str]) -> None: ...
    def uses(self) -> list[dict]: ...
    def denials(self) -> dict[str, dict[str, dict]]: ...
    def span_minutes(self, least: int, most: int) -> int: ...
    def last_decisions(self) -> dict[str, dict[str, float]]: ...
    def per_minute(self, minutes: int = 60) -> dict[str, list[int]]: ...


class UsageDetail:
    """Usage detail in SQLite (``UsageDetailStore``), counted in memory first."""

    def __init__(
        self,
        db: SqliteDatabase,
        flusher: Flusher | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.db = db
        self.clock = clock
        self.flusher = flusher or Flusher(db)
        self.flusher.add(self)
        self._lock = threading.Lock()
        self._uses: dict[tuple[str, str, str, str, str], list] = {}
        self._minutes: dict[tuple[int, str, str], int] = defaultdict(int)
        self._last: dict[tuple[str, str], float] = {}
        self._denials: dict[tuple[str, str], list] = {}

    # -- recording (hot path: memory only) --------------------------------------------------

    def record_use(
        self,
        client_id: str,
        method: str,
        key_id: str,
        endpoint: str,
        scope: str,
        granted: frozenset[str],
    ) -> None:
        """An accepted call: ``endpoint`` needed ``scope``; the credential carried ``granted``."""
        now = int(self.clock())
        with self._lock:
            entry = self._uses.setdefault((client_id, method, key_id, endpoint, scope), [0, 0, ""])
            entry[0] += 1
            entry[1] = now
            entry[2] = " ".join(sorted(granted))
        self.flusher.wake()

    def record_decision(self, client_id: str, method: str, outcome: str) -> None:
        """Any decision, accepted or refused: the per-minute curve and the client's latest."""
        at = self.clock()
        now = int(at)
        with self._lock:
            self._minutes[(now - now % 60, method, outcome)] += 1
            self._last[(client_id, outcome)] = at
        self.flusher.wake()

    def record_denial(self, client_id: str, cause: str, granted: frozenset[str]) -> None:
        """A scope or validation refusal: counted per client and cause, with what it held."""
        at = self.clock()
        with self._lock:
            entry = self._denials.setdefault((client_id, cause), [0, 0.0, ""])
            entry[0] += 1
            entry[1] = at
            entry[2] = " ".join(sorted(granted)) or entry[2]
        self.flusher.wake()

    def flush(self) -> None:
        """Write what this process has counted so far (the flusher writes all counts)."""
        self.flusher.flush()

    def take(self) -> tuple[dict, dict, dict, dict] | None:
        with self._lock:
            uses, self._uses = self._uses, {}
            minutes, self._minutes = self._minutes, defaultdict(int)
            last, self._last = self._last, {}
            denials, self._denials = self._denials, {}
        taken = (uses, minutes, last, denials)
        return taken if any(taken) else None

    def give_back(self, taken: tuple[dict, dict, dict, dict]) -> None:
        """A fold failed: its counts join what was counted since. Bounded: minutes older
        than the series keeps are dropped; uses, latest decisions and denials keep
        ``MAX_KEYS`` keys each."""
        uses, minutes, last, denials = taken
        oldest = int(self.clock()) - SERIES_KEEP
        with self._lock:
            for key, (count, seen, granted) in uses.items():
                entry = self._uses.setdefault(key, [0, 0, granted])
                entry[0] += count
                if seen > entry[1]:
                    entry[1], entry[2] = seen, granted
            for key, count in minutes.items():
                if key[0] >= oldest:
                    self._minutes[key] += count
            for key, at in last.items():
                self._last[key] = max(self._last.get(key, 0.0), at)
            for key, (count, at, granted) in denials.items():
                entry = self._denials.setdefault(key, [0, 0.0, granted])
                entry[0] += count
                if at > entry[1]:
                    entry[1], entry[2] = at, granted or entry[2]
            keep_newest(self._uses, MAX_KEYS, lambda entry: entry[1])
            keep_newest(self._last, MAX_KEYS, lambda at: at)
            keep_newest(self._denials, MAX_KEYS, lambda entry: entry[1])

    def write(self, conn: sqlite3.Connection, taken: Any) -> None:
        uses, minutes, last, denials = taken
        conn.executemany(
            "INSERT INTO auth_refusals VALUES (?, ?, ?, ?, ?) ON CONFLICT (client_id, cause)"
            " DO UPDATE SET count = count + excluded.count, at = MAX(at, excluded.at),"
            " granted = CASE WHEN excluded.granted != '' THEN excluded.granted ELSE granted END",
            [(*key, count, at, granted) for key, (count, at, granted) in denials.items()],
        )
        conn.executemany(
            "INSERT INTO auth_usage_detail VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (client_id, method, key_id, endpoint) DO UPDATE SET"
            " count = count + excluded.count, scope = excluded.scope,"
            " granted = CASE WHEN excluded.last_seen >= last_seen"
            " THEN excluded.granted ELSE granted END,"
            " last_seen = MAX(last_seen, excluded.last_seen)",
            [
                (client, method, key_id, endpoint, scope, granted, count, seen)
                for (client, method, key_id, endpoint, scope), (count, seen, granted) in (
                    uses.items()
                )
            ],
        )
        conn.executemany(
            "INSERT INTO auth_usage_minutes VALUES (?, ?, ?, ?)"
            " ON CONFLICT (minute, method, outcome)"
            " DO UPDATE SET count = count + excluded.count",
            [(*key, count) for key, count in minutes.items()],
        )
        conn.executemany(
            "INSERT INTO auth_last_decision VALUES (?, ?, ?) ON CONFLICT (client_id, outcome)"
            " DO UPDATE SET at = MAX(at, excluded.at)",
            [(*key, at) for key, at in last.items()],
        )
        conn.execute(
            "DELETE FROM auth_usage_minutes WHERE minute < ?",
            (int(self.clock()) - SERIES_KEEP,),
        )

    # -- reading -----------------------------------------------------------------------------

    def uses(self) -> list[dict]:
        """Every (client, credential, key, endpoint) row with its scope, counts and last use."""
        self.flusher.flush()
        rows = self.db.connection().execute(
            "SELECT * FROM auth_usage_detail ORDER BY client_id, method, key_id, endpoint"
        )
        return [dict(row) for row in rows]

    def last_decisions(self) -> dict[str, dict[str, float]]:
        """Per client: ``{"accepted": t, "refused": t}`` (unix time, sub-second), as known."""
        self.flusher.flush()
        return last_by_client(self.db.connection().execute("SELECT * FROM auth_last_decision"))

    def denials(self) -> dict[str, dict[str, dict]]:
        """Per client and cause (scope, validation): ``{"count", "at", "granted"}``."""
        self.flusher.flush()
        return denials_by_client(self.db.connection().execute("SELECT * FROM auth_refusals"))

    def span_minutes(self, least: int, most: int) -> int:
        """How many minutes of curve the recorded calls fill, between ``least`` and ``most``."""
        self.flusher.flush()
        first = self.db.connection().execute("SELECT MIN(minute) FROM auth_usage_minutes")
        return minutes_spanned(first.fetchone()[0], int(self.clock()), least, most)

    def per_minute(self, minutes: int = 60) -> dict[str, list[int]]:
        """Calls per minute over the last ``minutes`` minutes (oldest first), by kind:
        ``api_key`` and ``token`` count every decision, ``refused`` the refused ones."""
        self.flusher.flush()
        first = first_minute(int(self.clock()), minutes)
        rows = self.db.connection().execute(
            "SELECT minute, method, outcome, count FROM auth_usage_minutes WHERE minute >= ?",
            (first,),
        )
        return series_of(rows, first, minutes)


# -- what the readers make of the rows, whichever engine holds them ---------------------------


def last_by_client(rows: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, float]]:
    """``auth_last_decision`` rows → per client ``{"accepted": t, "refused": t}``."""
    found: dict[str, dict[str, float]] = {}
    for row in rows:
        found.setdefault(row["client_id"], {})[row["outcome"]] = row["at"]
    return found


def denials_by_client(rows: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, dict]]:
    """``auth_refusals`` rows → per client and cause ``{"count", "at", "granted"}``."""
    found: dict[str, dict[str, dict]] = {}
    for row in rows:
        found.setdefault(row["client_id"], {})[row["cause"]] = {
            "count": row["count"],
            "at": row["at"],
            "granted": row["granted"],
        }
    return found


def minutes_spanned(earliest: int | None, now: int, least: int, most: int) -> int:
    """Minutes from the ``earliest`` recorded one to now's, between ``least`` and ``most``."""
    if earliest is None:
        return least
    return max(least, min(most, (now - now % 60 - earliest) // 60 + 1))


def first_minute(now: int, minutes: int) -> int:
    """The start of the oldest of the last ``minutes`` minutes."""
    return now - now % 60 - (minutes - 1) * 60


def series_of(rows: Iterable[Mapping[str, Any]], first: int, minutes: int) -> dict[str, list[int]]:
    """``auth_usage_minutes`` rows from ``first`` on → the curve's lines, oldest minute first."""
    series = {name: [0] * minutes for name in (*CREDENTIALS, "refused")}
    for row in rows:
        i = (row["minute"] - first) // 60
        if not 0 <= i < minutes:
            continue
        if row["method"] in CREDENTIALS:
            series[row["method"]][i] += row["count"]
        if row["outcome"] == "refused":
            series["refused"][i] += row["count"]
    return series
