"""Read a token endpoint's JSON answer on stdin; print the access token, or the AS's error.

The workshop's one-liners pipe ``curl .../oauth/token`` here: on success the token is the
only output (for ``TOKEN=$(...)``); on a refusal the AS's own ``error`` and
``error_description`` go to stderr with what to check, and the exit status is 1, instead
of a ``KeyError`` that hides them.
"""

from __future__ import annotations

import json
import sys

HINTS = {
    "invalid_client": "check the client id and secret (after `make reset`, run the eval line"
    " again)",
    "invalid_scope": "ask only for scopes the client is registered with",
    "invalid_target": "send a resource the client is registered for",
    "slow_down": "the AS is throttling this client: wait a moment and retry",
}


def main(text: str) -> int:
    try:
        answer = json.loads(text)
    except ValueError:
        print(f"access_token: the AS did not answer JSON: {text[:200]!r}", file=sys.stderr)
        return 1
    token = answer.get("access_token") if isinstance(answer, dict) else None
    if token:
        print(token)
        return 0
    error = answer.get("error", "no access_token") if isinstance(answer, dict) else "no object"
    description = answer.get("error_description", "") if isinstance(answer, dict) else ""
    hint = HINTS.get(error, "read the AS's answer above")
    print(f"access_token: the AS refused: {error}: {description} ({hint})", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.stdin.read()))
