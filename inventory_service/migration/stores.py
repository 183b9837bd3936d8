"""Where the migration tooling's state lives: beside the shared stores, on the same engine.

With ``INVENTORY_DATABASE_URL`` unset it is the data dir's SQLite file, as ever. With a
PostgreSQL URL the usage ledgers, the usage detail, the evidence watch, the sunset
extensions and the purge record move into that database too, so the cockpit,
``api-keys audit`` and the purge's safety check see every replica's traffic (each replica
folds its counts once a second), and ``api-keys scan`` and ``purge`` act on the keys every
replica serves. The engine is the one ``inventory_service.stores`` opened for the keys.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from service_kit.sqlite import SqliteDatabase

from .cutoff import Brownout, Cutoff
from .evidence import EvidenceWatch
from .flusher import FLUSH_INTERVAL, Flusher
from .issuer_usage import IssuerUsage
from .key_scan import KeyScanner
from .ledger import Ledger, ToolLedger, UsageLedger
from .purge import Purge
from .retention import DEFAULT_USAGE_RETENTION, PostgresRetention, Retention
from .usage_detail import UsageDetail, UsageDetailStore

if TYPE_CHECKING:  # psycopg is loaded only on PostgreSQL (_postgres below)
    from service_kit.postgres import PostgresDatabase


@dataclass(frozen=True)
class MigrationStores:
    flusher: Flusher  # this process's one usage writer
    ledger: UsageLedger
    tool_ledger: UsageLedger  # written by the MCP server process, read by the cockpit
    usage_detail: UsageDetailStore
    issuer_usage: IssuerUsage
    evidence: EvidenceWatch
    cutoff: Cutoff
    purge: Purge
    key_scanner: Callable[[], KeyScanner]


def usage_flusher(db: SqliteDatabase | PostgresDatabase, interval: float) -> Flusher:
    """The process's one writer of in-memory counts, into ``db``."""
    if isinstance(db, SqliteDatabase):
        return Flusher(db, interval)
    import psycopg  # on PostgreSQL only, as in _postgres()

    return Flusher(db, interval, expected=(psycopg.Error,))


def tool_ledger(db: SqliteDatabase | PostgresDatabase, flusher: Flusher) -> ToolLedger:
    """The MCP tool-call ledger on ``db``'s engine (the MCP server's only migration store)."""
    return _engine_of(db).tool_ledger(db, flusher)  # type: ignore[arg-type]


@dataclass(frozen=True)
class _Engine:
    """One engine's implementation of each migration store (the same constructors)."""

    ledger: type[Ledger]
    tool_ledger: type[ToolLedger]
    usage_detail: type[UsageDetail]
    issuer_usage: type[IssuerUsage]
    evidence: type[EvidenceWatch]
    cutoff: type[Cutoff]
    purge: type[Purge]
    key_scanner: type[KeyScanner]
    retention: type[Retention]


SQLITE = _Engine(
    Ledger,
    ToolLedger,
    UsageDetail,
    IssuerUsage,
    EvidenceWatch,
    Cutoff,
    Purge,
    KeyScanner,
    Retention,
)


def _postgres() -> _Engine:
    """The PostgreSQL stores, imported on first use: on SQLite every worker, the MCP server
    and each admin CLI would otherwise pay ~0.4 s of CPU at start for psycopg
    (``inventory_service/stores.py``; tests/unit/service_kit/test_database_errors.py)."""
    from .postgres_cutoff import PostgresCutoff
    from .postgres_evidence import PostgresEvidenceWatch
    from .postgres_key_scan import PostgresKeyScanner
    from .postgres_ledger import PostgresIssuerUsage, PostgresLedger, PostgresToolLedger
    from .postgres_purge import PostgresPurge
    from .postgres_usage_detail import PostgresUsageDetail

    return _Engine(
        PostgresLedger,
        PostgresToolLedger,
        PostgresUsageDetail,
        PostgresIssuerUsage,
        PostgresEvidenceWatch,
        PostgresCutoff,
        PostgresPurge,
        PostgresKeyScanner,
        PostgresRetention,
    )


def _engine_of(db: SqliteDatabase | PostgresDatabase) -> _Engine:
    return SQLITE if isinstance(db, SqliteDatabase) else _postgres()


def open_migration_stores(
    db: SqliteDatabase | PostgresDatabase,
    *,
    sunset: str | None,
    brownouts: tuple[Brownout, ...],
    migration_docs_url: str,
    flush_interval: float = FLUSH_INTERVAL,
    retention: int = DEFAULT_USAGE_RETENTION,
) -> MigrationStores:
    """Every migration store on ``db``: SQLite or a shared PostgreSQL database."""
    engine = _engine_of(db)
    flusher = usage_flusher(db, flush_interval)
    flusher.add(engine.retention(retention))  # and the pruning of old usage rows
    ledger = engine.ledger(db, flusher)  # type: ignore[arg-type]
    return MigrationStores(
        flusher=flusher,
        ledger=ledger,
        tool_ledger=engine.tool_ledger(db, flusher),  # type: ignore[arg-type]
        usage_detail=engine.usage_detail(db, flusher),  # type: ignore[arg-type]
        issuer_usage=engine.issuer_usage(db, flusher),  # type: ignore[arg-type]
        evidence=engine.evidence(db),  # type: ignore[arg-type]
        cutoff=engine.cutoff(db, sunset, brownouts, migration_docs_url),  # type: ignore[arg-type]
        purge=engine.purge(db, ledger),  # type: ignore[arg-type]
        key_scanner=partial(engine.key_scanner, db),
    )
