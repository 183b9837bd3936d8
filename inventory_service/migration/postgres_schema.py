"""The migration tooling's tables in PostgreSQL, for several replicas on one database.

The tables are ``schema.py``'s, declared once; only the types are translated. Times and
counts become ``BIGINT`` (PostgreSQL's ``INTEGER`` is four bytes), sub-second times
``DOUBLE PRECISION`` (its ``REAL`` is four bytes too: a unix time would lose its
milliseconds, and "refused after accepted" needs them). The records of operator actions get
an identity column, which breaks a tie between two made in one second as SQLite's ``rowid``
does.
"""

from __future__ import annotations

import re

from .schema import SCHEMA as SQLITE_SCHEMA

_TYPES = {"INTEGER": "BIGINT", "REAL": "DOUBLE PRECISION"}
_RECORDS = ("api_key_sunset_extensions", "api_key_purges")  # ordered by time, then by id


def _translated(schema: str) -> str:
    schema = re.sub(r"\b(INTEGER|REAL)\b", lambda m: _TYPES[m.group(1)], schema)
    for table in _RECORDS:
        opening = f"CREATE TABLE IF NOT EXISTS {table} ("
        schema = schema.replace(opening, f"{opening}\n    id BIGINT GENERATED ALWAYS AS IDENTITY,")
    return schema


SCHEMA = _translated(SQLITE_SCHEMA)
