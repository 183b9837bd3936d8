"""A gunicorn master's workers, and killing one the way a crash would."""

from __future__ import annotations

import os
import random
import signal
import subprocess

from tests.support.processes import wait_until


def workers(master_pid: int) -> set[int]:
    out = subprocess.run(["pgrep", "-P", str(master_pid)], capture_output=True, text=True)
    return {int(pid) for pid in out.stdout.split()}


def kill_one_worker(master_pid: int, expected: int) -> int:
    """SIGKILL a random worker, then wait until gunicorn has ``expected`` workers again
    (the victim replaced) before returning the victim's pid."""
    victim = random.choice(sorted(workers(master_pid)))
    os.kill(victim, signal.SIGKILL)
    wait_until(
        lambda: victim not in workers(master_pid) and len(workers(master_pid)) == expected,
        timeout=15,
        what="gunicorn to replace the killed worker",
    )
    return victim
