"""The cockpit's verdicts: the banner and the countdown, each from evidence only.

"Flipping to token_only breaks nothing" is a promise, so it needs proof: every stored,
unrevoked key watched unused for the whole evidence window (``evidence.py``). Until then
the banner says how long the cockpit has watched and what it is waiting for. Red is for
refusals the migration causes; a caller's own scope mistake is not a migration problem.
"""

from __future__ import annotations

from datetime import UTC, datetime

from ..resource_server.modes import AuthMode
from .evidence import span


def banner(clients: list[dict], keys: list[dict], mode: AuthMode, window: int) -> dict:
    """The one sentence across the top: bad, warn, wait or ok."""
    refused = [c["client_id"] for c in clients if c["refused_now"]]
    if refused:
        return {"level": "bad", "text": f"Being refused right now: {', '.join(refused)}."}
    if mode is AuthMode.TOKEN_ONLY:
        return {
            "level": "ok",
            "text": "Global mode token_only: every API key is refused, and no client is"
            " being refused right now.",
        }
    breaking = [c["client_id"] for c in clients if c["breaks_on_token_only"]]
    if breaking:
        return {
            "level": "warn",
            "text": f"Flipping to token_only now would break {len(breaking)} client(s):"
            f" {', '.join(breaking)}.",
        }
    if not keys:
        return {
            "level": "ok",
            "text": "No API key is stored: flipping to token_only breaks nothing.",
        }
    waiting = [k for k in keys if not k["proven_unused"]]
    if waiting:
        owners = ", ".join(sorted({k["client_id"] for k in waiting}))
        watched = min(k["quiet_for"] for k in waiting)
        return {
            "level": "wait",
            "text": f"Not proven safe yet: {len(waiting)} stored key(s) ({owners}) must stay"
            f" unused for the whole evidence window ({span(window)}); quiet for"
            f" {span(watched)} so far. Revoke them or wait before flipping.",
        }
    return {
        "level": "ok",
        "text": f"Every stored key has been unused for {span(window)}: flipping to"
        " token_only breaks nothing.",
    }


def countdown(sunset: dict, mode: AuthMode, flipped_at: int) -> dict:
    """The box beside the phase: days to the sunset, or since when keys are refused."""
    if mode is AuthMode.TOKEN_ONLY:
        when = datetime.fromtimestamp(flipped_at, UTC).strftime("%Y-%m-%d %H:%M UTC")
        return {"state": "refused", "big": "Keys refused", "small": f"since {when} (token_only)"}
    if not sunset.get("sunset"):
        return {
            "state": "none",
            "big": "No sunset",
            "small": "set INVENTORY_API_KEY_SUNSET to announce the cutoff",
        }
    if sunset["passed"]:
        return {
            "state": "refused",
            "big": "Sunset passed",
            "small": f"keys refused since {sunset['sunset']}",
        }
    extended = f" (extended from {sunset['configured_sunset']})" if sunset.get("extended") else ""
    return {
        "state": "counting",
        "big": f"{sunset['days_left']} days",
        "small": f"until the API-key sunset on {sunset['sunset']}{extended}",
    }
