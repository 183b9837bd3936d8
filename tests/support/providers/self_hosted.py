"""Self-hosted authorization servers' token shapes: Keycloak, Ory Hydra, Zitadel."""

from __future__ import annotations

import uuid

from .shape import lifetimes, now


# --- Keycloak -----------------------------------------------------------------------------
# https://www.keycloak.org/docs/latest/server_admin/#_service_accounts (client credentials),
# https://www.keycloak.org/docs/latest/server_admin/#_audience_hardcoded (audience mapper),
# https://www.keycloak.org/docs/latest/securing_apps/#_oidc (endpoints under /realms/<realm>).
# Access tokens carry typ: JWT, azp, scope and a ``typ: Bearer`` claim; no ``aud`` for this
# API without an audience mapper. Keycloak 26.2 can set the header typ to at+jwt (RFC 9068).
def keycloak_access(shape, issuer, client_id, scopes, audience):
    claims = {
        **lifetimes(),
        "jti": f"onrtcc:{uuid.uuid4()}",
        "iss": issuer,
        "sub": str(uuid.uuid5(uuid.NAMESPACE_URL, client_id)),  # the service-account user
        "typ": "Bearer",
        "azp": client_id,
        "client_id": client_id,
        "acr": "1",
        "scope": " ".join(["profile", "email", *scopes]),
        "preferred_username": f"service-account-{client_id}",
        "clientHost": "127.0.0.1",
    }
    if audience is not None:
        claims["aud"] = audience
    return {"typ": "JWT"}, claims


def keycloak_rfc9068_access(shape, issuer, client_id, scopes, audience):
    header, claims = keycloak_access(shape, issuer, client_id, scopes, audience)
    return {**header, "typ": "at+jwt"}, claims


def keycloak_id(shape, issuer, client_id):
    return {"typ": "JWT"}, {
        **lifetimes(),
        "jti": str(uuid.uuid4()),
        "iss": issuer,
        "aud": client_id,
        "sub": str(uuid.uuid4()),
        "typ": "ID",
        "azp": client_id,
        "at_hash": "x8qN3Dq7C1wQkqX3mC3sZw",
        "acr": "1",
        "sid": str(uuid.uuid4()),
    }


# --- Ory Hydra (access_token strategy jwt) ------------------------------------------------
# https://www.ory.sh/docs/hydra/jwt-access-token (typ JWT, scp array, client_id, ext),
# https://www.ory.sh/docs/hydra/guides/audiences (aud only from the ``audience`` parameter,
# within the client's allowed audiences), https://www.ory.sh/docs/oauth2-oidc/overview/oidc-concepts
# (ID token: aud = client, at_hash, rat, sid).
def hydra_access(shape, issuer, client_id, scopes, audience):
    return {"typ": "JWT"}, {
        **lifetimes(),
        "nbf": now(),
        "aud": audience if audience is not None else [],
        "client_id": client_id,
        "ext": {},
        "iss": issuer,
        "jti": str(uuid.uuid4()),
        "scp": list(scopes),
        "sub": client_id,
    }


def hydra_id(shape, issuer, client_id):
    return {"typ": "JWT"}, {
        **lifetimes(),
        "aud": [client_id],
        "at_hash": "x8qN3Dq7C1wQkqX3mC3sZw",
        "auth_time": now(),
        "iss": issuer,
        "jti": str(uuid.uuid4()),
        "rat": now(),
        "sid": str(uuid.uuid4()),
        "sub": "foo@bar.com",
    }


# --- Zitadel ------------------------------------------------------------------------------
# https://zitadel.com/docs/apis/openidoauth/claims (JWT access tokens: aud = project and client
# ids, client_id, jti; roles in urn:zitadel:iam:org:project:roles),
# https://zitadel.com/docs/guides/integrate/service-users/client-credentials (service users),
# https://zitadel.com/docs/guides/integrate/retrieve-user-roles (role claim shape).
ZITADEL_PROJECT = "289374982374982374"
ZITADEL_ROLES = "urn:zitadel:iam:org:project:roles"


def zitadel_access(shape, issuer, client_id, scopes, audience):
    return {"typ": "JWT"}, {
        **lifetimes(),
        "nbf": now(),
        "aud": audience,
        "client_id": client_id,
        "iss": issuer,
        "jti": str(uuid.uuid4().int % 10**18),
        "sub": "289375112398472398",  # the service user
        "scope": f"openid urn:zitadel:iam:org:project:id:{ZITADEL_PROJECT}:aud",
        ZITADEL_ROLES: {scope: {"289374000000000001": "acme.zitadel.cloud"} for scope in scopes},
    }


def zitadel_id(shape, issuer, client_id):
    return {"typ": "JWT"}, {
        **lifetimes(),
        "aud": [ZITADEL_PROJECT, client_id],
        "azp": client_id,
        "amr": ["pwd"],
        "at_hash": "x8qN3Dq7C1wQkqX3mC3sZw",
        "auth_time": now(),
        "iss": issuer,
        "sid": "V1_289375",
        "sub": "289375000000000007",
        ZITADEL_ROLES: {"inventory:admin": {"289374000000000001": "acme.zitadel.cloud"}},
    }
