"""The cockpit over HTTP: ``GET /admin/cockpit`` (JSON) and the projector dashboard's page.

The dashboard keeps its route in ``admin.py`` (``/admin/dashboard``); this module renders it.
The JSON endpoint needs an ``inventory:admin`` token like the rest of ``/admin``.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from .auth import require
from .chart import migration_chart
from .cockpit import snapshot

bp = Blueprint("cockpit", __name__, url_prefix="/admin")


@bp.get("/cockpit")
@require("inventory:admin", admin=True)
def cockpit_json():
    return snapshot(current_app.extensions)


def render_dashboard() -> str:
    data = snapshot(current_app.extensions)
    return render_template(
        "dashboard.html",
        chart=migration_chart(data["series"]),
        mcp_rows=current_app.extensions["tool_ledger"].usage(),  # the MCP server's calls
        **data,
    )


@bp.app_context_processor
def cutoff_status() -> dict:
    """The migration page (the ``rel="sunset"`` target) states the date and the brownouts."""
    return {"cutoff": current_app.extensions["cutoff"].status()}
