"""``api-keys scan`` against detect-secrets, MB/s on the same generated tree, in one run.

Both run as their command-line tools, one process each (``detect-secrets -c 1``): what an
operator would type. ``api-keys scan`` reads the whole tree (≥ 300 MB in a full run);
detect-secrets, 0.03 to 0.2 MB/s per core here, would need hours for it, so it reads one
shard (0.5 MB) of the same mix (``bench_scan_tree.py``: every shard has the same files, and the
first carries planted keys), its start-up measured on an empty directory and left out.

The figures that are not speeds are checked, not just printed: every planted live key
found at its place, no live-key report anywhere else, every revoked key and look-alike seen
and ignored. A miss ends the bench with an error, as a failed request does.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .bench_scan_tree import Tree, build

ROOT = Path(__file__).resolve().parents[1]
GOAL_RATIO = 3.0


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def scan_with_cli(tree: Tree) -> tuple[dict, float]:
    """``flask --app inventory_service api-keys scan --json TREE``: its report and wall s."""
    env = {
        **os.environ,
        "INVENTORY_DATA_DIR": str(tree.data_dir),
        "INVENTORY_ISSUER": "http://127.0.0.1:9",  # never contacted by the scan
        "INVENTORY_RESOURCE": "http://127.0.0.1:9",
    }
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "inventory_service", "api-keys", "scan",
         "--json", str(tree.root)],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    if result.returncode not in (0, 1):  # 1: live keys found, which they are
        raise SystemExit(f"bench: api-keys scan failed:\n{result.stderr[-2000:]}")
    return json.loads(result.stdout), seconds


def _detect_secrets(path: Path) -> tuple[dict, float]:
    started = time.perf_counter()
    result = subprocess.run(
        [str(Path(sys.executable).parent / "detect-secrets"), "-c", "1", "scan",
         "--all-files", "."],
        cwd=path, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(result.stdout), time.perf_counter() - started


def check(report: dict, tree: Tree) -> dict:
    """Planted keys against the report: misses and false live-key reports, both counted."""
    root = str(tree.root) + os.sep
    found = {
        (f["location"].removeprefix(root).rsplit(":", 1)[0], f["key_id"])
        for f in report["live_keys"]
    }
    planted = {(p["file"], p["key_id"]) for p in tree.manifest["live"]}
    return {
        "planted_live": len(planted),
        "missed_live": len(planted - found),
        "false_live_reports": len(found - planted),
        "revoked_seen": report["revoked_keys_seen"],
        "revoked_planted": len(tree.manifest["revoked"]),
        "look_alikes_seen": report["look_alikes_seen"],
        "look_alikes_planted": tree.manifest["look_alikes"],
    }


def run(out: Path, megabytes: int, tiny: bool = False) -> dict:
    """Build (or reuse) the tree, run both scanners, return the figures. ``tiny``:
    detect-secrets reads only the first shard's settings file."""
    made = time.perf_counter()
    tree = build(out, megabytes)
    built_s = time.perf_counter() - made
    cpu = _children_cpu()
    report, scan_s = scan_with_cli(tree)
    scan_cpu_s, cpu = _children_cpu() - cpu, _children_cpu()
    checked = check(report, tree)
    sample = tree.root / "shard-000" / ("config" if tiny else "")
    sample_bytes = sum(f.stat().st_size for f in sample.rglob("*") if f.is_file())
    with tempfile.TemporaryDirectory() as empty:
        _, start_up = _detect_secrets(Path(empty))
    start_up_cpu_s, cpu = _children_cpu() - cpu, _children_cpu()
    found, ds_s = _detect_secrets(sample)
    ds_cpu_s = _children_cpu() - cpu - start_up_cpu_s
    ds_mb_s = sample_bytes / 1e6 / max(ds_s - start_up, 1e-3)
    ours_mb_s = report["bytes_scanned"] / 1e6 / scan_s
    prefix = str(sample.relative_to(tree.root)) + os.sep
    planted_lines = {p["file"].removeprefix(prefix) for p in tree.manifest["live"]
                     if p["file"].startswith(prefix)}  # fmt: skip
    figures = {
        "tree_mb": round(report["bytes_scanned"] / 1e6, 1),
        "tree_files": report["files_scanned"],
        "tree_built_or_reused_s": round(built_s, 1),
        "api_keys_scan_s": round(scan_s, 2),
        "api_keys_scan_mb_per_s": round(ours_mb_s, 1),
        "detect_secrets_sample_mb": round(sample_bytes / 1e6, 2),
        "detect_secrets_s": round(ds_s, 2),
        "detect_secrets_start_up_s": round(start_up, 2),
        "detect_secrets_mb_per_s": round(ds_mb_s, 3),
        "scan_vs_detect_secrets_ratio": round(ours_mb_s / ds_mb_s, 1),
        # Per CPU second: what a shared machine's load does not distort.
        "api_keys_scan_mb_per_cpu_s": round(report["bytes_scanned"] / 1e6 / scan_cpu_s, 1),
        "detect_secrets_mb_per_cpu_s": round(sample_bytes / 1e6 / max(ds_cpu_s, 1e-3), 3),
        "detect_secrets_files_with_planted_live_keys": len(planted_lines),
        "detect_secrets_flagged_files_with_planted_live_keys": len(
            planted_lines & set(found["results"])
        ),
        "wall_s": round(time.perf_counter() - made, 1),
        **checked,
    }
    if checked["missed_live"] or checked["false_live_reports"]:
        raise SystemExit(f"bench: api-keys scan missed or invented live keys: {checked}")
    return figures
