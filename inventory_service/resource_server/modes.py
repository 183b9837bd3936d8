"""Auth modes and credential kinds: two types, so no string means both.

The wire values are the contract (``INVENTORY_AUTH_MODE``, ``PUT /admin/auth-mode``, the
ledger's ``method`` column, the ``method`` label of ``inventory_auth_requests_total``);
``StrEnum`` keeps them byte-identical while the code says which one it means. ``"api_key"``
is both a mode (phase 0: keys only) and a credential (an ``X-API-Key`` header); here they
are ``AuthMode.API_KEY`` and ``Credential.API_KEY``.
"""

from __future__ import annotations

from enum import StrEnum


class Credential(StrEnum):
    """What a caller presented."""

    API_KEY = "api_key"  # X-API-Key: the legacy credential
    TOKEN = "token"  # noqa: S105 - Authorization: Bearer <jwt>


class AuthMode(StrEnum):
    """Which credentials the API accepts: globally, or for one pinned client."""

    API_KEY = "api_key"  # phase 0 (legacy): keys only
    DUAL = "dual"  # phases 1-2: both, key responses carry Deprecation
    TOKEN_ONLY = "token_only"  # noqa: S105 - phase 3 on: tokens only

    def accepts(self, credential: Credential) -> bool:
        if credential is Credential.TOKEN:
            return self is not AuthMode.API_KEY
        return self is not AuthMode.TOKEN_ONLY


AUTH_MODES = tuple(mode.value for mode in AuthMode)
