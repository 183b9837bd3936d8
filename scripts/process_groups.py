"""Processes the local stack starts, found and stopped without ``/proc``.

Every service runs as a gunicorn master that leads its own process group; each booted worker
leaves a marker file named for its pid (``service_kit/gunicorn_hooks.py``). So readiness is
"as many live markers in the master's group as workers configured", and stopping is a signal
to the master, then to its group — which work the same on Linux and macOS.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path


def terminate(pid: int, proc: subprocess.Popen | None, workers: Path) -> None:
    """Stop a service: SIGTERM its master, which stops its workers, and wait for it.

    A master still there after 10 s gets SIGKILL with its whole process group. Workers that
    outlive their master (it was killed) are found from their marker files and stopped too.
    A pid from a stale pid file that no longer leads a process group is not a master of
    ours, and is left alone.
    """
    ours = proc is not None or leads_its_group(pid)
    stopping = ours and send_signal(pid, signal.SIGTERM)
    if stopping and not wait_for(lambda: gone(pid, proc), 10):
        send_signal(pid, signal.SIGKILL, group=True)
        wait_for(lambda: gone(pid, proc), 10)
    for worker in live_workers(workers, pid):
        send_signal(worker, signal.SIGTERM)
    if not wait_for(lambda: not live_workers(workers, pid), 10):
        send_signal(pid, signal.SIGKILL, group=True)


def live_workers(markers: Path, master: int) -> set[int]:
    """The pids in ``markers`` (one file per booted worker) still alive in ``master``'s
    process group: the group tells a worker from an unrelated process given a reused pid.
    A worker that has exited but is not reaped yet still counts; gunicorn reaps at once."""
    alive = set()
    for marker in markers.glob("[0-9]*"):
        try:
            if os.getpgid(int(marker.name)) == master:
                alive.add(int(marker.name))
        except (ProcessLookupError, ValueError):
            continue  # the worker has exited (or the name is no pid)
    return alive


def configured_workers(env: dict[str, str], default: int) -> int:
    """The worker count in a service's environment (``AUTH_WORKERS``, ``ORDER_WORKERS``...)."""
    for name, value in env.items():
        if name.endswith("_WORKERS") and value.isdigit():
            return int(value)
    return default


def leads_its_group(pid: int) -> bool:
    """Whether ``pid`` is a process group leader, as every master started here is."""
    try:
        return os.getpgid(pid) == pid
    except ProcessLookupError:
        return False


def send_signal(pid: int, signum: int, group: bool = False) -> bool:
    """Send ``signum`` to ``pid`` (or its process group); False if nothing is there."""
    try:
        if group:
            os.killpg(pid, signum)
        else:
            os.kill(pid, signum)
    except ProcessLookupError:
        return False
    return True


def gone(pid: int, proc: subprocess.Popen | None) -> bool:
    """Whether the master has exited; our own child is reaped, or it lingers as a zombie."""
    if proc is not None:
        return proc.poll() is not None
    return not send_signal(pid, 0)


def wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    """Poll ``condition`` until it holds (True) or ``seconds`` pass (False)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True


def free_ports(n: int) -> list[int]:
    """``n`` distinct ports free on loopback right now (for stacks beside ``make up``)."""
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def port_taken(port: int) -> bool:
    """Whether something already answers on ``port`` on loopback."""
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def cpu_seconds(selects: Callable[[int, int, int], bool]) -> float:
    """User + system CPU seconds of the live processes that ``selects(pid, ppid, pgrp)``,
    from ``/proc`` (Linux): what the bench charges to a service or a database server."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:  # the fields after the command: state ppid pgrp ...
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if selects(int(stat.parent.name), int(fields[1]), int(fields[2])):
            ticks += int(fields[11]) + int(fields[12])  # utime + stime
    return ticks / os.sysconf("SC_CLK_TCK")
