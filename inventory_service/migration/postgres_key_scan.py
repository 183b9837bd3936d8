"""The key scan against the shared PostgreSQL ``api_keys`` table: a key is live when it is
live for every replica, so a scan run on any host reports the same findings.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from service_kit.postgres import PostgresDatabase

from .key_scan import KeyScanner


class PostgresKeyScanner(KeyScanner):
    """``KeyScanner`` reading the stored keys from PostgreSQL; the matching is ``key_scan.py``'s."""

    def __init__(self, db: PostgresDatabase) -> None:
        super().__init__(db)  # type: ignore[arg-type]
        self.pg = db

    def _stored(self, key_id: str) -> Mapping[str, Any] | None:
        with self.pg.read() as conn:
            return conn.execute(
                "SELECT key_hash, client_id, revoked FROM api_keys WHERE key_id = %s", (key_id,)
            ).fetchone()
