"""Local stand-ins for eight managed or self-hosted authorization servers, on real sockets.

Each ``ProviderIssuer`` serves one provider's documented metadata and JWKS paths (under its
issuer's path, e.g. Keycloak's ``/realms/<realm>``) and signs tokens in that provider's
documented client-credentials shape, and in the shape of its OpenID Connect ID tokens (which a
resource server must refuse even where it accepts ``typ: JWT``). The claims and header of each
shape follow the provider's own page, cited beside it. Only what a resource server sees is
reproduced: the values (ids, GUIDs) are made up, keys are generated per instance.

``read``/``write``/``admin`` below are this project's three permissions; each provider names
them its own way (``NATIVE_SCOPES``): Entra ID app roles, Cognito resource-server scopes.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any

import jwt

from tests.support.issuer import TestIssuer

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


def _now() -> int:
    return int(time.time())


def _times(lifetime: int = 300) -> Claims:
    now = _now()
    return {"iat": now, "exp": now + lifetime}


# --- Keycloak -----------------------------------------------------------------------------
# https://www.keycloak.org/docs/latest/server_admin/#_service_accounts (client credentials),
# https://www.keycloak.org/docs/latest/server_admin/#_audience_hardcoded (audience mapper),
# https://www.keycloak.org/docs/latest/securing_apps/#_oidc (endpoints under /realms/<realm>).
# Access tokens carry typ: JWT, azp, scope and a ``typ: Bearer`` claim; no ``aud`` for this
# API without an audience mapper. Keycloak 26.2 can set the header typ to at+jwt (RFC 9068).
def _keycloak_access(shape, issuer, client_id, scopes, audience):
    claims = {
        **_times(),
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


def _keycloak_rfc9068_access(shape, issuer, client_id, scopes, audience):
    header, claims = _keycloak_access(shape, issuer, client_id, scopes, audience)
    return {**header, "typ": "at+jwt"}, claims


def _keycloak_id(shape, issuer, client_id):
    return {"typ": "JWT"}, {
        **_times(),
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


# --- Auth0 --------------------------------------------------------------------------------
# https://auth0.com/docs/secure/tokens/access-tokens/access-token-profiles (the default
# "Auth0" profile: typ JWT, client in azp, gty; no client_id, no jti),
# https://auth0.com/docs/get-started/authentication-and-authorization-flow/client-credentials-flow
# (``audience`` parameter = the API identifier), issuer https://<tenant>/ with its slash,
# https://auth0.com/docs/secure/tokens/id-tokens/id-token-structure (ID token: aud = client).
def _auth0_access(shape, issuer, client_id, scopes, audience):
    return {"typ": "JWT"}, {
        **_times(),
        "iss": issuer,
        "sub": f"{client_id}@clients",
        "aud": audience,
        "scope": " ".join(scopes),
        "gty": "client-credentials",
        "azp": client_id,
    }


def _auth0_id(shape, issuer, client_id):
    return {"typ": "JWT"}, {
        **_times(),
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
def _okta_access(shape, issuer, client_id, scopes, audience):
    return {}, {
        **_times(),
        "ver": 1,
        "jti": f"AT.{uuid.uuid4().hex}",
        "iss": issuer,
        "aud": audience,
        "cid": client_id,
        "scp": list(scopes),
        "sub": client_id,
    }


def _okta_id(shape, issuer, client_id):
    return {}, {
        **_times(),
        "ver": 1,
        "jti": f"ID.{uuid.uuid4().hex}",
        "iss": issuer,
        "aud": client_id,
        "sub": "00u1abcdEFGH",
        "amr": ["pwd"],
        "idp": "00o1abcd",
        "nonce": "n-0S6_WzA2Mj",
        "auth_time": _now(),
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


def _entra_access(shape, issuer, client_id, scopes, audience):
    object_id = str(uuid.uuid5(uuid.NAMESPACE_OID, client_id))
    return {"typ": "JWT"}, {
        **_times(),
        "nbf": _now(),
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


def _entra_id(shape, issuer, client_id):
    return {"typ": "JWT"}, {
        **_times(),
        "nbf": _now(),
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


def _cognito_access(shape, issuer, client_id, scopes, audience):
    return {}, {
        **_times(),
        "sub": client_id,
        "token_use": "access",
        "scope": " ".join(scopes),
        "auth_time": _now(),
        "iss": issuer,
        "version": 2,
        "jti": str(uuid.uuid4()),
        "client_id": client_id,
    }


def _cognito_id(shape, issuer, client_id):
    return {}, {
        **_times(),
        "at_hash": "x8qN3Dq7C1wQkqX3mC3sZw",
        "sub": str(uuid.uuid4()),
        "aud": client_id,
        "token_use": "id",
        "auth_time": _now(),
        "iss": issuer,
        "cognito:username": "jane",
        "jti": str(uuid.uuid4()),
        "origin_jti": str(uuid.uuid4()),
    }


# --- Scalekit (M2M) -----------------------------------------------------------------------
# https://docs.scalekit.com/guides/m2m/api-auth-m2m-clients (token at /oauth/token, typ JWT,
# RS256 keys at /keys), https://docs.scalekit.com/m2m/scopes (scopes in a ``scopes`` array,
# client_id, oid), https://docs.scalekit.com/guides/accesstoken-claims (aud an array).
def _scalekit_access(shape, issuer, client_id, scopes, audience):
    return {"typ": "JWT"}, {
        **_times(),
        "nbf": _now(),
        "aud": audience,
        "client_id": client_id,
        "iss": issuer,
        "jti": f"tkn_{uuid.uuid4().int % 10**18}",
        "oid": "org_69615647365005430",
        "scopes": list(scopes),
        "sub": client_id,
    }


def _scalekit_id(shape, issuer, client_id):
    return {"typ": "JWT"}, {
        **_times(),
        "aud": [client_id],
        "azp": client_id,
        "iss": issuer,
        "sub": "usr_987654321098765432",
        "sid": "ses_987654321098765432",
        "amr": ["conn_123"],
        "at_hash": "x8qN3Dq7C1wQkqX3mC3sZw",
        "email": "jane@example.com",
    }


# --- Ory Hydra (access_token strategy jwt) ------------------------------------------------
# https://www.ory.sh/docs/hydra/jwt-access-token (typ JWT, scp array, client_id, ext),
# https://www.ory.sh/docs/hydra/guides/audiences (aud only from the ``audience`` parameter,
# within the client's allowed audiences), https://www.ory.sh/docs/oauth2-oidc/overview/oidc-concepts
# (ID token: aud = client, at_hash, rat, sid).
def _hydra_access(shape, issuer, client_id, scopes, audience):
    return {"typ": "JWT"}, {
        **_times(),
        "nbf": _now(),
        "aud": audience if audience is not None else [],
        "client_id": client_id,
        "ext": {},
        "iss": issuer,
        "jti": str(uuid.uuid4()),
        "scp": list(scopes),
        "sub": client_id,
    }


def _hydra_id(shape, issuer, client_id):
    return {"typ": "JWT"}, {
        **_times(),
        "aud": [client_id],
        "at_hash": "x8qN3Dq7C1wQkqX3mC3sZw",
        "auth_time": _now(),
        "iss": issuer,
        "jti": str(uuid.uuid4()),
        "rat": _now(),
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


def _zitadel_access(shape, issuer, client_id, scopes, audience):
    return {"typ": "JWT"}, {
        **_times(),
        "nbf": _now(),
        "aud": audience,
        "client_id": client_id,
        "iss": issuer,
        "jti": str(uuid.uuid4().int % 10**18),
        "sub": "289375112398472398",  # the service user
        "scope": f"openid urn:zitadel:iam:org:project:id:{ZITADEL_PROJECT}:aud",
        ZITADEL_ROLES: {scope: {"289374000000000001": "acme.zitadel.cloud"} for scope in scopes},
    }


def _zitadel_id(shape, issuer, client_id):
    return {"typ": "JWT"}, {
        **_times(),
        "aud": [ZITADEL_PROJECT, client_id],
        "azp": client_id,
        "amr": ["pwd"],
        "at_hash": "x8qN3Dq7C1wQkqX3mC3sZw",
        "auth_time": _now(),
        "iss": issuer,
        "sid": "V1_289375",
        "sub": "289375000000000007",
        ZITADEL_ROLES: {"inventory:admin": {"289374000000000001": "acme.zitadel.cloud"}},
    }


SAME = dict(PERMISSIONS)
KEYCLOAK = {
    "issuer_path": "/realms/demo",
    "metadata_paths": (
        "/realms/demo/.well-known/openid-configuration",
        "/realms/demo/.well-known/oauth-authorization-server",
    ),
    "jwks_path": "/realms/demo/protocol/openid-connect/certs",
    "token_path": "/realms/demo/protocol/openid-connect/token",
    "introspection_path": "/realms/demo/protocol/openid-connect/token/introspect",
    "native_scopes": SAME,
    "id_token": _keycloak_id,
}
_SHAPES = (
    Shape(
        name="keycloak",
        docs=(
            "https://www.keycloak.org/docs/latest/server_admin/#_service_accounts",
            "https://www.keycloak.org/docs/latest/server_admin/#_audience_hardcoded",
        ),
        audience=RESOURCE,
        access=_keycloak_rfc9068_access,
        **KEYCLOAK,
    ),
    Shape(
        name="keycloak-default",
        docs=("https://www.keycloak.org/docs/latest/server_admin/#_service_accounts",),
        audience=None,
        access=_keycloak_access,
        **KEYCLOAK,
    ),
    Shape(
        name="auth0",
        docs=("https://auth0.com/docs/secure/tokens/access-tokens/access-token-profiles",),
        issuer_path="/",
        metadata_paths=("/.well-known/openid-configuration",),
        jwks_path="/.well-known/jwks.json",
        token_path="/oauth/token",
        introspection_path=None,
        native_scopes=SAME,
        audience=RESOURCE,
        access=_auth0_access,
        id_token=_auth0_id,
    ),
    Shape(
        name="okta",
        docs=("https://developer.okta.com/docs/guides/customize-authz-server/main/",),
        issuer_path="/oauth2/aus1inventory",
        metadata_paths=(
            "/oauth2/aus1inventory/.well-known/oauth-authorization-server",
            "/oauth2/aus1inventory/.well-known/openid-configuration",
        ),
        jwks_path="/oauth2/aus1inventory/v1/keys",
        token_path="/oauth2/aus1inventory/v1/token",
        introspection_path="/oauth2/aus1inventory/v1/introspect",
        native_scopes=SAME,
        audience="api://inventory",
        access=_okta_access,
        id_token=_okta_id,
    ),
    Shape(
        name="entra",
        docs=("https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference",),
        issuer_path=f"/{ENTRA_TENANT}/v2.0",
        metadata_paths=(f"/{ENTRA_TENANT}/v2.0/.well-known/openid-configuration",),
        jwks_path=f"/{ENTRA_TENANT}/discovery/v2.0/keys",
        token_path=f"/{ENTRA_TENANT}/oauth2/v2.0/token",
        introspection_path=None,
        native_scopes={"read": "Inventory.Read", "write": "Inventory.Write", "admin": "Inventory.Admin"},
        audience=ENTRA_API_APP,
        access=_entra_access,
        id_token=_entra_id,
    ),
    Shape(
        name="cognito",
        docs=("https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-access-token.html",),
        issuer_path=f"/{COGNITO_POOL}",
        metadata_paths=(f"/{COGNITO_POOL}/.well-known/openid-configuration",),
        jwks_path=f"/{COGNITO_POOL}/.well-known/jwks.json",
        token_path="/oauth2/token",  # on the pool's domain, not the issuer's host
        introspection_path=None,
        native_scopes={"read": "inventory/read", "write": "inventory/write", "admin": "inventory/admin"},
        audience=None,
        access=_cognito_access,
        id_token=_cognito_id,
    ),
    Shape(
        name="scalekit",
        docs=("https://docs.scalekit.com/guides/m2m/api-auth-m2m-clients",),
        issuer_path="",
        metadata_paths=("/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"),
        jwks_path="/keys",
        token_path="/oauth/token",
        introspection_path=None,
        native_scopes=SAME,
        audience=[RESOURCE],
        access=_scalekit_access,
        id_token=_scalekit_id,
    ),
    Shape(
        name="hydra",
        docs=("https://www.ory.sh/docs/hydra/jwt-access-token",),
        issuer_path="/",
        metadata_paths=("/.well-known/openid-configuration",),
        jwks_path="/.well-known/jwks.json",
        token_path="/oauth2/token",
        introspection_path="/admin/oauth2/introspect",
        native_scopes=SAME,
        audience=[RESOURCE],
        access=_hydra_access,
        id_token=_hydra_id,
    ),
    Shape(
        name="zitadel",
        docs=("https://zitadel.com/docs/apis/openidoauth/claims",),
        issuer_path="",
        metadata_paths=("/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"),
        jwks_path="/oauth/v2/keys",
        token_path="/oauth/v2/token",
        introspection_path="/oauth/v2/introspect",
        native_scopes=SAME,
        audience=[ZITADEL_PROJECT, "289375000000000099"],
        access=_zitadel_access,
        id_token=_zitadel_id,
    ),
)  # fmt: skip
SHAPES: dict[str, Shape] = {shape.name: shape for shape in _SHAPES}


class ProviderIssuer(TestIssuer):
    """A ``TestIssuer`` that looks, from a resource server, like ``shape``'s provider."""

    def __init__(self, shape: Shape | str) -> None:
        self.shape = SHAPES[shape] if isinstance(shape, str) else shape
        super().__init__(alg="RS256")
        self.issuer = f"{self.url}{self.shape.issuer_path}"
        self.metadata_fetches: list[str] = []
        self.app_roles: tuple[str, ...] = ("read", "write")  # Entra ID, Zitadel: roles granted
        self.grants_tokens = True

    def metadata(self) -> dict[str, Any]:
        meta = {
            "issuer": self.issuer,
            "jwks_uri": f"{self.url}{self.shape.jwks_path}",
            "token_endpoint": f"{self.url}{self.shape.token_path}",
            # Required by the MCP SDK's metadata model; nothing here uses it.
            "authorization_endpoint": f"{self.url}/authorize",
            "grant_types_supported": ["client_credentials"],
        }
        if self.shape.introspection_path:
            meta["introspection_endpoint"] = f"{self.url}{self.shape.introspection_path}"
        return meta

    def native(self, *permissions: str) -> list[str]:
        """The provider's names for ``read``/``write``/``admin``."""
        return [self.shape.native_scopes[p] for p in permissions]

    def access_token(
        self,
        *permissions: str,
        client_id: str = "order-service",
        audience: Any = "default",
        lifetime: int | None = None,
        **overrides: Any,
    ) -> str:
        """An access token as the provider issues it for ``permissions`` (read/write/admin)."""
        aud = self.shape.audience if audience == "default" else audience
        header, claims = self.shape.access(
            self.shape, self.issuer, client_id, self.native(*permissions), aud
        )
        if lifetime is not None:
            claims["exp"] = claims["iat"] + lifetime
        return self._sign(header, {**claims, **overrides})

    def id_token(self, client_id: str = "order-service", **overrides: Any) -> str:
        """An OpenID Connect ID token as the provider issues it to ``client_id``."""
        header, claims = self.shape.id_token(self.shape, self.issuer, client_id)
        return self._sign(header, {**claims, **overrides})

    def _grant(self, request: dict[str, Any]) -> str:
        """A token in the provider's shape for a recorded request: the scopes it asked for, for
        the API its ``audience`` parameter names where the provider reads one (Auth0, Hydra).
        Entra ID and Zitadel grant what was assigned to the client (``app_roles``) instead."""
        fields = request["form"]
        requested = str(fields.get("scope") or "").split()
        ours = {native: ours for ours, native in self.shape.native_scopes.items()}
        if self.shape.name in ("entra", "zitadel"):
            permissions = list(self.app_roles)
        else:
            permissions = [ours[s] for s in requested if s in ours]
        audience: Any = "default"
        if self.shape.name == "auth0":
            audience = fields.get("audience")
        elif self.shape.name == "hydra":
            audience = [fields["audience"]] if fields.get("audience") else []
        return self.access_token(
            *permissions, client_id=self.requesting_client(request), audience=audience
        )

    def _sign(self, header: dict, claims: Claims) -> str:
        _, private = self.keys[self.kid]
        claims = {k: v for k, v in claims.items() if v is not None}
        # PyJWT adds typ: JWT unless told typ None; Okta and Cognito send no typ at all.
        headers = {"typ": None, **header, "kid": self.kid}
        return jwt.encode(claims, private, algorithm="RS256", headers=headers)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        base = super()._handler()
        issuer = self

        class Handler(base):  # type: ignore[misc, valid-type]
            def do_GET(self):
                path = self.path.split("?", 1)[0]
                if issuer.failing:
                    return self._send(503, {"error": "temporarily_unavailable"})
                if path in issuer.shape.metadata_paths:
                    issuer.metadata_fetches.append(path)
                    return self._send(200, issuer.metadata())
                if path == issuer.shape.jwks_path:
                    issuer.jwks_fetches += 1
                    return self._send(200, issuer.public_jwks())
                return self._send(404, {"error": "not_found"})

            def do_POST(self):
                path = self.path.split("?", 1)[0]
                if path == issuer.shape.token_path:
                    self.path = "/token"
                elif issuer.shape.introspection_path and path == issuer.shape.introspection_path:
                    self.path = "/introspect"
                else:
                    return self._send(404, {"error": "not_found"})
                return super().do_POST()

        return Handler
