"""The node-oidc-provider process of phase 6: which one this process started, and its stop.

Apart from ``second_as.py`` so the local stack can stop it on ``make down`` without
importing the phase's code, which itself builds on the local stack.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from .process_groups import terminate

PID_FILE = "node-oidc.pid"

#: The node-oidc-provider this process started, per stack state dir.
_started: dict[Path, subprocess.Popen] = {}


def started(state: Path, proc: subprocess.Popen) -> None:
    """Record a node-oidc-provider just started for the stack in ``state``."""
    (state / PID_FILE).write_text(str(proc.pid))
    _started[state] = proc


def stop(state: Path) -> None:
    """Stop the node-oidc-provider recorded in ``state``, if any (as the services are
    stopped: SIGTERM, then SIGKILL to its process group; a reused pid is left alone)."""
    pid_file = state / PID_FILE
    proc = _started.pop(state, None)  # our own child is reaped, not left a zombie
    if pid_file.exists():
        terminate(int(pid_file.read_text()), proc, state / "node-oidc-workers")
        pid_file.unlink(missing_ok=True)
