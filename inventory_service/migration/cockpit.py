"""The migration cockpit's data: one snapshot behind the dashboard and ``/admin/cockpit``.

It answers, at a glance from the back of a room: which phase are we in, how long until the
cutoff, who is on keys, who is on tokens, who is being refused *right now*, what each
key-holder really uses, and whether the key hashes are gone yet.

"Being refused right now" means the client's latest decision was a refusal, within the last
``REFUSED_RECENT`` seconds. It outranks every other state: a client whose key calls fail
after a flip is red, whatever the flip was meant to do.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..resource_server.modes import AuthMode, Credential
from .scope_audit import DEFAULT_WINDOW, audit

API_KEY, TOKEN = Credential.API_KEY, Credential.TOKEN

REFUSED_RECENT = 300


def snapshot(ext: Mapping[str, Any], now: float | None = None) -> dict:
    """Everything the dashboard shows, as plain data (the JSON endpoint returns it as is)."""
    now = int(ext["usage_detail"].clock() if now is None else now)
    modes, cutoff, purge = ext["auth_modes"], ext["cutoff"], ext["purge"]
    settings = ext["authenticator"].settings
    keys = [k for k in ext["api_keys"].list() if not k["revoked"]]
    uses = ext["usage_detail"].uses()
    last = ext["usage_detail"].last_decisions()
    clients = [
        _client(row, modes, keys, uses, last.get(row["client_id"], {}), now)
        for row in ext["ledger"].usage()
    ]
    last_purge = purge.last()
    sunset = cutoff.status()
    return {
        "generated_at": now,
        "global_mode": modes.global_mode(),
        "pinned": modes.overrides(),
        "phase": _phase(modes.global_mode(), modes.overrides(), sunset, last_purge, keys),
        "banner": _banner(clients),
        "sunset": sunset,
        "purge": last_purge,
        "keys_stored": len(keys),
        "clients": clients,
        "keys": audit(ext["api_keys"], ext["usage_detail"], settings.resource, now=now),
        "series": ext["usage_detail"].per_minute(60),
    }


def _client(
    row: dict, modes, keys: list[dict], uses: list[dict], last: dict[str, float], now: int
) -> dict:
    client_id = row["client_id"]
    key = row.get(API_KEY) or {}
    token = row.get(TOKEN) or {}
    mode = modes.for_client(client_id)[0]
    mine = [u for u in uses if u["client_id"] == client_id]
    granted = {s for k in keys if k["client_id"] == client_id for s in k["scopes"].split()}
    granted |= {s for u in mine if u["method"] == TOKEN for s in u["granted"].split()}
    used = {u["scope"] for u in mine if u["last_seen"] >= now - DEFAULT_WINDOW}
    last_accepted, last_refused = last.get("accepted", 0.0), last.get("refused", 0.0)
    last_key, last_token = key.get("last_accepted") or 0, token.get("last_accepted") or 0
    still_on_keys = last_key > 0 and last_key >= last_token
    # A tie (same millisecond) counts as refused: red errs on the side of looking.
    refused_now = 0 < last_refused >= last_accepted and last_refused >= now - REFUSED_RECENT
    if refused_now:
        state, words = "refused", "being refused right now"
    elif still_on_keys and mode is not AuthMode.TOKEN_ONLY:
        state, words = "keys", "still on keys"
    elif still_on_keys:
        state, words = "keys", "on keys, already refused"
    elif last_token:
        state, words = "tokens", "on tokens"
    else:
        state, words = "idle", "no accepted call yet"
    return {
        "client_id": client_id,
        "mode": mode,
        API_KEY: {"accepted": key.get("accepted", 0), "refused": key.get("refused", 0)},
        TOKEN: {"accepted": token.get("accepted", 0), "refused": token.get("refused", 0)},
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


def _banner(clients: list[dict]) -> dict:
    refused = [c["client_id"] for c in clients if c["refused_now"]]
    if refused:
        return {
            "level": "bad",
            "text": f"Being refused right now: {', '.join(refused)}.",
        }
    breaking = [c["client_id"] for c in clients if c["breaks_on_token_only"]]
    if breaking:
        return {
            "level": "warn",
            "text": f"Flipping to token_only now would break {len(breaking)} client(s):"
            f" {', '.join(breaking)}.",
        }
    return {
        "level": "ok",
        "text": "No client relies on an API key: flipping to token_only breaks nothing.",
    }
