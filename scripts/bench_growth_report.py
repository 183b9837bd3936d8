"""The growth curve's and the scan comparison's tables, each figure beside its goal.

Apart from ``bench.report`` so the figures of ``bench_growth.py`` and ``bench_scan.py`` are
printed by the code that knows them; ``bench.main`` calls both.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

CPU_GOAL = "≤ 1.1 (10,000 vs 10 clients)"
PAGE_GOAL_MS = 250


def report(results: dict, console: Console) -> None:
    growth, scan = results.get("growth"), results.get("scan")
    if growth:
        console.print(_growth(growth, results["cores"]))
    if scan:
        console.print(_scan(scan, results["cores"]))


def _growth(growth: dict, cores: int) -> Table:
    scales = growth["scales"]
    table = Table(title=f"growth: {growth['days_of_history']} days of history — {cores} cores")
    table.add_column("figure")
    for n in scales:
        table.add_column(f"{n:,} clients")
    table.add_column(f"{scales[-1]:,} vs {scales[0]:,}")
    table.add_column("goal")
    for name, label in (
        ("as_token", "AS server CPU µs per token"),
        ("rs_api_key", "Inventory CPU µs per request, API key"),
        ("rs_cached_token", "Inventory CPU µs per request, cached token"),
    ):
        per_scale = growth.get(f"{name}_cpu_us") or {}
        ratio = growth.get(f"{name}_cpu_ratio_{scales[-1]}_vs_{scales[0]}")
        table.add_row(label, *(_cell(per_scale.get(n)) for n in scales), _cell(ratio), CPU_GOAL)
    for name, label, goal in (
        ("dashboard_ms", "GET /admin/dashboard, ms", f"≤ {PAGE_GOAL_MS} ms at the largest"),
        ("cockpit_ms", "GET /admin/cockpit, ms", f"≤ {PAGE_GOAL_MS} ms at the largest"),
        ("audit_s", "api-keys audit --json, s", "(reported)"),
        ("purge_dry_run_s", "api-keys purge --dry-run, s", "(reported)"),
        ("inventory_db_bytes_generated", "Inventory DB bytes, 30 days generated", ""),
        ("inventory_db_bytes_after_retention", "… after the retention's first fold", "bounded"),
        ("as_db_bytes", "AS DB bytes", ""),
    ):
        table.add_row(label, *(_cell(growth[name].get(n)) for n in scales), "", goal)
    blank = [""] * (len(scales) - 1)
    table.add_row(
        "DB bytes per client per day, as generated",
        *blank, str(growth["db_bytes_per_client_per_day_generated"]), "", "",
    )  # fmt: skip
    table.add_row(
        "DB bytes per client, kept (the minute series: one day, shared)",
        *blank, str(growth["db_bytes_per_client_after_retention"]), "",
        "bounded by the retention, not by days",
    )  # fmt: skip
    table.add_row("wall s (this part)", *blank, str(growth["wall_s"]), "", "")
    return table


def _scan(scan: dict, cores: int) -> Table:
    table = Table(title=f"api-keys scan vs detect-secrets — {cores} cores, one process each")
    for column in ("figure", "value", "goal"):
        table.add_column(column)
    rows = (
        ("tree", f"{scan['tree_mb']} MB, {scan['tree_files']} files", "≥ 300 MB"),
        ("api-keys scan", f"{scan['api_keys_scan_mb_per_s']} MB/s ({scan['api_keys_scan_s']} s,"
         " start-up included)", ""),
        ("detect-secrets -c 1", f"{scan['detect_secrets_mb_per_s']} MB/s (on a"
         f" {scan['detect_secrets_sample_mb']} MB shard, start-up left out)", ""),
        ("ratio", str(scan["scan_vs_detect_secrets_ratio"]), "≥ 3"),
        ("MB per CPU second, api-keys scan / detect-secrets",
         f"{scan['api_keys_scan_mb_per_cpu_s']} / {scan['detect_secrets_mb_per_cpu_s']}", ""),
        ("detect-secrets flagged files holding planted live keys",
         f"{scan['detect_secrets_flagged_files_with_planted_live_keys']} of"
         f" {scan['detect_secrets_files_with_planted_live_keys']}", "(its own recall)"),
        ("planted live keys missed", f"{scan['missed_live']} of {scan['planted_live']}", "0"),
        ("false live-key reports", str(scan["false_live_reports"]), "0"),
        ("revoked / look-alikes seen and ignored",
         f"{scan['revoked_seen']} / {scan['look_alikes_seen']}",
         f"{scan['revoked_planted']} / {scan['look_alikes_planted']}"),
    )  # fmt: skip
    for row in (*rows, ("wall s (this part)", str(scan["wall_s"]), "")):
        table.add_row(*row)
    return table


def _cell(value: object) -> str:
    if value is None:
        return "n/a"
    return f"{value:,}" if isinstance(value, int) else str(value)
