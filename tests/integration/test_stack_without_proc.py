"""`make up`, `make down`, `make demo` and `make bench` without ``/proc``, as on macOS.

Linux shows it by hiding ``/proc``: each command runs in a private mount namespace with an
empty tmpfs over ``/proc``, inside its own network namespace, so ports 9000-9003 belong to
this test alone and the namespace is gone afterwards with anything left listening in it.
Making namespaces needs root (CI and the workshop's dev container run as root); elsewhere
the test is skipped with the reason.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
from collections.abc import Callable, Iterator

import pytest

from tests.support.processes import ROOT

#: Each script starts with this: /proc becomes an empty directory, and the check proves it.
HIDE_PROC = "set -e; mount -t tmpfs none /proc; test ! -e /proc/self; "

Run = Callable[[str], subprocess.CompletedProcess]


@pytest.fixture
def without_proc() -> Iterator[Run]:
    """Runs a shell script in the checkout with ``/proc`` hidden, in a fresh network
    namespace (loopback only)."""
    if os.geteuid() != 0 or not (shutil.which("ip") and shutil.which("unshare")):
        pytest.skip("hiding /proc needs root, ip(8) and unshare(1)")
    netns = f"noproc-{secrets.token_hex(4)}"
    made = subprocess.run(["ip", "netns", "add", netns], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"no network namespace here: {made.stderr.strip()}")
    try:
        subprocess.run(["ip", "netns", "exec", netns, "ip", "link", "set", "lo", "up"], check=True)
        # The commands must not lean on a service setting from the test's environment.
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("AUTH_", "INVENTORY_", "ORDER_"))
        }

        def run(script: str) -> subprocess.CompletedProcess:
            return subprocess.run(
                [
                    "ip",
                    "netns",
                    "exec",
                    netns,
                    "unshare",
                    "--mount",
                    "sh",
                    "-c",
                    HIDE_PROC + script,
                ],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=180,
            )

        yield run
    finally:
        subprocess.run(["ip", "netns", "delete", netns], capture_output=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_make_up_serves_requests_and_make_down_stops_every_process_without_proc(without_proc):
    ran = without_proc(
        "trap 'make down' EXIT; make up; "
        'eval "$(.venv/bin/python -m scripts.stack env)"; '
        'echo "stock $(curl -sS -H "X-API-Key: $REPORTING_KEY" http://127.0.0.1:9001/inventory/WIDGET-1)"; '
        'for pid_file in .demo/*.pid; do echo "master $(cat "$pid_file")"; done; '
        "trap - EXIT; make down; "
        "for port in 9000 9001 9002 9003; do "
        '  ! curl -s -o /dev/null "http://127.0.0.1:$port/healthz" || echo "$port still answers"; '
        "done"
    )
    out = ran.stdout + ran.stderr
    assert ran.returncode == 0, out
    assert "Auth 9000, Inventory 9001, Order 9002, MCP 9003 are up." in out
    lines = out.splitlines()
    stock = [json.loads(line.removeprefix("stock ")) for line in lines if line.startswith("stock ")]
    assert stock == [{"name": "Widget", "quantity": 100, "sku": "WIDGET-1"}], out
    assert "stopped" in lines and "still answers" not in out
    masters = [int(line.removeprefix("master ")) for line in lines if line.startswith("master ")]
    workers = [int(marker.name) for marker in ROOT.glob(".demo/*/workers/[0-9]*")]
    assert len(masters) == 4 and len(workers) >= 6  # two workers for each gunicorn service
    assert not [pid for pid in masters + workers if _alive(pid)]


def test_make_demo_tells_every_phase_without_proc(without_proc):
    ran = without_proc("make demo")
    out = ran.stdout + ran.stderr
    assert ran.returncode == 0, out
    assert "Demo finished in" in out and "demo failed" not in out


def test_make_bench_runs_without_proc_and_shows_server_cpu_as_unmeasured(without_proc, tmp_path):
    """Without /proc (and Linux's ps, which reads it) there is no process-CPU source: every
    other figure is produced, and server CPU says "n/a" rather than a made-up 0."""
    ran = without_proc(f".venv/bin/python -m scripts.bench --tiny --out {tmp_path}")
    assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr[-3000:]
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["rs_token_vs_key_throughput_ratio"] > 0
    assert all(load["requests"] > 0 for load in results["loads"].values())
    assert all(load["server_cpu_s"] is None for load in results["loads"].values())
    assert results["as_floor_server_cpu_us_per_request"] is None
    assert "n/a" in ran.stdout
