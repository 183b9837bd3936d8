"""The migration cockpit's data: one snapshot behind the dashboard and ``/admin/cockpit``.

It answers, at a glance from the back of a room: which phase are we in, how long until the
cutoff, who is on keys, who is on tokens, who is being refused *right now*, what each
key-holder really uses, and whether the key hashes are gone yet.

"Being refused right now" means the client's latest decision was a refusal the migration
causes (its mode, the sunset, a brownout, an invalid or revoked key), within the last
``REFUSED_RECENT`` seconds. It outranks every other state: a client whose key calls fail
after a flip is red, whatever the flip was meant to do. Scope and validation refusals are
counted apart (``other_refusals``). The banner and the countdown are in ``verdict.py``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from ..resource_server.flags import GLOBAL
from ..resource_server.modes import AuthMode, Credential
from .scope_audit import audit
from .verdict import banner, countdown

API_KEY, TOKEN = Credential.API_KEY, Credential.TOKEN

REFUSED_RECENT = 300
CURVE_MINUTES = (10, 180)  # the curve spans the recorded calls, within these bounds


def snapshot(ext: Mapping[str, Any], now: float | None = None) -> dict:
    """Everything the dashboard shows, as plain data (the JSON endpoint returns it as is)."""
    detail = ext["usage_detail"]
    now = int(detail.clock() if now is None else now)
    modes, cutoff, purge = ext["auth_modes"], ext["cutoff"], ext["purge"]
    settings = ext["authenticator"].settings
    window, watch_start = settings.evidence_window, ext["evidence"].started_at()
    stored = ext["api_keys"].list()
    keys = [k for k in stored if not k["revoked"]]
    uses, last, denials = detail.uses(), detail.last_decisions(), detail.denials()
    pinned, global_mode = modes.overrides(), modes.global_mode()
    # Grouped once: a client's row then reads only its own keys and uses, so the snapshot
    # grows with the number of clients, not with its square (10,000 clients: make bench).
    keys_of, uses_of = _by_client(keys), _by_client(uses)
    clients = [
        _client(
            row,
            pinned.get(row["client_id"], global_mode),
            keys_of.get(row["client_id"], []),
            uses_of.get(row["client_id"], []),
            last.get(row["client_id"], {}),
            denials.get(row["client_id"], {}),
            now,
            window,
        )
        for row in ext["ledger"].usage()
    ]
    key_rows = audit(
        ext["api_keys"],
        detail,
        settings.resource,
        window,
        now,
        watch_start,
        settings.as_admin_command,
        keys=stored,
        uses=uses,
    )
    last_purge = purge.last()
    sunset = cutoff.status()
    mode, flipped_at = modes.for_client(GLOBAL)
    return {
        "generated_at": now,
        "global_mode": global_mode,
        "pinned": pinned,
        "phase": _phase(global_mode, pinned, sunset, last_purge, keys),
        "banner": banner(clients, key_rows, mode, window),
        "countdown": countdown(sunset, mode, flipped_at),
        "evidence": {"window": window, "watching_since": watch_start},
        "sunset": sunset,
        "purge": last_purge,
        "keys_stored": len(keys),
        "clients": clients,
        "keys": key_rows,
        "series": detail.per_minute(detail.span_minutes(*CURVE_MINUTES)),
    }


def _by_client(rows: Iterable[dict]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        grouped[row["client_id"]].append(row)
    return grouped


def _client(
    row: dict,
    mode: AuthMode,
    keys: list[dict],
    mine: list[dict],
    last: dict[str, float],
    denials: dict[str, dict],
    now: int,
    window: int,
) -> dict:
    client_id = row["client_id"]
    key = row.get(API_KEY) or {}
    token = row.get(TOKEN) or {}
    granted = {s for k in keys for s in k["scopes"].split()}
    granted |= {s for u in mine if u["method"] == TOKEN for s in u["granted"].split()}
    granted |= {s for d in denials.values() for s in d["granted"].split()}
    used = {u["scope"] for u in mine if u["last_seen"] >= now - window}
    last_accepted, last_refused = last.get("accepted", 0.0), last.get("refused", 0.0)
    last_key, last_token = key.get("last_accepted") or 0, token.get("last_accepted") or 0
    still_on_keys = last_key > 0 and last_key >= last_token
    # A tie (same millisecond) counts as refused: red errs on the side of looking.
    refused_now = 0 < last_refused >= last_accepted and last_refused >= now - REFUSED_RECENT
    other = {cause: d["count"] for cause, d in sorted(denials.items())}
    if refused_now:
        state, words = "refused", "being refused right now"
    elif still_on_keys and mode is not AuthMode.TOKEN_ONLY:
        state, words = "keys", "still on keys"
    elif still_on_keys:
        state, words = "keys", "on keys, already refused"
    elif last_token:
        state, words = "tokens", "on tokens"
    elif other:
        state, words = "idle", "no accepted call yet (own mistakes only)"
    else:
        state, words = "idle", "no accepted call yet"
    migration_refused = key.get("refused", 0) + token.get("refused", 0) - sum(other.values())
    return {
        "client_id": client_id,
        "mode": mode,
        API_KEY: {"accepted": key.get("accepted", 0), "refused": key.get("refused", 0)},
        TOKEN: {"accepted": token.get("accepted", 0), "refused": token.get("refused", 0)},
        "migration_refused": max(0, migration_refused),
        "other_refusals": other,
        "scopes_granted": sorted(granted),
        "scopes_used": sorted(used),
        "scopes_unused": sorted(granted - used) if used else [],
        "last_seen": max(key.get("last_seen") or 0, token.get("last_seen") or 0) or None,
        "state": state,
        "state_words": words,
        "refused_now": refused_now,
        "still_on_keys": still_on_keys,
        "breaks_on_token_only": still_on_keys and mode is not AuthMode.TOKEN_ONLY,
    }


def _phase(
    mode: AuthMode, pinned: dict[str, AuthMode], sunset: dict, purge: dict | None, keys: list
) -> dict:
    """The README's phase (0 legacy, 1 dual, 2 migrated, 3 token-only, 4 keys removed)."""
    on_tokens = sorted(c for c, m in pinned.items() if m is AuthMode.TOKEN_ONLY)
    if purge and not keys:
        return {
            "number": 4,
            "name": "keys purged",
            "words": "Every API-key hash is gone: the API-key code path can now be deleted.",
        }
    if mode is AuthMode.TOKEN_ONLY:
        return {"number": 3, "name": "token-only", "words": "Every API key is refused."}
    if sunset["passed"]:
        return {
            "number": 3,
            "name": "past the sunset",
            "words": f"The sunset ({sunset['sunset']}) has passed: every API key is refused.",
        }
    if mode is AuthMode.API_KEY:
        return {"number": 0, "name": "legacy", "words": "Only API keys are accepted."}
    if on_tokens:
        return {
            "number": 2,
            "name": "migrating",
            "words": f"Keys and tokens accepted; moved to tokens: {', '.join(on_tokens)}.",
        }
    return {
        "number": 1,
        "name": "dual",
        "words": "Keys and tokens accepted; key calls carry Deprecation and Sunset.",
    }
