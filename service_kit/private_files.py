"""Data files only the service's own user can read.

SQLite creates its ``-wal`` and ``-shm`` files with the permissions of the database file,
so creating the database 0600 before SQLite opens it is enough; an existing file from an
older data dir is tightened too. A data directory this creates is 0700.

An existing database is never opened here, only ``chmod``-ed: closing *any* descriptor of a
file drops every POSIX lock this process holds on it (SQLite's "How To Corrupt Your
Database", §2.2), so an ``open``/``close`` beside a live SQLite connection would release
that connection's locks under it.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def private_database(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # O_EXCL: only a new file is created (and closed) here; see the module docstring.
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600))
    for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if file.exists():
            os.chmod(file, 0o600)
    return path
