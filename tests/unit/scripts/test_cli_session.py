"""One CLI session answers many ``flask --app`` commands as separate runs would: exit code,
stdout and stderr apiece, in one child process; a child that cannot start says why."""

import json
import os
import resource
import signal

from scripts.cli_session import CliSession


def _env(tmp_path, **extra):
    return {
        "AUTH_DATA_DIR": str(tmp_path / "auth"),
        "AUTH_ISSUER": "http://127.0.0.1:1",
        **extra,
    }


def test_many_commands_one_process_each_with_its_own_result(tmp_path):
    with CliSession("auth_server", _env(tmp_path), tmp_path / "cli.log") as cli:
        pid = cli._proc.pid
        created = cli.run(
            "clients", "create", "reader", "--scope", "inventory:read",
            "--resource", "http://127.0.0.1:2",
        )  # fmt: skip
        listed = cli.run("clients", "list")
        unknown = cli.run("clients", "frobnicate")
        assert cli._proc.pid == pid and cli._proc.poll() is None

    assert created.returncode == 0 and created.stderr == ""
    assert created.args == [
        "flask", "--app", "auth_server", "clients", "create", "reader", "--scope",
        "inventory:read", "--resource", "http://127.0.0.1:2",
    ]  # fmt: skip
    secret = json.loads(created.stdout)["client_secret"]
    assert listed.returncode == 0 and "reader" in listed.stdout
    assert secret not in listed.stdout  # the secret is printed once, by create
    assert unknown.returncode == 2 and unknown.stdout == ""
    assert "No such command 'frobnicate'" in unknown.stderr
    assert cli._proc.returncode == 0  # ended at the end of its input


def test_a_command_that_fails_reports_exit_1_and_its_message(tmp_path):
    with CliSession("auth_server", _env(tmp_path), tmp_path / "cli.log") as cli:
        result = cli.run("clients", "disable", "nobody")
    assert result.returncode == 1
    assert "nobody" in result.stderr and result.stdout == ""


def test_a_child_that_cannot_start_answers_with_its_log_tail(tmp_path):
    env = _env(tmp_path, AUTH_TOKEN_TTL="forever")
    with CliSession("auth_server", env, tmp_path / "cli.log") as cli:
        result = cli.run("clients", "list")
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith("auth_server CLI exited:\n")
    assert "AUTH_TOKEN_TTL must be a whole number, got 'forever'" in result.stderr


def test_a_command_that_does_not_answer_in_time_ends_the_session(tmp_path):
    with CliSession("auth_server", _env(tmp_path), tmp_path / "cli.log") as cli:
        assert cli.run("clients", "list").returncode == 0
        os.kill(cli._proc.pid, signal.SIGSTOP)  # a command that hangs, as far as we can tell
        hung = cli.run("clients", "list", timeout=0.5)
        after = cli.run("clients", "list")
    assert hung.returncode == 1 and hung.stdout == ""
    assert hung.stderr == "auth_server CLI gave no answer within 0.5 s; stopped it"
    assert cli._proc.returncode == -signal.SIGKILL
    assert after.returncode == 1 and after.stderr.startswith("auth_server CLI exited:")


def test_a_session_whose_pipe_is_past_fd_1023_still_answers(tmp_path):
    """A busy process (the full test suite, for one) holds more than 1024 files: select()
    cannot wait on such a descriptor, a selector can."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4096)), hard))
    held = [open(os.devnull) for _ in range(1100)]  # noqa: SIM115 - held open on purpose
    try:
        with CliSession("auth_server", _env(tmp_path), tmp_path / "cli.log") as cli:
            assert cli._proc.stdout.fileno() > 1023
            result = cli.run("clients", "list")
    finally:
        for f in held:
            f.close()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert result.returncode == 0 and json.loads(result.stdout) == []
