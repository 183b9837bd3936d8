"""Phase 4 (keys removed): delete every API-key hash once nobody uses a key any more.

``flask --app inventory_service api-keys purge --unused-for 7d`` refuses while any client
had an API-key call *accepted* within the window (the usage ledger says who and when), so
the purge can break no one; ``--force`` overrides that, and the record says it was forced.
Refused key calls do not block: such a caller is already broken, and the dashboard shows it
in red. Each purge is logged and kept in ``api_key_purges`` for the dashboard.

The ledger folds each worker's counts once a second, so a key call accepted in the very
last second may not count yet; windows are meant in days, not seconds.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from service_kit.sqlite import SqliteDatabase

from ..resource_server.modes import Credential
from .ledger import UsageLedger

log = logging.getLogger("inventory_service.purge")


class PurgeRefused(Exception):
    def __init__(self, blockers: list[dict]) -> None:
        super().__init__(", ".join(b["client_id"] for b in blockers))
        self.blockers = blockers


class Purge:
    def __init__(
        self, db: SqliteDatabase, ledger: UsageLedger, clock: Callable[[], float] = time.time
    ) -> None:
        self.db = db
        self.ledger = ledger
        self.clock = clock

    def blockers(self, unused_for: int) -> list[dict]:
        """Clients with an API-key call accepted in the last ``unused_for`` seconds."""
        since = int(self.clock()) - unused_for
        found = []
        for row in self.ledger.usage():
            last = (row.get(Credential.API_KEY) or {}).get("last_accepted") or 0
            if last and last >= since:
                found.append({"client_id": row["client_id"], "last_key_use": last})
        return found

    def preview(self, unused_for: int) -> dict:
        """What ``run`` would do now, changing nothing (``purge --dry-run``)."""
        count, clients = self._stored_keys()
        return {"would_purge": count, "clients": clients, "blockers": self.blockers(unused_for)}

    def _stored_keys(self) -> tuple[int, list[str]]:
        """How many key hashes are stored, and whose."""
        rows = self.db.connection().execute("SELECT client_id FROM api_keys").fetchall()
        return len(rows), sorted({row["client_id"] for row in rows})

    def run(self, unused_for: int, force: bool = False) -> dict:
        blockers = self.blockers(unused_for)
        if blockers and not force:
            raise PurgeRefused(blockers)
        now = int(self.clock())
        forced = bool(force and blockers)  # --force with nobody on keys is a plain purge
        count, clients = self._delete_keys(now, forced, blockers)
        log.warning(
            "purged %d API key hash(es) of %s%s",
            count,
            ", ".join(clients) or "no client",
            f" (forced; still on keys: {', '.join(b['client_id'] for b in blockers)})"
            if blockers
            else "",
        )
        return {
            "purged_at": now,
            "key_count": count,
            "clients": clients,
            "forced": forced,
        }

    def _delete_keys(self, now: int, forced: bool, blockers: list[dict]) -> tuple[int, list[str]]:
        """Delete every key hash and record the purge, in one transaction: how many, whose."""
        with self.db.transaction() as conn:
            rows = conn.execute("SELECT client_id FROM api_keys").fetchall()
            clients = sorted({row["client_id"] for row in rows})
            conn.execute("DELETE FROM api_keys")
            conn.execute(
                "INSERT INTO api_key_purges VALUES (?, ?, ?, ?, ?)",
                (now, len(rows), json.dumps(clients), int(forced), json.dumps(blockers)),
            )
        return len(rows), clients

    def last(self) -> dict | None:
        return purge_record(
            self.db.connection()
            .execute("SELECT * FROM api_key_purges ORDER BY purged_at DESC, rowid DESC LIMIT 1")
            .fetchone()
        )


def purge_record(row: Mapping[str, Any] | None) -> dict | None:
    """An ``api_key_purges`` row as the dashboard shows it."""
    if row is None:
        return None
    return {
        "purged_at": row["purged_at"],
        "key_count": row["key_count"],
        "clients": json.loads(row["clients"]),
        "forced": bool(row["forced"]),
    }
