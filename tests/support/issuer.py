"""A small third-party RFC 9068 issuer on a real HTTP socket, for resource-server tests.

It is deliberately not our auth_server: it publishes RFC 8414 metadata and a JWKS, and mints
tokens with any header and claims a test asks for (including hostile ones). It counts JWKS
fetches so tests can check the resource server's caching, and can be made to fail.
Like a real AS it answers RFC 7662 introspection for the clients in ``introspectors``:
active for a token it signed with a key it still holds, unless its ``jti`` or its client
was revoked (``revoked_jtis``, ``disabled_clients``).

Its token endpoint refuses (401 ``invalid_client``) unless ``grants_tokens`` is set; then it
records each request (``token_requests``: form, Basic header, and any client assertion's
header and claims, unverified) so client tests see exactly what a client sends, and answers
with a token minted for the requested ``resource`` or ``audience``.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa


class TestIssuer:
    __test__ = False  # not a pytest class

    def __init__(self, alg: str = "ES256") -> None:
        self.alg = alg
        self.keys: dict[str, Any] = {}
        self.jwks_fetches = 0
        self.jwks_cache_control: str | None = None  # e.g. "max-age=60", as our AS sends
        self.failing = False
        self.introspectors: dict[str, str] = {}  # client id -> secret
        self.introspections = 0
        self.revoked_jtis: set[str] = set()
        self.disabled_clients: set[str] = set()
        self.grants_tokens = False
        self.token_requests: list[dict[str, Any]] = []
        self.kid = self.add_key()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.issuer = self.url
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def add_key(self, alg: str | None = None) -> str:
        alg = alg or self.alg
        private = (
            ec.generate_private_key(ec.SECP256R1())
            if alg == "ES256"
            else rsa.generate_private_key(65537, 2048)
        )
        kid = uuid.uuid4().hex[:12]
        self.keys[kid] = (alg, private)
        return kid

    def rotate(self) -> str:
        self.kid = self.add_key()
        return self.kid

    def drop_key(self, kid: str) -> None:
        del self.keys[kid]

    def public_jwks(self) -> dict:
        out = []
        for kid, (alg, private) in self.keys.items():
            algo = jwt.algorithms.ECAlgorithm if alg == "ES256" else jwt.algorithms.RSAAlgorithm
            jwk = algo.to_jwk(private.public_key(), as_dict=True)
            out.append({**jwk, "kid": kid, "alg": alg, "use": "sig"})
        return {"keys": out}

    def public_pem(self, kid: str | None = None) -> bytes:
        from cryptography.hazmat.primitives import serialization

        _, private = self.keys[kid or self.kid]
        return private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def claims(self, audience: str, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": "third-party-client",
            "client_id": "third-party-client",
            "aud": audience,
            "scope": "inventory:read inventory:write",
            "iat": now,
            "exp": now + 300,
            "jti": uuid.uuid4().hex,
        }
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def mint(
        self,
        audience: str,
        headers: dict | None = None,
        key: Any = None,
        alg: str | None = None,
        **claims: Any,
    ) -> str:
        kid = self.kid
        header = {"typ": "at+jwt", "kid": kid, **(headers or {})}
        header = {k: v for k, v in header.items() if v is not None}
        signing_alg, private = self.keys[kid]
        return jwt.encode(
            self.claims(audience, **claims),
            key or private,
            algorithm=alg or signing_alg,
            headers=header,
        )

    def _authenticated(self, header: str) -> bool:
        if not header.startswith("Basic "):
            return False
        client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        return self.introspectors.get(unquote(client_id)) == unquote(secret)

    def _active(self, token: str) -> bool:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            alg, private = self.keys[kid]
            claims = jwt.decode(
                token, private.public_key(), algorithms=[alg], options={"verify_aud": False}
            )
        except (jwt.PyJWTError, KeyError, ValueError):
            return False
        return (
            claims.get("jti") not in self.revoked_jtis
            and claims.get("client_id") not in self.disabled_clients
        )

    def _token_response(self, form: dict[str, list[str]], headers: Any) -> dict[str, Any]:
        """Record a token request and answer it the way an AS that trusts everyone would."""
        fields = {name: values[0] if len(values) == 1 else values for name, values in form.items()}
        request: dict[str, Any] = {"form": fields, "authorization": headers.get("Authorization")}
        assertion = fields.get("client_assertion")
        if isinstance(assertion, str):
            request["assertion_header"] = jwt.get_unverified_header(assertion)
            request["assertion_claims"] = jwt.decode(assertion, options={"verify_signature": False})
        self.token_requests.append(request)
        return {"access_token": self._grant(request), "token_type": "Bearer", "expires_in": 300}

    @staticmethod
    def requesting_client(request: dict[str, Any]) -> str:
        """The client id a recorded token request names (Basic, form or assertion)."""
        basic = request.get("authorization") or ""
        if basic.startswith("Basic "):
            return unquote(base64.b64decode(basic[6:]).decode().partition(":")[0])
        return str(request["form"].get("client_id") or request.get("assertion_claims", {})["sub"])

    def _grant(self, request: dict[str, Any]) -> str:
        fields = request["form"]
        audience = fields.get("resource") or fields.get("audience") or "urn:no-audience"
        return self.mint(audience, scope=fields.get("scope") or None)

    def _handler(self):
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                if issuer.failing:
                    return self._send(503, {"error": "temporarily_unavailable"})
                if self.path == "/.well-known/oauth-authorization-server":
                    return self._send(
                        200,
                        {
                            "issuer": issuer.issuer,
                            "jwks_uri": f"{issuer.url}/jwks",
                            "token_endpoint": f"{issuer.url}/token",
                            "introspection_endpoint": f"{issuer.url}/introspect",
                        },
                    )
                if self.path == "/jwks":
                    issuer.jwks_fetches += 1
                    extra = {"Cache-Control": issuer.jwks_cache_control}
                    return self._send(200, issuer.public_jwks(), extra)
                return self._send(404, {"error": "not_found"})

            def do_POST(self):
                if self.path == "/token" and issuer.grants_tokens and not issuer.failing:
                    return self._send(200, issuer._token_response(self._form(), self.headers))
                if self.path != "/introspect" or issuer.failing:
                    return self._send(401, {"error": "invalid_client"})
                if not issuer._authenticated(self.headers.get("Authorization", "")):
                    return self._send(401, {"error": "invalid_client"})
                issuer.introspections += 1
                form = self._form()
                return self._send(200, {"active": issuer._active(form.get("token", [""])[0])})

            def _form(self) -> dict[str, list[str]]:
                length = int(self.headers.get("Content-Length", "0"))
                return parse_qs(self.rfile.read(length).decode())

            def _send(self, status: int, body: dict, extra: dict | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (extra or {}).items():
                    if value is not None:
                        self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        return Handler
