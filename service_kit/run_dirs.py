"""The directories a gunicorn master and its workers share, safe with several masters.

Two masters may share a data dir (two replicas on one host, or a restart overlapping the
old master's exit). Neither may wipe what the other still uses:

- Prometheus' multiprocess files go to ``<data dir>/prometheus/<master pid>/``: each master
  sums its own workers only (a scrape of one replica never counts another's requests), and a
  start removes only the directories of masters that are gone.
- Readiness markers stay ``<data dir>/workers/<worker pid>`` (``SERVICE_READY_DIR``, which
  ``scripts/stack.py`` reads): they are per worker already, so a start removes only the
  markers of processes that are gone.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def alive(pid: int) -> bool:
    """Whether a process with this id exists (signal 0 checks without sending anything)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def _pid_in(name: str) -> int | None:
    """``1234`` or ``counter_1234.db`` → 1234; anything else → None."""
    digits = name.rsplit("_", 1)[-1].split(".", 1)[0]
    return int(digits) if digits.isdigit() else None


def metrics_dir(data_dir: Path, master_pid: int) -> Path:
    """This master's fresh Prometheus directory; gone masters' directories are removed."""
    root = data_dir / "prometheus"
    root.mkdir(parents=True, exist_ok=True)
    for entry in root.iterdir():
        pid = _pid_in(entry.name)
        if pid is not None and pid != master_pid and alive(pid):
            continue
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)  # a file of the flat layout, or a stray
    mine = root / str(master_pid)
    mine.mkdir()
    return mine


def ready_dir(data_dir: Path) -> Path:
    """``<data dir>/workers``, without the markers of workers that are gone."""
    workers = data_dir / "workers"
    workers.mkdir(parents=True, exist_ok=True)
    for marker in workers.iterdir():
        pid = _pid_in(marker.name)
        if pid is None or not alive(pid):
            marker.unlink(missing_ok=True)
    return workers
