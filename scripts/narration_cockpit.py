"""The cockpit chapters of ``make demo``: steps 1, 2 and 5 of the migration guide.

* ``before_cutoff`` (after phase 2): the scan finds a key planted in a sample config, the
  audit shows reporting-job only reads and prints the AS command for ``inventory:read`` —
  which the chapter runs, and the new client's token works — and a scheduled brownout
  refuses reporting-job's key with a message naming the window and the sunset date.
* ``phase_4`` (after phase 3): the purge refuses while a key was used recently, then
  deletes every key hash once none was; the cockpit shows phase 4.

These need the services' admin CLIs and a restart with new settings, which the local
runtime offers; on another runtime the chapters say so and step aside.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import requests
from rich.text import Text

from .stack import LocalStack

if TYPE_CHECKING:
    from .narration import Narrator

BROWNOUT_MINUTES = 2
LOOK_ALIKE = "ik_0123456789ab_" + "NOT-A-REAL-KEY-" + "x" * 28  # the right shape, no hash
DEMO_IDLE_S = 2  # a real team waits a week or more (the default is 7d)
DEMO_IDLE = f"{DEMO_IDLE_S}s"


def _cli(n: Narrator, package: str, *args: str) -> subprocess.CompletedProcess:
    """``flask --app <package> *args``, in the stack's CLI session (no new Python start-up)."""
    rt: LocalStack = n.rt  # type: ignore[assignment]
    return rt.cli(package).run(*args)


def _show(n: Narrator, command: str, output: str, secret: str | None = None) -> None:
    n.console.print(f"  [bold]$ {command}[/]")
    for line in output.strip().splitlines():
        n.console.print(Text(f"      {line}", style="dim"))
    if secret:
        n.expect(secret not in output, "a key appeared in the output")


def _local(n: Narrator, what: str) -> bool:
    if isinstance(n.rt, LocalStack):
        return True
    n.console.print(f"\n  [dim]{what}: shown on local processes only (make demo).[/]")
    return False


def write_sample_config(directory: Path, key: str) -> Path:
    """The file the scan finds: it holds a live key, so only its owner may read it (0600)."""
    directory.mkdir(mode=0o700, exist_ok=True)
    path = directory / "reporting-job.env"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # an older, wider file is narrowed too
    with os.fdopen(fd, "w") as f:
        f.write(
            "# reporting-job settings, as found in a repository\n"
            "INVENTORY_URL=http://127.0.0.1:9001\n"
            f"INVENTORY_API_KEY={key}\n"
            f"EXAMPLE_KEY={LOOK_ALIKE}\n"
        )
    return path


def before_cutoff(n: Narrator) -> None:
    if not _local(n, "The cockpit (scan, audit, brownout)"):
        return
    n.phase(
        "The cockpit · find the keys, right-size them, rehearse the cutoff",
        "Steps 1, 2 and 5 of the guide: where do keys hide, what does each holder really "
        "need, and who would break at the cutoff?",
    )
    key = n.key("reporting-job")
    sample = n.rt.state / "sample-config"  # type: ignore[attr-defined]
    write_sample_config(sample, key)
    scan = _cli(n, "inventory_service", "api-keys", "scan", str(sample))
    _show(n, f"flask --app inventory_service api-keys scan {sample.name}", scan.stdout, key)
    n.expect(scan.returncode == 1, f"the scan should exit 1 on a live key: {scan.stderr[-300:]}")
    n.expect("of reporting-job" in scan.stdout, "the scan did not find reporting-job's key")
    n.expect("1 look-alike(s) ignored" in scan.stdout, "the look-alike was not ignored")
    n.why("Matched against the stored hashes: the look-alike is ignored, the key is never printed.")

    row = _reporting_audit_row(n)
    audit = _cli(n, "inventory_service", "api-keys", "audit")
    _show(n, "flask --app inventory_service api-keys audit", audit.stdout, key)
    n.expect(
        row["over_privileged"] and row["recommended_scope"] == "inventory:read",
        f"the audit should recommend inventory:read for reporting-job, got {row}",
    )
    argv = shlex.split(row["as_command"])
    created = _cli(n, "auth_server", *argv[3:])
    n.expect(created.returncode == 0, f"the AS command failed: {created.stderr[-300:]}")
    secret = json.loads(created.stdout)["client_secret"]
    n.console.print(f"  [bold]$ {row['as_command']}[/]  [dim](secret printed once)[/]")
    resp = requests.post(
        f"{n.rt.urls['auth_server']}/oauth/token",
        data={"grant_type": "client_credentials", "resource": n.rt.resource},
        auth=("reporting-job", secret),
        timeout=10,
    )
    n.expect(resp.status_code == 200, f"reporting-job's new client got no token: {resp.text}")
    n.console.print(
        f"  [green]✓[/] reporting-job's token carries scope [bold]{resp.json()['scope']}[/]"
    )
    n.expect(resp.json()["scope"] == "inventory:read", "the new client is broader than it needs")
    n.why("Registered with what it used, not what its key held: least privilege from day one.")

    start = datetime.now(UTC) - timedelta(seconds=1)
    window = f"{start:%Y-%m-%dT%H:%M:%S}Z/PT{BROWNOUT_MINUTES}M"
    n.console.print(f"  Inventory restarts with [bold]INVENTORY_API_KEY_BROWNOUTS={window}[/]")
    n.rt.restart("inventory_service", {"INVENTORY_API_KEY_BROWNOUTS": window})  # type: ignore[attr-defined]
    refused = n.call(
        "GET",
        f"{n.inventory}/inventory",
        "reporting-job's key during the brownout",
        401,
        headers={"X-API-Key": key},
    )
    n.console.print(f"      [dim]body:[/] {refused.json()['detail']}")
    n.expect(
        refused.json().get("title") == "API key brownout" and "brownout" in refused.json(),
        "the refusal does not name the brownout",
    )
    n.why(
        "A brownout is a rehearsal: stragglers fail loudly for an hour, not forever at the cutoff."
    )
    n.summary.append(
        (
            "cockpit",
            "dual + pin",
            "scan found the planted key; audit → inventory:read; brownout 401",
        )
    )


