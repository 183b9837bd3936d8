"""Order's private_key_jwt assertions live 60 s, not Authlib's default hour."""

from __future__ import annotations

import base64
import json
from types import SimpleNamespace

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from joserfc.jwk import ECKey

from order_service.client_auth import ShortLivedPrivateKeyJWT


def payload_of(jwt: str) -> dict:
    part = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def test_assertions_expire_sixty_seconds_after_they_are_issued_with_a_fresh_jti():
    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    auth = SimpleNamespace(client_id="order-service", client_secret=ECKey.import_key(pem))
    method = ShortLivedPrivateKeyJWT("http://as.test/oauth/token", alg="ES256")
    first = payload_of(method.sign(auth, "http://as.test/oauth/token"))
    second = payload_of(method.sign(auth, "http://as.test/oauth/token"))
    assert first["exp"] - first["iat"] == 60
    assert first["aud"] == "http://as.test/oauth/token"
    assert first["iss"] == first["sub"] == "order-service"
    assert first["jti"] != second["jti"]
