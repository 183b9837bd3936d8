"""The bootstrap's private CA: real TLS handshakes trust it for the proxy's names only."""

import datetime as dt
import socket
import ssl
import threading

import pytest

from scripts.tls import CA_FILE, CERT_FILE, KEY_FILE, ensure_certificates


def handshake(certs, server_hostname: str, cafile=None) -> None:
    """One real TLS handshake over a socket pair: the proxy's chain against a client."""
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(certs / CERT_FILE, certs / KEY_FILE)
    client_ctx = ssl.create_default_context(cafile=str(cafile) if cafile else None)
    left, right = socket.socketpair()

    def serve() -> None:
        try:
            with server_ctx.wrap_socket(right, server_side=True) as tls:
                tls.recv(1)
        except (ssl.SSLError, OSError):
            pass

    server = threading.Thread(target=serve)
    server.start()
    try:
        with client_ctx.wrap_socket(left, server_hostname=server_hostname) as tls:
            tls.sendall(b"x")
    finally:
        right.close()
        server.join(timeout=5)


@pytest.mark.parametrize(
    "name", ["auth.localhost", "inventory.localhost", "order.localhost", "localhost", "127.0.0.1"]
)
def test_a_client_trusting_the_ca_accepts_the_proxy_for_every_service_name(tmp_path, name):
    assert ensure_certificates(tmp_path) is True
    handshake(tmp_path, name, cafile=tmp_path / CA_FILE)


def test_a_name_outside_the_certificate_is_refused(tmp_path):
    ensure_certificates(tmp_path)
    with pytest.raises(ssl.SSLCertVerificationError, match="match"):
        handshake(tmp_path, "example.com", cafile=tmp_path / CA_FILE)


def test_the_private_ca_is_not_trusted_by_default(tmp_path):
    ensure_certificates(tmp_path)
    with pytest.raises(ssl.SSLCertVerificationError, match="certificate"):
        handshake(tmp_path, "auth.localhost")


def test_only_the_server_key_and_certificates_are_written_and_the_key_is_private(tmp_path):
    ensure_certificates(tmp_path)
    # The CA's private key is never written: nothing more can be signed with it.
    assert sorted(p.name for p in tmp_path.iterdir()) == [CA_FILE, KEY_FILE, CERT_FILE]
    assert (tmp_path / KEY_FILE).stat().st_mode & 0o777 == 0o600
    assert b"PRIVATE KEY" not in (tmp_path / CA_FILE).read_bytes()
    assert b"PRIVATE KEY" not in (tmp_path / CERT_FILE).read_bytes()


def test_a_second_bootstrap_keeps_valid_certificates(tmp_path):
    ensure_certificates(tmp_path)
    before = (tmp_path / CA_FILE).read_bytes()
    assert ensure_certificates(tmp_path) is False
    assert (tmp_path / CA_FILE).read_bytes() == before


def test_a_certificate_close_to_expiry_is_replaced_by_a_new_ca(tmp_path):
    ensure_certificates(tmp_path)
    before = (tmp_path / CA_FILE).read_bytes()
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=340)
    assert ensure_certificates(tmp_path, now=later) is True
    assert (tmp_path / CA_FILE).read_bytes() != before


def test_a_damaged_certificate_is_replaced(tmp_path):
    ensure_certificates(tmp_path)
    (tmp_path / CERT_FILE).write_text("not a certificate")
    assert ensure_certificates(tmp_path) is True
    handshake(tmp_path, "auth.localhost", cafile=tmp_path / CA_FILE)
