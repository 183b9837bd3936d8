"""``api-keys scan``: live keys found by their stored hash, never printed; CI-friendly exit."""

import json
import os

import pytest
from flask.testing import FlaskCliRunner

LOOK_ALIKE = "ik_0123456789ab_" + "A" * 43


@pytest.fixture
def scan(app):
    def run(*args):
        return FlaskCliRunner(app).invoke(args=["api-keys", "scan", *args])

    return run


def test_a_live_key_planted_in_a_file_is_reported_by_place_id_and_owner(api, scan, tmp_path):
    key = api.api_key("reporting-job")
    config = tmp_path / "repo" / "config" / "reporting.env"
    config.parent.mkdir(parents=True)
    config.write_text(f"# reporting job\nINVENTORY_URL=http://inventory\nAPI_KEY={key}\n")
    key_id = key.split("_")[1]
    out = scan(str(tmp_path / "repo"))
    assert out.exit_code == 1
    assert f"{config}:3: live API key {key_id} of reporting-job" in out.output
    assert key not in out.output and key.split("_", 2)[2] not in out.output


def test_a_live_key_in_an_environment_variable_is_reported_by_name(api, scan, monkeypatch):
    key = api.api_key("order-service")
    monkeypatch.setenv("LEGACY_INVENTORY_KEY", f"Bearer-ish {key}")
    out = scan("--env", "--json")
    assert out.exit_code == 1
    report = json.loads(out.output)
    assert report["live_keys"] == [
        {
            "location": "env:LEGACY_INVENTORY_KEY",
            "key_id": key.split("_")[1],
            "client_id": "order-service",
        }
    ]
    assert key not in out.output


def test_revoked_keys_and_look_alikes_are_ignored_and_the_exit_code_is_zero(api, scan, tmp_path):
    revoked = api.api_key("old-job")
    api_key_id = revoked.split("_")[1]
    FlaskCliRunner(api.app).invoke(args=["api-keys", "revoke", api_key_id])
    live = api.api_key("reporting-job")
    forged = live[:-1] + ("B" if live[-1] != "B" else "C")  # right id, wrong secret
    (tmp_path / "a.yaml").write_text(
        f"old: {revoked}\nfake: {LOOK_ALIKE}\nforged: {forged}\nlonger: {live}X\n"
    )
    out = scan("--json", str(tmp_path / "a.yaml"))
    assert out.exit_code == 0, out.output
    report = json.loads(out.output)
    assert report["live_keys"] == []
    assert report["revoked_keys_seen"] == 1
    assert report["look_alikes_seen"] == 2  # the unknown id and the forged secret
    for secret in (revoked, live, forged):
        assert secret not in out.output


def test_logs_mode_reads_only_log_files_of_any_size_and_standard_input(api, scan, tmp_path):
    key = api.api_key("reporting-job")
    (tmp_path / "inventory_service.log").write_text(f"GET /inventory X-API-Key={key}\n")
    (tmp_path / "notes.txt").write_text(f"{key}\n")
    out = scan("--logs", str(tmp_path))
    assert out.exit_code == 1
    assert "inventory_service.log:1:" in out.output and "notes.txt" not in out.output
    piped = FlaskCliRunner(api.app).invoke(
        args=["api-keys", "scan", "--logs", "-"], input=f"worker 1 | {key}\n"
    )
    assert piped.exit_code == 1 and "<stdin>:1: live API key" in piped.output


def test_binary_files_and_skipped_directories_are_not_read(api, scan, tmp_path):
    key = api.api_key("reporting-job")
    (tmp_path / "blob.bin").write_bytes(b"\0\1" + key.encode())
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_text(key)
    out = scan(str(tmp_path))
    assert out.exit_code == 0, out.output


def test_scan_without_anything_to_scan_or_with_a_missing_path_is_a_usage_error(scan, tmp_path):
    assert scan().exit_code == 2
    missing = scan(str(tmp_path / "nope"))
    assert missing.exit_code == 2 and "no such file or directory" in missing.output


def test_a_link_out_of_the_tree_is_skipped_not_followed(api, scan, tmp_path):
    key = api.api_key("reporting-job")
    outside = tmp_path / "elsewhere.env"
    outside.write_text(f"API_KEY={key}\n")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "linked.env").symlink_to(outside)
    out = scan(str(repo))
    assert out.exit_code == 0
    assert "linked.env (symbolic link, not followed)" in out.output
    assert scan(str(repo / "linked.env")).exit_code == 1  # named on purpose: read


def test_a_fifo_in_the_tree_or_named_is_skipped_without_waiting(scan, tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    os.mkfifo(repo / "pipe")
    assert "pipe (not a regular file)" in scan(str(repo)).output
    assert "pipe (not a regular file)" in scan(str(repo / "pipe")).output
    assert "not a regular file" in scan("/dev/zero").output


def test_a_file_name_cannot_forge_report_lines_or_send_terminal_escapes(api, scan, tmp_path):
    key = api.api_key("reporting-job")
    repo = tmp_path / "repo"
    repo.mkdir()
    name = "x\nfake.env:1: live API key 000000000000 of root\x1b[2J.env"
    (repo / name).write_text(f"{key}\n")
    out = scan(str(repo))
    assert out.exit_code == 1
    assert "\x1b" not in out.output
    lines = [line for line in out.output.splitlines() if "live API key" in line]
    assert len(lines) == 1 and lines[0].startswith(str(repo) + "/x\\nfake.env")


@pytest.mark.parametrize("glue", ["--api-key-{}", "--api-key={}", "KEY_{}", "-{}", "_{}"])
def test_a_key_glued_to_a_dash_or_underscore_is_found(api, scan, tmp_path, glue):
    key = api.api_key("reporting-job")
    (tmp_path / "run.sh").write_text(f"job {glue.format(key)}\n")
    assert scan(str(tmp_path / "run.sh")).exit_code == 1
    (tmp_path / "run.sh").write_text(f"job x{key}\n")  # a longer look-alike is not cut to size
    assert scan(str(tmp_path / "run.sh")).exit_code == 0


def test_keys_across_chunk_boundaries_are_found_on_their_own_lines(
    api, scan, tmp_path, monkeypatch
):
    from inventory_service.migration import key_scan

    monkeypatch.setattr(key_scan, "CHUNK_BYTES", 64)  # every key straddles a chunk's end
    keys = [api.api_key(f"job-{n}") for n in range(3)]
    log = tmp_path / "logs" / "service.log"
    log.parent.mkdir()
    lines = [f"line {n} " + "x" * (n * 37 % 90) for n in range(40)]
    for n, key in zip((5, 17, 39), keys, strict=True):
        lines[n] += f" X-API-Key: {key}"
    log.write_text("\n".join(lines))  # the last line has no newline
    out = json.loads(scan("--json", str(log)).output)
    assert [f["location"] for f in out["live_keys"]] == [f"{log}:6", f"{log}:18", f"{log}:40"]
    assert out["bytes_scanned"] == log.stat().st_size
