"""The services as local processes on 9000-9003 (no Docker needed): ``LocalStack``.

``scripts/stack.py`` drives it for ``make up``/``down``; ``make demo`` drives it in the
foreground. State lives in ``.demo/`` (git-ignored): data dirs, logs, pids, and
``credentials.json`` (mode 0600). Each service's environment is ``stack_env.py``'s; finding
and stopping processes is ``process_groups.py``'s.
"""

from __future__ import annotations

import io
import json
import os
import secrets
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path

import requests

from .bootstrap import checked, create_credentials, write_private
from .cli_session import CliSession
from .process_groups import configured_workers, leads_its_group, live_workers, port_taken, terminate
from .second_as_process import stop as stop_second_as
from .stack_env import service_env

ROOT = Path(__file__).resolve().parents[1]
STATE = ROOT / ".demo"
PORTS = {
    "auth_server": 9000,
    "inventory_service": 9001,
    "order_service": 9002,
    "inventory_service.mcp": 9003,  # the MCP server, on Inventory's data
}
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
        return {**service_env(self, package, order_auth), **self.extra_env.get(package, {})}

    def credentials(self) -> dict:
        return json.loads((self.state / "credentials.json").read_text())

    # -- lifecycle ---------------------------------------------------------------------------

    def bootstrap(self, fresh: bool = True) -> None:
        """Generate demo credentials into a fresh state dir (or keep an existing one)."""
        if (self.state / "credentials.json").exists() and not fresh:
            return
        taken = [port for port in self.ports.values() if port_taken(port)]
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
        """End every CLI session, then wait for each: each exit tears down a whole app,
        and the sessions need not take turns."""
        sessions = list(self.clis.values())
        self.clis.clear()
        for session in sessions:
            session.end()
        for session in sessions:
            session.close()

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

    def _launch(self, package: str, order_auth: str, replacing: bool = False) -> None:
        port = self.ports[package]
        if port_taken(port) and not replacing:
            raise StackError(
                f"port {port} is already in use; stop what holds it (make down?) and retry"
            )
        log = (self.state / f"{package}.log").open("ab")
        env = self.env(package, order_auth)
        self.expected_workers[package] = configured_workers(env, self.workers)
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
            # Markers first: until every worker has booted, no probe is worth sending.
            if self._all_workers_booted(package, proc.pid) and self._healthy(package):
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
        self.redeploy("order_service", mode)

    def restart(self, package: str, extra_env: dict[str, str], order_auth: str = "api_key") -> None:
        """Restart one service with ``extra_env`` on top of its usual settings (and of what
        earlier restarts added)."""
        self.extra_env[package] = {**self.extra_env.get(package, {}), **extra_env}
        self.redeploy(package, order_auth)

    def redeploy(self, package: str, order_auth: str = "api_key") -> None:
        """Replace a running gunicorn service: the new master boots while the old one drains.

        Each worker listens on its own ``SO_REUSEPORT`` socket, so the new workers bind the
        port beside the old ones. This returns once the new service is ready *and* the old
        one is gone, so every later call reaches the new one. One after the other, the old
        workers' graceful exit and the new ones' boot added up (1 to 2 s per redeploy here).
        """
        pid, proc = self._recorded_master(package)
        running = proc.poll() is None if proc else pid is not None and leads_its_group(pid)
        if not running or package in SINGLE_PROCESS:  # uvicorn has no SO_REUSEPORT here
            self.stop_service(package)
            self.start_service(package, order_auth)
            return
        assert pid is not None
        with ThreadPoolExecutor(1) as pool:
            old = pool.submit(terminate, pid, proc, self.state / package / "workers")
            try:
                self._launch(package, order_auth, replacing=True)
                self._await_started(package)
            finally:
                old.result()  # re-raises a failed stop here

    def _recorded_master(self, package: str) -> tuple[int | None, subprocess.Popen | None]:
        """The master this object started (or the pid file names), now no longer recorded."""
        pid_file = self.state / f"{package}.pid"
        proc = self.procs.pop(package, None)
        pid = proc.pid if proc else int(pid_file.read_text()) if pid_file.exists() else None
        return pid, proc

    def stop_service(self, package: str) -> None:
        pid, proc = self._recorded_master(package)
        if pid:
            terminate(pid, proc, self.state / package / "workers")
        (self.state / f"{package}.pid").unlink(missing_ok=True)
        self.expected_workers.pop(package, None)
        # The listening socket may linger a moment after the master exits.
        deadline = time.monotonic() + 10
        while port_taken(self.ports[package]) and time.monotonic() < deadline:
            time.sleep(0.05)

    def close(self) -> None:
        """Stop what this object started (never a stack another command started), all
        at once, CLI sessions included: each stop is mostly waiting for a graceful exit."""
        started = [package for package in reversed(list(self.ports)) if package in self.procs]
        with ThreadPoolExecutor(len(started) + 2) as pool:
            clis = pool.submit(self.close_clis)
            second = pool.submit(stop_second_as, self.state)  # phase 6's node-oidc-provider
            list(pool.map(self.stop_service, started))  # re-raises a failed stop here
            clis.result()
            second.result()

    def stop_recorded(self) -> None:
        """``make down``: stop whatever ``make up`` recorded in the pid files, all at once
        (each stop is mostly a graceful exit to wait for)."""
        packages = list(reversed(list(self.ports)))
        stop_second_as(self.state)
        with ThreadPoolExecutor(len(packages)) as pool:
            list(pool.map(self.stop_service, packages))  # re-raises a failed stop here
