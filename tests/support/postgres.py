"""The tests' private PostgreSQL server: ``scripts/postgres_server.py``, shared with
``make bench`` (which measures the PostgreSQL path on the same kind of server)."""

from scripts.postgres_server import PostgresServer, find_bin_dir

__all__ = ["PostgresServer", "find_bin_dir"]
