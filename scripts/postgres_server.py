"""A private PostgreSQL server for the tests and ``make bench``: Debian's packaged binaries,
a throw-away cluster.

The server listens only on a Unix socket in its own temporary directory (no TCP port, so it
never collides with another test run or a developer's database), with ``trust`` auth for that
socket. ``initdb`` refuses to run as root, so as root the cluster belongs to the ``postgres``
user and every server command runs through ``runuser``. Each test gets a fresh database
(``new_database``); the cluster lives for the session. ``stop``/``start`` let a test take the
database away and bring it back; ``cpu_seconds`` lets the bench count the database's CPU
beside the service's.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import psycopg

from .process_groups import cpu_seconds

PORT = 5432  # names the socket file only; nothing listens on TCP


def find_bin_dir() -> Path | None:
    """The newest ``/usr/lib/postgresql/<version>/bin`` that has ``initdb`` and ``pg_ctl``."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    for initdb in reversed(candidates):
        bin_dir = Path(initdb).parent
        if (bin_dir / "pg_ctl").exists():
            return bin_dir
    return None


class PostgresServer:
    """One ``initdb`` cluster in a temporary directory, started and stopped with ``pg_ctl``."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="pg-"))
        self.data_dir = self.root / "data"
        self.socket_dir = self.root  # short path: a Unix socket path has ~107 bytes at most
        self.log = self.root / "server.log"
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
        self._run(
            "initdb",
            "-D",
            str(self.data_dir),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8",
        )

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bin_dir / tool), *args]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, cwd="/")

    def start(self) -> None:
        options = (
            f"-c listen_addresses='' -c unix_socket_directories={self.socket_dir} -p {PORT}"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            " -c max_connections=300"
        )
        self._run(
            "pg_ctl", "-D", str(self.data_dir), "-l", str(self.log), "-o", options, "-w", "start"
        )

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@/{database}?host={self.socket_dir}&port={PORT}"

    def new_database(self) -> str:
        """Create an empty database with a unique name; its URL."""
        name = f"t_{uuid.uuid4().hex[:16]}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def cpu_seconds(self) -> float:
        """CPU seconds used so far by the server's live processes (the postmaster and its
        children: backends, writers), from ``/proc``; 0 where there is no ``/proc``."""
        try:
            postmaster = int((self.data_dir / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return 0.0
        return cpu_seconds(lambda pid, ppid, _group: postmaster in (pid, ppid))

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # a test stopped it already
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
