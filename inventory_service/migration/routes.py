"""The migration tooling over HTTP: the cockpit, the usage ledger, the migration guide.

``GET /admin/cockpit`` (JSON) and ``GET /admin/auth-usage`` need an ``inventory:admin``
token like the rest of ``/admin``. The projector dashboard (``/admin/dashboard``) may be
opened without a token when ``INVENTORY_DASHBOARD_PUBLIC`` is set, which the local demo does
so a workshop can open it in a browser. ``/docs/migration`` is the page API-key responses
link to (``rel="deprecation"`` and ``rel="sunset"``).
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from ..resource_server.modes import AuthMode, Credential
from ..resource_server.require import require
from .chart import migration_chart
from .cockpit import snapshot
from .evidence import span

bp = Blueprint("cockpit", __name__)
ADMIN = "inventory:admin"
# A projector shows a few dozen rows; the banner and counts still cover every client, and
# the JSON snapshot lists them all. Rendering 10,000 rows took seconds (docs/performance.md).
DASHBOARD_ROWS = 50


@bp.get("/admin/cockpit")
@require(ADMIN, admin=True)
def cockpit_json():
    return snapshot(current_app.extensions)


@bp.get("/admin/auth-usage")
@require(ADMIN, admin=True)
def auth_usage():
    return {
        "global_mode": current_app.extensions["auth_modes"].global_mode(),
        "clients": _usage_rows(),
        "mcp_tools": current_app.extensions["tool_ledger"].usage(),
        "issuers": current_app.extensions["issuer_usage"].usage(),
    }


@bp.get("/admin/dashboard")
def dashboard():
    if current_app.extensions["authenticator"].settings.dashboard_public:
        return _render_dashboard()
    return require(ADMIN, admin=True)(_render_dashboard)()


def _render_dashboard() -> str:
    data = snapshot(current_app.extensions)
    clients, keys = _most_urgent(data.pop("clients")), data.pop("keys")
    agents = _per_agent(current_app.extensions["tool_ledger"].usage())
    return render_template(
        "dashboard.html",
        chart=migration_chart(data["series"]),
        mcp_rows=agents[:DASHBOARD_ROWS],
        mcp_hidden=max(0, len(agents) - DASHBOARD_ROWS),
        span=span,
        issuer_rows=current_app.extensions["issuer_usage"].usage(),  # token calls per AS
        clients=clients[:DASHBOARD_ROWS],
        clients_hidden=max(0, len(clients) - DASHBOARD_ROWS),
        keys=keys[:DASHBOARD_ROWS],
        keys_hidden=max(0, len(keys) - DASHBOARD_ROWS),
        **data,
    )


def _most_urgent(clients: list[dict]) -> list[dict]:
    """Red first, then who still holds keys, then the rest (each by id): when a table
    cannot show everyone, it shows whom to look at."""
    order = {"refused": 0, "keys": 1}
    return sorted(clients, key=lambda c: (order.get(c["state"], 2), c["client_id"]))


@bp.get("/docs/migration")
def migration_docs():
    settings = current_app.extensions["authenticator"].settings
    return render_template("migration.html", settings=settings)


@bp.app_context_processor
def cutoff_status() -> dict:
    """The migration page (the ``rel="sunset"`` target) states the date and the brownouts."""
    return {"cutoff": current_app.extensions["cutoff"].status()}


def _per_agent(rows: list[dict]) -> list[dict]:
    """The MCP server's calls, one row per agent (its tools in one cell): fits a projector."""
    agents: dict[str, dict] = {}
    for row in rows:
        agent = agents.setdefault(
            row["client_id"],
            {"client_id": row["client_id"], "tools": [], "refused": 0, "last_seen": 0},
        )
        agent["tools"].append((row["tool"], row["accepted"], row["refused"]))
        agent["refused"] += row["refused"]
        agent["last_seen"] = max(agent["last_seen"], row["last_seen"])
    return [agents[k] for k in sorted(agents)]


def _usage_rows() -> list[dict]:
    """Ledger rows plus what a flip to token_only would do to each client right now."""
    rows = current_app.extensions["ledger"].usage()
    modes = current_app.extensions["auth_modes"]
    for row in rows:
        row["mode"] = modes.for_client(row["client_id"])[0]
        last_key = (row.get(Credential.API_KEY) or {}).get("last_accepted") or 0
        last_token = (row.get(Credential.TOKEN) or {}).get("last_accepted") or 0
        # On keys if its latest accepted call used a key; such a client breaks on a flip.
        row["still_on_keys"] = last_key > 0 and last_key >= last_token
        row["breaks_on_token_only"] = (
            row["still_on_keys"] and row["mode"] is not AuthMode.TOKEN_ONLY
        )
    return rows
