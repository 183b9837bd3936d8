"""Phase 1 (dual), before clients move in phase 2: what does each key-holder actually need?

For every stored API key: its owner, the scopes it was granted, the scopes its accepted calls
needed within the window (from ``usage_detail.py``), when it was last used, and the exact
command that registers the owner at the AS with no broader scope than that. A key granted
more than it used is flagged as over-privileged. A key with no use in the window gets no
command; it is called unused (revoke it rather than migrate it) only once it has been
*watched* unused for the whole window (``evidence.py``): a few quiet minutes prove nothing.
"""

from __future__ import annotations

import re
import shlex
import time

from ..resource_server.api_keys import ApiKeyStore
from ..resource_server.modes import Credential
from .evidence import DEFAULT_EVIDENCE_WINDOW, quiet_since, span
from .usage_detail import UsageDetailStore

DEFAULT_WINDOW = DEFAULT_EVIDENCE_WINDOW
_PLAIN = re.compile(r"[A-Za-z0-9:._/ -]+")


def registration_command(
    client_id: str, scopes: list[str], resource: str, as_admin: str = "flask --app auth_server"
) -> str:
    """``<as_admin> clients create ...`` for the AS, quoted for a POSIX shell; ``as_admin``
    is ``INVENTORY_AS_ADMIN_COMMAND`` (the `make up` stack's entry point in the workshop)."""
    scope = " ".join(scopes)
    quoted = f'"{scope}"' if _PLAIN.fullmatch(scope) else shlex.quote(scope)
    return (
        f"{as_admin} clients create {shlex.quote(client_id)}"
        f" --scope {quoted} --resource {shlex.quote(resource)}"
    )


def audit(
    api_keys: ApiKeyStore,
    usage: UsageDetailStore,
    resource: str,
    window: int = DEFAULT_WINDOW,
    now: float | None = None,
    watch_start: int = 0,
    as_admin: str = "flask --app auth_server",
    keys: list[dict] | None = None,
    uses: list[dict] | None = None,
) -> list[dict]:
    """One row per stored, unrevoked key; ``watch_start``: since when its use is recorded.
    ``keys`` and ``uses``: the stores' lists when the caller has read them already."""
    now = int(time.time() if now is None else now)
    since = now - window
    uses_of: dict[str, list[dict]] = {}  # per key id, so each key reads only its own uses
    for use in usage.uses() if uses is None else uses:
        if use["method"] == Credential.API_KEY:
            uses_of.setdefault(use["key_id"], []).append(use)
    rows = []
    for key in api_keys.list() if keys is None else keys:
        if key["revoked"]:
            continue
        granted = sorted(key["scopes"].split())
        mine = uses_of.get(key["key_id"], [])
        recent = [u for u in mine if u["last_seen"] >= since]
        used = sorted({u["scope"] for u in recent})
        last_use = max((u["last_seen"] for u in mine), default=None)
        quiet_for = now - quiet_since(key["created_at"], last_use, watch_start)
        proven_unused = not used and quiet_for >= window
        rows.append(
            {
                "key_id": key["key_id"],
                "client_id": key["client_id"],
                "scopes_granted": granted,
                "scopes_used": used,
                "unused_scopes": sorted(set(granted) - set(used)) if used else [],
                "over_privileged": bool(used) and set(granted) > set(used),
                "last_use": last_use,
                "quiet_for": quiet_for,
                "proven_unused": proven_unused,
                "endpoints": {u["endpoint"]: u["count"] for u in recent},
                "recommended_scope": " ".join(used) or None,
                "as_command": registration_command(key["client_id"], used, resource, as_admin)
                if used
                else None,
                "advice": _advice(granted, used, proven_unused, quiet_for, window),
            }
        )
    return rows


def _advice(
    granted: list[str], used: list[str], proven_unused: bool, quiet_for: int, window: int
) -> str:
    if proven_unused:
        return f"unused for the whole window ({span(window)}): revoke it rather than migrate it"
    if not used:
        return (
            f"no use seen in the {span(quiet_for)} watched so far; unused only after"
            f" {span(window)} without a call"
        )
    extra = sorted(set(granted) - set(used))
    if extra:
        return f"over-privileged: never used {' '.join(extra)}; register with {' '.join(used)}"
    return "uses every scope it holds"
