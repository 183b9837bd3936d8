"""The local stack: refuses a taken port before it touches any state, and never reports a
stack as up while a worker is still loading or has died."""

import os
import signal
import socket
import subprocess
import sys

import pytest

from scripts.stack import PORTS, LocalStack, StackError, free_ports, live_workers, main
from tests.support.processes import wait_until


def test_a_taken_port_fails_clearly_and_keeps_the_existing_state(tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    (state / "credentials.json").write_text("{}")
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = holder.getsockname()[1]
        stack = LocalStack(
            state=state, ports={"auth_server": taken, "inventory_service": 1, "order_service": 2}
        )
        with pytest.raises(StackError, match=f"port\\(s\\) {taken} already in use"):
            stack.bootstrap()
    assert (state / "credentials.json").read_text() == "{}"


def test_env_without_a_running_stack_says_to_run_make_up_in_one_line(tmp_path, capsys):
    ports = dict(zip(PORTS, free_ports(len(PORTS)), strict=True))
    assert main(["env"], LocalStack(state=tmp_path / "none", ports=ports)) == 1
    out, err = capsys.readouterr()
    assert out == "" and err == "No stack is running: run `make up` first.\n"


def test_a_service_that_dies_at_start_fails_loudly_with_its_log_tail(tmp_path):
    ports = dict(zip(PORTS, free_ports(len(PORTS)), strict=True))
    stack = LocalStack(state=tmp_path, ports=ports)
    (tmp_path / "credentials.json").write_text(
        '{"admin_token": "x", "api_keys": {"order-service": "k"}, '
        '"client_secrets": {"order-service": "s"}}'
    )
    stack.extra_env["order_service"] = {"ORDER_WORKERS": "0"}  # refused by its settings
    with pytest.raises(StackError, match=r"order_service did not start \(it exited\)") as failed:
        stack.start_service("order_service")
    assert "ORDER_WORKERS" in str(failed.value)  # the log tail names the cause
    assert "order_service" not in stack.procs and not (tmp_path / "order_service.pid").exists()


def _fake_master(workers: int) -> tuple[subprocess.Popen, list[int]]:
    """A session leader with ``workers`` sleeping children that it reaps as they exit,
    as a gunicorn master does."""
    master = subprocess.Popen(
        [sys.executable, "-c", "import os, subprocess, sys\n"
         f"kids = [subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']) for _ in range({workers})]\n"
         "print(' '.join(str(k.pid) for k in kids), flush=True)\n"
         "while True: os.wait()"],
        stdout=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    assert master.stdout
    return master, [int(pid) for pid in master.stdout.readline().split()]


def test_up_waits_for_every_configured_worker_not_just_one_healthy_one(tmp_path):
    """The check behind `make up`: as many live workers of the master have booted as it was
    started with, read from the marker files alone (no /proc)."""
    master, (first, second) = _fake_master(2)
    try:
        stack = LocalStack(state=tmp_path, ports={"auth_server": 1})
        stack.expected_workers["auth_server"] = 2
        ready = tmp_path / "auth_server" / "workers"
        ready.mkdir(parents=True)
        (ready / str(first)).touch()
        assert not stack._all_workers_booted("auth_server", master.pid)  # one still loading
        (ready / str(second)).touch()
        assert stack._all_workers_booted("auth_server", master.pid)
        os.kill(second, signal.SIGKILL)  # a worker that dies is no longer counted
        wait_until(lambda: second not in live_workers(ready, master.pid), what="the worker to go")
        assert not stack._all_workers_booted("auth_server", master.pid)
    finally:
        os.killpg(master.pid, signal.SIGKILL)
        master.wait()


def test_a_marker_whose_pid_is_not_in_the_masters_group_is_not_a_worker(tmp_path):
    """A pid reused by an unrelated process (here: this test's own) does not count."""
    master, (worker,) = _fake_master(1)
    try:
        (tmp_path / str(worker)).touch()
        (tmp_path / str(os.getpid())).touch()
        assert live_workers(tmp_path, master.pid) == {worker}
    finally:
        os.killpg(master.pid, signal.SIGKILL)
        master.wait()


def test_down_stops_workers_whose_master_was_killed(tmp_path):
    """`make down` after the master died alone: its workers are found from their markers."""
    master, workers = _fake_master(2)
    stack = LocalStack(state=tmp_path, ports={"auth_server": free_ports(1)[0]})
    ready = tmp_path / "auth_server" / "workers"
    ready.mkdir(parents=True)
    for worker in workers:
        (ready / str(worker)).touch()
    (tmp_path / "auth_server.pid").write_text(str(master.pid))
    master.kill()
    master.wait()
    assert live_workers(ready, master.pid) == set(workers)
    stack.stop_recorded()
    assert live_workers(ready, master.pid) == set()
    assert not (tmp_path / "auth_server.pid").exists()
