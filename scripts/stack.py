"""The three services as local gunicorn processes on 9000-9002 (no Docker needed).

``python -m scripts.stack up`` starts them in the background for hands-on exercises and
``down`` stops them; ``make demo`` drives the same class in the foreground. State lives in
``.demo/`` (git-ignored): data dirs, logs, pids, and ``credentials.json`` (mode 0600).
"""

from __future__ import annotations

import io
import json
import os
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path

import requests

from . import stack_health
from .bootstrap import checked, create_credentials, write_private
from .cli_session import CliSession

ROOT = Path(__file__).resolve().parents[1]
STATE = ROOT / ".demo"
PORTS = {
    "auth_server": 9000,
    "inventory_service": 9001,
    "order_service": 9002,
    "inventory_service.mcp": 9003,  # the MCP server, on Inventory's data (issue 10)
}
SUNSET = "2027-06-30"
ORDER_AUTH_FILE = "order-auth"  # Order's ORDER_AUTH as `make order-oauth` last set it
SINGLE_PROCESS = {"inventory_service.mcp"}  # uvicorn, not a gunicorn master with workers


class StackError(RuntimeError):
    """Something a person must fix (a port taken, a service that would not start)."""


@dataclass
class LocalStack:
    state: Path = STATE
    ports: dict[str, int] = field(default_factory=lambda: dict(PORTS))
    extra_env: dict[str, dict[str, str]] = field(default_factory=dict)
    workers: int = 2
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    #: How many gunicorn workers each running service was started with.
    expected_workers: dict[str, int] = field(default_factory=dict)
    clis: dict[str, CliSession] = field(default_factory=dict)
    agent_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    label = "local processes"
    stop_command = "make down"

    @property
    def urls(self) -> dict[str, str]:
        return {name: f"http://127.0.0.1:{port}" for name, port in self.ports.items()}

    @property
    def issuer(self) -> str:
        return self.urls["auth_server"]

    @property
    def resource(self) -> str:
        return self.urls["inventory_service"]

    @property
    def mcp_resource(self) -> str:
        return f"{self.urls['inventory_service.mcp']}/mcp"

    def run_agent(self, *args: str) -> subprocess.CompletedProcess:
        """``python -m scripts.agent`` against this stack (the MCP chapter of the demo).

        Its ``main`` runs in this process, one agent at a time (output is captured by
        swapping ``sys.stdout``): the SDK's import, about a second of CPU, is then paid once
        rather than once per agent.
        """
        from . import agent

        argv = ["--url", self.mcp_resource, "--issuer", self.issuer,
                "--credentials", str(self.state / "credentials.json"), *args]  # fmt: skip
        out, err = io.StringIO(), io.StringIO()
        with self.agent_lock, redirect_stdout(out), redirect_stderr(err):
            try:
                code = agent.main(argv)
            except SystemExit as exc:  # argparse's usage errors
                code = exc.code if isinstance(exc.code, int) else 2
        command = ["python", "-m", "scripts.agent", *argv]
        return subprocess.CompletedProcess(command, code, out.getvalue(), err.getvalue())

    # -- environment -------------------------------------------------------------------------

    def env(self, package: str, order_auth: str = "api_key") -> dict[str, str]:
        return {**self._env(package, order_auth), **self.extra_env.get(package, {})}

    def _env(self, package: str, order_auth: str) -> dict[str, str]:
        creds = self.credentials()
        issuer, resource = self.issuer, self.resource
        data = str(self.state / package)
        if package == "auth_server":
            return {
                "AUTH_ISSUER": issuer,
                "AUTH_PORT": str(self.ports[package]),
                "AUTH_DATA_DIR": data,
                "AUTH_WORKERS": str(self.workers),
                "AUTH_ADMIN_TOKEN": creds["admin_token"],
            }
        if package == "inventory_service":
            return {
                "INVENTORY_ISSUER": issuer,
                "INVENTORY_PORT": str(self.ports[package]),
                "INVENTORY_RESOURCE": resource,
                "INVENTORY_DATA_DIR": data,
                "INVENTORY_WORKERS": str(self.workers),
                "INVENTORY_AUTH_MODE": "api_key",
                "INVENTORY_API_KEY_SUNSET": SUNSET,
                "INVENTORY_DASHBOARD_PUBLIC": "1",
                **_introspection_client(creds),
            }
        if package == "inventory_service.mcp":
            return {
                "INVENTORY_ISSUER": issuer,
                "INVENTORY_DATA_DIR": str(self.state / "inventory_service"),
                "INVENTORY_MCP_RESOURCE": self.mcp_resource,
                "INVENTORY_MCP_PORT": str(self.ports[package]),
            }
        secret_file = self.state / "order-client-secret"
        write_private(secret_file, creds["client_secrets"]["order-service"])
        return {
            "ORDER_INVENTORY_URL": self.urls["inventory_service"],
            "ORDER_PORT": str(self.ports[package]),
            "ORDER_DATA_DIR": data,
            "ORDER_WORKERS": str(self.workers),
            "ORDER_AUTH": order_auth,
            "ORDER_API_KEY": creds["api_keys"]["order-service"],
            "ORDER_ISSUER": issuer,
            "ORDER_CLIENT_ID": "order-service",
            "ORDER_CLIENT_SECRET_FILE": str(secret_file),
            "ORDER_RESOURCE": resource,
            "ORDER_SCOPE": "inventory:write",
        }

    def credentials(self) -> dict:
        return json.loads((self.state / "credentials.json").read_text())

    # -- lifecycle ---------------------------------------------------------------------------

    def bootstrap(self, fresh: bool = True) -> None:
        """Generate demo credentials into a fresh state dir (or keep an existing one)."""
        if (self.state / "credentials.json").exists() and not fresh:
            return
        taken = [port for port in self.ports.values() if _port_taken(port)]
        if taken:  # checked before wiping: it may be our own running stack (make up)
            raise StackError(
                f"port(s) {', '.join(map(str, taken))} already in use; run `make down` or free them"
            )
        self.close_clis()  # they would hold the old data dirs' files
        shutil.rmtree(self.state, ignore_errors=True)
        self.state.mkdir(mode=0o700, parents=True)
        write_private(
            self.state / "credentials.json", json.dumps({"admin_token": secrets.token_urlsafe(48)})
        )
        creds = create_credentials(
            checked(self.cli("auth_server")),
            checked(self.cli("inventory_service")),
            self.resource,
            mcp_resource=self.mcp_resource,
            key_dir=self.state,
        )
        write_private(self.state / "credentials.json", json.dumps({**self.credentials(), **creds}))

    def cli(self, package: str) -> CliSession:
        """``flask --app <package>`` for admin commands, one Python start-up per service.

        The session keeps the settings it started with (data dir, issuer, resource): what a
        restart adds on top (``extra_env``) concerns the serving process, not the admin CLI.
        """
        if package not in self.clis:
            log = self.state / f"{package}.cli.log"
            self.clis[package] = CliSession(package, self.env(package), log)
        return self.clis[package]

    def close_clis(self) -> None:
        while self.clis:
            self.clis.popitem()[1].close()

    def start(self, order_auth: str = "api_key") -> None:
        # Side by side: none needs another to boot, and each boot is mostly Python imports
        # that a second core can take (docs/performance.md, "Clone to demo").
        for package in self.ports:
            self._launch(package, order_auth)
        for package in self.ports:
            self._await_started(package)

    def start_service(self, package: str, order_auth: str = "api_key") -> None:
        self._launch(package, order_auth)
        self._await_started(package)

    def _launch(self, package: str, order_auth: str) -> None:
        port = self.ports[package]
        if _port_taken(port):
            raise StackError(
                f"port {port} is already in use; stop what holds it (make down?) and retry"
            )
        log = (self.state / f"{package}.log").open("ab")
        env = self.env(package, order_auth)
        self.expected_workers[package] = _configured_workers(env, self.workers)
        proc = subprocess.Popen(
            [sys.executable, "-m", package],
            env={**os.environ, **env},
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs[package] = proc
        (self.state / f"{package}.pid").write_text(str(proc.pid))

    def _await_started(self, package: str) -> None:
        proc = self.procs[package]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and proc.poll() is None:
            if self._healthy(package) and self._all_workers_booted(package, proc.pid):
                return
            time.sleep(0.05)
        self.stop_service(package)  # never leave a half-started service behind
        log_file = self.state / f"{package}.log"
        tail = "\n".join(log_file.read_text(errors="replace").splitlines()[-15:])
        raise StackError(
            f"{package} did not start ({'it exited' if proc.poll() is not None else 'timed out'});"
            f" log: {log_file}. Last lines:\n{tail}"
        )

    def _healthy(self, package: str) -> bool:
        try:
            return requests.get(f"{self.urls[package]}/healthz", timeout=1).status_code == 200
        except requests.RequestException:
            return False

    def _all_workers_booted(self, package: str, master: int) -> bool:
        """As many workers of ``master`` alive and past app loading as it was started with.

        Each worker touches ``<data dir>/workers/<pid>`` in gunicorn's ``post_worker_init``
        hook; a marker counts while that pid is alive in the master's process group (the
        master leads its own session), so a worker that died, or a pid reused since, does
        not. Markers, signals and process groups work alike on macOS, which has no ``/proc``.
        One healthy worker is not enough: if a sibling then fails to boot, gunicorn halts
        the whole service, and a "the stack is up" printed before that would be a lie.
        The MCP server is one uvicorn process with no workers: healthy means ready.
        """
        if package in SINGLE_PROCESS:
            return True
        expected = self.expected_workers.get(package, self.workers)
        return len(live_workers(self.state / package / "workers", master)) >= expected

    def set_order_auth(self, mode: str) -> None:
        """Phase 2: redeploy Order with another ORDER_AUTH (a restart, as in real life)."""
        self.stop_service("order_service")
        self.start_service("order_service", mode)

    def restart(self, package: str, extra_env: dict[str, str], order_auth: str = "api_key") -> None:
        """Restart one service with ``extra_env`` on top of its usual settings."""
        self.extra_env[package] = extra_env
        self.stop_service(package)
        self.start_service(package, order_auth)

    def stop_service(self, package: str) -> None:
        pid_file = self.state / f"{package}.pid"
        proc = self.procs.pop(package, None)
        pid = proc.pid if proc else int(pid_file.read_text()) if pid_file.exists() else None
        if pid:
            _terminate(pid, proc, self.state / package / "workers")
        pid_file.unlink(missing_ok=True)
        self.expected_workers.pop(package, None)
        # The listening socket may linger a moment after the master exits.
        deadline = time.monotonic() + 10
        while _port_taken(self.ports[package]) and time.monotonic() < deadline:
            time.sleep(0.05)

    def close(self) -> None:
        """Stop what this object started (never a stack another command started), all
        at once: each stop is mostly waiting for a graceful exit."""
        self.close_clis()
        started = [package for package in reversed(list(self.ports)) if package in self.procs]
        with ThreadPoolExecutor(max(1, len(started))) as pool:
            list(pool.map(self.stop_service, started))  # re-raises a failed stop here

    def stop_recorded(self) -> None:
        """``make down``: stop whatever ``make up`` recorded in the pid files, all at once
        (each stop is mostly a graceful exit to wait for)."""
        packages = list(reversed(list(self.ports)))
        with ThreadPoolExecutor(len(packages)) as pool:
            list(pool.map(self.stop_service, packages))  # re-raises a failed stop here


def _terminate(pid: int, proc: subprocess.Popen | None, workers: Path) -> None:
    """Stop a service: SIGTERM its master, which stops its workers, and wait for it.

    A master still there after 10 s gets SIGKILL with its whole process group. Workers that
    outlive their master (it was killed) are found from their marker files and stopped too.
    A pid from a stale pid file that no longer leads a process group is not a master of
    ours, and is left alone.
    """
    ours = proc is not None or _leads_its_group(pid)
    stopping = ours and _signal(pid, signal.SIGTERM)
    if stopping and not _wait(lambda: _gone(pid, proc), 10):
        _signal(pid, signal.SIGKILL, group=True)
        _wait(lambda: _gone(pid, proc), 10)
    for worker in live_workers(workers, pid):
        _signal(worker, signal.SIGTERM)
    if not _wait(lambda: not live_workers(workers, pid), 10):
        _signal(pid, signal.SIGKILL, group=True)


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


def _configured_workers(env: dict[str, str], default: int) -> int:
    """The worker count in a service's environment (``AUTH_WORKERS``, ``ORDER_WORKERS``...)."""
    for name, value in env.items():
        if name.endswith("_WORKERS") and value.isdigit():
            return int(value)
    return default


def _leads_its_group(pid: int) -> bool:
    """Whether ``pid`` is a process group leader, as every master started here is."""
    try:
        return os.getpgid(pid) == pid
    except ProcessLookupError:
        return False


def _signal(pid: int, signum: int, group: bool = False) -> bool:
    """Send ``signum`` to ``pid`` (or its process group); False if nothing is there."""
    try:
        if group:
            os.killpg(pid, signum)
        else:
            os.kill(pid, signum)
    except ProcessLookupError:
        return False
    return True


def _gone(pid: int, proc: subprocess.Popen | None) -> bool:
    """Whether the master has exited; our own child is reaped, or it lingers as a zombie."""
    if proc is not None:
        return proc.poll() is not None
    return not _signal(pid, 0)


def _wait(condition: Callable[[], bool], seconds: float) -> bool:
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


def _introspection_client(creds: dict) -> dict[str, str]:
    """Inventory introspects admin tokens as its own client (issue 11), once it exists."""
    secret = creds.get("client_secrets", {}).get("inventory-service")
    if not secret:  # during bootstrap, before the AS client is created
        return {}
    return {"INVENTORY_CLIENT_ID": "inventory-service", "INVENTORY_CLIENT_SECRET": secret}


def _port_taken(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def main(argv: list[str], stack: LocalStack | None = None) -> int:
    stack = stack or LocalStack()
    command = argv[0] if argv else ""
    if command in ("up", "restart"):
        keep = command == "restart" or "--keep-data" in argv[1:]
        return _up(stack, keep_data=keep, restart=command == "restart")
    if command in ("env", "order-auth"):
        problem = stack_health.refusal(stack.state, stack.urls)
        if problem:
            print(problem, file=sys.stderr)
            return 1
    if command == "env":
        # For hands-on shells: eval "$(.venv/bin/python -m scripts.stack env)"
        creds = stack.credentials()
        names = {
            "ORDER_KEY": creds["api_keys"]["order-service"],
            "REPORTING_KEY": creds["api_keys"]["reporting-job"],
            "ORDER_SECRET": creds["client_secrets"]["order-service"],
            "READER_SECRET": creds["client_secrets"]["catalog-reader"],
            "ADMIN_SECRET": creds["client_secrets"]["platform-admin"],
            "AGENT_SECRET": creds["agents"]["inventory-agent"]["client_secret"],
        }
        for name, value in names.items():
            print(f"export {name}={shlex.quote(value)}")
        return 0
    if command == "order-auth" and argv[1:] in (["oauth"], ["api_key"]):
        # `make order-oauth` / `make order-api-key`: redeploy only Order, as in phase 2.
        try:
            stack.set_order_auth(argv[1])
            (stack.state / ORDER_AUTH_FILE).write_text(argv[1])  # `make restart` keeps it
        except StackError as exc:
            print(f"make order-{argv[1].replace('_', '-')}: {exc}", file=sys.stderr)
            return 1
        print(f"Order restarted with ORDER_AUTH={argv[1]} on port {stack.ports['order_service']}.")
        return 0
    if command == "down":
        if stack.state.exists():
            stack.stop_recorded()
        print("stopped")
        return 0
    print(
        "usage: python -m scripts.stack up [--keep-data]|restart|down|env|order-auth oauth|api_key",
        file=sys.stderr,
    )
    return 2


def _up(stack: LocalStack, keep_data: bool, restart: bool) -> int:
    """``make up`` (fresh credentials and data, phase 0), ``make up KEEP_DATA=1`` (the data
    dirs and credentials as they are) and ``make restart`` (stop, then the same)."""
    target = "make restart" if restart else "make up"
    if keep_data and not (stack.state / "credentials.json").exists():
        print(f"{target}: no stack data in {stack.state}; run `make up` first.", file=sys.stderr)
        return 1
    try:
        if restart:
            stack.stop_recorded()
        stack.bootstrap(fresh=not keep_data)
        order_auth = stack.state / ORDER_AUTH_FILE  # gone with the data of a fresh `make up`
        stack.start(order_auth.read_text() if order_auth.exists() else "api_key")
        stack.close_clis()
    except StackError as exc:
        stack.close()
        print(f"{target}: {exc}", file=sys.stderr)
        return 1
    kept = " on their existing data" if keep_data else ""
    print(
        f"Auth 9000, Inventory 9001, Order 9002, MCP 9003 are up{kept}."
        " Credentials: .demo/credentials.json"
    )
    print(f"Dashboard: {stack.urls['inventory_service']}/admin/dashboard  ·  stop with: make down")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
