"""Phase 3 (token-only) on a date: the API-key sunset, brownouts before it, extensions after it.

* ``INVENTORY_API_KEY_SUNSET`` (RFC 8594) is the cutoff: from that instant on, every API key
  is refused with a 401 that names the date — unless an operator has extended it
  (``flask --app inventory_service api-keys extend-sunset DATE``, persisted, in force in every
  worker without a restart).
* ``INVENTORY_API_KEY_BROWNOUTS`` schedules rehearsals of the cutoff: ISO 8601 intervals
  (``START/DURATION`` or ``START/END``, comma-separated), during which keys are refused with
  a 401 naming the brownout and the sunset date, so stragglers surface while there is still
  time. Outside the windows nothing changes.

The clock is injectable (``Cutoff.clock``), so tests move time instead of waiting for it.
Demo shortcut: ISO 8601 durations are parsed here for the subset a schedule needs
(days, hours, minutes, seconds), rather than pulling in a dependency for it.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime

from service_kit.sqlite import SqliteDatabase
from service_kit.versioned import VersionedSnapshot

from ..resource_server.decision import KeyRefusal

_DURATION = re.compile(
    r"P(?:(?P<d>\d+)D)?(?:T(?=\d)(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+)S)?)?"
)


def parse_instant(text: str) -> datetime:
    """An ISO 8601 date or date-time (UTC when no offset is given)."""
    when = datetime.fromisoformat(text.strip())
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def parse_duration(text: str) -> timedelta:
    """ISO 8601 durations in days, hours, minutes, seconds: ``PT1H``, ``P1DT12H``."""
    match = _DURATION.fullmatch(text.strip().upper())
    if not match or text.strip().upper() in ("P", "PT"):
        raise ValueError(f"not an ISO 8601 duration: {text!r} (e.g. PT1H)")
    parts = {k: int(v or 0) for k, v in match.groupdict().items()}
    try:
        return timedelta(days=parts["d"], hours=parts["h"], minutes=parts["m"], seconds=parts["s"])
    except OverflowError:
        raise ValueError(f"{text.strip()!r} is longer than Python's calendar reaches") from None


@dataclass(frozen=True)
class Brownout:
    start: datetime
    end: datetime

    def covers(self, now: datetime) -> bool:
        return self.start <= now < self.end

    @property
    def label(self) -> str:
        return f"{_iso(self.start)}/{_iso(self.end)}"


def parse_brownouts(text: str | None) -> tuple[Brownout, ...]:
    """``"2027-05-04T14:00Z/PT1H, 2027-06-01T14:00Z/2027-06-01T18:00Z"`` → windows, in order."""
    windows = []
    for item in (text or "").replace(";", ",").split(","):
        if not item.strip():
            continue
        start_text, sep, rest = item.strip().partition("/")
        if not sep:
            raise ValueError(f"{item.strip()!r} is not START/DURATION or START/END")
        try:
            start = parse_instant(start_text)
            rest = rest.strip()
            end = start + parse_duration(rest) if rest.upper().startswith("P") else None
            end = end or parse_instant(rest)
        except OverflowError:
            raise ValueError(f"{item.strip()!r} ends after the year 9999") from None
        except ValueError as exc:
            raise ValueError(f"{item.strip()!r}: {exc}") from None
        if end <= start:
            raise ValueError(f"{item.strip()!r} ends before it starts")
        windows.append(Brownout(start, end))
    return tuple(sorted(windows, key=lambda b: b.start))


class Cutoff:
    """The sunset and its brownouts (the resource server's ``KeyCutoff``), extensions in SQLite."""

    def __init__(
        self,
        db: SqliteDatabase,
        sunset_http_date: str | None,
        brownouts: tuple[Brownout, ...] = (),
        migration_docs_url: str = "",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.db = db
        self.sunset = parsedate_to_datetime(sunset_http_date) if sunset_http_date else None
        self.brownouts = brownouts
        self.migration_docs_url = migration_docs_url
        self.clock = clock
        self._local = threading.local()
        self._extension = VersionedSnapshot(db, self._read_extension)

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    # -- the decision (only reached for a valid key in a mode that accepts keys) ------------

    def refusal(self) -> KeyRefusal | None:
        now = self.now()
        if self.sunset and now >= self.sunset:
            extended = self.extended_until()
            if extended is None or now >= extended:
                until = _day(extended or self.sunset)
                return KeyRefusal(
                    "API keys are retired",
                    f"API keys stopped working on {until} (the announced sunset date). "
                    f"Use an OAuth 2.1 access token; see {self.migration_docs_url}.",
                    {"sunset": until},
                )
        for window in self.brownouts:
            if window.covers(now):
                sunset = _day(self.effective_sunset()) if self.sunset else "not yet set"
                return KeyRefusal(
                    "API key brownout",
                    f"Scheduled API-key brownout {window.label}: keys are refused until "
                    f"{_iso(window.end)} to rehearse the cutoff. API keys stop working for good "
                    f"on {sunset}. Move to an OAuth 2.1 access token now; see "
                    f"{self.migration_docs_url}.",
                    {"brownout": window.label, "sunset": sunset},
                )
        return None

    # -- extensions --------------------------------------------------------------------------

    def extended_until(self) -> datetime | None:
        """The latest extension, re-read only when the database changed
        (``service_kit.versioned``): every key response asks, for its header."""
        return self._extension.get()

    def _read_extension(self) -> datetime | None:
        row = (
            self.db.connection()
            .execute(
                "SELECT until FROM api_key_sunset_extensions ORDER BY created_at DESC, rowid DESC"
                " LIMIT 1"
            )
            .fetchone()
        )
        return datetime.fromtimestamp(row["until"], UTC) if row else None

    def extend(self, until: datetime, reason: str) -> None:
        if self.sunset is None:
            raise ValueError("INVENTORY_API_KEY_SUNSET is not set: there is no sunset to extend")
        if until <= self.sunset:
            raise ValueError(f"an extension must end after the sunset ({_day(self.sunset)})")
        self._store_extension(int(until.timestamp()), reason, int(self.clock()))

    def _store_extension(self, until: int, reason: str, created_at: int) -> None:
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO api_key_sunset_extensions VALUES (?, ?, ?)",
                (until, reason, created_at),
            )

    def effective_sunset(self) -> datetime | None:
        """The configured sunset, or a later extension of it."""
        if self.sunset is None:
            return None
        extended = self.extended_until()
        return max(self.sunset, extended) if extended else self.sunset

    def sunset_http_date(self) -> str | None:
        """For the RFC 8594 ``Sunset`` header: the date keys will really stop working."""
        effective = self.effective_sunset()
        if effective is None:
            return None
        if getattr(self._local, "http_for", None) != effective:
            self._local.http_date = format_datetime(effective, usegmt=True)
            self._local.http_for = effective
        return self._local.http_date

    # -- what the dashboard and the migration page show --------------------------------------

    def status(self) -> dict:
        now = self.now()
        effective = self.effective_sunset()
        active = next((b for b in self.brownouts if b.covers(now)), None)
        upcoming = [b for b in self.brownouts if b.start > now]
        left = int((effective - now).total_seconds()) if effective else None
        return {
            "sunset": _day(effective) if effective else None,
            "sunset_iso": _iso(effective) if effective else None,
            "configured_sunset": _day(self.sunset) if self.sunset else None,
            "extended": bool(effective and self.sunset and effective > self.sunset),
            "seconds_left": left,
            "days_left": None if left is None else max(left, 0) // 86400,
            "passed": left is not None and left <= 0,
            "brownout_now": active.label if active else None,
            "brownout_ends": _iso(active.end) if active else None,
            "next_brownout": upcoming[0].label if upcoming else None,
            "brownouts": [b.label for b in self.brownouts],
        }


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _day(when: datetime) -> str:
    text = when.astimezone(UTC).strftime("%Y-%m-%d")
    if (when.hour, when.minute, when.second) != (0, 0, 0):
        text += when.astimezone(UTC).strftime(" %H:%M UTC")
    return text
