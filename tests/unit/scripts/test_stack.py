"""The local stack: refuses a taken port before it touches any state, and never reports a
stack as up while a worker is still loading or has died."""

import os
import signal
import socket

import pytest

from scripts.stack import PORTS, LocalStack, StackError, _children, free_ports, main
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


def test_up_waits_for_every_worker_not_just_one_healthy_one(tmp_path):
    """The check behind `make up`: each live worker of the master must have booted."""
    import subprocess
    import sys

    master = subprocess.Popen(
        [sys.executable, "-c", "import subprocess, sys, time\n"
         "kids = [subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(30)']) for _ in range(2)]\n"
         "print(' '.join(str(k.pid) for k in kids), flush=True)\n"
         "time.sleep(30)"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        first, second = map(int, master.stdout.readline().split())
        stack = LocalStack(state=tmp_path, ports={"auth_server": 1})
        ready = tmp_path / "auth_server" / "workers"
        ready.mkdir(parents=True)
        (ready / str(first)).touch()
        assert not stack._all_workers_booted("auth_server", master.pid)  # one still loading
        (ready / str(second)).touch()
        assert stack._all_workers_booted("auth_server", master.pid)
        os.kill(second, signal.SIGKILL)  # a worker that dies is no longer counted
        wait_until(lambda: second not in _children(master.pid), what="the worker to go")
        assert not stack._all_workers_booted("auth_server", master.pid)
    finally:
        master.kill()
        master.wait()
