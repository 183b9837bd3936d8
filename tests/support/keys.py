"""Client keys and certificates for client-authentication tests, as PEM bytes."""

from __future__ import annotations

import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from joserfc.jwk import import_key


def private_pem(kind: str = "EC") -> bytes:
    key = ec.generate_private_key(ec.SECP256R1()) if kind == "EC" else rsa.generate_private_key(65537, 2048)  # fmt: skip
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def self_signed_certificate(key_pem: bytes, name: str = "order-service") -> bytes:
    """A certificate for ``key_pem``, as uploaded to Entra ID as an app's credential."""
    key = serialization.load_pem_private_key(key_pem, password=None)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


def public_jwks(key_pem: bytes, kid: str | None = None) -> dict:
    """The JWK Set an AS registers for a ``private_key_jwt`` client."""
    private = serialization.load_pem_private_key(key_pem, password=None)
    key_type = "EC" if isinstance(private, ec.EllipticCurvePrivateKey) else "RSA"
    jwk = import_key(key_pem, key_type).as_dict(private=False)
    return {"keys": [{**jwk, **({"kid": kid} if kid else {})}]}