def _reporting_audit_row(n: Narrator) -> dict:
    """Workers fold usage once a second: wait (3 s at most) for reporting-job's reads."""
    deadline = time.monotonic() + 3
    while True:
        out = _cli(n, "inventory_service", "api-keys", "audit", "--json")
        n.expect(out.returncode == 0, f"audit failed: {out.stderr[-300:]}")
        rows = [k for k in json.loads(out.stdout)["keys"] if k["client_id"] == "reporting-job"]
        if (rows and rows[0]["scopes_used"]) or time.monotonic() > deadline:
            n.expect(bool(rows), "the audit lists no key of reporting-job")
            return rows[0]
        time.sleep(0.2)


def phase_4(n: Narrator) -> None:
    if not _local(n, "Phase 4 (the purge)"):
        return
    n.phase(
        "Phase 4 · keys purged",
        "Everyone is on tokens: delete every API-key hash, the moment the API-key code can go.",
    )
    first = _cli(n, "inventory_service", "api-keys", "purge", "--unused-for", "1h")
    _show(n, "flask --app inventory_service api-keys purge --unused-for 1h", first.stderr)
    n.expect(first.returncode == 1, "the purge should refuse: keys were used within the hour")
    n.why("Refused: keys were accepted within the hour. A real team waits out a week or more.")
    _wait_for_idle_keys(n, seconds=DEMO_IDLE_S)
    second = _cli(n, "inventory_service", "api-keys", "purge", "--unused-for", DEMO_IDLE)
    _show(
        n, f"flask --app inventory_service api-keys purge --unused-for {DEMO_IDLE}", second.stdout
    )
    n.expect(second.returncode == 0, f"the purge failed: {second.stderr[-300:]}")
    n.call(
        "GET",
        f"{n.inventory}/inventory",
        "reporting-job's old key",
        401,
        headers={"X-API-Key": n.key("reporting-job")},
    )
    cockpit = n.admin("GET", "/admin/cockpit", "the cockpit's JSON").json()
    n.console.print(
        f"    cockpit: [bold]Phase {cockpit['phase']['number']} · {cockpit['phase']['name']}[/]"
        f" — {cockpit['phase']['words']}"
    )
    n.expect(cockpit["phase"]["number"] == 4, "the cockpit does not show phase 4")
    n.summary.append(("4 purged", "token_only", "every key hash deleted; the cockpit shows it"))


def _wait_for_idle_keys(n: Narrator, seconds: int) -> None:
    """Until no key call was accepted in the last ``seconds`` (the demo's stand-in for a week)."""
    headers = {"Authorization": f"Bearer {n.token('platform-admin')}"}
    deadline = time.monotonic() + seconds + 5
    while time.monotonic() < deadline:
        rows = requests.get(f"{n.inventory}/admin/auth-usage", headers=headers, timeout=10)
        last = max(
            ((r.get("api_key") or {}).get("last_accepted") or 0 for r in rows.json()["clients"]),
            default=0,
        )
        if last < time.time() - seconds - 1:
            return
        time.sleep(0.5)
