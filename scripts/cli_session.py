"""Many ``flask --app <package> ...`` commands for one Python start-up.

Every admin CLI call is a new interpreter importing Flask, Authlib and the app: 0.6-0.8 s of
CPU here, and the demo's bootstrap and cockpit chapters make fifteen such calls, one after
another (a newcomer waits for them). A session is one child process per service,
started with that service's environment, that runs the same click commands one after
another in-process and answers each with its exit code and output. The commands, their code
and their separate environments are those of ``flask --app``; only the start-ups are shared.

The parent speaks JSON lines over the child's stdin/stdout: an argv list in, then
``{"code", "stdout", "stderr"}`` out. What the app logs goes to ``log`` (the child's stderr),
whose last lines are the answer if the child dies (a settings error at start, say).
"""

from __future__ import annotations

import importlib
import json
import os
import selectors
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class CliSession:
    """``flask --app <package>`` commands run by one long-lived child process."""

    def __init__(self, package: str, env: dict[str, str], log: Path) -> None:
        self.package = package
        self.log = log
        self._lock = threading.Lock()
        with log.open("ab") as stderr:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "scripts.cli_session", package],
                env={**os.environ, **env},
                cwd=ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
            )

    def run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        """One command, as ``subprocess.run(["flask", "--app", package, *args])`` would
        report it (exit code, stdout, stderr). A command that does not answer within
        ``timeout`` seconds ends the session (exit code 1, and every later call fails)."""
        argv = ["flask", "--app", self.package, *args]
        with self._lock:
            assert self._proc.stdin and self._proc.stdout
            try:
                self._proc.stdin.write(json.dumps(list(args)) + "\n")
                self._proc.stdin.flush()
                # The child writes one whole line per command, so nothing is left buffered
                # between answers and the pipe itself says when the next one is there.
                # (A selector, not select(): in a busy process the fd may be past 1023.)
                with selectors.DefaultSelector() as pipe:
                    pipe.register(self._proc.stdout, selectors.EVENT_READ)
                    answered = pipe.select(timeout)
                line = self._proc.stdout.readline() if answered else None
            except BrokenPipeError:
                line = ""
        if line is None:
            self._proc.kill()
            self._proc.wait()
            return subprocess.CompletedProcess(
                argv, 1, "", f"{self.package} CLI gave no answer within {timeout:g} s; stopped it"
            )
        if not line:
            tail = "\n".join(self.log.read_text(errors="replace").splitlines()[-15:])
            return subprocess.CompletedProcess(argv, 1, "", f"{self.package} CLI exited:\n{tail}")
        answer = json.loads(line)
        return subprocess.CompletedProcess(argv, answer["code"], answer["stdout"], answer["stderr"])

    def end(self) -> None:
        """Let the child end (at end of input) without waiting for it to exit."""
        if self._proc.stdin and not self._proc.stdin.closed:
            self._proc.stdin.close()

    def close(self) -> None:
        if self._proc.poll() is None:
            self.end()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()

    def __enter__(self) -> CliSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def serve(package: str) -> None:
    """The child: build the app once (as ``flask --app`` does), then one command per line."""
    import traceback

    # Answers go to the real stdout alone: anything else that prints outside a command
    # goes to stderr (the log) instead of into the protocol.
    stdout = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    app = importlib.import_module(package).create_app()
    runner = app.test_cli_runner()  # click's CliRunner: captures output and the exit code
    for line in sys.stdin:
        result = runner.invoke(args=json.loads(line))
        stderr = result.stderr
        if result.exception and not isinstance(result.exception, SystemExit):
            assert result.exc_info
            stderr += "".join(traceback.format_exception(*result.exc_info))
        answer = {"code": result.exit_code, "stdout": result.stdout, "stderr": stderr}
        stdout.write(json.dumps(answer) + "\n")
        stdout.flush()


if __name__ == "__main__":
    serve(sys.argv[1])
