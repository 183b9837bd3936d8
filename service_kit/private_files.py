"""Data files only the service's own user can read.

SQLite creates its ``-wal`` and ``-shm`` files with the permissions of the database file,
so creating the database 0600 before SQLite opens it is enough; an existing file from an
older data dir is tightened too. A data directory this creates is 0700.
"""

from __future__ import annotations

import os
from pathlib import Path


def private_database(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if file.exists():
            os.chmod(file, 0o600)
    return path
