"""The cockpit's commands: ``flask --app inventory_service api-keys scan|audit|purge|...``.

Exit codes are meant for CI gates: ``scan`` exits 1 when it found a live key, ``purge`` exits 1
when it refused. Nothing here ever prints a key.
"""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime

import click
from flask import current_app
from flask.cli import with_appcontext

from .cutoff import parse_instant
from .evidence import parse_window
from .key_scan import printable
from .purge import PurgeRefused
from .scope_audit import audit


class Window(click.ParamType):
    """``30d``, ``12h``, ``15m``, ``90s`` or an ISO 8601 duration (``P30D``)."""

    name = "window"
    shortest = 2  # longer than the ledger's one-second fold (purge.py)

    def convert(self, value, param, ctx) -> int:
        try:
            seconds = parse_window(value)
        except ValueError:
            self.fail(f"{value!r} is not a window such as 30d, 12h, 15m or P30D", param, ctx)
        if seconds < self.shortest:
            self.fail(
                f"{value!r} is shorter than {self.shortest} s: the usage ledger folds each "
                "second's calls a second later, so a shorter window cannot see the latest key use",
                param,
                ctx,
            )
        return seconds


def _ext(name: str):
    return current_app.extensions[name]


def _within_retention(window: int, option: str) -> None:
    """Usage older than the retention is pruned (``retention.py``): a longer window would
    not see a use, so it is refused rather than answered wrongly."""
    keep = _ext("authenticator").settings.usage_retention
    if window > keep:
        raise click.BadParameter(
            f"longer than the usage retention ({keep // 86400} days,"
            " INVENTORY_USAGE_RETENTION): older calls are no longer recorded",
            param_hint=option,
        )


@click.command("scan")
@with_appcontext
@click.argument("paths", nargs=-1)
@click.option("--env", "scan_env", is_flag=True, help="Also scan this process's environment.")
@click.option(
    "--logs",
    is_flag=True,
    help="PATHS are service logs: in directories only *.log files, of any size; '-' is stdin.",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def scan(paths, scan_env, logs, as_json):
    """Find live API keys in PATHS (files or directories), without printing them.

    Exit status 1 when a live key was found, 0 otherwise.
    """
    if not paths and not scan_env:
        raise click.UsageError("give PATHS to scan and/or --env")
    scanner = _ext("key_scanner")()
    try:
        scanner.scan_paths(paths, logs=logs)
    except FileNotFoundError as exc:
        raise click.UsageError(f"no such file or directory: {exc}") from None
    if scan_env:
        scanner.scan_env(os.environ)
    report = scanner.report
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2))
    else:
        for f in report.findings:
            click.echo(f"{printable(f.location)}: live API key {f.key_id} of {f.client_id}")
        click.echo(
            f"{len(report.findings)} live key(s) found in {report.files} file(s)"
            f"{' and the environment' if scan_env else ''};"
            f" {report.revoked} revoked key(s) and {report.look_alikes} look-alike(s) ignored"
        )
        for skipped in report.skipped:
            click.echo(f"skipped: {printable(skipped)}", err=True)
    raise SystemExit(1 if report.findings else 0)


@click.command("audit")
@with_appcontext
@click.option(
    "--window", type=Window(), default=None, help="Default: INVENTORY_EVIDENCE_WINDOW (30d)."
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def audit_keys(window, as_json):
    """Per key: scopes granted vs used, last use, and the least-privilege AS command."""
    settings = _ext("authenticator").settings
    window = settings.evidence_window if window is None else window
    _within_retention(window, "--window")
    rows = audit(
        _ext("api_keys"),
        _ext("usage_detail"),
        settings.resource,
        window,
        watch_start=_ext("evidence").started_at(),
        as_admin=settings.as_admin_command,
    )
    if as_json:
        click.echo(json.dumps({"window_seconds": window, "keys": rows}, indent=2))
        return
    if not rows:
        click.echo("No API keys stored.")
        return
    header = ("key id", "owner", "granted", "used", "last use", "verdict")
    table = [
        (
            r["key_id"],
            r["client_id"],
            " ".join(r["scopes_granted"]),
            " ".join(r["scopes_used"]) or "-",
            _ago(r["last_use"]),
            _verdict(r),
        )
        for r in rows
    ]
    widths = [max(len(str(x)) for x in col) for col in zip(header, *table, strict=False)]
    for line in (header, *table):
        click.echo("  ".join(str(x).ljust(w) for x, w in zip(line, widths, strict=True)).rstrip())
    click.echo()
    for r in rows:
        click.echo(f"{r['client_id']} ({r['key_id']}): {r['advice']}")
        if r["as_command"]:
            click.echo(f"  {r['as_command']}")


@click.command("purge")
@with_appcontext
@click.option(
    "--unused-for",
    type=Window(),
    default=7 * 86400,
    show_default="7d",
    help="Refuse if any client had a key call accepted within this window.",
)
@click.option("--force", is_flag=True, help="Purge even though clients still use keys.")
@click.option(
    "--dry-run", is_flag=True, help="Print what would go and who blocks it; change nothing."
)
def purge(unused_for, force, dry_run):
    """Delete every API-key hash: the moment the API-key logic can go.

    With --dry-run, exit status 1 when the purge would be refused.
    """
    _within_retention(unused_for, "--unused-for")
    if dry_run:
        preview = _ext("purge").preview(unused_for)
        click.echo(json.dumps(preview))
        raise SystemExit(1 if preview["blockers"] and not force else 0)
    try:
        result = _ext("purge").run(unused_for, force=force)
    except PurgeRefused as refused:
        for b in refused.blockers:
            click.echo(f"{b['client_id']} used an API key {_ago(b['last_key_use'])}", err=True)
        click.echo(
            "purge refused: a client still uses API keys (see above); migrate it, wait, or"
            " use --force",
            err=True,
        )
        raise SystemExit(1) from None
    click.echo(json.dumps(result))


@click.command("extend-sunset")
@with_appcontext
@click.argument("until")
@click.option("--reason", required=True, help="Why: kept with the extension.")
def extend_sunset(until, reason):
    """Keep API keys working past the sunset until UNTIL (an ISO 8601 date or date-time)."""
    try:
        when = parse_instant(until)
        cutoff = _ext("cutoff")
        cutoff.extend(when, reason)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(json.dumps({"sunset": cutoff.status()["sunset"], "reason": reason}))


def _verdict(row: dict) -> str:
    if row["over_privileged"]:
        return "OVER-PRIVILEGED"
    if row["scopes_used"]:
        return "ok"
    return "unused" if row["proven_unused"] else "no use yet"


def _ago(when: int | None) -> str:
    if not when:
        return "never"
    seconds = max(int(time.time()) - when, 0)
    if seconds < 120:
        return f"{seconds} s ago"
    if seconds < 7200:
        return f"{seconds // 60} min ago"
    if seconds < 3 * 86400:
        return f"{seconds // 3600} h ago"
    return datetime.fromtimestamp(when, UTC).strftime("on %Y-%m-%d")


def add_to(group: click.Group) -> None:
    for command in (scan, audit_keys, purge, extend_sunset):
        group.add_command(command)
