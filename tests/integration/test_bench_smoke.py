"""`make bench` in tiny mode, so the benchmark cannot rot. No timing is asserted here:
only that every figure is produced and the counts that do not depend on speed hold."""

import json
import subprocess
import sys

from tests.support.postgres import find_bin_dir
from tests.support.processes import ROOT


def test_bench_runs_end_to_end_and_writes_every_figure(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "scripts.bench", "--tiny", "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,  # a PostgreSQL stack and the growth curve's two more; CI is loaded
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    results = json.loads((tmp_path / "results.json").read_text())
    for ratio in (
        "rs_token_vs_key_throughput_ratio",
        "order_token_vs_key_throughput_ratio",
        "rs_token_vs_key_throughput_ratio_without_token_cache",
    ):
        assert results[ratio] > 0
    assert results["token_fetches_per_process"] == 1
    assert results["order_token_fetches_per_worker"] == 1.0
    assert results["naive_token_fetches_per_request"] == 1.0
    assert results["jwks_fetches_per_worker"] == 1.0
    assert set(results["as_tokens_per_second"]) == {"ES256", "RS256"}
    for name in (
        "rs_api_key",
        "rs_token",
        "order_phase0_api_key",
        "order_phase3_token",
        "as_es256",
        "as_rs256",
        "as_healthz_floor",
    ):
        load = results["loads"][name]
        assert load["requests"] > 0 and load["p99_ms"] >= load["p50_ms"] > 0
        assert load["server_cpu_us_per_request"] > 0
    assert results["server_closes_during_steady_loads"] == 0  # a count, not a speed
    assert set(results["as_server_cpu_us_per_token"]) == {"ES256", "RS256"}
    assert results["as_floor_server_cpu_us_per_request"] > 0
    assert results["cores"] >= 1
    growth, scan = results["growth"], results["scan"]
    assert growth["scales"] == [10, 100]
    for figure in ("dashboard_ms", "cockpit_ms", "audit_s", "purge_dry_run_s"):
        assert set(growth[figure]) == {"10", "100"}
    assert growth["inventory_db_bytes_after_retention"]["100"] > 0
    assert scan["planted_live"] > 0 and scan["missed_live"] == 0
    assert scan["false_live_reports"] == 0
    assert scan["revoked_seen"] == scan["revoked_planted"]
    _postgres_rows_measured_or_skipped(results, result.stdout)


def _postgres_rows_measured_or_skipped(results: dict, output: str) -> None:
    """PostgreSQL beside SQLite: measured where the server is installed, else said skipped."""
    if find_bin_dir() is None:
        assert "PostgreSQL rows skipped" in output
        assert results["pg_vs_sqlite_token_throughput_ratio"] is None
        return
    for path in ("key", "token", "orders"):
        assert results[f"pg_vs_sqlite_{path}_throughput_ratio"] > 0
        assert results["pg_vs_sqlite_server_cpu_ratio"][path] > 0
        for engine in ("sqlite", "postgres"):
            assert results["loads"][f"{engine}_{path}"]["requests"] > 0
