"""Admin API: auth-mode flags, the usage ledger, and the migration dashboard.

All of it needs a bearer token with ``inventory:admin`` (API keys never administer). The
HTML dashboard may be opened without a token when ``INVENTORY_DASHBOARD_PUBLIC`` is set,
which the local demo does so a workshop can open it in a browser.
"""

from __future__ import annotations

from flask import Blueprint, current_app, request

from service_kit.problem import problem

from .auth import require
from .config import AUTH_MODES

bp = Blueprint("admin", __name__, url_prefix="/admin")
ADMIN = "inventory:admin"


def _modes():
    return current_app.extensions["auth_modes"]


def _mode_from_body(allow_null: bool):
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or "mode" not in body:
        return None, problem(
            400, "Bad request body", 'Send {"mode": "api_key" | "dual" | "token_only"}.'
        )
    mode = body["mode"]
    if (mode is None and allow_null) or mode in AUTH_MODES:
        return mode, None
    return None, problem(422, "Unknown mode", f"mode must be one of {', '.join(AUTH_MODES)}.")


@bp.get("/auth-mode")
@require(ADMIN, admin=True)
def get_auth_mode():
    return {"mode": _modes().global_mode(), "clients": _modes().overrides()}


@bp.put("/auth-mode")
@require(ADMIN, admin=True)
def set_auth_mode():
    mode, error = _mode_from_body(allow_null=False)
    if error:
        return error
    _modes().set_global(mode)
    return {"mode": mode, "clients": _modes().overrides()}


@bp.put("/clients/<client_id>/auth-mode")
@require(ADMIN, admin=True)
def set_client_auth_mode(client_id: str):
    """Pin one client to a mode; ``{"mode": null}`` removes the pin."""
    mode, error = _mode_from_body(allow_null=True)
    if error:
        return error
    if len(client_id) > 128:
        return problem(422, "Client id too long")
    _modes().set_client(client_id, mode)
    return {"client_id": client_id, "mode": mode, "effective": _modes().for_client(client_id)[0]}


@bp.get("/auth-usage")
@require(ADMIN, admin=True)
def auth_usage():
    return {
        "global_mode": _modes().global_mode(),
        "clients": _usage_rows(),
        "mcp_tools": current_app.extensions["tool_ledger"].usage(),
    }


@bp.get("/dashboard")
def dashboard():
    if current_app.extensions["authenticator"].settings.dashboard_public:
        return _render_dashboard()
    return require(ADMIN, admin=True)(_render_dashboard)()


def _render_dashboard():
    from .cockpit_routes import render_dashboard  # the projector cockpit (issue 12)

    return render_dashboard()


def _usage_rows() -> list[dict]:
    """Ledger rows plus what a flip to token_only would do to each client right now."""
    rows = current_app.extensions["ledger"].usage()
    modes = _modes()
    for row in rows:
        row["mode"] = modes.for_client(row["client_id"])[0]
        last_key = (row.get("api_key") or {}).get("last_accepted") or 0
        last_token = (row.get("token") or {}).get("last_accepted") or 0
        # On keys if its latest accepted call used a key; such a client breaks on a flip.
        row["still_on_keys"] = last_key > 0 and last_key >= last_token
        row["breaks_on_token_only"] = row["still_on_keys"] and row["mode"] != "token_only"
    return rows
