"""What a provider is, to a resource server: where it publishes what, how its tokens look."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

RESOURCE = "http://inventory.test"
PERMISSIONS = {"read": "inventory:read", "write": "inventory:write", "admin": "inventory:admin"}

Claims = dict[str, Any]


@dataclass(frozen=True)
class Shape:
    """Where a provider publishes what, and how its tokens look."""

    name: str
    docs: tuple[str, ...]  # the provider's pages this shape follows
    issuer_path: str  # appended to http://127.0.0.1:<port>; "/" where the issuer ends in "/"
    metadata_paths: tuple[str, ...]  # absolute paths serving the metadata document
    jwks_path: str
    token_path: str
    introspection_path: str | None  # None: the provider has no RFC 7662 endpoint
    native_scopes: dict[str, str]  # our permission -> the provider's name for it
    audience: Any  # what its access tokens carry as ``aud`` for this API (None: no ``aud``)
    access: Callable[[Shape, str, str, list[str], Any], tuple[dict, Claims]]
    id_token: Callable[[Shape, str, str], tuple[dict, Claims]]


def now() -> int:
    return int(time.time())


def lifetimes(lifetime: int = 300) -> Claims:
    issued = now()
    return {"iat": issued, "exp": issued + lifetime}
