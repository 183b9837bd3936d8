"""The ``Idempotency-Key`` request header (IETF draft-ietf-httpapi-idempotency-key-header).

The key is an RFC 8941 sf-string (``Idempotency-Key: "8e03978e-..."``); a bare token is
accepted too, as Stripe-style clients send one. Keys are 1-255 characters of printable ASCII
(the draft's security considerations: a fixed, published format, validated before any
look-up). The fingerprint is a SHA-256 of the canonical JSON of the request body, so the
same body with its members in another order is the same request.

Published policy (the draft's §2.3 asks for one): a key is kept 24 hours; the demo has no
caller identity, so keys are global to the service rather than per client.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

HEADER = "Idempotency-Key"
MAX_LENGTH = 255
KEY_TTL = 24 * 3600


class InvalidKey(ValueError):
    """The header is not a key in the published format; the message says why."""


def parse_key(value: str | None) -> str | None:
    """The key carried by the header value, ``None`` without one; raises ``InvalidKey``."""
    if value is None:
        return None
    value = value.strip()
    if value.startswith('"'):
        key = _sf_string(value)
    elif value and all(0x21 <= ord(c) <= 0x7E and c not in '"\\,' for c in value):
        key = value
    else:
        raise InvalidKey("send the key as a quoted string of printable ASCII characters")
    if not 1 <= len(key) <= MAX_LENGTH:
        raise InvalidKey(f"a key has 1 to {MAX_LENGTH} characters")
    return key


def _sf_string(value: str) -> str:
    """RFC 8941 §4.2.5: DQUOTE *( unescaped / "\\" ( DQUOTE / "\\" ) ) DQUOTE."""
    out: list[str] = []
    chars = iter(value[1:])
    for c in chars:
        if c == "\\":
            escaped = next(chars, "")
            if escaped not in ('"', "\\"):
                raise InvalidKey('only \\" and \\\\ may be escaped in a quoted key')
            out.append(escaped)
        elif c == '"':
            if next(chars, None) is not None:
                raise InvalidKey("nothing may follow the closing quote")
            return "".join(out)
        elif 0x20 <= ord(c) <= 0x7E:
            out.append(c)
        else:
            raise InvalidKey("a key is printable ASCII")
    raise InvalidKey("the quoted key has no closing quote")


def fingerprint(body: Any) -> str:
    """SHA-256 of the body's canonical JSON: one request, whatever its member order."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()
