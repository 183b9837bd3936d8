"""A private CA and the proxy's server certificate for the compose stack, made at run time.

The compose ``bootstrap`` service calls :func:`ensure_certificates` to fill the ``tls``
volume with ``ca.pem`` (what clients trust), ``server.pem`` (the proxy's chain) and
``server.key``. Nothing here is ever committed or baked into an image.

Demo shortcuts, and why they are safe enough: the CA's private key lives only in memory
and is dropped once the server certificate is signed, so no further certificate can ever
be minted from it; a new CA (and a new trust file) is made whenever the certificate is
missing or close to expiry. A real deployment would take its certificates from its own PKI
or ACME instead of this module.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from collections.abc import Sequence
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

#: The names the proxy answers to: one ``<service>.localhost`` per service (RFC 6761 §6.3:
#: loopback on the host; a network alias of the proxy inside the compose network), plus the
#: loopback names clients on the host use with the published ports.
SERVER_NAMES = (
    "localhost",
    "auth.localhost",
    "inventory.localhost",
    "order.localhost",
    "mcp.localhost",
)
SERVER_IPS = ("127.0.0.1", "::1")
#: Under the 398 days browsers accept for a server certificate.
LIFETIME = dt.timedelta(days=365)
#: A certificate with less than this left is replaced at the next bootstrap.
RENEW_BEFORE = dt.timedelta(days=30)

CA_FILE, CERT_FILE, KEY_FILE = "ca.pem", "server.pem", "server.key"


def ensure_certificates(
    directory: Path,
    names: Sequence[str] = SERVER_NAMES,
    ips: Sequence[str] = SERVER_IPS,
    now: dt.datetime | None = None,
) -> bool:
    """Create the CA and server certificate unless usable ones exist; True if created."""
    now = now or dt.datetime.now(dt.UTC)
    if _still_good(directory, names, now):
        return False
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = _ca_certificate(ca_key, now)
    server_key = ec.generate_private_key(ec.SECP256R1())
    server_cert = _server_certificate(server_key, ca_key, ca_cert, names, ips, now)
    pem = serialization.Encoding.PEM
    directory.mkdir(parents=True, exist_ok=True)
    _write(
        directory / KEY_FILE,
        server_key.private_bytes(
            pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
        0o600,
    )
    # The chain nginx serves: leaf first, then the CA (RFC 8446 §4.4.2 order).
    _write(directory / CERT_FILE, server_cert.public_bytes(pem) + ca_cert.public_bytes(pem), 0o644)
    _write(directory / CA_FILE, ca_cert.public_bytes(pem), 0o644)
    return True


def _still_good(directory: Path, names: Sequence[str], now: dt.datetime) -> bool:
    try:
        cert = x509.load_pem_x509_certificate((directory / CERT_FILE).read_bytes())
        (directory / KEY_FILE).stat()
        (directory / CA_FILE).stat()
    except (OSError, ValueError):
        return False
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    covers = set(names) <= set(san.get_values_for_type(x509.DNSName))
    return covers and cert.not_valid_after_utc - now > RENEW_BEFORE


def _ca_certificate(key: ec.EllipticCurvePrivateKey, now: dt.datetime) -> x509.Certificate:
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "apikey-oauth demo"),
            x509.NameAttribute(NameOID.COMMON_NAME, "apikey-oauth demo CA"),
        ]
    )
    public = key.public_key()
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + LIFETIME)
        # RFC 5280 §4.2.1.9: a CA that may sign end-entity certificates only.
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )


def _server_certificate(
    key: ec.EllipticCurvePrivateKey,
    ca_key: ec.EllipticCurvePrivateKey,
    ca_cert: x509.Certificate,
    names: Sequence[str],
    ips: Sequence[str],
    now: dt.datetime,
) -> x509.Certificate:
    alt_names: list[x509.GeneralName] = [x509.DNSName(n) for n in names]
    alt_names += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in ips]
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + LIFETIME)
        # RFC 6125 §6.4.4: clients match the SAN, never the CN.
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )


def _write(path: Path, data: bytes, mode: int) -> None:
    """Write then rename, so a reader never sees half a file."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(tmp, mode)
    os.replace(tmp, path)
