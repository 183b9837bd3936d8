"""Start the real services as ``python -m <package>`` on free ports and wait on /healthz."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout: float = 15.0, interval: float = 0.05, what: str = "condition"):
    """Poll ``predicate`` until it returns a truthy value; fail with ``what`` on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def stop_process_group(proc: subprocess.Popen | None, timeout: float = 10) -> None:
    """SIGTERM the process group a test started (``start_new_session=True``), then SIGKILL."""
    if proc and proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def run_cli(
    package: str, env: dict[str, str], *args: str, check: bool = True
) -> subprocess.CompletedProcess:
    """``flask --app <package> ...`` with the service's environment; raises on failure
    unless ``check=False`` (for commands whose exit status is the point)."""
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", package, *args],
        env={**os.environ, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=check,
    )


@dataclass
class Service:
    """A running ``python -m <package>`` (gunicorn master and workers)."""

    package: str
    env: dict[str, str]
    port: int
    log_path: Path
    proc: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> Service:
        """Start and wait for ``/healthz``: a start takes ~1 s alone, but ``make test``'s
        workers share two cores with gunicorn masters, browsers and image builds."""
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", self.package],
            env={**os.environ, **self.env},
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_until(self._healthy, timeout, what=f"{self.package} /healthz\n{self.logs()}")
        return self

    def _healthy(self) -> bool:
        if self.proc and self.proc.poll() is not None:
            raise AssertionError(f"{self.package} exited early:\n{self.logs()}")
        try:
            return requests.get(f"{self.url}/healthz", timeout=1).status_code == 200
        except requests.RequestException:
            return False

    def stop(self) -> None:
        stop_process_group(self.proc)
        self.proc = None

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path.exists() else ""
