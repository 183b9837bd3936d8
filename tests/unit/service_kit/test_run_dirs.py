"""Two gunicorn masters on one data dir: a start never wipes a live master's files."""

from __future__ import annotations

import os
import subprocess
import sys

from service_kit import run_dirs


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_second_master_keeps_the_first_live_masters_metrics(tmp_path):
    live = os.getppid()  # a process that outlives the test
    first = run_dirs.metrics_dir(tmp_path, live)
    (first / "counter_123.db").write_bytes(b"30 requests")
    second = run_dirs.metrics_dir(tmp_path, os.getpid())
    assert (first / "counter_123.db").read_bytes() == b"30 requests"
    assert second != first and second.is_dir()


def test_a_start_removes_the_metrics_of_masters_that_are_gone(tmp_path):
    gone = run_dirs.metrics_dir(tmp_path, _dead_pid())
    (tmp_path / "prometheus" / f"counter_{_dead_pid()}.db").write_bytes(b"flat layout")
    run_dirs.metrics_dir(tmp_path, os.getpid())
    assert not gone.exists()
    assert [p.name for p in (tmp_path / "prometheus").iterdir()] == [str(os.getpid())]


def test_a_start_keeps_live_workers_markers_and_drops_dead_ones(tmp_path):
    ready = run_dirs.ready_dir(tmp_path)
    (ready / str(os.getpid())).touch()
    (ready / str(_dead_pid())).touch()
    assert [p.name for p in run_dirs.ready_dir(tmp_path).iterdir()] == [str(os.getpid())]
