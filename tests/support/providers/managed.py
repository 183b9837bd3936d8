"""Managed authorization servers' token shapes: Auth0, Okta, Entra ID, Cognito, Scalekit."""

from __future__ import annotations

import uuid

from .shape import lifetimes, now


# --- Auth0 --------------------------------------------------------------------------------
# https://auth0.com/docs/secure/tokens/access-tokens/access-token-profiles (the default
# "Auth0" profile: typ JWT, client in azp, gty; no client_id, no jti),
# https://auth0.com/docs/get-started/authentication-and-authorization-flow/client-credentials-flow
# (``audience`` parameter = the API identifier), issuer https://<tenant>/ with its slash,
# https://auth0.com/docs/secure/tokens/id-tokens/id-token-structure (ID token: aud = client).
def auth0_access(shape, issuer, client_id, scopes, audience):
    return {"typ": "JWT"}, {
        **lifetimes(),
        "iss": issuer,
        "sub": f"{client_id}@clients",
        "aud": audience,
        "scope": " ".join(scopes),
        "gty": "client-credentials",
        "azp": client_id,
    }


def auth0_id(shape, issuer, client_id):
    return {"typ": "JWT"}, {
        **lifetimes(),
        "iss": issuer,
        "sub": "auth0|65f1c0ffee",
        "aud": client_id,
        "nonce": "n-0S6_WzA2Mj",
        "sid": "s1d",
        "name": "Jane Doe",
    }


# --- Okta (custom authorization server) ---------------------------------------------------
# https://developer.okta.com/docs/api/openapi/okta-oauth/guides/overview/ (access token: no
# typ header; ver, jti "AT.…", cid, scp array, sub = client id for client credentials),
# https://developer.okta.com/docs/guides/customize-authz-server/main/ (audience of the AS,
# e.g. api://inventory; metadata under /oauth2/<id>/.well-known/oauth-authorization-server).
def okta_access(shape, issuer, client_id, scopes, audience):
    return {}, {
        **lifetimes(),
        "ver": 1,
        "jti": f"AT.{uuid.uuid4().hex}",
        "iss": issuer,
        "aud": audience,
        "cid": client_id,
        "scp": list(scopes),
        "sub": client_id,
    }


def okta_id(shape, issuer, client_id):
    return {}, {
        **lifetimes(),
        "ver": 1,
        "jti": f"ID.{uuid.uuid4().hex}",
        "iss": issuer,
        "aud": client_id,
        "sub": "00u1abcdEFGH",
        "amr": ["pwd"],
        "idp": "00o1abcd",
        "nonce": "n-0S6_WzA2Mj",
        "auth_time": now(),
        "at_hash": "x8qN3Dq7C1wQkqX3mC3sZw",
    }


# --- Microsoft Entra ID (v2.0 app-only token) ---------------------------------------------
# https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference (typ JWT,
# aud = the API's application id GUID, azp, roles = app permissions, uti not jti, ver 2.0,
# idtyp app), https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow
# (scope api://<app>/.default, no resource parameter in v2),
# https://learn.microsoft.com/entra/identity-platform/id-token-claims-reference (ID tokens).
ENTRA_TENANT = "8eaef023-2b34-4da1-9baa-8bc8c9d6a490"
ENTRA_API_APP = "6e74172b-be56-4843-9ff4-e66a39bb12e3"


def entra_access(shape, issuer, client_id, scopes, audience):
    object_id = str(uuid.uuid5(uuid.NAMESPACE_OID, client_id))
    return {"typ": "JWT"}, {
        **lifetimes(),
        "nbf": now(),
        "aud": audience,
        "iss": issuer,
        "aio": "E2ZgYJgTL",
        "azp": client_id,
        "azpacr": "1",
        "idtyp": "app",
        "oid": object_id,
        "rh": "0.AXEA",
        "roles": list(scopes),
        "sub": object_id,
        "tid": ENTRA_TENANT,
        "uti": "AbCdEf123",
        "ver": "2.0",
    }


def entra_id(shape, issuer, client_id):
    return {"typ": "JWT"}, {
        **lifetimes(),
        "nbf": now(),
        "aud": client_id,
        "iss": issuer,
        "oid": str(uuid.uuid4()),
        "sub": "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ",
        "tid": ENTRA_TENANT,
        "uti": "XyZ987",
        "nonce": "n-0S6_WzA2Mj",
        "ver": "2.0",
    }


# --- Amazon Cognito (user pool, M2M) ------------------------------------------------------
# https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-access-token.html
# (no typ header, no aud; token_use access; client_id; scope "<resource server>/<scope>"),
# https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-define-resource-servers.html,
# https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-id-token.html
# (ID token: token_use id, aud = app client). Issuer https://cognito-idp.<region>.amazonaws.com/<pool>.
COGNITO_POOL = "us-east-1_Example"


def cognito_access(shape, issuer, client_id, scopes, audience):
    return {}, {
        **lifetimes(),
        "sub": client_id,
        "token_use": "access",
        "scope": " ".join(scopes),
        "auth_time": now(),
        "iss": issuer,
        "version": 2,
        "jti": str(uuid.uuid4()),
        "client_id": client_id,
    }


def cognito_id(shape, issuer, client_id):
    return {}, {
        **lifetimes(),
        "at_hash": "x8qN3Dq7C1wQkqX3mC3sZw",
        "sub": str(uuid.uuid4()),
        "aud": client_id,
        "token_use": "id",
        "auth_time": now(),
        "iss": issuer,
        "cognito:username": "jane",
        "jti": str(uuid.uuid4()),
        "origin_jti": str(uuid.uuid4()),
    }


# --- Scalekit (M2M) -----------------------------------------------------------------------
# https://docs.scalekit.com/guides/m2m/api-auth-m2m-clients (token at /oauth/token, typ JWT,
# RS256 keys at /keys), https://docs.scalekit.com/m2m/scopes (scopes in a ``scopes`` array,
# client_id, oid), https://docs.scalekit.com/guides/accesstoken-claims (aud an array).
def scalekit_access(shape, issuer, client_id, scopes, audience):
    return {"typ": "JWT"}, {
        **lifetimes(),
        "nbf": now(),
        "aud": audience,
        "client_id": client_id,
        "iss": issuer,
        "jti": f"tkn_{uuid.uuid4().int % 10**18}",
        "oid": "org_69615647365005430",
        "scopes": list(scopes),
        "sub": client_id,
    }


def scalekit_id(shape, issuer, client_id):
    return {"typ": "JWT"}, {
        **lifetimes(),
        "aud": [client_id],
        "azp": client_id,
        "iss": issuer,
        "sub": "usr_987654321098765432",
        "sid": "ses_987654321098765432",
        "amr": ["conn_123"],
        "at_hash": "x8qN3Dq7C1wQkqX3mC3sZw",
        "email": "jane@example.com",
    }
