"""Which database a service keeps its shared state in: ``<PREFIX>_DATABASE_URL``.

Unset, a service keeps SQLite in its data dir (the zero-set-up default of the demo and the
workshop). A ``postgresql://`` URL puts the state that must hold across replicas in that
database, through a pool of at most ``<PREFIX>_DATABASE_POOL_SIZE`` connections per process.
The URL may carry a password, so it never appears in a ``repr`` or a message.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .settings import ConfigError, Environment

DEFAULT_POOL_SIZE = 4


@dataclass(frozen=True)
class DatabaseSettings:
    url: str | None = field(default=None, repr=False)
    pool_size: int = DEFAULT_POOL_SIZE

    @property
    def postgres(self) -> bool:
        return self.url is not None

    @classmethod
    def load(cls, raw: Environment) -> DatabaseSettings:
        url = str(raw.get("database_url") or "") or None
        if url is not None and url.split("://", 1)[0] not in ("postgresql", "postgres"):
            raise ConfigError(
                f"{raw.variable('database_url')} must be a postgresql:// URL"
                " (unset keeps SQLite in the data dir)"
            )
        return cls(url, raw.whole_number("database_pool_size", DEFAULT_POOL_SIZE, 1, 64))
