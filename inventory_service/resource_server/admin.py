"""The resource server over HTTP: the auth-mode flags (``/admin``) and RFC 9728 metadata.

Flipping flags needs a bearer token with ``inventory:admin`` (API keys never administer), so
a team can always flip them through the API whatever the mode.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request

from service_kit.problem import problem

from .flags import AuthModeStore
from .modes import AUTH_MODES, AuthMode
from .require import require

bp = Blueprint("admin", __name__, url_prefix="/admin")
metadata = Blueprint("resource_metadata", __name__)
ADMIN = "inventory:admin"
SCOPES = ["inventory:read", "inventory:write", ADMIN]


def _modes() -> AuthModeStore:
    return current_app.extensions["auth_modes"]


def _mode_from_body(allow_null: bool) -> tuple[AuthMode | None, Response | None]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or "mode" not in body:
        return None, problem(
            400, "Bad request body", 'Send {"mode": "api_key" | "dual" | "token_only"}.'
        )
    mode = body["mode"]
    if mode is None and allow_null:
        return None, None
    if isinstance(mode, str) and mode in AUTH_MODES:
        return AuthMode(mode), None
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
    try:
        _modes().set_client(client_id, mode)
    except ValueError as exc:
        return problem(422, "Not a client id", f"{exc}; use PUT /admin/auth-mode.")
    return {"client_id": client_id, "mode": mode, "effective": _modes().for_client(client_id)[0]}


@metadata.get("/.well-known/oauth-protected-resource")
def resource_metadata():
    """RFC 9728 §2: tells an MCP-style client which AS to ask and what to ask for."""
    settings = current_app.extensions["authenticator"].settings
    response = jsonify(
        resource=settings.resource,
        authorization_servers=settings.issuers,
        scopes_supported=SCOPES,
        bearer_methods_supported=["header"],
        resource_documentation=settings.migration_docs_url,
    )
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response
